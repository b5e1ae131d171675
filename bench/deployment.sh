# Sourced by the benchmark scripts: builds weft, makes a fresh deployment
# with a publisher (bench-pub) and a subscriber (bench-sub) in a temp folder,
# and stops the weftd it started (by PID) and removes the folder on exit.
#   source "$root/bench/deployment.sh" NAME     sets build_dir, weft, weftd, work, deployment
#   start the broker yourself and put its PID in weftd_pid; stop_weftd stops it.
# KEEP=1 keeps the temp folder.
# BUILD_DIR=<folder> uses that build as it is (while developing a benchmark).
build_dir=${BUILD_DIR:-$root/build}
if [ -n "${BUILD_DIR:-}" ]; then
  :
elif [ -x "$root/scripts/build.sh" ]; then
  "$root/scripts/build.sh" >/dev/null
else
  cmake -S "$root" -B "$root/build" -G Ninja -DWEFT_WERROR=ON >/dev/null
  ninja -C "$root/build" >/dev/null
fi
weft=$build_dir/bin/weft
weftd=$build_dir/bin/weftd

work=$(mktemp -d "${TMPDIR:-/tmp}/weft-$1.XXXXXX")
deployment=$work/deployment
weftd_pid=
stop_weftd() {
  [ -n "$weftd_pid" ] || return 0
  kill -TERM "$weftd_pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$weftd_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$weftd_pid" 2>/dev/null || true
  wait "$weftd_pid" 2>/dev/null || true
  weftd_pid=
}
cleanup_bench() {
  stop_weftd
  if [ "${KEEP:-0}" = 1 ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup_bench EXIT

"$weft" admin init --dir "$deployment" >/dev/null
"$weft" admin org add --dir "$deployment" --name bench-pub --roles publisher --jurisdiction DE --sector government >/dev/null
"$weft" admin org add --dir "$deployment" --name bench-sub --roles subscriber --jurisdiction DE --sector finance >/dev/null

# Starts weftd on an OS-chosen loopback port (log level WEFTD_LOG_LEVEL, warn
# by default; log in $work/weftd.log), waits at most 2 min for its ready
# file, and sets weftd_pid; the caller reads ports from $deployment/ready.json.
start_weftd() {
  rm -f "$deployment/ready.json"
  "$weftd" --config "$deployment/weftd.conf" --listen 127.0.0.1:0 --ready-file "$deployment/ready.json" \
    --log-level "${WEFTD_LOG_LEVEL:-warn}" 2>"$work/weftd.log" &
  weftd_pid=$!
  for _ in $(seq 1200); do
    [ -s "$deployment/ready.json" ] && return 0
    kill -0 "$weftd_pid" 2>/dev/null || { cat "$work/weftd.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "weftd did not get ready within 2 min; see $work/weftd.log" >&2
  exit 1
}
