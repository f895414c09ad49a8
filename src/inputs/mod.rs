//! The inputs of a run, read and checked: the configuration (`relazione.yaml`, with the SMVP's
//! rules), the platform's workbooks (`ingest`, into the typed `model`), the staff's texts and the
//! images they place (`testi`, `immagini`), the evaluator's decisions (`decisions`); and the empty
//! workbooks `relazione modello` writes for the layouts an administration fills by hand.

pub mod blank_inputs;
pub mod config;
pub mod decisions;
pub mod immagini;
pub mod impronta;
pub mod ingest;
pub mod precedente;
pub mod testi;
