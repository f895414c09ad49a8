//! `relazione modello`: an empty workbook of the canonical flat layout, with a sheet explaining
//! each column, for administrations whose data are not exported by the platform; with
//! `--tabelle`, an empty workbook of the «Tabelle della Relazione» layout.

use crate::error::Error;
use crate::ingest::flat::COLUMNS;
use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

/// File name of the template written in the output folder.
pub const FILE_NAME: &str = "modello_indicatori.xlsx";

pub fn write(out_dir: &Path) -> Result<std::path::PathBuf, Error> {
    let out =
        |e: rust_xlsxwriter::XlsxError| Error::Output(format!("scrittura del modello non riuscita: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("DDEBF7");
    let sheet = wb.add_worksheet().set_name("Indicatori").map_err(out)?;
    for (c, (name, _)) in COLUMNS.iter().enumerate() {
        sheet.write_with_format(0, c as u16, *name, &bold).map_err(out)?;
        sheet.set_column_width(c as u16, 22).map_err(out)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(out)?;
    let help = wb.add_worksheet().set_name("Istruzioni").map_err(out)?;
    help.write_with_format(0, 0, "Colonna", &bold).map_err(out)?;
    help.write_with_format(0, 1, "Contenuto", &bold).map_err(out)?;
    for (r, (name, what)) in COLUMNS.iter().enumerate() {
        help.write(r as u32 + 1, 0, *name).map_err(out)?;
        help.write(r as u32 + 1, 1, *what).map_err(out)?;
    }
    help.set_column_width(0, 32).map_err(out)?;
    help.set_column_width(1, 90).map_err(out)?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let path = out_dir.join(FILE_NAME);
    let tmp = out_dir.join(format!(".{FILE_NAME}.tmp"));
    wb.save(&tmp).map_err(out)?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
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
    let out =
        |e: rust_xlsxwriter::XlsxError| Error::Output(format!("scrittura del modello non riuscita: {e}"));
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
    let help = wb.add_worksheet().set_name("Istruzioni").map_err(out)?;
    help.write_with_format(0, 0, "Colonna", &bold).map_err(out)?;
    help.write_with_format(0, 1, "Contenuto", &bold).map_err(out)?;
    for (r, (name, what)) in TABLES_HELP.iter().enumerate() {
        help.write(r as u32 + 1, 0, *name).map_err(out)?;
        help.write(r as u32 + 1, 1, *what).map_err(out)?;
    }
    help.set_column_width(0, 24).map_err(out)?;
    help.set_column_width(1, 110).map_err(out)?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let path = out_dir.join(TABLES_FILE_NAME);
    let tmp = out_dir.join(format!(".{TABLES_FILE_NAME}.tmp"));
    wb.save(&tmp).map_err(out)?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
