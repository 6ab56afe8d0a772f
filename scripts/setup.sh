#!/usr/bin/env bash
# scripts/setup.sh — owns: installing what vouch's tests, the local test rig
# (rig/) and the demo need on a fresh Debian 12, run as root. Idempotent:
# apt-get update only when a package is missing, pip installs only what is
# missing, and the Rust toolchain is checked (not installed).
# Quiet on success (one line per step); on failure prints the step's log.
set -euo pipefail

APT_PACKAGES=(
  postgresql postgresql-client libpam0g-dev libpam-modules gcc make libc6-dev
  openssl pkg-config python3 ca-certificates util-linux tmux procps
)
PIP_PACKAGES=(botocore awscli "moto[server]")

log="$(mktemp /tmp/vouch-setup.XXXXXX.log)"
policy_rc=""
cleanup() {
  rm -f "$log"
  if [[ -n "$policy_rc" ]]; then rm -f "$policy_rc"; fi
}
trap cleanup EXIT

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
  # The tests run private servers (rig/pg-rig.sh); keep the package's own
  # cluster on :5432 from being started by the install (container without systemd).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    policy_rc=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
    chmod 0755 "$policy_rc"
  fi
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
  if [[ -n "$policy_rc" ]]; then rm -f "$policy_rc"; policy_rc=""; fi
  step "apt: installed ${missing[*]}"
else
  step "apt: all ${#APT_PACKAGES[@]} packages present"
fi
[[ -x /usr/bin/python3 ]] || die "/usr/bin/python3 missing after apt (the rig's verifier needs it)"
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || die "no /usr/lib/postgresql/*/bin/initdb after apt"

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
