//! `relazione score --json`: the scored model as one JSON document.
//!
//! Each tree is a tree of `{level, code, name, weight, result, children}` nodes (results and
//! weights in percentage points, unrounded), with the indicator's measurement on indicator nodes.
//! `docs/score.schema.json` describes it.

use crate::model::{Node, Report};
use crate::score::Scored;
use serde_json::{Value, json};

/// The whole document.
pub fn document(s: &Scored) -> Value {
    let tree = |n: &Option<Node>| n.as_ref().map(node);
    let albero = tree(&s.report.albero);
    json!({
        "ente": { "nome": s.config.ente.nome, "nome_breve": s.config.ente.nome_breve },
        "anno": s.config.anno,
        "albero": albero,
        "unita_organizzative": tree(&s.report.unita),
        "tempestivita_pagamenti": tree(&s.report.tempestivita),
        "obiettivi_individuali": tree(&s.report.individuali),
        "riepilogo": s.summary,
        "avvisi": s.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        "fonti": sources(&s.report),
    })
}

fn sources(r: &Report) -> Value {
    Value::Array(r.sources.iter().map(|s| json!({ "file": s.file, "contenuto": s.kind })).collect())
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
            "operator": ind.target.operator(),
            "actual": ind.actual_text,
            "value": ind.value,
            "from_measures": ind.from_measures,
            "measures": ind.measures,
            "unit": ind.unit,
            "tipo": ind.tipo,
            "algoritmo": ind.algoritmo,
            "fonte": ind.fonte,
            "target_ministeriale": ind.target_ministeriale,
            "ratio": pct(o.and_then(|o| o.ratio)),
            "deviation": o.and_then(|o| o.deviation),
            "missing": o.is_some_and(|o| o.missing),
        })
    });
    json!({
        "id": n.id,
        "level": n.level,
        "code": n.code,
        "name": n.name,
        "weight": n.weight,
        "result": pct(o.and_then(|o| o.result)),
        "effective_weight": o.and_then(|o| o.effective_weight),
        "band": o.and_then(|o| o.classe.as_ref()),
        "decision": o.and_then(|o| o.decision.as_ref()),
        "valutazione": o.and_then(|o| o.valutazione.as_ref()),
        "valutazione_oiv": o.and_then(|o| o.valutazione_oiv.as_ref()),
        "raggiungimento": pct(o.and_then(|o| o.raggiungimento)),
        "target_obiettivo": n.target_obiettivo,
        "rule": o.and_then(|o| o.rule.as_ref()),
        "platform_result": n.platform_result.map(|p| p * 100.0),
        "tipologia": n.tipologia,
        "indicator": indicator,
        "children": n.children.iter().map(node).collect::<Vec<_>>(),
    })
}
