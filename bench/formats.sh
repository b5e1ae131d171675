#!/usr/bin/env bash
# Import and export rates of the formats (STIX 2.1, MISP, CSV), single thread:
#   bench/formats.sh                  10,000 indicators per file, 5 runs
#   INDICATORS=100000 RUNS=3 bench/formats.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" >/dev/null
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$root/build/bench/formats_throughput" --indicators "${INDICATORS:-10000}" --runs "${RUNS:-5}"
