//! The outside world as the pure core sees it: environment variables, files
//! to read, the login user. [`RealWorld`] reads the process; [`FakeWorld`]
//! is an in-memory stand-in so parsers and resolvers are tested without
//! touching the machine.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

/// What `stat(2)` (following symlinks) or `fstat(2)` of an open file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    pub is_file: bool,
    pub is_dir: bool,
    /// The permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// Owned by a user other than the current (effective) one and root,
    /// who could therefore change it.
    pub owned_by_other: bool,
}

pub trait World {
    /// An environment variable; `None` when unset or not valid UTF-8.
    fn var(&self, name: &str) -> Option<String>;
    /// A whole text file.
    fn read_to_string(&self, path: &Path) -> io::Result<String>;
    /// The operating-system user name (libpq's default user).
    fn login_user(&self) -> Option<String>;
    /// The home directory: `$HOME`, else the password database.
    fn home(&self) -> Option<PathBuf>;
    /// A whole file as bytes (for formats that are not necessarily UTF-8).
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.read_to_string(path).map(String::into_bytes)
    }
    /// `stat(2)`, following symlinks. The default treats every readable
    /// file as a regular file with mode 0644.
    fn metadata(&self, path: &Path) -> io::Result<FileMeta> {
        self.read_to_string(path).map(|_| FileMeta {
            is_file: true,
            is_dir: false,
            mode: 0o644,
            owned_by_other: false,
        })
    }
    /// The names in a directory (without `.` and `..`), in no particular
    /// order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<OsString>> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("cannot list {}", path.display()),
        ))
    }
    /// The absolute path with every symbolic link, `.` and `..` resolved
    /// (`realpath(3)`; a relative path is taken from the working
    /// directory). Fails when the path does not exist. The default only
    /// accepts absolute paths and resolves nothing.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        if path.is_absolute() {
            self.metadata(path).map(|_| path.to_path_buf())
        } else {
            Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("cannot resolve {}", path.display()),
            ))
        }
    }
    /// Opens `path` once, without following a symbolic link in its last
    /// component (fails with `ELOOP` then), and returns what `fstat(2)`
    /// says about the opened file with its contents, read from the same
    /// descriptor: what was checked is what was read. Something that is not
    /// a regular file is not read (the contents are empty) and opening it
    /// does not block (a FIFO).
    fn read_checked(&self, path: &Path) -> io::Result<(Vec<u8>, FileMeta)> {
        let meta = self.metadata(path)?;
        let bytes = if meta.is_file {
            self.read(path)?
        } else {
            Vec::new()
        };
        Ok((bytes, meta))
    }
}

fn file_meta(m: &std::fs::Metadata) -> FileMeta {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    FileMeta {
        is_file: m.is_file(),
        is_dir: m.is_dir(),
        mode: m.permissions().mode() & 0o7777,
        owned_by_other: m.uid() != 0 && m.uid() != nix::unistd::geteuid().as_raw(),
    }
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
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn metadata(&self, path: &Path) -> io::Result<FileMeta> {
        std::fs::metadata(path).map(|m| file_meta(&m))
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<OsString>> {
        std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.file_name()))
            .collect()
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
    fn read_checked(&self, path: &Path) -> io::Result<(Vec<u8>, FileMeta)> {
        use nix::fcntl::OFlag;
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        // O_NOFOLLOW: a symbolic link put in place after the caller's
        // checks fails (ELOOP) instead of being followed. O_NONBLOCK: a FIFO
        // does not hang the open (it is then refused, unread). O_NOCTTY: a
        // terminal does not become the controlling one.
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_NOCTTY).bits())
            .open(path)?;
        let meta = file_meta(&f.metadata()?);
        let mut bytes = Vec::new();
        if meta.is_file {
            f.read_to_end(&mut bytes)?;
        }
        Ok((bytes, meta))
    }
}

/// Another world with some variables set over it (a named target's
/// connection defaults, as the client will see them).
pub struct Overlay<'a> {
    pub inner: &'a dyn World,
    pub vars: Vec<(&'static str, String)>,
}

impl World for Overlay<'_> {
    fn var(&self, name: &str) -> Option<String> {
        match self.vars.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => Some(v.clone()),
            None => self.inner.var(name),
        }
    }
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        self.inner.read_to_string(path)
    }
    fn login_user(&self) -> Option<String> {
        self.inner.login_user()
    }
    fn home(&self) -> Option<PathBuf> {
        self.inner.home()
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.inner.read(path)
    }
    fn metadata(&self, path: &Path) -> io::Result<FileMeta> {
        self.inner.metadata(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<OsString>> {
        self.inner.read_dir(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.canonicalize(path)
    }
    fn read_checked(&self, path: &Path) -> io::Result<(Vec<u8>, FileMeta)> {
        self.inner.read_checked(path)
    }
}

/// An in-memory world for tests.
#[derive(Debug, Clone, Default)]
pub struct FakeWorld {
    pub vars: HashMap<String, String>,
    pub files: HashMap<PathBuf, String>,
    /// Files whose content is not text (read by [`World::read`] only).
    pub bytes: HashMap<PathBuf, Vec<u8>>,
    /// Permission bits of files and directories; 0644 when not given.
    pub modes: HashMap<PathBuf, u32>,
    /// Directories beyond those implied by the files' parents.
    pub dirs: HashSet<PathBuf>,
    /// Files and directories owned by another user (see
    /// [`FileMeta::owned_by_other`]).
    pub others: HashSet<PathBuf>,
    /// Symbolic links: where each points (absolute, or relative to the
    /// link's directory).
    pub links: HashMap<PathBuf, PathBuf>,
    /// The working directory relative paths are resolved against; `/`
    /// when not given.
    pub cwd: Option<PathBuf>,
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
    /// A file with arbitrary bytes (not valid for `read_to_string`).
    pub fn bytes(mut self, path: &str, content: &[u8]) -> Self {
        self.bytes.insert(path.into(), content.to_vec());
        self
    }
    /// Set the permission bits of a file or directory (e.g. 0o666).
    pub fn mode(mut self, path: &str, mode: u32) -> Self {
        self.modes.insert(path.into(), mode);
        self
    }
    /// Make a file or directory owned by another user.
    pub fn owned_by_other(mut self, path: &str) -> Self {
        self.others.insert(path.into());
        self
    }
    /// An (empty unless files are put in it) directory.
    pub fn dir(mut self, path: &str) -> Self {
        self.dirs.insert(path.into());
        self
    }
    /// A symbolic link at `path` pointing to `target`.
    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        self.links.insert(path.into(), target.into());
        self
    }
    /// The working directory (see [`FakeWorld::cwd`]).
    pub fn cwd(mut self, path: &str) -> Self {
        self.cwd = Some(path.into());
        self
    }
    /// `path` made absolute, with `.`, `..` and every symbolic link
    /// resolved (whether or not the result exists).
    fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        use std::path::Component;
        let mut out = if path.is_absolute() {
            PathBuf::from("/")
        } else {
            self.cwd.clone().unwrap_or_else(|| PathBuf::from("/"))
        };
        let mut hops = 0;
        // The names still to walk: a link's target is walked before the
        // rest of the path that led to it.
        let mut queue: std::collections::VecDeque<OsString> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_os_string()),
                Component::ParentDir => Some("..".into()),
                _ => None,
            })
            .collect();
        while let Some(name) = queue.pop_front() {
            if name == ".." {
                out.pop();
                continue;
            }
            let next = out.join(&name);
            if let Some(target) = self.links.get(&next) {
                hops += 1;
                if hops > 40 {
                    return Err(io::Error::from_raw_os_error(nix::libc::ELOOP));
                }
                if target.is_absolute() {
                    out = PathBuf::from("/");
                }
                for c in target.components().rev() {
                    match c {
                        Component::Normal(n) => queue.push_front(n.to_os_string()),
                        Component::ParentDir => queue.push_front("..".into()),
                        _ => {}
                    }
                }
            } else {
                out = next;
            }
        }
        Ok(out)
    }
    /// `path` with symbolic links followed; as given when the world has
    /// neither links nor a working directory (most tests).
    fn follow(&self, path: &Path) -> io::Result<PathBuf> {
        if self.links.is_empty() && self.cwd.is_none() {
            Ok(path.to_path_buf())
        } else {
            self.resolve(path)
        }
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.dirs.contains(path)
            || self
                .files
                .keys()
                .chain(self.bytes.keys())
                .chain(self.dirs.iter())
                .chain(self.links.keys())
                .any(|f| f.ancestors().skip(1).any(|a| a == path))
    }
}

impl World for FakeWorld {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        let path = &self.follow(path)?;
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
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let path = &self.follow(path)?;
        if let Some(b) = self.bytes.get(path) {
            return Ok(b.clone());
        }
        if self.is_dir(path) {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        self.read_to_string(path).map(String::into_bytes)
    }
    fn metadata(&self, path: &Path) -> io::Result<FileMeta> {
        let path = &self.follow(path)?;
        let mode = |default| self.modes.get(path).copied().unwrap_or(default);
        let owned_by_other = self.others.contains(path);
        if self.files.contains_key(path) || self.bytes.contains_key(path) {
            Ok(FileMeta {
                is_file: true,
                is_dir: false,
                mode: mode(0o644),
                owned_by_other,
            })
        } else if self.is_dir(path) {
            Ok(FileMeta {
                is_file: false,
                is_dir: true,
                mode: mode(0o755),
                owned_by_other,
            })
        } else {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such file"))
        }
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<OsString>> {
        if !self.is_dir(path) {
            let kind = if self.metadata(path).is_ok() {
                io::ErrorKind::NotADirectory
            } else {
                io::ErrorKind::NotFound
            };
            return Err(io::Error::new(kind, "not a directory"));
        }
        let mut names: Vec<OsString> = self
            .files
            .keys()
            .chain(self.bytes.keys())
            .chain(self.dirs.iter())
            .chain(self.links.keys())
            .filter(|f| f.parent() == Some(path))
            .filter_map(|f| f.file_name().map(|n| n.to_os_string()))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let real = self.resolve(path)?;
        self.metadata(&real)?;
        Ok(real)
    }
    fn read_checked(&self, path: &Path) -> io::Result<(Vec<u8>, FileMeta)> {
        // O_NOFOLLOW: a link as the last component is refused; links above
        // it are followed.
        let last = match (
            self.resolve(path.parent().unwrap_or(Path::new(""))),
            path.file_name(),
        ) {
            (Ok(dir), Some(name)) => dir.join(name),
            _ => path.to_path_buf(),
        };
        if self.links.contains_key(&last) {
            return Err(io::Error::from_raw_os_error(nix::libc::ELOOP));
        }
        let meta = self.metadata(&last)?;
        let bytes = if meta.is_file {
            self.read(&last)?
        } else {
            Vec::new()
        };
        Ok((bytes, meta))
    }
}
