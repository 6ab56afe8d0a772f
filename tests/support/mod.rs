//! Shared helpers for the integration tests: the built binary, skipping
//! rules, and small process utilities.

#![allow(dead_code)]

pub mod moto;
pub mod output;
pub mod rig;
pub mod shells;
pub mod standin;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The `vouch` binary under test.
pub fn vouch_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_vouch"))
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True in CI (`CI` set) or under scripts/test.sh (`VOUCH_TEST_STRICT`),
/// where a missing prerequisite is a failure.
pub fn in_ci() -> bool {
    ["CI", "VOUCH_TEST_STRICT"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty() && v != "false"))
}

/// A test that needs `what` calls this when it is missing: in CI it fails;
/// elsewhere it prints a loud skip line and the test returns.
pub fn missing(what: &str) {
    if in_ci() {
        panic!("required for this test but missing: {what} (run scripts/test.sh, which sets everything up)");
    }
    eprintln!("\n*** SKIPPED: {what} is missing; run scripts/test.sh to set it up ***\n");
}

/// Run `cmd` with `input` on its stdin; stdout captured, stderr passed on.
pub fn run_with_stdin(mut cmd: Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the program");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// The python3 that has botocore (pip's, usually first on PATH).
pub fn python_with_botocore() -> Option<String> {
    for py in ["python3", "/usr/local/bin/python3", "/usr/bin/python3"] {
        let ok = Command::new(py)
            .args(["-c", "import botocore"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            return Some(py.to_string());
        }
    }
    None
}

/// A small deterministic random generator (xorshift64*), so generated test
/// inputs are the same on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn string(&mut self, alphabet: &[char], min: usize, max: usize) -> String {
        let len = min + self.below((max - min + 1) as u64) as usize;
        (0..len).map(|_| *self.pick(alphabet)).collect()
    }
}
