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
MARKER=.vouch-rig-mariadb
SERVER_NAME=mariadbd
SERVER_PID_FILE=sock/mariadbd.pid
MYSQLD=/usr/sbin/mariadbd
PAM_TOOL_DIR=/usr/lib/mysql/plugin/auth_pam_tool_dir

say() { printf 'mariadb-rig: %s\n' "$*" >&2; }
die() { printf 'mariadb-rig: ERROR: %s\n' "$*" >&2; exit 1; }

pam_service_for() { printf 'vouch-rig-mariadb-%s' "$1"; }
pam_file_for() { printf '/etc/pam.d/%s' "$(pam_service_for "$1")"; }

pid_alive() { # pid -> 0 if it is a live mariadbd process
  local pid="$1" comm
  running "$pid" || return 1
  comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
  [[ "$comm" == mariadbd* || "$comm" == mysqld* ]]
}

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

# server_stop DIR PID: SIGTERM is mariadbd's clean shutdown; give it 20 s
# (stop_rig in common.sh does the rest).
server_stop() {
  kill -TERM "$2" 2>/dev/null || true
  wait_gone "$2" 200 || say "stop: mariadbd $2 ignored SIGTERM for 20 s"
}

# ---------------------------------------------------------------- start -----
START_TOOLSTATE=""
rig_start_failed() { pam_tool_restore "$START_TOOLSTATE"; }

start_rig() {
  local port names extra dir pam pid n first_name region creds_out name_arr=() extra_arr=() svc

  [[ -x "$MYSQLD" ]] || die "$MYSQLD missing (run scripts/setup.sh: mariadb-server)"
  command -v mariadb >/dev/null || die "mariadb client missing (run scripts/setup.sh: mariadb-client)"
  command -v mariadb-install-db >/dev/null || die "mariadb-install-db missing"
  [[ -f /usr/lib/mysql/plugin/auth_pam.so ]] || die "auth_pam plugin missing"
  rig_prepare mariadb 13306 mysql
  pam_tool_check
  svc="$(pam_service_for "$port")"
  as_mysql test -x "$dir" || die "the mysql user cannot reach $dir (a parent directory is not world-executable)"

  # --- TLS, PAM module, verifier and its config (auth_pam_tool runs the
  # verifier as root), the pam.d file ---
  rig_auth mariadb mysql root 0600

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
