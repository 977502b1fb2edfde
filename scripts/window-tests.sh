#!/usr/bin/env bash
# WebDriver tests of Genqueue's real window (tests/window/).
#
# Builds the UI and the app against the built UI (custom-protocol), then,
# inside its own Xvfb display and a private D-Bus session:
#   - gnome-keyring (secrets, unlocked with a throw-away password),
#   - dunst (the notification daemon; notifications stay until clicked or
#     closed: tests/window/dunstrc) and dbus-monitor watching
#     org.freedesktop.Notifications into a log,
#   - status-notifier-watcher and a StatusNotifier host
#     (gtk-sni-tray-standalone, a visible tray bar), so that the app's tray
#     item registers and can be read and clicked over D-Bus, when installed,
#   - replicate-sim on a free loopback port, with one good and one refused
#     token,
#   - fake-telegram (crates/testkit: a fake Telegram Bot API) on a free port,
#   - four tauri-drivers (each starts WebKitWebDriver, which starts the app):
#     A for tests/window/demo.test.mjs (first run, offline demo, counter,
#     result, tray, notifications), B for token.test.mjs (a real token
#     against replicate-sim through REPLICATE_API_BASE, the keyring, a
#     restart; GTK_THEME=Adwaita:dark, small window), each with its own
#     GENQUEUE_DATA_DIR; C for telegram.test.mjs (Settings → Telegram
#     against fake-telegram); then A again for notify.test.mjs (clicks on
#     notifications and on the tray); D for team.test.mjs (the app on a
#     team database: a fresh one in the PostgreSQL cluster that
#     scripts/with-postgres.sh started, GENQUEUE_TEST_DATABASE_URL; skipped
#     without one, outside CI),
# and runs the Node tests (node --test + webdriverio) against them.
# Screenshots and logs go to test-artifacts/window/.
#
# Every background process is started in its own process group and the
# whole group is stopped on exit, failure or interrupt. Run time after the
# builds: about a minute and a half (three app sessions).
#
# Needs (.ci/run installs them): xvfb, webkit2gtk-driver, dbus, dbus-x11,
# gnome-keyring, libsecret-tools, dunst, xdotool, imagemagick, libglib2.0-bin (gdbus),
# haskell-status-notifier-item-utils, haskell-gtk-sni-tray-utils; node + npm;
# tauri-driver (installed here with cargo if missing).
#
# Env: WINDOW_TESTS_SKIP_BUILD=1 skips the builds (the binary and ui/dist
# must exist); WINDOW_TESTS_APP, WINDOW_TESTS_FILES and WINDOW_TESTS_ARTIFACTS
# test another binary with other files (scripts/package-test.sh); WINDOW_TESTS_TIMEOUT (s, default 360) bounds the test run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ARTIFACTS="$ROOT/${WINDOW_TESTS_ARTIFACTS:-test-artifacts/window}"
# The binary under test is a private copy: another cargo build (in another
# terminal, or one with --no-default-features, whose app loads the dev server)
# would rewrite target/debug/genqueue under the running tests.
# WINDOW_TESTS_APP: another binary (the installed package's).
APP="${WINDOW_TESTS_APP:-$ROOT/target/window-tests/genqueue}"
# The test files (tests/window/), in order.
FILES="${WINDOW_TESTS_FILES:-demo.test.mjs token.test.mjs telegram.test.mjs notify.test.mjs team.test.mjs}"

# ---------------------------------------------------------------- inner part
# Runs inside dbus-run-session (see the end of this file).
if [ "${1:-}" = "--inside-session" ]; then
  shift
  SESSION_NAME=window-tests SESSION_LOGS="$ARTIFACTS"
  # shellcheck source=lib/desktop-session.sh
  . "$ROOT/scripts/lib/desktop-session.sh"
  cleanup_inner() {
    local status=$?
    stop_background
    exit "$status"
  }
  trap cleanup_inner EXIT
  trap 'exit 130' INT TERM

  start_keyring genqueue-window-tests

  # Notifications: a daemon that really displays them, and a monitor.
  bg dunst dunst -config "$ROOT/tests/window/dunstrc"
  wait_for 10 "dunst on the bus" has_name org.freedesktop.Notifications
  bg dbus-monitor dbus-monitor --session "interface='org.freedesktop.Notifications'"
  export NOTIFY_LOG="$ARTIFACTS/dbus-monitor.log"

  # Tray: checked by the tests only when there is one.
  start_tray
  export SNI_WATCHER

  # Eight free loopback ports: four tauri-drivers and their WebKitWebDrivers.
  read -r port_a native_a port_b native_b port_c native_c port_d native_d < <(node -e '
    const net = require("net");
    const servers = [];
    const free = () => new Promise((ok) => { const s = net.createServer(); servers.push(s); s.listen(0, "127.0.0.1", () => ok(s.address().port)); });
    (async () => { const p = []; for (let i = 0; i < 8; i++) p.push(await free()); servers.forEach((s) => s.close()); console.log(p.join(" ")); })();')

  # Driver A: the first run and the offline demo (light theme). Started from
  # a temporary folder: the app's working folder is none of the checkout.
  cd "$WINDOW_TMP"
  bg tauri-driver-a tauri-driver --port "$port_a" --native-port "$native_a"
  cd "$ROOT"
  # Driver B: a real token against replicate-sim, the Secret Service, a
  # restart, in the dark theme; its own data folder.
  if [[ " $FILES " == *" token.test.mjs "* || " $FILES " == *" telegram.test.mjs "* || " $FILES " == *" team.test.mjs "* ]]; then
  sim_token="r8_windowtest$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  bg replicate-sim "$ROOT/target/debug/replicate-sim" --port 0 --image-scale 0.5 \
    --token "$sim_token:ok:window-tester" --token "r8_windowtestrevoked000000000000:invalid:nobody"
  wait_for 10 "replicate-sim to listen" grep -q "listening on" "$ARTIFACTS/replicate-sim.log"
  sim_base="$(sed -n 's/^replicate-sim listening on //p' "$ARTIFACTS/replicate-sim.log" | head -n1)"
  mkdir -p "$WINDOW_TMP/genqueue-data-b"
  bg tauri-driver-b env GENQUEUE_DATA_DIR="$WINDOW_TMP/genqueue-data-b" REPLICATE_API_BASE="$sim_base" \
    GTK_THEME=Adwaita:dark tauri-driver --port "$port_b" --native-port "$native_b"
  wait_for 20 "tauri-driver on port $port_b" curl -sf "http://127.0.0.1:$port_b/status"
  export WEBDRIVER_PORT_B="$port_b" SIM_TOKEN="$sim_token" \
    SIM_BAD_TOKEN="r8_windowtestrevoked000000000000" GENQUEUE_DATA_DIR_B="$WINDOW_TMP/genqueue-data-b"
  fi
  # Driver C: Settings → Telegram against the fake Bot API (telegram.test.mjs).
  if [[ " $FILES " == *" telegram.test.mjs "* ]]; then
  tg_token="$((600000000 + RANDOM)):AA$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')x"
  tg_chat=424242
  bg fake-telegram "$ROOT/target/debug/fake-telegram" --token "$tg_token" --chat "$tg_chat"
  wait_for 10 "fake-telegram to listen" grep -q "listening on" "$ARTIFACTS/fake-telegram.log"
  tg_base="$(sed -n 's/^fake-telegram listening on //p' "$ARTIFACTS/fake-telegram.log" | head -n1)"
  mkdir -p "$WINDOW_TMP/genqueue-data-c"
  bg tauri-driver-c env GENQUEUE_DATA_DIR="$WINDOW_TMP/genqueue-data-c" REPLICATE_API_BASE="$sim_base" \
    tauri-driver --port "$port_c" --native-port "$native_c"
  wait_for 20 "tauri-driver on port $port_c" curl -sf "http://127.0.0.1:$port_c/status"
  export WEBDRIVER_PORT_C="$port_c" GENQUEUE_DATA_DIR_C="$WINDOW_TMP/genqueue-data-c" \
    FAKE_TELEGRAM_BASE="$tg_base" FAKE_TELEGRAM_TOKEN="$tg_token" FAKE_TELEGRAM_CHAT="$tg_chat"
  fi
  # Driver D: the app on a team database (team.test.mjs): a fresh database
  # of the cluster scripts/with-postgres.sh started, the token added to it
  # by genq beforehand (its secret in this session's keyring).
  if [[ " $FILES " == *" team.test.mjs "* ]]; then
  team_db="genqueue_window_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  psql "$GENQUEUE_TEST_DATABASE_URL" -qAtc "CREATE DATABASE $team_db"
  team_url="${GENQUEUE_TEST_DATABASE_URL%/*}/$team_db"
  mkdir -p "$WINDOW_TMP/genqueue-data-d" "$WINDOW_TMP/genqueue-data-e"
  printf '%s' "$sim_token" | GENQUEUE_DATA_DIR="$WINDOW_TMP/genqueue-data-d" GENQUEUE_DATABASE_URL="$team_url" \
    REPLICATE_API_BASE="$sim_base" "$ROOT/target/debug/genq" tokens add --label team >/dev/null
  bg tauri-driver-d env GENQUEUE_DATA_DIR="$WINDOW_TMP/genqueue-data-d" REPLICATE_API_BASE="$sim_base" \
    GENQUEUE_DATABASE_URL="$team_url" tauri-driver --port "$port_d" --native-port "$native_d"
  wait_for 20 "tauri-driver on port $port_d" curl -sf "http://127.0.0.1:$port_d/status"
  export WEBDRIVER_PORT_D="$port_d" TEAM_DATABASE_URL="$team_url" TEAM_SIM_BASE="$sim_base" \
    TEAM_OTHER_DATA_DIR="$WINDOW_TMP/genqueue-data-e" GENQ="$ROOT/target/debug/genq"
  fi
  wait_for 20 "tauri-driver on port $port_a" curl -sf "http://127.0.0.1:$port_a/status"
  export WEBDRIVER_PORT="$port_a"

  # The tests run in the background (their own group, like the rest) and
  # are waited for, so that a signal runs the clean-up at once.
  cd tests/window
  : >"$ARTIFACTS/node.log" # exists before tail follows it
  bg node timeout --kill-after=10 "${WINDOW_TESTS_TIMEOUT:-360}" \
    node --test --test-concurrency=1 --test-reporter=spec $FILES
  node_pid=$!
  tail -n +1 -f --pid="$node_pid" "$ARTIFACTS/node.log" &
  status=0
  wait "$node_pid" || status=$?
  wait $! 2>/dev/null || true
  if [ "$status" -eq 124 ]; then echo "window-tests: the tests timed out" >&2; fi
  exit "$status"
fi

# ---------------------------------------------------------------- outer part
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "window-tests: $1 not found; install $2" >&2
    exit 127
  fi
}
need Xvfb xvfb
need WebKitWebDriver webkit2gtk-driver
need dbus-run-session dbus
need dbus-monitor dbus
need gnome-keyring-daemon gnome-keyring
need dunst dunst
need dunstctl dunst
need gdbus libglib2.0-bin
need xdotool xdotool
need import imagemagick
need convert imagemagick
need secret-tool libsecret-tools
need node nodejs
need npm npm
need setsid util-linux
need curl curl
if ! command -v tauri-driver >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/tauri-driver" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "== cargo install tauri-driver"
    cargo install tauri-driver --locked
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi

if [ "${WINDOW_TESTS_SKIP_BUILD:-}" != 1 ]; then
  echo "== window tests: build the UI"
  if [ ! -d ui/node_modules ]; then (cd ui && npm ci --no-audit --no-fund); fi
  (cd ui && npm run build)
  echo "== window tests: build the app against the built UI"
  # The same build as test-all.sh's (nothing to do after it): a `-p` build
  # would unify features differently and compile ~200 crates again.
  cargo build --workspace --all-targets --locked
  mkdir -p "$(dirname "$APP")"
  cp -f target/debug/genqueue "$APP.tmp" && mv -f "$APP.tmp" "$APP"
fi
[ -x "$APP" ] || { echo "window-tests: $APP missing (build it first)" >&2; exit 1; }
if [[ " $FILES " == *" team.test.mjs "* ]]; then
  if [ -z "${GENQUEUE_TEST_DATABASE_URL:-}" ] || [ -z "${GENQUEUE_TEST_PG_CTL:-}" ]; then
    if [ -n "${CI:-}" ]; then
      echo "window-tests: team.test.mjs needs a PostgreSQL: run through scripts/with-postgres.sh" >&2
      exit 1
    fi
    echo "window-tests: SKIPPED team.test.mjs (no GENQUEUE_TEST_DATABASE_URL: run through scripts/with-postgres.sh)" >&2
    FILES="${FILES/team.test.mjs/}"
    export WINDOW_TESTS_FILES="$FILES"
  fi
  [[ " $FILES " != *" team.test.mjs "* ]] || [ -x target/debug/genq ] || { echo "window-tests: target/debug/genq missing (build it first)" >&2; exit 1; }
fi
[[ " $FILES " != *" telegram.test.mjs "* ]] || [ -x target/debug/fake-telegram ] || { echo "window-tests: target/debug/fake-telegram missing (build it first)" >&2; exit 1; }
[[ " $FILES " != *" token.test.mjs "* && " $FILES " != *" telegram.test.mjs "* ]] || [ -x target/debug/replicate-sim ] || { echo "window-tests: target/debug/replicate-sim missing (build it first)" >&2; exit 1; }
if [ ! -d tests/window/node_modules ] || [ tests/window/package-lock.json -nt tests/window/node_modules/.package-lock.json ]; then
  # --ignore-scripts: webdriverio's optional driver downloaders are not needed.
  (cd tests/window && npm ci --no-audit --no-fund --ignore-scripts)
fi

rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/genqueue-window.XXXXXX")"
xvfb_pid=""
session_pid=""
inner_pid() { pgrep -P "$session_pid" -f -- "--inside-session" 2>/dev/null | head -n1; }
cleanup_outer() {
  local status=$?
  if [ -n "$session_pid" ]; then
    # Interrupted: stop the inner script first (it stops what it started),
    # then the session bus.
    local inner
    inner="$(inner_pid || true)"
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

# Xvfb on a free display (it writes the number it took to fd 3).
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$tmp/display" 2>"$ARTIFACTS/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 1 100); do
  [ -s "$tmp/display" ] && break
  sleep 0.1
done
[ -s "$tmp/display" ] || { echo "window-tests: Xvfb did not start (see $ARTIFACTS/xvfb.log)" >&2; exit 1; }
export DISPLAY=":$(head -n1 "$tmp/display")"
echo "== window tests on DISPLAY=$DISPLAY"

mkdir -p "$tmp/xdg/data" "$tmp/xdg/cache" "$tmp/xdg/config" "$tmp/xdg/runtime" "$tmp/genqueue-data"
chmod 700 "$tmp/xdg/runtime"
env XDG_DATA_HOME="$tmp/xdg/data" XDG_CACHE_HOME="$tmp/xdg/cache" \
  XDG_CONFIG_HOME="$tmp/xdg/config" XDG_RUNTIME_DIR="$tmp/xdg/runtime" \
  NO_AT_BRIDGE=1 GENQUEUE_DATA_DIR="$tmp/genqueue-data" WINDOW_TMP="$tmp" ROOT="$ROOT" \
  GENQUEUE_APP="$APP" ARTIFACTS="$ARTIFACTS" \
  dbus-run-session -- "$0" --inside-session &
session_pid=$!
status=0
wait "$session_pid" || status=$?
session_pid=""
if [ "$status" -eq 0 ]; then
  echo "== window tests passed (screenshots in test-artifacts/window/)"
else
  echo "== window tests FAILED (status $status; logs and screenshots in test-artifacts/window/)" >&2
fi
exit "$status"
