//! A temporary home with stand-in clients on PATH that record the argv and
//! environment they were given, for testing vouch without a database.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::vouch_bin;

pub const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A temp home with a stand-in client on PATH.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub vars: Vec<(String, String)>,
}

impl Env {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let record = dir.path().join("record");
        for name in ["psql", "pg_dump", "pgbench", "pgcli"] {
            let script = format!(
                "#!/bin/sh\n{{ printf 'argv:'; for a in \"$0\" \"$@\"; do printf ' [%s]' \"$a\"; done; echo; env | sort; }} > '{}'\n[ -n \"$FAKE_CHANGE_SERVICE\" ] && echo \"$FAKE_CHANGE_SERVICE\" > \"$HOME/.pg_service.conf\"\n[ -n \"$PGSERVICEFILE\" ] && cat \"$PGSERVICEFILE\" > '{}.service'\nexit ${{FAKE_EXIT:-0}}\n",
                record.display(),
                record.display()
            );
            let p = bin.join(name);
            std::fs::write(&p, script).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let vars = vec![
            (
                "PATH".to_string(),
                format!("{}:/usr/bin:/bin", bin.display()),
            ),
            ("HOME".to_string(), dir.path().display().to_string()),
            (
                "AWS_CONFIG_FILE".to_string(),
                dir.path().join("aws-config").display().to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_string(),
                dir.path().join("aws-credentials").display().to_string(),
            ),
            ("AWS_ACCESS_KEY_ID".to_string(), AKID.to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), SECRET.to_string()),
            // Never ask the EC2 instance-metadata address for credentials.
            ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
        ];
        Env { dir, vars }
    }
    pub fn set(mut self, k: &str, v: &str) -> Self {
        self.vars.retain(|(n, _)| n != k);
        self.vars.push((k.into(), v.into()));
        self
    }
    pub fn unset(mut self, k: &str) -> Self {
        self.vars.retain(|(n, _)| n != k);
        self
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn vouch(&self, args: &[&str]) -> Output {
        Command::new(vouch_bin())
            .args(args)
            .env_clear()
            .envs(self.vars.iter().cloned())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
    /// Put a `psql` wrapper script (`body` after the shebang) first on PATH.
    pub fn with_psql_wrapper(self, body: &str) -> (Self, PathBuf) {
        self.with_wrapper("psql", body)
    }
    /// Put a wrapper script `name` (`body` after the shebang) first on PATH.
    pub fn with_wrapper(self, name: &str, body: &str) -> (Self, PathBuf) {
        let wrap = self.path().join("wrap");
        std::fs::create_dir_all(&wrap).unwrap();
        let wrapper = wrap.join(name);
        std::fs::write(&wrapper, format!("#!/bin/sh\n{body}")).unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!(
            "{}:{}/bin:/usr/bin:/bin",
            wrap.display(),
            self.path().display()
        );
        (self.set("PATH", &path), wrapper)
    }
    /// Run `program ARGS` in this environment, killed after `seconds`.
    pub fn run_with_timeout(&self, seconds: u32, program: &Path, args: &[&str]) -> Output {
        Command::new("timeout")
            .arg(seconds.to_string())
            .arg(program)
            .args(args)
            .env_clear()
            .envs(self.vars.iter().cloned())
            .output()
            .unwrap()
    }
    /// A PEM file with one (dummy) certificate block, for --ca-bundle.
    pub fn fake_ca(&self, name: &str) -> PathBuf {
        let ca = self.path().join(name);
        std::fs::write(
            &ca,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        ca
    }
    /// What the stand-in client recorded, if it ran.
    pub fn record(&self) -> Option<String> {
        std::fs::read_to_string(self.path().join("record")).ok()
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn env_value(record: &str, name: &str) -> Option<String> {
    record
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")).map(str::to_string))
}

impl Env {
    /// Add a MySQL-family stand-in `name` that answers `--version` with
    /// `version` (counting those calls in `record.version-runs`) and
    /// otherwise records its argv and environment, plus the option file
    /// named by a `--defaults-extra-file=`/`--defaults-file=` argument (its
    /// mode and text) in `record.optfile`.
    pub fn with_my_client(self, name: &str, version: &str) -> Self {
        let record = self.path().join("record");
        let r = record.display();
        let script = format!(
            r#"#!/bin/sh
if [ "$1" = --version ]; then echo x >> '{r}.version-runs'; echo '{version}'; exit 0; fi
{{ printf 'argv:'; for a in "$0" "$@"; do printf ' [%s]' "$a"; done; echo; env | sort; }} > '{r}'
for a in "$@"; do
  case "$a" in
    --defaults-extra-file=*|--defaults-file=*) f="${{a#*=}}"; {{ echo "arg: $a"; stat -L -c 'mode: %a' "$f"; cat "$f"; }} > '{r}.optfile' ;;
  esac
done
exit ${{FAKE_EXIT:-0}}
"#
        );
        let p = self.path().join("bin").join(name);
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        self
    }

    /// How often a stand-in was asked for its version.
    pub fn version_runs(&self) -> usize {
        std::fs::read_to_string(self.path().join("record.version-runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    /// The option file a stand-in was given, as it read it.
    pub fn optfile(&self) -> Option<String> {
        std::fs::read_to_string(self.path().join("record.optfile")).ok()
    }
}

/// The argv a stand-in recorded: each `[...]` item of its `argv:` line.
pub fn argv_of(record: &str) -> Vec<String> {
    let line = record
        .lines()
        .find_map(|l| l.strip_prefix("argv: "))
        .unwrap_or("");
    line.strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .map(|l| l.split("] [").map(str::to_string).collect())
        .unwrap_or_default()
}
