//! A worksheet read by calamine, with cell access that always knows its location.

use crate::error::Location;
use calamine::{Data, Range};
use std::path::{Path, PathBuf};

/// One worksheet: its cells and where it came from.
pub struct Sheet {
    pub file: PathBuf,
    pub name: String,
    /// The workbook's bytes, for what calamine does not read (styles).
    pub book: super::Book,
    range: Range<Data>,
}

/// Header cells are compared lower-cased with their white space folded.
pub use crate::value::normalize;

impl Sheet {
    pub fn new(file: &Path, name: &str, book: super::Book, range: Range<Data>) -> Self {
        Sheet { file: file.to_path_buf(), name: name.to_string(), book, range }
    }

    /// One past the last row with data (absolute, zero-based).
    pub fn end_row(&self) -> usize {
        self.range.end().map_or(0, |(r, _)| r as usize + 1)
    }

    /// One past the last column with data.
    pub fn end_col(&self) -> usize {
        self.range.end().map_or(0, |(_, c)| c as usize + 1)
    }

    pub fn loc(&self, row: usize, col: usize) -> Location {
        Location::cell(&self.file, &self.name, row, col)
    }

    pub fn sheet_loc(&self) -> Location {
        Location { file: self.file.clone(), sheet: Some(self.name.clone()), cell: None, line: None }
    }

    pub fn cell(&self, row: usize, col: usize) -> &Data {
        self.range.get_value((row as u32, col as u32)).unwrap_or(&Data::Empty)
    }

    /// Copies the first cell of a vertical block down to the block's other rows (a merged cell
    /// holds its value only in its first row). Returns false when the block has other values.
    pub fn fill_down(&mut self, col: usize, from: usize, to: usize) -> bool {
        let value = self.cell(from, col).clone();
        if (from + 1..=to).any(|r| !matches!(self.cell(r, col), Data::Empty)) {
            return false;
        }
        let Some((r0, c0)) = self.range.start() else { return false };
        for r in from + 1..=to {
            if r < r0 as usize || col < c0 as usize || r >= self.end_row() {
                continue;
            }
            self.range.set_value((r as u32, col as u32), value.clone());
        }
        true
    }

    /// The cell as trimmed text; `None` when empty. Numbers are written without Italian formatting
    /// (use [`Sheet::number`] for numeric columns).
    pub fn text(&self, row: usize, col: usize) -> Option<String> {
        let t = match self.cell(row, col) {
            Data::Empty => return None,
            Data::String(s) => s.trim().to_string(),
            Data::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    format!("{}", *f as i64)
                } else {
                    f.to_string()
                }
            }
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => if *b { "VERO" } else { "FALSO" }.to_string(),
            Data::Error(_) => "#N/D".to_string(),
            other => other.to_string(),
        };
        (!t.is_empty()).then_some(t)
    }

    /// True when every cell of the row is empty.
    pub fn row_is_empty(&self, row: usize) -> bool {
        (0..self.end_col()).all(|c| matches!(self.cell(row, c), Data::Empty))
            || (0..self.end_col()).all(|c| self.text(row, c).is_none())
    }

    /// Finds the header row among the first rows: the first row holding every `required` header.
    /// Returns its index and the normalised text of each column.
    pub fn find_header(&self, required: &[&str], max_rows: usize) -> Option<(usize, Vec<String>)> {
        let start = self.range.start().map_or(0, |(r, _)| r as usize);
        (start..self.end_row().min(start + max_rows)).find_map(|row| {
            let names: Vec<String> = (0..self.end_col())
                .map(|c| self.text(row, c).map(|t| normalize(&t)).unwrap_or_default())
                .collect();
            required.iter().all(|h| names.iter().any(|n| header_matches(n, h))).then_some((row, names))
        })
    }
}

/// `h` matches a header cell when equal after normalisation, or when the cell is `h` followed by a
/// year (`budget iniziale 2024` matches `budget iniziale`).
pub fn header_matches(cell: &str, h: &str) -> bool {
    cell == h
        || cell
            .strip_prefix(h)
            .is_some_and(|rest| rest.trim().len() == 4 && rest.trim().bytes().all(|b| b.is_ascii_digit()))
}

/// Column positions of a header row, looked up by name.
pub struct Columns {
    pub names: Vec<String>,
}

impl Columns {
    pub fn find(&self, h: &str) -> Option<usize> {
        self.names.iter().position(|n| header_matches(n, h))
    }
}
