#!/usr/bin/env bash
# Runs every test of the project:
#   1. the UI: install, build (the app embeds ui/dist), Vitest and Playwright;
#   2. Rust: unit tests, scenarios against replicate-sim, the CLI, with the
#      real Secret Service in a private D-Bus session; then the scenario and
#      reliability suites (tests/) again with their queues on PostgreSQL;
#   3. the real window under Xvfb through WebDriver.
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== the Debian packages and Node.js the tests need (scripts/install-deps.sh)"
scripts/install-deps.sh
# install-deps.sh may have put Node.js in /usr/local/bin.
export PATH="/usr/local/bin:$PATH"

echo "== UI: install and build"
(cd ui && npm ci --no-audit --no-fund && npm run build)

echo "== cargo build (workspace, all targets)"
cargo build --workspace --all-targets --locked

echo "== cargo test (inside a private D-Bus session with gnome-keyring, with a throw-away PostgreSQL)"
scripts/with-postgres.sh scripts/with-keyring.sh cargo test --workspace --locked

echo "== the scenario and reliability suites again, their queues on PostgreSQL (one suite, two backends)"
# The suites (tests/tests/*.rs) are picked by target name, with the workspace
# still selected: `-p genqueue-tests` would unify features differently and
# build genqueue-core, the simulator and all 34 suites a second time (~4 GB of
# disk and minutes of CI). crates/cli's spend.rs and crates/sim's outputs.rs
# share a name with a suite and run again too.
suites=()
for f in tests/tests/*.rs; do suites+=(--test "$(basename "$f" .rs)"); done
GENQUEUE_TEST_STORE=postgres scripts/with-postgres.sh scripts/with-keyring.sh \
    cargo test --workspace --locked "${suites[@]}"

echo "== UI tests (Vitest, Playwright in Chromium)"
(cd ui && npm test)

# The window tests include the app on a team database (tests/window/team.test.mjs).
scripts/with-postgres.sh scripts/window-tests.sh
echo "== all tests passed"
