//! The OIV's working papers: the validation criteria of the Funzione Pubblica guidelines, each with
//! its evidence from the inputs and a status. This is what the OIV attaches to its *documento di
//! validazione*: a criterion is satisfied only when its evidence says so.

use crate::model::Node;
use crate::score::Scored;
use crate::value::format_number;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct CarteOiv {
    pub criteri: Vec<Criterio>,
    /// How many criteria are not satisfied.
    pub non_soddisfatti: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Criterio {
    pub criterio: String,
    /// What was checked, in one sentence.
    pub evidenza: String,
    /// The items behind the status (differences, missing explanations, …).
    pub dettagli: Vec<String>,
    /// `verificato`, `non soddisfatto`, `da verificare`.
    pub stato: &'static str,
    /// The traffic light of the status.
    pub banda: &'static str,
}

const OK: (&str, &str) = ("verificato", "verde");
const KO: (&str, &str) = ("non soddisfatto", "rosso");
const TODO: (&str, &str) = ("da verificare", "giallo");

fn criterio(
    criterio: &str,
    evidenza: String,
    dettagli: Vec<String>,
    (stato, banda): (&'static str, &'static str),
) -> Criterio {
    Criterio { criterio: criterio.into(), evidenza, dettagli, stato, banda }
}

/// Our result against the platform's, for every node that carries the platform's own figure.
fn recomputed(s: &Scored) -> Criterio {
    let tolerance = s.config.smvp.tolleranza_confronto;
    let (mut compared, mut differences) = (0, Vec::new());
    for tree in [&s.report.albero, &s.report.unita, &s.report.individuali, &s.report.tempestivita]
        .into_iter()
        .flatten()
    {
        tree.walk(&mut |n| {
            let Some(p) = n.platform_result else { return };
            let o = n.outcome.as_ref();
            if o.is_some_and(|o| o.decision.is_some()) {
                return;
            }
            compared += 1;
            let ours = o.and_then(|o| o.result).map(|r| r * 100.0);
            if ours.is_none_or(|r| (r - p * 100.0).abs() > tolerance + 1e-9) {
                differences.push(format!(
                    "{} «{}»: calcolato {}, piattaforma {} %",
                    n.level.label(),
                    n.code,
                    ours.map_or("nessun risultato".into(), |r| format!("{} %", format_number(r, 2))),
                    format_number(p * 100.0, 2)
                ));
            }
        });
    }
    let evidenza = format!(
        "{compared} risultati della piattaforma confrontati con quelli ricalcolati dalle regole dello SMVP \
         (tolleranza {} punti); differenze: {}",
        format_number(tolerance, 2),
        differences.len()
    );
    let status = if compared == 0 {
        TODO
    } else if differences.is_empty() {
        OK
    } else {
        KO
    };
    criterio(
        "I risultati sono ricalcolati e coincidono con quelli della piattaforma",
        evidenza,
        differences,
        status,
    )
}

/// Every indicator below the explanation threshold has its cause, its control and its corrective actions.
fn explained(s: &Scored, texts: &crate::inputs::testi::Texts) -> Criterio {
    let below = s
        .report
        .albero
        .as_ref()
        .map(|a| crate::score::below_threshold(a, &s.config.smvp))
        .unwrap_or_default();
    let mut missing = Vec::new();
    for (n, _) in &below {
        let what = match texts.scostamenti.get(&n.code) {
            None => Some("nessuna spiegazione"),
            Some(t) if crate::bozza::is_sample(&t.markdown) => Some("spiegazione di esempio"),
            Some(_) if crate::inputs::testi::explanation_gaps(texts, &n.code).is_empty() => None,
            Some(_) => Some("mancano causa, dipendenza o azioni correttive"),
        };
        if let Some(w) = what {
            missing.push(format!("«{}»: {w}", n.code));
        }
    }
    let evidenza = format!(
        "{} indicatori sotto il {} (soglia delle spiegazioni dello SMVP); spiegati con causa, dipendenza e azioni \
         correttive: {}",
        below.len(),
        super::threshold(s.config.smvp.soglia_spiegazioni()),
        below.len() - missing.len()
    );
    let status = if missing.is_empty() { OK } else { KO };
    criterio("Ogni scostamento ha la sua spiegazione", evidenza, missing, status)
}

/// Every indicator of the tree declares the source of its figure.
fn sources(s: &Scored) -> Criterio {
    let Some(a) = &s.report.albero else {
        return criterio("Le fonti dei dati sono dichiarate", "nessun indicatore".into(), Vec::new(), OK);
    };
    let mut total = 0;
    a.walk(&mut |n: &Node| total += usize::from(n.indicator.is_some()));
    let without = crate::inputs::testi::without_source(a);
    let evidenza = format!("{total} indicatori; senza fonte dichiarata: {}", without.len());
    let status = if without.is_empty() { OK } else { KO };
    let dettagli =
        if without.is_empty() { Vec::new() } else { vec![format!("senza fonte: {}", without.join(", "))] };
    criterio("Le fonti dei dati sono dichiarate", evidenza, dettagli, status)
}

/// The same figure given by two inputs: compared only between the inputs that are there (with
/// the tree alone there is nothing to compare, and the criterion says so).
fn consistent(s: &Scored) -> Criterio {
    let d = s.summary.incoerenze.clone();
    let mut compared = vec!["l'albero della performance"];
    if s.summary.serie.is_some() {
        compared.push("la serie storica dei KPI");
    }
    if s.summary.salute.is_some() {
        compared.push("la tabella degli indici di bilancio");
    }
    if compared.len() < 2 {
        let evidenza =
            "solo l'albero della performance tra i dati forniti (mancano la serie storica dei KPI e gli \
                        indici di bilancio): nessun confronto possibile, da verificare sugli atti"
                .to_string();
        return criterio("Ogni dato compare con un solo valore", evidenza, d, TODO);
    }
    let (last, first) = compared.split_last().expect("two at least");
    let evidenza =
        format!("confronto tra {} e {last}; dati con due valori diversi: {}", first.join(", "), d.len());
    let status = if d.is_empty() { OK } else { KO };
    criterio("Ogni dato compare con un solo valore", evidenza, d, status)
}

fn decisions(s: &Scored) -> Criterio {
    // Only the OIV's own decisions are the OIV's: the Giunta's, the Segretario's and the office's
    // are in the Relazione's table with their body.
    let list: Vec<String> = super::analisi::decisioni(s)
        .into_iter()
        .filter(|d| d.organo == crate::inputs::decisions::Organo::Oiv.label())
        .map(|d| format!("«{}»: {} — {}", d.codice, d.decisione, d.motivazione))
        .collect();
    let evidenza = format!(
        "decisioni dell'OIV registrate in decisioni.yaml, con il risultato calcolato accanto a quello deciso: {}",
        list.len()
    );
    criterio("Le decisioni dell'OIV sono motivate e il loro effetto è esposto", evidenza, list, OK)
}

fn plan_changes() -> Criterio {
    criterio(
        "Obiettivi e target modificati durante l'anno sono documentati",
        "il confronto con il piano di inizio anno non è disponibile: le modifiche vanno verificate sugli atti \
         (le soppressioni e le esclusioni registrate, con l'organo che le ha decise, sono nella tabella delle \
         decisioni del capitolo 5)"
            .into(),
        Vec::new(),
        TODO,
    )
}

fn overshooting(s: &Scored) -> Option<Criterio> {
    let o = &s.summary.overshooting;
    if !s.config.smvp.overshooting.previsto {
        return None;
    }
    let agree = !o.dalla_piattaforma || o.righe.len() == o.calcolate.len();
    let evidenza = if o.dalla_piattaforma {
        format!(
            "indicatori segnalati dalla piattaforma: {}; secondo la regola dello SMVP: {}",
            o.righe.len(),
            o.calcolate.len()
        )
    } else {
        format!("indicatori oltre la soglia secondo la regola dello SMVP: {}", o.righe.len())
    };
    Some(criterio(
        "I target sono sfidanti (overshooting)",
        evidenza,
        Vec::new(),
        if agree { OK } else { TODO },
    ))
}

fn open_items(open: &[crate::bozza::Voce]) -> Criterio {
    let dettagli: Vec<String> = open.iter().map(|v| format!("{}: {}", v.gruppo.label(), v.testo)).collect();
    let evidenza = format!("voci da completare nella Relazione: {}", open.len());
    criterio("La Relazione è completa", evidenza, dettagli, if open.is_empty() { OK } else { KO })
}

pub(super) fn carte(
    s: &Scored,
    open: &[crate::bozza::Voce],
    texts: &crate::inputs::testi::Texts,
) -> CarteOiv {
    let mut criteri =
        vec![recomputed(s), explained(s, texts), sources(s), consistent(s), decisions(s), plan_changes()];
    criteri.extend(overshooting(s));
    criteri.push(open_items(open));
    let non_soddisfatti = criteri.iter().filter(|c| c.stato == KO.0).count();
    CarteOiv { criteri, non_soddisfatti }
}
