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
# rig.env (sourceable) sets RIG_DIR RIG_PORT RIG_CA RIG_HOST_NAME RIG_REGION
#   RIG_AKID RIG_SECRET RIG_TEMP_AKID RIG_TEMP_SECRET RIG_TEMP_SESSION_TOKEN.
# Roles (LOGIN, no password): app, app@corp, a+b, "a b", other, ünï; database app.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=rig/common.sh
. "$HERE/common.sh"
SYSTEM_PY=/usr/bin/python3
MARKER=.vouch-rig-pg

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

running() { # pid -> 0 if the process exists and is not a zombie
  local st
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  st="$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

pid_alive() { # pid -> 0 if it is a live postgres process
  local pid="$1" comm
  running "$pid" || return 1
  comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
  [[ "$comm" == postgres* ]]
}

recorded_pid() { if [[ -f "$1/pid" ]]; then tr -dc '0-9' <"$1/pid"; fi; }

# Quote for a sourceable sh file.

# ---------------------------------------------------------------- stop ------
stop_rig() {
  local dir="$1" pid port pgbin kids k
  [[ -n "$dir" ]] || die "stop: give RIG_DIR (env or argument)"
  dir="${dir%/}"
  if [[ ! -d "$dir" ]]; then
    say "stop: $dir does not exist (nothing to stop)"
    return 0
  fi
  [[ -f "$dir/$MARKER" ]] || die "stop: $dir is not a pg-rig directory (no $MARKER)"
  port="$(cat "$dir/port" 2>/dev/null || true)"
  pid="$(recorded_pid "$dir")"
  if [[ -n "$pid" ]] && pid_alive "$pid"; then
    pgbin="$(cat "$dir/pgbin" 2>/dev/null || pg_bindir)"
    kids="$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ' || true)"
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop >"$dir/stop.log" 2>&1 || cat "$dir/stop.log" >&2
    # pg_ctl returns once postmaster.pid is gone; the process may take a moment more.
    for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
    if running "$pid"; then
      say "stop: pg_ctl did not stop pid $pid; sending SIGTERM/SIGKILL"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    for k in $kids; do
      if running "$k"; then kill -KILL "$k" 2>/dev/null || true; fi
    done
    for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
    running "$pid" && die "stop: postmaster $pid is still alive"
    # The postmaster's parent is init, which reaps it a moment later; wait for
    # that so "pgrep -u postgres" right after stop shows no zombie of ours.
    for _ in $(seq 1 30); do
      local any=0
      for k in "$pid" $kids; do [[ -e "/proc/$k" ]] && any=1; done
      ((any)) || break
      sleep 0.1
    done
  fi
  rig_forget "$dir" "$port"
}


# ---------------------------------------------------------------- start -----

START_DIR="" START_CREATED=0 START_PORT="" START_OK=0
start_cleanup() {
  ((START_OK)) && return 0
  say "start failed; cleaning up"
  if [[ -n "$START_DIR" && -f "$START_DIR/server.log" ]]; then
    tail -n 20 "$START_DIR/server.log" | sed 's/^/  server.log: /' >&2 || true
  fi
  if [[ -n "$START_DIR" && -f "$START_DIR/$MARKER" ]]; then
    if ((START_CREATED)); then
      stop_rig "$START_DIR" >/dev/null 2>&1 || true
    else
      # keep a caller-given dir for inspection, but leave nothing running
      local pid; pid="$(recorded_pid "$START_DIR")"
      [[ -z "$pid" ]] && [[ -f "$START_DIR/data/postmaster.pid" ]] && pid="$(head -n1 "$START_DIR/data/postmaster.pid")"
      if [[ -n "$pid" ]] && pid_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
      rm -f "$(pam_file_for "$START_PORT")"
    fi
  fi
}

start_rig() {
  local port="${RIG_PORT:-15432}"
  local names="${RIG_NAMES-mydb.cluster-abc123.us-east-1.rds.amazonaws.com}"
  local extra="${RIG_ALLOW_EXTRA:-}"
  local dir="${RIG_DIR:-}"
  local pgbin pam pid n first_name region allow=() name_arr=() extra_arr=()

  [[ "$(id -u)" == 0 ]] || die "start: run as root (writes /etc/pam.d, runs the server as postgres)"
  id postgres >/dev/null 2>&1 || die "no postgres OS user (run scripts/setup.sh)"
  [[ -x "$SYSTEM_PY" ]] || die "$SYSTEM_PY missing (the verifier must not depend on pyenv)"
  command -v gcc >/dev/null || die "gcc missing (run scripts/setup.sh)"
  [[ -f /usr/include/security/pam_modules.h ]] || die "PAM headers missing: apt-get install libpam0g-dev (scripts/setup.sh)"
  if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "bad RIG_PORT '$port'"; fi
  pgbin="$(pg_bindir)"
  rig_prepare pg
  echo "$pgbin" >"$dir/pgbin"
  as_pg test -x "$dir" || die "the postgres user cannot reach $dir (a parent directory is not world-executable)"

  # --- TLS: a CA and a server cert for localhost, 127.0.0.1 and RIG_NAMES ---
  rig_tls "$dir" "$port" pg-rig postgres "${name_arr[@]}"

  # --- PAM module + verifier + its config ---
  rig_verifier "$dir"

  for n in localhost 127.0.0.1 "${name_arr[@]}"; do allow+=("$n:$port"); done
  allow+=("${extra_arr[@]}")
  local creds_out
  creds_out="$(rig_verifier_config "$dir" "$region" "${allow[@]}")" || die "writing the verifier config failed"
  chown root:postgres "$dir/config.json"
  chmod 0640 "$dir/config.json"
  as_pg test -r "$dir/config.json" -a -r "$dir/verify_rds_token.py" -a -r "$dir/pam_vouch_exec.so" \
    || die "the postgres user cannot read the rig files in $dir"

  local tmp_pam="$pam.tmp.$$"
  cat >"$tmp_pam" <<EOF
# vouch pg-rig on port $port ($dir) — removed by: rig/pg-rig.sh stop $dir
auth     required $dir/pam_vouch_exec.so $SYSTEM_PY $dir/verify_rds_token.py $dir/config.json
account  required pam_permit.so
EOF
  chmod 0644 "$tmp_pam"
  mv -f "$tmp_pam" "$pam"

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
SQL

  # --- rig.env ---
  rig_write_env pg
  START_OK=1
  trap - EXIT
  say "running: pid $pid, 127.0.0.1:$port, dir $dir, names: localhost 127.0.0.1 ${name_arr[*]}, region $region"
  echo "$dir/rig.env"
}

# ---------------------------------------------------------------- main ------
rig_main 22 "$@"
