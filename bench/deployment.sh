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
