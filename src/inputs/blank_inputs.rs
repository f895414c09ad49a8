//! `relazione modello`: an empty workbook of the canonical flat layout, with a sheet explaining
//! each column, for administrations whose data are not exported by the platform; with
//! `--tabelle`, an empty workbook of the «Tabelle della Relazione» layout.

use crate::error::Error;
use crate::inputs::ingest::flat::COLUMNS;
use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

/// File name of the template written in the output folder.
pub const FILE_NAME: &str = "modello_indicatori.xlsx";

pub fn write(out_dir: &Path) -> Result<std::path::PathBuf, Error> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("DDEBF7");
    let sheet = wb.add_worksheet().set_name("Indicatori").map_err(out)?;
    for (c, (name, _)) in COLUMNS.iter().enumerate() {
        sheet.write_with_format(0, c as u16, *name, &bold).map_err(out)?;
        sheet.set_column_width(c as u16, 22).map_err(out)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(out)?;
    instructions(&mut wb, &bold, COLUMNS, 32)?;
    save(wb, out_dir, FILE_NAME)
}

/// File name of the «Tabelle della Relazione» template.
pub const TABLES_FILE_NAME: &str = "modello_tabelle_relazione.xlsx";

/// How to fill the «Tabelle della Relazione» layout, one line per column.
const TABLES_HELP: [(&str, &str); 4] = [
    (
        "Sezione",
        "dove va la tabella: contesto (capitolo 2, il contesto in cifre), personale (capitolo 2, le risorse \
         umane), customer_satisfaction (3.3.3), bilancio_di_genere (3.4)",
    ),
    (
        "Tabella",
        "il titolo della tabella: le righe con la stessa sezione e lo stesso titolo formano una tabella",
    ),
    ("Voce", "l'etichetta della riga (una riga che inizia con «Totale» è stampata in grassetto)"),
    (
        "2022, 2023, 2024, …",
        "una colonna per intestazione (anni, segmenti…): i valori si stampano come li mostra la cella \
         (una cella in formato percentuale come 76,67 %). Tabelle con intestazioni diverse vanno in fogli diversi",
    ),
];

/// Writes the empty «Tabelle della Relazione» workbook, with an example row and instructions.
pub fn write_tables(out_dir: &Path) -> Result<std::path::PathBuf, Error> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("DDEBF7");
    let sheet = wb.add_worksheet().set_name("Tabelle").map_err(out)?;
    let headers = ["Sezione", "Tabella", "Voce", "2022", "2023", "2024"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_with_format(0, c as u16, *h, &bold).map_err(out)?;
    }
    sheet.set_column_width(0, 22).map_err(out)?;
    sheet.set_column_width(1, 40).map_err(out)?;
    sheet.set_column_width(2, 40).map_err(out)?;
    sheet.set_freeze_panes(1, 3).map_err(out)?;
    instructions(&mut wb, &bold, &TABLES_HELP, 24)?;
    save(wb, out_dir, TABLES_FILE_NAME)
}

fn out(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Output(format!("scrittura del modello non riuscita: {e}"))
}

/// The «Istruzioni» sheet: one row per column of the layout, with what it holds.
fn instructions(
    wb: &mut Workbook,
    bold: &Format,
    rows: &[(&str, &str)],
    first_width: u16,
) -> Result<(), Error> {
    let help = wb.add_worksheet().set_name("Istruzioni").map_err(out)?;
    help.write_with_format(0, 0, "Colonna", bold).map_err(out)?;
    help.write_with_format(0, 1, "Contenuto", bold).map_err(out)?;
    for (r, (name, what)) in rows.iter().enumerate() {
        help.write(r as u32 + 1, 0, *name).map_err(out)?;
        help.write(r as u32 + 1, 1, *what).map_err(out)?;
    }
    help.set_column_width(0, first_width).map_err(out)?;
    help.set_column_width(1, 100).map_err(out)?;
    Ok(())
}

/// Saves the workbook as `name` in `out_dir`, through a temporary file renamed into place.
fn save(mut wb: Workbook, out_dir: &Path, name: &str) -> Result<std::path::PathBuf, Error> {
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let path = out_dir.join(name);
    let tmp = out_dir.join(format!(".{name}.tmp"));
    wb.save(&tmp).map_err(out)?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
