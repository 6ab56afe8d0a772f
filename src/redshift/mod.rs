//! Amazon Redshift: what a host name says (a provisioned cluster or a
//! Serverless workgroup, and the region), which API call gives temporary
//! database credentials for it, and the checks on what the user asked for.
//! Pure; the calls themselves are in [`api`].
//!
//! - `CLUSTER.UNIQUE.REGION.redshift.amazonaws.com[.cn]`: a provisioned
//!   cluster (port 5439). `GetClusterCredentialsWithIAM` by default (the
//!   database user comes from the IAM identity: `IAM:user`, `IAMR:role`),
//!   `GetClusterCredentials` with `--db-user` (`IAM:user`, or `IAMA:user`
//!   with `--auto-create`).
//! - `WORKGROUP.ACCOUNT.REGION.redshift-serverless.amazonaws.com[.cn]`: a
//!   Serverless workgroup; `redshift-serverless:GetCredentials`.
//! - Any other name (a Redshift-managed VPC endpoint, whose first label is
//!   `NAME-endpoint-...`, an NLB, a custom DNS name) does not say which
//!   cluster or workgroup it leads to: `--cluster-id` or `--workgroup`
//!   (and `--region` when the name has none) say it.

pub mod api;

use std::time::{Duration, SystemTime};

use crate::credentials::Secret;
use crate::endpoint::Partition;
use crate::error::{Error, Result};

/// Redshift's default port.
pub const DEFAULT_PORT: u16 = 5439;
/// The shortest and longest credentials Redshift issues, and the default.
pub const MIN_DURATION: u64 = 900;
pub const MAX_DURATION: u64 = 3600;
pub const DEFAULT_DURATION: u64 = 900;

/// What serves the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Service {
    /// A provisioned cluster, by its identifier.
    Cluster(String),
    /// A Serverless workgroup, by its name.
    Workgroup(String),
}

impl Service {
    pub fn describe(&self) -> String {
        match self {
            Service::Cluster(c) => format!("Redshift cluster {c}"),
            Service::Workgroup(w) => format!("Redshift Serverless workgroup {w}"),
        }
    }
}

/// A host name read as a Redshift endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostRead {
    /// The name carries the cluster or workgroup and the region.
    Known {
        service: Service,
        region: String,
        partition: Partition,
    },
    /// A Redshift or Redshift Serverless name that does not say which
    /// cluster or workgroup (a managed VPC endpoint): its region, if any.
    Unnamed {
        serverless: bool,
        region: Option<String>,
    },
    /// Not a Redshift name.
    Other,
}

/// A cluster identifier as Redshift allows it: 1 to 63 lowercase letters,
/// digits and hyphens, a letter first, no `--`, no hyphen last.
pub fn is_cluster_id(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.contains("--")
        && !s.ends_with('-')
}

/// A workgroup name as Redshift Serverless allows it: 3 to 64 lowercase
/// letters, digits and hyphens.
pub fn is_workgroup_name(s: &str) -> bool {
    (3..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Read a host name (case and one trailing dot do not matter).
pub fn read_host(host: &str) -> HostRead {
    let h = crate::endpoint::normalize_host(host);
    let (rest, partition) = if let Some(r) = h.strip_suffix(".amazonaws.com.cn") {
        (r, Partition::AwsCn)
    } else if let Some(r) = h.strip_suffix(".amazonaws.com") {
        (r, Partition::Aws)
    } else {
        return HostRead::Other;
    };
    let labels: Vec<&str> = rest.split('.').collect();
    let Some((&svc, front)) = labels.split_last() else {
        return HostRead::Other;
    };
    let serverless = match svc {
        "redshift" => false,
        "redshift-serverless" => true,
        _ => return HostRead::Other,
    };
    let region = front
        .last()
        .filter(|r| crate::endpoint::is_region(r))
        .map(|r| r.to_string());
    let partition = match (&region, partition) {
        (Some(r), Partition::Aws) if r.starts_with("us-gov-") => Partition::AwsUsGov,
        // Only China's regions are under amazonaws.com.cn.
        (Some(r), Partition::AwsCn) if !r.starts_with("cn-") => return HostRead::Other,
        (_, p) => p,
    };
    if let ([first, middle, _], Some(region)) = (front, &region) {
        // A managed VPC endpoint's first label is NAME-endpoint-RANDOM.
        let vpc_endpoint = first.contains("-endpoint-");
        let service = if serverless {
            (is_workgroup_name(first)
                && middle.len() == 12
                && middle.bytes().all(|b| b.is_ascii_digit())
                && !vpc_endpoint)
                .then(|| Service::Workgroup(first.to_string()))
        } else {
            (is_cluster_id(first)
                && !middle.is_empty()
                && middle.bytes().all(|b| b.is_ascii_alphanumeric())
                && !vpc_endpoint)
                .then(|| Service::Cluster(first.to_string()))
        };
        if let Some(service) = service {
            return HostRead::Known {
                service,
                region: region.clone(),
                partition,
            };
        }
    }
    HostRead::Unnamed { serverless, region }
}

/// Which call gives the credentials, with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `redshift:GetClusterCredentialsWithIAM`.
    ClusterWithIam {
        cluster: String,
        db_name: Option<String>,
        duration: u64,
    },
    /// `redshift:GetClusterCredentials`.
    Cluster {
        cluster: String,
        db_user: String,
        db_name: Option<String>,
        auto_create: bool,
        db_groups: Vec<String>,
        duration: u64,
    },
    /// `redshift-serverless:GetCredentials`.
    Serverless {
        workgroup: String,
        db_name: Option<String>,
        duration: u64,
    },
}

impl Request {
    /// The IAM action the call needs (named when access is denied).
    pub fn action(&self) -> &'static str {
        match self {
            Request::ClusterWithIam { .. } => "redshift:GetClusterCredentialsWithIAM",
            Request::Cluster { .. } => "redshift:GetClusterCredentials",
            Request::Serverless { .. } => "redshift-serverless:GetCredentials",
        }
    }
    /// The call, for messages: `Redshift GetClusterCredentials for cluster X`.
    pub fn describe(&self) -> String {
        match self {
            Request::ClusterWithIam { cluster, .. } => {
                format!("Redshift GetClusterCredentialsWithIAM for cluster {cluster}")
            }
            Request::Cluster { cluster, .. } => {
                format!("Redshift GetClusterCredentials for cluster {cluster}")
            }
            Request::Serverless { workgroup, .. } => {
                format!("Redshift Serverless GetCredentials for workgroup {workgroup}")
            }
        }
    }
}

/// What the user asked for besides the service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub db_user: Option<String>,
    pub db_name: Option<String>,
    pub auto_create: bool,
    pub db_groups: Vec<String>,
    pub duration: Option<u64>,
}

/// The request for `service` with `opts`, checked.
pub fn request(service: &Service, opts: &Options) -> Result<Request> {
    let duration = opts.duration.unwrap_or(DEFAULT_DURATION);
    if !(MIN_DURATION..=MAX_DURATION).contains(&duration) {
        return Err(Error::config(format!(
            "--duration {duration}: Redshift issues credentials for {MIN_DURATION} to {MAX_DURATION} seconds"
        )));
    }
    if let Some(d) = &opts.db_name {
        if d.is_empty() || d.chars().any(char::is_control) {
            return Err(Error::config(format!(
                "database name {d:?} cannot be sent to Redshift"
            )));
        }
    }
    let db_name = opts.db_name.clone();
    match service {
        Service::Workgroup(w) => {
            if opts.db_user.is_some() || opts.auto_create || !opts.db_groups.is_empty() {
                return Err(Error::config(
                    "--db-user, --auto-create and --db-groups are for provisioned clusters; Redshift Serverless takes the user from the IAM identity",
                ));
            }
            Ok(Request::Serverless {
                workgroup: w.clone(),
                db_name,
                duration,
            })
        }
        Service::Cluster(c) => match &opts.db_user {
            None => {
                if opts.auto_create || !opts.db_groups.is_empty() {
                    return Err(Error::config(
                        "--auto-create and --db-groups need --db-user (without it the user comes from the IAM identity)",
                    ));
                }
                Ok(Request::ClusterWithIam {
                    cluster: c.clone(),
                    db_name,
                    duration,
                })
            }
            Some(u) => {
                check_db_user(u)?;
                for g in &opts.db_groups {
                    if g.is_empty() || g.chars().any(|c| c.is_control() || c == ',') {
                        return Err(Error::config(format!(
                            "--db-groups: {g:?} is not a group name"
                        )));
                    }
                }
                Ok(Request::Cluster {
                    cluster: c.clone(),
                    db_user: u.clone(),
                    db_name,
                    auto_create: opts.auto_create,
                    db_groups: opts.db_groups.clone(),
                    duration,
                })
            }
        },
    }
}

/// A `--db-user` as `GetClusterCredentials` takes it: the bare name.
/// Redshift adds the `IAM:`/`IAMA:` prefix itself; `:` and `/` are not in
/// its user names.
pub fn check_db_user(u: &str) -> Result<()> {
    for prefix in ["IAM:", "IAMA:", "IAMR:"] {
        if u.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        {
            return Err(Error::config(format!(
                "--db-user {u:?}: give the name without {prefix} (Redshift adds the prefix to the user it returns)"
            )));
        }
    }
    if u.is_empty() || u.len() > 128 || u.contains([':', '/']) || u.chars().any(char::is_control) {
        return Err(Error::config(format!(
            "--db-user {u:?} is not a Redshift user name (1 to 128 characters, no ':' or '/')"
        )));
    }
    Ok(())
}

/// The longest DbUser (a 128-byte name and its prefix) and DbPassword
/// (Redshift's are about 100 characters) taken from an answer.
const MAX_USER_BYTES: usize = 160;
const MAX_PASSWORD_BYTES: usize = 4096;

/// Temporary database credentials as Redshift returns them.
#[derive(Debug, Clone)]
pub struct DbCredentials {
    /// Exactly as returned, e.g. `IAM:alice`, `IAMR:role`.
    pub db_user: String,
    pub password: Secret,
    pub expires: SystemTime,
}

/// Check what came back: a user, a password, a future expiration.
pub fn check_answer(
    what: &str,
    db_user: Option<&str>,
    password: Option<&str>,
    expires: Option<SystemTime>,
    now: SystemTime,
) -> Result<DbCredentials> {
    let bad = |m: &str| Error::network(format!("{what}: the answer {m}"));
    let db_user = db_user
        .filter(|u| !u.is_empty())
        .ok_or_else(|| bad("has no DbUser"))?;
    if db_user.chars().any(crate::session::unsafe_char) {
        return Err(bad("has a DbUser with control characters"));
    }
    if db_user.len() > MAX_USER_BYTES {
        return Err(bad("has a DbUser longer than Redshift's user names"));
    }
    let password = password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| bad("has no DbPassword"))?;
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(bad("has a DbPassword too long to be one of Redshift's"));
    }
    if password.chars().any(|c| c.is_control()) {
        return Err(bad("has a DbPassword with control characters"));
    }
    let expires = expires.ok_or_else(|| bad("has no Expiration"))?;
    if expires <= now {
        return Err(bad("has credentials that have already expired"));
    }
    if expires > now + Duration::from_secs(MAX_DURATION + 300) {
        return Err(bad("has an Expiration further away than Redshift allows"));
    }
    Ok(DbCredentials {
        db_user: db_user.to_owned(),
        password: Secret::new(password),
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(host: &str) -> (Service, String, Partition) {
        match read_host(host) {
            HostRead::Known {
                service,
                region,
                partition,
            } => (service, region, partition),
            other => panic!("{host}: {other:?}"),
        }
    }

    #[test]
    fn provisioned_and_serverless_names() {
        assert_eq!(
            known("analytics.c0abcdefgh12.us-east-1.redshift.amazonaws.com"),
            (
                Service::Cluster("analytics".into()),
                "us-east-1".into(),
                Partition::Aws
            )
        );
        assert_eq!(
            known("Analytics.C0ABCDEFGH12.EU-WEST-1.REDSHIFT.AMAZONAWS.COM."),
            (
                Service::Cluster("analytics".into()),
                "eu-west-1".into(),
                Partition::Aws
            )
        );
        assert_eq!(
            known("wg1.111122223333.us-east-1.redshift-serverless.amazonaws.com"),
            (
                Service::Workgroup("wg1".into()),
                "us-east-1".into(),
                Partition::Aws
            )
        );
        assert_eq!(
            known("dw.abc123.cn-north-1.redshift.amazonaws.com.cn").2,
            Partition::AwsCn
        );
        assert_eq!(
            known("dw.abc123.us-gov-west-1.redshift.amazonaws.com").2,
            Partition::AwsUsGov
        );
    }

    #[test]
    fn names_that_do_not_say_which() {
        assert_eq!(
            read_host(
                "my-vpce-endpoint-xk2j4h5k6l7m.c0abcdefgh12.us-east-1.redshift.amazonaws.com"
            ),
            HostRead::Unnamed {
                serverless: false,
                region: Some("us-east-1".into())
            }
        );
        assert_eq!(
            read_host("wg-endpoint-abc.111122223333.eu-west-1.redshift-serverless.amazonaws.com"),
            HostRead::Unnamed {
                serverless: true,
                region: Some("eu-west-1".into())
            }
        );
        // Workgroup names are 3+ characters; the account is 12 digits.
        assert!(matches!(
            read_host("w1.111122223333.us-east-1.redshift-serverless.amazonaws.com"),
            HostRead::Unnamed { .. }
        ));
        assert!(matches!(
            read_host("wg1.1111.us-east-1.redshift-serverless.amazonaws.com"),
            HostRead::Unnamed { .. }
        ));
        assert_eq!(
            read_host("redshift.amazonaws.com"),
            HostRead::Unnamed {
                serverless: false,
                region: None
            }
        );
        for other in [
            "mydb.cluster-abc123.us-east-1.rds.amazonaws.com",
            "analytics.example.com",
            "localhost",
            "10.0.0.5",
            "x.redshift.amazonaws.com.evil.example",
            "a.b.us-east-1.redshift.amazonaws.com.cn",
        ] {
            assert_eq!(read_host(other), HostRead::Other, "{other}");
        }
    }

    #[test]
    fn requests() {
        let c = Service::Cluster("analytics".into());
        let w = Service::Workgroup("wg1".into());
        let o = Options::default();
        assert_eq!(
            request(&c, &o).unwrap(),
            Request::ClusterWithIam {
                cluster: "analytics".into(),
                db_name: None,
                duration: 900
            }
        );
        let o = Options {
            db_user: Some("alice".into()),
            auto_create: true,
            db_groups: vec!["analysts".into()],
            db_name: Some("dev".into()),
            duration: Some(3600),
        };
        assert_eq!(
            request(&c, &o).unwrap().action(),
            "redshift:GetClusterCredentials"
        );
        let e = request(&w, &o).unwrap_err();
        assert!(e.message.contains("provisioned clusters"), "{e}");
        assert_eq!(
            request(&w, &Options::default()).unwrap().action(),
            "redshift-serverless:GetCredentials"
        );
        for (d, ok) in [(899, false), (900, true), (3600, true), (3601, false)] {
            let o = Options {
                duration: Some(d),
                ..Options::default()
            };
            assert_eq!(request(&c, &o).is_ok(), ok, "{d}");
        }
        let o = Options {
            auto_create: true,
            ..Options::default()
        };
        assert!(request(&c, &o)
            .unwrap_err()
            .message
            .contains("need --db-user"));
    }

    #[test]
    fn db_users_are_bare_names() {
        for bad in [
            "IAM:alice",
            "iama:alice",
            "IAMR:role",
            "a:b",
            "a/b",
            "",
            "a\nb",
        ] {
            let e = check_db_user(bad).unwrap_err();
            assert_eq!(e.code, crate::error::ExitCode::Configuration, "{bad}");
        }
        for good in ["alice", "app@corp", "a b", "ünï"] {
            check_db_user(good).unwrap();
        }
    }

    #[test]
    fn odd_answers_are_refused() {
        let now = SystemTime::now();
        let later = now + Duration::from_secs(900);
        let long_pw = "p".repeat(5000);
        let long_user = "u".repeat(200);
        for (u, p) in [
            ("u", "p\nq"),
            ("u", "p\0q"),
            ("u", long_pw.as_str()),
            (long_user.as_str(), "p"),
        ] {
            let err = check_answer("x", Some(u), Some(p), Some(later), now).unwrap_err();
            assert_eq!(err.code, crate::error::ExitCode::Network, "{}", err.message);
        }
    }

    #[test]
    fn answers_are_checked() {
        let now = SystemTime::now();
        let later = now + Duration::from_secs(900);
        let c = check_answer("x", Some("IAM:alice"), Some("p/w+="), Some(later), now).unwrap();
        assert_eq!(c.db_user, "IAM:alice");
        assert_eq!(c.password.expose(), "p/w+=");
        for (u, p, e) in [
            (None, Some("p"), Some(later)),
            (Some("u"), None, Some(later)),
            (Some("u"), Some("p"), None),
            (Some("u"), Some("p"), Some(now)),
            (Some("u\x1b[2J"), Some("p"), Some(later)),
            (
                Some("u"),
                Some("p"),
                Some(now + Duration::from_secs(86_400)),
            ),
        ] {
            let err = check_answer("x", u, p, e, now).unwrap_err();
            assert_eq!(err.code, crate::error::ExitCode::Network);
        }
    }
}
