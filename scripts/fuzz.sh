#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) into build-fuzz/ and fuzzes
# each for a bounded time, starting from its seed corpus in fuzz/corpus/ and
# with its dictionary fuzz/dict/<target>.dict when there is one. New inputs go
# to a scratch corpus, not into the repository; a crash, sanitizer report,
# failed property, timeout or leak leaves its input in build-fuzz/artifacts/
# and fails the run, naming the target and the input. Add a failing input to
# fuzz/corpus/<target>/ once it is fixed: the normal suite replays it.
#   scripts/fuzz.sh                      every target, FUZZ_SECONDS each
#   FUZZ_SECONDS=3600 scripts/fuzz.sh redaction    one target for an hour
#   FUZZ_JOBS=2 scripts/fuzz.sh          two targets at a time (one core each)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
parallel=${FUZZ_JOBS:-1}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(frame policy_file redaction audit_verifier import_stix import_misp import_csv)
fi

"$root/scripts/deps.sh"
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
build=$root/build-fuzz
CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_FUZZ=ON \
  "${launcher[@]}" >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]/#/fuzz_}"

mkdir -p "$build/artifacts"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Fuzzes one target; leaves $scratch/<target>.passed, or on failure
# $scratch/<target>.failed holding the path of the input libFuzzer saved.
fuzz_target() {
  local target=$1
  local log=$build/artifacts/$target.log
  mkdir -p "$scratch/$target"
  cp "$root/fuzz/corpus/$target"/* "$scratch/$target/"
  local options=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
                 -artifact_prefix="$build/artifacts/$target-")
  if [ -f "$root/fuzz/dict/$target.dict" ]; then
    options+=(-dict="$root/fuzz/dict/$target.dict")
  fi
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/fuzz/fuzz_$target" "${options[@]}" "$scratch/$target" >"$log" 2>&1; then
    touch "$scratch/$target.passed"
  else
    # libFuzzer names the input it saved: "Test unit written to <path>".
    local artifact
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    echo "${artifact:-(no input saved; see $log)}" >"$scratch/$target.failed"
  fi
}

echo "weft: fuzzing ${targets[*]} for ${seconds} s each, ${parallel} at a time"
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
    wait -n || true
  done
  fuzz_target "$target" &
done
wait

failed=()
for target in "${targets[@]}"; do
  log=$build/artifacts/$target.log
  if [ -f "$scratch/$target.passed" ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "weft: $target: ${runs:-?} runs, no failures"
  else
    failed+=("$target")
    input=$(cat "$scratch/$target.failed" 2>/dev/null || echo "(none saved)")
    echo "weft: $target FAILED; input: $input" >&2
    echo "weft: reproduce with $build/fuzz/fuzz_$target $input" >&2
    echo "weft: the last lines of $log:" >&2
    tail -40 "$log" >&2 || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "weft: fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "weft: fuzzing done, no failures (${#targets[@]} targets, ${seconds} s each)"
