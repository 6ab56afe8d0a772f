#!/usr/bin/env bash
# rig/selftest-mariadb.sh — owns: proving rig/mariadb-rig.sh works (run as root):
# start (over a stale pam.d file), the real `mariadb` client with botocore tokens
# (accepted and rejected cases), status, stop, nothing left behind, and the
# system auth_pam_tool_dir left as it was.
# Env: RIG_SELFTEST_MARIADB_PORT (default 13399), BOTOCORE_PYTHON (default python3 on PATH).
# Last line: "selftest-mariadb: N passed, N failed"; exit 0 iff nothing failed.
# shellcheck disable=SC2015  # "cond && ok ... || bad ...": ok always returns 0
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=rig/common.sh
. "$HERE/common.sh"
PORT="${RIG_SELFTEST_MARIADB_PORT:-13399}"
NAME=mydb.cluster-abc123.us-east-1.rds.amazonaws.com
PAM_TOOL_DIR=/usr/lib/mysql/plugin/auth_pam_tool_dir

# Nothing from the caller's client environment may steer mariadb here.
unset MYSQL_PWD MYSQL_HOST MYSQL_TCP_PORT MYSQL_UNIX_PORT MYSQL_HOME MARIADB_HOME LIBMYSQL_PLUGINS 2>/dev/null || true

selftest_begin selftest-mariadb
command -v mariadb >/dev/null || { echo "selftest-mariadb: no mariadb client (run scripts/setup.sh)" >&2; exit 1; }

echo "== mariadb-rig.sh + mariadb client (port $PORT)"
tool_before="$(stat -c '%U:%G %a' "$PAM_TOOL_DIR" 2>/dev/null || echo missing)"
mysqld_before="$(pgrep -u mysql mariadbd | tr '\n' ' ' || true)"
selftest_start_rig mariadb "$PORT" "$NAME:3306"
[[ "$(stat -c '%U:%G %a' "$PAM_TOOL_DIR")" == "$tool_before" ]] && ok "$PAM_TOOL_DIR unchanged ($tool_before)" \
  || bad "$PAM_TOOL_DIR changed: $tool_before -> $(stat -c '%U:%G %a' "$PAM_TOOL_DIR")"
[[ "$(stat -c '%U' "/proc/$(cat "$RIG_DIR/pid")")" == mysql ]] && ok "mariadbd runs as mysql" || bad "mariadbd not running as mysql"
for k in RIG_DIR RIG_PORT RIG_CA RIG_HOST_NAME RIG_REGION RIG_SOCKET RIG_AKID RIG_SECRET RIG_TEMP_AKID RIG_TEMP_SECRET RIG_TEMP_SESSION_TOKEN; do
  [[ -n "${!k:-}" ]] || bad "rig.env lacks $k"
done
[[ -S "$RIG_SOCKET" ]] && ok "rig.env: RIG_SOCKET is the server's socket" || bad "RIG_SOCKET '$RIG_SOCKET' is not a socket"
[[ "$RIG_REGION" == us-east-1 && "$RIG_HOST_NAME" == "$NAME" ]] && ok "rig.env: region $RIG_REGION, host name $RIG_HOST_NAME" \
  || bad "rig.env values: region=$RIG_REGION host=$RIG_HOST_NAME"

# my_try EXPECT(ok|fail) LABEL TOKEN USER [extra mariadb args...]; host 127.0.0.1 unless -h given
my_try() {
  local expect="$1" label="$2" tok="$3" user="$4" out rc
  shift 4
  local args=(-h 127.0.0.1 -P "$RIG_PORT" --protocol=tcp -u "$user")
  if [[ $# -eq 0 ]]; then
    set -- --ssl --ssl-verify-server-cert --ssl-ca="$RIG_CA"
  fi
  if out="$(MYSQL_PWD="$tok" timeout 30 mariadb --no-defaults "${args[@]}" "$@" --connect-timeout=10 \
    --batch --skip-column-names -e "select current_user(), (select variable_value from information_schema.session_status where variable_name='Ssl_version')" 2>&1)"; then rc=0; else rc=$?; fi
  if [[ $expect == ok ]]; then
    [[ $rc == 0 && $out == "$user@%"$'\t'TLS* ]] && ok "$label -> $(tr '\t' ' ' <<<"$out")" || bad "$label (mariadb rc=$rc)" "$out"
  else
    [[ $rc != 0 && $out == *"Access denied for user"*"(using password: NO)"* ]] \
      && ok "$label -> $(grep -o 'ERROR [0-9]*' <<<"$out" | head -n1) access denied" || bad "$label (mariadb rc=$rc, wanted access denied)" "$out"
  fi
}
tk() { token --port "$RIG_PORT" --region us-east-1 "$@"; }

# The documented way, exactly.
if out="$(MYSQL_PWD="$(tk --host 127.0.0.1 --user app)" mariadb --no-defaults -h 127.0.0.1 -P "$RIG_PORT" -u app \
  --ssl --ssl-verify-server-cert --ssl-ca="$RIG_CA" -e 'select current_user()' 2>&1)" && [[ $out == *"app@%"* ]]; then
  ok "MYSQL_PWD=token mariadb --no-defaults -h 127.0.0.1 -P PORT -u app --ssl --ssl-verify-server-cert --ssl-ca=\$RIG_CA"
else
  bad "documented mariadb call" "$out"
fi
for u in app 'app@corp' 'a+b' 'a b'; do
  my_try ok "static  '$u'  127.0.0.1" "$(tk --host 127.0.0.1 --user "$u")" "$u"
  T="$(tk --host 127.0.0.1 --user "$u" --creds temporary)"
  my_try ok "temp    '$u'  127.0.0.1 (${#T}-byte token)" "$T" "$u"
done
my_try ok "static  app  localhost (DNS SAN)" "$(tk --host localhost --user app)" app \
  --ssl --ssl-verify-server-cert --ssl-ca="$RIG_CA" -h localhost
my_try ok "tunnel: token for $NAME:3306 via 127.0.0.1:$RIG_PORT" \
  "$(token --host "$NAME" --port 3306 --user app --creds temporary)" app

good="$(tk --host 127.0.0.1 --user app)"
my_try fail "tampered signature" "${good:0:${#good}-1}$([[ ${good: -1} == 0 ]] && echo 1 || echo 0)" app
my_try fail "expired (signed 1000 s ago)" "$(tk --host 127.0.0.1 --user app --at-offset -1000)" app
my_try fail "token for other used as app" "$(tk --host 127.0.0.1 --user other)" app
my_try fail "token for app used as other" "$good" other
my_try fail "token signed for region eu-west-1" "$(token --host 127.0.0.1 --port "$RIG_PORT" --user app --region eu-west-1)" app
my_try fail "token for a host:port not on the allowlist" "$(tk --host evil.example --user app)" app
T="$(tk --host 127.0.0.1 --user app --creds temporary)"
my_try fail "pam_exec-style 511-byte truncation" "${T:0:511}" app
printf '{"access_key_id": "AKIAUNKNOWNKEY000000", "secret_access_key": "%s"}' "$RIG_SECRET" >"$WORK/unknown.json"
my_try fail "unknown access key" "$(tk --host 127.0.0.1 --user app --creds "$WORK/unknown.json")" app
n0="$(grep -c 'ACCEPT' "$RIG_DIR/server.log" || true)"
my_try fail "valid token but --skip-ssl" "$good" app --skip-ssl
n1="$(grep -c 'ACCEPT' "$RIG_DIR/server.log" || true)"
# MariaDB runs PAM before it refuses the non-TLS session: the token crossed the
# wire in clear text and the verifier accepted it. Clients must insist on TLS.
echo "info: --skip-ssl login: verifier ACCEPT lines $n0 -> $n1 (MariaDB authenticates before refusing non-TLS)"
# An empty password never reaches PAM: the server drops the connection (2013).
if out="$(MYSQL_PWD='' timeout 30 mariadb --no-defaults -h 127.0.0.1 -P "$RIG_PORT" -u app --ssl --ssl-verify-server-cert \
  --ssl-ca="$RIG_CA" --connect-timeout=10 -e 'select current_user()' </dev/null 2>&1)"; then rc=0; else rc=$?; fi
[[ $rc != 0 && $out == *ERROR* && $out != *"app@%"* ]] && ok "no password -> $(grep -o 'ERROR [0-9]*' <<<"$out" | head -n1)" \
  || bad "no password (mariadb rc=$rc)" "$out"
selftest_check_log "$good"
PID="$(cat "$RIG_DIR/pid")"
[[ "$(cat "/proc/$PID/comm" 2>/dev/null)" == mariadbd ]] && ok "server survived all logins (pid $PID)" || bad "mariadbd $PID died"

selftest_stop_rig
kill -0 "$PID" 2>/dev/null && bad "mariadbd $PID still running" || ok "mariadbd $PID is gone"
now="$(pgrep -u mysql mariadbd | tr '\n' ' ' || true)"
[[ "$now" == "$mysqld_before" ]] && ok "pgrep -u mysql mariadbd: ${now:-(none)} (as before start)" || bad "pgrep -u mysql mariadbd: before '${mysqld_before}' after '$now'"
[[ "$(stat -c '%U:%G %a' "$PAM_TOOL_DIR")" == "$tool_before" ]] && ok "$PAM_TOOL_DIR still $tool_before" || bad "$PAM_TOOL_DIR changed"

selftest_end
