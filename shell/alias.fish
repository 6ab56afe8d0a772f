# vouch's client wrappers for fish. Use them with, in
# ~/.config/fish/config.fish:
#   vouch alias fish | source
# Each client below becomes a function that runs it through
# `vouch exec --`, so plain `psql ...` gets a fresh token, completing as the
# client does (--wraps); `command psql` still runs the bare client.
#@CLIENT
function @CLIENT@ --wraps @CLIENT@ --description 'vouch exec -- @CLIENT@'
    @VOUCH@ exec -- @CLIENT@ $argv
end
