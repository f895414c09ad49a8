//! The run's settings that do not come from the configuration file.

use std::path::PathBuf;

/// Settings of a run that do not come from the configuration file: one value, read by the command
/// line once, passed to every stage and to every Ente of a batch (no stage reads the environment
/// or a process-wide switch).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `SOURCE_DATE_EPOCH`, read by the command line.
    pub source_date_epoch: Option<String>,
    /// Also write the generated Typst source here (with its fonts beside it).
    pub typst_source: Option<PathBuf>,
    /// A final Relazione: refused while anything is still open (`bozza`).
    pub definitiva: bool,
    /// Source bytes per part of the Relazione ([`crate::outputs::pdf::parti::budget`] when not given).
    pub part_budget: Option<usize>,
    /// Where the PDFs are typeset.
    pub typesetting: Typesetting,
    /// Called by the typesetting watchdog when a typesetting in this process passes its limits
    /// (Typst cannot be interrupted): the program's `main` gives one that ends the program; without
    /// one the overrun is reported as an error when Typst returns.
    pub on_overrun: Option<fn(&str)>,
    /// Outputs made at the same time (two, or one for the parts of a large Relazione typeset in
    /// this process, when not given); a batch gives each Ente one, having spread the Enti over the
    /// cores.
    pub workers: Option<usize>,
}

/// Where the PDFs are typeset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Typesetting {
    /// In this process, one after the other (a library user, the tests).
    #[default]
    InProcess,
    /// Child processes of this program (`exe`, see `processi`) that watch their own time and
    /// memory, end alone over their limits and give their memory back when they end: a Relazione
    /// in parts always goes to them, and every document when `every_document` (a batch, where one
    /// Ente over its limits must fail alone). A single Ente's Relazione of one part is typeset in
    /// this process, where it begins sooner (children cost about 8 % of a chamber's build,
    /// BENCHMARKS.md); over its limits that ends the program through `on_overrun`.
    Children { exe: PathBuf, every_document: bool },
}

impl Typesetting {
    /// The same, with every document in a child process (for the Enti of a batch).
    pub fn every_document(&self) -> Typesetting {
        match self {
            Typesetting::Children { exe, .. } => {
                Typesetting::Children { exe: exe.clone(), every_document: true }
            }
            Typesetting::InProcess => Typesetting::InProcess,
        }
    }
}
