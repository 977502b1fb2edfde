#!/usr/bin/env bash
# Scenario 7 of BENCHMARKS.md: the desktop app (release build, under Xvfb).
#
#   crates/bench/app/measure.sh [--launches N] [--generations N] [--history-launches N]
#                               [--tokens N] [--concurrency N] [--rounds 1|2] [--skip-build]
#                               [--alt-env VAR=VALUE]
#
# Measures, with replicate-sim on loopback:
#   - launch → first painted window, N launches (default 5) after one
#     warm-up launch (reported apart): median and spread; each launch of
#     Genqueue follows one of the bare Tauri app (crates/bench/bare-app: one
#     page, a tray, the notification plugin; same Tauri build, window size,
#     Xvfb and D-Bus session), measured the same way, one app at a time (PSS
#     splits shared pages among the processes running, so never both at once);
#   - resident memory (RSS, PSS, USS) of the app and all its descendants
#     (WebKitWebProcess, WebKitNetworkProcess) at first paint + 5 s;
#   - the same after --generations (default 1,000) generations queued with
#     `genq submit` and run by the app's own engine, sampled every 2 s during
#     the run (peak), 5 s and 30 s after the last one completed (with a
#     smaps.py snapshot of each process: raw/smaps-*.json); then (--rounds 2,
#     the default) as many again in the same session, to tell a leak from
#     memory kept for reuse; then the History page opened (+10 s) and
#     left alone 10 s more; each process's CPU time is read with its memory;
#   - --history-launches (default 3) launches with that history in the store:
#     launch → paint and memory at paint + 5 s again;
#   - with --alt-env VAR=VALUE, each launch of Genqueue is followed by one
#     with that variable set ("alt": the same binary, e.g.
#     WEBKIT_SKIA_ENABLE_CPU_RENDERING=0 for WebKit's GPU painting), so a
#     setting's cost is measured in the same run, beside the same bare app.
# Prints a table; writes target/bench/app.json; keeps the raw samples, the
# painted frames (PPM) and screenshots (PNG) in target/bench/app/.
#
# How "painted" is told: crates/bench/app/paintwatch.c forks and execs the
# app (t0 = just before the fork), polls the X server every 20 ms for a
# viewable top-level window named "Genqueue", and grabs it whole with
# XShmGetImage (~1 ms, no encoding). A frame of one flat colour is "blank";
# the first frame with >= 64 distinct colours (anti-aliased text, icons) is
# "first paint"; "settled" is the frame from which on the page no longer
# changes. See paintwatch.c for the exact definitions.
#
# Environment: its own Xvfb (1280x800x24, no GPU: software rendering) and a
# private D-Bus session with an unlocked gnome-keyring (the recipe of
# scripts/window-tests.sh), NO_AT_BRIDGE=1, throw-away XDG folders and
# GENQUEUE_DATA_DIR. Tokens are added with `genq tokens add` in that session
# before the first launch, so every launch starts on the queue page.
#
# Needs: Xvfb, dbus-run-session, gnome-keyring-daemon, cc + libX11/libXext
# headers, python3, jq, curl, ImageMagick (import, convert), setsid;
# node + npm for the UI build.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT="$PWD"
OUT="$ROOT/target/bench/app"
BIN="$OUT/bin"
HERE="$ROOT/crates/bench/app"

LAUNCHES=5
GENERATIONS=1000
HISTORY_LAUNCHES=3
TOKENS=4
CONCURRENCY=8
ROUNDS=2
SKIP_BUILD=0
ALT_ENV=""

# ---------------------------------------------------------------- inner part
if [ "${1:-}" = "--inside-session" ]; then
  shift
  eval "$MEASURE_ARGS"
  SESSION_NAME=measure SESSION_LOGS="$OUT/logs"
  # shellcheck source=../../../scripts/lib/desktop-session.sh
  . "$ROOT/scripts/lib/desktop-session.sh"
  app_pid=""
  stop_app() {
    [ -n "$app_pid" ] || return 0
    kill -TERM -- "-$app_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      [ -e "/proc/$app_pid" ] || break
      sleep 0.05
    done
    kill -KILL -- "-$app_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      [ -e "/proc/$app_pid" ] || break
      sleep 0.05
    done
    app_pid=""
  }
  cleanup_inner() {
    local status=$?
    stop_app
    stop_background
    exit "$status"
  }
  trap cleanup_inner EXIT
  trap 'exit 130' INT TERM
  load1() { cut -d' ' -f1 /proc/loadavg; }

  start_keyring genqueue-bench
  # A tray bar, as on a desktop, so both apps' trays register (they run
  # without one too). Outside the apps' trees: not summed.
  start_tray

  tokens=()
  sim_args=()
  for i in $(seq 1 "$TOKENS"); do
    t="r8_bench$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    tokens+=("$t")
    sim_args+=(--token "$t:ok:bench$i")
  done
  bg replicate-sim "$BIN/replicate-sim" --port 0 --boot 20ms --predict 100ms..300ms \
    --image-scale 0.125 "${sim_args[@]}"
  wait_for 10 "replicate-sim to listen" grep -q "listening on" "$OUT/logs/replicate-sim.log"
  API_BASE="$(sed -n 's/^replicate-sim listening on //p' "$OUT/logs/replicate-sim.log" | head -n1)"
  SIM_ROOT="${API_BASE%/v1}"
  export GENQUEUE_DATA_DIR="$MEASURE_TMP/genqueue-data" REPLICATE_API_BASE="$API_BASE"
  mkdir -p "$GENQUEUE_DATA_DIR"
  for i in "${!tokens[@]}"; do
    printf '%s\n' "${tokens[i]}" | "$BIN/genq" tokens add --label "t$((i + 1))" --concurrency "$CONCURRENCY" >/dev/null
  done

  # launch KIND N [BINARY TITLE]: starts the app (default Genqueue) under
  # paintwatch, waits for first paint + 5 s, samples memory, screenshots the
  # screen; leaves the app running ($app_pid). Writes
  # $OUT/raw/KIND-N.{paint,mem,summary}.json.
  launch() {
    local kind="$1" n="$2" binary="${3:-$BIN/genqueue}" title="${4:-Genqueue}"
    local frames="$OUT/frames/$kind-$n"
    rm -rf "$frames"
    local load_before
    load_before="$(load1)"
    "$BIN/paintwatch" --title "$title" --frames "$frames" --settle 5 --timeout 60 -- "$binary" \
      >"$OUT/raw/$kind-$n.paint.json" 2>>"$OUT/logs/paintwatch.log" || {
      echo "measure: no painted window within 60 s ($kind $n)" >&2
      app_pid="$(jq -r .pid "$OUT/raw/$kind-$n.paint.json" 2>/dev/null || true)"
      return 1
    }
    app_pid="$(jq -r .pid "$OUT/raw/$kind-$n.paint.json")"
    python3 "$HERE/mem.py" "$app_pid" --label "$kind-$n" \
      --extra-name 'at-spi' >"$OUT/raw/$kind-$n.mem.json"
    import -window root "$OUT/$kind-$n.png" 2>/dev/null || true
    jq -c --arg load "$load_before" '{pid, t_mapped_ms, t_first_ink_ms, t_first_text_ms, t_settled_ms, grab_ms_mean, load1_before: ($load|tonumber)}' \
      "$OUT/raw/$kind-$n.paint.json" >"$OUT/raw/$kind-$n.summary.json"
    printf '  %-9s %s  first paint %6.0f ms  settled %6.0f ms  RSS %s MiB  PSS %s MiB\n' "$kind" "$n" \
      "$(jq .t_first_text_ms "$OUT/raw/$kind-$n.paint.json")" "$(jq .t_settled_ms "$OUT/raw/$kind-$n.paint.json")" \
      "$(jq '.total.rss_kib/1024|floor' "$OUT/raw/$kind-$n.mem.json")" \
      "$(jq '(.total.pss_kib // 0)/1024|floor' "$OUT/raw/$kind-$n.mem.json")"
  }

  echo "== launches (empty history; warm-up first, then $LAUNCHES, each after one of the bare Tauri app)"
  launch barewarm 0 "$BIN/bare-tauri" "Bare Tauri"
  stop_app
  launch warmup 0
  stop_app
  for n in $(seq 1 "$LAUNCHES"); do
    launch bare "$n" "$BIN/bare-tauri" "Bare Tauri"
    stop_app
    launch start "$n"
    stop_app
    if [ -n "$ALT_ENV" ]; then
      launch alt "$n" "$BIN/genqueue-alt"
      stop_app
    fi
  done

  # smaps_tree LABEL: a smaps.py snapshot of every process of the app
  # ($OUT/raw/smaps-LABEL-COMM.json), to tell where memory grew.
  smaps_tree() {
    local p comm
    for p in $(jq -r '.procs[].pid' "$OUT/tmp-mem.json"); do
      comm="$(cat "/proc/$p/comm" 2>/dev/null || true)"
      [ -n "$comm" ] || continue
      python3 "$HERE/smaps.py" "$p" >"$OUT/raw/smaps-$1-$comm.json" 2>/dev/null || true
    done
  }

  echo "== $GENERATIONS generations run by the app's engine"
  launch run 0
  cp "$OUT/raw/run-0.mem.json" "$OUT/tmp-mem.json"
  smaps_tree start
  : >"$OUT/raw/run-series.jsonl"
  # run_round R: queues $GENERATIONS more with genq, samples every 2 s until
  # none is pending or processing and the sim created R x $GENERATIONS
  # predictions (one per generation), then memory at +5 s. Round 1 writes
  # raw/run.json and raw/after.mem.json; round R > 1 raw/run-R.json and
  # raw/after-R.mem.json.
  run_round() {
    local r="$1" sfx=""
    [ "$r" -gt 1 ] && sfx="-$r"
    local load_before t_submit t_queued t_done stats active_n failed_n creates
    load_before="$(load1)"
    t_submit="$(date +%s.%N)"
    # genq submit takes at most 50 at a time (its --count).
    local left="$GENERATIONS" k
    while [ "$left" -gt 0 ]; do
      k=$((left < 50 ? left : 50))
      "$BIN/genq" submit -m black-forest-labs/flux-schnell -p "a lighthouse at dusk, benchmark round $r" \
        -n "$k" >/dev/null 2>&1
      left=$((left - k))
    done
    t_queued="$(date +%s.%N)"
    local deadline=$((SECONDS + 1800))
    while :; do
      if [ ! -e "/proc/$app_pid" ]; then echo "measure: the app exited during the run" >&2; exit 1; fi
      python3 "$HERE/mem.py" "$app_pid" --label run >"$OUT/tmp-mem.json"
      stats="$(curl -sf "$SIM_ROOT/_sim/stats" || echo '{}')"
      creates="$(jq '.creates_total // 0' <<<"$stats")"
      failed_n="$("$BIN/genq" ls -s failed -s cancelled -n 1000 --json | jq length)"
      active_n="$("$BIN/genq" ls -s pending -s processing -n 1000 --json | jq length)"
      jq -c --argjson s "$stats" --arg t0 "$t_submit" --argjson r "$r" \
        --argjson failed "$failed_n" --argjson active "$active_n" \
        '{round: $r, t_s: (.t - ($t0|tonumber)), rss_kib: .total.rss_kib, pss_kib: .total.pss_kib,
          uss_kib: .total.uss_kib, procs: [.procs[] | {comm, rss_kib, pss_kib}],
          failed: $failed, active: $active,
          sim_creates: $s.creates_total, sim_requests: $s.requests_total,
          sim_downloads: $s.downloads_total, sim_throttled: $s.throttled_total}' \
        "$OUT/tmp-mem.json" >>"$OUT/raw/run-series.jsonl"
      if [ "$active_n" -eq 0 ] && [ "$creates" -ge $((r * GENERATIONS)) ]; then break; fi
      if [ "$SECONDS" -ge "$deadline" ]; then echo "measure: the run did not end in 30 min" >&2; exit 1; fi
      sleep 2
    done
    t_done="$(date +%s.%N)"
    local completed_total=$((creates - failed_n))
    echo "  round $r: $completed_total completed in all, $failed_n failed/cancelled, this round in $(echo "$t_done - $t_submit" | bc) s"
    sleep 5
    python3 "$HERE/mem.py" "$app_pid" --label "after-round-$r" \
      --extra-name 'at-spi' >"$OUT/raw/after$sfx.mem.json"
    import -window root "$OUT/after-round-$r.png" 2>/dev/null || true
    cp "$OUT/raw/after$sfx.mem.json" "$OUT/tmp-mem.json"
    smaps_tree "after$sfx"
    curl -sf "$SIM_ROOT/_sim/stats" | jq '{requests_total, creates_total, downloads_total, throttled_total, requests_by_endpoint}' \
      >"$OUT/raw/sim-stats$sfx.json" || true
    jq -n --arg a "$t_submit" --arg b "$t_queued" --arg c "$t_done" --arg l0 "$load_before" --arg l1 "$(load1)" \
      --argjson done "$GENERATIONS" --argjson total "$completed_total" --argjson failed "$failed_n" \
      '{submit_s: (($b|tonumber)-($a|tonumber)), run_s: (($c|tonumber)-($a|tonumber)),
        completed: $done, completed_in_store: $total, failed_or_cancelled: $failed,
        load1_before: ($l0|tonumber), load1_after: ($l1|tonumber)}' \
      >"$OUT/raw/run$sfx.json"
    printf '  after round %s (+5 s): RSS %s MiB  PSS %s MiB\n' "$r" "$(jq '.total.rss_kib/1024|floor' "$OUT/raw/after$sfx.mem.json")" \
      "$(jq '(.total.pss_kib // 0)/1024|floor' "$OUT/raw/after$sfx.mem.json")"
    # And once it settled: WebKit's and JSC's timers (GC, the allocator's
    # scavenger, the memory-pressure poll) run seconds to half a minute apart.
    sleep 25
    python3 "$HERE/mem.py" "$app_pid" --label "after-round-$r-settled" >"$OUT/raw/after$sfx-settled.mem.json"
    cp "$OUT/raw/after$sfx-settled.mem.json" "$OUT/tmp-mem.json"
    smaps_tree "after$sfx-settled"
    printf '  after round %s (+30 s): RSS %s MiB  PSS %s MiB\n' "$r" "$(jq '.total.rss_kib/1024|floor' "$OUT/raw/after$sfx-settled.mem.json")" \
      "$(jq '(.total.pss_kib // 0)/1024|floor' "$OUT/raw/after$sfx-settled.mem.json")"
  }
  run_round 1
  # A second round on the same page tells a leak (grows again by as much)
  # from memory the web process keeps but reuses.
  [ "$ROUNDS" -ge 2 ] && run_round 2
  # Then what a user does next: open History (its thumbnails are the
  # outputs). The tab is clicked at its place in the 1120x760 window (no
  # window manager: the window is where the app put it); the screenshot
  # shows whether the click landed.
  if command -v xdotool >/dev/null 2>&1; then
    wid="$(xdotool search --onlyvisible --name '^Genqueue$' | head -n1 || true)"
    if [ -n "$wid" ]; then
      eval "$(xdotool getwindowgeometry --shell "$wid")" # X, Y: its place on the screen
      xdotool mousemove $((X + 337)) $((Y + 25)) click 1
      sleep 10
      python3 "$HERE/mem.py" "$app_pid" --label "after-$GENERATIONS-history-page" \
        >"$OUT/raw/after-history-page.mem.json"
      import -window root "$OUT/after-history-page.png" 2>/dev/null || true
      printf '  History page open (+10 s): RSS %s MiB  PSS %s MiB\n' \
        "$(jq '.total.rss_kib/1024|floor' "$OUT/raw/after-history-page.mem.json")" \
        "$(jq '(.total.pss_kib // 0)/1024|floor' "$OUT/raw/after-history-page.mem.json")"
      # The page left alone 10 s more: what an idle window costs (CPU).
      sleep 10
      python3 "$HERE/mem.py" "$app_pid" --label "history-page-idle" >"$OUT/raw/history-page-idle.mem.json"
    fi
  fi
  stop_app

  echo "== launches with those generations in the store"
  for n in $(seq 1 "$HISTORY_LAUNCHES"); do
    launch history "$n"
    stop_app
  done
  exit 0
fi

# ---------------------------------------------------------------- outer part
while [ $# -gt 0 ]; do
  case "$1" in
    --launches) LAUNCHES="$2"; shift 2 ;;
    --generations) GENERATIONS="$2"; shift 2 ;;
    --history-launches) HISTORY_LAUNCHES="$2"; shift 2 ;;
    --tokens) TOKENS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --alt-env) ALT_ENV="$2"; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "measure: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$GENERATIONS" -gt 1000 ]; then echo "measure: --generations at most 1000 (genq ls -n counts the failed)" >&2; exit 2; fi

for tool in Xvfb dbus-run-session gnome-keyring-daemon cc python3 jq curl import convert setsid bc; do
  command -v "$tool" >/dev/null 2>&1 || { echo "measure: $tool not found" >&2; exit 127; }
done

if [ "$SKIP_BUILD" != 1 ]; then
  echo "== build: UI, app, genq, replicate-sim (release), paintwatch"
  if [ ! -d ui/node_modules ]; then (cd ui && npm ci --no-audit --no-fund); fi
  (cd ui && npm run build >/dev/null)
  cargo build --release --locked -p genqueue-app -p genq -p replicate-sim -p genqueue-bench-bare
fi
mkdir -p "$BIN"
# Private copies: another build in this checkout must not swap the binary
# under the measurement.
for b in genqueue genq replicate-sim bare-tauri; do cp -f "target/release/$b" "$BIN/$b.tmp" && mv -f "$BIN/$b.tmp" "$BIN/$b"; done
cc -O2 -Wall -o "$BIN/paintwatch" "$HERE/paintwatch.c" -lX11 -lXext
# The "alt" launches: the same binary with one more variable (exec keeps
# the pid, so paintwatch and mem.py see the app itself).
if [ -n "$ALT_ENV" ]; then
  case "$ALT_ENV" in *=*) ;; *) echo "measure: --alt-env takes VAR=VALUE" >&2; exit 2 ;; esac
  printf '#!/bin/sh\nexport %q\nexec "$(dirname "$0")/genqueue" "$@"\n' "$ALT_ENV" >"$BIN/genqueue-alt"
  chmod +x "$BIN/genqueue-alt"
fi

rm -rf "$OUT/raw" "$OUT/frames" "$OUT/logs" "$OUT"/*.png
mkdir -p "$OUT/raw" "$OUT/frames" "$OUT/logs"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/genqueue-bench-app.XXXXXX")"
xvfb_pid=""
session_pid=""
cleanup_outer() {
  local status=$?
  if [ -n "$session_pid" ]; then
    local inner
    inner="$(pgrep -P "$session_pid" -f -- "--inside-session" 2>/dev/null | head -n1 || true)"
    if [ -n "$inner" ]; then kill -TERM "$inner" 2>/dev/null || true; fi
    for _ in $(seq 1 50); do
      [ -n "$inner" ] && kill -0 "$inner" 2>/dev/null || break
      sleep 0.1
    done
    kill -TERM "$session_pid" 2>/dev/null || true
    wait "$session_pid" 2>/dev/null || true
  fi
  if [ -n "$xvfb_pid" ]; then
    kill -TERM "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup_outer EXIT
trap 'exit 130' INT TERM

Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$tmp/display" 2>"$OUT/logs/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
[ -s "$tmp/display" ] || { echo "measure: Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$(head -n1 "$tmp/display")"

started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_start="$(cut -d' ' -f1 /proc/loadavg)"
echo "== scenario 7 on DISPLAY=$DISPLAY, load $load_start, $(nproc) cores"
mkdir -p "$tmp/xdg/data" "$tmp/xdg/cache" "$tmp/xdg/config" "$tmp/xdg/runtime"
chmod 700 "$tmp/xdg/runtime"
MEASURE_ARGS="LAUNCHES=$LAUNCHES GENERATIONS=$GENERATIONS HISTORY_LAUNCHES=$HISTORY_LAUNCHES TOKENS=$TOKENS CONCURRENCY=$CONCURRENCY ROUNDS=$ROUNDS ALT_ENV=$(printf %q "$ALT_ENV")"
env XDG_DATA_HOME="$tmp/xdg/data" XDG_CACHE_HOME="$tmp/xdg/cache" \
  XDG_CONFIG_HOME="$tmp/xdg/config" XDG_RUNTIME_DIR="$tmp/xdg/runtime" \
  NO_AT_BRIDGE=1 MEASURE_TMP="$tmp" MEASURE_ARGS="$MEASURE_ARGS" OUT="$OUT" \
  dbus-run-session -- "$0" --inside-session 2> >(grep -v 'dbus-daemon\[' >&2) &
session_pid=$!
status=0
wait "$session_pid" || status=$?
session_pid=""
[ "$status" -eq 0 ] || { echo "measure: FAILED (status $status; logs in $OUT/logs)" >&2; exit "$status"; }

python3 "$HERE/report.py" "$OUT" "$ROOT/target/bench/app.json" \
  --started "$started" --load-start "$load_start" --load-end "$(cut -d' ' -f1 /proc/loadavg)" \
  --commit "$(git rev-parse --short HEAD)" --dirty "$(git status --porcelain -- src-tauri ui/src crates/core | wc -l)" \
  --generations "$GENERATIONS" --tokens "$TOKENS" --concurrency "$CONCURRENCY" --alt-env "${ALT_ENV:--}"
