#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) into build-fuzz/ and fuzzes
# each for a bounded time, starting from its seed corpus in fuzz/corpus/.
# New inputs go to a scratch corpus, not into the repository; a crash leaves
# its input in build-fuzz/artifacts/ and fails the run. Add a crashing input
# to fuzz/corpus/<target>/ once it is fixed: the normal suite replays it.
#   scripts/fuzz.sh                      every target, FUZZ_SECONDS each
#   FUZZ_SECONDS=3600 scripts/fuzz.sh redaction    one target for an hour
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
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
failed=()
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target"
  cp "$root/fuzz/corpus/$target"/* "$scratch/$target/"
  echo "weft: fuzzing $target for ${seconds} s"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$target-" "$scratch/$target" >"$build/artifacts/$target.log" 2>&1; then
    failed+=("$target")
    echo "weft: $target FAILED; the last lines of $build/artifacts/$target.log:" >&2
    tail -40 "$build/artifacts/$target.log" >&2
  else
    grep -E "^stat::number_of_executed_runs|^#[0-9]+.*DONE" "$build/artifacts/$target.log" | tail -2 || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "weft: fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "weft: fuzzing done, no crashes (${#targets[@]} targets, ${seconds} s each)"
