//! Year over year: last year's published `relazione.json` in `data/anno_precedente/` puts last
//! year's figures beside this year's in every output, a file of another year or Ente is refused
//! with its name; `relazione confronta` names what changed between two builds, and nothing else.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

/// Last year's `relazione.json` made from this year's Modena results: the same tree, with the
/// Ente's result and the result of OS 301 changed.
pub(crate) fn last_year(ente: &str, anno: i64) -> Value {
    let texts = relazione::inputs::testi::Texts::default();
    let mut doc = relazione::outputs::json::public_document(modena_scored(), &texts);
    doc["anno"] = anno.into();
    doc["ente"]["nome"] = ente.into();
    doc["albero"]["risultato"] = 91.23.into();
    let ambito = &mut doc["albero"]["figli"][0];
    assert_eq!(ambito["figli"][0]["codice"], "301");
    ambito["figli"][0]["risultato"] = 87.5.into();
    doc
}

pub(crate) fn put_last_year(data: &Path, doc: &Value) -> std::path::PathBuf {
    let dir = data.join("anno_precedente");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("relazione.json");
    std::fs::write(&file, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    file
}

fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut records = crate::xlsx::parse_csv(&std::fs::read_to_string(path).unwrap()).into_iter();
    let header = records.next().unwrap();
    records.map(|r| header.iter().cloned().zip(r).collect()).collect()
}

#[test]
fn last_years_ente_result_stands_beside_this_years_in_the_pdf_the_web_home_the_workbook_and_the_csv() {
    let dir = modena_data("anni-precedente");
    let data = dir.join("data");
    put_last_year(&data, &last_year("Camera di commercio di Modena", 2023));
    let out = dir.join("out");
    let run = build(&data, &manifest().join("relazione.yaml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Last year's file here holds this year's values: where the KPI series gives another 2023 value,
    // the OIV is told both.
    assert!(
        run.stderr.contains("il valore 2023 è") && run.stderr.contains("nella serie storica e"),
        "{}",
        run.stderr
    );

    // The open data: the Ente's row carries both results and the change in points.
    let rows = csv_rows(&out.join("opendata/obiettivi.csv"));
    let ente = rows.iter().find(|r| r["id"] == "albero").unwrap();
    let now: f64 = ente["risultato_pct"].parse().unwrap();
    assert!((now - 99.617).abs() < 0.001, "{now}");
    assert_eq!(ente["risultato_anno_precedente_pct"], "91.23");
    let change: f64 = ente["variazione_risultato_pp"].parse().unwrap();
    assert!((change - (now - 91.23)).abs() < 1e-9);
    assert_eq!(ente["abbinamento_anno_precedente"], "id");
    let os = rows.iter().find(|r| r["codice"] == "301").unwrap();
    assert_eq!(os["risultato_anno_precedente_pct"], "87.5");
    let datapackage = std::fs::read_to_string(out.join("opendata/datapackage.json")).unwrap();
    assert!(datapackage.contains("risultato_anno_precedente_pct"), "the column is not documented");

    // The workbook: a sheet with both results, the change an Excel formula with our value.
    use calamine::{Data, Reader};
    let mut wb = calamine::open_workbook_auto(out.join("Risultati_performance_2024_Modena.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Anno precedente").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let col = |h: &str| header.iter().position(|x| x == h).unwrap_or_else(|| panic!("no column {h}"));
    let first = sheet.rows().nth(1).unwrap();
    assert_eq!(first[col("Livello")].to_string(), "Ente");
    let num = |d: &Data| match d {
        Data::Float(f) => *f,
        other => panic!("{other:?}"),
    };
    assert!((num(&first[col("Risultato 2024")]) - 0.99617).abs() < 1e-5);
    assert!((num(&first[col("Risultato 2023")]) - 0.9123).abs() < 1e-12);
    let formulas = wb.worksheet_formula("Anno precedente").unwrap();
    let f = formulas.get_value((1, col("Variazione del risultato (p.p.)") as u32)).unwrap();
    assert_eq!(f, "(E2-F2)*100");

    // The web edition's home page.
    let home = std::fs::read_to_string(out.join("sito/index.html")).unwrap();
    let home = home.replace('\n', " ");
    assert!(home.contains("<strong>99,62\u{a0}%</strong>"), "this year's result is not on the home page");
    assert!(home.contains("Nel 2023 era pari al <strong>91,23\u{a0}%</strong>"), "last year's is not");
    assert!(home.contains("87,50\u{a0}% (+12,50\u{a0}p.p.)"), "OS 301's result of 2023 is not beside 2024's");
    assert!(home.contains("Nel 2023 aveva fatto il 91,23\u{a0}%."), "the citizens' summary does not compare");

    // The PDF: chapter 1 and chapter 3.
    needs!("pdftotext");
    let text = flat(&pdf_text(&out.join("Relazione_performance_2024_Modena.pdf")));
    assert!(text.contains("è pari al 99,62 %"), "this year's result is not in the PDF");
    assert!(text.contains("Nel 2023 era pari al 91,23 % (variazione: +8,39 p.p.; dalla Relazione 2023)"));
    assert!(
        text.contains("Elementi ritrovati tra i risultati del 2023:"),
        "chapter 3 does not say what matched"
    );
    assert!(text.contains("87,50 % (+12,50 p.p.)"), "OS 301 has not its 2023 result beside");
}

#[test]
fn a_previous_year_file_of_another_ente_another_year_or_format_is_refused_with_its_name() {
    let dir = modena_data("anni-estraneo");
    let data = dir.join("data");
    let out = dir.join("out");
    let cfg = manifest().join("relazione.yaml");
    let modena = || last_year("Camera di commercio di Modena", 2023);
    let edited = |f: &dyn Fn(&mut Value)| {
        let mut d = modena();
        f(&mut d);
        d
    };
    let cases: [(Value, &str); 7] = [
        (
            edited(&|d| d["albero"]["figli"][1]["id"] = d["albero"]["figli"][0]["id"].clone()),
            "compare due volte",
        ),
        (
            edited(&|d| d["albero"]["figli"][0]["risultato"] = 1e308.into()),
            "non è una percentuale ammissibile",
        ),
        (edited(&|d| d["albero"]["figli"][0]["nome"] = "x".repeat(5000).into()), "supera 2000 caratteri"),
        (
            last_year("Camera di commercio di Ferrara", 2023),
            "è la Relazione di «Camera di commercio di Ferrara»",
        ),
        (
            last_year("Camera di commercio di Modena", 2022),
            "è la Relazione del 2022, non quella dell'anno precedente",
        ),
        (
            {
                let mut d = last_year("Camera di commercio di Modena", 2023);
                d["versione"] = 99.into();
                d
            },
            "formato versione 99",
        ),
        (serde_json::json!({"type": "FeatureCollection"}), "non dice la versione del formato"),
    ];
    for (doc, why) in cases {
        let file = put_last_year(&data, &doc);
        let run = build(&data, &cfg, &out);
        assert_eq!(run.code, 1, "{why}: {}", run.stderr);
        assert!(run.stderr.contains(&file.display().to_string()), "the file is not named: {}", run.stderr);
        assert!(run.stderr.contains(why), "expected «{why}»: {}", run.stderr);
        assert!(!out.exists(), "a refused run published something");
    }
    // Not JSON at all.
    let file = data.join("anno_precedente/relazione.json");
    std::fs::write(&file, "<html>").unwrap();
    let run = build(&data, &cfg, &out);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("non è un relazione.json leggibile"), "{}", run.stderr);
    // Two folders that differ in case only: one source, not a silent choice.
    put_last_year(&data, &modena());
    put_last_year(&data.join("tmp"), &modena());
    std::fs::rename(data.join("tmp/anno_precedente"), data.join("ANNO_PRECEDENTE")).unwrap();
    let run = build(&data, &cfg, &out);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("tenere una sola cartella dell'anno precedente"), "{}", run.stderr);
}

#[test]
fn last_years_file_inside_the_output_folder_or_not_a_file_is_refused_and_nothing_is_replaced() {
    let dir = modena_data("anni-dentro-uscita");
    let data = dir.join("data");
    let out = dir.join("out");
    // Last year's relazione.json where this year's will be published.
    let inside = out.join("opendata");
    std::fs::create_dir_all(&inside).unwrap();
    let file = inside.join("relazione.json");
    std::fs::write(&file, last_year("Camera di commercio di Modena", 2023).to_string()).unwrap();
    let cfg = dir.join("relazione.yaml");
    let base = std::fs::read_to_string(manifest().join("relazione.yaml")).unwrap();
    std::fs::write(&cfg, format!("{base}\nanno_precedente: out/opendata/relazione.json\n")).unwrap();
    let before = std::fs::read(&file).unwrap();
    let run = build(&data, &cfg, &out);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("pubblicarla la sostituirebbe"), "{}", run.stderr);
    assert_eq!(std::fs::read(&file).unwrap(), before, "last year's file was replaced");
    // A device named instead of a file.
    std::fs::write(&cfg, format!("{base}\nanno_precedente: /dev/null\n")).unwrap();
    let run = build(&data, &cfg, &dir.join("altra"));
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("/dev/null") && run.stderr.contains("né un file"), "{}", run.stderr);
}

/// The small tree of `albero_rows`, with indicator 101.S1's value and a premessa.
fn version(dir: &Path, value: &'static str, premessa: &str) -> std::path::PathBuf {
    let mut rows = albero_rows();
    rows[7][3] = (11, C::T(value));
    let data = dir.join("data");
    std::fs::create_dir_all(data.join("testi")).unwrap();
    write_sheet(&data.join("ente.xlsx"), "Report", &rows);
    std::fs::write(data.join("testi/premessa.md"), premessa).unwrap();
    let cfg = config(dir, "");
    let out = dir.join("out");
    let run = build(&data, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    out
}

#[test]
fn confronta_names_the_value_and_the_text_that_changed_and_nothing_else() {
    let premessa = "La Relazione rende conto dei risultati del 2024.\n\n<!-- nota per l'ufficio -->\n\nIl ciclo si \
                    chiude con la validazione dell'OIV.\n";
    let (sa, sb) = (scratch("confronta-a"), scratch("confronta-b"));
    let a = version(&sa, "12 N.", premessa);
    let b = version(
        &sb,
        "13 N.",
        &premessa.replace("dei risultati", "degli ottimi risultati").replace("nota per", "altra nota per"),
    );
    // The library's comparison: one indicator (its value and what follows from it), one text.
    let (va, vb) = (relazione::confronto::load(&a).unwrap(), relazione::confronto::load(&b).unwrap());
    let c = relazione::confronto::compare(&va, &vb, chrono::NaiveDate::from_ymd_opt(2025, 5, 20).unwrap());
    let nodes: Vec<&str> = c.nodi.iter().map(|n| n.dove.as_str()).collect();
    assert_eq!(nodes, ["Indicatore 101.S1 – Indicatore strategico"]);
    let fields: Vec<(&str, &str, &str)> =
        c.nodi[0].campi.iter().map(|f| (f.campo, f.prima.as_str(), f.dopo.as_str())).collect();
    assert_eq!(
        fields,
        [
            ("consuntivo", "12 N.", "13 N."),
            ("valore", "12,00", "13,00"),
            ("grado (consuntivo su target)", "120,00\u{a0}%", "130,00\u{a0}%"),
            ("scostamento", "2,00", "3,00"),
        ]
    );
    assert!(c.decisioni.is_empty());
    assert_eq!(c.testi.len(), 1, "{:?}", c.testi);
    assert_eq!(c.testi[0].sezione, "Premessa");
    let m: Vec<(&str, &str)> =
        c.testi[0].modifiche.iter().map(|m| (m.tolte.as_str(), m.aggiunte.as_str())).collect();
    // The comment is not what a reader reads: changing it changes nothing.
    assert_eq!(m, [("dei", "degli ottimi")]);

    // The command: the same on the terminal, and the two files; exit 0 whatever the differences.
    let cmp = scratch("confronta-uscita");
    let run =
        relazione(&["confronta", a.to_str().unwrap(), b.to_str().unwrap(), "--out", cmp.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Valori ed elementi cambiati: 1"), "{}", run.stdout);
    assert!(run.stdout.contains("valore: 12,00 → 13,00"), "{}", run.stdout);
    assert!(run.stdout.contains("Testi cambiati: 1"), "{}", run.stdout);
    assert!(run.stdout.contains("tolto «dei», aggiunto «degli ottimi»"), "{}", run.stdout);
    let made: Vec<String> = std::fs::read_dir(&*cmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("Confronto_"))
        .collect();
    assert_eq!(made.len(), 2, "{made:?}");
    let pdf = cmp.join(made.iter().find(|n| n.ends_with(".pdf")).expect("the PDF"));
    assert!(made.iter().any(|n| n.ends_with(".html")), "{made:?}");
    // A version compared with itself: nothing.
    let same = cmp.join("stessa");
    let run =
        relazione(&["confronta", a.to_str().unwrap(), a.to_str().unwrap(), "--out", same.to_str().unwrap()]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Nessuna differenza"), "{}", run.stdout);
    // An unreadable version: exit 1, named.
    let missing = cmp.join("nessuna");
    let run = relazione(&["confronta", a.to_str().unwrap(), missing.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("nessuna"), "{}", run.stderr);

    // A second comparison the same day is filed beside the first.
    let run =
        relazione(&["confronta", a.to_str().unwrap(), b.to_str().unwrap(), "--out", cmp.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("_2.pdf"), "{}", run.stdout);
    // Never into a build's output folder, which its next build replaces.
    let run = relazione(&[
        "confronta",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        b.join("x").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("la build successiva sostituisce"), "{}", run.stderr);

    needs!("pdftotext");
    let text = flat(&pdf_text(&pdf));
    for expected in ["101.S1", "12 N.", "13 N.", "Premessa", "degli ottimi"] {
        assert!(text.contains(expected), "the PDF lacks «{expected}»: {text}");
    }
}

#[test]
fn last_years_export_is_recomputed_and_said_so_and_one_named_for_another_year_is_refused() {
    let dir = albero_dir("anni-esportazione", &albero_rows());
    let cfg = config(&dir, "");
    let last = dir.join("anno_precedente");
    std::fs::create_dir_all(&last).unwrap();
    let mut rows = albero_rows();
    rows[7][3] = (11, C::T("9 N."));
    rows[10][2] = (10, C::T("Entro 30-06-2023"));
    rows[10][3] = (11, C::T("20-06-2023"));
    write_sheet(&last.join("Performance_2023.xlsx"), "Report", &rows);
    let s = score(&cfg, &dir).unwrap();
    let c = s.precedente.as_ref().expect("last year read");
    assert!(c.ricalcolato, "an export's results are recomputed, and said so");
    assert_eq!((c.per_id, c.nuovi, c.tolti.len()), (8, 0, 0), "every node, groups included");
    // Last year is not read as this year's data.
    assert_eq!(s.report.albero.as_ref().unwrap().result(), Some(1.0));
    let mut found = None;
    s.report.albero.as_ref().unwrap().walk(&mut |n| {
        if n.code == "101.S1" {
            found = n.previous.clone();
        }
    });
    match found {
        Some(relazione::model::Previous::Found(f)) => {
            assert_eq!((f.value, f.result), (Some(9.0), Some(90.0)));
            assert_eq!(f.actual.as_deref(), Some("9 N."));
        }
        other => panic!("{other:?}"),
    }
    let view = relazione::view::View::build(&s, &[], &Default::default());
    let ente = &view.albero.as_ref().unwrap().ente;
    assert_eq!(ente.precedente.as_ref().unwrap().variazione, "+5,00\u{a0}p.p.", "95 % last year, 100 % now");

    // A file whose name gives another year is not last year's export.
    std::fs::rename(last.join("Performance_2023.xlsx"), last.join("Performance_2023_2024.xlsx")).unwrap();
    let e = score(&cfg, &dir).unwrap_err().to_string();
    assert!(e.contains("Performance_2023_2024.xlsx") && e.contains("indica il 2024"), "{e}");
    // Nor is one whose targets fall due this year, whatever its name.
    std::fs::remove_file(last.join("Performance_2023_2024.xlsx")).unwrap();
    write_sheet(&last.join("Performance.xlsx"), "Report", &albero_rows());
    let e = score(&cfg, &dir).unwrap_err().to_string();
    assert!(
        e.contains("anno_precedente") && e.contains("scadenze dei target sono per lo più del 2024"),
        "{e}"
    );
    std::fs::remove_dir_all(&last).unwrap();

    // Named in the configuration instead, relative to its folder.
    let elsewhere = dir.join("storico");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let mut doc = relazione::outputs::json::public_document(&s, &Default::default());
    doc["anno"] = 2023.into();
    doc["albero"]["risultato"] = 80.into();
    std::fs::write(elsewhere.join("relazione_2023.json"), doc.to_string()).unwrap();
    let named = config(&dir, "anno_precedente: storico/relazione_2023.json\n");
    let s = score(&named, &dir).unwrap();
    assert_eq!(s.precedente.as_ref().unwrap().file, "relazione_2023.json");
    assert!(!s.precedente.as_ref().unwrap().ricalcolato);
    // Both places at once: one source only.
    std::fs::create_dir_all(&last).unwrap();
    std::fs::copy(elsewhere.join("relazione_2023.json"), last.join("relazione.json")).unwrap();
    let e = score(&named, &dir).unwrap_err().to_string();
    assert!(e.contains("tenere una sola fonte"), "{e}");
}

/// A version as a hostile party could write it: `n` indicators whose values are `value(k)`, names
/// made of markup for every sink, and a long text.
fn hostile_version(n: usize, value: impl Fn(usize) -> usize, text: &str) -> Value {
    let name = "<img src=x onerror=alert(1)> #read(\"/etc/passwd\") \u{1b}[2J ]; = x\nTesti cambiati: 0\nx";
    let figli: Vec<Value> = (0..n)
        .map(|k| {
            serde_json::json!({
                "id": format!("albero.i{k}"), "livello": "indicatore", "codice": format!("I{k}"), "nome": name,
                "risultato": (k % 100) as f64, "decisione": null,
                "indicatore": { "valore": value(k) as f64, "consuntivo": format!("{} N.", value(k)), "target": ">= 1 N." },
                "figli": [],
            })
        })
        .collect();
    serde_json::json!({
        "versione": 3, "anno": 2024, "ente": { "nome": name },
        "albero": { "id": "albero", "livello": "ente", "codice": "ente", "nome": name, "risultato": 50.0, "figli": figli },
        "testi": { "sezioni": [{ "chiave": "premessa", "sezione": name, "testo": text }], "scostamenti": [] },
    })
}

#[test]
fn confronta_on_two_large_hostile_versions_stays_within_its_budget_and_escapes_every_string() {
    let dir = scratch("confronta-ostile");
    // 10.000 indicators, every value changed; a text of 100.000 words rewritten in the middle.
    let words = |tag: &str| (0..100_000).map(|i| format!("{tag}{i}")).collect::<Vec<_>>().join(" ");
    let a = hostile_version(10_000, |k| k, &format!("inizio {} fine", words("a")));
    let b = hostile_version(10_000, |k| k + 1, &format!("inizio {} fine", words("b")));
    let (pa, pb) = (dir.join("a.json"), dir.join("b.json"));
    std::fs::write(&pa, a.to_string()).unwrap();
    std::fs::write(&pb, b.to_string()).unwrap();
    let out = dir.join("uscita");
    let m = relazione_measured(&[
        "confronta",
        pa.to_str().unwrap(),
        pb.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(m.run.code, 0, "{}", m.run.stderr);
    within_budget(&m, "confronta on 2 × 10.000 changed indicators and a rewritten text of 100.000 words");
    assert!(m.run.stdout.contains("Valori ed elementi cambiati: 10000"));
    assert!(!m.run.stdout.contains('\u{1b}'), "a control character reached the terminal");
    assert!(!m.run.stdout.lines().any(|l| l == "Testi cambiati: 0"), "a name forged a line of the report");
    let html_file = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .find(|e| e.path().extension().is_some_and(|x| x == "html"));
    let html = std::fs::read_to_string(html_file.unwrap().path()).unwrap();
    assert!(!html.contains("<img"), "markup from the versions reached the HTML");
    assert!(html.contains("&lt;img src=x"));
    assert!(html.contains("e altre 99850 parole"), "a rewritten text is summed up, not listed word by word");

    // Nested deeper than any real tree: refused, named, at once.
    let deep = format!("{}{}", "{\"figli\":[".repeat(100_000), "]}".repeat(100_000));
    std::fs::write(&pa, deep).unwrap();
    let m = relazione_measured(&[
        "confronta",
        pa.to_str().unwrap(),
        pb.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(m.run.code, 1);
    assert!(
        m.run.stderr.contains("a.json") && m.run.stderr.contains("non è un relazione.json leggibile"),
        "{}",
        m.run.stderr
    );
    within_budget(&m, "confronta on a document nested 100.000 deep");
}
