//! The «Tabelle della Relazione» layout: tables the platform does not export (personnel, customer
//! satisfaction, gender balance, context figures), typed by the staff in one general shape.
//!
//! Header row: `Sezione`, `Tabella`, `Voce`, then one column per heading of the tables (years,
//! segments…). Each row holds one line of one table: the section it belongs to, the table's title,
//! the row's label and its values. Rows with the same section and title form one table, in row
//! order; a sheet holds the tables that share its column headings, and a workbook may have as many
//! sheets as needed. Values are printed as the cell shows them: a percentage cell as `76,67 %`, a
//! number in Italian format with the cell's decimals, text as written.

use super::sheet::{Columns, Sheet};
use super::styles;
use crate::error::Diagnostics;
use crate::model::{Report, RigaDati, Sezione, TabellaDati};
use calamine::Data;

/// The header signature.
pub const HEADERS: [&str; 3] = ["sezione", "tabella", "voce"];

/// Decimals a number format shows (`0.00%` → 2, `#,##0` → 0); none for General.
fn decimals(format: &str) -> Option<u8> {
    let body = format.split(';').next().unwrap_or(format);
    if !body.contains('0') {
        return None;
    }
    let after = body.split_once('.').map_or("", |(_, a)| a);
    Some(after.chars().take_while(|c| *c == '0').count().min(6) as u8)
}

/// A number as the cell shows it, in Italian format.
fn shown(v: f64, format: Option<&str>) -> String {
    let percent = format.is_some_and(|f| f.contains('%'));
    let x = if percent { v * 100.0 } else { v };
    let text = match format.and_then(decimals) {
        Some(d) => crate::value::format_number(x, d),
        // General: as many decimals as the value has, up to four.
        None => {
            let t = crate::value::format_number(x, 4);
            if t.contains(',') { t.trim_end_matches('0').trim_end_matches(',').to_string() } else { t }
        }
    };
    let text = text.replacen('-', "\u{2212}", 1);
    if percent { format!("{text}\u{a0}%") } else { text }
}

/// Most tables, value columns of a table, cells and characters of all the tables together: a
/// Relazione prints a few dozen small tables (Modena's: 14 tables, about 300 cells), and each cell
/// is laid out by the typesetter. Beyond these the workbook is refused with the cell where the
/// budget ran out, so that no workbook of a few KB (one long shared text in every cell) can ask
/// for a document of thousands of pages.
pub const MAX_TABLES: usize = 200;
pub const MAX_COLUMNS: usize = 30;
pub const MAX_CELLS: usize = 3_000;
pub const MAX_CHARS: usize = 60_000;
/// Longest text of one cell (a title, a label, a value): a table's cell is a figure or a few
/// words, and a title is printed in the index of tables and the PDF's tags, where a string has a
/// bounded length.
pub const MAX_CELL_CHARS: usize = 500;

pub fn read(sheet: &Sheet, header: usize, cols: &Columns, report: &mut Report, diag: &mut Diagnostics) {
    let find = |h: &str| cols.find(h).expect("recognised by these headers");
    let (c_sez, c_tab, c_voce) = (find("sezione"), find("tabella"), find("voce"));
    let value_cols: Vec<usize> = (0..sheet.end_col())
        .filter(|c| ![c_sez, c_tab, c_voce].contains(c) && sheet.text(header, *c).is_some())
        .collect();
    if value_cols.len() > MAX_COLUMNS {
        diag.error(
            sheet.loc(header, value_cols[MAX_COLUMNS]),
            format!("{} colonne di valori: al massimo {MAX_COLUMNS} per foglio (una pagina ne contiene una decina leggibili)", value_cols.len()),
        );
        return;
    }
    let mut cells: usize = report.tabelle.iter().map(|t| t.righe.len() * (t.colonne.len() + 1)).sum();
    let mut chars: usize = report
        .tabelle
        .iter()
        .flat_map(|t| &t.righe)
        .map(|r| r.voce.chars().count() + r.valori.iter().map(|v| v.chars().count()).sum::<usize>())
        .sum();
    // Rows of one sheet with the same section and title form one table.
    let mut index: std::collections::HashMap<(Sezione, String), usize> = std::collections::HashMap::new();
    let headings: Vec<String> =
        value_cols.iter().map(|&c| sheet.text(header, c).unwrap_or_default()).collect();
    let formats = styles::read(&sheet.book, &sheet.name);
    for row in header + 1..sheet.end_row() {
        if sheet.row_is_empty(row) {
            continue;
        }
        let Some(sez_text) = sheet.text(row, c_sez) else {
            diag.error(sheet.loc(row, c_sez), format!("manca la sezione della riga ({})", Sezione::ids()));
            continue;
        };
        let key = super::sheet::normalize(&sez_text).replace(' ', "_");
        let Some(sezione) = Sezione::ALL.into_iter().find(|s| s.id() == key) else {
            diag.error(
                sheet.loc(row, c_sez),
                format!("sezione «{sez_text}» sconosciuta: ammesse {}", Sezione::ids()),
            );
            continue;
        };
        let (Some(titolo), Some(voce)) = (sheet.text(row, c_tab), sheet.text(row, c_voce)) else {
            diag.error(
                sheet.loc(row, c_tab),
                "riga senza titolo della tabella («Tabella») o senza voce («Voce»)",
            );
            continue;
        };
        let long = [c_tab, c_voce]
            .into_iter()
            .chain(value_cols.iter().copied())
            .find(|&c| sheet.text(row, c).is_some_and(|t| t.chars().count() > MAX_CELL_CHARS));
        if let Some(c) = long {
            diag.error(
                sheet.loc(row, c),
                format!("testo di oltre {MAX_CELL_CHARS} caratteri in una cella delle tabelle della Relazione: riassumerlo"),
            );
            continue;
        }
        let mut valori = Vec::with_capacity(value_cols.len());
        for &c in &value_cols {
            let v = match sheet.cell(row, c) {
                Data::Float(f) if !f.is_finite() || f.abs() > 1e15 => {
                    diag.error(sheet.loc(row, c), format!("valore non plausibile ({f})"));
                    String::new()
                }
                Data::Float(f) => shown(*f, formats.get(&(row, c)).and_then(|s| s.num_fmt.as_deref())),
                Data::Int(i) => shown(*i as f64, formats.get(&(row, c)).and_then(|s| s.num_fmt.as_deref())),
                _ => sheet.text(row, c).unwrap_or_default(),
            };
            valori.push(v);
        }
        cells += valori.len() + 1;
        chars += voce.chars().count()
            + titolo.chars().count()
            + valori.iter().map(|v| v.chars().count()).sum::<usize>();
        if chars > MAX_CHARS {
            diag.error(
                sheet.loc(row, c_voce),
                format!(
                    "le tabelle della Relazione superano qui i {MAX_CHARS} caratteri: riassumere i testi"
                ),
            );
            return;
        }
        if cells > MAX_CELLS {
            diag.error(
                sheet.loc(row, c_voce),
                format!("le tabelle della Relazione superano qui le {MAX_CELLS} celle: dividere o riassumere i dati"),
            );
            return;
        }
        let totale = voce.to_lowercase().starts_with("totale");
        let celle = value_cols.iter().map(|&c| sheet.loc(row, c)).collect();
        let riga = RigaDati { voce, valori, celle, totale };
        match index.get(&(sezione, titolo.clone())) {
            Some(&i) => report.tabelle[i].righe.push(riga),
            None => {
                if report.tabelle.len() >= MAX_TABLES {
                    diag.error(
                        sheet.loc(row, c_tab),
                        format!(
                            "più di {MAX_TABLES} tabelle della Relazione: riunire le righe in meno tabelle"
                        ),
                    );
                    return;
                }
                index.insert((sezione, titolo.clone()), report.tabelle.len());
                report.tabelle.push(TabellaDati {
                    sezione,
                    titolo,
                    colonne: headings.clone(),
                    righe: vec![riga],
                    origin: sheet.loc(row, c_tab),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_the_cell_shows_them() {
        assert_eq!(shown(0.7667, Some("0.00%")), "76,67\u{a0}%");
        assert_eq!(shown(0.05, Some("0%")), "5\u{a0}%");
        assert_eq!(shown(29118.0, Some("#,##0")), "29.118");
        assert_eq!(shown(234.5, None), "234,5");
        assert_eq!(shown(62.0, None), "62");
        assert_eq!(shown(-0.064, Some("0.0%")), "\u{2212}6,4\u{a0}%");
    }
}
