//! The integration tests, in one binary: the library and the real `relazione` binary against the
//! fixtures. One binary means Typst is linked once per test run, and the Modena outputs are built
//! once and shared (`common::modena_build`).

mod anni;
mod anteprima;
mod architecture;
mod bozza;
mod capitoli;
mod carte;
mod cli;
mod common;
mod golden;
mod modelli;
mod ostili;
mod pdf;
mod piatto;
mod properties;
mod schema;
mod sinks;
mod sito;
mod smvp;
mod xlsx;
