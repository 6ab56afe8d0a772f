//! The outside world as the pure core sees it: environment variables, files
//! to read, the login user. [`RealWorld`] reads the process; [`FakeWorld`]
//! is an in-memory stand-in so parsers and resolvers are tested without
//! touching the machine.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

pub trait World {
    /// An environment variable; `None` when unset or not valid UTF-8.
    fn var(&self, name: &str) -> Option<String>;
    /// A whole text file.
    fn read_to_string(&self, path: &Path) -> io::Result<String>;
    /// The operating-system user name (libpq's default user).
    fn login_user(&self) -> Option<String>;
    /// The home directory: `$HOME`, else the password database.
    fn home(&self) -> Option<PathBuf>;
}

/// The running process's environment and file system.
pub struct RealWorld;

impl World for RealWorld {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }
    fn login_user(&self) -> Option<String> {
        let uid = nix::unistd::geteuid();
        nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|u| u.name)
    }
    fn home(&self) -> Option<PathBuf> {
        if let Some(h) = self.var("HOME").filter(|h| !h.is_empty()) {
            return Some(PathBuf::from(h));
        }
        let uid = nix::unistd::geteuid();
        nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|u| u.dir)
    }
}

/// An in-memory world for tests.
#[derive(Debug, Clone, Default)]
pub struct FakeWorld {
    pub vars: HashMap<String, String>,
    pub files: HashMap<PathBuf, String>,
    pub user: Option<String>,
}

impl FakeWorld {
    pub fn new() -> Self {
        FakeWorld {
            user: Some("alice".into()),
            ..Default::default()
        }
    }
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }
    pub fn file(mut self, path: &str, text: &str) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }
}

impl World for FakeWorld {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
    fn login_user(&self) -> Option<String> {
        self.user.clone()
    }
    fn home(&self) -> Option<PathBuf> {
        self.vars.get("HOME").map(PathBuf::from)
    }
}
