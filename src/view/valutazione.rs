//! Chapter 4's evaluation of the managers: the scheme, each role's components and total, and the
//! distribution of the scores with its differentiation, as printed.

use super::{EsitoView, computed, pct, pp};
use crate::inputs::config::FonteComponente;
use crate::score::Scored;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ValutazioneView {
    /// The scheme's components, in its order (empty without the scheme).
    pub componenti: Vec<ComponenteView>,
    pub ruoli: Vec<RuoloValutazioneView>,
    /// What the distribution is of: `punteggi complessivi` or `risultati degli obiettivi individuali`.
    pub base: &'static str,
    /// Roles in each class of the SMVP, best first, then those below every class.
    pub distribuzione: Vec<FasciaView>,
    /// Roles with a score.
    pub numero: usize,
    pub media: String,
    pub minimo: String,
    pub massimo: String,
    /// The standard deviation as a share of the mean: `0,00 %` when every score is the same.
    pub coefficiente_variazione: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponenteView {
    pub nome: String,
    /// Where its score comes from, in words.
    pub fonte: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuoloValutazioneView {
    pub ruolo: String,
    /// Per component: `99,62 % (peso 40 %)`, `n.d.` for a score not given.
    pub componenti: Vec<String>,
    pub totale: EsitoView,
}

#[derive(Debug, Clone, Serialize)]
pub struct FasciaView {
    pub classe: String,
    pub numero: usize,
    pub quota: String,
}

fn fonte(f: FonteComponente) -> &'static str {
    match f {
        FonteComponente::Ente => "il risultato dell'Ente",
        FonteComponente::Obiettivi => "il risultato degli obiettivi individuali del ruolo",
        FonteComponente::Tabella => "il punteggio attribuito dal valutatore",
    }
}

pub(super) fn valutazione(s: &Scored) -> Option<ValutazioneView> {
    let v = s.summary.valutazione.as_ref()?;
    let classi = s.config.smvp.classi();
    let scheme = s.config.valutazione_individuale.as_ref();
    let componenti = scheme
        .map(|x| {
            x.componenti
                .iter()
                .map(|c| ComponenteView { nome: c.nome.clone(), fonte: fonte(c.fonte) })
                .collect()
        })
        .unwrap_or_default();
    let ruoli = v
        .ruoli
        .iter()
        .map(|r| RuoloValutazioneView {
            ruolo: r.ruolo.clone(),
            componenti: r
                .punteggi
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let score = p.map_or("n.d.".to_string(), |p| pct(Some(p)));
                    match r.pesi.as_ref().and_then(|w| w.get(i)) {
                        Some(w) => format!("{score} (peso {})", super::threshold(*w)),
                        None => score,
                    }
                })
                .collect(),
            totale: computed(r.totale.map(|t| t * 100.0), classi),
        })
        .collect();
    let n = v.valori.len();
    let quota = |k: usize| if n == 0 { "–".into() } else { pp(Some(k as f64 * 100.0 / n as f64), 1) };
    let mut per_class = vec![0usize; classi.len()];
    let mut below = 0;
    for x in &v.valori {
        match crate::score::band(*x, classi) {
            Some(b) => per_class[b] += 1,
            None => below += 1,
        }
    }
    let mut distribuzione: Vec<FasciaView> = classi
        .iter()
        .zip(&per_class)
        .map(|(c, k)| FasciaView { classe: c.etichetta.clone(), numero: *k, quota: quota(*k) })
        .collect();
    if below > 0 || classi.is_empty() {
        let classe = if classi.is_empty() { "Tutti".to_string() } else { "Sotto ogni classe".to_string() };
        distribuzione.push(FasciaView { classe, numero: below, quota: quota(below) });
    }
    let fold = |f: fn(f64, f64) -> f64| v.valori.iter().copied().reduce(f);
    Some(ValutazioneView {
        componenti,
        ruoli,
        base: if v.sui_totali { "punteggi complessivi" } else { "risultati degli obiettivi individuali" },
        distribuzione,
        numero: n,
        media: pct(v.media()),
        minimo: pct(fold(f64::min)),
        massimo: pct(fold(f64::max)),
        coefficiente_variazione: pct(v.coefficiente_variazione()),
    })
}
