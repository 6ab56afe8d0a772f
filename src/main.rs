//! The `vouch` binary: parse, run, map errors to the documented exit codes.

use clap::Parser;

fn main() {
    let cli = match vouch::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    match vouch::app::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            vouch::say!("vouch: {}", vouch::error::printable(&e.message));
            std::process::exit(e.code.code());
        }
    }
}
