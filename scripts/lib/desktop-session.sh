# Sourced by scripts that run apps in a private desktop session (inside
# dbus-run-session, under Xvfb): scripts/window-tests.sh and
# crates/bench/app/measure.sh. Background processes in their own process
# groups, stopped in reverse order; waits with a deadline; the Secret Service
# and a tray bar on the session bus.
#
# Before sourcing, set SESSION_NAME (the prefix of messages) and SESSION_LOGS
# (the folder of the processes' logs).

pgids=()

# bg NAME CMD...: starts CMD in a new session (its own process group), output
# to $SESSION_LOGS/NAME.log.
bg() {
  local name="$1"
  shift
  setsid "$@" >"$SESSION_LOGS/$name.log" 2>&1 &
  pgids+=("$!")
}

# Stops what bg started, last first: TERM, then KILL what is left.
stop_background() {
  local i
  for ((i = ${#pgids[@]} - 1; i >= 0; i--)); do
    kill -TERM -- "-${pgids[i]}" 2>/dev/null || true
  done
  sleep 0.5
  for ((i = ${#pgids[@]} - 1; i >= 0; i--)); do
    kill -KILL -- "-${pgids[i]}" 2>/dev/null || true
    wait "${pgids[i]}" 2>/dev/null || true
  done
}

# wait_for SECONDS DESCRIPTION CMD...: until CMD succeeds, or fails saying what it waited for.
wait_for() {
  local t="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + t))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$SESSION_NAME: timed out waiting for $what" >&2
      return 1
    fi
    sleep 0.1
  done
}

# has_name NAME: whether NAME has an owner on the session bus.
has_name() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}

# start_keyring PASSWORD: the Secret Service (gnome-keyring in the
# foreground, unlocked from stdin), on the bus before it returns.
start_keyring() {
  bg gnome-keyring sh -c "printf %s '$1' | exec gnome-keyring-daemon --foreground --unlock --components=secrets"
  wait_for 10 "the Secret Service on the bus" has_name org.freedesktop.secrets
}

# start_tray: a StatusNotifierWatcher and a host (a tray bar) registered with
# it, as on a desktop; without a host an app's tray (ksni) does not register.
# Sets SNI_WATCHER to 1, or to 0 (with a line on stderr) when the tools are
# missing (haskell-status-notifier-item-utils, haskell-gtk-sni-tray-utils).
start_tray() {
  if command -v status-notifier-watcher >/dev/null 2>&1 && command -v gtk-sni-tray-standalone >/dev/null 2>&1; then
    bg status-notifier-watcher status-notifier-watcher
    wait_for 10 "the StatusNotifierWatcher on the bus" has_name org.kde.StatusNotifierWatcher
    bg sni-tray gtk-sni-tray-standalone --bottom --end --size 32
    wait_for 20 "a StatusNotifier host to register" tray_host_registered
    SNI_WATCHER=1
  else
    echo "$SESSION_NAME: status-notifier-watcher or gtk-sni-tray-standalone not installed (haskell-status-notifier-item-utils, haskell-gtk-sni-tray-utils): no tray" >&2
    SNI_WATCHER=0
  fi
}

tray_host_registered() {
  gdbus call --session --timeout 2 --dest org.kde.StatusNotifierWatcher --object-path /StatusNotifierWatcher \
    --method org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierWatcher IsStatusNotifierHostRegistered 2>/dev/null |
    grep -q true
}
