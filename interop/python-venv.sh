#!/usr/bin/env bash
# Creates .venv at the repository root (once) with the test clients of interop/requirements.txt,
# and reinstalls them when that file changes. Prints the venv's python.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2 || { echo "python3 -m venv failed: install python3-venv" >&2; exit 1; }
fi
if ! cmp -s "$root/interop/requirements.txt" "$stamp" 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/interop/requirements.txt" >&2
    cp "$root/interop/requirements.txt" "$stamp"
fi
echo "$venv/bin/python"
