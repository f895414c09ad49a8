//! The staff's narrative texts (Markdown) converted to Typst markup, safely.
//!
//! Only a small, predictable subset is understood: paragraphs, headings (`#`, `##`, `###`, placed
//! below the chapter that includes the text), bullet lists (`- `), numbered lists (`1. `),
//! `**bold**` and `*italic*`. Every other character is text: it is escaped, so nothing a user
//! types can run as Typst code.

/// Escapes text for Typst markup and string literals: every character with a meaning in Typst
/// becomes a `\u{..}` escape, line breaks become `#linebreak()`, control characters are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("#linebreak()");
                }
            }
            '\n' => out.push_str("#linebreak()"),
            // Line and paragraph separators would end a heading or a cell in Typst: a space.
            '\u{2028}' | '\u{2029}' => out.push(' '),
            '\t' => out.push(' '),
            '\\' | '#' | '*' | '_' | '$' | '@' | '<' | '>' | '[' | ']' | '{' | '}' | '~' | '\'' | '"'
            | '`' | '=' | '-' | '+' | '/' | ':' | '.' | '^' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c if c.is_control() => {}
            // Directional overrides and marks would reorder what the reader sees (a spoofing
            // vector): they are shown as what they are.
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("⟨U+{:04X}⟩", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Where a staff text comes from, for messages and for the markers that let a Typst error be
/// traced back to the text's own line.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub file: &'a std::path::Path,
    /// Line number, in the file, of the text's first line (a section of `scostamenti.md` starts
    /// below its `## CODE` heading).
    pub first_line: usize,
}

/// Converts Markdown text to Typst markup. `heading_offset` is added to each heading's level
/// (texts sit inside a chapter, so `#` becomes a level-2 heading with offset 1).
///
/// Each block is preceded by a `// ⟦testo: FILE, riga N⟧` comment, so that a Typst error in it
/// names the staff's file and line. Headings must start at `#` and go down one level at a time:
/// a skipped level would break the document's heading order (PDF/UA), so it is an error naming
/// the line, found by `check` before anything is typeset.
pub fn to_typst(md: &str, heading_offset: usize, origin: Origin) -> Result<String, crate::error::Problem> {
    let mut out = String::new();
    let mut paragraph: Vec<String> = Vec::new();
    let flush = |paragraph: &mut Vec<String>, out: &mut String| {
        if !paragraph.is_empty() {
            out.push_str(&inline(&paragraph.join(" ")));
            out.push_str("\n\n");
            paragraph.clear();
        }
    };
    let file = origin.file.display().to_string().replace(['\n', '\r', '⟧'], " ");
    let mut previous_heading = 0;
    let mut in_comment = false;
    for (i, line) in md.lines().enumerate() {
        let number = origin.first_line + i;
        let t = line.trim();
        // HTML comments are notes for the staff (the sample marker among them): never printed.
        if in_comment || t.starts_with("<!--") {
            in_comment = !t.ends_with("-->");
            continue;
        }
        let starts_block = !t.is_empty() && (paragraph.is_empty() || heading(t).is_some());
        if starts_block {
            flush(&mut paragraph, &mut out);
            out.push_str(&format!("// ⟦testo: {file}, riga {number}⟧\n"));
        }
        if t.is_empty() {
            flush(&mut paragraph, &mut out);
        } else if let Some((level, title)) = heading(t) {
            if level > previous_heading + 1 {
                let hashes = "#".repeat(previous_heading + 1);
                return Err(crate::error::Problem::new(
                    crate::error::Location::line(origin.file, number),
                    format!(
                        "titolo di livello {level} («{}») senza un titolo di livello {} prima: \
                         i titoli del testo partono da «#» e scendono di un livello alla volta \
                         (qui usare «{hashes} {title}»)",
                        "#".repeat(level),
                        previous_heading + 1
                    ),
                ));
            }
            previous_heading = level;
            out.push_str(&format!("{} {}\n\n", "=".repeat(level + heading_offset), inline(title)));
        } else if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            flush(&mut paragraph, &mut out);
            out.push_str(&format!("- {}\n", inline(item)));
        } else if let Some(item) = numbered(t) {
            flush(&mut paragraph, &mut out);
            out.push_str(&format!("+ {}\n", inline(item)));
        } else {
            paragraph.push(t.to_string());
        }
    }
    flush(&mut paragraph, &mut out);
    // What follows comes from the template again.
    out.push_str(&format!("// {END_OF_TEXT}\n"));
    Ok(out)
}

/// Marker closing a converted text in the generated source.
pub const END_OF_TEXT: &str = "⟦fine testo⟧";

fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|&c| c == '#').count();
    (1..=4).contains(&level).then(|| line[level..].strip_prefix(' ')).flatten().map(|t| (level, t.trim()))
}

fn numbered(line: &str) -> Option<&str> {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0).then(|| line[digits..].strip_prefix(". ")).flatten()
}

/// `**bold**` and `*italic*` (or `_italic_`) around escaped text. Linear in the text: where a
/// marker has no closing one further on, no later occurrence has one either, so it is not looked
/// for again (a text of unmatched `*` once took seconds).
fn inline(text: &str) -> String {
    const MARKERS: [&str; 3] = ["**", "*", "_"];
    let mut out = String::new();
    let mut pos = 0;
    // For each marker: the next occurrence at or after `pos` (absolute), and whether a closing one
    // can still exist.
    let mut next: [Option<usize>; 3] = [None; 3];
    let mut closable = [true; 3];
    let find = |from: usize, m: &str| text[from..].find(m).map(|i| from + i);
    for (k, m) in MARKERS.iter().enumerate() {
        next[k] = find(0, m);
    }
    while pos < text.len() {
        for (k, m) in MARKERS.iter().enumerate() {
            if next[k].is_some_and(|i| i < pos) {
                next[k] = find(pos, m);
            }
        }
        // The earliest usable marker; at a tie the longer one (`**` before `*`).
        let chosen = (0..3)
            .filter(|&k| closable[k])
            .filter_map(|k| next[k].map(|i| (i, k)))
            .min_by_key(|&(i, k)| (i, -(MARKERS[k].len() as i64)));
        let Some((start, k)) = chosen else {
            out.push_str(&escape(&text[pos..]));
            break;
        };
        let marker = MARKERS[k];
        let inner_start = start + marker.len();
        let close = find(inner_start, marker);
        match close {
            Some(end) if end > inner_start && !text[inner_start..].starts_with(' ') => {
                out.push_str(&escape(&text[pos..start]));
                let f = if marker == "**" { "strong" } else { "emph" };
                out.push_str(&format!("#{f}[{}]", escape(&text[inner_start..end])));
                pos = end + marker.len();
            }
            None => {
                // No closing marker anywhere after: this marker is plain text from here on.
                closable[k] = false;
            }
            Some(_) => {
                out.push_str(&escape(&text[pos..inner_start]));
                pos = inner_start;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(escape("#read(\"/etc/passwd\")"), "\\u{23}read(\\u{22}\\u{2f}etc\\u{2f}passwd\\u{22})");
        assert_eq!(escape("a*b_c$d@e"), "a\\u{2a}b\\u{5f}c\\u{24}d\\u{40}e");
        assert_eq!(escape("riga1\nriga2"), "riga1#linebreak()riga2");
        assert_eq!(escape("ok\u{7}"), "ok");
        assert_eq!(escape("Qualità €"), "Qualità €");
        assert_eq!(escape("a\u{202E}b"), "a⟨U+202E⟩b");
        assert_eq!(escape("titolo\u{2028}= altro"), "titolo \\u{3d} altro");
    }

    fn origin() -> Origin<'static> {
        Origin { file: std::path::Path::new("testi/premessa.md"), first_line: 1 }
    }

    /// The converted text without the origin markers.
    fn typst(md: &str) -> String {
        let out = to_typst(md, 1, origin()).unwrap();
        out.lines().filter(|l| !l.starts_with("// ⟦")).map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn markdown_subset() {
        let md = "# Titolo\n\nUn paragrafo\nsu due righe con **grassetto** e *corsivo*.\n\n- uno\n- due\n\n1. primo\n";
        assert_eq!(
            typst(md),
            "== Titolo\n\nUn paragrafo su due righe con #strong[grassetto] e #emph[corsivo]\\u{2e}\n\n- uno\n- due\n+ primo\n"
        );
    }

    #[test]
    fn each_block_names_its_file_and_line() {
        let out =
            to_typst("# Titolo\n\nUn paragrafo\nsu due righe\n", 1, Origin { first_line: 10, ..origin() })
                .unwrap();
        assert!(out.contains("// ⟦testo: testi/premessa.md, riga 10⟧\n== Titolo"), "{out}");
        assert!(out.contains("// ⟦testo: testi/premessa.md, riga 12⟧\nUn paragrafo su due righe"), "{out}");
    }

    #[test]
    fn a_skipped_heading_level_is_an_error_with_its_line() {
        let e = to_typst("Testo.\n\n## Sezione\n", 1, origin()).unwrap_err();
        assert_eq!(e.location.to_string(), "testi/premessa.md, riga 3");
        assert!(
            e.message.starts_with("titolo di livello 2 («##») senza un titolo di livello 1 prima"),
            "{e}"
        );
        assert!(e.message.ends_with("(qui usare «# Sezione»)"), "{e}");
        assert!(to_typst("# A\n\n## B\n\n# C\n\n## D\n", 1, origin()).is_ok());
    }

    #[test]
    fn unmatched_markers_stay_text_in_linear_time() {
        assert_eq!(typst("a * b ** c _d_"), "a \\u{2a} b \\u{2a}\\u{2a} c #emph[d]\n\n");
        let many = "*x ".repeat(100_000);
        let started = std::time::Instant::now();
        let out = typst(&many);
        assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
        assert!(out.contains("x"));
    }

    #[test]
    fn markdown_cannot_inject() {
        let out = typst("#set page(width: 1cm)\n\n= x");
        assert!(!out.contains("#set"), "{out}");
        assert!(out.starts_with("\\u{23}set page"), "{out}");
    }
}
