//! Chapter 4: the individual evaluation of the managers as the SMVP's scheme composes it, and how
//! differentiated the final scores are (art. 9 and 19 D.Lgs. 150/2009 ask for differentiation).
//!
//! Each role's score on each component comes from where the scheme says: the Ente's official
//! result, the role's individual objectives, or a score the Ente gives in the «Tabelle della
//! Relazione» (section `valutazione_individuale`, a row per role, a column per component). The
//! total is the weighted sum, only when every component has its score: a missing score is a
//! draft item, never a guess.

use crate::inputs::config::{Config, FonteComponente};
use crate::model::{Report, Sezione};
use serde::Serialize;

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

/// A score the Ente wrote in a table cell (`92,5 %`, `92,5`, `0,925` is not accepted: scores are
/// points out of 100), as a fraction.
fn points(text: &str) -> Option<f64> {
    let t = text.trim().trim_end_matches('%').trim().replace('.', "").replace(',', ".");
    let v: f64 = t.parse().ok()?;
    (v.is_finite() && (0.0..=200.0).contains(&v)).then_some(v / 100.0)
}

/// The score the Ente gives a role on a component, from its table.
fn given(report: &Report, ruolo: &str, componente: &str) -> Option<f64> {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let same = |a: &str, b: &str| norm(a) == norm(b);
    report.tabelle.iter().filter(|t| t.sezione == Sezione::ValutazioneIndividuale).find_map(|t| {
        let col = t.colonne.iter().position(|c| same(c, componente))?;
        let row = t.righe.iter().find(|r| same(&r.voce, ruolo))?;
        points(row.valori.get(col)?)
    })
}

/// The evaluation of every role of the individual objectives; none without them.
pub fn valutazione(report: &Report, config: &Config) -> Option<Valutazione> {
    let individuali = report.individuali.as_ref()?;
    let ente = report.albero.as_ref().and_then(|a| a.result());
    let scheme = config.valutazione_individuale.as_ref();
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
                            FonteComponente::Tabella => given(report, &r.name, &c.nome),
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
    Some(Valutazione { ruoli, sui_totali, valori })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(valori: &[f64]) -> Valutazione {
        Valutazione { ruoli: Vec::new(), sui_totali: true, valori: valori.to_vec() }
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
    fn a_given_score_is_points_out_of_100() {
        assert_eq!(points("92,5 %"), Some(0.925));
        assert_eq!(points("100"), Some(1.0));
        assert_eq!(points("1.250"), None);
        assert_eq!(points("buono"), None);
    }
}
