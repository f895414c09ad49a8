//! The OIV's working papers: every criterion is satisfied by its evidence and turns red when the
//! evidence goes (an explanation deleted, a source missing, a figure altered).

use crate::common::*;
use relazione::view::{CarteOiv, View};

fn carte(data: &std::path::Path, cfg: &std::path::Path) -> CarteOiv {
    let s = crate::common::score(cfg, data).unwrap();
    let texts = relazione::inputs::testi::Texts::load(data).unwrap();
    View::build(&s, &[], &texts).carte_oiv
}

fn status<'a>(c: &'a CarteOiv, criterio: &str) -> &'a str {
    c.criteri.iter().find(|x| x.criterio.starts_with(criterio)).unwrap_or_else(|| panic!("{criterio}")).stato
}

const EXPLANATIONS: &str = "## 101.S1\n\nCausa: x\nDipendenza: esterna\nAzioni correttive: y\n";

#[test]
fn each_criterion_turns_red_when_its_evidence_goes() {
    // One indicator below target (8 of 10), with its source, in the flat layout.
    let dir = scratch("carte");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let headers = [
        "Codice ambito",
        "Codice obiettivo strategico",
        "Codice obiettivo operativo",
        "Codice indicatore",
        "Peso indicatore",
        "Target",
        "Valore",
        "Fonte",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["1", "101", "", "101.S1", "100", ">= 10 N.", "8 N.", "Registro imprese"].iter().enumerate()
    {
        if !v.is_empty() {
            ws.write(1, c as u16, *v).unwrap();
        }
    }
    wb.save(dir.join("piano.xlsx")).unwrap();
    let cfg = config(&dir, "");
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    std::fs::write(dir.join("testi/scostamenti.md"), EXPLANATIONS).unwrap();
    let c = carte(&dir, &cfg);
    assert_eq!(status(&c, "Ogni scostamento"), "verificato");
    assert_eq!(status(&c, "Le fonti"), "verificato");
    // The tree alone: nothing to compare a figure with, so nothing is verified.
    assert_eq!(status(&c, "Ogni dato compare"), "da verificare");

    // An explanation deleted.
    std::fs::remove_file(dir.join("testi/scostamenti.md")).unwrap();
    let c = carte(&dir, &cfg);
    assert_eq!(status(&c, "Ogni scostamento"), "non soddisfatto");
    assert!(
        c.criteri.iter().any(|x| x.dettagli.contains(&"«101.S1» (80,00 %): nessuna spiegazione".to_string()))
    );

    // A source missing.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["1", "101", "", "101.S1", "100", ">= 10 N.", "8 N."].iter().enumerate() {
        if !v.is_empty() {
            ws.write(1, c as u16, *v).unwrap();
        }
    }
    wb.save(dir.join("piano.xlsx")).unwrap();
    assert_eq!(status(&carte(&dir, &cfg), "Le fonti"), "non soddisfatto");
}

#[test]
fn a_figure_altered_against_the_platform_turns_the_recomputation_red() {
    let dir = albero_dir("carte-piattaforma", &albero_rows());
    let cfg = config(&dir, "");
    assert_eq!(status(&carte(&dir, &cfg), "I risultati sono ricalcolati"), "verificato");
    let mut rows = albero_rows();
    rows[7][4] = (12, C::P(0.5));
    write_sheet(&dir.join("ente.xlsx"), "Report", &rows);
    let c = carte(&dir, &cfg);
    assert_eq!(status(&c, "I risultati sono ricalcolati"), "non soddisfatto");
    let recomputed =
        c.criteri.iter().find(|x| x.criterio.starts_with("I risultati sono ricalcolati")).unwrap();
    assert!(
        recomputed.dettagli.iter().any(|d| d.contains("«101.S1»: calcolato 100,00 %, piattaforma 50,00 %")),
        "{:?}",
        recomputed.dettagli
    );
}

#[test]
fn the_working_papers_are_written_beside_the_relazione() {
    needs!("pdftotext");
    let b = modena_build();
    let pdf = b.out.join("Carte_di_lavoro_OIV_2024_Modena.pdf");
    let text = flat(&pdf_text(&pdf));
    assert!(text.contains("CRITERI DI VALIDAZIONE"), "{text}");
    assert!(text.contains("Ogni dato compare con un solo valore"));
    assert!(
        text.contains("obiettivo individuale «MISURE ANTICORR.»: calcolato 100,00 %, piattaforma 99,37 %")
    );
}

/// Text with every white space and soft hyphen removed, so that a sentence is found whatever the
/// line breaks and the hyphenation of its page.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && *c != '\u{ad}').collect()
}

/// The text of an HTML page without its tags.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x27;", "'").replace("&#39;", "'").replace("&quot;", "\"").replace("&amp;", "&")
}

/// The OIV's findings are its working papers' and never the Relazione's: every rilievo of the
/// KPI series and of the balance ratios, every difference between recomputed and published
/// results and every figure with two values is printed in the working papers and nowhere in the
/// public text (the PDF and every page of the web edition).
#[test]
fn the_oivs_findings_are_in_its_working_papers_only() {
    needs!("pdftotext");
    let b = modena_build();
    let s = modena_scored();
    let texts = relazione::inputs::testi::Texts::load(&manifest().join("data")).unwrap();
    let view = View::build(s, &[], &texts);
    let mut findings: Vec<String> = Vec::new();
    findings.extend(view.serie.iter().flat_map(|x| x.kpi.iter().flat_map(|k| k.rilievi.clone())));
    findings.extend(view.salute.iter().flat_map(|x| x.indici.iter().flat_map(|i| i.rilievi.clone())));
    for c in &view.carte_oiv.criteri {
        if c.criterio.starts_with("I risultati sono ricalcolati")
            || c.criterio.starts_with("Ogni dato compare")
        {
            findings.extend(c.dettagli.iter().cloned());
        }
    }
    assert!(findings.len() > 30, "the Modena data have findings: {}", findings.len());
    // The list of open items closing a draft is the office's, not the public text: it goes with
    // the draft.
    let public_pdf = b.text().rsplit_once("DA COMPLETARE").expect("a draft").0;
    let public_pdf = squeezed(public_pdf);
    let papers = squeezed(&pdf_text(&b.out.join("Carte_di_lavoro_OIV_2024_Modena.pdf")));
    let mut pages = Vec::new();
    for e in std::fs::read_dir(b.out.join("sito")).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "html") {
            let html = std::fs::read_to_string(e.path()).unwrap();
            let public = html.split_once("id=\"da-completare\"").map_or(html.as_str(), |(p, _)| p);
            pages.push((e.path(), squeezed(&html_text(public))));
        }
    }
    // The open data's JSON is published too: without the findings, the warnings among them.
    let json = std::fs::read_to_string(b.out.join("opendata/relazione.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(json.get("avvisi").is_none() && json["riepilogo"].get("incoerenze").is_none());
    let json = squeezed(&json.to_string());
    for f in &findings {
        let f = squeezed(f);
        assert!(!json.contains(&f), "the open data publish the OIV's finding «{f}»");
        assert!(!public_pdf.contains(&f), "the Relazione prints the OIV's finding «{f}»");
        for (page, text) in &pages {
            assert!(!text.contains(&f), "{} prints the OIV's finding «{f}»", page.display());
        }
    }
    // The KPI-series and ratio findings are the working papers' own sections.
    for f in view.serie.iter().flat_map(|x| x.kpi.iter().flat_map(|k| k.rilievi.iter())) {
        assert!(papers.contains(&squeezed(f)), "the working papers lack «{f}»");
    }
}

/// No public template reads a field that only the OIV's working papers may print.
#[test]
fn no_public_template_reads_the_oivs_fields() {
    for e in std::fs::read_dir(manifest().join("templates")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        // The OIV's own documents: its working papers and its validation document.
        if name == "carte_oiv.typ.j2" || name == "validazione.typ.j2" || !name.ends_with(".j2") {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap();
        for field in ["rilievi", "calcolate", "incoerenze", "carte_oiv", "con_target_sotto_precedente"] {
            assert!(!text.contains(field), "{name} reads «{field}», a field of the OIV's working papers");
        }
    }
}

/// A plan export in `piano/`: the start-of-year tree, as the platform exports it before any value,
/// with the strategic indicator's target `>= 8 N.` where the Relazione has `>= 10 N.`.
fn write_plan(dir: &std::path::Path) {
    let mut rows = albero_rows();
    rows[7] = vec![
        (8, C::P(1.0)),
        (9, C::T("101.S1 - Indicatore strategico")),
        (10, C::T(">= 8 N.")),
        (12, C::P(1.0)),
    ];
    rows[10].retain(|(c, _)| *c != 11);
    std::fs::create_dir_all(dir.join("piano")).unwrap();
    write_sheet(&dir.join("piano/ente_inizio_anno.xlsx"), "Report", &rows);
}

const UPDATE_ACT: &str = "ciclo:\n  atti:\n    - atto: Aggiornamento del PIAO 2024-2026\n      tipo: aggiornamento_piao\n      \
                          data: 30/07/2024\n      estremi: delibera n. 140\n";

#[test]
fn a_target_changed_during_the_year_is_named_with_both_targets_and_its_act() {
    let dir = albero_dir("carte-piano", &albero_rows());
    let cfg = config(&dir, "");
    // Without the plan the criterion says what is missing, and nothing else.
    let c = carte(&dir, &cfg);
    let plan =
        c.criteri.iter().find(|x| x.criterio.starts_with("La Relazione è coerente con il Piano")).unwrap();
    assert_eq!(plan.stato, "da verificare");
    assert!(plan.evidenza.contains("manca l'esportazione del piano di inizio anno"), "{}", plan.evidenza);
    assert!(plan.dettagli.is_empty() && !c.piano_letto);

    write_plan(&dir);
    // The plan is read as the plan, never as a second copy of the results.
    let s = crate::common::score(&cfg, &dir).unwrap();
    assert_eq!(s.report.albero.as_ref().unwrap().result(), Some(1.0));
    let c = carte(&dir, &cfg);
    assert_eq!(status(&c, "La Relazione è coerente con il Piano"), "da verificare");
    let changes: Vec<(&str, &str, &str, &str)> = c
        .variazioni
        .iter()
        .map(|v| (v.codice.as_str(), v.prima.as_str(), v.dopo.as_str(), v.atto.as_str()))
        .collect();
    assert_eq!(changes, [("101.S1", ">= 8 N.", ">= 10 N.", "atto da indicare")]);
    // Without the act that approved it, the Relazione has an item to complete.
    let texts = relazione::inputs::testi::Texts::load(&dir).unwrap();
    let items = relazione::inputs::testi::findings(&s, &texts, &dir);
    assert!(
        items
            .iter()
            .any(|v| v.testo.contains("1 modifiche al Piano") && v.testo.contains("atto da indicare"))
    );

    // An update dated after the year did not govern it: the change is still without its act.
    let late = config(&dir, &UPDATE_ACT.replace("30/07/2024", "15/03/2026"));
    let c = carte(&dir, &late);
    assert_eq!(status(&c, "La Relazione è coerente con il Piano"), "da verificare");
    assert_eq!(c.variazioni[0].atto, "atto da indicare");
    let cfg = config(&dir, UPDATE_ACT);
    let c = carte(&dir, &cfg);
    assert_eq!(status(&c, "La Relazione è coerente con il Piano"), "verificato");
    assert_eq!(c.variazioni[0].atto, "Aggiornamento del PIAO 2024-2026 (delibera n. 140) del 30/07/2024");

    // The working papers print the indicator with both targets.
    needs!("pdftotext");
    let out = out_beside(&dir);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let papers = flat(&pdf_text(&out.join("Carte_di_lavoro_OIV_2024_Prova.pdf")));
    assert!(papers.contains("MODIFICHE AL PIANO IN CORSO D’ANNO"), "no section of the changes");
    for expected in ["101.S1", "target modificato", "≥ 8 N.", "≥ 10 N.", "delibera n. 140"] {
        assert!(papers.contains(expected), "the papers lack «{expected}»");
    }
}

/// Each new criterion, from its evidence to its absence.
#[test]
fn every_criterion_of_the_guidelines_turns_red_or_open_when_its_evidence_goes() {
    let mut rows = albero_rows();
    rows[9] = vec![(6, C::P(1.0)), (7, C::T("101.A - Trasparenza e anticorruzione")), (12, C::P(1.0))];
    let dir = albero_dir("carte-criteri", &rows);
    let acts = "obiettivi_anticorruzione: [\"101\"]\nciclo:\n  atti:\n    - {atto: PIAO 2024-2026, tipo: piao, data: 31/01/2024}\n    \
                - {atto: Monitoraggio, tipo: monitoraggio, data: 30/07/2024}\n    \
                - {atto: Approvazione della Relazione, tipo: relazione, data: 27/05/2025}\n";
    let cfg = config(&dir, acts);
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    let plain = "Il processo segue il calendario del Sistema. I dati sono raccolti ogni sei mesi. L'OIV li controlla.";
    std::fs::write(dir.join("testi/processo.md"), plain).unwrap();
    std::fs::write(dir.join("testi/customer_satisfaction.md"), "Gli utenti hanno dato un voto ai servizi.")
        .unwrap();
    let tables = vec![
        vec![(0, C::T("Sezione")), (1, C::T("Tabella")), (2, C::T("Voce")), (3, C::T("2024"))],
        vec![
            (0, C::T("customer_satisfaction")),
            (1, C::T("Indagine")),
            (2, C::T("Soddisfatti")),
            (3, C::P(0.9)),
        ],
    ];
    write_sheet(&dir.join("tabelle.xlsx"), "Tabelle", &tables);
    std::fs::write(
        dir.join("verifiche.yaml"),
        "verificati:\n  - testo: \"2 indicatori senza fonte dichiarata (colonna «Fonte»): 101.S1, 101.A1\"\n    \
         motivazione: Fonti interne verificate sul gestionale\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("decisioni.yaml"),
        "esclusioni:\n  - codice: \"101.A1\"\n    esito: non_valutabile\n    motivazione: Dato non disponibile\n    \
         atto: Verbale OIV n. 3 del 18/04/2025\n",
    )
    .unwrap();
    let c = carte(&dir, &cfg);
    for name in [
        "Il processo di misurazione",
        "La misurazione tiene conto degli obiettivi di anticorruzione",
        "La Relazione dà conto della customer satisfaction",
        "Le verifiche dell'ufficio",
        "Le decisioni dell'OIV",
        "Tutti gli obiettivi e gli indicatori hanno un risultato",
        "La Relazione è sintetica",
    ] {
        assert_eq!(
            status(&c, name),
            "verificato",
            "{name}: {:?}",
            c.criteri.iter().find(|x| x.criterio.starts_with(name))
        );
    }
    // Without individual objectives there is nothing to show differentiation: never verified.
    assert_eq!(status(&c, "Le valutazioni individuali"), "da verificare");

    // The approval after 30 June of the next year, the validation before the approval.
    let late = acts.replace("27/05/2025", "15/07/2025");
    assert_eq!(status(&carte(&dir, &config(&dir, &late)), "Il processo di misurazione"), "non soddisfatto");
    let early = format!("{acts}    - {{atto: Validazione, tipo: validazione, data: 20/05/2025}}\n");
    assert_eq!(status(&carte(&dir, &config(&dir, &early)), "Il processo di misurazione"), "non soddisfatto");
    // The process text removed; a hard text (long words, no full stop) in its place.
    std::fs::remove_file(dir.join("testi/processo.md")).unwrap();
    assert_eq!(status(&carte(&dir, &cfg), "Il processo di misurazione"), "non soddisfatto");
    let hard = "Considerata l'opportunità dell'implementazione dell'infrastrutturazione organizzativa \
                interistituzionale conseguentemente predisposta nell'amministrazione camerale";
    std::fs::write(dir.join("testi/processo.md"), hard).unwrap();
    assert_eq!(status(&carte(&dir, &cfg), "La Relazione è sintetica"), "non soddisfatto");
    // The users' view: text and data removed.
    std::fs::remove_file(dir.join("testi/customer_satisfaction.md")).unwrap();
    std::fs::remove_file(dir.join("tabelle.xlsx")).unwrap();
    assert_eq!(
        status(&carte(&dir, &cfg), "La Relazione dà conto della customer satisfaction"),
        "non soddisfatto"
    );
    // The office's checks and the OIV's act removed.
    std::fs::remove_file(dir.join("verifiche.yaml")).unwrap();
    std::fs::write(
        dir.join("decisioni.yaml"),
        "esclusioni:\n  - codice: \"101.A1\"\n    esito: non_valutabile\n    motivazione: Dato non disponibile\n",
    )
    .unwrap();
    let c = carte(&dir, &cfg);
    assert_eq!(status(&c, "Le verifiche dell'ufficio"), "da verificare");
    assert_eq!(status(&c, "Le decisioni dell'OIV"), "da verificare");
    // No decision at all is no evidence either.
    std::fs::remove_file(dir.join("decisioni.yaml")).unwrap();
    assert_eq!(status(&carte(&dir, &cfg), "Le decisioni dell'OIV"), "da verificare");
    // A name is a clue, not evidence: without the configured objectives, to verify; a configured
    // objective that is not in the tree, not satisfied.
    let named_only = acts.replace("obiettivi_anticorruzione: [\"101\"]\n", "");
    assert_eq!(
        status(&carte(&dir, &config(&dir, &named_only)), "La misurazione tiene conto"),
        "da verificare"
    );
    let wrong = acts.replace("[\"101\"]", "[\"101.Z\"]");
    assert_eq!(status(&carte(&dir, &config(&dir, &wrong)), "La misurazione tiene conto"), "non soddisfatto");
    write_sheet(&dir.join("ente.xlsx"), "Report", &albero_rows());
    // An indicator without a value and without a decision.
    let mut rows = albero_rows();
    rows[10].retain(|(c, _)| *c != 11);
    write_sheet(&dir.join("ente.xlsx"), "Report", &rows);
    assert_eq!(status(&carte(&dir, &cfg), "Tutti gli obiettivi e gli indicatori"), "non soddisfatto");
}

#[test]
fn every_indicator_below_its_target_counts_not_only_those_below_the_threshold() {
    // 9,6 of 10: above the 95 % threshold, below the target.
    let mut rows = albero_rows();
    rows[7][3] = (11, C::T("9,6 N."));
    let dir = albero_dir("carte-sotto-target", &rows);
    let cfg = config(&dir, "smvp:\n  soglia_spiegazioni: 95\n");
    let c = carte(&dir, &cfg);
    assert_eq!(status(&c, "Ogni scostamento"), "da verificare");
    assert!(c.criteri.iter().any(|x| x.dettagli.iter().any(|d| d.starts_with("«101.S1» (96,00 %)"))));
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    std::fs::write(dir.join("testi/scostamenti.md"), "## 101.S1\n\nUn dipendente in meno per tre mesi.\n")
        .unwrap();
    assert_eq!(status(&carte(&dir, &cfg), "Ogni scostamento"), "verificato");
}

#[test]
fn the_proposal_follows_from_the_criteria() {
    let dir = albero_dir("carte-proposta", &albero_rows());
    let cfg = config(&dir, "");
    let c = carte(&dir, &cfg);
    // Criteria to verify, none essential not satisfied.
    assert!(c.criteri.iter().filter(|x| x.essenziale).all(|x| x.stato != "non soddisfatto"));
    assert_eq!(c.validazione.proposta, "validata con osservazioni");
    // One essential criterion turned red: an indicator below the threshold without explanation.
    let mut rows = albero_rows();
    rows[7][3] = (11, C::T("5 N."));
    write_sheet(&dir.join("ente.xlsx"), "Report", &rows);
    let c = carte(&dir, &cfg);
    assert_eq!(status(&c, "Ogni scostamento"), "non soddisfatto");
    assert_eq!(c.validazione.proposta, "non validata");
    assert!(c.validazione.motivo.contains("«Ogni scostamento dal target è evidenziato e motivato»"));
    // The document stays a draft until the OIV records its conclusion, whatever the proposal.
    assert!(c.validazione.bozza && c.validazione.conclusione.is_none());
    // A conclusion other than «validata» gives its reasons: without observations it is a draft.
    std::fs::write(dir.join("decisioni.yaml"), "validazione:\n  conclusione: non_validata\n").unwrap();
    let c = carte(&dir, &cfg);
    assert_eq!(c.validazione.conclusione_frase, Some("non è validata"));
    assert!(
        c.validazione.da_completare.iter().any(|d| d.starts_with("le osservazioni dell'OIV")),
        "{:?}",
        c.validazione
    );
}

#[test]
fn a_signatory_or_an_act_on_two_lines_is_refused() {
    let dir = albero_dir("carte-firmatari", &albero_rows());
    for yaml in ["ciclo:\n  oiv:\n    - nome: \"dott.ssa\\nAnna\"\n", "ente2: x\n"] {
        let cfg = config(&dir, yaml);
        let loaded = relazione::inputs::config::Config::load(&cfg);
        assert!(loaded.is_err(), "{yaml}");
    }
    let cfg = config(&dir, "ciclo:\n  oiv:\n    - nome: \"dott.ssa\\nAnna\"\n");
    let e = relazione::inputs::config::Config::load(&cfg).unwrap_err().to_string();
    assert!(e.contains("«ciclo.oiv[1].nome»: contiene a capo o caratteri di controllo"), "{e}");
}

/// The working papers say which version of the inputs the OIV examined: the same inputs give the
/// same fingerprint in another folder; one changed word gives another, printed in the papers and in
/// the validation outcome.
#[test]
fn the_papers_name_the_version_of_the_inputs_they_examined() {
    let a = albero_dir("impronta-a", &albero_rows());
    let b = scratch("impronta-b");
    std::fs::copy(a.join("ente.xlsx"), b.join("ente.xlsx")).unwrap();
    std::fs::create_dir_all(a.join("testi")).unwrap();
    std::fs::create_dir_all(b.join("testi")).unwrap();
    std::fs::write(a.join("testi/premessa.md"), "Una premessa.").unwrap();
    std::fs::write(b.join("testi/premessa.md"), "Una premessa.").unwrap();
    let (ca, cb) = (config(&a, ""), config(&b, ""));
    let fingerprint = |dir: &std::path::Path, cfg: &std::path::Path| carte(dir, cfg).versione.impronta;
    let first = fingerprint(&a, &ca);
    assert_eq!(first.len(), 64, "{first}");
    assert_eq!(first, fingerprint(&b, &cb), "the same inputs in another folder");
    std::fs::write(b.join("testi/premessa.md"), "Una premessa diversa.").unwrap();
    let changed = fingerprint(&b, &cb);
    assert_ne!(first, changed, "a changed text");
    let out = out_beside(&b);
    let run = build(&b, &cb, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("Esito_validazione_2024_Prova.json")).unwrap())
            .unwrap();
    assert_eq!(record["impronta_dati"], changed.as_str());
    needs!("pdftotext");
    let papers = flat(&pdf_text(&out.join("Carte_di_lavoro_OIV_2024_Prova.pdf")));
    assert!(papers.contains(&changed), "the papers do not print the fingerprint");
}
