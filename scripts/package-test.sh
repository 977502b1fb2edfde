#!/usr/bin/env bash
# The Debian package, as a user gets it: builds the .deb (scripts/package.sh,
# a release build), installs it with the system's package tool (apt-get,
# which brings its Depends), checks what it carries (the binary, the desktop
# entry, the icons, its Depends), then launches the installed
# /usr/bin/genqueue under Xvfb through WebDriver and checks that the
# first-run screen paints with no file of the checkout in use
# (tests/window/package.test.mjs, run by scripts/window-tests.sh's harness).
# Removes the package at the end unless PACKAGE_TEST_KEEP=1.
#
# Needs what scripts/install-deps.sh installs, as root. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "package-test: run as root (it installs the .deb)" >&2
  exit 1
fi
start=$SECONDS
deb="$(scripts/package.sh | tail -n1)"
echo "== package-test: $deb ($(du -h "$deb" | cut -f1)), built in $((SECONDS - start)) s"

echo "== package-test: what it carries"
dpkg-deb --info "$deb" | sed -n 's/^ *\(Package\|Version\|Architecture\|Depends\|Installed-Size\):/  &/p'
contents="$(dpkg-deb --contents "$deb")"
# The binary, a desktop entry, the icons (hicolor, one per size).
for want in ' \(\./\)\?usr/bin/genqueue$' ' \(\./\)\?usr/share/applications/[^/]*\.desktop$' \
  ' \(\./\)\?usr/share/icons/hicolor/32x32/apps/[^/]*\.png$' ' \(\./\)\?usr/share/icons/hicolor/128x128/apps/[^/]*\.png$'; do
  grep -q "$want" <<<"$contents" || { echo "package-test: nothing matches '$want' in the package" >&2; echo "$contents" >&2; exit 1; }
done
desktop="/$(grep -o 'usr/share/applications/[^/]*\.desktop$' <<<"$contents" | head -n1)"
depends="$(dpkg-deb --field "$deb" Depends)"
for dep in libwebkit2gtk-4.1-0 libgtk-3-0; do
  grep -q "$dep" <<<"$depends" || { echo "package-test: Depends lacks $dep ($depends)" >&2; exit 1; }
done

echo "== package-test: apt-get install"
package="$(dpkg-deb --field "$deb" Package)"
cleanup() {
  if [ "${PACKAGE_TEST_KEEP:-}" != 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "$package" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb"
[ -x /usr/bin/genqueue ] || { echo "package-test: /usr/bin/genqueue is not installed" >&2; exit 1; }
grep -q '^Exec=genqueue' "$desktop" ||
  { echo "package-test: the desktop entry $desktop does not start genqueue" >&2; cat "$desktop" >&2; exit 1; }

echo "== package-test: launch the installed binary under Xvfb"
WINDOW_TESTS_SKIP_BUILD=1 WINDOW_TESTS_APP=/usr/bin/genqueue WINDOW_TESTS_FILES=package.test.mjs \
  WINDOW_TESTS_ARTIFACTS=test-artifacts/package scripts/window-tests.sh
echo "== package-test: passed in $((SECONDS - start)) s"
