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
