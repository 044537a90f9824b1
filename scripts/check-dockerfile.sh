#!/usr/bin/env bash
# No container engine runs where the tests run, so the Dockerfile is checked as text: its build
# stage must install every Debian package the Makefile's build needs (BUILD_PACKAGES), else the
# image fails to build (as it once did without libmemcached-dev). Exits non-zero naming what is
# missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
needed=$(sed -n 's/^BUILD_PACKAGES := //p' "$root/Makefile")
[ -n "$needed" ] || { echo "check-dockerfile: no BUILD_PACKAGES line in the Makefile" >&2; exit 1; }
# The build stage: from its FROM line to the next FROM. Its apt-get install lines, joined over
# backslash continuations, split into words.
installed=$(awk '/^FROM /{stage++} stage==1' "$root/Dockerfile" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' \
    | grep 'apt-get install' | tr ' &;' '\n\n\n' | grep -v '^-' | grep -v '^$' || true)
missing=()
for package in $needed; do
    grep -qx "$package" <<<"$installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
    echo "check-dockerfile: the Dockerfile's build stage does not install: ${missing[*]} (Makefile BUILD_PACKAGES: $needed)" >&2
    exit 1
fi
echo "check-dockerfile: the build stage installs every build package ($needed)"
