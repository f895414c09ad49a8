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
//!     atto: "Verbale OIV n. 3 del 18/04/2025"   # facoltativo
//!   - codice: "10.B2"
//!     esito: soppresso
//!     organo: giunta          # oiv (predefinito) | giunta | segretario_generale | ufficio
//!     motivazione: "Obiettivo soppresso in sede di aggiornamento del PIAO"
//!     atto: "Delibera di Giunta n. 140 del 30/07/2024"
//! valutazioni:               # il giudizio dell'OIV per obiettivo, accanto al risultato calcolato
//!   - codice: "A01"
//!     valutazione: 60         # punti, oppure "non valutabile"
//!     atto: "Scheda obiettivo, verbale OIV n. 4"
//! validazione:               # la conclusione dell'OIV, quando l'ha presa
//!   conclusione: validata_con_osservazioni   # validata | validata_con_osservazioni | non_validata
//!   osservazioni: "..."      # facoltativo
//! ```
//!
//! A `valutazione` is shown beside the computed result; it replaces it in the roll-up only where
//! the SMVP says so (`smvp.valutazioni_oiv_nel_calcolo: true`).

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
    #[serde(default)]
    pub valutazioni: Vec<Valutazione>,
    /// The OIV's conclusion on the Relazione, once it has decided: until then the validation
    /// document is a draft that only proposes one.
    #[serde(default)]
    pub validazione: Option<ConclusioneOiv>,
}

/// What the OIV concluded, as it records it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConclusioneOiv {
    pub conclusione: Conclusione,
    /// Its observations, printed under the conclusion.
    #[serde(default)]
    pub osservazioni: Option<String>,
}

/// The outcomes of a validation (art. 14 c.4 lett. c D.Lgs. 150/2009).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusione {
    Validata,
    ValidataConOsservazioni,
    NonValidata,
}

impl Conclusione {
    /// The key written in `decisioni.yaml` and in the open data.
    pub fn id(self) -> &'static str {
        match self {
            Conclusione::Validata => "validata",
            Conclusione::ValidataConOsservazioni => "validata_con_osservazioni",
            Conclusione::NonValidata => "non_validata",
        }
    }

    /// The end of «la Relazione sulla performance 2024 …».
    pub fn frase(self) -> &'static str {
        match self {
            Conclusione::Validata => "è validata",
            Conclusione::ValidataConOsservazioni => "è validata con osservazioni",
            Conclusione::NonValidata => "non è validata",
        }
    }

    /// As a label: «validata», «non validata».
    pub fn label(self) -> &'static str {
        match self {
            Conclusione::Validata => "validata",
            Conclusione::ValidataConOsservazioni => "validata con osservazioni",
            Conclusione::NonValidata => "non validata",
        }
    }
}

/// The OIV's own judgement of an objective: points, or not assessable.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Valutazione {
    pub codice: String,
    pub valutazione: Giudizio,
    #[serde(default)]
    pub atto: Option<String>,
    #[serde(default)]
    pub motivazione: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Giudizio {
    /// Points, 0-100 (or beyond where the SMVP allows).
    Punti(f64),
    /// `non valutabile`, or another word of the OIV's.
    Testo(String),
}

impl Giudizio {
    pub fn text(&self) -> String {
        match self {
            Giudizio::Punti(p) => crate::value::format_number(*p, if p.fract() == 0.0 { 0 } else { 2 }),
            Giudizio::Testo(t) => t.clone(),
        }
    }
}

/// Who took a decision: the OIV unless the file says otherwise. Only the OIV's decisions are
/// listed as the OIV's; the others name their body.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Organo {
    #[default]
    Oiv,
    Giunta,
    SegretarioGenerale,
    /// The office that certifies a value (a measure lost, re-established from its documents).
    Ufficio,
}

impl Organo {
    /// `dall'OIV`, `dalla Giunta`, …: the agent after a past participle.
    pub fn da(self) -> &'static str {
        match self {
            Organo::Oiv => "dall'OIV",
            Organo::Giunta => "dalla Giunta",
            Organo::SegretarioGenerale => "dal Segretario generale",
            Organo::Ufficio => "dall'ufficio (valore certificato)",
        }
    }

    /// `OIV`, `Giunta`, …: the body's name in a table.
    pub fn label(self) -> &'static str {
        match self {
            Organo::Oiv => "OIV",
            Organo::Giunta => "Giunta",
            Organo::SegretarioGenerale => "Segretario generale",
            Organo::Ufficio => "Ufficio (valore certificato)",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sostituzione {
    pub codice: String,
    /// Who decided: `oiv` (default), `giunta`, `segretario_generale`, `ufficio`.
    #[serde(default)]
    pub organo: Organo,
    /// New result in percentage points.
    pub risultato: f64,
    pub motivazione: String,
    /// The act that records it (`verbale OIV n. 3 del 18/04/2025`).
    #[serde(default)]
    pub atto: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Esclusione {
    pub codice: String,
    /// Who decided: `oiv` (default), `giunta`, `segretario_generale`, `ufficio`.
    #[serde(default)]
    pub organo: Organo,
    pub esito: Esito,
    pub motivazione: String,
    /// The act that records it (`delibera di Giunta n. 45 del 30/07/2024`).
    #[serde(default)]
    pub atto: Option<String>,
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

/// The one text a `valutazione` may be instead of points.
const NON_VALUTABILE: &str = "non valutabile";

/// The line of the `n`-th `codice: CODE` under the list `list` (1 when it cannot be found: the
/// message still names the code).
fn line_of_code(text: &str, list: &str, code: &str, n: usize) -> usize {
    let mut in_list = false;
    let mut seen = 0;
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with([' ', '\t', '-']) && !line.trim().is_empty() {
            in_list = line.trim_end().trim_end_matches(':') == list;
        }
        let value =
            line.trim_start().trim_start_matches('-').trim_start().strip_prefix("codice:").map(|v| v.trim());
        if in_list && value.is_some_and(|v| v.trim_matches(['"', '\'']) == code) {
            seen += 1;
            if seen == n {
                return i + 1;
            }
        }
    }
    1
}

impl Decisions {
    /// Reads `decisioni.yaml` from the data folder; no file means no decisions.
    pub fn load(data_dir: &Path) -> Result<Decisions, Error> {
        let path = data_dir.join(FILE_NAME);
        if std::fs::symlink_metadata(&path).is_err() {
            return Ok(Decisions::default());
        }
        let text = crate::error::read_text_in(data_dir, &path)?;
        crate::inputs::config::check_yaml_shape(&text, &path)?;
        crate::inputs::config::check_yaml_sizes(&text, &path)?;
        let d: Decisions =
            serde_yaml::from_str(&text).map_err(|e| crate::inputs::config::yaml_error(&path, &e))?;
        // Each problem at the line of its decision (the n-th with that code in its list).
        let mut located: Vec<crate::error::Problem> = Vec::new();
        let mut at = |list: &str, codes: &[&str], i: usize, message: String| {
            let n = codes[..=i].iter().filter(|c| **c == codes[i]).count();
            located.push(crate::error::Problem::new(
                Location::line(&path, line_of_code(&text, list, codes[i], n)),
                message,
            ));
        };
        let codes: Vec<&str> = d.sostituzioni.iter().map(|x| x.codice.as_str()).collect();
        for (i, s) in d.sostituzioni.iter().enumerate() {
            if !(0.0..=1000.0).contains(&s.risultato) {
                at(
                    "sostituzioni",
                    &codes,
                    i,
                    format!("sostituzione di «{}»: risultato fuori scala ({})", s.codice, s.risultato),
                );
            }
            if s.motivazione.trim().is_empty() {
                at(
                    "sostituzioni",
                    &codes,
                    i,
                    format!("sostituzione di «{}»: motivazione mancante", s.codice),
                );
            }
            if s.organo == Organo::Ufficio && s.atto.as_deref().is_none_or(|a| a.trim().is_empty()) {
                at(
                    "sostituzioni",
                    &codes,
                    i,
                    format!(
                        "sostituzione di «{}»: un valore certificato dall'ufficio va indicato con il documento che lo \
                         attesta («atto»)",
                        s.codice
                    ),
                );
            }
        }
        let codes: Vec<&str> = d.esclusioni.iter().map(|x| x.codice.as_str()).collect();
        for (i, e) in d.esclusioni.iter().enumerate() {
            if e.motivazione.trim().is_empty() {
                at("esclusioni", &codes, i, format!("esclusione di «{}»: motivazione mancante", e.codice));
            }
        }
        for (i, v) in d.valutazioni.iter().enumerate() {
            let message = match &v.valutazione {
                Giudizio::Punti(p) if !(0.0..=1000.0).contains(p) || !p.is_finite() => {
                    format!("valutazione di «{}»: punti fuori scala ({p})", v.codice)
                }
                Giudizio::Testo(t) if !t.trim().eq_ignore_ascii_case(NON_VALUTABILE) => format!(
                    "valutazione di «{}»: «{t}» non è una valutazione: indicare i punti (un numero, es. 60) \
                     oppure «{NON_VALUTABILE}»",
                    v.codice
                ),
                _ => continue,
            };
            let n = d.valutazioni[..=i].iter().filter(|x| x.codice == v.codice).count();
            located.push(crate::error::Problem::new(
                Location::line(&path, line_of_code(&text, "valutazioni", &v.codice, n)),
                message,
            ));
        }
        let lists: [(&str, Vec<&str>); 3] = [
            ("sostituzioni", d.sostituzioni.iter().map(|x| x.codice.as_str()).collect()),
            ("esclusioni", d.esclusioni.iter().map(|x| x.codice.as_str()).collect()),
            ("valutazioni", d.valutazioni.iter().map(|x| x.codice.as_str()).collect()),
        ];
        for (list, codes) in lists {
            for (i, code) in codes.iter().enumerate() {
                if codes[..i].contains(code) {
                    let n = codes[..i].iter().filter(|c| *c == code).count() + 1;
                    located.push(crate::error::Problem::new(
                        Location::line(&path, line_of_code(&text, list, code, n)),
                        format!("«{list}»: «{code}» compare più volte; una sola decisione per obiettivo o indicatore"),
                    ));
                }
            }
        }
        if located.is_empty() { Ok(d) } else { Err(Error::Invalid(located)) }
    }
}
