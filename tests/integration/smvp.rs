//! A second SMVP, demonstrated by configuration alone (see tests/fixtures/smvp-fasce/README.md for
//! the hand computation of every figure): bands, per-indicator minimum thresholds, OIV overrides,
//! an exclusion with redistribution, Ente = plain mean of the OS, an OS valuation scale.

use crate::common::needs;
use relazione::inputs::config::Config;
use relazione::model::{Decision, Level, Node};

fn scored() -> relazione::score::Scored {
    let dir = crate::common::manifest().join("tests/fixtures/smvp-fasce");
    let config = Config::load(&dir.join("relazione.yaml")).unwrap();
    crate::common::score_with(config, &dir).unwrap_or_else(|e| panic!("{e}"))
}

fn pp(n: &Node) -> Option<f64> {
    n.result().map(|r| (r * 100.0 * 1e9).round() / 1e9)
}

fn find<'a>(root: &'a Node, code: &str) -> &'a Node {
    let mut found = None;
    root.walk(&mut |n| {
        if n.code == code && n.level != Level::Gruppo {
            found = Some(n)
        }
    });
    found.unwrap_or_else(|| panic!("{code}"))
}

#[test]
fn every_figure_of_the_hand_computation() {
    let s = scored();
    let a = s.report.albero.as_ref().unwrap();
    let expect = [
        ("10.S1", 80.0),
        ("10.S2", 80.0),
        ("10.A1", 0.0),
        ("10.A2", 100.0),
        ("10.A", 40.0),
        ("10.B1", 100.0),
        ("10.B", 100.0),
        ("10", 74.0),
        ("20.S1", 100.0),
        ("20.S2", 60.0),
        ("20", 85.0),
        ("21.S1", 0.0),
        ("21", 90.0),
        ("A1", 74.0),
        ("A2", 87.5),
    ];
    for (code, v) in expect {
        assert_eq!(pp(find(a, code)), Some(v), "{code}");
    }
    assert_eq!(pp(a), Some(83.0), "Ente = mean of the OS");
    let os10 = find(a, "10");
    let groups: Vec<Option<f64>> = os10.children.iter().map(pp).collect();
    assert_eq!(groups, vec![Some(80.0), Some(70.0)]);
}

#[test]
fn exclusion_redistributes_and_is_recorded() {
    let s = scored();
    let a = s.report.albero.as_ref().unwrap();
    let excluded = find(a, "20.S3");
    assert_eq!(excluded.result(), None);
    let o = excluded.outcome.as_ref().unwrap();
    assert!(matches!(&o.decision, Some(Decision::Esclusione { esito, .. }) if esito == "cassato"));
    let w = find(a, "20.S1").outcome.as_ref().unwrap().effective_weight.unwrap();
    assert!((w - 62.5).abs() < 1e-9, "50 of 80 → 62,5 %: {w}");
    assert!(s.warnings.iter().any(|w| w.message.contains("«20.S3» cassato dalla Giunta")));
    // The missing value is reported at the cell that holds it (column Valore), not at the code.
    let missing = s.warnings.iter().find(|w| w.message.contains("«20.S3»: valore mancante")).unwrap();
    assert_eq!(missing.location.cell.as_deref(), Some("Q9"), "{missing}");
}

#[test]
fn overrides_keep_the_computed_result() {
    let s = scored();
    let a = s.report.albero.as_ref().unwrap();
    match &find(a, "21").outcome.as_ref().unwrap().decision {
        Some(Decision::Sostituzione { risultato, calcolato, .. }) => {
            assert_eq!(*risultato, 90.0);
            assert_eq!(*calcolato, Some(0.0));
        }
        other => panic!("{other:?}"),
    }
    match &find(a, "10.B1").outcome.as_ref().unwrap().decision {
        Some(Decision::Sostituzione { calcolato, .. }) => assert_eq!(*calcolato, Some(0.8)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn os_valuation_scale_and_rules_in_words() {
    let s = scored();
    let a = s.report.albero.as_ref().unwrap();
    let label = |c| find(a, c).outcome.as_ref().unwrap().valutazione.clone();
    assert_eq!(label("10").as_deref(), Some("Sufficiente"));
    assert_eq!(label("20").as_deref(), Some("Buono"));
    assert_eq!(label("21").as_deref(), Some("Eccellente"));
    let rule = find(a, "10.A1").outcome.as_ref().unwrap().rule.clone().unwrap();
    assert_eq!(rule, "fasce: ≥ 99 % → 100; ≥ 80 % → 80; ≥ 60 % → 60; sotto 70 % → 0");
}

#[test]
fn a_decision_on_an_unknown_code_is_an_error() {
    let dir = crate::common::scratch("decisione-ignota");
    let src = crate::common::manifest().join("tests/fixtures/smvp-fasce");
    for f in ["indicatori.xlsx", "relazione.yaml"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    std::fs::write(
        dir.join("decisioni.yaml"),
        "esclusioni:\n  - codice: \"99.X\"\n    esito: soppresso\n    motivazione: prova\n",
    )
    .unwrap();
    let config = Config::load(&dir.join("relazione.yaml")).unwrap();
    let err = crate::common::score_with(config, &dir).expect_err("must fail").to_string();
    assert!(err.contains("decisione su «99.X»: nessun obiettivo o indicatore con questo codice"), "{err}");
}

/// The step-scale chamber's decisions by their bodies: the Giunta suppresses an operational
/// objective, the office certifies the score of an indicator whose value was lost, the OIV
/// replaces two results. By hand (see the fixture's README for the rest): 10.A suppressed, so
/// OS 10's operational group is 10.B alone (100) and OS 10 = 0,4 × 80 + 0,6 × 100 = 92; 20.S3
/// certified at 100, so OS 20 = 0,5 × 100 + 0,3 × 60 + 0,2 × 100 = 88; OS 21 = 90 (OIV); the
/// Ente, the plain mean of the OS, 90.
const DECISIONS_BY_BODY: &str = "sostituzioni:
  - codice: \"10.B1\"
    risultato: 100
    motivazione: \"Il dato delle ore di formazione è stato rettificato dall'OIV: 21 ore documentate\"
  - codice: \"21\"
    risultato: 90
    motivazione: \"Proventi ridotti da una causa esterna (verbale OIV n. 3)\"
  - codice: \"20.S3\"
    risultato: 100
    organo: ufficio
    motivazione: \"Esito dell'indagine perso nel cambio di piattaforma, attestato dal dirigente\"
    atto: \"Attestazione prot. n. 1234 del 15/02/2025\"
esclusioni:
  - codice: \"10.A\"
    esito: soppresso
    organo: giunta
    motivazione: \"Obiettivo soppresso in sede di aggiornamento del PIAO\"
    atto: \"delibera di Giunta n. 140 del 30/07/2024\"
";

fn fixture_with_decisions(name: &str, decisions: &str) -> crate::common::Scratch {
    let dir = crate::common::scratch(name);
    let src = crate::common::manifest().join("tests/fixtures/smvp-fasce");
    for f in ["indicatori.xlsx", "relazione.yaml"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    std::fs::write(dir.join("decisioni.yaml"), decisions).unwrap();
    dir
}

#[test]
fn decisions_name_the_body_that_took_them() {
    needs!("pdftotext");
    let dir = fixture_with_decisions("organi", DECISIONS_BY_BODY);
    let config = Config::load(&dir.join("relazione.yaml")).unwrap();
    let s = crate::common::score_with(config, &dir).unwrap_or_else(|e| panic!("{e}"));
    let a = s.report.albero.as_ref().unwrap();
    assert_eq!(pp(find(a, "10")), Some(92.0));
    assert_eq!(pp(find(a, "20")), Some(88.0));
    assert_eq!(pp(a), Some(90.0));

    let out = crate::common::out_beside(&dir);
    let run = crate::common::build(&dir, &dir.join("relazione.yaml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text =
        crate::common::flat(&crate::common::pdf_text(&out.join("Relazione_performance_2024_Esempio.pdf")));
    for expected in [
        "Giunta escluso (soppresso) dalla Giunta: il peso è ridistribuito sugli altri elementi \
         Obiettivo soppresso in sede di aggiornamento del PIAO (delibera di Giunta n. 140 del 30/07/2024)",
        "Ufficio (valore certificato) risultato 100,00 % dall'ufficio (valore certificato) (nessun risultato calcolato)",
        "OIV risultato 90,00 % dall'OIV (calcolato 0,00 %)",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in {text}");
    }
    // The OIV's working papers list only the OIV's decisions.
    let carte = crate::common::flat(
        &std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.to_string_lossy().contains("Carte_di_lavoro_OIV")
                    && p.extension().is_some_and(|x| x == "pdf")
            })
            .map(|p| crate::common::pdf_text(&p))
            .collect::<String>(),
    );
    assert!(
        carte.contains("decisioni dell'OIV registrate in decisioni.yaml: 2;"),
        "two of the four decisions are the OIV's: {carte}"
    );
    // The open data keep the OIV's decisions apart from the other bodies'.
    let csv = std::fs::read_to_string(out.join("opendata/obiettivi.csv")).unwrap();
    assert!(
        csv.contains(",soppresso (Giunta),") && csv.contains(",sostituzione (Ufficio (valore certificato)),"),
        "{csv}"
    );
    // A value certified by the office needs its document.
    let dir = fixture_with_decisions(
        "ufficio-senza-atto",
        "sostituzioni:\n  - {codice: \"20.S3\", risultato: 100, organo: ufficio, motivazione: perso}\n",
    );
    let config = Config::load(&dir.join("relazione.yaml")).unwrap();
    let err = crate::common::score_with(config, &dir).expect_err("must fail").to_string();
    assert!(
        err.contains("un valore certificato dall'ufficio va indicato con il documento che lo attesta"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&out);
}
