//! `relazione`: the annual Relazione sulla performance (art. 10 D.Lgs. 150/2009) from the Excel
//! exports of a performance-monitoring platform.
//!
//! The pipeline, one folder or module per stage:
//! `inputs` (`config`, `ingest`: workbooks → `model`, `testi`: the staff's texts, `decisions`) →
//! `score` (the SMVP's rules) → `view` (what every output reads) → `outputs`, each one a
//! `Renderer`: the PDFs (`outputs/pdf`: `render` minijinja → Typst source, `parti`, `typeset`
//! Typst → PDF, `processi` the typesetting children), the web edition (`sito`), the workbook
//! (`xlsx`), the open data (`opendata`, `json`) → `publish` (atomic write to `out/`).
//! [`pipeline`] is the driver that runs them (`pool` is its one worker pool, `options` the run's
//! settings); `anteprima` (the live preview) runs the same stages up to the pages, again at each
//! save. `markdown` and `marker` (the staff's texts converted, the internal source markers) and
//! `escape` (one function per sink) serve every output. Nothing below `cli` imports `pipeline`,
//! no writer imports another, and only `main` ends the process (tests check all three).

pub mod anteprima;
pub mod bozza;
pub mod cli;
pub mod confronto;
pub mod error;
pub mod escape;
pub mod fonts;
pub mod inputs;
pub mod markdown;
pub mod marker;
pub mod model;
pub mod options;
pub mod outputs;
pub mod pipeline;
pub mod pool;
pub mod score;
pub mod value;
pub mod view;
