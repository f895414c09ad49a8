//! This year beside last year: every node of this year's trees is looked for in last year's
//! (`inputs::precedente`) by its identifier (its codes from the root down), else by its code alone
//! at the same level, else by its name at the same level (each only where it names one node), and
//! gets last year's figures ([`Node::previous`]); last year's nodes left over were dropped.
//!
//! A change is in percentage points between percentages (results always are), relative to last
//! year's value otherwise (a count of 110 against 100 is +10 %).

use crate::inputs::precedente::{AnnoPrecedente, Formato, Nodo};
use crate::model::{Level, MatchedBy, Node, Previous, PreviousFigures, Report};
use crate::value::{Unit, normalize};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the comparison with last year found, for the documents' notes.
#[derive(Debug, Clone, Serialize)]
pub struct Confronto {
    /// The file (or folder) read, by name.
    pub file: String,
    /// The file (or folder) read, as given: never published.
    #[serde(skip)]
    pub origine: std::path::PathBuf,
    pub anno: i32,
    /// Whether last year's results are as published (`relazione.json`) or recomputed from its
    /// export with this year's SMVP.
    pub ricalcolato: bool,
    pub per_id: usize,
    pub per_codice: usize,
    pub per_nome: usize,
    /// Objectives and indicators new this year.
    pub nuovi: usize,
    /// Last year's objectives and indicators not found this year.
    pub tolti: Vec<Tolto>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tolto {
    pub livello: &'static str,
    pub codice: String,
    pub nome: String,
    /// Percentage points.
    pub risultato: Option<f64>,
}

impl Confronto {
    /// How many nodes were found and how: `338 per posizione e codici, 1 per nome`, or `nessuno`.
    pub fn abbinati(&self) -> String {
        let parts: Vec<String> = [
            (self.per_id, MatchedBy::Id),
            (self.per_codice, MatchedBy::Code),
            (self.per_nome, MatchedBy::Name),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, by)| format!("{n} {}", by.label()))
        .collect();
        if parts.is_empty() { "nessuno".into() } else { parts.join(", ") }
    }
}

/// A change from last year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// Percentage points (both figures percentages).
    Points(f64),
    /// Percent of last year's value.
    Relative(f64),
}

/// The change from `before` to `now` in `unit`: points for percentages, relative otherwise; none
/// where last year's value is zero (no relative change) or a figure is not a number.
pub fn change(before: f64, now: f64, unit: Unit) -> Option<Change> {
    if !(before.is_finite() && now.is_finite()) {
        return None;
    }
    match unit {
        Unit::Percento => Some(Change::Points(now - before)),
        _ if before == 0.0 => None,
        _ => Some(Change::Relative((now - before) / before.abs() * 100.0)),
    }
}

/// The change of a node's result from last year, in percentage points.
pub fn result_change(n: &Node) -> Option<f64> {
    let Some(Previous::Found(f)) = &n.previous else { return None };
    Some(n.result()? * 100.0 - f.result?)
}

/// The change of an indicator's value from last year: none where a value is missing, the units
/// differ or the target is a deadline (a date has no change to print).
pub fn value_change(n: &Node) -> Option<Change> {
    let Some(Previous::Found(f)) = &n.previous else { return None };
    let i = n.indicator.as_deref()?;
    if f.unit.is_some_and(|u| u != i.unit) || matches!(i.target, crate::value::Target::Entro { .. }) {
        return None;
    }
    change(f.value?, i.value?, i.unit)
}

/// Where the multi-year KPI series and last year's results disagree on an indicator's value last
/// year (matched by name, as the series is): a finding for the OIV, naming both figures. Chapter 1
/// takes the series' value; the sheets and the open data last year's Relazione's.
pub fn disagreements(report: &Report, last: i32) -> Vec<crate::error::Problem> {
    let mut out = Vec::new();
    let Some(albero) = &report.albero else { return out };
    albero.walk(&mut |n| {
        let Some(Previous::Found(f)) = &n.previous else { return };
        let Some(before) = f.value else { return };
        let series = report.serie.iter().find(|s| normalize(&s.nome) == normalize(&n.name));
        let Some(s) = series else { return };
        let in_series = s.anni.iter().find(|a| a.anno == last).and_then(|a| match a.consuntivo {
            crate::value::Reading::Quantita { quantita } => Some(quantita.value),
            _ => None,
        });
        if let Some(v) = in_series
            && (v - before).abs() > 1e-9 * v.abs().max(1.0)
        {
            out.push(crate::error::Problem::new(
                s.origin.clone(),
                format!(
                    "«{}» ({}): il valore {last} è {} nella serie storica e {} nei risultati dell'anno precedente; il \
                     capitolo 1 usa la serie, le schede e i dati aperti i risultati dell'anno precedente",
                    n.name,
                    n.code,
                    crate::value::format_number(v, 2),
                    crate::value::format_number(before, 2)
                ),
            ));
        }
    });
    out
}

/// Whether a level is an objective or an indicator: what is counted as new or dropped.
fn counted(level: Option<Level>) -> bool {
    level.is_some_and(|l| !matches!(l, Level::Ente | Level::Gruppo | Level::Valutati))
}

/// Gives every node of `report` last year's figures and says what was matched and how.
pub fn attach(report: &mut Report, prev: &AnnoPrecedente) -> Confronto {
    let mut out = Confronto {
        file: prev.origine.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        origine: prev.origine.clone(),
        anno: prev.anno,
        ricalcolato: prev.formato == Formato::Esportazione,
        per_id: 0,
        per_codice: 0,
        per_nome: 0,
        nuovi: 0,
        tolti: Vec::new(),
    };
    for (prefix, tree) in report.trees_mut() {
        let Some(tree) = tree else { continue };
        let Some((_, old)) = prev.alberi.iter().find(|(p, _)| p == prefix) else { continue };
        let mut olds: Vec<&Nodo> = Vec::new();
        old.walk(&mut |n| olds.push(n));
        let found = assign(tree, &olds);
        let mut used = vec![false; olds.len()];
        for (i, by) in found.values() {
            used[*i] = true;
            match by {
                MatchedBy::Id => out.per_id += 1,
                MatchedBy::Code => out.per_codice += 1,
                MatchedBy::Name => out.per_nome += 1,
            }
        }
        set(tree, &olds, &found, prev.anno, &mut out.nuovi);
        for (n, _) in olds.iter().zip(&used).filter(|(n, u)| !**u && counted(n.level)) {
            out.tolti.push(Tolto {
                livello: n.level.map_or("", Level::label),
                codice: n.code.clone(),
                nome: n.name.clone(),
                risultato: n.result,
            });
        }
    }
    out
}

/// What a pass matches on, from a node's code and name (none: the node is not matched this way).
type Key = fn(&str, &str) -> Option<String>;

/// This year's node id → (index of last year's node, how), in three passes: identifiers, then codes,
/// then names, each among last year's nodes not yet taken and only where it names one of them.
fn assign(tree: &Node, olds: &[&Nodo]) -> BTreeMap<String, (usize, MatchedBy)> {
    let mut nows: Vec<&Node> = Vec::new();
    tree.walk(&mut |n| nows.push(n));
    let mut found: BTreeMap<String, (usize, MatchedBy)> = BTreeMap::new();
    let mut taken = vec![false; olds.len()];
    let by_id: BTreeMap<&str, usize> = olds.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    for n in &nows {
        if let Some(&i) = by_id.get(n.id.as_str())
            && olds[i].level.is_none_or(|l| l == n.level)
        {
            found.insert(n.id.clone(), (i, MatchedBy::Id));
            taken[i] = true;
        }
    }
    let keys: [(MatchedBy, Key); 2] = [
        (MatchedBy::Code, |code, _| Some(code.trim().to_string()).filter(|c| !c.is_empty())),
        (MatchedBy::Name, |_, name| Some(normalize(name)).filter(|n| !n.is_empty())),
    ];
    for (by, key) in keys {
        // Last year's untaken nodes by (level, key): only a key naming one node matches.
        let mut index: BTreeMap<(Option<Level>, String), Vec<usize>> = BTreeMap::new();
        for (i, o) in olds.iter().enumerate().filter(|(i, _)| !taken[*i]) {
            if let Some(k) = key(&o.code, &o.name) {
                index.entry((o.level, k)).or_default().push(i);
            }
        }
        let mut wanted: BTreeMap<(Option<Level>, String), Vec<&str>> = BTreeMap::new();
        for n in nows.iter().filter(|n| !found.contains_key(&n.id) && n.level != Level::Gruppo) {
            if let Some(k) = key(&n.code, &n.name) {
                wanted.entry((Some(n.level), k)).or_default().push(&n.id);
            }
        }
        for (k, ids) in wanted {
            if let (Some(olds), [id]) = (index.get(&k), ids.as_slice())
                && let [i] = olds.as_slice()
            {
                found.insert(id.to_string(), (*i, by));
                taken[*i] = true;
            }
        }
    }
    found
}

fn set(
    n: &mut Node,
    olds: &[&Nodo],
    found: &BTreeMap<String, (usize, MatchedBy)>,
    year: i32,
    nuovi: &mut usize,
) {
    n.previous = Some(match found.get(&n.id) {
        Some(&(i, by)) => {
            let o = olds[i];
            Previous::Found(Box::new(PreviousFigures {
                year,
                by,
                result: o.result,
                value: o.value,
                unit: o.unit,
                target: o.target.clone(),
                actual: o.actual.clone(),
            }))
        }
        None => {
            if counted(Some(n.level)) {
                *nuovi += 1;
            }
            Previous::New { year }
        }
    });
    for c in &mut n.children {
        set(c, olds, found, year, nuovi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    fn node(level: Level, code: &str, name: &str, children: Vec<Node>) -> Node {
        let mut n = Node::new(level, code, name, Location::default());
        n.children = children;
        n
    }

    fn old(id: &str, level: Level, code: &str, name: &str, result: f64) -> Nodo {
        Nodo {
            id: id.into(),
            level: Some(level),
            code: code.into(),
            name: name.into(),
            result: Some(result),
            value: None,
            unit: None,
            target: None,
            actual: None,
            children: Vec::new(),
        }
    }

    #[test]
    fn nodes_match_by_id_then_code_then_name_and_the_rest_are_new_or_dropped() {
        let mut root = node(
            Level::Ente,
            "ente",
            "Ente",
            vec![node(
                Level::Ambito,
                "1",
                "Imprese",
                vec![
                    node(Level::ObiettivoStrategico, "101", "Export", vec![]),
                    node(Level::ObiettivoStrategico, "109", "Digitale", vec![]),
                    node(Level::ObiettivoStrategico, "120", "Turismo di qualità", vec![]),
                    node(Level::ObiettivoStrategico, "130", "Nuovo", vec![]),
                ],
            )],
        );
        root.assign_ids("albero");
        let mut last = old("albero", Level::Ente, "ente", "Ente", 90.0);
        let mut ambito = old("albero.2", Level::Ambito, "2", "Imprese", 91.0);
        ambito.children = vec![
            old("albero.2.101", Level::ObiettivoStrategico, "101", "Export", 92.0),
            old("albero.2.108", Level::ObiettivoStrategico, "108", "Digitale", 93.0),
            old("albero.2.119", Level::ObiettivoStrategico, "119", "Turismo  di Qualità", 94.0),
            old("albero.2.140", Level::ObiettivoStrategico, "140", "Soppresso", 95.0),
        ];
        last.children = vec![ambito];
        let prev = AnnoPrecedente {
            origine: "anno_precedente/relazione.json".into(),
            anno: 2023,
            formato: Formato::Json,
            alberi: vec![("albero".into(), last)],
        };
        let mut report = Report { albero: Some(root), ..Default::default() };
        let c = attach(&mut report, &prev);
        let a = report.albero.as_ref().unwrap();
        let got = |i: usize| match &a.children[0].children[i].previous {
            Some(Previous::Found(f)) => Some((f.by, f.result)),
            _ => None,
        };
        assert_eq!(got(0), Some((MatchedBy::Code, Some(92.0))), "101 moved to another ambito: by code");
        assert_eq!(got(1), Some((MatchedBy::Name, Some(93.0))), "109 renumbered: by name");
        assert_eq!(got(2), Some((MatchedBy::Name, Some(94.0))), "spaces and case do not matter");
        assert_eq!(a.children[0].children[3].previous, Some(Previous::New { year: 2023 }));
        assert!(matches!(&a.previous, Some(Previous::Found(f)) if f.by == MatchedBy::Id));
        assert!(matches!(&a.children[0].previous, Some(Previous::Found(f)) if f.by == MatchedBy::Name));
        assert_eq!((c.per_id, c.per_codice, c.per_nome, c.nuovi), (1, 1, 3, 1));
        let dropped: Vec<&str> = c.tolti.iter().map(|t| t.codice.as_str()).collect();
        assert_eq!(dropped, ["140"]);
    }

    #[test]
    fn percentages_change_in_points_other_figures_relative() {
        assert_eq!(change(50.0, 52.5, Unit::Percento), Some(Change::Points(2.5)));
        assert_eq!(change(200.0, 220.0, Unit::Numero), Some(Change::Relative(10.0)));
        assert_eq!(change(0.0, 5.0, Unit::Numero), None);
        assert_eq!(change(f64::NAN, 5.0, Unit::Numero), None);
    }
}
