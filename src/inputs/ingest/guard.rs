//! Guards around reading a workbook: what a file must be before calamine opens it, and what a
//! sheet must not hold (sizes beyond the documented bounds, formulas without a computed value,
//! merged cells in the data area, texts longer than a cell can hold).
//!
//! Bounds (documented in the README): a file up to [`MAX_FILE_BYTES`], a sheet up to
//! [`MAX_ROWS`] rows and [`MAX_COLS`] columns, a text cell up to [`MAX_TEXT_CHARS`] characters.
//! Beyond them the file is refused with a message, before its cells are loaded.

use super::sheet::Sheet;
use crate::error::{Diagnostics, Location};
use calamine::{Data, Reader, Sheets, Xlsx};
use std::io::{Cursor, Read};
use std::path::Path;

pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;
pub const MAX_ROWS: u32 = 100_000;
pub const MAX_COLS: u32 = 500;
/// Excel's own limit for the text of a cell.
pub const MAX_TEXT_CHARS: usize = 32_767;

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Checks size and signature, and returns the file's bytes (for the duplicate check), or the
/// Italian reason the file cannot be a workbook.
pub fn preflight(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("file non leggibile ({e})"))?;
    if meta.len() == 0 {
        return Err("il file è vuoto (0 byte)".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "il file è troppo grande ({} MB, massimo {} MB)",
            meta.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES).read_to_end(&mut bytes))
        .map_err(|e| format!("file non leggibile ({e})"))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let zip_based = matches!(ext.as_str(), "xlsx" | "xlsm" | "ods");
    if zip_based && bytes.starts_with(OLE) {
        return Err("il file è protetto da password (cifrato): salvarlo senza password e riprovare".into());
    }
    if zip_based && !bytes.starts_with(ZIP) {
        return Err(format!(
            "il file non è un foglio di calcolo: il contenuto non è quello di un file .{ext}"
        ));
    }
    if ext == "xls" && !bytes.starts_with(OLE) {
        return Err("il file non è un foglio di calcolo: il contenuto non è quello di un file .xls".into());
    }
    if zip_based {
        archive_bounds(&bytes, ext == "ods")?;
    }
    Ok(bytes)
}

/// Most bytes a workbook's parts may expand to, all together (a real export is a few MB).
pub const MAX_UNZIPPED_BYTES: u64 = 100 * 1024 * 1024;
/// Most shared strings an xlsx may declare.
pub const MAX_SHARED_STRINGS: usize = 1_000_000;

/// Expands every part of a zip-based workbook, counting, before calamine loads anything: a
/// decompression bomb, a flood of shared strings or an ODS of repeated rows is refused with the
/// limit named.
fn archive_bounds(bytes: &[u8], ods: bool) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
        "il file è danneggiato o incompleto: non si apre come cartella di lavoro Excel/ODS".to_string()
    })?;
    let too_big = || {
        format!(
            "il contenuto del file supera {} MB una volta decompresso: non è un'esportazione da leggere",
            MAX_UNZIPPED_BYTES >> 20
        )
    };
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| "il file è danneggiato o incompleto".to_string())?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let left = MAX_UNZIPPED_BYTES - total;
        if name.ends_with("sharedStrings.xml") || (ods && name == "content.xml") {
            let mut part = Vec::new();
            (&mut entry)
                .take(left + 1)
                .read_to_end(&mut part)
                .map_err(|_| "il file è danneggiato o incompleto".to_string())?;
            total += part.len() as u64;
            if total > MAX_UNZIPPED_BYTES {
                return Err(too_big());
            }
            if ods {
                ods_bounds(&part)?;
            } else {
                let strings = count(&part, b"<si>") + count(&part, b"<si ");
                if strings > MAX_SHARED_STRINGS {
                    return Err(format!(
                        "il file dichiara {} testi condivisi (massimo {}): non è un'esportazione da leggere",
                        strings, MAX_SHARED_STRINGS
                    ));
                }
            }
        } else {
            let n = std::io::copy(&mut (&mut entry).take(left + 1), &mut std::io::sink())
                .map_err(|_| "il file è danneggiato o incompleto".to_string())?;
            total += n;
            if total > MAX_UNZIPPED_BYTES {
                return Err(too_big());
            }
        }
    }
    Ok(())
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// An ODS sheet says "this row, N times" and "this cell, N times": the cells with a value that this
/// expands to must stay within the sheet bounds.
fn ods_bounds(content: &[u8]) -> Result<(), String> {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let text = String::from_utf8_lossy(content);
    let mut reader = Reader::from_str(&text);
    let repeat = |e: &quick_xml::events::BytesStart, key: &str| -> u64 {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .and_then(|a| a.value.parse::<u64>().ok())
            .unwrap_or(1)
    };
    let (mut rows, mut row_repeat, mut row_cols, mut row_filled): (u64, u64, u64, bool) = (0, 1, 0, false);
    let limit_rows = u64::from(MAX_ROWS);
    let limit_cols = u64::from(MAX_COLS);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table" => rows = 0,
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.name().as_ref() == "table:table-row" => {
                row_repeat = repeat(&e, "table:number-rows-repeated");
                row_cols = 0;
                row_filled = false;
            }
            Ok(Event::Start(e)) | Ok(Event::Empty(e))
                if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") =>
            {
                let n = repeat(&e, "table:number-columns-repeated");
                let filled = e.attributes().flatten().any(|a| a.key.as_ref() == "office:value-type");
                if filled {
                    row_filled = true;
                    if row_cols.saturating_add(n) > limit_cols {
                        return Err(format!(
                            "il foglio supera il limite di {MAX_COLS} colonne: non è un'esportazione da leggere"
                        ));
                    }
                }
                row_cols = row_cols.saturating_add(n);
            }
            Ok(Event::End(e)) if e.name().as_ref() == "table:table-row" && row_filled => {
                rows = rows.saturating_add(row_repeat);
                if rows > limit_rows {
                    return Err(format!(
                        "il foglio supera il limite di {} righe: non è un'esportazione da leggere",
                        crate::value::format_number(MAX_ROWS as f64, 0)
                    ));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    Ok(())
}

/// Streams an xlsx sheet's cells and stops at the first one beyond the bounds, so a sheet of a
/// million rows is refused without being loaded.
pub fn xlsx_bounds(wb: &mut Xlsx<Cursor<super::Book>>, sheet: &str) -> Result<(), String> {
    let mut reader = wb.worksheet_cells_reader(sheet).map_err(|e| format!("foglio non leggibile ({e})"))?;
    while let Some(cell) = reader.next_cell().map_err(|e| format!("foglio non leggibile ({e})"))? {
        let (row, col) = cell.get_position();
        if row >= MAX_ROWS {
            return Err(format!(
                "il foglio supera il limite di {} righe: non è un'esportazione da leggere",
                crate::value::format_number(MAX_ROWS as f64, 0)
            ));
        }
        if col >= MAX_COLS {
            return Err(format!(
                "il foglio supera il limite di {} colonne: non è un'esportazione da leggere",
                MAX_COLS
            ));
        }
    }
    Ok(())
}

/// Checks on a recognised sheet: formulas without a computed value, over-long texts, merged cells
/// (a vertical merge is read as its value filled down, with a note).
pub fn sheet(
    wb: &mut Sheets<Cursor<super::Book>>,
    sheet: &mut Sheet,
    header_row: usize,
    diag: &mut Diagnostics,
) {
    if let Ok(formulas) = wb.worksheet_formula(&sheet.name) {
        for (r, c, f) in formulas.used_cells() {
            let (row, col) = formulas.start().map_or((r, c), |(r0, c0)| (r0 as usize + r, c0 as usize + c));
            let no_value = match sheet.cell(row, col) {
                Data::Empty => true,
                Data::String(v) => v.is_empty(),
                _ => false,
            };
            if !f.is_empty() && no_value {
                diag.error(
                    sheet.loc(row, col),
                    "formula senza valore calcolato: aprire il file in Excel o LibreOffice e salvarlo, così i valori vengono calcolati",
                );
            }
        }
    }
    for row in 0..sheet.end_row() {
        for col in 0..sheet.end_col() {
            if let Data::String(s) = sheet.cell(row, col)
                && s.chars().count() > MAX_TEXT_CHARS
            {
                diag.error(
                    sheet.loc(row, col),
                    format!(
                        "testo troppo lungo ({} caratteri, massimo {})",
                        crate::value::format_number(s.chars().count() as f64, 0),
                        crate::value::format_number(MAX_TEXT_CHARS as f64, 0)
                    ),
                );
            }
        }
    }
    if let Sheets::Xlsx(x) = wb
        && let Ok(merged) = x.merge_cells_by_sheet_name(&sheet.name)
    {
        for d in merged {
            if d.end.0 as usize <= header_row {
                continue;
            }
            let from = crate::error::cell_name(d.start.0 as usize, d.start.1 as usize);
            let to = crate::error::cell_name(d.end.0 as usize, d.end.1 as usize);
            let loc = Location { cell: Some(format!("{from}:{to}")), ..sheet.sheet_loc() };
            // Offices merge a level's cell over the rows below it (one ambito over its
            // objectives): that is the value repeated on each row. Any other merge is ambiguous.
            let vertical = d.start.1 == d.end.1 && d.start.0 as usize > header_row;
            if vertical && sheet.fill_down(d.start.1 as usize, d.start.0 as usize, d.end.0 as usize) {
                diag.warn(
                    loc,
                    "celle unite in verticale: il valore della prima riga è letto su ogni riga del blocco",
                );
            } else {
                diag.error(
                    loc,
                    "celle unite nell'area dei dati: separarle (ogni riga deve avere i propri valori)",
                );
            }
        }
    }
}
