#!/usr/bin/env bash
# How long weftd takes to start with a large store: fills a fresh
# deployment's database through the broker's own storage layer
# (build/bench/fill_store: ~1 KiB TLP:GREEN reports over 4 feeds, broker
# stamp as weftd sets it, 2000 per transaction), then starts weftd STARTS
# times and times each start until its ready file appears. Prints:
#   fill reports=<n> ... reports_per_s=<r> db_bytes=<b>           (fill_store)
#   open check_integrity=<0|1> ... ms=<median> cache=<warm|cold>   (the store's open alone, quick_check on/off)
#   restart reports=<n> db_bytes=<b> start_ms=<median> start_ms_range=<min-max> cache=<c> first_backlog_ms=<median> ...
#   restart quick_check cache=<c> quick_check_ms=<m> start_ms=<s> empty_db_start_ms=<e> start_ms_minus_empty=<s-e>
# first_backlog_ms: from launching weftd until `weft subscribe --durable --count 1`
# got the first report of a durable subscription whose whole feed is backlog.
# cache=warm starts right after the previous run (database in the page cache);
# cache=cold first drops the database file from the page cache (posix_fadvise),
# as after a reboot. A reference line with an empty database comes first.
#
#   bench/restart.sh                      REPORTS=1000000 (fills ~1.5 GB)
#   REPORTS=100000 STARTS=5 CACHES=warm bench/restart.sh
# Knobs: REPORTS, STARTS, CACHES ("warm cold"), SIZE, BATCH, FEEDS, KEEP=1 (keep the temp folder).
# Everything runs in a temp folder on 127.0.0.1; weftd is stopped by PID on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
REPORTS=${REPORTS:-1000000}
STARTS=${STARTS:-3}
CACHES=${CACHES:-warm cold}
SIZE=${SIZE:-1024}
BATCH=${BATCH:-2000}
FEEDS=${FEEDS:-4}

source "$root/bench/deployment.sh" restart
fill=$root/build/bench/fill_store

now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }  # bash's clock, no fork

# median and min-max of the numbers given
summary() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%s %s-%s", v[int((NR + 1) / 2)], v[1], v[NR] }'; }

# Starts weftd, waits for its ready file; sets start_ms (launch -> ready file)
# and, with a durable backlog, first_backlog_ms (launch -> first report received).
start_once() {
  local log=$1 with_backlog=$2
  rm -f "$deployment/ready.json"
  local launched; launched=$(now_ms)
  "$weftd" --config "$deployment/weftd.conf" --listen 127.0.0.1:0 --ready-file "$deployment/ready.json" \
    --log-level info >"$log" 2>&1 &
  weftd_pid=$!
  for _ in $(seq 60000); do  # at most ~2 min
    [ -s "$deployment/ready.json" ] && break
    kill -0 "$weftd_pid" 2>/dev/null || { echo "bench/restart.sh: weftd exited; see $log" >&2; tail -5 "$log" >&2; exit 1; }
    sleep 0.002
  done
  [ -s "$deployment/ready.json" ] || { echo "bench/restart.sh: weftd not ready in time" >&2; exit 1; }
  start_ms=$(( $(now_ms) - launched ))
  first_backlog_ms=
  if [ "$with_backlog" = 1 ]; then
    local port; port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$deployment/ready.json")
    # Each start takes the next report of the backlog (the CLI acks what it printed).
    timeout 90 "$weft" --profile "$deployment/orgs/bench-sub/profile.conf" --broker "127.0.0.1:$port" \
      subscribe --feed phishing --durable restart --count 1 --timeout 60 >/dev/null 2>"$work/subscribe.log" ||
      { echo "bench/restart.sh: weft subscribe failed:" >&2; cat "$work/subscribe.log" >&2; exit 1; }
    first_backlog_ms=$(( $(now_ms) - launched ))
  fi
  stop_weftd
}

# measure_starts REPORTS CACHE WITH_BACKLOG: STARTS starts, one line.
measure_starts() {
  local reports=$1 cache=$2 with_backlog=$3
  local starts=() backlogs=()
  for i in $(seq "$STARTS"); do
    if [ "$cache" = cold ]; then "$fill" --dir "$deployment" --reports 0 --evict-cache; fi
    start_once "$work/weftd-$reports-$cache-$i.log" "$with_backlog"
    starts+=("$start_ms")
    if [ -n "$first_backlog_ms" ]; then backlogs+=("$first_backlog_ms"); fi
  done
  local db_bytes; db_bytes=$(stat -c %s "$deployment/data/weft.db")
  read -r start_median start_range <<<"$(summary "${starts[@]}")"
  local line="restart reports=$reports db_bytes=$db_bytes start_ms=$start_median start_ms_range=$start_range cache=$cache"
  if [ ${#backlogs[@]} -gt 0 ]; then
    read -r backlog_median backlog_range <<<"$(summary "${backlogs[@]}")"
    line+=" first_backlog_ms=$backlog_median first_backlog_ms_range=$backlog_range"
  fi
  echo "$line starts=$STARTS"
  last_start_median=$start_median
}

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# disk: $(df -h "$deployment" | tail -1)"

# Reference: the same deployment with an empty database (TLS, registry, policies, a new database).
rm -rf "$deployment/data"
measure_starts 0 warm 0
empty_start_median=$last_start_median
rm -rf "$deployment/data"

"$fill" --dir "$deployment" --reports "$REPORTS" --batch "$BATCH" -s "$SIZE" --feeds "$FEEDS" \
  --subscriber-org bench-sub --durable restart
for cache in $CACHES; do
  evict=()
  if [ "$cache" = cold ]; then evict=(--evict-cache); fi
  open_lines=$("$fill" --dir "$deployment" --reports 0 --time-open 3 "${evict[@]}")
  echo "$open_lines"
  measure_starts "$REPORTS" "$cache" 1
  with_check=$(echo "$open_lines" | sed -n 's/^open check_integrity=1 .* ms=\([0-9]*\) .*/\1/p')
  without_check=$(echo "$open_lines" | sed -n 's/^open check_integrity=0 .* ms=\([0-9]*\) .*/\1/p')
  # quick_check_ms comes from fill_store's separate timed opens (same file, same cache state);
  # start_ms_minus_empty is what the database adds to weftd's start.
  awk -v c="$cache" -v w="$with_check" -v wo="$without_check" -v s="$last_start_median" -v e="$empty_start_median" \
    'BEGIN { printf "restart quick_check cache=%s quick_check_ms=%d start_ms=%d empty_db_start_ms=%d start_ms_minus_empty=%d\n", c, w - wo, s, e, s - e }'
done
