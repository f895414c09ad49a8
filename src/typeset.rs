//! Typeset: Typst, embedded as a library, compiles the generated source into a PDF/A-2b, PDF/UA-1
//! document.
//!
//! The [`World`] here is closed: the main file is the generated source, the only other files are
//! the ones the caller hands over (fonts and assets), fonts come from the binary (system fonts are
//! never looked at), and `today` is fixed by the caller. So the same inputs give the same bytes on
//! every machine, and a template can never read `/etc/passwd` or the network.

use crate::error::Error;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// Name of the generated main file, as it appears in Typst's messages.
pub const MAIN: &str = "relazione.typ";

/// Fonts shipped in the binary: Titillium Web (the Designers Italia face, OFL) for text, and
/// DejaVu Sans as fallback for the symbols Titillium lacks (≥, ≤, arrows).
pub static FONT_FILES: &[(&str, &[u8])] = &[
    ("TitilliumWeb_400Regular.ttf", include_bytes!("../templates/fonts/TitilliumWeb_400Regular.ttf")),
    (
        "TitilliumWeb_400Regular_Italic.ttf",
        include_bytes!("../templates/fonts/TitilliumWeb_400Regular_Italic.ttf"),
    ),
    ("TitilliumWeb_600SemiBold.ttf", include_bytes!("../templates/fonts/TitilliumWeb_600SemiBold.ttf")),
    ("TitilliumWeb_700Bold.ttf", include_bytes!("../templates/fonts/TitilliumWeb_700Bold.ttf")),
    ("TitilliumWeb_700Bold_Italic.ttf", include_bytes!("../templates/fonts/TitilliumWeb_700Bold_Italic.ttf")),
    ("DejaVuSans.ttf", include_bytes!("../templates/fonts/DejaVuSans.ttf")),
];

/// The font set, loaded once per process.
fn fonts() -> &'static (LazyHash<FontBook>, Vec<Font>) {
    static FONTS: OnceLock<(LazyHash<FontBook>, Vec<Font>)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let data = FONT_FILES.iter().map(|(_, bytes)| *bytes);
        let fonts: Vec<Font> = data.flat_map(|d| Font::iter(Bytes::new(d))).collect();
        (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIB: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIB.get_or_init(|| LazyHash::new(Library::builder().build()))
}

/// A closed world: one generated source plus named in-memory files.
struct Closed {
    main: Source,
    files: BTreeMap<String, Bytes>,
    today: Datetime,
}

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(format!("/{path}")).expect("valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

fn file_name(id: FileId) -> String {
    id.get().vpath().get_without_slash().to_string()
}

impl World for Closed {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_string()));
        }
        if id.get().root() != &VirtualRoot::Project {
            return Err(FileError::AccessDenied);
        }
        self.files.get(&file_name(id)).cloned().ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().1.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// What typesetting produced: the PDF, Typst's warnings, and how long each half took.
pub struct Typeset {
    pub pdf: Vec<u8>,
    pub warnings: Vec<String>,
    /// Typst's layout (compile) time.
    pub layout: std::time::Duration,
    /// PDF export time.
    pub export: std::time::Duration,
}

/// The document's fixed date: from the data (or `SOURCE_DATE_EPOCH`), never the clock.
#[derive(Debug, Clone, Copy)]
pub struct FixedDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// Compiles `source` and exports the PDF with archival and accessibility standards.
pub fn typeset(source: &str, files: BTreeMap<String, Vec<u8>>, date: FixedDate) -> Result<Typeset, Error> {
    let today = Datetime::from_ymd(date.year, date.month, date.day)
        .ok_or_else(|| Error::Output(format!("data del documento non valida: {date:?}")))?;
    let world = Closed {
        main: Source::new(file_id(MAIN), source.to_string()),
        files: files.into_iter().map(|(k, v)| (k, Bytes::new(v))).collect(),
        today,
    };
    let started = std::time::Instant::now();
    let warned = typst::compile::<PagedDocument>(&world);
    let layout = started.elapsed();
    let mut warnings: Vec<String> = warned.warnings.iter().map(|d| describe(&world, d)).collect();
    let document = warned.output.map_err(|errors| typst_failure(&world, errors.as_slice()))?;
    let standards = PdfStandards::new(&[PdfStandard::A_2b, PdfStandard::Ua_1])
        .map_err(|e| Error::Output(format!("standard PDF non disponibili: {}", e.message())))?;
    let options = PdfOptions {
        ident: typst::foundations::Smart::Custom("relazione-performance".into()),
        creator: typst::foundations::Smart::Custom(Some(format!("relazione {}", env!("CARGO_PKG_VERSION")))),
        timestamp: Some(Timestamp::new_utc(today)),
        page_ranges: None,
        standards,
        tagged: true,
        pretty: false,
    };
    let started = std::time::Instant::now();
    let pdf =
        typst_pdf::pdf(&document, &options).map_err(|errors| typst_failure(&world, errors.as_slice()))?;
    let export = started.elapsed();
    // Typst memoises layout across compilations; a batch of many Enti would keep every Ente's
    // cache alive. Drop what the last compilations did not reuse.
    typst::comemo::evict(2);
    warnings.sort();
    warnings.dedup();
    Ok(Typeset { pdf, warnings, layout, export })
}

/// A Typst diagnostic with the file and line it points to (the generated source, or a template's
/// output; `--typst-sorgente` writes the source so the line can be read).
fn describe(world: &Closed, d: &SourceDiagnostic) -> String {
    let place = d.span.id().and_then(|id| {
        let range = world.range(d.span)?;
        let source = world.source(id).ok()?;
        let line = source.lines().byte_to_line(range.start)? + 1;
        let snippet: String = source.text()[range.clone()].chars().take(60).collect();
        // The chapter templates leave a `// ⟦modello: name⟧` marker before their output.
        let template = source.text()[..range.start]
            .rfind("// ⟦modello: ")
            .and_then(|i| {
                source.text()[i..]
                    .split_once('⟧')
                    .map(|(m, _)| m.trim_start_matches("// ⟦modello: ").to_string())
            })
            .map(|t| format!(", testo prodotto dal modello {t}"))
            .unwrap_or_default();
        Some(format!("{}:{line}{template} («{snippet}»)", file_name(id)))
    });
    let kind = if d.severity == Severity::Error { "errore Typst" } else { "avviso Typst" };
    let hints: String = d.hints.iter().map(|h| format!("; suggerimento: {}", h.v)).collect();
    match place {
        Some(p) => format!("{kind} in {p}: {}{hints}", d.message),
        None => format!("{kind}: {}{hints}", d.message),
    }
}

fn typst_failure(world: &Closed, errors: &[SourceDiagnostic]) -> Error {
    let lines: Vec<String> = errors.iter().map(|d| describe(world, d)).collect();
    Error::Output(format!("impaginazione non riuscita:\n- {}", lines.join("\n- ")))
}
