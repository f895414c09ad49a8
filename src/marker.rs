//! The tool's internal markers in the generated Typst source: whole-line comments `// ⟦…⟧` that
//! the templates and the Markdown converter leave and that the tool reads back: `parti` cuts the
//! Relazione into parts at them, `typeset` says where an error's source came from. This module owns
//! their syntax (the one [`Marker`] type), their writing ([`Marker::line`], whose free text goes
//! through the Typst-comment sink) and their parsing ([`Marker::parse`]); the templates write the
//! same lines literally, and a test checks that every one of theirs parses.
//!
//! Only a comment that is a whole line is a marker: escaped data never puts a line break in the
//! source, so a staff text or a cell cannot forge one (inside a string, `// ⟦…⟧` is just text), and
//! the comment sink drops `⟦` and `⟧` from the free text a marker carries.

use crate::escape::typst_comment;

const OPEN: &str = "// ⟦";
const CLOSE: char = '⟧';

/// One marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// The document's body begins: what comes before is the preamble every part repeats.
    Corpo,
    /// A part may end here.
    Taglio,
    /// A long table begins: the lines up to [`Marker::Righe`] open it again in the next part.
    Tabella,
    /// The table's rows begin.
    Righe,
    /// The long table ends.
    FineTabella,
    /// What follows comes from this template.
    Modello(String),
    /// What follows comes from this staff text, at this line.
    Testo { file: String, riga: usize },
    /// The staff text ends: what follows comes from the template around it again.
    FineTesto,
    /// The part's own header (`parte 2 di 3`).
    Parte { numero: usize, di: usize },
}

impl Marker {
    /// The marker as a whole line of Typst source (with its line break).
    pub fn line(&self) -> String {
        let inner = match self {
            Marker::Corpo => "corpo".to_string(),
            Marker::Taglio => "taglio".to_string(),
            Marker::Tabella => "tabella".to_string(),
            Marker::Righe => "righe".to_string(),
            Marker::FineTabella => "fine tabella".to_string(),
            Marker::Modello(name) => format!("modello: {}", typst_comment(name)),
            Marker::Testo { file, riga } => format!("testo: {}, riga {riga}", typst_comment(file)),
            Marker::FineTesto => "fine testo".to_string(),
            Marker::Parte { numero, di } => format!("parte {numero} di {di}"),
        };
        format!("{OPEN}{inner}{CLOSE}\n")
    }

    /// The marker a line is (without its line break), if it is one.
    pub fn parse(line: &str) -> Option<Marker> {
        let inner = line.strip_prefix(OPEN)?.strip_suffix(CLOSE)?;
        if inner.contains(['⟦', '⟧']) {
            return None;
        }
        Some(match inner {
            "corpo" => Marker::Corpo,
            "taglio" => Marker::Taglio,
            "tabella" => Marker::Tabella,
            "righe" => Marker::Righe,
            "fine tabella" => Marker::FineTabella,
            "fine testo" => Marker::FineTesto,
            _ => {
                if let Some(name) = inner.strip_prefix("modello: ") {
                    Marker::Modello(name.to_string())
                } else if let Some(rest) = inner.strip_prefix("testo: ") {
                    let (file, riga) = rest.rsplit_once(", riga ")?;
                    Marker::Testo { file: file.to_string(), riga: riga.parse().ok()? }
                } else if let Some(rest) = inner.strip_prefix("parte ") {
                    let (numero, di) = rest.split_once(" di ")?;
                    Marker::Parte { numero: numero.parse().ok()?, di: di.parse().ok()? }
                } else {
                    return None;
                }
            }
        })
    }

    /// Where the source at byte `at` came from, in Italian: the nearest staff text or template
    /// marker before it (after a text's end, the template around the text).
    pub fn provenance(source: &str, at: usize) -> Option<String> {
        let mut ended_texts = 0usize;
        for line in source[..at].lines().rev() {
            match Marker::parse(line) {
                Some(Marker::FineTesto) => ended_texts += 1,
                Some(Marker::Testo { file, riga }) if ended_texts == 0 => {
                    return Some(format!("nel testo {file}, riga {riga}"));
                }
                Some(Marker::Testo { .. }) => {}
                // A text's blocks each carry a marker: the first one before its end closes it.
                Some(Marker::Modello(name)) => return Some(format!("testo prodotto dal modello {name}")),
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_marker_reads_back_as_itself() {
        let all = [
            Marker::Corpo,
            Marker::Taglio,
            Marker::Tabella,
            Marker::Righe,
            Marker::FineTabella,
            Marker::Modello("contesto.typ.j2".into()),
            Marker::Testo { file: "testi/premessa.md".into(), riga: 12 },
            Marker::FineTesto,
            Marker::Parte { numero: 2, di: 18 },
        ];
        for m in all {
            let line = m.line();
            assert_eq!(Marker::parse(line.trim_end_matches('\n')), Some(m), "{line}");
        }
    }

    #[test]
    fn a_hostile_file_name_cannot_end_the_marker_nor_the_line() {
        let m = Marker::Testo { file: "a⟧\n// ⟦corpo⟧\u{2028}b".into(), riga: 3 };
        let line = m.line();
        assert_eq!(line.matches('\n').count(), 1, "{line:?}");
        assert_eq!(line.matches('⟧').count(), 1, "{line:?}");
        assert!(matches!(Marker::parse(line.trim_end()), Some(Marker::Testo { riga: 3, .. })), "{line:?}");
    }

    #[test]
    fn only_a_whole_line_is_a_marker() {
        assert_eq!(Marker::parse("#\"// ⟦corpo⟧\""), None);
        assert_eq!(Marker::parse(" // ⟦corpo⟧"), None);
        assert_eq!(Marker::parse("// ⟦corpo⟧ x"), None);
        assert_eq!(Marker::parse("// ⟦sconosciuto⟧"), None);
        assert_eq!(Marker::parse("// ⟦testo: a, riga x⟧"), None);
    }

    #[test]
    fn provenance_is_the_text_or_the_template_around_it() {
        let source = format!(
            "{}= Contesto\n{}Testo.\n{}#errore\n",
            Marker::Modello("contesto.typ.j2".into()).line(),
            Marker::Testo { file: "testi/contesto.md".into(), riga: 4 }.line(),
            Marker::Testo { file: "testi/contesto.md".into(), riga: 6 }.line(),
        );
        let at = source.find("Testo.").unwrap();
        assert_eq!(Marker::provenance(&source, at).unwrap(), "nel testo testi/contesto.md, riga 4");
        let at = source.find("#errore").unwrap();
        assert_eq!(Marker::provenance(&source, at).unwrap(), "nel testo testi/contesto.md, riga 6");
        let closed = format!("{source}{}#dopo\n", Marker::FineTesto.line());
        let at = closed.find("#dopo").unwrap();
        assert_eq!(Marker::provenance(&closed, at).unwrap(), "testo prodotto dal modello contesto.typ.j2");
        assert_eq!(Marker::provenance("#nulla\n", 3), None);
    }

    #[test]
    fn every_marker_the_built_in_templates_write_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut seen = 0;
        for e in std::fs::read_dir(dir).unwrap().flatten().filter(|e| e.path().is_file()) {
            let text = std::fs::read_to_string(e.path()).unwrap();
            for (n, line) in text.lines().enumerate() {
                // A marker is a line of its own (prose in a template's comments may name one).
                if line.trim_start().starts_with(OPEN) {
                    seen += 1;
                    assert!(Marker::parse(line).is_some(), "{}:{}: {line}", e.path().display(), n + 1);
                }
            }
        }
        assert!(seen > 50, "the templates write their markers ({seen})");
    }
}
