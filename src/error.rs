//! Errors and the documented exit-code table.
//!
//! Every failure vouch reports maps to one [`ExitCode`]. Messages are written
//! for the user: lowercase, say what failed and what to do, never a secret.

use std::fmt;

/// The exit codes vouch documents (README "Exit codes"). After a successful
/// `exec` the exit status is the client's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// 1: anything not covered below, including usage errors.
    General = 1,
    /// 2: no usable AWS credentials (missing, expired, incomplete).
    NotAuthenticated = 2,
    /// 3: the hardware key was not found.
    HardwareKeyNotFound = 3,
    /// 4: a network call failed.
    Network = 4,
    /// 5: AWS or the OS denied permission.
    PermissionDenied = 5,
    /// 6: configuration: the endpoint, client arguments, files or options
    /// cannot be used as given.
    Configuration = 6,
    /// 126: the client program was found but cannot be run (as a shell reports it).
    ClientNotExecutable = 126,
    /// 127: the client program was not found (as a shell reports it).
    ClientNotFound = 127,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// An error with a user-facing message and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ExitCode,
    pub message: String,
}

impl Error {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }
    pub fn general(message: impl Into<String>) -> Self {
        Self::new(ExitCode::General, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Configuration, message)
    }
    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(ExitCode::NotAuthenticated, message)
    }
    pub fn network(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Network, message)
    }
    pub fn denied(message: impl Into<String>) -> Self {
        Self::new(ExitCode::PermissionDenied, message)
    }
    /// A failed file operation: permission denied (5), else configuration
    /// (6). `what` says what failed, e.g. "cannot read /x".
    pub fn io(what: impl AsRef<str>, e: &std::io::Error) -> Self {
        let message = format!("{}: {e}", what.as_ref());
        match e.kind() {
            std::io::ErrorKind::PermissionDenied => Self::denied(message),
            _ => Self::config(message),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A message made safe for a terminal: every character that could start
/// an escape sequence or reorder text ([`crate::session::unsafe_char`]),
/// other than the line breaks between its lines, becomes `?`. Paths and
/// names in messages come from the file system and the user's files.
pub fn printable(msg: &str) -> String {
    msg.chars()
        .map(|c| {
            if c != '\n' && crate::session::unsafe_char(c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// A path for a message, made safe for a terminal ([`printable`]).
pub fn shown(path: &std::path::Path) -> String {
    printable(&path.to_string_lossy()).replace('\n', "?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_bring_no_escape_sequences() {
        assert_eq!(printable("a\x1b[2Jb\nc\u{202E}d"), "a?[2Jb\nc?d");
        assert_eq!(shown(std::path::Path::new("/t/x\ny\x07")), "/t/x?y?");
    }

    #[test]
    fn permission_denied_is_exit_5() {
        let e = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(
            Error::io("cannot read /x", &e).code,
            ExitCode::PermissionDenied
        );
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(
            Error::io("cannot read /x", &e).code,
            ExitCode::Configuration
        );
    }
}
