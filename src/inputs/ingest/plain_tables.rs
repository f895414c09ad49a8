//! Plain tables with the header in row 1: promotional resources, balance sheets and ratios, the
//! Pareto benchmarking, the multi-year KPI series.

use super::cells;
use super::sheet::{Columns, Sheet};
use super::styles;
use crate::error::{Diagnostics, Location};
use crate::model::{AnnoSerie, ParetoRow, Report, RigaTabella, RisorsaRow, Risorse, SerieKpi, Tabella};
use crate::value::{self, Reading, Unit};
use calamine::Data;

pub const RISORSE_OS: &[&str] =
    &["codice", "denominazione", "livello", "budget iniziale", "budget aggiornato", "utilizzato"];
pub const RISORSE_PROGETTI: &[&str] =
    &["codice", "progetto", "budget iniziale", "budget aggiornato", "utilizzato"];
pub const RISORSE_ALBERO: &[&str] =
    &["codice o.s.", "livello assorbimento risorse promozionali dedicate a o.s."];
pub const PARETO: &[&str] = &["dimensione", "indicatore", "media sistema", "min", "max", "punteggio"];
pub const SERIE: &[&str] = &["kpi", "anno", "operatore", "target", "consuntivo"];

fn col(cols: &Columns, h: &str) -> usize {
    cols.find(h).expect("recognised header")
}

fn risorse(report: &mut Report) -> &mut Risorse {
    report.risorse.get_or_insert_with(Risorse::default)
}

/// Budget rows per ambito/OS (`Livello` says which), or the +20 % projects.
pub fn read_risorse(
    sheet: &Sheet,
    header: usize,
    cols: &Columns,
    projects: bool,
    report: &mut Report,
    diag: &mut Diagnostics,
) {
    let name_col = col(cols, if projects { "progetto" } else { "denominazione" });
    let (c_code, c_ini, c_agg, c_used) = (
        col(cols, "codice"),
        col(cols, "budget iniziale"),
        col(cols, "budget aggiornato"),
        col(cols, "utilizzato"),
    );
    let c_level = cols.find("livello");
    let mut rows = Vec::new();
    for row in header + 1..sheet.end_row() {
        let Some(name) = sheet.text(row, name_col) else {
            continue;
        };
        let amount =
            |c: usize, diag: &mut Diagnostics| cells::number(sheet, row, c, "importo", diag).unwrap_or(0.0);
        rows.push(RisorsaRow {
            code: sheet.text(row, c_code).unwrap_or_default(),
            name,
            livello: c_level.and_then(|c| sheet.text(row, c)).unwrap_or_else(|| "Progetto".into()),
            budget_iniziale: amount(c_ini, diag),
            budget_aggiornato: amount(c_agg, diag),
            utilizzato: amount(c_used, diag),
        });
    }
    if projects {
        risorse(report).progetti = rows;
    } else {
        risorse(report).obiettivi = rows;
    }
}

/// Absorption of promotional resources per OS as printed in the 3.0 albero.
pub fn read_assorbimento(
    sheet: &Sheet,
    header: usize,
    cols: &Columns,
    report: &mut Report,
    diag: &mut Diagnostics,
) {
    let (c_os, c_abs) =
        (col(cols, "codice o.s."), col(cols, "livello assorbimento risorse promozionali dedicate a o.s."));
    let mut rows = Vec::new();
    for row in header + 1..sheet.end_row() {
        let Some(code) = sheet.text(row, c_os) else {
            continue;
        };
        let v = match sheet.cell(row, c_abs) {
            Data::String(_) => None, // "nessuna risorsa"
            _ => cells::fraction(sheet, row, c_abs, "assorbimento", diag),
        };
        rows.push((code, v));
    }
    risorse(report).assorbimento_albero = rows;
}

/// A balance table: label columns, then one numeric column per year or budget version.
pub fn is_balance(cols: &Columns) -> bool {
    let n = &cols.names;
    let value_cols = n.iter().filter(|h| is_value_header(h)).count();
    let starts = |a: &str, b: &str| n.first().is_some_and(|x| x == a) && n.get(1).is_some_and(|x| x == b);
    value_cols >= 2
        && (starts("voce", "dettaglio") || starts("sezione", "voce") || starts("area", "indicatore"))
}

fn is_value_header(h: &str) -> bool {
    let year = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
    year(h) || h.starts_with("consuntivo ") || h.starts_with("preventivo ")
}

pub fn read_balance(
    sheet: &Sheet,
    header: usize,
    cols: &Columns,
    report: &mut Report,
    diag: &mut Diagnostics,
) {
    let value_cols: Vec<usize> = (0..cols.names.len()).filter(|&c| is_value_header(&cols.names[c])).collect();
    let label_cols: Vec<usize> = (0..value_cols[0]).collect();
    let mut righe = Vec::new();
    for row in header + 1..sheet.end_row() {
        let labels: Vec<Option<String>> = label_cols.iter().map(|&c| sheet.text(row, c)).collect();
        if labels.iter().all(Option::is_none) {
            continue;
        }
        righe.push(RigaTabella {
            gruppo: labels[0].clone().unwrap_or_default(),
            voce: labels.get(1).cloned().flatten().unwrap_or_default(),
            note: labels.get(2).cloned().flatten(),
            valori: value_cols.iter().map(|&c| cells::number(sheet, row, c, "importo", diag)).collect(),
        });
    }
    let header_text = |c: usize| sheet.text(header, c).unwrap_or_default();
    report.bilancio.get_or_insert_with(Default::default).tabelle.push(Tabella {
        nome: sheet.name.clone(),
        colonne: value_cols.iter().map(|&c| header_text(c)).collect(),
        righe,
        origin: Location { file: sheet.file.clone(), sheet: Some(sheet.name.clone()), ..Default::default() },
    });
}

/// Unit of a number from its cell format: `0.00%` → %, `"€"` → €, `"gg"` → days.
fn unit_of_format(fmt: Option<&str>) -> Unit {
    match fmt {
        Some(f) if f.contains('%') => Unit::Percento,
        Some(f) if f.contains('€') => Unit::Euro,
        Some(f) if f.contains("gg") => Unit::Giorni,
        _ => Unit::Nessuna,
    }
}

pub fn read_pareto(
    sheet: &Sheet,
    header: usize,
    cols: &Columns,
    report: &mut Report,
    diag: &mut Diagnostics,
) {
    let (c_dim, c_ind) = (col(cols, "dimensione"), col(cols, "indicatore"));
    let (c_mean, c_min, c_max) = (col(cols, "media sistema"), col(cols, "min"), col(cols, "max"));
    let scores: Vec<usize> =
        (0..cols.names.len()).filter(|&c| cols.names[c].starts_with("punteggio")).collect();
    // The Ente's own value is the first column after the indicator that is not a system figure.
    let c_val = (c_ind + 1..cols.names.len())
        .find(|c| ![c_mean, c_min, c_max].contains(c) && !scores.contains(c))
        .unwrap_or(c_ind + 1);
    let formats = styles::read(&sheet.book, &sheet.name);
    let anno = sheet
        .text(header, c_val)
        .and_then(|h| h.split_whitespace().last().and_then(|y| y.parse::<i32>().ok()))
        .filter(|y| (1900..=2200).contains(y));
    for row in header + 1..sheet.end_row() {
        let Some(indicatore) = sheet.text(row, c_ind) else {
            continue;
        };
        let num = |c: usize, diag: &mut Diagnostics| cells::number(sheet, row, c, "valore", diag);
        let (Some(valore), Some(media), Some(minimo), Some(massimo)) =
            (num(c_val, diag), num(c_mean, diag), num(c_min, diag), num(c_max, diag))
        else {
            diag.error(sheet.loc(row, c_val), "riga del benchmarking senza valore, media, minimo o massimo");
            continue;
        };
        let mut unit = unit_of_format(formats.get(&(row, c_val)).and_then(|s| s.num_fmt.as_deref()));
        let scale = if unit == Unit::Percento { 100.0 } else { 1.0 };
        if unit == Unit::Nessuna {
            unit = Unit::Numero;
        }
        report.pareto.push(ParetoRow {
            dimensione: sheet.text(row, c_dim).unwrap_or_default(),
            indicatore,
            valore: valore * scale,
            media: media * scale,
            minimo: minimo * scale,
            massimo: massimo * scale,
            punteggio: scores.first().and_then(|&c| num(c, diag)),
            punteggio_precedente: scores.get(1).and_then(|&c| num(c, diag)),
            unit,
            anno,
        });
    }
}

/// A series cell: a number, a date, or a missing mark (`#N/D`, `-`).
fn series_value(sheet: &Sheet, row: usize, c: usize, diag: &mut Diagnostics) -> Reading {
    match sheet.cell(row, c) {
        Data::Float(f) if !cells::plausible(*f) => {
            diag.error(sheet.loc(row, c), cells::implausible(*f));
            Reading::Mancante
        }
        Data::DateTime(dt) if !(dt.as_f64() >= 1.0 && dt.as_f64() < 2_958_466.0) => {
            diag.error(sheet.loc(row, c), format!("data non valida (numero di serie {})", dt.as_f64()));
            Reading::Mancante
        }
        Data::Float(f) => {
            Reading::Quantita { quantita: value::Quantity { value: *f, unit: Unit::Nessuna, decimals: 2 } }
        }
        Data::Int(i) => Reading::Quantita {
            quantita: value::Quantity { value: *i as f64, unit: Unit::Nessuna, decimals: 0 },
        },
        Data::DateTime(dt) => match cells::excel_date(dt) {
            Some(data) => Reading::Data { data },
            None => Reading::Mancante,
        },
        Data::DateTimeIso(iso) => match cells::iso_date(iso) {
            Some(data) => Reading::Data { data },
            None => Reading::Mancante,
        },
        _ => match value::parse_reading(&sheet.text(row, c).unwrap_or_default()) {
            Ok(r) => r,
            Err(e) => {
                diag.error(sheet.loc(row, c), format!("valore non leggibile: {e}"));
                Reading::Mancante
            }
        },
    }
}

pub fn read_serie(sheet: &Sheet, header: usize, cols: &Columns, report: &mut Report, diag: &mut Diagnostics) {
    let (c_kpi, c_year, c_op, c_t, c_c) = (
        col(cols, "kpi"),
        col(cols, "anno"),
        col(cols, "operatore"),
        col(cols, "target"),
        col(cols, "consuntivo"),
    );
    for row in header + 1..sheet.end_row() {
        let Some(nome) = sheet.text(row, c_kpi) else {
            continue;
        };
        let Some(anno) = cells::number(sheet, row, c_year, "anno", diag) else {
            diag.error(sheet.loc(row, c_year), "anno mancante");
            continue;
        };
        if anno.fract() != 0.0 || !(1900.0..=2200.0).contains(&anno) {
            diag.error(
                sheet.loc(row, c_year),
                format!("anno non valido ({anno}): atteso un anno tra 1900 e 2200"),
            );
            continue;
        }
        let operatore = sheet.text(row, c_op).unwrap_or_else(|| ">=".into());
        let entry = AnnoSerie {
            anno: anno as i32,
            target: series_value(sheet, row, c_t, diag),
            consuntivo: series_value(sheet, row, c_c, diag),
        };
        match report.serie.iter_mut().find(|s| s.nome == nome) {
            Some(s) => s.anni.push(entry),
            None => report.serie.push(SerieKpi {
                nome,
                operatore,
                anni: vec![entry],
                origin: sheet.loc(row, c_kpi),
            }),
        }
    }
}
