//! The plan as adopted against the plan as reported: what changed during the year. The platform's
//! same reports, exported when the PIAO was adopted and placed in `data/piano/`, are read as the
//! plan (their targets and weights, never their values); every objective and indicator added,
//! removed, re-weighted or re-targeted since is a change the OIV must find approved by an act.

use crate::error::Location;
use crate::model::{Level, Node};
use serde::Serialize;
use std::collections::BTreeMap;

/// The subfolder of the data folder that holds the start-of-year plan export.
pub const DIR: &str = "piano";

/// What the comparison found.
#[derive(Debug, Clone, Serialize)]
pub struct Piano {
    /// The folder the plan was read from (as given).
    #[serde(skip)]
    pub origine: Location,
    /// Nodes of the plan compared (objectives and indicators).
    pub confrontati: usize,
    pub variazioni: Vec<Variazione>,
}

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tipo {
    Aggiunto,
    Soppresso,
    Peso,
    Target,
}

impl Tipo {
    /// In a table of the working papers.
    pub fn label(self) -> &'static str {
        match self {
            Tipo::Aggiunto => "aggiunto in corso d'anno",
            Tipo::Soppresso => "tolto in corso d'anno",
            Tipo::Peso => "peso modificato",
            Tipo::Target => "target modificato",
        }
    }
}

/// One change between the plan and the Relazione.
#[derive(Debug, Clone, Serialize)]
pub struct Variazione {
    pub tipo: Tipo,
    /// `obiettivo operativo`, `indicatore`, …
    pub livello: &'static str,
    pub codice: String,
    pub nome: String,
    /// In the plan, as written there (`>= 1.000 N.`, `30`); empty for an added node.
    pub prima: String,
    /// In the Relazione; empty for a removed node.
    pub dopo: String,
}

/// What is compared of a node: its level, name, weight and target as written.
struct Entry<'a> {
    node: &'a Node,
}

impl Entry<'_> {
    fn weight(&self) -> String {
        self.node.weight.map(|w| crate::value::format_number(w, 2)).unwrap_or_default()
    }

    fn target(&self) -> Option<String> {
        self.node.indicator.as_ref().map(|i| i.target_text.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// The nodes of a tree below its root, by identifier (the codes from the root down: an indicator
/// whose code appears under two objectives is two nodes), in order. Both trees must have their
/// identifiers ([`Node::assign_ids`], with the same prefix).
fn entries(root: &Node) -> Vec<(String, Entry<'_>)> {
    let mut out = Vec::new();
    fn walk<'a>(n: &'a Node, out: &mut Vec<(String, Entry<'a>)>) {
        for c in &n.children {
            // The grouping rows (`Obiettivi operativi`) are the layout's, not the plan's.
            if c.level != Level::Gruppo {
                out.push((c.id.clone(), Entry { node: c }));
            }
            walk(c, out);
        }
    }
    walk(root, &mut out);
    out
}

/// The changes from the plan's trees to the Relazione's (the performance tree, the organisational
/// units' where both have them), each tree in the Relazione's order, the removed nodes after, in
/// the plan's. `pairs` are (plan, actual) with the same identifier prefix.
pub fn compare(pairs: &[(&Node, &Node)], origine: Location) -> Piano {
    let mut out = Piano { origine, confrontati: 0, variazioni: Vec::new() };
    for (plan, actual) in pairs {
        let p = compare_tree(plan, actual);
        out.confrontati += p.0;
        out.variazioni.extend(p.1);
    }
    out
}

fn compare_tree(plan: &Node, actual: &Node) -> (usize, Vec<Variazione>) {
    let before = entries(plan);
    let after = entries(actual);
    let by_code: BTreeMap<&str, &Entry> = before.iter().map(|(k, e)| (k.as_str(), e)).collect();
    let now: BTreeMap<&str, &Entry> = after.iter().map(|(k, e)| (k.as_str(), e)).collect();
    let mut variazioni = Vec::new();
    let change = |tipo, e: &Entry, prima: String, dopo: String| Variazione {
        tipo,
        livello: e.node.level.label(),
        codice: e.node.code.clone(),
        nome: e.node.name.clone(),
        prima,
        dopo,
    };
    for (key, e) in &after {
        match by_code.get(key.as_str()) {
            None => {
                variazioni.push(change(Tipo::Aggiunto, e, String::new(), e.target().unwrap_or(e.weight())))
            }
            Some(p) => {
                if p.weight() != e.weight() {
                    variazioni.push(change(Tipo::Peso, e, p.weight(), e.weight()));
                }
                if let (Some(a), Some(b)) = (p.target(), e.target())
                    && crate::value::normalize(&a) != crate::value::normalize(&b)
                {
                    variazioni.push(change(Tipo::Target, e, a, b));
                }
            }
        }
    }
    for (key, p) in &before {
        if !now.contains_key(key.as_str()) {
            variazioni.push(change(Tipo::Soppresso, p, p.target().unwrap_or(p.weight()), String::new()));
        }
    }
    (before.len(), variazioni)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Indicator, Level};

    fn node(level: Level, code: &str, weight: f64) -> Node {
        let mut n = Node::new(level, code, &format!("nome {code}"), Location::default());
        n.weight = Some(weight);
        n
    }

    fn kpi(code: &str, weight: f64, target: &str) -> Node {
        let mut n = node(Level::Indicatore, code, weight);
        n.indicator = Some(Box::new(Indicator::parse(target, "1 N.").unwrap()));
        n
    }

    fn tree(children: Vec<Node>) -> Node {
        let mut root = node(Level::Ente, "", 100.0);
        let mut os = node(Level::ObiettivoStrategico, "101", 100.0);
        os.children = children;
        root.children = vec![os];
        root.assign_ids("albero");
        root
    }

    #[test]
    fn every_kind_of_change_is_found_with_both_values() {
        let plan = tree(vec![kpi("A", 50.0, ">= 10 N."), kpi("B", 50.0, "<= 2 gg"), kpi("C", 0.0, "100 %")]);
        let actual =
            tree(vec![kpi("A", 60.0, ">=  10 N."), kpi("B", 40.0, "<= 3 gg"), kpi("D", 0.0, "1 N.")]);
        let p = compare(&[(&plan, &actual)], Location::default());
        let found: Vec<(Tipo, &str, &str, &str)> = p
            .variazioni
            .iter()
            .map(|v| (v.tipo, v.codice.as_str(), v.prima.as_str(), v.dopo.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (Tipo::Peso, "A", "50,00", "60,00"),
                (Tipo::Peso, "B", "50,00", "40,00"),
                (Tipo::Target, "B", "<= 2 gg", "<= 3 gg"),
                (Tipo::Aggiunto, "D", "", "1 N."),
                (Tipo::Soppresso, "C", "100 %", ""),
            ]
        );
        assert_eq!(p.confrontati, 4);
        assert!(compare(&[(&plan, &plan)], Location::default()).variazioni.is_empty());
        // A code under two objectives is two indicators, each compared with its own.
        let mut twice = tree(vec![kpi("A", 50.0, ">= 10 N.")]);
        let mut os2 = node(Level::ObiettivoStrategico, "102", 0.0);
        os2.children = vec![kpi("A", 20.0, ">= 10 N.")];
        twice.children.push(os2);
        twice.assign_ids("albero");
        assert!(compare(&[(&twice, &twice)], Location::default()).variazioni.is_empty());
    }
}
