//! vouch: passwordless logins to Amazon RDS/Aurora with IAM database
//! authentication. The pure core (argument parsing, endpoint rules, token
//! signing, the exec plan) lives in small modules; effects (files, env,
//! credential sources, execve) stay at the edges.

pub mod error;
pub mod world;
pub mod token;
pub mod endpoint;
pub mod target;
pub mod dns;
pub mod tls;
pub mod libpq;
pub mod credentials;
pub mod ca;
pub mod cli;
pub mod plan;
pub mod exec;
pub mod app;
