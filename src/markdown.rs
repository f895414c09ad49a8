//! The staff's narrative texts (Markdown) converted to Typst markup or HTML, safely.
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

/// What a converted text is written in: the Typst source of the PDF or the HTML of the web
/// edition. The Markdown is read once, by [`convert`]; a target only spells each block.
trait Target {
    /// Text as it must appear in the target: every markup character escaped.
    fn text(&self, s: &str) -> String;
    /// `strong` or `emph` around already converted text.
    fn inline(&self, strong: bool, inner: &str) -> String;
    fn heading(&self, level: usize, inner: &str) -> String;
    fn paragraph(&self, inner: &str) -> String;
    fn item(&self, numbered: bool, inner: &str) -> String;
    fn list(&self, numbered: bool, open: bool) -> String;
    /// A note before each block naming the staff's file and line.
    fn origin(&self, file: &str, line: usize) -> String;
    fn end(&self) -> String;
}

struct Typst;

impl Target for Typst {
    fn text(&self, s: &str) -> String {
        escape(s)
    }
    fn inline(&self, strong: bool, inner: &str) -> String {
        format!("#{}[{inner}]", if strong { "strong" } else { "emph" })
    }
    fn heading(&self, level: usize, inner: &str) -> String {
        format!("{} {inner}\n\n", "=".repeat(level))
    }
    fn paragraph(&self, inner: &str) -> String {
        format!("{inner}\n\n")
    }
    fn item(&self, numbered: bool, inner: &str) -> String {
        format!("{} {inner}\n", if numbered { "+" } else { "-" })
    }
    fn list(&self, _numbered: bool, _open: bool) -> String {
        String::new()
    }
    fn origin(&self, file: &str, line: usize) -> String {
        format!("// ⟦testo: {file}, riga {line}⟧\n")
    }
    fn end(&self) -> String {
        // What follows comes from the template again.
        format!("// {END_OF_TEXT}\n")
    }
}

struct Html;

impl Target for Html {
    fn text(&self, s: &str) -> String {
        escape_html(s)
    }
    fn inline(&self, strong: bool, inner: &str) -> String {
        let tag = if strong { "strong" } else { "em" };
        format!("<{tag}>{inner}</{tag}>")
    }
    fn heading(&self, level: usize, inner: &str) -> String {
        let h = level.min(6);
        format!("<h{h}>{inner}</h{h}>\n")
    }
    fn paragraph(&self, inner: &str) -> String {
        format!("<p>{inner}</p>\n")
    }
    fn item(&self, _numbered: bool, inner: &str) -> String {
        format!("<li>{inner}</li>\n")
    }
    fn list(&self, numbered: bool, open: bool) -> String {
        let tag = if numbered { "ol" } else { "ul" };
        if open { format!("<{tag}>\n") } else { format!("</{tag}>\n") }
    }
    fn origin(&self, _file: &str, _line: usize) -> String {
        String::new()
    }
    fn end(&self) -> String {
        String::new()
    }
}

/// Escapes text for HTML content and attribute values; control characters are dropped and
/// directional overrides shown as what they are, as in [`escape`].
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() => {}
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("⟨U+{:04X}⟩", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Converts Markdown text to Typst markup. `heading_offset` is added to each heading's level
/// (texts sit inside a chapter, so `#` becomes a level-2 heading with offset 1).
///
/// Each block is preceded by a `// ⟦testo: FILE, riga N⟧` comment, so that a Typst error in it
/// names the staff's file and line. Headings must start at `#` and go down one level at a time:
/// a skipped level would break the document's heading order (PDF/UA), so it is an error naming
/// the line, found by `check` before anything is typeset.
pub fn to_typst(md: &str, heading_offset: usize, origin: Origin) -> Result<String, crate::error::Problem> {
    convert(md, heading_offset, origin, &Typst)
}

/// Converts Markdown text to HTML for the web edition, by the same reading as [`to_typst`]
/// (`heading_offset` as there: `#` in a chapter's text becomes `<h2>` with offset 1).
pub fn to_html(md: &str, heading_offset: usize, origin: Origin) -> Result<String, crate::error::Problem> {
    convert(md, heading_offset, origin, &Html)
}

fn convert(
    md: &str,
    heading_offset: usize,
    origin: Origin,
    target: &dyn Target,
) -> Result<String, crate::error::Problem> {
    let mut out = String::new();
    let mut paragraph: Vec<String> = Vec::new();
    // The list being written: numbered or not.
    let mut list: Option<bool> = None;
    let flush = |paragraph: &mut Vec<String>, out: &mut String| {
        if !paragraph.is_empty() {
            out.push_str(&target.paragraph(&inline(&paragraph.join(" "), target)));
            paragraph.clear();
        }
    };
    let close_list = |list: &mut Option<bool>, out: &mut String| {
        if let Some(numbered) = list.take() {
            out.push_str(&target.list(numbered, false));
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
        let item = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")).map(|x| (false, x));
        let item = item.or_else(|| numbered(t).map(|x| (true, x)));
        if list.is_some() && !t.is_empty() && item.is_none_or(|(n, _)| Some(n) != list) {
            flush(&mut paragraph, &mut out);
            close_list(&mut list, &mut out);
        }
        if starts_block {
            flush(&mut paragraph, &mut out);
            out.push_str(&target.origin(&file, number));
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
            out.push_str(&target.heading(level + heading_offset, &inline(title, target)));
        } else if let Some((numbered, text)) = item {
            flush(&mut paragraph, &mut out);
            if list.is_none() {
                out.push_str(&target.list(numbered, true));
                list = Some(numbered);
            }
            out.push_str(&target.item(numbered, &inline(text, target)));
        } else {
            paragraph.push(t.to_string());
        }
    }
    flush(&mut paragraph, &mut out);
    close_list(&mut list, &mut out);
    out.push_str(&target.end());
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
fn inline(text: &str, target: &dyn Target) -> String {
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
            out.push_str(&target.text(&text[pos..]));
            break;
        };
        let marker = MARKERS[k];
        let inner_start = start + marker.len();
        let close = find(inner_start, marker);
        match close {
            Some(end) if end > inner_start && !text[inner_start..].starts_with(' ') => {
                out.push_str(&target.text(&text[pos..start]));
                out.push_str(&target.inline(marker == "**", &target.text(&text[inner_start..end])));
                pos = end + marker.len();
            }
            None => {
                // No closing marker anywhere after: this marker is plain text from here on.
                closable[k] = false;
            }
            Some(_) => {
                out.push_str(&target.text(&text[pos..inner_start]));
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
    fn the_same_reading_gives_html() {
        let md = "# Titolo\n\nUn <b>paragrafo</b> con **grassetto**.\n\n- uno\n- due\n\n1. primo\n";
        assert_eq!(
            to_html(md, 1, origin()).unwrap(),
            "<h2>Titolo</h2>\n<p>Un &lt;b&gt;paragrafo&lt;/b&gt; con <strong>grassetto</strong>.</p>\n\
             <ul>\n<li>uno</li>\n<li>due</li>\n</ul>\n<ol>\n<li>primo</li>\n</ol>\n"
        );
    }

    #[test]
    fn markdown_cannot_inject() {
        let out = typst("#set page(width: 1cm)\n\n= x");
        assert!(!out.contains("#set"), "{out}");
        assert!(out.starts_with("\\u{23}set page"), "{out}");
    }
}
