//! `relazione confronta VECCHIA NUOVA`: what changed between two versions of a Relazione (the
//! draft the OIV examined and the version the Giunta approves), read from the `relazione.json`
//! each build publishes with its open data: every figure of every node (value, target, result,
//! class…), every node added or removed, every decision added, removed or changed, and every text
//! changed, section by section, with the words removed and added.
//!
//! Both documents are data from outside: bounded in size, read as JSON of a known format version,
//! and every string they hold goes to its sink through `escape` (the terminal, Typst, HTML).

use crate::error::{Error, Location, read_input};
use crate::value::format_number;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Largest `relazione.json` read (see `inputs::precedente`).
const MAX_BYTES: u64 = 64 << 20;

/// Above this many word pairs a text's changed middle is reported whole (removed, then added)
/// rather than aligned word by word: the alignment's cost is their product.
const MAX_ALIGN: usize = 4_000_000;

/// Words of unchanged text printed before a change, to find it.
const CONTEXT_WORDS: usize = 6;

/// Words of a run removed or added printed; the rest are counted (a rewritten chapter is a change
/// to read in the two versions, not a list of its words).
const SHOWN_WORDS: usize = 150;

/// Rows of changed figures and changes of texts listed in the PDF: beyond these the PDF says how
/// many more there are and the HTML file and the terminal list them all (a document that would
/// take minutes to set is no filing copy).
const PDF_ITEMS: usize = 1000;

/// One version: its file and the document read from it.
pub struct Versione {
    pub file: PathBuf,
    /// The build's output folder it is in, if it is in one: nothing is written there (the next
    /// build replaces it whole).
    pub dir: Option<PathBuf>,
    doc: Value,
}

/// The version's `relazione.json`: the file itself, or in a build's output folder
/// `opendata/relazione.json` (else `relazione.json` directly in the folder).
pub fn load(path: &Path) -> Result<Versione, Error> {
    let file = if path.is_dir() {
        let inside = path.join(crate::outputs::opendata::DIR).join(crate::outputs::opendata::JSON);
        if inside.is_file() { inside } else { path.join(crate::outputs::opendata::JSON) }
    } else {
        path.to_path_buf()
    };
    if !file.exists() {
        return Err(Error::invalid(
            Location::file(&file),
            "non esiste: indicare la cartella di uscita di una build (con opendata/relazione.json) o un relazione.json",
        ));
    }
    let root = file.parent().unwrap_or(Path::new(""));
    let bytes = read_input(root, &file, MAX_BYTES)?;
    let refuse = |msg: String| Error::invalid(Location::file(&file), msg);
    let bytes = bytes.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(&bytes);
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
        refuse(format!("non è un relazione.json leggibile (riga {}, colonna {})", e.line(), e.column()))
    })?;
    crate::inputs::precedente::version(doc.get("versione").and_then(Value::as_u64)).map_err(refuse)?;
    if !doc.get("albero").is_some_and(Value::is_object) {
        return Err(refuse("non contiene l'albero della performance («albero»)".into()));
    }
    let mut count = 0;
    for tree in TREES {
        let mut ids = std::collections::BTreeSet::new();
        for (id, _, _) in nodes(doc.get(*tree)) {
            count += 1;
            if !ids.insert(id) {
                let id: String = id.chars().take(80).collect();
                return Err(refuse(format!(
                    "l'identificativo «{id}» compare due volte in «{tree}»: il file è stato modificato"
                )));
            }
        }
    }
    if count > crate::inputs::precedente::MAX_NODES {
        return Err(refuse(format!(
            "ha {} elementi, più dei {} di qualunque Relazione",
            format_number(count as f64, 0),
            format_number(crate::inputs::precedente::MAX_NODES as f64, 0)
        )));
    }
    let dir = if path.is_dir() {
        Some(path.to_path_buf())
    } else {
        root.parent()
            .filter(|_| root.file_name().is_some_and(|n| n == crate::outputs::opendata::DIR))
            .map(Path::to_path_buf)
    };
    Ok(Versione { file, dir, doc })
}

/// What a version is, as the comparison's heading says it.
#[derive(Debug, Clone, Serialize)]
pub struct VersioneView {
    pub file: String,
    pub ente: String,
    pub anno: String,
    /// The inputs' fingerprint (`sha256`), where the version records it (format 3 on).
    pub impronta: Option<String>,
    /// The document's date, `gg/mm/aaaa`, where recorded.
    pub data: Option<String>,
}

/// A field of a node that changed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Campo {
    pub campo: &'static str,
    pub prima: String,
    pub dopo: String,
}

/// A node (or an Ente figure) that changed, was added or was removed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodoCambiato {
    /// `Indicatore 301.S0 – Fatturato export provinciale`.
    pub dove: String,
    /// `modificato`, `aggiunto`, `tolto`.
    pub cambiamento: &'static str,
    pub campi: Vec<Campo>,
}

/// A decision added, removed or changed on a node.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DecisioneCambiata {
    pub dove: String,
    /// `aggiunta`, `tolta`, `cambiata`.
    pub cambiamento: &'static str,
    pub prima: String,
    pub dopo: String,
}

/// One place where a text changed: the words before it, and the words removed and added there.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Modifica {
    pub dopo_le_parole: String,
    /// The words removed (the first [`SHOWN_WORDS`], then how many more).
    pub tolte: String,
    pub aggiunte: String,
    pub parole_tolte: usize,
    pub parole_aggiunte: usize,
}

/// A text that changed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TestoCambiato {
    /// `3. Rendicontazione della performance organizzativa`, `Scostamento di 701.S1`.
    pub sezione: String,
    /// `modificato`, `aggiunto`, `tolto`.
    pub cambiamento: &'static str,
    pub modifiche: Vec<Modifica>,
    pub parole_tolte: usize,
    pub parole_aggiunte: usize,
    /// A changed stretch was too long to align word by word: it is given as removed and added
    /// whole (the words are right; the places are coarser).
    pub per_intero: bool,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Confronto {
    pub vecchia: VersioneView,
    pub nuova: VersioneView,
    /// The two versions are of different Enti or years: said first, the comparison still made.
    pub avvertenze: Vec<String>,
    pub nodi: Vec<NodoCambiato>,
    pub decisioni: Vec<DecisioneCambiata>,
    pub testi: Vec<TestoCambiato>,
    /// Whether either version lacks its texts (format 2): text changes cannot be told.
    pub testi_mancanti: Vec<String>,
    /// The date of the comparison, `gg/mm/aaaa`.
    pub data: String,
    /// How many nodes, decisions and texts changed (the lists of a copy may be shorter).
    pub numero_nodi: usize,
    pub numero_decisioni: usize,
    pub numero_testi: usize,
    /// Changes not listed in this copy (the PDF's, see [`PDF_ITEMS`]), `1.250`; empty where all are.
    pub omessi: String,
}

impl Confronto {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.nodi.is_empty() && self.decisioni.is_empty() && self.testi.is_empty()
    }
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => if *b { "sì" } else { "no" }.into(),
        _ => String::new(),
    }
}

fn view_of(v: &Versione) -> VersioneView {
    let d = &v.doc;
    VersioneView {
        file: v.file.display().to_string(),
        ente: text_of(d.pointer("/ente/nome")),
        anno: text_of(d.get("anno")),
        impronta: d.pointer("/impronta/sha256").and_then(Value::as_str).map(str::to_string),
        data: d
            .get("data_documento")
            .and_then(Value::as_str)
            .and_then(|t| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
            .map(crate::value::format_date),
    }
}

/// How a field is printed.
#[derive(Clone, Copy)]
enum Kind {
    /// Percentage points.
    Points,
    /// A fraction printed as a percentage (the Ente figures of `riepilogo`).
    Fraction,
    Number,
    Text,
}

/// The fields compared on every node (`indicatore.*` inside its indicator), with their labels.
const FIELDS: &[(&str, &str, Kind)] = &[
    ("nome", "denominazione", Kind::Text),
    ("peso", "peso", Kind::Points),
    ("peso_effettivo", "peso effettivo", Kind::Points),
    ("risultato", "risultato", Kind::Points),
    ("classe", "classe", Kind::Text),
    ("valutazione", "valutazione", Kind::Text),
    ("valutazione_oiv", "valutazione dell'OIV", Kind::Text),
    ("target_obiettivo", "target dell'obiettivo", Kind::Points),
    ("raggiungimento", "raggiungimento", Kind::Points),
    ("indicatore/target", "target", Kind::Text),
    ("indicatore/consuntivo", "consuntivo", Kind::Text),
    ("indicatore/valore", "valore", Kind::Number),
    ("indicatore/unita", "unità di misura", Kind::Text),
    ("indicatore/rapporto", "grado (consuntivo su target)", Kind::Points),
    ("indicatore/scostamento", "scostamento", Kind::Number),
    ("indicatore/misure", "misure", Kind::Text),
    ("indicatore/algoritmo", "algoritmo", Kind::Text),
    ("indicatore/fonte", "fonte", Kind::Text),
];

/// Two values of a field as printed: numbers with as many decimals as tell them apart.
fn pair(a: Option<&Value>, b: Option<&Value>, kind: Kind) -> Option<(String, String)> {
    let a = a.filter(|v| !v.is_null());
    let b = b.filter(|v| !v.is_null());
    if a == b {
        return None;
    }
    let num = |v: Option<&Value>, decimals: u8| -> String {
        match v {
            None => "–".into(),
            Some(Value::Number(n)) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                if !x.is_finite() || x.abs() > 1e15 {
                    return "fuori scala".into();
                }
                match kind {
                    Kind::Points => format!("{}\u{a0}%", format_number(x, decimals)),
                    Kind::Fraction => format!("{}\u{a0}%", format_number(x * 100.0, decimals)),
                    _ => format_number(x, decimals),
                }
            }
            Some(other) => text_of(Some(other)),
        }
    };
    Some(match kind {
        Kind::Text => {
            let t =
                |v: Option<&Value>| Some(text_of(v)).filter(|s| !s.is_empty()).unwrap_or_else(|| "–".into());
            (t(a), t(b))
        }
        _ => {
            let mut decimals = 2;
            while decimals < 9 && num(a, decimals) == num(b, decimals) {
                decimals += 1;
            }
            (num(a, decimals), num(b, decimals))
        }
    })
}

fn field<'a>(node: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('/').try_fold(node, |v, k| v.get(k))
}

/// Every node of a tree by identifier, depth first, with its parent.
fn nodes(tree: Option<&Value>) -> Vec<(&str, &Value, Option<&Value>)> {
    let mut out = Vec::new();
    // An explicit stack: a hostile document's depth is bounded by the JSON reader, never by ours.
    let mut stack: Vec<(&Value, Option<&Value>)> = tree.into_iter().map(|t| (t, None)).collect();
    while let Some((n, parent)) = stack.pop() {
        if let Some(id) = n.get("id").and_then(Value::as_str) {
            out.push((id, n, parent));
        }
        if let Some(children) = n.get("figli").and_then(Value::as_array) {
            stack.extend(children.iter().rev().map(|c| (c, Some(n))));
        }
    }
    out
}

/// `Indicatore 301.S0 – Fatturato export provinciale`; a group with its objective (`Gruppo
/// Indicatori di 301`); outside the performance tree, with its tree (`Unità organizzative: …`).
fn where_of(n: &Value, parent: Option<&Value>, tree: &str) -> String {
    let place = node_words(n);
    let place = match (n.get("livello").and_then(Value::as_str), parent) {
        (Some("gruppo"), Some(p)) => format!("{place} di {}", text_of(p.get("codice"))),
        _ => place,
    };
    match tree {
        "unita_organizzative" => format!("Unità organizzative: {place}"),
        "tempestivita_pagamenti" => format!("Tempestività dei pagamenti: {place}"),
        "obiettivi_individuali" => format!("Obiettivi individuali: {place}"),
        _ => place,
    }
}

/// A node's level, code and name.
fn node_words(n: &Value) -> String {
    let level = n
        .get("livello")
        .and_then(Value::as_str)
        .and_then(crate::model::Level::from_id)
        .map(|l| {
            let label = l.label();
            let mut c = label.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .unwrap_or_else(|| "Elemento".into());
    let code = text_of(n.get("codice"));
    let name = text_of(n.get("nome"));
    match (code.is_empty() || code == name || level == "Ente", name.is_empty()) {
        (true, _) => format!("{level} {name}"),
        (false, true) => format!("{level} {code}"),
        (false, false) => format!("{level} {code} – {name}"),
    }
}

/// A decision (`{tipo, esito, motivazione, organo, …}`) in words.
fn decision_words(d: &Value) -> String {
    if d.is_null() {
        return "–".into();
    }
    let organo = match text_of(d.get("organo")).as_str() {
        "oiv" => "OIV",
        "giunta" => "Giunta",
        "segretario_generale" => "Segretario generale",
        "ufficio" => "ufficio",
        _ => "",
    };
    let what = match text_of(d.get("tipo")).as_str() {
        "sostituzione" => "risultato sostituito".to_string(),
        "esclusione" => format!("escluso ({})", text_of(d.get("esito"))),
        other => other.to_string(),
    };
    let why = text_of(d.get("motivazione"));
    let by = if organo.is_empty() { String::new() } else { format!(" ({organo})") };
    if why.is_empty() { format!("{what}{by}") } else { format!("{what}{by}: {why}") }
}

const TREES: &[&str] = &["albero", "unita_organizzative", "tempestivita_pagamenti", "obiettivi_individuali"];

fn compare_trees(
    old: &Value,
    new: &Value,
    nodi: &mut Vec<NodoCambiato>,
    decisioni: &mut Vec<DecisioneCambiata>,
) {
    for tree in TREES {
        let before = nodes(old.get(*tree));
        let after = nodes(new.get(*tree));
        let before_by_id: BTreeMap<&str, &Value> = before.iter().map(|(id, n, _)| (*id, *n)).collect();
        let after_by_id: BTreeMap<&str, &Value> = after.iter().map(|(id, n, _)| (*id, *n)).collect();
        for (id, n, parent) in &after {
            let dove = || where_of(n, *parent, tree);
            let Some(o) = before_by_id.get(id) else {
                nodi.push(NodoCambiato { dove: dove(), cambiamento: "aggiunto", campi: Vec::new() });
                continue;
            };
            let campi: Vec<Campo> = FIELDS
                .iter()
                .filter_map(|(path, label, kind)| {
                    pair(field(o, path), field(n, path), *kind).map(|(prima, dopo)| Campo {
                        campo: label,
                        prima,
                        dopo,
                    })
                })
                .collect();
            if !campi.is_empty() {
                nodi.push(NodoCambiato { dove: dove(), cambiamento: "modificato", campi });
            }
            let (d0, d1) =
                (o.get("decisione").unwrap_or(&Value::Null), n.get("decisione").unwrap_or(&Value::Null));
            if d0 != d1 {
                decisioni.push(DecisioneCambiata {
                    dove: dove(),
                    cambiamento: match (d0.is_null(), d1.is_null()) {
                        (true, _) => "aggiunta",
                        (_, true) => "tolta",
                        _ => "cambiata",
                    },
                    prima: decision_words(d0),
                    dopo: decision_words(d1),
                });
            }
        }
        for (id, o, parent) in &before {
            if !after_by_id.contains_key(id) {
                let dove = where_of(o, *parent, tree);
                nodi.push(NodoCambiato { dove: dove.clone(), cambiamento: "tolto", campi: Vec::new() });
                if o.get("decisione").is_some_and(|d| !d.is_null()) {
                    decisioni.push(DecisioneCambiata {
                        dove,
                        cambiamento: "tolta",
                        prima: decision_words(&o["decisione"]),
                        dopo: "–".into(),
                    });
                }
            }
        }
    }
}

/// The Ente's figures other than the official one (which is the tree's root), by label.
fn compare_figures(old: &Value, new: &Value, nodi: &mut Vec<NodoCambiato>) {
    let figures = |d: &Value| -> BTreeMap<String, Value> {
        d.pointer("/riepilogo/figure_ente")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .skip(1)
                    .map(|f| {
                        (text_of(f.get("etichetta")), f.get("risultato").cloned().unwrap_or(Value::Null))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (before, after) = (figures(old), figures(new));
    let labels: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for label in labels {
        if let Some((prima, dopo)) = pair(before.get(label), after.get(label), Kind::Fraction) {
            nodi.push(NodoCambiato {
                dove: format!("Ente: {label}"),
                cambiamento: "modificato",
                campi: vec![Campo { campo: "risultato", prima, dopo }],
            });
        }
    }
}

/// The texts of a version by section: (key, title, text).
fn texts(d: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for s in d.pointer("/testi/sezioni").and_then(Value::as_array).into_iter().flatten() {
        out.push((
            format!("sezione:{}", text_of(s.get("chiave"))),
            text_of(s.get("sezione")),
            text_of(s.get("testo")),
        ));
    }
    for s in d.pointer("/testi/scostamenti").and_then(Value::as_array).into_iter().flatten() {
        let code = text_of(s.get("codice"));
        let mut text = text_of(s.get("testo"));
        for (label, key) in
            [("Causa", "causa"), ("Dipendenza", "dipendenza"), ("Azioni correttive", "azioni")]
        {
            let v = text_of(s.get(key));
            if !v.is_empty() {
                text.push_str(&format!("\n{label}: {v}"));
            }
        }
        out.push((format!("scostamento:{code}"), format!("Scostamento di {code}"), text));
    }
    out
}

fn compare_texts(old: &Value, new: &Value) -> Vec<TestoCambiato> {
    let (before, after) = (texts(old), texts(new));
    let before_by: BTreeMap<&str, (&str, &str)> =
        before.iter().map(|(k, t, x)| (k.as_str(), (t.as_str(), x.as_str()))).collect();
    let after_keys: std::collections::BTreeSet<&str> = after.iter().map(|(k, _, _)| k.as_str()).collect();
    let mut out = Vec::new();
    for (key, title, text) in &after {
        let old_text = before_by.get(key.as_str()).map(|(_, x)| *x);
        let (changes, per_intero) = diff(old_text.unwrap_or(""), text);
        if changes.is_empty() && old_text.is_some() {
            continue;
        }
        out.push(TestoCambiato {
            sezione: title.clone(),
            cambiamento: if old_text.is_some() { "modificato" } else { "aggiunto" },
            parole_tolte: changes.iter().map(|m| m.parole_tolte).sum(),
            parole_aggiunte: changes.iter().map(|m| m.parole_aggiunte).sum(),
            modifiche: changes,
            per_intero,
        });
    }
    for (key, title, text) in &before {
        if !after_keys.contains(key.as_str()) {
            let changes = words_diff(text, "");
            out.push(TestoCambiato {
                sezione: title.clone(),
                cambiamento: "tolto",
                parole_tolte: text.split_whitespace().count(),
                parole_aggiunte: 0,
                modifiche: changes,
                per_intero: false,
            });
        }
    }
    out
}

/// The changes from `a` to `b`, word by word: each run of removed and added words with the words
/// before it. Whitespace alone is no change.
pub fn words_diff(a: &str, b: &str) -> Vec<Modifica> {
    diff(a, b).0
}

/// The operations from `a` to `b`, word by word, and whether some changed stretch was too long to
/// align and is given as removed and added whole. Paragraphs are aligned first, then the words of
/// each run of changed paragraphs: a long text with a few words changed costs its paragraphs'
/// alignment, not its words'.
fn ops<'a>(a: &'a str, b: &'a str) -> (Vec<Op<&'a str>>, bool) {
    let blocks = |t: &'a str| -> Vec<Vec<&'a str>> {
        t.split("\n\n").map(|p| p.split_whitespace().collect::<Vec<_>>()).filter(|w| !w.is_empty()).collect()
    };
    let (pa, pb) = (blocks(a), blocks(b));
    let (xa, xb): (Vec<&[&str]>, Vec<&[&str]>) =
        (pa.iter().map(Vec::as_slice).collect(), pb.iter().map(Vec::as_slice).collect());
    let (block_ops, mut rough) = trimmed(&xa, &xb);
    let mut out = Vec::new();
    let (mut removed, mut added): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    let mut run = |removed: &mut Vec<&'a str>, added: &mut Vec<&'a str>, out: &mut Vec<Op<&'a str>>| {
        let (word_ops, r) = trimmed(removed, added);
        rough |= r;
        out.extend(word_ops);
        removed.clear();
        added.clear();
    };
    for op in block_ops {
        match op {
            Op::Keep(p) => {
                run(&mut removed, &mut added, &mut out);
                out.extend(p.iter().map(|w| Op::Keep(*w)));
            }
            Op::Remove(p) => removed.extend_from_slice(p),
            Op::Add(p) => added.extend_from_slice(p),
        }
    }
    run(&mut removed, &mut added, &mut out);
    (out, rough)
}

/// The alignment of two sequences: their common prefix and suffix kept, the middle aligned (or,
/// over [`MAX_ALIGN`] pairs, removed and added whole, which the flag says).
fn trimmed<T: PartialEq + Copy>(x: &[T], y: &[T]) -> (Vec<Op<T>>, bool) {
    let prefix = x.iter().zip(y).take_while(|(p, q)| p == q).count();
    let suffix = x[prefix..].iter().rev().zip(y[prefix..].iter().rev()).take_while(|(p, q)| p == q).count();
    let (xm, ym) = (&x[prefix..x.len() - suffix], &y[prefix..y.len() - suffix]);
    let rough = xm.len().saturating_mul(ym.len()) > MAX_ALIGN;
    let middle = if rough { whole(xm, ym) } else { align(xm, ym) };
    let mut out: Vec<Op<T>> = x[..prefix].iter().map(|w| Op::Keep(*w)).collect();
    out.extend(middle);
    out.extend(x[x.len() - suffix..].iter().map(|w| Op::Keep(*w)));
    (out, rough)
}

/// [`words_diff`], and whether a stretch was given whole.
fn diff(a: &str, b: &str) -> (Vec<Modifica>, bool) {
    let (ops, rough) = ops(a, b);
    let mut out = Vec::new();
    let mut kept: Vec<&str> = Vec::new();
    let (mut removed, mut added): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    let mut context: Vec<&str> = Vec::new();
    let shown = |words: &[&str]| {
        let mut s = words[..words.len().min(SHOWN_WORDS)].join(" ");
        if words.len() > SHOWN_WORDS {
            s.push_str(&format!(" … (e altre {} parole)", words.len() - SHOWN_WORDS));
        }
        s
    };
    let flush =
        |removed: &mut Vec<&str>, added: &mut Vec<&str>, context: &[&str], out: &mut Vec<Modifica>| {
            if !removed.is_empty() || !added.is_empty() {
                out.push(Modifica {
                    dopo_le_parole: context.join(" "),
                    tolte: shown(removed),
                    aggiunte: shown(added),
                    parole_tolte: removed.len(),
                    parole_aggiunte: added.len(),
                });
                removed.clear();
                added.clear();
            }
        };
    for op in ops {
        match op {
            Op::Keep(w) => {
                flush(&mut removed, &mut added, &context, &mut out);
                kept.push(w);
            }
            Op::Remove(w) | Op::Add(w) if removed.is_empty() && added.is_empty() => {
                context = kept[kept.len().saturating_sub(CONTEXT_WORDS)..].to_vec();
                if matches!(op, Op::Remove(_)) { removed.push(w) } else { added.push(w) }
            }
            Op::Remove(w) => removed.push(w),
            Op::Add(w) => added.push(w),
        }
    }
    flush(&mut removed, &mut added, &context, &mut out);
    (out, rough)
}

#[derive(Clone, Copy)]
enum Op<T> {
    Keep(T),
    Remove(T),
    Add(T),
}

/// The longest common subsequence's alignment (dynamic programming on the trimmed middle).
fn align<T: PartialEq + Copy>(x: &[T], y: &[T]) -> Vec<Op<T>> {
    let (n, m) = (x.len(), y.len());
    let mut l = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            l[at(i, j)] =
                if x[i] == y[j] { l[at(i + 1, j + 1)] + 1 } else { l[at(i + 1, j)].max(l[at(i, j + 1)]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && x[i] == y[j] {
            ops.push(Op::Keep(x[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || l[at(i, j + 1)] >= l[at(i + 1, j)]) {
            ops.push(Op::Add(y[j]));
            j += 1;
        } else {
            ops.push(Op::Remove(x[i]));
            i += 1;
        }
    }
    // Removals first within a run, as a reader reads a replacement.
    let mut out = Vec::with_capacity(ops.len());
    let mut run: (Vec<Op<T>>, Vec<Op<T>>) = (Vec::new(), Vec::new());
    for op in ops {
        match op {
            Op::Keep(_) => {
                out.append(&mut run.0);
                out.append(&mut run.1);
                out.push(op);
            }
            Op::Remove(_) => run.0.push(op),
            Op::Add(_) => run.1.push(op),
        }
    }
    out.append(&mut run.0);
    out.append(&mut run.1);
    out
}

/// A middle too long to align: removed whole, then added whole.
fn whole<T: Copy>(x: &[T], y: &[T]) -> Vec<Op<T>> {
    x.iter().map(|w| Op::Remove(*w)).chain(y.iter().map(|w| Op::Add(*w))).collect()
}

/// Compares two versions.
pub fn compare(old: &Versione, new: &Versione, date: chrono::NaiveDate) -> Confronto {
    let (vecchia, nuova) = (view_of(old), view_of(new));
    let mut avvertenze = Vec::new();
    if crate::value::normalize(&vecchia.ente) != crate::value::normalize(&nuova.ente) {
        avvertenze
            .push(format!("le due versioni sono di Enti diversi («{}» e «{}»)", vecchia.ente, nuova.ente));
    }
    if vecchia.anno != nuova.anno {
        avvertenze.push(format!("le due versioni sono di anni diversi ({} e {})", vecchia.anno, nuova.anno));
    }
    let mut nodi = Vec::new();
    let mut decisioni = Vec::new();
    compare_trees(&old.doc, &new.doc, &mut nodi, &mut decisioni);
    compare_figures(&old.doc, &new.doc, &mut nodi);
    let testi_mancanti: Vec<String> = [(&vecchia, &old.doc), (&nuova, &new.doc)]
        .into_iter()
        .filter(|(_, d)| d.get("testi").is_none())
        .map(|(v, _)| v.file.clone())
        .collect();
    Confronto {
        testi: compare_texts(&old.doc, &new.doc),
        vecchia,
        nuova,
        avvertenze,
        nodi,
        decisioni,
        testi_mancanti,
        data: crate::value::format_date(date),
        numero_nodi: 0,
        numero_decisioni: 0,
        numero_testi: 0,
        omessi: String::new(),
    }
    .counted()
}

impl Confronto {
    fn counted(mut self) -> Confronto {
        (self.numero_nodi, self.numero_decisioni, self.numero_testi) =
            (self.nodi.len(), self.decisioni.len(), self.testi.len());
        self
    }
}

/// The comparison as the PDF lists it: at most [`PDF_ITEMS`] nodes and text changes, the rest
/// counted.
fn for_pdf(c: &Confronto) -> Confronto {
    let mut short = c.clone();
    let mut budget = PDF_ITEMS;
    let mut omessi = 0;
    // A node takes a row per changed field.
    let rows = |n: &NodoCambiato| n.campi.len().max(1);
    let fit = short.nodi.iter().scan(0, |used, n| {
        *used += rows(n);
        Some(*used)
    });
    let keep = fit.take_while(|used| *used <= budget).count();
    omessi += short.nodi[keep..].iter().map(rows).sum::<usize>();
    budget -= short.nodi[..keep].iter().map(rows).sum::<usize>();
    short.nodi.truncate(keep);
    for t in &mut short.testi {
        let keep = t.modifiche.len().min(budget);
        omessi += t.modifiche.len() - keep;
        t.modifiche.truncate(keep);
        budget -= keep;
    }
    short.omessi = if omessi == 0 { String::new() } else { format_number(omessi as f64, 0) };
    short
}

/// `1 parola`, `3 parole`.
fn words(n: usize) -> String {
    if n == 1 { "1 parola".into() } else { format!("{} parole", format_number(n as f64, 0)) }
}

/// The comparison as the terminal prints it, one line per item (a line break inside a version's
/// text is a space: a text cannot forge a line of the report); each line is escaped by the
/// caller's terminal sink.
pub fn lines(c: &Confronto) -> Vec<String> {
    report_lines(c)
        .into_iter()
        .map(|l| l.replace(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'], " "))
        .collect()
}

fn report_lines(c: &Confronto) -> Vec<String> {
    let version = |label: &str, v: &VersioneView| {
        let mut s = format!("{label}: {} (Relazione {} – {})", v.file, v.anno, v.ente);
        if let Some(d) = &v.data {
            s.push_str(&format!(", del {d}"));
        }
        if let Some(h) = &v.impronta {
            s.push_str(&format!(", impronta {}", &h[..h.len().min(16)]));
        }
        s
    };
    let mut out = vec![version("Versione precedente", &c.vecchia), version("Versione nuova", &c.nuova)];
    for a in &c.avvertenze {
        out.push(format!("Attenzione: {a}."));
    }
    for f in &c.testi_mancanti {
        out.push(format!(
            "Attenzione: {f} non contiene i testi (formato precedente): i testi non sono confrontati."
        ));
    }
    if c.is_empty() {
        out.push("Nessuna differenza: valori, decisioni e testi coincidono.".into());
        return out;
    }
    out.push(format!("Valori ed elementi cambiati: {}", c.nodi.len()));
    for n in &c.nodi {
        match n.cambiamento {
            "modificato" => {
                out.push(format!("  {}:", n.dove));
                for f in &n.campi {
                    out.push(format!("    {}: {} → {}", f.campo, f.prima, f.dopo));
                }
            }
            other => out.push(format!("  {}: {other}", n.dove)),
        }
    }
    out.push(format!("Decisioni cambiate: {}", c.decisioni.len()));
    for d in &c.decisioni {
        out.push(format!("  {}: decisione {} ({} → {})", d.dove, d.cambiamento, d.prima, d.dopo));
    }
    out.push(format!("Testi cambiati: {}", c.testi.len()));
    for t in &c.testi {
        out.push(format!(
            "  {} ({}: {} tolte, {} aggiunte)",
            t.sezione,
            t.cambiamento,
            words(t.parole_tolte),
            words(t.parole_aggiunte)
        ));
        if t.per_intero {
            out.push("    (un tratto riscritto è troppo lungo per il confronto parola per parola: è dato per intero)".into());
        }
        for m in &t.modifiche {
            let at = if m.dopo_le_parole.is_empty() {
                "all'inizio".to_string()
            } else {
                format!("dopo «…{}»", m.dopo_le_parole)
            };
            let mut what = Vec::new();
            if !m.tolte.is_empty() {
                what.push(format!("tolto «{}»", m.tolte));
            }
            if !m.aggiunte.is_empty() {
                what.push(format!("aggiunto «{}»", m.aggiunte));
            }
            out.push(format!("    {at}: {}", what.join(", ")));
        }
    }
    out
}

/// The comparison's files go in `out`, which must be a folder and not inside the output folder
/// of a build compared (the next build replaces it whole).
pub fn check_out(out: &Path, versions: &[&Versione]) -> Result<(), Error> {
    if out.exists() && !out.is_dir() {
        return Err(Error::invalid(
            Location::file(out),
            "non è una cartella: indicare con --out una cartella",
        ));
    }
    let abs = |p: &Path| p.canonicalize().ok();
    let target =
        abs(out).or_else(|| out.parent().and_then(abs).map(|p| p.join(out.file_name().unwrap_or_default())));
    for dir in versions.iter().filter_map(|v| v.dir.as_ref()) {
        if let (Some(t), Some(d)) = (&target, abs(dir))
            && t.starts_with(&d)
        {
            return Err(Error::invalid(
                Location::file(out),
                format!(
                    "è dentro la cartella di uscita di una build confrontata ({}), che la build successiva sostituisce: \
                     scegliere con --out un'altra cartella",
                    dir.display()
                ),
            ));
        }
    }
    Ok(())
}

/// `Confronto_<aaaa-mm-gg>`: the name of the comparison's files, from its date.
pub fn file_stem(date: chrono::NaiveDate) -> String {
    format!("Confronto_{}", date.format("%Y-%m-%d"))
}

/// Writes the comparison as `Confronto_<data>.pdf` (PDF/A-2b and PDF/UA-1, like every document
/// the OIV files) and `Confronto_<data>.html` in `dir`, each whole or not at all.
pub fn write(
    c: &Confronto,
    dir: &Path,
    date: chrono::NaiveDate,
    on_overrun: Option<fn(&str)>,
) -> Result<Vec<PathBuf>, Error> {
    use crate::outputs::pdf::typeset::{Cause, Limits, typeset};
    use minijinja::value::Serde;
    let stem = file_stem(date);
    let context = |c: &Confronto| {
        minijinja::context! {
            ente => minijinja::context! { nome => c.nuova.ente.clone() },
            anno => c.nuova.anno.clone(),
            classi => Vec::<String>::new(),
            bozza => Vec::<String>::new(),
            c => Serde(c.clone()),
        }
    };
    let short = for_pdf(c);
    let source =
        crate::outputs::pdf::render::render_data(context(&short), crate::outputs::pdf::render::CONFRONTO)?;
    let source = crate::outputs::pdf::parti::whole(&source, &format!("{stem}.pdf"));
    let size = short.nodi.len() + short.testi.iter().map(|t| t.modifiche.len()).sum::<usize>();
    let limits = Limits { on_overrun, ..Limits::for_nodes(size, Cause::Inputs) };
    let pdf = typeset(&source, BTreeMap::new(), date, limits)?.pdf;
    let html = crate::outputs::sito::standalone_page(context(c), "confronto.html.j2")?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    // A second comparison on the same day is filed beside the first, never over it.
    let free = |n: usize| {
        let stem = if n == 1 { stem.clone() } else { format!("{stem}_{n}") };
        let both = [format!("{stem}.pdf"), format!("{stem}.html")];
        (!both.iter().any(|f| dir.join(f).exists())).then_some(both)
    };
    let [pdf_name, html_name] = (1..10_000).find_map(free).ok_or_else(|| {
        Error::invalid(Location::file(dir), "troppi confronti con la stessa data in questa cartella")
    })?;
    let mut written = Vec::new();
    for (name, bytes) in [(pdf_name, pdf), (html_name, html.into_bytes())] {
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.parziale"));
        std::fs::write(&tmp, &bytes).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_removed_and_added_are_told_with_the_words_before_them() {
        let d = words_diff(
            "Il progetto è stato avviato a marzo e concluso.",
            "Il progetto è stato avviato a maggio e concluso.",
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].tolte, "marzo");
        assert_eq!(d[0].aggiunte, "maggio");
        assert_eq!(d[0].dopo_le_parole, "Il progetto è stato avviato a");
        assert!(words_diff("a  b\nc", "a b c").is_empty(), "whitespace alone is no change");
        let two = words_diff("uno due tre quattro cinque", "uno DUE tre quattro cinque sei");
        assert_eq!(two.len(), 2);
        assert_eq!((two[0].tolte.as_str(), two[0].aggiunte.as_str()), ("due", "DUE"));
        assert_eq!((two[1].tolte.as_str(), two[1].aggiunte.as_str()), ("", "sei"));
    }

    #[test]
    fn a_middle_too_long_to_align_is_removed_and_added_whole() {
        let a: String = (0..3000).map(|i| format!("a{i} ")).collect();
        let b: String = (0..3000).map(|i| format!("b{i} ")).collect();
        let d = words_diff(&format!("inizio {a} fine"), &format!("inizio {b} fine"));
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].parole_tolte, d[0].parole_aggiunte), (3000, 3000));
        assert!(
            d[0].tolte.starts_with("a0 a1 ") && d[0].tolte.ends_with("a149 … (e altre 2850 parole)"),
            "{}",
            d[0].tolte
        );
    }

    #[test]
    fn a_long_text_with_a_few_words_changed_is_aligned_paragraph_by_paragraph_then_word_by_word() {
        // 200 paragraphs of 150 words (30.000 words); one word changed in each of 10 of them.
        let para = |p: usize, changed: bool| -> String {
            (0..150)
                .map(|w| if changed && w == 70 { format!("nuova{p}") } else { format!("p{p}w{w}") })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let a: Vec<String> = (0..200).map(|p| para(p, false)).collect();
        let b: Vec<String> = (0..200).map(|p| para(p, p % 20 == 3)).collect();
        let (d, rough) = diff(&a.join("\n\n"), &b.join("\n\n"));
        assert!(!rough);
        assert_eq!(d.len(), 10);
        assert_eq!((d[0].tolte.as_str(), d[0].aggiunte.as_str()), ("p3w70", "nuova3"));
        assert!(d[0].dopo_le_parole.ends_with("p3w69"), "{}", d[0].dopo_le_parole);
    }

    #[test]
    fn numbers_are_printed_with_the_decimals_that_tell_them_apart() {
        let (a, b) = (serde_json::json!(99.61), serde_json::json!(99.612));
        assert_eq!(
            pair(Some(&a), Some(&b), Kind::Points),
            Some(("99,610\u{a0}%".into(), "99,612\u{a0}%".into()))
        );
        assert_eq!(pair(Some(&a), Some(&a), Kind::Points), None);
    }
}
