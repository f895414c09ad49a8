//! The whole run in one place: read the configuration, ingest the workbooks, score them.

use crate::config::Config;
use crate::decisions::Decisions;
use crate::error::{Error, Problem};
use crate::model::Report;
use crate::score::{self, Summary};
use std::path::Path;
use std::time::{Duration, Instant};

/// A scored report with everything a writer needs.
pub struct Scored {
    pub config: Config,
    pub report: Report,
    pub summary: Summary,
    /// Warnings of every stage (findings for the OIV), in stage order.
    pub warnings: Vec<Problem>,
}

/// Reads and scores the inputs: configuration, workbooks, the evaluator's decisions.
pub fn run(config_path: &Path, data_dir: &Path) -> Result<Scored, Error> {
    run_with_timed(Config::load(config_path)?, data_dir, &mut Timings::default())
}

/// Like [`run`], with a configuration already loaded.
pub fn run_with(config: Config, data_dir: &Path) -> Result<Scored, Error> {
    run_with_timed(config, data_dir, &mut Timings::default())
}

fn run_with_timed(config: Config, data_dir: &Path, t: &mut Timings) -> Result<Scored, Error> {
    let clock = Instant::now();
    let decisions = Decisions::load(data_dir)?;
    let (mut report, mut warnings) = crate::ingest::ingest(data_dir)?;
    if let Some(root) = report.albero.as_mut() {
        root.name = config.ente.nome.clone();
    }
    t.push("lettura dei dati", clock);
    let clock = Instant::now();
    warnings.extend(score::score(&mut report, &config.smvp, &decisions)?);
    let (summary, summary_warnings) = score::summarise(&report, &config)?;
    t.push("calcolo dei risultati", clock);
    warnings.extend(summary_warnings);
    Ok(Scored { config, report, summary, warnings })
}

/// Time spent in each stage of a run, in order.
#[derive(Debug, Default, Clone)]
pub struct Timings {
    pub stages: Vec<(&'static str, Duration)>,
}

impl Timings {
    fn push(&mut self, stage: &'static str, since: Instant) {
        self.stages.push((stage, since.elapsed()));
    }
}

/// The document date, fixed so that the same inputs give the same bytes: `SOURCE_DATE_EPOCH` if
/// set, otherwise the approval date of the configuration, otherwise 31 December of the year.
pub fn document_date(config: &Config) -> Result<crate::typeset::FixedDate, Error> {
    use chrono::Datelike;
    let date = if let Ok(epoch) = std::env::var("SOURCE_DATE_EPOCH") {
        let secs: i64 = epoch
            .trim()
            .parse()
            .map_err(|_| Error::Output(format!("SOURCE_DATE_EPOCH non valido: «{epoch}»")))?;
        chrono::DateTime::from_timestamp(secs, 0)
            .ok_or_else(|| Error::Output(format!("SOURCE_DATE_EPOCH fuori scala: «{epoch}»")))?
            .date_naive()
    } else if let Some(text) = &config.data_approvazione {
        crate::value::parse_date(text).map_err(|e| {
            Error::invalid(
                crate::error::Location::file(Path::new("relazione.yaml")),
                format!("«data_approvazione»: {e}"),
            )
        })?
    } else {
        chrono::NaiveDate::from_ymd_opt(config.anno + 1, 1, 1).and_then(|d| d.pred_opt()).expect("valid year")
    };
    Ok(crate::typeset::FixedDate { year: date.year(), month: date.month() as u8, day: date.day() as u8 })
}

/// What `relazione build` produced.
pub struct Built {
    pub files: Vec<std::path::PathBuf>,
    pub warnings: Vec<String>,
    pub timings: Timings,
    /// The Ente's result in percentage points.
    pub ente: Option<f64>,
}

/// Output file name of the Relazione: `Relazione_performance_2024_Modena.pdf`.
pub fn pdf_name(config: &Config) -> String {
    format!("Relazione_performance_{}_{}.pdf", config.anno, config.ente.nome_breve.replace(' ', "_"))
}

/// The whole run: read, score, render, typeset, publish.
pub fn build(
    config_path: &Path,
    data_dir: &Path,
    out_dir: &Path,
    typst_source: Option<&Path>,
) -> Result<Built, Error> {
    refuse_out_inside_data(data_dir, out_dir)?;
    let mut timings = Timings::default();
    let scored = run_with_timed(Config::load(config_path)?, data_dir, &mut timings)?;

    let clock = Instant::now();
    let texts = crate::render::Texts::load(data_dir)?;
    let source = crate::render::render(&scored, &texts, Some(crate::render::override_dir(data_dir)))?;
    if let Some(p) = typst_source {
        write_typst_source(p, &source)?;
    }
    timings.push("modelli (sorgente Typst)", clock);

    let mut findings = scored.warnings.clone();
    findings.extend(crate::render::text_findings(&scored, &texts, data_dir));
    let date = document_date(&scored.config)?;
    // Typst works mostly on one core: the workbook and the open data are written meanwhile.
    let (typeset, side) = std::thread::scope(|scope| {
        let side = scope.spawn(|| {
            let clock = Instant::now();
            let workbook = crate::xlsx::workbook(&scored, &findings);
            let xlsx_time = clock.elapsed();
            let clock = Instant::now();
            let opendata = crate::opendata::files(&scored);
            (workbook, xlsx_time, opendata, clock.elapsed())
        });
        let typeset = crate::typeset::typeset(&source, Default::default(), date);
        (typeset, side.join().expect("the workbook thread does not panic"))
    });
    let typeset = typeset?;
    let (workbook, xlsx_time, opendata, opendata_time) = side;
    let workbook = workbook?;
    timings.stages.push(("impaginazione Typst", typeset.layout));
    timings.stages.push(("esportazione PDF", typeset.export));
    timings.stages.push(("cartella dei risultati (xlsx)", xlsx_time));
    timings.stages.push(("dati aperti", opendata_time));

    let clock = Instant::now();
    let mut staging = crate::publish::Staging::new(out_dir)?;
    staging.write(&pdf_name(&scored.config), &typeset.pdf)?;
    staging.write(&crate::xlsx::file_name(&scored), &workbook)?;
    for (name, bytes) in &opendata {
        staging.write(name, bytes)?;
    }
    let files = staging.commit()?;
    timings.push("scrittura in out/", clock);

    let mut warnings: Vec<String> = findings.iter().map(|w| w.to_string()).collect();
    warnings.extend(typeset.warnings);
    let ente = scored.report.albero.as_ref().and_then(|a| a.result()).map(|r| r * 100.0);
    Ok(Built { files, warnings, timings, ente })
}

/// Outputs written inside the data folder would be read back as inputs at the next run.
fn refuse_out_inside_data(data_dir: &Path, out_dir: &Path) -> Result<(), Error> {
    let (Ok(data), Some(out)) = (data_dir.canonicalize(), absolute(out_dir)) else { return Ok(()) };
    if out.starts_with(&data) {
        return Err(Error::invalid(
            crate::error::Location::file(out_dir),
            format!(
                "la cartella di uscita è dentro la cartella dei dati ({}): sceglierne un'altra con --out",
                data_dir.display()
            ),
        ));
    }
    Ok(())
}

/// The absolute form of a path that may not exist yet (its deepest existing ancestor, canonical).
fn absolute(p: &Path) -> Option<std::path::PathBuf> {
    let mut existing = p;
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            return Some(rest.iter().rev().fold(c, |acc: std::path::PathBuf, part| acc.join(part)));
        }
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent().filter(|x| !x.as_os_str().is_empty()).unwrap_or(Path::new("."));
    }
}

/// One Ente of a batch: its folder, and how its build ended.
pub struct BatchItem {
    pub name: String,
    pub outcome: Result<Built, Error>,
    pub elapsed: Duration,
    /// The Ente's result in percentage points, when it was scored.
    pub ente: Option<f64>,
}

/// The Ente folders of a batch: every subfolder with a `relazione.yaml`, sorted. Data are in its
/// `data/` subfolder when there is one, otherwise in the folder itself.
pub fn batch_folders(root: &Path) -> Result<Vec<(String, std::path::PathBuf, std::path::PathBuf)>, Error> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?;
    for e in entries.flatten() {
        let dir = e.path();
        if dir.is_dir() && dir.join("relazione.yaml").is_file() {
            let data = if dir.join("data").is_dir() { dir.join("data") } else { dir.clone() };
            out.push((e.file_name().to_string_lossy().into_owned(), dir.join("relazione.yaml"), data));
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(Error::invalid(
            crate::error::Location::file(root),
            "nessuna sottocartella con un relazione.yaml: il lotto è vuoto",
        ));
    }
    Ok(out)
}

/// Builds every Ente of a batch in parallel across the cores; one Ente's failure does not stop the
/// others. `progress` is called after each Ente, from the worker thread that built it.
pub fn build_batch(
    root: &Path,
    out_dir: &Path,
    progress: &(dyn Fn(usize, usize, &BatchItem) + Sync),
) -> Result<Vec<BatchItem>, Error> {
    let folders = batch_folders(root)?;
    let total = folders.len();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(usize, BatchItem)>> = std::sync::Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(total);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some((name, config, data)) = folders.get(i) else { break };
                    let clock = Instant::now();
                    let outcome = build(config, data, &out_dir.join(name), None);
                    let ente = outcome.as_ref().ok().and_then(|b| b.ente);
                    let item = BatchItem { name: name.clone(), outcome, elapsed: clock.elapsed(), ente };
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    progress(n, total, &item);
                    results.lock().expect("no worker panics while holding the lock").push((i, item));
                }
            });
        }
    });
    let mut items = results.into_inner().expect("workers finished");
    items.sort_by_key(|(i, _)| *i);
    Ok(items.into_iter().map(|(_, item)| item).collect())
}

/// Writes the generated Typst source and, beside it in `fonts/`, the fonts it uses, so that
/// `typst compile --ignore-system-fonts --font-path fonts FILE` reproduces the PDF.
fn write_typst_source(path: &Path, source: &str) -> Result<(), Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    std::fs::write(path, source).map_err(|e| Error::io(path, e))?;
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(&fonts).map_err(|e| Error::io(&fonts, e))?;
    for (name, bytes) in crate::typeset::FONT_FILES {
        let f = fonts.join(name);
        std::fs::write(&f, bytes).map_err(|e| Error::io(&f, e))?;
    }
    Ok(())
}
