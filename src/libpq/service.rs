//! The connection service file, as libpq's `parseServiceInfo` and
//! `parseServiceFile` read it: the named service is looked up in
//! `PGSERVICEFILE` (which must exist) or else `~/.pg_service.conf` (if it
//! exists), and only if the service is not there, in
//! `PGSYSCONFDIR/pg_service.conf` (if it exists; the default directory is
//! the Debian sysconfdir, /etc/postgresql-common).
//!
//! The format is libpq's, not a general INI dialect: lines are trimmed,
//! `#` starts a comment line, `[name]` opens a group, and inside the
//! wanted group each line is `key=value` split at the first `=` with
//! nothing trimmed around it (so `host = x` is an error, as in libpq).

use std::io::ErrorKind;
use std::path::PathBuf;

use super::conninfo::{self, is_c_space};
use crate::error::{Error, Result};
use crate::world::World;

/// libpq's compiled-in SYSCONFDIR on Debian (`pg_config --sysconfdir`).
pub(crate) const DEFAULT_SYSCONFDIR: &str = "/etc/postgresql-common";

/// libpq reads service files with `fgets` into a 1024-byte buffer and
/// rejects a line that fills it.
const MAX_LINE: usize = 1023;

/// The service's settings, in file order, and the file they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceEntry {
    pub file: PathBuf,
    pub settings: Vec<(&'static str, String)>,
    /// The whole text of `file` as read.
    pub text: String,
}

/// The files libpq searches, in order, and whether each must exist.
pub(crate) fn candidate_files(world: &dyn World) -> Vec<(PathBuf, bool)> {
    let mut files = Vec::new();
    match world.var("PGSERVICEFILE") {
        // libpq checks that only the home file exists before opening it.
        Some(f) => files.push((PathBuf::from(f), true)),
        None => {
            if let Some(home) = world.home() {
                files.push((home.join(".pg_service.conf"), false));
            }
        }
    }
    let sysconf = world
        .var("PGSYSCONFDIR")
        .unwrap_or_else(|| DEFAULT_SYSCONFDIR.to_string());
    // libpq builds this with "%s/pg_service.conf", even for an empty dir.
    files.push((PathBuf::from(format!("{sysconf}/pg_service.conf")), false));
    files
}

/// Find service `name`; an unknown service is an error, as in libpq.
pub(crate) fn lookup(name: &str, world: &dyn World) -> Result<ServiceEntry> {
    let files = candidate_files(world);
    for (file, required) in &files {
        let text = match world.read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound && *required => {
                return Err(Error::config(format!(
                    "service file {} (PGSERVICEFILE) not found; create it or unset PGSERVICEFILE",
                    file.display()
                )))
            }
            // An absent file is skipped; a directory reads as empty.
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::IsADirectory) => continue,
            Err(e) => {
                let message = format!(
                    "cannot read service file {}: {e}; fix its permissions or point PGSERVICEFILE elsewhere",
                    file.display()
                );
                return Err(if e.kind() == ErrorKind::PermissionDenied {
                    Error::denied(message)
                } else {
                    Error::config(message)
                });
            }
        };
        if let Some(settings) = parse_file(&text, name, file)? {
            return Ok(ServiceEntry {
                file: file.clone(),
                settings,
                text,
            });
        }
    }
    let searched: Vec<String> = files.iter().map(|(f, _)| f.display().to_string()).collect();
    Err(Error::config(format!(
        "definition of service {name:?} not found (searched {}); add a [{name}] section or fix PGSERVICE/service=",
        searched.join(", ")
    )))
}

/// The settings of group `name` in one file, or `None` if the file has no
/// such group. Only the wanted group's lines are checked, as in libpq.
fn parse_file(
    text: &str,
    name: &str,
    file: &std::path::Path,
) -> Result<Option<Vec<(&'static str, String)>>> {
    let syntax = |line: usize, what: &str| {
        Error::config(format!(
            "syntax error in service file {}, line {line}: {what}",
            file.display()
        ))
    };
    let mut found = false;
    let mut settings = Vec::new();
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let line_no = n + 1;
        if raw.len() >= MAX_LINE {
            return Err(Error::config(format!(
                "line {line_no} too long in service file {}; libpq reads lines of at most {} bytes",
                file.display(),
                MAX_LINE - 1
            )));
        }
        let line = trim_c_space(raw);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(group) = line.strip_prefix('[') {
            if found {
                break; // the wanted group has ended
            }
            // libpq: strncmp(line + 1, name, len) == 0 && line[len + 1] == ']'
            found = group.starts_with(name) && group.as_bytes().get(name.len()) == Some(&b']');
            continue;
        }
        if !found {
            continue;
        }
        if line.starts_with("ldap") {
            return Err(Error::config(format!(
                "service file {}, line {line_no}: vouch cannot follow LDAP service lookups; put host, port and user in the service entry",
                file.display()
            )));
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(syntax(line_no, "expected key=value"));
        };
        if key == "service" {
            return Err(syntax(
                line_no,
                "nested service specifications are not supported",
            ));
        }
        let Some(key) = conninfo::keyword(key) else {
            return Err(syntax(
                line_no,
                &format!("{key:?} is not a connection option (no blanks are allowed around \"=\")"),
            ));
        };
        settings.push((key, value.to_string()));
    }
    Ok(found.then_some(settings))
}

fn trim_c_space(s: &str) -> &str {
    // Only ASCII bytes are trimmed, so the slice stays on char boundaries.
    let b = s.as_bytes();
    let start = b.iter().position(|c| !is_c_space(*c)).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !is_c_space(*c))
        .map_or(start, |i| i + 1);
    &s[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::FakeWorld;

    fn entry(world: &FakeWorld, name: &str) -> String {
        match lookup(name, world) {
            Ok(e) => {
                let kv: Vec<String> = e
                    .settings
                    .iter()
                    .map(|(k, v)| format!("{k}=[{v}]"))
                    .collect();
                format!("{}: {}", e.file.display(), kv.join(" "))
            }
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn file_search_order() {
        let home = FakeWorld::new().var("HOME", "/home/a");
        let p = |s: &str, required| (PathBuf::from(s), required);
        assert_eq!(
            candidate_files(&home),
            [
                p("/home/a/.pg_service.conf", false),
                p("/etc/postgresql-common/pg_service.conf", false)
            ]
        );
        let w = FakeWorld::new()
            .var("HOME", "/home/a")
            .var("PGSERVICEFILE", "/x/svc.conf")
            .var("PGSYSCONFDIR", "/etc/pg");
        assert_eq!(
            candidate_files(&w),
            [p("/x/svc.conf", true), p("/etc/pg/pg_service.conf", false)]
        );
        let no_home = FakeWorld::new().var("PGSYSCONFDIR", "");
        assert_eq!(candidate_files(&no_home), [p("/pg_service.conf", false)]);
    }

    #[test]
    fn pgservicefile_must_exist() {
        let w = FakeWorld::new()
            .var("PGSERVICEFILE", "/nope")
            .file("/etc/postgresql-common/pg_service.conf", "[s]\nhost=sys\n");
        assert!(entry(&w, "s").starts_with("error: service file /nope (PGSERVICEFILE) not found"));
        // The home file and the system file may be missing.
        let w = FakeWorld::new()
            .var("HOME", "/home/a")
            .var("PGSYSCONFDIR", "/etc/pg")
            .file("/etc/pg/pg_service.conf", "[s]\nport=2\n");
        assert_eq!(entry(&w, "s"), "/etc/pg/pg_service.conf: port=[2]");
    }

    #[test]
    #[rustfmt::skip]
    fn lookup_table() {
        let user = "/home/a/.pg_service.conf";
        let sys = "/etc/postgresql-common/pg_service.conf";
        let w = |user_text: &str, sys_text: &str| {
            let mut w = FakeWorld::new().var("HOME", "/home/a");
            if !user_text.is_empty() {
                w = w.file(user, user_text);
            }
            if !sys_text.is_empty() {
                w = w.file(sys, sys_text);
            }
            w
        };
        let cases: &[(&str, &str, &str, &str)] = &[
            ("[s]\nhost=h\nport=1\n", "", "s", "/home/a/.pg_service.conf: host=[h] port=[1]"),
            ("", "[s]\nhost=sys\n", "s", "/etc/postgresql-common/pg_service.conf: host=[sys]"),
            // found in the user file: the system file is not read at all
            ("[s]\nhost=u\n", "[s]\nhost=sys\nport=9\n", "s", "/home/a/.pg_service.conf: host=[u]"),
            // the user file lacks it: fall through to the system file
            ("[t]\nhost=u\n", "[s]\nhost=sys\n", "s", "/etc/postgresql-common/pg_service.conf: host=[sys]"),
            ("  # c\n\n[s]  \n  host=h  \r\n#port=2\n", "", "s", "/home/a/.pg_service.conf: host=[h]"),
            ("[s]\nhost=a\nhost=b\n", "", "s", "/home/a/.pg_service.conf: host=[a] host=[b]"),
            ("[s]\nhost=h\n[t]\nport=2\n[s]\nport=3\n", "", "s", "/home/a/.pg_service.conf: host=[h]"),
            ("[s] trailing\nhost=h\n", "", "s", "/home/a/.pg_service.conf: host=[h]"),
            ("[s]\nhost=\n", "", "s", "/home/a/.pg_service.conf: host=[]"),
            ("[s]\nhost=a=b\n", "", "s", "/home/a/.pg_service.conf: host=[a=b]"),
            ("[s]\n", "", "s", "/home/a/.pg_service.conf: "),
            ("[sx]\nhost=h\n", "", "s", "error: definition of service \"s\" not found (searched /home/a/.pg_service.conf, /etc/postgresql-common/pg_service.conf)"),
            ("[ s ]\nhost=h\n", "", "s", "error: definition of service \"s\" not found"),
            ("[S]\nhost=h\n", "", "s", "error: definition of service \"s\" not found"),
            ("", "", "s", "error: definition of service \"s\" not found"),
            ("[s]\nhost = h\n", "", "s", "error: syntax error in service file /home/a/.pg_service.conf, line 2: \"host \" is not a connection option"),
            ("[s]\nhost\n", "", "s", "error: syntax error in service file /home/a/.pg_service.conf, line 2: expected key=value"),
            ("[s]\nservice=t\n", "", "s", "error: syntax error in service file /home/a/.pg_service.conf, line 2: nested service"),
            ("[s]\nrequiressl=1\n", "", "s", "error: syntax error in service file /home/a/.pg_service.conf, line 2"),
            ("[s]\nldap://ldap.example/x\n", "", "s", "error: service file /home/a/.pg_service.conf, line 2: vouch cannot follow LDAP"),
            // errors outside the wanted group are not libpq's business
            ("[t]\nbogus\n[s]\nhost=h\n", "", "s", "/home/a/.pg_service.conf: host=[h]"),
            ("[s]\nhost=h\n[t]\nbogus\n", "", "s", "/home/a/.pg_service.conf: host=[h]"),
            ("", "", "", "error: definition of service \"\" not found"),
        ];
        for (u, s, name, want) in cases {
            let got = entry(&w(u, s), name);
            assert!(got.starts_with(want), "user={u:?} sys={s:?} name={name}: got {got:?}");
        }
    }

    #[test]
    fn long_lines() {
        let ok = format!("[s]\nhost={}\n", "h".repeat(MAX_LINE - 7));
        let w = FakeWorld::new().var("PGSERVICEFILE", "/s").file("/s", &ok);
        assert!(lookup("s", &w).is_ok());
        let long = format!("[s]\nhost={}\n", "h".repeat(MAX_LINE - 6));
        let w = FakeWorld::new()
            .var("PGSERVICEFILE", "/s")
            .file("/s", &long);
        assert!(entry(&w, "s").starts_with("error: line 2 too long in service file /s"));
    }
}
