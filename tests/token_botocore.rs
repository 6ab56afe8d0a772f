//! vouch's tokens against botocore's `generate_db_auth_token`, byte for
//! byte, over the committed known-answer vectors and a thousand
//! generated inputs (odd user names, ports, regions, host spellings,
//! session tokens, times).

use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{json, Value};
use vouch::token::{rds_token, SigningKeys, TokenRequest};

use crate::support::{missing, python_with_botocore, repo, run_with_stdin, Rng};

fn vouch_token(c: &Value) -> String {
    rds_token(
        SigningKeys {
            access_key_id: c["access_key_id"].as_str().unwrap(),
            secret_access_key: c["secret_access_key"].as_str().unwrap(),
            session_token: c["session_token"].as_str(),
        },
        &TokenRequest {
            host: c["host"].as_str().unwrap(),
            port: c["port"].as_u64().unwrap() as u16,
            user: c["user"].as_str().unwrap(),
            region: c["region"].as_str().unwrap(),
        },
        UNIX_EPOCH + Duration::from_secs(c["time"].as_u64().unwrap()),
    )
    .unwrap()
}

#[test]
fn committed_vectors() {
    let text = std::fs::read_to_string(repo().join("data/rds-token-vectors.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let t = time::OffsetDateTime::parse(
        v["time"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .unix_timestamp();
    for vector in v["vectors"].as_array().unwrap() {
        let case = json!({
            "access_key_id": v["credentials"]["access_key_id"],
            "secret_access_key": v["credentials"]["secret_access_key"],
            "session_token": vector["session_token"],
            "host": vector["host"], "port": vector["port"], "user": vector["user"],
            "region": vector["region"], "time": t,
        });
        assert_eq!(
            vouch_token(&case),
            vector["token"].as_str().unwrap(),
            "{}",
            vector["name"]
        );
    }
}

fn generated_cases(n: usize) -> Vec<Value> {
    let mut rng = Rng::new(0x5eed_0f70_6be5);
    let user_chars: Vec<char> = "abcXYZ019_-.~ @+/=%&?#:;,'\"!$*()[]{}|\\^`<>éü漢😀\t"
        .chars()
        .collect();
    let token_chars: Vec<char> =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
            .chars()
            .collect();
    let regions = [
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "eu-central-2",
        "ap-southeast-5",
        "sa-east-1",
        "us-gov-west-1",
        "cn-north-1",
        "cn-northwest-1",
        "il-central-1",
        "me-south-1",
    ];
    let kinds = ["", "cluster-", "cluster-ro-", "cluster-custom-", "proxy-"];
    (0..n)
        .map(|i| {
            let region = *rng.pick(&regions);
            let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
            let mut host = format!(
                "db{}.{}{:x}.{region}.rds.{suffix}",
                rng.below(1000),
                rng.pick(&kinds),
                rng.next() & 0xffff_ffff
            );
            if i % 7 == 0 {
                host = host.to_uppercase(); // botocore signs lowercase, writes as given
            }
            let port = match i % 6 {
                0 => 5432,
                1 => 3306,
                2 => 443, // botocore leaves :443 out of the signed host
                3 => 80,
                _ => 1 + rng.below(65535),
            };
            let session_token = (i % 3 != 0).then(|| rng.string(&token_chars, 1, 3000));
            let user = if i % 5 == 0 { rng.string(&user_chars[..15], 1, 16) } else { rng.string(&user_chars, 1, 40) };
            json!({
                "access_key_id": format!("{}{}", if session_token.is_some() { "ASIA" } else { "AKIA" }, rng.string(&token_chars[..36], 16, 16)),
                "secret_access_key": rng.string(&token_chars, 40, 40),
                "session_token": session_token,
                "host": host, "port": port, "user": user, "region": region,
                // 2001..2037
                "time": 1_000_000_000 + rng.below(1_100_000_000),
            })
        })
        .collect()
}

#[test]
fn matches_botocore_on_generated_inputs() {
    let Some(py) = python_with_botocore() else {
        return missing("python3 with botocore (pip install botocore)");
    };
    let cases = generated_cases(1000);
    let mut cmd = Command::new(py);
    cmd.arg(repo().join("tests/support/botocore_tokens.py"));
    let out = run_with_stdin(cmd, serde_json::to_string(&cases).unwrap().as_bytes());
    assert!(out.status.success(), "botocore script failed");
    let expected: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(expected.len(), cases.len());
    let mut mismatches = 0;
    for (case, want) in cases.iter().zip(&expected) {
        let got = vouch_token(case);
        if &got != want {
            mismatches += 1;
            eprintln!("MISMATCH for host={} port={} user={:?} region={}\n  vouch:    {got}\n  botocore: {want}", case["host"], case["port"], case["user"], case["region"]);
        }
    }
    assert_eq!(
        mismatches,
        0,
        "{mismatches} of {} tokens differ from botocore",
        cases.len()
    );
}
