//! The trees as the chapters print them: the performance tree with each strategic objective's
//! indicators and operational objectives as fields, the organisational units, the individual
//! objectives, and every tree flattened into table rows.

use super::{Nodo, esito, eur, nodo, pct};
use crate::model::{Level, Node};
use crate::score::Scored;
use crate::value::{Target, Unit, format_quantity, round_half_up};
use serde::Serialize;
use std::collections::BTreeMap;

/// The performance tree.
#[derive(Debug, Clone, Serialize)]
pub struct Albero {
    /// The Ente (root) itself.
    #[serde(flatten)]
    pub ente: Nodo,
    pub ambiti: Vec<Ambito>,
    /// Every strategic objective, in tree order.
    pub obiettivi_strategici: Vec<ObiettivoStrategico>,
    /// Every operational objective, in tree order.
    pub obiettivi_operativi: Vec<Obiettivo>,
    /// The whole tree as table rows (Allegato 1).
    pub righe: Vec<Riga>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ambito {
    #[serde(flatten)]
    pub nodo: Nodo,
    pub obiettivi_strategici: Vec<ObiettivoStrategico>,
}

/// A strategic objective with its own indicators and its operational objectives.
#[derive(Debug, Clone, Serialize)]
pub struct ObiettivoStrategico {
    #[serde(flatten)]
    pub nodo: Nodo,
    pub indicatori: Vec<Indicatore>,
    /// How its sheet's table of indicators is set (Allegato 2).
    pub scheda: Scheda,
    /// Weight and result of the indicators taken together, where the plan groups them.
    pub quota_indicatori: Option<Quota>,
    pub obiettivi_operativi: Vec<Obiettivo>,
    /// Weight and result of the operational objectives taken together, where the plan groups them.
    pub quota_operativi: Option<Quota>,
    /// Operational objectives with a result at or above the explanation threshold
    /// (`metodo.soglia_spiegazioni`).
    pub operativi_verdi: usize,
    /// Absorption of the promotional resources (`85,00 %`, `nessuna risorsa`), where given.
    pub assorbimento: Option<String>,
    /// Budget and use of the promotional resources, where given.
    pub risorse: Option<String>,
    /// Organisational units working on it.
    pub unita: Vec<String>,
}

/// A group of an objective's children taken together.
#[derive(Debug, Clone, Serialize)]
pub struct Quota {
    pub peso: String,
    pub risultato: super::EsitoView,
}

/// An objective with its indicators (operational, payment timeliness).
#[derive(Debug, Clone, Serialize)]
pub struct Obiettivo {
    #[serde(flatten)]
    pub nodo: Nodo,
    pub indicatori: Vec<Indicatore>,
    /// How its sheet's table of indicators is set (Allegati 2 and 3).
    pub scheda: Scheda,
    pub unita: Vec<String>,
    /// Budget and use of the promotional resources, where the inputs give them for it.
    pub risorse: Option<String>,
}

/// The type size and column widths of an objective's table of indicators: each figure column as
/// wide as its widest figure on one line when they all fit in two thirds of the page, otherwise
/// as wide as its longest word (a figure wraps at its spaces, never inside a number) in the
/// largest of three sizes that leaves the indicator a third; the indicator takes the rest.
#[derive(Debug, Clone, Serialize)]
pub struct Scheda {
    /// Points.
    pub corpo: f64,
    /// Points, the indicator first, then type, target, actual, deviation, ratio, score.
    pub larghezze: Vec<u32>,
}

/// The text width of the Relazione's pages: A4 less the 2 cm side margins of `stile.typ.j2`.
const TEXT_WIDTH_PT: f64 = 595.28 - 2.0 * 56.69;

fn scheda(indicatori: &[Indicatore]) -> Scheda {
    let headings = ["Tipologia", "Target", "Consuntivo", "Scost.", "Grado", "Punteggio"];
    let cells = |i: &Indicatore| {
        [
            i.tipologia.clone().unwrap_or_default(),
            i.target.clone(),
            i.consuntivo.clone(),
            i.scostamento.clone(),
            i.rapporto.clone(),
            // The class mark before the score takes about two characters.
            format!("●\u{a0}{}", i.nodo.risultato.testo),
        ]
    };
    // Width in ems: digits and most letters about 0,56, separators and spaces half that.
    let chars = |s: &str| -> f64 {
        s.chars().map(|c| if matches!(c, '.' | ',' | ' ' | '\u{a0}' | ':' | ';') { 0.28 } else { 0.56 }).sum()
    };
    let word = |s: &str| s.split_whitespace().map(chars).fold(0.0, f64::max);
    // Widest content of each column in ems, whole or by its longest word; a heading in bold
    // counts a fifth more.
    let widest = |measure: &dyn Fn(&str) -> f64| -> Vec<f64> {
        (0..headings.len())
            .map(|k| {
                let heading = chars(headings[k]) * 1.2;
                indicatori.iter().map(|i| measure(&cells(i)[k])).fold(heading, f64::max)
            })
            .collect()
    };
    // A cell has 4 pt of margin on each side.
    let points = |cols: &[f64], size: f64| -> Vec<f64> { cols.iter().map(|c| c * size + 9.0).collect() };
    let room = TEXT_WIDTH_PT * 2.0 / 3.0;
    let whole = points(&widest(&chars), 8.5);
    let (corpo, figures) = if whole.iter().sum::<f64>() <= room {
        (8.5, whole)
    } else {
        let words = widest(&word);
        [8.5, 7.5, 6.5]
            .into_iter()
            .map(|size| (size, points(&words, size)))
            .find(|(_, p)| p.iter().sum::<f64>() <= room)
            .unwrap_or_else(|| (6.5, points(&words, 6.5)))
    };
    let indicator = (TEXT_WIDTH_PT - figures.iter().sum::<f64>()).max(0.0);
    let larghezze = std::iter::once(indicator).chain(figures).map(|w| w.floor() as u32).collect();
    Scheda { corpo, larghezze }
}

/// An indicator with its measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Indicatore {
    #[serde(flatten)]
    pub nodo: Nodo,
    /// Target as written in the plan: `>= 1.000 N.`.
    pub target: String,
    /// Actual as written in the export.
    pub consuntivo: String,
    /// The measures expression (`8.270 N. / 630,56 N.`), where joined.
    pub misure: Option<String>,
    /// Whether the value scored came from the measures (more precise than the display).
    pub da_misure: bool,
    /// Actual minus target with its sign, in the indicator's unit (days for deadlines).
    pub scostamento: String,
    /// `>=`, `<=`, `=`, `tra`, `entro`.
    pub operatore: &'static str,
    pub tipologia: Option<String>,
    pub algoritmo: Option<String>,
    pub fonte: Option<String>,
    pub descrizione: Option<String>,
    /// Target set by the Ministry.
    pub target_ministeriale: bool,
    /// Actual over target, before any cap: `112,50 %`. For a deadline, which has no ratio, the
    /// date against it: `rispettata`, `in ritardo di 12 giorni`.
    pub rapporto: String,
    /// Whether the target is a deadline (the row then says «Scadenza», not a degree).
    pub scadenza: bool,
    /// The scoring rule applied, in words.
    pub regola: Option<String>,
}

/// One row of a tree table.
#[derive(Debug, Clone, Serialize)]
pub struct Riga {
    pub livello: &'static str,
    /// Depth below the table's first level (0 for the first).
    pub profondita: usize,
    pub titolo: String,
    pub peso: String,
    /// Target and actual (empty for objectives).
    pub target: String,
    pub consuntivo: String,
    pub risultato: super::EsitoView,
    pub indicatore: bool,
    /// Rows, from this one, that must stay on one page: a run of objective rows and the row after
    /// it (a group row never ends a page alone); 0 for a row inside the previous run.
    pub insieme: usize,
}

/// Most rows kept on one page by [`keep_together`]: five levels of objectives and a child.
const KEEP_AT_MOST: usize = 6;

/// Sets `insieme` on tree rows: each run of objective rows is kept with the row that follows it,
/// up to [`KEEP_AT_MOST`] rows (a tree of objectives without indicators must still break).
fn keep_together(righe: &mut [Riga]) {
    let mut i = 0;
    while i < righe.len() {
        let groups = righe[i..].iter().take(KEEP_AT_MOST).take_while(|r| !r.indicatore).count();
        let run = (groups + 1).min(KEEP_AT_MOST).min(righe.len() - i);
        for (k, r) in righe[i..i + run].iter_mut().enumerate() {
            r.insieme = if k == 0 { run } else { 0 };
        }
        i += run;
    }
}

/// The organisational units.
#[derive(Debug, Clone, Serialize)]
pub struct Unita {
    pub aree: Vec<Area>,
    /// Areas, units, their objectives and indicators as table rows (Allegato 4).
    pub righe: Vec<Riga>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Area {
    #[serde(flatten)]
    pub nodo: Nodo,
    pub settori: Vec<Nodo>,
}

/// The individual objectives.
#[derive(Debug, Clone, Serialize)]
pub struct Individuali {
    pub ruoli: Vec<Ruolo>,
}

/// A person or role evaluated.
#[derive(Debug, Clone, Serialize)]
pub struct Ruolo {
    #[serde(flatten)]
    pub nodo: Nodo,
    pub obiettivi: Vec<ObiettivoIndividuale>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObiettivoIndividuale {
    #[serde(flatten)]
    pub nodo: Nodo,
    /// `OS`, `OP`, `EXTRA`.
    pub tipologia: Option<String>,
    /// Where the result comes from when it is an objective of the performance tree.
    pub collegamento: Option<String>,
    pub indicatori: Vec<Indicatore>,
}

/// `+231.161.719,00 €`, `−0,39 gg`: the sign always shown, a typographic minus.
fn deviation(value: Option<f64>, unit: Unit) -> String {
    let Some(x) = value else { return "–".into() };
    let text = format_quantity(x.abs(), unit).replace(' ', "\u{a0}");
    let sign = if x > 0.0 {
        "+"
    } else if x < 0.0 {
        "\u{2212}"
    } else {
        ""
    };
    format!("{sign}{text}")
}

/// A deadline against its date, in words: `rispettata`, `in ritardo di 1 giorno`; `–` without a
/// date. The SMVP computes no ratio for a deadline, so none is printed.
fn lateness(days_late: Option<f64>) -> String {
    match days_late {
        None => "–".into(),
        Some(d) if d <= 0.0 => "rispettata".into(),
        Some(1.0) => "in ritardo di 1 giorno".into(),
        Some(d) => format!("in ritardo di {} giorni", super::number(d, 0)),
    }
}

pub(super) fn indicatore(n: &Node) -> Indicatore {
    let ind = n.indicator.as_deref().expect("indicator node");
    let o = n.outcome.as_ref();
    let deadline = matches!(ind.target, Target::Entro { .. });
    let unit = if deadline { Unit::Giorni } else { ind.unit };
    Indicatore {
        nodo: nodo(n),
        target: ind.target_text.clone(),
        consuntivo: ind.actual_text.clone(),
        misure: ind.measures.clone(),
        da_misure: ind.from_measures,
        scostamento: deviation(o.and_then(|o| o.deviation), unit),
        operatore: ind.target.operator(),
        tipologia: ind.tipo.clone(),
        algoritmo: ind.algoritmo.clone(),
        fonte: ind.fonte.clone(),
        descrizione: ind.descrizione.clone(),
        target_ministeriale: ind.target_ministeriale,
        rapporto: if deadline { lateness(o.and_then(|o| o.deviation)) } else { pct(o.and_then(|o| o.ratio)) },
        scadenza: deadline,
        regola: o.and_then(|o| o.rule.clone()),
    }
}

/// The indicators under a node, whether grouped or direct children.
fn indicators_of(n: &Node) -> Vec<Indicatore> {
    let mut out = Vec::new();
    for c in &n.children {
        if c.indicator.is_some() {
            out.push(indicatore(c));
        } else if c.level == Level::Gruppo && c.children.iter().all(|x| x.indicator.is_some()) {
            out.extend(c.children.iter().map(indicatore));
        }
    }
    out
}

/// The group of `n` whose children are all of a kind, if the plan groups them.
fn group_of(n: &Node, kind: impl Fn(&Node) -> bool) -> Option<Quota> {
    n.children
        .iter()
        .find(|c| c.level == Level::Gruppo && !c.children.is_empty() && c.children.iter().all(&kind))
        .map(|g| Quota { peso: super::pp(g.weight, 0), risultato: esito(g) })
}

fn operational_of(n: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    for c in &n.children {
        match c.level {
            Level::ObiettivoOperativo => out.push(c),
            Level::Gruppo => out.extend(c.children.iter().filter(|x| x.level == Level::ObiettivoOperativo)),
            _ => {}
        }
    }
    out
}

pub(super) fn obiettivo(n: &Node, unita: &[String]) -> Obiettivo {
    let indicatori = indicators_of(n);
    Obiettivo { nodo: nodo(n), scheda: scheda(&indicatori), indicatori, unita: unita.to_vec(), risorse: None }
}

/// Units working on each objective (by code), from the organisational tree.
fn units_by_objective(s: &Scored) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(u) = s.report.unita.as_ref() {
        for settore in u.all(Level::Settore) {
            for o in &settore.children {
                let list = out.entry(o.code.clone()).or_default();
                if !list.contains(&settore.name) {
                    list.push(settore.name.clone());
                }
            }
        }
    }
    out
}

fn strategico(n: &Node, s: &Scored, units: &BTreeMap<String, Vec<String>>) -> ObiettivoStrategico {
    let none = Vec::new();
    let soglia = s.config.smvp.soglia_spiegazioni();
    let units_of = |code: &str| units.get(code).unwrap_or(&none);
    let oo: Vec<Obiettivo> = operational_of(n).into_iter().map(|o| obiettivo(o, units_of(&o.code))).collect();
    let risorse = s.report.risorse.as_ref();
    let assorbimento = risorse.and_then(|r| {
        r.assorbimento_albero
            .iter()
            .find(|(c, _)| c == &n.code)
            .map(|(_, v)| v.map_or("nessuna risorsa".into(), |v| pct(Some(v))))
    });
    let budget = risorse
        .and_then(|r| r.obiettivi.iter().find(|x| x.code == n.code && x.livello == "Obiettivo strategico"))
        .map(|r| {
            format!(
                "budget aggiornato {}, utilizzato {} ({})",
                eur(r.budget_aggiornato),
                eur(r.utilizzato),
                pct(r.utilizzo())
            )
        });
    let indicatori = indicators_of(n);
    ObiettivoStrategico {
        nodo: nodo(n),
        scheda: scheda(&indicatori),
        indicatori,
        quota_indicatori: group_of(n, |c| c.indicator.is_some()),
        operativi_verdi: operational_of(n)
            .iter()
            .filter_map(|o| o.outcome.as_ref().and_then(|o| o.result))
            .filter(|r| round_half_up(r * 100.0, 2) >= soglia)
            .count(),
        obiettivi_operativi: oo,
        quota_operativi: group_of(n, |c| c.level == Level::ObiettivoOperativo),
        assorbimento,
        risorse: budget,
        unita: units_of(&n.code).clone(),
    }
}

/// Rows of a tree table: `n` at `depth` and everything below it.
fn rows(n: &Node, depth: usize, out: &mut Vec<Riga>) {
    let (target, consuntivo) = n
        .indicator
        .as_deref()
        .map_or((String::new(), String::new()), |i| (i.target_text.clone(), i.actual_text.clone()));
    out.push(Riga {
        livello: n.level.id(),
        profondita: depth,
        titolo: super::title(n),
        peso: super::pp(n.weight, 2),
        target,
        consuntivo,
        risultato: esito(n),
        indicatore: n.indicator.is_some(),
        insieme: 1,
    });
    for c in &n.children {
        rows(c, depth + 1, out);
    }
}

pub(super) fn albero(root: &Node, s: &Scored) -> Albero {
    let units = units_by_objective(s);
    let ambiti: Vec<Ambito> = root
        .children
        .iter()
        .filter(|a| a.level == Level::Ambito)
        .map(|a| Ambito {
            nodo: nodo(a),
            obiettivi_strategici: a
                .children
                .iter()
                .filter(|o| o.level == Level::ObiettivoStrategico)
                .map(|o| strategico(o, s, &units))
                .collect(),
        })
        .collect();
    let none = Vec::new();
    let mut righe = Vec::new();
    rows(root, 0, &mut righe);
    keep_together(&mut righe);
    Albero {
        ente: nodo(root),
        obiettivi_strategici: root
            .all(Level::ObiettivoStrategico)
            .into_iter()
            .map(|o| strategico(o, s, &units))
            .collect(),
        obiettivi_operativi: root
            .all(Level::ObiettivoOperativo)
            .into_iter()
            .map(|o| obiettivo(o, units.get(&o.code).unwrap_or(&none)))
            .collect(),
        ambiti,
        righe,
    }
}

pub(super) fn unita(root: &Node) -> Unita {
    let aree = numbered_order(&root.children, |a| a.name.as_str());
    let mut righe = Vec::new();
    for area in &aree {
        rows(area, 0, &mut righe);
    }
    keep_together(&mut righe);
    Unita {
        aree: aree
            .into_iter()
            .map(|a| Area { nodo: nodo(a), settori: a.children.iter().map(nodo).collect() })
            .collect(),
        righe,
    }
}

pub(super) fn individuali(root: &Node) -> Individuali {
    let objective = |o: &Node| ObiettivoIndividuale {
        nodo: nodo(o),
        tipologia: o.tipologia.clone(),
        // Scoring sets a rule on an individual objective only when it takes a tree result.
        collegamento: o.outcome.as_ref().and_then(|x| x.rule.clone()),
        indicatori: o.children.iter().filter(|i| i.indicator.is_some()).map(indicatore).collect(),
    };
    Individuali {
        ruoli: numbered_order(&root.children, |r| r.name.as_str())
            .into_iter()
            .map(|r| Ruolo { nodo: nodo(r), obiettivi: r.children.iter().map(objective).collect() })
            .collect(),
    }
}

/// The items in the platform's order, except that names differing only by a number read in that
/// number's order (`Dirigente Area 2` exported before `Dirigente Area 1` is shown after it): each
/// such group keeps the place of its first member.
pub(super) fn numbered_order<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<&T> {
    // `Dirigente Area 12` → ("Dirigente Area", 12); a name without a final number has none.
    let split = |n: &str| -> (String, Option<u64>) {
        let t = n.trim_end();
        let digits = t.len() - t.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let number = t[t.len() - digits..].parse().ok();
        let stem = if number.is_some() { t[..t.len() - digits].trim_end() } else { t };
        (stem.to_lowercase(), number)
    };
    let keys: Vec<(String, Option<u64>)> = items.iter().map(|i| split(name(i))).collect();
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, (stem, _)) in keys.iter().enumerate() {
        first.entry(stem.as_str()).or_insert(i);
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (first[keys[i].0.as_str()], keys[i].1.is_some(), keys[i].1, i));
    order.into_iter().map(|i| &items[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::numbered_order;

    #[test]
    fn numbered_names_read_in_their_numbers_order_and_the_rest_keeps_its_place() {
        let names =
            ["Segretario Generale", "Dirigente Area 2", "Dirigente Area 10", "Dirigente Area 1", "EQ AOB"];
        let shown: Vec<&&str> = numbered_order(&names, |n| n);
        assert_eq!(
            shown,
            [
                &"Segretario Generale",
                &"Dirigente Area 1",
                &"Dirigente Area 2",
                &"Dirigente Area 10",
                &"EQ AOB"
            ]
        );
    }
}

#[cfg(test)]
mod keep {
    use super::{Riga, keep_together};

    fn riga(indicatore: bool) -> Riga {
        Riga {
            livello: "x",
            profondita: 0,
            titolo: String::new(),
            peso: String::new(),
            target: String::new(),
            consuntivo: String::new(),
            risultato: super::super::EsitoView {
                testo: String::new(),
                valore: None,
                banda: "nessuno".into(),
                classe: None,
                stato: "assente",
            },
            indicatore,
            insieme: 1,
        }
    }

    #[test]
    fn a_run_of_group_rows_stays_with_the_row_after_it() {
        let mut r: Vec<Riga> = [false, false, true, true, false, true, false].map(riga).into();
        keep_together(&mut r);
        assert_eq!(r.iter().map(|x| x.insieme).collect::<Vec<_>>(), [3, 0, 0, 1, 2, 0, 1]);
        let mut long: Vec<Riga> = (0..9).map(|_| riga(false)).collect();
        keep_together(&mut long);
        assert_eq!(long.iter().map(|x| x.insieme).collect::<Vec<_>>(), [6, 0, 0, 0, 0, 0, 3, 0, 0]);
    }
}
