#!/usr/bin/env bash
# Personal-data scan throughput: weft's full scan-and-validate against
# ripgrep's match-only scan with equivalent patterns, on the same generated
# incident-report corpus (~1% of lines hold personal data), in one run.
#   bench/scan.sh                       200 MB corpus, 3 runs each
#   SCAN_MB=50 RUNS=5 bench/scan.sh
# Uses ../shared/bench/peers/scan (or $PEERS_DIR/scan) for the corpus
# generator and the ripgrep side. Installs ripgrep and python3 if missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS_DIR:-$root/../shared/bench/peers}
SCAN_MB=${SCAN_MB:-200}
RUNS=${RUNS:-3}
work=${PEERS_WORK:-${TMPDIR:-/tmp}/peers-bench}
corpus=${CORPUS:-$work/scan/corpus-${SCAN_MB}mb.txt}

[ -x "$peers/scan/run_scan.sh" ] || { echo "bench/scan.sh: $peers/scan/run_scan.sh not found (set PEERS_DIR)" >&2; exit 1; }
missing=()
command -v rg >/dev/null || missing+=(ripgrep)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q && "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

"$root/scripts/build.sh" >/dev/null
mkdir -p "$(dirname "$corpus")"
if [ ! -s "$corpus" ]; then
  python3 "$peers/scan/gen_corpus.py" "$corpus" --mb "$SCAN_MB" >&2
fi
cat "$corpus" >/dev/null  # into the page cache for both sides

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
weft_line=$("$root/build/bench/scan_throughput" "$corpus" --runs "$RUNS")
echo "$weft_line"
rg_lines=$(CORPUS="$corpus" RUNS="$RUNS" "$peers/scan/run_scan.sh")
echo "$rg_lines" | grep -E "^#|pattern=combined "
weft_rate=$(echo "$weft_line" | sed -n 's/.* pattern=all MB_per_s=\([0-9.]*\).*/\1/p')
rg_rate=$(echo "$rg_lines" | sed -n 's/.*pattern=combined MB_per_s=\([0-9.]*\).*/\1/p')
awk -v w="$weft_rate" -v r="$rg_rate" 'BEGIN { printf "scan compare weft_MB_per_s=%s rg_MB_per_s=%s ratio=%.2f\n", w, r, w / r }'
