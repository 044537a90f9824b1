#!/usr/bin/env bash
# Runs the end-to-end WebPush tests against .build/debug/simplepush (build it first;
# WEBPUSH_SERVER_BINARY=<path> tests another binary).
# Extra arguments go to pytest, e.g.  bash interop/webpush/run.sh -k vapid -x
# Each test is failed after WEBPUSH_TEST_TIMEOUT s (default 60), the whole run is killed
# after WEBPUSH_SUITE_TIMEOUT s (default 600); either way the exit status is non-zero.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="$(bash "$root/interop/python-venv.sh")"
cd "$root"
export PYTHONDONTWRITEBYTECODE=1        # leave no __pycache__ in the repository
export WEBPUSH_TEST_TIMEOUT="${WEBPUSH_TEST_TIMEOUT:-60}"
exec timeout --kill-after=10 "${WEBPUSH_SUITE_TIMEOUT:-600}" \
    "$python" -m pytest interop/webpush -q -p no:cacheprovider "$@"
