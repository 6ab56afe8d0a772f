//! The completion scripts checked in under completions/ are what
//! `vouch completions SHELL` prints now; regenerate them with
//! `bash scripts/gen-completions.sh` after changing the command line. The
//! bash script is loaded by bash and asked for vouch's subcommands.

use std::process::Command;

use crate::support::{missing, repo, vouch_bin};

const FILES: [(&str, &str); 5] = [
    ("bash", "vouch.bash"),
    ("zsh", "_vouch"),
    ("fish", "vouch.fish"),
    ("powershell", "_vouch.ps1"),
    ("elvish", "vouch.elv"),
];

#[test]
fn checked_in_completions_are_current() {
    for (shell, file) in FILES {
        let out = Command::new(vouch_bin())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let checked_in = std::fs::read(repo().join("completions").join(file)).unwrap();
        assert!(
            out.stdout == checked_in,
            "completions/{file} is stale: run bash scripts/gen-completions.sh"
        );
    }
}

#[test]
fn bash_loads_the_script_and_completes_subcommands() {
    let Ok(bash) = which::which("bash") else {
        return missing("bash");
    };
    let script = repo().join("completions/vouch.bash");
    // Ask the completion function what follows `vouch ` and `vouch exec --`.
    let probe = format!(
        "source '{}'; COMP_WORDS=(vouch ''); COMP_CWORD=1; _vouch vouch '' vouch; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = Command::new(bash).args(["-c", &probe]).output().unwrap();
    let words = String::from_utf8_lossy(&out.stdout).into_owned();
    for sub in [
        "exec",
        "credential",
        "login",
        "logout",
        "status",
        "completions",
    ] {
        assert!(words.lines().any(|w| w == sub), "{sub} missing: {words}");
    }
}
