//! Finding the real client and replacing vouch with it (execve).
//!
//! The program is looked up on PATH with the `which` crate, skipping any
//! file that is vouch itself. A wrapper script named `psql` early on PATH
//! that runs `exec vouch exec -- psql "$@"` (a shim) must not loop: vouch
//! passes [`SKIP_VAR`] to the program it runs, naming its own process and
//! the programs this exec chain already ran. A vouch started in that same
//! process (the wrapper exec'd it) skips those programs and finds the real
//! client. A vouch in another process (a shell escape inside psql, a script
//! the client runs) starts afresh, so legitimate nesting works; a wrapper
//! that forks vouch instead of exec'ing it is stopped after
//! [`MAX_DEPTH`] rounds with an error instead of looping forever.
//! After a successful execve no vouch process remains: signals, the terminal
//! and the exit status belong to the client.

use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
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

/// The environment variable vouch passes to the program it runs:
/// `DEPTH:PID:PROGRAM[:PROGRAM...]`, each program an absolute path with `%`
/// and `:` percent-escaped.
pub const SKIP_VAR: &str = "VOUCH_EXEC_SKIP";

/// How many `vouch exec` may run inside one another before vouch decides a
/// wrapper is calling it in a loop.
pub const MAX_DEPTH: u32 = 8;

/// What to skip when looking for the client: vouch itself, and the programs
/// an outer vouch of this same process already ran.
pub struct Skip<'a> {
    pub self_exe: &'a Path,
    pub depth: u32,
    pub already_run: Vec<PathBuf>,
    pid: u32,
}

impl<'a> Skip<'a> {
    /// Read [`SKIP_VAR`] as found in the environment of process `pid`.
    pub fn new(self_exe: &'a Path, skip_var: Option<&OsStr>, pid: u32) -> Self {
        let mut skip = Skip {
            self_exe,
            depth: 0,
            already_run: Vec::new(),
            pid,
        };
        let Some(var) = skip_var.filter(|v| !v.is_empty()) else {
            return skip;
        };
        let mut parts = var.as_bytes().split(|b| *b == b':');
        let number =
            |part: Option<&[u8]>| -> Option<u32> { std::str::from_utf8(part?).ok()?.parse().ok() };
        // An unreadable value counts as deep as allowed: never a reset.
        skip.depth = number(parts.next()).unwrap_or(MAX_DEPTH);
        if number(parts.next()) == Some(pid) {
            skip.already_run = parts
                .map(|p| PathBuf::from(OsStr::from_bytes(&unescape(p))))
                .filter(|p| p.is_absolute())
                .collect();
        }
        skip
    }
    fn is_vouch(&self, p: &Path) -> bool {
        same_file(p, self.self_exe)
    }
    fn ran_before(&self, p: &Path) -> bool {
        let p = absolute(p);
        self.already_run.contains(&p)
    }
    /// Refuse to go deeper than [`MAX_DEPTH`].
    pub fn check_depth(&self, program: &OsStr) -> Result<()> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::general(format!(
                "vouch exec is running inside {} others: a wrapper named {} probably runs vouch exec again; let it `exec vouch exec -- ...`, or put the real client first on PATH",
                self.depth,
                program.to_string_lossy()
            )));
        }
        Ok(())
    }
    /// The value of [`SKIP_VAR`] for the client that runs `program`.
    pub fn passed_on(&self, program: &Path) -> OsString {
        let mut out = format!("{}:{}", self.depth + 1, self.pid).into_bytes();
        for p in self
            .already_run
            .iter()
            .map(PathBuf::as_path)
            .chain([program])
        {
            out.push(b':');
            out.extend(escape(absolute(p).as_os_str().as_bytes()));
        }
        OsString::from_vec(out)
    }
}

/// Debian's `/usr/bin/psql` (and pg_dump, ...) is `pg_wrapper`, a script
/// that picks a version and may rewrite PGHOST/PGPORT from local cluster
/// settings (`--cluster`, `PGCLUSTER`, `~/.postgresqlrc`, `user_clusters`),
/// sending the client somewhere vouch did not sign for. For a remote server
/// it runs the newest installed client; vouch does that directly. Returns
/// the real binary for `program`, or `None` when `program` is not the
/// wrapper or no versioned binary is installed.
pub fn behind_pg_wrapper(program: &Path, client: &str, lib_root: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(program).ok()?;
    if real.file_name()? != "pg_wrapper" {
        return None;
    }
    let mut best: Option<(Vec<u32>, PathBuf)> = None;
    for entry in std::fs::read_dir(lib_root).ok()?.flatten() {
        let name = entry.file_name();
        let Some(version) = name.to_str().and_then(|v| {
            v.split('.')
                .map(|n| n.parse().ok())
                .collect::<Option<Vec<u32>>>()
        }) else {
            continue;
        };
        let bin = entry.path().join("bin").join(client);
        if bin.is_file() && best.as_ref().is_none_or(|(v, _)| version > *v) {
            best = Some((version, bin));
        }
    }
    best.map(|(_, bin)| bin)
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn escape(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'%' => out.extend(b"%25"),
            b':' => out.extend(b"%3A"),
            _ => out.push(b),
        }
    }
    out
}

fn unescape(bytes: &[u8]) -> Vec<u8> {
    percent_encoding::percent_decode(bytes).collect()
}

/// Resolve `program` (a name looked up on `path`, or a path containing `/`)
/// to an executable file that is neither vouch nor one that `skip` says an
/// outer vouch already ran.
pub fn find_program(program: &OsStr, path: Option<&OsStr>, skip: &Skip<'_>) -> Result<PathBuf> {
    let shown = program.to_string_lossy();
    if program.as_bytes().contains(&b'/') {
        let p = PathBuf::from(program);
        if !p.is_file() {
            return Err(Error::new(
                ExitCode::ClientNotFound,
                format!("{shown}: no such file"),
            ));
        }
        if skip.is_vouch(&p) {
            return Err(Error::general(format!(
                "{shown} is vouch itself; name the real client program"
            )));
        }
        if skip.ran_before(&p) {
            return Err(Error::general(format!(
                "{shown} runs vouch exec again (an outer vouch exec already started it); name the real client program"
            )));
        }
        return Ok(p);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let mut skipped = false;
    if let Ok(found) = which::which_in_all(program, path, cwd) {
        for candidate in found {
            if skip.is_vouch(&candidate) || skip.ran_before(&candidate) {
                skipped = true;
                continue;
            }
            return Ok(candidate);
        }
    }
    let why = if skipped {
        " (only vouch itself or wrappers that call vouch exec again are installed under that name)"
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

/// A sealed in-memory file holding `bytes`, left open across execve so the
/// client can read it as `/proc/self/fd/N` (returned). Nothing touches the
/// disk and nobody can change it after vouch has checked it.
pub fn sealed_file(name: &str, bytes: &[u8]) -> Result<String> {
    use nix::fcntl::{fcntl, FcntlArg, SealFlag};
    use nix::sys::memfd::{memfd_create, MemFdCreateFlag};
    use std::os::fd::{AsRawFd, IntoRawFd};
    let fail = |e: nix::errno::Errno| {
        Error::general(format!("cannot make a sealed copy of {name}: {}", e.desc()))
    };
    let cname =
        CString::new(name).map_err(|_| Error::general("a file name contains a NUL byte"))?;
    // No MFD_CLOEXEC: the client inherits the descriptor.
    let fd = memfd_create(&cname, MemFdCreateFlag::MFD_ALLOW_SEALING).map_err(fail)?;
    // memfd files are created 0777; option-file readers ignore a
    // world-writable file, and nobody else has any business with it.
    nix::sys::stat::fchmod(
        fd.as_raw_fd(),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .map_err(fail)?;
    let mut file = std::fs::File::from(fd);
    std::io::Write::write_all(&mut file, bytes)
        .map_err(|e| Error::general(format!("cannot make a sealed copy of {name}: {e}")))?;
    let seals = SealFlag::F_SEAL_WRITE
        | SealFlag::F_SEAL_GROW
        | SealFlag::F_SEAL_SHRINK
        | SealFlag::F_SEAL_SEAL;
    fcntl(file.as_raw_fd(), FcntlArg::F_ADD_SEALS(seals)).map_err(fail)?;
    let raw = file.into_raw_fd(); // deliberately kept open for the client
    Ok(format!("/proc/self/fd/{raw}"))
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
            let code = match errno {
                // ENOENT for a file that exists: its #! interpreter is missing.
                nix::errno::Errno::ENOENT if plan.program.exists() => ExitCode::ClientNotExecutable,
                nix::errno::Errno::ENOENT => ExitCode::ClientNotFound,
                nix::errno::Errno::EACCES | nix::errno::Errno::ENOEXEC => {
                    ExitCode::ClientNotExecutable
                }
                _ => ExitCode::General,
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
        let skip = Skip::new(&me, None, 1);
        assert_eq!(
            find_program(OsStr::new("psql"), Some(&path), &skip).unwrap(),
            real
        );
        std::fs::remove_file(&real).unwrap();
        let e = find_program(OsStr::new("psql"), Some(&path), &skip).unwrap_err();
        assert_eq!(e.code, ExitCode::ClientNotFound);
        assert!(e.message.contains("vouch itself"), "{e}");
    }

    #[test]
    fn wrappers_an_outer_vouch_ran_are_skipped() {
        let d = tempfile::tempdir().unwrap();
        let (wrap, real_dir) = (d.path().join("wrap"), d.path().join("real"));
        std::fs::create_dir_all(&wrap).unwrap();
        std::fs::create_dir_all(&real_dir).unwrap();
        let wrapper = exe(&wrap, "psql");
        let real = exe(&real_dir, "psql");
        let path = std::env::join_paths([&wrap, &real_dir]).unwrap();
        let me = d.path().join("vouch");
        let first = Skip::new(&me, None, 100);
        assert_eq!(
            find_program(OsStr::new("psql"), Some(&path), &first).unwrap(),
            wrapper
        );
        let var = first.passed_on(&wrapper);
        // The wrapper exec'd vouch: same process, the wrapper is skipped.
        let second = Skip::new(&me, Some(&var), 100);
        assert_eq!(
            find_program(OsStr::new("psql"), Some(&path), &second).unwrap(),
            real
        );
        let third = Skip::new(&me, Some(&second.passed_on(&real)), 100);
        let e = find_program(OsStr::new("psql"), Some(&path), &third).unwrap_err();
        assert_eq!(e.code, ExitCode::ClientNotFound);
        // Another process (a shell inside psql) starts afresh.
        let other = Skip::new(&me, Some(&var), 200);
        assert_eq!(
            find_program(OsStr::new("psql"), Some(&path), &other).unwrap(),
            wrapper
        );
        assert_eq!(other.depth, 1);
    }

    #[test]
    fn odd_program_paths_survive_the_round_trip() {
        let me = Path::new("/nonexistent/vouch");
        let odd = Path::new("/tmp/col:on/100%/psql");
        let var = Skip::new(me, None, 7).passed_on(odd);
        let next = Skip::new(me, Some(&var), 7);
        assert_eq!(next.depth, 1);
        assert_eq!(next.already_run, vec![odd.to_path_buf()]);
        // garbage never resets the depth
        let junk = Skip::new(me, Some(OsStr::new("x:y")), 7);
        assert_eq!(junk.depth, MAX_DEPTH);
    }

    #[test]
    fn debians_pg_wrapper_is_bypassed_for_the_newest_client() {
        let d = tempfile::tempdir().unwrap();
        let wrapper = exe(d.path(), "pg_wrapper");
        std::os::unix::fs::symlink(&wrapper, d.path().join("psql")).unwrap();
        let lib = d.path().join("lib");
        for v in ["13", "15", "9.6"] {
            std::fs::create_dir_all(lib.join(v).join("bin")).unwrap();
            exe(&lib.join(v).join("bin"), "psql");
        }
        std::fs::create_dir_all(lib.join("16/bin")).unwrap(); // no psql there
        let got = behind_pg_wrapper(&d.path().join("psql"), "psql", &lib).unwrap();
        assert_eq!(got, lib.join("15/bin/psql"));
        assert_eq!(
            behind_pg_wrapper(&lib.join("13/bin/psql"), "psql", &lib),
            None
        );
        assert_eq!(
            behind_pg_wrapper(&d.path().join("psql"), "pgcli", &lib),
            None
        );
    }

    #[test]
    fn depth_is_limited() {
        let me = Path::new("/nonexistent/vouch");
        let mut skip = Skip::new(me, None, 1);
        for pid in 2..2 + MAX_DEPTH {
            assert!(skip.check_depth(OsStr::new("psql")).is_ok());
            let var = skip.passed_on(Path::new("/w/psql"));
            skip = Skip::new(me, Some(&var), pid);
        }
        let e = skip.check_depth(OsStr::new("psql")).unwrap_err();
        assert!(e.message.contains("wrapper named psql"), "{e}");
    }

    #[test]
    fn missing_program_is_127() {
        let d = tempfile::tempdir().unwrap();
        let skip = Skip::new(Path::new("/nonexistent"), None, 1);
        let e = find_program(OsStr::new("psql"), Some(d.path().as_os_str()), &skip).unwrap_err();
        assert_eq!(e.code, ExitCode::ClientNotFound);
        assert!(e.message.starts_with("psql: command not found"), "{e}");
        let e = find_program(OsStr::new("./nope/psql"), None, &skip).unwrap_err();
        assert_eq!(e.code, ExitCode::ClientNotFound);
    }
}
