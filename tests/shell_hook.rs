//! The shell integration in the real shells (bash, zsh, fish): `vouch env`
//! output evaluated by each shell, the prompt hook (`vouch hook`) run by
//! hand and in interactive sessions under tmux, the processes it starts,
//! and the client wrappers (`vouch alias`) with their tab completion.
//!
//! Everything is offline: static keys in the environment sign tokens for
//! an RDS-like host name without a network. Each test has its own HOME and
//! XDG folders, so they run in parallel.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::output::describe;
use crate::support::rig::text;
use crate::support::shells::{self, run_script, Session, Sh};
use crate::support::{missing, vouch_bin};

const RDS_HOST: &str = "mydb.cluster-abc123.us-east-1.rds.amazonaws.com";
const AKID: &str = "AKIAEXAMPLE0000001";
/// How long an interactive step may take (generous: tests run in parallel).
const T: Duration = Duration::from_secs(20);

/// What the hook exports for a PostgreSQL target (and what it restores).
/// `TOKEN` is not a variable: [`render`] shows the line of `$PGPASSFILE`.
const PG_VARS: &[&str] = &[
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGPASSFILE",
    "TOKEN",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGGSSENCMODE",
    "VOUCH_EXPIRES_AT",
    "VOUCH_TARGET",
];

const UNSET: &str = "<unset>";

/// A private world: HOME, XDG folders, AWS settings, and a project folder
/// whose name is hostile to shells (`proj/` has a `sub/` folder).
struct Fx {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    proj: PathBuf,
}

impl Fx {
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let home = root.join("home");
        std::fs::create_dir_all(home.join(".config/vouch")).unwrap();
        std::fs::create_dir_all(home.join(".local/share")).unwrap();
        let proj = root.join(format!(
            "proj it's \"q\" $(touch {r}/pwned-dir) `touch {r}/pwned-dir2` \\ é",
            r = root.display()
        ));
        std::fs::create_dir_all(proj.join("sub")).unwrap();
        Fx {
            _tmp: tmp,
            root,
            home,
            proj,
        }
    }

    fn s(p: &Path) -> String {
        p.to_str().expect("UTF-8 path").to_string()
    }

    /// The environment every shell and vouch run gets.
    fn env(&self) -> Vec<(String, String)> {
        let h = Fx::s(&self.home);
        vec![
            ("HOME".into(), h.clone()),
            ("XDG_DATA_HOME".into(), format!("{h}/.local/share")),
            ("XDG_CONFIG_HOME".into(), format!("{h}/.config")),
            ("XDG_CACHE_HOME".into(), format!("{h}/.cache")),
            ("AWS_ACCESS_KEY_ID".into(), AKID.into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "not-a-real-secret".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("AWS_CONFIG_FILE".into(), format!("{h}/aws-config")),
            (
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                format!("{h}/aws-credentials"),
            ),
            ("VBIN".into(), Fx::s(&vouch_bin())),
            ("ROOT".into(), Fx::s(&self.root)),
            ("PROJ".into(), Fx::s(&self.proj)),
            ("RDS".into(), RDS_HOST.into()),
        ]
    }

    fn env_with(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = self.env();
        for (k, v) in extra {
            env.retain(|(n, _)| n != k);
            env.push((k.to_string(), v.to_string()));
        }
        env
    }

    /// `script` in `sh`, without startup files, with [`Fx::env`] and `extra`.
    fn script(&self, sh: Sh, script: &str, extra: &[(&str, &str)], cwd: &Path) -> Output {
        let env = self.env_with(extra);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (&**k, &**v)).collect();
        run_script(sh, script, &env, cwd)
    }

    /// `vouch ARGS` from `cwd`, with none of the parent's PG*, MYSQL* or
    /// VOUCH_* variables.
    fn vouch(&self, args: &[&str], cwd: &Path) -> Output {
        let mut cmd = Command::new(vouch_bin());
        cmd.args(args).current_dir(cwd).stdin(Stdio::null());
        scrub(&mut cmd);
        cmd.envs(self.env());
        cmd.output().unwrap()
    }

    fn write_project(&self, dir: &Path, text: &str) {
        std::fs::write(dir.join(".vouch.toml"), text).unwrap();
    }

    fn allow(&self, dir: &Path) {
        let out = self.vouch(&["allow", &Fx::s(dir)], &self.root);
        assert!(out.status.success(), "vouch allow: {}", describe(&out));
    }

    /// The marker files a hostile value would create if a shell ran it.
    fn assert_nothing_ran(&self) {
        let pwned: Vec<_> = std::fs::read_dir(&self.root)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("pwned"))
            .collect();
        assert!(pwned.is_empty(), "a value was run as code: {pwned:?}");
    }
}

/// Remove what the parent's environment could add to a child's.
fn scrub(cmd: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let n = name.to_string_lossy();
        if ["PG", "MYSQL", "MARIADB", "VOUCH_", "AWS_"]
            .iter()
            .any(|p| n.starts_with(p))
            || n == "BASH_ENV"
            || n == "ENV"
        {
            cmd.env_remove(&name);
        }
    }
}

/// `s` as a TOML basic string.
fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn pg_project(name: &str, user: &str, dbname: &str, port: Option<u16>) -> String {
    let mut t = format!(
        "[targets.{name}]\nengine = \"postgres\"\nhost = \"{RDS_HOST}\"\nuser = {}\ndbname = {}\n",
        toml_str(user),
        toml_str(dbname)
    );
    if let Some(p) = port {
        t.push_str(&format!("port = {p}\n"));
    }
    t
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The `DBUser` a token was signed for, decoded.
fn token_user(token: &str) -> String {
    let q = token.split_once('?').expect("a token has a query").1;
    let raw = q
        .split('&')
        .find_map(|kv| kv.strip_prefix("DBUser="))
        .expect("a token names its DBUser");
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

/// `env -0` output as a map.
fn parse_env0(bytes: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8(bytes.to_vec())
        .expect("UTF-8 environment")
        .split('\0')
        .filter(|e| !e.is_empty())
        .map(|e| {
            let (k, v) = e.split_once('=').expect("NAME=value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// Checks what a shell ends up with after evaluating `vouch env` for a
/// PostgreSQL connection: the given values exactly, and a token for them.
#[track_caller]
fn check_pg_env(env: &BTreeMap<String, String>, user: &str, dbname: &str, port: &str, ctx: &str) {
    let get = |k: &str| {
        env.get(k)
            .unwrap_or_else(|| panic!("{ctx}: {k} is not exported; env: {:?}", env.keys()))
            .as_str()
    };
    assert_eq!(get("PGHOST"), RDS_HOST, "{ctx}");
    assert_eq!(get("PGPORT"), port, "{ctx}");
    assert_eq!(get("PGUSER").as_bytes(), user.as_bytes(), "{ctx}: PGUSER");
    assert_eq!(
        get("PGDATABASE").as_bytes(),
        dbname.as_bytes(),
        "{ctx}: PGDATABASE"
    );
    assert_eq!(get("PGSSLMODE"), "verify-full", "{ctx}");
    assert_eq!(get("PGGSSENCMODE"), "disable", "{ctx}");
    let root = get("PGSSLROOTCERT");
    assert!(Path::new(root).is_file(), "{ctx}: PGSSLROOTCERT={root}");
    let token = get("PGPASSWORD");
    assert!(
        token.starts_with(&format!("{RDS_HOST}:{port}/?Action=connect&DBUser=")),
        "{ctx}: {token}"
    );
    assert_eq!(token_user(token), user, "{ctx}: the token's DBUser");
    assert!(
        token.contains(&format!("X-Amz-Credential={AKID}%2F")),
        "{ctx}"
    );
    let exp: u64 = get("VOUCH_EXPIRES_AT").parse().expect("a number");
    let n = now();
    assert!(
        exp >= n + 880 && exp <= n + 905,
        "{ctx}: VOUCH_EXPIRES_AT={exp}, now {n}"
    );
}

// ---------------------------------------------------------------------------
// 1. `vouch env`: hostile values round-trip exactly and never run.

/// A user and a database name full of shell syntax (no control characters:
/// a project file refuses those).
fn hostile_values(root: &Path) -> (String, String) {
    let r = root.display();
    let user = format!(
        r#"it's "q" $(touch {r}/pwned-1) `touch {r}/pwned-2` (touch {r}/pwned-3) \ \\ \' '\'' ${{HOME}} $HOME %s ; & | * ? ~ # é漢字 end'"#
    );
    let dbname = format!(r#"'\'' "$(touch {r}/pwned-4)" {{a,b}} $'x' \n \"#);
    (user, dbname)
}

/// Evaluates `vouch env` the documented way in `sh` (`eval "$(...)"`,
/// fish `| source`) and returns the exported environment. `args` are shell
/// words after `vouch env --shell SH` (variables, not literals).
fn eval_env(fx: &Fx, sh: Sh, args: &str, extra: &[(&str, &str)], cwd: &Path, opts: &str) -> Output {
    let out_file = fx.root.join(format!("env-{sh}-{}", extra.len()));
    let script = match sh {
        Sh::Bash | Sh::Zsh => format!(
            "{opts}\neval \"$(\"$VBIN\" env --shell {sh} {args})\" || exit 9\nenv -0 > \"$OUT\"\n"
        ),
        Sh::Fish => {
            format!("$VBIN env --shell fish {args} | source\nor exit 9\nenv -0 > $OUT\n")
        }
    };
    let mut extra: Vec<(&str, &str)> = extra.to_vec();
    let out_s = Fx::s(&out_file);
    extra.push(("OUT", &out_s));
    let out = fx.script(sh, &script, &extra, cwd);
    assert!(out.status.success(), "{sh}: {}", describe(&out));
    let env = std::fs::read(&out_file).unwrap();
    std::fs::remove_file(&out_file).unwrap();
    Output {
        status: out.status,
        stdout: env,
        stderr: out.stderr,
    }
}

fn env_round_trip(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    let (user, dbname) = hostile_values(&fx.root);
    fx.write_project(&fx.proj, &pg_project("app", &user, &dbname, Some(5433)));
    fx.allow(&fx.proj);

    // A named target from the allowed project file.
    let out = eval_env(&fx, sh, "--target app", &[], &fx.proj, "");
    check_pg_env(
        &parse_env0(&out.stdout),
        &user,
        &dbname,
        "5433",
        &format!("{sh} --target"),
    );
    if sh == Sh::Zsh {
        // RC_QUOTES gives '' a meaning inside single quotes.
        let out = eval_env(&fx, sh, "--target app", &[], &fx.proj, "setopt rc_quotes");
        check_pg_env(
            &parse_env0(&out.stdout),
            &user,
            &dbname,
            "5433",
            "zsh rc_quotes",
        );
    }

    // A client command line may carry what a project file refuses: a
    // newline, a tab. Those round-trip too.
    let nl_user = format!("line1\nline2 {user}\n");
    let nl_db = format!("tab\there\n'\\''{dbname}");
    let out = eval_env(
        &fx,
        sh,
        "-- psql -h \"$RDS\" -p 5434 -U \"$NL_USER\" -d \"$NL_DB\"",
        &[("NL_USER", &nl_user), ("NL_DB", &nl_db)],
        &fx.root,
        "",
    );
    check_pg_env(
        &parse_env0(&out.stdout),
        &nl_user,
        &nl_db,
        "5434",
        &format!("{sh} -- psql"),
    );
    fx.assert_nothing_ran();
}

#[test]
fn env_round_trips_hostile_values_bash() {
    env_round_trip(Sh::Bash);
}

#[test]
fn env_round_trips_hostile_values_zsh() {
    env_round_trip(Sh::Zsh);
}

#[test]
fn env_round_trips_hostile_values_fish() {
    env_round_trip(Sh::Fish);
}

#[test]
fn env_json_has_the_same_values() {
    let fx = Fx::new();
    let (user, dbname) = hostile_values(&fx.root);
    fx.write_project(&fx.proj, &pg_project("app", &user, &dbname, None));
    fx.allow(&fx.proj);
    let out = fx.vouch(&["env", "--shell", "json", "--target", "app"], &fx.proj);
    assert!(out.status.success(), "{}", describe(&out));

    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let map: BTreeMap<String, String> = v
        .as_object()
        .expect("a JSON object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string values").to_string()))
        .collect();
    check_pg_env(&map, &user, &dbname, "5432", "json");
    assert!(
        !map.keys().any(|k| k.starts_with("__vouch")),
        "{:?}",
        map.keys()
    );

    // python3's json module reads it the same.
    if which::which("python3").is_err() {
        return missing("python3");
    }
    let mut py = Command::new("python3");
    py.args([
        "-c",
        "import json,sys\nd=json.load(sys.stdin)\nsys.stdout.write(''.join(k+'='+v+'\\0' for k,v in d.items()))",
    ]);
    let got = crate::support::run_with_stdin(py, &out.stdout);
    assert!(got.status.success(), "python3: {}", describe(&got));
    assert_eq!(parse_env0(&got.stdout), map);
    fx.assert_nothing_ran();
}

// ---------------------------------------------------------------------------
// 2. The hook, run by hand (non-interactive).

/// One step of a hook script, written for each shell.
#[derive(Clone, Copy)]
enum Step<'a> {
    /// Starts a named section on stdout and stderr.
    Mark(&'a str),
    /// What the shell does before a prompt.
    Prompt,
    /// Prints `NAME=value` (or `NAME=<unset>`) lines.
    Show(&'a [&'a str]),
    /// Removes variables from the shell.
    Unset(&'a [&'a str]),
    /// A command line that reads the same in all three shells.
    Cmd(&'a str),
}

use Step::{Cmd, Mark, Prompt, Show, Unset};

/// The start of every hook script: `vouch` as a function, the hook, and
/// for bash and zsh the nounset option.
fn hook_prelude(sh: Sh) -> &'static str {
    match sh {
        Sh::Bash => "set -u\nvouch() { \"$VBIN\" \"$@\"; }\neval \"$(\"$VBIN\" hook bash)\"\n",
        Sh::Zsh => {
            "setopt nounset\nvouch() { \"$VBIN\" \"$@\"; }\neval \"$(\"$VBIN\" hook zsh)\"\n"
        }
        Sh::Fish => "function vouch; $VBIN $argv; end\n$VBIN hook fish | source\n",
    }
}

fn render(sh: Sh, steps: &[Step]) -> String {
    let mut s = hook_prelude(sh).to_string();
    for step in steps {
        match (step, sh) {
            (Mark(m), _) => s.push_str(&format!("echo '@@{m}'; echo '@@{m}' >&2\n")),
            (Prompt, Sh::Bash) => s.push_str("__vouch_prompt\n"),
            (Prompt, Sh::Zsh) => s.push_str("__vouch_precmd\n"),
            (Prompt, Sh::Fish) => s.push_str("emit fish_prompt\n"),
            (Show(names), Sh::Bash | Sh::Zsh) => {
                for n in *names {
                    if *n == "TOKEN" {
                        s.push_str(&format!("if [ -n \"${{PGPASSFILE-}}\" ]; then printf 'TOKEN=%s\\n' \"$(cat \"$PGPASSFILE\")\"; else echo 'TOKEN={UNSET}'; fi\n"));
                        continue;
                    }
                    s.push_str(&format!("printf '%s=%s\\n' {n} \"${{{n}-{UNSET}}}\"\n"));
                }
            }
            (Show(names), Sh::Fish) => {
                for n in *names {
                    if *n == "TOKEN" {
                        s.push_str(&format!("if set -q PGPASSFILE; printf 'TOKEN=%s\\n' (cat $PGPASSFILE); else; echo 'TOKEN={UNSET}'; end\n"));
                        continue;
                    }
                    s.push_str(&format!(
                        "if set -q {n}; printf '%s=%s\\n' {n} \"${n}\"; else; echo '{n}={UNSET}'; end\n"
                    ));
                }
            }
            (Unset(names), Sh::Bash | Sh::Zsh) => {
                s.push_str(&format!("unset {}\n", names.join(" ")));
            }
            (Unset(names), Sh::Fish) => {
                s.push_str(&format!("set -e {}\n", names.join(" ")));
            }
            (Cmd(c), _) => {
                s.push_str(c);
                s.push('\n');
            }
        }
    }
    s
}

/// Text split at `@@name` lines: the text of each section.
fn sections(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut name = String::from("");
    let mut body = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(m) = line.trim_end().strip_prefix("@@") {
            out.insert(std::mem::take(&mut name), std::mem::take(&mut body));
            name = m.to_string();
        } else {
            body.push_str(line);
        }
    }
    out.insert(name, body);
    out
}

/// `NAME=value` lines as a map.
fn shown(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A hook script's result, by section.
struct Run {
    out: BTreeMap<String, String>,
    err: BTreeMap<String, String>,
    all: String,
}

impl Run {
    fn vars(&self, section: &str) -> BTreeMap<String, String> {
        shown(self.out.get(section).map_or("", String::as_str))
    }
    fn var(&self, section: &str, name: &str) -> String {
        self.vars(section)
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in section {section}\n{}", self.all))
    }
    fn err(&self, section: &str) -> &str {
        self.err.get(section).map_or("", String::as_str)
    }
}

fn run_hook(fx: &Fx, sh: Sh, steps: &[Step], extra: &[(&str, &str)], cwd: &Path) -> Run {
    let script = render(sh, steps);
    let out = fx.script(sh, &script, extra, cwd);
    let all = format!("{sh} script:\n{script}\n{}", describe(&out));
    assert!(out.status.success(), "{all}");
    Run {
        out: sections(&text(&out.stdout)),
        err: sections(&text(&out.stderr)),
        all,
    }
}

/// The value PGHOST had before the project: quoting has to keep it.
fn prev_host(fx: &Fx) -> String {
    format!("prev 'host' $(touch {}/pwned-prev) \\", fx.root.display())
}

/// Asserts the shell is back to what it had before the project.
#[track_caller]
fn assert_restored(run: &Run, section: &str, prev: &str) {
    let v = run.vars(section);
    for n in PG_VARS {
        let want = if *n == "PGHOST" { prev } else { UNSET };
        assert_eq!(
            v.get(*n).map(String::as_str),
            Some(want),
            "{section}: {n}\n{}",
            run.all
        );
    }
}

/// The token of a password-file line `HOST:5432:*:USER:TOKEN` (with `\:`
/// and `\\` escapes), checking the other fields.
#[track_caller]
fn pgpass_token(line: &str, user: &str) -> String {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().unwrap().push(chars.next().unwrap()),
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    assert_eq!(fields.len(), 5, "{line}");
    assert_eq!(fields[..4], [RDS_HOST, "5432", "*", user], "{line}");
    fields.pop().unwrap()
}

/// Asserts the project's target is exported.
#[track_caller]
fn assert_exported(run: &Run, section: &str, user: &str) {
    let v = run.vars(section);
    let get = |n: &str| v.get(n).map(String::as_str).unwrap_or(UNSET);
    assert_eq!(get("VOUCH_TARGET"), "app", "{section}\n{}", run.all);
    assert_eq!(get("PGHOST"), RDS_HOST, "{section}\n{}", run.all);
    assert_eq!(get("PGPORT"), "5432", "{section}\n{}", run.all);
    assert_eq!(get("PGUSER"), user, "{section}\n{}", run.all);
    assert_eq!(get("PGDATABASE"), "hook db", "{section}\n{}", run.all);
    assert_eq!(get("PGSSLMODE"), "verify-full", "{section}\n{}", run.all);
    assert_eq!(get("PGGSSENCMODE"), "disable", "{section}\n{}", run.all);
    // The token is in a private password file for this host, port and
    // user only; PGPASSWORD (offered to any server) is not set.
    assert_eq!(get("PGPASSWORD"), UNSET, "{section}\n{}", run.all);
    let passfile = get("PGPASSFILE");
    let mode = std::fs::metadata(passfile).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{section}: {passfile}");
    let token = pgpass_token(get("TOKEN"), user);
    let token = token.as_str();
    assert!(
        token.starts_with(&format!("{RDS_HOST}:5432/?Action=connect&DBUser=")),
        "{section}: {token}\n{}",
        run.all
    );
    assert_eq!(token_user(token), user, "{section}\n{}", run.all);
    let exp: u64 = get("VOUCH_EXPIRES_AT").parse().unwrap();
    assert!(exp > now() + 800, "{section}\n{}", run.all);
}

/// The project file of the hook tests: target `app`, no port.
fn hook_project(user: &str) -> String {
    pg_project("app", user, "hook db", None)
}

fn hook_flow(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("hook-user"));
    let edited = fx.root.join("edited.toml");
    std::fs::write(&edited, hook_project("edited-user")).unwrap();
    let env_file = fx.root.join("env-inside");
    let prev = prev_host(&fx);

    let steps = [
        Mark("start"),
        Prompt,
        Show(PG_VARS),
        // Untrusted: announced once, then ignored.
        Cmd("cd \"$PROJ/sub\""),
        Mark("untrusted"),
        Prompt,
        Prompt,
        Prompt,
        Show(PG_VARS),
        // Allowed: the next prompt exports.
        Cmd("vouch allow"),
        Mark("allowed"),
        Prompt,
        Show(PG_VARS),
        Cmd("env > \"$ENVFILE\""),
        // Moving inside the project changes nothing.
        Mark("inside"),
        Prompt,
        Cmd("cd .."),
        Prompt,
        Prompt,
        Show(PG_VARS),
        // Leaving restores.
        Cmd("cd \"$ROOT\""),
        Mark("left"),
        Prompt,
        Show(PG_VARS),
        Cmd("cd \"$PROJ\""),
        Mark("back"),
        Prompt,
        Show(PG_VARS),
        // Denied: dropped at the next prompt.
        Cmd("vouch deny"),
        Mark("denied"),
        Prompt,
        Prompt,
        Show(PG_VARS),
        Cmd("vouch allow"),
        Mark("reallowed"),
        Prompt,
        Show(PG_VARS),
        // Edited: dropped, announced as changed.
        Cmd("sleep 0.05"),
        Cmd("cp \"$EDITED\" \"$PROJ/.vouch.toml\""),
        Mark("edited"),
        Prompt,
        Prompt,
        Show(PG_VARS),
        Cmd("vouch allow"),
        Mark("edit-allowed"),
        Prompt,
        Show(PG_VARS),
        Cmd("cd /"),
        Mark("end"),
        Prompt,
        Show(PG_VARS),
    ];
    let edited_s = Fx::s(&edited);
    let env_s = Fx::s(&env_file);
    let run = run_hook(
        &fx,
        sh,
        &steps,
        &[
            ("PGHOST", &prev),
            ("EDITED", &edited_s),
            ("ENVFILE", &env_s),
        ],
        &fx.root,
    );
    let file = fx.proj.join(".vouch.toml");
    let file = file.display();

    assert_restored(&run, "start", &prev);
    assert_eq!(run.err("start"), "", "{}", run.all);

    assert_restored(&run, "untrusted", &prev);
    let e = run.err("untrusted");
    assert_eq!(
        e.matches("is not allowed").count(),
        1,
        "announced once: {}",
        run.all
    );
    assert!(
        e.contains(&format!("vouch: {file} is not allowed")),
        "{}",
        run.all
    );

    assert_exported(&run, "allowed", "hook-user");
    assert!(
        run.err("allowed").contains(&format!(
            "vouch: target app: postgres hook-user@{RDS_HOST} db hook db (from {file})"
        )),
        "{}",
        run.all
    );
    // The hook's own state stays in the shell.
    let env = std::fs::read_to_string(&env_file).unwrap();
    assert!(env.contains("\nVOUCH_TARGET=app\n"), "{env}");
    assert!(!env.contains("__vouch"), "state variables exported: {env}");

    assert_eq!(run.vars("inside"), run.vars("allowed"), "{}", run.all);
    assert_eq!(run.err("inside"), "", "{}", run.all);

    assert_restored(&run, "left", &prev);
    assert_eq!(run.err("left"), "", "{}", run.all);

    assert_exported(&run, "back", "hook-user");
    assert!(run.err("back").contains("vouch: target app"), "{}", run.all);

    assert_restored(&run, "denied", &prev);
    assert_eq!(
        run.err("denied").matches("is not allowed").count(),
        1,
        "{}",
        run.all
    );

    assert_exported(&run, "reallowed", "hook-user");

    assert_restored(&run, "edited", &prev);
    let e = run.err("edited");
    assert_eq!(
        e.matches("changed since it was allowed").count(),
        1,
        "{}",
        run.all
    );

    assert_exported(&run, "edit-allowed", "edited-user");
    assert_restored(&run, "end", &prev);
    fx.assert_nothing_ran();
}

#[test]
fn hook_enter_leave_allow_deny_edit_bash() {
    hook_flow(Sh::Bash);
}

#[test]
fn hook_enter_leave_allow_deny_edit_zsh() {
    hook_flow(Sh::Zsh);
}

#[test]
fn hook_enter_leave_allow_deny_edit_fish() {
    hook_flow(Sh::Fish);
}

/// bash: the hook runs last in PROMPT_COMMAND (what runs before it sees
/// the command's `$?`; bash gives the prompt that `$?` itself) and returns
/// 0, so neither `set -e` nor an ERR trap goes off, whether it runs vouch
/// (entering) or not.
#[test]
fn hook_never_sets_off_errexit_or_err_traps_bash() {
    if !shells::available(Sh::Bash) {
        return;
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("u"));
    fx.allow(&fx.proj);
    let steps = [
        Cmd("PROMPT_COMMAND=(mine); eval \"$(\"$VBIN\" hook bash)\""),
        Cmd("trap 'echo ERR-TRAP' ERR; set -e"),
        Cmd("(exit 3) || __vouch_prompt; echo \"rc=$?\""),
        Cmd("cd \"$PROJ\"; (exit 4) || __vouch_prompt; echo \"rc=$?\""),
        Cmd("(exit 5) || __vouch_prompt; echo \"rc=$?\""),
        Cmd("cd /; (exit 6) || __vouch_prompt; echo \"rc=$?\""),
        Cmd("echo \"PROMPT_COMMAND=${PROMPT_COMMAND[*]}\""),
    ];
    let run = run_hook(&fx, Sh::Bash, &steps, &[], &fx.root);
    assert_eq!(
        run.out[""], "rc=0\nrc=0\nrc=0\nrc=0\nPROMPT_COMMAND=mine __vouch_prompt\n",
        "{}",
        run.all
    );
}

/// Allowing a file that was edited while the hook waited for `vouch
/// allow` exports it at the next prompt (the hook must not wait for the
/// record of the content it saw first).
fn hook_pending_edit(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("first-user"));
    let edited = fx.root.join("edited.toml");
    std::fs::write(&edited, hook_project("edited-user")).unwrap();
    let edited_s = Fx::s(&edited);
    let steps = [
        Cmd("cd \"$PROJ\""),
        Mark("pending"),
        Prompt,
        Show(PG_VARS),
        // Review, fix the file, then allow it.
        Cmd("sleep 0.05"),
        Cmd("cp \"$EDITED\" \"$PROJ/.vouch.toml\""),
        Prompt,
        Cmd("vouch allow"),
        Mark("allowed"),
        Prompt,
        Show(PG_VARS),
    ];
    let run = run_hook(&fx, sh, &steps, &[("EDITED", &edited_s)], &fx.root);
    assert!(run.err("pending").contains("is not allowed"), "{}", run.all);
    assert_exported(&run, "allowed", "edited-user");
}

#[test]
fn hook_exports_a_file_edited_then_allowed_bash() {
    hook_pending_edit(Sh::Bash);
}

#[test]
fn hook_exports_a_file_edited_then_allowed_zsh() {
    hook_pending_edit(Sh::Zsh);
}

#[test]
fn hook_exports_a_file_edited_then_allowed_fish() {
    hook_pending_edit(Sh::Fish);
}

/// Removing the project file (say, checking out a branch without it)
/// drops its target at the next prompt, as leaving the folder would.
fn hook_file_removed(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("u"));
    fx.allow(&fx.proj);
    let prev = prev_host(&fx);
    let steps = [
        Cmd("cd \"$PROJ\""),
        Mark("in"),
        Prompt,
        Show(PG_VARS),
        Cmd("rm \"$PROJ/.vouch.toml\""),
        Mark("removed"),
        Prompt,
        Show(PG_VARS),
    ];
    let run = run_hook(&fx, sh, &steps, &[("PGHOST", &prev)], &fx.root);
    assert_exported(&run, "in", "u");
    assert_restored(&run, "removed", &prev);
}

#[test]
fn hook_drops_a_removed_project_file_bash() {
    hook_file_removed(Sh::Bash);
}

#[test]
fn hook_drops_a_removed_project_file_zsh() {
    hook_file_removed(Sh::Zsh);
}

#[test]
fn hook_drops_a_removed_project_file_fish() {
    hook_file_removed(Sh::Fish);
}

/// A token due (margin 899 s: due at once) is refreshed at the next
/// prompt; a refresh that fails prints one line, keeps the shell usable
/// and is not retried at every prompt.
fn hook_refresh(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("u"));
    fx.allow(&fx.proj);
    let steps = [
        Cmd("cd \"$PROJ\""),
        Mark("in"),
        Prompt,
        Show(PG_VARS),
        Cmd("sleep 1.1"),
        Mark("refreshed"),
        Prompt,
        Show(PG_VARS),
        Unset(&["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]),
        Cmd("sleep 1.1"),
        Mark("failed"),
        Prompt,
        Show(PG_VARS),
        Mark("quiet"),
        Prompt,
        Prompt,
        Cmd("echo still-usable"),
    ];
    let run = run_hook(
        &fx,
        sh,
        &steps,
        &[("VOUCH_REFRESH_MARGIN", "899")],
        &fx.root,
    );
    assert_exported(&run, "in", "u");
    assert_exported(&run, "refreshed", "u");
    let (t1, t2) = (run.var("in", "TOKEN"), run.var("refreshed", "TOKEN"));
    assert_ne!(t1, t2, "a new token\n{}", run.all);
    let (e1, e2): (u64, u64) = (
        run.var("in", "VOUCH_EXPIRES_AT").parse().unwrap(),
        run.var("refreshed", "VOUCH_EXPIRES_AT").parse().unwrap(),
    );
    assert!(e2 > e1, "{e1} -> {e2}\n{}", run.all);
    assert_eq!(run.err("refreshed"), "", "a refresh is silent\n{}", run.all);

    // Failed: the old values stay, the shell goes on.
    assert_eq!(run.vars("failed"), run.vars("refreshed"), "{}", run.all);
    assert_eq!(run.out["quiet"], "still-usable\n", "{}", run.all);
    assert_eq!(run.err("quiet"), "", "not retried at once\n{}", run.all);
    let e = run.err("failed");
    assert!(e.starts_with("vouch: "), "{}", run.all);
    assert_eq!(
        e.lines().count(),
        1,
        "a failed refresh prints one line, not:\n{e}"
    );
}

#[test]
fn hook_refreshes_and_survives_a_failed_refresh_bash() {
    hook_refresh(Sh::Bash);
}

#[test]
fn hook_refreshes_and_survives_a_failed_refresh_zsh() {
    hook_refresh(Sh::Zsh);
}

#[test]
fn hook_refreshes_and_survives_a_failed_refresh_fish() {
    hook_refresh(Sh::Fish);
}

/// A project the hook cannot use (two targets, no default) is reported in
/// one line when entered, not at every prompt; a MySQL target exports the
/// host and port, no token.
fn hook_mysql_and_unusable(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    let my = fx.root.join("my");
    let two = fx.root.join("two");
    std::fs::create_dir_all(&my).unwrap();
    std::fs::create_dir_all(&two).unwrap();
    fx.write_project(
        &my,
        "[targets.rep]\nengine = \"mysql\"\nhost = \"db.example.com\"\nport = 3307\nuser = \"r\"\n",
    );
    fx.write_project(
        &two,
        &format!(
            "{}{}",
            pg_project("a", "u", "d", None),
            pg_project("b", "u", "d", None)
        ),
    );
    fx.allow(&my);
    fx.allow(&two);
    let names: &[&str] = &[
        "MYSQL_HOST",
        "MYSQL_TCP_PORT",
        "MYSQL_PWD",
        "VOUCH_TARGET",
        "VOUCH_EXPIRES_AT",
        "PGPASSWORD",
        "LIBMYSQL_ENABLE_CLEARTEXT_PLUGIN",
    ];
    let steps = [
        Cmd("cd \"$ROOT/my\""),
        Mark("my"),
        Prompt,
        Prompt,
        Show(names),
        Cmd("cd \"$ROOT/two\""),
        Mark("two"),
        Prompt,
        Prompt,
        Prompt,
        Show(names),
        Cmd("echo still-usable"),
    ];
    let run = run_hook(&fx, sh, &steps, &[], &fx.root);
    let v = run.vars("my");
    let get = |n: &str| v.get(n).map(String::as_str).unwrap_or("?");
    assert_eq!(get("MYSQL_HOST"), "db.example.com", "{}", run.all);
    assert_eq!(get("MYSQL_TCP_PORT"), "3307", "{}", run.all);
    assert_eq!(get("VOUCH_TARGET"), "rep", "{}", run.all);
    for n in [
        "MYSQL_PWD",
        "PGPASSWORD",
        "VOUCH_EXPIRES_AT",
        "LIBMYSQL_ENABLE_CLEARTEXT_PLUGIN",
    ] {
        assert_eq!(get(n), UNSET, "{n}\n{}", run.all);
    }
    assert!(
        run.err("my")
            .contains("vouch: target rep: mysql r@db.example.com:3307 (from "),
        "{}",
        run.all
    );

    let v = run.vars("two");
    assert!(v.values().all(|x| x == UNSET), "{}", run.all);
    let e = run.err("two");
    assert!(e.contains("default = \"NAME\""), "{}", run.all);
    assert_eq!(e.lines().count(), 1, "{}", run.all);
    assert!(run.out["two"].ends_with("still-usable\n"), "{}", run.all);
}

#[test]
fn hook_mysql_target_and_an_unusable_project_bash() {
    hook_mysql_and_unusable(Sh::Bash);
}

#[test]
fn hook_mysql_target_and_an_unusable_project_zsh() {
    hook_mysql_and_unusable(Sh::Zsh);
}

#[test]
fn hook_mysql_target_and_an_unusable_project_fish() {
    hook_mysql_and_unusable(Sh::Fish);
}

/// Installing the hook twice (a re-read ~/.bashrc) installs it once, with
/// PROMPT_COMMAND a string or an array.
#[test]
fn hook_installs_once_bash() {
    if !shells::available(Sh::Bash) {
        return;
    }
    let fx = Fx::new();
    let mut wrong = Vec::new();
    for (setup, show) in [
        ("", "echo \"$PROMPT_COMMAND\""),
        ("PROMPT_COMMAND='mine'", "echo \"$PROMPT_COMMAND\""),
        ("PROMPT_COMMAND=(mine)", "echo \"${PROMPT_COMMAND[*]}\""),
        (
            "PROMPT_COMMAND=(mine other)",
            "echo \"${PROMPT_COMMAND[*]}\"",
        ),
    ] {
        let script = format!(
            "set -u\n{setup}\neval \"$(\"$VBIN\" hook bash)\"\neval \"$(\"$VBIN\" hook bash)\"\n{show}\n"
        );
        let out = fx.script(Sh::Bash, &script, &[], &fx.root);
        assert!(out.status.success(), "{}", describe(&out));
        let got = text(&out.stdout);
        if got.matches("__vouch_prompt").count() != 1 || !got.trim_end().ends_with("__vouch_prompt")
        {
            wrong.push(format!(
                "{setup:?} then the hook twice: PROMPT_COMMAND {got:?}"
            ));
        }
        if !setup.is_empty() && !got.contains("mine") {
            wrong.push(format!("{setup:?}: the user's command is gone: {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn hook_installs_once_zsh() {
    if !shells::available(Sh::Zsh) {
        return;
    }
    let fx = Fx::new();
    let script = "mine() { :; }\nprecmd_functions=(mine)\neval \"$(\"$VBIN\" hook zsh)\"\neval \"$(\"$VBIN\" hook zsh)\"\necho \"${precmd_functions[*]}\"\n";
    let out = fx.script(Sh::Zsh, script, &[], &fx.root);
    assert_eq!(
        text(&out.stdout),
        "mine __vouch_precmd\n",
        "{}",
        describe(&out)
    );
}

// ---------------------------------------------------------------------------
// 3. The hook in interactive shells (tmux).

fn start(fx: &Fx, sh: Sh, rc: &str, cwd: &Path, extra: &[(&str, &str)]) -> Session {
    let env = fx.env_with(extra);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (&**k, &**v)).collect();
    Session::start(sh, rc, &fx.home, cwd, &env)
}

/// The rc text: a prompt handler of the user's own that counts prompts and
/// keeps the status it saw, then the hook (bash and zsh under nounset).
fn interactive_rc(sh: Sh, bash_array: bool) -> String {
    match sh {
        Sh::Bash if bash_array => concat!(
            "set -u\nmine_n=0\n",
            "PROMPT_COMMAND=('mine_rc=$?' 'mine_n=$((mine_n+1))')\n",
            "eval \"$(\"$VBIN\" hook bash)\"\n"
        )
        .to_string(),
        Sh::Bash => concat!(
            "set -u\nmine_n=0\n",
            "PROMPT_COMMAND='mine_rc=$?; mine_n=$((mine_n+1))'\n",
            "eval \"$(\"$VBIN\" hook bash)\"\n"
        )
        .to_string(),
        Sh::Zsh => concat!(
            "setopt nounset\nmine_n=0\n",
            "mine() { mine_rc=$?; mine_n=$((mine_n+1)); }\n",
            "precmd_functions+=(mine)\n",
            "eval \"$(\"$VBIN\" hook zsh)\"\n"
        )
        .to_string(),
        Sh::Fish => concat!(
            "set -g mine_n 0\n",
            "function mine --on-event fish_prompt\n",
            "    set -g mine_rc $status\n",
            "    set -g mine_n (math $mine_n + 1)\n",
            "end\n",
            "$VBIN hook fish | source\n"
        )
        .to_string(),
    }
}

fn interactive(sh: Sh, bash_array: bool, refresh: bool) {
    if !shells::interactive_available(sh) {
        return;
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("tty-user"));
    fx.allow(&fx.proj);
    let s = start(
        &fx,
        sh,
        &interactive_rc(sh, bash_array),
        &fx.root,
        &[("PGHOST", "prev-host"), ("VOUCH_REFRESH_MARGIN", "895")],
    );
    let st = sh.status_var();

    assert_eq!(s.run("printenv PGUSER", T), "");
    let entered = Instant::now();
    let out = s.run("cd \"$PROJ/sub\"", T);
    assert!(
        out.contains(&format!("vouch: target app: postgres tty-user@{RDS_HOST}")),
        "{out}"
    );
    assert_eq!(s.run("printenv PGUSER", T), "tty-user");
    assert_eq!(s.run("printenv PGHOST", T), RDS_HOST);
    assert_eq!(s.run("printenv VOUCH_TARGET", T), "app");
    assert_eq!(s.run("env | grep -c __vouch", T), "0");

    // $? reaches the next command and the user's own prompt handler.
    assert_eq!(s.run("false", T), "");
    assert_eq!(s.run(&format!("echo {st} $mine_rc"), T), "1 1");
    assert_eq!(s.run("true", T), "");
    assert_eq!(s.run(&format!("echo {st} $mine_rc"), T), "0 0");
    // The handler runs at every prompt.
    let n1: u64 = s.run("echo $mine_n", T).parse().unwrap();
    let n2: u64 = s.run("echo $mine_n", T).parse().unwrap();
    assert_eq!(n2, n1 + 1);

    if refresh {
        // Moving within the project keeps the token; the clock refreshes
        // it about 5 s after it was issued (900 - 895).
        assert_eq!(s.run("cd ..", T), "");
        let t1 = s.run("cat \"$PGPASSFILE\"", T);
        let e1: u64 = s.run("printenv VOUCH_EXPIRES_AT", T).parse().unwrap();
        assert!(t1.starts_with(RDS_HOST), "{t1}");
        let t2 = loop {
            let t = s.run("cat \"$PGPASSFILE\"", T);
            if t != t1 {
                break t;
            }
            assert!(
                entered.elapsed() < Duration::from_secs(12),
                "no refresh after {:?}:\n{}",
                entered.elapsed(),
                s.capture()
            );
            std::thread::sleep(Duration::from_millis(300));
        };
        assert!(
            entered.elapsed() >= Duration::from_secs(3),
            "refreshed too early, after {:?}",
            entered.elapsed()
        );
        assert!(t2.starts_with(RDS_HOST), "{t2}");
        let e2: u64 = s.run("printenv VOUCH_EXPIRES_AT", T).parse().unwrap();
        assert!(e2 > e1, "{e1} -> {e2}");
        // No message for a refresh, none at prompts when nothing is due.
        assert_eq!(s.run("echo quiet", T), "quiet");
    }

    // Leaving puts back what was there.
    assert_eq!(s.run("cd /", T), "");
    assert_eq!(s.run("printenv PGUSER", T), "");
    assert_eq!(s.run("printenv PGPASSWORD", T), "");
    assert_eq!(s.run("printenv PGPASSFILE", T), "");
    assert_eq!(s.run("printenv PGHOST", T), "prev-host");
    assert_eq!(s.run("false", T), "");
    assert_eq!(s.run(&format!("echo {st}"), T), "1");
    fx.assert_nothing_ran();
}

#[test]
fn interactive_bash() {
    interactive(Sh::Bash, false, true);
}

#[test]
fn interactive_bash_prompt_command_array() {
    interactive(Sh::Bash, true, false);
}

#[test]
fn interactive_zsh() {
    interactive(Sh::Zsh, false, true);
}

#[test]
fn interactive_fish() {
    interactive(Sh::Fish, false, true);
}

// ---------------------------------------------------------------------------
// 4. No process per prompt when nothing is due.

/// True when strace can trace here (ptrace may be forbidden).
fn strace_works() -> bool {
    let ok = Command::new("strace")
        .args(["-f", "-o", "/dev/null", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        missing("strace (with ptrace allowed)");
    }
    ok
}

/// Runs `script` in `sh` under strace and counts the processes it made
/// (execve, and clone/fork without CLONE_THREAD) and vouch's runs.
fn processes(fx: &Fx, sh: Sh, script: &str, cwd: &Path, tag: &str) -> (usize, usize, String) {
    let log = fx.root.join(format!("strace-{sh}-{tag}"));
    let mut cmd = Command::new("strace");
    cmd.arg("-f")
        .arg("-o")
        .arg(&log)
        .args(["-e", "trace=execve,clone,clone3,fork,vfork", sh.program()])
        .args(match sh {
            Sh::Bash => &["--norc", "--noprofile"][..],
            Sh::Zsh => &["-f"][..],
            Sh::Fish => &["--no-config"][..],
        })
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .stdin(Stdio::null());
    scrub(&mut cmd);
    cmd.envs(fx.env());
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{sh} under strace: {}",
        describe(&out)
    );
    let trace = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = trace
        .lines()
        .filter(|l| {
            let call = l.split_once(' ').map_or("", |(_, c)| c.trim_start());
            ["execve(", "clone(", "clone3(", "fork(", "vfork("]
                .iter()
                .any(|c| call.starts_with(c))
                && !l.contains("CLONE_THREAD")
        })
        .collect();
    let vouch_runs = calls
        .iter()
        .filter(|l| l.contains("execve(") && l.contains("hook-export"))
        .count();
    (calls.len(), vouch_runs, calls.join("\n"))
}

fn no_process_per_prompt(sh: Sh) {
    if !shells::available(sh) || !strace_works() {
        return;
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("u"));
    fx.allow(&fx.proj);
    let untrusted = fx.root.join("untrusted");
    std::fs::create_dir_all(untrusted.join("sub")).unwrap();
    fx.write_project(&untrusted, &hook_project("u"));

    let prompt = match sh {
        Sh::Bash => "__vouch_prompt",
        Sh::Zsh => "__vouch_precmd",
        Sh::Fish => "__vouch_prompt",
    };
    let hook = match sh {
        Sh::Fish => "$VBIN hook fish | source\n".to_string(),
        _ => format!("eval \"$(\"$VBIN\" hook {sh})\"\n"),
    };
    let repeat = |body: &str| match sh {
        Sh::Fish => format!("set i 0\nwhile test $i -lt 100\n set i (math $i + 1)\n {body}\nend\n"),
        _ => format!("for ((i = 0; i < 100; i++)); do\n {body}\ndone\n"),
    };
    // (name, folder to enter, what the loop does there)
    let cases = [
        (
            "active",
            "\"$PROJ\"",
            format!("cd sub; {prompt}; cd ..; {prompt}"),
        ),
        (
            "pending",
            "\"$ROOT/untrusted\"",
            format!("cd sub; {prompt}; cd ..; {prompt}"),
        ),
        (
            "none",
            "\"$HOME\"",
            format!("cd /; {prompt}; cd \"$HOME\"; {prompt}"),
        ),
    ];
    for (name, dir, body) in cases {
        let once = format!("{hook}cd {dir}\n{prompt}\n");
        let many = format!("{once}{}true\n", repeat(&body));
        let once = format!("{once}true\n");
        let (n_once, vouch_once, _) = processes(&fx, sh, &once, &fx.root, &format!("{name}-1"));
        let (n_many, vouch_many, calls) =
            processes(&fx, sh, &many, &fx.root, &format!("{name}-100"));
        let want_vouch = usize::from(name != "none");
        assert_eq!(vouch_once, want_vouch, "{sh} {name}: entering runs vouch");
        assert_eq!(
            (n_many, vouch_many),
            (n_once, vouch_once),
            "{sh} {name}: 200 prompts with nothing due started processes:\n{calls}"
        );
    }
}

#[test]
fn no_process_per_prompt_bash() {
    no_process_per_prompt(Sh::Bash);
}

#[test]
fn no_process_per_prompt_zsh() {
    no_process_per_prompt(Sh::Zsh);
}

#[test]
fn no_process_per_prompt_fish() {
    no_process_per_prompt(Sh::Fish);
}

// ---------------------------------------------------------------------------
// 5. The client wrappers.

/// A stand-in psql on PATH that tells whether it got a token and was run
/// by vouch.
fn standin_bin(fx: &Fx) -> String {
    let bin = fx.root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // token=yes: PGPASSWORD (vouch exec); token=file: only the hook's PGPASSFILE.
    let psql = "#!/bin/sh\nt=${PGPASSWORD:+yes}\n[ -z \"$t\" ] && [ -n \"$PGPASSFILE\" ] && t=file\nprintf 'standin token=%s by-vouch=%s args=%s\\n' \"$t\" \"${VOUCH_EXEC_SKIP:+yes}\" \"$*\"\n";
    // vouch asks a mysql client which one it is: the real one answers.
    let mysql = "#!/bin/sh\n[ \"$1\" = --version ] && exec /usr/bin/mysql --version\nprintf 'standin token=%s by-vouch=%s args=%s\\n' \"${MYSQL_PWD:+yes}\" \"${VOUCH_EXEC_SKIP:+yes}\" \"$*\"\n";
    for (name, script) in [("psql", psql), ("mysql", mysql)] {
        let p = bin.join(name);
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The hook and the wrappers together: in a project folder a plain `psql`
/// or `mysql` connects to the target with a token; `command psql` gets
/// only what the hook exported.
fn alias_with_hook(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    if !Path::new("/usr/bin/mysql").is_file() {
        return missing("/usr/bin/mysql");
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("pg-user"));
    let my = fx.root.join("my");
    std::fs::create_dir_all(&my).unwrap();
    fx.write_project(
        &my,
        &format!("[targets.rep]\nengine = \"mysql\"\nhost = \"{RDS_HOST}\"\nuser = \"my-user\"\ndbname = \"mydb\"\n"),
    );
    fx.allow(&fx.proj);
    fx.allow(&my);
    let path = standin_bin(&fx);
    let (load, prompt) = match sh {
        Sh::Bash => (
            "eval \"$(\"$VBIN\" hook bash)\"; eval \"$(\"$VBIN\" alias bash psql mysql)\"",
            "__vouch_prompt",
        ),
        Sh::Zsh => (
            "eval \"$(\"$VBIN\" hook zsh)\"; eval \"$(\"$VBIN\" alias zsh psql mysql)\"",
            "__vouch_precmd",
        ),
        Sh::Fish => (
            "$VBIN hook fish | source; $VBIN alias fish psql mysql | source",
            "emit fish_prompt",
        ),
    };
    let script = format!(
        "{load}\ncd \"$PROJ\"; {prompt}\npsql -c 'select 1'\ncommand psql -c 'select 1'\ncd \"$ROOT/my\"; {prompt}\nmysql -e 'select 1'\ncommand mysql -e 'select 1'\n"
    );
    let out = fx.script(sh, &script, &[("PATH", &path)], &fx.root);
    assert!(out.status.success(), "{sh}: {}", describe(&out));
    let got = text(&out.stdout);
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), 4, "{sh}: {}", describe(&out));
    // psql: the hook's PG* variables and a fresh token either way (the
    // hook's is in its password file), but only the wrapper goes through
    // vouch.
    assert_eq!(
        lines[0], "standin token=yes by-vouch=yes args=-c select 1",
        "{sh}"
    );
    assert_eq!(
        lines[1], "standin token=file by-vouch= args=-c select 1",
        "{sh}"
    );
    // mysql: the wrapper passes the target from VOUCH_TARGET and the token;
    // the bare client has no token.
    assert!(
        lines[2].starts_with("standin token=yes by-vouch=yes args=")
            && lines[2].contains(&format!("--host={RDS_HOST}"))
            && lines[2].contains("--user=my-user")
            && lines[2].contains("--database=mydb")
            && lines[2].contains("--ssl-verify-server-cert")
            && lines[2].ends_with("-e select 1"),
        "{sh}: {}",
        lines[2]
    );
    assert_eq!(
        lines[3], "standin token= by-vouch= args=-e select 1",
        "{sh}"
    );
}

#[test]
fn alias_with_hook_bash() {
    alias_with_hook(Sh::Bash);
}

#[test]
fn alias_with_hook_zsh() {
    alias_with_hook(Sh::Zsh);
}

#[test]
fn alias_with_hook_fish() {
    alias_with_hook(Sh::Fish);
}

fn aliases(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    let out = fx.vouch(&["alias", sh.name(), "psql"], &fx.root);
    assert!(out.status.success(), "{}", describe(&out));
    let script_text = text(&out.stdout);
    assert!(script_text.contains("psql"), "{script_text}");
    let file = fx.root.join(format!("aliases.{sh}"));
    std::fs::write(&file, &script_text).unwrap();
    let file_s = Fx::s(&file);

    // Through the wrapper a connecting psql gets a token from vouch; the
    // bare client does not.
    let path = standin_bin(&fx);
    let (load, kind) = match sh {
        Sh::Bash => ("eval \"$(\"$VBIN\" alias bash psql)\"", "type -t psql"),
        Sh::Zsh => ("eval \"$(\"$VBIN\" alias zsh psql)\"", "whence -w psql"),
        Sh::Fish => ("$VBIN alias fish psql | source", "type -t psql"),
    };
    let script = format!(
        "{load}\n{kind}\npsql -h \"$RDS\" -U app -d db\ncommand psql -h \"$RDS\" -U app -d db\n"
    );
    let out = fx.script(sh, &script, &[("PATH", &path)], &fx.root);
    assert!(out.status.success(), "{sh}: {}", describe(&out));
    let want_kind = match sh {
        Sh::Zsh => "psql: function",
        _ => "function",
    };
    assert_eq!(
        text(&out.stdout),
        format!(
            "{want_kind}\nstandin token=yes by-vouch=yes args=-h {RDS_HOST} -U app -d db\nstandin token= by-vouch= args=-h {RDS_HOST} -U app -d db\n"
        ),
        "{sh}: {}",
        describe(&out)
    );

    // The real psql: --version does not connect, vouch runs it as is. A
    // script that sources the saved wrappers works too.
    if which::which("psql").is_err() {
        return missing("psql");
    }
    let source = match sh {
        Sh::Fish => "source $ALIASES",
        _ => ". \"$ALIASES\"",
    };
    let script = format!("{source}\npsql --version\ncommand psql --version\n");
    let out = fx.script(sh, &script, &[("ALIASES", &file_s)], &fx.root);
    assert!(out.status.success(), "{sh}: {}", describe(&out));
    let got = text(&out.stdout);
    assert_eq!(got.matches("psql (PostgreSQL) ").count(), 2, "{sh}: {got}");
}

#[test]
fn alias_bash() {
    aliases(Sh::Bash);
}

#[test]
fn alias_zsh() {
    aliases(Sh::Zsh);
}

#[test]
fn alias_fish() {
    aliases(Sh::Fish);
}

/// The rendered scripts parse in their shells, and bash's pass shellcheck.
#[test]
fn rendered_scripts_parse_and_pass_shellcheck() {
    let fx = Fx::new();
    let render = |args: &[&str]| {
        let out = fx.vouch(args, &fx.root);
        assert!(out.status.success(), "{args:?}: {}", describe(&out));
        text(&out.stdout)
    };
    let all_alias = render(&["alias", "bash"]);
    assert!(all_alias.contains("function psql"), "{all_alias}");
    if which::which("mysql").is_ok() {
        assert!(all_alias.contains("function mysql"), "{all_alias}");
    }
    for sh in Sh::ALL {
        if !shells::available(sh) {
            continue;
        }
        for kind in ["hook", "alias"] {
            let code = render(&[kind, sh.name()]);
            let mut cmd = Command::new(sh.program());
            cmd.arg("-n");
            let out = crate::support::run_with_stdin(cmd, code.as_bytes());
            assert!(out.status.success(), "{sh} -n on vouch {kind}: {out:?}");
        }
    }
    if which::which("shellcheck").is_err() {
        return missing("shellcheck");
    }
    for kind in ["hook", "alias"] {
        let code = render(&[kind, "bash"]);
        let mut cmd = Command::new("shellcheck");
        cmd.args(["-s", "bash", "-"]);
        let out = crate::support::run_with_stdin(cmd, code.as_bytes());
        assert!(
            out.status.success(),
            "shellcheck on vouch {kind} bash:\n{}",
            text(&out.stdout)
        );
    }
}

/// The rc text that sets up completion and the wrappers.
fn completion_rc(sh: Sh) -> Option<String> {
    Some(match sh {
        Sh::Bash => {
            let bc = "/usr/share/bash-completion/bash_completion";
            if !Path::new(bc).is_file() {
                missing("bash-completion");
                return None;
            }
            format!("source {bc}\neval \"$(\"$VBIN\" alias bash psql mysql)\"\n")
        }
        // More than 100 matches would make zsh ask first.
        Sh::Zsh => "autoload -Uz compinit && compinit -u\nLISTMAX=1000\neval \"$(\"$VBIN\" alias zsh psql mysql)\"\n".to_string(),
        Sh::Fish => "$VBIN alias fish psql mysql | source\n".to_string(),
    })
}

fn completion(sh: Sh) {
    if !shells::interactive_available(sh) {
        return;
    }
    for client in ["psql", "mysql"] {
        if which::which(client).is_err() {
            return missing(client);
        }
    }
    let Some(rc) = completion_rc(sh) else {
        return;
    };
    let fx = Fx::new();
    let s = start(&fx, sh, &rc, &fx.root, &[]);
    let kind = match sh {
        Sh::Zsh => "whence -w psql mysql",
        _ => "type -t psql mysql",
    };
    let want = match sh {
        Sh::Zsh => "psql: function\nmysql: function",
        _ => "function\nfunction",
    };
    assert_eq!(s.run(kind, T), want);

    // Options only psql has, then options only mysql has.
    for (client, needles) in [
        ("psql", ["--dbname", "--no-psqlrc"]),
        ("mysql", ["--auto-rehash", "--skip-column-names"]),
    ] {
        s.send_text(&format!("{client} --"));
        s.send_keys(&["Tab", "Tab"]);
        let screen = s.wait_until(&format!("{client} options after Tab Tab"), T, |t| {
            needles.iter().all(|n| t.contains(n))
        });
        assert!(!screen.contains("command not found"), "{screen}");
        cancel_line(&s);
    }
    assert_eq!(s.run("echo done", T), "done");
}

/// Abandons the line being edited: C-c until a new, empty prompt shows
/// (zsh's first C-c may only stop a completion function that still runs).
fn cancel_line(s: &Session) {
    let prompts = |t: &str| t.matches(shells::PROMPT_MARK).count();
    let idle = |t: &str| {
        t.lines()
            .rfind(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_end().ends_with(shells::PROMPT_MARK))
    };
    let before = prompts(&s.capture());
    for _ in 0..5 {
        s.send_keys(&["C-c"]);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            let t = s.capture();
            if prompts(&t) > before && idle(&t) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("C-c gives no new prompt:\n{}", s.capture());
}

#[test]
fn alias_completion_bash() {
    completion(Sh::Bash);
}

#[test]
fn alias_completion_zsh() {
    completion(Sh::Zsh);
}

#[test]
fn alias_completion_fish() {
    completion(Sh::Fish);
}

// ---------------------------------------------------------------------------
// 6. `vouch env` errors.

#[test]
fn env_errors() {
    let fx = Fx::new();
    let stderr = |o: &Output| text(&o.stderr);

    // Nothing to describe.
    let out = fx.vouch(&["env"], &fx.root);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    assert!(stderr(&out).contains("--target"), "{}", describe(&out));

    // An unknown target: the known ones, from the project and config.toml.
    fx.write_project(
        &fx.proj,
        &format!(
            "default = \"alpha\"\n{}{}",
            pg_project("alpha", "u", "d", None),
            pg_project("beta", "u", "d", None)
        ),
    );
    let cfg = fx.home.join(".config/vouch/config.toml");
    std::fs::write(&cfg, pg_project("gamma", "u", "d", None)).unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Not allowed yet: its targets are not offered.
    let out = fx.vouch(&["env", "--target", "alpha"], &fx.proj);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("is not allowed"),
        "{}",
        describe(&out)
    );

    fx.allow(&fx.proj);
    let out = fx.vouch(&["env", "--target", "nope"], &fx.proj.join("sub"));
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    let e = stderr(&out);
    assert!(e.contains("\"nope\""), "{e}");
    for known in ["alpha", "beta", "gamma"] {
        assert!(e.contains(known), "{known} not listed: {e}");
    }
    // The config target works from anywhere.
    let out = fx.vouch(&["env", "--target", "gamma"], &fx.root);
    assert!(out.status.success(), "{}", describe(&out));

    // A client that does not connect has no environment.
    let out = fx.vouch(&["env", "--", "psql", "--version"], &fx.root);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("does not connect"),
        "{}",
        describe(&out)
    );

    // A config.toml others can write is refused.
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o664)).unwrap();
    let out = fx.vouch(&["env", "--target", "gamma"], &fx.root);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(stderr(&out).contains("chmod 600"), "{}", describe(&out));

    // Wrappers only for clients vouch knows.
    let out = fx.vouch(&["alias", "bash", "ls"], &fx.root);
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("not a client vouch knows"),
        "{}",
        describe(&out)
    );
}

// ---------------------------------------------------------------------------
// 7. Hostile project files, paths and environments.

/// A project file may not choose a CA (it would decide which servers get
/// the token, and its file is not covered by `vouch allow`); `vouch allow`
/// shows what each target connects to and how its token is signed.
#[test]
fn allow_refuses_a_project_ca_and_shows_what_it_trusts() {
    let fx = Fx::new();
    fx.write_project(
        &fx.proj,
        &format!(
            "{}ca-bundle = \"evil-ca.pem\"\n",
            pg_project("app", "u", "d", None)
        ),
    );
    let out = fx.vouch(&["allow"], &fx.proj);
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("ca-bundle cannot be set in a project file"),
        "{}",
        describe(&out)
    );
    // Nothing was recorded: the hook still finds it not allowed.
    assert!(
        !fx.home.join(".local/share/vouch/allow").exists()
            || std::fs::read_dir(fx.home.join(".local/share/vouch/allow"))
                .unwrap()
                .next()
                .is_none()
    );

    fx.write_project(
        &fx.proj,
        "default = \"app\"\n[targets.app]\nengine = \"postgres\"\nhost = \"localhost\"\nport = 15432\nuser = \"app\"\niam-host = \"mydb.cluster-abc123.us-east-1.rds.amazonaws.com\"\n[targets.rep]\nengine = \"mysql\"\nhost = \"db.example.com\"\n",
    );
    let out = fx.vouch(&["allow"], &fx.proj);
    assert!(out.status.success(), "{}", describe(&out));
    let err = text(&out.stderr);
    let file = fx.proj.join(".vouch.toml");
    assert_eq!(
        err,
        format!(
            "vouch: allowed {}\n  app (the shell hook's): postgres app@localhost:15432, token signed for {RDS_HOST}\n  rep: mysql db.example.com\n",
            file.display()
        )
    );
}

/// The hook finds the project by the folder's name as the shell shows it
/// ($PWD, through a symbolic link), and `vouch allow`, `vouch exec` and
/// `vouch env` in that shell see the same file; the same file reached by
/// another name is not allowed by it.
fn logical_paths(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    let real = fx.root.join("real");
    std::fs::create_dir_all(real.join("sub")).unwrap();
    fx.write_project(&real, &hook_project("link-user"));
    std::os::unix::fs::symlink(&real, fx.root.join("link")).unwrap();
    // Another folder with a link to the allowed file.
    let other = fx.root.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::os::unix::fs::symlink(real.join(".vouch.toml"), other.join(".vouch.toml")).unwrap();
    let steps = [
        Cmd("cd \"$ROOT/link/sub\""),
        Cmd("vouch allow"),
        Mark("link"),
        Prompt,
        Show(PG_VARS),
        Cmd("vouch env --target app --shell json >/dev/null && echo env-ok"),
        Cmd("cd \"$ROOT/real/sub\""),
        Mark("real"),
        Prompt,
        Show(PG_VARS),
        Cmd("cd \"$ROOT/other\""),
        Mark("other"),
        Prompt,
        Show(PG_VARS),
    ];
    let run = run_hook(&fx, sh, &steps, &[], &fx.root);
    assert_exported(&run, "link", "link-user");
    let link_file = fx.root.join("link/.vouch.toml");
    assert!(
        run.err("link")
            .contains(&format!("(from {})", link_file.display())),
        "{}",
        run.all
    );
    assert!(run.out["link"].contains("env-ok\n"), "{}", run.all);
    for (section, file) in [
        ("real", real.join(".vouch.toml")),
        ("other", other.join(".vouch.toml")),
    ] {
        assert!(
            run.vars(section).get("PGPASSWORD").map(String::as_str) == Some(UNSET),
            "{section}\n{}",
            run.all
        );
        assert!(
            run.err(section)
                .contains(&format!("vouch: {} is not allowed", file.display())),
            "{section}\n{}",
            run.all
        );
    }
}

#[test]
fn hook_uses_the_shells_path_bash() {
    logical_paths(Sh::Bash);
}

#[test]
fn hook_uses_the_shells_path_zsh() {
    logical_paths(Sh::Zsh);
}

#[test]
fn hook_uses_the_shells_path_fish() {
    logical_paths(Sh::Fish);
}

/// A folder name with a newline: bash and zsh use its project file; fish
/// (whose command substitution splits lines) ignores it, without hanging.
fn newline_folder(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    let dir = fx.root.join("a\nb");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    fx.write_project(&dir, &hook_project("nl-user"));
    fx.allow(&dir);
    let steps = [
        Cmd("cd \"$ROOT/a\"*\"b/sub\""),
        Mark("in"),
        Prompt,
        Prompt,
        Show(PG_VARS),
        Cmd("echo still-usable"),
    ];
    let run = run_hook(&fx, sh, &steps, &[], &fx.root);
    if sh == Sh::Fish {
        assert_eq!(run.var("in", "PGPASSWORD"), UNSET, "{}", run.all);
        assert_eq!(run.err("in"), "", "{}", run.all);
    } else {
        assert_exported(&run, "in", "nl-user");
    }
    assert!(run.out["in"].ends_with("still-usable\n"), "{}", run.all);
}

#[test]
fn newline_in_the_folder_name_bash() {
    newline_folder(Sh::Bash);
}

#[test]
fn newline_in_the_folder_name_zsh() {
    newline_folder(Sh::Zsh);
}

#[test]
fn newline_in_the_folder_name_fish() {
    newline_folder(Sh::Fish);
}

/// Project files vouch does not read: a FIFO (it would block; not even
/// looked for, as the shell's `-f` does not find it), one over 64 KiB, one
/// owned by another user. `vouch allow` refuses each; the hook says so
/// once and goes on; a config.toml target still works there.
#[test]
fn unusable_project_files_are_passed_over() {
    let fx = Fx::new();
    let cfg = fx.home.join(".config/vouch/config.toml");
    std::fs::write(&cfg, pg_project("cfg", "cfg-user", "d", None)).unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let file = fx.proj.join(".vouch.toml");
    let big = format!("{}#{}\n", hook_project("u"), "x".repeat(70 * 1024));
    type Make<'a> = Box<dyn Fn() + 'a>;
    let cases: Vec<(&str, bool, Make)> = vec![
        (
            "is not a regular file",
            false,
            Box::new(|| {
                let st = Command::new("mkfifo").arg(&file).status().unwrap();
                assert!(st.success());
            }),
        ),
        (
            "is larger than 64 KiB",
            true,
            Box::new(|| std::fs::write(&file, &big).unwrap()),
        ),
        (
            "belongs to another user",
            true,
            Box::new(|| {
                std::fs::write(&file, hook_project("u")).unwrap();
                let st = Command::new("chown")
                    .args(["65534:65534"])
                    .arg(&file)
                    .status()
                    .unwrap();
                assert!(st.success(), "chown (the tests run as root)");
            }),
        ),
    ];
    for (want, found, make) in cases {
        let _ = std::fs::remove_file(&file);
        make();
        let start = Instant::now();
        let out = fx.vouch(&["allow", ".vouch.toml"], &fx.proj);
        assert!(!out.status.success(), "{want}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains(want),
            "{want}: {}",
            describe(&out)
        );
        assert!(start.elapsed() < Duration::from_secs(10), "{want}: slow");
        // The config target, from inside the project folder.
        let out = fx.vouch(&["env", "--target", "cfg"], &fx.proj.join("sub"));
        assert!(out.status.success(), "{want}: {}", describe(&out));
        assert_eq!(
            text(&out.stderr).contains(want),
            found,
            "{want}: {}",
            describe(&out)
        );
        let steps = [
            Cmd("cd \"$PROJ\""),
            Mark("in"),
            Prompt,
            Prompt,
            Show(PG_VARS),
            Cmd("echo still-usable"),
        ];
        let run = run_hook(&fx, Sh::Bash, &steps, &[], &fx.root);
        assert_eq!(run.var("in", "PGPASSWORD"), UNSET, "{}", run.all);
        assert_eq!(
            run.err("in").matches(want).count(),
            usize::from(found),
            "{}",
            run.all
        );
        assert!(run.out["in"].ends_with("still-usable\n"), "{}", run.all);
    }
}

/// A project file dated in the future does not make the hook run vouch at
/// every prompt; an edit is still noticed.
fn future_mtime(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("future-user"));
    let st = Command::new("touch")
        .args(["-d", "2031-01-01 00:00:00"])
        .arg(fx.proj.join(".vouch.toml"))
        .status()
        .unwrap();
    assert!(st.success());
    fx.allow(&fx.proj);
    let edited = fx.root.join("edited.toml");
    std::fs::write(&edited, hook_project("edited-user")).unwrap();
    let edited_s = Fx::s(&edited);
    let steps = [
        Cmd("cd \"$PROJ\""),
        Mark("in"),
        Prompt,
        Prompt,
        Prompt,
        Prompt,
        Show(PG_VARS),
        Cmd("cp \"$EDITED\" \"$PROJ/.vouch.toml\""),
        Mark("edited"),
        Prompt,
        Show(PG_VARS),
    ];
    let run = run_hook(&fx, sh, &steps, &[("EDITED", &edited_s)], &fx.root);
    assert_exported(&run, "in", "future-user");
    assert_eq!(
        run.err("in").matches("vouch: target app").count(),
        1,
        "vouch ran again: {}",
        run.all
    );
    assert_eq!(run.var("edited", "PGPASSWORD"), UNSET, "{}", run.all);
    assert!(
        run.err("edited").contains("changed since it was allowed"),
        "{}",
        run.all
    );
}

#[test]
fn a_future_file_time_costs_nothing_bash() {
    future_mtime(Sh::Bash);
}

#[test]
fn a_future_file_time_costs_nothing_zsh() {
    future_mtime(Sh::Zsh);
}

#[test]
fn a_future_file_time_costs_nothing_fish() {
    future_mtime(Sh::Fish);
}

/// A shell started inside a project folder inherits the outer hook's
/// exported target; leaving the folder there unsets it instead of putting
/// back the outer (expiring) token.
fn nested_shell(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("inner-user"));
    fx.allow(&fx.proj);
    let steps = [
        Cmd("cd \"$PROJ\""),
        Prompt,
        Cmd("cd \"$ROOT\""),
        Mark("left"),
        Prompt,
        Show(PG_VARS),
    ];
    let inherited = [
        ("PGHOST", RDS_HOST),
        ("PGUSER", "outer-user"),
        ("PGPASSWORD", "outer-token"),
        ("PGDATABASE", "hook db"),
        ("VOUCH_TARGET", "app"),
        ("VOUCH_EXPIRES_AT", "1"),
    ];
    let run = run_hook(&fx, sh, &steps, &inherited, &fx.root);
    for n in PG_VARS {
        assert_eq!(run.var("left", n), UNSET, "{n}\n{}", run.all);
    }
}

#[test]
fn a_nested_shell_does_not_bring_back_the_outer_token_bash() {
    nested_shell(Sh::Bash);
}

#[test]
fn a_nested_shell_does_not_bring_back_the_outer_token_zsh() {
    nested_shell(Sh::Zsh);
}

#[test]
fn a_nested_shell_does_not_bring_back_the_outer_token_fish() {
    nested_shell(Sh::Fish);
}

/// bash and zsh with `$PWD` unset or not absolute (and nounset on): the
/// prompt goes on, nothing loops.
#[test]
fn odd_pwd_values_under_nounset() {
    for sh in [Sh::Bash, Sh::Zsh] {
        if !shells::available(sh) {
            continue;
        }
        let fx = Fx::new();
        fx.write_project(&fx.root, &hook_project("u"));
        fx.allow(&fx.root);
        let steps = [
            Cmd("PWD=relative"),
            Prompt,
            Cmd("unset PWD"),
            Prompt,
            Mark("after"),
            Show(&["PGPASSWORD"]),
            Cmd("echo still-usable"),
        ];
        let run = run_hook(&fx, sh, &steps, &[], &fx.root);
        assert_eq!(run.var("after", "PGPASSWORD"), UNSET, "{}", run.all);
        assert!(run.out["after"].ends_with("still-usable\n"), "{}", run.all);
    }
}

/// Names shown to the user never carry terminal escapes; `vouch deny`
/// takes a relative name and works after the file is gone; `vouch alias`
/// wants client names, not paths.
#[test]
fn escapes_relative_deny_and_alias_paths() {
    let fx = Fx::new();
    let dir = fx.root.join("esc\x1b]0;owned\x07\x1b[2J");
    std::fs::create_dir_all(&dir).unwrap();
    fx.write_project(&dir, &hook_project("u"));
    let out = fx.vouch(&["allow"], &dir);
    assert!(out.status.success(), "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    assert!(err.contains("esc?]0;owned??[2J/.vouch.toml"), "{err:?}");

    std::fs::create_dir_all(fx.proj.join("sub")).unwrap();
    fx.write_project(&fx.proj, &hook_project("u"));
    let out = fx.vouch(&["allow", "../.vouch.toml"], &fx.proj.join("sub"));
    assert!(out.status.success(), "{}", describe(&out));
    std::fs::remove_file(fx.proj.join(".vouch.toml")).unwrap();
    let out = fx.vouch(&["deny", ".vouch.toml"], &fx.proj);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        text(&out.stderr),
        format!(
            "vouch: {} is no longer allowed\n",
            fx.proj.join(".vouch.toml").display()
        )
    );

    for bad in ["/usr/bin/psql", "./psql", "PSQL"] {
        let out = fx.vouch(&["alias", "bash", bad], &fx.root);
        assert_eq!(out.status.code(), Some(6), "{bad}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains("not a client vouch knows"),
            "{bad}: {}",
            describe(&out)
        );
    }
}

// ---------------------------------------------------------------------------
// 8. Second hostile round and a new user's trial.

/// A project file created (or allowed) while the shell is already in the
/// folder is picked up at the next prompt, without a `cd`.
fn file_appears(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    let src = fx.root.join("src.toml");
    std::fs::write(&src, hook_project("new-user")).unwrap();
    let src_s = Fx::s(&src);
    let steps = [
        Cmd("cd \"$PROJ\""),
        Prompt,
        Cmd("cp \"$SRC\" \"$PROJ/.vouch.toml\""),
        Mark("created"),
        Prompt,
        Show(PG_VARS),
        Cmd("vouch allow"),
        Mark("allowed"),
        Prompt,
        Show(PG_VARS),
    ];
    let run = run_hook(&fx, sh, &steps, &[("SRC", &src_s)], &fx.root);
    assert_eq!(run.var("created", "TOKEN"), UNSET, "{}", run.all);
    assert!(
        run.err("created").contains("is not allowed"),
        "announced: {}",
        run.all
    );
    assert_exported(&run, "allowed", "new-user");
}

#[test]
fn a_file_created_in_the_folder_is_seen_bash() {
    file_appears(Sh::Bash);
}

#[test]
fn a_file_created_in_the_folder_is_seen_zsh() {
    file_appears(Sh::Zsh);
}

#[test]
fn a_file_created_in_the_folder_is_seen_fish() {
    file_appears(Sh::Fish);
}

/// A shell that starts outside any project with a target inherited (tmux
/// or an editor started from a project folder) drops it at its first
/// prompt; one that starts inside keeps the project's own.
fn inherited_outside(sh: Sh) {
    if !shells::available(sh) {
        return;
    }
    let fx = Fx::new();
    let steps = [
        Prompt,
        Mark("first"),
        Show(PG_VARS),
        Show(&["MYSQL_HOST", "PGHOSTADDR"]),
    ];
    let inherited = [
        ("PGHOST", RDS_HOST),
        ("PGHOSTADDR", "127.0.0.1"),
        ("PGPASSFILE", "/nonexistent/pgpass"),
        ("PGPASSWORD", "outer-token"),
        ("MYSQL_HOST", "db.example.com"),
        ("VOUCH_TARGET", "prod"),
        ("VOUCH_EXPIRES_AT", "1"),
    ];
    let run = run_hook(&fx, sh, &steps, &inherited, &fx.root);
    for n in PG_VARS.iter().chain(&["MYSQL_HOST", "PGHOSTADDR"]) {
        assert_eq!(run.var("first", n), UNSET, "{n}\n{}", run.all);
    }
    // Without VOUCH_TARGET the user's own variables stay.
    let run = run_hook(&fx, sh, &steps, &[("PGHOST", "mine")], &fx.root);
    assert_eq!(run.var("first", "PGHOST"), "mine", "{}", run.all);
}

#[test]
fn an_inherited_target_outside_a_project_is_dropped_bash() {
    inherited_outside(Sh::Bash);
}

#[test]
fn an_inherited_target_outside_a_project_is_dropped_zsh() {
    inherited_outside(Sh::Zsh);
}

#[test]
fn an_inherited_target_outside_a_project_is_dropped_fish() {
    inherited_outside(Sh::Fish);
}

/// bash's nocasematch does not hide a change of folder from the hook.
#[test]
fn nocasematch_does_not_hide_a_folder_change_bash() {
    let fx = Fx::new();
    let upper = fx.root.join("Case");
    let lower = fx.root.join("case");
    std::fs::create_dir_all(&upper).unwrap();
    std::fs::create_dir_all(&lower).unwrap();
    fx.write_project(&upper, &hook_project("u"));
    fx.allow(&upper);
    let steps = [
        Cmd("shopt -s nocasematch"),
        Cmd("cd \"$ROOT/Case\""),
        Prompt,
        Mark("upper"),
        Show(&["VOUCH_TARGET"]),
        Cmd("cd \"$ROOT/case\""),
        Prompt,
        Mark("lower"),
        Show(&["VOUCH_TARGET", "PGPASSFILE"]),
    ];
    let run = run_hook(&fx, Sh::Bash, &steps, &[], &fx.root);
    assert_eq!(run.var("upper", "VOUCH_TARGET"), "app", "{}", run.all);
    assert_eq!(run.var("lower", "VOUCH_TARGET"), UNSET, "{}", run.all);
    assert_eq!(run.var("lower", "PGPASSFILE"), UNSET, "{}", run.all);
}

/// The wrappers load in bash's POSIX mode too (names with '-' left out).
#[test]
fn aliases_load_in_posix_mode_bash() {
    let fx = Fx::new();
    let script = "set -o posix\neval \"$(\"$VBIN\" alias bash mariadb-dump psql)\"\necho \"rc=$?\"\ntype -t psql\n[ \"$(type -t mariadb-dump)\" != function ] && echo not-wrapped\n";
    let out = fx.script(Sh::Bash, script, &[], &fx.root);
    assert_eq!(
        text(&out.stdout),
        "rc=0\nfunction\nnot-wrapped\n",
        "{}",
        describe(&out)
    );
}

/// hook-export gives up after its time limit (a credential_process that
/// never answers) with one line and exit 4, instead of freezing the prompt.
#[test]
fn hook_export_has_a_time_limit() {
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("u"));
    fx.allow(&fx.proj);
    std::fs::write(
        fx.home.join("aws-config"),
        "[default]\ncredential_process = /bin/sleep 60\n",
    )
    .unwrap();
    let file = fx.proj.join(".vouch.toml");
    let mut cmd = Command::new(vouch_bin());
    cmd.args(["hook-export", "bash", "enter"])
        .arg(&file)
        .current_dir(&fx.proj)
        .stdin(Stdio::null());
    scrub(&mut cmd);
    cmd.envs(fx.env())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("VOUCH_HOOK_TIME_LIMIT", "2");
    // stderr to a file: the abandoned credential_process keeps it open (the
    // shell reads only stdout, which it does not hold).
    let err_file = fx.root.join("stderr");
    cmd.stderr(std::fs::File::create(&err_file).unwrap());
    let start = Instant::now();
    let out = cmd.output().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(4), "{}", describe(&out));
    assert_eq!(
        std::fs::read_to_string(&err_file).unwrap(),
        "vouch: gave up waiting for credentials (vouch status says more); the hook tries again in a minute\n"
    );
    assert!(out.stdout.is_empty(), "{}", describe(&out));
}

/// A closed stderr (`vouch ... 2>&1 | head`) is not a crash: the exit code
/// is the command's own.
#[test]
fn a_closed_stderr_does_not_change_the_exit_code() {
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("u"));
    for (args, want) in [(vec!["allow"], 0), (vec!["env", "--target", "nope"], 6)] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = Command::new(vouch_bin());
        cmd.args(&args)
            .current_dir(&fx.proj)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(writer);
        scrub(&mut cmd);
        cmd.envs(fx.env());
        let st = cmd.status().unwrap();
        assert_eq!(st.code(), Some(want), "{args:?}");
    }
}

/// The hook's token is not sent to a server the target does not name: a
/// bare `psql` to a Unix socket in a project folder offers no password
/// (PGPASSWORD would go to any server; the password file names the host).
#[test]
fn a_bare_psql_to_another_server_gets_no_token() {
    if which::which("psql").is_err() {
        return missing("psql");
    }
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("app"));
    fx.allow(&fx.proj);
    // A server on a Unix socket that asks for a cleartext password and
    // writes down whatever it is sent.
    let sock_dir = fx.root.join("sock");
    std::fs::create_dir_all(&sock_dir).unwrap();
    let got = fx.root.join("got-password");
    let server = r#"
import os, socket, struct, sys
d, got = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(os.path.join(d, ".s.PGSQL.5432"))
s.listen(5)
open(os.path.join(d, "ready"), "w").close()
s.settimeout(20)
for _ in range(2):
    try:
        c, _ = s.accept()
    except OSError:
        break
    c.settimeout(5)
    try:
        n = struct.unpack("!I", c.recv(4))[0]
        c.recv(n - 4)
        c.sendall(b"R" + struct.pack("!II", 8, 3))
        data = c.recv(65536)
        if data[:1] == b"p":
            open(got, "ab").write(data[5:])
    except OSError:
        pass
    c.close()
"#;
    let mut srv = Command::new("python3")
        .arg("-c")
        .arg(server)
        .arg(&sock_dir)
        .arg(&got)
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if sock_dir.join("ready").exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let sock_s = Fx::s(&sock_dir);
    let steps = [
        Cmd("cd \"$PROJ\""),
        Prompt,
        Mark("in"),
        Show(&["PGPASSFILE"]),
        Cmd("command psql -h \"$SOCK\" -U app -w -c 'select 1' </dev/null || echo refused"),
    ];
    let run = run_hook(&fx, Sh::Bash, &steps, &[("SOCK", &sock_s)], &fx.root);
    let _ = srv.kill();
    let _ = srv.wait();
    assert_ne!(run.var("in", "PGPASSFILE"), UNSET, "{}", run.all);
    assert!(run.out["in"].contains("refused"), "{}", run.all);
    assert!(
        !got.exists(),
        "the server got a password: {:?}",
        std::fs::read(&got).map(|b| String::from_utf8_lossy(&b).into_owned())
    );
}

/// The hook refuses a target whose host is `localhost`: libpq would also
/// offer the password file's line to its default Unix socket, without TLS.
#[test]
fn the_hook_refuses_a_localhost_target() {
    let fx = Fx::new();
    fx.write_project(
        &fx.proj,
        "[targets.t]\nengine = \"postgres\"\nhost = \"localhost\"\nport = 15439\nuser = \"u\"\ndbname = \"d\"\n",
    );
    fx.allow(&fx.proj);
    let file = fx.proj.join(".vouch.toml");
    let out = fx.vouch(&["hook-export", "bash", "enter", &Fx::s(&file)], &fx.proj);
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("libpq's name for its Unix socket"), "{err}");
}

/// `vouch logout` also removes the hook's password files (they hold tokens).
#[test]
fn logout_removes_the_hooks_password_files() {
    let fx = Fx::new();
    fx.write_project(&fx.proj, &hook_project("u"));
    fx.allow(&fx.proj);
    let steps = [
        Cmd("cd \"$PROJ\""),
        Prompt,
        Mark("in"),
        Show(&["PGPASSFILE"]),
    ];
    let run = run_hook(&fx, Sh::Bash, &steps, &[], &fx.root);
    let passfile = PathBuf::from(run.var("in", "PGPASSFILE"));
    assert!(passfile.is_file(), "{}", run.all);
    let out = fx.vouch(&["logout"], &fx.root);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("removed 1 shell hook password file"),
        "{}",
        describe(&out)
    );
    assert!(!passfile.exists());
}
