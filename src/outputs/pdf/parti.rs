//! Parts: the generated Typst source cut into documents of bounded size, each typeset and
//! published as a PDF of its own.
//!
//! Why: Typst holds a whole document's layout in memory (≈ 2,5 MB a page for our tables), so a plan
//! of 10.000 indicators (≈ 2.700 pages) needs ≈ 7 GB in one piece. Cut into parts, each typeset by
//! a child process that gives its memory back when it exits, two at a time on two cores (see
//! `processi`; where no child may be started, one after the other with Typst's cache emptied
//! between them), memory is bounded by the largest parts, and time grows linearly with the plan. A
//! plan of a chamber's size is one part: the same document as before.
//!
//! The templates say where a part may end, with comment lines in the source (invisible in the PDF):
//! - `// ⟦corpo⟧` ends the preamble (styles and functions), which every part repeats;
//! - `// ⟦taglio⟧` a part may end here;
//! - `// ⟦tabella⟧` … `// ⟦righe⟧` frame the opening of a table (the call and its header) whose
//!   rows may be cut: a part ending inside it closes the table, the next one opens it again with
//!   the header; `// ⟦fine tabella⟧` follows the table's closing parenthesis.
//!
//! A part ends at the first cut point after its text passed the budget, so the size of a part is
//! the budget plus at most one uncut stretch. Local templates without the markers give one part.
//! Staff and spreadsheet text can never make a marker line: escaping turns `/` into `\u{2f}`.

/// A source up to this size is one part, typeset in one piece (Typst's peak near 450 MB): a
/// chamber's Relazione (Modena: 0,3 MB of source, 65 pages) and one twice as large stay one
/// document.
pub const WHOLE: usize = 640 * 1024;

/// Source bytes per part of a larger source. Measured on this machine (BENCHMARKS.md, «parts in
/// child processes»): Typst's peak is about 700 bytes of memory per byte of source for our tables, so a
/// part stays near 300 MB, and two laid out at once in child processes (see `processi`) with the
/// process that made them stay under 1 GiB.
pub const BUDGET: usize = 400 * 1024;
const _: () = assert!(BUDGET < WHOLE, "a part of a cut source is smaller than a whole one");

/// The budget for a source of `len` bytes: unbounded (one part) up to [`WHOLE`], else [`BUDGET`].
pub fn budget(len: usize) -> usize {
    if len <= WHOLE { usize::MAX } else { BUDGET }
}

use crate::marker::Marker;

/// The source cut into parts, before the parts are named.
#[derive(Debug)]
pub struct Parti {
    preamble: String,
    chunks: Vec<Chunk>,
}

#[derive(Debug, Default)]
struct Chunk {
    text: String,
    /// The headings a part begins under (markup; level 1 first), repeated at its start with
    /// «(segue)»: a tagged PDF begins with a level-1 heading and never skips a level.
    segue: Vec<String>,
    /// Markup of the first level-1 or level-2 heading the part holds (or continues).
    inizio: String,
}

/// Cuts `source` into parts of about `budget` bytes at the templates' cut points.
pub fn split(source: &str, budget: usize) -> Parti {
    let body_line = Marker::Corpo.line();
    let Some(start) = source.find(&format!("\n{body_line}")) else {
        return Parti { preamble: String::new(), chunks: vec![Chunk::whole(source)] };
    };
    let end = start + 1 + body_line.len();
    let (preamble, body) = (source[..end].to_string(), &source[end..]);
    let mut chunks = vec![Chunk::default()];
    let mut opening: Option<String> = None;
    let mut in_opening = false;
    let mut headings: Vec<String> = Vec::new();
    for line in body.split_inclusive('\n') {
        let text = line.trim_end_matches('\n');
        let marker = Marker::parse(text);
        let full = chunks.last().is_some_and(|c| c.text.len() >= budget);
        match marker {
            Some(Marker::Tabella) => {
                opening = Some(String::new());
                in_opening = true;
            }
            Some(Marker::Righe) => in_opening = false,
            Some(Marker::FineTabella) => opening = None,
            Some(Marker::Taglio) if full => {
                if opening.is_some() {
                    chunks.last_mut().expect("never empty").text.push_str(")\n");
                }
                let text = opening.clone().unwrap_or_default();
                chunks.push(Chunk { text, segue: headings.clone(), inizio: String::new() });
                continue;
            }
            _ => {}
        }
        if in_opening && marker != Some(Marker::Tabella) {
            opening.get_or_insert_with(String::new).push_str(line);
        }
        if opening.is_none()
            && let Some((level, h)) = heading(text)
        {
            headings.truncate(level - 1);
            headings.push(h.to_string());
        }
        chunks.last_mut().expect("never empty").text.push_str(line);
    }
    // A part that begins with a heading repeats only the headings above it; it is named by its
    // first chapter or section.
    for c in &mut chunks {
        let first = c.text.lines().find(|l| !l.trim().is_empty() && !l.starts_with("//"));
        let mut named = c.segue.clone();
        let starts_with = first.and_then(heading);
        if let Some((level, h)) = starts_with {
            c.segue.truncate(level - 1);
            named.truncate(level - 1);
            named.push(h.to_string());
        }
        let continued = named.len() > 2 || starts_with.is_none();
        named.truncate(2);
        c.inizio = match named.pop() {
            Some(h) if continued => format!("{h} (segue)"),
            Some(h) => h,
            None => String::new(),
        };
    }
    Parti { preamble, chunks }
}

/// A heading line of the generated source: its level and its markup without a label
/// (`=== 3.3.1 Stato di salute <indice>` → 3, `3.3.1 Stato di salute`: a label names one place).
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|b| *b == b'=').count();
    let text = line[level..].strip_prefix(' ')?;
    let text = match text.rsplit_once(" <") {
        Some((t, label)) if label.ends_with('>') && !label.contains(' ') => t,
        _ => text,
    };
    (level > 0).then_some((level, text))
}

impl Chunk {
    fn whole(source: &str) -> Chunk {
        Chunk { text: source.to_string(), segue: Vec::new(), inizio: String::new() }
    }
}

impl Parti {
    /// How many documents the Relazione is published in.
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The Typst source of each part, given the file name each part is published under. Each
    /// begins with what the templates read of the parts (`parte`, `parti`, `segue`), then the
    /// preamble, then its text.
    pub fn sources(&self, files: &[String]) -> Vec<String> {
        let list: String = files
            .iter()
            .zip(&self.chunks)
            .map(|(f, c)| format!("  (file: {}, inizio: [{}]),\n", crate::escape::typst_string(f), c.inizio))
            .collect();
        let n = self.chunks.len();
        self.chunks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let segue = if c.segue.is_empty() {
                    String::new()
                } else {
                    let titles: String = c.segue.iter().map(|h| format!("[{h}], ")).collect();
                    format!("#segue(({titles}))\n\n")
                };
                format!(
                    "{}#let parte = (numero: {k}, di: {n})\n#let parti = (\n{list})\n{SEGUE}\n{}{segue}{}",
                    Marker::Parte { numero: i + 1, di: n }.line(),
                    self.preamble,
                    c.text,
                    k = i + 1,
                )
            })
            .collect()
    }
}

/// Where a part begins inside a chapter: the headings it continues, each with «(segue)» and its
/// level. A local `stile.typ.j2` may define its own `segue` after this one.
const SEGUE: &str =
    "#let segue(titoli) = for (i, t) in titoli.enumerate() { heading(level: i + 1, [#t (segue)]) }";

/// A source typeset as one document (the OIV's papers, the live preview): with what the templates
/// read of the parts, for one part.
pub fn whole(source: &str, file: &str) -> String {
    split(source, usize::MAX).sources(&[file.to_string()]).swap_remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(rows: usize) -> String {
        let mut s =
            String::from("#set text(lang: \"it\")\n// ⟦corpo⟧\n= 1. Capitolo\n\nTesto.\n// ⟦taglio⟧\n");
        s.push_str(
            "== Allegato 1\n// ⟦tabella⟧\n#table(columns: 2,\n  intestazione([A], [B]),\n// ⟦righe⟧\n",
        );
        for r in 0..rows {
            s.push_str(&format!("// ⟦taglio⟧\n  [riga {r}], [x],\n"));
        }
        s.push_str(")\n// ⟦fine tabella⟧\n// ⟦taglio⟧\n= 2. Altro\n\nFine.\n");
        s
    }

    #[test]
    fn a_chambers_relazione_is_never_cut_and_a_larger_source_is_cut_to_the_budget() {
        assert_eq!(budget(300 * 1024), usize::MAX);
        assert_eq!(budget(WHOLE), usize::MAX);
        assert_eq!(budget(WHOLE + 1), BUDGET);
    }

    #[test]
    fn a_source_within_the_budget_is_one_part_with_its_text_unchanged() {
        let s = source(10);
        let p = split(&s, BUDGET);
        assert_eq!(p.len(), 1);
        let out = &p.sources(&["a.pdf".into()])[0];
        assert!(out.contains("#let parte = (numero: 1, di: 1)"), "{out}");
        // Preamble and body as the templates wrote them (markers included).
        let (_, rest) = out.split_once("#set text").expect("the preamble");
        assert_eq!(format!("#set text{rest}"), s);
    }

    #[test]
    fn a_part_ending_inside_a_table_closes_it_and_the_next_opens_it_with_its_header() {
        let s = source(200);
        let p = split(&s, 1000);
        assert!(p.len() > 3, "{}", p.len());
        let names: Vec<String> = (1..=p.len()).map(|k| format!("p{k}.pdf")).collect();
        let parts = p.sources(&names);
        for (k, part) in parts.iter().enumerate() {
            assert!(part.contains("#set text(lang: \"it\")"), "part {k} has the preamble");
            let opens = part.matches("#table(").count();
            assert_eq!(opens, part.matches("intestazione([A], [B])").count(), "part {k}");
            // Every table opened is closed: parentheses balance outside the preamble.
            let body = part.split_once("// ⟦corpo⟧").map_or(part.as_str(), |(_, b)| b);
            assert_eq!(body.matches('(').count(), body.matches(')').count(), "part {k}:\n{body}");
        }
        // Every row is in exactly one part, in order.
        let all: String = parts.concat();
        for r in 0..200 {
            assert_eq!(all.matches(&format!("[riga {r}],")).count(), 1, "row {r}");
        }
        // A part inside the annex says where it continues; the last starts with its chapter.
        assert!(parts[1].contains("#segue(([1. Capitolo], [Allegato 1], ))"), "{}", parts[1]);

        assert!(parts.iter().all(|p| p.contains("(file: \"p2.pdf\", inizio: [Allegato 1 (segue)])")));
    }

    #[test]
    fn a_part_beginning_with_a_heading_repeats_only_the_headings_above_it() {
        let s = "#set text(lang: \"it\")\n// ⟦corpo⟧\n= A\n== A.1\nTesto.\n// ⟦taglio⟧\n= B <indice>\nTesto.\n\
                 // ⟦taglio⟧\n=== B.1.1\nTesto.\n";
        let p = split(s, 1);
        assert_eq!(p.len(), 3);
        let parts = p.sources(&["1".into(), "2".into(), "3".into()]);
        assert!(!parts[1].contains("#segue("), "{}", parts[1]);
        // Level 3 under level 1: the missing level 2 is never invented; level 1 is repeated.
        assert!(parts[2].contains("#segue(([B], ))"), "{}", parts[2]);
        assert!(parts[0].contains("(file: \"1\", inizio: [A])"), "{}", parts[0]);
        assert!(parts[0].contains("(file: \"2\", inizio: [B])"), "{}", parts[0]);
    }

    #[test]
    fn without_the_preamble_marker_the_source_is_one_part() {
        let s = "#set text(lang: \"it\")\n= Titolo\n// ⟦taglio⟧\nTesto\n".repeat(50);
        assert_eq!(split(&s, 10).len(), 1);
    }

    #[test]
    fn every_part_but_the_last_reaches_the_budget() {
        let s = source(500);
        let budget = 2000;
        let p = split(&s, budget);
        for c in &p.chunks[..p.chunks.len() - 1] {
            assert!(c.text.len() >= budget && c.text.len() < budget + 200, "{}", c.text.len());
        }
    }
}
