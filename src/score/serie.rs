//! The OIV's multi-year annex (Analisi serie storica KPI): for each KPI, target and actual per
//! year, their ratio, and the findings an evaluator looks for to judge whether targets are
//! challenging: targets set below the previous year's actual, repeated overshooting, missing years.

use crate::model::{AnnoSerie, Report, SerieKpi};
use crate::value::{Quantity, Reading, Target, Unit, format_date, format_number};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AnnoKpi {
    pub anno: i32,
    pub target: String,
    pub consuntivo: String,
    /// Numeric target and actual for charts (days since 1899-12-30 for dates).
    pub target_num: Option<f64>,
    pub consuntivo_num: Option<f64>,
    /// Actual over target (`<=`: target over actual; deadlines: 1 when met, 0 when late).
    pub rapporto: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnalisiKpi {
    pub nome: String,
    pub operatore: String,
    /// Code of the indicator of this year's tree with the same name, if any.
    pub codice: Option<String>,
    pub anni: Vec<AnnoKpi>,
    pub target_sotto_precedente: Vec<i32>,
    pub anni_overshooting: Vec<i32>,
    pub anni_mancanti: Vec<i32>,
    /// The findings in words.
    pub rilievi: Vec<String>,
    /// Years whose figure the series gives differently from the current year's report (the
    /// printed figure is the report's), in words: findings for the OIV.
    pub incoerenze: Vec<String>,
    #[serde(skip)]
    pub origin: crate::error::Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnalisiSerie {
    pub kpi: Vec<AnalisiKpi>,
    pub soglia: f64,
    pub con_target_sotto_precedente: usize,
    pub con_overshooting_ripetuto: usize,
    pub con_anni_mancanti: usize,
    pub senza_rilievi: usize,
}

/// A date column may hold a date written as a bare Excel serial (44190 for 25/12/2020).
fn as_date(r: Reading) -> Option<chrono::NaiveDate> {
    match r {
        Reading::Data { data } => Some(data),
        Reading::Quantita { quantita } if (20_000.0..80_000.0).contains(&quantita.value) => {
            chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?
                .checked_add_signed(chrono::Duration::days(quantita.value as i64))
        }
        _ => None,
    }
}

fn number(r: Reading) -> Option<f64> {
    match r {
        Reading::Quantita { quantita } => Some(quantita.value),
        _ => None,
    }
}

/// The series' operator and numeric target as a scoring target (`>=` when the operator is not one
/// the platform writes for numbers).
fn series_target(operator: &str, value: f64) -> Target {
    let valore = Quantity { value, unit: Unit::Nessuna, decimals: 2 };
    match operator.trim() {
        "<=" => Target::AlMassimo { valore },
        "=" => Target::Uguale { valore },
        _ => Target::AlMeno { valore },
    }
}

fn show(r: Reading, deadline: bool) -> String {
    if deadline && let Some(d) = as_date(r) {
        return format_date(d);
    }
    match r {
        Reading::Quantita { quantita } => {
            let d = if (quantita.value - quantita.value.round()).abs() < 1e-9 { 0 } else { 2 };
            format_number(quantita.value, d)
        }
        Reading::Data { data } => format_date(data),
        Reading::Mancante => "n.d.".into(),
    }
}

/// The indicator of this year's tree with the KPI's name, if any.
fn tree_indicator<'a>(report: &'a Report, name: &str) -> Option<&'a crate::model::Node> {
    let mut found = None;
    report.albero.as_ref()?.walk(&mut |n| {
        if found.is_none() && n.indicator.is_some() && n.name.eq_ignore_ascii_case(name) {
            found = Some(n);
        }
    });
    found
}

/// A target as a series reading: its value, or its date for a deadline.
fn target_reading(t: Target) -> Option<Reading> {
    match t {
        Target::AlMeno { valore } | Target::AlMassimo { valore } | Target::Uguale { valore } => {
            Some(Reading::Quantita { quantita: valore })
        }
        Target::Entro { data } => Some(Reading::Data { data }),
        Target::Tra { .. } => None,
    }
}

/// Whether two readings say the same figure at the precision of the coarser one.
fn same_figure(a: Reading, b: Reading) -> bool {
    match (a, b) {
        (Reading::Quantita { quantita: x }, Reading::Quantita { quantita: y }) => {
            let d = x.decimals.min(y.decimals);
            crate::value::round_half_up(x.value, d) == crate::value::round_half_up(y.value, d)
        }
        (Reading::Data { data: x }, Reading::Data { data: y }) => x == y,
        _ => true,
    }
}

/// The series with the current year taken from the current year's report where the KPI is an
/// indicator of the tree (one figure, one value), and the years the two sources disagree on.
fn with_current_year(s: &SerieKpi, report: &Report, anno: i32) -> (Vec<AnnoSerie>, Vec<String>) {
    let mut anni = s.anni.clone();
    let mut incoerenze = Vec::new();
    let Some(node) = tree_indicator(report, &s.nome) else { return (anni, incoerenze) };
    let ind = node.indicator.as_deref().expect("indicator node");
    let current = AnnoSerie {
        anno,
        target: target_reading(ind.target).unwrap_or(Reading::Mancante),
        consuntivo: match (ind.actual, ind.value) {
            (Reading::Quantita { quantita }, Some(v)) => {
                Reading::Quantita { quantita: Quantity { value: v, ..quantita } }
            }
            (r, _) => r,
        },
    };
    let show = |r: Reading| show(r, false);
    match anni.iter_mut().find(|a| a.anno == anno) {
        Some(a) => {
            for (what, series, tree) in
                [("target", a.target, current.target), ("consuntivo", a.consuntivo, current.consuntivo)]
            {
                if !matches!(series, Reading::Mancante) && !same_figure(series, tree) {
                    incoerenze.push(format!(
                        "«{}» {anno}: {what} {} nella serie storica, {} nell'indicatore {} dell'albero della \
                         performance (è stampato questo)",
                        s.nome,
                        show(series),
                        show(tree),
                        node.code
                    ));
                }
            }
            *a = current;
        }
        None => anni.push(current),
    }
    (anni, incoerenze)
}

fn analyse(s: &SerieKpi, soglia: f64, report: &Report, anno_corrente: i32) -> AnalisiKpi {
    let deadline = s.operatore.to_lowercase().starts_with("entro");
    let at_most = s.operatore.trim() == "<=";
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
    let (serie_anni, incoerenze) = with_current_year(s, report, anno_corrente);
    let mut anni = Vec::new();
    for a in &serie_anni {
        let (t, c) = if deadline {
            (
                as_date(a.target).map(|d| (d - epoch).num_days() as f64),
                as_date(a.consuntivo).map(|d| (d - epoch).num_days() as f64),
            )
        } else {
            (number(a.target), number(a.consuntivo))
        };
        let rapporto = match (t, c) {
            (Some(t), Some(c)) if deadline => Some(if c <= t { 1.0 } else { 0.0 }),
            (Some(t), Some(c)) => {
                Some(super::indicator::ratio(series_target(&s.operatore, t), c)).filter(|r| r.is_finite())
            }
            _ => None,
        };
        anni.push(AnnoKpi {
            anno: a.anno,
            target: show(a.target, deadline),
            consuntivo: show(a.consuntivo, deadline),
            target_num: t,
            consuntivo_num: c,
            rapporto,
        });
    }
    let mut target_sotto_precedente = Vec::new();
    if !deadline {
        for w in anni.windows(2) {
            if let (Some(prev_actual), Some(target)) = (w[0].consuntivo_num, w[1].target_num) {
                let easier = if at_most { target > prev_actual } else { target < prev_actual };
                if easier && w[1].anno == w[0].anno + 1 {
                    target_sotto_precedente.push(w[1].anno);
                }
            }
        }
    }
    let anni_overshooting: Vec<i32> = anni
        .iter()
        .filter(|a| !deadline && a.rapporto.is_some_and(|r| r * 100.0 > soglia + 1e-9))
        .map(|a| a.anno)
        .collect();
    let anni_mancanti: Vec<i32> = anni
        .iter()
        .filter(|a| a.target_num.is_none() || a.consuntivo_num.is_none())
        .map(|a| a.anno)
        .collect();
    let list = |v: &[i32]| v.iter().map(|y| y.to_string()).collect::<Vec<_>>().join(", ");
    let mut rilievi = Vec::new();
    if !target_sotto_precedente.is_empty() {
        rilievi.push(format!(
            "target {} rispetto al consuntivo dell'anno precedente nel {}",
            if at_most { "più alto" } else { "più basso" },
            list(&target_sotto_precedente)
        ));
    }
    if anni_overshooting.len() >= 2 {
        rilievi.push(format!(
            "overshooting ripetuto (oltre il {} % del target) nel {}",
            format_number(soglia, 0),
            list(&anni_overshooting)
        ));
    }
    if !anni_mancanti.is_empty() {
        rilievi.push(format!("target o consuntivo mancante nel {}", list(&anni_mancanti)));
    }
    let late: Vec<i32> =
        anni.iter().filter(|a| deadline && a.rapporto.is_some_and(|r| r < 1.0)).map(|a| a.anno).collect();
    if !late.is_empty() {
        rilievi.push(format!("scadenza non rispettata nel {}", list(&late)));
    }
    let codice = tree_indicator(report, &s.nome).map(|n| n.code.clone());
    AnalisiKpi {
        nome: s.nome.clone(),
        operatore: s.operatore.clone(),
        codice,
        anni,
        target_sotto_precedente,
        anni_overshooting,
        anni_mancanti,
        rilievi,
        incoerenze,
        origin: s.origin.clone(),
    }
}

/// The annex's analysis, or `None` when the data folder has no series.
///
/// The current year (`anno`) is taken from the current year's report where the KPI is one of its
/// indicators.
pub fn analisi(report: &Report, soglia: f64, anno: i32) -> Option<AnalisiSerie> {
    if report.serie.is_empty() {
        return None;
    }
    let kpi: Vec<AnalisiKpi> = report.serie.iter().map(|s| analyse(s, soglia, report, anno)).collect();
    Some(AnalisiSerie {
        soglia,
        con_target_sotto_precedente: kpi.iter().filter(|k| !k.target_sotto_precedente.is_empty()).count(),
        con_overshooting_ripetuto: kpi.iter().filter(|k| k.anni_overshooting.len() >= 2).count(),
        con_anni_mancanti: kpi.iter().filter(|k| !k.anni_mancanti.is_empty()).count(),
        senza_rilievi: kpi.iter().filter(|k| k.rilievi.is_empty()).count(),
        kpi,
    })
}
