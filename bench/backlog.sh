#!/usr/bin/env bash
# A durable subscriber draining a large backlog: how fast it arrives and
# what it costs weftd in memory. Fills a fresh deployment's database with
# REPORTS reports on one feed (build/bench/fill_store, through the broker's
# storage layer) behind a durable subscription created at sequence 0, starts
# weftd, and runs `weft subscribe --durable --count REPORTS` (prints, then
# acks each report) with its output discarded. Samples weftd's resident memory
# every 100 ms. Prints:
#   backlog reports=<n> seconds=<t> delivered_per_s=<r> weftd_rss_idle_kib=<a> weftd_rss_peak_kib=<b> window=<max_unacked>
#
#   bench/backlog.sh                   REPORTS=200000
#   REPORTS=50000 bench/backlog.sh
# Everything runs in a temp folder on 127.0.0.1; weftd is stopped by PID on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
REPORTS=${REPORTS:-200000}

source "$root/bench/deployment.sh" backlog
fill=$root/build/bench/fill_store
"$fill" --dir "$deployment" --reports "$REPORTS" --feeds 1 --subscriber-org bench-sub --durable backlog >&2

start_weftd
port=$(grep -o '"port":[0-9]*' "$deployment/ready.json" | cut -d: -f2)
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$weftd_pid/status"; }
idle=$(rss_kib)

started=${EPOCHREALTIME/./}
"$weft" --profile "$deployment/orgs/bench-sub/profile.conf" --broker "127.0.0.1:$port" \
  subscribe --feed phishing --durable backlog --count "$REPORTS" --timeout 900 >/dev/null 2>"$work/subscriber.err" &
subscriber_pid=$!
peak=$idle
while kill -0 "$subscriber_pid" 2>/dev/null; do
  now=$(rss_kib)
  [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.1
done
status=0
wait "$subscriber_pid" || status=$?
finished=${EPOCHREALTIME/./}
if [ "$status" -ne 0 ]; then
  echo "bench/backlog.sh: the subscriber exited with $status" >&2
  cat "$work/subscriber.err" >&2
  exit 1
fi
awk -v n="$REPORTS" -v us=$((finished - started)) -v idle="$idle" -v peak="$peak" 'BEGIN {
  printf "backlog reports=%d seconds=%.1f delivered_per_s=%.0f weftd_rss_idle_kib=%d weftd_rss_peak_kib=%d window=256\n",
         n, us / 1e6, n / (us / 1e6), idle, peak }'
