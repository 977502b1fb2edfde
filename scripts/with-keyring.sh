#!/usr/bin/env bash
# Runs CMD... inside a private D-Bus session with an unlocked gnome-keyring,
# so tests talk to a real Secret Service without touching the user's own
# keyring. Usage: scripts/with-keyring.sh cargo test -p genqueue-core --test keyring
#
# Needs: dbus (dbus-run-session), gnome-keyring; libsecret-tools (secret-tool)
# for the tests that look an entry up from outside.
#
# What it sets up (shared/PLATFORM.md, "Traps"):
# - XDG_DATA_HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME, XDG_RUNTIME_DIR in a fresh
#   temporary folder, so the login keyring is created there and thrown away;
# - a session bus from dbus-run-session (no autolaunched bus, no zombies);
# - gnome-keyring-daemon with its secrets component, unlocked with a
#   throw-away password, stopped when CMD ends;
# - NO_AT_BRIDGE=1 (no accessibility bus) and GENQUEUE_KEYRING_TESTS=1 (the
#   keyring tests run only when it is set).
# Exits with CMD's status.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

if [ -z "${GENQUEUE_KEYRING_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "$0: $tool not found; install the packages dbus and gnome-keyring" >&2
      exit 127
    fi
  done
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/genqueue-keyring.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/data" "$tmp/cache" "$tmp/config" "$tmp/runtime"
  chmod 700 "$tmp/runtime"
  status=0
  env XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache" \
    XDG_CONFIG_HOME="$tmp/config" XDG_RUNTIME_DIR="$tmp/runtime" \
    NO_AT_BRIDGE=1 GENQUEUE_KEYRING_SESSION=1 \
    dbus-run-session -- "$0" "$@" || status=$?
  exit "$status"
fi

# Inside the session: start the daemon in the foreground (so its pid is ours
# to stop), unlocked with a password read from stdin.
printf '%s' "genqueue-test-keyring" |
  gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
daemon=$!
stop_daemon() { kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; }
trap stop_daemon EXIT

# Wait (up to 10 s) until the Secret Service name is on the bus.
for _ in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
    grep -q 'boolean true'; then
    break
  fi
  sleep 0.1
done

export GENQUEUE_KEYRING_TESTS=1
status=0
"$@" || status=$?
exit "$status"
