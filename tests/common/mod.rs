//! Shared helpers for the integration tests: run the real binary, and write small workbooks in
//! the platform's layout into a folder of the test's own.
#![allow(dead_code)]

use rust_xlsxwriter::{Format, Workbook};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn modena() -> PathBuf {
    manifest().join("tests/fixtures/modena-2024")
}

/// A fresh, empty folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("relazione-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `relazione` with the given arguments from the repository root.
pub fn relazione(args: &[&str]) -> Run {
    let out =
        Command::new(env!("CARGO_BIN_EXE_relazione")).args(args).current_dir(manifest()).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A cell to write.
#[derive(Clone, Copy)]
pub enum C<'a> {
    T(&'a str),
    /// A number with a percent format (the platform's weights and results).
    P(f64),
    N(f64),
}

/// Writes the rows into a worksheet: each row is a list of (column index, cell).
pub fn write_rows(ws: &mut rust_xlsxwriter::Worksheet, rows: &[Vec<(u16, C)>]) {
    let pct = Format::new().set_num_format("0.00%");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row {
            match cell {
                C::T(t) => ws.write(r as u32, *c, *t).map(|_| ()).unwrap(),
                C::P(v) => ws.write_with_format(r as u32, *c, *v, &pct).map(|_| ()).unwrap(),
                C::N(v) => ws.write(r as u32, *c, *v).map(|_| ()).unwrap(),
            }
        }
    }
}

/// Writes one sheet `Report`-style.
pub fn write_sheet(path: &Path, sheet: &str, rows: &[Vec<(u16, C)>]) {
    let mut wb = Workbook::new();
    write_rows(wb.add_worksheet().set_name(sheet).unwrap(), rows);
    wb.save(path).unwrap();
}

pub const ALBERO_HEADERS: [&str; 14] = [
    "Peso ambito",
    "Ambito",
    "Peso obiettivo strategico",
    "Obiettivo strategico",
    "Peso gruppo",
    "Gruppo",
    "Peso obiettivo operativo",
    "Obiettivo operativo",
    "Peso indicatore",
    "Indicatore",
    "Target",
    "Valore",
    "Raggiungimento",
    "Valutazione",
];

/// The rows of a small, valid performance tree in the platform's layout (title, blank, header,
/// then one row per node). Tests edit it to break one thing.
pub fn albero_rows() -> Vec<Vec<(u16, C<'static>)>> {
    let header = ALBERO_HEADERS.iter().enumerate().map(|(i, h)| (i as u16, C::T(h))).collect();
    vec![
        vec![(0, C::T("Integra_Report_Performance organizzativa Ente_Prova_2024"))],
        vec![],
        header,
        vec![(1, C::T("Ente")), (12, C::P(1.0))],
        vec![(0, C::P(1.0)), (1, C::T("1 - Ambito uno")), (12, C::P(1.0))],
        vec![(2, C::P(1.0)), (3, C::T("101 - Obiettivo strategico uno")), (12, C::P(1.0))],
        vec![(4, C::P(0.5)), (5, C::T("Indicatori")), (12, C::P(1.0))],
        vec![
            (8, C::P(1.0)),
            (9, C::T("101.S1 - Indicatore strategico")),
            (10, C::T(">= 10 N.")),
            (11, C::T("12 N.")),
            (12, C::P(1.0)),
        ],
        vec![(4, C::P(0.5)), (5, C::T("Obiettivi operativi")), (12, C::P(1.0))],
        vec![(6, C::P(1.0)), (7, C::T("101.A - Obiettivo operativo uno")), (12, C::P(1.0))],
        vec![
            (8, C::P(1.0)),
            (9, C::T("101.A1 - Scadenza")),
            (10, C::T("Entro 30-06-2024")),
            (11, C::T("25-06-2024")),
            (12, C::P(1.0)),
        ],
    ]
}

/// A data folder holding one performance tree built from `rows`.
pub fn albero_dir(name: &str, rows: &[Vec<(u16, C)>]) -> PathBuf {
    let dir = scratch(name);
    write_sheet(&dir.join("ente.xlsx"), "Report", rows);
    dir
}

/// A configuration file for a test ente.
pub fn config(dir: &Path, smvp: &str) -> PathBuf {
    let path = dir.join("relazione.yaml");
    std::fs::write(
        &path,
        format!("ente:\n  nome: Camera di commercio di Prova\n  nome_breve: Prova\nanno: 2024\n{smvp}"),
    )
    .unwrap();
    path
}

/// An output folder beside a data folder (never inside it: the tool refuses that).
pub fn out_beside(data: &Path) -> PathBuf {
    data.with_file_name(format!("{}-out", data.file_name().unwrap().to_string_lossy()))
}

/// `relazione build` on a data folder with a configuration, into `out`, plus extra arguments.
pub fn build_with(data: &Path, config: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "build",
        "--data",
        data.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    relazione(&args)
}

/// `relazione build` on a data folder with a configuration, into `out`.
pub fn build(data: &Path, config: &Path, out: &Path) -> Run {
    build_with(data, config, out, &[])
}
