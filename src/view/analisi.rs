//! The report's summaries as the chapters print them: class counts, indicators below target,
//! significant indicators, OIV decisions, overshooting, resources, economic health, benchmarking,
//! and the multi-year KPI series.

use super::alberi::{Indicatore, indicatore};
use super::{EsitoView, band_id, eur, number, pct, pp};
use crate::model::{ParetoRow, RigaTabella, Risorse as ModelRisorse, Tabella};
use crate::score::salute::Fonte;
use crate::score::{BandCounts, Scored};
use crate::value::Unit;
use serde::Serialize;

/// One of the SMVP's result classes, as printed.
#[derive(Debug, Clone, Serialize)]
pub struct ClasseView {
    /// Identifier for styles: `classe-1` (the best), `classe-2`, …
    pub banda: String,
    /// `Raggiunti (≥ 95 %)`.
    pub etichetta: String,
    /// The SMVP's name alone: `Raggiunti`.
    pub nome: String,
    /// Colour of its mark, `#RRGGBB`.
    pub colore: String,
    /// The same colour without `#` (`2E7D32`), for the style sheets.
    pub rgb: String,
}

/// Objectives counted per class.
#[derive(Debug, Clone, Serialize)]
pub struct Conteggi {
    pub righe: Vec<RigaConteggio>,
    pub totale: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RigaConteggio {
    pub banda: String,
    pub etichetta: String,
    pub numero: usize,
    /// Share of the total: `47,06 %`.
    pub quota: String,
}

/// An indicator below the best class, with the objective it belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct SottoSoglia {
    #[serde(flatten)]
    pub indicatore: Indicatore,
    /// The objective's title.
    pub obiettivo: String,
    /// The explanation's structured fields (empty when not written).
    pub causa: Option<String>,
    /// `interna` or `esterna`: whether the cause was within the Ente's control.
    pub dipendenza: Option<String>,
    pub azioni: Option<String>,
    pub osservazioni_oiv: Option<String>,
}

/// An indicator of chapter 1.
#[derive(Debug, Clone, Serialize)]
pub struct SignificativoView {
    pub titolo: String,
    pub consuntivo: String,
    /// Change on the previous year's actual, or `n.d.`.
    pub variazione: String,
    /// System mean with its year (`70,30 % (2023)`), or `n.d.`.
    pub media_sistema: String,
    pub risultato: EsitoView,
}

/// An OIV decision as listed in chapter 5.
#[derive(Debug, Clone, Serialize)]
pub struct DecisioneRiga {
    /// Who decided: `OIV`, `Giunta`, `Segretario generale`, `Ufficio (valore certificato)`.
    pub organo: &'static str,
    pub codice: String,
    pub nome: String,
    pub decisione: String,
    pub motivazione: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OvershootingView {
    /// `110 %`.
    pub soglia: String,
    /// `>=, <=`.
    pub operatori: String,
    pub kpi_con_target: usize,
    pub numero: usize,
    /// Share of the KPIs with a target: `8,6 %`.
    pub quota: String,
    /// Of which with a Ministry-set target.
    pub ministeriali: usize,
    /// Whether the rows are the platform's own flags (its OVERSHOOTING column).
    pub dalla_piattaforma: bool,
    /// Whether the threshold is the SMVP's (configured), not the tool's default.
    pub dallo_smvp: bool,
    /// How many the SMVP rule flags (the cross-check when the platform's flags are used).
    pub calcolate: usize,
    pub righe: Vec<RigaOvershooting>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RigaOvershooting {
    pub titolo: String,
    pub tipo: Option<String>,
    pub target: String,
    pub consuntivo: String,
    pub rapporto: String,
    pub overshooting: String,
    pub target_ministeriale: bool,
}

/// Promotional resources per ambito and strategic objective, and the +20 % projects.
#[derive(Debug, Clone, Serialize)]
pub struct RisorseView {
    pub obiettivi: Vec<RigaRisorse>,
    pub progetti: Vec<RigaRisorse>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RigaRisorse {
    pub codice: String,
    pub nome: String,
    /// Rows above the strategic objectives (ambiti, totals): printed highlighted.
    pub evidenza: bool,
    pub budget_iniziale: String,
    pub budget_aggiornato: String,
    pub utilizzato: String,
    pub utilizzo: String,
}

/// 3.3.1: balance tables and ratios.
#[derive(Debug, Clone, Serialize)]
pub struct SaluteView {
    pub tabelle: Vec<TabellaBilancio>,
    pub anni: Vec<i32>,
    pub indici: Vec<IndiceView>,
    /// Ratios in percent, one series per ratio, values in percentage points per year of `anni`.
    pub grafico: Vec<SerieGrafico>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TabellaBilancio {
    pub nome: String,
    pub colonne: Vec<String>,
    pub righe: Vec<RigaBilancio>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RigaBilancio {
    pub voce: String,
    /// Totals (printed in bold).
    pub totale: bool,
    pub valori: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndiceView {
    pub nome: String,
    pub area: Option<String>,
    /// The formula, or `tabella degli indici` when taken from the published table.
    pub fonte: String,
    /// Whether the ratio is computed by its formula (its note is printed).
    pub calcolato: bool,
    pub nota: String,
    /// The OIV's cross-checks, printed only in its working papers.
    pub rilievi: Vec<String>,
    /// One value per year of `anni`.
    pub valori: Vec<ValoreIndiceView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValoreIndiceView {
    /// `17,60 %`, `3,18`, or `–`.
    pub testo: String,
    /// Taken from the published table although the ratio has a formula.
    pub da_tabella: bool,
    /// The report's own year taken from the indicator of the tree with the ratio's name.
    pub dall_albero: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SerieGrafico {
    pub nome: String,
    pub valori: Vec<Option<f64>>,
}

/// 3.3.2: the Pareto benchmarking.
#[derive(Debug, Clone, Serialize)]
pub struct Pareto {
    /// Year of the values, or empty.
    pub anno: String,
    /// The previous year, or `prec.`.
    pub anno_precedente: String,
    pub righe: Vec<RigaPareto>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RigaPareto {
    pub dimensione: String,
    /// First row of its dimension.
    pub nuova_dimensione: bool,
    pub indicatore: String,
    pub valore: String,
    pub sotto_media: bool,
    pub media: String,
    pub minimo: String,
    pub massimo: String,
    pub punteggio: String,
    pub punteggio_precedente: String,
    /// The same figures as numbers, for the position chart.
    pub posizione: Posizione,
    /// Which way is better, as the score shows it: `più basso`, `più alto`, or `n.d.`.
    pub migliore: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Posizione {
    pub minimo: f64,
    pub massimo: f64,
    pub media: f64,
    pub valore: f64,
}

/// Allegato 6: the multi-year KPI analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Serie {
    /// Overshooting threshold: `110 %`.
    pub soglia: String,
    pub con_target_sotto_precedente: usize,
    pub con_overshooting_ripetuto: usize,
    pub con_anni_mancanti: usize,
    pub senza_rilievi: usize,
    pub kpi: Vec<SerieKpiView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SerieKpiView {
    pub nome: String,
    pub codice: Option<String>,
    pub operatore: String,
    /// Deadlines are not drawn as columns.
    pub scadenza: bool,
    pub anni: Vec<AnnoSerieView>,
    pub rilievi: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnnoSerieView {
    pub anno: i32,
    pub target: String,
    pub consuntivo: String,
    pub rapporto: String,
    /// For the chart, in the KPI's own unit.
    pub target_num: Option<f64>,
    pub consuntivo_num: Option<f64>,
    /// Bar lengths for the web chart: each figure as a share of the KPI's largest, 0–100.
    pub target_barra: Option<f64>,
    pub consuntivo_barra: Option<f64>,
}

/// The classes as printed, best first: each with its range (`≥ 95 %`, `60–95 %`, `< 60 %` for a
/// last class from 0) and its colour.
pub(crate) fn classi(classi: &[crate::inputs::config::Classe]) -> Vec<ClasseView> {
    let t = |x: f64| number(x, if x.fract() == 0.0 { 0 } else { 2 });
    classi
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let range = match (i, classi.get(i.wrapping_sub(1))) {
                (0, _) | (_, None) => format!("≥ {} %", t(c.da)),
                (_, Some(up)) if c.da <= 0.0 => format!("< {} %", t(up.da)),
                (_, Some(up)) => format!("{}–{} %", t(c.da), t(up.da)),
            };
            let colore = c.colore.clone().unwrap_or_else(|| colour(i, classi.len())).to_uppercase();
            ClasseView {
                banda: band_id(Some(i)),
                etichetta: format!("{} ({range})", c.etichetta),
                nome: c.etichetta.clone(),
                rgb: colore.trim_start_matches('#').to_string(),
                colore,
            }
        })
        .collect()
}

/// The default colour of the `i`-th of `n` classes: green for the best, red for the worst, amber
/// half-way, in between by straight lines (three classes: the platform's green, amber, red).
fn colour(i: usize, n: usize) -> String {
    const STOPS: [[f64; 3]; 3] = [
        [0x2E as f64, 0x7D as f64, 0x32 as f64],
        [0xF9 as f64, 0xA8 as f64, 0x25 as f64],
        [0xC6 as f64, 0x28 as f64, 0x28 as f64],
    ];
    let t = if n <= 1 { 0.0 } else { i as f64 / (n - 1) as f64 * 2.0 };
    let (a, b, f) = if t <= 1.0 { (STOPS[0], STOPS[1], t) } else { (STOPS[1], STOPS[2], t - 1.0) };
    let c: Vec<String> =
        (0..3).map(|k| format!("{:02X}", (a[k] + (b[k] - a[k]) * f).round() as u8)).collect();
    format!("#{}", c.concat())
}

/// How each level's result is computed, one line per level present in the tree, from the
/// configured rules and what the tree holds (which levels exist, what an objective is made of,
/// which rules, thresholds and deadlines its indicators have): never a description of a rule the
/// SMVP does not use or of an element the plan does not have.
pub(super) fn calcolo(s: &Scored, livelli: &super::LivelliView, ente: &str) -> Vec<String> {
    use crate::model::{Level, Node};
    use crate::score::indicator::{describe, describe_deadline, rule_for};
    let smvp = &s.config.smvp;
    let Some(albero) = s.report.albero.as_ref() else { return Vec::new() };
    let lower = |n: &super::NomeLivello| n.nome.to_lowercase();
    let mut out = Vec::new();

    // Indicators: each rule in use, the most used first; deadlines; thresholds from the plan.
    let mut rules: Vec<(String, Vec<String>)> = Vec::new();
    let (mut deadlines, mut minimum) = (false, 0usize);
    let mut seen = std::collections::BTreeSet::new();
    albero.walk(&mut |n: &Node| {
        let Some(ind) = n.indicator.as_deref() else { return };
        if !seen.insert(n.code.clone()) {
            return;
        }
        if matches!(ind.target, crate::value::Target::Entro { .. }) {
            deadlines = true;
            return;
        }
        minimum += usize::from(ind.soglia_minima.is_some());
        let d = describe(rule_for(smvp, &n.code, ind.tipo.as_deref()));
        match rules.iter_mut().find(|(r, _)| *r == d) {
            Some((_, codes)) => codes.push(n.code.clone()),
            None => rules.push((d, vec![n.code.clone()])),
        }
    });
    rules.sort_by_key(|r| std::cmp::Reverse(r.1.len()));
    let plural = &livelli.indicatore.plurale;
    for (i, (rule, codes)) in rules.iter().enumerate() {
        if i == 0 {
            let except = if rules.len() > 1 { " (salvo quelli indicati di seguito)" } else { "" };
            out.push(format!("{plural}{except}: {rule}"));
        } else {
            let name = if codes.len() == 1 { &livelli.indicatore.nome } else { plural };
            out.push(format!("{name} {}: {rule}", list_codes(codes)));
        }
    }
    if minimum > 0 {
        out.push(format!(
            "{plural} con una soglia minima nel piano ({minimum}): un valore che non la raggiunge ha punteggio 0"
        ));
    }
    if deadlines {
        out.push(format!("{plural} a {}", describe_deadline(&smvp.scadenze)));
    }
    // Only where the rule applied: a missing value certified or decided otherwise is not excluded.
    let mut by_rule = false;
    albero.walk(&mut |n| {
        by_rule |= n.outcome.as_ref().is_some_and(|o| o.missing && o.decision.is_none());
    });
    if by_rule {
        out.push(
            match smvp.valori_mancanti {
                crate::inputs::config::ValoriMancanti::Zero => "Valori mancanti: punteggio 0",
                _ => "Valori mancanti: l'indicatore è escluso e il suo peso va agli altri elementi",
            }
            .to_string(),
        );
    }

    // Each level present, with what its elements are made of in this plan.
    let mean = |c: crate::inputs::config::Calcolo| match c {
        crate::inputs::config::Calcolo::MediaPesata => "media ponderata, con i pesi del piano, dei risultati",
        crate::inputs::config::Calcolo::MediaSemplice => "media semplice dei risultati",
        crate::inputs::config::Calcolo::MediaRaggiungimenti => "media semplice dei raggiungimenti",
        crate::inputs::config::Calcolo::MediaPesataRaggiungimenti => {
            "media ponderata, con i pesi del piano, dei raggiungimenti"
        }
    };
    let of = |l: Level| smvp.livelli.of(l).map_or(crate::inputs::config::Calcolo::MediaPesata, |x| x.calcolo);
    let kinds = |nodes: &[&Node]| {
        let mut k = std::collections::BTreeSet::new();
        for n in nodes {
            for c in &n.children {
                k.insert(c.level);
            }
        }
        k
    };
    let oo = albero.all(Level::ObiettivoOperativo);
    if !oo.is_empty() {
        out.push(format!(
            "{}: {} per {}",
            livelli.obiettivo_operativo.nome,
            mean(of(Level::ObiettivoOperativo)),
            lower(&livelli.indicatore)
        ));
    }
    let os = albero.all(Level::ObiettivoStrategico);
    if !os.is_empty() {
        // Groups matter where an objective has two (its own indicators and its operational
        // objectives, each with a weight); a lone group is the objective's elements by another name.
        let grouped = os.iter().any(|o| o.children.iter().filter(|c| c.level == Level::Gruppo).count() > 1);
        let mut k = kinds(&os);
        if !grouped && k.remove(&Level::Gruppo) {
            k.extend(kinds(&albero.all(Level::Gruppo)));
        }
        let (ind, op) = (lower(&livelli.indicatore), lower(&livelli.obiettivo_operativo));
        let parts = if grouped {
            let groups = albero.all(Level::Gruppo);
            let gk = kinds(&groups);
            let mut names = Vec::new();
            if gk.contains(&Level::Indicatore) {
                names.push(format!("{} propri", livelli.indicatore.plurale.to_lowercase()));
            }
            if gk.contains(&Level::ObiettivoOperativo) {
                names.push(livelli.obiettivo_operativo.plurale.to_lowercase());
            }
            format!(
                "per gruppo ({}), ciascun gruppo con il suo peso e con la stessa media sui suoi elementi",
                names.join(" e ")
            )
        } else {
            match (k.contains(&Level::Indicatore), k.contains(&Level::ObiettivoOperativo)) {
                (true, true) => format!("per {ind} proprio e per {op}"),
                (true, false) => format!("per {ind}"),
                _ => format!("per {op}"),
            }
        };
        out.push(format!(
            "{}: {} {parts}",
            livelli.obiettivo_strategico.nome,
            mean(of(Level::ObiettivoStrategico))
        ));
    }
    if !albero.all(Level::Ambito).is_empty() {
        out.push(format!(
            "{}: {} per {}",
            livelli.ambito.nome,
            mean(of(Level::Ambito)),
            lower(&livelli.obiettivo_strategico)
        ));
    }
    out.push(format!("Ente: {ente}"));
    let mut targets = false;
    albero.walk(&mut |n| targets |= n.target_obiettivo.is_some());
    if targets {
        out.push(format!(
            "Raggiungimento di un obiettivo con un target proprio: il suo risultato rispetto al target, fino al {}",
            pp(Some(smvp.regola.tetto), 0)
        ));
    }
    out
}

/// `«A1», «A2» e «A3»`; beyond six, the first five and how many more.
fn list_codes(codes: &[String]) -> String {
    let quoted: Vec<String> = codes.iter().map(|c| format!("«{c}»")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n if n <= 6 => format!("{} e {}", quoted[..n - 1].join(", "), quoted[n - 1]),
        n => format!("{} e altri {}", quoted[..5].join(", "), n - 5),
    }
}

fn share(n: usize, total: usize) -> String {
    if total == 0 { "–".into() } else { pp(Some(n as f64 / total as f64 * 100.0), 2) }
}

pub(super) fn conteggi(c: &BandCounts, s: &[crate::inputs::config::Classe]) -> Conteggi {
    let mut righe: Vec<RigaConteggio> = classi(s)
        .into_iter()
        .zip(c.per_classe.iter().copied())
        .map(|(k, n)| RigaConteggio {
            banda: k.banda,
            etichetta: k.etichetta,
            numero: n,
            quota: share(n, c.totale),
        })
        .collect();
    if c.senza_classe > 0 && !s.is_empty() {
        righe.push(RigaConteggio {
            banda: band_id(None),
            etichetta: "Sotto ogni classe".into(),
            numero: c.senza_classe,
            quota: share(c.senza_classe, c.totale),
        });
    }
    if c.senza_risultato > 0 {
        righe.push(RigaConteggio {
            banda: band_id(None),
            etichetta: "Senza risultato (esclusi)".into(),
            numero: c.senza_risultato,
            quota: share(c.senza_risultato, c.totale),
        });
    }
    Conteggi { righe, totale: c.totale }
}

pub(super) fn sotto_soglia(s: &Scored, texts: &crate::inputs::testi::Texts) -> Vec<SottoSoglia> {
    let Some(a) = s.report.albero.as_ref() else { return Vec::new() };
    crate::score::below_threshold(a, &s.config.smvp)
        .into_iter()
        .map(|(n, parent)| {
            let c = texts.campi.get(&n.code).cloned().unwrap_or_default();
            SottoSoglia {
                indicatore: indicatore(n),
                obiettivo: super::title(parent),
                causa: c.causa,
                dipendenza: c.dipendenza.map(|d| d.to_lowercase()),
                azioni: c.azioni,
                osservazioni_oiv: c.osservazioni_oiv,
            }
        })
        .collect()
}

fn with_unit(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Percento => pp(Some(v), 2),
        Unit::Giorni => format!("{}\u{a0}gg", number(v, 2)),
        Unit::Euro => eur(v),
        _ => number(v, 2),
    }
}

pub(super) fn significativi(s: &Scored) -> Vec<SignificativoView> {
    let classi = s.config.smvp.classi();
    s.summary
        .significativi
        .iter()
        .map(|i| {
            // «n.d.» always says why: the figure is not in the inputs.
            let last = s.config.anno - 1;
            let variazione = match (i.precedente, i.value) {
                _ if i.scadenza => "n.d.: è una scadenza".to_string(),
                (Some(before), Some(now)) => match crate::score::precedente::change(before, now, i.unit) {
                    Some(c) => super::change_text(Some(c)),
                    None => format!("n.d.: valore {last} pari a zero"),
                },
                _ => match &s.precedente {
                    Some(c) if c.ricalcolato => {
                        format!("n.d.: {last} non nella serie storica né nell'esportazione del {last}")
                    }
                    Some(_) => format!("n.d.: {last} non nella serie storica né nella Relazione {last}"),
                    None => format!("n.d.: {last} non nella serie storica"),
                },
            };
            SignificativoView {
                titolo: format!("{} – {}", i.code, i.name),
                consuntivo: i.actual.clone(),
                variazione,
                media_sistema: i.media_sistema.map_or("n.d.: non nel cruscotto Pareto".into(), |m| {
                    match i.anno_media {
                        Some(y) => format!("{} ({y})", with_unit(m, i.unit)),
                        None => with_unit(m, i.unit),
                    }
                }),
                risultato: super::computed(i.result, classi),
            }
        })
        .collect()
}

pub(crate) fn decisioni(s: &Scored) -> Vec<DecisioneRiga> {
    let mut out: Vec<DecisioneRiga> = Vec::new();
    for tree in [&s.report.albero, &s.report.unita, &s.report.individuali].into_iter().flatten() {
        tree.walk(&mut |n| {
            let Some(d) = n.outcome.as_ref().and_then(|o| o.decision.as_ref()) else { return };
            if out.iter().any(|x| x.codice == n.code) {
                return;
            }
            let (motivazione, organo) = match d {
                crate::model::Decision::Esclusione { motivazione, organo, .. }
                | crate::model::Decision::Sostituzione { motivazione, organo, .. } => {
                    (motivazione.clone(), *organo)
                }
            };
            out.push(DecisioneRiga {
                organo: organo.label(),
                codice: n.code.clone(),
                nome: n.name.clone(),
                decisione: super::decision_text(d),
                motivazione,
            });
        });
    }
    out
}

pub(super) fn overshooting(o: &crate::score::Overshooting, dallo_smvp: bool) -> OvershootingView {
    OvershootingView {
        dallo_smvp,
        soglia: pp(Some(o.soglia), 0),
        operatori: o.operatori.join(", "),
        kpi_con_target: o.kpi_con_target,
        numero: o.righe.len(),
        quota: if o.kpi_con_target == 0 {
            "–".into()
        } else {
            pp(Some(o.righe.len() as f64 / o.kpi_con_target as f64 * 100.0), 1)
        },
        ministeriali: o.righe.iter().filter(|r| r.target_ministeriale).count(),
        dalla_piattaforma: o.dalla_piattaforma,
        calcolate: o.calcolate.len(),
        righe: o
            .righe
            .iter()
            .map(|r| RigaOvershooting {
                titolo: format!("{} – {}", r.code, r.name),
                tipo: r.tipo.clone(),
                target: r.target.clone(),
                consuntivo: r.consuntivo.clone(),
                rapporto: pp(Some(r.rapporto), 2),
                overshooting: pp(Some(r.overshooting), 2),
                target_ministeriale: r.target_ministeriale,
            })
            .collect(),
    }
}

pub(super) fn risorse(r: &ModelRisorse) -> RisorseView {
    let row = |x: &crate::model::RisorsaRow| RigaRisorse {
        codice: x.code.clone(),
        nome: x.name.clone(),
        evidenza: x.livello != "Obiettivo strategico",
        budget_iniziale: eur(x.budget_iniziale),
        budget_aggiornato: eur(x.budget_aggiornato),
        utilizzato: eur(x.utilizzato),
        utilizzo: pct(x.utilizzo()),
    };
    RisorseView {
        obiettivi: r.obiettivi.iter().map(row).collect(),
        progetti: r.progetti.iter().map(row).collect(),
    }
}

/// The balance schedules print their totals in capitals (`TOTALE PROVENTI CORRENTI (A)`): the
/// only mark of a total the source has.
fn is_total(r: &RigaTabella) -> bool {
    let caps = |s: &str| !s.is_empty() && s == s.to_uppercase();
    if r.voce.is_empty() { caps(&r.gruppo) } else { caps(&r.voce) }
}

fn tabella(t: &Tabella) -> TabellaBilancio {
    TabellaBilancio {
        nome: t.nome.clone(),
        colonne: t.colonne.clone(),
        righe: t
            .righe
            .iter()
            .map(|r| RigaBilancio {
                voce: if r.voce.is_empty() { r.gruppo.clone() } else { r.voce.clone() },
                totale: is_total(r),
                valori: r.valori.iter().map(|v| v.map_or("–".into(), |v| number(v, 0))).collect(),
            })
            .collect(),
    }
}

pub(super) fn salute(s: &crate::score::salute::Salute) -> SaluteView {
    let value_text = |v: f64, percent: bool| {
        if percent { pp(Some(v * 100.0), 2) } else { number(v, if v == v.round() { 0 } else { 2 }) }
    };
    let indici = s
        .indici
        .iter()
        .map(|i| {
            // The formula is the source only where the Relazione prints a value it gives: a ratio
            // whose every value is the published one says so, and prints no formula note.
            let computed = i.valori.iter().any(|v| matches!(v.fonte, Fonte::Calcolato { .. }));
            let formula = i.formula.clone().filter(|_| computed);
            IndiceView {
                nome: i.nome.clone(),
                area: Some(i.area.clone()).filter(|a| !a.is_empty()),
                fonte: formula.clone().unwrap_or_else(|| "tabella degli indici".into()),
                calcolato: formula.is_some(),
                nota: i.nota.clone(),
                rilievi: i.rilievi.clone(),
                valori: s
                    .anni
                    .iter()
                    .map(|y| match i.valori.iter().find(|v| v.anno == *y) {
                        Some(v) => ValoreIndiceView {
                            testo: value_text(v.valore, i.percentuale),
                            da_tabella: v.fonte == Fonte::Tabella && formula.is_some(),
                            dall_albero: matches!(v.fonte, Fonte::Albero { .. }),
                        },
                        None => {
                            ValoreIndiceView { testo: "–".into(), da_tabella: false, dall_albero: false }
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let grafico = s
        .indici
        .iter()
        .filter(|i| i.percentuale)
        .map(|i| SerieGrafico {
            nome: i.nome.clone(),
            valori: s
                .anni
                .iter()
                .map(|y| i.valori.iter().find(|v| v.anno == *y).map(|v| v.valore * 100.0))
                .collect(),
        })
        .collect();
    SaluteView {
        tabelle: [&s.conto_economico, &s.stato_patrimoniale, &s.proventi_oneri]
            .into_iter()
            .flatten()
            .map(tabella)
            .collect(),
        anni: s.anni.clone(),
        indici,
        grafico,
    }
}

fn pareto_value(v: f64, unit: Unit) -> String {
    with_unit(v, unit)
}

/// Which way is better for a Pareto indicator. The dashboard does not say it, but its score does:
/// 5 is the most virtuous position, 1 the least, so a high score on a value in the lower part of
/// the system's range (or a low score in the upper part) means that lower is better. A middle
/// score or a value in the middle of the range does not tell: `n.d.`, never a guess.
fn better(p: &ParetoRow) -> &'static str {
    let (Some(score), true) = (p.punteggio, p.massimo > p.minimo) else { return "n.d." };
    let at = (p.valore - p.minimo) / (p.massimo - p.minimo);
    let (low, high) = (at <= 0.4, at >= 0.6);
    match (score >= 4.0, score <= 2.0) {
        (true, _) if low => "più basso",
        (true, _) if high => "più alto",
        (_, true) if high => "più basso",
        (_, true) if low => "più alto",
        _ => "n.d.",
    }
}

pub(super) fn pareto(rows: &[ParetoRow]) -> Option<Pareto> {
    let first = rows.first()?;
    let score = |p: Option<f64>| p.map_or("–".into(), |x| number(x, 0));
    Some(Pareto {
        anno: first.anno.map(|y| y.to_string()).unwrap_or_default(),
        anno_precedente: first.anno.map_or("prec.".into(), |y| (y - 1).to_string()),
        righe: rows
            .iter()
            .enumerate()
            .map(|(i, p)| RigaPareto {
                dimensione: p.dimensione.clone(),
                nuova_dimensione: i == 0 || rows[i - 1].dimensione != p.dimensione,
                indicatore: p.indicatore.clone(),
                valore: pareto_value(p.valore, p.unit),
                sotto_media: p.valore < p.media,
                media: pareto_value(p.media, p.unit),
                minimo: pareto_value(p.minimo, p.unit),
                massimo: pareto_value(p.massimo, p.unit),
                punteggio: score(p.punteggio),
                punteggio_precedente: score(p.punteggio_precedente),
                posizione: Posizione {
                    minimo: p.minimo,
                    massimo: p.massimo,
                    media: p.media,
                    valore: p.valore,
                },
                migliore: better(p),
            })
            .collect(),
    })
}

pub(super) fn serie(s: &crate::score::serie::AnalisiSerie) -> Serie {
    Serie {
        soglia: pp(Some(s.soglia), 0),
        con_target_sotto_precedente: s.con_target_sotto_precedente,
        con_overshooting_ripetuto: s.con_overshooting_ripetuto,
        con_anni_mancanti: s.con_anni_mancanti,
        senza_rilievi: s.senza_rilievi,
        kpi: s
            .kpi
            .iter()
            .map(|k| {
                let largest = k
                    .anni
                    .iter()
                    .flat_map(|a| [a.target_num, a.consuntivo_num])
                    .flatten()
                    .map(f64::abs)
                    .fold(0.0, f64::max);
                let bar = |v: Option<f64>| {
                    v.filter(|_| largest > 0.0).map(|v| (v.abs() / largest * 100.0).min(100.0))
                };
                SerieKpiView {
                    nome: k.nome.clone(),
                    codice: k.codice.clone(),
                    operatore: k.operatore.clone(),
                    scadenza: k.operatore.to_lowercase().starts_with("entro"),
                    anni: k
                        .anni
                        .iter()
                        .map(|a| AnnoSerieView {
                            anno: a.anno,
                            target: a.target.clone(),
                            consuntivo: a.consuntivo.clone(),
                            rapporto: pct(a.rapporto),
                            target_num: a.target_num,
                            consuntivo_num: a.consuntivo_num,
                            target_barra: bar(a.target_num),
                            consuntivo_barra: bar(a.consuntivo_num),
                        })
                        .collect(),
                    rilievi: k.rilievi.clone(),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::better;
    use crate::model::ParetoRow;
    use crate::value::Unit;

    fn row(valore: f64, punteggio: Option<f64>) -> ParetoRow {
        ParetoRow {
            dimensione: "EFFICIENZA".into(),
            indicatore: "Indicatore".into(),
            valore,
            media: 50.0,
            minimo: 0.0,
            massimo: 100.0,
            punteggio,
            punteggio_precedente: None,
            unit: Unit::Percento,
            anno: Some(2023),
        }
    }

    /// The way to better is read from the score, and never guessed where the score is silent.
    #[test]
    fn the_better_direction_comes_from_the_score() {
        assert_eq!(better(&row(10.0, Some(5.0))), "più basso");
        assert_eq!(better(&row(95.0, Some(1.0))), "più basso");
        assert_eq!(better(&row(90.0, Some(5.0))), "più alto");
        assert_eq!(better(&row(5.0, Some(2.0))), "più alto");
        assert_eq!(better(&row(50.0, Some(5.0))), "n.d.", "a value in the middle says nothing");
        assert_eq!(better(&row(10.0, Some(3.0))), "n.d.", "a middle score says nothing");
        assert_eq!(better(&row(10.0, None)), "n.d.");
    }
}
