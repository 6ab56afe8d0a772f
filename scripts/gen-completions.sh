#!/usr/bin/env bash
# scripts/gen-completions.sh — regenerate the shell completion scripts in
# completions/ from the command line definition (`vouch completions SHELL`).
# tests/completions.rs fails when the checked-in files are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin vouch
vouch="${CARGO_TARGET_DIR:-target}/debug/vouch"
"$vouch" completions bash > completions/vouch.bash
"$vouch" completions zsh > completions/_vouch
"$vouch" completions fish > completions/vouch.fish
"$vouch" completions powershell > completions/_vouch.ps1
"$vouch" completions elvish > completions/vouch.elv
echo "completions/ regenerated"
