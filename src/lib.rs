//! vouch: passwordless logins to Amazon RDS/Aurora with IAM database
//! authentication. The pure core (argument parsing, endpoint rules, token
//! signing, the exec plan) lives in small modules; effects (files, env,
//! credential sources, execve) stay at the edges.

/// `eprintln!` that never panics: stderr may be a closed pipe
/// (`vouch ... 2>&1 | head`), and a message that cannot be shown must not
/// turn a result into a crash.
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

pub mod app;
pub mod awsapi;
pub mod ca;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod dns;
pub mod endpoint;
pub mod error;
pub mod exec;
pub mod https;
pub mod libpq;
pub mod mysql;
pub mod named;
pub mod plan;
pub mod probe;
pub mod prompt;
pub mod redshift;
pub mod rolesanywhere;
pub mod session;
pub mod shell;
pub mod signer;
pub mod sts;
pub mod target;
pub mod tls;
pub mod token;
pub mod trust;
pub mod world;
