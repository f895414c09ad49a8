//! The outputs of a run, each one a [`Renderer`]: it reads the Ente's scored inputs, texts and view
//! from a [`Context`] and makes its files in memory. The driver (`pipeline`) lists them, schedules
//! them on the one worker pool (`pool`) and publishes what they made; no output knows of another,
//! except the web edition, which links to the files the others made ([`Renderer::after_others`]).
//!
//! As in mdBook's `Renderer` trait: adding an output is one type and one line in [`all`].

pub mod json;
pub mod opendata;
pub mod pdf;
pub mod publish;
pub mod sito;
pub mod templating;
pub mod validazione;
pub mod xlsx;

use crate::error::{Error, Problem};
use crate::inputs::testi::Texts;
use crate::options::Options;
use crate::score::Scored;
use crate::view::View;
use pdf::typeset::{Limits, Typeset};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What every output reads.
pub struct Context<'a> {
    pub scored: &'a Scored,
    pub texts: &'a Texts,
    pub view: &'a View,
    /// The findings of every stage (they go into the working papers' workbook, sheet «Anomalie»).
    pub findings: &'a [Problem],
    pub data_dir: &'a Path,
    pub options: &'a Options,
    /// The images the staff's texts place, as the typesetter's files.
    pub images: &'a BTreeMap<String, Vec<u8>>,
    /// Files the outputs before made: given only to an output that comes [`Renderer::after_others`].
    pub made: &'a [(String, Vec<u8>)],
    /// This program, when this run's documents are typeset in child processes of it.
    pub children: Option<&'a Path>,
}

/// What an output made.
#[derive(Default)]
pub struct Output {
    /// (path relative to the output folder, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// (copy, original): files that are copies of others, made when publishing.
    pub copies: Vec<(String, String)>,
    /// Typst's warnings, as printed.
    pub warnings: Vec<String>,
    /// Local templates used instead of the built-in ones.
    pub local_templates: Vec<PathBuf>,
}

/// An output of a run.
pub trait Renderer: Send + Sync {
    /// What it makes, in Italian: the name of its line in `--tempi`.
    fn name(&self) -> String;

    /// Whether it reads the files the others made ([`Context::made`]): it then runs after them.
    fn after_others(&self) -> bool {
        false
    }

    /// Whether it is one part of the Relazione (the parts are scheduled apart: see `pipeline`).
    fn is_part(&self) -> bool {
        false
    }

    /// Makes the output's files in memory.
    fn render(&self, cx: &Context) -> Result<Output, Error>;
}

/// Every output of an Ente's run, in the order the pool takes them (the longest first: the
/// Relazione's parts, then the working papers): `parts` are the Relazione's (file name, Typst
/// source).
pub fn all(parts: Vec<(String, String)>, limits: Limits) -> Vec<Box<dyn Renderer>> {
    let of = parts.len();
    let mut list: Vec<Box<dyn Renderer>> = parts
        .into_iter()
        .enumerate()
        .map(|(k, (file, source))| Box::new(PdfPart { file, source, number: k + 1, of, limits }) as _)
        .collect();
    list.push(Box::new(WorkingPapers));
    list.push(Box::new(ValidationDocument));
    list.push(Box::new(Workbook));
    list.push(Box::new(OpenData));
    list.push(Box::new(WebEdition));
    list
}

/// Typesets a Typst source where the run says: in a child process when the run has them, else here.
pub fn typeset(
    source: &str,
    files: &BTreeMap<String, Vec<u8>>,
    cx: &Context,
    limits: Limits,
) -> Result<Typeset, Error> {
    match cx.children {
        Some(children) => pdf::processi::typeset(children, source, files, cx.scored.date, limits),
        None => {
            let limits = Limits { on_overrun: cx.options.on_overrun, ..limits };
            pdf::typeset::typeset(source, files.clone(), cx.scored.date, limits)
        }
    }
}

/// One part of the Relazione (the whole of it for a chamber's plan; see `parti`).
pub struct PdfPart {
    pub file: String,
    pub source: String,
    pub number: usize,
    pub of: usize,
    pub limits: Limits,
}

impl Renderer for PdfPart {
    fn is_part(&self) -> bool {
        true
    }

    fn name(&self) -> String {
        if self.of == 1 {
            "Relazione (PDF)".into()
        } else {
            format!("Relazione, parte {} di {} (PDF)", self.number, self.of)
        }
    }

    fn render(&self, cx: &Context) -> Result<Output, Error> {
        let t = typeset(&self.source, cx.images, cx, self.limits).map_err(|e| match e {
            Error::Output(m) if self.of > 1 => {
                Error::Output(format!("parte {} di {} ({}): {m}", self.number, self.of, self.file))
            }
            e => e,
        })?;
        if self.of > 1 && cx.children.is_none() {
            // In this process the parts follow one another: what this one laid out is not reused.
            crate::outputs::pdf::typeset::forget_unused(0);
        }
        Ok(Output { files: vec![(self.file.clone(), t.pdf)], warnings: t.warnings, ..Default::default() })
    }
}

/// A one-part document of the OIV from its main template (`CARTE_OIV`, `VALIDAZIONE`), typeset as
/// `name`: the PDF and the local templates it used.
fn typeset_document(cx: &Context, template: &str, name: &str) -> Result<(Typeset, Vec<PathBuf>), Error> {
    let overrides = Some(crate::outputs::templating::override_dir(cx.data_dir));
    let rendered = crate::outputs::pdf::render::render_main(cx.view, cx.texts, overrides, template)?;
    let source = crate::outputs::pdf::parti::whole(&rendered.source, name);
    let limits = Limits::for_nodes(node_count(cx.scored), blame(&rendered.local_templates));
    let t = typeset(&source, &BTreeMap::new(), cx, limits)?;
    Ok((t, rendered.local_templates))
}

/// The OIV's working papers: a PDF of their own, from their own template.
pub struct WorkingPapers;

impl Renderer for WorkingPapers {
    fn name(&self) -> String {
        "carte di lavoro dell'OIV (PDF e xlsx)".into()
    }

    fn render(&self, cx: &Context) -> Result<Output, Error> {
        let name = carte_name(&cx.scored.config);
        let (t, local_templates) = typeset_document(cx, crate::outputs::pdf::render::CARTE_OIV, &name)?;
        // Published with the OIV's documents: files named from the data's folder, never the host's.
        let base = cx.data_dir.parent().unwrap_or(Path::new(""));
        let findings: Vec<Problem> = cx
            .findings
            .iter()
            .cloned()
            .map(|mut p| {
                p.location = p.location.from_base(base);
                p
            })
            .collect();
        let workbook = crate::outputs::xlsx::working_papers(cx.scored, &findings, &cx.view.carte_oiv)?;
        Ok(Output {
            files: vec![(name.replace(".pdf", ".xlsx"), workbook), (name, t.pdf)],
            warnings: t.warnings,
            local_templates,
            ..Default::default()
        })
    }
}

/// The OIV's draft validation document (PDF) and its outcome as data (JSON and CSV).
pub struct ValidationDocument;

impl Renderer for ValidationDocument {
    fn name(&self) -> String {
        "documento di validazione dell'OIV (PDF, JSON e CSV)".into()
    }

    fn render(&self, cx: &Context) -> Result<Output, Error> {
        let name = validazione_name(&cx.scored.config);
        let (t, local_templates) = typeset_document(cx, crate::outputs::pdf::render::VALIDAZIONE, &name)?;
        let (json, csv) = validazione::files(cx.scored, &cx.view.carte_oiv, &name)?;
        let record = esito_name(&cx.scored.config);
        Ok(Output {
            files: vec![(name, t.pdf), (format!("{record}.json"), json), (format!("{record}.csv"), csv)],
            warnings: t.warnings,
            local_templates,
            ..Default::default()
        })
    }
}

/// The results workbook (xlsx).
pub struct Workbook;

impl Renderer for Workbook {
    fn name(&self) -> String {
        "cartella dei risultati (xlsx)".into()
    }

    fn render(&self, cx: &Context) -> Result<Output, Error> {
        let bytes = crate::outputs::xlsx::workbook(cx.scored)?;
        Ok(Output { files: vec![(crate::outputs::xlsx::file_name(cx.scored), bytes)], ..Default::default() })
    }
}

/// The open data: CSV, the JSON model, the data package and its DCAT-AP_IT record.
pub struct OpenData;

impl Renderer for OpenData {
    fn name(&self) -> String {
        "dati aperti".into()
    }

    fn render(&self, cx: &Context) -> Result<Output, Error> {
        let json = serde_json::to_vec_pretty(&crate::outputs::json::public_document(cx.scored, cx.texts))
            .map_err(|e| Error::Output(format!("modello JSON non scrivibile: {e}")))?;
        Ok(Output { files: crate::outputs::opendata::files(cx.scored, &json), ..Default::default() })
    }
}

/// The web edition: its pages, and copies of the other outputs to download.
pub struct WebEdition;

impl Renderer for WebEdition {
    fn name(&self) -> String {
        "edizione web".into()
    }

    fn after_others(&self) -> bool {
        true
    }

    fn render(&self, cx: &Context) -> Result<Output, Error> {
        let (copies, downloads) = site_downloads(cx.made, &cx.scored.config);
        let overrides = Some(crate::outputs::templating::override_dir(cx.data_dir));
        let site = crate::outputs::sito::site(cx.view, cx.texts, overrides, &downloads)?;
        Ok(Output { files: site.files, copies, local_templates: site.local_templates, ..Default::default() })
    }
}

/// Output file name of the Relazione: `Relazione_performance_2024_Modena.pdf`.
pub fn pdf_name(config: &crate::inputs::config::Config) -> String {
    format!("Relazione_performance_{}_{}.pdf", config.anno, config.ente.nome_breve.replace(' ', "_"))
}

/// Output file names of the Relazione's parts: the first is [`pdf_name`], the others
/// `Relazione_performance_2024_Modena_parte_2_di_3.pdf`, numbered with as many digits as the
/// last (`parte_02_di_18`), so that they list in order.
pub fn part_names(config: &crate::inputs::config::Config, parts: usize) -> Vec<String> {
    let first = pdf_name(config);
    let prefix = part_prefix(config);
    let width = parts.to_string().len();
    let mut names = vec![first.clone()];
    names.extend((2..=parts).map(|k| format!("{prefix}{k:0width$}_di_{parts}.pdf")));
    names
}

/// What the names of the Relazione's parts after the first begin with.
pub fn part_prefix(config: &crate::inputs::config::Config) -> String {
    format!("{}_parte_", pdf_name(config).trim_end_matches(".pdf"))
}

/// Output file name of the OIV's working papers: `Carte_di_lavoro_OIV_2024_Modena.pdf`.
pub fn carte_name(config: &crate::inputs::config::Config) -> String {
    format!("Carte_di_lavoro_OIV_{}_{}.pdf", config.anno, config.ente.nome_breve.replace(' ', "_"))
}

/// Output file name of the OIV's validation document: `Documento_di_validazione_2024_Modena.pdf`.
pub fn validazione_name(config: &crate::inputs::config::Config) -> String {
    format!("Documento_di_validazione_{}_{}.pdf", config.anno, config.ente.nome_breve.replace(' ', "_"))
}

/// Output file name (without extension) of the validation outcome as data: `Esito_validazione_2024_Modena`.
pub fn esito_name(config: &crate::inputs::config::Config) -> String {
    format!("Esito_validazione_{}_{}", config.anno, config.ente.nome_breve.replace(' ', "_"))
}

/// The OIV's documents the web edition offers (art. 31 D.Lgs. 33/2013): the validation document,
/// its outcome as data and the working papers that hold its evidence, with their titles.
fn oiv_document(name: &str, config: &crate::inputs::config::Config) -> Option<String> {
    let carte = carte_name(config);
    let esito = esito_name(config);
    let title = if name == validazione_name(config) {
        "Documento di validazione dell'OIV"
    } else if name == format!("{esito}.json") {
        "Esito della validazione, dati (JSON)"
    } else if name == format!("{esito}.csv") {
        "Esito della validazione per criterio, dati (CSV)"
    } else if name == carte {
        "Carte di lavoro dell'OIV"
    } else if name == carte.replace(".pdf", ".xlsx") {
        "Carte di lavoro dell'OIV (xlsx)"
    } else {
        return None;
    };
    Some(title.to_string())
}

/// What a typesetting over its limits is blamed on: local templates when any is used.
pub fn blame(local_templates: &[PathBuf]) -> crate::outputs::pdf::typeset::Cause {
    if local_templates.is_empty() {
        crate::outputs::pdf::typeset::Cause::Inputs
    } else {
        crate::outputs::pdf::typeset::Cause::LocalTemplates
    }
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

/// The files the web edition offers for download, copied into it so that the folder stands alone
/// (published as it is, its links work): the PDF and the workbook in `documenti/`, the open data
/// in `dati/`. Returns the copies ((copy, original), paths relative to the output folder) and the
/// list for the pages.
fn site_downloads(
    files: &[(String, Vec<u8>)],
    config: &crate::inputs::config::Config,
) -> (Vec<(String, String)>, Vec<crate::outputs::sito::Scaricabile>) {
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
        } else if *name == crate::outputs::xlsx::file_name_for(config) {
            ("Cartella dei risultati".to_string(), "documenti")
        } else if let Some(t) = oiv_document(name, config) {
            (t, "documenti")
        } else if let Some(file) = name.strip_prefix(&format!("{}/", crate::outputs::opendata::DIR)) {
            match crate::outputs::opendata::title(file) {
                Some(t) => (t.to_string(), "dati"),
                None => continue,
            }
        } else {
            continue;
        };
        // Inside the open-data folder the path is kept (`per_excel/indicatori.csv` is another file).
        let file = name.strip_prefix(&format!("{}/", crate::outputs::opendata::DIR)).unwrap_or(name);
        let href = format!("{place}/{file}");
        list.push(crate::outputs::sito::Scaricabile::new(&title, &href, bytes.len()));
        copies.push((format!("{}/{href}", crate::outputs::sito::DIR), name.clone()));
    }
    (copies, list)
}
