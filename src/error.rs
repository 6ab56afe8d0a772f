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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
