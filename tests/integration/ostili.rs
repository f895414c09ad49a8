//! Broken and hostile inputs. Every case: the exact Italian message (file, sheet, cell) and exit 1;
//! the previous `out/` byte-identical after the failed run; every input file byte-identical with
//! its modification time after every run; no panic anywhere.

use crate::common::*;
use rust_xlsxwriter::{Format, Formula, Workbook};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Bytes and modification time of every file under `dir`.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>, SystemTime)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        let meta = std::fs::symlink_metadata(&e).unwrap();
        if meta.is_file() {
            out.push((e.clone(), std::fs::read(&e).unwrap(), meta.modified().unwrap()));
        }
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A valid data folder, a good build into `out/`, then `spoil` breaks the data; `build` must fail
/// with exit 1 and leave `out/` and the inputs as they were. Returns the error text.
fn failing_case(name: &str, spoil: impl FnOnce(&Path)) -> (Scratch, String) {
    let dir = albero_dir(name, &albero_rows());
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    let args = |d: &Path| {
        vec![
            "build".to_string(),
            "--data".into(),
            d.display().to_string(),
            "--config".into(),
            cfg.display().to_string(),
            "--out".into(),
            out.display().to_string(),
        ]
    };
    let run = |d: &Path| {
        let a = args(d);
        relazione(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let good = run(&dir);
    assert_eq!(good.code, 0, "{}", good.stderr);
    let before_out = files(&out);
    spoil(&dir);
    let before_in = files(&dir);
    let bad = run(&dir);
    assert!(!bad.stderr.contains("panicked"), "panic: {}", bad.stderr);
    assert_eq!(bad.code, 1, "stdout {}\nstderr {}", bad.stdout, bad.stderr);
    assert!(files(&out) == before_out, "out/ changed after a failed run");
    assert!(files(&dir) == before_in, "an input file changed");
    (dir, bad.stderr)
}

fn one(dir: &Path, file: &str, rest: &str) -> String {
    format!("errore: dati non validi: 1 problema\n- {}{rest}\n", dir.join(file).display())
}

#[test]
fn truncated_xlsx() {
    let (dir, err) = failing_case("troncato", |d| {
        let bytes = std::fs::read(d.join("ente.xlsx")).unwrap();
        std::fs::write(d.join("troncato.xlsx"), &bytes[..bytes.len() / 2]).unwrap();
    });
    assert_eq!(
        err,
        one(
            &dir,
            "troncato.xlsx",
            ": il file è danneggiato o incompleto: non si apre come cartella di lavoro Excel/ODS"
        )
    );
}

#[test]
fn text_file_named_xlsx() {
    let (dir, err) = failing_case("testo", |d| {
        std::fs::write(d.join("note.xlsx"), "non sono un foglio di calcolo").unwrap()
    });
    assert_eq!(
        err,
        one(
            &dir,
            "note.xlsx",
            ": il file non è un foglio di calcolo: il contenuto non è quello di un file .xlsx"
        )
    );
}

#[test]
fn password_protected_workbook() {
    // An encrypted xlsx is an OLE compound file, not a zip archive.
    let (dir, err) = failing_case("password", |d| {
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.extend(std::iter::repeat_n(0u8, 4096));
        std::fs::write(d.join("protetto.xlsx"), bytes).unwrap();
    });
    assert_eq!(
        err,
        one(
            &dir,
            "protetto.xlsx",
            ": il file è protetto da password (cifrato): salvarlo senza password e riprovare"
        )
    );
}

#[test]
fn empty_workbook() {
    let (dir, err) = failing_case("vuoto", |d| {
        let mut wb = Workbook::new();
        wb.add_worksheet();
        wb.save(d.join("vuoto.xlsx")).unwrap();
    });
    assert_eq!(
        err,
        one(
            &dir,
            "vuoto.xlsx",
            ": la cartella di lavoro è vuota: toglierla dalla cartella dei dati o sostituirla con l'esportazione completa"
        )
    );
}

#[test]
fn misspelt_header() {
    let (dir, err) = failing_case("intestazione", |d| {
        let mut rows = albero_rows();
        rows[2][9] = (9, C::T("Indicatori"));
        write_sheet(&d.join("ente.xlsx"), "Report", &rows);
    });
    assert_eq!(
        err,
        format!(
            "errore: dati non validi: 2 problemi\n- {}, foglio «Report»: riga di intestazione non trovata: il foglio sembra un report della performance organizzativa dell'Ente ma mancano le colonne «Indicatore»\n- {}: manca il report della performance organizzativa dell'Ente (intestazioni attese: Peso ambito, Ambito, Obiettivo strategico, ...)\n",
            dir.join("ente.xlsx").display(),
            dir.display()
        )
    );
}

fn spoil_cell(row: usize, cell: (u16, C<'static>)) -> impl FnOnce(&Path) {
    move |d: &Path| {
        let mut rows = albero_rows();
        let i = rows[row].iter().position(|(c, _)| *c == cell.0).unwrap_or(rows[row].len());
        if i < rows[row].len() {
            rows[row][i] = cell;
        } else {
            rows[row].push(cell);
        }
        write_sheet(&d.join("ente.xlsx"), "Report", &rows);
    }
}

#[test]
fn unreadable_target() {
    let (dir, err) = failing_case("target", spoil_cell(7, (10, C::T(">= molti N."))));
    assert_eq!(
        err,
        one(
            &dir,
            "ente.xlsx",
            ", foglio «Report», cella K8: target «>= molti N.» non leggibile: «molti N.» non è un valore leggibile (attesi ad esempio «1.250 N.», «53,15 %», «-24,31 gg», «1.000,00 €»)"
        )
    );
}

#[test]
fn date_that_does_not_exist() {
    let (dir, err) = failing_case("data", spoil_cell(10, (10, C::T("Entro 31-02-2024"))));
    assert_eq!(
        err,
        one(
            &dir,
            "ente.xlsx",
            ", foglio «Report», cella K11: target «Entro 31-02-2024» non leggibile: «31-02-2024» non è una data esistente"
        )
    );
}

#[test]
fn text_in_a_numeric_cell() {
    let (dir, err) = failing_case("numero", spoil_cell(7, (8, C::T("venti"))));
    assert_eq!(
        err,
        one(
            &dir,
            "ente.xlsx",
            ", foglio «Report», cella I8: peso: atteso un numero o una percentuale, trovato «venti»"
        )
    );
}

#[test]
fn formula_without_cached_value() {
    let (dir, err) = failing_case("formula", |d| {
        // The weight of 101.S1 as a formula that was never calculated.
        let mut rows = albero_rows();
        rows[7].retain(|(c, _)| *c != 8);
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet().set_name("Report").unwrap();
        ws.set_formula_result_default("");
        write_rows(ws, &rows);
        ws.write_formula(7, 8, Formula::new("=1/1")).unwrap();
        wb.save(d.join("ente.xlsx")).unwrap();
    });
    assert!(
        err.contains(&format!(
            "{}, foglio «Report», cella I8: formula senza valore calcolato: aprire il file in Excel o LibreOffice e salvarlo, così i valori vengono calcolati",
            dir.join("ente.xlsx").display()
        )),
        "{err}"
    );
}

#[test]
fn merged_cells_in_the_data_area() {
    let (dir, err) = failing_case("unite", |d| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet().set_name("Report").unwrap();
        write_rows(ws, &albero_rows());
        ws.merge_range(7, 10, 7, 11, ">= 10 N.", &Format::new()).unwrap();
        wb.save(d.join("ente.xlsx")).unwrap();
    });
    assert!(
        err.contains(&format!(
            "{}, foglio «Report», cella K8:L8: celle unite nell'area dei dati: separarle",
            dir.join("ente.xlsx").display()
        )),
        "{err}"
    );
}

#[test]
fn hidden_sheet() {
    let (dir, err) = failing_case("nascosto", |d| {
        let mut wb = Workbook::new();
        wb.add_worksheet().set_name("Copertina").unwrap().write(0, 0, "Report").unwrap();
        let ws = wb.add_worksheet().set_name("Report").unwrap();
        write_rows(ws, &albero_rows());
        ws.set_hidden(true);
        wb.save(d.join("ente.xlsx")).unwrap();
    });
    assert!(
        err.contains("foglio «Report»: il foglio è nascosto: renderlo visibile o toglierlo dal file"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}: manca il report della performance organizzativa dell'Ente",
            dir.display()
        ))
    );
}

#[test]
fn duplicate_codes() {
    let (dir, err) = failing_case("codici", |d| {
        let mut rows = albero_rows();
        rows[9][1] = (7, C::T("101 - Stesso codice dell'obiettivo strategico"));
        rows[9].push((12, C::P(1.0)));
        write_sheet(&d.join("ente.xlsx"), "Report", &rows);
    });
    assert!(err.contains("foglio «Report», cella H10: codice «101» ripetuto"), "{err}");
    let _ = dir;
}

#[test]
fn orphan_indicator() {
    let (dir, err) = failing_case("orfano", |d| {
        let mut rows = albero_rows();
        rows.insert(
            4,
            vec![(8, C::P(1.0)), (9, C::T("X.1 - Orfano")), (10, C::T(">= 1 N.")), (11, C::T("1 N."))],
        );
        write_sheet(&d.join("ente.xlsx"), "Report", &rows);
    });
    assert_eq!(
        err,
        one(
            &dir,
            "ente.xlsx",
            ", foglio «Report», cella J5: indicatore «X.1» non può stare sotto Ente «ente»: controllare l'ordine delle righe"
        )
    );
}

#[test]
fn weights_not_summing_to_100() {
    let (dir, err) = failing_case("pesi", spoil_cell(10, (8, C::P(0.7))));
    assert_eq!(
        err,
        one(
            &dir,
            "ente.xlsx",
            ", foglio «Report», cella H10: i pesi sotto obiettivo operativo «101.A» sommano a 70,00 invece di 100"
        )
    );
}

#[test]
fn two_files_for_the_same_ente_and_year() {
    let (dir, err) = failing_case("doppio", |d| {
        let mut rows = albero_rows();
        rows[7][3] = (11, C::T("13 N."));
        write_sheet(&d.join("ente_bis.xlsx"), "Report", &rows);
    });
    assert_eq!(
        err,
        one(
            &dir,
            "ente_bis.xlsx",
            &format!(
                ", foglio «Report»: report della performance organizzativa dell'Ente già letto da {}, foglio «Report»: due file descrivono la stessa cosa",
                dir.join("ente.xlsx").display()
            )
        )
    );
}

#[test]
fn the_same_file_twice_in_subfolders() {
    let (dir, err) = failing_case("copia", |d| {
        std::fs::create_dir_all(d.join("vecchi")).unwrap();
        std::fs::copy(d.join("ente.xlsx"), d.join("vecchi/ente.xlsx")).unwrap();
    });
    assert_eq!(
        err,
        one(
            &dir,
            "vecchi/ente.xlsx",
            &format!(": è una copia identica di {}: tenere un solo file", dir.join("ente.xlsx").display())
        )
    );
}

#[test]
fn a_symlink_loop() {
    // Links are not followed: a link back to the data folder is a link, refused by name.
    let (dir, err) = failing_case("ciclo", |d| {
        std::fs::create_dir_all(d.join("sotto")).unwrap();
        std::os::unix::fs::symlink(d, d.join("sotto/giro")).unwrap();
    });
    assert_eq!(
        err,
        one(
            &dir,
            "sotto/giro",
            ": è un collegamento simbolico: i dati si leggono solo da file e cartelle veri (sostituirlo con una copia \
             del file)"
        )
    );
}

#[test]
fn a_non_utf8_file_name() {
    use std::os::unix::ffi::OsStrExt;
    let (dir, err) = failing_case("nome", |d| {
        let name = std::ffi::OsStr::from_bytes(b"bilancio\xff.xlsx");
        std::fs::copy(d.join("ente.xlsx"), d.join(name)).unwrap();
    });
    assert!(err.contains("nome di file con caratteri non validi (non UTF-8): rinominare il file"), "{err}");
    let _ = dir;
}

#[test]
fn office_lock_files_are_ignored_and_said_once() {
    let dir = albero_dir("blocco", &albero_rows());
    std::fs::write(dir.join("~$ente.xlsx"), "lock").unwrap();
    std::fs::write(dir.join("~$altro.xlsx"), "lock").unwrap();
    let cfg = config(&dir, "");
    let run = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let said =
        run.stderr.lines().filter(|l| l.starts_with("avviso:") && l.contains("file di blocco di Office"));
    assert_eq!(said.count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("file di blocco di Office ignorato (e altri 1): un file è aperto in Excel?"));
}

#[test]
fn a_config_with_an_unknown_key() {
    let dir = albero_dir("chiave", &albero_rows());
    let cfg = config(&dir, "smvp:\n  semaforo: {verde: 95, gialo: 60}\n");
    let run = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "errore: dati non validi: 1 problema\n- {}: riga 6: chiave sconosciuta «gialo» in «smvp.semaforo» (ammesse: «verde», «giallo», «etichette», «classi»)\n",
            cfg.display()
        )
    );
}

/// Rewrites one part of an xlsx (zip) archive.
fn rewrite_part(path: &Path, part: &str, edit: impl Fn(String) -> String) {
    use std::io::{Read, Write};
    let src = std::fs::read(path).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(src)).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zin.len() {
        let mut e = zin.by_index(i).unwrap();
        let name = e.name().unwrap().to_string();
        let mut data = String::new();
        e.read_to_string(&mut data).unwrap();
        if name == part {
            data = edit(data);
        }
        zout.start_file(name, opts).unwrap();
        zout.write_all(data.as_bytes()).unwrap();
    }
    zout.finish().unwrap();
}

#[test]
fn a_ten_megabyte_cell_is_refused() {
    let (dir, err) = failing_case("enorme", |d| {
        let f = d.join("ente.xlsx");
        rewrite_part(&f, "xl/sharedStrings.xml", |xml| {
            xml.replacen("Indicatore strategico", &"x".repeat(10 * 1024 * 1024), 1)
        });
    });
    let chars = relazione::value::format_number(("101.S1 - ".len() + 10 * 1024 * 1024) as f64, 0);
    assert!(
        err.contains(&format!("cella J8: testo troppo lungo ({chars} caratteri, massimo 32.767)")),
        "{err}"
    );
    let _ = dir;
}

#[test]
fn a_million_rows_sheet_is_refused_without_loading_it() {
    let (dir, err) = failing_case("righe", |d| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet().set_name("Dati").unwrap();
        for r in 0..1_000_000u32 {
            ws.write_number(r, 0, r as f64).unwrap();
        }
        wb.save(d.join("grande.xlsx")).unwrap();
    });
    assert_eq!(
        err,
        one(
            &dir,
            "grande.xlsx",
            ", foglio «Dati»: il foglio supera il limite di 100.000 righe: non è un'esportazione da leggere"
        )
    );
}

#[test]
fn a_twenty_thousand_columns_sheet_is_refused() {
    let (dir, err) = failing_case("colonne", |d| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet().set_name("Dati").unwrap();
        for c in 0..16_384u16 {
            ws.write_number(0, c, c as f64).unwrap();
        }
        wb.save(d.join("larga.xlsx")).unwrap();
    });
    assert_eq!(
        err,
        one(
            &dir,
            "larga.xlsx",
            ", foglio «Dati»: il foglio supera il limite di 500 colonne: non è un'esportazione da leggere"
        )
    );
}

#[test]
fn injection_strings_render_literally() {
    needs!("pdftotext");
    let dir = scratch("iniezioni");
    let strings = [
        "#import \"/etc/passwd\": *",
        "#read(\"/etc/hostname\")",
        "$ sum_(i=0)^n i $",
        "=cmd|' /C calc'!A0",
        "+SUM(1,2)",
        "@SOMMA(A1)",
        "\u{202E}testo al contrario\u{202C} e \u{200F}marca RTL",
        "campanella\u{7} e tab\tfine",
        "] ) } // /* <b> \\ ~ ` ' \" - -- ---",
        "<script>alert(1)</script><img src=x onerror=alert(2)>",
    ];
    let mut rows = albero_rows();
    let names: Vec<String> = strings.iter().enumerate().map(|(i, s)| format!("101.X{i} - {s}")).collect();
    rows.truncate(8);
    rows[7][0] = (8, C::P(1.0 / strings.len() as f64 + 0.0));
    rows.pop();
    let weight = 100.0 / strings.len() as f64;
    for (i, n) in names.iter().enumerate() {
        let w = if i + 1 == strings.len() {
            100.0 - weight.floor() * (strings.len() - 1) as f64
        } else {
            weight.floor()
        };
        rows.push(vec![
            (8, C::P(w / 100.0)),
            (9, C::T(Box::leak(n.clone().into_boxed_str()))),
            (10, C::T(">= 1 N.")),
            (11, C::T("1 N.")),
        ]);
    }
    rows.push(vec![(4, C::P(0.5)), (5, C::T("Obiettivi operativi"))]);
    rows.push(vec![(6, C::P(1.0)), (7, C::T("101.A - Obiettivo operativo uno"))]);
    rows.push(vec![
        (8, C::P(1.0)),
        (9, C::T("101.A1 - Scadenza")),
        (10, C::T("Entro 30-06-2024")),
        (11, C::T("25-06-2024")),
    ]);
    write_sheet(&dir.join("ente.xlsx"), "Report", &rows);
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pdf = std::process::Command::new("pdftotext")
        .arg(out.join("Relazione_performance_2024_Prova.pdf"))
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&pdf.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    for s in [
        "#import \"/etc/passwd\": *",
        "#read(\"/etc/hostname\")",
        "$ sum_(i=0)^n i $",
        "=cmd|' /C calc'!A0",
        "+SUM(1,2)",
        "@SOMMA(A1)",
        "] ) } // /* <b> \\ ~ ` ' \" - -- ---",
    ] {
        assert!(text.contains(s), "not literal in the PDF: {s}");
    }
    // Directional overrides cannot reorder the text: they are shown as what they are.
    assert!(text.contains("⟨U+202E⟩testo al contrario⟨U+202C⟩ e ⟨U+200F⟩marca RTL"), "{text}");
    assert!(text.contains("campanella e tab fine"));
    // The copy for spreadsheets neutralises formulas; the machine-readable file keeps the text.
    let csv = std::fs::read_to_string(out.join("opendata/per_excel/indicatori.csv")).unwrap();
    assert!(csv.contains("'=cmd|' /C calc'!A0") && csv.contains("'+SUM(1,2)") && csv.contains("'@SOMMA(A1)"));
    let csv = std::fs::read_to_string(out.join("opendata/indicatori.csv")).unwrap();
    assert!(csv.contains(",\"=cmd|' /C calc'!A0\",") || csv.contains(",=cmd|' /C calc'!A0,"), "{csv}");
    assert!(!csv.contains("'+SUM") && !csv.contains("'@SOMMA") && !csv.contains("'-"), "{csv}");
    // In the web edition markup in a cell is text: escaped, never an element.
    let html = std::fs::read_to_string(out.join("sito/indicatori.html")).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert") && !html.contains("<img"), "{html}");
    assert!(html.contains("⟨U+202E⟩testo al contrario"), "{html}");
}

// Round 2: bounded work on every channel, no crash, templates inside their folder.

#[test]
fn a_year_beyond_any_calendar_in_the_kpi_series() {
    let (dir, err) = failing_case("anno-enorme", |d| {
        write_sheet(
            &d.join("serie.xlsx"),
            "Serie",
            &[
                ["KPI", "anno", "operatore", "target", "consuntivo"]
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (i as u16, C::T(h)))
                    .collect(),
                vec![(0, C::T("Un KPI")), (1, C::N(1e12)), (2, C::T(">=")), (3, C::N(1.0)), (4, C::N(2.0))],
            ],
        );
    });
    assert!(
        err.contains(&format!(
            "{}, foglio «Serie», cella B2: anno non valido (1000000000000): atteso un anno tra 1900 e 2200",
            dir.join("serie.xlsx").display()
        )),
        "{err}"
    );
}

#[test]
fn an_absurd_number_in_a_weight_cell() {
    let (_, err) = failing_case("peso-enorme", |d| {
        let mut rows = albero_rows();
        rows[7][0] = (8, C::N(1e300));
        write_sheet(&d.join("ente.xlsx"), "Report", &rows);
    });
    assert!(
        err.contains("cella I8: peso: valore numerico non valido (1e300): atteso un numero finito"),
        "{err}"
    );
}

#[test]
fn escape_sequences_from_a_cell_never_reach_the_terminal_raw() {
    let (_, err) = failing_case("escape", |d| {
        let mut rows = albero_rows();
        rows[7][2] = (10, C::T(">= \u{1b}[2J10 N."));
        write_sheet(&d.join("ente.xlsx"), "Report", &rows);
    });
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("⟨U+001B⟩[2J"), "{err}");
}

#[test]
fn a_nan_in_a_numeric_setting_and_a_line_break_in_a_file_name() {
    let dir = albero_dir("config-nan", &albero_rows());
    for (smvp, expected) in [
        ("smvp:\n  regola:\n    tetto: .nan\n", "«smvp.regola.tetto»: atteso un numero, trovato NaN"),
        (
            "smvp:\n  semaforo: {verde: .inf, giallo: 60}\n",
            "«smvp.semaforo.verde»: atteso un numero, trovato inf",
        ),
    ] {
        let cfg = config(&dir, smvp);
        let run = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains(expected), "{}", run.stderr);
    }
    let cfg = dir.join("relazione.yaml");
    std::fs::write(&cfg, "ente:\n  nome: Prova\n  nome_breve: \"Pro\\nva\"\nanno: 2024\n").unwrap();
    let run = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("«ente.nome_breve»: contiene a capo o caratteri di controllo"),
        "{}",
        run.stderr
    );
}

/// A data folder with one tree, a configuration and a `templates/` folder beside it.
fn with_templates(name: &str) -> (Scratch, std::path::PathBuf, std::path::PathBuf) {
    let root = scratch(name);
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    write_sheet(&data.join("ente.xlsx"), "Report", &albero_rows());
    std::fs::create_dir_all(root.join("templates")).unwrap();
    let cfg = config(&root, "");
    (root, data, cfg)
}

fn check_with(data: &Path, cfg: &Path) -> Run {
    relazione(&["check", "--data", data.to_str().unwrap(), "--config", cfg.to_str().unwrap()])
}

#[test]
fn templates_stay_inside_their_folder_and_stop_when_they_never_end() {
    let (root, data, cfg) = with_templates("sandbox");
    let t = root.join("templates/contesto.typ.j2");
    for (text, expected) in [
        (
            "{% include \"/etc/passwd\" %}",
            "«/etc/passwd»: un modello può includere solo un altro modello della stessa cartella",
        ),
        ("{% include \"../data/x.typ.j2\" %}", "«../data/x.typ.j2»: un modello può includere solo"),
        (
            "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
            "troppo lavoro: il modello esegue troppe istruzioni",
        ),
    ] {
        std::fs::write(&t, format!("= 2. Contesto\n\n{text}\n")).unwrap();
        let m = relazione_measured(&[
            "check",
            "--data",
            data.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
        ]);
        within_budget(&m, text);
        let run = m.run;
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains(expected), "{}", run.stderr);
        assert!(!run.stderr.contains("root:"), "a host file reached the output");
    }
    // A template that is a link to a file outside the folder, or a folder, is refused, never
    // silently replaced by the built-in one.
    std::fs::remove_file(&t).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", &t).unwrap();
    let run = check_with(&data, &cfg);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("punta fuori dalla cartella dei modelli"), "{}", run.stderr);
    std::fs::remove_file(&t).unwrap();
    std::fs::create_dir(&t).unwrap();
    let run = check_with(&data, &cfg);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("non è un file normale"), "{}", run.stderr);
}

#[test]
fn a_fifo_in_place_of_a_text_or_a_workbook_is_refused_not_waited_for() {
    let mkfifo = |p: &Path| assert!(std::process::Command::new("mkfifo").arg(p).status().unwrap().success());
    let dir = albero_dir("fifo", &albero_rows());
    let cfg = config(&dir, "");
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    mkfifo(&dir.join("testi/premessa.md"));
    let run = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains(&format!(
        "{}: non è un file normale (è una cartella, una FIFO o un dispositivo)",
        dir.join("testi/premessa.md").display()
    )));
    std::fs::remove_file(dir.join("testi/premessa.md")).unwrap();
    mkfifo(&dir.join("altro.xlsx"));
    let run = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("altro.xlsx: non è un file normale (è una FIFO o un dispositivo)"),
        "{}",
        run.stderr
    );
}

#[test]
fn publishing_is_all_or_nothing_and_cleans_what_a_killed_run_left() {
    let dir = albero_dir("pubblica", &albero_rows());
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    assert_eq!(build(&dir, &cfg, &out).code, 0);
    let pdf = out.join("Relazione_performance_2024_Prova.pdf");
    let before = std::fs::read(&pdf).unwrap();
    // A file where a folder goes: refused before anything is replaced.
    std::fs::remove_dir_all(out.join("opendata")).unwrap();
    std::fs::write(out.join("opendata"), "non una cartella").unwrap();
    std::fs::write(dir.join("testi.md"), "").unwrap();
    let mut rows = albero_rows();
    rows[7][3] = (11, C::T("11 N."));
    write_sheet(&dir.join("ente.xlsx"), "Report", &rows);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("opendata: esiste e non è una cartella: la pubblicazione non è iniziata"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&pdf).unwrap(), before, "the PDF was replaced");
    // The staging folder of a run killed mid-way (no such process) goes with the next run.
    std::fs::remove_file(out.join("opendata")).unwrap();
    let stale = out.join(".relazione-in-corso-999999999");
    std::fs::create_dir_all(&stale).unwrap();
    assert_eq!(build(&dir, &cfg, &out).code, 0);
    assert!(!stale.exists());
}

/// A zip with the given parts (name, text).
fn zip_of(path: &Path, parts: &[(&str, String)]) {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        z.start_file(*name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn an_ods_of_repeated_rows_and_a_flood_of_shared_strings_are_refused_unread() {
    let dir = albero_dir("bombe", &albero_rows());
    let cfg = config(&dir, "");
    let content = "<?xml version=\"1.0\"?><office:document-content><office:body><office:spreadsheet>\
        <table:table table:name=\"Report\"><table:table-row table:number-rows-repeated=\"50000000\">\
        <table:table-cell office:value-type=\"float\" office:value=\"1\" table:number-columns-repeated=\"3\"/>\
        </table:table-row></table:table></office:spreadsheet></office:body></office:document-content>";
    zip_of(
        &dir.join("righe.ods"),
        &[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet".into()),
            ("content.xml", content.into()),
        ],
    );
    let strings: String = "<si><t>a</t></si>".repeat(1_200_000);
    zip_of(
        &dir.join("testi.xlsx"),
        &[
            ("xl/sharedStrings.xml", format!("<sst>{strings}</sst>")),
            ("xl/workbook.xml", "<workbook/>".into()),
        ],
    );
    let m =
        relazione_measured(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    within_budget(&m, "sheets that declare huge sizes");
    let run = m.run;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("righe.ods: il foglio supera il limite di 100.000 righe"), "{}", run.stderr);
    assert!(
        run.stderr.contains("testi.xlsx: il file dichiara 1200000 testi condivisi (massimo 1000000)"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Publication on the Ente's website (issue 26): each test is a class of input, with the exit code,
// the Italian message naming the file, `out/` intact on failure and the cost measured.

/// `check` on a data folder, measured.
fn check_measured(dir: &Path, cfg: &Path) -> Measured {
    relazione_measured(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()])
}

/// Builds `dir` into `out`, measured, and checks the budget.
fn build_measured(dir: &Path, cfg: &Path, out: &Path, what: &str) -> Measured {
    let m = relazione_measured(&[
        "build",
        "--data",
        dir.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!m.run.stderr.contains("panicked"), "{what}: {}", m.run.stderr);
    within_budget(&m, what);
    m
}

/// Every element and attribute name of an HTML page, read by a tokenizer that follows the HTML
/// rules for text, comments and quoted attribute values.
fn html_tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix("!--") {
            rest = r.split_once("-->").map_or("", |(_, r)| r);
            continue;
        }
        let end_name = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(rest.len());
        let name = rest[..end_name].to_ascii_lowercase();
        rest = &rest[end_name..];
        let mut attrs = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() || rest.starts_with('>') {
                rest = rest.get(1..).unwrap_or("");
                break;
            }
            let end = rest.find(|c: char| c.is_whitespace() || c == '=' || c == '>').unwrap_or(rest.len());
            let key = rest[..end].to_ascii_lowercase();
            rest = &rest[end..];
            let mut value = String::new();
            if let Some(r) = rest.strip_prefix('=') {
                let (v, r) = match r.chars().next() {
                    Some(q @ ('"' | '\'')) => r[1..].split_once(q).unwrap_or((&r[1..], "")),
                    _ => r.split_at(r.find(|c: char| c.is_whitespace() || c == '>').unwrap_or(r.len())),
                };
                value = v.to_string();
                rest = r;
            }
            attrs.push((key, value));
        }
        if name == "script" || name == "style" {
            rest = rest.split_once(&format!("</{name}>")).map_or("", |(_, r)| r);
        }
        out.push((name, attrs));
    }
    out
}

/// What the web edition must never carry, whatever the inputs: a script other than the site's own
/// file, an event handler, a script URL, an object or a base; every page has the policy.
fn assert_site_inert(sito: &Path) {
    for e in walkdir::WalkDir::new(sito).into_iter().flatten() {
        let name = e.path().display().to_string();
        if name.ends_with(".svg") {
            let svg = std::fs::read_to_string(e.path()).unwrap().to_lowercase();
            for active in ["<script", "javascript:", "onload", "onclick", "<foreignobject", "href=\"file:"] {
                assert!(!svg.contains(active), "{name} carries {active}");
            }
        }
        if !name.ends_with(".html") {
            continue;
        }
        let html = std::fs::read_to_string(e.path()).unwrap();
        assert!(
            html.contains(&format!(
                "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
                relazione::outputs::sito::CSP
            )),
            "{name}: no policy"
        );
        for (tag, attrs) in html_tags(&html) {
            assert!(!["object", "embed", "iframe", "base"].contains(&tag.as_str()), "{name}: <{tag}>");
            if tag == "script" {
                assert_eq!(
                    attrs.iter().find(|(k, _)| k == "src").map(|(_, v)| v.as_str()),
                    Some("filtri.js"),
                    "{name}"
                );
            }
            for (k, v) in attrs {
                assert!(!k.starts_with("on"), "{name}: <{tag} {k}>");
                let v = v.trim().to_ascii_lowercase();
                assert!(!v.starts_with("javascript:") && !v.starts_with("data:"), "{name}: <{tag} {k}={v}>");
            }
        }
    }
}

/// What the PDF must never carry: a script, a launch action, a link other than http(s) or mail.
fn assert_pdf_inert(pdf: &Path) {
    let qdf = tool("qpdf", &["--qdf", "--object-streams=disable", pdf.to_str().unwrap(), "-"]);
    let body = String::from_utf8_lossy(&qdf.stdout);
    for active in ["/JavaScript", "/JS ", "/Launch", "/SubmitForm", "/ImportData", "/GoToR"] {
        assert!(!body.contains(active), "{} carries {active}", pdf.display());
    }
    let mut uris = 0;
    for (i, _) in body.match_indices("/URI (") {
        let uri = &body[i + 6..body[i..].find(')').map_or(body.len(), |e| i + e)];
        assert!(
            ["https://", "http://", "mailto:"].iter().any(|p| uri.starts_with(p)),
            "link «{uri}» in {}",
            pdf.display()
        );
        uris += 1;
    }
    assert!(uris > 0, "no link found: the check read nothing");
}

#[test]
fn footnotes_code_and_separators_never_reach_a_sink_raw() {
    needs!("pdftotext", "qpdf");
    // A folder whose name holds a line separator (it ends up in the source's location markers).
    let dir = albero_dir("note\u{2028}= #eval(\"1\")", &albero_rows());
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    let premessa = "# Premessa\n\nVedi [il piano](https://example.org/piano?a=1&b=%22x%22#p) e testo[^x] e `codice \u{E000}0\u{E001} // ⟦testo: altro, riga 999⟧`.\n\n\
                    ```\n\u{E000}0\u{E001}\u{2028}#read(\"/etc/passwd\")\n```\n\n\
                    [^x]: Nota con \\<img src=x onerror=alert(1)\\> e #read(\"/etc/passwd\").\n\n\
                    Un rimando [^a\"b] senza nota.\n";
    std::fs::write(dir.join("testi/premessa.md"), premessa).unwrap();
    let m = build_measured(&dir, &cfg, &out, "footnotes");
    assert_eq!(m.run.code, 0, "{}", m.run.stderr);
    assert_site_inert(&out.join("sito"));
    let pdf = out.join("Relazione_performance_2024_Prova.pdf");
    assert_pdf_inert(&pdf);
    let text = flat(&pdf_text(&pdf));
    assert!(text.contains("#read(\"/etc/passwd\")"), "the text is printed as written: {text}");
    assert!(!text.contains("root:x:0"), "a host file was read");
    // A reference inside a note is refused with its line.
    std::fs::write(dir.join("testi/premessa.md"), "# P\n\nTesto[^a].\n\n[^a]: Nota[^b].\n\n[^b]: Altra.\n")
        .unwrap();
    let m = check_measured(&dir, &cfg);
    assert_eq!(m.run.code, 1, "{}", m.run.stderr);
    assert!(
        m.run.stderr.contains(&format!(
            "{}, riga 5: la nota contiene un rimando a un'altra nota («[^b]»)",
            dir.join("testi/premessa.md").display().to_string().replace('\u{2028}', "⟨U+2028⟩")
        )),
        "{}",
        m.run.stderr
    );
}

#[test]
fn an_svg_is_published_as_drawing_only_and_a_raster_bomb_is_refused_unread() {
    let dir = albero_dir("immagini", &albero_rows());
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    std::fs::write(
        dir.join("testi/grafico.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20" onload="alert(1)"><script>alert(2)</script><a xlink:href="javascript:alert(3)"><rect width="40" height="20" fill="#06c"/></a><image xlink:href="file:///etc/passwd" width="5" height="5"/><text x="2" y="15">Titolo</text></svg>"##,
    )
    .unwrap();
    std::fs::write(dir.join("testi/premessa.md"), "# Premessa\n\n![Andamento delle entrate](grafico.svg)\n")
        .unwrap();
    let m = build_measured(&dir, &cfg, &out, "svg");
    assert_eq!(m.run.code, 0, "{}", m.run.stderr);
    let svg = std::fs::read_to_string(out.join("sito/immagini/grafico.svg")).unwrap();
    assert!(svg.contains("<path"), "the drawing is kept: {svg}");
    assert_site_inert(&out.join("sito"));
    let pdf = std::fs::read(out.join("Relazione_performance_2024_Prova.pdf")).unwrap();
    for active in [&b"/JavaScript"[..], b"/Launch", b"javascript:", b"file:"] {
        assert!(!pdf.windows(active.len()).any(|w| w == active), "{}", String::from_utf8_lossy(active));
    }
    // 74 bytes that declare a picture of 100.000 × 100.000 pixels: refused before decoding.
    let before = files(&out);
    let png = png_declaring(100_000, 100_000);
    std::fs::write(dir.join("testi/enorme.png"), &png).unwrap();
    std::fs::write(dir.join("testi/premessa.md"), "# Premessa\n\n![Una foto](enorme.png)\n").unwrap();
    let m = build_measured(&dir, &cfg, &out, "png bomb");
    assert_eq!(m.run.code, 1, "{}", m.run.stderr);
    assert!(
        m.run.stderr.contains(&format!(
            "{}, riga 3: immagine «enorme.png»: dimensioni dichiarate 100000 × 100000 pixel",
            dir.join("testi/premessa.md").display()
        )),
        "{}",
        m.run.stderr
    );
    assert!(files(&out) == before, "out/ changed after a failed run");
    // SVGs whose cost does not show in their size: markers repeated at every point of a path,
    // filters computed over the whole picture, thousands of text elements; a PNG whose data are
    // damaged. Each refused in Italian, naming the text's line, within budget.
    let points: String = (0..10_000).map(|i| format!("L{} {} ", i % 100, i / 100)).collect();
    let rects: String = (0..500).map(|i| format!("<rect x=\"{i}\" width=\"1\" height=\"1\"/>")).collect();
    let svg = |body: &str| {
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">{body}</svg>")
    };
    let heavy = [
        (
            svg(&format!(
                "<defs><marker id=\"m\">{rects}</marker></defs><path d=\"M0 0 {points}\" style=\"marker-mid:url(#m)\"/>"
            )),
            "SVG con filtri o marcatori",
        ),
        (
            svg(
                "<defs><filter id=\"f\"><feGaussianBlur stdDeviation=\"50\"/></filter></defs><rect width=\"99\" height=\"9\" filter=\"url(#f)\"/>",
            ),
            "SVG con filtri o marcatori",
        ),
        (
            svg(&format!("<text x=\"0\" y=\"9\">{}</text>", "<tspan>W</tspan>".repeat(3_000))),
            "SVG con 3001 elementi di testo, al massimo 300",
        ),
    ];
    std::fs::write(dir.join("testi/premessa.md"), "# Premessa\n\n![Grafico](pesante.svg)\n").unwrap();
    for (body, message) in heavy {
        std::fs::write(dir.join("testi/pesante.svg"), body).unwrap();
        let m = build_measured(&dir, &cfg, &out, message);
        assert_eq!(m.run.code, 1, "{}", m.run.stderr);
        assert!(
            m.run.stderr.contains(&format!("riga 3: immagine «pesante.svg»: {message}")),
            "{}",
            m.run.stderr
        );
    }
    let mut damaged = png_declaring(10, 10);
    let at = damaged.windows(4).position(|w| w == b"IDAT").unwrap() + 4;
    damaged[at] = b'x';
    std::fs::write(dir.join("testi/rotta.png"), &damaged).unwrap();
    std::fs::write(dir.join("testi/premessa.md"), "# Premessa\n\n![Foto](rotta.png)\n").unwrap();
    let m = build_measured(&dir, &cfg, &out, "damaged png");
    assert_eq!(m.run.code, 1, "{}", m.run.stderr);
    assert!(m.run.stderr.contains("immagine «rotta.png»: immagine danneggiata"), "{}", m.run.stderr);
    std::fs::write(dir.join("testi/premessa.md"), "# Premessa\n\n![Una foto](enorme.png)\n").unwrap();
    // A file whose name says PNG and whose content is an SVG.
    std::fs::write(dir.join("testi/enorme.png"), std::fs::read(dir.join("testi/grafico.svg")).unwrap())
        .unwrap();
    let m = check_measured(&dir, &cfg);
    assert_eq!(m.run.code, 1);
    assert!(
        m.run.stderr.contains("immagine «enorme.png»: il nome dice PNG ma il contenuto è SVG"),
        "{}",
        m.run.stderr
    );
}

#[test]
fn links_are_never_followed_into_the_host_or_out_of_out() {
    let outside = scratch("fuori");
    std::fs::write(outside.join("segreto.md"), "# Segreto\n\nroot:x:0:0\n").unwrap();
    std::fs::write(outside.join("decisioni.yaml"), "esclusioni: []\n").unwrap();
    let dir = albero_dir("collegamenti", &albero_rows());
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    assert_eq!(build(&dir, &cfg, &out).code, 0);
    let refused = |name: &str, dir: &Path, out: &Path| {
        let before_out = files(out);
        let m = build_measured(dir, &cfg, out, name);
        assert_eq!(m.run.code, 1, "{name}: {}", m.run.stderr);
        assert!(files(out) == before_out, "{name}: out/ changed");
        m.run.stderr
    };
    // A text that is a link, a texts folder that is a link, a decisions file that is a link.
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    std::os::unix::fs::symlink(outside.join("segreto.md"), dir.join("testi/premessa.md")).unwrap();
    let err = refused("text link", &dir, &out);
    assert!(
        err.contains(&format!("{}: è un collegamento simbolico", dir.join("testi/premessa.md").display())),
        "{err}"
    );
    std::fs::remove_dir_all(dir.join("testi")).unwrap();
    std::os::unix::fs::symlink(&*outside, dir.join("testi")).unwrap();
    std::fs::copy(outside.join("segreto.md"), outside.join("premessa.md")).unwrap();
    let err = refused("folder link", &dir, &out);
    assert!(err.contains(&format!("{}: è un collegamento simbolico", dir.join("testi").display())), "{err}");
    std::fs::remove_file(dir.join("testi")).unwrap();
    std::os::unix::fs::symlink(outside.join("decisioni.yaml"), dir.join("decisioni.yaml")).unwrap();
    let err = refused("decisions link", &dir, &out);
    assert!(err.contains("decisioni.yaml: è un collegamento simbolico"), "{err}");
    std::fs::remove_file(dir.join("decisioni.yaml")).unwrap();
    // A workbook that is a link.
    std::fs::copy(dir.join("ente.xlsx"), outside.join("altro.xlsx")).unwrap();
    std::os::unix::fs::symlink(outside.join("altro.xlsx"), dir.join("altro.xlsx")).unwrap();
    let err = refused("workbook link", &dir, &out);
    assert!(err.contains("altro.xlsx: è un collegamento simbolico"), "{err}");
    std::fs::remove_file(dir.join("altro.xlsx")).unwrap();
    // `out/sito` replaced by a link to a folder outside: refused, nothing there removed or written.
    std::fs::remove_dir_all(out.join("sito")).unwrap();
    let victim = scratch("vittima");
    std::fs::write(victim.join("importante.txt"), "da non cancellare").unwrap();
    std::os::unix::fs::symlink(&*victim, out.join("sito")).unwrap();
    let m = build_measured(&dir, &cfg, &out, "out link");
    assert_eq!(m.run.code, 1, "{}", m.run.stderr);
    assert!(
        m.run.stderr.contains("sito: è un collegamento simbolico: la pubblicazione non segue"),
        "{}",
        m.run.stderr
    );
    let left: Vec<_> = std::fs::read_dir(&*victim).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("importante.txt")], "the folder behind the link changed");
}

#[test]
fn texts_and_tables_that_ask_for_unbounded_work_are_refused_within_budget() {
    let dir = albero_dir("lavoro", &albero_rows());
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    let premessa = dir.join("testi/premessa.md");
    let cases: Vec<(&str, String, String)> = vec![
        (
            "notes",
            (0..2_000).map(|i| format!("x[^{i}] ")).collect::<String>()
                + &(0..2_000).map(|i| format!("\n\n[^{i}]: n")).collect::<String>(),
            "più di 300 note in un testo".into(),
        ),
        (
            "columns",
            format!("{}\n{}\n", "|a".repeat(1_000) + "|", "|-".repeat(1_000) + "|"),
            "tabella di 1000 colonne: al massimo 30".into(),
        ),
        ("size", "parola ".repeat(60_000), "file troppo grande (420000 byte, massimo 48 kB)".into()),
        ("paragraph", "abcdefghij ".repeat(2_000), "di oltre 4000 caratteri: dividerlo".into()),
        ("brackets", "[".repeat(20_000) + &"]".repeat(20_000), "di oltre 4000 caratteri".into()),
        ("emphasis", "*a _b ".repeat(7_000), "di oltre 4000 caratteri".into()),
        (
            "cells",
            format!("|a|b|\n|-|-|\n{}", "|x|y|\n".repeat(400)),
            "tabelle con più di 600 celle in un testo".into(),
        ),
    ];
    for (what, text, message) in cases {
        std::fs::write(&premessa, text).unwrap();
        let m = build_measured(&dir, &cfg, &out, what);
        assert_eq!(m.run.code, 1, "{what}: {}", m.run.stderr);
        assert!(m.run.stderr.contains(&message), "{what}: {}", m.run.stderr);
    }
    // A text of the largest size made only of unmatched emphasis markers is accepted, in linear
    // time (a naive matcher looks ahead from every marker: quadratic).
    std::fs::write(&premessa, format!("{}\n\n", "*x ".repeat(1_000)).repeat(15)).unwrap();
    let m = build_measured(&dir, &cfg, &out, "unmatched markers");
    assert_eq!(m.run.code, 0, "{}", m.run.stderr);
    std::fs::remove_file(&premessa).unwrap();
    // Tens of thousands of one-row tables in a few KB of workbook.
    let mut rows =
        vec![vec![(0, C::T("Sezione")), (1, C::T("Tabella")), (2, C::T("Voce")), (3, C::T("2024"))]];
    for i in 0..30_000 {
        rows.push(vec![
            (0, C::T("personale")),
            (1, C::T(Box::leak(format!("T{i}").into_boxed_str()))),
            (2, C::T("v")),
            (3, C::N(1.0)),
        ]);
    }
    write_sheet(&dir.join("tabelle.xlsx"), "Tabelle", &rows);
    let m = build_measured(&dir, &cfg, &out, "tables");
    assert_eq!(m.run.code, 1, "{}", m.run.stderr);
    assert!(
        m.run
            .stderr
            .contains("tabelle.xlsx, foglio «Tabelle», cella B202: più di 200 tabelle della Relazione"),
        "{}",
        m.run.stderr
    );
    std::fs::remove_file(dir.join("tabelle.xlsx")).unwrap();
    // A configuration string of a megabyte, and a list of one code repeated.
    let long = format!(
        "ente:\n  nome: \"{}\"\n  nome_breve: Prova\nanno: 2024\nindicatori_significativi: [{}]\n",
        "Camera ".repeat(150_000),
        ["K1"; 3].join(", ")
    );
    std::fs::write(&cfg, long).unwrap();
    let m = build_measured(&dir, &cfg, &out, "config");
    assert_eq!(m.run.code, 1, "{}", m.run.stderr);
    assert!(
        m.run.stderr.contains("«ente.nome»: testo di 1050000 caratteri, al massimo 2000"),
        "{}",
        m.run.stderr
    );
    assert!(m.run.stderr.contains("«indicatori_significativi»: «K1» è ripetuto"), "{}", m.run.stderr);
}

#[test]
fn batch_folder_names_are_never_merged_nor_printed_raw() {
    use std::os::unix::ffi::OsStrExt;
    let lotto = scratch("lotto-nomi");
    let source = albero_dir("lotto-sorgente", &albero_rows());
    for name in [&b"ente\xff"[..], b"ente\xfe", b"ente\x1b[31mrosso"] {
        let d = lotto.join(std::ffi::OsStr::from_bytes(name));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::copy(source.join("ente.xlsx"), d.join("ente.xlsx")).unwrap();
        config(&d, "");
    }
    let out = out_beside(&lotto);
    let m =
        relazione_measured(&["build", "--lotto", lotto.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    within_budget(&m, "batch");
    assert_eq!(m.run.code, 1, "{}", m.run.stderr);
    let all = format!("{}{}", m.run.stdout, m.run.stderr);
    assert!(!all.contains('\u{1b}'), "an escape sequence reached the terminal: {all:?}");
    assert_eq!(all.matches("nome di cartella non valido").count(), 3, "{all}");
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().count() == 0, "an output folder was written");
}

#[test]
fn acknowledgements_decisions_and_addresses_are_read_whole() {
    let dir = albero_dir("accettazioni", &albero_rows());
    let cfg = config(&dir, "");
    // A one-character acknowledgement acknowledges nothing.
    std::fs::write(dir.join("verifiche.yaml"), "verificati:\n  - testo: \"a\"\n    motivazione: tutto\n")
        .unwrap();
    let base = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    std::fs::remove_file(dir.join("verifiche.yaml")).unwrap();
    let without = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(base.stdout, without.stdout, "a fragment acknowledged a warning");
    // An OIV judgement that is a word, and one given twice.
    std::fs::write(
        dir.join("decisioni.yaml"),
        "valutazioni:\n  - codice: \"A01\"\n    valutazione: ottimo\n  - codice: \"A01\"\n    valutazione: 60\n",
    )
    .unwrap();
    let m = check_measured(&dir, &cfg);
    assert_eq!(m.run.code, 1, "{}", m.run.stderr);
    let file = dir.join("decisioni.yaml").display().to_string();
    assert!(
        m.run
            .stderr
            .contains(&format!("{file}, riga 2: valutazione di «A01»: «ottimo» non è una valutazione")),
        "{}",
        m.run.stderr
    );
    assert!(
        m.run.stderr.contains(&format!("{file}, riga 4: «valutazioni»: «A01» compare più volte")),
        "{}",
        m.run.stderr
    );
    std::fs::remove_file(dir.join("decisioni.yaml")).unwrap();
    // Addresses and names that would break a link.
    std::fs::write(
        &cfg,
        "ente:\n  nome: Camera\n  nome_breve: \"Prova#1?\"\nanno: 2024\nciclo:\n  atti:\n    - atto: Delibera\n      data: 01/02/2024\n      indirizzo: \"https://x.it/a\\\" onclick=\\\"x\"\n",
    )
    .unwrap();
    let m = check_measured(&dir, &cfg);
    assert_eq!(m.run.code, 1, "{}", m.run.stderr);
    assert!(m.run.stderr.contains("«ente.nome_breve»: entra nei nomi dei file"), "{}", m.run.stderr);
    assert!(
        m.run.stderr.contains("«ciclo.atti», atto 1: «https://x.it/a\" onclick=\"x» non è un indirizzo web"),
        "{}",
        m.run.stderr
    );
    // A text saved as «UTF-8 with BOM» with CR-only line ends: valid, lines counted as the editor does.
    config(&dir, "");
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    std::fs::write(dir.join("testi/premessa.md"), "\u{FEFF}# Premessa\r\rTesto.\r\r### Salto\r").unwrap();
    let m = check_measured(&dir, &cfg);
    assert_eq!(m.run.code, 1, "{}", m.run.stderr);
    assert!(
        m.run
            .stderr
            .contains(&format!("{}, riga 5: titolo di livello 3", dir.join("testi/premessa.md").display())),
        "{}",
        m.run.stderr
    );
    std::fs::write(dir.join("testi/premessa.md"), "\u{FEFF}# Premessa\r\n\r\nTesto.\r\n").unwrap();
    assert_eq!(check_measured(&dir, &cfg).run.code, 0);
}

#[test]
fn a_noncharacter_in_the_configuration_keeps_the_rdf_well_formed() {
    let dir = albero_dir("rdf", &albero_rows());
    let cfg = dir.join("relazione.yaml");
    // YAML refuses these characters raw; its escapes bring them in.
    std::fs::write(
        &cfg,
        "ente:\n  nome: \"Camera \\uFFFE\\uFFFF <di> & Prova\"\n  nome_breve: Prova\n  codice_ipa: cciaa_pr\nanno: 2024\n\
         pubblicazione:\n  dati_aperti: https://dati.esempio.it/prova\n",
    )
    .unwrap();
    let out = out_beside(&dir);
    let m = build_measured(&dir, &cfg, &out, "rdf");
    assert_eq!(m.run.code, 0, "{}", m.run.stderr);
    let rdf = std::fs::read_to_string(out.join("opendata/dcat-ap_it.rdf")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&rdf);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{e}: {rdf}"),
        }
    }
    assert!(!rdf.contains('\u{FFFE}') && rdf.contains("Camera  &lt;di&gt; &amp; Prova"), "{rdf}");
}

#[test]
fn the_typesetting_child_refuses_impossible_sizes() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relazione"))
        .arg(relazione::outputs::pdf::processi::CHILD_ARG)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let header = format!(
        "{{\"date\":\"2024-01-01\",\"time_ms\":1000,\"memory\":1,\"cause\":\"Inputs\",\"files\":[[\"a\",{}]],\"source\":{}}}\n",
        usize::MAX / 2,
        usize::MAX / 2
    );
    child.stdin.take().unwrap().write_all(header.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("richiesta di impaginazione non valida: dimensioni dichiarate oltre 1024 MB"),
        "{err}"
    );
}

/// A local template that makes Typst work without end ends only its own Ente's typesetting: the
/// child process that typesets it stops itself over its memory limit with the message, the batch
/// reports that Ente's error and builds the others.
#[test]
fn a_typesetting_over_its_limits_fails_its_ente_alone() {
    let root = scratch("lotto-limiti");
    for name in ["Alfa", "Beta"] {
        let dir = root.join(name).join("data");
        std::fs::create_dir_all(&dir).unwrap();
        write_sheet(&dir.join("ente.xlsx"), "Report", &albero_rows());
        config(&root.join(name), "");
    }
    std::fs::create_dir_all(root.join("Beta/templates")).unwrap();
    // About 2 GB of integers, asked for in a plain Typst line: far over a small plan's 780 MB.
    std::fs::write(
        root.join("Beta/templates/contesto.typ.j2"),
        "= 2. Contesto\n\n#let a = range(60000000)\n#a.len()\n",
    )
    .unwrap();
    let out = out_beside(&root);
    let run = relazione(&["build", "--lotto", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(out.join("Alfa/Relazione_performance_2024_Prova.pdf").is_file(), "{}", run.stderr);
    assert!(!out.join("Beta/Relazione_performance_2024_Prova.pdf").exists());
    assert!(
        run.stderr.contains("Beta: impaginazione interrotta, oltre 7")
            && run.stderr.contains("i modelli locali"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 ente su 2 non è stato prodotto"), "{}", run.stderr);
    // Built alone, the same Ente is typeset in the program's own process: `main` ends it with the
    // message, and nothing is published.
    let beta = root.join("Beta");
    let alone = scratch("limiti-da-solo");
    let run = build(&beta.join("data"), &beta.join("relazione.yaml"), &alone);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("errore: impaginazione interrotta, oltre 7"), "{}", run.stderr);
    assert!(!alone.join("Relazione_performance_2024_Prova.pdf").exists());
}

/// Huge files beside the data (an unused 3 GB image, a film) cannot make the inputs' fingerprint
/// read for minutes or hold gigabytes: it reads at most `MAX_HASHED_BYTES` in blocks, then counts
/// a file by its name and length. Sparse files: instant to make, as slow to read as real ones.
#[test]
fn huge_files_in_the_data_folder_are_fingerprinted_within_budget() {
    let dir = albero_dir("impronta-enorme", &albero_rows());
    for (name, size) in [("grafico.png", 3u64 << 30), ("film.svg", 250 << 20)] {
        std::fs::File::create(dir.join(name)).unwrap().set_len(size).unwrap();
    }
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    let m = build_measured(&dir, &cfg, &out, "huge unused files");
    assert_eq!(m.run.code, 0, "{}", m.run.stderr);
    eprintln!("huge unused files: {:.2} s, {} MiB", m.seconds, m.peak_bytes >> 20);
}
