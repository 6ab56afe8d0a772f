//! The shell commands: `env`, `hook`, `alias`, `allow`, `deny`, and the
//! hook's own `hook-export`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::targets::{self, not_allowed, parse_project, project_path, read_project};
use super::{exec_or_env, print_stdout, EnvOut, Outcome, Ui};
use crate::cli::{EnvArgs, EnvFormat, ExecArgs, HookMode};
use crate::error::{printable, shown, Error, Result};
use crate::libpq::PgClient;
use crate::mysql::MyClient;
use crate::named::{Engine, Target};
use crate::shell::{self, Assign, Shell};
use crate::trust::{self, Verdict};
use crate::world::World;

/// How long before the token expires the hook refreshes it, unless
/// `VOUCH_REFRESH_MARGIN` (seconds) says otherwise.
const DEFAULT_MARGIN: u64 = 60;

/// The `vouch` the printed code runs: this very binary.
fn self_path() -> Result<String> {
    let p = std::env::current_exe()
        .map_err(|e| Error::general(format!("cannot tell where vouch is: {e}")))?;
    p.to_str().map(str::to_owned).ok_or_else(|| {
        Error::config(format!(
            "vouch's own path {} is not UTF-8; move it",
            p.display()
        ))
    })
}

/// Describe a connection as `vouch exec` would set it up.
fn describe(ui: &Ui, args: ExecArgs) -> Result<EnvOut> {
    match exec_or_env(ui, args)? {
        Outcome::Env(e) => Ok(e),
        Outcome::Code(_) => Err(Error::general("internal: nothing to describe")),
    }
}

fn exec_args(env: &EnvArgs, command: Vec<OsString>) -> ExecArgs {
    ExecArgs {
        iam_host: env.iam_host.clone(),
        ca_bundle: env.ca_bundle.clone(),
        explain: false,
        aws: env.aws.clone(),
        redshift: env.redshift.clone(),
        target: env.target.clone(),
        for_env: true,
        preset: None,
        command,
    }
}

/// The client `vouch env --target NAME` (without a client) resolves as:
/// the target's engine's own, and the target itself, read once.
fn default_client(ui: &Ui, env: &EnvArgs, world: &dyn World) -> Result<(&'static str, Target)> {
    let args = exec_args(env, vec![]);
    let t = targets::select(ui, &args, world)?.ok_or_else(|| {
        Error::config(
            "say what to describe: vouch env --target NAME, or vouch env -- psql -h HOST -U USER ...",
        )
    })?;
    Ok((t.engine.default_client(), t))
}

fn expires_epoch(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

pub(super) fn run_env(ui: &Ui, env: EnvArgs) -> Result<i32> {
    let world = crate::world::RealWorld;
    let mut args = exec_args(&env, env.command.clone());
    if env.command.is_empty() {
        let (client, target) = default_client(ui, &env, &world)?;
        args.command = vec![OsString::from(client)];
        args.preset = Some(target);
    }
    let out = describe(ui, args)?;
    for n in &out.notes {
        ui.warn(n);
    }
    let mut assigns: Vec<Assign> = out
        .vars
        .iter()
        .map(|(k, v)| Assign::export(k, v.clone()))
        .collect();
    assigns.push(Assign::export(
        "VOUCH_EXPIRES_AT",
        expires_epoch(out.expires).to_string(),
    ));
    let text = match env.shell {
        EnvFormat::Bash => shell::render(Shell::Bash, &assigns),
        EnvFormat::Zsh => shell::render(Shell::Zsh, &assigns),
        EnvFormat::Fish => shell::render(Shell::Fish, &assigns),
        EnvFormat::Json => shell::render_json(&assigns),
    };
    print_stdout(&text)?;
    Ok(0)
}

pub(super) fn run_hook(sh: Shell) -> Result<i32> {
    print_stdout(&shell::hook_script(sh, &self_path()?))?;
    Ok(0)
}

/// The clients `vouch alias` wraps by default: every supported one on PATH.
fn clients_on_path() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = PgClient::ALL.iter().map(|c| c.name()).collect();
    names.extend(MyClient::ALL.iter().flat_map(|c| c.names().iter().copied()));
    names
        .into_iter()
        .filter(|n| which::which(n).is_ok())
        .collect()
}

pub(super) fn run_alias(sh: Shell, clients: &[String]) -> Result<i32> {
    let chosen: Vec<&str> = if clients.is_empty() {
        clients_on_path()
    } else {
        for c in clients {
            // A name, as typed at the prompt: the function takes its name.
            let known = PgClient::ALL.iter().any(|p| p.name() == c)
                || MyClient::ALL
                    .iter()
                    .any(|m| m.names().contains(&c.as_str()));
            if !known {
                return Err(Error::config(format!(
                    "{c:?} is not a client vouch knows; give client names like psql, pg_dump, mysql, mariadb"
                )));
            }
        }
        clients.iter().map(String::as_str).collect()
    };
    print_stdout(&shell::alias_script(sh, &self_path()?, &chosen))?;
    Ok(0)
}

pub(super) fn run_allow(path: Option<&Path>, world: &dyn World) -> Result<i32> {
    let f = read_project(&project_path(path)?)?;
    // Only a file vouch can use is worth trusting.
    let t = parse_project(&f)?;
    trust::allow(&trust::store_dir(world)?, &f.path, &f.bytes, f.mtime)?;
    let mut msg = format!("vouch: allowed {}", shown(&f.path));
    if t.targets.is_empty() {
        msg.push_str(" (it names no target)");
    }
    let for_hook = t.hook_target(&f.path);
    for (name, target) in &t.targets {
        let default = match &for_hook {
            Ok(h) if h.name == *name => " (the shell hook's)",
            _ => "",
        };
        msg.push_str(&format!("\n  {name}{default}: {}", target.summary()));
    }
    if let (Err(e), false) = (&for_hook, t.targets.is_empty()) {
        msg.push_str(&format!(
            "\nnote: the shell hook will use none: {}",
            e.message
        ));
    }
    crate::say!("{}", printable(&msg));
    Ok(0)
}

pub(super) fn run_deny(path: Option<&Path>, world: &dyn World) -> Result<i32> {
    let file = project_path(path)?;
    if trust::deny(&trust::store_dir(world)?, &file)? {
        crate::say!("vouch: {} is no longer allowed", shown(&file));
    } else {
        crate::say!("vouch: {} was not allowed", shown(&file));
    }
    Ok(0)
}

/// The refresh margin: `VOUCH_REFRESH_MARGIN` seconds, else 60.
fn margin(world: &dyn World) -> Result<Duration> {
    match world.var("VOUCH_REFRESH_MARGIN") {
        None => Ok(Duration::from_secs(DEFAULT_MARGIN)),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|s| *s < 900)
            .map(Duration::from_secs)
            .ok_or_else(|| {
                Error::config(format!(
                    "VOUCH_REFRESH_MARGIN={v:?} is not a number of seconds below 900 (a token's life)"
                ))
            }),
    }
}

/// Seconds since boot (suspend included), read where fish's hook reads
/// them: /proc/uptime.
fn boot_seconds() -> Result<u64> {
    let text = std::fs::read_to_string("/proc/uptime")
        .map_err(|e| Error::general(format!("cannot read /proc/uptime: {e}")))?;
    text.split(['.', ' '])
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::general("cannot read /proc/uptime"))
}

/// When the hook should refresh, on the clock its shell reads.
fn refresh_at(sh: Shell, expires: SystemTime, margin: Duration) -> Result<u64> {
    let now = SystemTime::now();
    let left = expires.duration_since(now).unwrap_or_default();
    let wait = left.saturating_sub(margin).as_secs();
    Ok(match sh {
        Shell::Bash | Shell::Zsh => expires_epoch(now) + wait,
        Shell::Fish => boot_seconds()? + wait,
    })
}

/// The variables a target exports in the hook. A MySQL target's token is
/// not exported: those clients take no TLS settings from the environment,
/// so a plain `mysql` could send it unchecked; `vouch alias` (or vouch
/// exec) logs them in with the target from VOUCH_TARGET.
fn target_env(ui: &Ui, t: &Target) -> Result<(Vec<Assign>, Option<SystemTime>)> {
    let mut assigns = vec![Assign::export("VOUCH_TARGET", t.name.clone())];
    match t.engine {
        Engine::Mysql => {
            assigns.push(Assign::export("MYSQL_HOST", t.host.clone()));
            if let Some(p) = t.port {
                assigns.push(Assign::export("MYSQL_TCP_PORT", p.to_string()));
            }
            Ok((assigns, None))
        }
        Engine::Postgres => {
            // libpq matches password-file lines by host alone, hostaddr or not.
            if t.host.eq_ignore_ascii_case("localhost") {
                return Err(Error::config(format!(
                    "target {}: host \"localhost\" is also libpq's name for its Unix socket, where the hook's password file would be offered without TLS; use host = \"127.0.0.1\" (or \"::1\"), or the server's own name with hostaddr = \"127.0.0.1\"",
                    t.name
                )));
            }
            let args = ExecArgs {
                iam_host: None,
                ca_bundle: None,
                explain: false,
                aws: crate::cli::AwsOptions {
                    region: None,
                    profile: None,
                    source: Default::default(),
                },
                redshift: Default::default(),
                target: None,
                for_env: true,
                preset: Some(t.clone()),
                command: vec![OsString::from("psql")],
            };
            let out = describe(ui, args)?;
            let get = |name: &str| {
                out.vars
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.as_str())
            };
            // The token goes to a password file libpq uses only for this
            // host, port and user: a plain `psql -h /tmp/sock` or another
            // host gets nothing (PGPASSWORD would be sent to any of them).
            let passfile = write_passfile(
                t,
                get("PGHOST").unwrap_or(&t.host),
                get("PGPORT").unwrap_or("5432"),
                get("PGUSER").unwrap_or_default(),
                get("PGPASSWORD").unwrap_or_default(),
            )?;
            assigns.extend(
                out.vars
                    .iter()
                    .filter(|(k, _)| *k != "PGPASSWORD")
                    .map(|(k, v)| Assign::export(k, v.clone())),
            );
            assigns.push(Assign::unset("PGPASSWORD"));
            assigns.push(Assign::export("PGPASSFILE", passfile.to_string_lossy()));
            assigns.push(Assign::export(
                "VOUCH_EXPIRES_AT",
                expires_epoch(out.expires).to_string(),
            ));
            Ok((assigns, Some(out.expires)))
        }
    }
}

/// A libpq password file field: `\` and `:` escaped.
fn pgpass_field(s: &str) -> String {
    s.replace('\\', "\\\\").replace(':', "\\:")
}

/// Write the hook's password file for target `t` (0600, in vouch's private
/// runtime directory, replaced atomically at each refresh) and return it.
fn write_passfile(t: &Target, host: &str, port: &str, user: &str, token: &str) -> Result<PathBuf> {
    use sha2::{Digest, Sha256};
    let world = crate::world::RealWorld;
    let dir = crate::session::session_dir(&world)?.with_file_name("pgpass");
    crate::ca::private_dir(&dir)?;
    let mut h = Sha256::new();
    h.update(t.file.as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(t.name.as_bytes());
    let name: String = h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let file = dir.join(name);
    let line = format!(
        "{}:{}:*:{}:{}\n",
        pgpass_field(host),
        pgpass_field(port),
        pgpass_field(user),
        pgpass_field(token)
    );
    crate::ca::write_private(&dir, &file, line.as_bytes(), |_| Ok(()))?;
    Ok(file)
}

/// Remove the hook's password files (for `vouch logout`): every regular
/// file in the `pgpass` folders beside the session folders. Returns how
/// many went.
pub(super) fn remove_passfiles(world: &dyn World) -> Result<usize> {
    let mut n = 0;
    for sessions in crate::session::session_dirs(world)? {
        let dir = sessions.with_file_name("pgpass");
        // Only a real folder of vouch's (not a link somewhere else).
        if !std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        crate::ca::private_dir(&dir)?;
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(format!("cannot list {}", shown(&dir)), &e))?;
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                std::fs::remove_file(entry.path()).map_err(|e| {
                    Error::io(format!("cannot remove {}", shown(&entry.path())), &e)
                })?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// What puts back the variables `assigns` will change, from this
/// process's environment (the shell's exported variables). Values a
/// vouch target set (VOUCH_TARGET is there: a shell started inside a
/// project folder, or after `vouch env`) are not put back but unset, so
/// leaving never brings back a token.
fn restore_code(sh: Shell, assigns: &[Assign]) -> String {
    let from_vouch = std::env::var_os("VOUCH_TARGET").is_some()
        || std::env::var_os("VOUCH_EXPIRES_AT").is_some();
    let back: Vec<Assign> = assigns
        .iter()
        .map(|a| match std::env::var(&a.name) {
            Ok(v) if !from_vouch => Assign::export(&a.name, v),
            _ => Assign::unset(&a.name),
        })
        .collect();
    shell::render(sh, &back)
}

/// The longest `hook-export` may hold up a prompt (a `credential_process`
/// that waits for something that never comes must not freeze the shell).
const HOOK_TIME_LIMIT_SECS: u32 = 30;

extern "C" fn hook_time_is_up(_: nix::libc::c_int) {
    const MSG: &[u8] = b"vouch: gave up waiting for credentials (vouch status says more); the hook tries again in a minute\n";
    // SAFETY: write(2) and _exit(2) are async-signal-safe.
    unsafe {
        nix::libc::write(2, MSG.as_ptr().cast(), MSG.len());
        nix::libc::_exit(4);
    }
}

/// Ends this process with exit 4 and one line after
/// [`HOOK_TIME_LIMIT_SECS`] (or `VOUCH_HOOK_TIME_LIMIT` seconds, 1 to 30).
fn arm_time_limit() {
    let secs = std::env::var("VOUCH_HOOK_TIME_LIMIT")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|s| (1..=HOOK_TIME_LIMIT_SECS).contains(s))
        .unwrap_or(HOOK_TIME_LIMIT_SECS);
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let action = SigAction::new(
        SigHandler::Handler(hook_time_is_up),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only calls async-signal-safe functions.
    if unsafe { sigaction(Signal::SIGALRM, &action) }.is_ok() {
        nix::unistd::alarm::set(secs);
    }
}

/// `hook-export`: a failure is one line on stderr (the hook runs before a
/// prompt) and its exit code; the hook tries again later.
pub(super) fn run_hook_export(ui: &Ui, sh: Shell, mode: HookMode, file: &Path) -> Result<i32> {
    arm_time_limit();
    hook_export(ui, sh, mode, file).or_else(|e| {
        let first = e
            .message
            .lines()
            .next()
            .unwrap_or_default()
            .trim_end_matches(';');
        let more = if e.message.contains('\n') {
            " (vouch status or vouch env --target NAME says more)"
        } else {
            ""
        };
        crate::say!("vouch: {}{more}", printable(first));
        Ok(e.code.code())
    })
}

fn hook_export(ui: &Ui, sh: Shell, mode: HookMode, file: &Path) -> Result<i32> {
    let world = crate::world::RealWorld;
    let dir = trust::store_dir(&world)?;
    let mut out = Vec::new();
    // A store vouch cannot use is an error of its own (one line); a
    // project file it cannot use is ignored until something changes.
    let (record, not_usable) = match read_project(file) {
        Ok(f) => {
            let verdict = trust::check(&dir, &f.path, &f.bytes)?;
            let record = trust::record_path(&dir, &f.path, &f.bytes);
            if verdict == Verdict::Allowed {
                (record, Ok(f))
            } else {
                (record, Err(Error::config(not_allowed(&f.path, verdict))))
            }
        }
        Err(e) => (
            dir.join("unusable"),
            Err(Error::new(e.code, format!("{} (ignored)", e.message))),
        ),
    };
    let f = match not_usable {
        Ok(f) => f,
        Err(why) => {
            if mode == HookMode::Refresh {
                return Err(why);
            }
            // Announced once: a recheck (something was allowed or denied
            // since) that finds the file still not allowed says nothing.
            if mode == HookMode::Enter {
                crate::say!("vouch: {}", printable(&why.message));
            }
            // The hook waits for this record (the file allowed as it is
            // now), or for the store to change after the stamp (allowed
            // after an edit): one stat each per prompt.
            let stamp = trust::stamp(&dir, file)?;
            out.push(Assign::local("__vouch_state", "pending"));
            out.push(Assign::local("__vouch_rec", record.to_string_lossy()));
            out.push(Assign::local("__vouch_store", dir.to_string_lossy()));
            out.push(Assign::local("__vouch_stamp", stamp.to_string_lossy()));
            print_stdout(&shell::render(sh, &out))?;
            return Ok(0);
        }
    };
    // The hook notices an edit by the file's time differing from its
    // record's: a file touched without a change gets its record's time
    // set again, or the hook would ask at every prompt.
    if trust::mtime(&record) != Some(f.mtime) {
        trust::restamp(&record, f.mtime)?;
    }
    let targets_of = parse_project(&f)?;
    let t = targets_of.hook_target(&f.path)?;
    let (assigns, expires) = target_env(ui, t)?;
    if mode != HookMode::Refresh {
        out.push(Assign::local("__vouch_restore", restore_code(sh, &assigns)));
    }
    out.extend(assigns);
    out.push(Assign::local("__vouch_state", "active"));
    out.push(Assign::local("__vouch_rec", record.to_string_lossy()));
    let at = match expires {
        Some(e) => refresh_at(sh, e, margin(&world)?)?.to_string(),
        None => String::new(),
    };
    out.push(Assign::local("__vouch_refresh_at", at));
    if mode != HookMode::Refresh {
        crate::say!(
            "vouch: target {}: {} (from {})",
            t.name,
            printable(&t.summary()),
            shown(&f.path)
        );
    }
    print_stdout(&shell::render(sh, &out))?;
    Ok(0)
}
