//! The command line: parse arguments, run one command, report. Messages are in Italian.

use crate::error::Error;
use crate::pipeline;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Writes a line on standard error, safe for the terminal (see [`crate::escape::terminal`]).
macro_rules! tell {
    ($($arg:tt)*) => {
        eprintln!("{}", crate::escape::terminal(&format!($($arg)*)))
    };
}

/// Help layout with Italian headings (clap's own are in English).
const HELP: &str = "{before-help}{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}";

#[derive(Parser, Debug)]
#[command(
    name = "relazione",
    version,
    about = "Relazione sulla performance dalle esportazioni della piattaforma",
    help_template = HELP,
    subcommand_help_heading = "Comandi",
    subcommand_value_name = "COMANDO",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Mostra questo aiuto
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, global = true)]
    help: Option<bool>,
    /// Mostra la versione
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
}

/// Options every command takes.
#[derive(clap::Args, Debug, Clone)]
pub struct Inputs {
    /// Cartella dei dati (file Excel/ODS esportati)
    #[arg(long, default_value = "data", value_name = "CARTELLA")]
    pub data: PathBuf,
    /// File di configurazione
    #[arg(long, default_value = "relazione.yaml", value_name = "FILE")]
    pub config: PathBuf,
}

#[derive(Subcommand, Debug)]
#[command(help_template = HELP)]
pub enum Command {
    /// Fa tutto ciò che fa build (lettura, calcolo, modelli, impaginazione) senza scrivere nulla, ed
    /// elenca problemi e avvisi
    #[command(help_template = HELP)]
    Check {
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Calcola i risultati e li stampa (con --json: il modello completo in JSON)
    #[command(help_template = HELP)]
    Score {
        #[command(flatten)]
        inputs: Inputs,
        /// Stampa il modello con i risultati come documento JSON
        #[arg(long)]
        json: bool,
    },
    /// Produce la Relazione in PDF, la cartella dei risultati e i dati aperti nella cartella di uscita
    #[command(help_template = HELP)]
    Build {
        #[command(flatten)]
        inputs: Inputs,
        /// Cartella di uscita
        #[arg(long, default_value = "out", value_name = "CARTELLA")]
        out: PathBuf,
        /// Scrive anche il sorgente Typst generato in questo file
        #[arg(long, value_name = "FILE")]
        typst_sorgente: Option<PathBuf>,
        /// Stampa il tempo di ogni fase
        #[arg(long)]
        tempi: bool,
        /// Relazione definitiva: rifiuta (uscita 1) finché c'è qualcosa da completare, invece di
        /// produrre una bozza
        #[arg(long)]
        definitiva: bool,
        /// Produce le Relazioni di più enti: ogni sottocartella di DIR con un relazione.yaml
        /// (e i dati in data/) è un ente; le uscite vanno in <out>/<sottocartella>
        #[arg(long, value_name = "DIR", conflicts_with_all = ["typst_sorgente", "data", "config"])]
        lotto: Option<PathBuf>,
        /// Kilobytes of Typst source per part of the Relazione (tests and benchmarks; the default
        /// is `parti::budget`).
        #[arg(long, hide = true, value_name = "KB", value_parser = clap::value_parser!(u32).range(1..))]
        parte_kb: Option<u32>,
    },
    /// Anteprima dal vivo nel browser: rilegge i dati, i testi, i modelli e la configurazione a ogni
    /// salvataggio e aggiorna le pagine (http://127.0.0.1:PORTA/); non scrive nulla
    #[command(help_template = HELP)]
    Anteprima {
        #[command(flatten)]
        inputs: Inputs,
        /// Porta su 127.0.0.1 (0: una porta libera qualsiasi)
        #[arg(long, default_value_t = 8737, value_name = "PORTA")]
        porta: u16,
    },
    /// Scrive un modello vuoto del tracciato piatto degli indicatori (o, con --tabelle, delle
    /// «Tabelle della Relazione»)
    #[command(help_template = HELP)]
    Modello {
        /// Cartella di uscita
        #[arg(long, default_value = "out", value_name = "CARTELLA")]
        out: PathBuf,
        /// Scrive invece il modello delle «Tabelle della Relazione» (personale, customer
        /// satisfaction, bilancio di genere, contesto)
        #[arg(long)]
        tabelle: bool,
    },
    /// Confronta due versioni della Relazione (la cartella di uscita di due build, o i loro
    /// relazione.json): valori, elementi, decisioni e testi cambiati, sul terminale e in
    /// Confronto_<data>.pdf e .html
    #[command(help_template = HELP)]
    Confronta {
        /// La versione precedente (es. la bozza esaminata dall'OIV)
        #[arg(value_name = "VECCHIA")]
        vecchia: PathBuf,
        /// La versione nuova
        #[arg(value_name = "NUOVA")]
        nuova: PathBuf,
        /// Cartella in cui scrivere il confronto in PDF e HTML
        #[arg(long, default_value = ".", value_name = "CARTELLA")]
        out: PathBuf,
    },
    /// Scrive i modelli incorporati del documento, da copiare in templates/ accanto ai dati per
    /// personalizzarli
    #[command(help_template = HELP)]
    Modelli {
        /// Cartella in cui scrivere i modelli (non deve contenerne già)
        #[arg(long, value_name = "CARTELLA")]
        out: PathBuf,
    },
}

/// Parses the command line; usage errors come back as Italian text with clap's exit code (2),
/// help and version as the text to print with exit code 0.
pub fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Cli, (String, i32)> {
    use clap::error::{ContextKind, ErrorKind as K};
    let e = match Cli::try_parse_from(args) {
        Ok(cli) => return Ok(cli),
        Err(e) => e,
    };
    let shown = |k: ContextKind| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let message = match e.kind() {
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand => {
            let text = e
                .render()
                .to_string()
                .replace("Usage:", "Uso:")
                .replace("Options:", "Opzioni:")
                .replace("[default: ", "[predefinito: ");
            let code = if e.kind() == K::DisplayHelpOnMissingArgumentOrSubcommand { 2 } else { 0 };
            return Err((text, code));
        }
        K::InvalidSubcommand => format!("comando sconosciuto «{}»", shown(ContextKind::InvalidSubcommand)),
        K::UnknownArgument => format!("opzione sconosciuta «{}»", shown(ContextKind::InvalidArg)),
        K::InvalidValue | K::ValueValidation => format!(
            "valore non valido «{}» per {}",
            shown(ContextKind::InvalidValue),
            shown(ContextKind::InvalidArg)
        ),
        K::MissingRequiredArgument => {
            format!("manca l'opzione obbligatoria {}", shown(ContextKind::InvalidArg))
        }
        K::MissingSubcommand => "manca il comando".into(),
        K::ArgumentConflict => format!(
            "{} non si può usare insieme a {}",
            shown(ContextKind::InvalidArg),
            shown(ContextKind::PriorArg)
        ),
        K::NoEquals | K::TooManyValues | K::TooFewValues | K::WrongNumberOfValues => {
            format!("numero di valori errato per {}", shown(ContextKind::InvalidArg))
        }
        K::InvalidUtf8 => "un argomento non è testo UTF-8 valido".into(),
        _ => "riga di comando non valida".into(),
    };
    Err((
        format!(
            "errore: {message}\n\nUso: relazione COMANDO [OPZIONI]; «relazione --help» elenca i comandi.\n"
        ),
        2,
    ))
}

/// What `main` knows of the running program and hands to the run.
pub struct Launch {
    /// This program's path: PDFs are typeset in child processes of it (see `processi`).
    pub exe: Option<PathBuf>,
    /// Ends the program when a typesetting in this process passes its limits (the preview).
    pub on_overrun: fn(&str),
}

/// The run's settings from the command line and the environment, read here once (library code
/// never reads it): one value for the whole run, every Ente of a batch included.
fn options(
    launch: &Launch,
    typst_source: Option<PathBuf>,
    definitiva: bool,
    parte_kb: Option<u32>,
) -> pipeline::Options {
    pipeline::Options {
        source_date_epoch: std::env::var("SOURCE_DATE_EPOCH").ok(),
        typst_source,
        definitiva,
        part_budget: parte_kb.map(|kb| (kb as usize).saturating_mul(1024)),
        typesetting: launch.exe.clone().map_or(pipeline::Typesetting::InProcess, |exe| {
            pipeline::Typesetting::Children { exe, every_document: false }
        }),
        on_overrun: Some(launch.on_overrun),
        workers: None,
    }
}

/// The open items, after the warnings: the last thing a staff member reads.
fn tell_open(open: &[crate::bozza::Voce], what: &str) {
    if open.is_empty() {
        return;
    }
    tell!("\n{what}: {} da completare\n{}", pipeline::voci(open.len()), crate::bozza::describe(open));
}

/// The live preview: runs until the process is stopped.
fn anteprima(inputs: Inputs, porta: u16, launch: &Launch) -> Result<(), Error> {
    let settings = crate::anteprima::Settings {
        config: inputs.config,
        data: inputs.data,
        porta,
        // The preview lays out in this process (it keeps Typst's work between saves).
        options: pipeline::Options {
            typesetting: pipeline::Typesetting::InProcess,
            ..options(launch, None, false, None)
        },
    };
    crate::anteprima::run(&settings, &|addr| {
        tell!(
            "Anteprima su http://{addr}/ : aprirla nel browser. Ogni salvataggio in {} o in {} la \
             aggiorna; Ctrl+C per uscire.",
            settings.data.display(),
            settings.config.display()
        );
    })
}

/// Runs a parsed command. Output goes to stdout, messages to stderr.
pub fn run(cli: Cli, launch: &Launch) -> Result<(), Error> {
    match cli.command {
        Command::Check { inputs } => check(&inputs, &options(launch, None, false, None)),
        Command::Score { inputs, json } => score(&inputs, json),
        Command::Confronta { vecchia, nuova, out } => confronta(&vecchia, &nuova, &out, launch),
        Command::Anteprima { inputs, porta } => anteprima(inputs, porta, launch),
        Command::Build { lotto: Some(root), out, tempi, definitiva, parte_kb, .. } => {
            batch(&root, &out, &options(launch, None, definitiva, parte_kb), tempi)
        }
        Command::Build { inputs, out, typst_sorgente, tempi, definitiva, lotto: None, parte_kb } => {
            let started = std::time::Instant::now();
            let options = options(launch, typst_sorgente, definitiva, parte_kb);
            let built = pipeline::build(&inputs.config, &inputs.data, &out, &options)?;
            for t in &built.local_templates {
                tell!("modello locale usato: {}", t.display());
            }
            for w in &built.warnings {
                tell!("avviso: {w}");
            }
            // The site's many pages are one output: said once, with the page to open.
            let site = out.join(crate::outputs::sito::DIR);
            for f in built.files.iter().filter(|f| !f.starts_with(&site)) {
                say(format_args!("Scritto {}", f.display()))?;
            }
            let pages = built.files.iter().filter(|f| f.starts_with(&site)).count();
            if pages > 0 {
                let index = site.join("index.html");
                say(format_args!(
                    "Scritto {} (edizione web, {pages} file: aprire {})",
                    site.display(),
                    index.display()
                ))?;
            }
            if tempi {
                for (stage, d) in &built.timings.stages {
                    tell!("tempo: {stage:<32} {:>8.1} ms", d.as_secs_f64() * 1000.0);
                }
            }
            tell_open(&built.open, "Bozza (ogni pagina porta «BOZZA»)");
            tell!("Fatto in {:.1} s.", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Modello { out, tabelle } => {
            let path = if tabelle {
                crate::inputs::blank_inputs::write_tables(&out)?
            } else {
                crate::inputs::blank_inputs::write(&out)?
            };
            tell!("Modello scritto in {}", path.display());
            Ok(())
        }
        Command::Modelli { out } => {
            let written = crate::outputs::templating::write_builtin(&out)?;
            tell!(
                "{} modelli scritti in {}: copiare quelli da cambiare nella cartella templates/ accanto \
                 alla cartella dei dati.",
                written.len(),
                out.display()
            );
            Ok(())
        }
    }
}

/// Prints a line on stdout. A closed pipe (`relazione score --json | head`) is
/// [`Error::PipeClosed`], which the top level ends quietly.
fn say(line: std::fmt::Arguments) -> Result<(), Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", crate::escape::terminal(&line.to_string())).map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Error::PipeClosed,
        _ => Error::io(std::path::Path::new("<stdout>"), e),
    })
}

/// `relazione confronta`: the comparison on the terminal, then its PDF and HTML files. It
/// succeeds whatever the differences; only an unreadable version or an unwritable file fails.
fn confronta(
    old: &std::path::Path,
    new: &std::path::Path,
    out: &std::path::Path,
    launch: &Launch,
) -> Result<(), Error> {
    let (a, b) = (crate::confronto::load(old)?, crate::confronto::load(new)?);
    crate::confronto::check_out(out, &[&a, &b])?;
    let date = match std::env::var("SOURCE_DATE_EPOCH").ok() {
        Some(epoch) => epoch
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
            .map(|d| d.date_naive())
            .ok_or_else(|| Error::Output(format!("SOURCE_DATE_EPOCH non valido: «{epoch}»")))?,
        None => chrono::Local::now().date_naive(),
    };
    let c = crate::confronto::compare(&a, &b, date);
    for line in crate::confronto::lines(&c) {
        say(format_args!("{line}"))?;
    }
    for f in crate::confronto::write(&c, out, date, Some(launch.on_overrun))? {
        say(format_args!("Scritto {}", f.display()))?;
    }
    Ok(())
}

fn check(inputs: &Inputs, options: &pipeline::Options) -> Result<(), Error> {
    let prepared = pipeline::prepare(&inputs.config, &inputs.data, options)?;
    for t in &prepared.local_templates {
        tell!("modello locale usato: {}", t.display());
    }
    for w in &prepared.warnings {
        tell!("avviso: {w}");
    }
    tell_open(&prepared.open, "Da completare prima della Relazione definitiva");
    tell_readability(&prepared);
    let n = prepared.warnings.len();
    let files = prepared.scored.report.sources.len();
    say(format_args!(
        "Dati validi: {files} {}, {n} {}; il documento si impagina.",
        if files == 1 { "file letto" } else { "file letti" },
        if n == 1 { "avviso" } else { "avvisi" }
    ))?;
    if let Some(c) = &prepared.scored.precedente {
        say(format_args!(
            "Anno precedente ({}, {}): elementi ritrovati {}; nuovi {}; non più presenti {}.",
            c.file,
            if c.ricalcolato {
                "risultati ricalcolati con le regole di quest'anno"
            } else {
                "risultati pubblicati"
            },
            c.abbinati(),
            c.nuovi,
            c.tolti.len()
        ))?;
    }
    Ok(())
}

/// The Gulpease index of every staff text and of the generated citizens' summary, each below
/// the target with what to do.
fn tell_readability(prepared: &pipeline::Prepared) {
    use crate::inputs::testi::{GULPEASE_TARGET, gulpease, readability};
    let mut lines: Vec<(String, Option<f64>)> =
        readability(&prepared.texts).into_iter().map(|(f, g)| (f.display().to_string(), g)).collect();
    lines.push((
        "sintesi per i cittadini scritta dal programma".into(),
        gulpease(&prepared.sintesi.join(" ")),
    ));
    let target = crate::value::format_number(GULPEASE_TARGET, 0);
    tell!("\nLeggibilità (indice Gulpease, da 0 a 100; per i cittadini almeno {target}):");
    for (what, g) in lines {
        match g {
            Some(g) if g < GULPEASE_TARGET => tell!(
                "  {what}: {} – sotto {target}: frasi più brevi e parole più comuni",
                crate::value::format_number(g, 0)
            ),
            Some(g) => tell!("  {what}: {}", crate::value::format_number(g.min(100.0), 0)),
            None => tell!("  {what}: nessuna parola"),
        }
    }
}

fn score(inputs: &Inputs, json: bool) -> Result<(), Error> {
    let scored = pipeline::score(
        crate::inputs::config::Config::load(&inputs.config)?,
        &inputs.data,
        &Default::default(),
    )?;
    if json {
        let doc = crate::outputs::json::document(&scored);
        let text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Output(e.to_string()))?;
        let text = crate::escape::json(&text);
        return say(format_args!("{text}"));
    }
    for w in &scored.warnings {
        tell!("avviso: {w}");
    }
    let Some(albero) = &scored.report.albero else {
        return Ok(());
    };
    let pct =
        |r: Option<f64>| r.map_or("-".into(), |r| format!("{} %", crate::value::format_number(r * 100.0, 2)));
    say(format_args!("{} {}: {}", scored.config.ente.nome, scored.config.anno, pct(albero.result())))?;
    for amb in &albero.children {
        say(format_args!("  {} - {}: {}", amb.code, amb.name, pct(amb.result())))?;
        for os in &amb.children {
            say(format_args!("    {} - {}: {}", os.code, os.name, pct(os.result())))?;
        }
    }
    Ok(())
}

/// `build --lotto`: every Ente in parallel, a progress line on a terminal (plain lines otherwise),
/// and a summary table at the end. Exit 1 when any Ente failed.
fn batch(
    root: &std::path::Path,
    out: &std::path::Path,
    options: &pipeline::Options,
    tempi: bool,
) -> Result<(), Error> {
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
    let items = pipeline::build_batch(root, out, options, &progress)?;
    say(format_args!(
        "{:<28} {:>8} {:>12} {:>8} {:>14} {:>8}",
        "Ente", "Esito", "Risultato", "Avvisi", "Da completare", "Tempo"
    ))?;
    let mut failed = Vec::new();
    for item in &items {
        let esito = if item.outcome.is_ok() { "ok" } else { "errore" };
        let result = item.ente.map_or("–".into(), |r| format!("{} %", crate::value::format_number(r, 2)));
        let (warnings, open) = match &item.outcome {
            Ok(b) => (b.warnings.len().to_string(), b.open.len().to_string()),
            Err(_) => ("–".into(), "–".into()),
        };
        say(format_args!(
            "{:<28} {:>8} {:>12} {:>8} {:>14} {:>6.1} s",
            item.name,
            esito,
            result,
            warnings,
            open,
            item.elapsed.as_secs_f64()
        ))?;
        // Each Ente's warnings and open items in a file beside its outputs, for whoever follows it up.
        if let Ok(b) = &item.outcome {
            let mut text = String::new();
            for w in &b.warnings {
                text.push_str(&format!("avviso: {w}\n"));
            }
            if !b.open.is_empty() {
                text.push_str(&format!(
                    "\nDa completare ({}):\n{}",
                    pipeline::voci(b.open.len()),
                    crate::bozza::describe(&b.open)
                ));
            }
            let path = out.join(&item.name).join("avvisi.txt");
            std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        }
        if let Err(e) = &item.outcome {
            failed.push((item.name.clone(), e.to_string()));
        }
    }
    if tempi {
        for item in &items {
            if let Ok(b) = &item.outcome {
                for (stage, d) in &b.timings.stages {
                    tell!("tempo: {:<20} {stage:<32} {:>8.1} ms", item.name, d.as_secs_f64() * 1000.0);
                }
            }
        }
    }
    for (name, e) in &failed {
        tell!("\n{name}: {e}");
    }
    let (n, ok, ko) = (items.len(), items.len() - failed.len(), failed.len());
    let enti = |k: usize| if k == 1 { "1 ente".to_string() } else { format!("{k} enti") };
    tell!(
        "{}, {ok} {}, {ko} con errori, in {:.1} s.",
        enti(n),
        if ok == 1 { "riuscito" } else { "riusciti" },
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        Ok(())
    } else if ko == 1 {
        Err(Error::Output(format!("1 ente su {n} non è stato prodotto")))
    } else {
        Err(Error::Output(format!("{ko} enti su {n} non sono stati prodotti")))
    }
}
