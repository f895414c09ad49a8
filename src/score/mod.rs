//! Scoring: the SMVP applied to the report model. Every node gets its unrounded result; rounding
//! happens only when a figure is displayed.
//!
//! One roll-up serves every tree: a node's result is Σ weight × child result over the children
//! that are scored, divided by the sum of their weights (so an excluded child's weight goes to its
//! siblings pro rata). The Ente may instead be the plain mean of the OS results (`ente_as_mean_of_os`
//! replaces the weighted roll-up of the root after the tree is scored).
//!
//! [`Scored`] is what this stage hands on: every writer (PDF, workbook, open data, JSON) reads it,
//! through `view` where it needs display values, and none of them is imported back here.

pub mod indicator;
pub mod salute;
pub mod serie;
mod summary;

pub use summary::{BandCounts, OvershootRow, Overshooting, Significativo, Summary};

use crate::config::{PolicyPesi, RisultatoEnte, Semaforo, Smvp, ValoriMancanti};
use crate::decisions::Decisions;
use crate::error::{Diagnostics, Error, Location, Problem};
use crate::model::{Band, Decision, Level, Node, Outcome, Report};
use crate::value::{format_number, round_half_up};
use std::collections::{BTreeMap, BTreeSet};

/// A scored report with everything a writer needs.
pub struct Scored {
    pub config: crate::config::Config,
    pub report: Report,
    pub summary: Summary,
    /// Warnings of every stage (findings for the OIV), in stage order.
    pub warnings: Vec<Problem>,
    /// The document's date, resolved once (see `Config::document_date`).
    pub date: chrono::NaiveDate,
}

/// Sums of weights may differ from 100 by rounding noise only.
const WEIGHT_TOLERANCE: f64 = 0.001;

struct Ctx<'a> {
    smvp: &'a Smvp,
    decisions: &'a Decisions,
    /// Results of the performance tree's OS and OO, for individual objectives typed OS/OP.
    linked: BTreeMap<(Level, String), f64>,
    used_decisions: BTreeSet<String>,
    diag: Diagnostics,
}

/// Scores every tree of the report in place and returns the findings.
pub fn score(report: &mut Report, smvp: &Smvp, decisions: &Decisions) -> Result<Vec<Problem>, Error> {
    let mut ctx = Ctx {
        smvp,
        decisions,
        linked: BTreeMap::new(),
        used_decisions: BTreeSet::new(),
        diag: Diagnostics::default(),
    };

    if let Some(albero) = report.albero.as_mut() {
        score_node(albero, &mut ctx);
        if smvp.ente == RisultatoEnte::MediaObiettiviStrategici {
            ente_as_mean_of_os(albero);
        }
        albero.walk(&mut |n| {
            if matches!(n.level, Level::ObiettivoStrategico | Level::ObiettivoOperativo)
                && let Some(r) = n.result()
            {
                ctx.linked.insert((n.level, n.code.clone()), r);
            }
        });
    }
    for tree in [&mut report.unita, &mut report.tempestivita, &mut report.individuali].into_iter().flatten() {
        score_node(tree, &mut ctx);
    }
    for d in ctx
        .decisions
        .sostituzioni
        .iter()
        .map(|s| &s.codice)
        .chain(ctx.decisions.esclusioni.iter().map(|e| &e.codice))
    {
        if !ctx.used_decisions.contains(d) {
            ctx.diag.error(
                Location::file(std::path::Path::new(crate::decisions::FILE_NAME)),
                format!("decisione su «{d}»: nessun obiettivo o indicatore con questo codice"),
            );
        }
    }
    let mut diag = ctx.diag;
    for tree in [&mut report.albero, &mut report.unita, &mut report.tempestivita, &mut report.individuali]
        .into_iter()
        .flatten()
    {
        finish(tree, smvp, &mut diag);
    }
    diag.finish(()).map(|((), warnings)| warnings)
}

/// The derived facts of a scored report (band counts, overshooting, significant indicators,
/// economic health, multi-year series).
pub fn summarise(report: &Report, config: &crate::config::Config) -> Result<(Summary, Vec<Problem>), Error> {
    let mut diag = Diagnostics::default();
    let s =
        summary::summarise(report, &config.smvp, &config.indicatori_significativi, config.anno, &mut diag);
    diag.finish(s)
}

/// Whether a node's result is rolled up from its children: every level but the roots of the
/// organisational and individual trees, which only hold their children.
fn aggregates(level: Level) -> bool {
    !matches!(level, Level::Struttura | Level::Valutati)
}

fn score_node(node: &mut Node, ctx: &mut Ctx) {
    if node.indicator.is_some() {
        score_indicator(node, ctx);
    } else {
        for c in &mut node.children {
            score_node(c, ctx);
        }
        node.outcome = Some(Outcome::default());
        if aggregates(node.level) {
            roll_up(node, ctx);
        }
        if node.level == Level::ObiettivoIndividuale {
            link_individual(node, ctx);
        }
    }
    apply_decision(node, ctx);
}

fn score_indicator(node: &mut Node, ctx: &mut Ctx) {
    let ind = node.indicator.as_deref().expect("indicator node");
    let rule = indicator::rule_for(ctx.smvp, &node.code, ind.tipo.as_deref());
    let mut outcome = Outcome { rule: Some(indicator::describe(rule)), ..Outcome::default() };
    match indicator::achievement(ind, &ctx.smvp.scadenze) {
        Some(a) => {
            outcome.result = Some(indicator::apply(rule, a.ratio));
            outcome.ratio = a.ratio.is_finite().then_some(a.ratio);
            outcome.deviation = a.deviation;
        }
        None => {
            outcome.missing = true;
            match ctx.smvp.valori_mancanti {
                ValoriMancanti::Escludi => {
                    outcome.rule = Some("valore mancante: escluso, peso ridistribuito".into());
                }
                ValoriMancanti::Zero => {
                    outcome.result = Some(0.0);
                    outcome.rule = Some("valore mancante: punteggio 0".into());
                }
                ValoriMancanti::Errore => ctx.diag.error(
                    node.origin.clone(),
                    format!("indicatore «{}»: valore mancante («{}»)", node.code, ind.actual_text),
                ),
            }
            ctx.diag.warn(
                node.origin.clone(),
                format!("indicatore «{}»: valore mancante («{}»)", node.code, ind.actual_text),
            );
        }
    }
    node.outcome = Some(outcome);
}

/// Σ weight × result over the scored children, divided by their total weight.
fn roll_up(node: &mut Node, ctx: &mut Ctx) {
    if node.children.is_empty() {
        ctx.diag.error(
            node.origin.clone(),
            format!("{} «{}» senza elementi da valutare", node.level.label(), node.code),
        );
        return;
    }
    let mut weights: Vec<f64> = Vec::new();
    for c in &node.children {
        match c.weight {
            Some(w) => weights.push(w),
            None if node.children.len() == 1 => weights.push(100.0),
            None => ctx
                .diag
                .error(c.origin.clone(), format!("peso mancante per {} «{}»", c.level.label(), c.code)),
        }
    }
    weights.sort_by(f64::total_cmp);
    let total: f64 = weights.iter().sum();
    if (total - 100.0).abs() > WEIGHT_TOLERANCE {
        let msg = format!(
            "i pesi sotto {} «{}» sommano a {} invece di 100",
            node.level.label(),
            node.code,
            format_number(total, 2)
        );
        match ctx.smvp.pesi {
            PolicyPesi::Errore => ctx.diag.error(node.origin.clone(), msg),
            PolicyPesi::Normalizza => ctx.diag.warn(node.origin.clone(), format!("{msg}: normalizzati")),
        }
    }
    let only_child = node.children.len() == 1;
    let weight_of = |c: &Node| c.weight.unwrap_or(if only_child { 100.0 } else { 0.0 });
    // Summed in a canonical order, so that the order of the rows cannot change the last digit.
    let mut scored: Vec<(f64, f64)> =
        node.children.iter().filter_map(|c| Some((weight_of(c), c.result()?))).collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let sum_w: f64 = scored.iter().map(|(w, _)| w).sum();
    let outcome = node.outcome.get_or_insert_with(Outcome::default);
    if sum_w <= 0.0 {
        outcome.result = None;
        ctx.diag.warn(
            node.origin.clone(),
            format!("{} «{}»: nessun elemento valutabile, nessun risultato", node.level.label(), node.code),
        );
        return;
    }
    outcome.result = Some(scored.iter().map(|(w, r)| w * r).sum::<f64>() / sum_w);
    let redistributed = (sum_w - total).abs() > WEIGHT_TOLERANCE;
    for c in &mut node.children {
        if c.result().is_some() {
            let w = weight_of(c);
            if let Some(o) = c.outcome.as_mut() {
                o.effective_weight = Some(if redistributed { w / sum_w * 100.0 } else { w });
            }
        }
    }
}

/// An individual objective typed OS or OP is the performance tree's objective with that code.
fn link_individual(node: &mut Node, ctx: &mut Ctx) {
    let level = match node.tipologia.as_deref().map(str::to_uppercase).as_deref() {
        Some("OS") => Level::ObiettivoStrategico,
        Some("OP" | "OO") => Level::ObiettivoOperativo,
        _ => return,
    };
    if let Some(&r) = ctx.linked.get(&(level, node.code.clone())) {
        let o = node.outcome.get_or_insert_with(Outcome::default);
        o.result = Some(r);
        o.rule =
            Some(format!("risultato dell'{} «{}» dell'albero della performance", level.label(), node.code));
    } else {
        ctx.diag.warn(
            node.origin.clone(),
            format!(
                "obiettivo «{}» di tipo {}: non trovato nell'albero, calcolato dai suoi indicatori",
                node.code,
                node.tipologia.as_deref().unwrap_or("")
            ),
        );
    }
}

fn apply_decision(node: &mut Node, ctx: &mut Ctx) {
    let code = node.code.clone();
    let outcome = node.outcome.get_or_insert_with(Outcome::default);
    if let Some(e) = ctx.decisions.esclusioni.iter().find(|e| e.codice == code) {
        ctx.used_decisions.insert(code.clone());
        outcome.result = None;
        outcome.decision =
            Some(Decision::Esclusione { esito: e.esito.label().into(), motivazione: e.motivazione.clone() });
        ctx.diag.warn(
            node.origin.clone(),
            format!("«{code}» {} dall'OIV: peso ridistribuito ({})", e.esito.label(), e.motivazione),
        );
    } else if let Some(s) = ctx.decisions.sostituzioni.iter().find(|s| s.codice == code) {
        ctx.used_decisions.insert(code.clone());
        let calcolato = outcome.result;
        outcome.result = Some(s.risultato / 100.0);
        outcome.decision = Some(Decision::Sostituzione {
            risultato: s.risultato,
            calcolato,
            motivazione: s.motivazione.clone(),
        });
        ctx.diag.warn(
            node.origin.clone(),
            format!(
                "«{code}»: risultato sostituito dall'OIV con {} % (calcolato {}) — {}",
                format_number(s.risultato, 2),
                calcolato.map_or("-".into(), |r| format!("{} %", format_number(r * 100.0, 2))),
                s.motivazione
            ),
        );
    }
}

/// Ente = plain mean of the OS results (some SMVPs do this instead of weighting the ambiti).
/// An OIV decision on the Ente itself stands: the mean never overwrites it.
fn ente_as_mean_of_os(albero: &mut Node) {
    if albero.outcome.as_ref().is_some_and(|o| o.decision.is_some()) {
        return;
    }
    let results: Vec<f64> =
        albero.all(Level::ObiettivoStrategico).iter().filter_map(|n| n.result()).collect();
    if let Some(o) = albero.outcome.as_mut() {
        o.result = (!results.is_empty()).then(|| results.iter().sum::<f64>() / results.len() as f64);
    }
}

/// The band of a result as displayed (rounded to 2 decimals), so a reader never sees a green
/// `95,00 %` printed in yellow.
pub fn band(result: f64, s: &Semaforo) -> Band {
    let shown = round_half_up(result * 100.0, 2);
    let classes = s.classi();
    classes.iter().find(|(_, from)| shown >= *from).map_or(Band::Rosso, |(b, _)| *b)
}

/// Scored indicators below the best band, each once (at its first appearance), with the objective
/// it belongs to (groups are skipped: the parent is the objective above them). These are the
/// indicators whose deviation the staff must explain.
pub fn below_green(albero: &Node) -> Vec<(&Node, &Node)> {
    fn walk<'a>(
        n: &'a Node,
        parent: &'a Node,
        seen: &mut BTreeSet<&'a str>,
        out: &mut Vec<(&'a Node, &'a Node)>,
    ) {
        for c in &n.children {
            walk(c, if n.level == Level::Gruppo { parent } else { n }, seen, out);
        }
        let band = n.outcome.as_ref().and_then(|o| o.band);
        if n.indicator.is_some() && band.is_some_and(|b| b != Band::Verde) && seen.insert(&n.code) {
            out.push((n, parent));
        }
    }
    let mut out = Vec::new();
    walk(albero, albero, &mut BTreeSet::new(), &mut out);
    out
}

/// Bands, OS valuation labels, and the comparison with the platform's own results.
fn finish(node: &mut Node, smvp: &Smvp, diag: &mut Diagnostics) {
    for c in &mut node.children {
        finish(c, smvp, diag);
    }
    let Some(o) = node.outcome.as_mut() else {
        return;
    };
    if let Some(r) = o.result {
        o.band = Some(band(r, &smvp.semaforo));
        if node.level == Level::ObiettivoStrategico {
            let shown = round_half_up(r * 100.0, 2);
            o.valutazione = smvp.valutazione_os.iter().find(|g| shown >= g.da).map(|g| g.giudizio.clone());
        }
    }
    if let Some(p) = node.platform_result {
        let ours = o.result.map(|r| r * 100.0);
        let differs = ours.is_none_or(|r| (r - p * 100.0).abs() > smvp.tolleranza_confronto + 1e-9);
        if differs && o.decision.is_none() {
            diag.warn(
                node.origin.clone(),
                format!(
                    "{} «{}»: risultato calcolato {} diverso da quello della piattaforma {} %",
                    node.level.label(),
                    node.code,
                    ours.map_or("assente".into(), |r| format!("{} %", format_number(r, 2))),
                    format_number(p * 100.0, 2)
                ),
            );
        }
    }
}
