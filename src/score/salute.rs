//! 3.3.1 Stato di salute: the entity's economic health over the years.
//!
//! The ratios that can be computed from the balance data are computed, with their formula, and
//! compared with the ratios table the Ente publishes and with the Pareto benchmarking: where a
//! published value uses another definition the published value is shown as such and the output
//! says so. Ratios without the inputs to compute them are taken from the ratios table and marked.

use crate::error::{Diagnostics, Location};
use crate::model::{ParetoRow, Report, Tabella};
use crate::value::normalize as norm;
use serde::Serialize;
use std::collections::BTreeMap;

/// A ratio computed from two balance lines.
struct Definition {
    /// Names under which the ratios table and the Pareto table publish it (normalised prefix).
    names: &'static [&'static str],
    formula: &'static str,
    numerator: &'static str,
    denominator: &'static str,
}

const DEFINITIONS: &[Definition] = &[
    Definition {
        names: &["indice di struttura primario"],
        formula: "Patrimonio netto / Immobilizzazioni totali",
        numerator: "patrimonio netto",
        denominator: "immobilizzazioni totali",
    },
    Definition {
        names: &["indice di indebitamento"],
        formula: "Totale passivo / Totale attivo",
        numerator: "totale passivo",
        denominator: "totale attivo",
    },
    Definition {
        names: &["indice di capitalizzazione"],
        formula: "Patrimonio netto / Totale attivo",
        numerator: "patrimonio netto",
        denominator: "totale attivo",
    },
    Definition {
        names: &["equilibrio economico della gestione corrente"],
        formula: "Oneri correnti / Proventi correnti",
        numerator: "oneri correnti",
        denominator: "proventi correnti",
    },
];

/// Where a value comes from.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Fonte {
    /// Computed by the formula from the balance data of the named table.
    Calcolato { tabella: String },
    /// Taken from the published ratios table.
    Tabella,
    /// The report's own year, where the ratio is an indicator of the tree: its value there (one
    /// figure, one value; a different published value is a finding).
    Albero { codice: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct ValoreIndice {
    pub anno: i32,
    /// Fraction (0,176 = 17,6 %) or multiple, as the ratio's `percentuale` says.
    pub valore: f64,
    pub fonte: Fonte,
}

#[derive(Debug, Clone, Serialize)]
pub struct Indice {
    pub area: String,
    pub nome: String,
    pub descrizione: Option<String>,
    /// The formula, for computed ratios.
    pub formula: Option<String>,
    /// True when the value is a fraction to print as a percentage.
    pub percentuale: bool,
    pub valori: Vec<ValoreIndice>,
    /// How the Relazione presents the ratio (its formula, or where its values come from), in
    /// Italian: a statement of the adopted figures, never a cross-check.
    pub nota: String,
    /// The OIV's cross-checks of the ratio (agreement with the published table and with the Pareto
    /// benchmarking, the years where the formula gives another value): for the working papers.
    pub rilievi: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Salute {
    pub conto_economico: Option<Tabella>,
    pub stato_patrimoniale: Option<Tabella>,
    pub proventi_oneri: Option<Tabella>,
    pub indici: Vec<Indice>,
    pub anni: Vec<i32>,
}

/// Decimals a published number was written with (its shortest exact decimal form): a value
/// published as 0,176 agrees with anything within 0,0005.
fn tolerance(published: f64) -> f64 {
    let text = format!("{published}");
    let decimals = text.split_once('.').map_or(0, |(_, d)| d.len());
    0.5 * 10f64.powi(-(decimals as i32)) + 1e-12
}

fn year_of(header: &str) -> Option<i32> {
    header.split_whitespace().last().and_then(|y| y.parse().ok()).filter(|y| (1900..=2200).contains(y))
}

/// Balance lines by source table, year and normalised label.
type Lines = BTreeMap<String, BTreeMap<i32, BTreeMap<String, f64>>>;

fn lines(tables: &[&Tabella]) -> Lines {
    let mut out: Lines = BTreeMap::new();
    for t in tables {
        for (i, col) in t.colonne.iter().enumerate() {
            // Only actual figures: years, or `Consuntivo 2024`; budgets are not balances.
            let h = norm(col);
            if !(h.len() == 4 || h.starts_with("consuntivo")) {
                continue;
            }
            let Some(year) = year_of(col) else { continue };
            for r in &t.righe {
                let label = if r.voce.is_empty() { &r.gruppo } else { &r.voce };
                if let Some(v) = r.valori.get(i).copied().flatten() {
                    out.entry(t.nome.clone()).or_default().entry(year).or_default().insert(norm(label), v);
                }
            }
        }
    }
    out
}

/// The same line of the same year given different amounts by two balance tables (a figure with
/// two values): one message per pair of tables and year, at the later table, asking which to adopt.
fn disagreements(tables: &[&Tabella], lines: &Lines) -> Vec<(Location, String)> {
    let mut out = Vec::new();
    for (i, a) in tables.iter().enumerate() {
        for b in &tables[i + 1..] {
            let (Some(la), Some(lb)) = (lines.get(&a.nome), lines.get(&b.nome)) else { continue };
            for (year, va) in la {
                let Some(vb) = lb.get(year) else { continue };
                let differ: Vec<String> = va
                    .iter()
                    .filter_map(|(label, x)| {
                        let y = vb.get(label)?;
                        ((x - y).abs() >= 0.005).then(|| {
                            let shown = a.righe.iter().find_map(|r| {
                                let l = if r.voce.is_empty() { &r.gruppo } else { &r.voce };
                                (norm(l) == *label).then(|| l.clone())
                            });
                            let amount =
                                |v: f64| crate::value::format_number(v, if v.fract() == 0.0 { 0 } else { 2 });
                            format!(
                                "{}: {} e {}",
                                shown.unwrap_or_else(|| label.clone()),
                                amount(*x),
                                amount(*y)
                            )
                        })
                    })
                    .collect();
                if !differ.is_empty() {
                    out.push((
                        b.origin.clone(),
                        format!(
                            "«{}» e «{}» danno importi diversi per il {year} ({}): la Relazione li stampa entrambi; \
                             correggere la tabella sbagliata, o indicare qui quale adottare",
                            a.nome,
                            b.nome,
                            differ.join("; ")
                        ),
                    ));
                }
            }
        }
    }
    out
}

fn find<'a>(tables: &'a [Tabella], name: &str) -> Option<&'a Tabella> {
    tables.iter().find(|t| norm(&t.nome).starts_with(name))
}

/// The entity's health: balance tables, computed and published ratios. Where the published table
/// gives a ratio another value than its formula, the Relazione prints the published one and the
/// office is asked to confirm it: a warning at the ratios table, returned too for the OIV.
pub fn salute(report: &Report, diag: &mut Diagnostics) -> (Option<Salute>, Vec<String>) {
    let mut differences = Vec::new();
    let s = health(report, &mut |origin, message| {
        diag.warn(origin, message.clone());
        differences.push(message);
    });
    (s, differences)
}

fn health(report: &Report, differ: &mut dyn FnMut(Location, String)) -> Option<Salute> {
    let b = report.bilancio.as_ref()?;
    let ce = find(&b.tabelle, "conto economico");
    let sp = find(&b.tabelle, "stato patrimoniale");
    let po = find(&b.tabelle, "proventi e oneri");
    let table = find(&b.tabelle, "indici");
    if ce.is_none() && sp.is_none() {
        return None;
    }
    let sources: Vec<&Tabella> = [ce, sp, po].into_iter().flatten().collect();
    let lines = lines(&sources);
    for (origin, message) in disagreements(&sources, &lines) {
        differ(origin, message);
    }
    let mut indici = Vec::new();
    let mut used_rows = Vec::new();
    for def in DEFINITIONS {
        let row = table.and_then(|t| {
            t.righe
                .iter()
                .position(|r| def.names.iter().any(|n| norm(&r.voce).starts_with(n)))
                .map(|i| (t, i))
        });
        if let Some((_, i)) = row {
            used_rows.push(i);
        }
        let (indice, difference) = computed(def, &lines, row, &report.pareto);
        if let (Some(d), Some((t, _))) = (difference, row) {
            differ(t.origin.clone(), d);
        }
        indici.push(indice);
    }
    if let Some(t) = table {
        for (i, r) in t.righe.iter().enumerate().filter(|(i, _)| !used_rows.contains(i)) {
            let valori = published(t, i);
            indici.push(Indice {
                area: r.gruppo.clone(),
                nome: r.voce.clone(),
                descrizione: r.note.clone(),
                formula: None,
                percentuale: is_percent(&r.voce, &valori),
                valori,
                nota: "Valori della tabella degli indici pubblicata.".into(),
                rilievi: vec!["i dati di bilancio disponibili non bastano a calcolarlo: valori della tabella pubblicata".into()],
            });
        }
    }
    let mut anni: Vec<i32> = indici.iter().flat_map(|x| x.valori.iter().map(|v| v.anno)).collect();
    anni.sort();
    anni.dedup();
    Some(Salute {
        conto_economico: ce.cloned(),
        stato_patrimoniale: sp.cloned(),
        proventi_oneri: po.cloned(),
        indici,
        anni,
    })
}

/// Values of a row of the ratios table, by year.
fn published(t: &Tabella, row: usize) -> Vec<ValoreIndice> {
    t.colonne
        .iter()
        .zip(&t.righe[row].valori)
        .filter_map(|(c, v)| Some(ValoreIndice { anno: year_of(c)?, valore: (*v)?, fonte: Fonte::Tabella }))
        .collect()
}

/// Ratios printed as multiples (liquidity, primary structure, MEF timeliness, cash flow) are not
/// percentages: the table stores them as plain numbers above 1 or negative.
fn is_percent(name: &str, valori: &[ValoreIndice]) -> bool {
    let n = norm(name);
    !(n.contains("liquidit")
        || n.contains("struttura primario")
        || n.contains("tempestivit")
        || n.contains("cash flow"))
        && valori.iter().all(|v| v.valore.abs() <= 2.0)
}

/// A ratio by its formula, and the warning to give when the published table differs from it.
fn computed(
    def: &Definition,
    lines: &Lines,
    row: Option<(&Tabella, usize)>,
    pareto: &[ParetoRow],
) -> (Indice, Option<String>) {
    // Every year and source where both lines exist.
    let mut candidates: BTreeMap<i32, Vec<(String, f64)>> = BTreeMap::new();
    for (source, years) in lines {
        for (year, l) in years {
            if let (Some(n), Some(d)) = (l.get(def.numerator), l.get(def.denominator))
                && *d != 0.0
            {
                candidates.entry(*year).or_default().push((source.clone(), n / d));
            }
        }
    }
    let published = row.map(|(t, i)| published(t, i)).unwrap_or_default();
    let (area, nome, descrizione) = row.map_or((String::new(), def.formula.to_string(), None), |(t, i)| {
        let r = &t.righe[i];
        (r.gruppo.clone(), r.voce.clone(), r.note.clone())
    });

    let mut valori = Vec::new();
    let mut differ = Vec::new();
    let mut agree = 0;
    let mut years: Vec<i32> = candidates.keys().chain(published.iter().map(|p| &p.anno)).copied().collect();
    years.sort();
    years.dedup();
    for year in years {
        let cands = candidates.get(&year).cloned().unwrap_or_default();
        let publ = published.iter().find(|p| p.anno == year).map(|p| p.valore);
        match publ {
            Some(p) => {
                if let Some((src, v)) = cands.iter().find(|(_, v)| (v - p).abs() <= tolerance(p)) {
                    agree += 1;
                    valori.push(ValoreIndice {
                        anno: year,
                        valore: *v,
                        fonte: Fonte::Calcolato { tabella: src.clone() },
                    });
                } else {
                    valori.push(ValoreIndice { anno: year, valore: p, fonte: Fonte::Tabella });
                    if let Some((src, v)) = cands.first() {
                        differ.push((year, *v, p, src.clone()));
                    }
                }
            }
            None => {
                if let Some((src, v)) = cands.first() {
                    valori.push(ValoreIndice {
                        anno: year,
                        valore: *v,
                        fonte: Fonte::Calcolato { tabella: src.clone() },
                    });
                }
            }
        }
    }
    let percentuale =
        published.iter().all(|p| p.valore.abs() <= 2.0) && !def.names[0].contains("struttura primario");
    let fmt = |v: f64| {
        if percentuale {
            format!("{} %", crate::value::format_number(v * 100.0, 2))
        } else {
            crate::value::format_number(v, 2)
        }
    };
    let nota = format!("Calcolato come {}.", def.formula);
    let mut rilievi = Vec::new();
    if agree > 0 {
        rilievi.push(format!(
            "la formula coincide con la tabella degli indici pubblicata in {agree} anni su {}",
            published.len()
        ));
    }
    let years: Vec<String> =
        differ.iter().map(|(year, v, p, _)| format!("{year}: {} contro {}", fmt(*p), fmt(*v))).collect();
    if let Some((_, _, _, src)) = differ.first() {
        rilievi.push(format!(
            "la tabella pubblicata riporta valori diversi da quelli della formula sui dati di «{src}» ({}): \
             la Relazione riporta quelli della tabella",
            years.join("; ")
        ));
    }
    // The Pareto benchmarking publishes some ratios with the formula's definition.
    for p in pareto.iter().filter(|p| def.names.iter().any(|n| norm(&p.indicatore).starts_with(n))) {
        let year = pareto_year(pareto);
        if let (Some(y), Some(cands)) = (year, year.and_then(|y| candidates.get(&y)))
            && let Some((_, v)) = cands.iter().find(|(_, v)| (v * 100.0 - p.valore).abs() <= 0.005 + 1e-9)
        {
            rilievi.push(format!(
                "la formula dà per il {y} {} %, lo stesso valore del benchmarking Pareto",
                crate::value::format_number(v * 100.0, 2)
            ));
        }
    }
    let warning = differ.first().map(|(_, _, _, src)| {
        format!(
            "«{nome}»: la tabella degli indici pubblicata riporta valori diversi dalla formula {} sui dati di «{src}» \
             ({}); la Relazione riporta quelli della tabella: confermarli, o correggere la tabella",
            def.formula,
            years.join("; ")
        )
    });
    let indice = Indice {
        area,
        nome,
        descrizione,
        formula: Some(def.formula.to_string()),
        percentuale,
        valori,
        nota,
        rilievi,
    };
    (indice, warning)
}

/// The year of the Pareto values, read from its header (`CCIAA Modena 2023`).
fn pareto_year(pareto: &[ParetoRow]) -> Option<i32> {
    pareto.first().and_then(|p| p.anno)
}
