#!/usr/bin/env bash
# Builds the UI and the desktop app, then opens Genqueue's window.
# Needs a graphical session (DISPLAY or WAYLAND_DISPLAY); installs the Debian
# packages it needs when they are missing (scripts/install-deps.sh, as root).
# Extra arguments go to cargo (e.g. --release).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run-app: no graphical session (DISPLAY is not set)." >&2
  echo "         On a machine without a screen, try: xvfb-run -a scripts/run-app.sh" >&2
  exit 1
fi

if ! pkg-config --exists webkit2gtk-4.1 2>/dev/null; then
  echo "== installing the Debian packages the app needs (scripts/install-deps.sh)"
  scripts/install-deps.sh
fi

echo "== building the UI"
(cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)

echo "== building and starting the app"
exec cargo run -p genqueue-app "$@"
