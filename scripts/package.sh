#!/usr/bin/env bash
# Builds Genqueue's Debian package with the Tauri bundler (the Tauri CLI,
# @tauri-apps/cli in ui/'s devDependencies): the UI, a release build of the
# app with the UI inside, then
#   target/release/bundle/deb/Genqueue_<version>_<arch>.deb
# holding /usr/bin/genqueue, a desktop entry (Genqueue.desktop) and the
# icons (hicolor), with the Depends the bundler writes (WebKitGTK 4.1,
# GTK 3) plus those of src-tauri/tauri.conf.json. Prints the .deb's path on
# its last line. Install it with `apt-get install ./that.deb`.
#
# Needs what scripts/install-deps.sh installs. No AppImage: the bundler
# downloads its tools (linuxdeploy and plugins) at build time, which these
# machines cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x ui/node_modules/.bin/tauri ]; then
  (cd ui && npm ci --no-audit --no-fund)
fi
echo "== package: tauri build --bundles deb (release)"
start=$SECONDS
# The frontend is ui/ (the before-build command, `npm run build`, runs
# there); else the CLI takes the first folder with a package.json it finds.
TAURI_FRONTEND_PATH="$PWD/ui" ui/node_modules/.bin/tauri build --bundles deb --ci
echo "== package: built in $((SECONDS - start)) s"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
deb="$(ls -t target/release/bundle/deb/Genqueue_"${version}"_*.deb | head -n1)"
[ -f "$deb" ] || { echo "package: no .deb for version $version in target/release/bundle/deb" >&2; exit 1; }
echo "$PWD/$deb"
