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
pub mod piano;
pub mod precedente;
pub mod salute;
pub mod serie;
mod summary;
pub mod valutazione;

pub use summary::{BandCounts, FiguraEnte, OvershootRow, Overshooting, Significativo, Summary};

use crate::error::{Diagnostics, Error, Location, Problem};
use crate::inputs::config::{
    BaseValutazione, Calcolo, Classe, PolicyPesi, RisultatoEnte, Smvp, ValoriMancanti,
};
use crate::inputs::decisions::Decisions;
use crate::model::{Decision, Level, Node, Outcome, Report};
use crate::value::{format_number, round_half_up};
use std::collections::{BTreeMap, BTreeSet};

/// A scored report with everything a writer needs.
#[derive(Debug)]
pub struct Scored {
    pub config: crate::inputs::config::Config,
    pub report: Report,
    pub summary: Summary,
    /// Warnings of every stage (findings for the OIV), in stage order.
    pub warnings: Vec<Problem>,
    /// The document's date, resolved once (see `Config::document_date`).
    pub date: chrono::NaiveDate,
    /// The changes from the start-of-year plan (`data/piano/`), when it is there.
    pub piano: Option<piano::Piano>,
    /// The evaluator's decisions as recorded (`decisioni.yaml`), the OIV's conclusion among them.
    pub decisioni: Decisions,
    /// The checks the office documented (`verifiche.yaml`).
    pub verifiche: Vec<crate::bozza::Verificato>,
    /// The fingerprint of the inputs: which version of the data a document was made from.
    pub impronta: crate::inputs::impronta::Impronta,
    /// What matched last year's results (`data/anno_precedente/`), when they were given; each
    /// node carries its own figures ([`crate::model::Node::previous`]).
    pub precedente: Option<precedente::Confronto>,
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
        ente_result(albero, smvp.ente_ufficiale());
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
        .chain(ctx.decisions.valutazioni.iter().map(|v| &v.codice))
    {
        if !ctx.used_decisions.contains(d) {
            ctx.diag.error(
                Location::file(std::path::Path::new(crate::inputs::decisions::FILE_NAME)),
                format!("decisione su «{d}»: nessun obiettivo o indicatore con questo codice"),
            );
        }
    }
    let mut diag = ctx.diag;
    for (prefix, tree) in report.trees_mut() {
        if let Some(tree) = tree {
            finish(tree, smvp, &mut diag);
            tree.assign_ids(prefix);
        }
    }
    diag.finish(()).map(|((), warnings)| warnings)
}

/// The derived facts of a scored report (band counts, overshooting, significant indicators,
/// economic health, multi-year series).
pub fn summarise(
    report: &Report,
    config: &crate::inputs::config::Config,
) -> Result<(Summary, Vec<Problem>), Error> {
    let mut diag = Diagnostics::default();
    let mut s = summary::summarise(
        report,
        &config.file,
        &config.smvp,
        &config.indicatori_significativi,
        config.anno,
        &mut diag,
    );
    s.valutazione = valutazione::valutazione(report, config);
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
            objective_achievement(node, ctx);
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
    let deadline = matches!(ind.target, crate::value::Target::Entro { .. });
    let description =
        if deadline { indicator::describe_deadline(&ctx.smvp.scadenze) } else { indicator::describe(rule) };
    let mut outcome = Outcome { rule: Some(description), ..Outcome::default() };
    match indicator::achievement(ind, &ctx.smvp.scadenze) {
        Some(a) => {
            // A deadline's score is its own rule's (met, or late by so many days): the bands and
            // ceilings are for ratios.
            outcome.result = Some(if deadline { a.ratio } else { indicator::apply(rule, a.ratio) });
            if indicator::below_minimum(ind) {
                outcome.result = Some(0.0);
                let min = crate::value::format_quantity(ind.soglia_minima.unwrap_or_default(), ind.unit);
                outcome.rule = outcome.rule.map(|r| format!("{r}; soglia minima {min} non raggiunta: 0"));
            }
            outcome.ratio = a.ratio.is_finite().then_some(a.ratio);
            outcome.deviation = a.deviation;
        }
        None => {
            outcome.missing = true;
            let at = ind.actual_origin.clone().unwrap_or_else(|| node.origin.clone());
            match ctx.smvp.valori_mancanti {
                ValoriMancanti::Escludi => {
                    outcome.rule = Some("valore mancante: escluso, peso ridistribuito".into());
                }
                ValoriMancanti::Zero => {
                    outcome.result = Some(0.0);
                    outcome.rule = Some("valore mancante: punteggio 0".into());
                }
                ValoriMancanti::Errore => ctx.diag.error(
                    at.clone(),
                    format!("indicatore «{}»: valore mancante («{}»)", node.code, ind.actual_text),
                ),
            }
            ctx.diag.warn(at, format!("indicatore «{}»: valore mancante («{}»)", node.code, ind.actual_text));
        }
    }
    node.outcome = Some(outcome);
}

/// How a node's result comes from its children: the level's configured calculation (groups and
/// the other trees are weighted).
pub fn calculation(node: &Node, smvp: &Smvp) -> Calcolo {
    match node.level {
        // An Ente not weighted by its ambiti gets its result from `ente_result`: the ambiti need
        // no weights.
        Level::Ente if smvp.ente_ufficiale() != RisultatoEnte::MediaPesataAmbiti => Calcolo::MediaSemplice,
        // A group (an OS's own indicators, its operational objectives) is rolled up like its OS.
        Level::Gruppo => smvp.livelli.obiettivo_strategico.calcolo,
        level => smvp.livelli.of(level).map_or(Calcolo::MediaPesata, |l| l.calcolo),
    }
}

/// The node's result from its scored children: Σ weight × result / Σ weight, or their plain mean
/// where the level is rolled up by simple mean (weights then optional).
fn roll_up(node: &mut Node, ctx: &mut Ctx) {
    if node.children.is_empty() {
        ctx.diag.error(
            node.origin.clone(),
            format!("{} «{}» senza elementi da valutare", node.level.label(), node.code),
        );
        return;
    }
    let calcolo = calculation(node, ctx.smvp);
    let simple = calcolo.simple();
    let only_child = node.children.len() == 1;
    if !simple {
        check_weights(node, ctx);
    }
    let weight_of = |c: &Node| {
        if simple { 1.0 } else { c.weight.unwrap_or(if only_child { 100.0 } else { 0.0 }) }
    };
    let total: f64 = node.children.iter().map(weight_of).sum();
    // Summed in a canonical order, so that the order of the rows cannot change the last digit.
    let value_of = |c: &Node| {
        let achievement =
            c.outcome.as_ref().and_then(|o| o.raggiungimento).filter(|_| calcolo.of_achievements());
        achievement.or_else(|| c.result())
    };
    let mut scored: Vec<(f64, f64)> =
        node.children.iter().filter_map(|c| Some((weight_of(c), value_of(c)?))).collect();
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
    let redistributed =
        simple || (sum_w - total).abs() > WEIGHT_TOLERANCE || (total - 100.0).abs() > WEIGHT_TOLERANCE;
    for c in &mut node.children {
        if c.result().is_some() {
            let w = weight_of(c);
            if let Some(o) = c.outcome.as_mut() {
                o.effective_weight = Some(if redistributed { w / sum_w * 100.0 } else { w });
            }
        }
    }
}

/// Weights of a weighted level: each child has one, and they sum to 100 — exactly, or within
/// `tolleranza_pesi` (three × 33,33), accepted and normalised with a note.
fn check_weights(node: &Node, ctx: &mut Ctx) {
    let only_child = node.children.len() == 1;
    let mut total = 0.0;
    for c in &node.children {
        match c.weight {
            Some(w) => total += w,
            None if only_child => total += 100.0,
            None => ctx
                .diag
                .error(c.origin.clone(), format!("peso mancante per {} «{}»", c.level.label(), c.code)),
        }
    }
    let off = (total - 100.0).abs();
    if off <= WEIGHT_TOLERANCE {
        return;
    }
    let msg = format!(
        "i pesi sotto {} «{}» sommano a {} invece di 100",
        node.level.label(),
        node.code,
        format_number(total, 2)
    );
    if off <= ctx.smvp.tolleranza_pesi + 1e-9 {
        ctx.diag.warn(
            node.origin.clone(),
            format!(
                "{msg}: differenza entro la tolleranza di {} punti, pesi normalizzati a 100",
                format_number(ctx.smvp.tolleranza_pesi, 2)
            ),
        );
        return;
    }
    match ctx.smvp.pesi {
        PolicyPesi::Errore => ctx.diag.error(node.origin.clone(), msg),
        PolicyPesi::Normalizza => ctx.diag.warn(node.origin.clone(), format!("{msg}: normalizzati")),
    }
}

/// An objective with a target of its own in the plan: its raggiungimento is its result against
/// that target, capped by the default rule's ceiling.
fn objective_achievement(node: &mut Node, ctx: &mut Ctx) {
    let Some(target) = node.target_obiettivo else { return };
    if target <= 0.0 || !target.is_finite() {
        ctx.diag.error(
            node.origin.clone(),
            format!(
                "target dell'obiettivo «{}» non valido ({}): atteso un valore positivo",
                node.code, target
            ),
        );
        return;
    }
    let cap = ctx.smvp.regola.tetto / 100.0;
    if let Some(o) = node.outcome.as_mut() {
        o.raggiungimento = o.result.map(|r| (r * 100.0 / target).min(cap));
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
    if let Some(v) = ctx.decisions.valutazioni.iter().find(|v| v.codice == code) {
        ctx.used_decisions.insert(code.clone());
        let atto = v.atto.as_ref().map(|a| format!(" ({a})")).unwrap_or_default();
        outcome.valutazione_oiv = Some(format!("{}{atto}", v.valutazione.text()));
        if ctx.smvp.valutazioni_oiv_nel_calcolo {
            let motivazione = v.motivazione.clone().unwrap_or_else(|| format!("valutazione dell'OIV{atto}"));
            match &v.valutazione {
                crate::inputs::decisions::Giudizio::Punti(p) => {
                    let calcolato = outcome.result;
                    outcome.result = Some(p / 100.0);
                    outcome.decision = Some(Decision::Sostituzione {
                        risultato: *p,
                        calcolato,
                        motivazione,
                        organo: crate::inputs::decisions::Organo::Oiv,
                    });
                }
                crate::inputs::decisions::Giudizio::Testo(t) => {
                    outcome.result = None;
                    outcome.decision = Some(Decision::Esclusione {
                        esito: t.clone(),
                        motivazione,
                        organo: crate::inputs::decisions::Organo::Oiv,
                    });
                    for c in &mut node.children {
                        exclude_subtree(c, &code);
                    }
                    return;
                }
            }
        }
    }
    if let Some(e) = ctx.decisions.esclusioni.iter().find(|e| e.codice == code) {
        ctx.used_decisions.insert(code.clone());
        outcome.result = None;
        outcome.raggiungimento = None;
        let atto = e.atto.as_ref().map(|a| format!(" ({a})")).unwrap_or_default();
        outcome.decision = Some(Decision::Esclusione {
            esito: e.esito.label().into(),
            motivazione: format!("{}{atto}", e.motivazione),
            organo: e.organo,
        });
        // What is under an excluded objective is excluded with it: not scored, not below any
        // threshold, no explanation due.
        for c in &mut node.children {
            exclude_subtree(c, &code);
        }
        ctx.diag.warn(
            node.origin.clone(),
            format!("«{code}» {} {}: peso ridistribuito ({})", e.esito.label(), e.organo.da(), e.motivazione),
        );
    } else if let Some(s) = ctx.decisions.sostituzioni.iter().find(|s| s.codice == code) {
        ctx.used_decisions.insert(code.clone());
        let calcolato = outcome.result;
        outcome.result = Some(s.risultato / 100.0);
        let atto = s.atto.as_ref().map(|a| format!(" ({a})")).unwrap_or_default();
        outcome.decision = Some(Decision::Sostituzione {
            risultato: s.risultato,
            calcolato,
            motivazione: format!("{}{atto}", s.motivazione),
            organo: s.organo,
        });
        ctx.diag.warn(
            node.origin.clone(),
            format!(
                "«{code}»: risultato sostituito {} con {} % ({}) — {}",
                s.organo.da(),
                format_number(s.risultato, 2),
                calcolato.map_or("nessun risultato calcolato".into(), |r| format!(
                    "calcolato {} %",
                    format_number(r * 100.0, 2)
                )),
                s.motivazione
            ),
        );
    }
}

/// The Ente's result when the official figure is not a mean of the ambiti (which the roll-up of
/// the root already gives): a mean of the OS. An OIV decision on the Ente itself stands: it is
/// never overwritten.
fn ente_result(albero: &mut Node, mode: RisultatoEnte) {
    if matches!(mode, RisultatoEnte::MediaPesataAmbiti | RisultatoEnte::MediaAmbiti)
        || albero.outcome.as_ref().is_some_and(|o| o.decision.is_some())
    {
        return;
    }
    let value = ente_figure(albero, mode);
    if let Some(o) = albero.outcome.as_mut() {
        o.result = value;
    }
}

/// One figure of the Ente from the scored tree: a (weighted) mean of the ambiti results, or of
/// the OS results or raggiungimenti (an OS without a target of its own counts with its result;
/// the weighted one weighs each OS by its weight times its ambito's). Excluded elements are left
/// out and their weight goes to the others.
pub fn ente_figure(albero: &Node, mode: RisultatoEnte) -> Option<f64> {
    let mut values: Vec<(f64, f64)> = Vec::new();
    for ambito in albero.children.iter().filter(|c| c.level == Level::Ambito) {
        let ambito_weight = ambito.weight.unwrap_or(100.0) / 100.0;
        match mode {
            RisultatoEnte::MediaPesataAmbiti | RisultatoEnte::MediaAmbiti => {
                let weight = if mode == RisultatoEnte::MediaAmbiti { 1.0 } else { ambito_weight };
                if let Some(r) = ambito.result() {
                    values.push((weight, r));
                }
            }
            _ => {
                for os in ambito.all(Level::ObiettivoStrategico) {
                    let Some(o) = os.outcome.as_ref() else { continue };
                    let value = match mode {
                        RisultatoEnte::MediaObiettiviStrategici => o.result,
                        _ => o.raggiungimento.or(o.result),
                    };
                    let weight = match mode {
                        RisultatoEnte::MediaPesataRaggiungimentiOs => {
                            os.weight.unwrap_or(0.0) * ambito_weight
                        }
                        _ => 1.0,
                    };
                    if let Some(v) = value.filter(|_| o.result.is_some()) {
                        values.push((weight, v));
                    }
                }
            }
        }
    }
    values.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let sum_w: f64 = values.iter().map(|(w, _)| w).sum();
    (sum_w > 0.0).then(|| values.iter().map(|(w, v)| w * v).sum::<f64>() / sum_w)
}

/// Clears the results below an excluded objective, naming it in each node's rule.
fn exclude_subtree(node: &mut Node, excluded: &str) {
    let o = node.outcome.get_or_insert_with(Outcome::default);
    o.result = None;
    o.raggiungimento = None;
    o.effective_weight = None;
    o.missing = false;
    o.rule = Some(format!("escluso con l'obiettivo «{excluded}»"));
    for c in &mut node.children {
        exclude_subtree(c, excluded);
    }
}

/// The class of a result as displayed (rounded to 2 decimals), so a reader never sees a
/// `95,00 %` printed in the class below: the position of the first class whose threshold it
/// reaches; none below every class or without classes.
pub fn band(result: f64, classi: &[Classe]) -> Option<usize> {
    let shown = round_half_up(result * 100.0, 2);
    classi.iter().position(|c| shown >= c.da)
}

/// Scored indicators whose result is below the explanation threshold (`soglia_spiegazioni`),
/// each once (at its first appearance), with the objective it belongs to (groups are skipped:
/// the parent is the objective above them). These are the indicators whose deviation the staff
/// must explain.
pub fn below_threshold<'a>(albero: &'a Node, smvp: &Smvp) -> Vec<(&'a Node, &'a Node)> {
    fn walk<'a>(
        n: &'a Node,
        parent: &'a Node,
        threshold: f64,
        seen: &mut BTreeSet<&'a str>,
        out: &mut Vec<(&'a Node, &'a Node)>,
    ) {
        for c in &n.children {
            walk(c, if n.level == Level::Gruppo { parent } else { n }, threshold, seen, out);
        }
        let result = n.outcome.as_ref().and_then(|o| o.result);
        let below = result.is_some_and(|r| round_half_up(r * 100.0, 2) < threshold);
        if n.indicator.is_some() && below && seen.insert(&n.code) {
            out.push((n, parent));
        }
    }
    let mut out = Vec::new();
    walk(albero, albero, smvp.soglia_spiegazioni(), &mut BTreeSet::new(), &mut out);
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
        let classi = smvp.classi();
        o.band = band(r, classi);
        o.classe = o.band.map(|b| classi[b].etichetta.clone());
        if node.level == Level::ObiettivoStrategico {
            let base = match smvp.valutazione_os_su {
                BaseValutazione::Risultato => r,
                BaseValutazione::Raggiungimento => o.raggiungimento.unwrap_or(r),
            };
            let shown = round_half_up(base * 100.0, 2);
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
