#!/usr/bin/env bash
# rig/mariadb-rig.sh — owns: a private MariaDB that checks RDS IAM tokens the
# way RDS does (TLS only, auth_pam -> auth_pam_tool -> rig/pam_vouch_exec.so ->
# rig/verify_rds_token.py with the fake keys of rig/test-credentials.json).
# The MariaDB twin of rig/pg-rig.sh. Run as root.
#
#   rig/mariadb-rig.sh start  [RIG_VAR=value ...]   prints the rig.env path last on stdout
#   rig/mariadb-rig.sh status [RIG_DIR]              exit 0 running, 3 not running
#   rig/mariadb-rig.sh stop   [RIG_DIR]              stops, removes the pam.d file and the dir
#
# start reads (from the env, or KEY=value args):
#   RIG_DIR          default: a new mktemp -d /tmp/vouch-rig-mariadb.XXXXXX
#   RIG_PORT         default 13306 (listens on 127.0.0.1 only)
#   RIG_NAMES        extra DNS names for the cert and the allowlist (space-separated),
#                    default mydb.cluster-abc123.us-east-1.rds.amazonaws.com
#   RIG_ALLOW_EXTRA  extra host:port allowlist entries (space-separated), e.g. a
#                    token signed for NAME:3306 used through a tunnel to RIG_PORT
#   RIG_REGION       region tokens must be signed for, like RDS; default: taken
#                    from the first RIG_NAMES if it is an RDS name, "any" = no check
# rig.env (sourceable) sets RIG_DIR RIG_PORT RIG_CA RIG_HOST_NAME RIG_REGION
#   RIG_SOCKET RIG_AKID RIG_SECRET RIG_TEMP_AKID RIG_TEMP_SECRET RIG_TEMP_SESSION_TOKEN.
# Users (IDENTIFIED VIA pam, REQUIRE SSL, host '%'): app, app@corp, a+b, "a b",
#   other; database appdb (ALL on it for each). root@localhost: unix_socket only,
#   through RIG_SOCKET.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=rig/common.sh
. "$HERE/common.sh"
SYSTEM_PY=/usr/bin/python3
MARKER=.vouch-rig-mariadb
MYSQLD=/usr/sbin/mariadbd
PAM_TOOL_DIR=/usr/lib/mysql/plugin/auth_pam_tool_dir

say() { printf 'mariadb-rig: %s\n' "$*" >&2; }
die() { printf 'mariadb-rig: ERROR: %s\n' "$*" >&2; exit 1; }

pam_service_for() { printf 'vouch-rig-mariadb-%s' "$1"; }
pam_file_for() { printf '/etc/pam.d/%s' "$(pam_service_for "$1")"; }

running() { # pid -> 0 if the process exists and is not a zombie
  local st
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  st="$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

pid_alive() { # pid -> 0 if it is a live mariadbd process
  local pid="$1" comm
  running "$pid" || return 1
  comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
  [[ "$comm" == mariadbd* || "$comm" == mysqld* ]]
}

recorded_pid() { if [[ -f "$1/pid" ]]; then tr -dc '0-9' <"$1/pid"; fi; }

# Quote for a sourceable sh file.

# mariadb-install-db --user=X (run as root) chowns the system auth_pam_tool_dir
# to X; a server running as another user then gets EACCES on auth_pam_tool and
# a PAM login can take the whole server down. Remember and restore it.
pam_tool_state() { stat -c '%u:%g %a' "$PAM_TOOL_DIR" 2>/dev/null || true; }
pam_tool_restore() { # "uid:gid mode"
  local st="$1"
  [[ -n "$st" && -d "$PAM_TOOL_DIR" ]] || return 0
  [[ "$(pam_tool_state)" == "$st" ]] && return 0
  chown "${st% *}" "$PAM_TOOL_DIR" && chmod "${st#* }" "$PAM_TOOL_DIR"
  say "restored $PAM_TOOL_DIR to $st"
}
# The mysql user must be able to run the setuid-root auth_pam_tool.
pam_tool_check() {
  local tool="$PAM_TOOL_DIR/auth_pam_tool"
  [[ -f "$tool" ]] || die "$tool missing (apt-get install mariadb-server)"
  [[ "$(stat -c '%u %a' "$tool")" =~ ^0\ 4[0-7]55$ ]] \
    || die "$tool is not setuid root 04755 ($(stat -c '%U:%G %a' "$tool")); fix: chown root $tool && chmod 04755 $tool"
  setpriv --reuid=mysql --regid=mysql --init-groups test -x "$tool" \
    || die "the mysql user cannot run $tool ($PAM_TOOL_DIR is $(stat -c '%U:%G %a' "$PAM_TOOL_DIR")); Debian's state: chown mysql:root $PAM_TOOL_DIR && chmod 0700 $PAM_TOOL_DIR"
}

as_mysql() { (cd / && setpriv --reuid=mysql --regid=mysql --init-groups -- "$@"); }

sql_root() { # SQL on stdin, as root@localhost over the rig's socket (unix_socket auth)
  local dir="$1"
  mariadb --no-defaults --protocol=socket -S "$dir/sock/mysqld.sock" -u root --batch --skip-column-names
}

# ---------------------------------------------------------------- stop ------
stop_rig() {
  local dir="$1" pid port
  [[ -n "$dir" ]] || die "stop: give RIG_DIR (env or argument)"
  dir="${dir%/}"
  if [[ ! -d "$dir" ]]; then
    say "stop: $dir does not exist (nothing to stop)"
    return 0
  fi
  [[ -f "$dir/$MARKER" ]] || die "stop: $dir is not a mariadb-rig directory (no $MARKER)"
  port="$(cat "$dir/port" 2>/dev/null || true)"
  pid="$(recorded_pid "$dir")"
  [[ -z "$pid" && -f "$dir/sock/mariadbd.pid" ]] && pid="$(tr -dc '0-9' <"$dir/sock/mariadbd.pid")"
  if [[ -n "$pid" ]] && pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do running "$pid" || break; sleep 0.1; done
    if running "$pid"; then
      say "stop: mariadbd $pid ignored SIGTERM for 20 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
    fi
    running "$pid" && die "stop: mariadbd $pid is still alive"
    # Its parent is init (setsid + background), which reaps it a moment later.
    for _ in $(seq 1 30); do [[ -e "/proc/$pid" ]] || break; sleep 0.1; done
  fi
  rig_forget "$dir" "$port"
}


# ---------------------------------------------------------------- start -----

START_DIR="" START_CREATED=0 START_PORT="" START_OK=0 START_TOOLSTATE=""
start_cleanup() {
  ((START_OK)) && return 0
  say "start failed; cleaning up"
  pam_tool_restore "$START_TOOLSTATE" || true
  if [[ -n "$START_DIR" && -f "$START_DIR/server.log" ]]; then
    tail -n 20 "$START_DIR/server.log" | sed 's/^/  server.log: /' >&2 || true
  fi
  if [[ -n "$START_DIR" && -f "$START_DIR/$MARKER" ]]; then
    if ((START_CREATED)); then
      stop_rig "$START_DIR" >/dev/null 2>&1 || true
    else
      # keep a caller-given dir for inspection, but leave nothing running
      local pid; pid="$(recorded_pid "$START_DIR")"
      [[ -z "$pid" && -f "$START_DIR/sock/mariadbd.pid" ]] && pid="$(tr -dc '0-9' <"$START_DIR/sock/mariadbd.pid")"
      if [[ -n "$pid" ]] && pid_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
      rm -f "$(pam_file_for "$START_PORT")"
    fi
  fi
}

start_rig() {
  local port="${RIG_PORT:-13306}"
  local names="${RIG_NAMES-mydb.cluster-abc123.us-east-1.rds.amazonaws.com}"
  local extra="${RIG_ALLOW_EXTRA:-}"
  local dir="${RIG_DIR:-}"
  local pam svc pid n first_name region allow=() name_arr=() extra_arr=()

  [[ "$(id -u)" == 0 ]] || die "start: run as root (writes /etc/pam.d, runs the server as mysql)"
  id mysql >/dev/null 2>&1 || die "no mysql OS user (apt-get install mariadb-server)"
  [[ -x "$MYSQLD" ]] || die "$MYSQLD missing (apt-get install --no-install-recommends mariadb-server mariadb-client)"
  command -v mariadb >/dev/null || die "mariadb client missing (apt-get install mariadb-client)"
  command -v mariadb-install-db >/dev/null || die "mariadb-install-db missing"
  [[ -f /usr/lib/mysql/plugin/auth_pam.so ]] || die "auth_pam plugin missing"
  [[ -x "$SYSTEM_PY" ]] || die "$SYSTEM_PY missing (the verifier must not depend on pyenv)"
  command -v gcc >/dev/null || die "gcc missing (run scripts/setup.sh)"
  [[ -f /usr/include/security/pam_modules.h ]] || die "PAM headers missing: apt-get install libpam0g-dev (scripts/setup.sh)"
  if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "bad RIG_PORT '$port'"; fi
  pam_tool_check
  svc="$(pam_service_for "$port")"
  rig_prepare mariadb
  as_mysql test -x "$dir" || die "the mysql user cannot reach $dir (a parent directory is not world-executable)"

  # --- TLS: a CA and a server cert for localhost, 127.0.0.1 and RIG_NAMES ---
  rig_tls "$dir" "$port" mariadb-rig mysql "${name_arr[@]}"

  # --- PAM module + verifier + its config (run as root by auth_pam_tool) ---
  rig_verifier "$dir"

  for n in localhost 127.0.0.1 "${name_arr[@]}"; do allow+=("$n:$port"); done
  allow+=("${extra_arr[@]}")
  local creds_out
  creds_out="$(rig_verifier_config "$dir" "$region" "${allow[@]}")" || die "writing the verifier config failed"
  chown root:root "$dir/config.json"
  chmod 0600 "$dir/config.json"

  local tmp_pam="$pam.tmp.$$"
  cat >"$tmp_pam" <<EOF
# vouch mariadb-rig on port $port ($dir) — removed by: rig/mariadb-rig.sh stop $dir
auth     required $dir/pam_vouch_exec.so $SYSTEM_PY $dir/verify_rds_token.py $dir/config.json
account  required pam_permit.so
EOF
  chmod 0644 "$tmp_pam"
  mv -f "$tmp_pam" "$pam"

  # --- the data dir (private; the system server and /var/lib/mysql are untouched) ---
  install -d -o mysql -g mysql -m 0755 "$dir/sock"
  install -d -o mysql -g mysql -m 0700 "$dir/data" "$dir/tmp"
  install -o mysql -g mysql -m 0644 /dev/null "$dir/server.log"
  START_TOOLSTATE="$(pam_tool_state)"
  mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" --tmpdir="$dir/tmp" \
    --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
    >"$dir/install-db.log" 2>&1 || { cat "$dir/install-db.log" >&2; die "mariadb-install-db failed"; }
  pam_tool_restore "$START_TOOLSTATE"
  pam_tool_check

  # --- the server: as mysql, own session, --no-defaults first ---
  (
    cd /
    exec setsid setpriv --reuid=mysql --regid=mysql --init-groups -- "$MYSQLD" --no-defaults \
      --datadir="$dir/data" --tmpdir="$dir/tmp" \
      --socket="$dir/sock/mysqld.sock" --pid-file="$dir/sock/mariadbd.pid" \
      --log-error="$dir/server.log" --port="$port" --bind-address=127.0.0.1 \
      --skip-name-resolve --skip-log-bin --innodb-buffer-pool-size=16M \
      --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --max-connections=30 \
      --ssl-ca="$dir/ca.pem" --ssl-cert="$dir/server.crt" --ssl-key="$dir/server.key" \
      --plugin-load-add=auth_pam --pam-use-cleartext-plugin=ON --require-secure-transport=ON \
      </dev/null >>"$dir/server.log" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$dir/pid"
  local up=0
  for _ in $(seq 1 300); do
    pid_alive "$pid" || break
    if mariadb-admin --no-defaults --protocol=socket -S "$dir/sock/mysqld.sock" -u root ping >/dev/null 2>&1; then
      up=1; break
    fi
    sleep 0.1
  done
  ((up)) || die "mariadbd did not come up (see $dir/server.log)"
  [[ "$(tr -dc '0-9' <"$dir/sock/mariadbd.pid" 2>/dev/null)" == "$pid" ]] || die "pid file does not match the started process $pid"

  # --- users and database ---
  sql_root "$dir" >/dev/null 2>"$dir/sql.log" <<SQL || { cat "$dir/sql.log" >&2; die "creating users failed"; }
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
CREATE DATABASE appdb;
CREATE USER 'app'@'%'      IDENTIFIED VIA pam USING '$svc' REQUIRE SSL;
CREATE USER 'app@corp'@'%' IDENTIFIED VIA pam USING '$svc' REQUIRE SSL;
CREATE USER 'a+b'@'%'      IDENTIFIED VIA pam USING '$svc' REQUIRE SSL;
CREATE USER 'a b'@'%'      IDENTIFIED VIA pam USING '$svc' REQUIRE SSL;
CREATE USER 'other'@'%'    IDENTIFIED VIA pam USING '$svc' REQUIRE SSL;
GRANT ALL ON appdb.* TO 'app'@'%', 'app@corp'@'%', 'a+b'@'%', 'a b'@'%', 'other'@'%';
SQL

  # --- rig.env ---
  rig_write_env mariadb "RIG_SOCKET=$dir/sock/mysqld.sock"
  START_OK=1
  trap - EXIT
  say "running: pid $pid, 127.0.0.1:$port, dir $dir, names: localhost 127.0.0.1 ${name_arr[*]}, region $region"
  echo "$dir/rig.env"
}

# ---------------------------------------------------------------- main ------
rig_main 24 "$@"
