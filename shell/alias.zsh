# vouch's client wrappers for zsh. Use them with, in ~/.zshrc:
#   eval "$(vouch alias zsh)"
# Each client below becomes a function that runs it through
# `vouch exec --`, so plain `psql ...` gets a fresh token. Tab completion
# stays the client's own (compsys completes by command name);
# `command psql` still runs the bare client.
#@CLIENT
unalias @CLIENT@ 2>/dev/null || true
function @CLIENT@ { @VOUCH@ exec -- @CLIENT@ "$@"; }
