//! The driver: load → score → view, then every output renders itself ([`crate::outputs`]),
//! scheduled on the one worker pool ([`crate::pool`]), and `build` publishes what they made
//! (atomically: a failed run leaves `out/` as it was). `check` runs every step but the last, so any
//! input `build` would fail on fails `check` first; a batch runs the same [`build`] for each Ente
//! with the same [`Options`].
//!
//! ```text
//!            ┌──────── Options (one value, the same for every Ente of a batch) ────────┐
//! config ─┐  │                                                                          │
//! data/ ──┴─ score ── draft (texts, view, Typst source) ── parts ─┬─ PdfPart × n ───────┤
//!                                                                 ├─ WorkingPapers      ├─ publish
//!                                                                 ├─ Workbook           │  (out/)
//!                                                                 ├─ OpenData           │
//!                                                                 └─ WebEdition (after) ┘
//! ```
//! Errors are values all the way up: no stage ends the process (`main` alone chooses the exit code).

use crate::error::{Error, Problem};
use crate::inputs::config::Config;
use crate::inputs::decisions::Decisions;
use crate::outputs::{Context, Output, Renderer};
use crate::score::{self, Scored};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use crate::options::{Options, Typesetting};
pub use crate::outputs::{carte_name, part_names, part_prefix, pdf_name};

/// Reads and scores the inputs: the workbooks and the evaluator's decisions, with `config`.
pub fn score(config: Config, data_dir: &Path, options: &Options) -> Result<Scored, Error> {
    let date = config.document_date(options.source_date_epoch.as_deref())?;
    let decisions = Decisions::load(data_dir)?;
    let (mut report, mut warnings) = crate::inputs::ingest::ingest(data_dir, &config.smvp)?;
    if let Some(root) = report.albero.as_mut() {
        root.name = config.ente.nome.clone();
    }
    warnings.extend(score::score(&mut report, &config.smvp, &decisions)?);
    let last_year = crate::inputs::precedente::read(data_dir, &config)?;
    let precedente = last_year.as_ref().map(|p| score::precedente::attach(&mut report, p));
    if let Some(c) = &precedente {
        warnings.extend(score::precedente::disagreements(&report, c.anno));
    }
    let (summary, summary_warnings) = score::summarise(&report, &config)?;
    warnings.extend(summary_warnings);
    let piano = crate::inputs::ingest::plan(data_dir, &config.smvp)?.map(|(mut plan, folder)| {
        // Named as the Relazione's trees are, so that a node is matched by its place.
        let mut pairs = Vec::new();
        for (p, a, prefix) in
            [(&mut plan.albero, &report.albero, "albero"), (&mut plan.unita, &report.unita, "unita")]
        {
            if let (Some(p), Some(a)) = (p.as_mut(), a.as_ref()) {
                p.assign_ids(prefix);
                pairs.push((&*p, a));
            }
        }
        let pairs: Vec<(&crate::model::Node, &crate::model::Node)> = pairs;
        score::piano::compare(&pairs, crate::error::Location::file(&folder))
    });
    let verifiche = crate::bozza::verifiche(data_dir)?;
    let elsewhere = last_year.as_ref().map(|p| p.origine.as_path());
    let impronta = crate::inputs::impronta::impronta(&config.file, data_dir, elsewhere)?;
    Ok(Scored {
        config,
        report,
        summary,
        warnings,
        date,
        piano,
        decisioni: decisions,
        verifiche,
        impronta,
        precedente,
    })
}

/// Time spent in each stage of a run, in order.
#[derive(Debug, Default, Clone)]
pub struct Timings {
    pub stages: Vec<(String, Duration)>,
}

impl Timings {
    pub fn push(&mut self, stage: impl Into<String>, since: Instant) {
        self.stages.push((stage.into(), since.elapsed()));
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
    /// The staff's texts and the generated citizens' summary, for `check`'s readability.
    pub texts: crate::inputs::testi::Texts,
    pub sintesi: Vec<String>,
}

/// The Relazione up to its Typst source: scored inputs, the staff's texts, the view, the source.
/// `build`, `check` and `anteprima` share it.
pub struct Draft {
    pub scored: Scored,
    pub texts: crate::inputs::testi::Texts,
    pub view: crate::view::View,
    pub rendered: crate::outputs::pdf::render::Rendered,
    /// Draft items found in the texts (also in `open`).
    pub text_items: Vec<crate::bozza::Voce>,
    /// What is still open: the output is a draft while this is not empty.
    pub open: Vec<crate::bozza::Voce>,
}

/// Reads the staff's texts and renders the Relazione's Typst source from scored inputs.
pub fn draft(scored: Scored, data_dir: &Path, options: &Options) -> Result<Draft, Error> {
    let texts = crate::inputs::testi::Texts::load(data_dir)?;
    let text_items = crate::inputs::testi::findings(&scored, &texts, data_dir);
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
            v.location = v.location.from_base(base);
            v
        })
        .collect();
    let view = crate::view::View::build(&scored, &shown, &texts);
    let rendered = crate::outputs::pdf::render::render(
        &view,
        &texts,
        Some(crate::outputs::templating::override_dir(data_dir)),
    )?;
    Ok(Draft { scored, texts, view, rendered, text_items, open })
}

/// Everything `build` does except writing to the output folder.
pub fn prepare(config_path: &Path, data_dir: &Path, options: &Options) -> Result<Prepared, Error> {
    // Fonts and Typst's library on another thread while the workbooks are read.
    crate::outputs::pdf::typeset::warm_up();
    let mut timings = Timings::default();
    let clock = Instant::now();
    let scored = score(Config::load(config_path)?, data_dir, options)?;
    timings.push("lettura e calcolo dei risultati", clock);
    let clock = Instant::now();
    let Draft { scored, texts, view, rendered, text_items, open } = draft(scored, data_dir, options)?;
    timings.push("modelli (sorgente Typst)", clock);
    // Cut into parts here, not in `draft`: the live preview lays out the whole source at once.
    let clock = Instant::now();
    let parti = crate::outputs::pdf::parti::split(
        &rendered.source,
        options.part_budget.unwrap_or(crate::outputs::pdf::parti::budget(rendered.source.len())),
    );
    let names = part_names(&scored.config, parti.len());
    let parts: Vec<(String, String)> = names.iter().cloned().zip(parti.sources(&names)).collect();
    if let Some(p) = &options.typst_source {
        write_typst_sources(p, &parts)?;
    }
    timings.push("suddivisione in parti", clock);

    let mut findings = scored.warnings.clone();
    findings.extend(text_items.iter().map(|v| Problem::new(v.location.clone(), v.testo.clone())));
    let limits = crate::outputs::pdf::typeset::Limits::for_nodes(
        crate::outputs::node_count(&scored),
        crate::outputs::blame(&rendered.local_templates),
    );
    let children = match &options.typesetting {
        Typesetting::Children { exe, every_document } if *every_document || parts.len() > 1 => {
            Some(exe.as_path())
        }
        _ => None,
    };
    let images = images(&rendered.images);
    let outputs = crate::outputs::all(parts, limits);
    let cx = Context {
        scored: &scored,
        texts: &texts,
        view: &view,
        findings: &findings,
        data_dir,
        options,
        images: &images,
        made: &[],
        children,
    };
    let (first, after): (Vec<&dyn Renderer>, Vec<&dyn Renderer>) =
        outputs.iter().map(|o| o.as_ref()).partition(|o| !o.after_others());
    let mut made = render_all(&first, &cx, &mut timings)?;
    let mut files: Vec<(String, Vec<u8>)> =
        made.iter_mut().flat_map(|o| std::mem::take(&mut o.files)).collect();
    let later = render_all(&after, &Context { made: &files, ..cx }, &mut timings)?;
    let (mut copies, mut typst_warnings, mut local_templates) =
        (Vec::new(), Vec::new(), rendered.local_templates);
    for o in made.into_iter().chain(later) {
        files.extend(o.files);
        copies.extend(o.copies);
        typst_warnings.extend(o.warnings);
        local_templates.extend(o.local_templates);
    }
    typst_warnings.sort();
    typst_warnings.dedup();
    let mut warnings: Vec<String> = findings.iter().map(|w| w.to_string()).collect();
    warnings.extend(typst_warnings);
    local_templates.sort();
    local_templates.dedup();
    let sintesi = view.sintesi.clone();
    Ok(Prepared { scored, files, copies, warnings, local_templates, timings, open, texts, sintesi })
}

/// Renders `outputs` on the pool, each timed; the first error in their order is the run's.
fn render_all(outputs: &[&dyn Renderer], cx: &Context, timings: &mut Timings) -> Result<Vec<Output>, Error> {
    // Parts of a large Relazione typeset in this process follow one another, so that memory is
    // bounded by the largest; otherwise the workbook, the open data and the working papers are made
    // beside the Relazione (its PDF export uses one core).
    let parts = outputs.iter().filter(|o| o.is_part()).count();
    let workers = cx.options.workers.unwrap_or(if cx.children.is_none() && parts > 1 {
        1
    } else {
        crate::pool::workers(outputs.len(), crate::outputs::pdf::processi::PARALLEL)
    });
    let results = crate::pool::run(
        outputs.len(),
        workers,
        |k| {
            let clock = Instant::now();
            (outputs[k].render(cx), clock.elapsed())
        },
        |(r, _)| r.is_err(),
    );
    let mut made = Vec::new();
    for (k, slot) in results.into_iter().enumerate() {
        // A slot never begun follows an error, which comes first in this order or is returned below.
        let Some((result, took)) = slot else { continue };
        timings.stages.push((outputs[k].name(), took));
        made.push(result?);
    }
    Ok(made)
}

/// The images the staff's texts place, as the typesetter's virtual files (`immagini/NAME`).
pub fn images(list: &crate::markdown::Images) -> std::collections::BTreeMap<String, Vec<u8>> {
    list.iter()
        .map(|(name, bytes)| (format!("{}/{name}", crate::markdown::IMAGE_DIR), bytes.clone()))
        .collect()
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
    let Prepared { scored, files, copies, warnings, local_templates, mut timings, open, .. } =
        prepare(config_path, data_dir, options)?;
    if let Some(c) = &scored.precedente {
        refuse_out_over_input(&c.origine, out_dir)?;
    }
    let clock = Instant::now();
    let mut staging = crate::outputs::publish::Staging::new(out_dir)?;
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

/// Publishing replaces the output folder: an input inside it (last year's `relazione.json` named
/// in the configuration) would be replaced by this year's.
fn refuse_out_over_input(input: &Path, out_dir: &Path) -> Result<(), Error> {
    let (Ok(input), Some(out)) = (input.canonicalize(), absolute(out_dir)) else { return Ok(()) };
    if input.starts_with(&out) {
        return Err(Error::invalid(
            crate::error::Location::file(out_dir),
            format!(
                "la cartella di uscita contiene i risultati dell'anno precedente che la Relazione legge ({}): \
                 pubblicarla la sostituirebbe; scegliere un'altra cartella con --out o spostare il file",
                input.display()
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

/// Builds every Ente of a batch on the pool, one Ente per core; one Ente's failure does not stop
/// the others. Every Ente gets the same `options`, with one worker for its outputs (the cores are
/// already shared among the Enti). `progress` is called after each Ente, from the thread that
/// built it.
pub fn build_batch(
    root: &Path,
    out_dir: &Path,
    options: &Options,
    progress: &(dyn Fn(usize, usize, &BatchItem) + Sync),
) -> Result<Vec<BatchItem>, Error> {
    // Outputs inside the batch would be read back as an Ente's inputs, or make an Ente of their own.
    if let (Ok(r), Some(out)) = (root.canonicalize(), absolute(out_dir))
        && out.starts_with(&r)
    {
        return Err(Error::invalid(
            crate::error::Location::file(out_dir),
            format!(
                "la cartella di uscita è dentro la cartella del lotto ({}): sceglierne un'altra con --out",
                root.display()
            ),
        ));
    }
    let folders = batch_folders(root)?;
    let total = folders.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let each =
        Options { workers: Some(1), typesetting: options.typesetting.every_document(), ..options.clone() };
    let items = crate::pool::run(
        total,
        crate::pool::workers(total, usize::MAX),
        |i| {
            let BatchFolder { name, place } = &folders[i];
            let clock = Instant::now();
            // One Ente's defect must not take the others down: a panic is that Ente's failure.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match place {
                Ok((config, data)) => build(config, data, &out_dir.join(name), &each),
                Err(p) => Err(Error::Invalid(vec![p.clone()])),
            }))
            .unwrap_or_else(|_| {
                Err(Error::Output(
                    "errore interno durante la produzione di questo ente (vedi il messaggio sopra)".into(),
                ))
            });
            let ente = outcome.as_ref().ok().and_then(|b| b.ente);
            let item = BatchItem { name: name.clone(), outcome, elapsed: clock.elapsed(), ente };
            let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            progress(n, total, &item);
            item
        },
        |_| false,
    );
    Ok(items.into_iter().flatten().collect())
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
