//! The tree sheets (Albero, Unità organizzative, Obiettivi individuali): one row per node, outline
//! groups by level, result formulas over the children.

use super::formule::{band_formula, formula, ratio_expr, score_expr, serial};
use super::{Formats, header, out, text, traffic_lights};
use crate::config::Smvp;
use crate::error::Error;
use crate::model::{Decision, Indicator, Level, Node};
use crate::score::indicator::rule_for;
use crate::value::{Reading, Target};
use rust_xlsxwriter::{Format, Formula, Workbook, Worksheet};
use std::collections::BTreeMap;

/// Columns of the tree sheets.
const TREE_COLS: &[(&str, f64)] = &[
    ("Livello", 20.0),
    ("Codice", 16.0),
    ("Descrizione", 60.0),
    ("Peso", 9.0),
    ("Target", 18.0),
    ("Valore", 16.0),
    ("Target (numero)", 14.0),
    ("Target massimo (numero)", 12.0),
    ("Valore usato (numero)", 14.0),
    ("Rapporto", 10.0),
    ("Risultato", 10.0),
    ("Semaforo", 9.0),
    ("Scostamento", 12.0),
    ("Regola o decisione", 50.0),
];

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
        let indent = "  ".repeat(depth as usize);
        text(ws, row, 0, &format!("{indent}{}", n.level.label()))?;
        text(ws, row, 1, &n.code)?;
        text(ws, row, 2, &n.name)?;
        if let Some(w) = n.weight {
            ws.write_number_with_format(row, 3, w / 100.0, &self.f.pct).map_err(out)?;
        }
        if n.indicator.is_none() && depth <= 1 {
            for c in 0..3 {
                ws.set_cell_format(row, c, &self.f.bold).map_err(out)?;
            }
        }
        let outcome = n.outcome.as_ref();
        let result = outcome.and_then(|o| o.result);
        let k = format!("K{}", row + 1);
        let note = note(n);
        text(ws, row, 13, &note)?;

        let mut child_rows = Vec::new();
        for c in &n.children {
            let r = self.write(ws, c, depth + 1)?;
            if c.result().is_some() {
                child_rows.push((r, c.weight.is_some()));
            }
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
                Some(format!("'{}'!K{}", self.sheet_of_linked, linked_row + 1))
            } else if n.level == Level::Ente
                && self.smvp.ente == crate::config::RisultatoEnte::MediaObiettiviStrategici
            {
                let os: Vec<String> = self
                    .rows
                    .iter()
                    .filter(|((l, _), _)| *l == Level::ObiettivoStrategico)
                    .map(|(_, r)| format!("K{}", r + 1))
                    .collect();
                Some(format!("AVERAGE({})", os.join(",")))
            } else if child_rows.len() == 1 && !child_rows[0].1 {
                Some(format!("K{}", child_rows[0].0 + 1))
            } else if !child_rows.is_empty() {
                let num: Vec<String> = child_rows.iter().map(|(r, _)| format!("D{0}*K{0}", r + 1)).collect();
                let den: Vec<String> = child_rows.iter().map(|(r, _)| format!("D{}", r + 1)).collect();
                Some(format!("({})/({})", num.join("+"), den.join("+")))
            } else {
                None
            };
            match expr {
                Some(e) => ws.write_formula_with_format(row, 10, formula(e, r), &self.f.pct).map_err(out)?,
                None => ws.write_number_with_format(row, 10, r, &self.f.pct).map_err(out)?,
            };
        }
        if result.is_some() {
            let band = outcome.and_then(|o| o.band).map_or("", |b| b.label());
            ws.write_formula(row, 11, Formula::new(band_formula(&k, self.smvp)).set_result(band))
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
        text(ws, row, 4, &ind.target_text)?;
        text(ws, row, 5, &ind.actual_text)?;
        let number = |ws: &mut Worksheet, col: u16, v: f64, fmt: &Format| {
            ws.write_number_with_format(row, col, v, fmt).map(|_| ())
        };
        match ind.target {
            Target::AlMeno { valore } | Target::AlMassimo { valore } | Target::Uguale { valore } => {
                number(ws, 6, valore.value, &f.num).map_err(out)?
            }
            Target::Tra { minimo, massimo } => {
                number(ws, 6, minimo.value, &f.num).map_err(out)?;
                number(ws, 7, massimo.value, &f.num).map_err(out)?;
            }
            Target::Entro { data } => number(ws, 6, serial(data), &f.date).map_err(out)?,
        }
        match (ind.actual, ind.value) {
            (Reading::Data { data }, _) => number(ws, 8, serial(data), &f.date).map_err(out)?,
            (_, Some(v)) => number(ws, 8, v, &f.num).map_err(out)?,
            _ => {}
        }
        let o = n.outcome.as_ref();
        let (g, h, i, j) = (
            format!("G{}", row + 1),
            format!("H{}", row + 1),
            format!("I{}", row + 1),
            format!("J{}", row + 1),
        );
        if let Some(a) = crate::score::indicator::achievement(ind, &self.smvp.scadenze) {
            let cached = if a.ratio.is_finite() { a.ratio } else { 1e300 };
            ws.write_formula_with_format(
                row,
                9,
                formula(ratio_expr(&ind.target, self.smvp, &g, &h, &i), cached),
                &f.pct,
            )
            .map_err(out)?;
            if let Some(d) = a.deviation {
                ws.write_formula_with_format(row, 12, formula(format!("{i}-{g}"), d), &f.num).map_err(out)?;
            }
        }
        if let Some(r) = o.and_then(|o| o.result) {
            let rule = rule_for(self.smvp, &n.code, ind.tipo.as_deref());
            if decided || o.is_some_and(|o| o.missing) {
                ws.write_number_with_format(row, 10, r, &f.pct).map_err(out)?;
            } else {
                ws.write_formula_with_format(row, 10, formula(score_expr(rule, &j), r), &f.pct)
                    .map_err(out)?;
            }
        }
        Ok(())
    }
}

/// The rule applied, or the evaluator's decision with its reason.
fn note(n: &Node) -> String {
    let Some(o) = n.outcome.as_ref() else { return String::new() };
    match &o.decision {
        Some(Decision::Sostituzione { risultato, calcolato, motivazione }) => format!(
            "Sostituito dall'OIV con {} % (calcolato {}): {motivazione}",
            crate::value::format_number(*risultato, 2),
            calcolato.map_or("-".into(), |c| format!("{} %", crate::value::format_number(c * 100.0, 2)))
        ),
        Some(Decision::Esclusione { esito, motivazione }) => format!("Escluso ({esito}): {motivazione}"),
        None => o.rule.clone().unwrap_or_default(),
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
    header(ws, f, TREE_COLS)?;
    let mut w = TreeWriter { f, smvp, linked, sheet_of_linked: "Albero", rows: BTreeMap::new(), next: 1 };
    for root in roots {
        w.write(ws, root, 0)?;
    }
    let last = w.next - 1;
    ws.autofilter(0, 0, last, (TREE_COLS.len() - 1) as u16).map_err(out)?;
    traffic_lights(ws, f, smvp, 10, last)?;
    Ok(w.rows)
}
