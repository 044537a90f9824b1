#!/usr/bin/env bash
# The standard load-test set behind BENCHMARKS.md (`make bench`).
#
# Builds release binaries, starts its own servers in a temporary directory, runs `loadtest`
# against them (loopback only, every run bounded in count and time), reads server memory from
# /proc/<pid>/status (through loadtest --server-pid) and rewrites the section of BENCHMARKS.md
# between <!-- bench:begin --> and <!-- bench:end -->. Everything it starts, it stops.
#
# Knobs (environment): BENCH_WS_PORT (28080), BENCH_ENDPOINT_PORT (28180; server i uses +i),
# BENCH_SCALE_CLIENTS (100000: the many-process idle run; 0 skips it), BENCH_SKIP_BUILD=1 (use the
# release binaries as they are), PUSHGO (a pushgo binary: the notify, connect and stored scenarios
# run against it too, side by side, the servers alternating, BENCH_SIDE_RUNS (3) times each; without
# it the peer is skipped), BENCH_ONLY_SIDE=1 (only the side-by-side runs), BENCH_ONLY=tls (only
# the TLS runs, BENCH_TLS_RUNS (2) rounds, into their own section).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.build/release"
WS_PORT="${BENCH_WS_PORT:-28080}"
EP_PORT="${BENCH_ENDPOINT_PORT:-28180}"
SCALE_CLIENTS="${BENCH_SCALE_CLIENTS:-100000}"
URL="ws://127.0.0.1:$WS_PORT/"
MEMCACHED_PORT="${BENCH_MEMCACHED_PORT:-28311}"

# Server settings come only from this script.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^SIMPLEPUSH_' || true)

if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
    echo "==> using the release binaries already in $BIN (BENCH_SKIP_BUILD=1)"
else
    echo "==> building release binaries (a cold release build takes about 15 minutes on this 2-core machine;"
    echo "    later ones are quick). SwiftPM builds only the last of several --product flags, hence two steps."
    swift build -c release --product simplepush
    swift build -c release --product loadtest
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/simplepush-bench.XXXXXX")"
MANIFEST="$WORK/manifest.tsv"
: >"$MANIFEST"
SERVER_PIDS=()
SERVERS_TEXT=""

stop_servers() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${SERVER_PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PIDS=()
}
cleanup() {
    stop_servers
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

KEY="$("$BIN/simplepush" genkey)"
# Set by the TLS runs: the variables that put our WebSocket listener on TLS.
SERVER_TLS_ENV=()

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_servers COUNT WORKERS STORAGE: COUNT processes sharing the WebSocket port (SO_REUSEPORT),
# each with its own endpoint port, one token key, WORKERS reactor threads each.
start_servers() {
    local count=$1 workers=$2 storage=$3 i
    stop_servers
    for ((i = 0; i < count; i++)); do
        mkdir -p "$WORK/server-$i"
        (cd "$WORK/server-$i" && exec env "${SERVER_TLS_ENV[@]}" SIMPLEPUSH_DEFAULT_TOKEN_KEYS="$KEY" SIMPLEPUSH_WEBSOCKET_WORKERS="$workers" \
            SIMPLEPUSH_STORAGE_MEMCACHE_SERVER="127.0.0.1:$MEMCACHED_PORT" "$BIN/simplepush" serve --ws-addr "127.0.0.1:$WS_PORT" --endpoint-addr "127.0.0.1:$((EP_PORT + i))" \
            --storage "$storage" --sqlite-path "$WORK/push.sqlite" --log-level warning) >>"$WORK/server-$i.log" 2>&1 &
        SERVER_PIDS+=("$!")
        # The WebSocket listener starts before the endpoint, so an open endpoint means both are up.
        for _ in $(seq 300); do port_open "$((EP_PORT + i))" && break; sleep 0.1; done
        port_open "$((EP_PORT + i))" || { echo "server $i did not start; log:"; cat "$WORK/server-$i.log"; exit 1; }
    done
    local endpoint="127.0.0.1:$EP_PORT"
    if ((count > 1)); then endpoint="127.0.0.1:$EP_PORT+i (one per process)"; fi
    SERVERS_TEXT="$count × \`${SERVER_TLS_ENV[*]+${SERVER_TLS_ENV[*]//$WORK\//} }SIMPLEPUSH_WEBSOCKET_WORKERS=$workers simplepush serve --ws-addr 127.0.0.1:$WS_PORT --endpoint-addr $endpoint --storage $storage\`"
}

# run TAGS NAME ARGS...: one loadtest run; the word @PIDS@ in ARGS stands for --server-pid of
# every running server. Records the summary and the exact command in the manifest.
run() {
    local tags=$1 name=$2
    shift 2
    local args=() shown=() word pid
    for word in "$@"; do
        if [[ $word == @PIDS@ ]]; then
            for pid in "${SERVER_PIDS[@]}"; do args+=(--server-pid "$pid"); done
            shown+=("--server-pid <pid of each server>")
        else
            args+=("$word")
            shown+=("$word")
        fi
    done
    local json="$WORK/$name.json"
    echo "==> $name: loadtest ${shown[*]}"
    "$BIN/loadtest" "${args[@]}" --json "$json" || echo "    ($name had errors: see its row)"
    [[ -f $json ]] || { echo "no summary from $name"; exit 1; }
    printf '%s\t%s\t%s\t%s\n' "$tags" "$json" "$SERVERS_TEXT" "loadtest ${shown[*]}" >>"$MANIFEST"
}

field() { "$BIN/loadtest" inspect "$WORK/$1.json" "$2"; }

if [[ ${BENCH_ONLY_SIDE:-0} != 1 && ${BENCH_ONLY:-} != tls ]]; then
# Idle connections: memory per connection and connect rate, one server process on one reactor
# thread (a fresh server for each, so every baseline is an idle server).
start_servers 1 1 memory
run idle idle-1k connect --url "$URL" --clients 1000 --rate 100000 --duration 3 @PIDS@
start_servers 1 1 memory
run idle,rate idle-15k connect --url "$URL" --clients 15000 --rate 100000 --max-pending 2000 --duration 5 @PIDS@

# 100,000 idle connections: more than one process may hold (open-file limit 20,000), so six
# server processes share the port and loadtest spreads over its own worker processes and
# several source addresses.
if ((SCALE_CLIENTS > 0)); then
    start_servers 6 1 memory
    run idle "idle-$SCALE_CLIENTS" connect --url "$URL" --clients "$SCALE_CLIENTS" --rate 20000 --duration 10 @PIDS@
fi

# Notifications end to end: find the highest rate held (loadtest --find-max: 0 errors, ≥ 99% of
# the plan sent), then measure latency at 50% and 100% of it. One server process: updates for devices on another process are stored, not sent.
start_servers 1 0 memory
run notify-max notify-max notify --url "$URL" --clients 1000 --channels 1 --rate 2000 --duration 3 --http-connections 128 --find-max --find-max-budget 60
MAX_RATE="$(field notify-max plan.rate | cut -d. -f1)"
MAX_RATE="${MAX_RATE:-1000}"
((MAX_RATE >= 100)) || MAX_RATE=100
start_servers 1 0 memory
run notify-half notify-half notify --url "$URL" --clients 1000 --channels 1 --rate "$((MAX_RATE / 2))" --duration 10 --http-connections 128
start_servers 1 0 memory
run notify-full notify-full notify --url "$URL" --clients 1000 --channels 1 --rate "$MAX_RATE" --duration 10 --http-connections 128

# Stored delivery: PUT while offline, reconnect, drain. Memory store, then the SQLite default.
start_servers 1 0 memory
run "stored,note:memory store" stored-memory stored --url "$URL" --clients 5000 --channels 2 --rate 20000 --connect-rate 10000 --duration 30
rm -f "$WORK"/push.sqlite*
start_servers 1 0 sqlite
run "stored,note:SQLite store" stored-sqlite stored --url "$URL" --clients 5000 --channels 2 --rate 20000 --connect-rate 10000 --duration 30

# WebPush: POST → notification, VAPID-signed (one token per load process, as app servers sign
# and reuse theirs), aes128gcm-shaped bodies of 0, 256 and 4096 bytes; for each the highest
# rate, then latency at half of it. Then 256 bytes with a fresh token per push, which the
# server's VAPID cache cannot help: one ECDSA verification per push.
for bytes in 0 256 4096; do
    start_servers 1 0 memory
    run "notify-max,note:WebPush $bytes B" "webpush-$bytes-max" notify --webpush --payload-bytes "$bytes" --url "$URL" --clients 1000 --channels 1 --rate 1000 --duration 3 --http-connections 128 --find-max --find-max-budget 60
    WP_RATE="$(field "webpush-$bytes-max" plan.rate | cut -d. -f1)"
    WP_RATE="${WP_RATE:-200}"
    ((WP_RATE >= 200)) || WP_RATE=200
    start_servers 1 0 memory
    run "notify-half,note:WebPush $bytes B" "webpush-$bytes-half" notify --webpush --payload-bytes "$bytes" --url "$URL" --clients 1000 --channels 1 --rate "$((WP_RATE / 2))" --duration 10 --http-connections 128
done
start_servers 1 0 memory
run "notify-max,note:WebPush 256 B with a new VAPID token per push" webpush-novapidcache-max notify --webpush --vapid-per-push --payload-bytes 256 --url "$URL" --clients 1000 --channels 1 --rate 1000 --duration 3 --http-connections 128 --find-max --find-max-budget 60

# WebPush stored delivery: POST while offline, reconnect, drain in batches of 10 acked messages.
start_servers 1 0 memory
run "stored,note:WebPush 256 B in the memory store" webpush-stored-memory stored --webpush --payload-bytes 256 --url "$URL" --clients 5000 --channels 2 --rate 20000 --connect-rate 10000 --duration 30
rm -f "$WORK"/push.sqlite*
start_servers 1 0 sqlite
run "stored,note:WebPush 256 B in the SQLite store" webpush-stored-sqlite stored --webpush --payload-bytes 256 --url "$URL" --clients 5000 --channels 2 --rate 20000 --connect-rate 10000 --duration 30

# Reconnect storm with UAIDs.
start_servers 1 0 memory
run churn churn churn --url "$URL" --clients 2000 --channels 1 --rate 5000 --duration 5 --source-addresses 4
stop_servers
fi

# Side by side with the peer. Its configs are written here; its ports are ours, so the same
# load commands drive both. The peer's pid goes in SERVER_PIDS, so stop_servers stops it too.
MEMCACHED_PID=""
stop_memcached() {
    if [[ -n $MEMCACHED_PID ]]; then kill "$MEMCACHED_PID" 2>/dev/null || true; wait "$MEMCACHED_PID" 2>/dev/null || true; MEMCACHED_PID=""; fi
}
trap 'stop_memcached; cleanup' EXIT

start_memcached() {
    stop_memcached
    memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 1024 -u "$(id -un)" >>"$WORK/memcached.log" 2>&1 &
    MEMCACHED_PID=$!
    for _ in $(seq 100); do port_open "$MEMCACHED_PORT" && return; sleep 0.1; done
    echo "memcached did not start"; exit 1
}

# pushgo's config: its WebSocket and endpoint listeners on our ports, 19,000 connections each,
# no store or memcached.
write_peer_config() {
    local store=$1 file="$WORK/pushgo-$1.toml"
    {
        echo '[default]'; echo 'current_host = "127.0.0.1"'
        echo '[websocket]'; echo '[websocket.listener]'; echo "addr = \"127.0.0.1:$WS_PORT\""; echo 'max_connections = 19000'
        if ((${#SERVER_TLS_ENV[@]} > 0)); then echo "cert_file = \"$WORK/tls/server.pem\""; echo "key_file = \"$WORK/tls/server.key\""; fi
        echo '[endpoint]'; echo '[endpoint.listener]'; echo "addr = \"127.0.0.1:$EP_PORT\""; echo 'max_connections = 19000'
        echo '[propping]'; echo 'type = "noop"'
        echo '[logging]'; echo 'type = "stdout"'; echo 'format = "text"'; echo 'filter = 3'
        if [[ $store == none ]]; then
            echo '[storage]'; echo 'type = "none"'
        else
            echo '[storage]'; echo 'type = "memcache_memcachego"'; echo '[storage.memcache]'; echo "server = [\"127.0.0.1:$MEMCACHED_PORT\"]"
        fi
        echo '[router]'; echo '[router.listener]'; echo "addr = \"127.0.0.1:$((EP_PORT + 50))\""
        echo '[discovery]'; echo 'type = "static"'
        echo '[metrics]'
        echo '[balancer]'; echo 'type = "none"'
    } >"$file"
    echo "$file"
}

start_peer() {
    local store=$1 config
    stop_servers
    config="$(write_peer_config "$store")"
    mkdir -p "$WORK/pushgo"
    (cd "$WORK/pushgo" && ulimit -n 20000 2>/dev/null; exec "$PUSHGO" -config "$config") >>"$WORK/pushgo.log" 2>&1 </dev/null &
    SERVER_PIDS=("$!")
    for _ in $(seq 300); do port_open "$WS_PORT" && port_open "$EP_PORT" && break; sleep 0.1; done
    port_open "$EP_PORT" || { echo "pushgo did not start; log:"; tail -20 "$WORK/pushgo.log"; exit 1; }
    local tls_text=""
    if ((${#SERVER_TLS_ENV[@]} > 0)); then tls_text=", cert_file and key_file on its WebSocket listener"; fi
    SERVERS_TEXT="\`pushgo -config\` (storage $store$tls_text, written by the bench)"
}

# side_start ROLE STORE WORKERS: a fresh server process for the next run, ours (WORKERS reactor
# threads) or the peer's (ROLE peer).
side_start() {
    if [[ $1 == peer ]]; then start_peer "$2"; else start_servers 1 "$3" "$2"; fi
}

side_pair() {
    local pair=$1 ours_store=$2 peer_store=$3 round role store tags max
    local ours_name="simplepush ($ours_store store)" peer_name="pushgo ($peer_store)"
    [[ $ours_store == memcache ]] && start_memcached
    for round in $(seq "${BENCH_SIDE_RUNS:-3}"); do
        # Alternate which server goes first, round by round.
        local order=(ours peer)
        ((round % 2 == 0)) && order=(peer ours)
        for role in "${order[@]}"; do
            if [[ $role == ours ]]; then store=$ours_store; name=$ours_name; else store=$peer_store; name=$peer_name; fi
            tags="side,pair:$pair,role:$role,server:$name"
            side_start "$role" "$store" 1
            run "$tags,figure:connect" "side-$pair-$role-$round-connect" connect --url "$URL" --clients 15000 --rate 100000 --max-pending 2000 --duration 3 @PIDS@
            side_start "$role" "$store" 0
            run "$tags,figure:max" "side-$pair-$role-$round-max" notify --url "$URL" --clients 1000 --channels 1 --rate 2000 --duration 3 --http-connections 128 --find-max --find-max-budget 60 @PIDS@
            max="$(field "side-$pair-$role-$round-max" plan.rate | cut -d. -f1)"
            max="${max:-400}"
            side_start "$role" "$store" 0
            run "$tags,figure:half" "side-$pair-$role-$round-half" notify --url "$URL" --clients 1000 --channels 1 --rate "$((max / 2))" --duration 10 --http-connections 128 @PIDS@
            side_start "$role" "$store" 0
            run "$tags,figure:cpu" "side-$pair-$role-$round-cpu" notify --url "$URL" --clients 1000 --channels 1 --rate 1500 --duration 10 --http-connections 128 @PIDS@
            if [[ $store != none ]]; then
                side_start "$role" "$store" 0
                run "$tags,figure:stored" "side-$pair-$role-$round-stored" stored --url "$URL" --clients 5000 --channels 2 --rate 20000 --connect-rate 10000 --duration 30 @PIDS@
            fi
        done
    done
    stop_servers
    stop_memcached
}

[[ -z ${PUSHGO:-} || -x $PUSHGO ]] || { echo "PUSHGO=$PUSHGO is not an executable"; exit 1; }
MACHINE="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r), open-file limit $(ulimit -Hn)"
if [[ ${BENCH_ONLY:-} != tls ]]; then
    if [[ -n ${PUSHGO:-} ]]; then
        echo "==> side by side with $PUSHGO, ${BENCH_SIDE_RUNS:-3} runs each, alternating"
        side_pair "no store" memory none
        side_pair memcached memcache memcache
    else
        echo "==> no PUSHGO given: the side-by-side runs against pushgo are skipped (make bench PUSHGO=<path to pushgo>)"
    fi
    "$BIN/loadtest" bench-report --manifest "$MANIFEST" --markdown "$ROOT/BENCHMARKS.md" --machine "$MACHINE"
    echo "==> BENCHMARKS.md updated"
fi

# TLS: idle connections and reconnect storms over ws:// and wss://, full and resumed handshakes,
# ours (one reactor thread) and the peer (when PUSHGO is given) alternating, each on a fresh
# process; a P-256 certificate made here. Their own manifest and section.
if [[ ${BENCH_ONLY_SIDE:-0} != 1 ]]; then
    MANIFEST="$WORK/tls-manifest.tsv"
    : >"$MANIFEST"
    mkdir -p "$WORK/tls"
    (cd "$WORK/tls" &&
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench-ca -keyout ca.key -out ca.pem &&
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr &&
        echo "subjectAltName = IP:127.0.0.1" >server.ext &&
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem) >/dev/null 2>&1 ||
        { echo "openssl could not make the bench certificate"; exit 1; }
    roles=(ours)
    [[ -n ${PUSHGO:-} ]] && roles=(ours peer)
    WSS_URL="wss://127.0.0.1:$WS_PORT/"
    churn_args=(--clients 2000 --rate 1000 --duration 5 --source-addresses 4 @PIDS@)
    for round in $(seq "${BENCH_TLS_RUNS:-2}"); do
        order=("${roles[@]}")
        ((round % 2 == 0 && ${#roles[@]} == 2)) && order=(peer ours)
        for role in "${order[@]}"; do
            if [[ $role == ours ]]; then name="simplepush (memory store)" store=memory; else name="pushgo (none)" store=none; fi
            tags="side,pair:tls,role:$role,server:$name"
            for scheme in ws wss; do
                if [[ $scheme == wss ]]; then
                    SERVER_TLS_ENV=("SIMPLEPUSH_WEBSOCKET_LISTENER_CERT_FILE=$WORK/tls/server.pem" "SIMPLEPUSH_WEBSOCKET_LISTENER_KEY_FILE=$WORK/tls/server.key")
                    url=$WSS_URL
                else
                    SERVER_TLS_ENV=()
                    url=$URL
                fi
                side_start "$role" "$store" 1
                run "$tags,figure:idle-$scheme" "tls-$role-$round-idle-$scheme" connect --url "$url" --clients 15000 --rate 100000 --max-pending 2000 --duration 3 @PIDS@
                if [[ $scheme == ws ]]; then
                    side_start "$role" "$store" 1
                    run "$tags,figure:churn-ws" "tls-$role-$round-churn-ws" churn --url "$url" "${churn_args[@]}"
                else
                    side_start "$role" "$store" 1
                    run "$tags,figure:churn-full" "tls-$role-$round-churn-full" churn --url "$url" --no-tls-resume "${churn_args[@]}"
                    side_start "$role" "$store" 1
                    run "$tags,figure:churn-resumed" "tls-$role-$round-churn-resumed" churn --url "$url" "${churn_args[@]}"
                fi
            done
            SERVER_TLS_ENV=()
        done
    done
    stop_servers
    "$BIN/loadtest" bench-report --tls --manifest "$MANIFEST" --markdown "$ROOT/BENCHMARKS.md" --machine "$MACHINE"
    echo "==> BENCHMARKS.md (TLS section) updated"
fi
