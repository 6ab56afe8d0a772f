#!/usr/bin/env bash
# scripts/setup.sh — owns: installing what vouch's tests, the local test rigs
# (rig/: PostgreSQL and MariaDB) and the demo need on a fresh Debian 12, run as
# root. Idempotent: apt-get only when a package is missing (the packaged
# servers neither started nor, for MariaDB, enabled), pip installs only what
# is missing, and the Rust toolchain is checked (not installed).
# Quiet on success (one line per step); on failure prints the step's log.
set -euo pipefail

APT_PACKAGES=(
  postgresql postgresql-client mariadb-server mariadb-client
  libpam0g-dev libpam-modules gcc make libc6-dev
  openssl pkg-config python3 ca-certificates util-linux tmux procps
  libpcsclite-dev pcscd
  bash-completion zsh fish shellcheck direnv hyperfine strace
)
PIP_PACKAGES=(botocore awscli "moto[server]")
POLICY_RC=/usr/sbin/policy-rc.d
PAM_TOOL_DIR=/usr/lib/mysql/plugin/auth_pam_tool_dir

log="$(mktemp /tmp/vouch-setup.XXXXXX.log)"
policy_ours=0 policy_saved=""
cleanup() {
  rm -f "$log"
  allow_service_starts
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf 'setup: %s\n' "$*"; }
die() {
  printf 'setup: FAILED: %s\n' "$*" >&2
  if [[ -s "$log" ]]; then
    printf -- '--- log ---\n' >&2
    tail -n 60 "$log" >&2
  fi
  exit 1
}
run() { "$@" >>"$log" 2>&1; }

# The tests run private servers (rig/pg-rig.sh, rig/mariadb-rig.sh); the
# packages' own servers (PostgreSQL on :5432, MariaDB on :3306 with
# /var/lib/mysql) must not start during the install. invoke-rc.d and
# deb-systemd-invoke ask /usr/sbin/policy-rc.d first; 101 = "not allowed".
# One that already denies (Docker images ship one) is kept; any other is
# moved aside and put back by allow_service_starts, which the EXIT trap runs
# (failure and signals too).
denies_starts() { # policy-rc.d in place and answering 101 for both servers
  local svc rc
  [[ -x "$POLICY_RC" ]] || return 1
  for svc in mariadb postgresql; do
    if "$POLICY_RC" "$svc" start >/dev/null 2>&1; then rc=0; else rc=$?; fi
    ((rc == 101)) || return 1
  done
}
deny_service_starts() {
  denies_starts && return 0
  if [[ -e "$POLICY_RC" || -L "$POLICY_RC" ]]; then
    policy_saved="$POLICY_RC.vouch-setup-saved"
    mv -f "$POLICY_RC" "$policy_saved"
  fi
  policy_ours=1
  printf '#!/bin/sh\n# written by vouch scripts/setup.sh for its apt-get install; it removes it\nexit 101\n' >"$POLICY_RC.tmp.$$"
  chmod 0755 "$POLICY_RC.tmp.$$"
  mv -f "$POLICY_RC.tmp.$$" "$POLICY_RC"
}
allow_service_starts() {
  if ((policy_ours)); then rm -f "$POLICY_RC" "$POLICY_RC.tmp.$$"; policy_ours=0; fi
  if [[ -n "$policy_saved" ]]; then mv -f "$policy_saved" "$POLICY_RC"; policy_saved=""; fi
}

# Pids of the mysqld_safe wrappers, then the MariaDB servers, that are not a
# rig's: a rig runs `mariadbd --no-defaults ...` with its own data dir.
packaged_mariadb_pids() {
  local name p args
  # One name a pgrep: procps refuses a pattern longer than 15 characters.
  for name in mysqld_safe mariadbd-safe mariadbd mysqld; do
    pgrep -x "$name" || true
  done | while read -r p; do
    args="$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" || continue
    [[ "$args" == *' --no-defaults '* ]] || printf '%s\n' "$p"
  done
}

[[ "$(id -u)" == 0 ]] || die "must run as root (apt-get install, /etc/pam.d)"
command -v apt-get >/dev/null || die "apt-get not found: this script targets Debian 12"

# --- Debian packages -------------------------------------------------------
installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == installed ]]
}
missing=()
for p in "${APT_PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  servers_before="$(packaged_mariadb_pids)"
  deny_service_starts
  # Refresh the package lists only when they are absent or a plain install
  # fails (stale lists); apt-get update is not run when nothing is missing.
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    run apt-get update -q || die "apt-get update"
    run apt-get install -y -q --no-install-recommends "${missing[@]}" \
      || die "apt-get install ${missing[*]}"
  elif ! run apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    run apt-get update -q || die "apt-get update"
    run apt-get install -y -q --no-install-recommends "${missing[@]}" \
      || die "apt-get install ${missing[*]}"
  fi
  allow_service_starts
  step "apt: installed ${missing[*]}"
  if [[ " ${missing[*]} " == *" mariadb-server "* ]]; then
    # Not enabled either: no packaged server at the next boot.
    if command -v systemctl >/dev/null; then run systemctl disable --quiet mariadb.service || true; fi
    if [[ -e /etc/init.d/mariadb ]]; then run update-rc.d mariadb disable || true; fi
    step "apt: the packaged MariaDB server is not started and not enabled (the rigs run their own)"
  fi
  # Belt and braces: a server the install started after all is stopped (by pid).
  for p in $(packaged_mariadb_pids); do
    grep -qx "$p" <<<"$servers_before" && continue
    step "stopping MariaDB server pid $p started by the install ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80))"
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
else
  step "apt: all ${#APT_PACKAGES[@]} packages present"
fi
[[ -x /usr/bin/python3 ]] || die "/usr/bin/python3 missing after apt (the rig's verifier needs it)"
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || die "no /usr/lib/postgresql/*/bin/initdb after apt"
[[ -x /usr/sbin/mariadbd && -f /usr/lib/mysql/plugin/auth_pam.so ]] || die "no /usr/sbin/mariadbd or auth_pam plugin after apt"
# The MariaDB rig runs mariadbd as mysql, whose PAM logins go through the
# setuid-root auth_pam_tool: Debian leaves its dir mysql:root 0700. A
# `mariadb-install-db --user=OTHER` run as root re-chowns it to OTHER (then a
# PAM login fails and can take the server down); put Debian's state back.
id mysql >/dev/null 2>&1 || die "no mysql OS user after apt (mariadb-server creates it)"
if [[ "$(stat -c '%U:%G %a' "$PAM_TOOL_DIR")" != "mysql:root 700" ]]; then
  step "mariadb: $PAM_TOOL_DIR was $(stat -c '%U:%G %a' "$PAM_TOOL_DIR"); restoring Debian's mysql:root 0700"
  chown mysql:root "$PAM_TOOL_DIR" && chmod 0700 "$PAM_TOOL_DIR"
fi
[[ "$(stat -c '%u %a' "$PAM_TOOL_DIR/auth_pam_tool")" == "0 4755" ]] \
  || die "$PAM_TOOL_DIR/auth_pam_tool is not setuid root 04755 (reinstall mariadb-server)"

# --- Python packages (the pip of the python3 on PATH) -----------------------
command -v python3 >/dev/null || die "python3 not on PATH"
if ! python3 -m pip --version >/dev/null 2>&1; then
  # Debian's own python3 comes without pip.
  export DEBIAN_FRONTEND=noninteractive
  run apt-get install -y -q --no-install-recommends python3-pip \
    || { run apt-get update -q && run apt-get install -y -q --no-install-recommends python3-pip; } \
    || die "apt-get install python3-pip"
fi
pip_missing=()
python3 -c 'import botocore' >/dev/null 2>&1 || pip_missing+=(botocore)
python3 -m pip show awscli >/dev/null 2>&1 || pip_missing+=(awscli)
# moto[server] = moto plus flask/flask-cors for moto_server.
python3 -c 'import moto.server, flask, flask_cors' >/dev/null 2>&1 || pip_missing+=("moto[server]")
if ((${#pip_missing[@]})); then
  pip_args=(install -q --disable-pip-version-check)
  # Debian's system python is "externally managed" (PEP 668).
  if python3 -c 'import sys,sysconfig,os; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"),"EXTERNALLY-MANAGED")) else 1)' 2>/dev/null; then
    pip_args+=(--break-system-packages)
  fi
  run python3 -m pip "${pip_args[@]}" "${pip_missing[@]}" || die "pip install ${pip_missing[*]}"
  step "pip: installed ${pip_missing[*]} ($(command -v python3))"
else
  step "pip: ${PIP_PACKAGES[*]} present ($(command -v python3))"
fi
# mycli in a venv of its own (its pins must not fight awscli's and moto's):
# /opt/vouch-mycli/bin/mycli, which the end-to-end tests run.
MYCLI_VENV=/opt/vouch-mycli
if ! "$MYCLI_VENV/bin/mycli" --version >/dev/null 2>&1; then
  rm -rf "$MYCLI_VENV"
  if ! python3 -m venv "$MYCLI_VENV" >/dev/null 2>&1; then
    # Debian's python3 needs python3-venv for that.
    export DEBIAN_FRONTEND=noninteractive
    run apt-get install -y -q --no-install-recommends python3-venv \
      || { run apt-get update -q && run apt-get install -y -q --no-install-recommends python3-venv; } \
      || die "apt-get install python3-venv"
    rm -rf "$MYCLI_VENV"
    run python3 -m venv "$MYCLI_VENV" || die "python3 -m venv $MYCLI_VENV"
  fi
  run "$MYCLI_VENV/bin/python" -m pip install -q --disable-pip-version-check mycli \
    || die "pip install mycli (into $MYCLI_VENV)"
  step "pip: installed $("$MYCLI_VENV/bin/mycli" --version) in $MYCLI_VENV"
else
  step "mycli present: $("$MYCLI_VENV/bin/mycli" --version) in $MYCLI_VENV"
fi
# The Roles Anywhere rig (rig/rolesanywhere_endpoint.py) runs with Debian's
# /usr/bin/python3 and needs Debian's python3-cryptography; its self-test's
# independent client, PyPI iam-rolesanywhere-session (boto3 and a newer
# cryptography), gets a venv of its own: /opt/vouch-ra-client.
if ! /usr/bin/python3 -c 'import cryptography.x509' >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  run apt-get install -y -q --no-install-recommends python3-cryptography \
    || { run apt-get update -q && run apt-get install -y -q --no-install-recommends python3-cryptography; } \
    || die "apt-get install python3-cryptography"
  step "apt: installed python3-cryptography (for /usr/bin/python3)"
fi
RA_CLIENT_VENV=/opt/vouch-ra-client
if ! "$RA_CLIENT_VENV/bin/python" -c 'import iam_rolesanywhere_session' >/dev/null 2>&1; then
  rm -rf "$RA_CLIENT_VENV"
  if ! python3 -m venv "$RA_CLIENT_VENV" >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    run apt-get install -y -q --no-install-recommends python3-venv \
      || { run apt-get update -q && run apt-get install -y -q --no-install-recommends python3-venv; } \
      || die "apt-get install python3-venv"
    rm -rf "$RA_CLIENT_VENV"
    run python3 -m venv "$RA_CLIENT_VENV" || die "python3 -m venv $RA_CLIENT_VENV"
  fi
  run "$RA_CLIENT_VENV/bin/python" -m pip install -q --disable-pip-version-check iam-rolesanywhere-session \
    || die "pip install iam-rolesanywhere-session (into $RA_CLIENT_VENV)"
  step "pip: installed iam-rolesanywhere-session in $RA_CLIENT_VENV"
else
  step "iam-rolesanywhere-session present in $RA_CLIENT_VENV"
fi
if ! command -v moto_server >/dev/null 2>&1; then
  step "note: moto_server is not on PATH (use: python3 -m moto.server)"
fi

# --- Rust toolchain (checked, not installed) --------------------------------
if ! command -v cargo >/dev/null 2>&1; then
  if [[ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]]; then
    die "cargo exists at ${CARGO_HOME:-$HOME/.cargo}/bin/cargo but is not on PATH: add that directory to PATH"
  fi
  die "no Rust toolchain: cargo is not on PATH. Install Rust (rustup or Debian's cargo/rustc; vouch needs rust >= 1.85) and rerun"
fi
step "rust: cargo at $(command -v cargo)"
