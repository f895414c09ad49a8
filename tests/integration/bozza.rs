//! Draft until complete: sample texts, missing explanations and unverified warnings make a draft
//! marked on every page; `--definitiva` refuses with the same list; complete inputs give a final
//! PDF with no mark.

use crate::common::*;

#[test]
fn the_shipped_samples_give_a_draft_marked_on_every_page() {
    needs!("pdftotext", "pdfinfo");
    let b = modena_build();
    let pages: Vec<&str> = b.text().split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert!(pages.len() > 40);
    for (i, p) in pages.iter().enumerate() {
        assert!(p.contains("BOZZA"), "page {} without the draft mark", i + 1);
    }
    let text = flat(b.text());
    assert!(text.contains("DA COMPLETARE"), "no list of open items");
    // A draft has not been approved: the configured date is not printed as an approval, in the PDF
    // or on any page of the web edition.
    assert!(!text.contains("Approvata il"), "a draft states an approval");
    for page in std::fs::read_dir(b.out.join("sito")).unwrap().flatten() {
        if page.path().extension().is_some_and(|x| x == "html") {
            let html = std::fs::read_to_string(page.path()).unwrap();
            assert!(!html.contains("Approvata il"), "{}", page.path().display());
        }
    }
    assert!(text.contains("data/testi/premessa.md"), "files named from the data's folder");
    assert!(!text.contains(env!("CARGO_TARGET_TMPDIR")), "a local path in the document");
    for expected in [
        "da scrivere: è il testo di esempio: sostituirlo con il testo dell'Ente",
        "da scrivere (riga 7): la spiegazione dell'indicatore «701.S1» è un testo di esempio: sostituirla",
        "da verificare (foglio «Obiettivi individuali», cella C55): obiettivo individuale «MISURE ANTICORR.»",
    ] {
        assert!(text.contains(expected), "missing «{expected}»");
    }
    let info = tool("pdfinfo", &[b.pdf.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&info.stdout)
            .contains("Title:           BOZZA – Relazione sulla performance 2024")
    );
}

#[test]
fn definitiva_refuses_while_anything_is_open_and_check_lists_the_same() {
    let dir = modena_data("definitiva");
    let data = dir.join("data");
    let out = dir.join("out");
    let run = build_with(&data, &manifest().join("relazione.yaml"), &out, &["--definitiva"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!out.join("Relazione_performance_2024_Modena.pdf").exists());
    let list = format!(
        "{}:\n  - [da scrivere] riga 7: la spiegazione dell'indicatore «701.S1» è un testo di esempio: sostituirla\n",
        data.join("testi/scostamenti.md").display()
    );
    assert!(
        run.stderr.contains("la Relazione non può essere definitiva: 24 voci da completare"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&list), "{}", run.stderr);
    let check = relazione(&["check", "--data", data.to_str().unwrap()]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(check.stderr.contains("Da completare prima della Relazione definitiva: 24 voci da completare"));
    assert!(check.stderr.contains(&list), "{}", check.stderr);
}

#[test]
fn complete_inputs_give_a_final_report_without_marks() {
    needs!("pdftotext");
    let dir = albero_dir("completa", &albero_rows());
    let cfg = config(
        &dir,
        "data_approvazione: 27/05/2025\nsmvp:\n  overshooting: {soglia: 110}\nciclo:\n  atti:\n    - atto: Approvazione del PIAO 2024-2026\n      \
         tipo: piao\n      data: 31/01/2024\n      estremi: delibera n. 12\n    - atto: Approvazione del bilancio d'esercizio 2024\n      \
         tipo: bilancio\n      data: 29/04/2025\n    - atto: Approvazione della Relazione sulla performance 2024\n      tipo: relazione\n      \
         data: 27/05/2025\n    - atto: Validazione dell'OIV\n      tipo: validazione\n      data: 10/06/2025\n  oiv:\n    - nome: dott.ssa Anna Bianchi\n\
         pubblicazione:\n  dati_aperti: https://dati.esempio.it/prova/2024\n",
    );
    let with_ipa = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("  nome_breve: Prova\n", "  nome_breve: Prova\n  codice_ipa: cciaa_pr\n");
    std::fs::write(&cfg, with_ipa).unwrap();
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    for (name, text) in [
        ("premessa.md", "La Camera presenta i risultati del 2024."),
        ("contesto.md", "Il contesto è descritto nel Piano."),
        ("processo.md", "Il processo ha seguito il calendario del Sistema."),
        ("customer_satisfaction.md", "Gli utenti hanno valutato i servizi con un questionario."),
        ("bilancio_di_genere.md", "Il Comitato unico di garanzia ha seguito il piano delle azioni positive."),
    ] {
        std::fs::write(dir.join("testi").join(name), text).unwrap();
    }
    // The sections the law requires, from the «Tabelle della Relazione» layout.
    let tables: Vec<Vec<(u16, C)>> = vec![
        vec![(0, C::T("Sezione")), (1, C::T("Tabella")), (2, C::T("Voce")), (3, C::T("2024"))],
        vec![
            (0, C::T("personale")),
            (1, C::T("Personale per categoria")),
            (2, C::T("Totale")),
            (3, C::N(12.0)),
        ],
        vec![
            (0, C::T("customer_satisfaction")),
            (1, C::T("Indagine")),
            (2, C::T("Soddisfatti")),
            (3, C::P(0.9)),
        ],
        vec![
            (0, C::T("bilancio_di_genere")),
            (1, C::T("Analisi di genere")),
            (2, C::T("% donne")),
            (3, C::P(0.6)),
        ],
    ];
    write_sheet(&dir.join("tabelle.xlsx"), "Tabelle", &tables);
    // The chapters this small plan has no data for: verified omissions, each by its whole text.
    let omitted = [
        "3.3.1 Stato di salute: omesso, mancano i dati di bilancio (conto economico e stato patrimoniale)",
        "3.3.2 Benchmarking: omesso, mancano il cruscotto Pareto",
        "4. Obiettivi individuali: omesso, mancano gli obiettivi individuali",
        "Allegato 4: omesso, mancano il report delle unità organizzative",
        "Allegato 6 (serie storica dei KPI): omesso, mancano la serie storica dei KPI",
        "le tabelle delle risorse promozionali (3.1): omesso, mancano il file delle risorse promozionali",
    ];
    let mut yaml = String::from("verificati:\n");
    for t in omitted {
        yaml.push_str(&format!("  - testo: \"{t}\"\n    motivazione: L'Ente non rileva questi dati\n"));
    }
    yaml.push_str(
        "  - testo: \"2 indicatori senza fonte dichiarata (colonna «Fonte»): 101.S1, 101.A1\"\n    \
         motivazione: Fonte interna per tutti, verificata dall'OIV\n",
    );
    std::fs::write(dir.join("verifiche.yaml"), yaml).unwrap();
    let out = out_beside(&dir);
    let run = build_with(&dir, &cfg, &out, &["--definitiva"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = pdf_text(&out.join("Relazione_performance_2024_Prova.pdf"));
    assert!(!text.contains("BOZZA") && !text.contains("Da completare"), "{text}");
    assert!(!text.to_lowercase().contains("testo di esempio"));
    // None of the notes a reviewer found in a draft: no inline «Da completare», no sample, no
    // cross-check of the OIV, no internal code in the citizens' summary.
    for note in [
        "Da completare:",
        "Spiegazione di esempio",
        "la tabella pubblicata riporta",
        "ne individua",
        "Rilievi",
    ] {
        assert!(!text.contains(note), "«{note}» in the final Relazione");
    }
    let sintesi =
        &text[text.find("SINTESI PER I CITTADINI").expect("the summary")..text.find("PREMESSA").unwrap()];
    assert!(!sintesi.contains("101.S1") && sintesi.contains("Il piano aveva"), "{sintesi}");
    let text = flat(&text);
    assert!(text.contains("3.4 Bilancio di genere") && text.contains("% donne 60,00 %"), "{text}");
    assert!(text.contains("31/01/2024 Approvazione del PIAO 2024-2026 delibera n. 12"), "{text}");
    assert!(text.contains("dott.ssa Anna Bianchi"), "{text}");
    assert!(text.contains("10/06/2025 Validazione dell'OIV"), "{text}");
    assert!(text.contains("Il Comitato unico di garanzia ha seguito il piano delle azioni positive."));
    assert!(text.contains("Approvata il 27/05/2025"), "the final Relazione states its approval");
    let index = std::fs::read_to_string(out.join("sito/index.html")).unwrap();
    assert!(index.contains("Approvata il 27/05/2025"), "{index}");

    // The OIV's validation document: a draft, visibly in its tagged text, until the OIV records its
    // conclusion and the configuration gives the place.
    let validation = out.join("Documento_di_validazione_2024_Prova.pdf");
    let text = flat(&pdf_text(&validation));
    assert!(text.contains("BOZZA: questo documento non può ancora essere firmato"), "{text}");
    assert!(
        text.contains("il luogo della validazione") && text.contains("la conclusione dell'OIV"),
        "{text}"
    );
    let yaml = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("  nome_breve: Prova\n", "  nome_breve: Prova\n  sede: Prova\n");
    std::fs::write(&cfg, yaml).unwrap();
    std::fs::write(
        dir.join("decisioni.yaml"),
        "validazione:\n  conclusione: validata\n  osservazioni: Si raccomanda di indicare le fonti esterne.\n",
    )
    .unwrap();
    let run = build_with(&dir, &cfg, &out, &["--definitiva"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = flat(&pdf_text(&validation));
    assert!(
        !text.contains("BOZZA") && !text.contains("Da completare") && !text.contains("da indicare"),
        "{text}"
    );
    for expected in [
        "l’OIV conclude: la Relazione sulla performance 2024 è validata.",
        "Osservazioni dell’OIV: Si raccomanda di indicare le fonti esterne.",
        "Prova, 10/06/2025",
        "dott.ssa Anna Bianchi",
        "Approvazione della Relazione sulla performance 2024 del 27/05/2025",
    ] {
        assert!(text.contains(expected), "missing «{expected}»: {text}");
    }
    let info = String::from_utf8(tool("pdfinfo", &[validation.to_str().unwrap()]).stdout).unwrap();
    assert!(
        info.contains("Title:           Documento di validazione della Relazione sulla performance 2024"),
        "{info}"
    );
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("Esito_validazione_2024_Prova.json")).unwrap())
            .unwrap();
    assert_eq!(record["esito"], "validata");
    assert_eq!(record["stato_documento"], "definitivo");
    assert_eq!(record["data"], "2025-06-10");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn every_deviation_needs_its_cause_control_and_actions() {
    needs!("pdftotext");
    let b = modena_build();
    let text = flat(b.text());
    // The sample's fields, printed in 3.3 (it is still a sample: the draft says so).
    assert!(
        text.contains(
            "Causa avvio ritardato del nuovo servizio telematico Dipendenza dall’Ente causa interna"
        ),
        "{text}"
    );
    let dir = modena_data("campi-scostamenti");
    let md = dir.join("data/testi/scostamenti.md");
    std::fs::write(&md, "## 701.S1\n\nSpiegata a voce.\n\n## OC_TBS_03\n\nCausa: x\nDipendenza: forse\nAzioni correttive: y\n").unwrap();
    let check = relazione(&["check", "--data", dir.join("data").to_str().unwrap()]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    for expected in [
        "riga 3: spiegazione dell'indicatore «701.S1»: manca la riga «Causa: …»",
        "riga 3: spiegazione dell'indicatore «701.S1»: manca la riga «Dipendenza: …»",
        "riga 3: spiegazione dell'indicatore «701.S1»: manca la riga «Azioni correttive: …»",
        "spiegazione dell'indicatore «OC_TBS_03»: «Dipendenza: forse», attesa «interna» o «esterna»",
    ] {
        assert!(check.stderr.contains(expected), "missing «{expected}»: {}", check.stderr);
    }
}

/// Every section of the Relazione takes the Ente's own words from its file in `testi/`, printed
/// in the section (in the order of the document); the sections the guidelines require are draft
/// items while their text is missing, and so are the acts chapter 5 must cite.
#[test]
fn every_section_takes_a_text_and_the_required_ones_are_draft_items_when_missing() {
    needs!("pdftotext");
    let dir = modena_data("sezioni");
    let data = dir.join("data");
    let check = relazione(&["check", "--data", data.to_str().unwrap()]);
    for required in ["customer_satisfaction.md", "bilancio_di_genere.md"] {
        assert!(
            check
                .stderr
                .contains(&format!("testi/{required}:\n  - [da scrivere] testo mancante: la sezione")),
            "{required}: {}",
            check.stderr
        );
    }
    for tipo in ["piao", "bilancio", "relazione", "validazione"] {
        assert!(check.stderr.contains(&format!("con «tipo: {tipo}»")), "{tipo}: {}", check.stderr);
    }
    for slot in relazione::inputs::testi::SLOTS {
        let words = format!("Parole dell'Ente per la sezione {}.", slot.chiave.replace('_', " "));
        std::fs::write(data.join("testi").join(format!("{}.md", slot.chiave)), words).unwrap();
    }
    let out = dir.join("out");
    let run = build(&data, &manifest().join("relazione.yaml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("testo mancante"), "{}", run.stderr);
    let text = flat(&pdf_text(&out.join("Relazione_performance_2024_Modena.pdf")));
    let mut last = 0;
    for slot in relazione::inputs::testi::SLOTS {
        let words = format!("Parole dell'Ente per la sezione {}.", slot.chiave.replace('_', " "));
        let at = text.find(&words).unwrap_or_else(|| panic!("«{}» not printed", slot.chiave));
        assert!(at > last, "«{}» printed out of the document's order", slot.chiave);
        last = at;
    }
}
