//! The indicator-dimensions/overshooting report (Allegato 5): one row per KPI with its typology,
//! description, algorithm, measures (VALORI MISURE) and the Ministry-set target marking.

use super::cells;
use super::sheet::{Columns, Sheet};
use super::styles;
use crate::error::Diagnostics;
use crate::model::{Kpi, Report};

pub const HEADERS: &[&str] =
    &["indicatore", "tipo", "descrizione", "algoritmo", "valori misure", "consuntivo", "target"];

pub fn read(sheet: &Sheet, header_row: usize, cols: &Columns, report: &mut Report, diag: &mut Diagnostics) {
    let col = |h: &str| cols.find(h).expect("recognised header");
    let (c_ind, c_tipo, c_desc, c_alg, c_mis, c_cons, c_target) = (
        col("indicatore"),
        col("tipo"),
        col("descrizione"),
        col("algoritmo"),
        col("valori misure"),
        col("consuntivo"),
        col("target"),
    );
    let fills = styles::read(&sheet.book, &sheet.name);
    // The platform's own figures, where the report has them: the report uses them.
    let (c_over, c_vs) = (cols.find("overshooting"), cols.find("valore vs target"));
    for row in header_row + 1..sheet.end_row() {
        let Some(label) = sheet.text(row, c_ind) else {
            if !sheet.row_is_empty(row) {
                diag.error(sheet.loc(row, c_ind), "riga senza indicatore");
            }
            continue;
        };
        let (code, name) = cells::split_label(&label);
        if let Some(first) = report.kpi.get(&code) {
            diag.error(
                sheet.loc(row, c_ind),
                format!(
                    "codice «{code}» ripetuto (già presente in {})",
                    first.origin.cell.as_deref().unwrap_or("-")
                ),
            );
            continue;
        }
        let Some(mut indicator) = cells::indicator(sheet, row, c_target, c_cons, diag) else {
            continue;
        };
        indicator.measures = cells::value_text(sheet, row, c_mis);
        indicator.tipo = sheet.text(row, c_tipo);
        let kpi = Kpi {
            code: code.clone(),
            name,
            tipo: sheet.text(row, c_tipo),
            descrizione: sheet.text(row, c_desc),
            algoritmo: sheet.text(row, c_alg),
            misure: cells::value_text(sheet, row, c_mis),
            consuntivo: cells::value_text(sheet, row, c_cons).unwrap_or_default(),
            target: cells::value_text(sheet, row, c_target).unwrap_or_default(),
            target_ministeriale: fills.get(&(row, c_target)).is_some_and(|s| s.is_green()),
            indicator,
            platform_overshooting: c_over.and_then(|c| cells::fraction(sheet, row, c, "overshooting", diag)),
            platform_vs_target: c_vs.and_then(|c| cells::fraction(sheet, row, c, "valore vs target", diag)),
            origin: sheet.loc(row, c_ind),
        };
        report.kpi_order.push(code.clone());
        report.kpi.insert(code, kpi);
    }
}
