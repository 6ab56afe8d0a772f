# vouch's client wrappers for fish. Use them with, in
# ~/.config/fish/config.fish:
#   vouch alias fish | source
# Each client below becomes a function that runs it through
# `vouch exec --`, so plain `psql ...` gets a fresh token; fish completes a
# function by its name, so it completes as the client does; `command psql`
# still runs the bare client.
#@CLIENT
function @CLIENT@ --description 'vouch exec -- @CLIENT@'
    @VOUCH@ exec -- @CLIENT@ $argv
end
