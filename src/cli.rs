//! The command line: parse arguments, run one command, report. Messages are in Italian.

use crate::error::Error;
use crate::pipeline;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "relazione",
    version,
    about = "Relazione sulla performance dalle esportazioni della piattaforma"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(clap::Args, Debug, Clone)]
pub struct Inputs {
    /// Cartella dei dati (file Excel/ODS esportati)
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// File di configurazione
    #[arg(long, default_value = "relazione.yaml")]
    pub config: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Controlla i dati e la configurazione ed elenca tutti i problemi e gli avvisi
    Check {
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Calcola i risultati e li stampa (con --json: il modello completo in JSON)
    Score {
        #[command(flatten)]
        inputs: Inputs,
        /// Stampa il modello con i risultati come documento JSON
        #[arg(long)]
        json: bool,
    },
    /// Produce la Relazione in PDF nella cartella di uscita
    Build {
        #[command(flatten)]
        inputs: Inputs,
        /// Cartella di uscita
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Scrive anche il sorgente Typst generato in questo file
        #[arg(long, value_name = "FILE")]
        typst_sorgente: Option<PathBuf>,
        /// Stampa il tempo di ogni fase
        #[arg(long)]
        tempi: bool,
        /// Produce le Relazioni di più enti: ogni sottocartella di DIR con un relazione.yaml
        /// (e i dati in data/) è un ente; le uscite vanno in <out>/<sottocartella>
        #[arg(long, value_name = "DIR", conflicts_with_all = ["typst_sorgente"])]
        lotto: Option<PathBuf>,
    },
    /// Scrive un modello vuoto del tracciato piatto degli indicatori
    Modello {
        /// Cartella di uscita
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
}

/// Runs a parsed command. Output goes to stdout, messages to stderr.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Check { inputs } => check(&inputs),
        Command::Score { inputs, json } => score(&inputs, json),
        Command::Build { lotto: Some(root), out, .. } => batch(&root, &out),
        Command::Build { inputs, out, typst_sorgente, tempi, lotto: None } => {
            let started = std::time::Instant::now();
            let built = pipeline::build(&inputs.config, &inputs.data, &out, typst_sorgente.as_deref())?;
            for w in &built.warnings {
                eprintln!("avviso: {w}");
            }
            for f in &built.files {
                println!("Scritto {}", f.display());
            }
            if tempi {
                for (stage, d) in &built.timings.stages {
                    eprintln!("tempo: {stage:<26} {:>8.1} ms", d.as_secs_f64() * 1000.0);
                }
            }
            eprintln!("Fatto in {:.1} s.", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Modello { out } => {
            let path = crate::modello::write(&out)?;
            eprintln!("Modello scritto in {}", path.display());
            Ok(())
        }
    }
}

fn check(inputs: &Inputs) -> Result<(), Error> {
    let scored = pipeline::run(&inputs.config, &inputs.data)?;
    let texts = crate::render::Texts::load(&inputs.data)?;
    let mut warnings = scored.warnings.clone();
    warnings.extend(crate::render::text_findings(&scored, &texts, &inputs.data));
    for w in &warnings {
        eprintln!("avviso: {w}");
    }
    println!("Dati validi: {} file letti, {} avvisi.", scored.report.sources.len(), warnings.len());
    Ok(())
}

fn score(inputs: &Inputs, json: bool) -> Result<(), Error> {
    let scored = pipeline::run(&inputs.config, &inputs.data)?;
    if json {
        let doc = crate::json::document(&scored);
        println!("{}", serde_json::to_string_pretty(&doc).map_err(|e| Error::Output(e.to_string()))?);
        return Ok(());
    }
    for w in &scored.warnings {
        eprintln!("avviso: {w}");
    }
    let Some(albero) = &scored.report.albero else {
        return Ok(());
    };
    let pct =
        |r: Option<f64>| r.map_or("-".into(), |r| format!("{} %", crate::value::format_number(r * 100.0, 2)));
    println!("{} {}: {}", scored.config.ente.nome, scored.config.anno, pct(albero.result()));
    for amb in &albero.children {
        println!("  {} - {}: {}", amb.code, amb.name, pct(amb.result()));
        for os in &amb.children {
            println!("    {} - {}: {}", os.code, os.name, pct(os.result()));
        }
    }
    Ok(())
}

/// `build --lotto`: every Ente in parallel, a progress line on a terminal (plain lines otherwise),
/// and a summary table at the end. Exit 1 when any Ente failed.
fn batch(root: &std::path::Path, out: &std::path::Path) -> Result<(), Error> {
    use std::io::{IsTerminal, Write};
    let started = std::time::Instant::now();
    let tty = std::io::stderr().is_terminal();
    let progress = |n: usize, total: usize, item: &pipeline::BatchItem| {
        let status = if item.outcome.is_ok() { "ok" } else { "ERRORE" };
        let mut err = std::io::stderr().lock();
        if tty {
            let width = 30;
            let filled = n * width / total;
            let _ = write!(
                err,
                "\r[{}{}] {n}/{total} {:<24}",
                "#".repeat(filled),
                ".".repeat(width - filled),
                item.name
            );
            if n == total {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "{n}/{total} {} {status} ({:.1} s)", item.name, item.elapsed.as_secs_f64());
        }
    };
    let items = pipeline::build_batch(root, out, &progress)?;
    println!("{:<28} {:>8} {:>12} {:>8}", "Ente", "Esito", "Risultato", "Tempo");
    let mut failed = Vec::new();
    for item in &items {
        let esito = if item.outcome.is_ok() { "ok" } else { "errore" };
        let result = item.ente.map_or("–".into(), |r| format!("{} %", crate::value::format_number(r, 2)));
        println!("{:<28} {:>8} {:>12} {:>6.1} s", item.name, esito, result, item.elapsed.as_secs_f64());
        if let Err(e) = &item.outcome {
            failed.push((item.name.clone(), e.to_string()));
        }
    }
    for (name, e) in &failed {
        eprintln!("\n{name}: {e}");
    }
    eprintln!(
        "{} enti, {} riusciti, {} con errori, in {:.1} s.",
        items.len(),
        items.len() - failed.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::Output(format!("{} enti su {} non sono stati prodotti", failed.len(), items.len())))
    }
}
