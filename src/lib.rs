//! vouch: passwordless logins to Amazon RDS/Aurora with IAM database
//! authentication. The pure core (argument parsing, endpoint rules, token
//! signing, the exec plan) lives in small modules; effects (files, env,
//! credential sources, execve) stay at the edges.

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
