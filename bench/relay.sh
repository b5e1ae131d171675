#!/usr/bin/env bash
# Relay benchmark: one publisher -> weftd -> K subscribers, each its own
# organisation, spread over 3 policies (eu-baseline: NL finance; cert-peer:
# BE csirt; third-country: US finance), mutual TLS 1.3 on 127.0.0.1. Prints
# one line per run in the peer benchmarks' form (../shared/bench/peers/README.md):
#   peer=weft mode=<live|durable> subs=<K> size=<S> msgs=<N> delivered_per_s=<X> p50_us=<A> p99_us=<B> ...
#
#   bench/relay.sh                                   live and durable, K=1 and K=10
#   MODES=durable SUBS=1 N=5000 bench/relay.sh
#   RATE=2000 N=10000 bench/relay.sh                 paced publisher (latency at a fixed load)
# Knobs: MODES ["live durable"], SUBS ["1 10"], N [200000, msgs for K=1],
# N_FANOUT [50000, msgs for K>1], SIZE [1024], RATE [0], WINDOW [64] (publishes
# awaiting acks), RUNS [1], WALL [60] (seconds per run), NETWORK_THREADS [nproc],
# VERIFY_THREADS [1] (weftd.conf), WEFTD_LOG_LEVEL [warn],
# BUILD_DIR (default build/ via scripts/build.sh), KEEP=1 keeps the temp folder.
# Each run gets a fresh database and its own weftd, stopped by PID.
# Exits non-zero if any run lost deliveries or failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
MODES=${MODES:-live durable}
SUBS=${SUBS:-1 10}
N=${N:-200000}
N_FANOUT=${N_FANOUT:-50000}
SIZE=${SIZE:-1024}
RATE=${RATE:-0}
WINDOW=${WINDOW:-64}
RUNS=${RUNS:-1}
WALL=${WALL:-60}
NETWORK_THREADS=${NETWORK_THREADS:-$(nproc)}
VERIFY_THREADS=${VERIFY_THREADS:-1}
# info logs a line per accepted report; the peers' brokers log nothing per message.
WEFTD_LOG_LEVEL=${WEFTD_LOG_LEVEL:-warn}

source "$root/bench/deployment.sh" relay
relay=$build_dir/bench/relay
trap 'exit 130' INT TERM

# Subscribers cycle through the three policies, so any K >= 3 covers all of them.
max_k=0
for k in $SUBS; do [ "$k" -gt "$max_k" ] && max_k=$k; done
sub_profiles=()
for i in $(seq 1 "$max_k"); do
  case $(((i - 1) % 3)) in
    0) juris=NL sector=finance ;;     # eu-baseline
    1) juris=BE sector=csirt ;;       # cert-peer
    2) juris=US sector=finance ;;     # third-country
  esac
  name=$(printf 'relay-sub-%02d' "$i")
  "$weft" admin org add --dir "$deployment" --name "$name" --roles subscriber --jurisdiction "$juris" \
    --sector "$sector" >/dev/null
  sub_profiles+=(--subscriber-profile "$deployment/orgs/$name/profile.conf")
done
cp "$deployment/weftd.conf" "$work/weftd.conf.base"
# The peers' brokers use every core; so may weft (sessions on NETWORK_THREADS
# threads, publishers' signatures checked on VERIFY_THREADS more).
echo "network_threads: $NETWORK_THREADS" >>"$work/weftd.conf.base"
echo "verify_threads: $VERIFY_THREADS" >>"$work/weftd.conf.base"

port=
start_weftd() {
  local log=$1
  rm -rf "$deployment/data" "$deployment/ready.json"
  cp "$work/weftd.conf.base" "$deployment/weftd.conf"
  "$weftd" --config "$deployment/weftd.conf" --listen 127.0.0.1:0 --ready-file "$deployment/ready.json" \
    --log-level "$WEFTD_LOG_LEVEL" >"$log" 2>&1 &
  weftd_pid=$!
  for _ in $(seq 300); do
    [ -s "$deployment/ready.json" ] && break
    kill -0 "$weftd_pid" 2>/dev/null || { echo "bench/relay.sh: weftd exited; see $log" >&2; tail -5 "$log" >&2; exit 1; }
    sleep 0.05
  done
  [ -s "$deployment/ready.json" ] || { echo "bench/relay.sh: weftd not ready after 15 s" >&2; exit 1; }
  port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$deployment/ready.json")
}

echo "# weft relay: modes=\"$MODES\" subs=\"$SUBS\" n=$N n_fanout=$N_FANOUT size=$SIZE rate=$RATE window=$WINDOW runs=$RUNS"
failed=0
for mode in $MODES; do
  for k in $SUBS; do
    n=$N
    [ "$k" -gt 1 ] && n=$N_FANOUT
    policies=$((k < 3 ? k : 3))
    for run in $(seq "$RUNS"); do
      start_weftd "$work/weftd-$mode-$k-$run.log"
      rc=0
      timeout -k 5 $((${WALL%.*} + 90)) "$relay" --mode "$mode" -k "$k" -n "$n" -s "$SIZE" -r "$RATE" -w "$WINDOW" \
        -T "$WALL" --publisher-profile "$deployment/orgs/bench-pub/profile.conf" "${sub_profiles[@]}" \
        --broker "127.0.0.1:$port" --broker-pid "$weftd_pid" --policies "$policies" \
        --feed "relay.$mode.$k.$run" || rc=$?
      if [ "$rc" != 0 ]; then
        echo "# run failed: mode=$mode subs=$k run=$run rc=$rc (weftd log: $work/weftd-$mode-$k-$run.log)" >&2
        failed=1
      fi
      stop_weftd
    done
  done
done
exit "$failed"
