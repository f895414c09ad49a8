//! Other chambers' plans through the flat layout: explicit direction and units, weights as people
//! type them, roll-up per level, targets on objectives, the rules of a second measurement system,
//! and wording that follows the configuration. Figures computed by hand in the comments.

use crate::common::*;
use relazione::model::{Level, Node};
use rust_xlsxwriter::{Format, Workbook};

/// A cell of a flat-layout row, by header.
pub(crate) enum V {
    T(&'static str),
    N(f64),
    /// A number shown as a percentage (0,035 shown as 3,50 %).
    P(f64),
}

/// Writes a flat-layout workbook: the headers named in the rows, in the layout's order.
fn write_flat(path: &std::path::Path, rows: &[Vec<(&str, V)>]) {
    let headers: Vec<&str> = relazione::inputs::ingest::flat::COLUMNS.iter().map(|(h, _)| *h).collect();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Indicatori").unwrap();
    let pct = Format::new().set_num_format("0.00%");
    for (c, h) in headers.iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (h, v) in row {
            let c = headers.iter().position(|x| x == h).unwrap_or_else(|| panic!("no column {h}")) as u16;
            let r = r as u32 + 1;
            match v {
                V::T(t) => ws.write(r, c, *t).map(|_| ()).unwrap(),
                V::N(n) => ws.write(r, c, *n).map(|_| ()).unwrap(),
                V::P(p) => ws.write_with_format(r, c, *p, &pct).map(|_| ()).unwrap(),
            }
        }
    }
    wb.save(path).unwrap();
}

/// One indicator row under ambito 1, OS 1, OO 1.A (the minimum a row needs).
fn row(code: &'static str, target: V, value: V) -> Vec<(&'static str, V)> {
    vec![
        ("Codice ambito", V::T("AMB")),
        ("Codice obiettivo strategico", V::T("1")),
        ("Codice obiettivo operativo", V::T("1.A")),
        ("Codice indicatore", V::T(code)),
        ("Peso indicatore", V::N(100.0)),
        ("Target", target),
        ("Valore", value),
    ]
}

pub(crate) fn data(name: &str, rows: &[Vec<(&str, V)>], smvp: &str) -> (Scratch, std::path::PathBuf) {
    let dir = scratch(name);
    write_flat(&dir.join("piano.xlsx"), rows);
    let cfg = config(&dir, smvp);
    (dir, cfg)
}

fn run(dir: &Scratch, cfg: &std::path::Path) -> Result<relazione::score::Scored, String> {
    crate::common::score(cfg, dir).map_err(|e| e.to_string())
}

fn find<'a>(root: &'a Node, level: Level, code: &str) -> &'a Node {
    let mut found = None;
    root.walk(&mut |n| {
        if found.is_none() && n.level == level && n.code == code {
            found = Some(n)
        }
    });
    found.unwrap_or_else(|| panic!("{code} not found"))
}

fn result(s: &relazione::score::Scored, level: Level, code: &str) -> f64 {
    find(s.report.albero.as_ref().unwrap(), level, code).result().unwrap()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn a_bare_target_without_direction_is_an_error_naming_the_cell() {
    let (dir, cfg) = data("senza-direzione", &[row("I1", V::T("80 %"), V::T("70 %"))], "");
    let e = run(&dir, &cfg).unwrap_err();
    assert!(
        e.contains(&format!(
            "{}, foglio «Indicatori», cella P2: target «80 %» senza operatore né direzione: indicare nella \
             colonna «Direzione» se è meglio un valore maggiore o minore (o scrivere l'operatore, es. «>= 80 %»), \
             oppure impostare «smvp.direzione_predefinita» nella configurazione",
            dir.join("piano.xlsx").display()
        )),
        "{e}"
    );
}

#[test]
fn direction_comes_from_the_row_or_the_configuration_never_by_default() {
    // Lower is better: 10 gg against a 12 gg ceiling is met (12/10 capped at 100 %); higher is
    // better would have given 10/12.
    let mut r = row("I1", V::T("12 gg"), V::T("10 gg"));
    r.push(("Direzione", V::T("minore")));
    let (dir, cfg) = data("direzione-riga", &[r], "");
    let s = run(&dir, &cfg).unwrap();
    close(result(&s, Level::Indicatore, "I1"), 1.0);

    let (dir, cfg) = data(
        "direzione-predefinita",
        &[row("I1", V::T("12 gg"), V::T("10 gg"))],
        "smvp:\n  direzione_predefinita: minore\n",
    );
    close(result(&run(&dir, &cfg).unwrap(), Level::Indicatore, "I1"), 1.0);

    let mut r = row("I1", V::T(">= 12 gg"), V::T("10 gg"));
    r.push(("Direzione", V::T("minore")));
    let (dir, cfg) = data("direzione-contraddetta", &[r], "");
    let e = run(&dir, &cfg).unwrap_err();
    assert!(
        e.contains("cella P2: il target «>= 12 gg» ha l'operatore «>=» ma la direzione della riga è «<=»"),
        "{e}"
    );
}

#[test]
fn percentage_cells_are_percentages_and_units_must_agree() {
    // 3,50 % shown, 0,035 stored: against >= 5 % it is 70 %.
    let (dir, cfg) = data("percentuali", &[row("I1", V::T(">= 5 %"), V::P(0.035))], "");
    close(result(&run(&dir, &cfg).unwrap(), Level::Indicatore, "I1"), 0.7);

    let (dir, cfg) = data("unita-diverse", &[row("I1", V::T(">= 5 %"), V::T("4 N."))], "");
    let e = run(&dir, &cfg).unwrap_err();
    assert!(
        e.contains(
            "cella Q2: unità del valore («N.») diversa da quella del target («%») (target nella cella P2)"
        ),
        "{e}"
    );

    // A bare number beside a unit, either way round, or a percentage cell beside a plain number:
    // an error naming both cells, never a guess.
    for (name, target, value, with, without) in [
        ("nudo-target", V::T("<= 60"), V::T("52 gg"), "il valore ha l'unità «gg»", "il target no"),
        (
            "nudo-valore",
            V::T(">= 1.500.000 €"),
            V::T("1.538.200"),
            "il target ha l'unità «€»",
            "il valore no",
        ),
        ("percento-nudo", V::P(0.8), V::T("0,76"), "il target ha l'unità «%»", "il valore no"),
    ] {
        let mut r = row("I1", target, value);
        r.push(("Direzione", V::T("maggiore")));
        let (dir, cfg) = data(name, &[r], "");
        let e = run(&dir, &cfg).unwrap_err();
        assert!(
            e.contains(&format!(
                "cella Q2: {with} e {without} (target nella cella P2, valore nella cella Q2)"
            )),
            "{name}: {e}"
        );
    }
    // Declared in the row, the unit is the indicator's; another unit in a cell contradicts it.
    let mut r = row("I1", V::T("<= 60"), V::T("52 gg"));
    r.push(("Unità di misura", V::T("gg")));
    let (dir, cfg) = data("dichiarata", &[r], "");
    let s = run(&dir, &cfg).unwrap();
    let i = find(s.report.albero.as_ref().unwrap(), Level::Indicatore, "I1");
    assert_eq!(i.indicator.as_ref().unwrap().unit, relazione::value::Unit::Giorni);
    close(i.result().unwrap(), 1.0);
    let mut r = row("I1", V::T("<= 60 N."), V::T("52"));
    r.push(("Unità di misura", V::T("gg")));
    let (dir, cfg) = data("dichiarata-contraddetta", &[r], "");
    let e = run(&dir, &cfg).unwrap_err();
    assert!(e.contains("cella P2: unità del target («N.») diversa da quella dichiarata («gg»)"), "{e}");
    let mut r = row("I1", V::T("<= 60"), V::T("52"));
    r.push(("Unità di misura", V::T("parsec")));
    let (dir, cfg) = data("dichiarata-ignota", &[r], "");
    let e = run(&dir, &cfg).unwrap_err();
    assert!(e.contains("unità di misura «parsec» non riconosciuta (ammesse: N., gg"), "{e}");

    let (dir, cfg) = data("ore", &[row("I1", V::T(">= 24 ore"), V::T("30 ore"))], "");
    close(result(&run(&dir, &cfg).unwrap(), Level::Indicatore, "I1"), 1.0);
    let (dir, cfg) = data("unita-ignota", &[row("I1", V::T(">= 24 parsec"), V::T("30 parsec"))], "");
    let e = run(&dir, &cfg).unwrap_err();
    assert!(
        e.contains("unità «parsec» non riconosciuta (ammesse: N., gg, ore, mesi, anni, %, €, punti, kWh)"),
        "{e}"
    );
}

#[test]
fn weights_typed_as_thirds_are_accepted_with_a_note() {
    let mut rows = Vec::new();
    for (code, value) in [("I1", "10 N."), ("I2", "5 N."), ("I3", "10 N.")] {
        let mut r = row(code, V::T(">= 10 N."), V::T(value));
        r.retain(|(h, _)| *h != "Peso indicatore");
        r.push(("Peso indicatore", V::N(33.33)));
        rows.push(r);
    }
    let (dir, cfg) = data("terzi", &rows, "");
    let s = run(&dir, &cfg).unwrap();
    // (100 + 50 + 100) / 3, the weights normalised.
    close(result(&s, Level::ObiettivoOperativo, "1.A"), 2.5 / 3.0);
    let notes: Vec<String> = s.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        notes.iter().any(|w| w.ends_with(
            "i pesi sotto obiettivo operativo «1.A» sommano a 99,99 invece di 100: differenza entro la \
             tolleranza di 0,10 punti, pesi normalizzati a 100"
        )),
        "{notes:#?}"
    );
}

#[test]
fn a_level_rolled_up_by_simple_mean_needs_no_weights() {
    let mut rows = Vec::new();
    for (code, value) in [("I1", "10 N."), ("I2", "5 N.")] {
        let mut r = row(code, V::T(">= 10 N."), V::T(value));
        r.retain(|(h, _)| *h != "Peso indicatore");
        rows.push(r);
    }
    let (dir, cfg) = data("media-semplice", &rows, "");
    assert!(run(&dir, &cfg).unwrap_err().contains("peso mancante per indicatore «I1»"));
    let (dir, cfg) = data(
        "media-semplice-2",
        &rows,
        "smvp:\n  livelli:\n    obiettivo_operativo:\n      calcolo: media_semplice\n",
    );
    close(result(&run(&dir, &cfg).unwrap(), Level::ObiettivoOperativo, "1.A"), 0.75);
}

const BSC: &str = "smvp:
  regola:
    tipo: fasce
    fasce:
      - {da: 100, punteggio: 100}
      - {da: 80, punteggio: 80}
      - {da: 60, punteggio: 60}
      - {da: 0, punteggio: 40}
    soglia_minima: 50
  scadenze:
    ritardo: lineare
    giorni: 30
  ente: media_raggiungimenti_os
  livelli:
    ambito:
      nome: Prospettiva
      calcolo: media_semplice
    obiettivo_operativo:
      calcolo: media_semplice
    indicatore:
      nome: Azione
  semaforo:
    verde: 90
    giallo: 60
    etichette: {verde: Conseguito, giallo: Parzialmente conseguito, rosso: Non conseguito}
  overshooting:
    previsto: false
  valutazione_os_su: raggiungimento
  valutazione_os:
    - {da: 95, giudizio: Eccellente}
    - {da: 90, giudizio: Buono}
    - {da: 0, giudizio: Insufficiente}
";

/// A balanced scorecard: perspectives → strategic objectives (each with a target of its own) →
/// operational objectives → actions.
pub(crate) fn bsc_rows() -> Vec<Vec<(&'static str, V)>> {
    let action = |p: &'static str,
                  os: &'static str,
                  os_target: f64,
                  oo: &'static str,
                  oo_weight: f64,
                  code: &'static str,
                  target: &'static str,
                  value: V| {
        vec![
            ("Codice ambito", V::T(p)),
            ("Ambito", V::T(if p == "P1" { "Clienti" } else { "Processi interni" })),
            ("Codice obiettivo strategico", V::T(os)),
            ("Target obiettivo strategico", V::N(os_target)),
            ("Codice obiettivo operativo", V::T(oo)),
            ("Peso obiettivo operativo", V::N(oo_weight)),
            ("Codice indicatore", V::T(code)),
            ("Target", V::T(target)),
            ("Valore", value),
        ]
    };
    let mut rows = vec![
        action("P1", "1", 80.0, "1.A", 50.0, "A1", ">= 100 N.", V::T("95 N.")),
        action("P1", "1", 80.0, "1.A", 50.0, "A2", "Entro 30-06-2024", V::T("15-07-2024")),
        action("P1", "1", 80.0, "1.D", 50.0, "A8", ">= 10 N.", V::T("2 N.")),
        action("P2", "2", 90.0, "2.A", 33.33, "A3", "10 gg", V::T("12 gg")),
        action("P2", "2", 90.0, "2.A", 33.33, "A4", "80 %", V::P(0.76)),
        action("P2", "2", 90.0, "2.B", 33.33, "A5", ">= 40 %", V::T("35 %")),
        action("P2", "2", 90.0, "2.B", 33.33, "A6", ">= 24 ore", V::T("30 ore")),
        action("P2", "2", 90.0, "2.C", 33.33, "A7", ">= 10 N.", V::T("10 N.")),
    ];
    rows[3].push(("Direzione", V::T("minore")));
    rows[4].push(("Direzione", V::T("maggiore")));
    rows[5].push(("Soglia minima", V::T("36 %")));
    rows
}

pub(crate) const BSC_DECISIONS: &str = "sostituzioni:
  - codice: A1
    risultato: 100
    motivazione: Dato rettificato dall'OIV (verbale n. 2)
  - codice: 2.B
    risultato: 70
    motivazione: Valutazione dell'OIV sull'obiettivo (verbale n. 3)
esclusioni:
  - codice: 1.D
    esito: soppresso
    organo: giunta
    motivazione: Obiettivo soppresso in sede di monitoraggio (delibera di Giunta n. 45)
";

#[test]
fn a_balanced_scorecard_scores_as_computed_by_hand() {
    let (dir, cfg) = data("bsc", &bsc_rows(), BSC);
    std::fs::write(dir.join("decisioni.yaml"), BSC_DECISIONS).unwrap();
    let s = run(&dir, &cfg).unwrap();
    let r = |l: Level, c: &str| result(&s, l, c);
    // A1: 95 % → band 80, replaced by the OIV with 100. A2: 15 days late of 30 → 50 by the
    // deadline rule (the bands would have given 40).
    close(r(Level::Indicatore, "A1"), 1.0);
    close(r(Level::Indicatore, "A2"), 0.5);
    close(r(Level::ObiettivoOperativo, "1.A"), 0.75);
    // 1.D suppressed: A8 (20 %) goes with it, and OS 1 is 1.A alone.
    let a8 = find(s.report.albero.as_ref().unwrap(), Level::Indicatore, "A8");
    assert_eq!(a8.result(), None);
    close(r(Level::ObiettivoStrategico, "1"), 0.75);
    // A3: <= 10 gg, 12 gg → 83,33 % → 80. A4: 76 % of 80 % → 95 % → 80.
    close(r(Level::Indicatore, "A3"), 0.8);
    close(r(Level::Indicatore, "A4"), 0.8);
    // A5: 35 % below the 36 % minimum → 0 (its ratio 87,5 % alone would give 80). A6: 125 % → 100.
    close(r(Level::Indicatore, "A5"), 0.0);
    close(r(Level::Indicatore, "A6"), 1.0);
    // 2.B computed 50, set to 70 by the OIV; OS 2 = (80 + 70 + 100) / 3 (thirds normalised).
    close(r(Level::ObiettivoOperativo, "2.B"), 0.7);
    close(r(Level::ObiettivoStrategico, "2"), 2.5 / 3.0);
    // Perspectives by simple mean; raggiungimenti 75/80 and 83,33/90; Ente their mean.
    close(r(Level::Ambito, "P1"), 0.75);
    let os = |c: &str| find(s.report.albero.as_ref().unwrap(), Level::ObiettivoStrategico, c);
    let ragg = |c: &str| os(c).outcome.as_ref().unwrap().raggiungimento.unwrap();
    close(ragg("1"), 0.9375);
    close(ragg("2"), (2.5 / 3.0) / 0.9);
    close(s.report.albero.as_ref().unwrap().result().unwrap(), (0.9375 + (2.5 / 3.0) / 0.9) / 2.0);
    assert_eq!(os("1").outcome.as_ref().unwrap().valutazione.as_deref(), Some("Buono"));
    // Below the best class: A2, A3, A4, A5, never A8.
    let below: Vec<&str> =
        relazione::score::below_threshold(s.report.albero.as_ref().unwrap(), &s.config.smvp)
            .iter()
            .map(|(n, _)| n.code.as_str())
            .collect();
    assert_eq!(below, ["A2", "A3", "A4", "A5"]);
}

#[test]
fn the_balanced_scorecard_report_speaks_its_own_language() {
    needs!("pdftotext");
    let (dir, cfg) = data("bsc-pdf", &bsc_rows(), BSC);
    std::fs::write(dir.join("decisioni.yaml"), BSC_DECISIONS).unwrap();
    let out = out_beside(&dir);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = flat(&pdf_text(&out.join("Relazione_performance_2024_Prova.pdf")));
    assert!(!text.to_lowercase().contains("overshooting"), "{text}");
    assert!(!text.contains("Ambito strategico") && !text.contains("ambiti strategici"), "{text}");
    for expected in [
        "La performance di Ente del 2024 è pari al 93,17 %",
        "media semplice dei raggiungimenti per obiettivo strategico",
        "Prospettive: 2",
        "Prospettiva: media semplice dei risultati per obiettivo strategico",
        "Azioni: fasce: ≥ 100 % → 100; ≥ 80 % → 80; ≥ 60 % → 60; ≥ 0 % → 40; sotto 50 % → 0",
        "Azioni a scadenza: rispettata 100, in ritardo decresce in proporzione fino a 0 dopo 30 giorni",
        "Conseguito (≥ 90 %)",
        "Parzialmente conseguito (60–90 %)",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in {text}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// The balanced scorecard of an SMVP with no result classes, perspectives as the simple mean of
/// their OS *raggiungimenti*, and two Ente figures: the official one (the mean of the
/// perspectives) and a «media matematica» of the OS results.
pub(crate) const BSC_SENZA_CLASSI: &str = "smvp:
  regola:
    tipo: fasce
    fasce:
      - {da: 100, punteggio: 100}
      - {da: 80, punteggio: 80}
      - {da: 60, punteggio: 60}
      - {da: 0, punteggio: 40}
    soglia_minima: 50
  scadenze:
    ritardo: lineare
    giorni: 30
  ente:
    - {etichetta: Performance di Ente, calcolo: media_ambiti}
    - {etichetta: Media matematica, calcolo: media_obiettivi_strategici}
  livelli:
    ambito:
      nome: Prospettiva
      calcolo: media_raggiungimenti
    obiettivo_operativo:
      calcolo: media_semplice
    indicatore:
      nome: Azione
  overshooting:
    previsto: false
";

#[test]
fn a_scorecard_without_classes_rolls_up_raggiungimenti_and_reports_two_ente_figures() {
    needs!("pdftotext");
    let (dir, cfg) = data("bsc-senza-classi", &bsc_rows(), BSC_SENZA_CLASSI);
    std::fs::write(dir.join("decisioni.yaml"), BSC_DECISIONS).unwrap();
    let s = run(&dir, &cfg).unwrap();
    // OS 1: 75 against its 80 → 93,75 %; OS 2: 83,33 against 90 → 92,59 %. Each perspective is
    // its OS's raggiungimento; the Ente their simple mean; the «media matematica» the mean of
    // the OS results (75 + 83,33) / 2.
    let (g1, g2) = (0.75 / 0.8, (2.5 / 3.0) / 0.9);
    close(result(&s, Level::Ambito, "P1"), g1);
    close(result(&s, Level::Ambito, "P2"), g2);
    let official = (g1 + g2) / 2.0;
    close(s.report.albero.as_ref().unwrap().result().unwrap(), official);
    let figures: Vec<(&str, f64)> =
        s.summary.figure_ente.iter().map(|f| (f.etichetta.as_str(), f.risultato.unwrap())).collect();
    assert_eq!(figures.len(), 2);
    assert_eq!((figures[0].0, figures[1].0), ("Performance di Ente", "Media matematica"));
    close(figures[0].1, official);
    close(figures[1].1, (0.75 + 2.5 / 3.0) / 2.0);
    // No classes: no result has one, no count by class.
    s.report.albero.as_ref().unwrap().walk(&mut |n| assert!(n.outcome.as_ref().unwrap().band.is_none()));
    assert!(s.summary.obiettivi_strategici.per_classe.is_empty());

    let out = out_beside(&dir);
    let built = build(&dir, &cfg, &out);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let text = flat(&pdf_text(&out.join("Relazione_performance_2024_Prova.pdf")));
    for expected in [
        "La performance di Ente del 2024 è pari al 93,17 % (media semplice dei risultati per prospettiva). \
         Media matematica: 79,17 % (media semplice dei risultati per obiettivo strategico).",
        "Prospettiva: media semplice dei raggiungimenti per obiettivo strategico.",
        "Obiettivo strategico: media ponderata, con i pesi del piano, dei risultati per obiettivo operativo.",
        "Obiettivo operativo: media semplice dei risultati per azione.",
        "Azioni con una soglia minima nel piano (1): un valore che non la raggiunge ha punteggio 0.",
        "Raggiungimento di un obiettivo con un target proprio: il suo risultato rispetto al target, fino al 100 %.",
        // The explanations are for every result below the target, said as such.
        "Sotto il 100 %",
        // A deadline is met or late, never a ratio.
        "Scadenza in ritardo di 15 giorni",
        // Each OS's own target and raggiungimento beside its result.
        "75,00 % 80 % 93,75 %",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in {text}");
    }
    for absent in [
        "Sotto il 95",
        "classe",
        "Raggiunti",
        "per gruppo",
        "indicatori propri",
        "Grado di raggiungimento 50",
    ] {
        assert!(!text.contains(absent), "«{absent}» in {text}");
    }
    // The web edition and the open data say the same.
    let home = std::fs::read_to_string(out.join("sito/index.html")).unwrap();
    assert!(home.contains("Media matematica") && !home.contains("Classi di esito"), "{home}");
    assert!(!std::fs::read_to_string(out.join("sito/indicatori.html")).unwrap().contains("f-banda"));
    let csv = std::fs::read_to_string(out.join("opendata/obiettivi.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains(",target_obiettivo_pct,raggiungimento_pct,"), "{csv}");
    // The plan has no groups (each OS holds operational objectives only): none is shown.
    assert!(!csv.contains(",gruppo,"), "{csv}");
    let json = std::fs::read_to_string(out.join("opendata/relazione.json")).unwrap();
    assert!(json.contains("\"figure_ente\"") && json.contains("Media matematica"), "{json}");
    let _ = std::fs::remove_dir_all(&out);
}

/// Camera di commercio Riviere di Liguria, the OIV's objective sheets 2023
/// (`../shared/reference/oiv-schede-obiettivi-2023-cciaa-riviere-liguria.txt`): a chamber whose
/// plan has no weights (simple means) and whose OIV scores each objective. Each row: objective,
/// operational objective (or none), indicator, target and value as the sheets print them, and the
/// published "Percentuale di raggiungimento".
const LIGURIA: &[(&str, &str, &str, &str, &str, f64, u8)] = &[
    // A01 (reference lines 11-14): 0,12 against >= 0,21 → 57 %.
    ("A01", "", "A01.OC1", ">= 0,21", "0,12", 57.0, 0),
    // A01.01 (lines 31-36): 167 assessment, 29 eventi, 680 partecipanti (97 %).
    ("A01", "A01.01", "A01.01.1", ">= 110 N.", "167 N.", 100.0, 0),
    ("A01", "A01.01", "A01.01.2", ">= 15 N.", "29 N.", 100.0, 0),
    ("A01", "A01.01", "A01.01.3", ">= 700 N.", "680 N.", 97.0, 0),
    // A02 (lines 74-81): target 2023 as redefined at monitoring.
    ("A02", "", "A02.OC1", ">= 27 %", "28,56 %", 100.0, 0),
    ("A02", "", "A02.OC2", ">= 8", "6,99", 87.0, 0),
    ("A02", "", "A02.OC3", ">= 64 %", "58,68 %", 91.7, 1),
    ("A02", "", "A02.OC4", ">= 4.000 N.", "4.206 N.", 100.0, 0),
    // A02.02 (lines 111-114): 87 % and 81 % of the Comuni against >= 90 %.
    ("A02", "A02.02", "A02.02.1", ">= 90 %", "87 %", 96.7, 1),
    ("A02", "A02.02", "A02.02.2", ">= 90 %", "81 %", 90.0, 0),
];

/// The OIV's own scores of these objectives (lines 7, 22, 64, 101).
pub(crate) const LIGURIA_OIV: &str = "sostituzioni:
  - {codice: A01, risultato: 60, motivazione: \"Valutazione OIV, scheda obiettivo 2023\"}
  - {codice: A01.01, risultato: 100, motivazione: \"Valutazione OIV, scheda obiettivo 2023\"}
  - {codice: A02, risultato: 80, motivazione: \"Valutazione OIV, scheda obiettivo 2023\"}
  - {codice: A02.02, risultato: 90, motivazione: \"Valutazione OIV, scheda obiettivo 2023\"}
";

/// Liguria's SMVP: no weights in the plan, every level and the Ente a simple mean.
pub(crate) const LIGURIA_SMVP: &str = "smvp:
  ente: media_obiettivi_strategici
  livelli:
    ambito: {calcolo: media_semplice}
    obiettivo_strategico: {calcolo: media_semplice}
    obiettivo_operativo: {calcolo: media_semplice}
";

/// The Liguria rows in the flat layout.
pub(crate) fn liguria_rows() -> Vec<Vec<(&'static str, V)>> {
    LIGURIA
        .iter()
        .map(|(os, oo, code, target, value, _, _)| {
            let mut r = vec![
                ("Codice ambito", V::T("1")),
                ("Ambito", V::T("Obiettivi strategici comuni")),
                ("Codice obiettivo strategico", V::T(os)),
                ("Codice indicatore", V::T(code)),
                ("Target", V::T(target)),
                ("Valore", V::T(value)),
            ];
            if !oo.is_empty() {
                r.push(("Codice obiettivo operativo", V::T(oo)));
            }
            r
        })
        .collect()
}

#[test]
fn a_second_chamber_reproduces_its_published_figures() {
    let rows = liguria_rows();
    let (dir, cfg) = data("liguria", &rows, LIGURIA_SMVP);
    std::fs::write(dir.join("decisioni.yaml"), LIGURIA_OIV).unwrap();
    let s = run(&dir, &cfg).unwrap();
    for (_, _, code, _, _, published, decimals) in LIGURIA {
        let ours = relazione::value::round_half_up(result(&s, Level::Indicatore, code) * 100.0, *decimals);
        assert_eq!(ours, *published, "{code}");
    }
    // The OIV's scores stand, the computed result kept beside them.
    let albero = s.report.albero.as_ref().unwrap();
    for (code, level, oiv) in [
        ("A01", Level::ObiettivoStrategico, 0.6),
        ("A01.01", Level::ObiettivoOperativo, 1.0),
        ("A02", Level::ObiettivoStrategico, 0.8),
        ("A02.02", Level::ObiettivoOperativo, 0.9),
    ] {
        let n = find(albero, level, code);
        close(n.result().unwrap(), oiv);
        assert!(matches!(
            n.outcome.as_ref().unwrap().decision,
            Some(relazione::model::Decision::Sostituzione { calcolato: Some(_), .. })
        ));
    }
    // A02.02 computed: (96,67 + 90) / 2 by simple mean, no weights in the plan.
    let a0202 = find(albero, Level::ObiettivoOperativo, "A02.02");
    let Some(relazione::model::Decision::Sostituzione { calcolato: Some(c), .. }) =
        a0202.outcome.as_ref().unwrap().decision
    else {
        unreachable!()
    };
    close(c, (87.0 / 90.0 + 81.0 / 90.0) / 2.0);
    // The Ente: the mean of the OIV's OS scores.
    close(albero.result().unwrap(), 0.7);
}

#[test]
fn the_oivs_judgements_per_objective_stand_beside_the_results_and_count_where_the_smvp_says() {
    needs!("pdftotext");
    let rows = liguria_rows();
    let smvp = "smvp:
  ente: media_obiettivi_strategici
  valutazioni_oiv_nel_calcolo: true
  livelli:
    ambito: {calcolo: media_semplice}
    obiettivo_strategico: {calcolo: media_semplice}
    obiettivo_operativo: {calcolo: media_semplice}
";
    let (dir, cfg) = data("liguria-oiv", &rows, smvp);
    // The sheets' scores (reference lines 7, 22, 64); A02.02 judged not assessable and A01.01
    // suppressed for this test, as the sheets do for other objectives (lines 701 and 1289).
    std::fs::write(
        dir.join("decisioni.yaml"),
        "valutazioni:
  - {codice: A01, valutazione: 60, atto: \"scheda 2023\"}
  - {codice: A02, valutazione: 80, atto: \"scheda 2023\"}
  - {codice: A02.02, valutazione: non valutabile, atto: \"scheda 2023\"}
esclusioni:
  - {codice: A01.01, esito: soppresso, motivazione: Obiettivo soppresso in sede di monitoraggio, atto: \"delibera di Giunta n. 45\"}
",
    )
    .unwrap();
    let s = run(&dir, &cfg).unwrap();
    let albero = s.report.albero.as_ref().unwrap();
    close(albero.result().unwrap(), 0.7);
    assert_eq!(find(albero, Level::ObiettivoOperativo, "A02.02").result(), None);
    assert_eq!(find(albero, Level::Indicatore, "A01.01.3").result(), None, "suppressed with its objective");

    let out = out_beside(&dir);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = flat(&pdf_text(&out.join("Relazione_performance_2024_Prova.pdf")));
    assert!(text.contains("Valutazione OIV"), "{text}");
    assert!(text.contains("60 (scheda 2023)") && text.contains("non valutabile (scheda 2023)"), "{text}");
    assert!(
        text.contains("Obiettivo soppresso in sede di monitoraggio (delibera di Giunta n. 45)"),
        "{text}"
    );
    let csv = std::fs::read_to_string(out.join("opendata/obiettivi.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains(",valutazione_oiv,"));
    assert!(csv.contains("non valutabile (scheda 2023)"), "{csv}");
    use calamine::{Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(out.join("Risultati_performance_2024_Prova.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Albero").unwrap();
    assert!(
        sheet.rows().any(|r| r.iter().any(|c| c.to_string().contains("valutazione OIV: 60 (scheda 2023)")))
    );
    let _ = std::fs::remove_dir_all(&out);
}
