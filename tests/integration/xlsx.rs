//! The results workbook and the open data: sheets, formulas with the tool's values cached, text
//! never turned into formulas, CSV numbers equal to the JSON, and (with LibreOffice, `make
//! verifica-xlsx`) recalculation giving the same results.

use crate::common::*;
use calamine::{Data, Reader, open_workbook_auto};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The Modena outputs, built once.
fn modena_out() -> &'static PathBuf {
    &modena_build().out
}

fn workbook_path(out: &Path) -> PathBuf {
    out.join("Risultati_performance_2024_Modena.xlsx")
}

fn json(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("opendata/relazione.json")).unwrap()).unwrap()
}

/// Nodes of a JSON tree in depth-first order (the order of the tree sheets' rows).
fn dfs<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(v);
    for c in v["figli"].as_array().unwrap() {
        dfs(c, out);
    }
}

fn float(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

#[test]
fn the_workbook_has_every_sheet() {
    let wb = open_workbook_auto(workbook_path(modena_out())).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Sintesi",
            "Albero",
            "Indicatori",
            "Unità organizzative",
            "Obiettivi individuali",
            "Overshooting",
            "Risorse",
        ]
    );
    // The OIV's cross-checks are its working papers', in a workbook of their own, offered with the
    // OIV's other documents (art. 31 D.Lgs. 33/2013), apart from the results.
    let papers = modena_out().join("Carte_di_lavoro_OIV_2024_Modena.xlsx");
    let wb = open_workbook_auto(&papers).unwrap();
    assert_eq!(wb.sheet_names(), ["Carte OIV", "Anomalie"]);
    let dati = std::fs::read_to_string(modena_out().join("sito/dati.html")).unwrap();
    assert!(dati.contains("Risultati_performance_2024_Modena.xlsx"));
    for file in [
        "Carte_di_lavoro_OIV_2024_Modena.xlsx",
        "Carte_di_lavoro_OIV_2024_Modena.pdf",
        "Documento_di_validazione_2024_Modena.pdf",
        "Esito_validazione_2024_Modena.json",
        "Esito_validazione_2024_Modena.csv",
    ] {
        assert!(dati.contains(&format!("documenti/{file}")), "the web edition does not offer {file}");
        assert!(modena_out().join("sito/documenti").join(file).is_file(), "{file} is not copied");
    }
}

/// Every result cell of a tree sheet equals the JSON's value for the same node, to the last digit;
/// every rolled-up result is a formula.
fn tree_sheet_matches(sheet: &str, roots: &[&Value]) {
    let mut wb = open_workbook_auto(workbook_path(modena_out())).unwrap();
    let values = wb.worksheet_range(sheet).unwrap();
    let formulas = wb.worksheet_formula(sheet).unwrap();
    let mut nodes = Vec::new();
    for r in roots {
        dfs(r, &mut nodes);
    }
    let mut with_formula = 0;
    for (i, n) in nodes.iter().enumerate() {
        let row = (i + 1) as u32;
        assert_eq!(
            values.get_value((row, 1)).map(|d| d.to_string()),
            Some(n["codice"].as_str().unwrap().to_string())
        );
        let cell = values.get_value((row, 10)).and_then(float);
        let expected = n["risultato"].as_f64().map(|r| r / 100.0);
        match (cell, expected) {
            (Some(c), Some(e)) => {
                assert!((c - e).abs() <= 1e-15 * e.abs().max(1.0), "{sheet} row {}: {c} vs {e}", row + 1)
            }
            (None, None) => {}
            other => panic!("{sheet} row {}: {other:?}", row + 1),
        }
        let f = formulas.get_value((row, 10)).cloned().unwrap_or_default();
        if !n["figli"].as_array().unwrap().is_empty() && expected.is_some() && n["decisione"].is_null() {
            assert!(!f.is_empty(), "{sheet} row {}: roll-up without formula", row + 1);
            with_formula += 1;
        }
    }
    assert!(with_formula > 0);
}

#[test]
fn albero_results_are_formulas_with_the_tools_values() {
    let j = json(modena_out());
    tree_sheet_matches("Albero", &[&j["albero"]]);
}

#[test]
fn unit_and_individual_sheets_match_too() {
    let j = json(modena_out());
    tree_sheet_matches("Unità organizzative", &[&j["unita_organizzative"]]);
    tree_sheet_matches("Obiettivi individuali", &[&j["obiettivi_individuali"], &j["tempestivita_pagamenti"]]);
}

/// The JSON text of an indicator's result: keys are sorted, and an indicator has no children, so the
/// first `"result"` after its `"code"` is its own. (Read as text: serde_json's default float parser
/// may be one ULP off, which would hide or fake a difference.)
fn json_result_text<'a>(json: &'a str, code: &str) -> &'a str {
    let at = json.find(&format!("\"codice\": {}", serde_json::to_string(code).unwrap())).unwrap();
    let rest = &json[at..];
    let r = &rest[rest.find("\"risultato\": ").unwrap() + 13..];
    r[..r.find([',', '\n']).unwrap()].trim()
}

#[test]
fn csv_numbers_equal_the_json() {
    let out = modena_out();
    let json_text = std::fs::read_to_string(out.join("opendata/relazione.json")).unwrap();
    let j = json(out);
    let mut nodes = Vec::new();
    dfs(&j["albero"], &mut nodes);
    let indicators: Vec<&&Value> = nodes.iter().filter(|n| n["livello"] == "indicatore").collect();
    let csv = std::fs::read_to_string(out.join("opendata/indicatori.csv")).unwrap();
    let mut records = parse_csv(&csv).into_iter();
    let header = records.next().unwrap();
    let col = |h: &str| header.iter().position(|x| x == h).unwrap_or_else(|| panic!("no column {h}"));
    let rows: Vec<Vec<String>> = records.collect();
    assert_eq!(rows.len(), indicators.len());
    for (fields, n) in rows.iter().zip(&indicators) {
        let code = n["codice"].as_str().unwrap();
        assert_eq!(fields[col("codice")], code);
        let ours: f64 = fields[col("risultato_pct")].parse().unwrap();
        let theirs: f64 = json_result_text(&json_text, code).parse().unwrap();
        assert_eq!(ours.to_bits(), theirs.to_bits(), "{code}: {ours} vs {theirs}");
    }
}

/// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

#[test]
fn formula_text_stays_text_in_xlsx_and_csv() {
    let mut rows = albero_rows();
    rows[7][1] = (9, C::T("101.S1 - =HYPERLINK(\"http://x\",\"y\")"));
    let dir = albero_dir("formula", &rows);
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut wb = open_workbook_auto(out.join("Risultati_performance_2024_Prova.xlsx")).unwrap();
    let range = wb.worksheet_range("Indicatori").unwrap();
    let formulas = wb.worksheet_formula("Indicatori").unwrap();
    let cell = range.rows().find(|r| r[4] == "101.S1").unwrap()[5].clone();
    assert_eq!(cell, Data::String("=HYPERLINK(\"http://x\",\"y\")".into()));
    assert!(formulas.used_cells().all(|(_, _, f)| !f.contains("HYPERLINK")));
    // The copy for spreadsheets neutralises it; the machine-readable file keeps it as text.
    let csv = std::fs::read_to_string(out.join("opendata/per_excel/indicatori.csv")).unwrap();
    assert!(csv.contains(";\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\";"), "{csv}");
    let csv = std::fs::read_to_string(out.join("opendata/indicatori.csv")).unwrap();
    assert!(csv.contains(",\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","), "{csv}");
}

#[test]
fn outputs_are_byte_identical_across_runs() {
    let a = modena_out();
    let second = scratch("xlsx-modena-2");
    let b = second.join("out");
    // The same data folder again (the findings sheet names the files read).
    let run = build(&a.parent().unwrap().join("data"), &manifest().join("relazione.yaml"), &b);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in
        ["Risultati_performance_2024_Modena.xlsx", "opendata/indicatori.csv", "opendata/relazione.json"]
    {
        assert!(
            std::fs::read(a.join(name)).unwrap() == std::fs::read(b.join(name)).unwrap(),
            "{name} differs"
        );
    }
}

/// A LibreOffice profile that recalculates every formula on load (by default it trusts the cached
/// values of xlsx files, which would make this check vacuous).
fn recalculating_profile(dir: &Path) -> String {
    let user = dir.join("user");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(
        user.join("registrymodifications.xcu"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#,
    )
    .unwrap();
    format!("-env:UserInstallation=file://{}", dir.display())
}

/// A copy of the workbook with every formula's cached value removed: whatever is read from the
/// recalculated copy was computed by LibreOffice, not kept from the tool.
fn stripped_copy(src: &Path, dst: &Path) {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut stripped = 0;
    for i in 0..zin.len() {
        let mut entry = zin.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = String::new();
        entry.read_to_string(&mut data).unwrap();
        if name.starts_with("xl/worksheets/sheet") {
            let mut out = String::with_capacity(data.len());
            let mut rest = data.as_str();
            while let Some(at) = rest.find("</f><v>") {
                let end = at + rest[at..].find("</v>").unwrap() + "</v>".len();
                out.push_str(&rest[..at + "</f>".len()]);
                rest = &rest[end..];
                stripped += 1;
            }
            out.push_str(rest);
            data = out;
        }
        zout.start_file(name, opts).unwrap();
        zout.write_all(data.as_bytes()).unwrap();
    }
    zout.finish().unwrap();
    assert!(stripped > 0, "no cached formula value in {}", src.display());
}

/// The workbook `out/workbook` without its cached values, recalculated by LibreOffice: the folder
/// it is in (kept while the value lives) and its path.
fn recalculate(out: &Path, workbook: &str) -> (Scratch, std::path::PathBuf) {
    // Tests recalculate at once, often a workbook of the same name: each in its own folder.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let work = scratch(&format!("ricalcolo-{n}-{workbook}"));
    let input = work.join(workbook);
    stripped_copy(&out.join(workbook), &input);
    let recalc = work.join("ricalcolato");
    let status = std::process::Command::new("soffice")
        .arg(recalculating_profile(&work.join("profilo")))
        .args(["--headless", "--calc", "--convert-to", "xlsx", "--outdir", recalc.to_str().unwrap()])
        .arg(&input)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("soffice not found: run `make verifica-xlsx`");
    assert!(status.success());
    let path = recalc.join(workbook);
    (work, path)
}

/// The sheet «Anno precedente» recalculated: each change of result and of value equals the open
/// data's (which are the tool's), to 1e-9.
#[test]
#[ignore = "needs LibreOffice: make verifica-xlsx"]
fn libreoffice_recalculates_the_changes_from_last_year() {
    let dir = modena_data("ricalcolo-anno-precedente");
    let data = dir.join("data");
    let mut last = crate::anni::last_year("Camera di commercio di Modena", 2023);
    // A value changed too, so that a relative change is recalculated.
    let os = &mut last["albero"]["figli"][0]["figli"][0]["figli"][0]["figli"][0];
    assert_eq!(os["codice"], "301.S0");
    os["indicatore"]["valore"] = 17_000_000_000.0.into();
    crate::anni::put_last_year(&data, &last);
    let out = dir.join("out");
    let run = build(&data, &manifest().join("relazione.yaml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let workbook = "Risultati_performance_2024_Modena.xlsx";
    assert_recalculation_matches(&out, workbook);
    let (_work, recalculated) = recalculate(&out, workbook);
    let mut wb = open_workbook_auto(&recalculated).unwrap();
    let sheet = wb.worksheet_range("Anno precedente").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let col = |h: &str| header.iter().position(|x| x == h).unwrap();
    let (code, result, value) =
        (col("Codice"), col("Variazione del risultato (p.p.)"), col("Variazione del valore"));
    let csv = parse_csv(&std::fs::read_to_string(out.join("opendata/obiettivi.csv")).unwrap());
    let at = |h: &str| csv[0].iter().position(|x| x == h).unwrap();
    let (c_code, c_result, c_pp, c_pct) = (
        at("codice"),
        at("variazione_risultato_pp"),
        at("variazione_valore_pp"),
        at("variazione_valore_pct"),
    );
    let mut compared = 0;
    for (row, csv_row) in
        sheet.rows().skip(1).zip(csv.iter().skip(1).filter(|r| r[at("livello")] != "gruppo"))
    {
        assert_eq!(row[code].to_string(), csv_row[c_code]);
        for (cell, expected) in [
            (&row[result], &csv_row[c_result]),
            (&row[value], &csv_row[if csv_row[c_pp].is_empty() { c_pct } else { c_pp }]),
        ] {
            match (float(cell), expected.parse::<f64>().ok()) {
                (Some(got), Some(want)) => {
                    assert!((got - want).abs() < 1e-9, "{}: {got} against {want}", csv_row[c_code]);
                    compared += 1;
                }
                (None, None) => {}
                (got, want) => panic!("{}: {got:?} against {want:?}", csv_row[c_code]),
            }
        }
    }
    assert!(compared > 200, "{compared}: results and values of the performance tree");
}

/// LibreOffice recalculates a workbook whose cached values were removed; every result,
/// raggiungimento and class of the tree sheets must equal the JSON (to 1e-9), the Ente's figures
/// on Sintesi too, and no cell of any sheet may be an error. Needs `soffice`.
pub(crate) fn assert_recalculation_matches(out: &Path, workbook: &str) {
    let (_work, recalculated) = recalculate(out, workbook);
    let j = json(out);
    let mut wb = open_workbook_auto(&recalculated).unwrap();
    let mut errors = Vec::new();
    for sheet in wb.sheet_names() {
        let range = wb.worksheet_range(&sheet).unwrap();
        for (r, c, v) in range.used_cells() {
            if matches!(v, Data::Error(_)) {
                errors.push(format!("{sheet}!{}{}: {v:?}", column_name(c), r + 1));
            }
        }
    }
    assert!(errors.is_empty(), "{workbook}: error cells after recalculation: {errors:?}");
    let trees = [
        ("Albero", vec![&j["albero"]]),
        ("Unità organizzative", vec![&j["unita_organizzative"]]),
        ("Obiettivi individuali", vec![&j["obiettivi_individuali"], &j["tempestivita_pagamenti"]]),
    ];
    let names = wb.sheet_names();
    for (sheet, roots) in trees {
        if !names.iter().any(|n| n == sheet) {
            continue;
        }
        let range = wb.worksheet_range(sheet).unwrap();
        let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        let col = |h: &str| header.iter().position(|x| x == h).unwrap() as u32;
        let (result, ragg, class) = (col("Risultato"), col("Raggiungimento"), col("Classe"));
        let mut nodes = Vec::new();
        for r in roots.into_iter().filter(|r| !r.is_null()) {
            dfs(r, &mut nodes);
        }
        let mut worst: f64 = 0.0;
        let mut wrong = Vec::new();
        for (i, n) in nodes.iter().enumerate() {
            let row = (i + 1) as u32;
            let cell = |c: u32| range.get_value((row, c)).and_then(float).unwrap_or(f64::NAN);
            if let Some(e) = n["risultato"].as_f64() {
                let d = (cell(result) - e / 100.0).abs();
                if d.is_nan() || d > 1e-9 {
                    wrong.push(format!(
                        "{} {}: {} against {}",
                        n["livello"],
                        n["codice"],
                        cell(result),
                        e / 100.0
                    ));
                }
                worst = worst.max(d);
                let shown = range.get_value((row, class)).map(|d| d.to_string()).unwrap_or_default();
                assert_eq!(shown, n["classe"].as_str().unwrap_or(""), "{sheet} row {} class", row + 1);
            }
            if let Some(g) = n["raggiungimento"].as_f64() {
                worst = worst.max((cell(ragg) - g / 100.0).abs());
            }
        }
        println!(
            "{workbook} {sheet}: {} nodes, largest difference after recalculation {worst:e}",
            nodes.len()
        );
        assert!(worst <= 1e-9, "{workbook} {sheet}: {worst}: {wrong:#?}");
    }
    // The Ente's figures where the SMVP lists more than one.
    let figures = j["riepilogo"]["figure_ente"].as_array().unwrap();
    let sintesi = wb.worksheet_range("Sintesi").unwrap();
    let rows: Vec<_> = sintesi
        .rows()
        .filter(|r| matches!(r[0].to_string().as_str(), "misura ufficiale" | "altra misura"))
        .collect();
    if figures.len() > 1 {
        assert_eq!(rows.len(), figures.len(), "{workbook}: one Sintesi row per Ente figure");
        for (r, f) in rows.iter().zip(figures) {
            assert_eq!(r[2].to_string(), f["etichetta"].as_str().unwrap());
            let v = float(&r[4]).unwrap_or(f64::NAN);
            assert!((v - f["risultato"].as_f64().unwrap()).abs() <= 1e-9, "{workbook} {}: {v}", r[2]);
        }
    }
}

/// `A`, `Z`, `AA` for a zero-based column.
fn column_name(c: usize) -> String {
    let mut n = c + 1;
    let mut s = String::new();
    while n > 0 {
        s.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
        n = (n - 1) / 26;
    }
    s
}

#[test]
#[ignore = "needs LibreOffice: run with `make verifica-xlsx`"]
fn libreoffice_recalculation_gives_the_same_results() {
    assert_recalculation_matches(modena_out(), "Risultati_performance_2024_Modena.xlsx");
}

/// The other chambers' roll-ups recalculate too: bands, a plain mean of the OS, an exclusion by
/// the Giunta (the step-scale fixture); simple means without weights (Liguria); perspectives as
/// means of raggiungimenti and two Ente figures, no classes (the scorecard).
#[test]
#[ignore = "needs LibreOffice: run with `make verifica-xlsx`"]
fn libreoffice_recalculates_every_chambers_roll_up() {
    use crate::piatto::{
        BSC_DECISIONS, BSC_SENZA_CLASSI, LIGURIA_OIV, LIGURIA_SMVP, bsc_rows, data, liguria_rows,
    };
    let fasce = manifest().join("tests/fixtures/smvp-fasce");
    let out = scratch("ricalcolo-fasce-out");
    let run = build(&fasce, &fasce.join("relazione.yaml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_recalculation_matches(&out, "Risultati_performance_2024_Esempio.xlsx");

    let (dir, cfg) = data("ricalcolo-bsc", &bsc_rows(), BSC_SENZA_CLASSI);
    std::fs::write(dir.join("decisioni.yaml"), BSC_DECISIONS).unwrap();
    let out = out_beside(&dir);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_recalculation_matches(&out, "Risultati_performance_2024_Prova.xlsx");
    let _ = std::fs::remove_dir_all(&out);

    let (dir, cfg) = data("ricalcolo-liguria", &liguria_rows(), LIGURIA_SMVP);
    std::fs::write(dir.join("decisioni.yaml"), LIGURIA_OIV).unwrap();
    let out = out_beside(&dir);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_recalculation_matches(&out, "Risultati_performance_2024_Prova.xlsx");
    let _ = std::fs::remove_dir_all(&out);
}

/// Beside each computed result, the platform's own and the difference; and where the row was read.
#[test]
fn the_platforms_result_the_difference_and_the_source_stand_beside_ours() {
    use calamine::DataType;
    let mut wb = open_workbook_auto(workbook_path(modena_out())).unwrap();
    let range = wb.worksheet_range("Obiettivi individuali").unwrap();
    let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let col =
        |h: &str| header.iter().position(|x| x == h).unwrap_or_else(|| panic!("no column {h}: {header:?}"));
    // The objective the run warns about: «MISURE ANTICORR.», read at C55, 100 % here, 99,37 % there.
    let origin_col = col("Origine (file, foglio, cella)");
    let row = range
        .rows()
        .find(|r| r[col("Codice")] == "MISURE ANTICORR." && r[origin_col].to_string().ends_with(", C55"))
        .expect("the objective's row");
    assert_eq!(row[col("Risultato")].as_f64(), Some(1.0));
    assert_eq!(row[col("Risultato della piattaforma")].as_f64(), Some(0.9937));
    let diff = row[col("Differenza dalla piattaforma")].as_f64().unwrap();
    assert!((diff - 0.0063).abs() < 1e-12, "{diff}");
    assert_eq!(row[origin_col].to_string(), "Obiettivi_individuali_2024.xlsx, Obiettivi individuali, C55");
    // Every indicator row of the performance tree names its source.
    let albero = wb.worksheet_range("Albero").unwrap();
    let h: Vec<String> = albero.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let (lv, or) = (
        h.iter().position(|x| x == "Livello").unwrap(),
        h.iter().position(|x| x.starts_with("Origine")).unwrap(),
    );
    let indicators: Vec<_> = albero.rows().filter(|r| r[lv] == "indicatore").collect();
    assert!(!indicators.is_empty());
    assert!(
        indicators
            .iter()
            .all(|r| r[or].to_string().starts_with("Integra_Report_Performance_organizzativa_Ente"))
    );
}

/// Printed as an office prints it: LibreOffice lays the Sintesi sheet on one page and repeats the
/// header row on every page of the Albero sheet (A4 landscape, one page wide).
#[test]
#[ignore = "needs LibreOffice: run with `make verifica-xlsx`"]
fn libreoffice_prints_the_sintesi_on_one_page_and_the_albero_with_its_header_on_every_page() {
    let work = scratch("stampa");
    let pdf_dir = work.join("pdf");
    let status = std::process::Command::new("soffice")
        .arg(recalculating_profile(&work.join("profilo")))
        .args(["--headless", "--calc", "--convert-to", "pdf", "--outdir", pdf_dir.to_str().unwrap()])
        .arg(workbook_path(modena_out()))
        .status()
        .expect("soffice not found: run `make verifica-xlsx`");
    assert!(status.success());
    let pdf = pdf_dir.join("Risultati_performance_2024_Modena.pdf");
    let info = String::from_utf8(crate::common::tool("pdfinfo", &[pdf.to_str().unwrap()]).stdout).unwrap();
    let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    let page = |n: usize| {
        let n = n.to_string();
        let out =
            crate::common::tool("pdftotext", &["-layout", "-f", &n, "-l", &n, pdf.to_str().unwrap(), "-"]);
        String::from_utf8(out.stdout).unwrap()
    };
    let first_line = |text: &str| text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
    // Sheets print in order: Sintesi, then Albero. The Sintesi holds page 1 alone.
    assert!(first_line(&page(1)).starts_with("Livello"), "{}", page(1));
    let tree_header = |text: &str| {
        text.lines().take(3).any(|l| l.contains("Descrizione") && l.contains("Regola o decisione"))
    };
    assert!(tree_header(&page(2)), "page 2 is not the Albero: {}", page(2));
    // Every page of the Albero (until the Ente's last indicator) starts with the header row.
    // (The next tree sheet, the units', starts with its root row, «struttura».)
    let first_row = |text: &str| {
        let lines: Vec<&str> = text.lines().collect();
        let h = lines.iter().position(|l| l.contains("Regola o decisione")).unwrap_or(0);
        lines.get(h + 1).map_or(String::new(), |l| l.trim().to_string())
    };
    let albero_pages: Vec<usize> = (2..=pages)
        .take_while(|&p| tree_header(&page(p)) && (p == 2 || !first_row(&page(p)).starts_with("struttura")))
        .collect();
    assert!(albero_pages.len() >= 2, "the Albero fits one page: the repetition is not tested");
    assert!(pages < 20, "the workbook prints on {pages} pages");
}
