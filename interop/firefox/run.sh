#!/usr/bin/env bash
# Real-browser WebPush test: Debian's firefox-esr, headless, in a fresh profile, subscribes
# through our server over wss:// (dom.push.serverURL; a test CA imported into the profile with
# certutil) and receives a message sent with pywebpush over https://.
# See firefox_push.py for what it does; its options pass through, e.g.
#   bash interop/firefox/run.sh --log-level debug --keep
# Needs the server built at .build/debug/simplepush (this script does not build it).
# Installs firefox-esr and libnss3-tools (certutil) when missing (as root). Exit 0 = passed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
start=$(date +%s)

# require COMMAND PACKAGE: installs the Debian package when its command is missing (as root).
require() {
    local cmd="$1" package="$2" policy
    command -v "$cmd" >/dev/null 2>&1 && return
    if [ "$(id -u)" != 0 ]; then
        echo "$cmd is not installed and this is not root: apt-get install $package" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    policy="$(apt-cache policy "$package" 2>/dev/null || true)"
    if ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
        apt-get update -q >&2
    fi
    echo "installing $package…" >&2
    apt-get install -y -q "$package" >&2
}
require firefox-esr firefox-esr
require certutil libnss3-tools  # imports the test CA into the profile
echo "$(firefox-esr --version 2>/dev/null || echo 'firefox-esr: version unknown')"

python="$(bash "$root/interop/python-venv.sh")"

# The driver bounds each wait itself (server 20 s, subscription 60 s, push 30 s) and tears
# everything down on SIGTERM; this outer limit is only a safety net.
status=0
timeout --kill-after=30 170 "$python" "$here/firefox_push.py" "$@" || status=$?
[ "$status" = 124 ] && echo "firefox push test: killed after 170 s" >&2
echo "interop/firefox/run.sh: $([ "$status" = 0 ] && echo passed || echo "failed (exit $status)") in $(( $(date +%s) - start )) s"
exit "$status"
