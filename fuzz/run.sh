#!/usr/bin/env bash
# Builds the libFuzzer targets of this package and runs each one for a bounded number of runs
# and time. Exits non-zero if any target crashes or breaks an invariant.
#
#   FUZZ_RUNS      executions per target (default 1000000; -1 for no limit)
#   FUZZ_SECONDS   time limit per target in seconds (default 1800)
#   FUZZ_SMOKE=1   a few seconds per target, for CI (FUZZ_SECONDS defaults to 5, no run limit)
#   FUZZ_TARGETS   targets to run, space-separated (default: all)
#   FUZZ_BUILD=0   skip the build
set -euo pipefail
cd "$(dirname "$0")"

if [ "${FUZZ_SMOKE:-0}" = 1 ]; then
    runs=${FUZZ_RUNS:--1}
    seconds=${FUZZ_SECONDS:-5}
else
    runs=${FUZZ_RUNS:-1000000}
    seconds=${FUZZ_SECONDS:-1800}
fi
targets=${FUZZ_TARGETS:-"FuzzRequestHead FuzzFrames FuzzClientMessage FuzzForm FuzzToken FuzzVAPID FuzzWebPush FuzzConfig"}
scratch=.build-fuzz
# Longest input per target: past each parser's limits (8 KiB heads, 1 KiB messages here), but not so
# long that mutation is wasted on bulk. Form decoding grows costly with length under ASan:
# 1 KiB holds many pairs and escapes at a few times the speed of 4 KiB.
max_len() {
    case $1 in
        FuzzRequestHead) echo 9000 ;;
        FuzzConfig) echo 8192 ;;
        FuzzForm) echo 1024 ;;
        FuzzToken) echo 512 ;;
        FuzzVAPID) echo 1024 ;;
        FuzzWebPush) echo 2048 ;;
        *) echo 4096 ;;
    esac
}
# TOMLKit leaks a few bytes on every parse (see FUZZING.md); leak checks stay on everywhere else.
extra_flags() {
    case $1 in
        FuzzConfig) echo -detect_leaks=0 ;;
    esac
}
asan_options() {
    case $1 in
        FuzzConfig) echo detect_leaks=0 ;;
    esac
}

swift_build=(swift build -c release --scratch-path "$scratch"
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
if [ "${FUZZ_BUILD:-1}" != 0 ]; then
    # Same dependency versions as the server build.
    [ -f ../Package.resolved ] && cp ../Package.resolved Package.resolved
    nice -n 10 "${swift_build[@]}"
fi
bin=$("${swift_build[@]}" --show-bin-path)

failed=()
summary=()
for target in $targets; do
    work="$scratch/work/$target"
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    # libFuzzer writes new inputs into its first corpus directory: a copy, not the committed seeds.
    cp corpus/"$target"/* "$work/corpus/"
    echo "=== $target (runs $runs, at most ${seconds}s, max_len $(max_len "$target"))"
    set +e
    # Swift's own crash backtracer would trip ASan; libFuzzer's handler prints the stack instead.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$(asan_options "$target")" SWIFT_BACKTRACE=enable=no nice -n 10 "$bin/$target" "$work/corpus" \
        -runs="$runs" -max_total_time="$seconds" -max_len="$(max_len "$target")" \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$work/artifacts/" $(extra_flags "$target") \
        2>&1 | tee "$work/log" \
        | grep --line-buffered -E '^(#[0-9]+ +(INITED|DONE|pulse)|Done|stat::|==[0-9]+==ERROR|SUMMARY|.*(Fatal error|invariant:)|Test unit written)'
    status=${PIPESTATUS[0]}
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$work/log" | tail -1)
    summary+=("$(printf '%-18s %12s execs  %6ss  exit %s' "$target" "${execs:-?}" "${secs:-?}" "$status")")
    if [ "$status" != 0 ]; then
        failed+=("$target")
        echo "!!! $target failed (exit $status); log: fuzz/$work/log, inputs: fuzz/$work/artifacts/"
    fi
done

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
