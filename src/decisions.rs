//! The evaluator's decisions, kept by the staff beside the data in `decisioni.yaml`: OIV overrides
//! of a result and exclusions (`non valutabile`, `soppresso`, `cassato`), each with its reason.
//!
//! ```yaml
//! sostituzioni:
//!   - codice: "701.S1"
//!     risultato: 100          # punti percentuali
//!     motivazione: "Dato rettificato dall'OIV nella seduta del 18/04/2025"
//! esclusioni:
//!   - codice: "OC_TBS_03"
//!     esito: non_valutabile   # non_valutabile | soppresso | cassato
//!     motivazione: "Fonte del dato non disponibile"
//! ```

use crate::error::{Error, Location};
use serde::Deserialize;
use std::path::Path;

/// File name looked for in the data folder.
pub const FILE_NAME: &str = "decisioni.yaml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decisions {
    #[serde(default)]
    pub sostituzioni: Vec<Sostituzione>,
    #[serde(default)]
    pub esclusioni: Vec<Esclusione>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sostituzione {
    pub codice: String,
    /// New result in percentage points.
    pub risultato: f64,
    pub motivazione: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Esclusione {
    pub codice: String,
    pub esito: Esito,
    pub motivazione: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Esito {
    NonValutabile,
    Soppresso,
    Cassato,
}

impl Esito {
    pub fn label(self) -> &'static str {
        match self {
            Esito::NonValutabile => "non valutabile",
            Esito::Soppresso => "soppresso",
            Esito::Cassato => "cassato",
        }
    }
}

impl Decisions {
    /// Reads `decisioni.yaml` from the data folder; no file means no decisions.
    pub fn load(data_dir: &Path) -> Result<Decisions, Error> {
        let path = data_dir.join(FILE_NAME);
        if !path.exists() {
            return Ok(Decisions::default());
        }
        let text = crate::error::read_text(&path)?;
        crate::config::check_yaml_shape(&text, &path)?;
        let d: Decisions = serde_yaml::from_str(&text).map_err(|e| crate::config::yaml_error(&path, &e))?;
        let mut problems = Vec::new();
        for s in &d.sostituzioni {
            if !(0.0..=1000.0).contains(&s.risultato) {
                problems
                    .push(format!("sostituzione di «{}»: risultato fuori scala ({})", s.codice, s.risultato));
            }
            if s.motivazione.trim().is_empty() {
                problems.push(format!("sostituzione di «{}»: motivazione mancante", s.codice));
            }
        }
        for e in &d.esclusioni {
            if e.motivazione.trim().is_empty() {
                problems.push(format!("esclusione di «{}»: motivazione mancante", e.codice));
            }
        }
        if problems.is_empty() {
            Ok(d)
        } else {
            Err(Error::Invalid(
                problems.into_iter().map(|m| crate::error::Problem::new(Location::file(&path), m)).collect(),
            ))
        }
    }
}
