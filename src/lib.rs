//! `relazione`: the annual Relazione sulla performance (art. 10 D.Lgs. 150/2009) from the Excel
//! exports of a performance-monitoring platform.
//!
//! The pipeline, one module per stage:
//! `config` → `ingest` (workbooks → `model`) and `testi` (the staff's texts) → `score` (SMVP) →
//! `view` (what every writer reads) → the writers: `render` (minijinja → Typst source) and
//! `typeset` (Typst → PDF), `sito` (minijinja → HTML), `xlsx`, `opendata`, `json` → `publish`
//! (atomic write to `out/`); `templating` is the minijinja environment `render` and `sito` share.
//! [`pipeline::prepare`] and [`pipeline::build`] read like that list; `anteprima` (the live preview)
//! runs the same stages up to the pages, again at each save. Nothing below `cli` imports
//! `pipeline`, and no writer imports another (a test checks both).

pub mod anteprima;
pub mod blank_inputs;
pub mod bozza;
pub mod cli;
pub mod config;
pub mod decisions;
pub mod error;
pub mod escape;
pub mod fonts;
pub mod immagini;
pub mod ingest;
pub mod json;
pub mod markdown;
pub mod marker;
pub mod model;
pub mod opendata;
pub mod options;
pub mod outputs;
pub mod parti;
pub mod pipeline;
pub mod pool;
pub mod processi;
pub mod publish;
pub mod render;
pub mod score;
pub mod sito;
pub mod templating;
pub mod testi;
pub mod typeset;
pub mod value;
pub mod view;
pub mod xlsx;
