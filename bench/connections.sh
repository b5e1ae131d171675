#!/usr/bin/env bash
# Broker memory per idle authenticated TLS connection (issue 8: under 64 KiB).
# Starts weftd on 127.0.0.1 in a temp deployment, reads its VmRSS, opens
# CONNECTIONS sessions (mutual TLS 1.3 + Hello/Welcome, then only heartbeats)
# from several weft-load-idle-sessions processes (the load tests' idle-session
# generator, tests/load/tools/idle_sessions.cc), waits for them to settle, reads
# VmRSS again and prints:
#   connections count=<M> rss_before_kib=<a> rss_after_kib=<b> per_connection_kib=<c> [extra fields]
#
#   bench/connections.sh                       10,000 connections
#   CONNECTIONS=2000 bench/connections.sh
# Knobs: CONNECTIONS (10000), PER_PROCESS (sessions per client process, 4000),
# PARALLEL (sessions opening at once per process, 32), SETTLE (seconds before
# each reading, 3), HOLD (extra seconds to keep them open after the reading, 0),
# BUILD_DIR (default build/, built by scripts/build.sh; another folder is used as
# it is), KEEP=1 (keep the temp folder, with weftd's log).
# Stops what it started (weftd, the clients) by PID on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CONNECTIONS=${CONNECTIONS:-10000}
PER_PROCESS=${PER_PROCESS:-4000}
PARALLEL=${PARALLEL:-32}
SETTLE=${SETTLE:-3}
HOLD=${HOLD:-0}

if [ -z "${BUILD_DIR:-}" ]; then
  "$root/scripts/build.sh" >/dev/null
  BUILD_DIR=$root/build
fi
weft=$BUILD_DIR/bin/weft
weftd=$BUILD_DIR/bin/weftd
client=$BUILD_DIR/tests/weft-load-idle-sessions

# Every session is a descriptor in weftd and one in a client; the limit is
# inherited by both. Clients are split so that none needs more than PER_PROCESS.
need=$(((CONNECTIONS > PER_PROCESS ? CONNECTIONS : PER_PROCESS) + 256))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
  echo "bench/connections.sh: the hard descriptor limit is $hard; $need are needed (raise it, or lower CONNECTIONS)" >&2
  exit 1
fi
ulimit -n "$need"

work=$(mktemp -d "${TMPDIR:-/tmp}/weft-connections.XXXXXX")
deployment=$work/deployment
weftd_pid=
client_pids=()
cleanup() {
  for pid in "${client_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${client_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$weftd_pid" ]; then
    kill -TERM "$weftd_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$weftd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$weftd_pid" 2>/dev/null || true
    wait "$weftd_pid" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

"$weft" admin init --dir "$deployment" >/dev/null
"$weft" admin org add --dir "$deployment" --name bench-sub --roles subscriber --jurisdiction DE --sector finance >/dev/null
# The defaults (10,000 connections, 1,000 per organisation, 256 not yet past
# Hello per address) would refuse the benchmark itself: every session comes
# from one organisation on 127.0.0.1.
limit=$((CONNECTIONS + 100))
if grep -q '^limits' "$deployment/weftd.conf"; then
  echo "bench/connections.sh: weftd.conf already has a limits block; merge by hand" >&2
  exit 1
fi
cat >>"$deployment/weftd.conf" <<CONF
limits {
  max_connections: $limit
  max_connections_per_org: $limit
  max_preauth_per_ip: $limit
}
CONF

"$weftd" --config "$deployment/weftd.conf" --listen 127.0.0.1:0 --ready-file "$deployment/ready.json" \
  --log-level warn >"$work/weftd.log" 2>&1 &
weftd_pid=$!
for _ in $(seq 300); do
  [ -s "$deployment/ready.json" ] && break
  kill -0 "$weftd_pid" 2>/dev/null || { echo "bench/connections.sh: weftd exited; see $work/weftd.log" >&2; tail -5 "$work/weftd.log" >&2; exit 1; }
  sleep 0.05
done
[ -s "$deployment/ready.json" ] || { echo "bench/connections.sh: weftd not ready after 15 s" >&2; exit 1; }
port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$deployment/ready.json")

status_kib() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$weftd_pid/status"; }
fds() { find "/proc/$weftd_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# One warm-up session first: the broker's first accept loads lazily built
# state (OpenSSL error strings, thread stacks, allocator arenas) that is not per connection.
"$client" --profile "$deployment/orgs/bench-sub/profile.conf" --broker "127.0.0.1:$port" -n 1 --hold-ms 1000 >/dev/null 2>&1 || true
sleep "$SETTLE"
rss_before=$(status_kib VmRSS)
fds_before=$(fds)

start=$(date +%s.%N)
left=$CONNECTIONS
index=0
while [ "$left" -gt 0 ]; do
  n=$((left < PER_PROCESS ? left : PER_PROCESS))
  "$client" --profile "$deployment/orgs/bench-sub/profile.conf" --broker "127.0.0.1:$port" -n "$n" \
    --parallel "$PARALLEL" --hold-ms 3600000 >"$work/client-$index.out" 2>"$work/client-$index.err" &
  client_pids+=($!)
  left=$((left - n))
  index=$((index + 1))
done
# Each client prints its "open" line once all its sessions were tried.
for i in $(seq 0 $((index - 1))); do
  for _ in $(seq 6000); do
    grep -q '^open ' "$work/client-$i.out" && break
    kill -0 "${client_pids[$i]}" 2>/dev/null || break
    sleep 0.1
  done
done
open_seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
opened=0
failed=0
for i in $(seq 0 $((index - 1))); do
  line=$(grep '^open ' "$work/client-$i.out" || echo "open sessions=0 failed=unknown")
  opened=$((opened + $(echo "$line" | sed -n 's/.*sessions=\([0-9]*\).*/\1/p')))
  f=$(echo "$line" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')
  failed=$((failed + ${f:-0}))
  grep '^first-failure' "$work/client-$i.out" >&2 || true
done
sleep "$SETTLE"
rss_after=$(status_kib VmRSS)
rss_anon=$(status_kib RssAnon)
hwm=$(status_kib VmHWM)
fds_after=$(fds)
if [ "$opened" -eq 0 ]; then
  echo "bench/connections.sh: no session opened; see $work (KEEP=1)" >&2
  exit 1
fi
per=$(awk -v a="$rss_after" -v b="$rss_before" -v n="$opened" 'BEGIN { printf "%.1f", (a - b) / n }')
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(openssl version)"
echo "connections count=$opened rss_before_kib=$rss_before rss_after_kib=$rss_after per_connection_kib=$per" \
  "requested=$CONNECTIONS failed=$failed broker_fds=$((fds_after - fds_before)) rss_anon_kib=$rss_anon" \
  "vm_hwm_kib=$hwm open_seconds=$open_seconds clients=$index"
awk -v p="$per" 'BEGIN { exit !(p >= 64) }' && echo "# over the 64 KiB per connection target" >&2
if [ "$HOLD" -gt 0 ]; then
  echo "# holding $HOLD s; weftd pid $weftd_pid" >&2
  sleep "$HOLD"
fi
# Sessions the broker closed while they were held (a limit, a timeout) count as lost.
for pid in "${client_pids[@]}"; do kill -0 "$pid" 2>/dev/null || echo "# a client exited early: see $work (KEEP=1)" >&2; done
