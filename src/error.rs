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

/// Text for the terminal: control characters (escape sequences from a cell or a YAML field would
/// drive the terminal) and direction overrides are shown as `⟨U+001B⟩`; line breaks stay.
pub fn for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let shown = c == '\n'
            || c == '\t'
            || !(c.is_control()
                || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'));
        if shown {
            out.push(c);
        } else {
            out.push_str(&format!("⟨U+{:04X}⟩", c as u32));
        }
    }
    out
}

/// Largest text input read (configuration, decisions, staff texts, templates).
pub const MAX_TEXT_FILE: u64 = 4 * 1024 * 1024;

/// Reads a text input, refusing what is not a regular file (a FIFO would block forever, a folder
/// or device is no input) and what is larger than [`MAX_TEXT_FILE`], with the file named.
pub fn read_text(path: &Path) -> Result<String, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::invalid(
            Location::file(path),
            "non è un file normale (è una cartella, una FIFO o un dispositivo): sostituirlo con un file",
        ));
    }
    if meta.len() > MAX_TEXT_FILE {
        return Err(Error::invalid(
            Location::file(path),
            format!(
                "file troppo grande ({} byte, massimo {} MB per un file di testo)",
                meta.len(),
                MAX_TEXT_FILE / (1024 * 1024)
            ),
        ));
    }
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
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
                writeln!(f, "{}: errore di lettura/scrittura: {source}", path.display())
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
