#!/usr/bin/env bash
# The audit log's figures on a fresh deployment:
#   1. build/bench/audit_log_bench appends RECORDS records through the broker's
#      AuditLog (checkpoint every second, as weftd signs them), then times the
#      start-up check of the filled log and inclusion / consistency / entries
#      answers on the reader thread (lines "audit append|close|open|inclusion|
#      consistency|entries ...", see the program's header).
#   2. weftd starts on that log (its start includes the full re-hash), and an
#      auditor's `weft audit prove N` and `weft audit consistency --from A` run
#      CLI_RUNS times each over mutual TLS on 127.0.0.1 (process start,
#      handshake, request, local verification against the signed checkpoint):
#        e2e start_ms=<launch -> listening> prove_ms=<median> consistency_ms=<median>
#   3. `weft audit verify` downloads the whole log and recomputes the tree:
#        e2e verify entries=<n> seconds=<s> entries_per_s=<r>
#
#   bench/audit.sh                        RECORDS=1000000 (about 520 MB)
#   RECORDS=100000 bench/audit.sh
# Knobs: RECORDS, PROOFS (requests of each kind in step 1), CLI_RUNS, VERIFY=0
# (skip step 3), KEEP=1 (keep the temp folder). weftd is stopped by PID on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
RECORDS=${RECORDS:-1000000}
PROOFS=${PROOFS:-2000}
CLI_RUNS=${CLI_RUNS:-20}
VERIFY=${VERIFY:-1}

source "$root/bench/deployment.sh" audit
"$weft" admin org add --dir "$deployment" --name bench-dpo --roles auditor --jurisdiction DE --sector government >/dev/null
profile=$deployment/orgs/bench-dpo/profile.conf

now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$root/build/bench/audit_log_bench" --dir "$deployment" --records "$RECORDS" --proofs "$PROOFS" 2>"$work/bench.log"

launched=$(now_ms)
"$weftd" --config "$deployment/weftd.conf" --listen 127.0.0.1:0 --ready-file "$deployment/ready.json" \
  >"$work/weftd.log" 2>&1 &
weftd_pid=$!
for _ in $(seq 30000); do  # at most ~60 s
  [ -s "$deployment/ready.json" ] && break
  kill -0 "$weftd_pid" 2>/dev/null || { echo "bench/audit.sh: weftd exited; see below" >&2; tail -5 "$work/weftd.log" >&2; exit 1; }
  sleep 0.002
done
start_ms=$(( $(now_ms) - launched ))
port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$deployment/ready.json")
auditor=("$weft" --profile "$profile" --broker "127.0.0.1:$port" audit)

size=$("${auditor[@]}" checkpoint | sed -n 2p)
[ "$size" -gt 1 ] || { echo "bench/audit.sh: the checkpoint's size is $size" >&2; exit 1; }
prove=() consistency=()
for _ in $(seq "$CLI_RUNS"); do
  t=$(now_ms); "${auditor[@]}" prove $(( (RANDOM * 32768 + RANDOM) % size )) >/dev/null; prove+=($(( $(now_ms) - t )))
  t=$(now_ms); "${auditor[@]}" consistency --from $(( 1 + (RANDOM * 32768 + RANDOM) % (size - 1) )) >/dev/null
  consistency+=($(( $(now_ms) - t )))
done
echo "e2e start_ms=$start_ms size=$size prove_ms=$(median "${prove[@]}") consistency_ms=$(median "${consistency[@]}") runs=$CLI_RUNS"

if [ "$VERIFY" = 1 ]; then
  t=$(now_ms)
  "${auditor[@]}" verify --state "$work/seen.checkpoint" >"$work/verify.out" 2>/dev/null ||
    { echo "bench/audit.sh: weft audit verify failed:" >&2; tail -3 "$work/verify.out" >&2; exit 1; }
  ms=$(( $(now_ms) - t ))
  awk -v n="$size" -v ms="$ms" 'BEGIN { printf "e2e verify entries=%d seconds=%.1f entries_per_s=%.0f\n", n, ms / 1000, n * 1000 / ms }'
fi
