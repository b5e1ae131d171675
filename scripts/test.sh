#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite through
# ctest. Exits non-zero on any failure.
#   scripts/test.sh              everything
#   scripts/test.sh unit         only tests labelled unit
#   scripts/test.sh integration  only tests against a real weftd
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:-all}

"$root/scripts/build.sh"

cd "$root/build"
case "$stage" in
  all) ctest --output-on-failure --parallel "$(nproc)" --timeout 300 ;;
  unit|integration) ctest --output-on-failure --parallel "$(nproc)" --timeout 300 -L "^${stage}\$" ;;
  *) echo "usage: scripts/test.sh [all|unit|integration]" >&2; exit 2 ;;
esac
