//! The real binary: the JSON model, configuration errors, the flat-layout template, batches.
//! (The corpus of bad inputs with their pinned messages is `tests/ostili.rs`.)

use crate::common::*;
use serde_json::Value;

fn score_json(data: &str, config: &str) -> Value {
    let run = relazione(&["score", "--json", "--data", data, "--config", config]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn nodes<'a>(v: &'a Value, level: &str, out: &mut Vec<&'a Value>) {
    if v["livello"] == level {
        out.push(v);
    }
    for c in v["figli"].as_array().into_iter().flatten() {
        nodes(c, level, out);
    }
}

fn count(v: &Value, level: &str) -> usize {
    let mut out = Vec::new();
    nodes(v, level, &mut out);
    out.len()
}

#[test]
fn score_json_has_the_whole_modena_tree() {
    let doc = score_json(modena().to_str().unwrap(), "relazione.yaml");
    let albero = &doc["albero"];
    assert_eq!(albero["livello"], "ente");
    assert_eq!(count(albero, "ambito"), 3);
    assert_eq!(count(albero, "obiettivo_strategico"), 10);
    assert_eq!(count(albero, "gruppo"), 20);
    assert_eq!(count(albero, "obiettivo_operativo"), 18);
    assert_eq!(count(albero, "indicatore"), 99);
    let mut groups = Vec::new();
    nodes(albero, "gruppo", &mut groups);
    let under = |code: &str| {
        groups.iter().filter(|g| g["codice"] == code).map(|g| count(g, "indicatore")).sum::<usize>()
    };
    assert_eq!(under("indicatori"), 29);
    assert_eq!(under("obiettivi_operativi"), 70);
    let unita = &doc["unita_organizzative"];
    assert_eq!(count(unita, "area"), 3);
    assert_eq!(count(unita, "settore"), 6);
    // Results are unrounded percentage points.
    let ente = albero["risultato"].as_f64().unwrap();
    assert!((ente - 99.62).abs() < 0.005, "{ente}");
}

#[test]
fn check_says_the_sample_is_valid() {
    let run = relazione(&["check", "--data", "data", "--config", "relazione.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("Dati validi: 9 file letti"), "{}", run.stdout);
}

#[test]
fn a_small_valid_tree_scores() {
    let dir = albero_dir("valido", &albero_rows());
    let cfg = config(&dir, "");
    let doc = score_json(dir.to_str().unwrap(), cfg.to_str().unwrap());
    assert_eq!(doc["albero"]["risultato"].as_f64(), Some(100.0));
}

#[test]
fn weights_can_be_normalised_by_configuration() {
    let mut rows = albero_rows();
    rows[7][0] = (8, C::P(0.5));
    let dir = albero_dir("normalizza", &rows);
    let cfg = config(&dir, "smvp:\n  pesi: normalizza\n");
    let run = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("i pesi sotto gruppo «indicatori» sommano a 50,00 invece di 100: normalizzati"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_workbooks_and_lock_files_are_skipped_and_said() {
    let dir = albero_dir("sconosciuto", &albero_rows());
    write_sheet(&dir.join("appunti.xlsx"), "Foglio1", &[vec![(0, C::T("Note")), (1, C::T("Altro"))]]);
    std::fs::copy(dir.join("ente.xlsx"), dir.join("~$ente.xlsx")).unwrap();
    let cfg = config(&dir, "");
    let run = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains(&format!(
        "{}: nessun foglio con intestazioni riconosciute: file ignorato",
        dir.join("appunti.xlsx").display()
    )));
    assert!(run.stderr.contains("file di blocco di Office ignorato"));
    assert!(
        run.stderr.contains(&format!(
            "{}, foglio «Foglio1»: foglio non riconosciuto, ignorato: intestazione esaminata alla riga 1 («Note», \
             «Altro»); nessun tracciato noto ha queste colonne. Per dati che non vengono dalla piattaforma usare il \
             tracciato piatto («relazione modello» ne scrive un modello vuoto, con le istruzioni)",
            dir.join("appunti.xlsx").display()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_level_cell_merged_over_its_rows_is_read_as_filled_down() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = scratch("unite-verticali");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Report").unwrap();
    write_rows(ws, &albero_rows());
    // The ambito's cell spans the rows of everything under it.
    ws.merge_range(4, 1, 10, 1, "1 - Ambito uno", &Format::new()).unwrap();
    wb.save(dir.join("ente.xlsx")).unwrap();
    let cfg = config(&dir, "");
    let v = score_json(dir.to_str().unwrap(), cfg.to_str().unwrap());
    assert_eq!(count(&v["albero"], "indicatore"), 2);
    assert_eq!(v["albero"]["risultato"], 100.0);
    let run = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "foglio «Report», cella B5:B11: celle unite in verticale: il valore della prima riga è letto su ogni riga del blocco"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_config_key_is_an_error_with_its_line() {
    let dir = albero_dir("config", &albero_rows());
    let cfg = config(&dir, "smvp:\n  regola:\n    tipo: proporzionale\n    tettto: 100\n");
    let run = relazione(&["check", "--data", dir.to_str().unwrap(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("riga 8: chiave sconosciuta «tettto» in «smvp.regola»"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(relazione(&["nonesiste"]).code, 2);
}

#[test]
fn modello_writes_the_flat_layout_that_ingest_reads() {
    use calamine::{Reader, open_workbook_auto};
    let out = scratch("modello");
    let run = relazione(&["modello", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let headers = |path: &std::path::Path| -> Vec<String> {
        let mut wb = open_workbook_auto(path).unwrap();
        let range = wb.worksheet_range("Indicatori").unwrap();
        range.rows().next().unwrap().iter().map(|c| c.to_string()).collect()
    };
    let written = headers(&out.join("modello_indicatori.xlsx"));
    let expected: Vec<String> =
        relazione::inputs::ingest::flat::COLUMNS.iter().map(|(h, _)| h.to_string()).collect();
    assert_eq!(written, expected);
    // The second-SMVP fixture is written in the same layout (before its optional last columns).
    let fixture = headers(&manifest().join("tests/fixtures/smvp-fasce/indicatori.xlsx"));
    assert_eq!(fixture, expected[..fixture.len()]);
}

#[test]
fn outputs_inside_the_data_folder_are_refused() {
    let dir = albero_dir("uscita-dentro", &albero_rows());
    let cfg = config(&dir, "");
    let out = dir.join("out");
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("la cartella di uscita è dentro la cartella dei dati"), "{}", run.stderr);
    assert!(!out.exists());
}

#[test]
fn a_batch_builds_every_ente_and_reports_the_broken_one() {
    let root = scratch("lotto");
    for name in ["Alfa", "Beta"] {
        let dir = root.join(name).join("data");
        std::fs::create_dir_all(&dir).unwrap();
        write_sheet(&dir.join("ente.xlsx"), "Report", &albero_rows());
        std::fs::write(
            root.join(name).join("relazione.yaml"),
            format!("ente:\n  nome: Camera di commercio {name}\n  nome_breve: {name}\nanno: 2024\n"),
        )
        .unwrap();
    }
    let broken = root.join("Gamma");
    std::fs::create_dir_all(broken.join("data")).unwrap();
    std::fs::write(broken.join("data/ente.xlsx"), "non un foglio").unwrap();
    std::fs::write(broken.join("relazione.yaml"), "ente:\n  nome: Gamma\n  nome_breve: Gamma\nanno: 2024\n")
        .unwrap();
    let out = out_beside(&root);
    let run = relazione(&["build", "--lotto", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(out.join("Alfa/Relazione_performance_2024_Alfa.pdf").is_file());
    assert!(out.join("Beta/Risultati_performance_2024_Beta.xlsx").is_file());
    assert!(!out.join("Gamma").join("Relazione_performance_2024_Gamma.pdf").exists());
    let table: Vec<&str> = run.stdout.lines().collect();
    assert!(
        table[1].starts_with("Alfa") && table[1].contains(" ok ") && table[1].contains("100,00 %"),
        "{}",
        run.stdout
    );
    assert!(table[3].starts_with("Gamma") && table[3].contains("errore"), "{}", run.stdout);
    // Warnings and open items per Ente: counted in the table, listed in a file beside its outputs.
    assert!(table[0].contains("Avvisi") && table[0].contains("Da completare"), "{}", run.stdout);
    let open: usize = table[1].split_whitespace().nth(5).unwrap().parse().unwrap();
    assert!(open > 0, "{}", run.stdout);
    let avvisi = std::fs::read_to_string(out.join("Alfa/avvisi.txt")).unwrap();
    assert!(avvisi.contains(&format!("Da completare ({open} voci)")), "{avvisi}");
    assert!(run.stderr.contains("3 enti, 2 riusciti, 1 con errori"), "{}", run.stderr);
    assert!(run.stderr.contains("Gamma: dati non validi"), "{}", run.stderr);
}

/// The run's options hold for every Ente of a batch: `--definitiva` refuses a draft Ente (and
/// builds nothing for it), `--tempi` prints each Ente's stages; `--data` and `--config`, which a
/// batch cannot use, are refused rather than ignored.
#[test]
fn a_batch_honours_the_runs_options() {
    let root = scratch("lotto-opzioni");
    let dir = root.join("Alfa").join("data");
    std::fs::create_dir_all(&dir).unwrap();
    write_sheet(&dir.join("ente.xlsx"), "Report", &albero_rows());
    std::fs::write(
        root.join("Alfa").join("relazione.yaml"),
        "ente:\n  nome: Camera di commercio Alfa\n  nome_breve: Alfa\nanno: 2024\n",
    )
    .unwrap();
    let out = out_beside(&root);
    let (r, o) = (root.to_str().unwrap(), out.to_str().unwrap());
    let run = relazione(&["build", "--lotto", r, "--out", o, "--definitiva"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("Alfa: la Relazione non può essere definitiva"), "{}", run.stderr);
    assert!(!out.join("Alfa/Relazione_performance_2024_Alfa.pdf").exists());
    let run = relazione(&["build", "--lotto", r, "--out", o, "--tempi"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.lines().any(|l| l.starts_with("tempo: Alfa")), "{}", run.stderr);
    // Outputs inside the batch (an Ente's data folder, the batch itself) are refused before any is built.
    for inside in [root.join("Alfa").join("data"), root.to_path_buf()] {
        let run = relazione(&["build", "--lotto", r, "--out", inside.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("la cartella di uscita è dentro la cartella del lotto"),
            "{}",
            run.stderr
        );
        assert!(!inside.join("Alfa").join("Relazione_performance_2024_Alfa.pdf").exists());
    }
    // Refused as soon as given, even with the default value (a batch never reads it).
    for given in [["--config", "altro.yaml"], ["--config", "relazione.yaml"], ["--data", "data"]] {
        let run = relazione(&["build", "--lotto", r, "--out", o, given[0], given[1]]);
        assert_eq!(run.code, 2, "{given:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("--lotto <DIR> non si può usare insieme a {}", given[0])),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn the_typst_source_comes_with_its_fonts() {
    let dir = albero_dir("sorgente", &albero_rows());
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    let src = out.with_extension("typ");
    let run = build_with(&dir, &cfg, &out, &["--typst-sorgente", src.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&src).unwrap();
    assert!(text.starts_with("// ⟦parte 1 di 1⟧\n#let parte = (numero: 1, di: 1)"), "{text}");
    assert!(text.contains("#set document(\n"), "{text}");
    assert!(src.parent().unwrap().join("fonts/TitilliumWeb_400Regular.ttf").is_file());
}

#[test]
fn the_empty_tables_workbook_has_the_layout_headers_and_its_instructions() {
    let dir = crate::common::scratch("modello-tabelle");
    let run = relazione(&["modello", "--tabelle", "--out", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = dir.join("modello_tabelle_relazione.xlsx");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&file).unwrap();
    use calamine::Reader;
    let range = wb.worksheet_range("Tabelle").unwrap();
    let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header[..3], ["Sezione", "Tabella", "Voce"]);
    let help = wb.worksheet_range("Istruzioni").unwrap();
    assert!(help.rows().any(|r| r[1].to_string().contains("bilancio_di_genere")));
}

#[test]
fn a_missing_configuration_file_is_named_as_such() {
    let run = relazione(&["check", "--data", "data", "--config", "manca.yaml"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("manca.yaml: file di configurazione non trovato: crearlo"), "{}", run.stderr);
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
}

/// The typesetting child a build starts for each part of a large plan (`processi`) refuses a
/// request it cannot read: an Italian message, exit 1, nothing on standard output.
#[test]
fn the_typesetting_child_refuses_a_request_it_cannot_read() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    for request in [&b"{\"date\":\"2025-06-30\"}\n"[..], b"non json\n", b""] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_relazione"))
            .arg(relazione::outputs::pdf::processi::CHILD_ARG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(request).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.starts_with("richiesta di impaginazione non valida"), "{said}");
    }
}

/// A message about a setting names the configuration file actually read (`--config`), never a
/// default name: a warning (no approval date) and an error (an unknown significant indicator).
#[test]
fn messages_about_settings_name_the_configuration_file_given() {
    let dir = crate::common::scratch("config-altra");
    let text = std::fs::read_to_string(crate::common::manifest().join("relazione.yaml")).unwrap();
    let cfg = dir.join("configurazione-2024.yaml");
    let check = |extra: &str, drop: &str| {
        let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with(drop)).collect();
        std::fs::write(&cfg, kept.join("\n") + extra).unwrap();
        crate::common::relazione(&[
            "check",
            "--data",
            crate::common::modena().to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
        ])
    };
    let name = cfg.display().to_string();
    let run = check("\n", "data_approvazione");
    assert!(run.stderr.contains(&format!("{name}: manca «data_approvazione»")), "{}", run.stderr);
    let run = check("\nindicatori_significativi: [\"NON-ESISTE\"]\n", "indicatori_significativi");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "{name}: «indicatori_significativi»: nessun indicatore con codice «NON-ESISTE»"
        )),
        "{}",
        run.stderr
    );
}
