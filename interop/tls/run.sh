#!/usr/bin/env bash
# Runs the TLS end-to-end tests (wss:// and https:// with a test CA made per run, and TLS ended by
# nginx in front of the server with README's sample config) against
# .build/debug/simplepush (build it first; TLS_SERVER_BINARY=<path> tests another binary).
# Extra arguments go to pytest. The whole run is killed after TLS_SUITE_TIMEOUT s (default 300).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="$(bash "$root/interop/python-venv.sh")"
cd "$root"
export PYTHONDONTWRITEBYTECODE=1
command -v curl >/dev/null || { echo "interop/tls: curl is not installed" >&2; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "interop/tls: nginx is not installed (make test installs it)" >&2; exit 1; }
exec timeout --kill-after=10 "${TLS_SUITE_TIMEOUT:-300}" \
    "$python" -m pytest interop/tls -q -p no:cacheprovider "$@"
