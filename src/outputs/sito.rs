//! The web edition (`out/sito/`): the Relazione as static, accessible HTML pages for
//! *Amministrazione trasparente*, made from the same view as the PDF through minijinja templates
//! (`sito_*.html.j2`, overridable like the Typst ones).
//!
//! The pages work from a folder or any web server: no CDN, no server code, every link relative.
//! Content never depends on JavaScript: the filters of the indicators table are added by a small
//! script on top of a complete table. Values are escaped for HTML unless they are the staff's
//! Markdown already converted safely.

use crate::error::Error;
use crate::inputs::testi::Texts;
use crate::markdown;
use crate::outputs::templating::{self, Used};
use crate::view::View;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Folder inside the output folder.
pub const DIR: &str = "sito";

/// A file offered for download, already copied into the site (`documenti/…`, `dati/…`).
#[derive(Debug, Clone, Serialize)]
pub struct Scaricabile {
    pub titolo: String,
    /// Path relative to the site's pages.
    pub file: String,
    /// `PDF`, `XLSX`, `CSV`, `JSON`.
    pub formato: String,
    /// `1,6 MB`.
    pub dimensione: String,
}

impl Scaricabile {
    pub fn new(titolo: &str, file: &str, bytes: usize) -> Self {
        let formato = file.rsplit('.').next().unwrap_or("").to_uppercase();
        Scaricabile { titolo: titolo.into(), file: file.into(), formato, dimensione: size(bytes) }
    }
}

/// `830 kB`, `1,6 MB`.
fn size(bytes: usize) -> String {
    if bytes < 1_000_000 {
        format!("{} kB", bytes.div_ceil(1000))
    } else {
        format!("{} MB", crate::value::format_number(bytes as f64 / 1e6, 1))
    }
}

/// The site's pages and assets, and the local templates they were made with.
pub struct Sito {
    /// (path relative to the output folder, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    pub local_templates: Vec<PathBuf>,
}

/// The pages of the site: (file name, template, title for the navigation), in navigation order.
/// A page whose part of the view is empty is not written (its link is not shown).
const PAGES: &[(&str, &str, &str)] = &[
    ("index.html", "sito_indice.html.j2", "Sintesi"),
    ("contesto.html", "sito_contesto.html.j2", "Contesto e risorse"),
    ("obiettivi.html", "sito_obiettivi.html.j2", "Obiettivi"),
    ("indicatori.html", "sito_indicatori.html.j2", "Indicatori"),
    ("strutture.html", "sito_strutture.html.j2", "Strutture e obiettivi individuali"),
    ("analisi.html", "sito_analisi.html.j2", "Analisi e bilancio di genere"),
    ("processo.html", "sito_processo.html.j2", "Processo"),
    ("dati.html", "sito_dati.html.j2", "Dati e documenti"),
];

/// Static files of the site, rendered like the pages (so they can be overridden too).
const ASSETS: &[(&str, &str)] = &[("stile.css", "sito.css.j2"), ("filtri.js", "sito.js.j2")];

/// The typeface of the Designers Italia kit, shipped with the site (SIL Open Font License).
const FONTS: &[(&str, &[u8])] = &[
    ("TitilliumWeb_400Regular.ttf", include_bytes!("../../templates/fonts/TitilliumWeb_400Regular.ttf")),
    ("TitilliumWeb_600SemiBold.ttf", include_bytes!("../../templates/fonts/TitilliumWeb_600SemiBold.ttf")),
    ("TitilliumWeb_700Bold.ttf", include_bytes!("../../templates/fonts/TitilliumWeb_700Bold.ttf")),
    ("OFL.txt", include_bytes!("../../templates/fonts/OFL.txt")),
];

/// Escapes every value a template prints for HTML, except the safe strings (converted texts).
fn formatter(
    out: &mut minijinja::Output,
    _state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    templating::print(out, value, crate::escape::html)
}

/// A page name for an objective: its identifier, which is unique and file-name safe.
fn page_of(id: &str) -> String {
    format!("{id}.html")
}

/// Whether a page has anything to show for this report.
fn has_page(file: &str, view: &View) -> bool {
    match file {
        "obiettivi.html" | "indicatori.html" => view.albero.is_some(),
        "strutture.html" => view.unita.is_some() || view.individuali.is_some(),
        _ => true,
    }
}

/// The filter choices of the indicators page: typologies and organisational units, sorted.
fn choices(view: &View) -> (Vec<String>, Vec<String>) {
    let mut tipologie = BTreeSet::new();
    let mut strutture = BTreeSet::new();
    if let Some(a) = &view.albero {
        for os in &a.obiettivi_strategici {
            tipologie.extend(os.indicatori.iter().filter_map(|i| i.tipologia.clone()));
        }
        for oo in &a.obiettivi_operativi {
            tipologie.extend(oo.indicatori.iter().filter_map(|i| i.tipologia.clone()));
            strutture.extend(oo.unita.iter().cloned());
        }
    }
    (tipologie.into_iter().collect(), strutture.into_iter().collect())
}

/// Renders every page and asset of the web edition.
pub fn site(
    view: &View,
    texts: &Texts,
    overrides: Option<PathBuf>,
    scaricabili: &[Scaricabile],
) -> Result<Sito, Error> {
    let used = Used::default();
    let env: Environment<'static> =
        templating::environment(overrides.clone(), used.clone(), "html", formatter);
    let (testi, spiegazioni, images) = templating::converted(texts, markdown::to_html, 2)?;
    let (tipologie, strutture) = choices(view);
    let pagine: Vec<Value> = PAGES
        .iter()
        .filter(|(file, _, _)| has_page(file, view))
        .map(|(file, _, titolo)| context! { file => *file, titolo => *titolo })
        .collect();
    let base = context! {
        testi => testi,
        spiegazioni => spiegazioni,
        scaricabili => Serde(scaricabili),
        pagine => pagine,
        tipologie => tipologie,
        strutture => strutture,
        ..Value::from(Serde(view))
    };
    let render = |template: &str, extra: Value| {
        templating::render(&env, template, context! { ..extra, ..base.clone() }, overrides.as_deref())
    };
    let page = |template: &str, extra: Value| -> Result<String, Error> {
        with_policy(&render(template, extra)?, template)
    };
    let mut files = Vec::new();
    for (file, template, _) in PAGES.iter().filter(|(file, _, _)| has_page(file, view)) {
        files.push((format!("{DIR}/{file}"), page(template, context! { pagina => *file })?.into_bytes()));
    }
    if let Some(a) = &view.albero {
        for os in &a.obiettivi_strategici {
            let extra = context! { pagina => "obiettivi.html", obiettivo => Serde(os) };
            let html = page("sito_strategico.html.j2", extra)?;
            files.push((format!("{DIR}/{}", page_of(&os.nodo.id)), html.into_bytes()));
        }
        for oo in &a.obiettivi_operativi {
            let extra = context! { pagina => "obiettivi.html", obiettivo => Serde(oo) };
            let html = page("sito_operativo.html.j2", extra)?;
            files.push((format!("{DIR}/{}", page_of(&oo.nodo.id)), html.into_bytes()));
        }
    }
    for (file, template) in ASSETS {
        files.push((format!("{DIR}/{file}"), render(template, context! { pagina => *file })?.into_bytes()));
    }
    for (name, bytes) in FONTS {
        files.push((format!("{DIR}/font/{name}"), bytes.to_vec()));
    }
    for (name, bytes) in images {
        files.push((format!("{DIR}/{}/{name}", markdown::IMAGE_DIR), bytes));
    }
    Ok(Sito { files, local_templates: templating::used_list(&used) })
}

/// The comparison of two versions as one page of its own (`relazione confronta`): built-in template,
/// HTML-escaping formatter, no script at all; its styles are in the page, so its policy allows
/// those and nothing else.
pub fn standalone_page(data: Value, template: &str) -> Result<String, Error> {
    let env = templating::environment(None, Used::default(), "html", formatter);
    let html = templating::render(&env, template, data, None)?;
    let head =
        html.find("<head>").ok_or_else(|| Error::Output(format!("modello {template}: manca «<head>»")))?;
    let at = head + "<head>".len();
    Ok(format!(
        "{}\n<meta http-equiv=\"Content-Security-Policy\" content=\"{STANDALONE_CSP}\">{}",
        &html[..at],
        &html[at..]
    ))
}

/// The policy of a page that stands alone: its own inline styles, nothing else.
pub const STANDALONE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/// The Content-Security-Policy of every page: scripts only from the site's own files (no inline
/// script, no event handler attribute, no `javascript:` URL runs), styles and images from the site,
/// no plugins, no `<base>`, forms only to the site. One escape missed elsewhere cannot run.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; \
                       connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'";

/// The page with the policy as the first element of its `<head>` (before anything it governs),
/// whatever the template (a local one included) wrote; a page without `<head>` is refused.
fn with_policy(html: &str, template: &str) -> Result<String, Error> {
    let head = html.find("<head>").ok_or_else(|| {
        Error::Output(format!(
            "modello {template}: la pagina non ha «<head>», dove va la politica di sicurezza"
        ))
    })?;
    let at = head + "<head>".len();
    Ok(format!(
        "{}\n<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">{}",
        &html[..at],
        &html[at..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_an_office_writes_them() {
        assert_eq!(size(830_001), "831 kB");
        assert_eq!(size(1_659_977), "1,7 MB");
        assert_eq!(Scaricabile::new("x", "documenti/a.pdf", 10).formato, "PDF");
    }
}
