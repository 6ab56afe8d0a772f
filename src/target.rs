//! The signing target: which host and port the token is signed for, given
//! where the client connects.
//!
//! An RDS name is signed for as it is. A name that is a CNAME to an RDS
//! endpoint is followed (the lookup is injected, see `dns`). `--iam-host`
//! names the endpoint explicitly when the client connects elsewhere (a
//! tunnel, an IP address, a proxy). Anything else is refused with a hint.

use crate::endpoint::{normalize_host, parse_rds_host, RdsEndpoint};
use crate::error::{Error, Result};

/// How the signing host was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The client connects to the RDS name itself.
    Direct,
    /// The client's host is a CNAME that leads to the RDS name.
    Cname { alias: String },
    /// `--iam-host` named it.
    IamHost,
}

/// The host and port the token is signed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningTarget {
    /// Host written into the token (as given, minus a trailing dot).
    pub host: String,
    pub port: u16,
    /// The parsed endpoint, when the host is an RDS name.
    pub endpoint: Option<RdsEndpoint>,
    pub via: Via,
}

impl SigningTarget {
    /// True when the client connects to another name than the one signed
    /// for, so a certificate cannot be checked against the client's name.
    pub fn connects_elsewhere(&self) -> bool {
        self.via != Via::Direct
    }
}

/// Parse `--iam-host HOST[:PORT]`; without a port the engine's default port
/// (`default_port`) is used, which is what an RDS endpoint listens on unless
/// configured otherwise.
pub fn parse_iam_host(spec: &str, default_port: u16) -> Result<(String, u16)> {
    let bad = || {
        Error::config(format!(
            "--iam-host {spec:?} is not HOST or HOST:PORT (for example mydb.cluster-abc123.us-east-1.rds.amazonaws.com:5432)"
        ))
    };
    let (host, port) = match spec.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(bad)?,
        ),
        None => (spec, default_port),
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if !valid {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

fn is_ip_literal(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.parse::<std::net::IpAddr>().is_ok()
}

/// Decide what to sign for.
///
/// `client_host` is where the client connects (`None`: its default, a Unix
/// socket), `hostaddr` libpq's numeric address if given (then the client
/// connects over TCP to it and `client_host` only names the server),
/// `client_port` its port. `lookup_cname` returns the canonical name of a
/// DNS name, if it has one other than itself.
pub fn signing_target(
    client_host: Option<&str>,
    hostaddr: Option<&str>,
    client_port: u16,
    iam_host: Option<(String, u16)>,
    lookup_cname: &dyn Fn(&str) -> Option<String>,
) -> Result<SigningTarget> {
    let client_host = client_host.filter(|h| !h.is_empty());
    let hostaddr = hostaddr.filter(|h| !h.is_empty());
    // libpq uses no TLS on a Unix socket, and RDS takes tokens only over
    // TLS: a socket is refused even with --iam-host.
    if hostaddr.is_none() {
        match client_host {
            None => {
                return Err(Error::config(
                    "no host given: the client would connect to a local Unix socket, where libpq uses no TLS and which is not an RDS endpoint; pass -h HOST (and --iam-host ENDPOINT[:PORT] if HOST is not the endpoint's name)",
                ))
            }
            Some(h) if h.starts_with('/') || h.starts_with('@') => {
                return Err(Error::config(format!(
                    "the client connects to the Unix socket {h:?}, where libpq uses no TLS; RDS takes IAM tokens only over TLS: connect over TCP with -h HOST (and --iam-host ENDPOINT[:PORT])"
                )))
            }
            Some(_) => {}
        }
    }
    if let Some((host, port)) = iam_host {
        return Ok(SigningTarget {
            endpoint: parse_rds_host(&host),
            host,
            port,
            via: Via::IamHost,
        });
    }
    let hint = "pass --iam-host ENDPOINT[:PORT] to name the RDS endpoint the token is for";
    // The name the server is known by: the host, else the address.
    let raw = client_host.or(hostaddr).unwrap_or_default();
    let host = raw.strip_suffix('.').unwrap_or(raw);
    if let Some(endpoint) = parse_rds_host(host) {
        return Ok(SigningTarget {
            host: host.to_string(),
            port: client_port,
            endpoint: Some(endpoint),
            via: Via::Direct,
        });
    }
    let normalized = normalize_host(host);
    if normalized == "localhost" || normalized.ends_with(".localhost") || is_ip_literal(host) {
        return Err(Error::config(format!(
            "{raw} is not an RDS endpoint name, and a token must be signed for one; {hint}"
        )));
    }
    if let Some(canonical) = lookup_cname(host) {
        let canonical = canonical
            .strip_suffix('.')
            .unwrap_or(&canonical)
            .to_string();
        if let Some(endpoint) = parse_rds_host(&canonical) {
            return Ok(SigningTarget {
                host: endpoint.host.clone(),
                port: client_port,
                endpoint: Some(endpoint),
                via: Via::Cname {
                    alias: host.to_string(),
                },
            });
        }
    }
    Err(Error::config(format!(
        "{raw} is not an RDS endpoint name and is not a DNS alias (CNAME) of one; {hint}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RDS: &str = "mydb.cluster-abc123.us-east-1.rds.amazonaws.com";

    fn no_cname(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn rds_names_are_signed_as_given() {
        let t = signing_target(
            Some("MyDB.cluster-abc123.us-east-1.rds.amazonaws.com."),
            None,
            6543,
            None,
            &no_cname,
        )
        .unwrap();
        assert_eq!(t.host, "MyDB.cluster-abc123.us-east-1.rds.amazonaws.com");
        assert_eq!(t.port, 6543);
        assert_eq!(t.via, Via::Direct);
        assert!(!t.connects_elsewhere());
        assert_eq!(t.endpoint.unwrap().region, "us-east-1");
    }

    #[test]
    fn cname_is_followed() {
        let lookup = |h: &str| (h == "db.example.com").then(|| format!("{RDS}."));
        let t = signing_target(Some("db.example.com"), None, 5432, None, &lookup).unwrap();
        assert_eq!(t.host, RDS);
        assert_eq!(
            t.via,
            Via::Cname {
                alias: "db.example.com".into()
            }
        );
        assert!(t.connects_elsewhere());
        let e = signing_target(Some("other.example.com"), None, 5432, None, &lookup).unwrap_err();
        assert!(e.message.contains("--iam-host"), "{e}");
        let to_non_rds = |_: &str| Some("lb.example.net".to_string());
        assert!(signing_target(Some("db.example.com"), None, 5432, None, &to_non_rds).is_err());
    }

    #[test]
    fn local_and_ip_hosts_need_iam_host() {
        let never = |h: &str| -> Option<String> { panic!("no DNS lookup expected for {h}") };
        for h in [
            "localhost",
            "LOCALHOST.",
            "127.0.0.1",
            "::1",
            "[::1]",
            "10.1.2.3",
        ] {
            let e = signing_target(Some(h), None, 5432, None, &never).unwrap_err();
            assert!(e.message.contains("--iam-host"), "{h}: {e}");
        }
        for h in [
            None,
            Some(""),
            Some("/var/run/postgresql"),
            Some("@abstract"),
        ] {
            let e = signing_target(h, None, 5432, None, &never).unwrap_err();
            assert!(e.message.contains("--iam-host"), "{h:?}: {e}");
        }
    }

    #[test]
    fn hostaddr_means_tcp() {
        let never = |h: &str| -> Option<String> { panic!("no DNS lookup expected for {h}") };
        // host names the server, hostaddr is where the client connects
        let t = signing_target(Some(RDS), Some("10.0.0.7"), 5432, None, &never).unwrap();
        assert_eq!((t.host.as_str(), t.via.clone()), (RDS, Via::Direct));
        // a socket-looking host with hostaddr still goes over TCP
        assert!(signing_target(
            Some("/tmp"),
            Some("10.0.0.7"),
            5432,
            Some((RDS.into(), 5432)),
            &never
        )
        .is_ok());
        // hostaddr alone is an IP address: --iam-host needed
        let e = signing_target(None, Some("10.0.0.7"), 5432, None, &never).unwrap_err();
        assert!(
            e.message
                .starts_with("10.0.0.7 is not an RDS endpoint name"),
            "{e}"
        );
    }

    #[test]
    fn iam_host_wins() {
        let iam = parse_iam_host(&format!("{RDS}:5432"), 5432).unwrap();
        let t = signing_target(Some("127.0.0.1"), None, 15432, Some(iam), &no_cname).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.via.clone()),
            (RDS, 5432, Via::IamHost)
        );
        assert!(t.connects_elsewhere());
    }

    #[test]
    fn iam_host_spec() {
        assert_eq!(parse_iam_host(RDS, 5432).unwrap(), (RDS.into(), 5432));
        assert_eq!(
            parse_iam_host(&format!("{RDS}:3307"), 3306).unwrap(),
            (RDS.into(), 3307)
        );
        assert_eq!(
            parse_iam_host(&format!("{RDS}."), 5432).unwrap(),
            (RDS.into(), 5432)
        );
        for bad in [
            "",
            ":5432",
            "host:",
            "host:0",
            "host:70000",
            "host:abc",
            "a b:1",
            "a..b",
            "[::1]:5432",
            "h/x",
        ] {
            assert!(parse_iam_host(bad, 5432).is_err(), "{bad}");
        }
    }
}
