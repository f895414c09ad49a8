//! `relazione score --json`: the scored model as one JSON document.
//!
//! Each tree is a tree of `{livello, codice, nome, peso, risultato, figli}` nodes (results and
//! weights in percentage points, unrounded), with the indicator's measurement on indicator nodes.
//! Keys are Italian, as everywhere a user or an integrator reads; `versione` is the format's
//! version, raised when a key changes. `docs/score.schema.json` describes it, and a test validates
//! every fixture's document against it.

use crate::model::{Node, Report};
use crate::score::Scored;
use serde_json::{Value, json};

/// The format's version: 2 made every key Italian (1 mixed `result`/`risultato`); 3 added the
/// inputs' fingerprint and the document's date, and the staff's texts to the published document
/// (what `relazione confronta` compares).
pub const VERSIONE: u32 = 3;

/// The whole document.
pub fn document(s: &Scored) -> Value {
    let tree = |n: &Option<Node>| n.as_ref().map(node);
    let albero = tree(&s.report.albero);
    json!({
        "versione": VERSIONE,
        "ente": { "nome": s.config.ente.nome, "nome_breve": s.config.ente.nome_breve },
        "anno": s.config.anno,
        "impronta": { "sha256": s.impronta.sha256, "file": s.impronta.file },
        "data_documento": s.date.format("%Y-%m-%d").to_string(),
        "albero": albero,
        "unita_organizzative": tree(&s.report.unita),
        "tempestivita_pagamenti": tree(&s.report.tempestivita),
        "obiettivi_individuali": tree(&s.report.individuali),
        "riepilogo": s.summary,
        "avvisi": s.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        "fonti": sources(&s.report),
    })
}

/// The OIV's findings in the document (warnings, cross-checks, the KPI series' rilievi): for its
/// working papers and for `score --json`, never for publication. Paths of keys, `*` for every
/// item of a list.
const OIV_ONLY: &[&[&str]] = &[
    &["avvisi"],
    &["riepilogo", "incoerenze"],
    &["riepilogo", "overshooting", "calcolate"],
    &["riepilogo", "salute", "indici", "*", "rilievi"],
    &["riepilogo", "serie", "con_anni_mancanti"],
    &["riepilogo", "serie", "con_overshooting_ripetuto"],
    &["riepilogo", "serie", "con_target_sotto_precedente"],
    &["riepilogo", "serie", "senza_rilievi"],
    &["riepilogo", "serie", "kpi", "*", "rilievi"],
    &["riepilogo", "serie", "kpi", "*", "incoerenze"],
    &["riepilogo", "serie", "kpi", "*", "anni_mancanti"],
    &["riepilogo", "serie", "kpi", "*", "anni_overshooting"],
    &["riepilogo", "serie", "kpi", "*", "target_sotto_precedente"],
];

/// The document as published with the open data: [`document`] without the OIV's findings, with
/// the staff's texts as a reader reads them, so that two versions can be compared text by text.
pub fn public_document(s: &Scored, texts: &crate::inputs::testi::Texts) -> Value {
    let mut doc = document(s);
    for path in OIV_ONLY {
        remove(&mut doc, path);
    }
    doc["testi"] = testi(texts);
    doc
}

/// The sections' texts in the Relazione's order, and the explanations of the deviations by code
/// with their published fields (the OIV's own observations are its working papers'): their prose,
/// a paragraph per block, without markup and without what a reader never sees (HTML comments,
/// where staff leave notes).
fn testi(texts: &crate::inputs::testi::Texts) -> Value {
    let sezioni: Vec<Value> = crate::inputs::testi::SLOTS
        .iter()
        .filter_map(|slot| {
            texts.sezione(slot.chiave).map(
                |t| json!({ "chiave": slot.chiave, "sezione": slot.sezione, "testo": prose(&t.markdown) }),
            )
        })
        .collect();
    let scostamenti: Vec<Value> = texts
        .scostamenti
        .iter()
        .map(|(code, t)| {
            let c = texts.campi.get(code).cloned().unwrap_or_default();
            json!({
                "codice": code,
                "testo": prose(&t.markdown),
                "causa": c.causa,
                "dipendenza": c.dipendenza,
                "azioni": c.azioni,
            })
        })
        .collect();
    json!({ "sezioni": sezioni, "scostamenti": scostamenti })
}

/// Removes the key at `path` wherever it is (`*` for every item of a list).
fn remove(v: &mut Value, path: &[&str]) {
    match (path, v) {
        ([last], Value::Object(o)) => {
            o.remove(*last);
        }
        (["*", rest @ ..], Value::Array(items)) => items.iter_mut().for_each(|x| remove(x, rest)),
        ([key, rest @ ..], Value::Object(o)) => {
            if let Some(x) = o.get_mut(*key) {
                remove(x, rest);
            }
        }
        _ => {}
    }
}

fn prose(markdown: &str) -> String {
    crate::markdown::prose_blocks(markdown).iter().map(|b| b.trim()).collect::<Vec<_>>().join("\n\n")
}

fn sources(r: &Report) -> Value {
    // The file's name, never the host's folders (the document is published).
    let name = |f: &str| {
        std::path::Path::new(f)
            .file_name()
            .map_or_else(|| f.to_string(), |n| n.to_string_lossy().into_owned())
    };
    Value::Array(r.sources.iter().map(|s| json!({ "file": name(&s.file), "contenuto": s.kind })).collect())
}

fn pct(f: Option<f64>) -> Value {
    f.map_or(Value::Null, |v| json!(v * 100.0))
}

/// One node and its subtree. Every key is always present (null when it does not apply), so the
/// document has one shape and templates can test values without testing keys.
pub fn node(n: &Node) -> Value {
    let o = n.outcome.as_ref();
    let indicator = n.indicator.as_deref().map(|ind| {
        json!({
            "target": ind.target_text,
            "operatore": ind.target.operator(),
            "consuntivo": ind.actual_text,
            "valore": ind.value,
            "da_misure": ind.from_measures,
            "misure": ind.measures,
            "unita": ind.unit,
            "tipo": ind.tipo,
            "algoritmo": ind.algoritmo,
            "fonte": ind.fonte,
            "target_ministeriale": ind.target_ministeriale,
            "rapporto": pct(o.and_then(|o| o.ratio)),
            "scostamento": o.and_then(|o| o.deviation),
            "mancante": o.is_some_and(|o| o.missing),
        })
    });
    json!({
        "id": n.id,
        "livello": n.level,
        "codice": n.code,
        "nome": n.name,
        "peso": n.weight,
        "risultato": pct(o.and_then(|o| o.result)),
        "peso_effettivo": o.and_then(|o| o.effective_weight),
        "classe": o.and_then(|o| o.classe.as_ref()),
        "decisione": o.and_then(|o| o.decision.as_ref()),
        "valutazione": o.and_then(|o| o.valutazione.as_ref()),
        "valutazione_oiv": o.and_then(|o| o.valutazione_oiv.as_ref()),
        "raggiungimento": pct(o.and_then(|o| o.raggiungimento)),
        "target_obiettivo": n.target_obiettivo,
        "regola": o.and_then(|o| o.rule.as_ref()),
        "risultato_piattaforma": n.platform_result.map(|p| p * 100.0),
        "tipologia": n.tipologia,
        "indicatore": indicator,
        "figli": n.children.iter().map(node).collect::<Vec<_>>(),
    })
}
