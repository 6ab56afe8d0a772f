//! All integration tests, compiled into one test binary.

mod ca_bundle;
mod cli;
mod cli_mysql;
mod completions;
mod credentials_chain;
mod e2e_login;
mod e2e_mysql;
mod e2e_psql;
mod e2e_redshift;
mod e2e_sts;
mod e2e_targets;
mod rolesanywhere_kat;
mod session_cache;
mod shell_hook;
mod support;
mod token_botocore;
mod yubikey_absent;
