//! `relazione score --json`: the scored model as one JSON document.
//!
//! Each tree is a tree of `{level, code, name, weight, result, children}` nodes (results and
//! weights in percentage points, unrounded), with the indicator's measurement on indicator nodes.
//! `docs/score.schema.json` describes it.

use crate::model::{Node, Report};
use crate::pipeline::Scored;
use serde_json::{Value, json};

/// The whole document.
pub fn document(s: &Scored) -> Value {
    let tree = |n: &Option<Node>| n.as_ref().map(node);
    let mut albero = tree(&s.report.albero);
    if let Some(Value::Object(root)) = albero.as_mut() {
        root.insert("name".into(), Value::String(s.config.ente.nome.clone()));
    }
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
    Value::Array(
        r.sources
            .iter()
            .map(|s| json!({ "file": s.file, "contenuto": s.kind }))
            .collect(),
    )
}

fn pct(f: Option<f64>) -> Value {
    f.map_or(Value::Null, |v| json!(v * 100.0))
}

/// One node and its subtree.
pub fn node(n: &Node) -> Value {
    let o = n.outcome.as_ref();
    let mut v = json!({
        "level": n.level,
        "code": n.code,
        "name": n.name,
        "weight": n.weight,
        "result": pct(o.and_then(|o| o.result)),
    });
    let map = v.as_object_mut().expect("object");
    if let Some(o) = o {
        if let Some(w) = o.effective_weight.filter(|w| Some(*w) != n.weight) {
            map.insert("effective_weight".into(), json!(w));
        }
        if let Some(b) = o.band {
            map.insert("band".into(), json!(b));
        }
        if let Some(d) = &o.decision {
            map.insert("decision".into(), json!(d));
        }
        if let Some(g) = &o.valutazione {
            map.insert("valutazione".into(), json!(g));
        }
        if let Some(r) = &o.rule {
            map.insert("rule".into(), json!(r));
        }
    }
    if let Some(p) = n.platform_result {
        map.insert("platform_result".into(), json!(p * 100.0));
    }
    if let Some(t) = &n.tipologia {
        map.insert("tipologia".into(), json!(t));
    }
    if let Some(ind) = n.indicator.as_deref() {
        map.insert(
            "indicator".into(),
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
                "target_ministeriale": ind.target_ministeriale,
                "ratio": pct(o.and_then(|o| o.ratio)),
                "deviation": o.and_then(|o| o.deviation),
                "missing": o.is_some_and(|o| o.missing),
            }),
        );
    }
    map.insert(
        "children".into(),
        Value::Array(n.children.iter().map(node).collect()),
    );
    v
}
