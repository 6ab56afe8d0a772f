//! Named targets: a database's connection defaults under a short name, in
//! the user's `config.toml` and in a project's `.vouch.toml`.
//!
//! ```toml
//! default = "prod"            # project file only: the target the shell hook uses
//!                             # (may be left out when the file names one target)
//! [targets.prod]
//! engine = "postgres"         # postgres | mysql
//! host = "mydb.cluster-abc123.us-east-1.rds.amazonaws.com"
//! port = 5432                 # optional: the engine's default
//! hostaddr = "127.0.0.1"      # optional, postgres only: connect here, check the certificate against host
//! user = "app"
//! dbname = "app"              # optional
//! region = "us-east-1"        # optional: else from the host name
//! iam-host = "..."            # optional: sign for this name (tunnels)
//! tls = "verify-full"         # optional, postgres only: verify-full (default) | verify-ca
//! ca-bundle = "certs/ca.pem"  # config.toml only: root certificates instead of the RDS bundle
//! cluster-id = "analytics"    # optional, postgres only: a Redshift cluster (when the host does not say)
//! workgroup = "wg1"           # optional, postgres only: a Redshift Serverless workgroup
//! ```
//!
//! A project file holds targets only: it cannot choose credentials, a CA
//! or run anything, and it is used only after `vouch allow` (see `trust`).
//! Values are checked when read; relative `ca-bundle` paths are relative
//! to the file's directory. Parsing is pure: the caller reads the file.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::config::{line_col, located};
use crate::error::{Error, Result};

/// The project file's name, looked for in the working directory and every
/// directory above it.
pub const PROJECT_FILE: &str = ".vouch.toml";

/// Which client family a target is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
        }
    }
    /// The client `vouch env --target` resolves as.
    pub fn default_client(self) -> &'static str {
        match self {
            Engine::Postgres => "psql",
            Engine::Mysql => "mysql",
        }
    }
}

/// How a PostgreSQL target checks the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    VerifyFull,
    VerifyCa,
}

impl TlsMode {
    pub fn sslmode(self) -> &'static str {
        match self {
            TlsMode::VerifyFull => "verify-full",
            TlsMode::VerifyCa => "verify-ca",
        }
    }
}

/// One named target, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub engine: Engine,
    pub host: String,
    /// libpq's hostaddr: the address to connect to (a tunnel), while the
    /// certificate is checked against `host`.
    pub hostaddr: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub dbname: Option<String>,
    pub region: Option<String>,
    pub iam_host: Option<String>,
    pub tls: Option<TlsMode>,
    pub ca_bundle: Option<PathBuf>,
    /// Redshift: the cluster or workgroup the host leads to.
    pub cluster_id: Option<String>,
    pub workgroup: Option<String>,
    /// The file it was read from.
    pub file: PathBuf,
}

/// The targets of one file, and (project files) the default one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub targets: BTreeMap<String, Target>,
    pub default: Option<String>,
}

impl Targets {
    /// The target the shell hook uses: `default`, else the only one.
    pub fn hook_target(&self, path: &Path) -> Result<&Target> {
        if let Some(d) = &self.default {
            return Ok(&self.targets[d]);
        }
        match self.targets.len() {
            1 => Ok(self.targets.values().next().expect("one target")),
            0 => Err(Error::config(format!(
                "{}: names no target; add a [targets.NAME] table",
                path.display()
            ))),
            _ => Err(Error::config(format!(
                "{}: names {} targets ({}); say which one the shell uses with default = \"NAME\"",
                path.display(),
                self.targets.len(),
                self.targets.keys().cloned().collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    default: Option<Spanned<String>>,
    #[serde(default)]
    targets: BTreeMap<Spanned<String>, RawTarget>,
}

/// In config.toml the other tables belong to `config`.
#[derive(Deserialize)]
struct RawConfigTargets {
    #[serde(default)]
    targets: BTreeMap<Spanned<String>, RawTarget>,
}

type Str = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTarget {
    engine: Option<Str>,
    host: Option<Str>,
    hostaddr: Option<Str>,
    port: Option<Spanned<i64>>,
    user: Option<Str>,
    dbname: Option<Str>,
    region: Option<Str>,
    iam_host: Option<Str>,
    tls: Option<Str>,
    ca_bundle: Option<Str>,
    cluster_id: Option<Str>,
    workgroup: Option<Str>,
}

/// Parse a project file's text (read from `path`).
pub fn parse_project(path: &Path, text: &str) -> Result<Targets> {
    let raw: RawProject = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    let cx = Cx {
        path,
        text,
        project: true,
    };
    let targets = cx.targets(raw.targets, None)?;
    let default = match raw.default {
        Some(d) if !targets.contains_key(d.get_ref()) => {
            return Err(cx.err(
                &d,
                format!(
                    "default = {:?} names no target of this file (it has: {})",
                    d.get_ref(),
                    targets.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ))
        }
        Some(d) => Some(d.into_inner()),
        None => None,
    };
    Ok(Targets { targets, default })
}

/// Parse the `[targets.NAME]` tables of config.toml (`home` expands `~/`).
pub fn parse_config(path: &Path, text: &str, home: Option<&Path>) -> Result<Targets> {
    let raw: RawConfigTargets = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    let cx = Cx {
        path,
        text,
        project: false,
    };
    Ok(Targets {
        targets: cx.targets(raw.targets, home)?,
        default: None,
    })
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> Error {
    let at = e.span().map(|s| line_col(text, s.start));
    Error::config(located(path, at, e.message().trim_end()))
}

/// A target name: what `--target` and `VOUCH_TARGET` take.
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a target name (1 to 64 letters, digits, '-', '_', '.')"
        ))
    }
}

struct Cx<'a> {
    path: &'a Path,
    text: &'a str,
    /// A project file (which may not choose a CA).
    project: bool,
}

impl Cx<'_> {
    fn err<T>(&self, at: &Spanned<T>, msg: impl AsRef<str>) -> Error {
        Error::config(located(
            self.path,
            Some(line_col(self.text, at.span().start)),
            msg.as_ref(),
        ))
    }

    fn targets(
        &self,
        raw: BTreeMap<Spanned<String>, RawTarget>,
        home: Option<&Path>,
    ) -> Result<BTreeMap<String, Target>> {
        let mut out = BTreeMap::new();
        for (name, t) in raw {
            check_name(name.get_ref()).map_err(|m| self.err(&name, m))?;
            let target = self.target(name.get_ref(), t, home)?;
            out.insert(name.into_inner(), target);
        }
        Ok(out)
    }

    /// A text value: no control characters (it ends up in the environment
    /// and in shell code), not empty.
    fn text(&self, s: &Str, key: &str) -> Result<String> {
        let v = s.get_ref();
        if v.is_empty() {
            return Err(self.err(s, format!("{key} is empty")));
        }
        if v.chars().any(char::is_control) {
            return Err(self.err(s, format!("{key} has a control character")));
        }
        Ok(v.clone())
    }

    fn target(&self, name: &str, t: RawTarget, home: Option<&Path>) -> Result<Target> {
        let need = |what: &str| {
            Error::config(located(
                self.path,
                None,
                &format!("[targets.{name}] needs {what}"),
            ))
        };
        let engine_raw = t
            .engine
            .as_ref()
            .ok_or_else(|| need("engine = \"postgres\" or \"mysql\""))?;
        let engine = match engine_raw.get_ref().as_str() {
            "postgres" | "postgresql" => Engine::Postgres,
            "mysql" | "mariadb" => Engine::Mysql,
            other => {
                return Err(self.err(
                    engine_raw,
                    format!("unknown engine {other:?}; expected \"postgres\" or \"mysql\""),
                ))
            }
        };
        let host_raw = t.host.as_ref().ok_or_else(|| need("host = \"...\""))?;
        let host = self.text(host_raw, "host")?;
        if !is_host_name(&host) {
            return Err(self.err(
                host_raw,
                format!("host {host:?} is not a DNS name or IP address (no port: use port = N)"),
            ));
        }
        let hostaddr = match &t.hostaddr {
            Some(raw) if engine == Engine::Mysql => {
                return Err(self.err(raw, "hostaddr is for postgres targets"))
            }
            Some(raw) => {
                let v = self.text(raw, "hostaddr")?;
                if v.parse::<std::net::IpAddr>().is_err() {
                    return Err(self.err(raw, format!("hostaddr {v:?} is not an IP address")));
                }
                Some(v)
            }
            None => None,
        };
        let port = match &t.port {
            Some(p) => Some(
                u16::try_from(*p.get_ref())
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| self.err(p, "port must be 1 to 65535"))?,
            ),
            None => None,
        };
        let opt = |s: &Option<Str>, key: &str| s.as_ref().map(|s| self.text(s, key)).transpose();
        let region = match &t.region {
            Some(r) => {
                let v = self.text(r, "region")?;
                if !crate::config::is_region(&v) {
                    return Err(self.err(
                        r,
                        format!("{v:?} is not an AWS region name (like eu-west-1)"),
                    ));
                }
                Some(v)
            }
            None => None,
        };
        let iam_host = match &t.iam_host {
            Some(h) => {
                let v = self.text(h, "iam-host")?;
                crate::target::parse_iam_host(&v, 5432).map_err(|e| self.err(h, e.message))?;
                Some(v)
            }
            None => None,
        };
        let tls = match &t.tls {
            Some(s) if engine == Engine::Mysql => {
                return Err(self.err(
                    s,
                    "tls is for postgres targets; MySQL clients check the server name unless iam-host is set",
                ))
            }
            Some(s) => Some(match s.get_ref().as_str() {
                "verify-full" => TlsMode::VerifyFull,
                "verify-ca" => TlsMode::VerifyCa,
                other => {
                    return Err(self.err(
                        s,
                        format!("tls = {other:?}: expected \"verify-full\" or \"verify-ca\" (vouch never sends a token without a checked certificate)"),
                    ))
                }
            }),
            None => None,
        };
        let ca_bundle = match &t.ca_bundle {
            // A CA decides which servers get the token; a project file
            // comes from a repository, and the CA file it names would not
            // be covered by `vouch allow`.
            Some(s) if self.project => {
                return Err(self.err(
                    s,
                    "ca-bundle cannot be set in a project file (a CA decides which servers get your token); define this target in your own config.toml, or pass --ca-bundle",
                ))
            }
            Some(s) => {
                let v = self.text(s, "ca-bundle")?;
                let dir = self.path.parent().unwrap_or(Path::new("/"));
                Some(match (v.strip_prefix("~/"), home) {
                    (Some(rest), Some(h)) => h.join(rest),
                    (Some(_), None) => {
                        return Err(self.err(s, "cannot expand ~: the home directory is unknown"))
                    }
                    (None, _) => dir.join(&v),
                })
            }
            None => None,
        };
        let redshift = |v: &Option<Str>, key: &str, ok: fn(&str) -> bool, rule: &str| {
            let Some(raw) = v else { return Ok(None) };
            if engine != Engine::Postgres {
                return Err(self.err(
                    raw,
                    format!("{key} is for Redshift, which postgres targets reach"),
                ));
            }
            let v = self.text(raw, key)?;
            if !ok(&v) {
                return Err(self.err(raw, format!("{key} = {v:?}: {rule}")));
            }
            Ok(Some(v))
        };
        // In a project file the cluster or workgroup would decide where a
        // password fetched for you is sent, with only a public certificate
        // for the host to check: the host must be the cluster's own name.
        if let (true, Some(raw)) = (self.project, t.cluster_id.as_ref().or(t.workgroup.as_ref())) {
            return Err(self.err(
                raw,
                "cluster-id and workgroup cannot be set in a project file (with them any host would get your Redshift password); use the cluster's or workgroup's own name as host (with hostaddr for a tunnel), or define this target in your own config.toml",
            ));
        }
        let cluster_id = redshift(
            &t.cluster_id,
            "cluster-id",
            crate::redshift::is_cluster_id,
            "a cluster identifier is 1 to 63 lowercase letters, digits and hyphens, starting with a letter",
        )?;
        let workgroup = redshift(
            &t.workgroup,
            "workgroup",
            crate::redshift::is_workgroup_name,
            "a workgroup name is 3 to 64 lowercase letters, digits and hyphens",
        )?;
        if let (Some(_), Some(w)) = (&cluster_id, &t.workgroup) {
            return Err(self.err(w, "give cluster-id or workgroup, not both"));
        }
        Ok(Target {
            name: name.to_string(),
            engine,
            host,
            hostaddr,
            port,
            user: opt(&t.user, "user")?,
            dbname: opt(&t.dbname, "dbname")?,
            region,
            iam_host,
            tls,
            ca_bundle,
            cluster_id,
            workgroup,
            file: self.path.to_path_buf(),
        })
    }
}

impl Target {
    /// What the target connects to, in one line: `postgres app@HOST:PORT
    /// db NAME`, and whatever changes how the token is signed or checked.
    pub fn summary(&self) -> String {
        let mut s = format!("{} ", self.engine.name());
        if let Some(u) = &self.user {
            s.push_str(&format!("{u}@"));
        }
        s.push_str(&self.host);
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        if let Some(a) = &self.hostaddr {
            s.push_str(&format!(" (connecting to {a})"));
        }
        if let Some(d) = &self.dbname {
            s.push_str(&format!(" db {d}"));
        }
        if let Some(r) = &self.region {
            s.push_str(&format!(", region {r}"));
        }
        if let Some(h) = &self.iam_host {
            s.push_str(&format!(", token signed for {h}"));
        }
        if let Some(t) = self.tls {
            s.push_str(&format!(", tls {}", t.sslmode()));
        }
        if let Some(c) = &self.ca_bundle {
            s.push_str(&format!(", CA {}", c.display()));
        }
        if let Some(c) = &self.cluster_id {
            s.push_str(&format!(", Redshift cluster {c}"));
        }
        if let Some(w) = &self.workgroup {
            s.push_str(&format!(", Redshift Serverless workgroup {w}"));
        }
        s
    }
}

fn is_host_name(h: &str) -> bool {
    if h.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let h = h.strip_suffix('.').unwrap_or(h);
    !h.is_empty()
        && h.len() <= 253
        && h.split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// An absolute path without `.` or `..` components (what a shell keeps in
/// `$PWD`).
pub fn is_clean_absolute(p: &Path) -> bool {
    let b = p.as_os_str().as_encoded_bytes();
    b.starts_with(b"/") && b.split(|c| *c == b'/').all(|c| c != b"." && c != b"..")
}

/// `p` with `.` and `..` components worked out by name, as a shell's `cd`
/// does (symbolic links are not resolved).
pub fn clean_path(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The project file that applies in `dir`: `.vouch.toml` there or in the
/// nearest directory above it. `is_file` is the file-system probe.
pub fn find_project(dir: &Path, is_file: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    let mut d = Some(dir);
    while let Some(here) = d {
        let candidate = here.join(PROJECT_FILE);
        if is_file(&candidate) {
            return Some(candidate);
        }
        d = here.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/w/app/.vouch.toml";

    fn project(text: &str) -> Result<Targets> {
        parse_project(Path::new(P), text)
    }

    #[test]
    fn a_full_target() {
        let t = project(
            r#"
default = "prod"
[targets.prod]
engine = "postgres"
host = "mydb.cluster-abc123.us-east-1.rds.amazonaws.com"
port = 5433
user = "app"
dbname = "app db"
region = "us-east-1"
iam-host = "mydb.cluster-abc123.us-east-1.rds.amazonaws.com:5432"
tls = "verify-ca"
[targets.reports]
engine = "mysql"
host = "10.0.0.5"
user = "r"
"#,
        )
        .unwrap();
        let p = &t.targets["prod"];
        assert_eq!(p.engine, Engine::Postgres);
        assert_eq!(p.port, Some(5433));
        assert_eq!(p.dbname.as_deref(), Some("app db"));
        assert_eq!(p.tls, Some(TlsMode::VerifyCa));
        assert_eq!(
            p.summary(),
            "postgres app@mydb.cluster-abc123.us-east-1.rds.amazonaws.com:5433 db app db, region us-east-1, token signed for mydb.cluster-abc123.us-east-1.rds.amazonaws.com:5432, tls verify-ca"
        );
        assert_eq!(t.hook_target(Path::new(P)).unwrap().name, "prod");
        assert_eq!(t.targets["reports"].engine, Engine::Mysql);
    }

    #[test]
    fn errors_name_the_place_and_the_fix() {
        let cases = [
            ("[targets.a]\nhost = \"h\"\n", "[targets.a] needs engine"),
            (
                "[targets.a]\nengine = \"oracle\"\nhost = \"h\"\n",
                ":2:10: unknown engine \"oracle\"",
            ),
            ("[targets.a]\nengine = \"mysql\"\n", "needs host"),
            (
                "[targets.a]\nengine = \"mysql\"\nhost = \"h:3306\"\n",
                "is not a DNS name",
            ),
            (
                "[targets.a]\nengine = \"mysql\"\nhost = \"h\"\nport = 70000\n",
                "port must be 1 to 65535",
            ),
            (
                "[targets.a]\nengine = \"mysql\"\nhost = \"h\"\ntls = \"verify-ca\"\n",
                "tls is for postgres",
            ),
            (
                "[targets.a]\nengine = \"postgres\"\nhost = \"h\"\ntls = \"require\"\n",
                "expected \"verify-full\"",
            ),
            (
                "[targets.a]\nengine = \"postgres\"\nhost = \"h\"\nuser = \"a\\nb\"\n",
                "user has a control character",
            ),
            (
                "[targets.a]\nengine = \"postgres\"\nhost = \"h\"\npassword = \"x\"\n",
                "unknown field `password`",
            ),
            (
                "[targets.\"a b\"]\nengine = \"postgres\"\nhost = \"h\"\n",
                "is not a target name",
            ),
            ("source = \"aws-profile\"\n", "unknown field `source`"),
            (
                "default = \"x\"\n[targets.a]\nengine = \"postgres\"\nhost = \"h\"\n",
                "names no target of this file",
            ),
            (
                "[targets.a]\nengine = \"postgres\"\nhost = \"h\"\nregion = \"mars\"\n",
                "not an AWS region",
            ),
            (
                "[targets.a]\nengine = \"postgres\"\nhost = \"h\"\nhostaddr = \"localhost\"\n",
                "hostaddr \"localhost\" is not an IP address",
            ),
            (
                "[targets.a]\nengine = \"postgres\"\nhost = \"h\"\ncluster-id = \"dw\"\n",
                "cluster-id and workgroup cannot be set in a project file",
            ),
            (
                "[targets.a]\nengine = \"postgres\"\nhost = \"h\"\nca-bundle = \"ca.pem\"\n",
                ":4:13: ca-bundle cannot be set in a project file",
            ),
        ];
        for (text, want) in cases {
            let e = project(text).expect_err(text);
            assert!(e.message.contains(want), "{text:?}: {}", e.message);
            assert!(e.message.starts_with(P), "{}", e.message);
        }
    }

    #[test]
    fn the_hook_target_needs_a_default_when_there_are_several() {
        let two = "[targets.a]\nengine = \"postgres\"\nhost = \"h\"\n[targets.b]\nengine = \"postgres\"\nhost = \"h\"\n";
        let e = project(two).unwrap().hook_target(Path::new(P)).unwrap_err();
        assert!(e.message.contains("default = \"NAME\""), "{}", e.message);
        let e = project("").unwrap().hook_target(Path::new(P)).unwrap_err();
        assert!(e.message.contains("names no target"), "{}", e.message);
    }

    #[test]
    fn redshift_keys_in_config_toml() {
        let cfg = |text: &str| parse_config(Path::new("/h/config.toml"), text, None);
        let ok =
            cfg("[targets.a]\nengine = \"postgres\"\nhost = \"h\"\ncluster-id = \"dw\"\n").unwrap();
        assert_eq!(ok.targets["a"].cluster_id.as_deref(), Some("dw"));
        for (text, want) in [
            (
                "[targets.a]\nengine = \"mysql\"\nhost = \"h\"\ncluster-id = \"dw\"\n",
                "cluster-id is for Redshift",
            ),
            (
                "[targets.a]\nengine = \"postgres\"\nhost = \"h\"\nworkgroup = \"W\"\n",
                "a workgroup name is",
            ),
            (
                "[targets.a]\nengine = \"postgres\"\nhost = \"h\"\ncluster-id = \"dw\"\nworkgroup = \"wg1\"\n",
                "not both",
            ),
        ] {
            let e = cfg(text).expect_err(text);
            assert!(e.message.contains(want), "{text:?}: {}", e.message);
        }
    }

    #[test]
    fn config_targets_ignore_the_other_tables() {
        let t = parse_config(
            Path::new("/h/.config/vouch/config.toml"),
            "source = \"aws-profile\"\n[targets.db]\nengine = \"mysql\"\nhost = \"h\"\nca-bundle = \"~/ca.pem\"\n",
            Some(Path::new("/h")),
        )
        .unwrap();
        assert_eq!(
            t.targets["db"].ca_bundle.as_deref(),
            Some(Path::new("/h/ca.pem"))
        );
        let t = parse_config(
            Path::new("/h/.config/vouch/config.toml"),
            "[targets.db]\nengine = \"mysql\"\nhost = \"h\"\nca-bundle = \"certs/ca.pem\"\n",
            None,
        )
        .unwrap();
        assert_eq!(
            t.targets["db"].ca_bundle.as_deref(),
            Some(Path::new("/h/.config/vouch/certs/ca.pem"))
        );
    }

    #[test]
    fn the_nearest_project_file_wins() {
        let files = ["/w/.vouch.toml", "/w/app/.vouch.toml"];
        let is_file = |p: &Path| files.iter().any(|f| Path::new(f) == p);
        assert_eq!(
            find_project(Path::new("/w/app/src/x"), &is_file).as_deref(),
            Some(Path::new("/w/app/.vouch.toml"))
        );
        assert_eq!(
            find_project(Path::new("/w/lib"), &is_file).as_deref(),
            Some(Path::new("/w/.vouch.toml"))
        );
        assert_eq!(find_project(Path::new("/other"), &is_file), None);
    }

    #[test]
    fn paths_by_name() {
        assert!(is_clean_absolute(Path::new("/w/app")));
        assert!(is_clean_absolute(Path::new("/")));
        for p in ["w/app", "/w/../app", "/w/./app", "/w/.", ""] {
            assert!(!is_clean_absolute(Path::new(p)), "{p}");
        }
        assert_eq!(
            clean_path(Path::new("/w/app/../lib/./x")),
            Path::new("/w/lib/x")
        );
        assert_eq!(clean_path(Path::new("/../..")), Path::new("/"));
    }
}
