//! The staff's narrative texts (CommonMark, read by `pulldown-cmark`) converted to Typst markup
//! or HTML, safely: one reading, two spellings.
//!
//! Understood: paragraphs, headings (placed below the chapter that includes the text, without
//! skipped levels), bullet and numbered lists, emphasis, strong, strikethrough, links (web and
//! e-mail addresses), images placed beside the texts (PNG, JPEG, SVG, with their alternative
//! text), tables, footnotes, quotes, code and rules. Every character of the text is escaped, so
//! nothing a user types can run as Typst code or HTML. What cannot be rendered (raw HTML, a link
//! to a local file, an image elsewhere or without alternative text, a heading that skips a level,
//! nesting beyond [`MAX_DEPTH`]) is a problem naming the file and line, found by `check`.

use crate::error::{Location, Problem};
use crate::escape::{html as escape_html, typst_markup as escape, typst_string};
use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::BTreeMap;
use std::path::Path;

/// Where a staff text comes from, for messages and for the markers that let a Typst error be
/// traced back to the text's own line.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub file: &'a std::path::Path,
    /// Line number, in the file, of the text's first line (a section of `scostamenti.md` starts
    /// below its `## CODE` heading).
    pub first_line: usize,
}

/// Containers (lists, quotes, tables…) may nest this deep; deeper is refused, so that no text can
/// make the typesetter recurse without bound.
pub const MAX_DEPTH: usize = 32;

/// Image formats a text may place.
const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "svg"];

/// Images placed by the texts: (name under [`IMAGE_DIR`], the bytes to publish, checked and made
/// inert by [`crate::inputs::immagini::load`]).
pub type Images = Vec<(String, Vec<u8>)>;

/// A text converted, with the images it places.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    pub text: String,
    pub images: Images,
}

/// Folder, inside the document's virtual files and the web edition, that holds the texts' images.
pub const IMAGE_DIR: &str = "immagini";

#[derive(Clone, Copy, PartialEq)]
enum Markup {
    Typst,
    Html,
}

/// Converts Markdown text to Typst markup. `heading_offset` is added to each heading's level
/// (texts sit inside a chapter, so `#` becomes a level-2 heading with offset 1).
///
/// Each top-level block is preceded by a `// ⟦testo: FILE, riga N⟧` comment, so that a Typst error
/// in it names the staff's file and line. Headings must start at `#` and go down one level at a
/// time: a skipped level would break the document's heading order (PDF/UA).
pub fn to_typst(md: &str, heading_offset: usize, origin: Origin) -> Result<Converted, Problem> {
    let md = without_private(md);
    Writer::new(&md, heading_offset, origin, Markup::Typst).run()
}

/// Converts Markdown text to HTML for the web edition, by the same reading as [`to_typst`].
pub fn to_html(md: &str, heading_offset: usize, origin: Origin) -> Result<Converted, Problem> {
    let md = without_private(md);
    Writer::new(&md, heading_offset, origin, Markup::Html).run()
}

/// The text with the private-use characters the converter uses as placeholders replaced by
/// U+FFFD (same length in UTF-8, so offsets and lines stay): no text can forge a footnote
/// reference, in prose, code or a URL.
fn without_private(md: &str) -> std::borrow::Cow<'_, str> {
    if md.contains(crate::escape::PRIVATE) {
        md.replace(crate::escape::PRIVATE, "\u{FFFD}").into()
    } else {
        md.into()
    }
}

/// Footnotes one text may have: each is a float the typesetter places, and tens of thousands
/// would take it minutes.
pub const MAX_NOTES: usize = 300;

/// Characters one paragraph, heading, table cell or code block may have: the typesetter breaks a
/// paragraph into lines as a whole, and a very long one (thousands of words) can take it seconds.
pub const MAX_BLOCK_CHARS: usize = 4_000;

/// Columns a text's table may have (a page holds about ten readable ones).
pub const MAX_TABLE_COLUMNS: usize = 30;

/// Cells all the tables of one text may have together (each is laid out by the typesetter).
pub const MAX_TABLE_CELLS: usize = 600;

/// Characters that mark a footnote reference in the output until the notes are known; between
/// them, the reference's number in `Writer::references` (never the label the text gave).
const NOTE_OPEN: char = crate::escape::PRIVATE[0];
const NOTE_CLOSE: char = crate::escape::PRIVATE[1];

/// An open container and what it has collected.
struct Frame {
    kind: FrameKind,
    out: String,
}

enum FrameKind {
    Root,
    Paragraph,
    Heading(usize),
    Quote,
    Code,
    List(Option<u64>),
    Item,
    Note(String),
    Table(Vec<Alignment>),
    Head,
    Row,
    Cell,
    Emphasis,
    Strong,
    Strike,
    Link(String),
    Image(String),
    /// HTML blocks: comments (the sample marker among them) are dropped.
    Html,
}

struct Writer<'a> {
    md: &'a str,
    offset: usize,
    origin: Origin<'a>,
    target: Markup,
    stack: Vec<Frame>,
    notes: BTreeMap<String, String>,
    /// Footnote labels in the order of their first reference.
    references: Vec<String>,
    /// Byte offset where each line of `md` begins.
    line_starts: Vec<usize>,
    /// Table cells read so far.
    table_cells: usize,
    /// Characters of the paragraph, heading, cell or code block being read.
    block_chars: usize,
    images: Images,
    previous_heading: usize,
    /// Cells of the table row being read, and whether it is the header row.
    cells: Vec<String>,
    in_head: bool,
    /// Rows of the table being read: (cells, header).
    rows: Vec<(Vec<String>, bool)>,
}

impl<'a> Writer<'a> {
    fn new(md: &'a str, offset: usize, origin: Origin<'a>, target: Markup) -> Self {
        Writer {
            md,
            offset,
            origin,
            target,
            stack: vec![Frame { kind: FrameKind::Root, out: String::new() }],
            notes: BTreeMap::new(),
            references: Vec::new(),
            line_starts: std::iter::once(0).chain(md.match_indices('\n').map(|(i, _)| i + 1)).collect(),
            table_cells: 0,
            block_chars: 0,
            images: Vec::new(),
            previous_heading: 0,
            cells: Vec::new(),
            in_head: false,
            rows: Vec::new(),
        }
    }

    /// The line of byte `at` (texts are read with their line ends made `\n`: see
    /// [`crate::error::read_text`]).
    fn line(&self, at: usize) -> usize {
        self.origin.first_line + self.line_starts.partition_point(|&s| s <= at).saturating_sub(1)
    }

    fn problem(&self, at: usize, message: impl Into<String>) -> Problem {
        Problem::new(Location::line(self.origin.file, self.line(at)), message)
    }

    fn text(&self, s: &str) -> String {
        match self.target {
            Markup::Typst => escape(s),
            Markup::Html => escape_html(s),
        }
    }

    fn push(&mut self, s: &str) {
        self.stack.last_mut().expect("the root frame stays").out.push_str(s);
    }

    fn open(&mut self, kind: FrameKind, at: usize) -> Result<(), Problem> {
        if self.stack.len() > MAX_DEPTH {
            return Err(
                self.problem(at, format!("testo annidato oltre {MAX_DEPTH} livelli (elenchi, citazioni…)"))
            );
        }
        let block = !matches!(
            kind,
            FrameKind::Emphasis
                | FrameKind::Strong
                | FrameKind::Strike
                | FrameKind::Link(_)
                | FrameKind::Image(_)
                | FrameKind::Cell
                | FrameKind::Row
                | FrameKind::Head
        );
        if self.target == Markup::Typst && block && self.stack.len() == 1 {
            let marker = crate::marker::Marker::Testo {
                file: self.origin.file.display().to_string(),
                riga: self.line(at),
            };
            self.push(&marker.line());
        }
        if matches!(
            kind,
            FrameKind::Paragraph
                | FrameKind::Heading(_)
                | FrameKind::Cell
                | FrameKind::Code
                | FrameKind::Item
        ) {
            self.block_chars = 0;
        }
        self.stack.push(Frame { kind, out: String::new() });
        Ok(())
    }

    fn run(mut self) -> Result<Converted, Problem> {
        let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
        let md = self.md;
        for (event, range) in Parser::new_ext(md, options).into_offset_iter() {
            let at = range.start;
            match event {
                Event::Start(tag) => self.start(tag, at)?,
                Event::End(tag) => self.end(tag, at)?,
                Event::Text(t) => {
                    self.block_chars += t.chars().count();
                    if self.block_chars > MAX_BLOCK_CHARS {
                        return Err(self.problem(
                            at,
                            format!("paragrafo (o cella, titolo, codice) di oltre {MAX_BLOCK_CHARS} caratteri: dividerlo in paragrafi più brevi"),
                        ));
                    }
                    let in_code = matches!(self.stack.last().map(|f| &f.kind), Some(FrameKind::Code));
                    let in_html = matches!(self.stack.last().map(|f| &f.kind), Some(FrameKind::Html));
                    if in_code {
                        self.push(&t);
                    } else if !in_html {
                        let escaped = self.text(&t);
                        self.push(&escaped);
                    }
                }
                Event::Code(t) => {
                    let code = match self.target {
                        Markup::Typst => format!("#raw({});", typst_string(&t)),
                        Markup::Html => format!("<code>{}</code>", escape_html(&t)),
                    };
                    self.push(&code);
                }
                Event::Html(h) | Event::InlineHtml(h) => {
                    let comment = h.trim_start().starts_with("<!--")
                        || matches!(self.stack.last().map(|f| &f.kind), Some(FrameKind::Html))
                            && !h.contains('<');
                    if !comment && !h.trim().is_empty() && !h.trim_end().ends_with("-->") {
                        return Err(self.problem(
                            at,
                            format!(
                                "HTML non ammesso nei testi («{}»): usare la sintassi Markdown",
                                h.trim().chars().take(40).collect::<String>()
                            ),
                        ));
                    }
                }
                Event::FootnoteReference(label) => self.reference(&label, at)?,
                Event::SoftBreak => self.push(" "),
                Event::HardBreak => {
                    self.push(if self.target == Markup::Typst { "#linebreak();" } else { "<br>" })
                }
                Event::Rule => {
                    self.open(FrameKind::Paragraph, at)?;
                    self.stack.pop();
                    self.push(if self.target == Markup::Typst {
                        "#line(length: 100%)\n\n"
                    } else {
                        "<hr>\n"
                    });
                }
                Event::TaskListMarker(_) | Event::InlineMath(_) | Event::DisplayMath(_) => {}
            }
        }
        let root = self.stack.pop().expect("the root frame").out;
        let text = self.place_notes(root)?;
        let mut text = text;
        if self.target == Markup::Typst {
            // What follows comes from the template again.
            text.push_str(&crate::marker::Marker::FineTesto.line());
        }
        Ok(Converted { text, images: self.images })
    }

    fn start(&mut self, tag: Tag, at: usize) -> Result<(), Problem> {
        let kind = match tag {
            Tag::Paragraph => FrameKind::Paragraph,
            Tag::Heading { level, .. } => {
                let level = heading_number(level);
                if level > self.previous_heading + 1 {
                    let hashes = "#".repeat(self.previous_heading + 1);
                    let title: String =
                        self.md[at..].lines().next().unwrap_or("").trim_start_matches('#').trim().to_string();
                    return Err(self.problem(
                        at,
                        format!(
                            "titolo di livello {level} («{}») senza un titolo di livello {} prima: i titoli del testo \
                             partono da «#» e scendono di un livello alla volta (qui usare «{hashes} {title}»)",
                            "#".repeat(level),
                            self.previous_heading + 1
                        ),
                    ));
                }
                self.previous_heading = level;
                FrameKind::Heading(level)
            }
            Tag::BlockQuote(_) => FrameKind::Quote,
            Tag::CodeBlock(k) => {
                let _ = matches!(k, CodeBlockKind::Fenced(_));
                FrameKind::Code
            }
            Tag::HtmlBlock => FrameKind::Html,
            Tag::List(start) => FrameKind::List(start),
            Tag::Item => FrameKind::Item,
            Tag::FootnoteDefinition(label) => FrameKind::Note(label.to_string()),
            Tag::Table(align) => {
                if align.len() > MAX_TABLE_COLUMNS {
                    return Err(self.problem(
                        at,
                        format!("tabella di {} colonne: al massimo {MAX_TABLE_COLUMNS} (una pagina ne contiene una decina leggibili)", align.len()),
                    ));
                }
                self.rows.clear();
                FrameKind::Table(align)
            }
            Tag::TableHead => {
                self.in_head = true;
                self.cells.clear();
                FrameKind::Head
            }
            Tag::TableRow => {
                self.cells.clear();
                FrameKind::Row
            }
            Tag::TableCell => {
                self.table_cells += 1;
                if self.table_cells > MAX_TABLE_CELLS {
                    return Err(
                        self.problem(at, format!("tabelle con più di {MAX_TABLE_CELLS} celle in un testo"))
                    );
                }
                FrameKind::Cell
            }
            Tag::Emphasis => FrameKind::Emphasis,
            Tag::Strong => FrameKind::Strong,
            Tag::Strikethrough => FrameKind::Strike,
            Tag::Link { dest_url, .. } => {
                let url = dest_url.to_string();
                if crate::escape::url(&url).is_none() {
                    return Err(self.problem(
                        at,
                        format!("collegamento «{url}» non ammesso: {}", crate::escape::URL_RULE),
                    ));
                }
                FrameKind::Link(url)
            }
            Tag::Image { dest_url, .. } => FrameKind::Image(self.image(&dest_url, at)?),
            Tag::Superscript
            | Tag::Subscript
            | Tag::MetadataBlock(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition => {
                return Err(self.problem(at, "costrutto Markdown non supportato"));
            }
        };
        self.open(kind, at)
    }

    /// Checks an image's file: beside the texts, by plain name, of a known format and size.
    fn image(&mut self, dest: &str, at: usize) -> Result<String, Problem> {
        let plain = !dest.is_empty()
            && !dest.starts_with('.')
            && dest.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        let ext = dest.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        if !plain || !IMAGE_EXTENSIONS.contains(&ext.as_str()) {
            return Err(self.problem(
                at,
                format!("immagine «{dest}»: indicare il nome di un file PNG, JPEG o SVG che sta accanto ai testi (es. grafico.png)"),
            ));
        }
        let dir = self.origin.file.parent().unwrap_or(Path::new("."));
        if !self.images.iter().any(|(n, _)| n == dest) {
            let path = dir.join(dest);
            if std::fs::symlink_metadata(&path).is_err() {
                return Err(
                    self.problem(at, format!("immagine «{dest}»: file non trovato in {}", dir.display()))
                );
            }
            let bytes = crate::inputs::immagini::load(dir, &path)
                .map_err(|why| self.problem(at, format!("immagine «{dest}»: {why}")))?;
            self.images.push((dest.to_string(), bytes));
        }
        Ok(dest.to_string())
    }

    fn end(&mut self, tag: TagEnd, at: usize) -> Result<(), Problem> {
        let frame = self.stack.pop().expect("every end has its start");
        let inner = frame.out;
        let typst = self.target == Markup::Typst;
        let out = match frame.kind {
            FrameKind::Root => unreachable!("the root frame is never closed by an event"),
            FrameKind::Paragraph => {
                if typst {
                    format!("{inner}\n\n")
                } else {
                    format!("<p>{inner}</p>\n")
                }
            }
            FrameKind::Heading(level) => {
                let level = level + self.offset;
                if typst {
                    format!("{} {}\n\n", "=".repeat(level), inner.trim())
                } else {
                    let h = level.min(6);
                    format!("<h{h}>{}</h{h}>\n", inner.trim())
                }
            }
            FrameKind::Quote => {
                if typst {
                    format!("#quote(block: true)[{inner}]\n\n")
                } else {
                    format!("<blockquote>{inner}</blockquote>\n")
                }
            }
            FrameKind::Code => {
                if typst {
                    format!("#raw(block: true, {})\n\n", typst_string(inner.trim_end()))
                } else {
                    format!("<pre><code>{}</code></pre>\n", escape_html_keep_lines(&inner))
                }
            }
            FrameKind::Html => String::new(),
            FrameKind::List(start) => {
                if typst {
                    match start {
                        Some(n) => format!("#enum(start: {n}, {inner})\n\n"),
                        None => format!("#list({inner})\n\n"),
                    }
                } else {
                    match start {
                        Some(1) => format!("<ol>\n{inner}</ol>\n"),
                        Some(n) => format!("<ol start=\"{n}\">\n{inner}</ol>\n"),
                        None => format!("<ul>\n{inner}</ul>\n"),
                    }
                }
            }
            FrameKind::Item => {
                if typst {
                    format!("[{}], ", inner.trim_end())
                } else {
                    format!("<li>{}</li>\n", inner.trim_end())
                }
            }
            FrameKind::Note(label) => {
                self.notes.insert(label, inner.trim_end().to_string());
                String::new()
            }
            FrameKind::Cell => {
                self.cells.push(inner.trim().to_string());
                String::new()
            }
            FrameKind::Head | FrameKind::Row => {
                let head = matches!(tag, TagEnd::TableHead);
                self.rows.push((std::mem::take(&mut self.cells), head));
                self.in_head = false;
                String::new()
            }
            FrameKind::Table(align) => self.table(&align),
            FrameKind::Emphasis => {
                if typst {
                    format!("#emph[{inner}];")
                } else {
                    format!("<em>{inner}</em>")
                }
            }
            FrameKind::Strong => {
                if typst {
                    format!("#strong[{inner}];")
                } else {
                    format!("<strong>{inner}</strong>")
                }
            }
            FrameKind::Strike => {
                if typst {
                    format!("#strike[{inner}];")
                } else {
                    format!("<s>{inner}</s>")
                }
            }
            FrameKind::Link(url) => {
                if typst {
                    format!("#link({})[{inner}];", typst_string(&url))
                } else {
                    format!("<a href=\"{}\">{inner}</a>", escape_html(&url))
                }
            }
            FrameKind::Image(name) => {
                // The text inside an image is its alternative text (already escaped).
                let alt = strip_markup(&inner, self.target);
                if alt.trim().is_empty() {
                    return Err(self.problem(
                        at,
                        format!("immagine «{name}» senza testo alternativo: scriverlo tra le parentesi quadre, ![descrizione]({name})"),
                    ));
                }
                let alt_source: String =
                    self.md[at..].split(']').next().unwrap_or("").trim_start_matches("![").to_string();
                if typst {
                    format!(
                        "#box(width: 100%, image({}, alt: {}, width: 100%));",
                        typst_string(&format!("{IMAGE_DIR}/{name}")),
                        typst_string(&alt_source)
                    )
                } else {
                    format!(
                        "<img src=\"{IMAGE_DIR}/{}\" alt=\"{}\">",
                        escape_html(&name),
                        escape_html(&alt_source)
                    )
                }
            }
        };
        self.push(&out);
        Ok(())
    }

    /// A table from the rows read: header row, then body rows, aligned as the Markdown says.
    fn table(&mut self, align: &[Alignment]) -> String {
        let rows = std::mem::take(&mut self.rows);
        let cols = align.len().max(1);
        if self.target == Markup::Typst {
            let aligns: Vec<&str> = align
                .iter()
                .map(|a| match a {
                    Alignment::Right => "right",
                    Alignment::Center => "center",
                    _ => "left",
                })
                .collect();
            let mut out = format!("#table(columns: {cols}, align: ({},),\n", aligns.join(", "));
            for (cells, head) in rows {
                let cells: Vec<String> = cells.iter().map(|c| format!("[{c}]")).collect();
                if head {
                    out.push_str(&format!("  table.header({}),\n", cells.join(", ")));
                } else {
                    out.push_str(&format!("  {},\n", cells.join(", ")));
                }
            }
            out.push_str(")\n\n");
            out
        } else {
            let mut out = String::from("<div class=\"scorre\"><table>\n");
            for (cells, head) in rows {
                let tag = if head { "th scope=\"col\"" } else { "td" };
                let close = if head { "th" } else { "td" };
                let cells: String = cells.iter().map(|c| format!("<{tag}>{c}</{close}>")).collect();
                if head {
                    out.push_str(&format!("<thead><tr>{cells}</tr></thead>\n<tbody>\n"));
                } else {
                    out.push_str(&format!("<tr>{cells}</tr>\n"));
                }
            }
            out.push_str("</tbody></table></div>\n");
            out
        }
    }

    /// A footnote reference: its number between the placeholders. A note cannot refer to
    /// another (it would print a note inside a note, or loop).
    fn reference(&mut self, label: &str, at: usize) -> Result<(), Problem> {
        if self.stack.iter().any(|f| matches!(f.kind, FrameKind::Note(_))) {
            return Err(self.problem(
                at,
                format!("la nota contiene un rimando a un'altra nota («[^{label}]»): scriverne il testo nella nota stessa"),
            ));
        }
        let n = match self.references.iter().position(|r| r == label) {
            Some(n) => n,
            None => {
                if self.references.len() >= MAX_NOTES {
                    return Err(self.problem(at, format!("più di {MAX_NOTES} note in un testo")));
                }
                self.references.push(label.to_string());
                self.references.len() - 1
            }
        };
        self.push(&format!("{NOTE_OPEN}{n}{NOTE_CLOSE}"));
        Ok(())
    }

    /// The `id` of note `n` on a web page, unique among the texts a page holds (their file and
    /// first line tell them apart): `1` for the first note of a text's file, `1-12` below line 1.
    fn note_id(&self, n: usize) -> String {
        let stem: String = self
            .origin
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().chars().filter(|c| c.is_ascii_alphanumeric()).collect())
            .unwrap_or_default();
        if self.origin.first_line == 1 {
            format!("{stem}-{n}")
        } else {
            format!("{stem}-{}-{n}", self.origin.first_line)
        }
    }

    /// Puts each footnote where it is referred to (Typst) or numbered at the end (HTML).
    fn place_notes(&self, text: String) -> Result<String, Problem> {
        let mut out = String::with_capacity(text.len());
        let mut used: Vec<usize> = Vec::new();
        let mut rest = text.as_str();
        while let Some(i) = rest.find(NOTE_OPEN) {
            out.push_str(&rest[..i]);
            let after = &rest[i + NOTE_OPEN.len_utf8()..];
            let end = after.find(NOTE_CLOSE).unwrap_or(after.len());
            let index: usize = after[..end].parse().expect("a placeholder holds the number the writer put");
            let label = &self.references[index];
            let Some(note) = self.notes.get(label) else {
                let at = self.md.find(&format!("[^{label}]")).unwrap_or(0);
                return Err(
                    self.problem(at, format!("nota «[^{label}]» senza il suo testo («[^{label}]: …»)"))
                );
            };
            if self.target == Markup::Typst {
                out.push_str(&format!("#footnote[{}];", note.trim()));
            } else {
                let n = used.iter().position(|u| *u == index).unwrap_or_else(|| {
                    used.push(index);
                    used.len() - 1
                }) + 1;
                let id = self.note_id(n);
                out.push_str(&format!("<sup><a href=\"#nota-{id}\" id=\"rimando-{id}\">{n}</a></sup>"));
            }
            rest = &after[(end + NOTE_CLOSE.len_utf8()).min(after.len())..];
        }
        out.push_str(rest);
        if self.target == Markup::Html && !used.is_empty() {
            out.push_str("<ol class=\"note\">\n");
            for (i, index) in used.iter().enumerate() {
                let n = i + 1;
                let note = self.notes[&self.references[*index]].trim();
                // A one-paragraph note reads inline; a longer one keeps its paragraphs.
                let single =
                    note.starts_with("<p>") && note.ends_with("</p>") && note.matches("<p>").count() == 1;
                let note = if single { &note[3..note.len() - 4] } else { note };
                let id = self.note_id(n);
                out.push_str(&format!("<li id=\"nota-{id}\">{note} <a href=\"#rimando-{id}\">↩</a></li>\n"));
            }
            out.push_str("</ol>\n");
        }
        Ok(out)
    }
}

fn heading_number(level: HeadingLevel) -> usize {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// HTML-escaped text with its line breaks kept (code blocks).
fn escape_html_keep_lines(text: &str) -> String {
    text.split('\n').map(escape_html).collect::<Vec<_>>().join("\n")
}

/// Whether converted text has any visible character (the alternative text of an image).
fn strip_markup(converted: &str, target: Markup) -> String {
    match target {
        Markup::Html => converted.replace(['<', '>'], ""),
        Markup::Typst => converted.to_string(),
    }
}

/// The prose of a text, one string per block (paragraph, heading, list item, table cell, note):
/// what a reader reads, without the markup, for measuring readability.
pub fn prose_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES) {
        match event {
            Event::Text(t) | Event::Code(t) => current.push_str(&t),
            Event::SoftBreak | Event::HardBreak => current.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::FootnoteDefinition,
            ) => {
                if !current.trim().is_empty() {
                    blocks.push(std::mem::take(&mut current));
                }
                current.clear();
            }
            _ => {}
        }
    }
    if !current.trim().is_empty() {
        blocks.push(current);
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(escape("#read(\"/etc/passwd\")"), "\\u{23}read(\\u{22}\\u{2f}etc\\u{2f}passwd\\u{22})");
        assert_eq!(escape("a*b_c$d@e"), "a\\u{2a}b\\u{5f}c\\u{24}d\\u{40}e");
        assert_eq!(escape("riga1\nriga2"), "riga1#linebreak();riga2");
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
        let out = to_typst(md, 1, origin()).unwrap().text;
        out.lines().filter(|l| !l.starts_with("// ⟦")).map(|l| format!("{l}\n")).collect()
    }

    fn html(md: &str) -> String {
        to_html(md, 1, origin()).unwrap().text
    }

    #[test]
    fn markdown_blocks_and_emphasis() {
        let md = "# Titolo\n\nUn paragrafo\nsu due righe con **grassetto** e *corsivo*.\n\n- uno\n- due\n\n1. primo\n";
        assert_eq!(
            typst(md),
            "== Titolo\n\nUn paragrafo su due righe con #strong[grassetto]; e #emph[corsivo];\\u{2e}\n\n\
             #list([uno], [due], )\n\n#enum(start: 1, [primo], )\n\n"
        );
    }

    #[test]
    fn each_block_names_its_file_and_line() {
        let out =
            to_typst("# Titolo\n\nUn paragrafo\nsu due righe\n", 1, Origin { first_line: 10, ..origin() })
                .unwrap()
                .text;
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
    fn unmatched_markers_stay_text() {
        // Their cost on a whole text of them is a hostile class with a budget, measured by the
        // kernel in `tests/integration/ostili.rs` (`texts_and_tables_that_ask…`).
        assert_eq!(typst("a * b ** c _d_"), "a \\u{2a} b \\u{2a}\\u{2a} c #emph[d];\n\n");
        let many = format!("{}\n\n", "*x ".repeat(1_000)).repeat(3);
        assert_eq!(typst(&many).matches("\\u{2a}x").count(), 3_000);
    }

    #[test]
    fn markdown_cannot_inject() {
        let out = typst("#set page(width: 1cm)\n\n= x");
        assert!(!out.contains("#set"), "{out}");
        assert!(out.starts_with("\\u{23}set page"), "{out}");
        let out = typst("[clic](https://example.org/)[#read(\"x\")]");
        assert!(!out.contains("#read"), "{out}");
        let e = to_typst("[clic](https://example.org/\")[#read(\"x\")])", 1, origin()).unwrap_err();
        assert!(e.message.starts_with("collegamento «https://example.org/\"» non ammesso"), "{e}");
    }

    #[test]
    fn the_same_reading_gives_html() {
        let md = "# Titolo\n\nUn <b>paragrafo</b> con **grassetto**.\n";
        let e = to_html(md, 1, origin()).unwrap_err();
        assert_eq!(e.location.to_string(), "testi/premessa.md, riga 3");
        assert!(e.message.starts_with("HTML non ammesso nei testi («<b>»)"), "{e}");
        let md = "# Titolo\n\nUn paragrafo con **grassetto** & <!-- nota -->.\n\n- uno\n- due\n\n1. primo\n";
        assert_eq!(
            html(md),
            "<h2>Titolo</h2>\n<p>Un paragrafo con <strong>grassetto</strong> &amp; .</p>\n\
             <ul>\n<li>uno</li>\n<li>due</li>\n</ul>\n<ol>\n<li>primo</li>\n</ol>\n"
        );
    }

    #[test]
    fn tables_links_and_footnotes_in_both_spellings() {
        let md = "| Anno | Valore |\n|---|---:|\n| 2024 | 62 |\n\nVedi [il PIAO](https://example.org/piao)[^1].\n\n\
                  [^1]: Approvato dalla Giunta.\n";
        let t = typst(md);
        assert!(t.contains("#table(columns: 2, align: (left, right,),\n  table.header([Anno], [Valore]),\n  [2024], [62],\n)"), "{t}");
        assert!(
            t.contains(
                "#link(\"https://example.org/piao\")[il PIAO];#footnote[Approvato dalla Giunta\\u{2e}];"
            ),
            "{t}"
        );
        let h = html(md);
        assert!(
            h.contains("<thead><tr><th scope=\"col\">Anno</th><th scope=\"col\">Valore</th></tr></thead>"),
            "{h}"
        );
        assert!(h.contains("<a href=\"https://example.org/piao\">il PIAO</a><sup><a href=\"#nota-premessa-1\" id=\"rimando-premessa-1\">1</a></sup>"), "{h}");
        assert!(h.contains("<li id=\"nota-premessa-1\">Approvato dalla Giunta."), "{h}");
    }

    #[test]
    fn what_cannot_be_rendered_is_named_with_its_line() {
        let cases = [
            ("Testo.\n\n[file](/etc/passwd)\n", 3, "collegamento «/etc/passwd» non ammesso"),
            ("Testo.\n\n![grafico](../segreto.png)\n", 3, "immagine «../segreto.png»"),
            ("Testo.\n\n![grafico](manca.png)\n", 3, "immagine «manca.png»: file non trovato"),
            (&"> ".repeat(MAX_DEPTH + 5), 1, "testo annidato oltre"),
        ];
        for (md, line, start) in cases {
            let e = to_typst(md, 1, origin()).unwrap_err();
            assert_eq!(e.location.line, Some(line), "{md}: {e}");
            assert!(e.message.starts_with(start), "{md}: {e}");
        }
    }
}
