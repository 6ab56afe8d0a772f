//! Driving the real shells (bash, zsh, fish) from tests.
//!
//! - [`run_script`] runs a script non-interactively (`-c`, no startup files).
//! - [`Session`] runs an interactive shell inside a private tmux server (its
//!   own socket in a temp dir, so it never touches a user's tmux), types into
//!   it with `send-keys` and reads the screen with `capture-pane`.
//!
//! A session's prompt is set to [`PROMPT_MARK`] before the test's rc text
//! runs; [`Session::run`] finds a command's output by counting those marks.
//! Things to know when writing tests:
//!
//! - The test's rc must not change the prompt (PS1, PROMPT, fish_prompt) and
//!   must not add a right prompt (RPROMPT, fish_right_prompt): `run` waits for
//!   a screen whose last line ends with the bare mark. Hooks that print lines
//!   before the prompt are fine; their lines are part of the output.
//! - A command's output must not contain `READY>` itself, and must not clear
//!   the screen or the history (`clear`): either would upset the count. Use
//!   `send_line` + `wait_for` for those.
//! - Output lines are trimmed of trailing whitespace (tmux cannot tell
//!   written spaces from empty cells).
//! - `run` takes one line; interactive bash expands `!` in it (histexpand).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Every session's prompt, set before the test's rc text runs.
pub const PROMPT_MARK: &str = "READY>";

/// How often the screen is read while waiting.
const POLL: Duration = Duration::from_millis(20);
/// How long a shell may take to show its first prompt (generous: the tests
/// run in parallel and a loaded machine starts shells slowly).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// The session's window: wide, so that ordinary lines never wrap.
const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;
/// The tmux session's name inside the private server.
const TARGET: &str = "main";

/// Variables removed from the parent's environment before running a script.
const SCRUBBED_PREFIXES: &[&str] = &["PG", "MYSQL", "VOUCH_"];
/// Variables that would make a non-interactive shell read a startup file.
const SCRUBBED_NAMES: &[&str] = &["BASH_ENV", "ENV"];

/// A shell under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sh {
    Bash,
    Zsh,
    Fish,
}

impl Sh {
    /// All of them, for tests that loop over the shells.
    pub const ALL: [Sh; 3] = [Sh::Bash, Sh::Zsh, Sh::Fish];

    /// The program to run (looked up on PATH).
    pub fn program(&self) -> &str {
        match self {
            Sh::Bash => "bash",
            Sh::Zsh => "zsh",
            Sh::Fish => "fish",
        }
    }

    /// The shell's name, as `vouch hook <name>` spells it.
    pub fn name(&self) -> &str {
        self.program()
    }

    /// The variable holding the last command's exit status.
    pub fn status_var(&self) -> &str {
        match self {
            Sh::Bash | Sh::Zsh => "$?",
            Sh::Fish => "$status",
        }
    }

    /// Options that make the shell read no startup files.
    fn no_rc_args(&self) -> &'static [&'static str] {
        match self {
            Sh::Bash => &["--norc", "--noprofile"],
            Sh::Zsh => &["-f"],
            Sh::Fish => &["--no-config"],
        }
    }

    /// The interactive shell's startup file under `home`.
    fn rc_file(&self, home: &Path) -> PathBuf {
        match self {
            Sh::Bash => home.join(".bashrc"),
            Sh::Zsh => home.join(".zshrc"),
            Sh::Fish => home.join(".config/fish/config.fish"),
        }
    }

    /// What a session's rc file says before the test's text: the prompt
    /// mark and nothing on the right.
    fn prelude(&self) -> &'static str {
        match self {
            Sh::Bash => "PS1='READY> '\n",
            // An empty PROMPT_EOL_MARK: zsh still moves the prompt to a new
            // line after output without a final newline (PROMPT_SP), but
            // without its inverse `%`/`#` marker. (Turning PROMPT_SP off
            // instead would let the prompt overwrite such output.)
            Sh::Zsh => "PROMPT='READY> '\nRPROMPT=''\nPROMPT_EOL_MARK=''\n",
            // No greeting; no grey autosuggestions after typed text, which
            // would show up in the screen while a test types.
            Sh::Fish => concat!(
                "set -g fish_greeting\n",
                "set -g fish_autosuggestion_enabled 0\n",
                "function fish_prompt; echo -n 'READY> '; end\n",
                "function fish_right_prompt; end\n",
            ),
        }
    }
}

impl std::fmt::Display for Sh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// True when `sh` is installed; otherwise reports it through
/// [`super::missing`] (a failure in CI, a loud skip elsewhere).
pub fn available(sh: Sh) -> bool {
    let found = which::which(sh.program()).is_ok();
    if !found {
        super::missing(sh.program());
    }
    found
}

/// True when tmux is installed; otherwise reports it like [`available`].
pub fn tmux_available() -> bool {
    let found = which::which("tmux").is_ok();
    if !found {
        super::missing("tmux");
    }
    found
}

/// True when both `sh` and tmux are installed, for [`Session`] tests.
pub fn interactive_available(sh: Sh) -> bool {
    available(sh) && tmux_available()
}

/// Runs `script` with `sh -c` and no startup files, in `cwd`, stdin empty.
/// The environment is the parent's minus PG*, MYSQL* and VOUCH_* (and
/// BASH_ENV/ENV), plus `env` (set HOME there to give the script a home).
pub fn run_script(sh: Sh, script: &str, env: &[(&str, &str)], cwd: &Path) -> Output {
    // Bounded: a hook that loops fails its test (exit 124) instead of
    // hanging the suite.
    let mut cmd = Command::new("timeout");
    cmd.args(["-k", "5", "120", sh.program()])
        .args(sh.no_rc_args())
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        let n = name.to_string_lossy();
        if SCRUBBED_PREFIXES.iter().any(|p| n.starts_with(p)) || SCRUBBED_NAMES.contains(&&*n) {
            cmd.env_remove(&name);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {sh}: {e}"))
}

/// An interactive shell in a private tmux server, 200x50. Dropping it kills
/// the server (and with it the shell) and removes its temp dir.
pub struct Session {
    sh: Sh,
    /// Holds the server's socket, its config and the launcher script.
    dir: tempfile::TempDir,
    sock: PathBuf,
    /// The pane's width in cells.
    width: usize,
    /// How many prompts the screen showed when the last line was sent.
    sent_at: Cell<usize>,
}

impl Session {
    /// Starts `sh` interactively in `cwd` with `home` as HOME, and waits for
    /// its first prompt.
    ///
    /// `rc` goes into (replaces) the shell's startup file under `home` (bash
    /// `.bashrc` via `--rcfile`, zsh `.zshrc` via ZDOTDIR=home, fish
    /// `.config/fish/config.fish` via XDG_CONFIG_HOME=home/.config), after
    /// lines that set the prompt to [`PROMPT_MARK`]. The environment is
    /// only PATH (the parent's), HOME, TERM=xterm-256color and LANG=C.UTF-8,
    /// then `env` (which may replace PATH, TERM or LANG, but not HOME,
    /// ZDOTDIR or XDG_CONFIG_HOME).
    pub fn start(sh: Sh, rc: &str, home: &Path, cwd: &Path, env: &[(&str, &str)]) -> Session {
        // The startup file: our prompt first, then the test's text.
        let rc_file = sh.rc_file(home);
        std::fs::create_dir_all(rc_file.parent().unwrap()).unwrap();
        let text = format!("{}\n# The test's rc:\n{rc}\n", sh.prelude());
        std::fs::write(&rc_file, text).unwrap();

        // The environment: defaults, the test's, then what the rc file needs.
        let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        let home_s = path_str(home).to_string();
        let mut vars: Vec<(String, String)> = vec![
            ("PATH".into(), path),
            ("TERM".into(), "xterm-256color".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ];
        let mut set = |k: &str, v: String| {
            vars.retain(|(n, _)| n != k);
            vars.push((k.to_string(), v));
        };
        for (k, v) in env {
            set(k, v.to_string());
        }
        set("HOME", home_s.clone());
        match sh {
            Sh::Bash => {}
            Sh::Zsh => set("ZDOTDIR", home_s.clone()),
            Sh::Fish => set("XDG_CONFIG_HOME", format!("{home_s}/.config")),
        }
        if sh == Sh::Fish {
            // On its first start in a home without this folder, fish starts
            // a background python that writes completions from man pages
            // (for a minute, into the home the test is about to delete).
            let data = vars
                .iter()
                .find(|(n, _)| n == "XDG_DATA_HOME")
                .map(|(_, v)| PathBuf::from(v))
                .unwrap_or_else(|| home.join(".local/share"));
            std::fs::create_dir_all(data.join("fish/generated_completions")).unwrap();
        }

        // The command line, in a script so that no tmux quoting rules apply.
        let shell = which::which(sh.program())
            .unwrap_or_else(|e| panic!("{sh} not found ({e}); call shells::available first"));
        let mut argv: Vec<String> = vars.iter().map(|(k, v)| format!("{k}={v}")).collect();
        argv.push(path_str(&shell).to_string());
        argv.extend(
            match sh {
                Sh::Bash => vec!["--noprofile", "--rcfile", path_str(&rc_file), "-i"],
                Sh::Zsh | Sh::Fish => vec!["-i"],
            }
            .into_iter()
            .map(String::from),
        );
        let quoted: Vec<String> = argv.iter().map(|a| sh_quote(a)).collect();
        let launcher = format!(
            "cd {} || exit 1\nexec env -i {}\n",
            sh_quote(path_str(cwd)),
            quoted.join(" ")
        );

        let dir = socket_dir();
        let sock = dir.path().join("sock");
        let conf = dir.path().join("tmux.conf");
        let script = dir.path().join("launch.sh");
        std::fs::write(&script, launcher).unwrap();
        // A long history; no status line; a pane whose shell exited stays, so
        // that a timeout can still show what it printed.
        std::fs::write(
            &conf,
            "set -g history-limit 100000\nset -g status off\nset -g remain-on-exit on\n",
        )
        .unwrap();

        let mut session = Session {
            sh,
            dir,
            sock,
            width: WIDTH as usize,
            sent_at: Cell::new(0),
        };
        let (w, h) = (WIDTH.to_string(), HEIGHT.to_string());
        session.tmux(&[
            "-f",
            path_str(&conf),
            "new-session",
            "-d",
            "-s",
            TARGET,
            "-x",
            &w,
            "-y",
            &h,
            "/bin/sh",
            path_str(&script),
        ]);
        let width = session.tmux(&["display-message", "-p", "-t", TARGET, "#{pane_width}"]);
        session.width = width.trim().parse().expect("pane width");
        session.poll(START_TIMEOUT, "the first prompt", is_idle);
        session
    }

    /// The shell this session runs.
    pub fn sh(&self) -> Sh {
        self.sh
    }

    /// Types `line` literally (no key names, no bracketed paste), then
    /// Enter; returns at once. [`wait_prompt`](Self::wait_prompt) then waits
    /// for the command to finish. The characters arrive as keystrokes: a
    /// tab in `line` would complete, a newline would end the line early.
    pub fn send_line(&self, line: &str) {
        self.sent_at.set(prompts(&self.capture_raw()));
        self.type_line(line);
    }

    /// Types `text` literally, without Enter: for completion tests, type a
    /// partial line, then `send_keys(&["Tab"])`.
    pub fn send_text(&self, text: &str) {
        if !text.is_empty() {
            let text = tmux_arg(text);
            self.tmux(&["send-keys", "-t", TARGET, "-l", "--", &text]);
        }
    }

    /// [`send_line`](Self::send_line) without noting the prompt count.
    fn type_line(&self, line: &str) {
        if line.is_empty() {
            self.tmux(&["send-keys", "-t", TARGET, "Enter"]);
            return;
        }
        // One tmux call: the text, then (after the `;` separator) Enter.
        let text = tmux_arg(line);
        let args = [
            "send-keys",
            "-t",
            TARGET,
            "-l",
            "--",
            &text,
            ";",
            "send-keys",
            "-t",
            TARGET,
            "Enter",
        ];
        self.tmux(&args);
    }

    /// Sends tmux key names, e.g. `"Tab"`, `"C-c"`, `"Up"`, `"Enter"`
    /// (a single character stands for itself; `"Space"` for a space).
    pub fn send_keys(&self, keys: &[&str]) {
        self.sent_at.set(prompts(&self.capture_raw()));
        let keys: Vec<String> = keys.iter().map(|k| tmux_arg(k)).collect();
        let mut args = vec!["send-keys", "-t", TARGET];
        args.extend(keys.iter().map(String::as_str));
        self.tmux(&args);
    }

    /// Runs one command line: waits for an idle prompt, types `line` and
    /// Enter, waits for the next prompt, and returns what was printed in
    /// between (lines trimmed of trailing whitespace, joined by `\n`, no
    /// final newline). Sends nothing else, so `$?` is the command's.
    /// Panics with the screen on timeout.
    pub fn run(&self, line: &str, timeout: Duration) -> String {
        assert!(!line.contains('\n'), "run takes one line: {line:?}");
        let before = self.poll(timeout, "an idle prompt before running a command", is_idle);
        let n = prompts(&before);
        self.sent_at.set(n);
        self.type_line(line);
        let after = self.poll(timeout, &format!("the prompt after `{line}`"), |t| {
            prompts(t) > n && is_idle(t)
        });
        output_after(&after, n, line, self.sh, self.width)
    }

    /// After [`send_line`](Self::send_line) (or [`send_keys`](Self::send_keys)
    /// ending in Enter): waits until a new, idle prompt follows what was
    /// sent, and returns the screen as [`capture`](Self::capture) does.
    /// Panics on timeout.
    pub fn wait_prompt(&self, timeout: Duration) -> String {
        let n = self.sent_at.get();
        let raw = self.poll(timeout, "the prompt after the line sent", |t| {
            prompts(t) > n && is_idle(t)
        });
        clean(&raw)
    }

    /// The whole history and screen: wrapped lines joined, each line trimmed
    /// of trailing whitespace, trailing empty lines dropped.
    pub fn capture(&self) -> String {
        clean(&self.capture_raw())
    }

    /// Waits until `needle` is on the screen (or in the history) and returns
    /// it all, as [`capture`](Self::capture) does. Panics on timeout.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let raw = self.poll(timeout, &format!("{needle:?}"), |t| {
            clean(t).contains(needle)
        });
        clean(&raw)
    }

    /// Waits until `pred` holds for the screen as [`capture`](Self::capture)
    /// returns it, and returns that. `what` names the wait in the panic.
    pub fn wait_until(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        clean(&self.poll(timeout, what, |t| pred(&clean(t))))
    }

    /// The pane as tmux has it: wrapped lines joined, trailing spaces kept.
    fn capture_raw(&self) -> String {
        self.tmux(&[
            "capture-pane",
            "-p",
            "-J",
            "-t",
            TARGET,
            "-S",
            "-",
            "-E",
            "-",
        ])
    }

    /// Reads the pane every [`POLL`] until `pred` holds for the raw text,
    /// and returns that text; panics with the screen after `timeout`.
    fn poll(&self, timeout: Duration, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let raw = self.capture_raw();
            if pred(&raw) {
                return raw;
            }
            if Instant::now() >= deadline {
                let dead = self.tmux(&[
                    "display-message",
                    "-p",
                    "-t",
                    TARGET,
                    "#{?pane_dead,the shell exited with status #{pane_dead_status},the shell is running}",
                ]);
                panic!(
                    "{}: waited {timeout:?} for {what}; {}; the screen:\n{}\n[end of screen]",
                    self.sh,
                    dead.trim(),
                    clean(&raw)
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Runs a tmux command on this session's server; panics if it fails.
    fn tmux(&self, args: &[&str]) -> String {
        let out = tmux_command(&self.sock, args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux: {e}"));
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Ends the shell too (SIGHUP); the TempDir goes after this.
        let _ = tmux_command(&self.sock, &["kill-server"]).output();
    }
}

/// `tmux -S sock args...`, never talking to the tmux the tests run in.
fn tmux_command(sock: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("tmux");
    cmd.arg("-S")
        .arg(sock)
        .args(args)
        .env_remove("TMUX")
        .env_remove("TMUX_PANE")
        .stdin(Stdio::null());
    cmd
}

/// A temp dir for a tmux socket: a socket's path must stay under ~100
/// bytes, so fall back to /tmp when TMPDIR is long.
fn socket_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("vouch-tmux")
        .tempdir()
        .unwrap();
    if dir.path().join("sock").as_os_str().len() <= 100 {
        return dir;
    }
    tempfile::Builder::new()
        .prefix("vouch-tmux")
        .tempdir_in("/tmp")
        .unwrap()
}

/// tmux reads an argument that ends in `;` as the end of a command (and
/// `\;` as a literal `;`, dropping the backslash); a `\` before the final
/// `;` keeps the argument as it is.
fn tmux_arg(s: &str) -> String {
    match s.strip_suffix(';') {
        Some(rest) => format!("{rest}\\;"),
        None => s.to_string(),
    }
}

/// Where the echo of the prompt and `typed`, starting at `from`, ends in
/// `raw`. zsh draws a command line longer than the window with its own
/// line breaks (tmux does not join those rows), so newlines are skipped
/// while matching. If the echo differs from `typed` (control characters
/// shown as `^X`, say), this gives up and returns `from`.
fn end_of_echo(raw: &str, from: usize, typed: &str) -> usize {
    let mut rest = raw[from..].char_indices();
    let mut end = from;
    for want in format!("{PROMPT_MARK} {typed}").chars() {
        let found = rest.by_ref().find(|&(_, c)| c != '\n');
        match found {
            Some((i, c)) if c == want => end = from + i + c.len_utf8(),
            _ => return from,
        }
    }
    end
}

/// `s` quoted for sh.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn path_str(p: &Path) -> &str {
    p.to_str()
        .unwrap_or_else(|| panic!("not UTF-8: {}", p.display()))
}

/// How many prompts the text shows.
fn prompts(raw: &str) -> usize {
    raw.matches(PROMPT_MARK).count()
}

/// True when the last non-blank line ends with the bare prompt: the shell
/// waits for input and nothing has been typed.
fn is_idle(raw: &str) -> bool {
    raw.lines()
        .map(str::trim_end)
        .rfind(|l| !l.is_empty())
        .is_some_and(|l| l.ends_with(PROMPT_MARK))
}

/// Lines trimmed of trailing whitespace, trailing empty lines dropped.
fn clean(raw: &str) -> String {
    let lines: Vec<&str> = raw.lines().map(str::trim_end).collect();
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    lines[..end].join("\n")
}

/// What was printed after `typed` was entered at prompt number `n`
/// (counting from 1), up to prompt `n + 1`.
fn output_after(raw: &str, n: usize, typed: &str, sh: Sh, width: usize) -> String {
    let marks: Vec<usize> = raw.match_indices(PROMPT_MARK).map(|(i, _)| i).collect();
    let next = marks[n];
    let start = match n.checked_sub(1) {
        Some(i) => {
            let from = end_of_echo(raw, marks[i], typed);
            // Output starts on the line after the typed one.
            raw[from..next].find('\n').map_or(next, |j| from + j + 1)
        }
        None => 0,
    };
    let mut lines: Vec<&str> = raw[start..next].split('\n').collect();
    // The prompt normally starts a line: the text before it on that line is
    // empty. It is not after output without a final newline in bash, which
    // prints the prompt right after it.
    if lines.last() == Some(&"") {
        lines.pop();
    }
    let mut out: Vec<String> = lines.iter().map(|l| l.trim_end().to_string()).collect();
    // After output without a final newline fish prints a `⏎` (`¶` without
    // UTF-8) and spaces up to the line's end, then the prompt on a new line.
    if sh == Sh::Fish {
        if let (Some(raw_last), Some(last)) = (lines.last(), out.last_mut()) {
            let filled = raw_last.chars().count() % width == 0;
            if filled && (last.ends_with('⏎') || last.ends_with('¶')) {
                last.pop();
                let kept = last.trim_end().len();
                last.truncate(kept);
            }
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(10);

    fn script_echoes(sh: Sh) {
        if !available(sh) {
            return;
        }
        let home = tempfile::tempdir().unwrap();
        let script = match sh {
            Sh::Fish => "echo $GREETING; echo $HOME; set -q PGHOST; or echo no-pg",
            _ => "echo $GREETING; echo $HOME; [ -z \"${PGHOST+x}\" ] && echo no-pg",
        };
        let home_s = path_str(home.path());
        let out = run_script(
            sh,
            script,
            &[("GREETING", "hello there"), ("HOME", home_s)],
            home.path(),
        );
        assert!(out.status.success(), "{sh}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("hello there\n{home_s}\nno-pg\n"),
            "{sh}"
        );
    }

    #[test]
    fn script_bash() {
        script_echoes(Sh::Bash);
    }
    #[test]
    fn script_zsh() {
        script_echoes(Sh::Zsh);
    }
    #[test]
    fn script_fish() {
        script_echoes(Sh::Fish);
    }

    /// The checks every shell must pass interactively.
    fn interactive(sh: Sh) {
        if !interactive_available(sh) {
            return;
        }
        let home = tempfile::tempdir().unwrap();
        let rc = match sh {
            Sh::Fish => "set -gx FROM_RC rc-value",
            _ => "export FROM_RC=rc-value",
        };
        let s = Session::start(
            sh,
            rc,
            home.path(),
            home.path(),
            &[("FROM_ENV", "env-value")],
        );

        assert_eq!(s.run("echo hi", T), "hi");
        assert_eq!(s.run("echo $FROM_RC $FROM_ENV", T), "rc-value env-value");
        // Nothing leaks from the parent's environment.
        let allowed = [
            "PATH",
            "TERM",
            "LANG",
            "HOME",
            "PWD",
            "OLDPWD",
            "SHLVL",
            "_",
            "ZDOTDIR",
            "XDG_CONFIG_HOME",
            "FROM_ENV",
            "FROM_RC",
        ];
        let leaked: Vec<String> = s
            .run("env", T)
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
            .filter(|k| !allowed.contains(&k.as_str()) && std::env::var_os(k).is_some())
            .collect();
        assert!(
            leaked.is_empty(),
            "{sh}: leaked from the parent: {leaked:?}"
        );

        // $? survives from one run to the next.
        assert_eq!(s.run("false", T), "");
        assert_eq!(s.run(&format!("echo {}", sh.status_var()), T), "1");

        assert_eq!(s.run("cd /tmp", T), "");
        assert_eq!(s.run("pwd", T), "/tmp");

        // Many lines, and a command line longer than the window.
        let many = s.run("seq 1 50", T);
        let want: Vec<String> = (1..=50).map(|i| i.to_string()).collect();
        assert_eq!(many, want.join("\n"));
        let long = "x".repeat(300);
        assert_eq!(s.run(&format!("echo {long}"), T), long);

        // Output without a final newline, and a line ending in `;`.
        assert_eq!(s.run("printf partial", T), "partial");
        assert_eq!(s.run("echo after", T), "after");
        assert_eq!(s.run("echo 'semi;'", T), "semi;");
        assert_eq!(s.run(r"echo 'back\;'", T), r"back\;");

        // Keys by name: type, erase with C-u, then a real command.
        s.send_keys(&["e", "c", "h", "o", "Space", "n", "o", "p", "e"]);
        s.wait_for("echo nope", T);
        s.send_keys(&["C-u"]);
        assert_eq!(s.run("echo yes", T), "yes");
        assert!(!s.capture().contains("\nnope"), "{}", s.capture());

        // Completion: type part of a name, Tab, then Enter by name.
        std::fs::write(home.path().join("unique-file-name"), "contents\n").unwrap();
        assert_eq!(s.run(&format!("cd {}", path_str(home.path())), T), "");
        s.send_text("cat unique-f");
        s.send_keys(&["Tab"]);
        s.wait_for("cat unique-file-name", T);
        s.send_keys(&["Enter"]);
        let screen = s.wait_prompt(T);
        assert!(screen.contains("\ncontents\n"), "{screen}");

        // send_line + wait_prompt, for commands run does not suit.
        s.send_line("echo sent");
        let screen = s.wait_prompt(T);
        assert!(screen.contains("\nsent\n"), "{screen}");
    }

    #[test]
    fn interactive_bash() {
        interactive(Sh::Bash);
    }
    #[test]
    fn interactive_zsh() {
        interactive(Sh::Zsh);
    }
    #[test]
    fn interactive_fish() {
        interactive(Sh::Fish);
    }

    #[test]
    fn fish_partial_line_at_the_width() {
        if !interactive_available(Sh::Fish) {
            return;
        }
        let home = tempfile::tempdir().unwrap();
        let s = Session::start(Sh::Fish, "", home.path(), home.path(), &[]);
        for len in [198, 199, 200, 250] {
            let want = "0".repeat(len);
            assert_eq!(s.run(&format!("printf %0{len}d 0"), T), want, "{len}");
        }
    }

    #[test]
    fn timeout_shows_the_screen() {
        if !interactive_available(Sh::Bash) {
            return;
        }
        let home = tempfile::tempdir().unwrap();
        let s = Session::start(Sh::Bash, "", home.path(), home.path(), &[]);
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.run("echo started; sleep 5", Duration::from_millis(300))
        }))
        .unwrap_err();
        let msg = err.downcast_ref::<String>().unwrap();
        assert!(msg.contains("started"), "{msg}");
        assert!(msg.contains("the shell is running"), "{msg}");
    }

    #[test]
    fn parse_output() {
        let raw = "READY> echo a\na   \nREADY> printf b\nbREADY> x\n";
        assert_eq!(output_after(raw, 1, "echo a", Sh::Bash, 200), "a");
        assert_eq!(output_after(raw, 2, "printf b", Sh::Bash, 200), "b");
        let fish = format!("READY> printf hi\nhi⏎{}\nREADY> ", " ".repeat(17));
        assert_eq!(output_after(&fish, 1, "printf hi", Sh::Fish, 20), "hi");
        // zsh breaks a long command line itself.
        let zsh = "READY> echo xxxx\nxx\nxxxxxx\nREADY> ";
        assert_eq!(output_after(zsh, 1, "echo xxxxxx", Sh::Zsh, 16), "xxxxxx");
        // An echo that differs: the output starts on the next line.
        let ctrl = "READY> echo ^A\n\nREADY> ";
        assert_eq!(output_after(ctrl, 1, "echo \u{1}", Sh::Zsh, 16), "");
        assert!(is_idle("READY> ls\nfile\nREADY>   \n\n"));
        assert!(!is_idle("READY> sleep 1\n\n"));
        assert_eq!(tmux_arg("a;"), r"a\;");
        assert_eq!(tmux_arg(r"a\;"), r"a\\;");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
