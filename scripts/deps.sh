#!/usr/bin/env bash
# Installs the Debian 12 packages weft needs to build, test and run, if any
# are missing. Called by scripts/test.sh and scripts/demo.sh; safe to re-run.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ pkg-config ccache
  libboost1.81-dev           # Asio with C++20 coroutines, as_tuple, cancellation; Outcome
  libssl-dev openssl         # TLS 1.3, certificates; the openssl tool cross-checks SPKI pins in tests
  libprotobuf-dev protobuf-compiler
  libsodium-dev              # pseudonym keys (BLAKE2b, crypto_kdf), policy hashes
  libvectorscan-dev          # multi-pattern scanning for the personal-data detectors
  libicu-dev                 # NFKC and Unicode character classes for the detectors
  libsqlite3-dev             # durable storage (WAL, synchronous=FULL)
  libjemalloc-dev            # weftd's allocator: about 20% less CPU per delivery than glibc malloc (bench/relay.sh)
  libcli11-dev               # command-line parsing for weft and weftd
  libgtest-dev
  clang libclang-rt-14-dev   # scripts/fuzz.sh: libFuzzer with ASan and UBSan
  libbenchmark-dev           # bench/micro: Google Benchmark micro-benchmarks (built with WEFT_BUILD_BENCH)
  python3 python3-jsonschema # tests: STIX exports checked against the official JSON Schemas
  curl                       # tests: a real HTTPS client for the TAXII endpoint
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "weft: installing missing packages: ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "weft: these packages are missing and this is not root (and there is no sudo): ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
