//! The option tables checked against the real MariaDB clients installed here.
//!
//! A missing client binary fails the test when `CI` or `VOUCH_TEST_STRICT`
//! is set, and is otherwise skipped with a loud message on stderr.

use super::options::{table, LEADING};
use super::{Arg, Flavour, MyClient, OptDef};
use std::collections::BTreeSet;
use std::process::Command;

const CLIENTS: &[(MyClient, &str)] = &[
    (MyClient::Mysql, "mariadb"),
    (MyClient::Mysqldump, "mariadb-dump"),
    (MyClient::Mysqladmin, "mariadb-admin"),
    (MyClient::Mysqlshow, "mariadb-show"),
    (MyClient::Mysqlcheck, "mariadb-check"),
    (MyClient::Mysqlimport, "mariadb-import"),
];

/// Options the tables keep for earlier MariaDB 10.11 releases that later
/// ones dropped: `--galera-info` left mariadb-dump in 10.11.14.
const RETIRED: &[(&str, &str)] = &[("mariadb-dump", "galera-info")];

fn strict() -> bool {
    std::env::var_os("CI").is_some() || std::env::var_os("VOUCH_TEST_STRICT").is_some()
}

/// The client's path, or `None` after a SKIP message (a panic when strict).
fn find(program: &str) -> Option<std::path::PathBuf> {
    match which::which(program) {
        Ok(p) => Some(p),
        Err(_) if strict() => panic!("{program} is not installed (CI/VOUCH_TEST_STRICT is set)"),
        Err(_) => {
            crate::say!(
                "\n*** SKIP: {program} is not installed; its option table is NOT checked ***\n"
            );
            None
        }
    }
}

fn run(program: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(program)
        .args(args)
        .env_remove("MYSQL_HOST")
        .env_remove("MYSQL_TCP_PORT")
        .env_remove("MYSQL_PWD")
        .output()
        .expect("run client");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// One option as `--help` lists it: (long, short, shape) where shape is
/// "" (no value: None or Bool), "=" (required) or "[=]" (optional).
type Listed = (String, Option<char>, &'static str);

/// The options of a `--help` text, and the names in its variables table
/// with the value TRUE or FALSE.
fn parse_help(help: &str) -> (BTreeSet<Listed>, BTreeSet<String>) {
    let mut opts = BTreeSet::new();
    let mut bools = BTreeSet::new();
    let mut in_vars = false;
    for line in help.lines() {
        if line.starts_with("-------") {
            in_vars = true;
            continue;
        }
        if in_vars {
            let mut it = line.split_whitespace();
            if let (Some(name), Some(v)) = (it.next(), it.next()) {
                if (v == "TRUE" || v == "FALSE") && it.next().is_none() {
                    bools.insert(name.to_string());
                }
            }
            continue;
        }
        // Option lines start with two spaces then '-'.
        let Some(rest) = line.strip_prefix("  -") else {
            continue;
        };
        let rest = format!("-{rest}");
        let (short, long_part) = if let Some(r) = rest.strip_prefix("--") {
            (None, r.to_string())
        } else {
            let c = rest.chars().nth(1).unwrap();
            let r = rest[1 + c.len_utf8()..]
                .trim_start_matches(", --")
                .to_string();
            (Some(c), r)
        };
        let word = long_part
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        let (long, shape) = if let Some(i) = word.find("[=") {
            (word[..i].to_string(), "[=]")
        } else if let Some(i) = word.find('=') {
            (word[..i].to_string(), "=")
        } else {
            (word, "")
        };
        opts.insert((long, short, shape));
    }
    (opts, bools)
}

fn shape(d: &OptDef) -> &'static str {
    match d.arg {
        Arg::None | Arg::Bool => "",
        Arg::Required => "=",
        Arg::Optional => "[=]",
    }
}

#[test]
fn mariadb_tables_match_help() {
    for &(client, program) in CLIENTS {
        let t = table(client, Flavour::MariaDb).expect("a MariaDB table");
        let Some(path) = find(program) else { continue };
        let (code, help, _) = run(&path, &["--no-defaults", "--help"]);
        assert_eq!(code, Some(0), "{program} --help");
        let (listed, bools) = parse_help(&help);
        assert!(!bools.is_empty(), "{program}: variables table");
        // Options of earlier 10.11 releases stay in the table (those clients
        // still accept them); a newer client may no longer list them.
        let ours: BTreeSet<Listed> = t
            .iter()
            .filter(|d| {
                let retired = RETIRED.contains(&(program, d.long));
                !retired || listed.iter().any(|l| l.0 == d.long)
            })
            .map(|d| (d.long.to_string(), d.short, shape(d)))
            .collect();
        let missing: Vec<_> = listed.difference(&ours).collect();
        let extra: Vec<_> = ours.difference(&listed).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{program}: in --help but not in the table: {missing:?}; in the table but not in --help: {extra:?}"
        );
        // Every option the variables table shows as TRUE/FALSE is Bool, and
        // no name appears twice with different definitions.
        for d in t {
            if bools.contains(d.long) {
                assert_eq!(d.arg, Arg::Bool, "{program} --{}", d.long);
            }
            assert!(!d.long.contains('_'), "{program}: {} has '_'", d.long);
        }
        for name in LEADING {
            assert!(t.iter().all(|d| d.long != *name), "{program}: {name}");
            assert!(
                help.contains(&format!("--{name}")),
                "{program} lists --{name}"
            );
        }
    }
}

/// A `mariadb` run that fails fast without a server: port 1 on 127.0.0.1.
fn probe(path: &std::path::Path, opts: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["--no-defaults"];
    args.extend_from_slice(opts);
    args.extend_from_slice(&[
        "--protocol=tcp",
        "-h127.0.0.1",
        "-P1",
        "--connect-timeout=1",
        "-e",
        "select 1",
    ]);
    let (code, _, err) = run(path, &args);
    (code, err)
}

#[test]
fn mariadb_behaviour_probes() {
    let Some(path) = find("mariadb") else { return };
    let connect_error = |(code, err): (Option<i32>, String), what: &str| {
        assert_eq!(code, Some(1), "{what}: {err}");
        assert!(err.contains("Can't connect"), "{what}: {err}");
    };
    // Booleans take --skip-, --disable-, --enable- and =0/1/on/off.
    connect_error(probe(&path, &["--skip-ssl"]), "--skip-ssl");
    connect_error(probe(&path, &["--ssl=0"]), "--ssl=0");
    connect_error(
        probe(&path, &["--enable-ssl-verify-server-cert"]),
        "--enable-ssl-verify-server-cert",
    );
    // A no-value option rejects --skip- and a value.
    let (code, err) = probe(&path, &["--skip-batch"]);
    assert_ne!(code, Some(1), "{err}");
    assert!(
        err.contains("option '--batch' cannot take an argument"),
        "{err}"
    );
    let (_, err) = probe(&path, &["--enable-cleartext-plugin=1"]);
    assert!(err.contains("cannot take an argument"), "{err}");
    // Unknown options are errors, --loose- ones only warnings.
    let (code, err) = probe(&path, &["--no-such-option"]);
    assert_ne!(code, Some(1));
    assert!(err.contains("unknown option '--no-such-option'"), "{err}");
    let (code, err) = probe(&path, &["--loose-no-such-option"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("Warning"), "{err}");
    // Unique prefixes work; ambiguous ones are errors.
    connect_error(probe(&path, &["--ssl-verify-s=0"]), "prefix");
    let (_, err) = probe(&path, &["--ssl-c=x"]);
    assert!(err.contains("ambiguous option '--ssl-c=x'"), "{err}");
    // --debug exists but is disabled in release builds.
    let (code, err) = probe(&path, &["--debug"]);
    assert_ne!(code, Some(1));
    assert!(err.contains("used, but is disabled"), "{err}");
    // MariaDB's my_getopt also takes --skip- on an option with a required
    // value: it sets the value "0" (here the host), it is not rejected.
    let (code, _, err) = run(
        &path,
        &[
            "--no-defaults",
            "--skip-host",
            "--protocol=tcp",
            "-P1",
            "--connect-timeout=1",
            "-e",
            "select 1",
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("server on '0'"), "{err}");
    // A required value is taken from the next argument.
    connect_error(probe(&path, &["--user", "--skip-ssl"]), "--user next");
}

#[test]
fn table_shape() {
    for &client in MyClient::ALL {
        for flavour in [Flavour::MariaDb, Flavour::Oracle { major: 8, minor: 0 }] {
            let Some(t) = table(client, flavour) else {
                continue;
            };
            for d in t {
                assert!(!d.long.is_empty() && !d.long.contains('_'), "{d:?}");
            }
            for (name, short) in [("host", 'h'), ("user", 'u'), ("port", 'P')] {
                let d = t.iter().find(|d| d.long == name).expect(name);
                assert_eq!(
                    (d.short, d.arg),
                    (Some(short), Arg::Required),
                    "{client:?} {name}"
                );
            }
            let p = t.iter().find(|d| d.long == "password").unwrap();
            assert_eq!((p.short, p.arg), (Some('p'), Arg::Optional));
        }
    }
    assert!(table(MyClient::Mycli, Flavour::MariaDb).is_none());
}
