# vouch's shell hook for bash (5 or later). Use it with, in ~/.bashrc:
#   eval "$(vouch hook bash)"
#
# Before each prompt: in a folder with an allowed .vouch.toml (there or in
# a folder above), its target's environment is exported; leaving the folder
# puts back what was there before; the token is refreshed shortly before
# VOUCH_EXPIRES_AT. When neither the folder nor the clock calls for it, the
# hook looks for the file (a few stat calls) and starts no process. It runs
# last in PROMPT_COMMAND, leaving $? to what runs before it (and bash gives
# the prompt the command's $? anyway), returns 0 (so `set -e` and ERR traps
# are not set off), and works under set -u and nocasematch. Its own state is
# in __vouch_* shell variables, which are not exported.

__vouch_bin=@VOUCH@

# The nearest .vouch.toml at or above $PWD, in __vouch_found ('' if none).
__vouch_find() {
  local d=${PWD-}
  __vouch_found=
  [[ $d == /* ]] || return 0   # no usable $PWD: no project
  while :; do
    if [[ -f $d/.vouch.toml ]]; then
      __vouch_found=${d%/}/.vouch.toml
      return 0
    fi
    [[ -n $d && $d != / ]] || return 0
    d=${d%/*}
  done
}

# Put back what the folder's target replaced.
__vouch_leave() {
  if [[ -n ${__vouch_restore-} ]]; then
    eval "$__vouch_restore"
  fi
  __vouch_restore='' __vouch_state='' __vouch_rec='' __vouch_refresh_at=''
  __vouch_store='' __vouch_stamp=''
}

# Ask vouch for the target's environment: $1 is enter, recheck or refresh.
# Until vouch answers, the state says "try again in a minute", so a run cut
# short (Ctrl-C) or failed (vouch printed one line) is retried.
__vouch_export() {
  local out
  [[ $1 == refresh ]] || __vouch_state=failed
  __vouch_refresh_at=$((EPOCHSECONDS + 60))
  if out=$("$__vouch_bin" hook-export bash "$1" "$__vouch_file"); then
    eval "$out"
  fi
}

# A shell started outside any project with a target inherited (a terminal,
# tmux or an editor started from a project folder) drops it: the values
# belong to a folder this shell is not in.
__vouch_drop_inherited() {
  unset VOUCH_TARGET VOUCH_EXPIRES_AT PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD \
    PGPASSFILE PGSSLMODE PGSSLROOTCERT PGGSSENCMODE MYSQL_HOST MYSQL_TCP_PORT
}

__vouch_prompt() {
  # The nearest file, looked for at every prompt (a few stat calls): a
  # folder changed, a file created, removed or moved in is seen at once.
  # `[ ]` compares exactly, whatever nocasematch says.
  __vouch_find
  if [ "$__vouch_found" != "${__vouch_file-}" ]; then
    __vouch_leave
    __vouch_file=$__vouch_found
    [[ -z $__vouch_file ]] || __vouch_export enter
  fi
  if [[ -z ${__vouch_started-} ]]; then
    __vouch_started=1
    [[ -n ${__vouch_file-} || -z ${VOUCH_TARGET+set} ]] || __vouch_drop_inherited
  fi
  if [[ -n ${__vouch_file-} ]]; then
    case ${__vouch_state-} in
      active)
        # The record has the file's time: another time means an edit.
        if [[ ! -e $__vouch_rec || $__vouch_file -nt $__vouch_rec || $__vouch_file -ot $__vouch_rec ]]; then
          # Denied or edited: drop the target, then see what vouch says.
          __vouch_leave
          __vouch_export enter
        elif [[ -n $__vouch_refresh_at ]] && ((EPOCHSECONDS >= __vouch_refresh_at)); then
          __vouch_export refresh
        fi
        ;;
      pending)
        # Waiting for `vouch allow`: it creates this very record, or (the
        # file was edited since) changes the store after the stamp.
        if [[ -e $__vouch_rec || $__vouch_store -nt $__vouch_stamp ]]; then
          __vouch_export recheck
        fi
        ;;
      failed)
        if ((EPOCHSECONDS >= __vouch_refresh_at)); then
          __vouch_export enter
        fi
        ;;
    esac
  fi
  return 0
}

# Last in PROMPT_COMMAND (a string or, bash 5.1+, an array), once only,
# however often this is evaluated.
if ((BASH_VERSINFO[0] < 5)); then
  echo "vouch: the shell hook needs bash 5 or later (this is bash $BASH_VERSION); it is not installed" >&2
else
  __vouch_installed=
  for __vouch_pc in ${PROMPT_COMMAND[@]+"${PROMPT_COMMAND[@]}"}; do
    case $__vouch_pc in *__vouch_prompt*) __vouch_installed=1 ;; esac
  done
  if [[ -z $__vouch_installed ]]; then
    if [[ $(declare -p PROMPT_COMMAND 2>/dev/null) == "declare -a"* ]]; then
      PROMPT_COMMAND+=(__vouch_prompt)
    else
      # shellcheck disable=SC2128,SC2178 # a plain string here
      PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND
}__vouch_prompt"
    fi
  fi
  unset __vouch_installed __vouch_pc
fi
