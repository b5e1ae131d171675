#!/usr/bin/env bash
# Durable publishing through weftd: every report is acknowledged only after
# the SQLite transaction holding it committed (WAL, synchronous=FULL), and
# appends waiting together commit in one transaction (group commit). Prints
# one line per configuration in the peer benchmarks' format
# (../shared/bench/peers/README.md), each on a fresh database:
#   durable-serial            1 connection, 1 publish in flight (one commit per report)
#   durable-window            1 connection, 64 in flight
#   durable-concurrent        8 connections, 32 in flight each
#   durable-no-group-commit   as durable-concurrent, weftd with storage { max_batch: 1 }
#   durable-fanout            4 connections, 32 in flight each, one durable subscriber acking
#
#   bench/durable.sh                        N=20000 reports of 1024 bytes per configuration
#   N=5000 RUNS=3 MODES="durable-serial durable-concurrent" bench/durable.sh
# Knobs: N, SIZE (bytes), RUNS (lines per configuration), WALL (seconds per run),
# MODES (subset), WEFTD_LOG_LEVEL (weftd's --log-level, default info as weftd's own
# default; info logs one line per accepted report), KEEP=1 (keep the temp folder).
# Starts its own weftd on 127.0.0.1 (any free port) in a temp folder and
# stops it by PID on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-20000}
SIZE=${SIZE:-1024}
RUNS=${RUNS:-1}
WALL=${WALL:-120}
MODES=${MODES:-durable-serial durable-window durable-concurrent durable-no-group-commit durable-fanout}
WEFTD_LOG_LEVEL=${WEFTD_LOG_LEVEL:-info}

source "$root/bench/deployment.sh" durable
load=$root/build/bench/durable_publish
cp "$deployment/weftd.conf" "$work/weftd.conf.base"

# Starts weftd on an empty database; extra config lines come as arguments.
port=
start_weftd() {
  local log=$1; shift
  rm -rf "$deployment/data" "$deployment/ready.json"
  cp "$work/weftd.conf.base" "$deployment/weftd.conf"
  for line in "$@"; do echo "$line" >>"$deployment/weftd.conf"; done
  "$weftd" --config "$deployment/weftd.conf" --listen 127.0.0.1:0 --ready-file "$deployment/ready.json" \
    --log-level "$WEFTD_LOG_LEVEL" >"$log" 2>&1 &
  weftd_pid=$!
  for _ in $(seq 300); do
    [ -s "$deployment/ready.json" ] && break
    kill -0 "$weftd_pid" 2>/dev/null || { echo "bench/durable.sh: weftd exited; see $log" >&2; tail -5 "$log" >&2; exit 1; }
    sleep 0.05
  done
  [ -s "$deployment/ready.json" ] || { echo "bench/durable.sh: weftd not ready after 15 s" >&2; exit 1; }
  port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$deployment/ready.json")
}

# run_mode MODE CONNECTIONS WINDOW WITH_SUBSCRIBER [config lines...]
run_mode() {
  local mode=$1 connections=$2 window=$3 with_subscriber=$4; shift 4
  case " $MODES " in *" $mode "*) ;; *) return 0 ;; esac
  local subscriber=()
  if [ "$with_subscriber" = 1 ]; then
    subscriber=(--subscriber-profile "$deployment/orgs/bench-sub/profile.conf" --durable bench)
  fi
  for run in $(seq "$RUNS"); do
    start_weftd "$work/weftd-$mode-$run.log" "$@"
    timeout $((WALL + 120)) "$load" --mode "$mode" \
      --publisher-profile "$deployment/orgs/bench-pub/profile.conf" "${subscriber[@]}" \
      --broker "127.0.0.1:$port" --broker-pid "$weftd_pid" \
      -n "$N" -s "$SIZE" -c "$connections" -w "$window" -T "$WALL" ||
      echo "# $mode run $run: durable_publish exited with $?" >&2
    stop_weftd
  done
}

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# disk: $(df -h "$deployment" | tail -1)"
# The disk's own sync rate, for scale: 4 KiB appends, each synced (O_DSYNC), as SQLite's WAL commits are.
sync_seconds=$(dd if=/dev/zero of="$work/sync.test" bs=4k count=2000 oflag=dsync 2>&1 | sed -n 's/.* copied, \([0-9.]*\) s.*/\1/p')
rm -f "$work/sync.test"
awk -v s="$sync_seconds" 'BEGIN { if (s > 0) printf "# disk sync: 2000 x 4 KiB O_DSYNC appends in %.3f s = %.0f syncs/s\n", s, 2000 / s }'
echo "# weftd --log-level $WEFTD_LOG_LEVEL; N=$N SIZE=$SIZE RUNS=$RUNS"
run_mode durable-serial 1 1 0
run_mode durable-window 1 64 0
run_mode durable-concurrent 8 32 0
run_mode durable-no-group-commit 8 32 0 "storage { max_batch: 1 }"
run_mode durable-fanout 4 32 1
