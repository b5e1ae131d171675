#!/usr/bin/env bash
# weft against the brokers an operator would deploy instead (mosquitto, NATS
# with JetStream), on this machine, in one run: bench/relay.sh for weft and
# ../shared/bench/peers/run_all.sh for the peers, with the same N, S, K and
# rate, alternating weft and peers RUNS times so drifting machine load hits
# both. Prints a table of medians and one line per comparison:
#   compare weft_mode=<mode> peer=<peer> peer_mode=<mode> subs=<K> metric=<delivered_per_s|p99_us> weft=<X> peer_value=<Y> ratio=<X/Y>
# Throughput (unpaced): weft durable vs NATS js-push and mosquitto qos1-persist,
# weft live vs NATS core and mosquitto qos0, K=1 and K=10. Latency: the same
# pairs paced at RATE reports/s with K=1, p99 (lower is better, so a ratio
# below 1 favours weft).
#
#   bench/compare.sh            RUNS=3, N=50000 (K=1), N_FANOUT=20000 (K=10), paced N=10000 (~15 min)
#   bench/compare.sh --quick    one run each, smaller N (< 5 min)
# Knobs: RUNS, N, N_FANOUT, SIZE [1024], RATE [2000], N_PACED, PEERS_DIR
# [../shared/bench/peers], BUILD_DIR (weft build folder for development;
# default: build/ through scripts/build.sh). Installs the peers' Debian
# packages (as root, with apt-get) when they are missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
quick=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench/compare.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
if [ "$quick" = 1 ]; then
  RUNS=${RUNS:-1} N=${N:-10000} N_FANOUT=${N_FANOUT:-4000} N_PACED=${N_PACED:-4000}
else
  RUNS=${RUNS:-3} N=${N:-50000} N_FANOUT=${N_FANOUT:-20000} N_PACED=${N_PACED:-10000}
fi
SIZE=${SIZE:-1024}
RATE=${RATE:-2000}
PEERS_DIR=${PEERS_DIR:-$(cd "$root/.." && pwd)/shared/bench/peers}
[ -x "$PEERS_DIR/run_all.sh" ] || { echo "bench/compare.sh: no $PEERS_DIR/run_all.sh (set PEERS_DIR)" >&2; exit 1; }

PEER_MODES="mosquitto:qos0 mosquitto:qos1-persist nats:core nats:js-push"
# weft mode -> the peer modes it is compared with
pairs_for() {
  case $1 in
    live) echo "nats:core mosquitto:qos0" ;;
    durable) echo "nats:js-push mosquitto:qos1-persist" ;;
  esac
}

# ---- the peers' packages (their README's list) ----------------------------------
peers_installed() {
  { command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ]; } &&
    { command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ]; } &&
    [ -f /usr/include/mosquitto.h ] && [ -f /usr/include/nats/nats.h ] &&
    command -v make >/dev/null && command -v pkg-config >/dev/null
}
if ! peers_installed; then
  if [ "$(id -u)" != 0 ]; then
    echo "bench/compare.sh: the peers need mosquitto, nats-server, libmosquitto-dev and libnats-dev; run as root to install them" >&2
    exit 1
  fi
  echo "# installing the peers' packages (apt-get)" >&2
  apt-get update >/dev/null
  echo 'iperf3 iperf3/start_daemon boolean false' | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    mosquitto mosquitto-clients libmosquitto-dev nats-server libnats-dev \
    ripgrep iperf3 libssl-dev g++ make pkg-config python3 >/dev/null
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/weft-compare.XXXXXX")
lines=$out/lines.txt   # "<kind> <result line>", kind = tput | paced
: >"$lines"
echo "# compare: runs=$RUNS n=$N n_fanout=$N_FANOUT n_paced=$N_PACED size=$SIZE rate=$RATE quick=$quick"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# raw lines: $lines"

# run_weft KIND [env...]: one bench/relay.sh run of each mode; keeps its result lines.
run_weft() {
  local kind=$1; shift
  local rc=0
  env "$@" RUNS=1 SIZE="$SIZE" "$root/bench/relay.sh" 2>>"$out/weft.stderr" | tee -a "$out/weft.stdout" |
    grep '^peer=' | sed "s/^/$kind /" >>"$lines" || rc=$?
  [ "$rc" = 0 ] || echo "# weft $kind: relay.sh exited with $rc (see $out/weft.stderr)" >&2
}
# run_peers KIND [env...]: one run_all.sh run of each peer mode.
run_peers() {
  local kind=$1; shift
  local rc=0
  env "$@" RUNS=1 SIZE="$SIZE" MODES="$PEER_MODES" "$PEERS_DIR/run_all.sh" 2>>"$out/peers.stderr" |
    tee -a "$out/peers.stdout" | grep '^peer=' | sed "s/^/$kind /" >>"$lines" || rc=$?
  [ "$rc" = 0 ] || echo "# peers $kind: run_all.sh exited with $rc (see $out/peers.stderr)" >&2
}

start=$(date +%s)
for run in $(seq "$RUNS"); do
  echo "# round $run/$RUNS: throughput (K=1 N=$N, K=10 N=$N_FANOUT), then paced at $RATE/s (K=1 N=$N_PACED)  [$(($(date +%s) - start)) s]"
  run_weft tput SUBS="1 10" N="$N" N_FANOUT="$N_FANOUT" RATE=0
  run_peers tput SUBS="1 10" N="$N" N_FANOUT="$N_FANOUT" RATE=0
  run_weft paced SUBS=1 N="$N_PACED" RATE="$RATE"
  run_peers paced SUBS=1 N="$N_PACED" RATE="$RATE"
done
echo "# done in $(($(date +%s) - start)) s"

# median KIND PEER MODE K KEY -> median over the runs of KEY ("NA" if none)
median() {
  awk -v kind="$1" -v peer="$2" -v mode="$3" -v k="$4" -v key="$5" '
    $1 == kind && $2 == "peer=" peer && $3 == "mode=" mode && $4 == "subs=" k {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) print kv[2] }
    }' "$lines" | sort -g | awk '{ v[NR] = $1 } END {
      if (NR == 0) { print "NA"; exit }
      printf "%.0f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (x == "NA" || y == "NA" || y == 0) print "NA"; else printf "%.2f\n", x / y }'; }

compare_lines=$out/compare.txt
: >"$compare_lines"
echo
printf '%-8s %-3s %-16s %-32s %12s %12s %7s %10s %10s\n' kind K metric "weft vs peer" weft peer ratio weft_lost peer_lost
# compare KIND METRIC WEFT_MODE K
compare() {
  local kind=$1 metric=$2 wmode=$3 k=$4 pm peer pmode x y r
  x=$(median "$kind" weft "$wmode" "$k" "$metric")
  for pm in $(pairs_for "$wmode"); do
    peer=${pm%%:*} pmode=${pm#*:}
    y=$(median "$kind" "$peer" "$pmode" "$k" "$metric")
    r=$(ratio "$x" "$y")
    printf '%-8s %-3s %-16s %-32s %12s %12s %7s %10s %10s\n' "$kind" "$k" "$metric" "$wmode/$peer:$pmode" "$x" "$y" "$r" \
      "$(median "$kind" weft "$wmode" "$k" lost)" "$(median "$kind" "$peer" "$pmode" "$k" lost)"
    echo "compare weft_mode=$wmode peer=$peer peer_mode=$pmode subs=$k metric=$metric weft=$x peer_value=$y ratio=$r" >>"$compare_lines"
  done
}
for wmode in durable live; do
  for k in 1 10; do compare tput delivered_per_s "$wmode" "$k"; done
done
for wmode in live durable; do compare paced p99_us "$wmode" 1; done
echo "(delivered_per_s: higher is better; p99_us at $RATE/s: lower is better; medians of $RUNS)"
echo
cat "$compare_lines"
