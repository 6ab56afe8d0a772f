# vouch's shell hook for zsh. Use it with, in ~/.zshrc:
#   eval "$(vouch hook zsh)"
#
# Before each prompt (precmd): in a folder with an allowed .vouch.toml (there or in
# a folder above), its target's environment is exported; leaving the folder
# puts back what was there before; the token is refreshed shortly before
# VOUCH_EXPIRES_AT. When neither the folder nor the clock calls for it, the
# hook looks for the file (a few stat calls) and starts no process. It keeps
# $? and other precmd functions, and works under setopt nounset. Its own
# state is in __vouch_* shell variables, which are not exported.

zmodload -F zsh/datetime p:EPOCHSECONDS
typeset -g __vouch_bin=@VOUCH@
typeset -g __vouch_file= __vouch_found= __vouch_state= __vouch_rec= __vouch_started=
typeset -g __vouch_refresh_at= __vouch_restore= __vouch_store= __vouch_stamp=

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
  if out=$("$__vouch_bin" hook-export zsh "$1" "$__vouch_file"); then
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

__vouch_precmd() {
  # The nearest file, looked for at every prompt (a few stat calls): a
  # folder changed, a file created, removed or moved in is seen at once.
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

autoload -Uz add-zsh-hook
add-zsh-hook precmd __vouch_precmd
