//! Finding the real client and replacing vouch with it (execve).
//!
//! The program is looked up on PATH with the `which` crate, skipping any
//! file that is vouch itself, so a shim or wrapper named `psql` that calls
//! `vouch exec -- psql` cannot loop. After a successful execve no vouch
//! process remains: signals, the terminal and the exit status belong to the
//! client.

use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, ExitCode, Result};
use crate::plan::ExecPlan;

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Resolve `program` (a name looked up on `path`, or a path containing `/`)
/// to an executable file that is not `self_exe`.
pub fn find_program(program: &OsStr, path: Option<&OsStr>, self_exe: &Path) -> Result<PathBuf> {
    let shown = program.to_string_lossy();
    if program.as_bytes().contains(&b'/') {
        let p = PathBuf::from(program);
        if !p.is_file() {
            return Err(Error::new(
                ExitCode::ClientNotFound,
                format!("{shown}: no such file"),
            ));
        }
        if same_file(&p, self_exe) {
            return Err(Error::general(format!(
                "{shown} is vouch itself; name the real client program"
            )));
        }
        return Ok(p);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let mut skipped_self = false;
    if let Ok(found) = which::which_in_all(program, path, cwd) {
        for candidate in found {
            if same_file(&candidate, self_exe) {
                skipped_self = true;
                continue;
            }
            return Ok(candidate);
        }
    }
    let why = if skipped_self {
        " (only vouch itself is installed under that name)"
    } else {
        ""
    };
    Err(Error::new(
        ExitCode::ClientNotFound,
        format!(
            "{shown}: command not found on PATH{why}; install the client or give its full path"
        ),
    ))
}

fn cstring(s: &OsStr) -> Result<CString> {
    CString::new(s.as_bytes())
        .map_err(|_| Error::general("an argument or environment value contains a NUL byte"))
}

/// Replace this process with the plan's program. Returns only on failure.
pub fn exec(plan: &ExecPlan) -> Error {
    let run = || -> Result<std::convert::Infallible> {
        let path = cstring(plan.program.as_os_str())?;
        let argv = plan
            .argv
            .iter()
            .map(|a| cstring(a))
            .collect::<Result<Vec<_>>>()?;
        let env = plan
            .child_env(std::env::vars_os())
            .into_iter()
            .map(|(k, v)| {
                let mut kv = OsString::with_capacity(k.len() + v.len() + 1);
                kv.push(&k);
                kv.push("=");
                kv.push(&v);
                cstring(&kv)
            })
            .collect::<Result<Vec<_>>>()?;
        nix::unistd::execve(&path, &argv, &env).map_err(|errno| {
            let code = if errno == nix::errno::Errno::ENOENT {
                ExitCode::ClientNotFound
            } else {
                ExitCode::General
            };
            Error::new(
                code,
                format!("cannot run {}: {}", plan.program.display(), errno.desc()),
            )
        })
    };
    match run() {
        Ok(never) => match never {},
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn exe(dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn skips_vouch_itself_on_path() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let me = exe(d.path(), "vouch");
        std::fs::hard_link(&me, a.join("psql")).unwrap();
        let real = exe(&b, "psql");
        let path = std::env::join_paths([&a, &b]).unwrap();
        assert_eq!(
            find_program(OsStr::new("psql"), Some(&path), &me).unwrap(),
            real
        );
        std::fs::remove_file(&real).unwrap();
        let e = find_program(OsStr::new("psql"), Some(&path), &me).unwrap_err();
        assert_eq!(e.code, ExitCode::ClientNotFound);
        assert!(e.message.contains("vouch itself"), "{e}");
    }

    #[test]
    fn missing_program_is_127() {
        let d = tempfile::tempdir().unwrap();
        let e = find_program(
            OsStr::new("psql"),
            Some(d.path().as_os_str()),
            Path::new("/nonexistent"),
        )
        .unwrap_err();
        assert_eq!(e.code, ExitCode::ClientNotFound);
        assert!(e.message.starts_with("psql: command not found"), "{e}");
        let e =
            find_program(OsStr::new("./nope/psql"), None, Path::new("/nonexistent")).unwrap_err();
        assert_eq!(e.code, ExitCode::ClientNotFound);
    }
}
