//! Shell code vouch prints for `eval`: quoting that keeps any value
//! literal (quotes, `$(...)`, backticks, newlines, backslashes, non-ASCII
//! text), variable assignments for bash, zsh and fish, JSON, and the hook
//! and alias scripts (kept as files under `shell/`, rendered here).

use std::fmt::Write as _;

/// The shells vouch writes code for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }
}

/// `value` as one literal word of `shell`.
///
/// bash and zsh: single quotes, a `'` as `'\''` (nothing is special inside
/// single quotes, a newline included). fish: single quotes, in which only
/// `\\` and `\'` are escapes.
pub fn quote(shell: Shell, value: &str) -> String {
    match shell {
        Shell::Bash | Shell::Zsh => format!("'{}'", value.replace('\'', r"'\''")),
        Shell::Fish => format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'")),
    }
}

/// One change to a shell variable.
#[derive(Clone, PartialEq, Eq)]
pub struct Assign {
    /// A variable name: `[A-Za-z_][A-Za-z0-9_]*` (vouch's own names only).
    pub name: String,
    /// `None` unsets it.
    pub value: Option<String>,
    /// Exported to programs the shell starts.
    pub export: bool,
}

impl std::fmt::Debug for Assign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may be tokens: never in debug output.
        write!(
            f,
            "{}{}",
            self.name,
            if self.value.is_some() {
                "=…"
            } else {
                " unset"
            }
        )
    }
}

impl Assign {
    pub fn export(name: &str, value: impl Into<String>) -> Assign {
        Assign {
            name: name.into(),
            value: Some(value.into()),
            export: true,
        }
    }
    pub fn local(name: &str, value: impl Into<String>) -> Assign {
        Assign {
            name: name.into(),
            value: Some(value.into()),
            export: false,
        }
    }
    pub fn unset(name: &str) -> Assign {
        Assign {
            name: name.into(),
            value: None,
            export: true,
        }
    }
}

fn valid_name(name: &str) -> bool {
    let mut b = name.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The assignments as code for `shell`, one statement per line. Global
/// scope even when evaluated inside a function.
pub fn render(shell: Shell, assigns: &[Assign]) -> String {
    let mut out = String::new();
    for a in assigns {
        assert!(valid_name(&a.name), "bad variable name {:?}", a.name);
        let n = &a.name;
        let _ = match (shell, &a.value, a.export) {
            (Shell::Bash | Shell::Zsh, None, _) => writeln!(out, "unset {n};"),
            (Shell::Bash | Shell::Zsh, Some(v), true) => {
                writeln!(out, "export {n}={};", quote(shell, v))
            }
            (Shell::Bash | Shell::Zsh, Some(v), false) => {
                writeln!(out, "{n}={};", quote(shell, v))
            }
            (Shell::Fish, None, _) => writeln!(out, "set -e -g {n};"),
            (Shell::Fish, Some(v), true) => writeln!(out, "set -g -x {n} {};", quote(shell, v)),
            (Shell::Fish, Some(v), false) => writeln!(out, "set -g {n} {};", quote(shell, v)),
        };
    }
    out
}

/// The exported assignments as one JSON object (unsets as `null`).
pub fn render_json(assigns: &[Assign]) -> String {
    let mut map = serde_json::Map::new();
    for a in assigns.iter().filter(|a| a.export) {
        map.insert(
            a.name.clone(),
            a.value
                .clone()
                .map_or(serde_json::Value::Null, serde_json::Value::String),
        );
    }
    let mut s =
        serde_json::to_string_pretty(&serde_json::Value::Object(map)).expect("JSON of strings");
    s.push('\n');
    s
}

const HOOK_BASH: &str = include_str!("../shell/hook.bash");
const HOOK_ZSH: &str = include_str!("../shell/hook.zsh");
const HOOK_FISH: &str = include_str!("../shell/hook.fish");
const ALIAS_BASH: &str = include_str!("../shell/alias.bash");
const ALIAS_ZSH: &str = include_str!("../shell/alias.zsh");
const ALIAS_FISH: &str = include_str!("../shell/alias.fish");

/// The hook script for `shell`, calling vouch as `vouch_path`.
pub fn hook_script(shell: Shell, vouch_path: &str) -> String {
    let text = match shell {
        Shell::Bash => HOOK_BASH,
        Shell::Zsh => HOOK_ZSH,
        Shell::Fish => HOOK_FISH,
    };
    text.replace("@VOUCH@", &quote(shell, vouch_path))
}

/// Wrapper functions for `clients` (plain names, checked by the caller).
pub fn alias_script(shell: Shell, vouch_path: &str, clients: &[&str]) -> String {
    let text = match shell {
        Shell::Bash => ALIAS_BASH,
        Shell::Zsh => ALIAS_ZSH,
        Shell::Fish => ALIAS_FISH,
    };
    let (head, per_client) = text
        .split_once("#@CLIENT\n")
        .expect("alias script has a #@CLIENT section");
    let mut out = head.replace("@VOUCH@", &quote(shell, vouch_path));
    for c in clients {
        assert!(
            c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "client name {c:?}"
        );
        let text = per_client
            .replace("@VOUCH@", &quote(shell, vouch_path))
            .replace("@CLIENT@", c);
        if shell == Shell::Bash && c.contains('-') {
            // bash in POSIX mode allows no '-' in a function name.
            out.push_str("if ! shopt -qo posix; then\n");
            out.push_str(&text);
            out.push_str("fi\n");
        } else {
            out.push_str(&text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote(Shell::Bash, "a'b"), r"'a'\''b'");
        assert_eq!(quote(Shell::Zsh, "$(x)`y`\n"), "'$(x)`y`\n'");
        assert_eq!(quote(Shell::Fish, r"a\'b"), r"'a\\\'b'");
    }

    #[test]
    fn rendering() {
        let a = [
            Assign::export("PGHOST", "h"),
            Assign::local("__vouch_state", "active"),
            Assign::unset("PGPORT"),
        ];
        assert_eq!(
            render(Shell::Bash, &a),
            "export PGHOST='h';\n__vouch_state='active';\nunset PGPORT;\n"
        );
        assert_eq!(
            render(Shell::Fish, &a),
            "set -g -x PGHOST 'h';\nset -g __vouch_state 'active';\nset -e -g PGPORT;\n"
        );
        assert_eq!(
            render_json(&a),
            "{\n  \"PGHOST\": \"h\",\n  \"PGPORT\": null\n}\n"
        );
        let secret = [Assign::export("PGPASSWORD", "s3cr3t")];
        assert!(!format!("{secret:?}").contains("s3cr3t"));
    }

    #[test]
    fn scripts_are_rendered_with_the_path_quoted() {
        let s = hook_script(Shell::Bash, "/opt/it's/vouch");
        assert!(s.contains(r"'/opt/it'\''s/vouch'"), "{s}");
        assert!(!s.contains("@VOUCH@"));
        let a = alias_script(Shell::Fish, "/bin/vouch", &["psql", "mysql"]);
        assert!(
            a.contains("function psql") && a.contains("function mysql"),
            "{a}"
        );
        assert!(!a.contains("@CLIENT@"));
    }
}
