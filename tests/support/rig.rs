//! A test rig started by scripts/test.sh (PostgreSQL or MariaDB), read from
//! its rig.env, and running vouch against it: optionally in a private
//! mount namespace whose /etc/hosts maps the rig's RDS name to 127.0.0.1.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use vouch::token::{rds_token, SigningKeys, TokenRequest};

use super::{missing, vouch_bin};

pub struct Rig {
    pub vars: HashMap<String, String>,
    pub home: tempfile::TempDir,
}

impl Rig {
    pub fn get(&self, k: &str) -> &str {
        self.vars
            .get(k)
            .unwrap_or_else(|| panic!("rig.env has no {k}"))
    }
    pub fn port(&self) -> &str {
        self.get("RIG_PORT")
    }
    pub fn name(&self) -> &str {
        self.get("RIG_HOST_NAME")
    }
    pub fn ca(&self) -> &str {
        self.get("RIG_CA")
    }
    /// `exec --ca-bundle RIG_CA -- psql -h RIG_HOST_NAME -p RIG_PORT -U app -d app REST...`
    pub fn psql_app(&self, rest: &[&str]) -> Vec<String> {
        let head = [
            "exec",
            "--ca-bundle",
            self.ca(),
            "--",
            "psql",
            "-h",
            self.name(),
            "-p",
            self.port(),
        ];
        head.iter()
            .chain(&["-U", "app", "-d", "app"])
            .chain(rest)
            .map(|s| s.to_string())
            .collect()
    }
    pub fn hosts_file(&self) -> PathBuf {
        let p = self.home.path().join("hosts");
        // The PostgreSQL rig also stands in for a Redshift cluster and workgroup.
        let redshift: Vec<&str> = ["RIG_REDSHIFT_CLUSTER_HOST", "RIG_REDSHIFT_WORKGROUP_HOST"]
            .iter()
            .filter_map(|k| self.vars.get(*k).map(String::as_str))
            .collect();
        std::fs::write(
            &p,
            format!(
                "127.0.0.1 localhost\n127.0.0.1 {} db.example.test {}\n",
                self.name(),
                redshift.join(" ")
            ),
        )
        .unwrap();
        p
    }
    /// A clean environment: PATH, HOME, a private cache, and the given
    /// credentials kind ("static" or "temporary").
    pub fn env(&self, creds: &str) -> Vec<(String, String)> {
        let mut env = vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), self.home.path().display().to_string()),
            (
                "XDG_CACHE_HOME".into(),
                self.home.path().join("cache").display().to_string(),
            ),
            ("AWS_CONFIG_FILE".into(), "/nonexistent".into()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), "/nonexistent".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ];
        let (id, secret, token) = match creds {
            "static" => ("RIG_AKID", "RIG_SECRET", None),
            _ => (
                "RIG_TEMP_AKID",
                "RIG_TEMP_SECRET",
                Some("RIG_TEMP_SESSION_TOKEN"),
            ),
        };
        env.push(("AWS_ACCESS_KEY_ID".into(), self.get(id).into()));
        env.push(("AWS_SECRET_ACCESS_KEY".into(), self.get(secret).into()));
        if let Some(t) = token {
            env.push(("AWS_SESSION_TOKEN".into(), self.get(t).into()));
        }
        env
    }
    /// [`Rig::env`] with static credentials whose secret key is wrong: the
    /// token vouch signs with it is one the server must refuse.
    pub fn env_with_wrong_secret(&self) -> Vec<(String, String)> {
        let mut env = self.env("static");
        for (k, v) in env.iter_mut() {
            if k == "AWS_SECRET_ACCESS_KEY" {
                *v = "wrongwrongwrongwrongwrongwrongwrongwrong".into();
            }
        }
        env
    }
    /// `vouch credential rds` for `host` at the rig's port, as `user`, with
    /// the given credentials kind: the token, printed with exactly one
    /// newline.
    pub fn credential_rds(&self, host: &str, user: &str, creds: &str) -> String {
        let out = run(vouch(
            self,
            &[
                "credential",
                "rds",
                "--hostname",
                host,
                "--port",
                self.port(),
                "--username",
                user,
                "--region",
                "us-east-1",
            ],
            &self.env(creds),
            false,
        ));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let s = text(&out.stdout);
        assert!(
            s.ends_with('\n') && !s.ends_with("\n\n"),
            "exactly one newline"
        );
        s.trim_end().to_string()
    }
    /// Tokens for 127.0.0.1 at the rig's port that the server must refuse,
    /// by what is wrong with them: `good` (a token for "app") with its last
    /// character changed, one for the user "other", and one for "app"
    /// signed 901 seconds ago (expired).
    pub fn refused_tokens(&self, good: &str) -> [(&'static str, String); 3] {
        let mut tampered = good.to_string();
        let last = tampered.pop().unwrap();
        tampered.push(if last == '0' { '1' } else { '0' });
        let other = self.credential_rds("127.0.0.1", "other", "static");
        let expired = rds_token(
            SigningKeys {
                access_key_id: self.get("RIG_AKID"),
                secret_access_key: self.get("RIG_SECRET"),
                session_token: None,
            },
            &TokenRequest {
                host: "127.0.0.1",
                port: self.port().parse().unwrap(),
                user: "app",
                region: "us-east-1",
            },
            SystemTime::now() - Duration::from_secs(901),
        )
        .unwrap();
        [
            ("tampered", tampered),
            ("other user's", other),
            ("expired", expired),
        ]
    }
}

impl Rig {
    /// The rig whose rig.env the variable `var` names; `None` (after
    /// [`missing`]) when it is not set.
    pub fn load(var: &str, what: &str) -> Option<Rig> {
        let Some(path) = std::env::var_os(var) else {
            missing(&format!("{what} ({var})"));
            return None;
        };
        let text = std::fs::read_to_string(&path).expect("VOUCH_RIG_ENV names a readable rig.env");
        let mut vars = HashMap::new();
        for line in text.lines() {
            let line = line.trim().trim_start_matches("export ");
            if let Some((k, v)) = line.split_once('=') {
                let v = v.trim_matches('\'').trim_matches('"');
                vars.insert(k.to_string(), v.to_string());
            }
        }
        Some(Rig {
            vars,
            home: tempfile::tempdir().unwrap(),
        })
    }
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// True as root, which the private /etc/hosts (unshare) needs; otherwise
/// false after [`missing`].
pub fn root_for_namespace() -> bool {
    if is_root() {
        return true;
    }
    missing("root (for a private /etc/hosts via unshare)");
    false
}

/// `need_rig!(LOAD)`: the rig that `LOAD` (an `Option<Rig>`, see
/// [`Rig::load`]) gives, when vouch may also run in the private mount
/// namespace (root, [`root_for_namespace`]); otherwise the test returns
/// there.
#[macro_export]
macro_rules! need_rig {
    ($load:expr) => {{
        let Some(rig) = $load.filter(|_| $crate::support::rig::root_for_namespace()) else {
            return;
        };
        rig
    }};
}

/// `vouch ARGS` with `env`, optionally in a mount namespace whose /etc/hosts
/// maps the rig's RDS name (and a CNAME-like alias) to 127.0.0.1.
pub fn vouch<S: AsRef<std::ffi::OsStr>>(
    rig: &Rig,
    args: &[S],
    env: &[(String, String)],
    hosts: bool,
) -> Command {
    let mut cmd = if hosts {
        let mut c = Command::new("unshare");
        c.args([
            "-m",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            "mount --bind \"$0\" /etc/hosts && exec \"$@\"",
        ])
        .arg(rig.hosts_file())
        .arg(vouch_bin());
        c
    } else {
        Command::new(vouch_bin())
    };
    cmd.args(args).env_clear().envs(env.iter().cloned());
    cmd
}

pub fn run(mut cmd: Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("run vouch")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Start `cmd` (vouch exec'ing a client that runs for a few seconds) and
/// watch `/proc/PID` while it runs. unshare -> sh -> vouch -> client, each
/// by execve: one PID throughout, so seeing the image `client_exe` under the
/// PID started proves no vouch process remains. While it is there: the
/// client's argv must not hold the token, and its environment must hand it
/// over in `password_var`. Returns the argv seen (NUL-separated) and the
/// client's output (stdout and stderr captured).
pub fn watch_client(mut cmd: Command, client_exe: &str, password_var: &str) -> (String, Output) {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vouch");
    let pid = child.id();
    let proc = PathBuf::from(format!("/proc/{pid}"));
    let password = format!("{password_var}=");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = None;
    while Instant::now() < deadline {
        let exe = std::fs::read_link(proc.join("exe")).unwrap_or_default();
        if exe.file_name().is_some_and(|n| n == client_exe) {
            let cmdline = text(&std::fs::read(proc.join("cmdline")).unwrap());
            let environ = std::fs::read(proc.join("environ")).unwrap();
            assert!(!cmdline.contains("X-Amz"), "token in argv: {cmdline}");
            assert!(
                !cmdline.contains("Action=connect"),
                "token in argv: {cmdline}"
            );
            // Right at execve the new image's environment may read empty
            // for a moment: look again until it shows.
            if environ.is_empty() {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            let environ = text(&environ);
            assert!(
                environ
                    .split('\0')
                    .any(|v| v.starts_with(&password) && v.contains("X-Amz-Signature=")),
                "the token is passed in {password_var} ({} bytes read)",
                environ.len()
            );
            seen = Some(cmdline);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let argv = seen.unwrap_or_else(|| panic!("never saw {client_exe} running under pid {pid}"));
    (argv, out)
}
