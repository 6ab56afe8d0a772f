# rig/common.sh — owns: the parts every rig shares (sourced by pg-rig.sh and
# mariadb-rig.sh): the test CA and server certificate, the PAM module, the
# verifier and its config with the rig's fake keys, the pam.d file, rig.env,
# the start/stop/status command line and the server-independent halves of
# start and stop; and, sourced by selftest.sh and selftest-mariadb.sh, the
# self-tests' counters and their opening (start a rig, check it) and closing.
#
# A rig script sets HERE, MARKER (its RIG_DIR marker file),
# SERVER_NAME (for messages), SERVER_PID_FILE (the server's own pid file,
# relative to RIG_DIR), and defines say, die, pam_file_for PORT, pid_alive PID
# (a live server process), server_stop DIR PID (the server's own clean
# shutdown) and start_rig; it may define rig_start_failed (more clean-up when
# start fails).
# shellcheck shell=bash
# shellcheck disable=SC2015  # "cond && ok ... || bad ...": ok always returns 0

# The verifier runs with Debian's python3, never a pyenv or venv one.
SYSTEM_PY=/usr/bin/python3

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

# rig_auth KIND SERVER_USER CONFIG_GROUP CONFIG_MODE: the server-independent
# middle of start, run inside start_rig after rig_prepare (reads its locals
# dir, port, region, pam, name_arr, extra_arr; sets its local creds_out): the
# TLS files (server key owned by SERVER_USER), the PAM module and verifier,
# the verifier config (root:CONFIG_GROUP, CONFIG_MODE) with the allowlist
# localhost, 127.0.0.1 and RIG_NAMES at the port plus RIG_ALLOW_EXTRA, and
# the pam.d file that hands the password to the verifier.
# shellcheck disable=SC2154,SC2034  # the caller's locals
rig_auth() {
  local kind=$1 user=$2 group=$3 mode=$4 n allow=()
  rig_tls "$dir" "$port" "$kind-rig" "$user" "${name_arr[@]}"
  rig_verifier "$dir"
  for n in localhost 127.0.0.1 "${name_arr[@]}"; do allow+=("$n:$port"); done
  allow+=("${extra_arr[@]}")
  creds_out="$(rig_verifier_config "$dir" "$region" "${allow[@]}")" || die "writing the verifier config failed"
  chown "root:$group" "$dir/config.json"
  chmod "$mode" "$dir/config.json"
  cat >"$pam.tmp.$$" <<EOF
# vouch $kind-rig on port $port ($dir) — removed by: rig/$kind-rig.sh stop $dir
auth     required $dir/pam_vouch_exec.so $SYSTEM_PY $dir/verify_rds_token.py $dir/config.json
account  required pam_permit.so
EOF
  chmod 0644 "$pam.tmp.$$"
  mv -f "$pam.tmp.$$" "$pam"
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

# rig_prepare KIND DEFAULT_PORT SERVER_USER: the common first half of
# `start`, run inside the rig's start_rig (bash's dynamic scope: it sets that
# function's locals port, names, extra, dir, name_arr, extra_arr, first_name,
# region, pam, pid, n): read the RIG_* settings, check root, SERVER_USER, the
# tools every rig needs, RIG_PORT, RIG_NAMES and RIG_ALLOW_EXTRA, pick the
# region, refuse a running rig or a busy port, then make (or wipe a stale)
# RIG_DIR marked as this KIND's, with the EXIT trap start_cleanup armed.
# shellcheck disable=SC2154,SC2034  # the caller's locals; START_* are the caller's globals
rig_prepare() {
  local kind=$1 user=$3
  port="${RIG_PORT:-$2}"
  names="${RIG_NAMES-mydb.cluster-abc123.us-east-1.rds.amazonaws.com}"
  extra="${RIG_ALLOW_EXTRA:-}"
  dir="${RIG_DIR:-}"
  [[ "$(id -u)" == 0 ]] || die "start: run as root (writes /etc/pam.d, runs the server as $user)"
  id "$user" >/dev/null 2>&1 || die "no $user OS user (run scripts/setup.sh)"
  [[ -x "$SYSTEM_PY" ]] || die "$SYSTEM_PY missing (the verifier must not depend on pyenv)"
  command -v gcc >/dev/null || die "gcc missing (run scripts/setup.sh)"
  [[ -f /usr/include/security/pam_modules.h ]] || die "PAM headers missing: apt-get install libpam0g-dev (scripts/setup.sh)"
  if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "bad RIG_PORT '$port'"; fi
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
          RIG_DIR=* | RIG_PORT=* | RIG_NAMES=* | RIG_ALLOW_EXTRA=* | RIG_REGION=* | RIG_REDSHIFT_PORT=*) export "${a?}" ;;
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

# ------------------------------------------------------- processes ------
running() { # pid -> 0 if the process exists and is not a zombie
  local st
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  st="$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

# wait_gone PID TENTHS: wait up to TENTHS tenths of a second until PID no
# longer runs; 0 once it is gone.
wait_gone() {
  local i
  for ((i = 0; i < $2; i++)); do running "$1" || return 0; sleep 0.1; done
  ! running "$1"
}

recorded_pid() { if [[ -f "$1/pid" ]]; then tr -dc '0-9' <"$1/pid"; fi; }

# rig_pid DIR: the server's pid as start recorded it, else from the server's
# own pid file (a start that failed half-way).
rig_pid() {
  local pid
  pid="$(recorded_pid "$1")"
  if [[ -z "$pid" && -f "$1/$SERVER_PID_FILE" ]]; then pid="$(head -n1 "$1/$SERVER_PID_FILE" | tr -dc '0-9')"; fi
  printf '%s' "$pid"
}

# ------------------------------------------------------- start / stop ---
START_DIR="" START_CREATED=0 START_PORT="" START_OK=0

# start_cleanup: start's EXIT trap (armed by rig_prepare). After a failed
# start: the rig's own clean-up, the end of server.log, then a dir start made
# is stopped and removed; a caller-given dir is kept for inspection with
# nothing left running and its pam.d file removed.
start_cleanup() {
  ((START_OK)) && return 0
  say "start failed; cleaning up"
  if declare -F rig_start_failed >/dev/null; then rig_start_failed || true; fi
  if [[ -n "$START_DIR" && -f "$START_DIR/server.log" ]]; then
    tail -n 20 "$START_DIR/server.log" | sed 's/^/  server.log: /' >&2 || true
  fi
  if [[ -n "$START_DIR" && -f "$START_DIR/$MARKER" ]]; then
    if ((START_CREATED)); then
      stop_rig "$START_DIR" >/dev/null 2>&1 || true
    else
      local pid; pid="$(rig_pid "$START_DIR")"
      if [[ -n "$pid" ]] && pid_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
      rm -f "$(pam_file_for "$START_PORT")"
    fi
  fi
}

# stop_rig DIR: stop the server of the rig in DIR (server_stop, then SIGTERM
# and SIGKILL if it will not go), wait until init has reaped it and its
# children, then remove the rig's pam.d file and DIR.
stop_rig() {
  local dir="${1%/}" pid port kids k any
  [[ -n "$dir" ]] || die "stop: give RIG_DIR (env or argument)"
  if [[ ! -d "$dir" ]]; then
    say "stop: $dir does not exist (nothing to stop)"
    return 0
  fi
  [[ -f "$dir/$MARKER" ]] || die "stop: $dir is not a ${MARKER#.vouch-rig-}-rig directory (no $MARKER)"
  port="$(cat "$dir/port" 2>/dev/null || true)"
  pid="$(rig_pid "$dir")"
  if [[ -n "$pid" ]] && pid_alive "$pid"; then
    kids="$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ' || true)"
    server_stop "$dir" "$pid"
    if ! wait_gone "$pid" 50; then
      say "stop: $SERVER_NAME $pid did not stop; sending SIGTERM, then SIGKILL"
      kill -TERM "$pid" 2>/dev/null || true
      wait_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null || true
    fi
    for k in $kids; do
      if running "$k"; then kill -KILL "$k" 2>/dev/null || true; fi
    done
    wait_gone "$pid" 50 || die "stop: $SERVER_NAME $pid is still alive"
    # Its parent is init (setsid), which reaps it a moment later; wait for
    # that so a pgrep right after stop shows no zombie of ours.
    for _ in $(seq 1 30); do
      any=0
      for k in "$pid" $kids; do [[ -e "/proc/$k" ]] && any=1; done
      ((any)) || break
      sleep 0.1
    done
  fi
  rig_forget "$dir" "$port"
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
  if declare -F extra_forget >/dev/null; then extra_forget "$dir"; fi
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

# ---------------------------------------------- the self-tests' parts ---
# Sourced by selftest.sh and selftest-mariadb.sh (which set HERE and NAME).

ok() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$1"; }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$1"; [[ -n "${2:-}" ]] && printf '%s\n' "$2" | sed 's/^/     /'; return 0; }
token() { "$PY" "$HERE/botocore_token.py" "$@"; } # a reference token from botocore

# selftest_begin NAME: PY (BOTOCORE_PYTHON, default python3 on PATH), the
# counters PASS and FAIL, a WORK dir, and an EXIT trap that stops a rig still
# running from selftest_start_rig and removes WORK. Needs root and botocore.
selftest_begin() {
  ST_NAME=$1 ST_RIG="" ST_STALE=""
  PY="${BOTOCORE_PYTHON:-python3}"
  PASS=0 FAIL=0 RIG_ENV=""
  WORK="$(mktemp -d "/tmp/vouch-rig-$ST_NAME.XXXXXX")"
  trap selftest_cleanup EXIT
  [[ "$(id -u)" == 0 ]] || { echo "$ST_NAME: run as root" >&2; exit 1; }
  "$PY" -c 'import botocore' 2>/dev/null || { echo "$ST_NAME: $PY has no botocore (scripts/setup.sh)" >&2; exit 1; }
}

selftest_cleanup() {
  if [[ -n "$RIG_ENV" && -f "$RIG_ENV" ]]; then
    # shellcheck disable=SC1090
    (source "$RIG_ENV" && "$ST_RIG" stop "$RIG_DIR" >/dev/null 2>&1) || true
  fi
  rm -rf "$WORK"
}

# selftest_start_rig KIND PORT ALLOW_EXTRA: plant a stale pam.d file for PORT,
# start rig/KIND-rig.sh over it (RIG_NAMES=$NAME, fresh dir, region from the
# name), source its rig.env, and check status and the pam.d file. A failed
# start ends the self-test.
selftest_start_rig() {
  local kind=$1 port=$2 extra=$3 t0 t1
  ST_RIG="$HERE/$kind-rig.sh"
  ST_STALE="/etc/pam.d/vouch-rig-$kind-$port"
  printf 'auth required /nonexistent/pam_stale.so\n' >"$ST_STALE"
  t0=$EPOCHREALTIME
  if RIG_ENV="$(RIG_PORT=$port RIG_DIR='' RIG_NAMES="$NAME" RIG_ALLOW_EXTRA="$extra" RIG_REGION='' \
    "$ST_RIG" start 2>"$WORK/start.err" | tail -n1)" && [[ -f "$RIG_ENV" ]]; then
    t1=$EPOCHREALTIME
    ok "start over a stale pam.d file ($(((${t1/./} - ${t0/./}) / 1000)) ms)"
  else
    bad "start" "$(cat "$WORK/start.err")"
    selftest_end || exit 1
  fi
  # shellcheck disable=SC1090
  source "$RIG_ENV"
  "$ST_RIG" status "$RIG_DIR" >/dev/null && ok "status: running" || bad "status"
  grep -q "$RIG_DIR/pam_vouch_exec.so" "$ST_STALE" && ok "pam.d file replaced" || bad "pam.d file not replaced"
}

# selftest_stop_rig: stop the rig of selftest_start_rig; its pam.d file and
# dir must be gone and status must say "not running".
selftest_stop_rig() {
  local dir="$RIG_DIR"
  "$ST_RIG" stop "$dir" 2>"$WORK/stop.err" && ok "stop" || bad "stop" "$(cat "$WORK/stop.err")"
  RIG_ENV=""
  [[ ! -e "$ST_STALE" ]] && ok "$ST_STALE removed" || bad "$ST_STALE still there"
  [[ ! -e "$dir" ]] && ok "$dir removed" || bad "$dir still there"
  "$ST_RIG" status "$dir" >/dev/null 2>&1 && bad "status after stop says running" || ok "status after stop: not running"
}

# selftest_check_log TOKEN: the rig's server.log holds the verifier's one-line
# reasons (an ACCEPT, an expired REJECT) but neither TOKEN's signature nor the
# rig's secret key.
selftest_check_log() {
  local log="$RIG_DIR/server.log"
  grep -q 'vouch-rig verify: .*ACCEPT' "$log" && grep -q 'vouch-rig verify: .*REJECT: token expired' "$log" \
    && ok "server.log has the verifier's one-line reasons" || bad "verifier lines missing from server.log"
  if grep -qF "${1: -64}" "$log" || grep -qF "$RIG_SECRET" "$log"; then
    bad "a token signature or the secret is in server.log"
  else
    ok "no token or secret in server.log"
  fi
}

# selftest_end: the closing count line; 0 iff nothing failed.
selftest_end() {
  echo "$ST_NAME: $PASS passed, $FAIL failed"
  ((FAIL == 0))
}
