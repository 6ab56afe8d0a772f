#!/usr/bin/env bash
# scripts/test.sh — the one command that runs every test on a fresh Debian 12
# machine (as root): installs what is needed (scripts/setup.sh), checks
# formatting and lints, starts the PostgreSQL and the MariaDB rig that verify
# IAM tokens like RDS, runs the rigs' self-tests and the whole test suite
# against them, and stops both rigs on any exit.
# The tests find the rigs through VOUCH_RIG_ENV (PostgreSQL, port 15432),
# VOUCH_MARIADB_RIG_ENV (MariaDB, port 13306) and VOUCH_RA_RIG_ENV (the local
# IAM Roles Anywhere endpoint, port 14443): each the path of a rig.env.
# The self-tests start rigs of their own (ports 15499, 13399, 14499-14500).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
echo "== build"
cargo build --all-targets --quiet

# Both rigs are stopped on any exit; a rig whose start fails cleans up itself.
pg_env="" mariadb_env="" ra_env="" out=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [[ -n "$ra_env" ]]; then bash rig/rolesanywhere-rig.sh stop "$(dirname "$ra_env")" >/dev/null 2>&1 || true; fi
  if [[ -n "$mariadb_env" ]]; then bash rig/mariadb-rig.sh stop "$(dirname "$mariadb_env")" >/dev/null 2>&1 || true; fi
  if [[ -n "$pg_env" ]]; then bash rig/pg-rig.sh stop "$(dirname "$pg_env")" >/dev/null 2>&1 || true; fi
  if [[ -n "$out" ]]; then rm -f "$out"; fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== start the PostgreSQL rig"
pg_env=$(bash rig/pg-rig.sh start | tail -n 1)
export VOUCH_RIG_ENV="$pg_env"
echo "== start the MariaDB rig"
mariadb_env=$(bash rig/mariadb-rig.sh start | tail -n 1)
export VOUCH_MARIADB_RIG_ENV="$mariadb_env"
echo "== start the Roles Anywhere endpoint"
ra_env=$(bash rig/rolesanywhere-rig.sh start | tail -n 1)
export VOUCH_RA_RIG_ENV="$ra_env"
# Everything this script set up must be used: a missing piece fails, never skips.
export VOUCH_TEST_STRICT=1

echo "== rig self-test (verifier against botocore, PostgreSQL rig)"
bash rig/selftest.sh
echo "== MariaDB rig self-test"
bash rig/selftest-mariadb.sh
echo "== Roles Anywhere endpoint self-test (against iam-rolesanywhere-session and openssl)"
bash rig/selftest-rolesanywhere.sh

echo "== cargo test"
out=$(mktemp /tmp/vouch-test.XXXXXX)
# Library, binary and integration tests (no doc tests: there are none).
status=0
cargo test --lib --bins --tests 2>&1 | tee "$out" || status=$?
# One closing line over all test binaries.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$out"
exit "$status"
