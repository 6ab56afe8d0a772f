# rig/common.sh — owns: the parts every rig shares (sourced by pg-rig.sh and
# mariadb-rig.sh): the test CA and server certificate, the PAM module and
# verifier, and the verifier's config with the rig's fake keys.
# shellcheck shell=bash

# q VALUE: VALUE single-quoted for a shell.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

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

# rig_prepare KIND: the common first half of `start`, run inside the rig's
# start_rig (bash's dynamic scope: it reads and sets that function's locals
# names, extra, dir, port, name_arr, extra_arr, first_name, region, pam, pid,
# n): check RIG_NAMES/RIG_ALLOW_EXTRA, pick the region, refuse a running rig
# or a busy port, then make (or wipe a stale) RIG_DIR marked as this KIND's.
# shellcheck disable=SC2154,SC2034  # the caller's locals; START_* are the caller's globals
rig_prepare() {
  local kind=$1
  read -r -a name_arr <<<"$names"
  read -r -a extra_arr <<<"$extra"
  for n in "${name_arr[@]}"; do
    [[ "$n" =~ ^[A-Za-z0-9.-]+$ ]] || die "bad name in RIG_NAMES: '$n'"
  done
  for n in "${extra_arr[@]}"; do
    [[ "$n" =~ ^[^[:space:]]+:[0-9]+$ ]] || die "bad RIG_ALLOW_EXTRA entry '$n' (want host:port)"
  done
  first_name="${name_arr[0]:-localhost}"
  region="${RIG_REGION-}"
  [[ -n "$region" ]] || region="$(region_of "$first_name")"
  [[ -n "$region" ]] || region=any

  if [[ -n "$dir" && -f "${dir%/}/$MARKER" ]]; then
    pid="$(recorded_pid "${dir%/}")"
    if [[ -n "$pid" ]] && pid_alive "$pid"; then die "a rig already runs in ${dir%/} (pid $pid)"; fi
  fi
  pam="$(pam_file_for "$port")"
  # Port checks: another live rig on it, or anything listening.
  if [[ -f "$pam" ]]; then
    local other; other="$(sed -n 's#.* \(/[^ ]*\)/config\.json.*#\1#p' "$pam" | head -n1)"
    if [[ -n "$other" && "$other" != "${dir%/}" ]] && [[ -n "$(recorded_pid "$other")" ]] && pid_alive "$(recorded_pid "$other")"; then
      die "port $port is used by the running rig in $other (stop it: $0 stop $other)"
    fi
    say "replacing stale $pam"
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "something already listens on 127.0.0.1:$port (set RIG_PORT)"
  fi

  trap start_cleanup EXIT
  if [[ -z "$dir" ]]; then
    dir="$(mktemp -d "/tmp/vouch-rig-$kind.XXXXXX")"
    START_CREATED=1
  else
    dir="${dir%/}"
    [[ "$dir" == /* ]] || dir="$(pwd)/$dir"
    if [[ -d "$dir" ]] && [[ -n "$(ls -A "$dir")" ]]; then
      [[ -f "$dir/$MARKER" ]] || die "RIG_DIR $dir is not empty and not a $kind-rig dir; refusing to use it"
      pid="$(recorded_pid "$dir")"
      if [[ -n "$pid" ]] && pid_alive "$pid"; then die "a rig already runs in $dir (pid $pid)"; fi
      say "reusing stale $dir (wiping it)"
      find "$dir" -mindepth 1 -delete
    fi
    mkdir -p "$dir"
  fi
  START_DIR="$dir" START_PORT="$port"
  chown root:root "$dir"
  chmod 0755 "$dir"
  : >"$dir/$MARKER"
  echo "$port" >"$dir/port"
}

region_of() { # RDS host name -> region, or nothing
  local IFS=. labels n
  read -r -a labels <<<"$1"
  n=${#labels[@]}
  if ((n >= 4)) && [[ "${labels[n - 3]}" == rds && "${labels[n - 2]}" == amazonaws ]]; then
    printf '%s' "${labels[n - 4]}"
  elif ((n >= 5)) && [[ "${labels[n - 4]}" == rds && "${labels[n - 3]}" == amazonaws && "${labels[n - 1]}" == cn ]]; then
    printf '%s' "${labels[n - 5]}"
  fi
}

# rig_write_env KIND [KEY=value...]: DIR/rig.env, sourceable, from the
# caller's locals dir, port, first_name, region and creds_out (the
# verifier's keys), plus any extra KEY=value.
# shellcheck disable=SC2154  # the caller's locals
rig_write_env() {
  local kind=$1 line k v
  shift
  {
    echo "# vouch $kind-rig (port $port). Stop with: $HERE/$kind-rig.sh stop $dir"
    echo "export RIG_DIR=$(q "$dir")"
    echo "export RIG_PORT=$(q "$port")"
    echo "export RIG_CA=$(q "$dir/ca.pem")"
    echo "export RIG_HOST_NAME=$(q "$first_name")"
    echo "export RIG_REGION=$(q "$region")"
    # Split at the first '=' only: `IFS='=' read` would drop a value's trailing '='.
    while IFS= read -r line; do
      k=${line%%=*} v=${line#*=}
      [[ -n "$k" ]] && echo "export $k=$(q "$v")"
    done < <(printf '%s\n' "$creds_out" "$@")
  } >"$dir/rig.env"
  chmod 0644 "$dir/rig.env"
}

# rig_main USAGE_LAST_LINE ARGS...: the command line of a rig script:
# start [RIG_VAR=value...] | stop [DIR] | status [DIR]; anything else prints
# the script's header comment (lines 2..USAGE_LAST_LINE) as usage.
rig_main() {
  local usage_end=$1 cmd a
  shift
  cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    start)
      for a in "$@"; do
        case "$a" in
          RIG_DIR=* | RIG_PORT=* | RIG_NAMES=* | RIG_ALLOW_EXTRA=* | RIG_REGION=*) export "${a?}" ;;
          *) die "start: unknown argument '$a' (use RIG_VAR=value)" ;;
        esac
      done
      start_rig
      ;;
    stop)
      [[ "$(id -u)" == 0 ]] || die "stop: run as root"
      stop_rig "${1:-${RIG_DIR:-}}"
      ;;
    status) status_rig "${1:-${RIG_DIR:-}}" ;;
    *)
      sed -n "2,${usage_end}p" "$0" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
}

# rig_forget DIR PORT: after the server stopped, remove its pam.d file (only
# if it is still this rig's) and its directory.
rig_forget() {
  local dir=$1 port=$2 pam
  if [[ -n "$port" ]]; then
    pam="$(pam_file_for "$port")"
    # Only remove it if it is ours (another rig may have taken the port since).
    if [[ -f "$pam" ]] && grep -qF "$dir/" "$pam"; then rm -f "$pam"; fi
  fi
  rm -rf -- "$dir"
  say "stopped; removed $dir${port:+ and $(pam_file_for "$port")}"
}

# status_rig DIR: exit 0 and say so when the rig in DIR runs, else 3.
status_rig() {
  local dir="${1%/}" pid
  [[ -n "$dir" ]] || die "status: give RIG_DIR (env or argument)"
  pid="$(recorded_pid "$dir")"
  if [[ -n "$pid" ]] && pid_alive "$pid"; then
    echo "running: pid $pid, port $(cat "$dir/port" 2>/dev/null), dir $dir"
    return 0
  fi
  echo "not running (dir $dir)"
  return 3
}
