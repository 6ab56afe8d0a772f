//! `vouch login` with the yubikey source and no YubiKey: exit 3, quickly,
//! with a message that says what to do. Where pcscd runs (with no reader,
//! as in CI), vouch waits `--timeout` seconds and says "no YubiKey found";
//! where it does not, it says at once that pcscd is not running. Both are
//! exit 3. Ctrl-C while waiting exits 130.

use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::vouch_bin;

const TA: &str = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/0a1b2c3d-0000-4000-8000-000000000001";
const PROFILE: &str =
    "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/0a1b2c3d-0000-4000-8000-000000000002";
const ROLE: &str = "arn:aws:iam::111122223333:role/db-login";

fn login(home: &std::path::Path, timeout: &str) -> Command {
    let mut cmd = Command::new(vouch_bin());
    cmd.args([
        "login",
        "--source",
        "yubikey",
        "--trust-anchor-arn",
        TA,
        "--profile-arn",
        PROFILE,
        "--role-arn",
        ROLE,
        "--timeout",
        timeout,
    ])
    .env_clear()
    .env("PATH", std::env::var("PATH").unwrap_or_default())
    .env("HOME", home)
    .env("AWS_CONFIG_FILE", "/nonexistent")
    .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    .env("AWS_EC2_METADATA_DISABLED", "true")
    .stdin(Stdio::null());
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A YubiKey is plugged in here: the "absent" tests cannot run.
fn key_present(err: &str) -> bool {
    !err.contains("no YubiKey found") && !err.contains("(pcscd)")
}

#[test]
fn no_yubikey_exits_3_after_the_timeout() {
    let home = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let out = login(home.path(), "1").output().unwrap();
    let took = start.elapsed();
    let err = stderr(&out);
    if key_present(&err) {
        eprintln!("\n*** SKIPPED: a YubiKey seems to be plugged in: {err} ***\n");
        return;
    }
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(out.stdout.is_empty());
    assert!(took < Duration::from_secs(10), "took {took:?}");
    if err.contains("(pcscd)") {
        // pcscd is not running: said at once, with how to start it.
        assert!(
            err.starts_with("vouch: the PC/SC smart card service (pcscd)"),
            "{err}"
        );
        assert!(err.contains("is not running"), "{err}");
        assert!(err.contains("systemctl enable --now pcscd.socket"), "{err}");
        assert!(!err.contains("insert your YubiKey"), "{err}");
    } else {
        // pcscd runs, no reader or no YubiKey in one: waits 1 s, asked once.
        assert!(took >= Duration::from_millis(900), "took {took:?}");
        assert_eq!(
            err.matches("vouch: insert your YubiKey...").count(),
            1,
            "{err}"
        );
        assert!(
            err.contains("vouch: no YubiKey found (waited 1 s)"),
            "{err}"
        );
        assert!(err.contains("--timeout SECONDS"), "{err}");
    }
    // Nothing was cached (a lock file may be there).
    let sessions = home.path().join(".cache/vouch/sessions");
    let cached = std::fs::read_dir(&sessions)
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".json"))
            })
            .count()
        })
        .unwrap_or(0);
    assert_eq!(cached, 0);
}

#[test]
fn no_wait_with_timeout_0() {
    let home = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let out = login(home.path(), "0").output().unwrap();
    let err = stderr(&out);
    if key_present(&err) {
        eprintln!("\n*** SKIPPED: a YubiKey seems to be plugged in ***\n");
        return;
    }
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(!err.contains("insert your YubiKey"), "{err}");
}

#[test]
fn ctrl_c_while_waiting_exits_130() {
    let home = tempfile::tempdir().unwrap();
    let mut child: Child = login(home.path(), "30")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for "insert your YubiKey..." (pcscd runs) or the end (it does not).
    let mut err_pipe = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n = err_pipe.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if String::from_utf8_lossy(&seen).contains("insert your YubiKey") {
            break;
        }
        assert!(Instant::now() < deadline, "no output from vouch");
    }
    let text = String::from_utf8_lossy(&seen).into_owned();
    if !text.contains("insert your YubiKey") {
        let status = child.wait().unwrap();
        if key_present(&text) {
            eprintln!("\n*** SKIPPED: a YubiKey seems to be plugged in ***\n");
            return;
        }
        // pcscd is not running here: vouch did not wait, nothing to interrupt.
        assert_eq!(status.code(), Some(3), "{text}");
        eprintln!("(pcscd not running: Ctrl-C while waiting not exercised)");
        return;
    }
    let start = Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let mut rest = String::new();
    err_pipe.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(status.code(), Some(130), "{text}{rest}");
    assert!(rest.contains("vouch: interrupted"), "{rest}");
}
