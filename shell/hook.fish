# vouch's shell hook for fish. Use it with, in ~/.config/fish/config.fish:
#   vouch hook fish | source
#
# Before each prompt: in a folder with an allowed .vouch.toml (there or in
# a folder above), its target's environment is exported; leaving the folder
# puts back what was there before; the token is refreshed shortly before it
# expires. When neither the folder nor the clock calls for it, the hook
# looks for the file (a few stat calls) and starts no process (fish has no
# clock variable: the time comes from /proc/uptime, read by the `read`
# builtin). It keeps $status and other fish_prompt handlers. Its own state
# is in __vouch_* global variables, which are not exported.

set -g __vouch_bin @VOUCH@
set -g __vouch_started ''
set -g __vouch_dir ''
set -g __vouch_found ''
set -g __vouch_file ''
set -g __vouch_state ''
set -g __vouch_rec ''
set -g __vouch_refresh_at ''
set -g __vouch_restore ''
set -g __vouch_store ''
set -g __vouch_stamp ''

# Seconds since boot (suspend included), the clock __vouch_refresh_at uses.
function __vouch_now
    read -l -d . now rest </proc/uptime
    echo $now
end

# The nearest .vouch.toml at or above $PWD, in __vouch_found ('' if none).
# A path with a newline in it has no project file here: fish's command
# substitution would split it.
function __vouch_find
    set -g __vouch_found ''
    set -l d $PWD
    if string match -q -r '\n' -- "$d"; or not string match -q -- '/*' "$d"
        return 0
    end
    while true
        if test -f "$d/.vouch.toml"
            if test "$d" = /
                set -g __vouch_found /.vouch.toml
            else
                set -g __vouch_found "$d/.vouch.toml"
            end
            return 0
        end
        if test -z "$d" -o "$d" = /
            return 0
        end
        set d (string replace -r '/[^/]*$' '' -- $d)
    end
end

# Put back what the folder's target replaced.
function __vouch_leave
    if test -n "$__vouch_restore"
        eval $__vouch_restore
    end
    set -g __vouch_restore ''
    set -g __vouch_state ''
    set -g __vouch_rec ''
    set -g __vouch_refresh_at ''
    set -g __vouch_store ''
    set -g __vouch_stamp ''
end

# Ask vouch for the target's environment: $argv[1] is enter, recheck or
# refresh. Until vouch answers, the state says "try again in a minute", so a
# run cut short (Ctrl-C) or failed (vouch printed one line) is retried.
function __vouch_export
    test "$argv[1]" = refresh; or set -g __vouch_state failed
    set -g __vouch_refresh_at (math (__vouch_now) + 60)
    set -l out ($__vouch_bin hook-export fish $argv[1] $__vouch_file | string collect)
    if test $pipestatus[1] -eq 0
        eval $out
    end
end

# A shell started outside any project with a target inherited (a terminal,
# tmux or an editor started from a project folder) drops it: the values
# belong to a folder this shell is not in.
function __vouch_drop_inherited
    set -e VOUCH_TARGET VOUCH_EXPIRES_AT PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD \
        PGPASSFILE PGSSLMODE PGSSLROOTCERT PGGSSENCMODE MYSQL_HOST MYSQL_TCP_PORT
end

function __vouch_prompt --on-event fish_prompt
    # The nearest file: looked for from $PWD up when the folder changed or
    # the file went away; otherwise (each step up costs fish a command
    # substitution) only a file created in this very folder is looked for.
    if test "$PWD" != "$__vouch_dir"; or begin
            test -n "$__vouch_file"; and not test -f "$__vouch_file"
        end
        set -g __vouch_dir $PWD
        __vouch_find
    else if test "$PWD" != /; and test "$__vouch_file" != "$PWD/.vouch.toml"; and test -f "$PWD/.vouch.toml"
        set -g __vouch_found "$PWD/.vouch.toml"
    end
    if test "$__vouch_found" != "$__vouch_file"
        __vouch_leave
        set -g __vouch_file $__vouch_found
        test -z "$__vouch_file"; or __vouch_export enter
    end
    if test -z "$__vouch_started"
        set -g __vouch_started 1
        if test -z "$__vouch_file"; and set -q VOUCH_TARGET
            __vouch_drop_inherited
        end
    end
    test -n "$__vouch_file"; or return
    switch $__vouch_state
        case active
            # The record has the file's time: another time means an edit.
            if not test -e "$__vouch_rec"; or test "$__vouch_file" -nt "$__vouch_rec"; or test "$__vouch_file" -ot "$__vouch_rec"
                # Denied or edited: drop the target, then see what vouch says.
                __vouch_leave
                __vouch_export enter
            else if test -n "$__vouch_refresh_at"
                # The clock without a command substitution (each costs fish a
                # round trip through its I/O thread).
                read -l -d . now rest </proc/uptime
                if test "$now" -ge "$__vouch_refresh_at"
                    __vouch_export refresh
                end
            end
        case pending
            # Waiting for `vouch allow`: it creates this very record, or (the
            # file was edited since) changes the store after the stamp.
            if test -e "$__vouch_rec"; or test "$__vouch_store" -nt "$__vouch_stamp"
                __vouch_export recheck
            end
        case failed
            if test (__vouch_now) -ge "$__vouch_refresh_at"
                __vouch_export enter
            end
    end
end
