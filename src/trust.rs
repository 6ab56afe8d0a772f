//! Which project files (`.vouch.toml`) the user has allowed, like direnv's
//! `allow`: a record per allowed (path, content) pair, named by the
//! SHA-256 of both, holding the path. The path is the file's absolute path
//! as found from the shell's working directory (symbolic links not
//! resolved), so a link to an allowed file elsewhere is a file of its own
//! that needs allowing. A changed file has no record until it is allowed
//! again (which drops the path's older records); `deny` removes the path's
//! records. The shell hook can so test whether a file is allowed with one
//! `stat`, given the record's name from vouch; a record carries its file's
//! modification time, so the hook sees an edit as a differing time.
//!
//! Records live in `$XDG_DATA_HOME/vouch/allow` (an absolute
//! `XDG_DATA_HOME` only), else `~/.local/share/vouch/allow`, a private
//! directory (0700, owned by the user, checked with its ancestors), and
//! are written atomically.

use std::fs;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::ca::{private_dir, write_private};
use crate::error::{shown, Error, Result};
use crate::world::World;

/// What the store says about a file's current content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Never allowed (or denied).
    Unknown,
    /// Allowed once, with other content.
    Changed,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The store's directory (not created).
pub fn store_dir(world: &dyn World) -> Result<PathBuf> {
    if let Some(x) = world.var("XDG_DATA_HOME").filter(|x| x.starts_with('/')) {
        return Ok(PathBuf::from(x).join("vouch").join("allow"));
    }
    let home = world.home().ok_or_else(|| {
        Error::config("cannot find the home directory; set HOME or XDG_DATA_HOME")
    })?;
    Ok(home.join(".local/share/vouch/allow"))
}

/// The record that allows `content` at `path`.
pub fn record_path(dir: &Path, path: &Path, content: &[u8]) -> PathBuf {
    let mut h = Sha256::new();
    h.update(path.as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(content);
    dir.join(hex(&h.finalize()))
}

/// A record's content: the path's bytes and a NUL (a path has none).
fn record_bytes(path: &Path) -> Vec<u8> {
    let mut b = path.as_os_str().as_encoded_bytes().to_vec();
    b.push(0);
    b
}

/// The records that name `path` (any content). A record that cannot be
/// read is an error: it might be the one to remove.
fn records_of(dir: &Path, path: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::io(format!("cannot list {}", shown(dir)), &e)),
    };
    let want = record_bytes(path);
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("cannot list {}", shown(dir)), &e))?;
        let p = entry.path();
        if p.file_name().is_none_or(|n| n.len() != 64) {
            continue;
        }
        let bytes =
            fs::read(&p).map_err(|e| Error::io(format!("cannot read {}", shown(&p)), &e))?;
        if bytes == want {
            out.push(p);
        }
    }
    Ok(out)
}

/// The store as found: a directory of this user's that nobody else can
/// write or read. One that is open is refused, not quietly closed: records
/// may have been put there by someone else.
fn closed_store(dir: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(format!("cannot inspect {}", shown(dir)), &e)),
    };
    let me = nix::unistd::geteuid().as_raw();
    if !meta.is_dir() || meta.uid() != me || meta.mode() & 0o077 != 0 {
        return Err(Error::denied(format!(
            "{} (where vouch records allowed project files) is {}, so its records cannot be believed; check what is in it, then make it yours and private (chmod 700), or remove it",
            shown(dir),
            if !meta.is_dir() {
                "not a directory".to_string()
            } else if meta.uid() != me {
                format!("owned by uid {}", meta.uid())
            } else {
                format!("open to others (mode {:o})", meta.mode() & 0o777)
            }
        )));
    }
    private_dir(dir)
}

/// A record counts only when it is the user's own, private file.
fn believable(record: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(record).is_ok_and(|m| {
        m.is_file() && m.uid() == nix::unistd::geteuid().as_raw() && m.mode() & 0o077 == 0
    })
}

/// Look the file up in the store.
pub fn check(dir: &Path, path: &Path, content: &[u8]) -> Result<Verdict> {
    if !dir.exists() {
        return Ok(Verdict::Unknown);
    }
    // A record is only believed in a directory nobody else controls.
    closed_store(dir)?;
    if believable(&record_path(dir, path, content)) {
        return Ok(Verdict::Allowed);
    }
    Ok(if records_of(dir, path)?.is_empty() {
        Verdict::Unknown
    } else {
        Verdict::Changed
    })
}

/// Record `content` of `path` as allowed (the path's other records go),
/// with the file's modification time `mtime`. Returns the record's path.
pub fn allow(dir: &Path, path: &Path, content: &[u8], mtime: SystemTime) -> Result<PathBuf> {
    closed_store(dir)?;
    private_dir(dir)?;
    let record = record_path(dir, path, content);
    write_private(dir, &record, &record_bytes(path), |f| {
        f.set_modified(mtime)?;
        f.sync_all()
    })?;
    for old in records_of(dir, path)? {
        if old != record {
            let _ = fs::remove_file(old);
        }
    }
    Ok(record)
}

/// Give an existing record its file's modification time again (the file
/// was touched, not changed): the hook compares the two.
pub fn restamp(record: &Path, mtime: SystemTime) -> Result<()> {
    fs::OpenOptions::new()
        .write(true)
        .open(record)
        .and_then(|f| f.set_modified(mtime))
        .map_err(|e| Error::io(format!("cannot update {}", shown(record)), &e))
}

/// The modification time of `p`, if it can be read.
pub fn mtime(p: &Path) -> Option<SystemTime> {
    fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Touch the stamp for `path` (in a `pending` folder beside the store)
/// and return it: the shell hook, waiting for the file to be allowed,
/// looks again when the store changed after it. Creates the store so
/// there is something to compare with.
pub fn stamp(dir: &Path, path: &Path) -> Result<PathBuf> {
    closed_store(dir)?;
    private_dir(dir)?;
    let pending = dir.with_file_name("pending");
    private_dir(&pending)?;
    let name = hex(&Sha256::digest(path.as_os_str().as_encoded_bytes()));
    let stamp = pending.join(name);
    let _ = fs::remove_file(&stamp);
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&stamp)
        .map_err(|e| Error::io(format!("cannot write {}", shown(&stamp)), &e))?;
    Ok(stamp)
}

/// Remove the records of `path`; true when there was one.
pub fn deny(dir: &Path, path: &Path) -> Result<bool> {
    closed_store(dir)?;
    let records = records_of(dir, path)?;
    for r in &records {
        fs::remove_file(r).map_err(|e| Error::io(format!("cannot remove {}", shown(r)), &e))?;
    }
    Ok(!records.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const T: SystemTime = SystemTime::UNIX_EPOCH;

    #[test]
    fn allow_check_change_deny() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("allow");
        let file = Path::new("/w/app/.vouch.toml");
        assert_eq!(check(&dir, file, b"a").unwrap(), Verdict::Unknown);
        let rec = allow(&dir, file, b"a", T).unwrap();
        assert_eq!(rec, record_path(&dir, file, b"a"));
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(
            fs::metadata(&rec).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(check(&dir, file, b"a").unwrap(), Verdict::Allowed);
        assert_eq!(check(&dir, file, b"b").unwrap(), Verdict::Changed);
        // The record carries the file's time, even one in the future.
        let future = SystemTime::now() + std::time::Duration::from_secs(86_400 * 365);
        let rec = allow(&dir, file, b"a", future).unwrap();
        assert_eq!(mtime(&rec), Some(future));
        restamp(&rec, T).unwrap();
        assert_eq!(mtime(&rec), Some(T));
        // Allowing the new content drops the old record.
        let rec_b = allow(&dir, file, b"b", T).unwrap();
        assert!(!rec.exists() && rec_b.exists());
        assert_eq!(check(&dir, file, b"a").unwrap(), Verdict::Changed);
        allow(&dir, file, b"a", T).unwrap();
        // Another path with the same content is not allowed by it.
        assert_eq!(
            check(&dir, Path::new("/w/other/.vouch.toml"), b"a").unwrap(),
            Verdict::Unknown
        );
        assert!(deny(&dir, file).unwrap());
        assert!(!deny(&dir, file).unwrap());
        assert_eq!(check(&dir, file, b"a").unwrap(), Verdict::Unknown);
    }

    #[test]
    fn an_unreadable_record_is_an_error_not_a_miss() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("allow");
        let file = Path::new("/w/.vouch.toml");
        allow(&dir, file, b"a", T).unwrap();
        // A record vouch cannot read (a folder stands in: root reads any file).
        fs::create_dir(dir.join("0".repeat(64))).unwrap();
        let e = deny(&dir, file).unwrap_err();
        assert!(e.message.contains("cannot read"), "{}", e.message);
    }

    #[test]
    fn an_open_store_is_refused_not_closed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("allow");
        let file = Path::new("/w/.vouch.toml");
        allow(&dir, file, b"a", T).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let e = check(&dir, file, b"a").unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::PermissionDenied);
        assert!(
            e.message.contains("open to others (mode 777)"),
            "{}",
            e.message
        );
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o777,
            "left as it was"
        );
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        // A record that is not private is not believed.
        let rec = record_path(&dir, file, b"a");
        fs::set_permissions(&rec, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(check(&dir, file, b"a").unwrap(), Verdict::Changed);
    }

    #[test]
    fn a_record_in_an_open_directory_is_not_believed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("allow");
        let file = Path::new("/w/.vouch.toml");
        allow(&dir, file, b"a", T).unwrap();
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let e = check(&dir, file, b"a").unwrap_err();
        assert!(e.message.contains("writable by others"), "{}", e.message);
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).unwrap();
    }
}
