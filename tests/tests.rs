//! All integration tests, compiled into one test binary.

mod support;
mod token_botocore;
mod e2e_psql;
mod cli;
