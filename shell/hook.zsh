# vouch's shell hook for zsh. Use it with, in ~/.zshrc:
#   eval "$(vouch hook zsh)"
#
# Before each prompt (precmd): in a folder with an allowed .vouch.toml
# (there or in a folder above), its target's environment is exported;
# leaving the folder puts back what was there before; the token is
# refreshed shortly before VOUCH_EXPIRES_AT. When neither the folder nor
# the clock calls for it, the hook compares a few strings and starts no
# process. It keeps $?, other precmd functions, and works under
# setopt nounset. Its own state is in __vouch_* shell variables, which are
# not exported.

zmodload -F zsh/datetime p:EPOCHSECONDS
typeset -g __vouch_bin=@VOUCH@
typeset -g __vouch_dir= __vouch_file= __vouch_found= __vouch_state= __vouch_rec=
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
  if [[ -n $__vouch_restore ]]; then
    eval "$__vouch_restore"
  fi
  __vouch_restore='' __vouch_state='' __vouch_rec='' __vouch_refresh_at=''
  __vouch_store='' __vouch_stamp=''
}

# Ask vouch for the target's environment: $1 is enter or refresh. On a
# failure vouch has printed one line; try again a minute later.
__vouch_export() {
  local out
  if out=$("$__vouch_bin" hook-export zsh "$1" "$__vouch_file"); then
    eval "$out"
  else
    [[ $1 == refresh ]] || __vouch_state=failed
    __vouch_refresh_at=$((EPOCHSECONDS + 60))
  fi
}

__vouch_precmd() {
  if [[ -n $__vouch_file && ! -f $__vouch_file ]]; then
    __vouch_dir=''   # the file went away (git checkout, rm): look again
  fi
  if [[ ${PWD-} != "$__vouch_dir" ]]; then
    __vouch_dir=${PWD-}
    __vouch_find
    if [[ $__vouch_found != "$__vouch_file" ]]; then
      __vouch_leave
      __vouch_file=$__vouch_found
      [[ -z $__vouch_file ]] || __vouch_export enter
    fi
  fi
  if [[ -n $__vouch_file ]]; then
    case $__vouch_state in
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
