//! The tree sheets (Albero, Unità organizzative, Obiettivi individuali): one row per node, outline
//! groups by level, result formulas over the children.

use super::formule::{band_formula, formula, ratio_expr, score_expr, serial};
use super::{Formats, header, out, text, traffic_lights};
use crate::error::Error;
use crate::inputs::config::Smvp;
use crate::model::{Decision, Indicator, Level, Node};
use crate::score::indicator::rule_for;
use crate::value::{Reading, Target};
use rust_xlsxwriter::{Format, Formula, Workbook, Worksheet};
use std::collections::BTreeMap;

/// The columns of the tree sheets, in sheet order: every cell reference in a formula is derived
/// from this one table (see [`Col::at`]), never written as a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Livello,
    Codice,
    Descrizione,
    Peso,
    Target,
    Valore,
    TargetNumero,
    TargetMassimo,
    ValoreUsato,
    Rapporto,
    Risultato,
    Semaforo,
    TargetObiettivo,
    Raggiungimento,
    Scostamento,
    Piattaforma,
    Differenza,
    Nota,
    Origine,
}

/// Header and width of each column, in the order of [`Col`].
const TREE_COLS: &[(Col, &str, f64)] = &[
    (Col::Livello, "Livello", 20.0),
    (Col::Codice, "Codice", 16.0),
    (Col::Descrizione, "Descrizione", 60.0),
    (Col::Peso, "Peso", 9.0),
    (Col::Target, "Target", 18.0),
    (Col::Valore, "Valore", 16.0),
    (Col::TargetNumero, "Target (numero)", 14.0),
    (Col::TargetMassimo, "Target massimo (numero)", 12.0),
    (Col::ValoreUsato, "Valore usato (numero)", 14.0),
    (Col::Rapporto, "Rapporto", 10.0),
    (Col::Risultato, "Risultato", 10.0),
    (Col::Semaforo, "Classe", 14.0),
    (Col::TargetObiettivo, "Target dell'obiettivo", 12.0),
    (Col::Raggiungimento, "Raggiungimento", 13.0),
    (Col::Scostamento, "Scostamento", 12.0),
    (Col::Piattaforma, "Risultato della piattaforma", 14.0),
    (Col::Differenza, "Differenza dalla piattaforma", 14.0),
    (Col::Nota, "Regola o decisione", 50.0),
    (Col::Origine, "Origine (file, foglio, cella)", 40.0),
];

impl Col {
    pub(super) fn index(self) -> u16 {
        self as u16
    }

    /// The column's letter: `K`.
    pub(super) fn letter(self) -> String {
        super::column_letter(self.index())
    }

    /// A1 name of this column's cell on a zero-based row: `K12`.
    pub(super) fn at(self, row: u32) -> String {
        format!("{}{}", self.letter(), row + 1)
    }
}

/// Writes a tree: one row per node, outline groups by level, result formulas over the children.
struct TreeWriter<'a> {
    f: &'a Formats,
    smvp: &'a Smvp,
    /// Rows of the performance tree's OS and OO, for individual objectives typed OS/OP.
    linked: &'a BTreeMap<(Level, String), u32>,
    sheet_of_linked: &'a str,
    rows: BTreeMap<(Level, String), u32>,
    next: u32,
}

impl TreeWriter<'_> {
    fn write(&mut self, ws: &mut Worksheet, n: &Node, depth: u8) -> Result<u32, Error> {
        let row = self.next;
        self.next += 1;
        self.rows.entry((n.level, n.code.clone())).or_insert(row);
        // The level in a clean column (the filter lists each once); indentation is the outline's.
        text(ws, row, Col::Livello.index(), n.level.label())?;
        text(ws, row, Col::Codice.index(), &n.code)?;
        text(ws, row, Col::Descrizione.index(), &n.name)?;
        if let Some(w) = n.weight {
            ws.write_number_with_format(row, Col::Peso.index(), w / 100.0, &self.f.pct).map_err(out)?;
        }
        if n.indicator.is_none() && depth <= 1 {
            for c in [Col::Livello, Col::Codice, Col::Descrizione].map(Col::index) {
                ws.set_cell_format(row, c, &self.f.bold).map_err(out)?;
            }
        }
        let outcome = n.outcome.as_ref();
        let result = outcome.and_then(|o| o.result);
        let k = Col::Risultato.at(row);
        let note = note(n);
        text(ws, row, Col::Nota.index(), &note)?;

        let mut child_rows = Vec::with_capacity(n.children.len());
        for c in &n.children {
            child_rows.push(Some(self.write(ws, c, depth + 1)?));
        }
        if !n.children.is_empty() {
            ws.group_rows(row + 1, self.next - 1).map_err(out)?;
        }

        let decided = outcome.and_then(|o| o.decision.as_ref()).is_some();
        if let Some(ind) = n.indicator.as_deref() {
            self.indicator_cells(ws, row, n, ind, decided)?;
        } else if let Some(r) = result {
            let expr = if decided {
                None
            } else if let Some(&linked_row) = self.linked_row(n) {
                Some(format!("'{}'!{}", self.sheet_of_linked, Col::Risultato.at(linked_row)))
            } else if n.level == Level::Ente {
                ente_expr(self.smvp.ente_ufficiale(), n, &self.rows, "")
            } else {
                roll_up_expr(n, crate::score::calculation(n, self.smvp), &child_rows, "")
            };
            match expr {
                Some(e) => ws
                    .write_formula_with_format(row, Col::Risultato.index(), formula(e, r), &self.f.pct)
                    .map_err(out)?,
                None => {
                    ws.write_number_with_format(row, Col::Risultato.index(), r, &self.f.pct).map_err(out)?
                }
            };
        }
        // The platform's own result beside ours, and the difference, so the office sees at a
        // glance where the two disagree; and where each row was read.
        if let Some(p) = n.platform_result {
            ws.write_number_with_format(row, Col::Piattaforma.index(), p, &self.f.pct).map_err(out)?;
            if let Some(r) = result {
                let diff = formula(format!("{k}-{}", Col::Piattaforma.at(row)), r - p);
                ws.write_formula_with_format(row, Col::Differenza.index(), diff, &self.f.pct).map_err(out)?;
            }
        }
        text(ws, row, Col::Origine.index(), &n.origin.short())?;
        // An objective with a target of its own: the target and the raggiungimento, live.
        if let Some(t) = n.target_obiettivo.filter(|t| *t > 0.0 && t.is_finite()) {
            let t_cell = Col::TargetObiettivo.at(row);
            ws.write_number_with_format(row, Col::TargetObiettivo.index(), t / 100.0, &self.f.pct)
                .map_err(out)?;
            if let Some(g) = outcome.and_then(|o| o.raggiungimento) {
                let cap = self.smvp.regola.tetto / 100.0;
                let expr = format!("IF({k}=\"\",\"\",MIN({cap},{k}/{t_cell}))");
                ws.write_formula_with_format(row, Col::Raggiungimento.index(), formula(expr, g), &self.f.pct)
                    .map_err(out)?;
            }
        }
        if result.is_some() && !self.smvp.classi().is_empty() {
            let band = outcome.and_then(|o| o.classe.as_deref()).unwrap_or("");
            ws.write_formula(
                row,
                Col::Semaforo.index(),
                Formula::new(band_formula(&k, self.smvp)).set_result(band),
            )
            .map_err(out)?;
        }
        Ok(row)
    }

    fn linked_row(&self, n: &Node) -> Option<&u32> {
        if n.level != Level::ObiettivoIndividuale {
            return None;
        }
        let level = match n.tipologia.as_deref().map(str::to_uppercase).as_deref() {
            Some("OS") => Level::ObiettivoStrategico,
            Some("OP" | "OO") => Level::ObiettivoOperativo,
            _ => return None,
        };
        self.linked.get(&(level, n.code.clone()))
    }

    fn indicator_cells(
        &self,
        ws: &mut Worksheet,
        row: u32,
        n: &Node,
        ind: &Indicator,
        decided: bool,
    ) -> Result<(), Error> {
        let f = self.f;
        text(ws, row, Col::Target.index(), &ind.target_text)?;
        text(ws, row, Col::Valore.index(), &ind.actual_text)?;
        let number = |ws: &mut Worksheet, col: u16, v: f64, fmt: &Format| {
            ws.write_number_with_format(row, col, v, fmt).map(|_| ())
        };
        match ind.target {
            Target::AlMeno { valore } | Target::AlMassimo { valore } | Target::Uguale { valore } => {
                number(ws, Col::TargetNumero.index(), valore.value, &f.num).map_err(out)?
            }
            Target::Tra { minimo, massimo } => {
                number(ws, Col::TargetNumero.index(), minimo.value, &f.num).map_err(out)?;
                number(ws, Col::TargetMassimo.index(), massimo.value, &f.num).map_err(out)?;
            }
            Target::Entro { data } => {
                number(ws, Col::TargetNumero.index(), serial(data), &f.date).map_err(out)?
            }
        }
        match (ind.actual, ind.value) {
            (Reading::Data { data }, _) => {
                number(ws, Col::ValoreUsato.index(), serial(data), &f.date).map_err(out)?
            }
            (_, Some(v)) => number(ws, Col::ValoreUsato.index(), v, &f.num).map_err(out)?,
            _ => {}
        }
        let o = n.outcome.as_ref();
        let (g, h, i, j) = (
            Col::TargetNumero.at(row),
            Col::TargetMassimo.at(row),
            Col::ValoreUsato.at(row),
            Col::Rapporto.at(row),
        );
        if let Some(a) = crate::score::indicator::achievement(ind, &self.smvp.scadenze) {
            let cached = if a.ratio.is_finite() { a.ratio } else { 1e300 };
            ws.write_formula_with_format(
                row,
                Col::Rapporto.index(),
                formula(ratio_expr(&ind.target, self.smvp, &g, &h, &i), cached),
                &f.pct,
            )
            .map_err(out)?;
            if let Some(d) = a.deviation {
                ws.write_formula_with_format(
                    row,
                    Col::Scostamento.index(),
                    formula(format!("{i}-{g}"), d),
                    &f.num,
                )
                .map_err(out)?;
            }
        }
        if let Some(r) = o.and_then(|o| o.result) {
            let rule = rule_for(self.smvp, &n.code, ind.tipo.as_deref());
            if decided || o.is_some_and(|o| o.missing) {
                ws.write_number_with_format(row, Col::Risultato.index(), r, &f.pct).map_err(out)?;
            } else {
                // Deadlines are scored by their own rule (the ratio is the score); a value past
                // the minimum threshold scores 0.
                let mut expr = match ind.target {
                    Target::Entro { .. } => j.clone(),
                    _ => score_expr(rule, &j),
                };
                if let Some(min) = ind.soglia_minima {
                    match ind.target {
                        Target::AlMeno { .. } => expr = format!("IF({i}<{min},0,{expr})"),
                        Target::AlMassimo { .. } => expr = format!("IF({i}>{min},0,{expr})"),
                        _ => {}
                    }
                }
                ws.write_formula_with_format(row, Col::Risultato.index(), formula(expr, r), &f.pct)
                    .map_err(out)?;
            }
        }
        Ok(())
    }
}

/// Longest formula a spreadsheet accepts (Excel: 8.192 characters) and most arguments of a
/// function (255): a roll-up over more children than fit is written as its value, with the rule in
/// the note column as for every node.
const MAX_FORMULA: usize = 8_000;
const MAX_ARGUMENTS: usize = 255;

/// `AVERAGE(a,b,…)`, or `(a+b+…)/n` beyond the functions' argument limit; none beyond the length
/// limit.
fn mean_expr(values: &[String]) -> Option<String> {
    let e = if values.len() <= MAX_ARGUMENTS {
        format!("AVERAGE({})", values.join(","))
    } else {
        format!("({})/{}", values.join("+"), values.len())
    };
    (e.len() <= MAX_FORMULA).then_some(e)
}

/// `(w1*v1+…)/(w1+…)`; none beyond the length limit.
fn weighted_expr(weights: &[String], values: &[String]) -> Option<String> {
    let num: Vec<String> = weights.iter().zip(values).map(|(w, v)| format!("{w}*{v}")).collect();
    let e = format!("({})/({})", num.join("+"), weights.join("+"));
    (e.len() <= MAX_FORMULA).then_some(e)
}

/// The cell a parent reads for a child: its raggiungimento where the parent's calculation is on
/// raggiungimenti and the child has one, its result otherwise.
fn value_cell(c: &Node, achievements: bool, row: u32, sheet: &str) -> String {
    let has = c.outcome.as_ref().is_some_and(|o| o.raggiungimento.is_some());
    let col = if achievements && has { Col::Raggiungimento } else { Col::Risultato };
    format!("{sheet}{}", col.at(row))
}

/// A node's result over its scored children's cells, mirroring `score::roll_up`: Σ weight ×
/// value / Σ weight, or the plain AVERAGE where the level is a simple mean (so blank weights
/// never divide by zero); excluded children are left out and their weight goes to the others.
/// `child_rows` are the children's rows, in their order; `sheet` prefixes every reference
/// (`Albero!`) when the formula is written on another sheet.
pub(super) fn roll_up_expr(
    n: &Node,
    calcolo: crate::inputs::config::Calcolo,
    child_rows: &[Option<u32>],
    sheet: &str,
) -> Option<String> {
    let scored: Vec<(&Node, u32)> = n
        .children
        .iter()
        .zip(child_rows)
        .filter(|(c, _)| c.result().is_some())
        .filter_map(|(c, r)| Some((c, (*r)?)))
        .collect();
    let values: Vec<String> =
        scored.iter().map(|(c, r)| value_cell(c, calcolo.of_achievements(), *r, sheet)).collect();
    match scored.as_slice() {
        [] => None,
        [(c, _)] if c.weight.is_none() || calcolo.simple() => Some(values[0].clone()),
        _ if calcolo.simple() => mean_expr(&values),
        _ => {
            let weights: Vec<String> =
                scored.iter().map(|(_, r)| format!("{sheet}{}", Col::Peso.at(*r))).collect();
            weighted_expr(&weights, &values)
        }
    }
}

/// An Ente figure over the tree's cells, mirroring `score::ente_figure`.
pub(super) fn ente_expr(
    mode: crate::inputs::config::RisultatoEnte,
    root: &Node,
    rows: &BTreeMap<(Level, String), u32>,
    sheet: &str,
) -> Option<String> {
    use crate::inputs::config::{Calcolo, RisultatoEnte};
    // The ambiti's and the OS's codes are unique in the tree (groups', repeated under every OS,
    // are never looked up here).
    let ambiti: Vec<Option<u32>> =
        root.children.iter().map(|c| rows.get(&(c.level, c.code.clone())).copied()).collect();
    match mode {
        RisultatoEnte::MediaPesataAmbiti => roll_up_expr(root, Calcolo::MediaPesata, &ambiti, sheet),
        RisultatoEnte::MediaAmbiti => roll_up_expr(root, Calcolo::MediaSemplice, &ambiti, sheet),
        _ => {
            let achievements = mode != RisultatoEnte::MediaObiettiviStrategici;
            let mut terms: Vec<(Option<String>, String)> = Vec::new();
            for ambito in root.children.iter().filter(|c| c.level == Level::Ambito) {
                let ambito_row = rows.get(&(Level::Ambito, ambito.code.clone()));
                for os in ambito.all(Level::ObiettivoStrategico).into_iter().filter(|o| o.result().is_some())
                {
                    let Some(&r) = rows.get(&(Level::ObiettivoStrategico, os.code.clone())) else { continue };
                    let weight = match (mode, ambito_row) {
                        (RisultatoEnte::MediaPesataRaggiungimentiOs, Some(a)) if ambito.weight.is_some() => {
                            Some(format!("{sheet}{}*{sheet}{}", Col::Peso.at(r), Col::Peso.at(*a)))
                        }
                        (RisultatoEnte::MediaPesataRaggiungimentiOs, _) => {
                            Some(format!("{sheet}{}", Col::Peso.at(r)))
                        }
                        _ => None,
                    };
                    terms.push((weight, value_cell(os, achievements, r, sheet)));
                }
            }
            if terms.is_empty() {
                return None;
            }
            let (weights, values): (Vec<String>, Vec<String>) =
                terms.into_iter().map(|(w, v)| (w.unwrap_or_default(), v)).unzip();
            if mode == RisultatoEnte::MediaPesataRaggiungimentiOs {
                weighted_expr(&weights, &values)
            } else {
                mean_expr(&values)
            }
        }
    }
}

/// The rule applied, or the evaluator's decision with its reason.
fn note(n: &Node) -> String {
    let Some(o) = n.outcome.as_ref() else { return String::new() };
    let text = match &o.decision {
        Some(Decision::Sostituzione { risultato, calcolato, motivazione, organo }) => format!(
            "Sostituito {} con {} % ({}): {motivazione}",
            organo.da(),
            crate::value::format_number(*risultato, 2),
            calcolato.map_or("nessun risultato calcolato".into(), |c| format!(
                "calcolato {} %",
                crate::value::format_number(c * 100.0, 2)
            ))
        ),
        Some(Decision::Esclusione { esito, motivazione, organo }) => {
            format!("Escluso ({esito}) {}: {motivazione}", organo.da())
        }
        None => o.rule.clone().unwrap_or_default(),
    };
    match &o.valutazione_oiv {
        Some(v) if text.is_empty() => format!("Valutazione OIV: {v}"),
        Some(v) => format!("{text}; valutazione OIV: {v}"),
        None => text,
    }
}

pub(super) fn tree_sheet(
    wb: &mut Workbook,
    name: &str,
    roots: &[&Node],
    f: &Formats,
    smvp: &Smvp,
    linked: &BTreeMap<(Level, String), u32>,
) -> Result<BTreeMap<(Level, String), u32>, Error> {
    let ws = wb.add_worksheet().set_name(name).map_err(out)?;
    let cols: Vec<(&str, f64)> = TREE_COLS.iter().map(|(_, h, w)| (*h, *w)).collect();
    header(ws, f, &cols)?;
    let mut w = TreeWriter { f, smvp, linked, sheet_of_linked: "Albero", rows: BTreeMap::new(), next: 1 };
    for root in roots {
        w.write(ws, root, 0)?;
    }
    let last = w.next - 1;
    ws.autofilter(0, 0, last, (TREE_COLS.len() - 1) as u16).map_err(out)?;
    traffic_lights(ws, smvp, Col::Risultato.index(), last)?;
    Ok(w.rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_table_is_in_the_order_of_the_columns() {
        for (i, (c, _, _)) in TREE_COLS.iter().enumerate() {
            assert_eq!(c.index() as usize, i, "{c:?}");
        }
        assert_eq!(Col::Risultato.at(11), "K12");
    }

    #[test]
    fn a_roll_up_over_many_children_stays_within_the_spreadsheets_limits() {
        let cells = |n: usize| (0..n).map(|i| Col::Risultato.at(i as u32 + 1)).collect::<Vec<_>>();
        assert_eq!(mean_expr(&cells(2)).unwrap(), "AVERAGE(K2,K3)");
        // Past 255 arguments, a sum over the count (no argument limit).
        let many = mean_expr(&cells(300)).unwrap();
        assert!(many.starts_with("(K2+K3+") && many.ends_with(")/300"), "{many}");
        // Past the length limit, no formula: the value is written instead.
        assert_eq!(mean_expr(&cells(2_000)), None);
        assert_eq!(weighted_expr(&cells(1_000), &cells(1_000)), None);
    }
}
