#!/usr/bin/env bash
# rig/rolesanywhere-rig.sh — owns: a local IAM Roles Anywhere endpoint
# (rig/rolesanywhere_endpoint.py under /usr/bin/python3, HTTPS on 127.0.0.1)
# that checks CreateSession requests as AWS does, and the test PKI for it.
#
#   rig/rolesanywhere-rig.sh start  [VAR=value ...]   prints the rig.env path last on stdout
#   rig/rolesanywhere-rig.sh status [RIG_DIR]          exit 0 running, 3 not running
#   rig/rolesanywhere-rig.sh stop   [RIG_DIR]          stops the endpoint, removes the dir
#
# start reads (from the env, or KEY=value args):
#   RIG_DIR         default: a new mktemp -d /tmp/vouch-rig-rolesanywhere.XXXXXX
#   RIG_PORT        default 14443 (listens on 127.0.0.1 only)
#   RA_REGION       the endpoint's region, default us-east-1
#   RA_NOW          fixed clock "YYYY-MM-DDTHH:MM:SSZ" (default: the real clock)
#   RA_MAX_SKEW     allowed X-Amz-Date skew in seconds, default 300 (AWS's)
#   RA_CREDENTIALS  rig (default: hand out the fake temporary keys of
#                   rig/test-credentials.json, which the pg/mariadb rigs accept)
#                   or random (fresh ASIA... keys for every session)
# rig.env (sourceable) sets RIG_DIR RIG_PORT RA_URL RA_HOST RA_CA RA_REGION
#   RA_TRUST_ANCHOR_ARN RA_TRUST_ANCHOR_CA RA_PROFILE_ARN RA_PROFILE_MAX
#   RA_SHORT_PROFILE_ARN RA_SHORT_PROFILE_MAX RA_UNKNOWN_PROFILE_ARN RA_ROLE_ARN
#   RA_OTHER_ROLE_ARN RA_{RSA,EC,P384,CHAIN,UNTRUSTED,EXPIRED,NOKU}_{CERT,KEY}
#   RA_CHAIN_INTERMEDIATE RA_AKID RA_SECRET RA_SESSION_TOKEN RA_LOG.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=rig/common.sh
. "$HERE/common.sh"
MARKER=.vouch-rig-rolesanywhere
ACCOUNT=123456789012
TA_ID=0a1b2c3d-4e5f-6789-abcd-ef0123456789
PROFILE_ID=11111111-2222-3333-4444-555555555555
SHORT_PROFILE_ID=22222222-3333-4444-5555-666666666666
UNKNOWN_PROFILE_ID=99999999-9999-9999-9999-999999999999

say() { printf 'rolesanywhere-rig: %s\n' "$*" >&2; }
die() { printf 'rolesanywhere-rig: ERROR: %s\n' "$*" >&2; exit 1; }

pid_alive() { # pid -> 0 if it is a live endpoint process
  running "$1" && grep -qa rolesanywhere_endpoint.py "/proc/$1/cmdline" 2>/dev/null
}

# ra_ping DIR PORT: 0 once the endpoint answers over TLS (any HTTP status).
ra_ping() {
  printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Length: 0\r\n\r\n' "$2" \
    | "$SYSTEM_PY" "$1/rolesanywhere_endpoint.py" send "127.0.0.1:$2" "$1/ca.pem" >/dev/null 2>&1
}

# ra_cert DIR NAME KEYSPEC ISSUER EXT_LINES [openssl-x509 args...]: DIR/NAME.key,
# DIR/NAME.pem signed by ISSUER (DIR/ISSUER.pem + .key; "self" = self-signed).
ra_cert() {
  local dir=$1 name=$2 keyspec=$3 issuer=$4 exts=$5
  shift 5
  # shellcheck disable=SC2086  # keyspec is several openssl words
  openssl genpkey $keyspec -out "$dir/$name.key"
  printf '%b' "$exts" >"$dir/$name.ext"
  openssl req -new -key "$dir/$name.key" -subj "/CN=vouch-ra-$name/O=vouch rig" -out "$dir/$name.csr"
  if [[ "$issuer" == self ]]; then
    openssl x509 -req -in "$dir/$name.csr" -signkey "$dir/$name.key" -days 7 -sha256 \
      -extfile "$dir/$name.ext" -out "$dir/$name.pem" "$@"
  else
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$issuer.pem" -CAkey "$dir/$issuer.key" \
      -CAcreateserial -days 7 -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.pem" "$@"
  fi
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

RSA="-algorithm RSA -pkeyopt rsa_keygen_bits:2048"
P256="-algorithm EC -pkeyopt ec_paramgen_curve:P-256"
P384="-algorithm EC -pkeyopt ec_paramgen_curve:P-384"
CA_EXT='basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n'
LEAF_EXT='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'
NOKU_EXT='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyEncipherment\nextendedKeyUsage=clientAuth\n'

# ra_pki DIR: the trust anchor CA, its client certificates (RSA-2048, P-256,
# P-384, one under an intermediate CA, one without digitalSignature), an
# expired one, and an untrusted CA with a certificate.
ra_pki() {
  local dir=$1
  {
    ra_cert "$dir" ta-ca "$RSA" self "$CA_EXT"
    ra_cert "$dir" rsa "$RSA" ta-ca "$LEAF_EXT"
    ra_cert "$dir" ec "$P256" ta-ca "$LEAF_EXT"
    ra_cert "$dir" p384 "$P384" ta-ca "$LEAF_EXT"
    ra_cert "$dir" intermediate "$P256" ta-ca "$CA_EXT"
    ra_cert "$dir" chain "$P256" intermediate "$LEAF_EXT"
    ra_cert "$dir" noku "$P256" ta-ca "$NOKU_EXT"
    ra_cert "$dir" untrusted-ca "$P256" self "$CA_EXT"
    ra_cert "$dir" untrusted "$RSA" untrusted-ca "$LEAF_EXT"
    # Expired: valid 2020-01-01 .. 2020-02-01, issued by the trust anchor CA
    # (`openssl x509 -req` of OpenSSL 3.0 cannot backdate; `openssl ca` can).
    # shellcheck disable=SC2086  # P256 is several openssl words
    openssl genpkey $P256 -out "$dir/expired.key"
    openssl req -new -key "$dir/expired.key" -subj "/CN=vouch-ra-expired/O=vouch rig" -out "$dir/expired.csr"
    mkdir -p "$dir/ca-db"
    : >"$dir/ca-db/index.txt"
    printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/ca-db/index.txt\nnew_certs_dir=%s/ca-db\nserial=%s/ca-db/serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\nx509_extensions=x\n[p]\ncommonName=supplied\norganizationName=optional\n[x]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' \
      "$dir" "$dir" "$dir" >"$dir/ca-db/ca.cnf"
    openssl rand -hex 16 >"$dir/ca-db/serial"
    openssl ca -batch -config "$dir/ca-db/ca.cnf" -cert "$dir/ta-ca.pem" -keyfile "$dir/ta-ca.key" \
      -startdate 20200101000000Z -enddate 20200201000000Z -in "$dir/expired.csr" -out "$dir/expired.pem" -notext
    rm -rf "$dir/ca-db" "$dir/expired.csr" "$dir"/*.srl
  } >"$dir/pki.log" 2>&1 || { cat "$dir/pki.log" >&2; die "making the test PKI failed"; }
  chmod 0644 "$dir"/*.pem
  chmod 0600 "$dir"/*.key
}

# ---------------------------------------------------------------- start -----
START_DIR="" START_CREATED=0 START_OK=0
ra_start_cleanup() {
  ((START_OK)) && return 0
  say "start failed; cleaning up"
  [[ -n "$START_DIR" && -f "$START_DIR/server.log" ]] && tail -n 20 "$START_DIR/server.log" | sed 's/^/  server.log: /' >&2
  if [[ -n "$START_DIR" && -f "$START_DIR/$MARKER" ]]; then
    local pid; pid="$(recorded_pid "$START_DIR")"
    if [[ -n "$pid" ]] && pid_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; wait_gone "$pid" 50 || true; fi
    ((START_CREATED)) && rm -rf -- "$START_DIR"
  fi
  return 0
}

start_rig() {
  local port="${RIG_PORT:-14443}" dir="${RIG_DIR:-}" region="${RA_REGION:-us-east-1}" now="${RA_NOW:-}"
  local skew="${RA_MAX_SKEW:-300}" credmode="${RA_CREDENTIALS:-rig}" pid up=0 t0=$EPOCHREALTIME
  [[ -x "$SYSTEM_PY" ]] || die "$SYSTEM_PY missing (run scripts/setup.sh)"
  "$SYSTEM_PY" -c 'import cryptography' 2>/dev/null || die "$SYSTEM_PY has no cryptography: apt-get install python3-cryptography (scripts/setup.sh)"
  command -v openssl >/dev/null || die "openssl missing (run scripts/setup.sh)"
  command -v setsid >/dev/null || die "setsid missing (util-linux)"
  if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "bad RIG_PORT '$port'"; fi
  [[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || die "bad RA_REGION '$region'"
  [[ -z "$now" || "$now" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || die "bad RA_NOW '$now' (want YYYY-MM-DDTHH:MM:SSZ)"
  [[ "$skew" =~ ^[0-9]+$ ]] || die "bad RA_MAX_SKEW '$skew'"
  [[ "$credmode" == rig || "$credmode" == random ]] || die "bad RA_CREDENTIALS '$credmode' (rig or random)"
  if [[ -n "$dir" && -f "${dir%/}/$MARKER" ]]; then
    pid="$(recorded_pid "${dir%/}")"
    if [[ -n "$pid" ]] && pid_alive "$pid"; then die "a rig already runs in ${dir%/} (pid $pid)"; fi
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "something already listens on 127.0.0.1:$port (set RIG_PORT)"
  fi

  trap ra_start_cleanup EXIT
  if [[ -z "$dir" ]]; then
    dir="$(mktemp -d /tmp/vouch-rig-rolesanywhere.XXXXXX)"
    START_CREATED=1
  else
    dir="${dir%/}"
    [[ "$dir" == /* ]] || dir="$(pwd)/$dir"
    if [[ -d "$dir" ]] && [[ -n "$(ls -A "$dir")" ]]; then
      [[ -f "$dir/$MARKER" ]] || die "RIG_DIR $dir is not empty and not a rolesanywhere-rig dir; refusing to use it"
      say "reusing stale $dir (wiping it)"
      find "$dir" -mindepth 1 -delete
    fi
    mkdir -p "$dir"
  fi
  START_DIR="$dir"
  chmod 0755 "$dir"
  : >"$dir/$MARKER"
  echo "$port" >"$dir/port"

  # --- server TLS (the client trusts ca.pem), the test PKI, the endpoint ---
  rig_tls "$dir" "$port" rolesanywhere "$(id -un)"
  ra_pki "$dir"
  install -m 0755 "$HERE/rolesanywhere_endpoint.py" "$dir/rolesanywhere_endpoint.py"

  local ta="arn:aws:rolesanywhere:$region:$ACCOUNT:trust-anchor/$TA_ID"
  local profile="arn:aws:rolesanywhere:$region:$ACCOUNT:profile/$PROFILE_ID"
  local short="arn:aws:rolesanywhere:$region:$ACCOUNT:profile/$SHORT_PROFILE_ID"
  local unknown="arn:aws:rolesanywhere:$region:$ACCOUNT:profile/$UNKNOWN_PROFILE_ID"
  local role="arn:aws:iam::$ACCOUNT:role/ExampleRole" other="arn:aws:iam::$ACCOUNT:role/OtherRole"
  local creds_out
  creds_out="$("$SYSTEM_PY" - "$HERE/test-credentials.json" "$dir" "$port" "$region" "$now" "$skew" "$credmode" \
    "$ta" "$profile" "$short" "$role" "$other" <<'PY'
import json, sys
creds_file, d, port, region, now, skew, mode, ta, profile, short, role, other = sys.argv[1:]
cfg = {
    "listen": "127.0.0.1", "port": int(port),
    "tls_cert": f"{d}/server.crt", "tls_key": f"{d}/server.key", "log": f"{d}/server.log",
    "region": region,
    "hosts": [f"127.0.0.1:{port}", f"localhost:{port}", f"rolesanywhere.{region}.amazonaws.com"],
    "trust_anchors": [{"arn": ta, "bundle": f"{d}/ta-ca.pem", "enabled": True}],
    "profiles": [
        {"arn": profile, "durationSeconds": 3600, "roleArns": [role], "enabled": True},
        {"arn": short, "durationSeconds": 900, "roleArns": [role, other], "enabled": True,
         "acceptRoleSessionName": True},
    ],
    "max_skew": int(skew),
    "now": now or None,
    "credentials": None,
}
out = {"RA_AKID": "", "RA_SECRET": "", "RA_SESSION_TOKEN": ""}
if mode == "rig":
    t = json.load(open(creds_file, encoding="utf-8"))["temporary"]
    cfg["credentials"] = {"accessKeyId": t["access_key_id"], "secretAccessKey": t["secret_access_key"],
                          "sessionToken": t["session_token"]}
    out = {"RA_AKID": t["access_key_id"], "RA_SECRET": t["secret_access_key"], "RA_SESSION_TOKEN": t["session_token"]}
with open(f"{d}/config.json", "w", encoding="utf-8") as f:
    json.dump(cfg, f, indent=1)
for k, v in out.items():
    print(f"{k}={v}")
PY
)" || die "writing $dir/config.json failed"
  chmod 0600 "$dir/config.json"

  (
    cd /
    exec setsid "$SYSTEM_PY" "$dir/rolesanywhere_endpoint.py" "$dir/config.json" </dev/null >>"$dir/server.log" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$dir/pid"
  for _ in $(seq 1 100); do
    pid_alive "$pid" || break
    if ra_ping "$dir" "$port"; then up=1; break; fi
    sleep 0.05
  done
  ((up)) || die "the endpoint did not come up (see $dir/server.log)"

  # --- rig.env ---
  local a
  {
    echo "# vouch rolesanywhere-rig (port $port). Stop with: $HERE/rolesanywhere-rig.sh stop $dir"
    while IFS= read -r a; do
      [[ -n "$a" ]] && echo "export ${a%%=*}=$(q "${a#*=}")"
    done < <(printf '%s\n' "RIG_DIR=$dir" "RIG_PORT=$port" "RA_URL=https://127.0.0.1:$port" \
      "RA_HOST=127.0.0.1:$port" "RA_CA=$dir/ca.pem" "RA_REGION=$region" \
      "RA_TRUST_ANCHOR_ARN=$ta" "RA_TRUST_ANCHOR_CA=$dir/ta-ca.pem" \
      "RA_PROFILE_ARN=$profile" "RA_PROFILE_MAX=3600" "RA_SHORT_PROFILE_ARN=$short" "RA_SHORT_PROFILE_MAX=900" \
      "RA_UNKNOWN_PROFILE_ARN=$unknown" "RA_ROLE_ARN=$role" "RA_OTHER_ROLE_ARN=$other" \
      "RA_RSA_CERT=$dir/rsa.pem" "RA_RSA_KEY=$dir/rsa.key" "RA_EC_CERT=$dir/ec.pem" "RA_EC_KEY=$dir/ec.key" \
      "RA_P384_CERT=$dir/p384.pem" "RA_P384_KEY=$dir/p384.key" \
      "RA_CHAIN_CERT=$dir/chain.pem" "RA_CHAIN_KEY=$dir/chain.key" "RA_CHAIN_INTERMEDIATE=$dir/intermediate.pem" \
      "RA_UNTRUSTED_CERT=$dir/untrusted.pem" "RA_UNTRUSTED_KEY=$dir/untrusted.key" \
      "RA_EXPIRED_CERT=$dir/expired.pem" "RA_EXPIRED_KEY=$dir/expired.key" \
      "RA_NOKU_CERT=$dir/noku.pem" "RA_NOKU_KEY=$dir/noku.key" \
      "RA_NOW=$now" "RA_LOG=$dir/server.log" "$creds_out")
  } >"$dir/rig.env"
  chmod 0644 "$dir/rig.env"
  START_OK=1
  trap - EXIT
  say "running: pid $pid, https://127.0.0.1:$port, region $region, dir $dir ($(((${EPOCHREALTIME/./} - ${t0/./}) / 1000)) ms)"
  echo "$dir/rig.env"
}

# ---------------------------------------------------------------- stop ------
stop_ra() {
  local dir="${1%/}" pid
  [[ -n "$dir" ]] || die "stop: give RIG_DIR (env or argument)"
  if [[ ! -d "$dir" ]]; then say "stop: $dir does not exist (nothing to stop)"; return 0; fi
  [[ -f "$dir/$MARKER" ]] || die "stop: $dir is not a rolesanywhere-rig directory (no $MARKER)"
  pid="$(recorded_pid "$dir")"
  if [[ -n "$pid" ]] && pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 50 || { say "stop: endpoint $pid ignored SIGTERM; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
    wait_gone "$pid" 50 || die "stop: endpoint $pid is still alive"
    # Its parent is init (setsid): wait until it is reaped.
    for _ in $(seq 1 30); do [[ -e "/proc/$pid" ]] || break; sleep 0.1; done
  fi
  rm -rf -- "$dir"
  say "stopped; removed $dir"
}

case "${1:-}" in
  start)
    shift
    for a in "$@"; do
      case "$a" in
        RIG_DIR=* | RIG_PORT=* | RA_REGION=* | RA_NOW=* | RA_MAX_SKEW=* | RA_CREDENTIALS=*) export "${a?}" ;;
        *) die "start: unknown argument '$a' (use VAR=value)" ;;
      esac
    done
    start_rig
    ;;
  stop) stop_ra "${2:-${RIG_DIR:-}}" ;;
  status) status_rig "${2:-${RIG_DIR:-}}" ;;
  *)
    sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
