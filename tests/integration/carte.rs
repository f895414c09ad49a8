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
    assert!(c.criteri.iter().any(|x| x.dettagli.contains(&"«101.S1»: nessuna spiegazione".to_string())));

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
    assert!(
        c.criteri[0].dettagli.iter().any(|d| d.contains("«101.S1»: calcolato 100,00 %, piattaforma 50,00 %")),
        "{:?}",
        c.criteri[0].dettagli
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
        if name == "carte_oiv.typ.j2" || !name.ends_with(".j2") {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap();
        for field in ["rilievi", "calcolate", "incoerenze", "carte_oiv", "con_target_sotto_precedente"] {
            assert!(!text.contains(field), "{name} reads «{field}», a field of the OIV's working papers");
        }
    }
}
