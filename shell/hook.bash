# vouch's shell hook for bash. Use it with, in ~/.bashrc:
#   eval "$(vouch hook bash)"
#
# Before each prompt: in a folder with an allowed .vouch.toml (there or in
# a folder above), its target's environment is exported; leaving the folder
# puts back what was there before; the token is refreshed shortly before
# VOUCH_EXPIRES_AT. When neither the folder nor the clock calls for it, the
# hook compares a few strings and starts no process. It keeps $?, the
# PROMPT_COMMAND that was there, and works under set -u. Its own state is in
# __vouch_* shell variables, which are not exported.

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

# Ask vouch for the target's environment: $1 is enter or refresh. On a
# failure vouch has printed one line; try again a minute later.
__vouch_export() {
  local out
  if out=$("$__vouch_bin" hook-export bash "$1" "$__vouch_file"); then
    eval "$out"
  else
    [[ $1 == refresh ]] || __vouch_state=failed
    __vouch_refresh_at=$((EPOCHSECONDS + 60))
  fi
}

__vouch_prompt() {
  local status=$?
  if [[ -n ${__vouch_file-} && ! -f $__vouch_file ]]; then
    __vouch_dir=''   # the file went away (git checkout, rm): look again
  fi
  if [[ ${PWD-} != "${__vouch_dir-}" ]]; then
    __vouch_dir=${PWD-}
    __vouch_find
    if [[ $__vouch_found != "${__vouch_file-}" ]]; then
      __vouch_leave
      __vouch_file=$__vouch_found
      [[ -z $__vouch_file ]] || __vouch_export enter
    fi
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
  return "$status"
}

# First in PROMPT_COMMAND (a string or, bash 5.1+, an array), so $? is
# still the command's when the hook runs and when what follows runs. Once
# only, however often this is evaluated. The clock is EPOCHSECONDS: bash 5.
if ((BASH_VERSINFO[0] < 5)); then
  echo "vouch: the shell hook needs bash 5 or later (this is bash $BASH_VERSION); it is not installed" >&2
else
  __vouch_installed=
  for __vouch_pc in ${PROMPT_COMMAND[@]+"${PROMPT_COMMAND[@]}"}; do
    [[ ";$__vouch_pc;" != *";__vouch_prompt;"* ]] || __vouch_installed=1
  done
  if [[ -z $__vouch_installed ]]; then
    if [[ $(declare -p PROMPT_COMMAND 2>/dev/null) == "declare -a"* ]]; then
      PROMPT_COMMAND=(__vouch_prompt "${PROMPT_COMMAND[@]}")
    else
      # shellcheck disable=SC2128,SC2178 # a plain string here
      PROMPT_COMMAND="__vouch_prompt${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
    fi
  fi
  unset __vouch_installed __vouch_pc
fi
