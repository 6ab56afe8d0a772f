#!/usr/bin/env bash
# scripts/demo.sh — the main job on the built-in local setup, from a fresh
# Debian 12 machine (as root): installs what is needed, builds vouch, starts
# the PostgreSQL rig (a private server that accepts a login only after its
# PAM verifier has checked the IAM token the way RDS does), runs
#   vouch exec -- psql -h mydb.cluster-abc123.us-east-1.rds.amazonaws.com ... -c 'select current_user'
# and shows the result, then stops the rig.
#
# The RDS name resolves to the rig through a private /etc/hosts (a mount
# namespace made with unshare, so the machine's own file is untouched), and
# the rig's certificate comes from the rig's CA, hence --ca-bundle.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
echo "== build vouch"
cargo build --quiet --bin vouch
bin_dir="${CARGO_TARGET_DIR:-target}/debug"
vouch="$(cd "$bin_dir" && pwd)/vouch"

echo "== start the local RDS-like PostgreSQL server"
rig_env=$(bash rig/pg-rig.sh start | tail -n 1)
# shellcheck disable=SC1090
. "$rig_env"
trap 'bash rig/pg-rig.sh stop "$RIG_DIR" >/dev/null 2>&1 || true; rm -f "$hosts"' EXIT
hosts=$(mktemp /tmp/vouch-demo-hosts.XXXXXX)
printf '127.0.0.1 localhost\n127.0.0.1 %s\n' "$RIG_HOST_NAME" > "$hosts"

# The rig's fake AWS keys (temporary credentials, so the token is long).
export AWS_ACCESS_KEY_ID="$RIG_TEMP_AKID" AWS_SECRET_ACCESS_KEY="$RIG_TEMP_SECRET" \
       AWS_SESSION_TOKEN="$RIG_TEMP_SESSION_TOKEN"
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION

in_ns() {
  unshare -m --propagation private -- sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$hosts" "$@"
}

show() {  # print the command as run, then run it
  printf '\n$'; printf ' %q' "$@" | sed "s|$vouch|vouch|"; printf '\n'
  in_ns "$@"
}
show "$vouch" exec --explain --ca-bundle "$RIG_CA" -- psql -h "$RIG_HOST_NAME" -p "$RIG_PORT" -U app -d app
show "$vouch" exec -v --ca-bundle "$RIG_CA" -- psql -h "$RIG_HOST_NAME" -p "$RIG_PORT" -U app -d app \
  -c 'select current_user'
show "$vouch" exec --ca-bundle "$RIG_CA" -- psql -h "$RIG_HOST_NAME" -p "$RIG_PORT" -U app -d app \
  -c 'select ssl.version as tls, ssl.cipher from pg_stat_ssl ssl where ssl.pid = pg_backend_pid()'
echo "== stop the server"
