#!/usr/bin/env bash
# rig/selftest.sh — owns: proving the test rig itself works (run as root):
#   1. rig/verify_rds_token.py against tokens from pip's botocore (selftest_verifier.py)
#   2. rig/pam_vouch_exec.so under a PAM host (pam_harness.c): whole long token
#      on stdin, clean env, SIGCHLD handler / SIG_IGN hosts, early-exiting child
#   3. rig/pg-rig.sh: start (over a stale pam.d file), real psql with botocore
#      tokens (accepted and rejected cases), status, stop, nothing left behind
# Env: RIG_SELFTEST_PORT (default 15499), BOTOCORE_PYTHON (default python3 on PATH).
# Last line: "selftest: N passed, N failed"; exit 0 iff nothing failed.
# shellcheck disable=SC2015  # "cond && ok ... || bad ...": ok always returns 0
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=rig/common.sh
. "$HERE/common.sh"
PORT="${RIG_SELFTEST_PORT:-15499}"
NAME=mydb.cluster-abc123.us-east-1.rds.amazonaws.com

# Nothing from the caller's libpq environment may steer psql here.
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' || true)

selftest_begin selftest

# ------------------------------------------------------------ 1. verifier --
echo "== 1. verifier vs botocore"
if out="$("$PY" "$HERE/selftest_verifier.py" 2>&1)"; then rc=0; else rc=$?; fi
printf '%s\n' "$out" | grep -v '^ok ' || true
if [[ "$(tail -n1 <<<"$out")" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
  PASS=$((PASS + BASH_REMATCH[1])) FAIL=$((FAIL + BASH_REMATCH[2]))
  ((rc == 0)) || ((BASH_REMATCH[2] > 0)) || bad "selftest_verifier.py exited $rc"
else
  bad "selftest_verifier.py gave no count (exit $rc)"
fi

# ------------------------------------------------------------ 2. PAM module --
echo "== 2. pam_vouch_exec.so under a PAM host"
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$WORK/pam_vouch_exec.so" "$HERE/pam_vouch_exec.c" -lpam \
  && ok "module builds with -Wall -Wextra -Werror" || bad "module build"
gcc -O2 -Wall -o "$WORK/pam_harness" "$HERE/pam_harness.c" -lpam || bad "harness build"
mkdir -p "$WORK/pam.d"
cfg="$WORK/verifier.json"
"$PY" - "$HERE/test-credentials.json" "$cfg" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
s, t = c["static"], c["temporary"]
json.dump({"credentials": {s["access_key_id"]: {"secret": s["secret_access_key"], "session_token": None},
                           t["access_key_id"]: {"secret": t["secret_access_key"], "session_token": t["session_token"]}},
           "allow": ["harness.example:5432"], "regions": ["us-east-1"], "max_skew": 300}, open(sys.argv[2], "w"))
PY
chmod 0644 "$cfg"
pamsvc() { # name, module args...
  local n="$1"; shift
  printf 'auth required %s %s\naccount required pam_permit.so\n' "$WORK/pam_vouch_exec.so" "$*" >"$WORK/pam.d/$n"
}
pamsvc verify /usr/bin/python3 "$HERE/verify_rds_token.py" "$cfg"
# The env child reads its stdin first: one that exits before the module has
# written the token makes the module see EPIPE (a refusal, by design), a race
# a loaded machine can lose. sh adds PWD; env -u drops it again.
printf '#!/bin/sh\ncat >/dev/null\nexec /usr/bin/env -u PWD\n' >"$WORK/env-after-stdin"
chmod 0755 "$WORK/env-after-stdin"
pamsvc env "$WORK/env-after-stdin"
pamsvc hash /usr/bin/sha256sum
pamsvc true /bin/true
pamsvc false /bin/false
pamsvc relative usr/bin/true
harness() { # service user mode < password ; sets H_OUT H_ERR H_RC
  if H_OUT="$("$WORK/pam_harness" "$WORK/pam.d" "$1" "$2" "$3" 2>"$WORK/h.err")"; then H_RC=0; else H_RC=$?; fi
  H_ERR="$(cat "$WORK/h.err")"
}
long="$(token --host harness.example --port 5432 --user 'a b' --creds temporary)"
short="$(token --host harness.example --port 5432 --user app)"
for mode in plain reaper ignore; do
  harness verify 'a b' "$mode" <<<"$long"
  [[ $H_RC == 0 && $H_OUT == PAM_SUCCESS && $H_ERR != *reaped* ]] \
    && ok "[$mode] ${#long}-byte temporary token accepted" || bad "[$mode] long token: rc=$H_RC $H_OUT" "$H_ERR"
  harness verify app "$mode" <<<"${short:0:${#short}-1}x"
  [[ $H_RC == 1 && $H_OUT == PAM_AUTH_ERR ]] && ok "[$mode] tampered token -> PAM_AUTH_ERR" \
    || bad "[$mode] tampered: rc=$H_RC $H_OUT" "$H_ERR"
  harness false app "$mode" </dev/null
  [[ $H_RC == 1 && $H_OUT == PAM_AUTH_ERR ]] && ok "[$mode] child exit 1 -> PAM_AUTH_ERR" \
    || bad "[$mode] /bin/false: rc=$H_RC $H_OUT" "$H_ERR"
done
harness verify app plain <<<"$long"
[[ $H_RC == 1 && $H_ERR == *"DBUser does not match"* ]] && ok "token for 'a b' used as app -> PAM_AUTH_ERR" \
  || bad "user mismatch: rc=$H_RC" "$H_ERR"
[[ $H_ERR != *"$long"* && $H_ERR != *"${long: -64}"* ]] && ok "token not in the module's/verifier's output" \
  || bad "token leaked into stderr"
HARNESS_RHOST=192.0.2.7 harness env 'app@corp' plain <<<"$short"
want=$'PAM_USER=app@corp\nPAM_RHOST=192.0.2.7\nPAM_SERVICE=env\nPATH=/usr/bin:/bin'
[[ $H_RC == 0 && "$H_ERR" == "$want" ]] && ok "child env is exactly PAM_USER PAM_RHOST PAM_SERVICE PATH" \
  || bad "child env" "$H_ERR"
harness env app plain <<<"$short"
[[ "$H_ERR" != *PAM_RHOST* ]] && ok "no PAM_RHOST when the host sets none" || bad "PAM_RHOST without rhost" "$H_ERR"
printf '%s' "$long" >"$WORK/long.txt"
harness hash 'a b' plain <"$WORK/long.txt"
[[ $H_RC == 0 && "$H_ERR" == "$(sha256sum <"$WORK/long.txt" | cut -c1-64)  -" ]] \
  && ok "child gets all ${#long} bytes on stdin, no trailing newline" || bad "stdin hash" "$H_ERR"
head -c 300000 /dev/zero | tr '\0' 'A' >"$WORK/huge.txt"
for mode in plain reaper; do
  harness true app "$mode" <"$WORK/huge.txt"
  [[ $H_RC == 1 && $H_OUT == PAM_AUTH_ERR ]] && ok "[$mode] child exits without reading 300 kB: EPIPE handled, no SIGPIPE" \
    || bad "[$mode] early exit: rc=$H_RC (141 = killed by SIGPIPE) $H_OUT" "$H_ERR"
done
harness relative app plain <<<"$short"
[[ $H_RC == 1 && $H_OUT != PAM_SUCCESS ]] && ok "relative program path refused" || bad "relative path: rc=$H_RC $H_OUT"

# ------------------------------------------------------------ 3. pg rig -----
echo "== 3. pg-rig.sh + psql (port $PORT)"
selftest_start_rig pg "$PORT" "$NAME:5432"

# psql_try EXPECT(ok|fail) LABEL TOKEN CONNINFO [PATTERN]
psql_try() {
  local expect="$1" label="$2" tok="$3" conn="$4" pat="${5:-PAM authentication failed for user}" out rc
  if out="$(PGPASSWORD="$tok" PGCONNECT_TIMEOUT=10 psql -X -w -At "$conn" -c 'select current_user' 2>&1)"; then rc=0; else rc=$?; fi
  if [[ $expect == ok ]]; then
    local want="${6:-}"
    [[ $rc == 0 && ( -z $want || $out == "$want" ) ]] && ok "$label" || bad "$label (psql rc=$rc)" "$out"
  else
    [[ $rc != 0 && $out == *"$pat"* ]] && ok "$label -> $(grep -o 'FATAL: .*' <<<"$out" | head -n1 | cut -c1-70)" \
      || bad "$label (psql rc=$rc, wanted '$pat')" "$out"
  fi
}
# The documented way, exactly: libpq env for TLS, token in PGPASSWORD.
if out="$(PGPASSWORD="$(token --host localhost --port "$RIG_PORT" --user app)" PGSSLMODE=verify-full \
  PGSSLROOTCERT="$RIG_CA" psql -X "host=localhost port=$RIG_PORT user=app dbname=app" -c 'select current_user' 2>&1)" \
  && [[ $out == *" app"* ]]; then
  ok "PGPASSWORD=token PGSSLMODE=verify-full PGSSLROOTCERT=\$RIG_CA psql ... -c 'select current_user'"
else
  bad "documented psql call" "$out"
fi
vf="sslmode=verify-full sslrootcert=$RIG_CA"
tk() { token --port "$RIG_PORT" --region us-east-1 "$@"; }

psql_try ok "static  app       localhost verify-full" "$(tk --host localhost --user app)" \
  "host=localhost port=$RIG_PORT user=app dbname=app $vf" app
T="$(tk --host localhost --user app --creds temporary)"
psql_try ok "temp    app       localhost verify-full (${#T}-byte token)" "$T" \
  "host=localhost port=$RIG_PORT user=app dbname=app $vf" app
for u in 'app@corp' 'a+b' 'a b' 'ünï'; do
  psql_try ok "static  '$u'" "$(tk --host localhost --user "$u")" \
    "host=localhost port=$RIG_PORT user='$u' dbname=app $vf" "$u"
  psql_try ok "temp    '$u'" "$(tk --host localhost --user "$u" --creds temporary)" \
    "host=localhost port=$RIG_PORT user='$u' dbname=app $vf" "$u"
done
psql_try ok "static  app       127.0.0.1 verify-full (IP SAN)" "$(tk --host 127.0.0.1 --user app)" \
  "host=127.0.0.1 port=$RIG_PORT user=app dbname=app $vf" app
psql_try ok "static  app       $RIG_HOST_NAME (hostaddr=127.0.0.1) verify-full" "$(tk --host "$RIG_HOST_NAME" --user app)" \
  "host=$RIG_HOST_NAME hostaddr=127.0.0.1 port=$RIG_PORT user=app dbname=app $vf" app
psql_try ok "tunnel: token for $RIG_HOST_NAME:5432 via 127.0.0.1:$RIG_PORT verify-ca" \
  "$(token --host "$RIG_HOST_NAME" --port 5432 --user app --creds temporary)" \
  "host=127.0.0.1 port=$RIG_PORT user=app dbname=app sslmode=verify-ca sslrootcert=$RIG_CA" app

good="$(tk --host localhost --user app)"
psql_try fail "tampered signature" "${good:0:${#good}-1}$([[ ${good: -1} == 0 ]] && echo 1 || echo 0)" \
  "host=localhost port=$RIG_PORT user=app dbname=app $vf"
psql_try fail "expired (signed 1000 s ago)" "$(tk --host localhost --user app --at-offset -1000)" \
  "host=localhost port=$RIG_PORT user=app dbname=app $vf"
psql_try fail "token for other used as app" "$(tk --host localhost --user other)" \
  "host=localhost port=$RIG_PORT user=app dbname=app $vf"
psql_try fail "token for app used as other" "$good" \
  "host=localhost port=$RIG_PORT user=other dbname=app $vf"
psql_try fail "token signed for region eu-west-1" "$(token --host localhost --port "$RIG_PORT" --user app --region eu-west-1)" \
  "host=localhost port=$RIG_PORT user=app dbname=app $vf"
psql_try fail "token for a host:port not on the allowlist" "$(tk --host evil.example --user app)" \
  "host=localhost port=$RIG_PORT user=app dbname=app $vf"
psql_try fail "pam_exec-style 511-byte truncation" "${T:0:511}" \
  "host=localhost port=$RIG_PORT user=app dbname=app $vf"
printf '{"access_key_id": "AKIAUNKNOWNKEY000000", "secret_access_key": "%s"}' "$RIG_SECRET" >"$WORK/unknown.json"
psql_try fail "unknown access key" "$(tk --host localhost --user app --creds "$WORK/unknown.json")" \
  "host=localhost port=$RIG_PORT user=app dbname=app $vf"
psql_try fail "sslmode=disable" "$good" "host=localhost port=$RIG_PORT user=app dbname=app sslmode=disable" \
  'no encryption'
selftest_check_log "$good"

PID="$(cat "$RIG_DIR/pid")"
KIDS="$(pgrep -P "$PID" | tr '\n' ' ' || true)"
selftest_stop_rig
left=""
for p in $PID $KIDS; do kill -0 "$p" 2>/dev/null && left+=" $p"; done
[[ -z "$left" ]] && ok "postmaster $PID and its ${KIDS:+$(wc -w <<<"$KIDS") }children are gone" || bad "still running:$left"
others="$(pgrep -u postgres postgres | tr '\n' ' ' || true)"
echo "info: pgrep -u postgres postgres after stop: ${others:-(none)}"

selftest_end
