//! Ingest: find the workbooks under the data folder, recognise each sheet by its header row (never
//! by file name), read it with the matching importer, and join what different files say about the
//! same indicator.
//!
//! Problems are collected, not thrown: `relazione check` lists them all.

mod cells;
mod dimensioni;
pub mod flat;
mod guard;
mod hierarchy;
mod individuali;
mod plain_tables;
mod sheet;
mod styles;
mod tabelle_relazione;

use crate::error::{Diagnostics, Error, Location, Problem};
use crate::model::{Indicator, Level, Node, Report, Source};
use crate::value::{self, Reading, Unit};
use calamine::{Ods, Reader, SheetVisible, Sheets, Xls, Xlsx};
use sheet::{Columns, Sheet};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// What a sheet was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SheetKind {
    Albero,
    Unita,
    Individuali,
    Tempestivita,
    Dimensioni,
    RisorseObiettivi,
    RisorseProgetti,
    RisorseAlbero,
    Pareto,
    Serie,
    Bilancio,
    Piatto,
    Tabelle,
}

impl SheetKind {
    fn label(self) -> &'static str {
        match self {
            SheetKind::Albero => "report della performance organizzativa dell'Ente",
            SheetKind::Unita => "report della performance delle unità organizzative",
            SheetKind::Individuali => "obiettivi individuali",
            SheetKind::Tempestivita => "obiettivo di tempestività dei pagamenti",
            SheetKind::Dimensioni => "report dimensioni della performance e overshooting",
            SheetKind::RisorseObiettivi => "risorse promozionali per obiettivo strategico",
            SheetKind::RisorseProgetti => "progetti +20% diritto annuale",
            SheetKind::RisorseAlbero => "assorbimento risorse nell'albero",
            SheetKind::Pareto => "benchmarking Pareto",
            SheetKind::Serie => "serie storica KPI",
            SheetKind::Bilancio => "tabella di bilancio",
            SheetKind::Piatto => "tracciato piatto degli indicatori",
            SheetKind::Tabelle => "tabelle della Relazione",
        }
    }

    /// Kinds of which a data folder may hold several sheets.
    fn repeatable(self) -> bool {
        matches!(self, SheetKind::Bilancio | SheetKind::Tabelle)
    }
}

/// Header rows are looked for among the first rows of a sheet (the platform puts a title above).
const HEADER_SEARCH_ROWS: usize = 6;

/// The header signature of each kind, most specific first.
fn signatures() -> Vec<(SheetKind, Vec<&'static str>)> {
    vec![
        (SheetKind::Albero, hierarchy::ALBERO.required_headers()),
        (SheetKind::Unita, hierarchy::UNITA.required_headers()),
        (SheetKind::Piatto, flat::HEADERS.to_vec()),
        (SheetKind::Individuali, individuali::HEADERS.to_vec()),
        (SheetKind::Dimensioni, dimensioni::HEADERS.to_vec()),
        (SheetKind::Tempestivita, individuali::TEMPESTIVITA.to_vec()),
        (SheetKind::RisorseObiettivi, plain_tables::RISORSE_OS.to_vec()),
        (SheetKind::RisorseProgetti, plain_tables::RISORSE_PROGETTI.to_vec()),
        (SheetKind::RisorseAlbero, plain_tables::RISORSE_ALBERO.to_vec()),
        (SheetKind::Pareto, plain_tables::PARETO.to_vec()),
        (SheetKind::Serie, plain_tables::SERIE.to_vec()),
        (SheetKind::Tabelle, tabelle_relazione::HEADERS.to_vec()),
    ]
}

/// Recognises a sheet by its header row.
fn recognise(sheet: &Sheet) -> Option<(SheetKind, usize, Columns)> {
    for (kind, headers) in signatures() {
        if let Some((row, names)) = sheet.find_header(&headers, HEADER_SEARCH_ROWS) {
            return Some((kind, row, Columns { names }));
        }
    }
    let (row, names) = sheet.find_header(&[], 1)?;
    let cols = Columns { names };
    plain_tables::is_balance(&cols).then_some((SheetKind::Bilancio, row, cols))
}

/// A sheet whose header row has most, but not all, the columns of a known layout: almost
/// certainly that layout with a misspelt or missing column. Returns the layout and what is missing.
fn near_miss(sheet: &Sheet) -> Option<(SheetKind, Vec<&'static str>)> {
    let start = 0;
    let rows: Vec<Vec<String>> = (start..sheet.end_row().min(HEADER_SEARCH_ROWS))
        .map(|r| {
            (0..sheet.end_col())
                .map(|c| sheet.text(r, c).map(|t| sheet::normalize(&t)).unwrap_or_default())
                .collect()
        })
        .collect();
    signatures()
        .into_iter()
        .filter(|(_, h)| h.len() >= 4)
        .filter_map(|(kind, headers)| {
            let best = rows
                .iter()
                .map(|names| {
                    headers
                        .iter()
                        .filter(|h| !names.iter().any(|n| sheet::header_matches(n, h)))
                        .copied()
                        .collect::<Vec<_>>()
                })
                .min_by_key(Vec::len)?;
            (best.len() * 2 <= headers.len()).then_some((kind, best))
        })
        .min_by_key(|(_, missing)| missing.len())
}

/// What to tell about a sheet no layout recognises: the header row examined, the nearest known
/// layout (only one that shares columns with it), and what to do.
fn describe_unknown(sheet: &Sheet) -> String {
    let rows = sheet.end_row().min(HEADER_SEARCH_ROWS);
    let header =
        (0..rows).find(|&r| (0..sheet.end_col()).filter(|&c| sheet.text(r, c).is_some()).count() >= 2);
    let Some(row) = header else {
        return "foglio senza una riga di intestazione riconoscibile: ignorato. Per dati che non vengono dalla \
                piattaforma usare il tracciato piatto («relazione modello» ne scrive un modello vuoto)"
            .into();
    };
    let cells: Vec<String> = (0..sheet.end_col()).filter_map(|c| sheet.text(row, c)).collect();
    let names: Vec<String> = cells.iter().map(|t| sheet::normalize(t)).collect();
    let shown: Vec<String> = cells.iter().take(8).map(|c| format!("«{c}»")).collect();
    let more = if cells.len() > 8 { format!(" e altre {}", cells.len() - 8) } else { String::new() };
    let nearest = signatures()
        .into_iter()
        .map(|(kind, headers)| {
            let missing: Vec<&str> = headers
                .iter()
                .filter(|h| !names.iter().any(|n| sheet::header_matches(n, h)))
                .copied()
                .collect();
            (kind, headers.len() - missing.len(), headers.len(), missing)
        })
        .filter(|(_, found, _, _)| *found > 0)
        .max_by_key(|(_, found, total, _)| (*found * 100 / total, *found));
    let near = match nearest {
        Some((kind, found, total, missing)) => {
            let list: Vec<String> = missing.iter().map(|m| format!("«{}»", capitalise(m))).collect();
            format!(
                "il tracciato più vicino è il {} ({found} delle {total} colonne richieste; mancano {})",
                kind.label(),
                list.join(", ")
            )
        }
        None => "nessun tracciato noto ha queste colonne".into(),
    };
    format!(
        "foglio non riconosciuto, ignorato: intestazione esaminata alla riga {} ({}{more}); {near}. Per dati \
         che non vengono dalla piattaforma usare il tracciato piatto («relazione modello» ne scrive un modello \
         vuoto, con le istruzioni)",
        row + 1,
        shown.join(", ")
    )
}

/// Workbook extensions read.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_lowercase().as_str(), "xlsx" | "xlsm" | "xls" | "ods"))
}

/// Folders below the data folder that are searched for workbooks.
pub const MAX_DEPTH: usize = 8;

/// Lists the workbooks under `dir` (down to [`MAX_DEPTH`] folders), sorted, skipping hidden files
/// and Office lock files (`~$x.xlsx`, said once). Links are never followed: a link to a workbook
/// or a folder is an error naming it (it could bring a file from anywhere on the host into the
/// published report).
fn discover(dir: &Path, diag: &mut Diagnostics) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut lock_files = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            // The start-of-year plan (`piano/`) and last year's results (`anno_precedente/`) are
            // read apart, each as what it is: never as this year's results.
            let name = e.file_name().to_string_lossy();
            e.depth() == 0
                || !(name.starts_with('.')
                    || (e.depth() == 1
                        && (e.file_type().is_dir() || e.file_type().is_symlink())
                        && is_apart(&name)))
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| dir.to_path_buf());
                let msg = match e.loop_ancestor() {
                    Some(a) => format!(
                        "ciclo di collegamenti simbolici (rimanda a {}): togliere il collegamento",
                        a.display()
                    ),
                    None => format!(
                        "cartella o file non leggibile ({})",
                        e.io_error().map_or_else(|| e.to_string(), |io| io.to_string())
                    ),
                };
                diag.error(Location::file(&path), msg);
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_symlink() && entry.depth() > 0 {
            if is_workbook(path) || path.is_dir() {
                diag.error(Location::file(path), crate::error::LINK_REFUSED);
            }
            continue;
        }
        if entry.depth() == MAX_DEPTH && entry.file_type().is_dir() {
            diag.warn(
                Location::file(path),
                format!("cartella oltre {MAX_DEPTH} livelli di profondità: il suo contenuto non è letto"),
            );
            continue;
        }
        if !is_workbook(path) || entry.file_type().is_dir() {
            continue;
        }
        if !entry.file_type().is_file() {
            diag.error(
                Location::file(path),
                "non è un file normale (è una FIFO o un dispositivo): toglierlo dalla cartella dei dati",
            );
            continue;
        }
        let Some(name) = entry.file_name().to_str() else {
            diag.error(
                Location::file(path),
                "nome di file con caratteri non validi (non UTF-8): rinominare il file",
            );
            continue;
        };
        if name.starts_with("~$") {
            lock_files.push(path.to_path_buf());
            continue;
        }
        files.push(path.to_path_buf());
    }
    if let Some(first) = lock_files.first() {
        let others =
            if lock_files.len() > 1 { format!(" (e altri {})", lock_files.len() - 1) } else { String::new() };
        diag.warn(
            Location::file(first),
            format!("file di blocco di Office ignorato{others}: un file è aperto in Excel?"),
        );
    }
    files
}

/// Reads every workbook under `dir` into the report model.
///
/// `smvp` gives what reading needs from the SMVP: how to read a target without an operator.
pub fn ingest(dir: &Path, smvp: &crate::inputs::config::Smvp) -> Result<(Report, Vec<Problem>), Error> {
    let mut diag = Diagnostics::default();
    if !dir.is_dir() {
        return Err(Error::invalid(Location::file(dir), "la cartella dei dati non esiste"));
    }
    let mut report = Report::default();
    let mut seen: BTreeMap<SheetKind, Location> = BTreeMap::new();
    let mut contents: Vec<(PathBuf, Book)> = Vec::new();
    for path in discover(dir, &mut diag) {
        // Each file is read once: calamine and the styles reader work on these bytes, so a file
        // saved by a colleague while the run reads it cannot be seen half old, half new.
        let bytes: Book = match guard::preflight(&path) {
            Ok(b) => b.into(),
            Err(msg) => {
                diag.error(Location::file(&path), msg);
                continue;
            }
        };
        if let Some((first, _)) = contents.iter().find(|(_, b)| b[..] == bytes[..]) {
            diag.error(
                Location::file(&path),
                format!("è una copia identica di {}: tenere un solo file", first.display()),
            );
            continue;
        }
        contents.push((path.clone(), bytes.clone()));
        read_workbook(&path, bytes, smvp, &mut report, &mut seen, &mut diag);
    }
    if report.albero.is_none() {
        diag.error(
            Location::file(dir),
            "manca il report della performance organizzativa dell'Ente (intestazioni attese: Peso ambito, Ambito, Obiettivo strategico, ...)",
        );
    }
    check_unique_codes(&report, &mut diag);
    link(&mut report, &mut diag);
    diag.finish(report)
}

/// The start-of-year plan export in `piano/` under the data folder, read as the data are (its
/// errors are the run's); its warnings are not findings (a plan has targets and no values yet).
/// None without the folder; a link in its place is refused, as every link under the data is.
pub fn plan(dir: &Path, smvp: &crate::inputs::config::Smvp) -> Result<Option<(Report, PathBuf)>, Error> {
    let Some(folder) = plan_folder(dir) else { return Ok(None) };
    match std::fs::symlink_metadata(&folder) {
        Ok(m) if m.file_type().is_symlink() => {
            Err(Error::invalid(Location::file(&folder), crate::error::LINK_REFUSED))
        }
        Ok(m) if m.is_dir() => {
            let any = std::fs::read_dir(&folder)
                .map_err(|e| Error::io(&folder, e))?
                .flatten()
                .any(|e| is_workbook(&e.path()));
            if !any {
                return Err(Error::invalid(
                    Location::file(&folder),
                    "la cartella del piano di inizio anno non contiene report della piattaforma: metterci \
                     l'esportazione fatta all'adozione del PIAO, oppure toglierla",
                ));
            }
            ingest(&folder, smvp).map(|(report, _)| Some((report, folder)))
        }
        _ => Ok(None),
    }
}

/// The plan's folder directly under the data folder: `piano/`, in any case (`Piano/`).
fn plan_folder(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(is_plan_name))
        .map(|e| e.path())
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Whether a folder name is the plan's (`piano`, whatever its case).
fn is_plan_name(name: &str) -> bool {
    name.eq_ignore_ascii_case(crate::score::piano::DIR)
}

/// Whether a folder under the data folder is read apart from the data (the plan, last year's).
fn is_apart(name: &str) -> bool {
    is_plan_name(name) || name.eq_ignore_ascii_case(crate::inputs::precedente::DIR)
}

/// A workbook's bytes, shared by calamine and the styles reader.
pub type Book = std::sync::Arc<[u8]>;

/// Opens a workbook from its bytes, with the reader its extension names.
fn open(path: &Path, bytes: Book) -> Option<Sheets<Cursor<Book>>> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let data = Cursor::new(bytes);
    match ext.as_str() {
        "xlsx" | "xlsm" => Xlsx::new(data).ok().map(Sheets::Xlsx),
        "xls" => Xls::new(data).ok().map(Sheets::Xls),
        "ods" => Ods::new(data).ok().map(Sheets::Ods),
        _ => None,
    }
}

fn read_workbook(
    path: &Path,
    bytes: Book,
    smvp: &crate::inputs::config::Smvp,
    report: &mut Report,
    seen: &mut BTreeMap<SheetKind, Location>,
    diag: &mut Diagnostics,
) {
    let mut wb = match open(path, bytes.clone()) {
        Some(wb) => wb,
        None => {
            diag.error(
                Location::file(path),
                "il file è danneggiato o incompleto: non si apre come cartella di lavoro Excel/ODS",
            );
            return;
        }
    };
    let sheets = wb.sheets_metadata().to_vec();
    let mut recognised = Vec::new();
    let mut unknown: Vec<(Location, String)> = Vec::new();
    let mut empty = true;
    for meta in sheets {
        let sheet_loc =
            Location { file: path.to_path_buf(), sheet: Some(meta.name.clone()), cell: None, line: None };
        if let Sheets::Xlsx(x) = &mut wb
            && let Err(msg) = guard::xlsx_bounds(x, &meta.name)
        {
            diag.error(sheet_loc, msg);
            recognised.push("(troppo grande)");
            empty = false;
            continue;
        }
        let range = match wb.worksheet_range(&meta.name) {
            Ok(r) => r,
            Err(e) => {
                diag.error(sheet_loc, format!("foglio non leggibile ({e})"));
                continue;
            }
        };
        let mut sheet = Sheet::new(path, &meta.name, bytes.clone(), range);
        empty &= sheet.end_row() == 0;
        let Some((kind, header, cols)) = recognise(&sheet) else {
            if sheet.end_row() > 0 && near_miss(&sheet).is_none() {
                unknown.push((sheet.sheet_loc(), describe_unknown(&sheet)));
            }
            if let Some((kind, missing)) = near_miss(&sheet) {
                let list: Vec<String> = missing.iter().map(|m| format!("«{}»", capitalise(m))).collect();
                diag.error(
                    sheet_loc,
                    format!(
                        "riga di intestazione non trovata: il foglio sembra un {} ma mancano le colonne {}",
                        kind.label(),
                        list.join(", ")
                    ),
                );
                recognised.push("(intestazioni incomplete)");
            }
            continue;
        };
        if meta.visible != SheetVisible::Visible {
            diag.error(sheet_loc, "il foglio è nascosto: renderlo visibile o toglierlo dal file, così ciò che si legge è ciò che si vede");
            continue;
        }
        if !kind.repeatable() {
            if let Some(first) = seen.get(&kind) {
                diag.error(
                    sheet_loc,
                    format!("{} già letto da {first}: due file descrivono la stessa cosa", kind.label()),
                );
                continue;
            }
            seen.insert(kind, sheet_loc);
        }
        recognised.push(kind.label());
        guard::sheet(&mut wb, &mut sheet, header, diag);
        dispatch(kind, &sheet, header, &cols, smvp, report, diag);
    }
    if empty {
        diag.error(Location::file(path), "la cartella di lavoro è vuota: toglierla dalla cartella dei dati o sostituirla con l'esportazione completa");
    } else if recognised.is_empty() {
        diag.warn(Location::file(path), "nessun foglio con intestazioni riconosciute: file ignorato");
        for (loc, what) in unknown {
            diag.warn(loc, what);
        }
    }
    report.sources.push(Source { file: path.display().to_string(), kind: recognised.join("; ") });
}

fn dispatch(
    kind: SheetKind,
    sheet: &Sheet,
    header: usize,
    cols: &Columns,
    smvp: &crate::inputs::config::Smvp,
    report: &mut Report,
    diag: &mut Diagnostics,
) {
    match kind {
        SheetKind::Albero => {
            report.albero = Some(hierarchy::read(sheet, header, cols, &hierarchy::ALBERO, diag))
        }
        SheetKind::Unita => {
            report.unita = Some(hierarchy::read(sheet, header, cols, &hierarchy::UNITA, diag))
        }
        SheetKind::Piatto => report.albero = Some(flat::read(sheet, header, cols, smvp, diag)),
        SheetKind::Individuali => individuali::read(sheet, header, cols, report, diag),
        SheetKind::Tempestivita => individuali::read_tempestivita(sheet, header, cols, report, diag),
        SheetKind::Dimensioni => dimensioni::read(sheet, header, cols, report, diag),
        SheetKind::RisorseObiettivi => plain_tables::read_risorse(sheet, header, cols, false, report, diag),
        SheetKind::RisorseProgetti => plain_tables::read_risorse(sheet, header, cols, true, report, diag),
        SheetKind::RisorseAlbero => plain_tables::read_assorbimento(sheet, header, cols, report, diag),
        SheetKind::Pareto => plain_tables::read_pareto(sheet, header, cols, report, diag),
        SheetKind::Serie => plain_tables::read_serie(sheet, header, cols, report, diag),
        SheetKind::Bilancio => plain_tables::read_balance(sheet, header, cols, report, diag),
        SheetKind::Tabelle => tabelle_relazione::read(sheet, header, cols, report, diag),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// Objective codes are unique in the performance tree; an indicator code may appear under two
/// parents only with the same target and value (the same measure counted twice).
fn check_unique_codes(report: &Report, diag: &mut Diagnostics) {
    let Some(albero) = &report.albero else { return };
    let mut seen: BTreeMap<(bool, &str), &Node> = BTreeMap::new();
    albero.walk(&mut |n| {
        if matches!(n.level, Level::Ente | Level::Gruppo) {
            return;
        }
        let is_ind = n.level == Level::Indicatore;
        match seen.get(&(is_ind, n.code.as_str())) {
            None => {
                seen.insert((is_ind, &n.code), n);
            }
            Some(first) => {
                let same_measure = is_ind
                    && first.indicator.as_ref().map(|i| (&i.target_text, &i.actual_text))
                        == n.indicator.as_ref().map(|i| (&i.target_text, &i.actual_text));
                if !same_measure {
                    diag.error(
                        n.origin.clone(),
                        format!(
                            "codice «{}» ripetuto (già in {}){}",
                            n.code,
                            first.origin.cell.as_deref().unwrap_or("-"),
                            if is_ind { " con target o valore diversi" } else { "" }
                        ),
                    );
                }
            }
        }
    });
}

/// Joins every indicator of every tree with its KPI row (description, algorithm, measures,
/// Ministry marking) and recovers the unrounded value from the measures.
fn link(report: &mut Report, diag: &mut Diagnostics) {
    for k in report.kpi.values_mut() {
        k.indicator.target_ministeriale = k.target_ministeriale;
        resolve_value(&mut k.indicator, &k.origin, diag);
    }
    let kpi = std::mem::take(&mut report.kpi);
    let trees = [&mut report.albero, &mut report.unita, &mut report.individuali, &mut report.tempestivita];
    for tree in trees.into_iter().flatten() {
        link_node(tree, &kpi, diag);
    }
    report.kpi = kpi;
}

fn link_node(node: &mut Node, kpi: &BTreeMap<String, crate::model::Kpi>, diag: &mut Diagnostics) {
    for c in &mut node.children {
        link_node(c, kpi, diag);
    }
    let Some(ind) = node.indicator.as_deref_mut() else {
        return;
    };
    let by_code = kpi.get(&node.code);
    // The same measure under a second code: same name, same target, same displayed value.
    let by_measure = || {
        let mut same = kpi.values().filter(|k| {
            k.name == node.name && k.target == ind.target_text && k.consuntivo == ind.actual_text
        });
        match (same.next(), same.next()) {
            (Some(k), None) => Some(k),
            _ => None,
        }
    };
    if let Some(k) = by_code.or_else(by_measure) {
        ind.tipo = ind.tipo.take().or_else(|| k.tipo.clone());
        ind.descrizione = ind.descrizione.take().or_else(|| k.descrizione.clone());
        ind.algoritmo = ind.algoritmo.take().or_else(|| k.algoritmo.clone());
        ind.target_ministeriale |= k.target_ministeriale && k.target == ind.target_text;
        if ind.measures.is_none() && k.consuntivo == ind.actual_text {
            ind.measures = k.misure.clone();
        }
    }
    resolve_value(ind, &node.origin, diag);
}

/// Uses the measures' unrounded value when it rounds to the displayed actual: the platform scores
/// the unrounded value (`13,12 N.` is really 8.270 / 630,56 = 13,1153).
fn resolve_value(ind: &mut Indicator, origin: &Location, diag: &mut Diagnostics) {
    let Reading::Quantita { quantita: shown } = ind.actual else {
        return;
    };
    let Some(expr) = &ind.measures else { return };
    let m = match value::eval_measures(expr) {
        Ok(Some(m)) => m,
        Ok(None) => return,
        Err(e) => {
            diag.warn(origin.clone(), format!("valori misure non leggibili, si usa il valore mostrato: {e}"));
            return;
        }
    };
    let half = 0.5 * 10f64.powi(-(shown.decimals as i32)) + 1e-9;
    let candidates = if shown.unit == Unit::Percento { vec![m * 100.0, m] } else { vec![m] };
    if let Some(v) = candidates.into_iter().find(|c| (c - shown.value).abs() <= half) {
        ind.value = Some(v);
        ind.from_measures = v != shown.value;
    }
}
