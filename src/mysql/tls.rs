//! The TLS and login flags a MySQL-family client gets, by flavour.
//!
//! - Oracle MySQL: `--ssl-mode=VERIFY_IDENTITY` (`VERIFY_CA` through
//!   `--iam-host`, where the server's name is not the one connected to),
//!   `--ssl-ca=BUNDLE`, `--enable-cleartext-plugin`.
//! - MariaDB: `--ssl --ssl-verify-server-cert --ssl-ca=BUNDLE` (no
//!   `--ssl-verify-server-cert` through `--iam-host`); never `--ssl-mode`
//!   or `--enable-cleartext-plugin`, which MariaDB refuses or warns about.
//!
//! The user's own settings are kept when they are at least as strong (a
//! CA of their own, `VERIFY_IDENTITY`); settings that would send the token
//! without TLS are refused before anything connects.

use super::getopt::Origin;
use super::params::TlsGiven;
use super::Flavour;
use crate::error::{Error, Result};

/// The flags to add and what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyTls {
    /// Flags for the client, in order, placed after its leading
    /// `--defaults-*` arguments.
    pub flags: Vec<String>,
    /// The TLS mode in words, for `--explain`.
    pub mode: String,
    /// Whether the client checks the server against vouch's CA bundle.
    pub root_from_vouch: bool,
    pub warnings: Vec<String>,
}

/// Decide the TLS flags. `elsewhere`: the client connects to another name
/// than the one signed for (`--iam-host`), so the server's name cannot match.
/// `has_cleartext_flag`: the client's table knows `--enable-cleartext-plugin`.
pub fn my_tls(
    flavour: Flavour,
    given: &TlsGiven,
    elsewhere: bool,
    ca_bundle: &str,
    has_cleartext_flag: bool,
) -> Result<MyTls> {
    let own_ca = given.ssl_ca.is_some() || given.ssl_capath.is_some();
    let mut flags = Vec::new();
    let mut warnings = Vec::new();
    let mode;
    match flavour {
        Flavour::Oracle { .. } => {
            if let Some(m) = &given.ssl_mode {
                match m.value.as_str() {
                    "DISABLED" | "PREFERRED" => {
                        return Err(Error::config(format!(
                            "--ssl-mode={} (from {}) may send the IAM token without TLS; remove it (vouch sets --ssl-mode=VERIFY_IDENTITY)",
                            m.value, m.source
                        )))
                    }
                    "REQUIRED" => warnings.push(format!(
                        "--ssl-mode=REQUIRED (from {}) encrypts but does not check the server's certificate; use VERIFY_IDENTITY (or leave --ssl-mode to vouch)",
                        m.source
                    )),
                    "VERIFY_IDENTITY" if elsewhere => warnings.push(format!(
                        "--ssl-mode=VERIFY_IDENTITY (from {}) checks the server's name, which will not match through --iam-host; use VERIFY_CA",
                        m.source
                    )),
                    "VERIFY_CA" | "VERIFY_IDENTITY" => {}
                    other => {
                        return Err(Error::config(format!(
                            "--ssl-mode={other} (from {}) is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY",
                            m.source
                        )))
                    }
                }
                mode = m.value.clone();
            } else {
                mode = if elsewhere {
                    "VERIFY_CA"
                } else {
                    "VERIFY_IDENTITY"
                }
                .to_string();
                flags.push(format!("--ssl-mode={mode}"));
            }
            if !own_ca {
                flags.push(format!("--ssl-ca={ca_bundle}"));
            }
            if has_cleartext_flag {
                flags.push("--enable-cleartext-plugin".into());
            }
        }
        Flavour::Mycli => {
            // mycli's default "auto" falls back to plain text when the
            // server offers no TLS; "on" never does.
            if let Some(m) = &given.ssl_mode {
                if m.value != "ON" {
                    return Err(Error::config(format!(
                        "mycli: --ssl-mode {} (from {}) may send the IAM token without TLS; remove it (vouch passes --ssl-mode=on)",
                        m.value.to_ascii_lowercase(),
                        m.source
                    )));
                }
            }
            flags.push("--ssl-mode=on".into());
            if !own_ca {
                flags.push(format!("--ssl-ca={ca_bundle}"));
            }
            // mycli checks the name only with --ssl-verify-server-cert.
            if !elsewhere && given.verify_server_cert.is_none() {
                flags.push("--ssl-verify-server-cert".into());
            }
            if elsewhere && given.verify_server_cert.is_some() {
                warnings.push(
                    "--ssl-verify-server-cert checks the server's name, which will not match through --iam-host".into(),
                );
            }
            // A password from the environment would otherwise be saved in
            // the system keyring when the user's myclirc enables it.
            flags.push("--use-keyring=false".into());
            mode = if elsewhere && given.verify_server_cert.is_none() {
                "TLS (--ssl-mode=on), certificate checked, not the server name".into()
            } else {
                "TLS (--ssl-mode=on), certificate and server name checked".into()
            };
        }
        Flavour::MariaDb => {
            if let Some(s) = given.ssl.as_ref().filter(|s| !s.on) {
                return Err(Error::config(format!(
                    "{} (from {}) turns TLS off, and the client would send the IAM token in clear text; remove it",
                    s.spelled,
                    origin_words(&s.origin)
                )));
            }
            let verify = match &given.verify_server_cert {
                Some(v) if !v.on => {
                    warnings.push(format!(
                        "{} (from {}) stops the client from checking that the server's certificate names the host it connects to; remove it",
                        v.spelled,
                        origin_words(&v.origin)
                    ));
                    false
                }
                Some(v) if elsewhere => {
                    warnings.push(format!(
                        "{} (from {}) checks the server's name, which will not match through --iam-host",
                        v.spelled,
                        origin_words(&v.origin)
                    ));
                    true
                }
                _ => !elsewhere,
            };
            flags.push("--ssl".into());
            if verify && given.verify_server_cert.is_none() {
                flags.push("--ssl-verify-server-cert".into());
            }
            if !own_ca {
                flags.push(format!("--ssl-ca={ca_bundle}"));
            }
            mode = if verify {
                "TLS, certificate and server name checked".into()
            } else {
                "TLS, certificate checked, not the server name".into()
            };
        }
    }
    Ok(MyTls {
        flags,
        mode,
        root_from_vouch: !own_ca,
        warnings,
    })
}

fn origin_words(o: &Origin) -> String {
    o.to_string()
}

#[cfg(test)]
mod tests {
    use super::super::params::{Setting, Source, Switch};
    use super::*;

    const O8: Flavour = Flavour::Oracle { major: 8, minor: 0 };

    fn mode(m: &str) -> TlsGiven {
        TlsGiven {
            ssl_mode: Some(Setting {
                value: m.into(),
                source: Source::Given(Origin::Args),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn oracle_flags() {
        let t = my_tls(O8, &TlsGiven::default(), false, "/b.pem", true).unwrap();
        assert_eq!(
            t.flags,
            [
                "--ssl-mode=VERIFY_IDENTITY",
                "--ssl-ca=/b.pem",
                "--enable-cleartext-plugin"
            ]
        );
        let t = my_tls(O8, &TlsGiven::default(), true, "/b.pem", false).unwrap();
        assert_eq!(t.flags, ["--ssl-mode=VERIFY_CA", "--ssl-ca=/b.pem"]);
        for bad in ["DISABLED", "PREFERRED", "BOGUS"] {
            assert!(my_tls(O8, &mode(bad), false, "/b", true).is_err(), "{bad}");
        }
        let t = my_tls(O8, &mode("REQUIRED"), false, "/b", true).unwrap();
        assert_eq!(t.warnings.len(), 1);
        assert_eq!(t.flags, ["--ssl-ca=/b", "--enable-cleartext-plugin"]);
    }

    #[test]
    fn mariadb_flags() {
        let t = my_tls(Flavour::MariaDb, &TlsGiven::default(), false, "/b", true).unwrap();
        assert_eq!(
            t.flags,
            ["--ssl", "--ssl-verify-server-cert", "--ssl-ca=/b"]
        );
        let t = my_tls(Flavour::MariaDb, &TlsGiven::default(), true, "/b", true).unwrap();
        assert_eq!(t.flags, ["--ssl", "--ssl-ca=/b"]);
        let off = TlsGiven {
            ssl: Some(Switch {
                on: false,
                spelled: "--skip-ssl".into(),
                origin: Origin::Args,
            }),
            ..Default::default()
        };
        let e = my_tls(Flavour::MariaDb, &off, false, "/b", true).unwrap_err();
        assert!(e.message.contains("--skip-ssl"), "{}", e.message);
        let own = TlsGiven {
            ssl_ca: Some(Setting {
                value: "/mine.pem".into(),
                source: Source::Given(Origin::Args),
            }),
            ..Default::default()
        };
        let t = my_tls(Flavour::MariaDb, &own, false, "/b", true).unwrap();
        assert_eq!(t.flags, ["--ssl", "--ssl-verify-server-cert"]);
        assert!(!t.root_from_vouch);
    }
}
