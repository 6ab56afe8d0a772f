#!/usr/bin/env bash
# scripts/test.sh — the one command that runs every test on a fresh Debian 12
# machine (as root): installs what is needed (scripts/setup.sh), checks
# formatting and lints, starts the PostgreSQL rig that verifies IAM tokens
# like RDS, runs the whole test suite against it, and stops the rig.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
echo "== build"
cargo build --all-targets --quiet

echo "== start the PostgreSQL rig"
rig_env=$(bash rig/pg-rig.sh start | tail -n 1)
rig_dir=$(dirname "$rig_env")
trap 'bash rig/pg-rig.sh stop "$rig_dir" >/dev/null 2>&1 || true' EXIT
export VOUCH_RIG_ENV="$rig_env"
# Everything this script set up must be used: a missing piece fails, never skips.
export VOUCH_TEST_STRICT=1

echo "== rig self-test (verifier against botocore)"
bash rig/selftest.sh

echo "== cargo test"
out=$(mktemp /tmp/vouch-test.XXXXXX)
trap 'rm -f "$out"; bash rig/pg-rig.sh stop "$rig_dir" >/dev/null 2>&1 || true' EXIT
# Library, binary and integration tests (no doc tests: there are none).
status=0
cargo test --lib --bins --tests 2>&1 | tee "$out" || status=$?
# One closing line over all test binaries.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$out"
exit "$status"
