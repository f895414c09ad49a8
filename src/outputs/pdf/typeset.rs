//! Typeset: Typst, embedded as a library, compiles the generated source into a PDF/A-2b, PDF/UA-1
//! document.
//!
//! The [`World`] here is closed: the main file is the generated source, the only other files are
//! the ones the caller hands over (images and other assets), fonts come from the binary only
//! (system fonts are never looked at), and `today` is fixed by the caller. So the same inputs give the same bytes on
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

/// The font set, loaded once per process.
fn fonts() -> &'static (LazyHash<FontBook>, Vec<Font>) {
    static FONTS: OnceLock<(LazyHash<FontBook>, Vec<Font>)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let data = crate::fonts::FILES.iter().map(|(_, bytes)| *bytes);
        let fonts: Vec<Font> = data.flat_map(|d| Font::iter(Bytes::new(d))).collect();
        (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
    })
}

/// Loads the fonts and builds Typst's standard library on another thread, so that they are ready
/// when the first compilation starts: a build calls it before reading the workbooks, taking
/// this setup off the critical path.
pub fn warm_up() {
    std::thread::spawn(|| {
        fonts();
        library();
    });
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

/// Longest a typesetting may take, and most memory the process may hold meanwhile. Typst cannot be
/// interrupted: a local template that makes unbounded work (`range(1e9)`) is stopped by ending the
/// process that typesets it, which is why a build typesets in child processes (`processi`), each
/// watching itself and ending alone with the message; the driver gets it as an error, and nothing
/// is published (the previous `out/` stays as it was).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub time: std::time::Duration,
    pub memory: u64,
    /// What can make the work unbounded, for the message.
    pub cause: Cause,
    /// Called with the message when the limits are passed, while Typst is still working: a
    /// program's `main` gives one that ends the process (the typesetting child, the preview).
    /// Without one, the overrun is the compilation's error when Typst returns.
    pub on_overrun: Option<fn(&str)>,
}

/// What a typesetting that passes its limits is blamed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Cause {
    /// Local templates are used: they can loop (`range(1e9)`).
    LocalTemplates,
    /// Only the built-in templates: every input channel is bounded, so the inputs are within their
    /// limits and the message says which ones weigh most.
    Inputs,
}

impl Limits {
    /// Room for a document of `nodes` objectives and indicators: 768 MiB and 30 seconds, plus 1 MiB
    /// and 20 ms for each (Typst needs about 0,6 MB per indicator; a chamber's Relazione takes 1-2
    /// seconds and a few hundred MB).
    pub fn for_nodes(nodes: usize, cause: Cause) -> Limits {
        Limits {
            time: std::time::Duration::from_secs(30) + std::time::Duration::from_millis(20 * nodes as u64),
            memory: (768u64 << 20) + (nodes as u64) * (1 << 20),
            cause,
            on_overrun: None,
        }
    }

    /// The message for a typesetting stopped because `why` (`oltre 30 secondi`).
    fn overrun(&self, why: &str) -> String {
        let cause = match self.cause {
            Cause::LocalTemplates => {
                "i modelli locali (cartella templates/ accanto ai dati) generano troppo lavoro \
                 (un ciclo o un intervallo enorme?)"
            }
            Cause::Inputs => {
                "il documento chiede troppo lavoro al compositore (solo modelli incorporati: i testi \
                 e le tabelle sono nei loro limiti; ridurre i più lunghi e segnalare il caso)"
            }
        };
        format!("impaginazione interrotta, {why}: {cause}. Nessun file di out/ è stato sostituito.")
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::for_nodes(0, Cause::Inputs)
    }
}

/// Watches a typesetting from another thread; dropping it ends the watch.
struct Watchdog {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The message, once the limits were passed.
    over: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl Watchdog {
    fn start(limits: Limits) -> Watchdog {
        use std::sync::atomic::Ordering;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let over = std::sync::Arc::new(std::sync::Mutex::new(None));
        let (flag, said) = (done.clone(), over.clone());
        let started = std::time::Instant::now();
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(50));
                let why = if started.elapsed() > limits.time {
                    Some(format!("oltre {} secondi", limits.time.as_secs()))
                } else {
                    resident_memory()
                        .filter(|m| *m > limits.memory)
                        .map(|m| format!("oltre {} MB di memoria ({} MB)", limits.memory >> 20, m >> 20))
                };
                if let Some(why) = why
                    && !flag.load(Ordering::Relaxed)
                {
                    let message = limits.overrun(&why);
                    if let Some(stop) = limits.on_overrun {
                        stop(&message);
                    }
                    *said.lock().unwrap_or_else(|e| e.into_inner()) = Some(message);
                    return;
                }
            }
        });
        Watchdog { done, over }
    }

    /// The overrun's message, if the limits were passed.
    fn overrun(&self) -> Option<String> {
        self.over.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The process's resident memory in bytes, where the system tells it (Linux).
pub fn resident_memory() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
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

/// A laid-out document, before export.
pub struct Compiled {
    pub document: PagedDocument,
    pub warnings: Vec<String>,
    /// Typst's layout (compile) time.
    pub layout: std::time::Duration,
    /// Kept for the export's messages, which point into the source.
    world: Closed,
}

/// The generated main file kept between compilations by the live preview. Updating it in place
/// reparses only the changed stretch and keeps the identity (spans) of the rest, so Typst's
/// memoised work on the unchanged content is reused and the unchanged pages come out equal (a
/// fresh `Source` renumbers every span: each edit cost a full compilation, ~2 s for Modena).
/// Cutting the source into one file per chapter was tried too: no measurable gain over this.
#[derive(Clone)]
pub struct MainSource(Source);

impl MainSource {
    pub fn new(text: &str) -> MainSource {
        MainSource(Source::new(file_id(MAIN), text.to_string()))
    }

    /// The same file with a new text, reparsed incrementally.
    pub fn update(&mut self, text: &str) {
        self.0.replace(text);
    }
}

/// Compiles the main file into pages, with the images and other files it names, under a
/// watchdog. The preview keeps its `MainSource` between calls (see there); a build makes a new one.
///
/// `date` is the document's fixed date (from the data, never the clock).
pub fn compile(
    main: MainSource,
    files: BTreeMap<String, Vec<u8>>,
    date: chrono::NaiveDate,
    limits: Limits,
) -> Result<Compiled, Error> {
    use chrono::Datelike;
    let today = Datetime::from_ymd(date.year(), date.month() as u8, date.day() as u8)
        .ok_or_else(|| Error::Output(format!("data del documento non valida: {date}")))?;
    let world =
        Closed { main: main.0, files: files.into_iter().map(|(k, v)| (k, Bytes::new(v))).collect(), today };
    let watchdog = Watchdog::start(limits);
    let started = std::time::Instant::now();
    let warned = typst::compile::<PagedDocument>(&world);
    let layout = started.elapsed();
    if let Some(message) = watchdog.overrun() {
        return Err(Error::Output(message));
    }
    drop(watchdog);
    let mut warnings: Vec<String> = warned.warnings.iter().map(|d| describe(&world, d)).collect();
    let document = warned.output.map_err(|errors| typst_failure(&world, errors.as_slice()))?;
    warnings.sort();
    warnings.dedup();
    Ok(Compiled { document, warnings, layout, world })
}

/// Typst memoises layout across compilations in a process; a batch of many Enti would keep every
/// Ente's cache alive. Drops what the last `age` compilations did not reuse: 2 after a build; the
/// preview keeps more (staff edit several texts in turn, and each text's layout is worth keeping).
/// It takes up to tens of milliseconds on a large cache, so the preview calls it after showing
/// the pages.
pub fn forget_unused(age: usize) {
    typst::comemo::evict(age);
    if age == 0 {
        release_free_memory();
    }
}

/// Gives the memory the allocator holds free back to the system. glibc keeps freed memory in
/// its arenas (one per thread that allocated), so after a large part the process would stay as
/// large as that part for the rest of the run; `malloc_trim` returns the free pages.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_memory() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: malloc_trim only releases memory the allocator holds free; it has no preconditions.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}

/// Compiles `source` and exports the PDF with archival and accessibility standards.
///
/// `date` is the document's fixed date (from the data, never the clock).
pub fn typeset(
    source: &str,
    files: BTreeMap<String, Vec<u8>>,
    date: chrono::NaiveDate,
    limits: Limits,
) -> Result<Typeset, Error> {
    let compiled = compile(MainSource::new(source), files, date, limits)?;
    let typeset = export(&compiled);
    drop(compiled);
    forget_unused(2);
    typeset
}

/// Exports a laid-out document as a PDF with archival and accessibility standards. The document
/// stays the caller's: a typesetting child answers before freeing it (see `processi`).
pub fn export(compiled: &Compiled) -> Result<Typeset, Error> {
    let Compiled { document, warnings, layout, world } = compiled;
    let standards = PdfStandards::new(&[PdfStandard::A_2b, PdfStandard::Ua_1])
        .map_err(|e| Error::Output(format!("standard PDF non disponibili: {}", e.message())))?;
    let options = PdfOptions {
        ident: typst::foundations::Smart::Custom("relazione-performance".into()),
        creator: typst::foundations::Smart::Custom(Some(format!("relazione {}", env!("CARGO_PKG_VERSION")))),
        timestamp: Some(Timestamp::new_utc(world.today)),
        page_ranges: None,
        standards,
        tagged: true,
        pretty: false,
    };
    let started = std::time::Instant::now();
    let pdf = typst_pdf::pdf(document, &options).map_err(|errors| typst_failure(world, errors.as_slice()))?;
    let export = started.elapsed();
    Ok(Typeset { pdf, warnings: warnings.clone(), layout: *layout, export })
}

/// A Typst diagnostic in Italian, with the staff's file and line where the source came from a
/// text, otherwise the template; the line of the generated source is given too
/// (`--typst-sorgente` writes it).
fn describe(world: &Closed, d: &SourceDiagnostic) -> String {
    let place = d.span.id().and_then(|id| {
        let range = world.range(d.span)?;
        let source = world.source(id).ok()?;
        let line = source.lines().byte_to_line(range.start)? + 1;
        let snippet: String = source.text()[range.clone()].chars().take(60).collect();
        let origin = crate::marker::Marker::provenance(source.text(), range.start)
            .map(|o| format!(" ({o})"))
            .unwrap_or_default();
        Some(format!("{}:{line}{origin}, «{snippet}»", file_name(id)))
    });
    let kind =
        if d.severity == Severity::Error { "errore di impaginazione" } else { "avviso di impaginazione" };
    let hints: String = d.hints.iter().map(|h| format!("; suggerimento: {}", h.v)).collect();
    let message = translate(&d.message);
    match place {
        Some(p) => format!("{kind} in {p}: {message}{hints}"),
        None => format!("{kind}: {message}{hints}"),
    }
}

/// Typst's messages in Italian, with what to do, for the ones a template or text can cause;
/// any other is given as Typst wrote it.
fn translate(message: &str) -> String {
    if let Some(name) = message.strip_prefix("unknown variable: ") {
        return format!(
            "nome sconosciuto «{name}»: nessuna funzione o variabile Typst si chiama così (controllare il \
             nome nel modello; le funzioni disponibili sono in stile.typ.j2)"
        );
    }
    if message.starts_with("failed to load file") {
        return "file non accessibile: il documento non legge file dal disco (accesso negato); immagini e \
                dati vanno forniti nella cartella dei dati"
            .into();
    }
    if message.starts_with("expected ")
        || message.starts_with("unexpected ")
        || message.starts_with("unclosed ")
    {
        return format!(
            "sintassi Typst non valida ({message}): controllare parentesi e delimitatori nel modello"
        );
    }
    format!("messaggio di Typst: {message}")
}

fn typst_failure(world: &Closed, errors: &[SourceDiagnostic]) -> Error {
    let lines: Vec<String> = errors.iter().map(|d| describe(world, d)).collect();
    Error::Output(format!("impaginazione non riuscita:\n- {}", lines.join("\n- ")))
}
