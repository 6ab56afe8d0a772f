//! End to end: named targets (config.toml and an allowed project
//! `.vouch.toml`) through `vouch exec --target`, `VOUCH_TARGET` and
//! `vouch env`, with the real `psql` and `mariadb` clients against the
//! PostgreSQL and MariaDB rigs, which check the IAM token as RDS does.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::need_rig;
use crate::support::rig::{run, text, vouch, Rig};

fn pg_rig() -> Option<Rig> {
    Rig::load("VOUCH_RIG_ENV", "the PostgreSQL test rig")
}

fn my_rig() -> Option<Rig> {
    Rig::load("VOUCH_MARIADB_RIG_ENV", "the MariaDB test rig")
}

/// Write the user's config.toml (0600) under the rig's HOME.
fn write_config(rig: &Rig, text: &str) {
    let dir = rig.home.path().join(".config/vouch");
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("config.toml");
    std::fs::write(&f, text).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// A target for the rig, in config.toml (which names the rig's CA).
fn target_table(rig: &Rig, name: &str, engine: &str, user: &str, db: &str) -> String {
    format!(
        "{}ca-bundle = \"{}\"\n",
        project_table(rig, name, engine, user, db),
        rig.ca()
    )
}

/// A target for the rig in a project file, which cannot name a CA.
fn project_table(rig: &Rig, name: &str, engine: &str, user: &str, db: &str) -> String {
    format!(
        "[targets.{name}]\nengine = \"{engine}\"\nhost = \"{}\"\nport = {}\nuser = \"{user}\"\ndbname = \"{db}\"\n",
        rig.name(),
        rig.port(),
    )
}

/// vouch ARGS in the namespace (the RDS name is the rig), from `cwd`.
fn vouch_in(rig: &Rig, cwd: &Path, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut env = rig.env("static");
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let mut cmd = vouch(rig, args, &env, true);
    cmd.current_dir(cwd);
    run(cmd)
}

fn ok_stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout).trim().to_string()
}

#[test]
fn exec_target_from_config_logs_psql_in() {
    let rig = need_rig!(pg_rig());
    write_config(&rig, &target_table(&rig, "rigdb", "postgres", "app", "app"));
    let cwd = rig.home.path();
    let out = vouch_in(
        &rig,
        cwd,
        &[
            "exec",
            "--target",
            "rigdb",
            "--",
            "psql",
            "-Atc",
            "select current_user",
        ],
        &[],
    );
    assert_eq!(ok_stdout(&out), "app");
    // The same through VOUCH_TARGET, as the shell hook exports it.
    let out = vouch_in(
        &rig,
        cwd,
        &["exec", "--", "psql", "-Atc", "select current_database()"],
        &[("VOUCH_TARGET", "rigdb")],
    );
    assert_eq!(ok_stdout(&out), "app");
}

#[test]
fn the_clients_own_arguments_override_the_target() {
    let rig = need_rig!(pg_rig());
    // The target names a user the server does not know; -U app wins.
    write_config(
        &rig,
        &target_table(&rig, "rigdb", "postgres", "nosuch", "app"),
    );
    let out = vouch_in(
        &rig,
        rig.home.path(),
        &[
            "exec",
            "--target",
            "rigdb",
            "--",
            "psql",
            "-U",
            "app",
            "-Atc",
            "select current_user",
        ],
        &[],
    );
    assert_eq!(ok_stdout(&out), "app");
}

#[test]
fn a_project_file_is_used_only_after_vouch_allow() {
    let rig = need_rig!(pg_rig());
    let proj = rig.home.path().join("proj");
    std::fs::create_dir_all(proj.join("src")).unwrap();
    std::fs::write(
        proj.join(".vouch.toml"),
        project_table(&rig, "proj", "postgres", "app", "app"),
    )
    .unwrap();
    let sub = proj.join("src");
    // The rig's CA comes from the user's side (a project file cannot
    // choose one).
    let ca = rig.ca();
    let args = [
        "exec",
        "--ca-bundle",
        ca,
        "--target",
        "proj",
        "--",
        "psql",
        "-Atc",
        "select current_user",
    ];
    let out = vouch_in(&rig, &sub, &args, &[]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("is not allowed") && err.contains("vouch allow"),
        "{err}"
    );

    let out = vouch_in(&rig, &sub, &["allow"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // What was allowed is shown, target by target.
    assert!(
        text(&out.stderr).contains(&format!(
            "\n  proj (the shell hook's): postgres app@{}:{} db app\n",
            rig.name(),
            rig.port()
        )),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(ok_stdout(&vouch_in(&rig, &sub, &args, &[])), "app");

    // An edit takes the trust away until allowed again.
    let mut changed = std::fs::read_to_string(proj.join(".vouch.toml")).unwrap();
    changed.push_str("# edited\n");
    std::fs::write(proj.join(".vouch.toml"), changed).unwrap();
    let out = vouch_in(&rig, &sub, &args, &[]);
    assert_eq!(out.status.code(), Some(6));
    assert!(
        text(&out.stderr).contains("changed since it was allowed"),
        "{}",
        text(&out.stderr)
    );

    assert!(vouch_in(&rig, &sub, &["allow"], &[]).status.success());
    assert_eq!(ok_stdout(&vouch_in(&rig, &sub, &args, &[])), "app");
    assert!(vouch_in(&rig, &sub, &["deny"], &[]).status.success());
    assert_eq!(vouch_in(&rig, &sub, &args, &[]).status.code(), Some(6));
}

/// `eval "$(vouch env --target T)"`, then the bare client, in the
/// namespace: what a GUI tool or a plain `psql` in that shell gets.
fn env_then(rig: &Rig, target: &str, client_line: &str) -> Output {
    let script = format!(
        "mount --bind \"$0\" /etc/hosts && eval \"$(\"$1\" env --target {target})\" && {client_line}"
    );
    let mut cmd = Command::new("unshare");
    cmd.args(["-m", "--propagation", "private", "--", "sh", "-c", &script])
        .arg(rig.hosts_file())
        .arg(crate::support::vouch_bin())
        .env_clear()
        .envs(rig.env("static"))
        .current_dir(rig.home.path());
    run(cmd)
}

#[test]
fn vouch_env_gives_a_bare_psql_everything_it_needs() {
    let rig = need_rig!(pg_rig());
    write_config(&rig, &target_table(&rig, "rigdb", "postgres", "app", "app"));
    let out = env_then(
        &rig,
        "rigdb",
        "exec psql -Atc \"select current_user || ' ' || ssl from pg_stat_ssl where pid = pg_backend_pid()\"",
    );
    assert_eq!(ok_stdout(&out), "app true");
    // What was exported: the token, verify-full, the expiry.
    let out = env_then(
        &rig,
        "rigdb",
        "printf '%s|%s|%s\\n' \"$PGSSLMODE\" \"${#PGPASSWORD}\" \"$VOUCH_EXPIRES_AT\"",
    );
    let line = ok_stdout(&out);
    let parts: Vec<&str> = line.split('|').collect();
    assert_eq!(parts[0], "verify-full", "{line}");
    assert!(parts[1].parse::<usize>().unwrap() > 200, "{line}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let at: u64 = parts[2].parse().unwrap();
    assert!(at > now + 800 && at <= now + 901, "{line}");
}

#[test]
fn a_mysql_target_logs_mariadb_in_and_a_wrong_engine_is_refused() {
    let rig = need_rig!(my_rig());
    write_config(
        &rig,
        &format!(
            "{}{}",
            target_table(&rig, "maria", "mysql", "app", "appdb"),
            target_table(&rig, "pg", "postgres", "app", "app")
        ),
    );
    let cwd = rig.home.path();
    let out = vouch_in(
        &rig,
        cwd,
        &[
            "exec",
            "--target",
            "maria",
            "--",
            "mariadb",
            "-N",
            "-e",
            "select current_user(), database()",
        ],
        &[],
    );
    assert_eq!(ok_stdout(&out), "app@%\tappdb");
    // The user's own database argument wins over the target's.
    let out = vouch_in(
        &rig,
        cwd,
        &[
            "exec",
            "--",
            "mariadb",
            "-N",
            "-e",
            "select database()",
            "information_schema",
        ],
        &[("VOUCH_TARGET", "maria")],
    );
    assert_eq!(ok_stdout(&out), "information_schema");
    let out = vouch_in(
        &rig,
        cwd,
        &["exec", "--target", "pg", "--", "mariadb", "-e", "select 1"],
        &[],
    );
    assert_eq!(out.status.code(), Some(6));
    assert!(
        text(&out.stderr).contains("is a postgres database"),
        "{}",
        text(&out.stderr)
    );
}
