//! The whole run in one place: read the configuration, ingest the workbooks, score them, build the
//! view, render, typeset, and (for `build` only) publish. `check` runs every step but the last, so
//! any input `build` would fail on fails `check` first.

use crate::config::Config;
use crate::decisions::Decisions;
use crate::error::{Error, Problem};
use crate::score::{self, Scored};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Settings of a run that do not come from the configuration file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `SOURCE_DATE_EPOCH`, read by the command line (library code never reads the environment).
    pub source_date_epoch: Option<String>,
    /// Also write the generated Typst source here (with its fonts beside it).
    pub typst_source: Option<PathBuf>,
    /// A final Relazione: refused while anything is still open (`bozza`).
    pub definitiva: bool,
    /// Source bytes per part of the Relazione ([`crate::parti::budget`] when not given).
    pub part_budget: Option<usize>,
}

/// Reads and scores the inputs: configuration, workbooks, the evaluator's decisions.
pub fn run(config_path: &Path, data_dir: &Path) -> Result<Scored, Error> {
    run_with(Config::load(config_path)?, data_dir)
}

/// Like [`run`], with a configuration already loaded.
pub fn run_with(config: Config, data_dir: &Path) -> Result<Scored, Error> {
    score_inputs(config, data_dir, None, &mut Timings::default())
}

fn score_inputs(
    config: Config,
    data_dir: &Path,
    source_date_epoch: Option<&str>,
    t: &mut Timings,
) -> Result<Scored, Error> {
    let clock = Instant::now();
    let date = config.document_date(source_date_epoch)?;
    let decisions = Decisions::load(data_dir)?;
    let (mut report, mut warnings) = crate::ingest::ingest(data_dir, &config.smvp)?;
    if let Some(root) = report.albero.as_mut() {
        root.name = config.ente.nome.clone();
    }
    t.push("lettura dei dati", clock);
    let clock = Instant::now();
    warnings.extend(score::score(&mut report, &config.smvp, &decisions)?);
    let (summary, summary_warnings) = score::summarise(&report, &config)?;
    t.push("calcolo dei risultati", clock);
    warnings.extend(summary_warnings);
    Ok(Scored { config, report, summary, warnings, date })
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

/// Every output of a run, made in memory and not yet written.
pub struct Prepared {
    pub scored: Scored,
    /// (file name relative to the output folder, bytes), the PDF first.
    pub files: Vec<(String, Vec<u8>)>,
    /// (copy, original): outputs that are copies of others (the downloads of the web edition),
    /// made when publishing rather than held twice in memory.
    pub copies: Vec<(String, String)>,
    /// Findings of every stage and Typst's warnings, as printed.
    pub warnings: Vec<String>,
    /// Local templates (beside the data) used instead of the built-in ones.
    pub local_templates: Vec<PathBuf>,
    pub timings: Timings,
    /// What is still open: the output is a draft while this is not empty.
    pub open: Vec<crate::bozza::Voce>,
}

/// Output file name of the Relazione: `Relazione_performance_2024_Modena.pdf`.
pub fn pdf_name(config: &Config) -> String {
    format!("Relazione_performance_{}_{}.pdf", config.anno, config.ente.nome_breve.replace(' ', "_"))
}

/// Output file names of the Relazione's parts: the first is [`pdf_name`], the others
/// `Relazione_performance_2024_Modena_parte_2_di_3.pdf`, numbered with as many digits as the
/// last (`parte_02_di_18`), so that they list in order.
pub fn part_names(config: &Config, parts: usize) -> Vec<String> {
    let first = pdf_name(config);
    let prefix = part_prefix(config);
    let width = parts.to_string().len();
    let mut names = vec![first.clone()];
    names.extend((2..=parts).map(|k| format!("{prefix}{k:0width$}_di_{parts}.pdf")));
    names
}

/// What the names of the Relazione's parts after the first begin with.
pub fn part_prefix(config: &Config) -> String {
    format!("{}_parte_", pdf_name(config).trim_end_matches(".pdf"))
}

/// Output file name of the OIV's working papers: `Carte_di_lavoro_OIV_2024_Modena.pdf`.
pub fn carte_name(config: &Config) -> String {
    format!("Carte_di_lavoro_OIV_{}_{}.pdf", config.anno, config.ente.nome_breve.replace(' ', "_"))
}

/// The Relazione up to its Typst source: scored inputs, the staff's texts, the view, the source.
/// `build`, `check` and `anteprima` share it.
pub struct Draft {
    pub scored: Scored,
    pub texts: crate::testi::Texts,
    pub view: crate::view::View,
    pub rendered: crate::render::Rendered,
    /// Draft items found in the texts (also in `open`).
    pub text_items: Vec<crate::bozza::Voce>,
    /// What is still open: the output is a draft while this is not empty.
    pub open: Vec<crate::bozza::Voce>,
}

/// Reads and scores the workbooks and the evaluator's decisions for a run with `options`.
pub fn score(
    config: Config,
    data_dir: &Path,
    options: &Options,
    timings: &mut Timings,
) -> Result<Scored, Error> {
    score_inputs(config, data_dir, options.source_date_epoch.as_deref(), timings)
}

/// Reads the staff's texts and renders the Relazione's Typst source from scored inputs.
pub fn draft(
    scored: Scored,
    data_dir: &Path,
    options: &Options,
    timings: &mut Timings,
) -> Result<Draft, Error> {
    let clock = Instant::now();
    let texts = crate::testi::Texts::load(data_dir)?;
    let text_items = crate::testi::findings(&scored, &texts, data_dir);
    let open = crate::bozza::open_items(data_dir, &scored.warnings, text_items.clone())?;
    if options.definitiva && !open.is_empty() {
        return Err(Error::Output(format!(
            "la Relazione non può essere definitiva: {} da completare\n{}",
            voci(open.len()),
            crate::bozza::describe(&open)
        )));
    }
    // The document names files as the office sees them: from the folder that holds the data.
    let base = data_dir.parent().unwrap_or(Path::new(""));
    let shown: Vec<crate::bozza::Voce> = open
        .iter()
        .cloned()
        .map(|mut v| {
            if let Ok(rel) = v.location.file.strip_prefix(base) {
                v.location.file = rel.to_path_buf();
            }
            v
        })
        .collect();
    let view = crate::view::View::build(&scored, &shown, &texts);
    let rendered = crate::render::render(&view, &texts, Some(crate::templating::override_dir(data_dir)))?;
    timings.push("modelli (sorgente Typst)", clock);
    Ok(Draft { scored, texts, view, rendered, text_items, open })
}

/// Everything `build` does except writing to the output folder.
pub fn prepare(config_path: &Path, data_dir: &Path, options: &Options) -> Result<Prepared, Error> {
    crate::typeset::warm_up();
    let mut timings = Timings::default();
    let config = Config::load(config_path)?;
    let scored = score(config, data_dir, options, &mut timings)?;
    let Draft { scored, texts, view, rendered, text_items, open } =
        draft(scored, data_dir, options, &mut timings)?;
    // Cut into parts here, not in `draft`: the live preview lays out the whole source at once.
    let clock = Instant::now();
    let parti = crate::parti::split(
        &rendered.source,
        options.part_budget.unwrap_or(crate::parti::budget(rendered.source.len())),
    );
    let names = part_names(&scored.config, parti.len());
    let parts: Vec<(String, String)> = names.iter().cloned().zip(parti.sources(&names)).collect();
    if let Some(p) = &options.typst_source {
        write_typst_sources(p, &parts)?;
    }
    timings.push("suddivisione in parti", clock);
    let clock = Instant::now();
    let carte = crate::render::render_main(
        &view,
        &texts,
        Some(crate::templating::override_dir(data_dir)),
        crate::render::CARTE_OIV,
    )?;
    let carte_templates = carte.local_templates;
    let carte = crate::parti::whole(&carte.source, &carte_name(&scored.config));
    timings.push("modelli (carte di lavoro)", clock);

    let mut findings = scored.warnings.clone();
    findings.extend(text_items.iter().map(|v| Problem::new(v.location.clone(), v.testo.clone())));
    // The OIV's working papers, the workbook and the open data are made on a second thread once
    // the Relazione is laid out: Typst's layout uses every core, its PDF export one. A Relazione in
    // parts goes to child processes (see `processi`), and the working papers with it, last, so
    // that no more than `processi::workers` documents are laid out at once.
    let limits = crate::typeset::Limits::for_nodes(
        node_count(&scored),
        blame(&rendered.local_templates, &carte_templates),
    );
    let pooled = parts.len() > 1 && crate::processi::enabled();
    let (typeset, side) = std::thread::scope(|scope| {
        let (laid_out, wait_for_layout) = std::sync::mpsc::channel::<()>();
        let (scored, findings, view, carte) = (&scored, &findings, &view, &carte);
        let side = scope.spawn(move || {
            // A layout that failed (or never began) drops the sender: the work goes ahead.
            let _ = wait_for_layout.recv();
            let clock = Instant::now();
            let workbook = crate::xlsx::workbook(scored, findings, &view.carte_oiv);
            let xlsx_time = clock.elapsed();
            let clock = Instant::now();
            let json = serde_json::to_vec_pretty(&crate::json::document(scored)).unwrap_or_default();
            let opendata = crate::opendata::files(scored, &json);
            let opendata_time = clock.elapsed();
            let carte =
                (!pooled).then(|| crate::typeset::typeset(carte, Default::default(), scored.date, limits));
            (workbook, xlsx_time, opendata, opendata_time, carte)
        });
        let typeset = images(&rendered.images).and_then(|files| {
            let with = pooled.then_some(carte.as_str());
            typeset_parts(&parts, with, &files, scored.date, limits, &|| {
                let _ = laid_out.send(());
            })
        });
        drop(laid_out);
        (typeset, side.join().expect("the workbook thread does not panic"))
    });
    let (workbook, xlsx_time, opendata, opendata_time, carte_here) = side;
    let TypesetParts { pdfs, carte: carte_pooled, warnings: typst_warnings, stages } = typeset?;
    let carte_pdf = carte_here.or(carte_pooled).expect("the working papers are typeset on one side")?;
    let workbook = workbook?;
    timings.stages.extend(stages);
    timings.stages.push(("cartella dei risultati (xlsx)", xlsx_time));
    timings.stages.push(("dati aperti", opendata_time));

    let mut files = pdfs;
    files.extend([(carte_name(&scored.config), carte_pdf.pdf), (crate::xlsx::file_name(&scored), workbook)]);
    files.extend(opendata);

    let clock = Instant::now();
    let (copies, downloads) = site_downloads(&files, &scored.config);
    let site = crate::sito::site(&view, &texts, Some(crate::templating::override_dir(data_dir)), &downloads)?;
    files.extend(site.files);
    timings.push("edizione web", clock);

    let mut warnings: Vec<String> = findings.iter().map(|w| w.to_string()).collect();
    warnings.extend(typst_warnings);
    let mut local_templates = rendered.local_templates;
    local_templates.extend(site.local_templates);
    local_templates.sort();
    local_templates.dedup();
    Ok(Prepared { scored, files, copies, warnings, local_templates, timings, open })
}

/// The Relazione's parts, typeset.
struct TypesetParts {
    /// (file name, PDF) of each part, in order.
    pdfs: Vec<(String, Vec<u8>)>,
    /// The OIV's working papers, when they were typeset with the parts.
    carte: Option<Result<crate::typeset::Typeset, Error>>,
    /// Typst's warnings, each once.
    warnings: Vec<String>,
    /// The timed stages: layout and export, or (parts in parallel) both together, wall-clock.
    stages: Vec<(&'static str, Duration)>,
}

/// Typesets the Relazione's parts. `carte` (the OIV's working papers) is given when `prepare`
/// sends the parts to child processes (several parts, and this process may start children): they
/// go there `processi::workers` at a time, the working papers last. Otherwise the parts are
/// typeset here one after the other, with Typst's cache emptied between them, so memory is bounded
/// by the largest part (see `parti`). A part's error names the part: its lines are those of that part's source
/// (`--typst-sorgente` writes each); the first failing part in order is reported, whatever
/// finished first.
///
/// `laid_out` is called once every part is laid out here (before the export, which uses one core),
/// or at once when the parts go to children (this process's cores are then free).
fn typeset_parts(
    parts: &[(String, String)],
    carte: Option<&str>,
    files: &std::collections::BTreeMap<String, Vec<u8>>,
    date: chrono::NaiveDate,
    limits: crate::typeset::Limits,
    laid_out: &dyn Fn(),
) -> Result<TypesetParts, Error> {
    let clock = Instant::now();
    let in_children = carte.is_some();
    let mut results: Vec<Result<crate::typeset::Typeset, Error>> = if let Some(carte) = carte {
        laid_out();
        // What reading and the templates freed goes back to the system before the children start.
        crate::typeset::release_free_memory();
        let jobs = parts.len() + 1;
        crate::processi::in_parallel(jobs, crate::processi::workers(jobs), |k| match parts.get(k) {
            Some((_, source)) => crate::processi::typeset(source, files, date, limits),
            None => crate::processi::typeset(carte, &Default::default(), date, limits),
        })
    } else {
        let mut done = Vec::new();
        for (k, (_, source)) in parts.iter().enumerate() {
            if k > 0 {
                crate::typeset::forget_unused(0);
            }
            let main = crate::typeset::MainSource::new(source);
            let compiled = crate::typeset::compile(main, files.clone(), date, limits);
            if k + 1 == parts.len() || compiled.is_err() {
                laid_out();
            }
            let t = compiled.and_then(crate::typeset::export);
            let failed = t.is_err();
            done.push(t);
            if failed {
                break;
            }
        }
        done
    };
    let carte = (results.len() > parts.len()).then(|| results.remove(parts.len()));
    let (mut pdfs, mut warnings) = (Vec::new(), Vec::new());
    let (mut layout, mut export) = (Duration::ZERO, Duration::ZERO);
    for (k, result) in results.into_iter().enumerate() {
        let name = &parts[k].0;
        let t = result.map_err(|e| match e {
            Error::Output(m) if parts.len() > 1 => {
                Error::Output(format!("parte {} di {} ({name}): {m}", k + 1, parts.len()))
            }
            e => e,
        })?;
        pdfs.push((name.clone(), t.pdf));
        warnings.extend(t.warnings);
        layout += t.layout;
        export += t.export;
    }
    warnings.sort();
    warnings.dedup();
    let stages = if in_children {
        vec![("impaginazione ed esportazione (parti in parallelo)", clock.elapsed())]
    } else {
        vec![("impaginazione Typst", layout), ("esportazione PDF", export)]
    };
    Ok(TypesetParts { pdfs, carte, warnings, stages })
}

/// What a typesetting over its limits is blamed on: local templates when any is used.
pub fn blame(relazione: &[PathBuf], carte: &[PathBuf]) -> crate::typeset::Cause {
    if relazione.is_empty() && carte.is_empty() {
        crate::typeset::Cause::Inputs
    } else {
        crate::typeset::Cause::LocalTemplates
    }
}

/// The images the staff's texts place, as the typesetter's virtual files (`immagini/NAME`).
pub fn images(list: &crate::markdown::Images) -> Result<std::collections::BTreeMap<String, Vec<u8>>, Error> {
    Ok(list
        .iter()
        .map(|(name, bytes)| (format!("{}/{name}", crate::markdown::IMAGE_DIR), bytes.clone()))
        .collect())
}

/// The files the web edition offers for download, copied into it so that the folder stands alone
/// (published as it is, its links work): the PDF and the workbook in `documenti/`, the open data
/// in `dati/`. Returns the copies ((copy, original), paths relative to the output folder) and the
/// list for the pages.
fn site_downloads(
    files: &[(String, Vec<u8>)],
    config: &Config,
) -> (Vec<(String, String)>, Vec<crate::sito::Scaricabile>) {
    let pdf = pdf_name(config);
    let part_prefix = part_prefix(config);
    let parts = files.iter().filter(|(n, _)| *n == pdf || n.starts_with(&part_prefix)).count();
    let mut copies = Vec::new();
    let mut list = Vec::new();
    for (name, bytes) in files {
        let (title, place) = if *name == pdf && parts > 1 {
            (format!("Relazione sulla performance {}, parte 1 di {parts}", config.anno), "documenti")
        } else if *name == pdf {
            (format!("Relazione sulla performance {}", config.anno), "documenti")
        } else if let Some(k) = name.strip_prefix(&part_prefix).and_then(|r| r.split('_').next()) {
            let k = k.trim_start_matches('0');
            (format!("Relazione sulla performance {}, parte {k} di {parts}", config.anno), "documenti")
        } else if name.ends_with(".xlsx") && !name.contains('/') {
            ("Cartella dei risultati".to_string(), "documenti")
        } else if let Some(file) = name.strip_prefix(&format!("{}/", crate::opendata::DIR)) {
            match crate::opendata::title(file) {
                Some(t) => (t.to_string(), "dati"),
                None => continue,
            }
        } else {
            continue;
        };
        // Inside the open-data folder the path is kept (`per_excel/indicatori.csv` is another file).
        let file = name.strip_prefix(&format!("{}/", crate::opendata::DIR)).unwrap_or(name);
        let href = format!("{place}/{file}");
        list.push(crate::sito::Scaricabile::new(&title, &href, bytes.len()));
        copies.push((format!("{}/{href}", crate::sito::DIR), name.clone()));
    }
    (copies, list)
}

/// Nodes of every tree: the size of the document to typeset.
pub fn node_count(s: &Scored) -> usize {
    let r = &s.report;
    let mut n = r.kpi.len() + r.serie.len();
    for tree in [&r.albero, &r.unita, &r.individuali, &r.tempestivita].into_iter().flatten() {
        tree.walk(&mut |_| n += 1);
    }
    n
}

/// `1 voce`, `3 voci`.
pub fn voci(n: usize) -> String {
    if n == 1 { "1 voce".into() } else { format!("{n} voci") }
}

/// What `relazione build` produced.
pub struct Built {
    pub files: Vec<PathBuf>,
    /// What is still open (the PDF is a draft while this is not empty).
    pub open: Vec<crate::bozza::Voce>,
    pub warnings: Vec<String>,
    pub local_templates: Vec<PathBuf>,
    pub timings: Timings,
    /// The Ente's result in percentage points.
    pub ente: Option<f64>,
}

/// The whole run: read, score, render, typeset, publish.
pub fn build(config_path: &Path, data_dir: &Path, out_dir: &Path, options: &Options) -> Result<Built, Error> {
    refuse_out_inside_data(data_dir, out_dir)?;
    let Prepared { scored, files, copies, warnings, local_templates, mut timings, open } =
        prepare(config_path, data_dir, options)?;
    let clock = Instant::now();
    let mut staging = crate::publish::Staging::new(out_dir)?;
    staging.owns_files_starting_with(&part_prefix(&scored.config));
    for (name, bytes) in &files {
        staging.write(name, bytes)?;
    }
    for (copy, original) in &copies {
        staging.copy(copy, original)?;
    }
    let files = staging.commit()?;
    timings.push("scrittura in out/", clock);
    let ente = scored.report.albero.as_ref().and_then(|a| a.result()).map(|r| r * 100.0);
    Ok(Built { files, open, warnings, local_templates, timings, ente })
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
pub fn batch_folders(root: &Path) -> Result<Vec<BatchFolder>, Error> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?;
    for e in entries.flatten() {
        let dir = e.path();
        let real_dir = std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir());
        if !dir.is_dir() || !dir.join("relazione.yaml").is_file() {
            continue;
        }
        let raw = e.file_name();
        // The folder's name becomes the output folder's: it must be one a person can read and
        // that no other folder of the batch maps to.
        let name = raw
            .to_str()
            .filter(|n| !n.chars().any(|c| c.is_control() || crate::escape::PRIVATE.contains(&c)));
        let place = match (name, real_dir) {
            (Some(_), true) => {
                let data = if dir.join("data").is_dir() { dir.join("data") } else { dir.clone() };
                Ok((dir.join("relazione.yaml"), data))
            }
            (Some(_), false) => Err(Problem::new(
                crate::error::Location::file(&dir),
                "è un collegamento simbolico: il lotto legge solo cartelle vere (copiarvi l'ente)",
            )),
            (None, _) => Err(Problem::new(
                crate::error::Location::file(&dir),
                "nome di cartella non valido (non UTF-8 o con caratteri di controllo): rinominare la cartella; \
                 diventa il nome della cartella delle uscite",
            )),
        };
        let shown = name.map_or_else(|| crate::escape::terminal(&raw.to_string_lossy()), str::to_string);
        out.push(BatchFolder { name: shown, place });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    if out.is_empty() {
        return Err(Error::invalid(
            crate::error::Location::file(root),
            "nessuna sottocartella con un relazione.yaml: il lotto è vuoto",
        ));
    }
    Ok(out)
}

/// An Ente folder of a batch: its name (as shown: the output folder's, for a valid name) and its
/// configuration and data folder, or why it cannot be built.
pub struct BatchFolder {
    pub name: String,
    pub place: Result<(PathBuf, PathBuf), Problem>,
}

/// Builds every Ente of a batch in parallel across the cores; one Ente's failure does not stop the
/// others. `progress` is called after each Ente, from the worker thread that built it.
pub fn build_batch(
    root: &Path,
    out_dir: &Path,
    options: &Options,
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
                    let Some(BatchFolder { name, place }) = folders.get(i) else { break };
                    let clock = Instant::now();
                    // One Ente's defect must not take the others down: a panic is that Ente's failure.
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match place {
                        Ok((config, data)) => build(config, data, &out_dir.join(name), options),
                        Err(p) => Err(Error::Invalid(vec![p.clone()])),
                    }))
                    .unwrap_or_else(|_| {
                        Err(Error::Output(
                            "errore interno durante la produzione di questo ente (vedi il messaggio sopra)"
                                .into(),
                        ))
                    });
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

/// Writes the generated Typst source of each part (the first at `path`, the others beside it as
/// `NAME_parte_K.typ`) and, beside them in `fonts/`, the fonts they use, so that
/// `typst compile --ignore-system-fonts --font-path fonts FILE` reproduces each PDF.
fn write_typst_sources(path: &Path, parts: &[(String, String)]) -> Result<(), Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    for (k, (_, source)) in parts.iter().enumerate() {
        let file = if k == 0 { path.to_path_buf() } else { dir.join(format!("{stem}_parte_{}.typ", k + 1)) };
        std::fs::write(&file, source).map_err(|e| Error::io(&file, e))?;
    }
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(&fonts).map_err(|e| Error::io(&fonts, e))?;
    for (name, bytes) in crate::fonts::FILES {
        let f = fonts.join(name);
        std::fs::write(&f, bytes).map_err(|e| Error::io(&f, e))?;
    }
    Ok(())
}
