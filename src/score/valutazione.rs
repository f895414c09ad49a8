//! Chapter 4: the individual evaluation of the managers as the SMVP's scheme composes it, and how
//! differentiated the final scores are (art. 9 and 19 D.Lgs. 150/2009 ask for differentiation).
//!
//! Each role's score on each component comes from where the scheme says: the Ente's official
//! result, the role's individual objectives, or a score the Ente gives in the «Tabelle della
//! Relazione» (section `valutazione_individuale`, a row per role, a column per component). The
//! total is the weighted sum, only when every component has its score: a missing score is a
//! draft item, never a guess.

use crate::error::Location;
use crate::inputs::config::{Config, FonteComponente};
use crate::model::{Report, Sezione};
use serde::Serialize;
use std::collections::BTreeMap;

/// One role's evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Ruolo {
    pub ruolo: String,
    /// The role's result on its individual objectives (fraction).
    pub obiettivi: Option<f64>,
    /// Weights of the components (points), none without the scheme's weights for this role.
    pub pesi: Option<Vec<f64>>,
    /// Score of each component (fraction), in the scheme's order.
    pub punteggi: Vec<Option<f64>>,
    /// Weighted total (fraction): every component scored and weighted.
    pub totale: Option<f64>,
}

/// The distribution of the managers' scores and its differentiation.
#[derive(Debug, Clone, Serialize)]
pub struct Valutazione {
    pub ruoli: Vec<Ruolo>,
    /// True when the distribution is of the final totals (every role has one); false when it is
    /// of the individual objectives' results (the scheme or a score is missing).
    pub sui_totali: bool,
    /// The scores the distribution is of (fractions), one per role with a score.
    pub valori: Vec<f64>,
    /// What in the Ente's scores cannot be used, where it is.
    #[serde(skip)]
    pub problemi: Vec<(Location, String)>,
}

impl Valutazione {
    pub fn media(&self) -> Option<f64> {
        (!self.valori.is_empty()).then(|| self.valori.iter().sum::<f64>() / self.valori.len() as f64)
    }

    /// Coefficient of variation: the (population) standard deviation over the mean. 0 when
    /// every manager has the same score: no differentiation at all.
    pub fn coefficiente_variazione(&self) -> Option<f64> {
        let m = self.media()?;
        if m == 0.0 {
            return None;
        }
        let var = self.valori.iter().map(|v| (v - m).powi(2)).sum::<f64>() / self.valori.len() as f64;
        Some(var.sqrt() / m)
    }
}

/// The Ente's scores (fractions) by role and component.
type Scores = BTreeMap<(String, String), f64>;

/// A score the Ente wrote in a table cell, as a fraction: points out of 100 (`92,5`, `92,5 %`, a
/// cell in percentage format), in Italian figures. Anything else is refused with the reason: a
/// fraction such as `0,925` (ambiguous), a dot as the decimal sign (`9.5`), a score outside 0–100.
fn points(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim_end_matches(['\u{a0}', ' ']), true),
        None => (t, false),
    };
    let (v, _) = crate::value::parse_number(number)
        .map_err(|_| format!("«{t}» non è un punteggio (atteso in punti su 100, es. 92,5)"))?;
    if !(0.0..=100.0).contains(&v) {
        return Err(format!("punteggio «{t}» fuori dall'intervallo da 0 a 100"));
    }
    if !percent && v > 0.0 && v <= 1.0 && v.fract() != 0.0 {
        return Err(format!("«{t}» sembra una frazione: scrivere il punteggio in punti su 100 (es. 92,5)"));
    }
    Ok(v / 100.0)
}

/// The Ente's scores for the components it gives, from its tables (section
/// `valutazione_individuale`), and what in them cannot be used: an unreadable score, a role
/// given twice, a row naming no role, a column naming no component.
fn given_scores(report: &Report, roles: &[&str], components: &[&str]) -> (Scores, Vec<(Location, String)>) {
    let norm = crate::value::normalize;
    let mut scores = BTreeMap::new();
    let mut problems = Vec::new();
    for t in report.tabelle.iter().filter(|t| t.sezione == Sezione::ValutazioneIndividuale) {
        for c in t.colonne.iter().filter(|c| !components.iter().any(|k| norm(k) == norm(c))) {
            problems.push((
                t.origin.clone(),
                format!(
                    "tabella «{}»: la colonna «{c}» non è una componente di «valutazione_individuale»",
                    t.titolo
                ),
            ));
        }
        for r in &t.righe {
            let at = r.celle.first().cloned().unwrap_or_else(|| t.origin.clone());
            let Some(role) = roles.iter().find(|x| norm(x) == norm(&r.voce)) else {
                problems.push((at, format!("«{}» non è un ruolo degli obiettivi individuali", r.voce)));
                continue;
            };
            for (i, c) in t.colonne.iter().enumerate() {
                let Some(k) = components.iter().find(|k| norm(k) == norm(c)) else { continue };
                let text = r.valori.get(i).map(String::as_str).unwrap_or("");
                if text.trim().is_empty() {
                    continue;
                }
                let cell = r.celle.get(i).cloned().unwrap_or_else(|| at.clone());
                match points(text) {
                    Ok(v) => {
                        if scores.insert((role.to_string(), k.to_string()), v).is_some() {
                            problems.push((
                                cell,
                                format!("punteggio di «{role}» per «{k}» dato due volte: vale il secondo"),
                            ));
                        }
                    }
                    Err(why) => problems.push((cell, why)),
                }
            }
        }
    }
    (scores, problems)
}

/// The evaluation of every role of the individual objectives; none without them.
pub fn valutazione(report: &Report, config: &Config) -> Option<Valutazione> {
    let individuali = report.individuali.as_ref()?;
    let ente = report.albero.as_ref().and_then(|a| a.result());
    let scheme = config.valutazione_individuale.as_ref();
    let roles: Vec<&str> = individuali.children.iter().map(|r| r.name.as_str()).collect();
    let components: Vec<&str> = scheme
        .map(|s| {
            s.componenti
                .iter()
                .filter(|c| c.fonte == FonteComponente::Tabella)
                .map(|c| c.nome.as_str())
                .collect()
        })
        .unwrap_or_default();
    let (scores, problemi) = given_scores(report, &roles, &components);
    let ruoli: Vec<Ruolo> = individuali
        .children
        .iter()
        .map(|r| {
            let obiettivi = r.result();
            let pesi = scheme.and_then(|s| s.pesi.get(&r.name)).cloned();
            let punteggi: Vec<Option<f64>> = scheme
                .map(|s| {
                    s.componenti
                        .iter()
                        .map(|c| match c.fonte {
                            FonteComponente::Ente => ente,
                            FonteComponente::Obiettivi => obiettivi,
                            FonteComponente::Tabella => {
                                scores.get(&(r.name.clone(), c.nome.clone())).copied()
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let totale = match (&pesi, punteggi.iter().all(Option::is_some) && !punteggi.is_empty()) {
                (Some(p), true) => {
                    Some(p.iter().zip(&punteggi).map(|(w, s)| w / 100.0 * s.unwrap_or(0.0)).sum())
                }
                _ => None,
            };
            Ruolo { ruolo: r.name.clone(), obiettivi, pesi, punteggi, totale }
        })
        .collect();
    let sui_totali = !ruoli.is_empty() && ruoli.iter().all(|r| r.totale.is_some());
    let valori = ruoli.iter().filter_map(|r| if sui_totali { r.totale } else { r.obiettivi }).collect();
    Some(Valutazione { ruoli, sui_totali, valori, problemi })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(valori: &[f64]) -> Valutazione {
        Valutazione { ruoli: Vec::new(), sui_totali: true, valori: valori.to_vec(), problemi: Vec::new() }
    }

    #[test]
    fn equal_scores_have_no_variation_and_spread_scores_have_some() {
        assert_eq!(with(&[1.0, 1.0, 1.0]).coefficiente_variazione(), Some(0.0));
        // Mean 0,8, deviations ±0,2: standard deviation 0,2, coefficient 0,25.
        let cv = with(&[0.6, 1.0]).coefficiente_variazione().unwrap();
        assert!((cv - 0.25).abs() < 1e-12, "{cv}");
        assert_eq!(with(&[]).coefficiente_variazione(), None);
    }

    #[test]
    fn a_given_score_is_points_out_of_100_in_italian_figures() {
        assert_eq!(points("92,5\u{a0}%"), Ok(0.925));
        assert_eq!(points("92,5"), Ok(0.925));
        assert_eq!(points("100"), Ok(1.0));
        assert_eq!(points("0"), Ok(0.0));
        for bad in ["1.250", "buono", "0,925", "9.5", "150", "-5 %", "1e309", "", "1,2,3"] {
            assert!(points(bad).is_err(), "«{bad}» accepted");
        }
    }
}
