//! The session cache across real processes: 20 `vouch exec`-like processes
//! that find the session expired at the same moment make exactly one
//! refresh and all use its credentials; a writer killed at any point never
//! leaves a file that a reader sees half-written.
//!
//! The processes are this test binary itself, re-run with `CHILD_VAR` set
//! to choose a child role (`child_refresh`, `child_writer`); run normally,
//! those two tests do nothing.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use vouch::credentials::{Credentials, Secret};
use vouch::session::{Cache, CacheKey, Session, DEFAULT_SAFETY_WINDOW};

/// The child role: `refresh` or `writer`.
const CHILD_VAR: &str = "VOUCH_SESSION_TEST_CHILD";
/// The test's temp dir (the cache is `DIR/sessions`).
const DIR_VAR: &str = "VOUCH_SESSION_TEST_DIR";

fn key() -> CacheKey {
    CacheKey::from_parts(&[("test", "session_cache")])
}

fn session(akid: &str, life: Duration, identity: String) -> Session {
    Session::new(
        Credentials {
            access_key_id: akid.to_owned(),
            secret_access_key: Secret::new(format!("secret-{akid}")),
            session_token: Some(Secret::new(format!("token-{akid}"))),
            expires_at: Some(SystemTime::now() + life),
        },
        "test refresh",
        identity,
        false,
    )
    .unwrap()
}

/// Starts `test` (a function of this module) in a child process of this
/// test binary with `role` and `dir`.
fn spawn_child(test: &str, role: &str, dir: &Path) -> Child {
    let full: Vec<&str> = module_path!().split("::").skip(1).chain([test]).collect();
    Command::new(std::env::current_exe().unwrap())
        .args([
            full.join("::").as_str(),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, role)
        .env(DIR_VAR, dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn child_role() -> Option<(String, PathBuf)> {
    let role = std::env::var(CHILD_VAR).ok()?;
    let dir = PathBuf::from(std::env::var_os(DIR_VAR).expect("the test dir"));
    Some((role, dir))
}

/// Child role `refresh`: say it is ready, wait for the start signal, then
/// `get_or_refresh` with a refresh that counts itself (one line in
/// `DIR/refreshes`) and takes 200 ms; write what it got to `DIR/got.PID`.
#[test]
fn child_refresh() {
    let Some((role, dir)) = child_role() else {
        return;
    };
    assert_eq!(role, "refresh");
    let cache = Cache::at(&dir.join("sessions")).unwrap();
    fs::write(dir.join(format!("ready.{}", std::process::id())), "").unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !dir.join("go").exists() {
        assert!(Instant::now() < deadline, "no start signal");
        std::thread::sleep(Duration::from_millis(2));
    }
    let s = cache
        .get_or_refresh(&key(), SystemTime::now(), DEFAULT_SAFETY_WINDOW, || {
            let mut f = fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(dir.join("refreshes"))
                .unwrap();
            writeln!(f, "{}", std::process::id()).unwrap();
            std::thread::sleep(Duration::from_millis(200));
            let akid = format!("ASIAREFRESH{}", std::process::id());
            Ok(session(&akid, Duration::from_secs(3600), "CN=child".into()))
        })
        .unwrap();
    assert!(cache.take_warnings().is_empty());
    let got = format!(
        "{} {} {}",
        s.credentials.access_key_id,
        s.credentials.secret_access_key.expose(),
        s.credentials.session_token.as_ref().unwrap().expose()
    );
    fs::write(dir.join(format!("got.{}", std::process::id())), got).unwrap();
}

#[test]
fn twenty_processes_one_refresh() {
    if child_role().is_some() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let cache = Cache::at(&d.path().join("sessions")).unwrap();
    // An expired session is there (as after a night's sleep).
    let mut old = session("ASIAOLD", Duration::from_secs(1), "CN=old".into());
    old.credentials.expires_at = Some(SystemTime::now() - Duration::from_secs(10));
    cache.put(&key(), &old).unwrap();

    let children: Vec<Child> = (0..20)
        .map(|_| spawn_child("child_refresh", "refresh", d.path()))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let ready = fs::read_dir(d.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("ready.")
            })
            .count();
        if ready == 20 {
            break;
        }
        assert!(Instant::now() < deadline, "only {ready} children started");
        std::thread::sleep(Duration::from_millis(5));
    }
    fs::write(d.path().join("go"), "").unwrap();

    let mut got = Vec::new();
    for c in children {
        let c_pid = c.id();
        let out = c.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "a child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pid = c_pid;
        got.push(fs::read_to_string(d.path().join(format!("got.{pid}"))).unwrap());
    }
    let refreshes = fs::read_to_string(d.path().join("refreshes")).unwrap();
    assert_eq!(
        refreshes.lines().count(),
        1,
        "exactly one process refreshes; these did: {refreshes}"
    );
    let refresher = refreshes.trim();
    let expected = format!(
        "ASIAREFRESH{refresher} secret-ASIAREFRESH{refresher} token-ASIAREFRESH{refresher}"
    );
    assert_eq!(got.len(), 20);
    assert!(
        got.iter().all(|g| *g == expected),
        "all 20 use the one new session: {got:#?}"
    );
    let cached = cache
        .get(&key(), SystemTime::now(), DEFAULT_SAFETY_WINDOW)
        .unwrap();
    assert_eq!(
        cached.credentials.access_key_id,
        format!("ASIAREFRESH{refresher}")
    );
    assert!(cache.take_warnings().is_empty());
}

/// The identity written with session number `n`: large enough (40 KB) that
/// a write takes a while, and checkable against the access key id.
fn big_identity(n: u64) -> String {
    let unit = format!("n={n};");
    unit.repeat(40_000 / unit.len())
}

/// Child role `writer`: write sessions 1, 2, 3, ... as fast as it can until
/// killed, saying in `DIR/written` how far it got.
#[test]
fn child_writer() {
    let Some((role, dir)) = child_role() else {
        return;
    };
    assert_eq!(role, "writer");
    let cache = Cache::at(&dir.join("sessions")).unwrap();
    for n in written(&dir) + 1.. {
        let akid = format!("ASIAWRITE{n}");
        cache
            .put(
                &key(),
                &session(&akid, Duration::from_secs(3600), big_identity(n)),
            )
            .unwrap();
        // (itself replaced atomically, so a kill never leaves it empty)
        fs::write(dir.join("written.tmp"), n.to_string()).unwrap();
        fs::rename(dir.join("written.tmp"), dir.join("written")).unwrap();
    }
}

/// Is `s` whole: one session's fields, all of the same write?
fn check_whole(s: &Session) {
    let n: u64 = s
        .credentials
        .access_key_id
        .strip_prefix("ASIAWRITE")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected key id {}", s.credentials.access_key_id));
    assert_eq!(
        s.credentials.secret_access_key.expose(),
        format!("secret-ASIAWRITE{n}")
    );
    assert!(s.identity == big_identity(n), "identity of write {n} torn");
}

/// How many sessions the writers have written (as they say).
fn written(dir: &Path) -> u64 {
    fs::read_to_string(dir.join("written"))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn killed_writers_never_leave_a_torn_session() {
    if child_role().is_some() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let cache = Cache::at(&d.path().join("sessions")).unwrap();
    let mut reads = 0u64;
    let mut seen = std::collections::BTreeSet::new();
    // Kill the writer at different moments, eight times, reading all along.
    for round in 0..8u64 {
        let before = written(d.path());
        let mut writer = spawn_child("child_writer", "writer", d.path());
        // Once it is writing (however slowly it started), let it go on for
        // 20 to 125 ms more, then kill it.
        let started = Instant::now();
        let mut kill_at = None;
        while kill_at.is_none_or(|k| Instant::now() < k) {
            if kill_at.is_none() && written(d.path()) > before {
                kill_at = Some(Instant::now() + Duration::from_millis(20 + 15 * round));
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the writer never wrote"
            );
            if let Some(s) = cache.get(&key(), SystemTime::now(), DEFAULT_SAFETY_WINDOW) {
                check_whole(&s);
                seen.insert(s.credentials.access_key_id.clone());
                reads += 1;
            }
            let w = cache.take_warnings();
            assert!(w.is_empty(), "a reader saw a bad file: {w:?}");
        }
        writer.kill().unwrap(); // SIGKILL, wherever it is
        let status = writer.wait().unwrap();
        assert!(!status.success());
        // What is left is a whole session (the last complete write).
        if let Some(s) = cache.get(&key(), SystemTime::now(), DEFAULT_SAFETY_WINDOW) {
            check_whole(&s);
        }
        assert!(cache.take_warnings().is_empty());
    }
    let written = written(d.path());
    assert!(written >= 8, "the writers wrote {written} sessions");
    assert!(reads > 0 && seen.len() > 1, "{reads} reads saw {seen:?}");
    // A leftover temporary file (a writer killed between create and
    // rename) is never read and goes at the next write.
    cache
        .put(
            &key(),
            &session("ASIAWRITE0", Duration::from_secs(3600), big_identity(0)),
        )
        .unwrap();
    let names: Vec<String> = fs::read_dir(d.path().join("sessions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(".tmp")),
        "left over: {names:?}"
    );
}
