#!/usr/bin/env bash
# Installs the Debian 12 packages Genqueue needs to build, run and test
# (as root). Used by .ci/run, and by scripts/run-app.sh when they are missing.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (or with sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  build-essential pkg-config curl file ca-certificates \
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev \
  libayatana-appindicator3-dev librsvg2-dev \
  xvfb webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools \
  dunst libnotify-bin imagemagick xdotool keyutils \
  chromium chromium-driver sqlite3 \
  haskell-status-notifier-item-utils libglib2.0-bin \
  postgresql
