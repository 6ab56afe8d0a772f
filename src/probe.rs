//! Which flavour a MySQL-family client binary is (Oracle MySQL or
//! MariaDB): asked once with `CLIENT --version`, then remembered in
//! `~/.cache/vouch/client-flavours` per binary (path, device, inode, size,
//! modification and change times), so later runs pay one `stat`.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::ca;
use crate::error::{Error, Result};
use crate::mysql::flavour::{self, FileStamp};
use crate::mysql::Flavour;
use crate::world::World;

const CACHE_FILE: &str = "client-flavours";
/// How long `--version` may take before vouch gives up on it.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

fn stamp_of(meta: &fs::Metadata) -> FileStamp {
    FileStamp {
        dev: meta.dev(),
        ino: meta.ino(),
        size: meta.size(),
        mtime_ns: meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128,
        ctime_ns: meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128,
    }
}

/// How a flavour was learned, for `--explain` and `-v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learned {
    Cache,
    Probe,
}

/// The flavour of the client at `program` (an absolute path to the real
/// binary), from the cache or by running it with `--version`.
///
/// `skip` is the value of [`crate::exec::SKIP_VAR`] vouch passes to the
/// client (`DEPTH:PID:PROGRAMS`): the probe runs the program with it, the
/// PID being the probe's own, so a wrapper script named like the client
/// that runs `exec vouch exec -- mysql "$@"` leads that inner vouch to the
/// real client instead of back to the wrapper.
pub fn client_flavour(program: &Path, skip: &str, world: &dyn World) -> Result<(Flavour, Learned)> {
    let real = fs::canonicalize(program).unwrap_or_else(|_| program.to_path_buf());
    let meta = fs::metadata(&real)
        .map_err(|e| Error::config(format!("cannot inspect {}: {e}", program.display())))?;
    let stamp = stamp_of(&meta);
    let key = real.to_string_lossy().into_owned();
    let cache_path = ca::cache_dir(world).ok().map(|d| d.join(CACHE_FILE));
    let cached = cache_path
        .as_deref()
        .and_then(|p| fs::read_to_string(p).ok())
        .unwrap_or_default();
    if let Some(f) = flavour::cache_lookup(&cached, &key, stamp) {
        return Ok((f, Learned::Cache));
    }
    let output = run_version(program, skip)?;
    let found = flavour::from_version_output(&output).ok_or_else(|| {
        let first = output.lines().next().unwrap_or("").trim();
        Error::config(format!(
            "cannot tell whether {} is Oracle MySQL's or MariaDB's client: `--version` printed {first:?}; vouch needs to know, as the two take different TLS and login flags",
            program.display()
        ))
    })?;
    if let Some(path) = cache_path {
        // Read again: the probe may itself have run a vouch (a wrapper
        // named like the client) that recorded the real client meanwhile.
        let now = fs::read_to_string(&path).unwrap_or_default();
        // A cache that cannot be written only costs the next run a probe.
        let _ = write_cache(&path, &flavour::cache_record(&now, &key, stamp, found));
    }
    Ok((found, Learned::Probe))
}

fn run_version(program: &Path, skip: &str) -> Result<String> {
    let fail = |what: String| {
        Error::config(format!(
            "cannot ask {} for its version: {what}",
            program.display()
        ))
    };
    // DEPTH:PID:PROGRAMS with the PID left to the shell, whose PID the
    // program keeps when the shell execs it.
    let mut parts = skip.splitn(3, ':');
    let depth = parts.next().unwrap_or("1");
    let _pid = parts.next();
    let programs = parts.next().unwrap_or("");
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "{}=\"$1:$$:$2\" exec \"$0\" --version",
            crate::exec::SKIP_VAR
        ))
        .arg(program)
        .arg(depth)
        .arg(programs)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Its own process group, so a timeout stops whatever it started.
        .process_group(0)
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = (&mut stdout).take(64 * 1024).read_to_end(&mut text);
        text
    });
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > PROBE_TIMEOUT => {
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(child.id() as i32),
                    nix::sys::signal::Signal::SIGKILL,
                );
                let _ = child.wait();
                return Err(fail(format!(
                    "`--version` did not finish in {} s",
                    PROBE_TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(fail(e.to_string())),
        }
    }
    let bytes = reader.join().unwrap_or_default();
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn write_cache(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    ca::private_dir(&dir)?;
    let tmp = dir.join(format!(".{CACHE_FILE}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        std::io::Write::write_all(&mut f, text.as_bytes())?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::config(format!("cannot write {}: {e}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::FakeWorld;
    use std::os::unix::fs::PermissionsExt;

    fn stand_in(dir: &Path, name: &str, version: &str) -> PathBuf {
        let p = dir.join(name);
        let count = dir.join(format!("{name}.runs"));
        fs::write(
            &p,
            format!(
                "#!/bin/sh\necho run >> '{}'\necho '{version}'\n",
                count.display()
            ),
        )
        .unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    fn runs(dir: &Path, name: &str) -> usize {
        fs::read_to_string(dir.join(format!("{name}.runs")))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    #[test]
    fn probed_once_then_cached_until_the_binary_changes() {
        let d = tempfile::tempdir().unwrap();
        let w = FakeWorld::new().var("XDG_CACHE_HOME", d.path().join("c").to_str().unwrap());
        let bin = stand_in(
            d.path(),
            "mysql",
            "mysql  Ver 8.4.3 for Linux on x86_64 (MySQL Community Server - GPL)",
        );
        let oracle = Flavour::Oracle { major: 8, minor: 4 };
        assert_eq!(
            client_flavour(&bin, "1:1:", &w).unwrap(),
            (oracle, Learned::Probe)
        );
        assert_eq!(
            client_flavour(&bin, "1:1:", &w).unwrap(),
            (oracle, Learned::Cache)
        );
        assert_eq!(runs(d.path(), "mysql"), 1);
        let cache = d.path().join("c/vouch/client-flavours");
        assert_eq!(
            fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // An upgrade (new contents) is probed again.
        std::thread::sleep(Duration::from_millis(20));
        stand_in(
            d.path(),
            "mysql",
            "mysql  Ver 15.1 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)",
        );
        assert_eq!(
            client_flavour(&bin, "1:1:", &w).unwrap(),
            (Flavour::MariaDb, Learned::Probe)
        );
    }

    #[test]
    fn unknown_output_is_a_clear_error() {
        let d = tempfile::tempdir().unwrap();
        let w = FakeWorld::new().var("XDG_CACHE_HOME", d.path().to_str().unwrap());
        let bin = stand_in(d.path(), "mysql", "frobnicator 2.0");
        let e = client_flavour(&bin, "1:1:", &w).unwrap_err();
        assert!(e.message.contains("\"frobnicator 2.0\""), "{}", e.message);
        assert!(e.message.contains("Oracle MySQL's or MariaDB's"));
    }

    #[test]
    fn an_unwritable_cache_still_answers() {
        let d = tempfile::tempdir().unwrap();
        let w = FakeWorld::new().var("XDG_CACHE_HOME", "/proc/vouch-no-such-dir");
        let bin = stand_in(
            d.path(),
            "mariadb",
            "mariadb  Ver 15.1 Distrib 10.11.19-MariaDB",
        );
        assert_eq!(
            client_flavour(&bin, "1:1:", &w).unwrap().0,
            Flavour::MariaDb
        );
    }
}
