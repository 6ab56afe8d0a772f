//! TLS for libpq clients: RDS needs TLS for IAM authentication, and the
//! token is a bearer secret for 15 minutes, so the server's certificate is
//! checked unless the user chose otherwise in a way that still encrypts.
//!
//! With no sslmode set anywhere: `verify-full` when the client connects to
//! the RDS name itself, `verify-ca` when it connects elsewhere (a tunnel,
//! `--iam-host`, a CNAME), with the RDS CA bundle as root certificate
//! unless the user names their own. A user's `verify-ca`/`verify-full` is
//! kept; `require` is kept with a warning; `disable`/`allow`/`prefer` are
//! refused before anything connects.

use crate::error::{Error, Result};
use crate::libpq::Setting;

/// What vouch adds to the client's environment for TLS, and what it has to
/// say about the user's own choice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PgTls {
    pub set: Vec<(&'static str, String)>,
    /// The sslmode the client will use, for `--explain`.
    pub mode: String,
    /// True when the root certificates are vouch's (`ca_bundle`), not the user's.
    pub root_from_vouch: bool,
    pub warnings: Vec<String>,
}

/// Decide the libpq TLS settings. `ca_bundle` is the root-certificate file
/// vouch supplies when the user names none.
pub fn pg_tls(
    sslmode: Option<&Setting>,
    sslrootcert: Option<&Setting>,
    connects_elsewhere: bool,
    ca_bundle: &str,
) -> Result<PgTls> {
    let mut tls = PgTls::default();
    let mode = match sslmode {
        Some(s) => {
            let m = s.value.as_str();
            match m {
                "verify-full" if connects_elsewhere => {
                    tls.warnings.push(format!(
                        "sslmode=verify-full (from {}) checks the certificate against the name the client connects to, but the RDS certificate names the endpoint; if the check fails, use sslmode=verify-ca",
                        s.source
                    ));
                    m.to_string()
                }
                "verify-full" | "verify-ca" => m.to_string(),
                "require" => {
                    tls.warnings.push(format!(
                        "sslmode=require (from {}) encrypts but does not check the server's certificate; use verify-full to keep the token from an impostor",
                        s.source
                    ));
                    m.to_string()
                }
                "disable" | "allow" | "prefer" => {
                    return Err(Error::config(format!(
                        "sslmode={m} (from {}) may connect without TLS, and RDS accepts IAM tokens only over TLS; remove it or use sslmode=verify-full",
                        s.source
                    )))
                }
                other => {
                    return Err(Error::config(format!(
                        "sslmode={other:?} (from {}) is not a libpq sslmode; use verify-full, verify-ca or require",
                        s.source
                    )))
                }
            }
        }
        None => {
            if connects_elsewhere {
                "verify-ca".to_string()
            } else {
                "verify-full".to_string()
            }
        }
    };
    // The effective settings always go into the environment too: libpq
    // clients read arguments and service files first anyway, but pgcli
    // reads a service file itself and passes on only host, port, user and
    // database, so without these its libpq would fall back to `prefer`.
    tls.set.push(("PGSSLMODE", mode.clone()));
    if mode.starts_with("verify") {
        tls.root_from_vouch = sslrootcert.is_none();
        let root = sslrootcert.map_or(ca_bundle, |s| s.value.as_str());
        tls.set.push(("PGSSLROOTCERT", root.to_string()));
    }
    tls.mode = mode;
    Ok(tls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::libpq::Source;

    fn set(v: &str, source: Source) -> Setting {
        Setting {
            value: v.into(),
            source,
        }
    }
    const CA: &str = "/cache/rds-ca.pem";

    #[test]
    fn defaults_verify_full_or_ca() {
        let t = pg_tls(None, None, false, CA).unwrap();
        assert_eq!(
            t.set,
            vec![
                ("PGSSLMODE", "verify-full".into()),
                ("PGSSLROOTCERT", CA.into())
            ]
        );
        let t = pg_tls(None, None, true, CA).unwrap();
        assert_eq!(
            t.set,
            vec![
                ("PGSSLMODE", "verify-ca".into()),
                ("PGSSLROOTCERT", CA.into())
            ]
        );
        assert!(t.warnings.is_empty());
    }

    #[test]
    fn users_choices_are_kept_and_spelled_out() {
        let root = set("/my/root.pem", Source::Args);
        let t = pg_tls(
            Some(&set("verify-ca", Source::Env("PGSSLMODE"))),
            Some(&root),
            false,
            CA,
        )
        .unwrap();
        assert_eq!(
            t.set,
            vec![
                ("PGSSLMODE", "verify-ca".into()),
                ("PGSSLROOTCERT", "/my/root.pem".into())
            ]
        );
        assert_eq!(t.mode, "verify-ca");
        let t = pg_tls(Some(&set("verify-full", Source::Args)), None, true, CA).unwrap();
        assert_eq!(
            t.set,
            vec![
                ("PGSSLMODE", "verify-full".into()),
                ("PGSSLROOTCERT", CA.into())
            ]
        );
        assert!(
            t.warnings[0].contains("use sslmode=verify-ca"),
            "{:?}",
            t.warnings
        );
        let t = pg_tls(None, Some(&root), false, CA).unwrap();
        assert_eq!(
            t.set,
            vec![
                ("PGSSLMODE", "verify-full".into()),
                ("PGSSLROOTCERT", "/my/root.pem".into())
            ]
        );
        let t = pg_tls(Some(&set("require", Source::Args)), None, false, CA).unwrap();
        assert_eq!(t.set, vec![("PGSSLMODE", "require".into())]);
        assert_eq!(t.warnings.len(), 1);
    }

    #[test]
    fn plaintext_modes_are_refused() {
        for m in ["disable", "allow", "prefer", "bogus"] {
            let e = pg_tls(Some(&set(m, Source::Args)), None, false, CA).unwrap_err();
            assert_eq!(e.code, crate::error::ExitCode::Configuration);
            assert!(e.message.contains(m), "{e}");
        }
    }
}
