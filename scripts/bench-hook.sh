#!/usr/bin/env bash
# scripts/bench-hook.sh — what vouch's shell hook costs at each prompt, side
# by side with direnv's, in bash, zsh and fish.
#
# The hook's budget: when the folder did not change and the token is not due
# for refresh, at most 0.2 ms per prompt and no process started. direnv's
# hook, for comparison, runs `direnv export SHELL` (a fork + exec) at every
# prompt.
#
# For each shell, in a private temp dir (a HOME of its own, removed on exit):
#   ms/prompt     the shell loads the real hook (`vouch hook SHELL`, `direnv
#                 hook SHELL`), cds into the project (a .vouch.toml with a
#                 postgres target, allowed) or the direnv folder (an .envrc,
#                 allowed), calls the prompt function once (entering: vouch
#                 makes a token, direnv loads the .envrc), then times N
#                 further calls in a loop. bash and zsh time themselves with
#                 $EPOCHREALTIME: one untimed warm-up loop, then the median
#                 of 5 loops. fish has no sub-second clock, so hyperfine
#                 times whole fish processes running 0 and N calls (warm-up
#                 runs, then the median of 5 runs each) and the difference
#                 is divided by N. The loop's own overhead is included.
#   forks/execs   the same loop (N=100) under strace -f (clone, clone3,
#                 fork, vfork, execve); the calls a run with 0 prompts makes
#                 (shell start, hook set-up, entering) are subtracted, and
#                 clones that make threads (CLONE_THREAD: Go's runtime in
#                 direnv) are not counted.
#   entering      for reference: `vouch hook-export bash enter FILE` (what the
#                 hook runs once when entering the folder: a token is made),
#                 hyperfine median.
# The prompt functions: vouch's __vouch_prompt (bash, fish), __vouch_precmd
# (zsh); direnv's _direnv_hook (bash, zsh), __direnv_export_eval (fish),
# i.e. `eval "$(direnv export bash|zsh)"`, `direnv export fish | source`.
#
# Needs the release binary (built if missing: cargo build --release, into
# $CARGO_TARGET_DIR or the repo's target/), bash, zsh, fish, direnv, strace
# and hyperfine (`bash scripts/setup.sh` installs them). No network: the
# token is signed locally with dummy credentials. Takes well under a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

N_VOUCH=2000  # prompts timed per loop, vouch
N_DIRENV=200  # prompts timed per loop, direnv (each one a fork + exec)
N_STRACE=100  # prompts in a loop under strace
REPS=5        # timed loops (bash, zsh) or runs (fish); the median is reported
WARMUP_RUNS=2 # hyperfine warm-up runs (fish, entering)
ENTER_RUNS=50 # hyperfine runs of `vouch hook-export bash enter`

die() { printf 'bench-hook: %s\n' "$*" >&2; exit 1; }

# --- tools -----------------------------------------------------------------
missing=()
for t in bash zsh fish direnv strace hyperfine; do
  command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
if ((${#missing[@]})); then
  die "missing: ${missing[*]} (bash scripts/setup.sh installs them, as root)"
fi

# --- the release binary ------------------------------------------------------
# Relative CARGO_TARGET_DIR values resolve against the repo, where cargo runs.
target_dir=${CARGO_TARGET_DIR:-target}
[[ $target_dir == /* ]] || target_dir=$repo/$target_dir
vouch=$target_dir/release/vouch
if [[ ! -x $vouch ]]; then
  command -v cargo >/dev/null 2>&1 || die "no $vouch and no cargo to build it"
  printf 'bench-hook: building %s (cargo build --release)\n' "$vouch"
  cargo build --release --quiet --bin vouch
  [[ -x $vouch ]] || die "cargo build did not make $vouch"
fi

# --- private set-up ----------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench-hook.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# hyperfine -N splits its command line itself; keep it to plain words.
[[ $tmp$vouch != *[[:space:]\'\"\\]* ]] || die "paths with spaces or quotes are not supported: $tmp $vouch"

home=$tmp/home proj=$tmp/project envdir=$tmp/direnv
mkdir -p "$home" "$proj" "$envdir"
cat >"$proj/.vouch.toml" <<'TOML'
[targets.prod]
engine = "postgres"
host = "mydb.cluster-abc123.us-east-1.rds.amazonaws.com"
user = "app"
dbname = "app"
TOML
printf 'export FOO=bar\n' >"$envdir/.envrc"

# Every measured process gets this environment and nothing of the caller's
# (no AWS_PROFILE, VOUCH_*, DIRENV_*, rc files): dummy credentials (the
# token is signed locally), vouch's and direnv's state under the temp HOME.
clean_env=(
  env -i
  "PATH=$PATH" "HOME=$home" LC_ALL=C TERM=dumb
  "XDG_DATA_HOME=$home/.local/share" "XDG_CONFIG_HOME=$home/.config"
  "XDG_CACHE_HOME=$home/.cache" "XDG_STATE_HOME=$home/.local/state"
  AWS_ACCESS_KEY_ID=AKIAEXAMPLE0000001 AWS_SECRET_ACCESS_KEY=bench
  AWS_EC2_METADATA_DISABLED=true DIRENV_LOG_FORMAT=
  "VOUCH=$vouch" "PROJ=$proj" "ENVDIR=$envdir"
)
log=$tmp/log
# Run quietly; on failure show what the command printed.
run() { "$@" >"$log" 2>&1 || { cat "$log" >&2; die "failed: $*"; }; }

run "${clean_env[@]}" "$vouch" allow "$proj"
# shellcheck disable=SC2016 # expanded by that bash
run "${clean_env[@]}" bash -c 'cd "$ENVDIR" && direnv allow'

# --- the per-shell benchmark scripts ----------------------------------------
# Each takes TOOL (vouch or direnv), N (prompts per loop) and REPS: it loads
# TOOL's hook, enters the folder with one prompt, checks the hook took
# effect, then runs the loop: REPS=0 once, untimed (strace, fish under
# hyperfine); else a warm-up loop and REPS timed loops, printing each loop's
# microseconds. Then it checks the hook is still in its steady state.

cat >"$tmp/bench.bash" <<'BASH'
tool=$1 n=$2 reps=$3
if [[ $tool == vouch ]]; then
  eval "$("$VOUCH" hook bash)"; cd "$PROJ"; fn=__vouch_prompt
  ok() { [[ $__vouch_state == active && -n ${PGPASSFILE-} ]]; }
else
  eval "$(direnv hook bash)"; cd "$ENVDIR"; fn=_direnv_hook
  ok() { [[ ${FOO-} == bar ]]; }
fi
# The loop, with the prompt function named directly (no "$fn" per call).
eval "loop() { local i; for ((i = 0; i < \$1; i++)); do $fn; done; }"
$fn # entering
ok || { echo "bash: $tool's hook did not take effect" >&2; exit 3; }
if ((reps == 0)); then
  loop "$n"
else
  loop "$n" # warm-up
  for ((r = 0; r < reps; r++)); do
    t0=$EPOCHREALTIME; loop "$n"; t1=$EPOCHREALTIME
    echo $((${t1/./} - ${t0/./})) # microseconds ($EPOCHREALTIME has 6 decimals)
  done
fi
ok || { echo "bash: $tool's hook left its steady state" >&2; exit 3; }
BASH

cat >"$tmp/bench.zsh" <<'ZSH'
zmodload zsh/datetime
tool=$1 n=$2 reps=$3
if [[ $tool == vouch ]]; then
  eval "$("$VOUCH" hook zsh)"; cd "$PROJ"; fn=__vouch_precmd
  ok() { [[ $__vouch_state == active && -n ${PGPASSFILE-} ]]; }
else
  eval "$(direnv hook zsh)"; cd "$ENVDIR"; fn=_direnv_hook
  ok() { [[ ${FOO-} == bar ]]; }
fi
eval "loop() { local i; for ((i = 0; i < \$1; i++)); do $fn; done; }"
$fn # entering
ok || { echo "zsh: $tool's hook did not take effect" >&2; exit 3; }
if ((reps == 0)); then
  loop $n
else
  loop $n # warm-up
  for ((r = 0; r < reps; r++)); do
    t0=$EPOCHREALTIME; loop $n; t1=$EPOCHREALTIME
    # $EPOCHREALTIME has 10 decimals here: float arithmetic, then microseconds.
    printf '%.0f\n' $(( (t1 - t0) * 1e6 ))
  done
fi
ok || { echo "zsh: $tool's hook left its steady state" >&2; exit 3; }
ZSH

cat >"$tmp/bench.fish" <<'FISH'
set tool $argv[1]
set n $argv[2]
if test $tool = vouch
    $VOUCH hook fish | source; cd $PROJ
    function __bench_ok; test "$__vouch_state" = active; and set -q PGPASSFILE; end
    __vouch_prompt # entering
else
    direnv hook fish | source; cd $ENVDIR
    function __bench_ok; test "$FOO" = bar; end
    __direnv_export_eval # entering
end
__bench_ok; or begin; echo "fish: $tool's hook did not take effect" >&2; exit 3; end
# N items without starting a process (seq would be one).
set -l items (string repeat -n $n x | string split '')
if test $tool = vouch
    for i in $items; __vouch_prompt; end
else
    for i in $items; __direnv_export_eval; end
end
__bench_ok; or begin; echo "fish: $tool's hook left its steady state" >&2; exit 3; end
FISH

shell_cmd() { # shell script-file: the command line that runs it
  case $1 in
    bash) echo "bash --norc --noprofile $tmp/bench.bash" ;;
    zsh) echo "zsh -f $tmp/bench.zsh" ;;
    fish) echo "fish --no-config $tmp/bench.fish" ;;
  esac
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ms per prompt: bash and zsh time their own loops.
self_timed() { # shell tool n
  local out
  # shellcheck disable=SC2046 # shell_cmd gives words
  out=$("${clean_env[@]}" $(shell_cmd "$1") "$2" "$3" "$REPS" 2>"$log") \
    || { cat "$log" >&2; die "$1 $2 loop failed"; }
  median <<<"$out" | awk -v n="$3" '{ printf "%.4f", $1 / n / 1000 }'
}

# ms per prompt: fish, timed from outside (N prompts minus 0 prompts).
fish_timed() { # tool n
  local cmd csv=$tmp/fish-$1.csv
  cmd=$(shell_cmd fish)
  "${clean_env[@]}" hyperfine -N --warmup "$WARMUP_RUNS" --runs "$REPS" --export-csv "$csv" \
    -n zero "$cmd $1 0" -n loop "$cmd $1 $2" >"$log" 2>&1 \
    || { cat "$log" >&2; die "fish $1 loop failed"; }
  # CSV: command,mean,stddev,median,... in seconds.
  awk -F, -v n="$2" '$1 == "zero" { z = $4 } $1 == "loop" { l = $4 }
    END { printf "%.4f", (l - z) / n * 1000 }' "$csv"
}

# Forks and execs per prompt: strace a loop of N_STRACE prompts and one of
# 0, count the process-creating calls (not thread clones) and the execves.
count_calls() { # shell tool n -> "forks execs"
  local slog=$tmp/strace.log
  # shellcheck disable=SC2046
  strace -f -qq -e trace=clone,clone3,fork,vfork,execve -o "$slog" \
    "${clean_env[@]}" $(shell_cmd "$1") "$2" "$3" 0 >"$log" 2>&1 \
    || { cat "$log" >&2; die "strace $1 $2 failed"; }
  # Lines are "PID call(args" (or "<... call resumed>", not counted).
  awk '$2 ~ /^(clone|clone3|fork|vfork)\(/ && $0 !~ /CLONE_THREAD/ { f++ }
       $2 ~ /^execve\(/ { e++ } END { print f + 0, e + 0 }' "$slog"
}
per_prompt() { # shell tool -> "F/E" forks/execs per prompt
  local c0 c1 f0 e0 f1 e1
  c0=$(count_calls "$1" "$2" 0)
  c1=$(count_calls "$1" "$2" "$N_STRACE")
  read -r f0 e0 <<<"$c0"
  read -r f1 e1 <<<"$c1"
  awk -v a="$f0" -v b="$f1" -v c="$e0" -v d="$e1" -v n="$N_STRACE" \
    'BEGIN { printf "%g/%g", (b - a) / n, (d - c) / n }'
}

# --- measure ----------------------------------------------------------------
printf 'vouch:  %s\ndirenv: %s (%s)\n' "$vouch" "$(command -v direnv)" "$(direnv version)"
printf 'bash %s, zsh %s, fish %s\n' "${BASH_VERSION%%(*}" \
  "$(zsh -fc 'echo $ZSH_VERSION')" "$(fish --version | awk '{ print $NF }')"
printf 'loops: vouch N=%d, direnv N=%d prompts; median of %d; forks under strace over N=%d\n\n' \
  "$N_VOUCH" "$N_DIRENV" "$REPS" "$N_STRACE"

rows=()
for sh in bash zsh fish; do
  if [[ $sh == fish ]]; then
    v_ms=$(fish_timed vouch "$N_VOUCH")
    d_ms=$(fish_timed direnv "$N_DIRENV")
  else
    v_ms=$(self_timed "$sh" vouch "$N_VOUCH")
    d_ms=$(self_timed "$sh" direnv "$N_DIRENV")
  fi
  v_fe=$(per_prompt "$sh" vouch)
  d_fe=$(per_prompt "$sh" direnv)
  rows+=("$sh $v_ms $v_fe $d_ms $d_fe")
done

# Entering the project: one hook-export (reads and checks the file, makes a
# token), in the same clean environment (hyperfine passes its own on).
"${clean_env[@]}" hyperfine -N --warmup "$WARMUP_RUNS" --runs "$ENTER_RUNS" \
  --export-csv "$tmp/enter.csv" -n enter "$vouch hook-export bash enter $proj/.vouch.toml" \
  >"$log" 2>&1 || { cat "$log" >&2; die "hyperfine vouch hook-export failed"; }
enter_ms=$(awk -F, '$1 == "enter" { printf "%.2f", $4 * 1000 }' "$tmp/enter.csv")

fmt='%-6s %-22s %-22s %-19s %-19s\n'
# shellcheck disable=SC2059
printf "$fmt" shell "vouch hook (ms/prompt)" "vouch forks/execs" "direnv (ms/prompt)" "direnv forks/execs"
for r in "${rows[@]}"; do
  # shellcheck disable=SC2059,SC2086
  printf "$fmt" $r
done
printf '\n(forks/execs: processes created / programs executed per prompt)\n'
printf 'entering the project (vouch hook-export bash enter, a token made): %s ms median of %d\n' \
  "$enter_ms" "$ENTER_RUNS"

# The budget: <= 0.2 ms and no process per prompt.
fail=0
for r in "${rows[@]}"; do
  read -r sh v_ms v_fe _ <<<"$r"
  if awk -v m="$v_ms" 'BEGIN { exit !(m > 0.2) }'; then
    printf 'OVER BUDGET: %s vouch hook %s ms/prompt > 0.2\n' "$sh" "$v_ms"; fail=1
  fi
  if [[ $v_fe != 0/0 ]]; then
    printf 'OVER BUDGET: %s vouch hook starts processes: %s forks/execs per prompt\n' "$sh" "$v_fe"; fail=1
  fi
done
((fail == 0)) && printf 'vouch hook within budget (<= 0.2 ms, no process per prompt) in bash, zsh and fish\n'
exit "$fail"
