//! `relazione`: the annual Relazione sulla performance (art. 10 D.Lgs. 150/2009) from the Excel
//! exports of a performance-monitoring platform.
//!
//! The pipeline, one module per stage:
//! `config` → `ingest` (workbooks → `model`) → `score` (SMVP) → `render` (minijinja → Typst
//! source) → `typeset` (Typst → PDF) → `publish` (atomic write to `out/`).
//! [`pipeline::run`] and [`pipeline::build`] read like that list.

pub mod cli;
pub mod config;
pub mod decisions;
pub mod error;
pub mod ingest;
pub mod json;
pub mod markdown;
pub mod model;
pub mod modello;
pub mod opendata;
pub mod pipeline;
pub mod publish;
pub mod render;
pub mod score;
pub mod typeset;
pub mod value;
pub mod xlsx;
