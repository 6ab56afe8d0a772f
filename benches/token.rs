//! Token signing throughput: how many RDS tokens one core signs per second
//! (target: >= 100,000/s). Run: cargo bench --bench token
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vouch::token::{rds_token, SigningKeys, TokenRequest};

fn bench(c: &mut Criterion) {
    let req = TokenRequest {
        host: "mydb.cluster-abc123.us-east-1.rds.amazonaws.com",
        port: 5432,
        user: "app",
        region: "us-east-1",
    };
    let session_token = "IQoJb3JpZ2luX2VjEXAMPLE".repeat(40);
    let time = UNIX_EPOCH + Duration::from_secs(1_705_320_000);
    let mut g = c.benchmark_group("rds_token");
    g.throughput(Throughput::Elements(1));
    g.bench_function("static credentials", |b| {
        let keys = SigningKeys {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session_token: None,
        };
        b.iter(|| rds_token(keys, &req, time).unwrap())
    });
    g.bench_function("temporary credentials (920-char session token)", |b| {
        let keys = SigningKeys {
            access_key_id: "ASIDEXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session_token: Some(&session_token),
        };
        b.iter(|| rds_token(keys, &req, SystemTime::now()).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
