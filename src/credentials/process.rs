//! `credential_process`: run the profile's command and read its JSON, as
//! botocore's `ProcessProvider` does.
//!
//! botocore splits the command with `shlex.split` (POSIX rules) and execs it
//! directly (no shell, so no `$VAR`, `~`, pipes or globs), with stdin
//! inherited and stdout captured. Unlike botocore, stderr goes straight to
//! the user's terminal (helpers print prompts and progress there) and is
//! never copied into vouch's own messages, which might then carry a secret
//! a helper printed. Stdout is read up to 1 MiB. The output must be JSON with `"Version": 1`,
//! `AccessKeyId` and `SecretAccessKey`, and may carry `SessionToken` and
//! `Expiration` (ISO 8601).

use super::{expiry, shlex, Credentials, Secret};
use crate::error::{Error, Result};
use std::process::Command;

/// The most a credential_process may print on stdout (read by
/// [`crate::sts::capture_stdout`], which `token_command` uses too).
const MAX_OUTPUT: u64 = 1 << 20;

/// Runs the command and parses what it prints.
/// Set for a `credential_process` vouch runs: a vouch inside it (`vouch
/// credential aws` as the process, with the AWS chain as vouch's own
/// source) would run the process again, forever.
pub(crate) const NESTED_VAR: &str = "VOUCH_IN_CREDENTIAL_PROCESS";

pub(crate) fn run(profile: &str, command: &str) -> Result<Credentials> {
    if std::env::var_os(NESTED_VAR).is_some() {
        return Err(Error::config(format!(
            "the credential_process of profile \"{profile}\" runs inside another credential_process that vouch ran: vouch is probably its own credential_process (`credential_process = vouch credential aws` while vouch's source is the AWS chain); give vouch a source of its own in ~/.config/vouch/config.toml, or use another profile for vouch"
        )));
    }
    let argv = argv(profile, command)?;
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).env(NESTED_VAR, "1");
    let stdout = crate::sts::capture_stdout(
        &mut cmd,
        &format!("credential_process of profile \"{profile}\""),
        MAX_OUTPUT,
        "more than 1 MiB; it should print one JSON object",
        |e| {
            Error::config(format!(
                "credential_process of profile \"{profile}\": cannot run `{}`: {e}",
                argv[0]
            ))
        },
    )?;
    parse_output(profile, &stdout)
}

/// The command as botocore splits it.
pub(crate) fn argv(profile: &str, command: &str) -> Result<Vec<String>> {
    let argv = shlex::split(command).map_err(|e| {
        Error::config(format!(
            "credential_process of profile \"{profile}\" cannot be split into words: {e}"
        ))
    })?;
    if argv.is_empty() {
        return Err(Error::config(format!(
            "credential_process of profile \"{profile}\" is empty"
        )));
    }
    Ok(argv)
}

/// Reads the command's stdout. Error messages never quote it.
pub(crate) fn parse_output(profile: &str, stdout: &[u8]) -> Result<Credentials> {
    let fail = |what: String| {
        Error::auth(format!(
            "credential_process of profile \"{profile}\" {what}"
        ))
    };
    let json: serde_json::Value = serde_json::from_slice(stdout).map_err(|e| {
        // serde_json's syntax errors say where, not what: safe to show.
        fail(format!("did not print valid JSON ({e})"))
    })?;
    let obj = json
        .as_object()
        .ok_or_else(|| fail("did not print a JSON object".into()))?;
    match obj.get("Version") {
        Some(v) if v.as_f64() == Some(1.0) => {}
        Some(v) if v.is_number() => {
            return Err(fail(format!(
                "printed unsupported Version {v}; supported versions: 1"
            )))
        }
        Some(_) => return Err(fail("printed a Version that is not the number 1".into())),
        None => return Err(fail("printed no Version (must be 1)".into())),
    }
    let string = |key: &str| -> Result<Option<String>> {
        match obj.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(fail(format!("printed a {key} that is not a string"))),
        }
    };
    let access_key_id =
        string("AccessKeyId")?.ok_or_else(|| fail("printed no AccessKeyId".into()))?;
    let secret =
        string("SecretAccessKey")?.ok_or_else(|| fail("printed no SecretAccessKey".into()))?;
    let session_token = string("SessionToken")?
        .filter(|t| !t.is_empty())
        .map(Secret::new);
    let expires_at = match string("Expiration")?.filter(|e| !e.is_empty()) {
        None => None,
        Some(e) => Some(
            expiry::parse(&e)
                .ok_or_else(|| fail("printed an Expiration that is not an ISO 8601 time".into()))?,
        ),
    };
    Ok(Credentials {
        access_key_id,
        secret_access_key: Secret::new(secret),
        session_token,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    #[test]
    fn parses_version_1_output() {
        let c = parse_output(
            "p",
            br#"{"Version": 1, "AccessKeyId": "ASIAX", "SecretAccessKey": "s", "SessionToken": "t",
                "Expiration": "2030-01-01T00:00:00Z", "AccountId": "123"}"#,
        )
        .unwrap();
        assert_eq!(c.access_key_id, "ASIAX");
        assert_eq!(c.secret_access_key.expose(), "s");
        assert_eq!(c.session_token.as_ref().map(Secret::expose), Some("t"));
        assert_eq!(c.expires_at, expiry::parse("2030-01-01T00:00:00Z"));
        // 1.0 == 1 in Python too; empty token and null expiration are absent.
        let c = parse_output(
            "p",
            br#"{"Version": 1.0, "AccessKeyId": "AKIA", "SecretAccessKey": "s", "SessionToken": "", "Expiration": null}"#,
        )
        .unwrap();
        assert!(c.session_token.is_none() && c.expires_at.is_none());
    }

    #[test]
    fn rejects_bad_output_without_echoing_it() {
        let cases: [(&[u8], &str); 7] = [
            (b"not json SECRETVALUE", "valid JSON"),
            (br#"["SECRETVALUE"]"#, "JSON object"),
            (br#"{"Version": 2, "AccessKeyId": "a", "SecretAccessKey": "SECRETVALUE"}"#, "Version 2"),
            (br#"{"Version": "1", "AccessKeyId": "a", "SecretAccessKey": "SECRETVALUE"}"#, "not the number 1"),
            (br#"{"AccessKeyId": "a", "SecretAccessKey": "SECRETVALUE"}"#, "no Version"),
            (br#"{"Version": 1, "AccessKeyId": "a"}"#, "no SecretAccessKey"),
            (br#"{"Version": 1, "AccessKeyId": "a", "SecretAccessKey": "SECRETVALUE", "Expiration": "SECRETVALUE"}"#, "Expiration"),
        ];
        for (out, want) in cases {
            let e = parse_output("dev", out).unwrap_err();
            assert_eq!(e.code, ExitCode::NotAuthenticated);
            assert!(e.message.contains(want), "{e}");
            assert!(e.message.contains("profile \"dev\""), "{e}");
            assert!(!e.message.contains("SECRETVALUE"), "{e}");
        }
    }

    #[test]
    fn argv_is_shell_split_not_shell_run() {
        assert_eq!(
            argv("p", r#"/opt/my tool/x --name "a b" '$HOME'"#).unwrap(),
            ["/opt/my", "tool/x", "--name", "a b", "$HOME"]
        );
        assert_eq!(argv("p", "").unwrap_err().code, ExitCode::Configuration);
        assert_eq!(
            argv("p", "'unclosed").unwrap_err().code,
            ExitCode::Configuration
        );
    }
}
