#!/usr/bin/env bash
# The reliability suite (tests/tests/reliability_*.rs) at full size:
#   kill and restart   200 generations over 5 tokens, `genq run` SIGKILLed 5 times
#   faults             each fault on 40 generations, all mixed on 200
#   bad input          prompts, tokens, database, disk, keyring, broken servers
#   secrets            store, WAL, logs, events, CLI output, hosts
#   load               10,000 queued: list / counters / create latency while draining
# inside a private D-Bus session with gnome-keyring (scripts/with-keyring.sh),
# so the tests that need the real keyring run. Prints each test's figures.
# The README's test command runs the same tests at CI size.
#
# Usage: scripts/reliability.sh [extra cargo test args]
# Env: GENQUEUE_RELIABILITY_SEED repeats a run's kill moments.
# The full-disk and read-only tests mount a tmpfs (root); else they skip.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -p genq --locked
export GENQUEUE_RELIABILITY_FULL=1
tests=()
for f in tests/tests/reliability_*.rs; do
  tests+=(--test "$(basename "$f" .rs)")
done
log="${TMPDIR:-/tmp}/genqueue-reliability.log"
start=$(date +%s)
status=0
scripts/with-keyring.sh cargo test -p genqueue-tests --locked --no-fail-fast "${tests[@]}" "$@" -- --nocapture >"$log" 2>&1 || status=$?
grep -E '^(test |kill|kill-and-restart|load|  list|  counters|  create|secrets|genq secrets|mixed|5xx|drops|slow|revoked|failing|truncated|full disk|locked|read-only|identical|expired|test result)|panicked' "$log" || true
echo "== reliability suite (full size): $(( $(date +%s) - start )) s, exit $status; whole output in $log"
exit "$status"
