//! The web edition and the open data, as a reader, a browser and a data portal see them.

use crate::common::{
    C, albero_dir, albero_rows, build, config, manifest, modena_build, modena_data, needs, out_beside,
    scratch, tool, write_sheet,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Every value of an attribute (`href="…"`) in a page.
fn attributes(html: &str, attr: &str) -> Vec<String> {
    let key = format!(" {attr}=\"");
    html.match_indices(&key)
        .map(|(i, _)| {
            let rest = &html[i + key.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(files(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out.sort();
    out
}

#[test]
fn the_web_edition_stands_alone_with_a_page_per_objective() {
    let b = modena_build();
    let site = b.out.join("sito");
    let all = files(&site);
    let size: u64 = all.iter().map(|f| f.metadata().unwrap().len()).sum();
    assert!(size < 5_000_000, "the site is {size} bytes");
    let pages: Vec<_> = all.iter().filter(|f| f.extension().is_some_and(|x| x == "html")).collect();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(b.out.join("opendata/relazione.json")).unwrap())
            .unwrap();
    // One page per strategic and operational objective, named by its identifier.
    let mut objectives = Vec::new();
    fn walk(n: &Value, out: &mut Vec<String>) {
        if n["livello"] == "obiettivo_strategico" || n["livello"] == "obiettivo_operativo" {
            out.push(n["id"].as_str().unwrap().to_string());
        }
        n["figli"].as_array().unwrap().iter().for_each(|c| walk(c, out));
    }
    walk(&json["albero"], &mut objectives);
    assert_eq!(objectives.len(), 10 + 18);
    for id in &objectives {
        assert!(site.join(format!("{id}.html")).is_file(), "no page for {id}");
    }
    // Every link and source is a file of the site (no CDN, nothing outside the folder), and the
    // pages offer the PDF and the open data for download.
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<html lang=\"it\">"));
        for l in attributes(&html, "href").into_iter().chain(attributes(&html, "src")) {
            let path = l.split('#').next().unwrap();
            if path.is_empty() {
                continue;
            }
            // Only a reader's link may leave the site (the licence's text); nothing the page loads.
            if path.starts_with("https://") {
                assert!(html.contains(&format!("<a href=\"{l}\"")), "{}: loads {l}", page.display());
                continue;
            }
            assert!(!path.contains("://") && !path.starts_with('/'), "{}: external link {l}", page.display());
            assert!(site.join(path).is_file(), "{}: broken link {l}", page.display());
        }
    }
    let dati = std::fs::read_to_string(site.join("dati.html")).unwrap();
    for f in [
        "documenti/Relazione_performance_2024_Modena.pdf",
        "dati/obiettivi.csv",
        "dati/datapackage.json",
        "dati/README.md",
        "dati/per_excel/indicatori.csv",
    ] {
        assert!(dati.contains(&format!("href=\"{f}\"")), "dati.html does not offer {f}");
    }
    assert_eq!(
        std::fs::read(site.join("documenti/Relazione_performance_2024_Modena.pdf")).unwrap(),
        std::fs::read(&b.pdf).unwrap()
    );
    // The content is in the HTML, not made by the script: the indicators table has every row.
    let ind = std::fs::read_to_string(site.join("indicatori.html")).unwrap();
    let rows = ind.matches("<tr id=\"albero.").count();
    assert_eq!(rows, 99, "indicator rows");
    // Results in words as well as colours, the draft said on every page.
    let home = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(home.contains("99,62\u{a0}% <span class=\"banda\">(Raggiunti)</span>"), "{home}");
    assert!(pages.iter().all(|p| std::fs::read_to_string(p).unwrap().contains("<strong>BOZZA</strong>")));
}

#[test]
fn every_page_passes_axe_core_in_chromium_and_the_keyboard_reaches_every_control() {
    needs!("axe-core");
    let b = modena_build();
    let browser = manifest().join("tests/browser");
    assert!(
        browser.join("node_modules/axe-core").is_dir(),
        "axe-core non installato: `make test` esegue `npm ci` in tests/browser"
    );
    let shots = manifest().join("target/screenshots");
    let out = tool(
        "node",
        &[
            browser.join("verifica.mjs").to_str().unwrap(),
            b.out.join("sito").to_str().unwrap(),
            shots.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["pages"].as_u64().unwrap() >= 36, "{r}");
    assert_eq!(r["violations"], serde_json::json!([]), "axe-core violations");
    assert_eq!(r["unreachable"], serde_json::json!([]), "controls the keyboard never reached");
    assert_eq!(r["dialogs"], serde_json::json!([]), "a page opened a dialog");
    assert_eq!(r["refused"], serde_json::json!([]), "the policy refused something the site needs");
    // The filters come with the script (so the policy lets the site's own script run); choosing a band leaves only rows of that band, and says
    // how many.
    let f = &r["filtro"];
    assert_eq!(f["visible"], true);
    assert_eq!(f["bands"], serde_json::json!([f["band"]]), "{f}");
    let shown = f["shown"].as_u64().unwrap();
    assert!(shown > 0 && shown < f["total"].as_u64().unwrap(), "{f}");
    assert!(f["status"].as_str().unwrap().starts_with(&format!("{shown} indicatori visualizzati su")), "{f}");
    for s in r["screenshots"].as_array().unwrap() {
        let p = Path::new(s.as_str().unwrap());
        assert!(p.metadata().unwrap().len() > 10_000, "{}", p.display());
    }
    assert_eq!(r["screenshots"].as_array().unwrap().len(), 8);
    // Phones: no page wider than 320 or 360 px, the menu folded under its button, tab stops only
    // on tables that scroll.
    assert_eq!(r["reflow"], serde_json::json!([]), "pages wider than the screen");
    assert_eq!(r["inert"], serde_json::json!([]), "tab stops on tables that do not scroll");
    assert_eq!(r["menu"], serde_json::json!({ "before": false, "after": true, "expanded": "true" }));
    // The search ignores accents and case; the choice is in the address and survives a reload.
    let q = &r["ricerca"];
    assert!(!q["word"].as_str().unwrap().is_empty(), "{q}");
    let shown = q["shown"].as_u64().unwrap();
    assert!(shown > 0, "«{}» typed as «{}» finds nothing: {q}", q["word"], q["plain"]);
    assert_eq!(q["again"], q["shown"], "{q}");
    assert_eq!(q["field"], q["plain"], "{q}");
    assert!(q["url"].as_str().unwrap().starts_with("testo="), "{q}");
}

/// Parses RFC 4180 CSV (quoted fields with commas, doubled quotes, line breaks).
fn csv(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut records: Vec<Vec<String>> = Vec::new();
    let (mut field, mut record, mut quoted) = (String::new(), Vec::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (c, _) => field.push(c),
        }
    }
    let header = records.remove(0);
    records.into_iter().map(|r| header.iter().cloned().zip(r).collect()).collect()
}

#[test]
fn the_tree_rebuilt_from_obiettivi_csv_gives_every_result_of_score_json() {
    let b = modena_build();
    let rows = csv(&std::fs::read_to_string(b.out.join("opendata/obiettivi.csv")).unwrap());
    // Rebuild: children of each id, from the CSV alone.
    let mut children: BTreeMap<String, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    let mut ids = std::collections::BTreeSet::new();
    for r in &rows {
        assert!(ids.insert(r["id"].clone()), "duplicate id {}", r["id"]);
        assert_eq!(r["anno"], "2024");
        assert_eq!(r["ente"], "Camera di commercio di Modena");
        children.entry(r["id_padre"].clone()).or_default().push(r);
    }
    let roots = &children[""];
    assert_eq!(roots.len(), 1);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(b.out.join("opendata/relazione.json")).unwrap())
            .unwrap();
    let mut compared = 0;
    fn same(
        row: &BTreeMap<String, String>,
        node: &Value,
        children: &BTreeMap<String, Vec<&BTreeMap<String, String>>>,
        compared: &mut usize,
    ) {
        assert_eq!(row["id"], node["id"].as_str().unwrap());
        assert_eq!(row["livello"], node["livello"].as_str().unwrap());
        assert_eq!(row["codice"], node["codice"].as_str().unwrap());
        let ours = row["risultato_pct"].parse::<f64>().ok();
        assert_eq!(ours.map(f64::to_bits), node["risultato"].as_f64().map(f64::to_bits), "{}", row["id"]);
        assert_eq!(row["peso_pct"].parse::<f64>().ok(), node["peso"].as_f64(), "{}", row["id"]);
        *compared += 1;
        let kids = children.get(&row["id"]).map(Vec::as_slice).unwrap_or(&[]);
        let json_kids = node["figli"].as_array().unwrap();
        assert_eq!(kids.len(), json_kids.len(), "children of {}", row["id"]);
        for (k, j) in kids.iter().zip(json_kids) {
            same(k, j, children, compared);
        }
    }
    same(roots[0], &json["albero"], &children, &mut compared);
    assert_eq!(compared, rows.len());
    // Deadlines carry ISO dates; quantities a numeric target.
    let deadline = rows.iter().find(|r| r["operatore"] == "entro").unwrap();
    assert_eq!(deadline["target_data"].len(), 10, "{deadline:?}");
    assert!(deadline["target_data"].starts_with("2024-") && deadline["valore_data"].starts_with("202"));
    let n = rows.iter().filter(|r| r["operatore"] == ">=").count();
    assert!(
        n > 0 && rows.iter().filter(|r| r["operatore"] == ">=").all(|r| r["target"].parse::<f64>().is_ok())
    );
}

#[test]
fn the_data_package_validates_with_frictionless_and_dcat_names_the_licence() {
    needs!("frictionless");
    let b = modena_build();
    let dp = b.out.join("opendata/datapackage.json");
    // Through the interpreter: the package's own command may not be on the PATH where pip put it.
    let out = tool("python3", &["-m", "frictionless", "validate", "--json", dp.to_str().unwrap()]);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("frictionless: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["valid"], true, "{report}");
    assert!(out.status.success());
    // Without the address of the open data there is no absolute IRI to give: no DCAT record, and
    // the draft says why.
    assert!(!b.out.join("opendata/dcat-ap_it.rdf").exists());
    assert!(b.text().contains("manca «pubblicazione.dati_aperti»"));
}

/// The DCAT-AP_IT record as dati.gov.it's harvester reads it: pySHACL with the official DCAT-AP
/// 3.0.1 shapes and ranges reports no violation; rdflib finds the catalog, the dataset and one
/// distribution per data file, under the configured address.
#[test]
fn the_dcat_record_is_valid_dcat_ap_3_and_harvestable() {
    needs!("pyshacl");
    let dir = modena_data("dcat");
    let cfg = dir.join("relazione.yaml");
    let yaml = std::fs::read_to_string(manifest().join("relazione.yaml"))
        .unwrap()
        .replace("  nome_breve: Modena\n", "  nome_breve: Modena\n  codice_ipa: cciaa_mo\n");
    let base = "https://dati.esempio.it/relazione/2024";
    std::fs::write(
        &cfg,
        format!("{yaml}\npubblicazione:\n  dati_aperti: {base}\n  sito: https://www.esempio.it/relazione\n  contatto: urp@esempio.it\n"),
    )
    .unwrap();
    let out = out_beside(&dir);
    let run = build(&dir.join("data"), &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rdf = out.join("opendata/dcat-ap_it.rdf");
    let script = manifest().join("tests/dcat/verifica.py");
    let result = tool("python3", &[script.to_str().unwrap(), rdf.to_str().unwrap()]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let report: Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(report["violations"], 0, "{report:#}");
    assert_eq!(report["catalogs"], serde_json::json!([format!("{base}/dcat-ap_it.rdf#catalogo")]));
    assert_eq!(report["datasets"], serde_json::json!([format!("{base}/dcat-ap_it.rdf#dataset")]));
    let files = ["indicatori.csv", "obiettivi.csv", "relazione.json", "unita_organizzative.csv"];
    let expected: Vec<String> = files.iter().map(|f| format!("{base}/{f}")).collect();
    assert_eq!(report["distributions"], serde_json::json!(expected));
    // The licence by its URI, the period as the Italian harvester reads it, media types as IRIs.
    let text = std::fs::read_to_string(&rdf).unwrap();
    for expected in [
        "<dct:license rdf:resource=\"https://creativecommons.org/licenses/by/4.0/\"/>",
        "<schema:startDate rdf:datatype=\"http://www.w3.org/2001/XMLSchema#date\">2024-01-01</schema:startDate>",
        "<dcat:mediaType rdf:resource=\"http://www.iana.org/assignments/media-types/text/csv\"/>",
        "<vcard:hasEmail rdf:resource=\"mailto:urp@esempio.it\"/>",
        "<dct:identifier>cciaa_mo</dct:identifier>",
    ] {
        assert!(text.contains(expected), "the record lacks {expected}");
    }
    // A defect turns the check red: a dataset without its title.
    let broken = dir.join("senza-titolo.rdf");
    let t = text.replacen(
        "<dct:title xml:lang=\"it\">Relazione sulla performance",
        "<dct:alternative xml:lang=\"it\">x",
        1,
    );
    std::fs::write(
        &broken,
        t.replacen(
            "</dct:title>\n    <dct:description xml:lang=\"it\">Risultati",
            "</dct:alternative>\n    <dct:description xml:lang=\"it\">Risultati",
            1,
        ),
    )
    .unwrap();
    let result = tool("python3", &[script.to_str().unwrap(), broken.to_str().unwrap()]);
    let report: Value = serde_json::from_slice(&result.stdout).unwrap();
    assert!(report["violations"].as_u64().unwrap() > 0, "{report:#}");
}

#[test]
fn the_pdf_and_the_web_edition_point_to_each_other_where_configured() {
    needs!("pdftotext", "qpdf");
    let dir = scratch("pubblicazione");
    let rows = crate::common::albero_rows();
    write_sheet(&dir.join("ente.xlsx"), "Report", &rows);
    let cfg = config(
        &dir,
        "pubblicazione:\n  sito: https://www.example.camcom.it/relazione-2024/\n  \
         dati_aperti: https://www.example.camcom.it/opendata/performance-2024\n  \
         amministrazione_trasparente: https://www.example.camcom.it/at/performance\n",
    );
    std::fs::write(
        &cfg,
        std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("nome_breve: Prova", "nome_breve: Prova\n  codice_ipa: cciaa_pr"),
    )
    .unwrap();
    let out = out_beside(&dir);
    // A page left by an earlier run (an objective since removed from the plan) is not published.
    std::fs::create_dir_all(out.join("sito")).unwrap();
    std::fs::write(out.join("sito/albero.1.999.html"), "vecchia").unwrap();
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!out.join("sito/albero.1.999.html").exists());
    let text =
        crate::common::flat(&crate::common::pdf_text(&out.join("Relazione_performance_2024_Prova.pdf")));
    assert!(text.contains("https://www.example.camcom.it/relazione-2024/"), "{text}");
    assert!(text.contains("https://www.example.camcom.it/opendata/performance-2024"), "{text}");
    // Live links, not just text.
    let qpdf = tool(
        "qpdf",
        &[
            "--qdf",
            "--object-streams=disable",
            out.join("Relazione_performance_2024_Prova.pdf").to_str().unwrap(),
            "-",
        ],
    );
    let raw = String::from_utf8_lossy(&qpdf.stdout);
    assert!(raw.contains("/URI (https://www.example.camcom.it/relazione-2024/)"), "no link annotation");
    let home = std::fs::read_to_string(out.join("sito/index.html")).unwrap();
    assert!(home.contains("href=\"https://www.example.camcom.it/at/performance\""), "{home}");
    // The IPA code on every open-data row; without the addresses nothing claims one.
    let rows = csv(&std::fs::read_to_string(out.join("opendata/obiettivi.csv")).unwrap());
    assert!(rows.iter().all(|r| r["codice_ipa"] == "cciaa_pr"));
    let modena = modena_build().text();
    assert!(!modena.contains("Dove si trova"), "Modena's configuration has no addresses");
}

/// The web edition of a plan whose texts and configuration try every way in (markup in each
/// language, script URLs, handlers, an SVG with scripts, separators and overrides), opened in
/// Chromium under its policy: no dialog, no error, no violation, and axe-core still passes.
#[test]
fn a_hostile_plan_s_web_edition_runs_nothing_in_chromium() {
    needs!("axe-core");
    // Words longer than any phone is wide: in an objective's name (a page's title), in the Ente's
    // name (every page's header), in a heading, a code block and a link of a text.
    let long = "Sovraintendenzaprovincialeinterdipartimentaledellecameredicommercio".repeat(3);
    let mut rows = albero_rows();
    rows[9][1] = (7, C::T(Box::leak(format!("101.A - {long}").into_boxed_str())));
    let dir = albero_dir("sito-ostile", &rows);
    let cfg = dir.join("relazione.yaml");
    std::fs::write(
        &cfg,
        format!(
            "ente:\n  nome: \"Camera <script>alert('nome')</script> \\\" onmouseover=alert(1) x=\\\" {long}\"\n  \
             nome_breve: Prova\nanno: 2024\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("testi")).unwrap();
    std::fs::write(
        dir.join("testi/grafico.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" onload="alert('svg')"><script>alert('svg2')</script><rect width="40" height="20" fill="#06c"/></svg>"##,
    )
    .unwrap();
    std::fs::write(
        dir.join("testi/premessa.md"),
        format!("# Premessa \u{202E}evil\n\nTesto `</code><script>alert('code')</script>` e \\<img src=x onerror=alert('img')\\>[^n].\n\n\
         ![\\\"\\>\\<script\\>alert('alt')\\</script\\>](grafico.svg)\n\n\
         | \\<b\\>x\\</b\\> | \"\\>\\<svg onload=alert('cella')\\> |\n|---|---|\n| a | b |\n\n\
         [^n]: Nota \\<script\\>alert('nota')\\</script\\>\n\n\
         ## Titolo{long}\n\n```\n{long} {long}\n```\n\nVedi https://www.esempio.it/{long}/{long}.\n"),
    )
    .unwrap();
    let out = out_beside(&dir);
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let browser = manifest().join("tests/browser");
    let shots = manifest().join("target/screenshots-ostile");
    let node = tool(
        "node",
        &[
            browser.join("verifica.mjs").to_str().unwrap(),
            out.join("sito").to_str().unwrap(),
            shots.to_str().unwrap(),
        ],
    );
    assert!(node.status.success(), "{}", String::from_utf8_lossy(&node.stderr));
    let r: Value = serde_json::from_slice(&node.stdout).unwrap();
    assert_eq!(r["dialogs"], serde_json::json!([]), "a page opened a dialog");
    assert_eq!(r["refused"], serde_json::json!([]), "a page raised an error or a policy violation");
    assert_eq!(r["violations"], serde_json::json!([]), "axe-core violations");
    assert_eq!(r["reflow"], serde_json::json!([]), "pages wider than a phone");
}

/// A PA site links, in its footer, its accessibility statement, Amministrazione trasparente, privacy
/// and legal notes (Designers Italia): each link only when the configuration gives its address.
#[test]
fn the_footer_links_only_what_the_configuration_gives() {
    let dir = albero_dir("piede", &albero_rows());
    let out = out_beside(&dir);
    let cfg = config(&dir, "");
    assert_eq!(build(&dir, &cfg, &out).code, 0);
    let index = std::fs::read_to_string(out.join("sito/index.html")).unwrap();
    for absent in [
        "Dichiarazione di accessibilità",
        "Informativa sulla privacy",
        "Note legali",
        "Amministrazione trasparente",
    ] {
        assert!(!index.contains(absent), "{absent} claimed without an address");
    }
    let cfg = config(
        &dir,
        "pubblicazione:\n  dichiarazione_accessibilita: https://form.agid.gov.it/view/abc\n  privacy: https://www.esempio.it/privacy\n  \
         note_legali: https://www.esempio.it/note-legali\n  amministrazione_trasparente: https://www.esempio.it/at/performance\n",
    );
    let run = build(&dir, &cfg, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let index = std::fs::read_to_string(out.join("sito/index.html")).unwrap();
    for (href, title) in [
        ("https://form.agid.gov.it/view/abc", "Dichiarazione di accessibilità"),
        ("https://www.esempio.it/privacy", "Informativa sulla privacy"),
        ("https://www.esempio.it/note-legali", "Note legali"),
        ("https://www.esempio.it/at/performance", "Amministrazione trasparente – Performance"),
    ] {
        assert!(index.contains(&format!("<a href=\"{href}\">{title}</a>")), "{title}: {index}");
    }
}

/// The addresses the DCAT record is built on are refused unless they can be: the open data's
/// folder without a query, a fragment or a file; a contact that is a plain e-mail address.
#[test]
fn the_records_addresses_are_checked_before_anything_is_built() {
    let dir = albero_dir("indirizzi-dcat", &albero_rows());
    for (yaml, key) in [
        ("pubblicazione:\n  dati_aperti: https://x.it/od/?a=1\n", "«pubblicazione.dati_aperti»"),
        ("pubblicazione:\n  dati_aperti: https://x.it/od/#sez\n", "«pubblicazione.dati_aperti»"),
        ("pubblicazione:\n  dati_aperti: https://x.it/od/dcat-ap_it.rdf\n", "«pubblicazione.dati_aperti»"),
        ("pubblicazione:\n  dati_aperti: https://ente.it@altro.it/od/\n", "«pubblicazione.dati_aperti»"),
        ("pubblicazione:\n  contatto: \"u{r}|p^@x.it\"\n", "«pubblicazione.contatto»"),
        ("pubblicazione:\n  contatto: \"urp@x.it\\u202e\"\n", "«pubblicazione.contatto»"),
    ] {
        let cfg = config(&dir, yaml);
        let e = relazione::inputs::config::Config::load(&cfg).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains(key), "{yaml}: {e}");
    }
    let cfg = config(&dir, "pubblicazione:\n  dati_aperti: https://x.it/od\n  contatto: urp@x.it\n");
    assert!(relazione::inputs::config::Config::load(&cfg).is_ok());
}
