//! The built-in RDS CA bundle and the list of regions vouch believes it
//! covers (data/rds-ca-bundle-regions.txt) agree, read with `openssl`.

use std::collections::BTreeSet;
use std::process::Command;

use crate::support::{missing, repo, run_with_stdin};

#[test]
fn region_list_matches_the_bundle() {
    if Command::new("openssl").arg("version").output().is_err() {
        return missing("openssl");
    }
    let pem = std::fs::read_to_string(repo().join("data/rds-global-bundle.pem")).unwrap();
    let mut regions = BTreeSet::new();
    for block in pem.split_inclusive("-----END CERTIFICATE-----\n") {
        if !block.contains("BEGIN CERTIFICATE") {
            continue;
        }
        let mut cmd = Command::new("openssl");
        cmd.args(["x509", "-noout", "-subject", "-nameopt", "RFC2253"]);
        let out = String::from_utf8(run_with_stdin(cmd, block.as_bytes()).stdout).unwrap();
        // CN=Amazon RDS us-east-1 Root CA RSA2048 G1 (Beta/Preview roots are not regions)
        let cn = out.split("CN=").nth(1).unwrap_or_default();
        let words: Vec<&str> = cn.split_whitespace().collect();
        if words.len() > 3 && words[0] == "Amazon" && words[1] == "RDS" && words[3] == "Root" {
            regions.insert(words[2].to_string());
        }
    }
    let listed: BTreeSet<String> = vouch::ca::bundle_regions().map(str::to_string).collect();
    assert_eq!(listed, regions);
}
