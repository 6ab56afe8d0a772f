//! What a finished program did, for assertions and their messages.

use std::process::Output;

use super::rig::text;

/// Exit status, stdout and stderr, for an assertion's message.
pub fn describe(o: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    )
}

/// Asserts that the program exited with `code` and said `words` on stderr.
#[track_caller]
pub fn assert_exit_says(o: &Output, code: i32, words: &str) {
    assert_eq!(o.status.code(), Some(code), "{}", describe(o));
    assert!(text(&o.stderr).contains(words), "{}", describe(o));
}
