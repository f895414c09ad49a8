//! The PDF end to end: the real binary on the Modena fixture and on hostile inputs, read back with
//! poppler (`pdftotext`, `pdfinfo`, `pdffonts`) and qpdf, which `make test` installs.

use crate::common::*;
use std::path::{Path, PathBuf};

fn modena_pdf() -> &'static PathBuf {
    &modena_build().pdf
}

#[test]
fn the_pdf_shows_the_published_figures() {
    needs!("pdftotext");
    let text = flat(&pdf_text(modena_pdf()));
    let expected: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(modena().join("expected.yaml")).unwrap()).unwrap();
    let pct = |v: &serde_yaml::Value| relazione::value::format_number(v.as_f64().unwrap(), 2) + " %";
    assert!(
        text.contains(&format!(
            "di Ente del {} è pari al {}",
            expected["meta"]["anno"].as_i64().unwrap(),
            pct(&expected["ente"]["result"])
        )),
        "Ente"
    );
    for a in expected["ambiti"].as_sequence().unwrap() {
        assert!(text.contains(&pct(&a["result"])), "ambito {:?}", a["code"]);
    }
    for os in expected["obiettivi_strategici"].as_sequence().unwrap() {
        let code = os["code"].as_str().unwrap();
        let row = format!("{code} – ");
        assert!(text.contains(&row), "OS {code}");
        assert!(text.contains(&pct(&os["result"])), "OS {code} {}", pct(&os["result"]));
    }
}

#[test]
fn every_indicator_code_of_allegato_1_is_printed() {
    needs!("pdftotext");
    let text = pdf_text(modena_pdf());
    let scored = modena_scored();
    let annex =
        &text[text.find("Allegato 1. Report performance organizzativa di Ente\n").expect("annex 1")..];
    let mut missing = Vec::new();
    scored.report.albero.as_ref().unwrap().walk(&mut |n| {
        if n.level == relazione::model::Level::Indicatore && !annex.contains(&format!("{} – ", n.code)) {
            missing.push(n.code.clone());
        }
    });
    assert!(missing.is_empty(), "missing from Allegato 1: {missing:?}");
}

#[test]
fn the_explanations_of_indicators_below_95_are_printed() {
    needs!("pdftotext");
    let text = flat(&pdf_text(modena_pdf()));
    let md = std::fs::read_to_string(manifest().join("data/testi/scostamenti.md")).unwrap();
    for section in md.split("\n## ").skip(1) {
        let (code, body) = section.split_once('\n').unwrap();
        // The free text: not the marker comment, not the `Campo: valore` lines.
        let body: String = body
            .lines()
            .filter(|l| !l.trim().starts_with("<!--"))
            .filter(|l| !["Causa:", "Dipendenza:", "Azioni correttive:"].iter().any(|p| l.starts_with(p)))
            .collect::<Vec<_>>()
            .join("\n");
        let first_sentence = body.trim().split(". ").next().unwrap();
        assert!(text.contains(&flat(first_sentence)), "explanation of {code}");
    }
}

/// Every PDF of a run (the Relazione, the OIV's working papers and its validation document) is
/// tagged, archival (PDF/A-2b), accessible (PDF/UA-1), in Italian, with its fonts embedded.
#[test]
fn the_pdf_is_tagged_archival_and_embeds_its_fonts() {
    needs!("pdfinfo", "pdffonts", "qpdf");
    let out = modena_pdf().parent().unwrap().to_path_buf();
    for (file, title) in [
        ("Relazione_performance_2024_Modena.pdf", "BOZZA – Relazione sulla performance 2024"),
        (
            "Carte_di_lavoro_OIV_2024_Modena.pdf",
            "BOZZA – Carte di lavoro dell'OIV – Relazione sulla performance 2024",
        ),
        (
            "Documento_di_validazione_2024_Modena.pdf",
            "BOZZA – Documento di validazione della Relazione sulla performance 2024",
        ),
    ] {
        // Drafts (the sample texts, no OIV conclusion): their titles say so.
        pdf_is_archival(&out.join(file), &format!("{title} – Camera di commercio di Modena"));
    }
}

fn pdf_is_archival(pdf: &std::path::Path, title: &str) {
    let pdf = pdf.to_str().unwrap().to_string();
    let info = String::from_utf8(tool("pdfinfo", &[&pdf]).stdout).unwrap();
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(info.contains(&format!("Title:           {title}")), "{info}");
    let meta = String::from_utf8(tool("pdfinfo", &["-meta", &pdf]).stdout).unwrap();
    assert!(meta.contains("<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>"));
    assert!(meta.contains("<pdfuaid:part>1</pdfuaid:part>"));
    assert!(meta.contains("<rdf:li>it-IT</rdf:li>"));
    let fonts = String::from_utf8(tool("pdffonts", &[&pdf]).stdout).unwrap();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty());
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cols[cols.len() - 5], "yes", "font not embedded: {row}");
    }
    let check = tool("qpdf", &["--check", &pdf]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
}

#[test]
fn two_runs_give_the_same_bytes() {
    let data = modena_data("deterministico");
    let cfg = manifest().join("relazione.yaml");
    let (a, b) = (data.parent().unwrap().join("a"), data.parent().unwrap().join("b"));
    assert_eq!(build(&data, &cfg, &a).code, 0);
    assert_eq!(build(&data, &cfg, &b).code, 0);
    let name = "Relazione_performance_2024_Modena.pdf";
    assert!(std::fs::read(a.join(name)).unwrap() == std::fs::read(b.join(name)).unwrap(), "PDFs differ");
}

#[test]
fn spreadsheet_text_renders_literally() {
    needs!("pdftotext");
    let nasty = [
        "#read(\"/etc/passwd\")",
        "*grassetto* _corsivo_ $x^2$ @etichetta <ancora> ] [ \\ `codice` // commento",
        "=HYPERLINK(\"http://x\",\"y\")",
        "#set page(width: 1cm) = Titolo",
    ];
    let mut rows = albero_rows();
    rows[4][1] = (1, C::T("1 - #read(\"/etc/passwd\")"));
    rows[5][1] =
        (3, C::T("101 - *grassetto* _corsivo_ $x^2$ @etichetta <ancora> ] [ \\ `codice` // commento"));
    rows[7][1] = (9, C::T("101.S1 - =HYPERLINK(\"http://x\",\"y\")"));
    rows[9][1] = (7, C::T("101.A - #set page(width: 1cm) = Titolo"));
    let dir = albero_dir("iniezione", &rows);
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = flat(&pdf_text(&out.join("Relazione_performance_2024_Prova.pdf")));
    for s in nasty {
        assert!(text.contains(&flat(s)), "not literal: {s}\n{text}");
    }
    assert!(!text.contains("root:"), "a file was read");
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn a_failed_run_leaves_the_previous_report_intact() {
    let dir = albero_dir("intatto", &albero_rows());
    let cfg = config(&dir, "");
    let out = out_beside(&dir);
    assert_eq!(build(&dir, &cfg, &out).code, 0);
    let before = snapshot(&out);
    assert!(before.len() >= 3, "PDF, workbook and open data expected");
    let mut rows = albero_rows();
    rows[7][2] = (10, C::T(">= tanti N."));
    write_sheet(&dir.join("ente.xlsx"), "Report", &rows);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 1);
    assert!(snapshot(&out) == before, "out/ changed after a failed run");
}

#[test]
fn template_overrides_replace_one_file_and_errors_point_into_them() {
    needs!("pdftotext");
    let root = scratch("override");
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    write_sheet(&data.join("ente.xlsx"), "Report", &albero_rows());
    let cfg = config(&root, "");
    let templates = root.join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    let out = root.join("out");

    std::fs::write(
        templates.join("contesto.typ.j2"),
        "= 2. Contesto\n\nTesto sostituito dal modello locale.\n",
    )
    .unwrap();
    let run = build(&data, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        flat(&pdf_text(&out.join("Relazione_performance_2024_Prova.pdf")))
            .contains("Testo sostituito dal modello locale.")
    );

    std::fs::write(templates.join("contesto.typ.j2"), "= 2. Contesto\n\n{% if %}\n").unwrap();
    let run = build(&data, &cfg, &out);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "errore nel modello {}, riga 3: errore di sintassi",
            templates.join("contesto.typ.j2").display()
        )),
        "{}",
        run.stderr
    );

    // Even a template cannot read files: the Typst world holds only the generated source.
    std::fs::write(templates.join("contesto.typ.j2"), "= 2. Contesto\n\n#read(\"/etc/hostname\")\n").unwrap();
    let run = build(&data, &cfg, &out);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("file non accessibile: il documento non legge file dal disco"),
        "{}",
        run.stderr
    );

    std::fs::write(templates.join("contesto.typ.j2"), "= 2. Contesto\n\n#funzione-inesistente()\n").unwrap();
    let run = build(&data, &cfg, &out);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("(testo prodotto dal modello contesto.typ.j2), «funzione-inesistente»: nome sconosciuto «funzione-inesistente»"),
        "{}",
        run.stderr
    );
}

/// The method block of chapter 3, each line as printed.
fn method_lines(text: &str) -> Vec<String> {
    let start = text.find("Come si calcolano i risultati").expect("method block");
    let end = start + text[start..].find("3.0 Albero").expect("end of the method block");
    text[start..end].split("• ").skip(1).map(|l| l.trim().to_string()).collect()
}

/// Each chamber's method says what its SMVP and its tree are, and nothing another chamber's
/// would: Modena's platform rule, groups and weighted ambiti; the step-scale chamber's bands,
/// its two indicators with a rule of their own, its deadline and its missing value, the Ente
/// as a plain mean of the OS. (The scorecard's is pinned in `piatto`.)
#[test]
fn the_method_is_written_from_each_chambers_rules_and_tree() {
    needs!("pdftotext");
    let modena = method_lines(&flat(modena_build().text()));
    assert_eq!(
        modena,
        [
            "Indicatori: proporzionale, massimo 100 %.",
            "Indicatori a scadenza: rispettata 100, in ritardo 0.",
            "Obiettivo operativo: media ponderata, con i pesi del piano, dei risultati per indicatore.",
            "Obiettivo strategico: media ponderata, con i pesi del piano, dei risultati per gruppo (indicatori propri e \
             obiettivi operativi), ciascun gruppo con il suo peso e con la stessa media sui suoi elementi.",
            "Ambito strategico: media ponderata, con i pesi del piano, dei risultati per obiettivo strategico.",
            "Ente: media ponderata dei risultati per ambito strategico.",
        ]
    );
    let fixture = manifest().join("tests/fixtures/smvp-fasce");
    let out = scratch("metodo-fasce");
    let run = build(&fixture, &fixture.join("relazione.yaml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fasce = method_lines(&flat(&pdf_text(&out.join("Relazione_performance_2024_Esempio.pdf"))));
    assert_eq!(
        fasce[..6],
        [
            "Indicatori (salvo quelli indicati di seguito): fasce: ≥ 99 % → 100; ≥ 80 % → 80; ≥ 60 % → 60; sotto 60 % → 0.",
            "Indicatore «10.A1»: fasce: ≥ 99 % → 100; ≥ 80 % → 80; ≥ 60 % → 60; sotto 70 % → 0.",
            // 20.S2's own rule is the default one in effect (its minimum, 50 %, is below the last
            // band): it is not listed apart.
            "Indicatori a scadenza: rispettata 100, in ritardo 0.",
            // Its one missing value (20.S3) was excluded by the Giunta, not by the rule: no line
            // on missing values.
            "Obiettivo operativo: media ponderata, con i pesi del piano, dei risultati per indicatore.",
            "Obiettivo strategico: media ponderata, con i pesi del piano, dei risultati per gruppo (indicatori propri e \
             obiettivi operativi), ciascun gruppo con il suo peso e con la stessa media sui suoi elementi.",
            "Ambito strategico: media ponderata, con i pesi del piano, dei risultati per obiettivo strategico.",
        ]
    );
    assert_eq!(fasce.last().unwrap(), "Ente: media semplice dei risultati per obiettivo strategico.");
    // Nothing of one is said of the other.
    assert!(!modena.iter().any(|l| l.contains("fasce") || l.contains("Valori mancanti") || l.contains("«")));
    assert!(!fasce.iter().any(|l| l.contains("Valori mancanti")));
    assert!(!fasce.iter().any(|l| l.contains("proporzionale") || l.contains("ambito strategico.")));
}

/// Four classes with the SMVP's names (one colour given), and an explanation threshold of their
/// own: every count, label, colour and «sotto il» comes from them.
#[test]
fn any_number_of_classes_with_the_smvps_names_and_colours() {
    needs!("pdftotext");
    let src = manifest().join("tests/fixtures/smvp-fasce");
    let dir = scratch("quattro-classi");
    for f in ["indicatori.xlsx", "decisioni.yaml"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let config = std::fs::read_to_string(src.join("relazione.yaml")).unwrap().replace(
        "  ente: media_obiettivi_strategici\n",
        "  ente: media_obiettivi_strategici\n  soglia_spiegazioni: 75\n  semaforo:\n    classi:\n      \
         - {da: 90, etichetta: Pienamente raggiunto}\n      - {da: 80, etichetta: Raggiunto}\n      \
         - {da: 70, etichetta: Parzialmente raggiunto, colore: \"#1F4E78\"}\n      - {da: 0, etichetta: Non raggiunto}\n",
    );
    std::fs::write(dir.join("relazione.yaml"), config).unwrap();
    let out = out_beside(&dir);
    let run = build(&dir, &dir.join("relazione.yaml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = flat(&pdf_text(&out.join("Relazione_performance_2024_Esempio.pdf")));
    // OS 10 at 74, 20 at 85, 21 at 90 (the OIV's): one in each of the first three classes.
    for expected in [
        "Su 3 obiettivi strategici, 1 ha il giudizio migliore: «Pienamente raggiunto (≥ 90 %)».",
        "Pienamente raggiunto (≥ 90 %) 1 33,33 %",
        "Raggiunto (80–90 %) 1 33,33 %",
        "Parzialmente raggiunto (70–80 %) 1 33,33 %",
        "Non raggiunto (< 70 %) 0 0,00 %",
        "Sotto il 75 %",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in {text}");
    }
    assert!(!text.contains("Sotto il 95") && !text.contains("Raggiunti"), "{text}");
    let css = std::fs::read_to_string(out.join("sito/stile.css")).unwrap();
    assert!(
        css.contains(".esito-classe-3 .pallino, svg.barra .banda-classe-3 { background: #1F4E78;"),
        "{css}"
    );
    assert!(css.contains(".esito-classe-4 .pallino"), "{css}");
    let home = std::fs::read_to_string(out.join("sito/obiettivi.html")).unwrap();
    assert!(home.contains("<span class=\"banda\">(Parzialmente raggiunto)</span>"), "{home}");
    use calamine::{Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(out.join("Risultati_performance_2024_Esempio.xlsx")).unwrap();
    let albero = wb.worksheet_range("Albero").unwrap();
    let classes: Vec<String> =
        albero.rows().skip(1).map(|r| r[11].to_string()).filter(|c| !c.is_empty()).collect();
    assert!(classes.iter().any(|c| c == "Parzialmente raggiunto"), "{classes:?}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn the_second_smvp_renders_its_decisions() {
    needs!("pdftotext");
    let fixture = manifest().join("tests/fixtures/smvp-fasce");
    let out = scratch("fasce-pdf");
    let run = build(&fixture, &fixture.join("relazione.yaml"), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = flat(&pdf_text(&out.join("Relazione_performance_2024_Esempio.pdf")));
    assert!(text.contains("La performance di Ente del 2024 è pari all'83,00 % (media semplice dei risultati per obiettivo strategico)"), "{text}");
    assert!(
        text.contains("20.S3 – Indagine di gradimento 20,00 % ≥ 80,00 % N/D escluso (cassato)"),
        "{text}"
    );
    // The Giunta's decision is the Giunta's, the OIV's the OIV's.
    assert!(
        text.contains("escluso (cassato) dalla Giunta: il peso è ridistribuito sugli altri elementi"),
        "{text}"
    );
    assert!(text.contains("risultato 100,00 % dall'OIV (calcolato 80,00 %)"), "{text}");
    assert!(text.contains("Decisioni su obiettivi e indicatori"), "{text}");
    assert!(!text.contains("Decisioni dell'OIV"), "{text}");
    assert!(text.contains("Valutazione: Eccellente"));
}

/// A word and its box: x min, y min, x max, y max, text.
type WordBox = (f64, f64, f64, f64, String);

/// Every word of a PDF with its box, page by page, as `pdftotext -bbox` reads them.
fn word_boxes(pdf: &std::path::Path) -> Vec<Vec<WordBox>> {
    let out = crate::common::tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let html = String::from_utf8(out.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let i = tag.find(&key).unwrap() + key.len();
        tag[i..i + tag[i..].find('"').unwrap()].parse().unwrap()
    };
    html.split("<page ")
        .skip(1)
        .map(|page| {
            page.split("<word ")
                .skip(1)
                .map(|w| {
                    let (tag, rest) = w.split_once('>').unwrap();
                    let text = rest.split('<').next().unwrap().to_string();
                    (attr(tag, "xMin"), attr(tag, "yMin"), attr(tag, "xMax"), attr(tag, "yMax"), text)
                })
                .collect()
        })
        .collect()
}

/// A figure too wide for its cell is drawn over its neighbour («18.231.161.719,00 €» over the
/// deviation, «Target» into «Raggiungimento»), or a heading runs into the next («Altre» touching
/// «Agricoltura»): no two words on one line may overlap, and no two words of letters may sit
/// closer than a thin space (a space is over 1 pt even in the smallest type), on any page of the
/// Relazione or of the OIV's working papers.
#[test]
fn no_word_is_drawn_over_another() {
    needs!("pdftotext");
    let b = modena_build();
    let carte = b.out.join("Carte_di_lavoro_OIV_2024_Modena.pdf");
    let validation = b.out.join("Documento_di_validazione_2024_Modena.pdf");
    let mut overlaps = Vec::new();
    for pdf in [&b.pdf, &carte, &validation] {
        for (n, words) in word_boxes(pdf).iter().enumerate() {
            for (i, a) in words.iter().enumerate() {
                for c in &words[i + 1..] {
                    let height = (a.3 - a.1).min(c.3 - c.1);
                    let same_line = a.3.min(c.3) - a.1.max(c.1) > 0.5 * height;
                    let across = a.2.min(c.2) - a.0.max(c.0);
                    if same_line && across > 0.5 {
                        overlaps.push(format!("{} p. {}: «{}» over «{}»", pdf.display(), n + 1, a.4, c.4));
                    }
                    let letters = |w: &str| w.chars().all(char::is_alphabetic);
                    if same_line && across <= 0.5 && -across < 0.8 && letters(&a.4) && letters(&c.4) {
                        overlaps.push(format!("{} p. {}: «{}» touches «{}»", pdf.display(), n + 1, a.4, c.4));
                    }
                }
            }
        }
    }
    assert!(overlaps.is_empty(), "{overlaps:#?}");
}

/// The headings of a PDF from its outline: (title, page from 1, top of the heading in points from
/// the top of the page), as qpdf reads the bookmarks Typst writes for them.
fn outline_headings(pdf: &std::path::Path) -> Vec<(String, usize, f64)> {
    let out = crate::common::tool("qpdf", &["--json", "--json-key=outlines", pdf.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found = Vec::new();
    fn walk(items: &serde_json::Value, found: &mut Vec<(String, usize, f64)>) {
        for item in items.as_array().into_iter().flatten() {
            let page = item["destpageposfrom1"].as_u64().unwrap() as usize;
            // A /XYZ destination: [page, /XYZ, left, top, zoom], top measured from the bottom.
            let top = A4_HEIGHT - item["dest"][3].as_f64().unwrap();
            found.push((item["title"].as_str().unwrap().to_string(), page, top));
            walk(&item["kids"], found);
        }
    }
    walk(&json["outlines"], &mut found);
    found
}

/// Height of an A4 page in points, and where the footer starts (the 2,2 cm bottom margin).
const A4_HEIGHT: f64 = 841.89;
const FOOTER_TOP: f64 = A4_HEIGHT - 62.36;

/// The headings of `pdf` left alone at the foot of a page, their text on the next one. The
/// heading's words are the first ones at or below its bookmark; anything else above the footer is
/// its text.
fn headings_alone(pdf: &std::path::Path) -> Vec<String> {
    let pages = word_boxes(pdf);
    let headings = outline_headings(pdf);
    assert!(headings.len() >= 5, "{}: {headings:?}", pdf.display());
    let mut alone = Vec::new();
    for (i, (title, page, top)) in headings.iter().enumerate() {
        let mut below: Vec<&WordBox> =
            pages[page - 1].iter().filter(|w| w.1 >= top - 2.0 && w.3 < FOOTER_TOP).collect();
        below.sort_by(|a, c| a.1.total_cmp(&c.1).then(a.0.total_cmp(&c.0)));
        let own = title.split_whitespace().count();
        if below.len() <= own && i + 1 < headings.len() {
            alone.push(format!("{} p. {page}: «{title}»", pdf.display()));
        }
    }
    alone
}

/// A heading left alone at the foot of a page reads as a defect: under every heading of both
/// PDFs something of its section follows on the same page.
#[test]
fn no_heading_is_left_at_the_foot_of_a_page() {
    needs!("pdftotext");
    let b = modena_build();
    let carte = b.out.join("Carte_di_lavoro_OIV_2024_Modena.pdf");
    let validation = b.out.join("Documento_di_validazione_2024_Modena.pdf");
    let alone: Vec<String> =
        [&b.pdf, &carte, &validation].into_iter().flat_map(|p| headings_alone(p)).collect();
    assert!(alone.is_empty(), "{alone:#?}");
}

/// The check above finds a heading pushed to the foot of a page: a page with a non-sticky heading
/// after a tall space, its text an unbreakable block that moves to the next page.
#[test]
fn the_heading_check_finds_a_heading_alone() {
    needs!("pdftotext");
    let source = r#"
#set document(title: [Prova])
#set text(lang: "it")
#set page(paper: "a4", margin: (x: 2cm, top: 2.4cm, bottom: 2.2cm))
#show heading: it => block(sticky: false, it.body)
= Premessa
Testo della premessa.
= Primo capitolo
Testo del primo capitolo.
= Secondo capitolo
#v(560pt)
= Titolo isolato in fondo
#block(breakable: false, height: 6cm)[#lorem(60)]
= Ultimo
Fine.
"#;
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let t = relazione::outputs::pdf::typeset::typeset(source, Default::default(), date, Default::default())
        .unwrap();
    let dir = crate::common::scratch("titolo-isolato");
    let pdf = dir.join("prova.pdf");
    std::fs::write(&pdf, t.pdf).unwrap();
    let alone = headings_alone(&pdf);
    assert_eq!(alone.len(), 1, "{alone:?}");
    assert!(alone[0].contains("p. 1: «Titolo isolato in fondo»"), "{alone:?}");
}

/// A Relazione too large for one file is published in parts: forced on Modena with a small part
/// size (the default keeps it whole). Nothing is lost or repeated but the headings a part
/// continues; each part is a tagged archival PDF that says which part it is; the first lists them
/// all, the web edition offers them all, and a later run in one piece removes the parts.
#[test]
fn a_relazione_too_large_for_one_file_is_published_in_parts() {
    needs!("pdftotext", "pdfinfo", "qpdf");
    let data = modena_data("parti");
    let cfg = manifest().join("relazione.yaml");
    let out = out_beside(&data.join("data"));
    let run = build_with(&data.join("data"), &cfg, &out, &["--parte-kb", "40"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut parts: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("Relazione_performance_2024_Modena"))
        .collect();
    parts.sort();
    let n = parts.len();
    assert!(n >= 4, "{parts:?}");
    assert_eq!(parts[0].file_name().unwrap(), "Relazione_performance_2024_Modena.pdf");
    let whole = modena_build().text();
    let texts: Vec<String> = parts.iter().map(|p| pdf_text(p)).collect();
    for (k, (pdf, text)) in parts.iter().zip(&texts).enumerate().skip(1) {
        let name = pdf.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name, format!("Relazione_performance_2024_Modena_parte_{}_di_{n}.pdf", k + 1));
        assert!(
            text.contains(&format!("Relazione sulla performance 2024 – parte {} di {n}", k + 1)),
            "{name}"
        );
        assert!(texts[0].contains(&name), "part 1 lists {name}");
        let info = String::from_utf8(tool("pdfinfo", &[pdf.to_str().unwrap()]).stdout).unwrap();
        assert!(info.contains("Tagged:          yes"), "{info}");
        assert!(info.contains(&format!("– parte {} di {n}", k + 1)), "{info}");
        let check = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
        assert!(check.status.success(), "{name}");
    }
    // Every objective and indicator is printed as many times as in the whole.
    let all = flat(&texts.concat());
    let scored = modena_scored();
    scored.report.albero.as_ref().unwrap().walk(&mut |node| {
        let row = format!("{} – ", node.code);
        assert!(
            whole.matches(&row).count() <= all.matches(&row).count(),
            "{} printed fewer times",
            node.code
        );
    });
    // Every word of the whole document is in the parts (lines wrap otherwise: a table cut
    // between parts sizes its columns to its own rows, and repeats its header on other pages).
    let in_parts: std::collections::HashSet<&str> = all.split(' ').collect();
    let joined = all.replace("- ", "");
    // Not the index (each part has its own) nor caption numbers (figures and tables are numbered
    // in each part, as the first part says).
    let body: Vec<&str> = whole.lines().filter(|l| !l.contains(". . .")).collect();
    let whole = flat(&body.join("\n"));
    let numbered = |w: &str| w.strip_suffix(':').is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
    let lost: Vec<&str> =
        whole.split(' ').filter(|w| !numbered(w) && !in_parts.contains(w) && !joined.contains(w)).collect();
    assert!(lost.is_empty(), "words lost in the parts: {lost:?}");
    // The web edition offers every part.
    let downloads = std::fs::read_dir(out.join("sito/documenti")).unwrap().count();
    assert!(downloads > n, "{downloads} downloads for {n} parts");
    // A Typst error in a later part names the part (its lines are that part's source's), and
    // nothing is replaced.
    let templates = data.join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("bozza.typ.j2"), "= Da completare\n\n#funzione-inesistente()\n").unwrap();
    let run = build_with(&data.join("data"), &cfg, &out, &["--parte-kb", "40"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The changed template changes the number of parts: the error names the last one, where the
    // draft chapter is, and its file.
    let k = (4..=n + 2)
        .find(|k| {
            run.stderr.contains(&format!(
                "parte {k} di {k} (Relazione_performance_2024_Modena_parte_{k}_di_{k}.pdf): impaginazione non riuscita"
            ))
        })
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(k.abs_diff(n) <= 2, "{k} parts against {n}");
    assert!(parts.iter().all(|p| p.exists()));
    std::fs::remove_dir_all(&templates).unwrap();
    // Built again in one piece: the parts of the previous run are gone, from out/ and the site.
    let run = build(&data.join("data"), &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for p in &parts[1..] {
        assert!(!p.exists(), "{} left behind", p.display());
        assert!(!out.join("sito/documenti").join(p.file_name().unwrap()).exists());
    }
}

/// The parts of a large Relazione are typeset by child processes (the binary; see `processi`),
/// two at a time: each is the same bytes as the same part typeset in one process (the library,
/// which starts no children), and so are the OIV's working papers typeset with them.
#[test]
fn parts_typeset_in_child_processes_are_the_bytes_typeset_in_one_process() {
    let data = modena_data("parti-figli");
    let cfg = manifest().join("relazione.yaml");
    let out = out_beside(&data.join("data"));
    let run = build_with(&data.join("data"), &cfg, &out, &["--parte-kb", "60"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let options = relazione::pipeline::Options { part_budget: Some(60 * 1024), ..Default::default() };
    let here = relazione::pipeline::prepare(&cfg, &data.join("data"), &options).unwrap();
    let pdfs: Vec<&(String, Vec<u8>)> =
        here.files.iter().filter(|(n, _)| n.ends_with(".pdf") && !n.contains('/')).collect();
    assert!(pdfs.iter().filter(|(n, _)| n.contains("_parte_")).count() >= 3, "{}", pdfs.len());
    assert!(pdfs.iter().any(|(n, _)| n.starts_with("Carte_di_lavoro_OIV")));
    for (name, bytes) in pdfs {
        assert!(std::fs::read(out.join(name)).unwrap() == *bytes, "{name} differs");
    }
}

/// The words of a page's body (below the running header, above the footer), in reading order.
fn body_words(page: &[WordBox]) -> Vec<&WordBox> {
    let mut words: Vec<&WordBox> = page.iter().filter(|w| w.1 > 52.0 && w.3 < 790.0).collect();
    words.sort_by(|a, b| (a.1, a.0).partial_cmp(&(b.1, b.0)).unwrap());
    words
}

/// Whether a page starts a chapter or an annex: its first line is a chapter's heading (printed in
/// capitals) or an «Allegato N.».
fn starts_a_chapter(page: &[WordBox]) -> bool {
    let words = body_words(page);
    let Some(first) = words.first() else { return false };
    let line: Vec<&str> =
        words.iter().filter(|w| (w.1 - first.1).abs() < 2.0).map(|w| w.4.as_str()).collect();
    let upper = line.iter().all(|w| !w.chars().any(char::is_lowercase))
        && line.iter().any(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3);
    upper || line.first() == Some(&"Allegato")
}

/// No page of the Relazione is more than half blank, except the one before a chapter (a chapter
/// starts a page) and the last: a short section runs on after the one before it.
#[test]
fn no_page_is_half_blank_except_before_a_chapter() {
    needs!("pdftotext");
    let b = modena_build();
    let pages = word_boxes(&b.pdf);
    let (top, bottom) = (62.0, 790.0);
    let mut blank = Vec::new();
    for (n, page) in pages.iter().enumerate().skip(1) {
        let Some(next) = pages.get(n + 1) else { break };
        if starts_a_chapter(next) {
            continue;
        }
        let lowest = body_words(page).iter().map(|w| w.3).fold(top, f64::max);
        if lowest < top + 0.5 * (bottom - top) {
            blank.push(format!(
                "p. {}: text ends at {:.0} % of the page",
                n + 1,
                (lowest - top) / (bottom - top) * 100.0
            ));
        }
    }
    assert!(blank.is_empty(), "{blank:#?}");
}

/// In the objectives' sheets (Allegati 2 and 3) the indicator keeps a third of the width whatever
/// its figures (a target of ≥ 18.000.000.000,00 € once squeezed it to a sixth; now the figures
/// wrap at their spaces in a smaller type): measured on every sheet's heading, from «Indicatore»
/// to «Tipologia».
#[test]
fn the_indicator_column_keeps_its_share_whatever_the_figures() {
    needs!("pdftotext");
    let b = modena_build();
    let text_width = 595.28 - 2.0 * 56.69;
    let mut sheets = 0;
    for (n, page) in word_boxes(&b.pdf).iter().enumerate() {
        for w in page.iter().filter(|w| w.4 == "Indicatore") {
            let Some(t) = page.iter().find(|t| t.4 == "Tipologia" && (t.1 - w.1).abs() < 2.0) else {
                continue;
            };
            sheets += 1;
            let share = (t.0 - w.0) / text_width;
            assert!(
                share >= 0.33,
                "p. {}: the indicator column is {:.0} % of the width",
                n + 1,
                share * 100.0
            );
        }
    }
    assert!(sheets > 20, "the sheets' headings: {sheets}");
}

/// A table's heading is never hyphenated (a screen reader reads «Raggiungi-mento»): no template
/// breaks a word by hand, the house heading turns hyphenation off, and chapter 4's heading reads
/// whole.
#[test]
fn table_headings_are_never_hyphenated() {
    needs!("pdftotext");
    for e in std::fs::read_dir(manifest().join("templates")).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        assert!(!text.contains('\u{ad}'), "{}: a soft hyphen", e.path().display());
    }
    let stile = std::fs::read_to_string(manifest().join("templates/stile.typ.j2")).unwrap();
    let at = stile.find("#let intestazione(").unwrap();
    let header: String = stile[at..].lines().take(3).collect::<Vec<_>>().join("\n");
    assert!(header.matches("hyphenate: false").count() == 2, "{header}");
    let text = flat(modena_build().text());
    assert!(text.contains("Consuntivo Target Raggiungimento"), "chapter 4's heading");
}

/// Every KPI chart of Allegato 6 reads without its table: a legend (target, consuntivo) and an
/// axis from 0 to its top value, in the charts' small type.
#[test]
fn every_kpi_chart_has_its_legend_and_axis() {
    needs!("pdftotext");
    let b = modena_build();
    let texts = relazione::inputs::testi::Texts::default();
    let view = relazione::view::View::build(modena_scored(), &[], &texts);
    let charts = view.serie.as_ref().unwrap().kpi.iter().filter(|k| !k.scadenza).count();
    assert!(charts > 20, "{charts}");
    let small = |w: &&WordBox| w.3 - w.1 < 10.0;
    let words: Vec<WordBox> = word_boxes(&b.pdf).into_iter().flatten().collect();
    let count = |text: &str| words.iter().filter(small).filter(|w| w.4 == text).count();
    assert_eq!(count("target"), charts, "legends");
    assert_eq!(count("consuntivo"), charts, "legends");
    assert!(count("0") >= charts, "axes from 0: {}", count("0"));
}

/// What a screen reader and a reader with low vision meet in every PDF of a run: Italian in every
/// structure element (Typst tags code as English unless told), no table header cell without a
/// name, no text set below 6 pt.
#[test]
fn every_pdf_speaks_italian_names_its_header_cells_and_sets_no_text_below_6_pt() {
    needs!("qpdf");
    let out = modena_pdf().parent().unwrap().to_path_buf();
    let scratch = scratch("pdf-struttura");
    for file in [
        "Relazione_performance_2024_Modena.pdf",
        "Carte_di_lavoro_OIV_2024_Modena.pdf",
        "Documento_di_validazione_2024_Modena.pdf",
    ] {
        let plain = scratch.join(file);
        let run = tool(
            "qpdf",
            &["--qdf", "--object-streams=disable", out.join(file).to_str().unwrap(), plain.to_str().unwrap()],
        );
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        // Latin-1 keeps every byte a char: the object syntax is ASCII.
        let text: String = std::fs::read(&plain).unwrap().iter().map(|&b| b as char).collect();
        let langs: Vec<&str> = text.match_indices("/Lang (").map(|(i, _)| &text[i + 7..i + 12]).collect();
        assert!(!langs.is_empty() && langs.iter().all(|l| l.starts_with("it")), "{file}: {langs:?}");
        let mut empty = 0;
        for obj in text.split("endobj") {
            if obj.contains("/S /TH") {
                let k = obj.split("/K [").nth(1).map(|r| r.trim_start().starts_with(']'));
                empty += usize::from(k == Some(true));
            }
        }
        assert_eq!(empty, 0, "{file}: table header cells without content");
        let sizes: Vec<f64> = text
            .match_indices(" Tf")
            .filter_map(|(i, _)| text[..i].rsplit(|c: char| c.is_whitespace()).next()?.parse().ok())
            .collect();
        assert!(!sizes.is_empty(), "{file}: no text operators found");
        let smallest = sizes.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(smallest >= 6.0 - 1e-9, "{file}: text at {smallest} pt");
    }
}
