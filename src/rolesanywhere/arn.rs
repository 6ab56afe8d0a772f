//! Checks of the three ARNs, the region and the session options a
//! `CreateSession` request carries, so a typo fails here with a clear
//! message instead of as an opaque AWS error.

use crate::endpoint::is_region;
use crate::error::{Error, Result};

/// The AWS partition of a region, and its DNS suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// `aws`, `aws-cn`, `aws-us-gov`: the second field of an ARN.
    pub name: &'static str,
    /// `amazonaws.com` or `amazonaws.com.cn`.
    pub dns_suffix: &'static str,
}

/// The partition a region belongs to. Errors for names that are not
/// regions and for the isolated partitions, which vouch does not know.
pub fn partition_of(region: &str) -> Result<Partition> {
    if !is_region(region) {
        return Err(Error::config(format!(
            "\"{region}\" is not an AWS region name (like us-east-1)"
        )));
    }
    if region.starts_with("us-iso") || region.starts_with("eu-isoe") {
        return Err(Error::config(format!(
            "region {region} is in an isolated AWS partition, which vouch does not support \
             for IAM Roles Anywhere"
        )));
    }
    Ok(if region.starts_with("cn-") {
        Partition {
            name: "aws-cn",
            dns_suffix: "amazonaws.com.cn",
        }
    } else if region.starts_with("us-gov-") {
        Partition {
            name: "aws-us-gov",
            dns_suffix: "amazonaws.com",
        }
    } else {
        Partition {
            name: "aws",
            dns_suffix: "amazonaws.com",
        }
    })
}

/// The fields of an ARN: `arn:partition:service:region:account:resource`.
struct Arn<'a> {
    partition: &'a str,
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn split(arn: &str) -> Option<Arn<'_>> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    Some(Arn {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    })
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Characters IAM allows in role names (`[\w+=,.@-]`, ASCII).
fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b)
}

/// Checks a Roles Anywhere trust anchor (`kind` = `"trust-anchor"`) or
/// profile (`"profile"`) ARN against the region. `field` names it in
/// messages (`"trust anchor ARN"`).
pub fn check_rolesanywhere_arn(
    arn: &str,
    kind: &str,
    field: &str,
    region: &str,
    partition: Partition,
) -> Result<()> {
    let example = format!(
        "arn:{}:rolesanywhere:{region}:123456789012:{kind}/UUID",
        partition.name
    );
    let bad =
        |why: &str| Error::config(format!("the {field} \"{arn}\" {why} (expected {example})"));
    if arn.is_empty() {
        return Err(Error::config(format!(
            "the {field} is not set (expected {example})"
        )));
    }
    let a = split(arn).ok_or_else(|| bad("is not an ARN"))?;
    if a.service != "rolesanywhere" {
        return Err(bad(&format!(
            "is an ARN of service \"{}\", not rolesanywhere",
            a.service
        )));
    }
    let id = a
        .resource
        .strip_prefix(kind)
        .and_then(|r| r.strip_prefix('/'))
        .ok_or_else(|| bad(&format!("does not name a {kind}")))?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad(&format!("has a malformed {kind} id")));
    }
    if !is_account(a.account) {
        return Err(bad("has no 12-digit account id"));
    }
    if a.region.is_empty() {
        return Err(bad("has no region"));
    }
    if a.region != region {
        return Err(Error::config(format!(
            "the {field} \"{arn}\" is in region {}, but the session would be created in \
             {region}; IAM Roles Anywhere needs the region of the trust anchor and profile \
             (set the region to {})",
            a.region, a.region
        )));
    }
    check_partition(arn, field, a.partition, region, partition)
}

/// Checks an IAM role ARN (`arn:aws:iam::123456789012:role/path/Name`).
pub fn check_role_arn(arn: &str, region: &str, partition: Partition) -> Result<()> {
    let example = format!("arn:{}:iam::123456789012:role/RoleName", partition.name);
    let bad =
        |why: &str| Error::config(format!("the role ARN \"{arn}\" {why} (expected {example})"));
    if arn.is_empty() {
        return Err(Error::config(format!(
            "the role ARN is not set (expected {example})"
        )));
    }
    let a = split(arn).ok_or_else(|| bad("is not an ARN"))?;
    if a.service != "iam" {
        return Err(bad(&format!(
            "is an ARN of service \"{}\", not iam",
            a.service
        )));
    }
    if !a.region.is_empty() {
        return Err(bad("has a region, which IAM ARNs do not"));
    }
    if !is_account(a.account) {
        return Err(bad("has no 12-digit account id"));
    }
    let path_and_name = a
        .resource
        .strip_prefix("role/")
        .ok_or_else(|| bad("does not name a role"))?;
    let name = path_and_name.rsplit('/').next().unwrap_or_default();
    if name.is_empty()
        || name.len() > 64
        || !path_and_name.bytes().all(|b| is_name_char(b) || b == b'/')
        || path_and_name.contains("//")
    {
        return Err(bad("has a malformed role name"));
    }
    check_partition(arn, "role ARN", a.partition, region, partition)
}

fn check_partition(
    arn: &str,
    field: &str,
    arn_partition: &str,
    region: &str,
    partition: Partition,
) -> Result<()> {
    if arn_partition != partition.name {
        return Err(Error::config(format!(
            "the {field} \"{arn}\" is in partition \"{arn_partition}\", but region {region} \
             is in partition \"{}\"",
            partition.name
        )));
    }
    Ok(())
}

/// `roleSessionName`: 2 to 64 characters of `[\w+=,.@-]` (ASCII).
pub fn check_role_session_name(name: &str) -> Result<()> {
    if name.len() < 2 || name.len() > 64 || !name.bytes().all(is_name_char) {
        return Err(Error::config(format!(
            "the role session name \"{}\" must be 2 to 64 letters, digits or _+=,.@- \
             characters",
            name.escape_debug()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    const TA: &str =
        "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
    const PROFILE: &str =
        "arn:aws:rolesanywhere:us-east-1:123456789012:profile/11111111-2222-3333-4444-555555555555";
    const ROLE: &str = "arn:aws:iam::123456789012:role/ExampleRole";

    fn aws() -> Partition {
        partition_of("us-east-1").unwrap()
    }

    #[test]
    fn partitions() {
        assert_eq!(aws().name, "aws");
        assert_eq!(aws().dns_suffix, "amazonaws.com");
        let cn = partition_of("cn-north-1").unwrap();
        assert_eq!((cn.name, cn.dns_suffix), ("aws-cn", "amazonaws.com.cn"));
        let gov = partition_of("us-gov-west-1").unwrap();
        assert_eq!((gov.name, gov.dns_suffix), ("aws-us-gov", "amazonaws.com"));
        for bad in ["", "useast1", "US-EAST-1", "us-east-1.", "us-iso-east-1"] {
            let e = partition_of(bad).unwrap_err();
            assert_eq!(e.code, ExitCode::Configuration, "{bad}");
        }
    }

    #[test]
    fn good_arns_pass() {
        check_rolesanywhere_arn(TA, "trust-anchor", "trust anchor ARN", "us-east-1", aws())
            .unwrap();
        check_rolesanywhere_arn(PROFILE, "profile", "profile ARN", "us-east-1", aws()).unwrap();
        check_role_arn(ROLE, "us-east-1", aws()).unwrap();
        check_role_arn(
            "arn:aws:iam::123456789012:role/service-role/My.Role+x=y,z@w_-",
            "us-east-1",
            aws(),
        )
        .unwrap();
        let cn = partition_of("cn-north-1").unwrap();
        check_role_arn("arn:aws-cn:iam::123456789012:role/R", "cn-north-1", cn).unwrap();
    }

    #[test]
    fn region_mismatch_is_explained() {
        let e = check_rolesanywhere_arn(TA, "trust-anchor", "trust anchor ARN", "eu-west-1", aws())
            .unwrap_err();
        assert_eq!(e.code, ExitCode::Configuration);
        assert!(
            e.message
                .contains("is in region us-east-1, but the session would be created in eu-west-1"),
            "{e}"
        );
        assert!(e.message.contains("set the region to us-east-1"), "{e}");
    }

    #[test]
    fn bad_arns_are_explained() {
        let ta = |arn: &str| {
            check_rolesanywhere_arn(arn, "trust-anchor", "trust anchor ARN", "us-east-1", aws())
                .unwrap_err()
                .message
        };
        assert!(ta("").contains("trust anchor ARN is not set"));
        assert!(ta("0a1b2c3d").contains("is not an ARN"));
        assert!(ta(PROFILE).contains("does not name a trust-anchor"));
        assert!(ta(ROLE).contains("service \"iam\", not rolesanywhere"));
        assert!(ta("arn:aws:rolesanywhere:us-east-1:1234:trust-anchor/abc").contains("12-digit"));
        assert!(
            ta("arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/").contains("malformed")
        );
        assert!(
            ta("arn:aws-cn:rolesanywhere:us-east-1:123456789012:trust-anchor/a")
                .contains("partition \"aws-cn\", but region us-east-1 is in partition \"aws\"")
        );

        let role = |arn: &str| check_role_arn(arn, "us-east-1", aws()).unwrap_err().message;
        assert!(role("ExampleRole").contains("is not an ARN"));
        assert!(role("arn:aws:iam::123456789012:user/bob").contains("does not name a role"));
        assert!(role("arn:aws:iam:us-east-1:123456789012:role/R").contains("has a region"));
        assert!(role("arn:aws:iam::123456789012:role/").contains("malformed role name"));
        assert!(role("arn:aws:iam::123456789012:role/a b").contains("malformed role name"));
        assert!(role(TA).contains("not iam"));
        assert!(role("arn:aws:iam::12345678901:role/R").contains("12-digit"));
    }

    #[test]
    fn role_session_names() {
        check_role_session_name("alice@example.com").unwrap();
        for bad in ["a", "has space", "ümlaut", &"x".repeat(65)] {
            assert!(check_role_session_name(bad).is_err(), "{bad}");
        }
    }
}
