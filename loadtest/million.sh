#!/usr/bin/env bash
# One million concurrent idle SimplePush connections on this machine (`make million`).
#
# Starts memcached and one cluster (`simplepush serve` with [cluster] procs workers, each holding
# at most ~16,000 devices under a 20,000 open-file limit per process), opens the connections from
# several loadtest runs (at most 200,000 each, spread over source addresses 127.0.0.2…), waits
# until all have said hello, holds them MILLION_HOLD seconds while a further run PUTs a few
# thousand notifications through the shared endpoint port (so each lands on a random worker and
# is handed to the device's), then measures and tears everything down by itself.
#
# It raises what it can for the run (local port range, listen backlog, tcp_mem, the file table,
# conntrack's table) and puts every value back afterwards. Loopback only; bounded in time
# (MILLION_TIME_LIMIT seconds, 900 by default).
#
# Knobs (environment): MILLION_CLIENTS (1000000), MILLION_PROCS (one worker per 16,000 clients),
# MILLION_RATE (4000 connections/s in all), MILLION_HOLD (60 s), MILLION_NOTIFICATIONS (3000),
# MILLION_SKIP_BUILD=1 (use the release binaries already built), MILLION_WRITE (1 for a full
# million: rewrites the section of BENCHMARKS.md between the million markers; 0 only prints),
# MILLION_LOGS (a directory that receives the server's, memcached's and every run's logs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.build/release"
CLIENTS="${MILLION_CLIENTS:-1000000}"
PROCS="${MILLION_PROCS:-$(((CLIENTS + 15999) / 16000))}"
RATE="${MILLION_RATE:-4000}"
HOLD="${MILLION_HOLD:-60}"
NOTIFICATIONS="${MILLION_NOTIFICATIONS:-3000}"
TIME_LIMIT="${MILLION_TIME_LIMIT:-900}"
WRITE="${MILLION_WRITE:-$([[ $CLIENTS == 1000000 ]] && echo 1 || echo 0)}"
WS_PORT=27080 EP_PORT=27081 ROUTER_BASE=27100 METRICS_BASE=27700 MEMCACHED_PORT=27411
PER_RUN=200000
NOTIFY_CLIENTS=1000
NOTIFY_SECONDS=30

while read -r name; do unset "$name"; done < <(compgen -e | grep '^SIMPLEPUSH_' || true)
if [[ ${MILLION_SKIP_BUILD:-0} != 1 ]]; then
    echo "==> release build"
    (cd "$ROOT" && swift build -c release --product simplepush && swift build -c release --product loadtest)
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/simplepush-million.XXXXXX")"
STARTED=$(date +%s)
PIDS=()
SAVED=()
SUPERVISOR=""

log() { printf '[%4ds] %s\n' "$(($(date +%s) - STARTED))" "$*"; }

# set_sysctl KEY VALUE: remembers the old value, restored by cleanup. A single number is only
# ever raised.
set_sysctl() {
    local key=$1 value=$2 path="/proc/sys/${1//.//}" old
    [[ -w $path ]] || { log "cannot set $key (not writable here); it stays $(cat "$path" 2>/dev/null | tr '\t' ' ')"; return 0; }
    old="$(tr '\t' ' ' <"$path")"
    if [[ $old =~ ^[0-9]+$ && $value =~ ^[0-9]+$ ]] && ((old >= value)); then return 0; fi
    SAVED+=("$key=$old")
    echo "$value" >"$path"
    log "$key: $old -> $value"
}

cleanup() {
    local pid entry
    # Ignored, not reset: a second signal (timeout(1) sends its own to the whole group) must not
    # cut the clean-up short and leave the system settings raised.
    trap - EXIT
    trap '' INT TERM
    for pid in "${PIDS[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
    if [[ -n $SUPERVISOR ]]; then
        kill -TERM "$SUPERVISOR" 2>/dev/null || true
        for _ in $(seq 300); do kill -0 "$SUPERVISOR" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SUPERVISOR" 2>/dev/null || true
    fi
    pkill -KILL -f "$WORK/" 2>/dev/null || true
    wait 2>/dev/null || true
    for entry in "${SAVED[@]}"; do
        echo "${entry#*=}" >"/proc/sys/$(echo "${entry%%=*}" | tr . /)" 2>/dev/null || true
    done
    if ((${#SAVED[@]})); then log "system settings restored"; fi
    if [[ -n ${MILLION_LOGS:-} ]]; then
        mkdir -p "$MILLION_LOGS" && cp "$WORK"/*.log "$WORK"/*.json "$WORK"/*.toml "$MILLION_LOGS"/ 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The hard bound: whatever is still running then is stopped.
(sleep "$TIME_LIMIT" && log "time limit ($TIME_LIMIT s) reached: stopping" && kill -TERM $$) 2>/dev/null &
WATCHDOG=$!
PIDS+=("$WATCHDOG")

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Two sockets per connection (both ends are on this machine), a few files more per process.
set_sysctl net.ipv4.ip_local_port_range "1024 65535"
set_sysctl net.core.somaxconn 65535
set_sysctl net.ipv4.tcp_max_syn_backlog 65535
set_sysctl fs.file-max $((CLIENTS * 2 + 1000000))
# Pages; idle sockets queue little, but a burst of hellos must not hit the pressure mark.
set_sysctl net.ipv4.tcp_mem "1048576 2097152 4194304"
[[ -e /proc/sys/net/netfilter/nf_conntrack_max ]] && set_sysctl net.netfilter.nf_conntrack_max $((CLIENTS * 2 + 100000))
ulimit -n "$(ulimit -Hn)"
log "open files per process: $(ulimit -n); $CLIENTS connections, $PROCS workers"

memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 4096 -c 16384 -t 2 -u "$(id -un)" >"$WORK/memcached.log" 2>&1 &
MEMCACHED=$!
PIDS+=("$MEMCACHED")
for _ in $(seq 50); do port_open "$MEMCACHED_PORT" && break; sleep 0.1; done

cat >"$WORK/million.toml" <<EOF
[default]
token_keys = ["$("$BIN/simplepush" genkey)"]
[websocket]
workers = 1
[websocket.listener]
addr = "127.0.0.1:$WS_PORT"
[endpoint.listener]
addr = "127.0.0.1:$EP_PORT"
[storage]
type = "memcache"
[storage.memcache]
server = ["127.0.0.1:$MEMCACHED_PORT"]
pool_size = 4
[router]
addr = "127.0.0.1:$ROUTER_BASE"
[metrics]
addr = "127.0.0.1:$METRICS_BASE"
[cluster]
procs = $PROCS
[logging]
level = "notice"
EOF
(cd "$WORK" && exec "$BIN/simplepush" serve --config "$WORK/million.toml") >"$WORK/server.log" 2>&1 &
SUPERVISOR=$!
for _ in $(seq 600); do
    port_open $((METRICS_BASE + PROCS - 1)) && port_open "$EP_PORT" && break
    kill -0 "$SUPERVISOR" 2>/dev/null || break
    sleep 0.1
done
port_open $((METRICS_BASE + PROCS - 1)) || { log "the cluster did not start"; tail -50 "$WORK/server.log"; exit 1; }
sleep 1
log "cluster up: supervisor $SUPERVISOR, workers $(pgrep -P "$SUPERVISOR" | wc -l)"

workers() { pgrep -P "$SUPERVISOR" || true; }
# kib_sum FILE FIELD PID...: the sum of one kB field of /proc/<pid>/FILE over the processes.
kib_sum() {
    local file=$1 field=$2 total=0 pid kib
    shift 2
    for pid in "$@"; do kib=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$pid/$file" 2>/dev/null || echo 0); total=$((total + ${kib:-0})); done
    echo "$total"
}
rss_kib() { kib_sum status VmRSS "$@"; }
server_rss() { rss_kib "$SUPERVISOR" $(workers); }
# Proportional set size: pages shared between the workers (the binary, the libraries) counted once.
# (It falls when other programs map the same libraries, as the load tester does.)
server_pss() { kib_sum smaps_rollup Pss "$SUPERVISOR" $(workers); }
# Anonymous memory (heap, stacks): each process's own, so what connections add.
server_anon() { kib_sum status RssAnon "$SUPERVISOR" $(workers); }
# metric_per_worker AWK: what the awk program (given each worker's /metrics, printing one number)
# makes of each worker's metrics, in worker order (asked 16 at a time).
metric_per_worker() {
    local program=$1
    seq 0 $((PROCS - 1)) | METRICS_BASE=$METRICS_BASE PROGRAM=$program xargs -P 16 -I{} sh -c \
        'printf "%s %s\n" {} "$(curl -s --max-time 5 http://127.0.0.1:$((METRICS_BASE + {}))/metrics | awk "$PROGRAM")"' |
        sort -n | awk '{printf "%d ", $2}'
}
sum() { awk '{for (i = 1; i <= NF; i++) s += $i} END {printf "%d", s}'; }
# Devices each worker holds.
per_worker() { metric_per_worker '/^simplepush_connections[{ ]/ {s += $NF} END {printf "%d", s}'; }
connections() { per_worker | sum; }
# Node records written: claims timed by the store, less those that failed.
records_written() {
    metric_per_worker '/^simplepush_store_duration_seconds_count[{].*operation="claim_node"/ {s += $NF}
        /^simplepush_store_errors_total[{].*operation="claim_node"/ {s -= $NF} END {printf "%d", s}' | sum
}
kernel() {
    echo "sockstat: $(grep '^TCP:' /proc/net/sockstat)"
    echo "meminfo: $(grep -E '^(Slab|SUnreclaim|MemAvailable):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
    echo "file-nr: $(tr '\t' ' ' </proc/sys/fs/file-nr)"
    [[ -e /proc/sys/net/netfilter/nf_conntrack_count ]] && echo "conntrack: $(cat /proc/sys/net/netfilter/nf_conntrack_count)"
    return 0
}
slab_kib() { awk '/^Slab:/ {print $2}' /proc/meminfo; }
tcp_mem_pages() { awk '/^TCP:/ {for (i = 1; i < NF; i++) if ($i == "mem") print $(i + 1)}' /proc/net/sockstat; }

RSS_IDLE=$(server_rss)
PSS_IDLE=$(server_pss)
ANON_IDLE=$(server_anon)
SLAB_IDLE=$(slab_kib)
TCPMEM_IDLE=$(tcp_mem_pages)
log "idle cluster: server RSS $((RSS_IDLE / 1024)) MiB, PSS $((PSS_IDLE / 1024)) MiB"

# The connect runs: each holds its devices until it is interrupted, after the notify run and the
# measurements (their progress lines, once a second, tell when every device has its hello answered).
RUNS=$(((CLIENTS + PER_RUN - 1) / PER_RUN))
CONNECT_START=$(date +%s.%N)
CONNECT_PIDS=()
for ((k = 0; k < RUNS; k++)); do
    count=$((k == RUNS - 1 ? CLIENTS - PER_RUN * (RUNS - 1) : PER_RUN))
    "$BIN/loadtest" connect --url "ws://127.0.0.1:$WS_PORT/" --clients "$count" --rate $((RATE / RUNS)) \
        --duration "$TIME_LIMIT" --setup-timeout 120 --json "$WORK/connect-$k.json" >"$WORK/connect-$k.log" 2>&1 &
    PIDS+=("$!")
    CONNECT_PIDS+=("$!")
done
log "$RUNS connect runs started at $RATE connections/s in all"

# Until every run has set up every device (its hello answered, or given up after the set-up timeout).
set_up() {
    local k
    for ((k = 0; k < RUNS; k++)); do
        tail -n 3 "$WORK/connect-$k.log" 2>/dev/null | grep -q -E '^\[connect [0-9.]+s\] +(running|finished)' || return 1
    done
}
while ! set_up; do
    sleep 3
    log "connected: $(connections)"
    # Set-up can take no longer than its timeout past the planned connect phase.
    (($(date +%s) - ${CONNECT_START%.*} > CLIENTS / RATE + 150)) && break
done
CONNECT_SECONDS=$(echo "$(date +%s.%N) - $CONNECT_START" | bc)
HELD=$(connections)
log "set up after $CONNECT_SECONDS s: $HELD connected"
# A hello is answered at once and its node record written after (the connection waits for it
# before its next message): until every record is written, new devices' store calls queue
# behind the backlog. Bounded, like the rest.
while :; do
    WRITTEN=$(records_written)
    ((WRITTEN >= HELD)) && break
    (($(date +%s) - ${CONNECT_START%.*} > CLIENTS / RATE + 300)) && break
    log "node records written: $WRITTEN"
    sleep 3
done
RECORDS_SECONDS=$(echo "$(date +%s.%N) - $CONNECT_START" | bc)
log "node records written after $RECORDS_SECONDS s: $WRITTEN"
RSS_FULL=$(server_rss)
PSS_FULL=$(server_pss)
ANON_FULL=$(server_anon)
SLAB_FULL=$(slab_kib)
TCPMEM_FULL=$(tcp_mem_pages)
KERNEL_FULL="$(kernel)"
SPREAD="$(per_worker)"
LOAD_RSS=$(rss_kib $(pgrep -f "$BIN/loadtest" || true))
MEMCACHED_RSS=$(rss_kib "$MEMCACHED")
echo "$KERNEL_FULL"

# The notifications, PUT through the shared endpoint port while everything is held.
log "before notify: load average $(cut -d' ' -f1-3 /proc/loadavg), CPU idle $(vmstat 1 2 | awk 'END {print $15}')%"
log "notify: $NOTIFICATIONS PUTs over $NOTIFY_SECONDS s to $NOTIFY_CLIENTS more devices"
"$BIN/loadtest" notify --url "ws://127.0.0.1:$WS_PORT/" --clients "$NOTIFY_CLIENTS" --rate $((NOTIFICATIONS / NOTIFY_SECONDS)) \
    --duration "$NOTIFY_SECONDS" --quiet --json "$WORK/notify.json" >"$WORK/notify.log" 2>&1 || true
inspect() { "$BIN/loadtest" inspect "$WORK/$1.json" "$2" 2>/dev/null || echo "?"; }

# The rest of the hold: sample the count until HOLD seconds have passed since all connected.
MIN_HELD=$HELD
HOLD_END=$(($(date +%s) + HOLD - NOTIFY_SECONDS))
while (($(date +%s) < HOLD_END)); do
    sleep 5
    n=$(connections)
    ((n < MIN_HELD)) && MIN_HELD=$n
done
n=$(connections)
((n < MIN_HELD)) && MIN_HELD=$n
log "held for $HOLD s: at least $MIN_HELD connections throughout the samples"

# The connect runs end with their summaries; why some did not connect, if any.
for pid in "${CONNECT_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
ERRORS=""
for ((k = 0; k < RUNS; k++)); do
    wait "${CONNECT_PIDS[$k]}" 2>/dev/null || true
    ERRORS+="run $k: $(inspect "connect-$k" counters.ready) ready at $(printf "%.0f" "$(inspect "connect-$k" connectsPerSecond)")/s, set-up p99 $(inspect "connect-$k" setupLatency.p99) ms, $(inspect "connect-$k" counters.failed) failed; "
done
WORKER_COMPLAINTS=$(grep -c -E "Too many open files|EMFILE|cannot accept" "$WORK/server.log" || true)

per_conn() { echo "scale=1; ($1 - $2) * 1024 / $3" | bc; }
REPORT="$WORK/report.md"
{
    echo "<!-- million:begin -->"
    echo "Measured on $(date -u +%Y-%m-%d) with \`make million\` (\`loadtest/million.sh\`, MILLION_CLIENTS=$CLIENTS): one cluster of"
    echo "$PROCS workers (\`simplepush serve\` with \`[cluster] procs = $PROCS\`, \`[websocket] workers = 1\`, memcached store,"
    echo "router and metrics on port + worker index), $RUNS \`loadtest connect\` runs of up to $PER_RUN devices at $RATE connections/s"
    echo "in all, then \`loadtest notify --clients $NOTIFY_CLIENTS --rate $((NOTIFICATIONS / NOTIFY_SECONDS)) --duration $NOTIFY_SECONDS\` through the shared ports."
    echo
    echo "| Figure | Value |"
    echo "|---|---|"
    echo "| connections held after hello | $HELD of $CLIENTS (at least $MIN_HELD throughout the ${HOLD} s hold) |"
    echo "| time to set up all (connect, upgrade, hello answered) | $(printf '%.0f' "$CONNECT_SECONDS") s |"
    echo "| time until every node record is in memcached | $(printf '%.0f' "$RECORDS_SECONDS") s ($WRITTEN written) |"
    echo "| server RSS, all processes, idle cluster | $((RSS_IDLE / 1024)) MiB |"
    echo "| server RSS, all processes, all connected | $((RSS_FULL / 1024)) MiB ($(per_conn "$RSS_FULL" "$RSS_IDLE" "$HELD") B per connection above idle) |"
    echo "| server PSS (shared pages counted once), idle → all connected | $((PSS_IDLE / 1024)) → $((PSS_FULL / 1024)) MiB |"
    echo "| server anonymous memory (heap, stacks), idle → all connected | $((ANON_IDLE / 1024)) → $((ANON_FULL / 1024)) MiB ($(per_conn "$ANON_FULL" "$ANON_IDLE" "$HELD") B per connection) |"
    echo "| kernel slab (both ends of every connection) | $((SLAB_IDLE / 1024)) → $((SLAB_FULL / 1024)) MiB ($(per_conn "$SLAB_FULL" "$SLAB_IDLE" "$HELD") B per connection) |"
    echo "| TCP buffer memory (sockstat mem, pages) | $TCPMEM_IDLE → $TCPMEM_FULL |"
    echo "| memcached RSS | $((MEMCACHED_RSS / 1024)) MiB |"
    echo "| load tester RSS, all processes | $((LOAD_RSS / 1024)) MiB |"
    echo "| notifications through the cluster | $(inspect notify counters.putsDelivered) delivered of $(inspect notify counters.putsSent) PUTs, $(inspect notify counters.errors) errors |"
    echo "| PUT → notification latency under that load | p50 $(inspect notify latency.p50) ms, p99 $(inspect notify latency.p99) ms |"
    echo
    echo "Kernel at full load: \`$(echo "$KERNEL_FULL" | tr '\n' ';' | sed 's/;$//; s/;/; /g')\`."
    echo "Devices per worker: \`$SPREAD\`."
    echo "Connect runs: $ERRORS workers' open-file complaints: $WORKER_COMPLAINTS."
    echo "<!-- million:end -->"
} >"$REPORT"
cat "$REPORT"
if [[ $WRITE == 1 ]]; then
    python3 - "$ROOT/BENCHMARKS.md" "$REPORT" <<'PY'
import sys
path, report = sys.argv[1], open(sys.argv[2]).read().strip()
text = open(path).read()
begin, end = "<!-- million:begin -->", "<!-- million:end -->"
if begin in text and end in text:
    text = text[:text.index(begin)] + report + text[text.index(end) + len(end):]
else:
    text = text.rstrip() + "\n\n## One million connections\n\n" + report + "\n"
open(path, "w").write(text)
PY
    log "BENCHMARKS.md updated"
fi
