# vouch's client wrappers for bash. Use them with, in ~/.bashrc:
#   eval "$(vouch alias bash)"
# Each client below becomes a function that runs it through
# `vouch exec --`, so plain `psql ...` gets a fresh token. Tab completion
# stays the client's own (bash completes by command name); `command psql`
# still runs the bare client. Works in scripts that source it, too.
#@CLIENT
unalias @CLIENT@ 2>/dev/null || true
function @CLIENT@ { @VOUCH@ exec -- @CLIENT@ "$@"; }
