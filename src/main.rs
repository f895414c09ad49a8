//! Thin entry point: parse, run, map the error to an exit code (0 ok, 1 invalid input, 2 usage).

use clap::Parser;
use relazione::cli::{Cli, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("errore: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
