#!/usr/bin/env bash
# Google Benchmark micro-benchmarks of the broker's hot stages (frame decode,
# policy apply per report, audit append, store append); see bench/micro_bench.cc.
# A regression in bench/relay or durable.sh shows here as the stage that moved.
#
#   bench/micro.sh                             all, about a minute
#   bench/micro.sh --benchmark_filter=Policy   any Google Benchmark flag is passed on
# Knobs: MIN_TIME (seconds per benchmark, default 0.5), BUILD_DIR (default build/,
# built by scripts/build.sh; another folder is used as it is).
# The storage benchmarks write in a temp folder under $TMPDIR (synchronous=FULL),
# so their times are the disk's fsync more than weft's code.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
MIN_TIME=${MIN_TIME:-0.5}
if [ -z "${BUILD_DIR:-}" ]; then
  "$root/scripts/build.sh" >/dev/null
  BUILD_DIR=$root/build
fi
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# storage in: $(df -h "${TMPDIR:-/tmp}" | tail -1)"
# Debian's libbenchmark prints "Library was built as DEBUG": that is about the
# library's own build (NDEBUG), not weft's, which is RelWithDebInfo.
exec timeout 300 "$BUILD_DIR/bench/micro" --benchmark_min_time="$MIN_TIME" "$@"
