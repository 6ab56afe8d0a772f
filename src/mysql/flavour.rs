//! Telling Oracle MySQL clients from MariaDB's by what `CLIENT --version`
//! prints, and the cache that keeps the answer per binary (pure: the
//! probe and the cache file itself are in [`crate::probe`]).
//!
//! Examples of `--version` output:
//! - MariaDB 10.11: `mariadb  Ver 15.1 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64) using  EditLine wrapper`
//! - Oracle 8.0: `mysql  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)`
//! - Oracle 5.7: `mysql  Ver 14.14 Distrib 5.7.44, for Linux (x86_64) using  EditLine wrapper`
//! - Percona: `mysql  Ver 8.0.35-27 for Linux on x86_64 (Percona Server (GPL), Release '27', ...)`

use super::Flavour;

impl std::fmt::Display for Flavour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Flavour::MariaDb => f.write_str("MariaDB"),
            Flavour::Oracle { major, minor } => write!(f, "Oracle MySQL {major}.{minor}"),
            Flavour::Mycli => f.write_str("mycli"),
        }
    }
}

/// `X.Y` at the start of `s` (digits, a dot, digits).
fn major_minor(s: &str) -> Option<(u32, u32)> {
    let (major, rest) = s.split_once('.')?;
    let minor: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The flavour a client's `--version` output names, if it is one of the
/// MySQL family's.
pub fn from_version_output(text: &str) -> Option<Flavour> {
    // MariaDB 11 prints "mariadb from 11.4.2-MariaDB, client 15.2 for ...".
    if text.lines().next()?.contains("-MariaDB") {
        return Some(Flavour::MariaDb);
    }
    let line = text.lines().find(|l| l.contains(" Ver "))?;
    let after_ver = line.split(" Ver ").nth(1)?.trim_start();
    // Old clients print their own version, then "Distrib" and the server's.
    let version = match after_ver.split_once(" Distrib ") {
        Some((_, distrib)) => distrib.trim_start(),
        None => after_ver,
    };
    let (major, minor) = major_minor(version)?;
    Some(Flavour::Oracle { major, minor })
}

/// A cache entry's key: what identifies one build of a binary on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

/// One line of the cache: `v1 TAB dev TAB ino TAB size TAB mtime_ns TAB
/// ctime_ns TAB flavour TAB path`.
fn render_flavour(f: Flavour) -> String {
    match f {
        Flavour::MariaDb => "mariadb".into(),
        Flavour::Oracle { major, minor } => format!("oracle-{major}.{minor}"),
        Flavour::Mycli => "mycli".into(),
    }
}

fn parse_flavour(s: &str) -> Option<Flavour> {
    match s {
        "mariadb" => return Some(Flavour::MariaDb),
        "mycli" => return Some(Flavour::Mycli),
        _ => {}
    }
    let (major, minor) = major_minor(s.strip_prefix("oracle-")?)?;
    Some(Flavour::Oracle { major, minor })
}

/// A path the one-line format can hold.
fn cacheable(path: &str) -> bool {
    !path.contains(['\n', '\t', '\r'])
}

/// The most entries the cache keeps (the newest).
pub const CACHE_ENTRIES: usize = 64;

/// Look `path` with `stamp` up in the cache's text.
pub fn cache_lookup(cache: &str, path: &str, stamp: FileStamp) -> Option<Flavour> {
    if !cacheable(path) {
        return None;
    }
    cache.lines().find_map(|line| {
        let (s, p, f) = parse_line(line)?;
        (p == path && s == stamp).then_some(f)?
    })
}

fn parse_line(line: &str) -> Option<(FileStamp, &str, Option<Flavour>)> {
    let mut it = line.splitn(8, '\t');
    if it.next()? != "v1" {
        return None;
    }
    let stamp = FileStamp {
        dev: it.next()?.parse().ok()?,
        ino: it.next()?.parse().ok()?,
        size: it.next()?.parse().ok()?,
        mtime_ns: it.next()?.parse().ok()?,
        ctime_ns: it.next()?.parse().ok()?,
    };
    let flavour = parse_flavour(it.next()?);
    let path = it.next()?;
    Some((stamp, path, flavour))
}

/// The cache's text with an entry for `path` recorded (replacing older
/// entries for the same path), keeping at most [`CACHE_ENTRIES`].
pub fn cache_record(cache: &str, path: &str, stamp: FileStamp, flavour: Flavour) -> String {
    if !cacheable(path) {
        return cache.to_string();
    }
    let mut lines: Vec<&str> = cache
        .lines()
        .filter(|l| matches!(parse_line(l), Some((_, p, Some(_))) if p != path))
        .collect();
    let keep_from = lines.len().saturating_sub(CACHE_ENTRIES - 1);
    lines.drain(..keep_from);
    let mut out = String::new();
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&format!(
        "v1\t{}\t{}\t{}\t{}\t{}\t{}\t{path}\n",
        stamp.dev,
        stamp.ino,
        stamp.size,
        stamp.mtime_ns,
        stamp.ctime_ns,
        render_flavour(flavour)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_lines() {
        let cases = [
            ("mariadb  Ver 15.1 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64) using  EditLine wrapper\n", Some(Flavour::MariaDb)),
            ("mysqldump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n", Some(Flavour::MariaDb)),
            ("mysqlcheck  Ver 2.7.4-MariaDB Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)", Some(Flavour::MariaDb)),
            ("mysql  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)\n", Some(Flavour::Oracle { major: 8, minor: 0 })),
            ("mysql  Ver 8.4.3 for Linux on x86_64 (MySQL Community Server - GPL)\n", Some(Flavour::Oracle { major: 8, minor: 4 })),
            ("mysqldump  Ver 9.1.0 for macos14 on arm64 (Homebrew)\n", Some(Flavour::Oracle { major: 9, minor: 1 })),
            ("mysql  Ver 14.14 Distrib 5.7.44, for Linux (x86_64) using  EditLine wrapper\n", Some(Flavour::Oracle { major: 5, minor: 7 })),
            ("mysql  Ver 8.0.35-27 for Linux on x86_64 (Percona Server (GPL), Release '27', Revision '2f8eeab2'$)\n", Some(Flavour::Oracle { major: 8, minor: 0 })),
            ("mariadb from 11.4.2-MariaDB, client 15.2 for debian-linux-gnu (x86_64) using  EditLine wrapper\n", Some(Flavour::MariaDb)),
            ("Version: 1.27.2\n", None),
            ("", None),
            ("mysql Ver x.y\n", None),
        ];
        for (text, want) in cases {
            assert_eq!(from_version_output(text), want, "{text:?}");
        }
    }

    #[test]
    fn cache_round_trip_and_invalidation() {
        let s = FileStamp {
            dev: 1,
            ino: 2,
            size: 3,
            mtime_ns: 4,
            ctime_ns: 5,
        };
        let text = cache_record(
            "",
            "/usr/bin/mysql",
            s,
            Flavour::Oracle { major: 8, minor: 4 },
        );
        assert_eq!(
            cache_lookup(&text, "/usr/bin/mysql", s),
            Some(Flavour::Oracle { major: 8, minor: 4 })
        );
        let newer = FileStamp { mtime_ns: 9, ..s };
        assert_eq!(cache_lookup(&text, "/usr/bin/mysql", newer), None);
        assert_eq!(cache_lookup(&text, "/usr/bin/mariadb", s), None);
        // Re-recording replaces the path's entry.
        let text = cache_record(&text, "/usr/bin/mysql", newer, Flavour::MariaDb);
        assert_eq!(text.lines().count(), 1);
        assert_eq!(
            cache_lookup(&text, "/usr/bin/mysql", newer),
            Some(Flavour::MariaDb)
        );
        // Garbage lines are dropped, the size is bounded.
        let mut text = String::from("garbage\nv1\tx\n");
        for i in 0..100 {
            text = cache_record(&text, &format!("/bin/c{i}"), s, Flavour::MariaDb);
        }
        assert_eq!(text.lines().count(), CACHE_ENTRIES);
        assert_eq!(cache_lookup(&text, "/bin/c99", s), Some(Flavour::MariaDb));
        assert_eq!(cache_lookup(&text, "/bin/c0", s), None);
        // A path with a tab or newline is not cached.
        let odd = "/bin/a\nv1\t1\t2";
        assert_eq!(cache_record(&text, odd, s, Flavour::MariaDb), text);
        assert_eq!(cache_lookup(&text, odd, s), None);
    }
}
