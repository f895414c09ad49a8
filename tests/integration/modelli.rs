//! The templates: declarative (no lookups by code, no level codes, no arithmetic), every variable
//! they can use documented in docs/modelli.md, errors in them and in the staff's texts caught by
//! `check` with the file and line, and `relazione modelli` writing them out for customising.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn templates() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(manifest().join("templates"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "j2"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

/// The insides of every `{{ … }}` and `{% … %}` of a template, with string literals blanked.
fn expressions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [("{{", "}}"), ("{%", "%}")] {
        let mut rest = text;
        while let Some(i) = rest.find(open) {
            let after = &rest[i + 2..];
            let Some(j) = after.find(close) else { break };
            let inner = after[..j].trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
            let mut blanked = String::new();
            let mut quote: Option<char> = None;
            for c in inner.chars() {
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == '"' || c == '\'' => quote = Some(c),
                    None => blanked.push(c),
                }
            }
            out.push(blanked);
            rest = &after[j + 2..];
        }
    }
    out
}

#[test]
fn templates_hold_no_lookup_by_code_no_level_code_and_no_arithmetic() {
    let levels = [
        "ente",
        "ambito",
        "obiettivo_strategico",
        "gruppo",
        "obiettivo_operativo",
        "indicatore",
        "struttura",
        "area",
        "settore",
        "obiettivo_unita",
        "valutati",
        "ruolo",
        "obiettivo_individuale",
        "indicatori",
        "obiettivi_operativi",
    ];
    let mut problems = Vec::new();
    for (name, text) in templates() {
        if text.contains("selectattr(\"code\"") || text.contains("selectattr('code'") {
            problems.push(format!("{name}: lookup by code"));
        }
        for l in levels {
            if text.contains(&format!("\"{l}\"")) || text.contains(&format!("'{l}'")) {
                problems.push(format!("{name}: level code «{l}»"));
            }
        }
        for e in expressions(&text) {
            if e.contains(['+', '-', '*', '/', '%']) {
                problems.push(format!("{name}: arithmetic in «{e}»"));
            }
        }
        for (i, line) in text.lines().enumerate() {
            if line.chars().count() > 150 {
                problems.push(format!("{name}:{}: line of {} characters", i + 1, line.chars().count()));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_expression_scanner_finds_arithmetic() {
    assert_eq!(expressions("{{ a - 1 }} {%- if b %}{{ \"a-b\" }}"), ["a - 1", "", "if b"]);
}

/// Every key of every object in a JSON value, and the top-level keys.
fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

/// Field names documented in docs/modelli.md: the first cell of each table row, in backticks.
fn documented() -> (String, BTreeSet<String>) {
    let doc = std::fs::read_to_string(manifest().join("docs/modelli.md")).unwrap();
    let mut names = BTreeSet::new();
    for line in doc.lines() {
        let Some(row) = line.strip_prefix("| ") else { continue };
        let first = row.split(" | ").next().unwrap_or("");
        // `a`, `b` in the first cell: every name in backticks.
        for (i, part) in first.split('`').enumerate() {
            if i % 2 == 1 {
                names.insert(part.to_string());
            }
        }
    }
    (doc, names)
}

#[test]
fn every_template_variable_is_documented_and_nothing_else() {
    let smvp = manifest().join("tests/fixtures/smvp-fasce");
    let other = crate::common::score(&smvp.join("relazione.yaml"), &smvp).unwrap();
    let mut used = BTreeSet::new();
    use relazione::bozza::{Gruppo, Voce};
    let open =
        [Voce::new(Gruppo::Scrivere, relazione::error::Location::file(std::path::Path::new("x.md")), "y")];
    // Modena beside a last year made of its own results: the fields of the comparison.
    let mut beside = crate::common::score(&manifest().join("relazione.yaml"), &modena()).unwrap();
    let last = relazione::inputs::precedente::AnnoPrecedente::of_report(&beside.report, &modena(), 2023);
    beside.precedente = Some(relazione::score::precedente::attach(&mut beside.report, &last));
    for s in [modena_scored(), &other, &beside] {
        let texts = relazione::inputs::testi::Texts::default();
        keys(&serde_json::to_value(relazione::view::View::build(s, &open, &texts)).unwrap(), &mut used);
    }
    // Given by the renderer beside the view: the staff's texts.
    used.extend(["testi", "spiegazioni"].map(String::from));
    used.extend(relazione::inputs::testi::SLOTS.iter().map(|s| s.chiave.to_string()));
    // Given beside the view to the pages of the web edition (`sito::site`).
    let site = ["pagina", "pagine", "file", "titolo", "scaricabili", "formato", "dimensione", "tipologie"];
    used.extend(site.into_iter().chain(["strutture", "obiettivo"]).map(String::from));
    let (doc, names) = documented();
    let undocumented: Vec<&String> = used.difference(&names).collect();
    assert!(undocumented.is_empty(), "fields missing from docs/modelli.md: {undocumented:?}");
    let stale: Vec<&String> = names
        .iter()
        .filter(|n| !used.contains(*n) && !relazione::outputs::pdf::render::FILTERS.contains(&n.as_str()))
        .collect();
    assert!(stale.is_empty(), "docs/modelli.md documents fields the view does not have: {stale:?}");
    for f in relazione::outputs::pdf::render::FILTERS {
        assert!(doc.contains(&format!("| `{f}`")), "filter {f} not documented");
    }
}

/// A data folder with a one-tree workbook, a configuration and one staff text.
fn with_text(name: &str, premessa: &str) -> (Scratch, std::path::PathBuf) {
    let root = scratch(name);
    let data = root.join("data");
    std::fs::create_dir_all(data.join("testi")).unwrap();
    write_sheet(&data.join("ente.xlsx"), "Report", &albero_rows());
    std::fs::write(data.join("testi/premessa.md"), premessa).unwrap();
    let cfg = config(&root, "");
    (root, cfg)
}

fn check(root: &Scratch, cfg: &std::path::Path) -> Run {
    relazione(&["check", "--data", root.join("data").to_str().unwrap(), "--config", cfg.to_str().unwrap()])
}

#[test]
fn a_skipped_heading_in_a_text_fails_check_with_its_line() {
    let (root, cfg) = with_text("titolo-saltato", "Introduzione.\n\n## Sezione\n\nTesto.\n");
    let run = check(&root, &cfg);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let file = root.join("data/testi/premessa.md");
    assert!(
        run.stderr.contains(&format!(
            "{}, riga 3: titolo di livello 2 («##») senza un titolo di livello 1 prima",
            file.display()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_broken_template_and_an_undefined_variable_fail_check() {
    let (root, cfg) = with_text("modello-rotto", "Introduzione.\n");
    let templates = root.join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    let file = templates.join("contesto.typ.j2");

    std::fs::write(&file, "= 2. Contesto\n\n{% if %}\n").unwrap();
    let run = check(&root, &cfg);
    assert_eq!(run.code, 1);
    let expected = format!("errore nel modello {}, riga 3: errore di sintassi", file.display());
    assert!(run.stderr.contains(&expected), "{}", run.stderr);

    std::fs::write(&file, "= 2. Contesto\n\nRisultato: {{ albero.risultatto.testo }}\n").unwrap();
    let run = check(&root, &cfg);
    assert_eq!(run.code, 1);
    let expected = format!("errore nel modello {}, riga 3: variabile non definita", file.display());
    assert!(run.stderr.contains(&expected), "{}", run.stderr);

    // A variable that exists prints, and check says which local template it used.
    std::fs::write(&file, "= 2. Contesto\n\nRisultato: {{ albero.risultato.testo }}\n").unwrap();
    let run = check(&root, &cfg);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("modello locale usato: {}", file.display())), "{}", run.stderr);
}

#[test]
fn a_typst_error_in_a_template_fails_check_naming_the_template() {
    let (root, cfg) = with_text("typst-rotto", "Introduzione.\n");
    let templates = root.join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("contesto.typ.j2"), "= 2. Contesto\n\n#funzione-inesistente()\n").unwrap();
    let run = check(&root, &cfg);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("(testo prodotto dal modello contesto.typ.j2)"), "{}", run.stderr);
}

#[test]
fn modelli_writes_every_builtin_template_and_never_overwrites() {
    let out = scratch("modelli");
    let dir = out.join("t");
    let run = relazione(&["modelli", "--out", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (name, text) in templates() {
        assert_eq!(std::fs::read_to_string(dir.join(&name)).unwrap(), text, "{name}");
    }
    let again = relazione(&["modelli", "--out", dir.to_str().unwrap()]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("esiste già: i modelli non vengono sovrascritti"), "{}", again.stderr);
}

#[test]
fn help_and_usage_errors_are_in_italian() {
    let help = relazione(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Uso: relazione"), "{}", help.stdout);
    assert!(
        help.stdout.contains("Comandi:") && help.stdout.contains("Mostra questo aiuto"),
        "{}",
        help.stdout
    );
    let build_help = relazione(&["build", "--help"]);
    assert!(build_help.stdout.contains("[predefinito: out]"), "{}", build_help.stdout);
    let wrong = relazione(&["build", "--nonesiste"]);
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.starts_with("errore: opzione sconosciuta «--nonesiste»"), "{}", wrong.stderr);
    let unknown = relazione(&["nonesiste"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.starts_with("errore: comando sconosciuto «nonesiste»"), "{}", unknown.stderr);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_relazione"))
        .args(["score", "--json", "--data", modena().to_str().unwrap()])
        .current_dir(manifest())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child.stderr.as_mut().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?} {err}");
    assert!(!err.contains("panicked"), "{err}");
}
