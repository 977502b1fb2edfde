#!/usr/bin/env bash
# Runs every test of the project: Rust unit and scenario tests (with a real
# Secret Service in a private D-Bus session), then the UI's tests when the UI
# exists. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo build (workspace, all targets)"
cargo build --workspace --all-targets --locked

echo "== cargo test (inside a private D-Bus session with gnome-keyring)"
scripts/with-keyring.sh cargo test --workspace --locked

if [ -f ui/package.json ]; then
  echo "== UI tests"
  (cd ui && npm ci --no-audit --no-fund && npm test)
fi
echo "== all tests passed"
