//! Reading typed values out of cells: labels, weights, percentages, targets, actuals.
//!
//! Each reader reports a problem with the cell's location instead of guessing.

use super::sheet::Sheet;
use crate::error::Diagnostics;
use crate::model::Indicator;
use crate::value::{self, Reading, Target, Unit};
use calamine::Data;

/// `301 - Internazionalizzazione` → (`301`, `Internazionalizzazione`). A label without ` - ` is
/// its own code and name (`Area Dirigenziale 1`).
pub fn split_label(text: &str) -> (String, String) {
    match text.split_once(" - ") {
        Some((code, name)) if !code.trim().is_empty() => (code.trim().to_string(), name.trim().to_string()),
        _ => (text.trim().to_string(), text.trim().to_string()),
    }
}

/// A percentage cell: a number stored as a fraction (0,3333 shown as 33,33 %), or text `33,33 %`.
/// Returns the fraction.
pub fn fraction(sheet: &Sheet, row: usize, col: usize, what: &str, diag: &mut Diagnostics) -> Option<f64> {
    match sheet.cell(row, col) {
        Data::Empty => None,
        Data::Float(f) if !plausible(*f) => {
            diag.error(sheet.loc(row, col), format!("{what}: {}", implausible(*f)));
            None
        }
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        Data::String(s) if s.trim().is_empty() => None,
        Data::String(s) => match value::parse_quantity(s) {
            Ok(q) if q.unit == Unit::Percento => Some(q.value / 100.0),
            _ => {
                diag.error(
                    sheet.loc(row, col),
                    format!("{what}: atteso un numero o una percentuale, trovato «{}»", s.trim()),
                );
                None
            }
        },
        other => {
            diag.error(sheet.loc(row, col), format!("{what}: atteso un numero, trovato «{other}»"));
            None
        }
    }
}

/// A weight in percentage points (33.33) from a fraction cell, rounded to 1e-6 to drop the binary
/// noise of `0.3333 × 100`.
pub fn weight(sheet: &Sheet, row: usize, col: usize, diag: &mut Diagnostics) -> Option<f64> {
    let w = fraction(sheet, row, col, "peso", diag)? * 100.0;
    if w < 0.0 {
        diag.error(sheet.loc(row, col), format!("peso negativo ({})", value::format_number(w, 2)));
        return None;
    }
    Some((w * 1e6).round() / 1e6)
}

/// A plain number cell (amounts, scores). Text in a number column is an error.
pub fn number(sheet: &Sheet, row: usize, col: usize, what: &str, diag: &mut Diagnostics) -> Option<f64> {
    match sheet.cell(row, col) {
        Data::Empty => None,
        Data::Float(f) if !plausible(*f) => {
            diag.error(sheet.loc(row, col), format!("{what}: {}", implausible(*f)));
            None
        }
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        Data::String(s) if s.trim().is_empty() || s.trim() == "-" => None,
        Data::String(s) => match value::parse_quantity(s) {
            Ok(q) => Some(q.value),
            Err(_) => {
                diag.error(sheet.loc(row, col), format!("{what}: atteso un numero, trovato «{}»", s.trim()));
                None
            }
        },
        other => {
            diag.error(sheet.loc(row, col), format!("{what}: atteso un numero, trovato «{other}»"));
            None
        }
    }
}

/// Numbers a cell of a plan can hold: finite and below a thousand billion billions. NaN, infinities
/// and absurd magnitudes are refused at the cell, so none reaches a sum, a CSV or the workbook.
pub fn plausible(f: f64) -> bool {
    f.is_finite() && f.abs() <= 1e18
}

pub fn implausible(f: f64) -> String {
    let shown = if f.is_finite() { format!("{f:e}") } else { format!("{f}") };
    format!("valore numerico non valido ({shown}): atteso un numero finito")
}

/// A target/value cell as text in the platform's style. A numeric cell (flat layout) is read as a
/// plain number; an Excel date as a date. A number that is not [`plausible`] and a date serial
/// before 1900 are written as they are, so that reading them fails with the cell named.
pub fn value_text(sheet: &Sheet, row: usize, col: usize) -> Option<String> {
    match sheet.cell(row, col) {
        Data::Float(f) if !plausible(*f) => Some(format!("{f:e}")),
        Data::Float(f) => Some(value::format_number(*f, decimals_of(*f))),
        Data::DateTime(dt) if !(dt.as_f64() >= 1.0 && dt.as_f64() < 2_958_466.0) => {
            Some(format!("data {}", dt.as_f64()))
        }
        Data::DateTime(dt) => excel_date(dt).map(|d| d.format("%d-%m-%Y").to_string()),
        Data::DateTimeIso(iso) => iso_date(iso).map(|d| d.format("%d-%m-%Y").to_string()),
        _ => sheet.text(row, col),
    }
}

/// The calendar date of an Excel date cell.
pub fn excel_date(dt: &calamine::ExcelDateTime) -> Option<chrono::NaiveDate> {
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    chrono::NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
}

/// The calendar date of an ISO date cell (how ODS files store dates): `2024-06-30` or
/// `2024-06-30T00:00:00`.
pub fn iso_date(iso: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(iso.get(..10)?, "%Y-%m-%d").ok()
}

/// Decimals needed to write `f` exactly (up to 6), so a numeric cell round-trips through text.
fn decimals_of(f: f64) -> u8 {
    (0..=6u8).find(|&d| (value::round_half_up(f, d) - f).abs() < 1e-9).unwrap_or(6)
}

/// Builds an indicator from its target and actual cells, reporting unreadable texts.
pub fn indicator(
    sheet: &Sheet,
    row: usize,
    target_col: usize,
    actual_col: usize,
    diag: &mut Diagnostics,
) -> Option<Indicator> {
    let target_text = value_text(sheet, row, target_col).unwrap_or_default();
    let actual_text = value_text(sheet, row, actual_col).unwrap_or_default();
    let target = match value::parse_target(&target_text) {
        Ok(t) => t,
        Err(e) => {
            diag.error(sheet.loc(row, target_col), e.to_string());
            return None;
        }
    };
    measured(sheet, row, (target_col, target, target_text), (actual_col, actual_text), diag)
}

/// An indicator from its parsed target and its actual's text, checking that they fit together.
pub fn measured(
    sheet: &Sheet,
    row: usize,
    (target_col, target, target_text): (usize, Target, String),
    (actual_col, actual_text): (usize, String),
    diag: &mut Diagnostics,
) -> Option<Indicator> {
    let actual = match value::parse_reading(&actual_text) {
        Ok(r) => r,
        Err(e) => {
            diag.error(sheet.loc(row, actual_col), format!("valore non leggibile: {e}"));
            return None;
        }
    };
    if let Some(problem) = mismatch(&target, &actual) {
        let target_cell = sheet.loc(row, target_col).cell.unwrap_or_default();
        diag.error(sheet.loc(row, actual_col), format!("{problem} (target nella cella {target_cell})"));
        return None;
    }
    let mut ind = Indicator::new(target, target_text, actual, actual_text);
    ind.actual_origin = Some(sheet.loc(row, actual_col));
    Some(ind)
}

/// A deadline needs a date and a quantity target needs a quantity.
fn mismatch(target: &Target, actual: &Reading) -> Option<String> {
    match (target, actual) {
        (_, Reading::Mancante) => None,
        (Target::Entro { .. }, Reading::Data { .. }) => None,
        (Target::Entro { .. }, Reading::Quantita { .. }) => {
            Some("il target è una scadenza («Entro ...») ma il valore non è una data".into())
        }
        (_, Reading::Data { .. }) => {
            Some("il valore è una data ma il target non è una scadenza («Entro ...»)".into())
        }
        (t, Reading::Quantita { quantita }) => {
            let tu = t.unit().unwrap_or(Unit::Nessuna);
            let compatible = tu == quantita.unit || tu == Unit::Nessuna || quantita.unit == Unit::Nessuna;
            (!compatible).then(|| {
                format!(
                    "unità del valore («{}») diversa da quella del target («{}»)",
                    quantita.unit.suffix(),
                    tu.suffix()
                )
            })
        }
    }
}
