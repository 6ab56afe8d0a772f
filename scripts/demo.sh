#!/usr/bin/env bash
# scripts/demo.sh — the main job on the built-in local setup, from a fresh
# Debian 12 machine (as root): installs what is needed, builds vouch, starts
# the PostgreSQL and MariaDB rigs (private servers that accept a login only
# after their PAM verifier has checked the IAM token the way RDS does), runs
#   vouch exec -- psql -h mydb.cluster-abc123.us-east-1.rds.amazonaws.com ... -c 'select current_user'
#   vouch exec -- mariadb -h mydb.cluster-abc123.us-east-1.rds.amazonaws.com ... -e 'select current_user()'
#   vouch exec -- psql -h analytics.c0abcdefgh12.us-east-1.redshift.amazonaws.com ... (Redshift)
# and shows the results, then stops the rigs.
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

echo "== start the local RDS-like PostgreSQL and MariaDB servers"
pg_dir="" my_dir="" hosts=""
trap 'bash rig/pg-rig.sh stop "$pg_dir" >/dev/null 2>&1 || true
      bash rig/mariadb-rig.sh stop "$my_dir" >/dev/null 2>&1 || true
      rm -f "$hosts"' EXIT
my_env=$(bash rig/mariadb-rig.sh start RIG_PORT="${MY_PORT:-13306}" | tail -n 1)
my_dir=$(dirname "$my_env")
my_port=$(. "$my_env"; echo "$RIG_PORT")
my_ca=$(. "$my_env"; echo "$RIG_CA")
rig_env=$(bash rig/pg-rig.sh start | tail -n 1)
# shellcheck disable=SC1090
. "$rig_env"
pg_dir=$RIG_DIR
hosts=$(mktemp /tmp/vouch-demo-hosts.XXXXXX)
printf '127.0.0.1 localhost\n127.0.0.1 %s %s %s\n' "$RIG_HOST_NAME" \
  "$RIG_REDSHIFT_CLUSTER_HOST" "$RIG_REDSHIFT_WORKGROUP_HOST" > "$hosts"

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
show "$vouch" exec --explain --ca-bundle "$my_ca" -- mariadb -h "$RIG_HOST_NAME" -P "$my_port" -u app appdb
show "$vouch" exec -v --ca-bundle "$my_ca" -- mariadb -h "$RIG_HOST_NAME" -P "$my_port" -u app appdb \
  -e "select current_user(), variable_value as tls from information_schema.session_status where variable_name = 'Ssl_version'"
# Redshift: the PostgreSQL rig stands in for a cluster and a Serverless
# workgroup, and the rig's local Redshift API issues the passwords.
export AWS_ENDPOINT_URL_REDSHIFT="$RIG_REDSHIFT_URL" AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS="$RIG_REDSHIFT_URL"
show "$vouch" exec -v --ca-bundle "$RIG_CA" -- psql -h "$RIG_REDSHIFT_CLUSTER_HOST" -p "$RIG_PORT" -d dev \
  -c 'select current_user, current_database()'
show "$vouch" exec --ca-bundle "$RIG_CA" -- psql -h "$RIG_REDSHIFT_WORKGROUP_HOST" -p "$RIG_PORT" -d dev \
  -c 'select current_user, current_database()'
echo "== stop the servers"
