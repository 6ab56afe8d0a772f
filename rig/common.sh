# rig/common.sh — owns: the parts every rig shares (sourced by pg-rig.sh and
# mariadb-rig.sh): the test CA and server certificate, the PAM module and
# verifier, and the verifier's config with the rig's fake keys.
# shellcheck shell=bash

# rig_tls DIR PORT LABEL KEY_OWNER NAME...: a CA (DIR/ca.pem) and a server
# certificate (DIR/server.crt, DIR/server.key owned by KEY_OWNER) for
# localhost, 127.0.0.1, ::1 and each NAME.
rig_tls() {
  local dir=$1 port=$2 label=$3 owner=$4 n san
  shift 4
  san="DNS:localhost,IP:127.0.0.1,IP:::1"
  for n in "$@"; do san+=",DNS:$n"; done
  {
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 7 -subj "/CN=vouch $label test CA $port" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=localhost"
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
      "$san" >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
      -days 7 -sha256 -extfile "$dir/server.ext" -out "$dir/server.crt"
  } >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; die "openssl failed"; }
  rm -f "$dir/server.csr" "$dir/ca.srl"
  chmod 0600 "$dir/ca.key"
  chmod 0644 "$dir/ca.pem" "$dir/server.crt"
  chown "$owner:$owner" "$dir/server.key"
  chmod 0600 "$dir/server.key"
}

# rig_verifier DIR: build the PAM module and install the verifier into DIR.
rig_verifier() {
  local dir=$1
  gcc -O2 -Wall -shared -fPIC -o "$dir/pam_vouch_exec.so" "$HERE/pam_vouch_exec.c" -lpam \
    || die "building pam_vouch_exec.so failed"
  chmod 0755 "$dir/pam_vouch_exec.so"
  install -m 0755 "$HERE/verify_rds_token.py" "$dir/verify_rds_token.py"
}

# rig_verifier_config DIR REGION HOST:PORT...: write DIR/config.json (the
# fake keys, the region, the host:port allowlist) and print the keys as
# KEY=value lines for rig.env.
rig_verifier_config() {
  local dir=$1 region=$2
  shift 2
  "$SYSTEM_PY" - "$HERE/test-credentials.json" "$dir/config.json" "$region" "$@" <<'PY' || die "reading $HERE/test-credentials.json failed"
import json, sys
creds_file, out, region, *allow = sys.argv[1:]
c = json.load(open(creds_file, encoding="utf-8"))
s, t = c["static"], c["temporary"]
cfg = {
    "credentials": {
        s["access_key_id"]: {"secret": s["secret_access_key"], "session_token": None},
        t["access_key_id"]: {"secret": t["secret_access_key"], "session_token": t["session_token"]},
    },
    "allow": allow,
    "max_skew": 300,
}
if region != "any":
    cfg["regions"] = [region]
with open(out, "w", encoding="utf-8") as f:
    json.dump(cfg, f, indent=1)
for k, v in (("RIG_AKID", s["access_key_id"]), ("RIG_SECRET", s["secret_access_key"]),
             ("RIG_TEMP_AKID", t["access_key_id"]), ("RIG_TEMP_SECRET", t["secret_access_key"]),
             ("RIG_TEMP_SESSION_TOKEN", t["session_token"])):
    print(f"{k}={v}")
PY
}
