//! Thin entry point: parse, run, map the error to an exit code (0 ok, 1 invalid input, 2 usage).
//! The only place that ends the process: everything below returns errors.

use relazione::cli::{Launch, parse, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    // A defect of the program still speaks Italian, and says what to do.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info.location().map(|l| format!(" ({}:{})", l.file(), l.line())).unwrap_or_default();
        eprintln!(
            "{}",
            relazione::escape::terminal(&format!(
                "errore interno del programma: {what}{at}. Nessun file di out/ è stato sostituito; \
                 segnalare il problema allegando i file di dati che lo causano."
            ))
        );
    }));
    if std::env::args_os().nth(1).is_some_and(|a| a == relazione::outputs::pdf::processi::CHILD_ARG) {
        return ExitCode::from(relazione::outputs::pdf::processi::serve(overrun) as u8);
    }
    let launch = Launch {
        // This very program typesets in its children; without its path, in this process.
        exe: std::env::current_exe().ok(),
        on_overrun: overrun,
    };
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
    let Ok(outcome) = std::panic::catch_unwind(|| run(cli, &launch)) else {
        return ExitCode::from(1);
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(relazione::error::Error::PipeClosed) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{}", relazione::escape::terminal(&format!("errore: {e}")));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// A typesetting in this process passed its limits while Typst, which cannot be interrupted, is
/// still working (a typesetting child, the preview): the message, and the process ends. Nothing
/// was published (a child's parent reports the message as that document's error).
fn overrun(message: &str) {
    eprintln!("{}", relazione::escape::terminal(&format!("errore: {message}")));
    std::process::exit(1);
}
