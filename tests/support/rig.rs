//! A test rig started by scripts/test.sh (PostgreSQL or MariaDB), read from
//! its rig.env, and running vouch against it: optionally in a private
//! mount namespace whose /etc/hosts maps the rig's RDS name to 127.0.0.1.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

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
        std::fs::write(
            &p,
            format!(
                "127.0.0.1 localhost\n127.0.0.1 {} db.example.test\n",
                self.name()
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
