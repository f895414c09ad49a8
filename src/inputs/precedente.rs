//! Last year's results, for printing beside this year's: the `relazione.json` this tool published
//! with last year's open data (its own stable format), or, where staff have only that, last
//! year's export in a layout the readers know (the flat layout), placed in `data/anno_precedente/`.
//!
//! A file of another year, another Ente or a format version this program does not know is refused
//! with its name: a wrong comparison printed in a public document is worse than none.

use crate::error::{Error, Location, read_input};
use crate::inputs::config::Config;
use crate::model::{Level, Node};
use crate::value::Unit;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The subfolder of the data folder that holds last year's results.
pub const DIR: &str = "anno_precedente";

/// The format versions of `relazione.json` this program reads (see `outputs::json::VERSIONE`).
pub const VERSIONI: std::ops::RangeInclusive<u32> = 2..=crate::outputs::json::VERSIONE;

/// Largest `relazione.json` read: a chamber's is ~300 KB; a plan of 10.000 indicators ~22 MB.
const MAX_BYTES: u64 = 64 << 20;

/// Most nodes in last year's trees: a plan of 10.000 indicators has ~15.000 with its objectives
/// and groups; a file with more is not a Relazione's.
pub const MAX_NODES: usize = 100_000;

/// Longest text of a node read (name, code, target, actual): a platform cell's longest line is
/// far shorter; a text over this is not last year's figure.
pub const MAX_CHARS: usize = 2_000;

/// Results and values beyond these are no figure of a Relazione (a result is a percentage, a value
/// at most a region's exports in euro).
const MAX_RESULT: f64 = 10_000.0;
const MAX_VALUE: f64 = 1e15;

/// Where last year's figures were read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formato {
    /// Last year's `relazione.json`: its results as published.
    Json,
    /// Last year's export of the workbooks: its results recomputed with this year's SMVP.
    Esportazione,
}

/// Last year's results as read.
#[derive(Debug, Clone)]
pub struct AnnoPrecedente {
    /// The file (or, for an export, the folder) read.
    pub origine: PathBuf,
    pub anno: i32,
    pub formato: Formato,
    /// Each tree with the prefix of its identifiers (`albero`, `unita`, …).
    pub alberi: Vec<(String, Nodo)>,
}

/// One node of last year's trees: what is printed beside this year's.
#[derive(Debug, Clone)]
pub struct Nodo {
    pub id: String,
    pub level: Option<Level>,
    pub code: String,
    pub name: String,
    /// Percentage points.
    pub result: Option<f64>,
    pub value: Option<f64>,
    pub unit: Option<Unit>,
    pub target: Option<String>,
    pub actual: Option<String>,
    pub children: Vec<Nodo>,
}

impl Nodo {
    fn of(n: &Node) -> Nodo {
        let ind = n.indicator.as_deref();
        Nodo {
            id: n.id.clone(),
            level: Some(n.level),
            code: n.code.clone(),
            name: n.name.clone(),
            result: n.result().map(|r| r * 100.0),
            value: ind.and_then(|i| i.value),
            unit: ind.map(|i| i.unit),
            target: ind.map(|i| i.target_text.clone()),
            actual: ind.map(|i| i.actual_text.clone()),
            children: n.children.iter().map(Nodo::of).collect(),
        }
    }

    /// This node and every descendant, depth first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Nodo)) {
        f(self);
        for c in &self.children {
            c.walk(f);
        }
    }
}

/// The part of `relazione.json` read here (every other key is ignored).
#[derive(Deserialize)]
struct Documento {
    versione: Option<u32>,
    anno: Option<i32>,
    ente: Option<EnteDoc>,
    albero: Option<NodoDoc>,
    unita_organizzative: Option<NodoDoc>,
    tempestivita_pagamenti: Option<NodoDoc>,
    obiettivi_individuali: Option<NodoDoc>,
}

#[derive(Deserialize)]
struct EnteDoc {
    nome: String,
}

#[derive(Deserialize)]
struct NodoDoc {
    id: String,
    livello: String,
    #[serde(default)]
    codice: String,
    #[serde(default)]
    nome: String,
    risultato: Option<f64>,
    indicatore: Option<IndicatoreDoc>,
    #[serde(default)]
    figli: Vec<NodoDoc>,
}

#[derive(Deserialize)]
struct IndicatoreDoc {
    target: Option<String>,
    consuntivo: Option<String>,
    valore: Option<f64>,
    unita: Option<Unit>,
}

impl NodoDoc {
    fn into_nodo(self) -> Nodo {
        let ind = self.indicatore;
        Nodo {
            level: Level::from_id(&self.livello),
            id: self.id,
            code: self.codice,
            name: self.nome,
            result: self.risultato.filter(|r| r.is_finite()),
            value: ind.as_ref().and_then(|i| i.valore).filter(|v| v.is_finite()),
            unit: ind.as_ref().and_then(|i| i.unita),
            target: ind.as_ref().and_then(|i| i.target.clone()),
            actual: ind.and_then(|i| i.consuntivo),
            children: self.figli.into_iter().map(NodoDoc::into_nodo).collect(),
        }
    }
}

/// Reads last year's results from `anno_precedente/` under the data folder, or from where the
/// configuration says (`anno_precedente`, relative to its folder); none when neither is there.
pub fn read(data_dir: &Path, config: &Config) -> Result<Option<AnnoPrecedente>, Error> {
    let named =
        config.anno_precedente.as_ref().map(|p| config.file.parent().unwrap_or(Path::new("")).join(p));
    let here = folder(data_dir)?;
    if let (Some(named), Some(here)) = (&named, &here) {
        return Err(Error::invalid(
            Location::file(here),
            format!(
                "i risultati dell'anno precedente sono sia qui sia in «anno_precedente» di {} ({}): tenere una sola fonte",
                config.file.display(),
                named.display()
            ),
        ));
    }
    if let Some(named) = named {
        let meta = std::fs::symlink_metadata(&named).map_err(|e| Error::io(&named, e))?;
        if meta.is_file() {
            let root = named.parent().unwrap_or(Path::new(""));
            return read_json(root, &named, config).map(Some);
        }
        return read_folder(data_dir, named, config);
    }
    match here {
        Some(folder) => read_folder(data_dir, folder, config),
        None => Ok(None),
    }
}

/// A folder of last year's results: one `relazione.json`, or last year's export.
fn read_folder(data_dir: &Path, folder: PathBuf, config: &Config) -> Result<Option<AnnoPrecedente>, Error> {
    let meta = std::fs::symlink_metadata(&folder).map_err(|e| Error::io(&folder, e))?;
    if meta.file_type().is_symlink() {
        return Err(Error::invalid(Location::file(&folder), crate::error::LINK_REFUSED));
    }
    if !meta.is_dir() {
        return Err(Error::invalid(
            Location::file(&folder),
            "non è né un file relazione.json né una cartella: indicare il relazione.json dell'anno precedente o la \
             cartella che lo contiene",
        ));
    }
    let mut jsons = Vec::new();
    let mut books = false;
    for e in std::fs::read_dir(&folder).map_err(|e| Error::io(&folder, e))?.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_lowercase();
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        if name.ends_with(".json") {
            jsons.push(p);
        } else if crate::inputs::ingest::is_workbook(&p) {
            books = true;
        }
    }
    jsons.sort();
    match (jsons.as_slice(), books) {
        ([one], false) => {
            read_json(if one.starts_with(data_dir) { data_dir } else { &folder }, one, config).map(Some)
        }
        ([], true) => read_export(&folder, config).map(Some),
        ([], false) => Err(Error::invalid(
            Location::file(&folder),
            format!(
                "la cartella dell'anno precedente non contiene né un relazione.json né un'esportazione della \
                 piattaforma: metterci il file relazione.json pubblicato con i dati aperti del {} (oppure \
                 l'esportazione), o toglierla",
                config.anno - 1
            ),
        )),
        _ => Err(Error::invalid(
            Location::file(&folder),
            "la cartella dell'anno precedente deve contenere un solo relazione.json, oppure solo \
             l'esportazione della piattaforma: lasciare l'uno o l'altra",
        )),
    }
}

/// The folder directly under the data folder, in any case (`Anno_precedente/`); two of them
/// (`anno_precedente/` and `ANNO_PRECEDENTE/`) are an error, not a choice.
fn folder(data_dir: &Path) -> Result<Option<PathBuf>, Error> {
    let Ok(entries) = std::fs::read_dir(data_dir) else { return Ok(None) };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.eq_ignore_ascii_case(DIR)))
        .map(|e| e.path())
        .collect();
    found.sort();
    if found.len() > 1 {
        return Err(Error::invalid(
            Location::file(&found[1]),
            format!("c'è anche {}: tenere una sola cartella dell'anno precedente", found[0].display()),
        ));
    }
    Ok(found.into_iter().next())
}

/// Whether a `relazione.json`'s format version is one this program reads; the reason if not. One
/// check for last year's results and for `relazione confronta`.
pub fn version(versione: Option<u64>) -> Result<(), String> {
    match versione {
        Some(v) if u32::try_from(v).is_ok_and(|v| VERSIONI.contains(&v)) => Ok(()),
        Some(v) => Err(format!(
            "è nel formato versione {v}, che questo programma non conosce (legge le versioni da {} a {}): usare il \
             relazione.json prodotto da questo programma",
            VERSIONI.start(),
            VERSIONI.end()
        )),
        None => {
            Err("non dice la versione del formato («versione»): non è un relazione.json di questo programma"
                .into())
        }
    }
}

/// Last year's `relazione.json`, checked to be this Ente's, of last year, in a known format.
fn read_json(data_dir: &Path, path: &Path, config: &Config) -> Result<AnnoPrecedente, Error> {
    let bytes = read_input(data_dir, path, MAX_BYTES)?;
    let refuse = |msg: String| Error::invalid(Location::file(path), msg);
    let bytes = bytes.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(&bytes);
    let doc: Documento = serde_json::from_slice(bytes).map_err(|e| {
        refuse(format!(
            "non è un relazione.json leggibile (riga {}, colonna {}): metterci il file relazione.json dei dati \
             aperti dell'anno precedente, senza modificarlo",
            e.line(),
            e.column()
        ))
    })?;
    let atteso = config.anno - 1;
    version(doc.versione.map(u64::from)).map_err(refuse)?;
    match doc.anno {
        Some(a) if a == atteso => {}
        Some(a) => {
            return Err(refuse(format!(
                "è la Relazione del {a}, non quella dell'anno precedente ({atteso}): mettere il relazione.json del \
                 {atteso}"
            )));
        }
        None => return Err(refuse("non dice l'anno («anno»)".into())),
    }
    // One line, whatever the file holds: the message is printed on a terminal.
    let ente = doc.ente.as_ref().map(|e| e.nome.replace(['\n', '\r'], " ")).unwrap_or_default();
    if crate::value::normalize(&ente) != crate::value::normalize(&config.ente.nome) {
        return Err(refuse(format!(
            "è la Relazione di «{ente}», non di «{}» (ente.nome in {}): mettere il relazione.json di questo Ente",
            config.ente.nome,
            config.file.display()
        )));
    }
    let mut alberi = Vec::new();
    for (prefix, tree) in [
        ("albero", doc.albero),
        ("unita", doc.unita_organizzative),
        ("tempestivita", doc.tempestivita_pagamenti),
        ("individuali", doc.obiettivi_individuali),
    ] {
        if let Some(t) = tree {
            alberi.push((prefix.to_string(), t.into_nodo()));
        }
    }
    if alberi.is_empty() {
        return Err(refuse("non contiene l'albero della performance («albero»)".into()));
    }
    check(&alberi).map_err(refuse)?;
    Ok(AnnoPrecedente { origine: path.to_path_buf(), anno: atteso, formato: Formato::Json, alberi })
}

/// What last year's trees must be to be printed beside this year's: at most [`MAX_NODES`] nodes,
/// each identifier once in its tree, texts of at most [`MAX_CHARS`], results and values that are
/// figures. The first departure, in words naming the node.
fn check(alberi: &[(String, Nodo)]) -> Result<(), String> {
    let mut count = 0;
    for (prefix, tree) in alberi {
        let mut ids = std::collections::BTreeSet::new();
        let mut problem: Option<String> = None;
        tree.walk(&mut |n| {
            count += 1;
            if problem.is_some() {
                return;
            }
            let id: String = n.id.chars().take(80).collect();
            if !ids.insert(n.id.as_str()) {
                problem = Some(format!("l'identificativo «{id}» compare due volte nell'albero «{prefix}»"));
            } else if [&n.id, &n.code, &n.name]
                .into_iter()
                .chain(n.target.iter())
                .chain(n.actual.iter())
                .any(|t| t.chars().count() > MAX_CHARS)
            {
                problem = Some(format!("un testo di «{id}» supera {MAX_CHARS} caratteri"));
            } else if n.result.is_some_and(|r| r.abs() > MAX_RESULT) {
                problem = Some(format!("il risultato di «{id}» non è una percentuale ammissibile"));
            } else if n.value.is_some_and(|v| v.abs() > MAX_VALUE) {
                problem = Some(format!("il valore di «{id}» è fuori scala"));
            }
        });
        if let Some(p) = problem {
            return Err(format!("{p}: non è un relazione.json di questo programma, o è stato modificato"));
        }
    }
    if count > MAX_NODES {
        return Err(format!(
            "ha {} elementi, più dei {} di qualunque Relazione: non è un relazione.json di questo programma",
            crate::value::format_number(count as f64, 0),
            crate::value::format_number(MAX_NODES as f64, 0)
        ));
    }
    Ok(())
}

/// Last year's export, read as the data are and scored with this year's SMVP. Its files carry no
/// year: one whose name gives a year (`…_2024.xlsx`) must give last year's.
fn read_export(folder: &Path, config: &Config) -> Result<AnnoPrecedente, Error> {
    let atteso = config.anno - 1;
    for e in std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(&latest) = years_in(&name).iter().max()
            && latest != atteso
        {
            return Err(Error::invalid(
                Location::file(&e.path()),
                format!(
                    "il nome del file indica il {latest}, non l'anno precedente ({atteso}): mettere l'esportazione del \
                     {atteso}"
                ),
            ));
        }
    }
    let (mut report, _) = crate::inputs::ingest::ingest(folder, &config.smvp)?;
    // Its deadlines say its year: a plan's targets fall due within it.
    let mut deadlines = std::collections::BTreeMap::<i32, usize>::new();
    for tree in [&report.albero, &report.unita].into_iter().flatten() {
        tree.walk(&mut |n| {
            if let Some(crate::value::Target::Entro { data }) = n.indicator.as_ref().map(|i| i.target) {
                use chrono::Datelike;
                *deadlines.entry(data.year()).or_default() += 1;
            }
        });
    }
    if let Some((&year, _)) = deadlines.iter().max_by_key(|(y, n)| (**n, **y))
        && year > atteso
    {
        return Err(Error::invalid(
            Location::file(folder),
            format!(
                "le scadenze dei target sono per lo più del {year}: non è l'esportazione dell'anno precedente ({atteso})"
            ),
        ));
    }
    crate::score::score(&mut report, &config.smvp, &crate::inputs::decisions::Decisions::default())?;
    Ok(AnnoPrecedente::of_report(&report, folder, atteso))
}

impl AnnoPrecedente {
    /// A scored report taken as last year's (an export recomputed with this year's SMVP).
    pub fn of_report(report: &crate::model::Report, origine: &Path, anno: i32) -> AnnoPrecedente {
        let alberi = report
            .trees()
            .into_iter()
            .filter_map(|(prefix, t)| Some((prefix.to_string(), Nodo::of(t?))))
            .collect();
        AnnoPrecedente { origine: origine.to_path_buf(), anno, formato: Formato::Esportazione, alberi }
    }
}

/// The years (1990–2099) a file name gives: four digits standing alone between non-digits, or the
/// first four of a date written as eight (`20241231`).
fn years_in(name: &str) -> Vec<i32> {
    let b = name.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            // `2023`, or a date written `20231231`.
            let month = || name.get(start + 4..start + 6).and_then(|m| m.parse::<u32>().ok());
            if (i - start == 4 || (i - start == 8 && month().is_some_and(|m| (1..=12).contains(&m))))
                && let Ok(y) = name[start..start + 4].parse::<i32>()
                && (1990..2100).contains(&y)
            {
                out.push(y);
            }
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_is_four_digits_standing_alone() {
        assert_eq!(years_in("Obiettivi_2023.xlsx"), vec![2023]);
        assert_eq!(years_in("Serie_2020_2024.xlsx"), vec![2020, 2024]);
        assert!(years_in("codice_120231.xlsx").is_empty());
        assert_eq!(years_in("Report_20241231.xlsx"), vec![2024]);
        assert!(years_in("Obiettivi.xlsx").is_empty());
    }
}
