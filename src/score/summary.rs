//! Derived facts the Relazione needs besides each node's result: objectives counted per band (the
//! 3.1/3.2 tables) and the overshooting analysis of the KPIs with a target.

use super::indicator;
use crate::error::{Diagnostics, Location};
use crate::inputs::config::Smvp;
use crate::model::{Indicator, Level, Node, Report};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The Ente's figures as the SMVP lists them, the official one first (its value is the
    /// tree's root result): label, rule and result (fraction).
    pub figure_ente: Vec<FiguraEnte>,
    pub obiettivi_strategici: BandCounts,
    pub obiettivi_operativi: BandCounts,
    pub overshooting: Overshooting,
    /// Codes of indicators whose actual is missing (N/D), in row order.
    pub valori_mancanti: Vec<String>,
    /// The most significant indicators chosen in the configuration, with their context.
    pub significativi: Vec<Significativo>,
    /// 3.3.1: the entity's economic health, when the balance data are there.
    pub salute: Option<super::salute::Salute>,
    /// The OIV's multi-year annex, when the series are there.
    pub serie: Option<super::serie::AnalisiSerie>,
    /// Figures the inputs give twice with different values, in words (also warnings).
    pub incoerenze: Vec<String>,
    /// Chapter 4's evaluation of the managers, with the individual objectives (set by
    /// [`super::summarise`], which has the whole configuration; not in the JSON document).
    #[serde(skip)]
    pub valutazione: Option<super::valutazione::Valutazione>,
}

/// One figure of the Ente's performance.
#[derive(Debug, Clone, Serialize)]
pub struct FiguraEnte {
    pub etichetta: String,
    pub calcolo: crate::inputs::config::RisultatoEnte,
    /// Fraction (1.0 = 100 %); none without anything to average.
    pub risultato: Option<f64>,
}

/// An indicator of chapter 1 with its change from the previous year and the system average.
#[derive(Debug, Clone, Serialize)]
pub struct Significativo {
    #[serde(rename = "codice")]
    pub code: String,
    #[serde(rename = "nome")]
    pub name: String,
    #[serde(rename = "consuntivo")]
    pub actual: String,
    #[serde(rename = "valore")]
    pub value: Option<f64>,
    /// Result in percentage points.
    #[serde(rename = "risultato")]
    pub result: Option<f64>,
    #[serde(rename = "unita")]
    pub unit: crate::value::Unit,
    /// Previous year's actual, from the multi-year series (same name), else from last year's
    /// Relazione (`data/anno_precedente/`).
    pub precedente: Option<f64>,
    pub variazione: Option<f64>,
    /// System mean from the benchmarking (same name) and its year.
    pub media_sistema: Option<f64>,
    pub anno_media: Option<i32>,
    /// A deadline: a date, which has no change from a year to the next.
    #[serde(skip)]
    pub scadenza: bool,
}

/// Objectives counted per SMVP class.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct BandCounts {
    /// Objectives in each class, in the order of `smvp.classi()` (empty without classes).
    pub per_classe: Vec<usize>,
    /// Objectives with a result but no class (below every class, or no classes).
    pub senza_classe: usize,
    /// Objectives without a result (excluded, or nothing to score).
    pub senza_risultato: usize,
    pub totale: usize,
}

impl BandCounts {
    fn of(nodes: &[&Node], classes: usize) -> Self {
        let mut c = BandCounts { totale: nodes.len(), per_classe: vec![0; classes], ..Default::default() };
        for n in nodes {
            let o = n.outcome.as_ref();
            match (o.and_then(|o| o.result), o.and_then(|o| o.band)) {
                (_, Some(b)) if b < classes => c.per_classe[b] += 1,
                (Some(_), _) => c.senza_classe += 1,
                (None, _) => c.senza_risultato += 1,
            }
        }
        c
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Overshooting {
    /// Threshold, percentage points of target.
    pub soglia: f64,
    pub operatori: Vec<String>,
    /// KPIs with a target that were examined.
    pub kpi_con_target: usize,
    /// The indicators the report lists: the platform's own flags when its report has them (the
    /// platform is authoritative where it states a figure), otherwise the SMVP rule's.
    pub righe: Vec<OvershootRow>,
    /// Whether `righe` are the platform's flags.
    pub dalla_piattaforma: bool,
    /// The indicators the configured rule flags (the cross-check when the platform's are used).
    pub calcolate: Vec<OvershootRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OvershootRow {
    #[serde(rename = "codice")]
    pub code: String,
    #[serde(rename = "nome")]
    pub name: String,
    pub tipo: Option<String>,
    pub operatore: String,
    pub target: String,
    pub consuntivo: String,
    /// Actual over target (`<=`: target over actual), percentage points.
    pub rapporto: f64,
    /// `rapporto` − 100.
    pub overshooting: f64,
    pub target_ministeriale: bool,
}

pub fn summarise(
    report: &Report,
    config_file: &std::path::Path,
    smvp: &Smvp,
    significant: &[String],
    anno: i32,
    diag: &mut Diagnostics,
) -> Summary {
    let empty = Node::new(Level::Ente, "", "", Default::default());
    let albero = report.albero.as_ref().unwrap_or(&empty);
    let mut valori_mancanti = Vec::new();
    albero.walk(&mut |n| {
        if n.outcome.as_ref().is_some_and(|o| o.missing) && !valori_mancanti.contains(&n.code) {
            valori_mancanti.push(n.code.clone());
        }
    });
    let serie = super::serie::analisi(report, smvp.overshooting.soglia, anno);
    let mut incoerenze = Vec::new();
    for k in serie.iter().flat_map(|s| &s.kpi) {
        for i in &k.incoerenze {
            diag.warn(k.origin.clone(), i.clone());
            incoerenze.push(i.clone());
        }
    }
    let (mut salute, differences) = super::salute::salute(report, diag);
    incoerenze.extend(differences);
    if let Some(sal) = salute.as_mut() {
        incoerenze.extend(balance_against_tree(sal, albero, anno, diag));
    }
    let figure_ente = smvp
        .ente
        .iter()
        .enumerate()
        .map(|(i, f)| FiguraEnte {
            etichetta: f.etichetta.clone(),
            calcolo: f.calcolo,
            // The official figure is the root's result (an OIV decision on the Ente included).
            risultato: if i == 0 { albero.result() } else { super::ente_figure(albero, f.calcolo) },
        })
        .collect();
    Summary {
        figure_ente,
        obiettivi_strategici: BandCounts::of(&albero.all(Level::ObiettivoStrategico), smvp.classi().len()),
        obiettivi_operativi: BandCounts::of(&albero.all(Level::ObiettivoOperativo), smvp.classi().len()),
        overshooting: overshooting(report, albero, smvp, diag),
        valori_mancanti,
        significativi: significativi(report, albero, significant, anno, config_file, diag),
        salute,
        serie,
        incoerenze,
        valutazione: None,
    }
}

/// The KPIs examined: the rows of the overshooting report when there is one (each measure once),
/// otherwise every distinct indicator code of the performance tree that was measured against a
/// quantity target (not a deadline, not excluded, not without a value): those the threshold can
/// apply to.
fn kpis<'a>(report: &'a Report, albero: &'a Node) -> Vec<(&'a str, &'a str, &'a Indicator)> {
    if !report.kpi.is_empty() {
        return report
            .kpi_order
            .iter()
            .filter_map(|c| report.kpi.get(c))
            .map(|k| (k.code.as_str(), k.name.as_str(), &k.indicator))
            .collect();
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    albero.walk(&mut |n| {
        if let Some(ind) = n.indicator.as_deref()
            && !matches!(ind.target, crate::value::Target::Entro { .. })
            && ind.value.is_some()
            && n.result().is_some()
            && seen.insert(n.code.as_str())
        {
            out.push((n.code.as_str(), n.name.as_str(), ind));
        }
    });
    out
}

fn overshooting(report: &Report, albero: &Node, smvp: &Smvp, diag: &mut Diagnostics) -> Overshooting {
    let cfg = &smvp.overshooting;
    let all = kpis(report, albero);
    let mut righe = Vec::new();
    for (code, name, ind) in &all {
        let op = ind.target.operator();
        if !cfg.operatori.iter().any(|o| o == op) {
            continue;
        }
        let Some(ratio) = indicator::achievement(ind, &smvp.scadenze).and_then(|a| a.overshoot) else {
            continue;
        };
        if ratio * 100.0 > cfg.soglia + 1e-9 {
            righe.push(OvershootRow {
                code: code.to_string(),
                name: name.to_string(),
                tipo: ind.tipo.clone(),
                operatore: op.to_string(),
                target: ind.target_text.clone(),
                consuntivo: ind.actual_text.clone(),
                rapporto: ratio * 100.0,
                overshooting: ratio * 100.0 - 100.0,
                target_ministeriale: ind.target_ministeriale,
            });
        }
    }
    let platform = platform_overshooting(report);
    let dalla_piattaforma = platform.is_some();
    if let Some(p) = &platform {
        let mine: BTreeSet<&str> = righe.iter().map(|r| r.code.as_str()).collect();
        let theirs: BTreeSet<&str> = p.iter().map(|r| r.code.as_str()).collect();
        if mine != theirs && smvp.overshooting.previsto {
            let only = |a: &BTreeSet<&str>, b: &BTreeSet<&str>| {
                let d: Vec<&str> = a.difference(b).copied().collect();
                if d.is_empty() { "nessuno".to_string() } else { d.join(", ") }
            };
            let location = report.kpi.values().next().map(|k| k.origin.clone()).unwrap_or_default();
            diag.warn(
                Location { cell: None, ..location },
                format!(
                    "overshooting: la piattaforma segnala {} indicatori, la regola dello SMVP (oltre il {} % del target) \
                     ne individua {}; solo della piattaforma: {}; solo della regola: {}",
                    theirs.len(),
                    crate::value::format_number(cfg.soglia, 0),
                    mine.len(),
                    only(&theirs, &mine),
                    only(&mine, &theirs),
                ),
            );
        }
    }
    Overshooting {
        soglia: cfg.soglia,
        operatori: cfg.operatori.clone(),
        kpi_con_target: all.len(),
        righe: platform.unwrap_or_else(|| righe.clone()),
        dalla_piattaforma,
        calcolate: righe,
    }
}

/// The rows the platform flags itself (its OVERSHOOTING column above 0), with its own figures;
/// `None` when its report has no such column.
fn platform_overshooting(report: &Report) -> Option<Vec<OvershootRow>> {
    if !report.kpi.values().any(|k| k.platform_overshooting.is_some()) {
        return None;
    }
    let rows = report
        .kpi_order
        .iter()
        .filter_map(|c| report.kpi.get(c))
        .filter(|k| k.platform_overshooting.is_some_and(|o| o > 0.0))
        .map(|k| {
            let over = k.platform_overshooting.unwrap_or(0.0) * 100.0;
            OvershootRow {
                code: k.code.clone(),
                name: k.name.clone(),
                tipo: k.tipo.clone(),
                operatore: k.indicator.target.operator().to_string(),
                target: k.indicator.target_text.clone(),
                consuntivo: k.indicator.actual_text.clone(),
                rapporto: k.platform_vs_target.map_or(over + 100.0, |v| v * 100.0),
                overshooting: over,
                target_ministeriale: k.target_ministeriale,
            }
        })
        .collect();
    Some(rows)
}

/// One figure, one value: a balance ratio that is also an indicator of the tree (same name) must
/// agree with it for the report's year; a difference is a finding, never a silent choice.
fn balance_against_tree(
    sal: &mut super::salute::Salute,
    albero: &Node,
    anno: i32,
    diag: &mut Diagnostics,
) -> Vec<String> {
    let mut found_differences = Vec::new();
    for index in &mut sal.indici {
        let Some(v) = index.valori.iter_mut().find(|v| v.anno == anno) else { continue };
        let mut found = None;
        albero.walk(&mut |n| {
            if found.is_none() && n.indicator.is_some() && same_name(&n.name, &index.nome) {
                found = Some(n)
            }
        });
        let Some(n) = found else { continue };
        let ind = n.indicator.as_deref().expect("indicator node");
        let Some(tree) = ind.value else { continue };
        let theirs = if index.percentuale { v.valore * 100.0 } else { v.valore };
        let d = match ind.actual {
            crate::value::Reading::Quantita { quantita } => quantita.decimals,
            _ => 2,
        };
        if crate::value::round_half_up(tree, d) != crate::value::round_half_up(theirs, d) {
            let unit = if index.percentuale { " %" } else { "" };
            let message = format!(
                "«{}» {anno}: {} nell'indicatore {} dell'albero della performance, {}{unit} nella tabella degli \
                     indici di bilancio (3.3.1)",
                index.nome,
                ind.actual_text,
                n.code,
                crate::value::format_number(theirs, d)
            );
            diag.warn(n.origin.clone(), message.clone());
            found_differences.push(message);
        }
        // The table prints the tree's figure for the report's year.
        v.valore = if index.percentuale { tree / 100.0 } else { tree };
        v.fonte = super::salute::Fonte::Albero { codice: n.code.clone() };
    }
    found_differences
}

fn same_name(a: &str, b: &str) -> bool {
    let n = crate::value::normalize;
    n(a) == n(b)
}

/// The configured indicators, each with the previous year from the series and the system mean
/// from the benchmarking when those tables name it the same way.
fn significativi(
    report: &Report,
    albero: &Node,
    codes: &[String],
    anno: i32,
    config_file: &std::path::Path,
    diag: &mut Diagnostics,
) -> Vec<Significativo> {
    let mut out = Vec::new();
    for code in codes {
        let mut found = None;
        albero.walk(&mut |n| {
            if found.is_none() && n.indicator.is_some() && &n.code == code {
                found = Some(n)
            }
        });
        let Some(n) = found else {
            diag.error(
                crate::error::Location::file(config_file),
                format!("«indicatori_significativi»: nessun indicatore con codice «{code}»"),
            );
            continue;
        };
        let ind = n.indicator.as_deref().expect("indicator");
        let precedente = report
            .serie
            .iter()
            .find(|s| same_name(&s.nome, &n.name))
            .and_then(|s| s.anni.iter().find(|a| a.anno == anno - 1))
            .and_then(|a| match a.consuntivo {
                crate::value::Reading::Quantita { quantita } => Some(quantita.value),
                _ => None,
            })
            // Else last year's Relazione, where it was given and the indicator found in it.
            .or(match &n.previous {
                Some(crate::model::Previous::Found(f)) => f.value,
                _ => None,
            });
        let pareto = report.pareto.iter().find(|p| same_name(&p.indicatore, &n.name));
        out.push(Significativo {
            code: n.code.clone(),
            name: n.name.clone(),
            actual: ind.actual_text.clone(),
            value: ind.value,
            result: n.result().map(|r| r * 100.0),
            unit: ind.unit,
            precedente,
            variazione: precedente.zip(ind.value).map(|(p, v)| v - p),
            media_sistema: pareto.map(|p| p.media),
            anno_media: pareto.and_then(|p| p.anno),
            scadenza: matches!(ind.target, crate::value::Target::Entro { .. }),
        });
    }
    out
}
