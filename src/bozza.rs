//! Draft until complete: everything the staff still have to write, decide or verify before the
//! Relazione can be signed. While anything is open, `build` writes a draft (marked BOZZA on every
//! page, with the list at the end), `build --definitiva` refuses, and `check` prints the list.
//!
//! Open items: sample texts (every shipped sample carries the marker `<!-- testo di esempio -->`),
//! missing texts and explanations, chapters left out for lack of data, a missing approval date, and
//! every warning of the run not acknowledged in `verifiche.yaml` beside the data:
//!
//! ```yaml
//! verificati:
//!   - testo: "«MISURE ANTICORR.»: risultato calcolato"   # a part of the warning's text
//!     motivazione: "Differenza dovuta all'arrotondamento della piattaforma, verificata il 12/05/2025"
//! ```

use crate::error::{Error, Location, Problem};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// File of the acknowledged warnings, in the data folder.
pub const VERIFICHE: &str = "verifiche.yaml";

/// The marker a sample text carries (inside an HTML comment, so it never prints).
pub const SAMPLE_MARKER: &str = "testo di esempio";

/// Whether a staff text is a shipped sample: a line `<!-- testo di esempio ... -->`.
pub fn is_sample(markdown: &str) -> bool {
    markdown.lines().any(|l| {
        let t = l.trim();
        t.starts_with("<!--") && t.to_lowercase().contains(SAMPLE_MARKER)
    })
}

/// What kind of work an open item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gruppo {
    /// A text to write or replace.
    Scrivere,
    /// A decision or a datum to give (approval date, data for a chapter).
    Decidere,
    /// A warning to check and acknowledge.
    Verificare,
}

impl Gruppo {
    pub fn label(self) -> &'static str {
        match self {
            Gruppo::Scrivere => "da scrivere",
            Gruppo::Decidere => "da decidere",
            Gruppo::Verificare => "da verificare",
        }
    }
}

/// One thing still open, with where to act.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Voce {
    pub gruppo: Gruppo,
    pub location: Location,
    pub testo: String,
}

impl Voce {
    pub fn new(gruppo: Gruppo, location: Location, testo: impl Into<String>) -> Self {
        Voce { gruppo, location, testo: testo.into() }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Verifiche {
    #[serde(default)]
    verificati: Vec<Verificato>,
}

/// A check the office documented: the warning it verified and how.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verificato {
    pub testo: String,
    pub motivazione: String,
}

/// The acknowledgements of `verifiche.yaml` (none without the file).
fn acknowledged(data_dir: &Path) -> Result<Vec<String>, Error> {
    Ok(verifiche(data_dir)?.into_iter().map(|x| x.testo).collect())
}

/// The checks of `verifiche.yaml` (none without the file): the OIV's evidence that the office
/// verified what the run found.
pub fn verifiche(data_dir: &Path) -> Result<Vec<Verificato>, Error> {
    let path = data_dir.join(VERIFICHE);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(Vec::new());
    }
    let text = crate::error::read_text_in(data_dir, &path)?;
    crate::inputs::config::check_yaml_shape(&text, &path)?;
    crate::inputs::config::check_yaml_sizes(&text, &path)?;
    let v: Verifiche =
        serde_yaml::from_str(&text).map_err(|e| crate::inputs::config::yaml_error(&path, &e))?;
    let mut problems = Vec::new();
    for x in &v.verificati {
        if x.testo.trim().is_empty() || x.motivazione.trim().is_empty() {
            problems.push(Problem::new(
                Location::file(&path),
                "ogni verifica ha bisogno di «testo» (il testo intero dell'avviso) e di «motivazione»",
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(v.verificati)
}

/// Every open item: `items` (texts, chapters, configuration) and the run's warnings not
/// acknowledged, sorted by file then kind.
pub fn open_items(data_dir: &Path, warnings: &[Problem], mut items: Vec<Voce>) -> Result<Vec<Voce>, Error> {
    let ack = acknowledged(data_dir)?;
    items.extend(
        warnings.iter().map(|w| Voce::new(Gruppo::Verificare, w.location.clone(), w.message.clone())),
    );
    // Only what is to verify can be acknowledged (a text is written, a decision taken), and only
    // by its whole text: a fragment would acknowledge every warning that contains it.
    let ack: Vec<String> = ack.iter().map(|a| words(a)).collect();
    items.retain(|v| v.gruppo != Gruppo::Verificare || !ack.iter().any(|a| acknowledges(a, v)));
    items.sort();
    items.dedup();
    Ok(items)
}

/// Whether an acknowledgement (its words) is the whole text of the warning: the message alone, or
/// as `check` prints it (with its place, or its whole location, before it).
fn acknowledges(ack: &str, v: &Voce) -> bool {
    let place = place(&v.location);
    let forms = [v.testo.clone(), format!("{place}: {}", v.testo), format!("{}: {}", v.location, v.testo)];
    forms.iter().any(|f| words(f) == ack)
}

/// A text with its runs of white space made one space, for comparing what a person copied.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The items grouped by file, in the order printed everywhere (terminal, PDF, refusal).
pub fn by_file(items: &[Voce]) -> Vec<(PathBuf, Vec<&Voce>)> {
    let mut out: Vec<(PathBuf, Vec<&Voce>)> = Vec::new();
    let mut sorted: Vec<&Voce> = items.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.location.file, a.gruppo, &a.location).cmp(&(&b.location.file, b.gruppo, &b.location))
    });
    for v in sorted {
        match out.last_mut() {
            Some((f, list)) if *f == v.location.file => list.push(v),
            _ => out.push((v.location.file.clone(), vec![v])),
        }
    }
    out
}

/// Where in its file an item is: `foglio «Report», cella C55`, `riga 4`, or empty.
pub fn place(l: &Location) -> String {
    match (&l.sheet, &l.cell, l.line) {
        (Some(sh), Some(c), _) => format!("foglio «{sh}», cella {c}"),
        (Some(sh), None, _) => format!("foglio «{sh}»"),
        (_, _, Some(n)) => format!("riga {n}"),
        _ => String::new(),
    }
}

/// The list as text: one heading per file, one line per item.
pub fn describe(items: &[Voce]) -> String {
    let mut s = String::new();
    for (file, list) in by_file(items) {
        s.push_str(&format!("{}:\n", file.display()));
        for v in list {
            let at = place(&v.location);
            let at = if at.is_empty() { at } else { format!("{at}: ") };
            s.push_str(&format!("  - [{}] {at}{}\n", v.gruppo.label(), v.testo));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_is_recognised_by_its_comment_only() {
        assert!(is_sample("<!-- testo di esempio: sostituire -->\n\nTesto."));
        assert!(is_sample("Testo.\n  <!-- Testo di esempio -->\n"));
        assert!(!is_sample("Un testo che parla di un testo di esempio."));
    }

    #[test]
    fn items_are_grouped_by_file_and_kind() {
        let a = Location::file(Path::new("testi/premessa.md"));
        let b = Location::file(Path::new("relazione.yaml"));
        let items = vec![
            Voce::new(Gruppo::Verificare, a.clone(), "uno"),
            Voce::new(Gruppo::Decidere, b, "due"),
            Voce::new(Gruppo::Scrivere, a, "tre"),
        ];
        assert_eq!(
            describe(&items),
            "relazione.yaml:\n  - [da decidere] due\ntesti/premessa.md:\n  - [da scrivere] tre\n  - [da verificare] uno\n"
        );
    }
}
