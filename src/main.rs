//! Thin entry point: parse, run, map the error to an exit code (0 ok, 1 invalid input, 2 usage).

use relazione::cli::{parse, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err((text, code)) => {
            if code == 0 {
                print!("{text}");
            } else {
                eprint!("{text}");
            }
            return ExitCode::from(code as u8);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(relazione::error::Error::PipeClosed) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("errore: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
