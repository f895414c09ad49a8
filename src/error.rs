//! Errors and findings, always with a location a user can act on.
//!
//! Every problem in the inputs names the file, the sheet and the cell (or the configuration key and
//! line) and says in Italian what was expected and what was found. Ingest collects problems instead
//! of stopping at the first, so `relazione check` can list them all; the top level prints the list
//! once and maps it to exit code 1.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a problem was found: a file, and optionally a sheet and a cell (A1 notation).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Location {
    pub file: PathBuf,
    pub sheet: Option<String>,
    pub cell: Option<String>,
    /// Line of a text file (the staff's Markdown, a template, the configuration), 1-based.
    pub line: Option<usize>,
}

impl Location {
    /// The file named from `base` (the folder that holds the data), as the office sees it and as
    /// a published document may show it: never with the host's folders above.
    pub fn from_base(mut self, base: &Path) -> Self {
        if let Ok(rel) = self.file.strip_prefix(base) {
            self.file = rel.to_path_buf();
        }
        self
    }

    pub fn file(file: &Path) -> Self {
        Location { file: file.to_path_buf(), ..Default::default() }
    }

    pub fn line(file: &Path, line: usize) -> Self {
        Location { file: file.to_path_buf(), line: Some(line), ..Default::default() }
    }

    pub fn cell(file: &Path, sheet: &str, row: usize, col: usize) -> Self {
        Location {
            file: file.to_path_buf(),
            sheet: Some(sheet.to_string()),
            cell: Some(cell_name(row, col)),
            line: None,
        }
    }
}

impl Location {
    /// The file's name (not its folder), sheet and cell: `Report.xlsx, Report, B12`, as the open
    /// data and the workbook name the source of a row.
    pub fn short(&self) -> String {
        let file = self.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let line = self.line.map(|l| format!("riga {l}"));
        [Some(file), self.sheet.clone(), self.cell.clone(), line]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", foglio «{sheet}»")?;
        }
        if let Some(cell) = &self.cell {
            write!(f, ", cella {cell}")?;
        }
        if let Some(line) = self.line {
            write!(f, ", riga {line}")?;
        }
        Ok(())
    }
}

/// A1 name of a zero-based (row, column) pair: (0, 0) is `A1`, (3, 27) is `AB4`.
pub fn cell_name(row: usize, col: usize) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8(letters).expect("ASCII letters"), row + 1)
}

/// One problem in the inputs, with its location.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub location: Location,
    pub message: String,
}

impl Problem {
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Problem { location, message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Problems and warnings gathered while a stage runs.
#[derive(Debug, Default)]
pub struct Diagnostics {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Diagnostics {
    pub fn error(&mut self, location: Location, message: impl Into<String>) {
        self.errors.push(Problem::new(location, message));
    }

    pub fn warn(&mut self, location: Location, message: impl Into<String>) {
        self.warnings.push(Problem::new(location, message));
    }

    /// Turns the collected errors into a failure, or returns `value` when there are none.
    pub fn finish<T>(self, value: T) -> Result<(T, Vec<Problem>), Error> {
        if self.errors.is_empty() { Ok((value, self.warnings)) } else { Err(Error::Invalid(self.errors)) }
    }
}

/// Largest text input read (configuration, decisions, staff texts, templates).
pub const MAX_TEXT_FILE: u64 = 4 * 1024 * 1024;

/// Reads a text input (see [`read_input`]) whose only root is its own folder: the file itself must
/// not be a link.
pub fn read_text(path: &Path) -> Result<String, Error> {
    read_text_in(path.parent().unwrap_or(Path::new("")), path)
}

/// Reads a text input below `root` (see [`read_input`]), up to [`MAX_TEXT_FILE`]: UTF-8, with a
/// leading byte-order mark dropped (Windows editors save «UTF-8 with BOM») and every line end
/// (`\r\n`, a lone `\r`) made `\n`, so that the lines counted in messages are the editor's.
pub fn read_text_in(root: &Path, path: &Path) -> Result<String, Error> {
    read_text_at_most(root, path, MAX_TEXT_FILE)
}

/// [`read_text_in`] with a smaller limit than [`MAX_TEXT_FILE`].
pub fn read_text_at_most(root: &Path, path: &Path, max: u64) -> Result<String, Error> {
    let bytes = read_input(root, path, max)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::invalid(
            Location::file(path),
            format!(
                "il file non è un testo UTF-8 (byte non valido alla posizione {}): salvarlo come «UTF-8»",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    Ok(if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text.to_string() })
}

/// Reads an input file: the one way every input but the workbooks (which `ingest::guard` opens)
/// is read. Refused, with the file named: a symbolic link anywhere from `root` down to the file
/// (a link in the data folder would publish a file of the host), anything but a regular file (a
/// FIFO would block forever), a file larger than `max` (checked on the open file, and the read
/// itself bounded).
pub fn read_input(root: &Path, path: &Path, max: u64) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let below = path.strip_prefix(root).ok().filter(|r| r.components().count() > 0);
    let mut checked = if below.is_some() { root.to_path_buf() } else { PathBuf::new() };
    let steps: Vec<&std::ffi::OsStr> = match below {
        Some(rel) => rel.iter().collect(),
        None => vec![path.as_os_str()],
    };
    let not_regular = || {
        Error::invalid(
            Location::file(path),
            "non è un file normale (è una cartella, una FIFO o un dispositivo): sostituirlo con un file",
        )
    };
    for step in steps {
        checked.push(step);
        let meta = std::fs::symlink_metadata(&checked).map_err(|e| Error::io(&checked, e))?;
        if meta.file_type().is_symlink() {
            return Err(Error::invalid(Location::file(&checked), LINK_REFUSED));
        }
    }
    // Checked before opening (opening a FIFO waits for a writer), and again on the open file, which
    // is opened without waiting in case it was swapped meanwhile.
    if !std::fs::symlink_metadata(path).map_err(|e| Error::io(path, e))?.is_file() {
        return Err(not_regular());
    }
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NONBLOCK: i32 = 0o4000;
        open.custom_flags(O_NONBLOCK);
    }
    let file = open.open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > max {
        return Err(Error::invalid(
            Location::file(path),
            format!("file troppo grande ({} byte, massimo {})", meta.len(), size_limit(max)),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > max {
        return Err(Error::invalid(
            Location::file(path),
            format!("file troppo grande (massimo {})", size_limit(max)),
        ));
    }
    Ok(bytes)
}

/// Why an input that is a symbolic link is refused.
pub const LINK_REFUSED: &str = "è un collegamento simbolico: i dati si leggono solo da file e cartelle veri (sostituirlo \
                                con una copia del file)";

/// A size limit as a person reads it: `4 MB`, `512 kB`.
fn size_limit(bytes: u64) -> String {
    if bytes >= 1 << 20 { format!("{} MB", bytes >> 20) } else { format!("{} kB", bytes >> 10) }
}

/// A failed run. Each variant maps to an exit code (see [`Error::exit_code`]).
#[derive(Debug)]
pub enum Error {
    /// The inputs or the configuration are not valid: every problem found.
    Invalid(Vec<Problem>),
    /// Reading or writing a file failed.
    Io { path: PathBuf, source: std::io::Error },
    /// Producing an output failed (template, typesetting, workbook).
    Output(String),
    /// Standard output was closed by the reader (`relazione score --json | head`): not a failure.
    PipeClosed,
}

impl Error {
    pub fn invalid(location: Location, message: impl Into<String>) -> Self {
        Error::Invalid(vec![Problem::new(location, message)])
    }

    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_path_buf(), source }
    }

    /// The process exit code: 1 for every failure of the inputs or of an output, 0 for a closed
    /// pipe. Usage errors (exit 2) never reach here: the command-line parser reports them itself.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::PipeClosed => 0,
            _ => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(problems) => {
                let n = problems.len();
                if n == 1 {
                    writeln!(f, "dati non validi: 1 problema")?;
                } else {
                    writeln!(f, "dati non validi: {n} problemi")?;
                }
                for p in problems {
                    writeln!(f, "- {p}")?;
                }
                Ok(())
            }
            Error::Io { path, source } => {
                writeln!(f, "{}: errore di lettura/scrittura: {}", path.display(), io_cause(source))
            }
            Error::Output(msg) => writeln!(f, "{msg}"),
            Error::PipeClosed => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names_follow_excel() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(3, 25), "Z4");
        assert_eq!(cell_name(3, 26), "AA4");
        assert_eq!(cell_name(9, 27), "AB10");
        assert_eq!(cell_name(0, 701), "ZZ1");
        assert_eq!(cell_name(0, 702), "AAA1");
    }

    #[test]
    fn location_reads_like_a_sentence() {
        let loc = Location::cell(Path::new("data/a.xlsx"), "Report", 7, 10);
        assert_eq!(loc.to_string(), "data/a.xlsx, foglio «Report», cella K8");
    }
}

/// The system's reason for an input/output error, in Italian for the common ones (the system's
/// own text, in English, only for the rare others).
fn io_cause(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let said = match e.kind() {
        NotFound => "file o cartella inesistente",
        PermissionDenied => "permesso negato",
        AlreadyExists => "esiste già",
        NotADirectory => "non è una cartella",
        IsADirectory => "è una cartella",
        DirectoryNotEmpty => "cartella non vuota",
        ReadOnlyFilesystem => "file system di sola lettura",
        StorageFull => "disco pieno",
        QuotaExceeded => "quota del disco superata",
        FileTooLarge => "file troppo grande",
        InvalidFilename => "nome di file non valido",
        CrossesDevices => "spostamento tra dischi diversi",
        BrokenPipe => "collegamento interrotto",
        UnexpectedEof => "file troncato",
        OutOfMemory => "memoria insufficiente",
        _ => return e.to_string(),
    };
    match e.raw_os_error() {
        Some(code) => format!("{said} (codice di sistema {code})"),
        None => said.to_string(),
    }
}

#[cfg(test)]
mod io_tests {
    #[test]
    fn a_system_error_is_said_in_italian_with_its_code() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(super::io_cause(&e), "file o cartella inesistente (codice di sistema 2)");
        let e = std::io::Error::other("altro");
        assert_eq!(super::io_cause(&e), "altro");
    }
}
