//! Endpoint rules: what an RDS host name says about itself.
//!
//! `mydb.cluster-abc123.us-east-1.rds.amazonaws.com` is an Aurora writer in
//! us-east-1 of the commercial partition. This module reads instance,
//! Aurora writer/reader/custom, RDS Proxy (and proxy endpoint) and Limitless
//! shard-group names in the commercial, GovCloud and China partitions, and
//! picks the region by the documented precedence. Pure: no DNS here (see
//! `dns`), no environment (values are passed in).

use crate::error::{Error, Result};

/// The AWS partition an endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    AwsUsGov,
    AwsCn,
}

impl Partition {
    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsCn => "aws-cn",
        }
    }
}

/// The kind of RDS endpoint a host name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdsKind {
    Instance,
    ClusterWriter,
    ClusterReader,
    ClusterCustom,
    Proxy,
    ProxyEndpoint,
    ShardGroup,
}

impl RdsKind {
    pub fn describe(self) -> &'static str {
        match self {
            RdsKind::Instance => "RDS instance",
            RdsKind::ClusterWriter => "Aurora cluster (writer) endpoint",
            RdsKind::ClusterReader => "Aurora cluster reader endpoint",
            RdsKind::ClusterCustom => "Aurora custom endpoint",
            RdsKind::Proxy => "RDS Proxy",
            RdsKind::ProxyEndpoint => "RDS Proxy endpoint",
            RdsKind::ShardGroup => "Aurora Limitless shard group",
        }
    }
}

/// A host name recognised as an RDS endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdsEndpoint {
    /// Normalised: lowercase, no trailing dot.
    pub host: String,
    pub kind: RdsKind,
    /// The instance, cluster, custom-endpoint or proxy name (first label).
    pub name: String,
    pub region: String,
    pub partition: Partition,
}

/// Lowercase and drop one trailing dot: DNS names are case-insensitive and
/// `host.` is the same name as `host`.
pub fn normalize_host(host: &str) -> String {
    let h = host.strip_suffix('.').unwrap_or(host);
    h.to_ascii_lowercase()
}

/// Is this a plausible AWS region name (`us-east-1`, `us-gov-west-1`, `cn-north-1`)?
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() < 3 || parts.len() > 4 {
        return false;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    first.len() == 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
}

fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Recognise an RDS endpoint name; `None` for any other name.
pub fn parse_rds_host(host: &str) -> Option<RdsEndpoint> {
    let host = normalize_host(host);
    let (rest, china) = if let Some(r) = host.strip_suffix(".rds.amazonaws.com.cn") {
        (r, true)
    } else if let Some(r) = host.strip_suffix(".rds.amazonaws.com") {
        (r, false)
    } else {
        return None;
    };
    let labels: Vec<&str> = rest.split('.').collect();
    if labels.len() < 3 || !labels.iter().all(|l| is_label(l)) {
        return None;
    }
    let region = labels[labels.len() - 1];
    let id = labels[labels.len() - 2];
    if !is_region(region) {
        return None;
    }
    let partition = match (region.starts_with("cn-"), china) {
        (true, true) => Partition::AwsCn,
        (false, false) if region.starts_with("us-gov-") => Partition::AwsUsGov,
        (false, false) => Partition::Aws,
        _ => return None, // a China region under .com or the reverse
    };
    let name = labels[0].to_string();
    let region = region.to_string();
    let kind = match labels.len() {
        3 => {
            if id.starts_with("cluster-custom-") {
                RdsKind::ClusterCustom
            } else if id.starts_with("cluster-ro-") {
                RdsKind::ClusterReader
            } else if id.starts_with("cluster-") {
                RdsKind::ClusterWriter
            } else if id.starts_with("proxy-") {
                RdsKind::Proxy
            } else if id.starts_with("shardgrp-") {
                RdsKind::ShardGroup
            } else {
                RdsKind::Instance
            }
        }
        4 if labels[1] == "endpoint" && id.starts_with("proxy-") => RdsKind::ProxyEndpoint,
        _ => return None,
    };
    let prefix_len = match kind {
        RdsKind::ClusterCustom => "cluster-custom-".len(),
        RdsKind::ClusterReader => "cluster-ro-".len(),
        RdsKind::ClusterWriter => "cluster-".len(),
        RdsKind::Proxy | RdsKind::ProxyEndpoint => "proxy-".len(),
        RdsKind::ShardGroup => "shardgrp-".len(),
        RdsKind::Instance => 0,
    };
    if id.len() <= prefix_len {
        return None;
    }
    Some(RdsEndpoint {
        host: host.clone(),
        kind,
        name,
        region,
        partition,
    })
}

/// Where the region came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionSource {
    Flag,
    Host,
    Env(&'static str),
    Profile,
}

impl std::fmt::Display for RegionSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegionSource::Flag => f.write_str("--region"),
            RegionSource::Host => f.write_str("the endpoint's host name"),
            RegionSource::Env(v) => write!(f, "{v}"),
            RegionSource::Profile => f.write_str("the AWS profile's region"),
        }
    }
}

/// The region chosen, with a warning to print when `--region` contradicts
/// the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionChoice {
    pub region: String,
    pub source: RegionSource,
    pub warning: Option<String>,
}

/// Region precedence: `--region` (warn if it contradicts the host) > host >
/// AWS_REGION > AWS_DEFAULT_REGION > the profile's region (asked for only
/// when needed).
pub fn choose_region(
    flag: Option<&str>,
    host: Option<&RdsEndpoint>,
    env: &dyn Fn(&'static str) -> Option<String>,
    profile: &dyn Fn() -> Option<String>,
) -> Result<RegionChoice> {
    if let Some(r) = flag {
        if !is_region(r) {
            return Err(Error::config(format!(
                "--region {r:?} is not an AWS region name (like us-east-1)"
            )));
        }
        let warning = host.filter(|h| h.region != r).map(|h| {
            format!(
                "--region {r} contradicts the endpoint {} (region {}); the token is signed for {r} and RDS will refuse it unless the database is there",
                h.host, h.region
            )
        });
        return Ok(RegionChoice {
            region: r.to_string(),
            source: RegionSource::Flag,
            warning,
        });
    }
    if let Some(h) = host {
        return Ok(RegionChoice {
            region: h.region.clone(),
            source: RegionSource::Host,
            warning: None,
        });
    }
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(r) = env(var).filter(|r| !r.is_empty()) {
            if !is_region(&r) {
                return Err(Error::config(format!(
                    "{var}={r:?} is not an AWS region name (like us-east-1); fix it or pass --region"
                )));
            }
            return Ok(RegionChoice {
                region: r,
                source: RegionSource::Env(var),
                warning: None,
            });
        }
    }
    if let Some(r) = profile().filter(|r| !r.is_empty()) {
        if !is_region(&r) {
            return Err(Error::config(format!(
                "the AWS profile's region {r:?} is not an AWS region name (like us-east-1); fix it or pass --region"
            )));
        }
        return Ok(RegionChoice {
            region: r,
            source: RegionSource::Profile,
            warning: None,
        });
    }
    Err(Error::config(
        "cannot tell the database's region: the host name does not carry one; pass --region (or set AWS_REGION)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Partition::*;
    use RdsKind::*;

    #[test]
    fn recognises_endpoint_kinds() {
        let cases: &[(&str, RdsKind, &str, &str, Partition)] = &[
            (
                "mydb.abc123xyz.us-east-1.rds.amazonaws.com",
                Instance,
                "mydb",
                "us-east-1",
                Aws,
            ),
            (
                "mydb.cluster-abc123.us-east-1.rds.amazonaws.com",
                ClusterWriter,
                "mydb",
                "us-east-1",
                Aws,
            ),
            (
                "mydb.cluster-ro-abc123.eu-west-1.rds.amazonaws.com",
                ClusterReader,
                "mydb",
                "eu-west-1",
                Aws,
            ),
            (
                "rep.cluster-custom-abc123.ap-southeast-2.rds.amazonaws.com",
                ClusterCustom,
                "rep",
                "ap-southeast-2",
                Aws,
            ),
            (
                "px.proxy-abc123.us-west-2.rds.amazonaws.com",
                Proxy,
                "px",
                "us-west-2",
                Aws,
            ),
            (
                "ro.endpoint.proxy-abc123.us-west-2.rds.amazonaws.com",
                ProxyEndpoint,
                "ro",
                "us-west-2",
                Aws,
            ),
            (
                "lim.shardgrp-abc123.us-east-2.rds.amazonaws.com",
                ShardGroup,
                "lim",
                "us-east-2",
                Aws,
            ),
            (
                "db.abc.cn-north-1.rds.amazonaws.com.cn",
                Instance,
                "db",
                "cn-north-1",
                AwsCn,
            ),
            (
                "db.cluster-abc.cn-northwest-1.rds.amazonaws.com.cn",
                ClusterWriter,
                "db",
                "cn-northwest-1",
                AwsCn,
            ),
            (
                "db.abc.us-gov-west-1.rds.amazonaws.com",
                Instance,
                "db",
                "us-gov-west-1",
                AwsUsGov,
            ),
            (
                "db.cluster-ro-abc.us-gov-east-1.rds.amazonaws.com",
                ClusterReader,
                "db",
                "us-gov-east-1",
                AwsUsGov,
            ),
            (
                "MyDB.Cluster-ABC123.US-EAST-1.RDS.AMAZONAWS.COM.",
                ClusterWriter,
                "mydb",
                "us-east-1",
                Aws,
            ),
        ];
        for (host, kind, name, region, partition) in cases {
            let e = parse_rds_host(host).unwrap_or_else(|| panic!("{host} not recognised"));
            assert_eq!(
                (e.kind, e.name.as_str(), e.region.as_str(), e.partition),
                (*kind, *name, *region, *partition),
                "{host}"
            );
            assert_eq!(e.host, normalize_host(host));
        }
    }

    #[test]
    fn rejects_other_names() {
        for host in [
            "localhost",
            "127.0.0.1",
            "db.example.com",
            "rds.amazonaws.com",
            "us-east-1.rds.amazonaws.com",
            "abc.us-east-1.rds.amazonaws.com",
            "db.abc.notaregion.rds.amazonaws.com",
            "db.abc.cn-north-1.rds.amazonaws.com", // China region, commercial suffix
            "db.abc.us-east-1.rds.amazonaws.com.cn", // commercial region, China suffix
            "db.cluster-.us-east-1.rds.amazonaws.com", // empty id
            "a.b.c.us-east-1.rds.amazonaws.com",
            "db..us-east-1.rds.amazonaws.com",
            "db.abc.us-east-1.rds.amazonaws.com.evil.com",
            "db.abc.us-east-1.redshift.amazonaws.com",
            "",
        ] {
            assert_eq!(parse_rds_host(host), None, "{host}");
        }
    }

    #[test]
    fn region_precedence() {
        let host = parse_rds_host("db.abc.eu-west-1.rds.amazonaws.com").unwrap();
        let env_both = |v: &'static str| match v {
            "AWS_REGION" => Some("ap-south-1".to_string()),
            "AWS_DEFAULT_REGION" => Some("sa-east-1".to_string()),
            _ => None,
        };
        let env_default =
            |v: &'static str| (v == "AWS_DEFAULT_REGION").then(|| "sa-east-1".to_string());
        let env_none = |_: &'static str| None;
        let profile = || Some("ca-central-1".to_string());
        let no_profile = || None;

        let c = choose_region(Some("eu-west-1"), Some(&host), &env_both, &profile).unwrap();
        assert_eq!(
            (c.region.as_str(), c.source, c.warning),
            ("eu-west-1", RegionSource::Flag, None)
        );
        let c = choose_region(Some("us-east-1"), Some(&host), &env_both, &profile).unwrap();
        assert_eq!(c.region, "us-east-1");
        assert!(c.warning.unwrap().contains("contradicts"));
        let c = choose_region(None, Some(&host), &env_both, &profile).unwrap();
        assert_eq!(
            (c.region.as_str(), c.source),
            ("eu-west-1", RegionSource::Host)
        );
        let c = choose_region(None, None, &env_both, &profile).unwrap();
        assert_eq!(
            (c.region.as_str(), c.source),
            ("ap-south-1", RegionSource::Env("AWS_REGION"))
        );
        let c = choose_region(None, None, &env_default, &profile).unwrap();
        assert_eq!(
            (c.region.as_str(), c.source),
            ("sa-east-1", RegionSource::Env("AWS_DEFAULT_REGION"))
        );
        let c = choose_region(None, None, &env_none, &profile).unwrap();
        assert_eq!(
            (c.region.as_str(), c.source),
            ("ca-central-1", RegionSource::Profile)
        );
        let e = choose_region(None, None, &env_none, &no_profile).unwrap_err();
        assert!(e.message.contains("--region"));
        assert!(choose_region(Some("us_east_1"), None, &env_none, &no_profile).is_err());
        let env_bogus = |v: &'static str| (v == "AWS_REGION").then(|| "bogus".to_string());
        let e = choose_region(None, None, &env_bogus, &profile).unwrap_err();
        assert!(e.message.starts_with("AWS_REGION=\"bogus\""), "{e}");
        let bad_profile = || Some("Europe".to_string());
        assert!(choose_region(None, None, &env_none, &bad_profile).is_err());
    }

    #[test]
    fn region_names() {
        for r in [
            "us-east-1",
            "us-gov-west-1",
            "cn-northwest-1",
            "ap-southeast-5",
            "eu-central-2",
            "us-isob-east-1",
        ] {
            assert!(is_region(r), "{r}");
        }
        for r in [
            "",
            "us",
            "us-east",
            "US-EAST-1",
            "us-east-x",
            "us--1",
            "useast-1-a-b-1",
        ] {
            assert!(!is_region(r), "{r}");
        }
    }
}
