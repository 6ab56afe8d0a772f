#!/usr/bin/env bash
# rig/selftest-rolesanywhere.sh — owns: proving rig/rolesanywhere-rig.sh and
# rig/rolesanywhere_endpoint.py against two independent clients: PyPI
# `iam-rolesanywhere-session` (in its own venv, RA_CLIENT_PYTHON, default
# /opt/vouch-ra-client/bin/python, made by scripts/setup.sh) and a hand-rolled
# openssl signer (checked first against the known-answer request in
# rig/rolesanywhere-kat/); accepted and rejected cases, the answer's shape,
# the log, the known-answer requests themselves, status and stop.
# Env: RIG_SELFTEST_RA_PORT (default 14499; the KAT endpoint uses the next port).
# Last line: "selftest-rolesanywhere: N passed, N failed"; exit 0 iff nothing failed.
# shellcheck disable=SC2015  # "cond && ok ... || bad ...": ok always returns 0
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=rig/common.sh
. "$HERE/common.sh"
PORT="${RIG_SELFTEST_RA_PORT:-14499}"
KAT_PORT=$((PORT + 1))
RA_PY="${RA_CLIENT_PYTHON:-/opt/vouch-ra-client/bin/python}"
KAT="$HERE/rolesanywhere-kat"
ST_NAME=selftest-rolesanywhere
PASS=0 FAIL=0 RIG_ENV="" KAT_PID=""
WORK="$(mktemp -d /tmp/vouch-rig-selftest-rolesanywhere.XXXXXX)"
cleanup() {
  if [[ -n "$KAT_PID" ]] && running "$KAT_PID"; then kill -TERM "$KAT_PID" 2>/dev/null || true; fi
  if [[ -n "$RIG_ENV" && -f "$RIG_ENV" ]]; then
    # shellcheck disable=SC1090
    (source "$RIG_ENV" && "$HERE/rolesanywhere-rig.sh" stop "$RIG_DIR" >/dev/null 2>&1) || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
[[ -x "$SYSTEM_PY" ]] || { echo "$ST_NAME: $SYSTEM_PY missing" >&2; exit 1; }
"$RA_PY" -c 'import iam_rolesanywhere_session' 2>/dev/null \
  || { echo "$ST_NAME: $RA_PY has no iam_rolesanywhere_session (scripts/setup.sh makes /opt/vouch-ra-client)" >&2; exit 1; }

# expect NAME WANT GOT: ok when GOT's first line starts with WANT ("201", "403 AccessDeniedException" ...).
expect() {
  local first="${3%%$'\n'*}"
  [[ "$first" == "$2"* ]] && ok "$1 -> $first" || bad "$1: want $2" "$3"
}

# ------------------------------------------------ the package's client ------
# pkg CERT KEY [VAR=value ...] (PROFILE ROLE TA DURATION REGION CHAIN SESSION_NAME):
# a CreateSession by iam-rolesanywhere-session; prints "201 <json summary>" or
# "STATUS message".
pkg() {
  local cert=$1 key=$2
  shift 2
  env "$@" "$RA_PY" - "$cert" "$key" <<'PY' 2>"$WORK/pkg.err" || cat "$WORK/pkg.err"
import json, os, sys
from iam_rolesanywhere_session import IAMRolesAnywhereSession, CredentialsRetrievalError
e = os.environ
s = IAMRolesAnywhereSession(
    profile_arn=e.get("PROFILE", e["RA_PROFILE_ARN"]), role_arn=e.get("ROLE", e["RA_ROLE_ARN"]),
    trust_anchor_arn=e.get("TA", e["RA_TRUST_ANCHOR_ARN"]), certificate=sys.argv[1], private_key=sys.argv[2],
    certificate_chain=e.get("CHAIN") or None, region=e.get("REGION", e["RA_REGION"]),
    session_duration=int(e.get("DURATION", "3600")), endpoint=e["RA_HOST"], verify=e["RA_CA"],
    role_session_name=e.get("SESSION_NAME") or None)
try:
    c = s.get_refreshable_credentials()
    fc = c.get_frozen_credentials()
    print("201", json.dumps({"akid": fc.access_key, "expiry": str(c._expiry_time)}))
except CredentialsRetrievalError as x:
    print(x.status_code, x.message)
PY
}

# ------------------------------------------------ the hand-rolled signer ----
# hr VAR=value ...: a CreateSession request signed with openssl, on stdout.
#   CERT KEY (required), HOST, BODY, QUERY, DATE (YYYYMMDDTHHMMSSZ), REGION,
#   CTYPE, CHAIN (PEM file: sent as X-Amz-X509-Chain), SIGN_CHAIN (0: leave it
#   out of SignedHeaders), SERIAL (override), ALG (override), TAMPER (1: flip
#   the last signature digit), EXTRA (a raw header line added unsigned).
# shellcheck disable=SC2153  # CERT, KEY ... come from the VAR=value arguments
hr() {
  local "$@"
  local host="${HOST:-127.0.0.1:$PORT}" body="${BODY-}" query="${QUERY:-}" date="${DATE:-$(date -u +%Y%m%dT%H%M%SZ)}"
  local region="${REGION:-$RA_REGION}" ctype="${CTYPE:-application/json}" x5 serial alg chain="" sh ph creq sts sig c
  x5="$(openssl x509 -in "$CERT" -outform DER | base64 -w0)"
  serial="${SERIAL:-$("$SYSTEM_PY" -c 'import sys; print(int(sys.argv[1], 16))' "$(openssl x509 -in "$CERT" -noout -serial | cut -d= -f2)")}"
  if openssl pkey -in "$KEY" -noout -text 2>/dev/null | grep -q 'ASN1 OID'; then alg=AWS4-X509-ECDSA-SHA256; else alg=AWS4-X509-RSA-SHA256; fi
  alg="${ALG:-$alg}"
  if [[ -n "${CHAIN:-}" ]]; then
    chain="$(awk '/BEGIN CERT/{n++} {print > "'"$WORK"'/chain-" n ".pem"}' "$CHAIN"; for c in "$WORK"/chain-*.pem; do openssl x509 -in "$c" -outform DER | base64 -w0; echo; done | paste -sd,)"
    rm -f "$WORK"/chain-*.pem
  fi
  sh="content-type;host;x-amz-date;x-amz-x509"
  local ch=$'content-type:'"$ctype"$'\nhost:'"$host"$'\nx-amz-date:'"$date"$'\nx-amz-x509:'"$x5"$'\n'
  if [[ -n "$chain" && "${SIGN_CHAIN:-1}" == 1 ]]; then sh+=";x-amz-x509-chain"; ch+="x-amz-x509-chain:$chain"$'\n'; fi
  ph="$(printf '%s' "$body" | openssl dgst -sha256 -r | cut -d' ' -f1)"
  creq="POST"$'\n'"/sessions"$'\n'"$query"$'\n'"$ch"$'\n'"$sh"$'\n'"$ph"
  sts="$alg"$'\n'"$date"$'\n'"${date:0:8}/$region/rolesanywhere/aws4_request"$'\n'"$(printf '%s' "$creq" | openssl dgst -sha256 -r | cut -d' ' -f1)"
  sig="$(printf '%s' "$sts" | openssl dgst -sha256 -sign "$KEY" | od -An -tx1 | tr -d ' \n')"
  if [[ "${TAMPER:-0}" == 1 ]]; then
    c="${sig: -1}"; [[ "$c" == 0 ]] && c=1 || c=0; sig="${sig%?}$c"
  fi
  printf 'POST /sessions%s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nX-Amz-Date: %s\r\nX-Amz-X509: %s\r\n' \
    "${query:+?$query}" "$host" "$ctype" "$date" "$x5"
  [[ -n "$chain" ]] && printf 'X-Amz-X509-Chain: %s\r\n' "$chain"
  [[ -n "${EXTRA:-}" ]] && printf '%s\r\n' "$EXTRA"
  printf 'Authorization: %s Credential=%s/%s/%s/rolesanywhere/aws4_request, SignedHeaders=%s, Signature=%s\r\n' \
    "$alg" "$serial" "${date:0:8}" "$region" "$sh" "$sig"
  printf 'Content-Length: %s\r\nConnection: close\r\n\r\n%s' "${#body}" "$body"
}
send() { "$SYSTEM_PY" "$HERE/rolesanywhere_endpoint.py" send "127.0.0.1:${2:-$PORT}" "$1" 2>&1; }
body() { # body [DURATION [PROFILE [ROLE [TA]]]]: a CreateSession JSON body
  printf '{"durationSeconds": %s, "profileArn": "%s", "roleArn": "%s", "trustAnchorArn": "%s"}' \
    "${1:-3600}" "${2:-$RA_PROFILE_ARN}" "${3:-$RA_ROLE_ARN}" "${4:-$RA_TRUST_ANCHOR_ARN}"
}

echo "== the hand-rolled signer against the known-answer request (iam-rolesanywhere-session 3.0.0)"
kat_auth="$(grep -a '^Authorization:' "$KAT/kat_rsa/request.http" | tr -d '\r')"
kat_body="$(sed -n '$p' "$KAT/kat_rsa/request.http")"
mine="$(PORT=443 RA_REGION=us-east-1 hr CERT="$KAT/kat_rsa/rsa_cert.pem" KEY="$KAT/kat_rsa/rsa_key.pem" \
  HOST=rolesanywhere.us-east-1.amazonaws.com CTYPE=application/x-amz-json-1.0 DATE=20261215T123045Z BODY="$kat_body" \
  | grep -a '^Authorization:' | tr -d '\r')"
[[ "$mine" == "$kat_auth" ]] && ok "hand-rolled signer reproduces the KAT Authorization header byte for byte" \
  || bad "hand-rolled signer differs from the KAT" "mine: ${mine:0:160}"$'\n'"kat:  ${kat_auth:0:160}"

echo "== rolesanywhere-rig.sh start (port $PORT)"
t0=$EPOCHREALTIME
if RIG_ENV="$(RIG_PORT=$PORT RIG_DIR='' RA_NOW='' "$HERE/rolesanywhere-rig.sh" start 2>"$WORK/start.err" | tail -n1)" && [[ -f "$RIG_ENV" ]]; then
  ok "start ($(((${EPOCHREALTIME/./} - ${t0/./}) / 1000)) ms)"
else
  bad "start" "$(cat "$WORK/start.err")"
  selftest_end || exit 1
fi
# shellcheck disable=SC1090
source "$RIG_ENV"
"$HERE/rolesanywhere-rig.sh" status "$RIG_DIR" >/dev/null && ok "status: running" || bad "status"
PID="$(cat "$RIG_DIR/pid")"

echo "== iam-rolesanywhere-session ($RA_PY)"
r="$(pkg "$RA_RSA_CERT" "$RA_RSA_KEY")"; expect "package, RSA-2048" 201 "$r"
[[ "$r" == *"\"akid\": \"$RA_AKID\""* ]] && ok "package gets the rig's temporary key id" || bad "package key id" "$r"
expect "package, EC P-256" 201 "$(pkg "$RA_EC_CERT" "$RA_EC_KEY")"
expect "package, EC P-384" 201 "$(pkg "$RA_P384_CERT" "$RA_P384_KEY")"
expect "package, leaf under an intermediate, with X-Amz-X509-Chain" 201 "$(pkg "$RA_CHAIN_CERT" "$RA_CHAIN_KEY" CHAIN="$RA_CHAIN_INTERMEDIATE")"
expect "package, leaf under an intermediate, no chain" "403 Untrusted signing certificate" "$(pkg "$RA_CHAIN_CERT" "$RA_CHAIN_KEY")"
expect "package, role session name on a profile that accepts it" 201 \
  "$(pkg "$RA_RSA_CERT" "$RA_RSA_KEY" PROFILE="$RA_SHORT_PROFILE_ARN" SESSION_NAME=vouch-test)"
expect "package, role session name on a profile that does not" "400 Profile does not accept" \
  "$(pkg "$RA_RSA_CERT" "$RA_RSA_KEY" SESSION_NAME=vouch-test)"
expect "package, untrusted CA" "403 Untrusted signing certificate" "$(pkg "$RA_UNTRUSTED_CERT" "$RA_UNTRUSTED_KEY")"
expect "package, expired certificate" "403 Certificate expired" "$(pkg "$RA_EXPIRED_CERT" "$RA_EXPIRED_KEY")"
expect "package, no digitalSignature key usage" "403 Untrusted signing certificate" "$(pkg "$RA_NOKU_CERT" "$RA_NOKU_KEY")"
expect "package, wrong region (us-west-2)" "403 Invalid credential scope" "$(pkg "$RA_RSA_CERT" "$RA_RSA_KEY" REGION=us-west-2)"
expect "package, unknown profile" "404 Profile not found" "$(pkg "$RA_RSA_CERT" "$RA_RSA_KEY" PROFILE="$RA_UNKNOWN_PROFILE_ARN")"
expect "package, role not in the profile" "403 Role is not allowed" "$(pkg "$RA_RSA_CERT" "$RA_RSA_KEY" ROLE="$RA_OTHER_ROLE_ARN")"

echo "== hand-rolled openssl signer"
B="$(body)"
r="$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY="$B" | send "$RA_CA")"; expect "RSA, application/json" 201 "$r"
resp="${r#*$'\n\n'}"
"$SYSTEM_PY" - "$resp" "$RA_AKID" <<'PY' >"$WORK/shape" 2>&1 && ok "201 answer has AWS's shape (credentialSet, subjectArn, 3600 s)" || bad "answer shape" "$(cat "$WORK/shape")"
import datetime as dt, json, sys
r = json.loads(sys.argv[1])
assert set(r) == {"credentialSet", "subjectArn"}, r.keys()
assert r["subjectArn"].startswith("arn:aws:rolesanywhere:us-east-1:123456789012:subject/")
c = r["credentialSet"][0]
assert set(c) == {"assumedRoleUser", "credentials", "packedPolicySize", "roleArn", "sourceIdentity"}, c.keys()
assert c["sourceIdentity"] == "CN=vouch-ra-rsa" and c["roleArn"].endswith(":role/ExampleRole")
assert c["assumedRoleUser"]["arn"].startswith("arn:aws:sts::123456789012:assumed-role/ExampleRole/")
cr = c["credentials"]
assert set(cr) == {"accessKeyId", "secretAccessKey", "sessionToken", "expiration"} and cr["accessKeyId"] == sys.argv[2]
exp = dt.datetime.strptime(cr["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
left = (exp - dt.datetime.now(dt.timezone.utc)).total_seconds()
assert 3500 < left <= 3601, left
PY
expect "EC P-256, application/x-amz-json-1.0" 201 "$(hr CERT="$RA_EC_CERT" KEY="$RA_EC_KEY" BODY="$B" CTYPE=application/x-amz-json-1.0 | send "$RA_CA")"
enc() { "$SYSTEM_PY" -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe="-_.~"))' "$1"; }
Q="profileArn=$(enc "$RA_PROFILE_ARN")&roleArn=$(enc "$RA_ROLE_ARN")&trustAnchorArn=$(enc "$RA_TRUST_ANCHOR_ARN")"
expect "ARNs in the query string (as the Go helper sends them)" 201 \
  "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" QUERY="$Q" BODY='{"durationSeconds":3600}' | send "$RA_CA")"
r="$(hr CERT="$RA_EC_CERT" KEY="$RA_EC_KEY" BODY="$(body 3600 "$RA_SHORT_PROFILE_ARN")" | send "$RA_CA")"
expect "profile max 900 s" 201 "$r"
[[ "$r" =~ \"expiration\":\ \"([0-9T:-]+)Z\" ]] && left=$(($(date -ud "${BASH_REMATCH[1]}" +%s) - $(date +%s))) \
  && ((left > 800 && left <= 901)) && ok "effective duration = min(3600 requested, profile 900)" || bad "effective duration" "$r"
expect "chain in the request, signed" 201 "$(hr CERT="$RA_CHAIN_CERT" KEY="$RA_CHAIN_KEY" CHAIN="$RA_CHAIN_INTERMEDIATE" BODY="$B" | send "$RA_CA")"
expect "chain in the request, not in SignedHeaders" "403 AccessDeniedException" \
  "$(hr CERT="$RA_CHAIN_CERT" KEY="$RA_CHAIN_KEY" CHAIN="$RA_CHAIN_INTERMEDIATE" SIGN_CHAIN=0 BODY="$B" | send "$RA_CA")"
r="$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY="$B" TAMPER=1 | send "$RA_CA")"
expect "tampered signature" "403 AccessDeniedException" "$r"
[[ "$r" == *'"message": "Invalid signature"'* ]] && ok "tampered signature: message \"Invalid signature\"" || bad "tampered message" "$r"
expect "tampered EC signature" "403 AccessDeniedException" "$(hr CERT="$RA_EC_CERT" KEY="$RA_EC_KEY" BODY="$B" TAMPER=1 | send "$RA_CA")"
expect "body changed after signing" "403 AccessDeniedException" \
  "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY="$B" | sed 's/"durationSeconds": 3600/"durationSeconds": 3601/' | send "$RA_CA")"
expect "wrong serial in Credential" "403 AccessDeniedException" "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" SERIAL=12345 BODY="$B" | send "$RA_CA")"
expect "ECDSA algorithm name with an RSA key" "403 AccessDeniedException" \
  "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" ALG=AWS4-X509-ECDSA-SHA256 BODY="$B" | send "$RA_CA")"
expect "algorithm named after a SHA-384 issuer hash" "403 AccessDeniedException" \
  "$(hr CERT="$RA_EC_CERT" KEY="$RA_EC_KEY" ALG=AWS4-X509-ECDSA-SHA384 BODY="$B" | send "$RA_CA")"
expect "X-Amz-Date 6 minutes old" "403 AccessDeniedException" \
  "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" DATE="$(date -u -d '-6 min' +%Y%m%dT%H%M%SZ)" BODY="$B" | send "$RA_CA")"
expect "X-Amz-Date 4 minutes old (within skew)" 201 \
  "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" DATE="$(date -u -d '-4 min' +%Y%m%dT%H%M%SZ)" BODY="$B" | send "$RA_CA")"
expect "X-Amz-Date 6 minutes ahead" "403 AccessDeniedException" \
  "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" DATE="$(date -u -d '+6 min' +%Y%m%dT%H%M%SZ)" BODY="$B" | send "$RA_CA")"
expect "scope region us-west-2" "403 AccessDeniedException" "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" REGION=us-west-2 BODY="$B" | send "$RA_CA")"
expect "untrusted CA" "403 AccessDeniedException" "$(hr CERT="$RA_UNTRUSTED_CERT" KEY="$RA_UNTRUSTED_KEY" BODY="$B" | send "$RA_CA")"
expect "expired certificate" "403 AccessDeniedException" "$(hr CERT="$RA_EXPIRED_CERT" KEY="$RA_EXPIRED_KEY" BODY="$B" | send "$RA_CA")"
expect "unknown profile" "404 ResourceNotFoundException" \
  "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY="$(body 3600 "$RA_UNKNOWN_PROFILE_ARN")" | send "$RA_CA")"
expect "unknown trust anchor" "404 ResourceNotFoundException" \
  "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY="$(body 3600 "$RA_PROFILE_ARN" "$RA_ROLE_ARN" "${RA_TRUST_ANCHOR_ARN%/*}/99999999-9999-9999-9999-999999999999")" | send "$RA_CA")"
expect "durationSeconds 899" "400 ValidationException" "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY="$(body 899)" | send "$RA_CA")"
expect "durationSeconds 43201" "400 ValidationException" "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY="$(body 43201)" | send "$RA_CA")"
expect "durationSeconds 43200 (profile caps it)" 201 "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY="$(body 43200)" | send "$RA_CA")"
expect "body not JSON" "400 ValidationException" "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY='durationSeconds=3600' | send "$RA_CA")"
expect "Content-Type text/plain" "400 ValidationException" "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" CTYPE=text/plain BODY="$B" | send "$RA_CA")"
expect "no Authorization header" "403 AccessDeniedException" \
  "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY="$B" | grep -av '^Authorization:' | send "$RA_CA")"
expect "another path" "404 UnknownOperationException" \
  "$(hr CERT="$RA_RSA_CERT" KEY="$RA_RSA_KEY" BODY="$B" | sed '1s#/sessions#/sessions/x#' | send "$RA_CA")"

echo "== the log"
log="$RIG_DIR/server.log"
grep -q 'vouch-ra: ACCEPT 201' "$log" && grep -q 'vouch-ra: REJECT 403 AccessDeniedException: signature does not verify' "$log" \
  && grep -q 'REJECT 403 AccessDeniedException: leaf .*CN=vouch-ra-expired expired' "$log" \
  && ok "server.log: one line a request with the reason" || bad "log lines missing" "$(tail -n 5 "$log")"
if grep -qF "$RA_SECRET" "$log" || grep -qF "${RA_SESSION_TOKEN:0:40}" "$log" || grep -qiE '[0-9a-f]{128}' "$log"; then
  bad "a secret, session token or signature is in server.log"
else
  ok "no secret, session token or signature in server.log"
fi
[[ "$(grep -c 'vouch-ra: \(ACCEPT\|REJECT\)' "$log")" -ge 40 ]] && ok "every request logged" || bad "request count in log"

echo "== the known-answer requests (self-signed CA:FALSE cert as the trust anchor, now 2026-12-15T12:30:45Z)"
kat_cfg() { # kat_cfg CERT: an endpoint config trusting the KAT's own certificate
  cat <<EOF
{"listen": "127.0.0.1", "port": $KAT_PORT, "tls_cert": "$RIG_DIR/server.crt", "tls_key": "$RIG_DIR/server.key",
 "log": "$WORK/kat.log", "region": "us-east-1", "hosts": ["rolesanywhere.us-east-1.amazonaws.com"],
 "trust_anchors": [{"arn": "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0a1b2c3d-4e5f-6789-abcd-ef0123456789", "bundle": "$1"}],
 "profiles": [{"arn": "arn:aws:rolesanywhere:us-east-1:123456789012:profile/11111111-2222-3333-4444-555555555555",
   "durationSeconds": 3600, "roleArns": ["arn:aws:iam::123456789012:role/ExampleRole"]}],
 "now": "2026-12-15T12:30:45Z"}
EOF
}
cat "$KAT/kat_rsa/rsa_cert.pem" "$KAT/kat_ec_p256/ec_cert.pem" >"$WORK/kat-anchors.pem"
kat_cfg "$WORK/kat-anchors.pem" >"$WORK/kat.json"
setsid "$SYSTEM_PY" "$HERE/rolesanywhere_endpoint.py" "$WORK/kat.json" </dev/null >>"$WORK/kat.log" 2>&1 &
KAT_PID=$!
for _ in $(seq 1 100); do
  printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' | send "$RA_CA" "$KAT_PORT" >/dev/null 2>&1 && break
  sleep 0.05
done
: >"$WORK/kat.log"
for k in kat_rsa kat_ec_p256; do
  r="$(send "$RA_CA" "$KAT_PORT" <"$KAT/$k/request.http")"
  expect "$k as recorded" "403 AccessDeniedException" "$r"
  grep -q "REJECT 403 AccessDeniedException: signature ok; trust anchor .*CN=ra-kat-.* is not a CA certificate" "$WORK/kat.log" \
    && ok "$k: signature verified; refused only because its trust anchor is not a CA certificate" \
    || bad "$k: unexpected reason" "$(tail -n 2 "$WORK/kat.log")"
  : >"$WORK/kat.log"
  r="$(sed -E '/^Authorization:/{s/[1-9a-f]\r$/0\r/;t;s/0\r$/1\r/}' "$KAT/$k/request.http" | send "$RA_CA" "$KAT_PORT")"
  grep -q 'REJECT 403 AccessDeniedException: signature does not verify' "$WORK/kat.log" \
    && ok "$k with one signature digit changed: Invalid signature" || bad "$k tampered" "$r"$'\n'"$(tail -n 2 "$WORK/kat.log")"
  : >"$WORK/kat.log"
done
kill -TERM "$KAT_PID" 2>/dev/null || true
wait_gone "$KAT_PID" 50 && ok "KAT endpoint stopped" || bad "KAT endpoint still running"
KAT_PID=""

echo "== stop"
dir="$RIG_DIR"
"$HERE/rolesanywhere-rig.sh" stop "$dir" 2>"$WORK/stop.err" && ok "stop" || bad "stop" "$(cat "$WORK/stop.err")"
RIG_ENV=""
[[ ! -e "$dir" ]] && ok "$dir removed" || bad "$dir still there"
running "$PID" && bad "endpoint $PID still running" || ok "endpoint process gone"
"$HERE/rolesanywhere-rig.sh" status "$dir" >/dev/null 2>&1 && bad "status after stop says running" || ok "status after stop: not running"

selftest_end
