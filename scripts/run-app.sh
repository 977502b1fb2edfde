#!/usr/bin/env bash
# Builds the UI and the desktop app, then opens Genqueue's window.
# Needs a graphical session (DISPLAY or WAYLAND_DISPLAY); installs the Debian
# packages and Node.js it needs when they are missing (scripts/install-deps.sh, as root).
# Extra arguments go to cargo (e.g. --release).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run-app: no graphical session (DISPLAY is not set)." >&2
  echo "         On a machine without a screen, try: xvfb-run -a scripts/run-app.sh" >&2
  exit 1
fi

echo "== the Debian packages and Node.js the app needs (scripts/install-deps.sh)"
scripts/install-deps.sh
# install-deps.sh may have put Node.js in /usr/local/bin.
export PATH="/usr/local/bin:$PATH"

echo "== building the UI"
# npm ci when the lock file changed since the last install (a pull that adds a package).
(cd ui && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build)

echo "== building and starting the app"
exec cargo run -p genqueue-app "$@"
