#!/usr/bin/env bash
# Installs what is missing, builds, and runs the test suite through ctest.
# Exits non-zero on any failure.
#   scripts/test.sh              everything, normal build (what a developer runs)
#   scripts/test.sh unit         only tests labelled unit
#   scripts/test.sh integration  only tests against a real weftd
#   scripts/test.sh load         only the load and soak tests (tests/load): thousands of
#                                sessions, floods, a crash with a reconnect storm, exhausted
#                                descriptors; each runs alone (1-1.5 minutes in all).
#                                "all" runs them too.
#   scripts/test.sh sanitizers   the suite under ASan+UBSan (without the load tests:
#                                their memory and CPU figures and time bounds are for a
#                                normal build), and the integration tests under TSan with
#                                zero reports allowed
#   scripts/test.sh fuzz         every libFuzzer target for FUZZ_SECONDS (60) each,
#                                FUZZ_JOBS (1) at a time (clang, ASan+UBSan;
#                                scripts/fuzz.sh). The seed corpora also run in
#                                the normal suite (fuzz_seeds.*).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:-all}
jobs=$(nproc)

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

run_sanitizers() {
  "$root/scripts/deps.sh"
  echo "weft: ASan+UBSan build and full suite"
  cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWEFT_SANITIZE=ON "${launcher[@]}" >/dev/null
  cmake --build "$root/build-asan" --parallel "$jobs"
  (cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    ctest --output-on-failure --parallel "$jobs" --timeout 600 -LE '^load$')

  echo "weft: TSan build and the concurrency (integration) tests"
  cmake -S "$root" -B "$root/build-tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_SANITIZE_THREAD=ON \
    "${launcher[@]}" >/dev/null
  cmake --build "$root/build-tsan" --parallel "$jobs"
  reports=$(mktemp -d)
  (cd "$root/build-tsan" && TSAN_OPTIONS="halt_on_error=0 log_path=$reports/tsan" \
    ctest --output-on-failure --parallel "$jobs" --timeout 600 -L '^integration$')
  if compgen -G "$reports/tsan*" >/dev/null; then
    echo "weft: ThreadSanitizer reported problems:" >&2
    cat "$reports"/tsan* >&2
    exit 1
  fi
  rm -rf "$reports"
}

case "$stage" in
  all|unit|integration|load)
    "$root/scripts/build.sh"
    cd "$root/build"
    if [ "$stage" = all ]; then
      ctest --output-on-failure --parallel "$jobs" --timeout 300
    else
      ctest --output-on-failure --parallel "$jobs" --timeout 300 -L "^${stage}\$"
    fi
    ;;
  sanitizers) run_sanitizers ;;
  fuzz) "$root/scripts/fuzz.sh" ;;
  *) echo "usage: scripts/test.sh [all|unit|integration|load|sanitizers|fuzz]" >&2; exit 2 ;;
esac
