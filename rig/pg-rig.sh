#!/usr/bin/env bash
# rig/pg-rig.sh — owns: a private PostgreSQL that checks RDS IAM tokens the way
# RDS does (TLS only, PAM -> rig/pam_vouch_exec.so -> rig/verify_rds_token.py
# with the fake keys of rig/test-credentials.json). Run as root.
#
#   rig/pg-rig.sh start  [RIG_VAR=value ...]   prints the rig.env path last on stdout
#   rig/pg-rig.sh status [RIG_DIR]              exit 0 running, 3 not running
#   rig/pg-rig.sh stop   [RIG_DIR]              stops, removes the pam.d file and the dir
#
# start reads (from the env, or KEY=value args):
#   RIG_DIR          default: a new mktemp -d /tmp/vouch-rig-pg.XXXXXX
#   RIG_PORT         default 15432 (listens on 127.0.0.1 only)
#   RIG_NAMES        extra DNS names for the cert and the allowlist (space-separated),
#                    default mydb.cluster-abc123.us-east-1.rds.amazonaws.com
#   RIG_ALLOW_EXTRA  extra host:port allowlist entries (space-separated), e.g. a
#                    token signed for NAME:5432 used through a tunnel to RIG_PORT
#   RIG_REGION       region tokens must be signed for, like RDS; default: taken
#                    from the first RIG_NAMES if it is an RDS name, "any" = no check
#   RIG_REDSHIFT_PORT the rig's Redshift API endpoint (rig/redshift_endpoint.py,
#                    plain http on 127.0.0.1); default RIG_PORT + 7 (15439)
# rig.env (sourceable) sets RIG_DIR RIG_PORT RIG_CA RIG_HOST_NAME RIG_REGION
#   RIG_AKID RIG_SECRET RIG_TEMP_AKID RIG_TEMP_SECRET RIG_TEMP_SESSION_TOKEN
#   RIG_DENIED_AKID RIG_DENIED_SECRET (a key allowed nothing by the endpoint)
#   RIG_REDSHIFT_URL RIG_REDSHIFT_CLUSTER_HOST RIG_REDSHIFT_WORKGROUP_HOST.
# Roles (LOGIN, no password): app, app@corp, a+b, "a b", other, ünï; database app.
# The server also stands in for a Redshift cluster "analytics" and a
# Serverless workgroup "wg1" (us-east-1, database dev): roles IAM:alice,
# IAMA:alice, IAMR:vouch-db-role log in with the passwords the endpoint
# issued (recorded in DIR/redshift-issued.jsonl, checked by the verifier).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=rig/common.sh
. "$HERE/common.sh"
MARKER=.vouch-rig-pg
SERVER_NAME=postmaster
SERVER_PID_FILE=data/postmaster.pid

say() { printf 'pg-rig: %s\n' "$*" >&2; }
die() { printf 'pg-rig: ERROR: %s\n' "$*" >&2; exit 1; }

pam_file_for() { printf '/etc/pam.d/vouch-rig-pg-%s' "$1"; }

pg_bindir() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] || continue
    if [[ -z "$best" ]] || [[ "$(basename "$(dirname "$d")")" -gt "$(basename "$(dirname "$best")")" ]] 2>/dev/null; then
      best="$d"
    fi
  done
  [[ -n "$best" ]] || die "no PostgreSQL server under /usr/lib/postgresql/*/bin (run scripts/setup.sh)"
  printf '%s' "$best"
}

as_pg() { (cd / && runuser -u postgres -- "$@"); }

pid_alive() { # pid -> 0 if it is a live postgres process
  local pid="$1" comm
  running "$pid" || return 1
  comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
  [[ "$comm" == postgres* ]]
}

# server_stop DIR PID: pg_ctl's fast shutdown (stop_rig in common.sh does the rest).
server_stop() {
  local pgbin
  pgbin="$(cat "$1/pgbin" 2>/dev/null || pg_bindir)"
  as_pg "$pgbin/pg_ctl" -D "$1/data" -m fast -w -t 20 stop >"$1/stop.log" 2>&1 || cat "$1/stop.log" >&2
}

# ---------------------------------------------------------------- start -----
start_rig() {
  local port names extra dir pam pid n first_name region creds_out name_arr=() extra_arr=() pgbin

  pgbin="$(pg_bindir)"
  RIG_NAMES="${RIG_NAMES-mydb.cluster-abc123.us-east-1.rds.amazonaws.com analytics.c0abcdefgh12.us-east-1.redshift.amazonaws.com wg1.111122223333.us-east-1.redshift-serverless.amazonaws.com}"
  rig_prepare pg 15432 postgres
  local rport="${RIG_REDSHIFT_PORT:-$((port + 7))}" redshift_env
  if ! [[ "$rport" =~ ^[0-9]+$ ]] || ((rport < 1 || rport > 65535)); then die "bad RIG_REDSHIFT_PORT '$rport'"; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null; then
    die "something already listens on 127.0.0.1:$rport (set RIG_REDSHIFT_PORT)"
  fi
  echo "$pgbin" >"$dir/pgbin"
  as_pg test -x "$dir" || die "the postgres user cannot reach $dir (a parent directory is not world-executable)"

  # --- TLS, PAM module, verifier and its config, the pam.d file ---
  rig_auth pg postgres postgres 0640
  as_pg test -r "$dir/config.json" -a -r "$dir/verify_rds_token.py" -a -r "$dir/pam_vouch_exec.so" \
    || die "the postgres user cannot read the rig files in $dir"

  # --- the cluster ---
  install -d -o postgres -g postgres -m 0755 "$dir/sock"
  install -d -o postgres -g postgres -m 0700 "$dir/data"
  install -o postgres -g postgres -m 0644 /dev/null "$dir/server.log"
  as_pg "$pgbin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C --auth-local=trust --auth-host=reject \
    --no-sync --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  cat >>"$dir/data/postgresql.conf" <<EOF

# --- vouch pg-rig ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sock'
ssl = on
ssl_cert_file = '$dir/server.crt'
ssl_key_file = '$dir/server.key'
max_connections = 30
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_connections = on
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  cat >"$dir/data/pg_hba.conf" <<EOF
# vouch pg-rig: TLS + PAM (token check) only; the postgres superuser over the socket.
local     all postgres         trust
hostssl   all all 127.0.0.1/32 pam pamservice=vouch-rig-pg-$port
hostssl   all all ::1/128      pam pamservice=vouch-rig-pg-$port
hostnossl all all 0.0.0.0/0    reject
hostnossl all all ::/0         reject
EOF
  chown postgres:postgres "$dir/data/postgresql.conf" "$dir/data/pg_hba.conf"

  as_pg setsid "$pgbin/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/server.log" start >/dev/null 2>&1 \
    || die "pg_ctl start failed (see $dir/server.log)"
  pid="$(head -n1 "$dir/data/postmaster.pid")"
  pid_alive "$pid" || die "postmaster not running after start"
  echo "$pid" >"$dir/pid"

  # --- roles and database ---
  PGCLIENTENCODING=UTF8 as_pg "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$port" -U postgres -d postgres \
    >/dev/null 2>"$dir/sql.log" <<'SQL' || { cat "$dir/sql.log" >&2; die "creating roles failed"; }
CREATE ROLE "app" LOGIN;
CREATE ROLE "app@corp" LOGIN;
CREATE ROLE "a+b" LOGIN;
CREATE ROLE "a b" LOGIN;
CREATE ROLE "other" LOGIN;
CREATE ROLE "ünï" LOGIN;
CREATE DATABASE app OWNER app;
GRANT CONNECT ON DATABASE app TO "app", "app@corp", "a+b", "a b", "other", "ünï";
GRANT CONNECT ON DATABASE postgres TO "app", "app@corp", "a+b", "a b", "other", "ünï";
CREATE ROLE "IAM:alice" LOGIN;
CREATE ROLE "IAMA:alice" LOGIN;
CREATE ROLE "IAMR:vouch-db-role" LOGIN;
CREATE DATABASE dev;
GRANT CONNECT ON DATABASE dev TO "IAM:alice", "IAMA:alice", "IAMR:vouch-db-role";
SQL

  # --- the Redshift API stand-in ---
  redshift_env="$(start_redshift "$rport")"

  # --- rig.env ---
  rig_write_env pg "$redshift_env" \
    "RIG_REDSHIFT_URL=http://127.0.0.1:$rport" \
    "RIG_REDSHIFT_CLUSTER_HOST=analytics.c0abcdefgh12.us-east-1.redshift.amazonaws.com" \
    "RIG_REDSHIFT_WORKGROUP_HOST=wg1.111122223333.us-east-1.redshift-serverless.amazonaws.com"
  START_OK=1
  trap - EXIT
  say "running: pid $pid, 127.0.0.1:$port, dir $dir, names: localhost 127.0.0.1 ${name_arr[*]}, region $region"
  echo "$dir/rig.env"
}

# rig_forget's hook: the Redshift endpoint goes with the server.
extra_forget() {
  local pid
  pid="$(tr -dc '0-9' <"$1/redshift.pid" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && running "$pid" && grep -q redshift_endpoint "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null || true
  fi
}

# start_redshift: the Redshift API stand-in, its config (clusters,
# workgroups, who may do what) and the store of issued passwords the
# verifier reads.
start_redshift() {
  local rport=$1 i
  install -o root -g postgres -m 0640 /dev/null "$dir/redshift-issued.jsonl"
  "$SYSTEM_PY" - "$HERE/test-credentials.json" "$dir/config.json" "$dir/redshift.json" "$dir/redshift-issued.jsonl" "$rport" <<'PY' || die "writing the Redshift endpoint config failed"
import json, sys
creds_file, verifier_cfg, out, store, port = sys.argv[1:]
c = json.load(open(creds_file, encoding="utf-8"))
s, t, d = c["static"], c["temporary"], c["denied"]
everything = ["redshift:GetClusterCredentialsWithIAM", "redshift:GetClusterCredentials",
              "redshift:CreateClusterUser", "redshift:JoinGroup", "redshift-serverless:GetCredentials"]
cfg = {
    "port": int(port),
    "store": store,
    "max_skew": 300,
    "identities": {
        s["access_key_id"]: {"secret": s["secret_access_key"], "session_token": None,
                             "arn": "arn:aws:iam::111122223333:user/alice", "allow": everything},
        t["access_key_id"]: {"secret": t["secret_access_key"], "session_token": t["session_token"],
                             "arn": "arn:aws:sts::111122223333:assumed-role/vouch-db-role/rig", "allow": everything},
        d["access_key_id"]: {"secret": d["secret_access_key"], "session_token": None,
                             "arn": "arn:aws:iam::111122223333:user/mallory", "allow": []},
    },
    "clusters": {"analytics": {"region": "us-east-1", "databases": ["dev"]}},
    "workgroups": {"wg1": {"region": "us-east-1", "databases": ["dev"]}},
}
json.dump(cfg, open(out, "w", encoding="utf-8"), indent=1)
v = json.load(open(verifier_cfg, encoding="utf-8"))
v["redshift_store"] = store
json.dump(v, open(verifier_cfg, "w", encoding="utf-8"), indent=1)
print(f"RIG_DENIED_AKID={d['access_key_id']}")
print(f"RIG_DENIED_SECRET={d['secret_access_key']}")
PY
  chmod 0600 "$dir/redshift.json"
  cp "$HERE/redshift_endpoint.py" "$dir/redshift_endpoint.py"
  setsid "$SYSTEM_PY" "$dir/redshift_endpoint.py" "$dir/redshift.json" </dev/null >"$dir/redshift.log" 2>&1 &
  echo $! >"$dir/redshift.pid"
  for i in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null; then return 0; fi
    running "$(cat "$dir/redshift.pid")" || break
    sleep 0.1
  done
  cat "$dir/redshift.log" >&2
  die "the Redshift endpoint did not start on 127.0.0.1:$rport"
}

# ---------------------------------------------------------------- main ------
rig_main 22 "$@"
