//! View: the scored report as the writers read it, built once.
//!
//! Every writer (the Typst templates, the workbook, the open data) reads these typed structures
//! instead of walking the scored trees itself, so that a figure is looked up, banded and formatted
//! in one place and every output prints it the same way.
//!
//! Unit convention: every result, weight and ratio a template can see is already a display string
//! in Italian format (`99,62 %`, `1.250,50 €`, `30/06/2024`); the few numbers a template needs for
//! drawing (`valore` of an [`Esito`], chart series) are **percentage points** (99.62), never
//! fractions. `docs/modelli.md` lists every field; a test keeps it in step with these types.

mod alberi;
mod analisi;
mod carte;
mod valutazione;

pub use alberi::{
    Albero, Ambito, Area, Indicatore, Individuali, Obiettivo, ObiettivoIndividuale, ObiettivoStrategico,
    Quota, Riga, Ruolo, Unita,
};
pub(crate) use analisi::classi;
pub use analisi::{
    ClasseView, Conteggi, DecisioneRiga, OvershootingView, Pareto, RisorseView, SaluteView, Serie,
    SignificativoView, SottoSoglia,
};
pub use carte::{CarteOiv, Criterio};
pub use valutazione::{ComponenteView, FasciaView, RuoloValutazioneView, ValutazioneView};

use crate::inputs::config::RisultatoEnte;
use crate::model::{Decision, Level, Node};
use crate::score::Scored;
use crate::value::{format_date, format_number};
use serde::Serialize;

/// Everything the templates see (besides the staff's texts, which each writer converts itself).
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub ente: EnteView,
    pub pubblicazione: PubblicazioneView,
    pub anno: i32,
    pub anno_precedente: i32,
    /// The document's date, `gg/mm/aaaa`.
    pub data_documento: String,
    /// Approval date from the configuration, as written there.
    /// The approval date, only in a final Relazione (a draft has not been approved).
    pub data_approvazione: Option<String>,
    pub metodo: Metodo,
    pub livelli: LivelliView,
    /// The Ente's figures as the SMVP lists them, the official one first (the same as
    /// `albero.ente.risultato`).
    pub figure_ente: Vec<FiguraEnteView>,
    /// The traffic-light classes, best first, with their labels.
    pub classi: Vec<ClasseView>,
    pub albero: Option<Albero>,
    pub unita: Option<Unita>,
    pub individuali: Option<Individuali>,
    /// Chapter 4's evaluation of the managers (with the individual objectives only).
    pub valutazione: Option<ValutazioneView>,
    pub tempestivita: Option<Obiettivo>,
    pub conteggi_strategici: Conteggi,
    pub conteggi_operativi: Conteggi,
    pub sotto_soglia: Vec<SottoSoglia>,
    pub significativi: Vec<SignificativoView>,
    pub decisioni: Vec<DecisioneRiga>,
    /// Codes of the indicators without a value (N/D).
    pub valori_mancanti: Vec<String>,
    /// None where the SMVP has no overshooting analysis.
    pub overshooting: Option<OvershootingView>,
    pub risorse: Option<RisorseView>,
    pub salute: Option<SaluteView>,
    pub pareto: Option<Pareto>,
    pub serie: Option<Serie>,
    /// The citizens' summary: plain sentences generated from the results (each one a count or a
    /// figure of this view), before the staff's own words.
    pub sintesi: Vec<String>,
    /// The acts and dates of the cycle and the OIV's members, from the configuration.
    pub ciclo: CicloView,
    /// The tables the staff gave in the «Tabelle della Relazione» layout, by section.
    pub tabelle: Tabelle,
    /// The objectives the configuration names as equal-opportunity objectives, with their results.
    pub pari_opportunita: Vec<Nodo>,
    /// What is still open, by file: the document is a draft (BOZZA) while this is not empty.
    pub bozza: Vec<FileBozza>,
    /// The OIV's working papers: the validation criteria with their evidence.
    pub carte_oiv: CarteOiv,
    /// Last year's results beside this year's: where they come from and what matched (each node
    /// has its own figures in `precedente`); none when they were not given.
    pub confronto_precedente: Option<ConfrontoView>,
}

/// What last year's results are and what of them matched this year's nodes.
#[derive(Debug, Clone, Serialize)]
pub struct ConfrontoView {
    /// The file read (its name only).
    pub file: String,
    /// Last year's results are recomputed from its export with this year's SMVP (not as published).
    pub ricalcolato: bool,
    /// `12 per posizione e codici, 3 per codice, 1 per nome`.
    pub abbinati: String,
    /// Objectives and indicators new this year.
    pub nuovi: usize,
    /// Last year's objectives and indicators not in this year's plan.
    pub tolti: Vec<ToltoView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToltoView {
    pub livello: &'static str,
    pub codice: String,
    pub nome: String,
    pub risultato: String,
}

fn confronto(c: &crate::score::precedente::Confronto) -> ConfrontoView {
    ConfrontoView {
        file: c.file.clone(),
        ricalcolato: c.ricalcolato,
        abbinati: c.abbinati(),
        nuovi: c.nuovi,
        tolti: c
            .tolti
            .iter()
            .map(|t| ToltoView {
                livello: t.livello,
                codice: t.codice.clone(),
                nome: t.nome.clone(),
                risultato: pp(t.risultato, 2),
            })
            .collect(),
    }
}

/// Chapter 5's acts and the OIV, as configured (empty lists when not given).
#[derive(Debug, Clone, Serialize)]
pub struct CicloView {
    pub atti: Vec<AttoView>,
    pub oiv: Vec<ComponenteOivView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttoView {
    pub atto: String,
    /// `gg/mm/aaaa`.
    pub data: String,
    pub estremi: Option<String>,
    pub indirizzo: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponenteOivView {
    pub nome: String,
    pub incarico: Option<String>,
}

fn ciclo(c: &crate::inputs::config::Ciclo) -> CicloView {
    CicloView {
        atti: c
            .atti
            .iter()
            .map(|a| AttoView {
                atto: a.atto.clone(),
                // Validated by the configuration: printed in one format whatever was typed.
                data: crate::value::parse_date(&a.data).map(format_date).unwrap_or_else(|_| a.data.clone()),
                estremi: a.estremi.clone(),
                indirizzo: a.indirizzo.clone(),
            })
            .collect(),
        oiv: c
            .oiv
            .iter()
            .map(|m| ComponenteOivView { nome: m.nome.clone(), incarico: m.incarico.clone() })
            .collect(),
    }
}

/// The staff's tables by section (each list empty when the inputs have none).
#[derive(Debug, Clone, Serialize)]
pub struct Tabelle {
    pub contesto: Vec<TabellaDatiView>,
    pub personale: Vec<TabellaDatiView>,
    pub customer_satisfaction: Vec<TabellaDatiView>,
    pub bilancio_di_genere: Vec<TabellaDatiView>,
    pub valutazione_personale: Vec<TabellaDatiView>,
}

/// A staff table with the share of the width each column needs.
#[derive(Debug, Clone, Serialize)]
pub struct TabellaDatiView {
    #[serde(flatten)]
    pub tabella: crate::model::TabellaDati,
    /// Relative widths (`fr`), the label column first: see [`widths`].
    pub larghezze: Vec<usize>,
}

/// Relative column widths of a staff table, in tenths of a character: a value column as wide as
/// its widest value (a number never wraps) or its heading's longest word in bold (a heading never
/// runs into its neighbour, and is never hyphenated); the label column as wide as its longest
/// label up to 24 characters (longer labels wrap), never narrower than its longest word. Each
/// column counts two characters more for its cell's margins.
fn widths(t: &crate::model::TabellaDati) -> Vec<usize> {
    let chars = |s: &str| s.chars().count() * 10;
    // Bold heading type is wider than the values' regular type.
    let heading = |s: &str| s.split_whitespace().map(|w| chars(w) * 7 / 5).max().unwrap_or(0);
    let longest_word = |s: &str| s.split_whitespace().map(chars).max().unwrap_or(0);
    let label = t.righe.iter().map(|r| chars(&r.voce).min(240).max(longest_word(&r.voce))).max().unwrap_or(0);
    let mut out = vec![label.max(heading("Voce")) + 20];
    for (i, c) in t.colonne.iter().enumerate() {
        let values = t.righe.iter().filter_map(|r| r.valori.get(i)).map(|v| chars(v)).max().unwrap_or(0);
        out.push(values.max(heading(c)) + 20);
    }
    out
}

fn tabelle(s: &Scored) -> Tabelle {
    use crate::model::Sezione;
    let of = |sezione: Sezione| {
        s.report
            .tabelle
            .iter()
            .filter(|t| t.sezione == sezione)
            .map(|t| TabellaDatiView { larghezze: widths(t), tabella: t.clone() })
            .collect()
    };
    Tabelle {
        contesto: of(Sezione::Contesto),
        personale: of(Sezione::Personale),
        customer_satisfaction: of(Sezione::CustomerSatisfaction),
        bilancio_di_genere: of(Sezione::BilancioDiGenere),
        valutazione_personale: of(Sezione::ValutazionePersonale),
    }
}

/// The open items of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileBozza {
    pub file: String,
    pub voci: Vec<VoceBozza>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VoceBozza {
    /// `da scrivere`, `da decidere`, `da verificare`.
    pub gruppo: &'static str,
    /// Where in the file (`foglio «Report», cella C55`, `riga 4`), or empty.
    pub dove: String,
    pub testo: String,
}

fn bozza(items: &[crate::bozza::Voce]) -> Vec<FileBozza> {
    crate::bozza::by_file(items)
        .into_iter()
        .map(|(file, list)| FileBozza {
            file: file.display().to_string(),
            voci: list
                .into_iter()
                .map(|v| VoceBozza {
                    gruppo: v.gruppo.label(),
                    dove: crate::bozza::place(&v.location),
                    testo: v.testo.clone(),
                })
                .collect(),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct EnteView {
    pub nome: String,
    pub nome_breve: String,
    /// Code in the IPA index, where configured.
    pub codice_ipa: Option<String>,
}

/// Where the Ente publishes the outputs (each address only where configured).
#[derive(Debug, Clone, Serialize)]
pub struct PubblicazioneView {
    pub sito: Option<String>,
    pub dati_aperti: Option<String>,
    pub amministrazione_trasparente: Option<String>,
    /// The footer's links a PA site carries (Designers Italia): Amministrazione trasparente, the
    /// accessibility statement, privacy, legal notes; only those configured.
    pub collegamenti: Vec<CollegamentoView>,
    /// Whether the open data carry their DCAT-AP_IT record (written only complete).
    pub scheda_dcat: bool,
    /// The open-data licence (`CC BY 4.0`) and its URI where known.
    pub licenza: String,
    pub licenza_uri: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CollegamentoView {
    pub titolo: &'static str,
    pub indirizzo: String,
}

/// How the results were computed, in words generated from the configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Metodo {
    /// The default indicator rule: `proporzionale, massimo 100 %`.
    pub regola: String,
    /// How the Ente's result is obtained: `media ponderata dei risultati per ambito strategico`.
    pub risultato_ente: String,
    /// Results below this have their deviation explained (3.3): `95 %`.
    pub soglia_spiegazioni: String,
    /// Whether the SMVP has result classes (without them no output classes a result).
    pub classi: bool,
    /// Whether the 3.0 table has resource absorption figures (and so their note).
    pub assorbimento: bool,
    /// How each level's result is computed, one line per level, from the configured rules.
    pub calcolo: Vec<String>,
    /// Whether the OIV judged objectives of its own (a column of their own in chapter 3).
    pub valutazioni_oiv: bool,
    /// Whether some objective has a target of its own (target and raggiungimento columns).
    pub target_obiettivi: bool,
}

/// One figure of the Ente's performance, with its rule in words.
#[derive(Debug, Clone, Serialize)]
pub struct FiguraEnteView {
    /// `Performance di Ente`, `Media matematica`.
    pub etichetta: String,
    /// `media ponderata dei risultati per ambito strategico`.
    pub regola: String,
    pub risultato: EsitoView,
}

/// How an Ente figure is computed, in words, with the plan's names of the levels.
fn rule_of_ente(mode: RisultatoEnte, livelli: &LivelliView) -> String {
    let ambito = livelli.ambito.nome.to_lowercase();
    let os = livelli.obiettivo_strategico.nome.to_lowercase();
    let target = "(risultato rispetto al target dell'obiettivo)";
    match mode {
        RisultatoEnte::MediaPesataAmbiti => format!("media ponderata dei risultati per {ambito}"),
        RisultatoEnte::MediaAmbiti => format!("media semplice dei risultati per {ambito}"),
        RisultatoEnte::MediaObiettiviStrategici => format!("media semplice dei risultati per {os}"),
        RisultatoEnte::MediaRaggiungimentiOs => {
            format!("media semplice dei raggiungimenti per {os} {target}")
        }
        RisultatoEnte::MediaPesataRaggiungimentiOs => {
            format!("media ponderata dei raggiungimenti per {os} {target}")
        }
    }
}

/// The names the plan gives its levels (`Prospettiva` for a balanced scorecard's ambito).
#[derive(Debug, Clone, Serialize)]
pub struct LivelliView {
    pub ambito: NomeLivello,
    pub obiettivo_strategico: NomeLivello,
    pub obiettivo_operativo: NomeLivello,
    pub indicatore: NomeLivello,
}

#[derive(Debug, Clone, Serialize)]
pub struct NomeLivello {
    /// `Ambito strategico`.
    pub nome: String,
    /// `Ambiti strategici`.
    pub plurale: String,
}

/// A result as printed, with what stands in for it when there is none.
#[derive(Debug, Clone, Serialize)]
pub struct EsitoView {
    /// `99,62 %`; or `n.d.` (value missing), `escluso (non valutabile)`, `–` (no result).
    pub testo: String,
    /// Percentage points, unrounded, for drawing; none without a result.
    pub valore: Option<f64>,
    /// The class's identifier for styles (`classe-1` the best), or `nessuno`.
    pub banda: String,
    /// The SMVP's name of the class (`Raggiunti`), where the SMVP has classes.
    pub classe: Option<String>,
    /// `calcolato`, `oiv` (set by the OIV), `deciso` (set by another body: Giunta, Segretario
    /// generale, the office certifying a value), `escluso`, `mancante` (N/D), `assente`.
    pub stato: &'static str,
}

/// What every node shows: level, code, name, weight, result.
#[derive(Debug, Clone, Serialize)]
pub struct Nodo {
    /// The node's identifier, unique in its tree (`albero.ambito-1.101-s0`): the open data's `id`
    /// and the web edition's page and anchor names.
    pub id: String,
    /// The level's identifier (`obiettivo_strategico`): styles are chosen by it.
    pub livello: &'static str,
    pub codice: String,
    pub nome: String,
    /// `101 – Name`; the name alone for the Ente and groups, and where code and name coincide.
    pub titolo: String,
    /// `50,00 %` or `–`.
    pub peso: String,
    pub risultato: EsitoView,
    /// The valuation label of the result (`Eccellente`), where the SMVP has one.
    pub valutazione: Option<String>,
    /// The OIV's decision on this node, in words.
    pub decisione: Option<String>,
    /// The OIV's own judgement of the objective (`60`, `non valutabile`), with its act.
    pub valutazione_oiv: Option<String>,
    /// The objective's own target in the plan (`80 %`), where it has one.
    pub target_obiettivo: Option<String>,
    /// Its result against that target (`100,00 %`): what the Ente figure averages when the SMVP
    /// says so.
    pub raggiungimento: Option<String>,
    /// Last year's figures beside this year's; none when last year's results were not given.
    pub precedente: Option<PrecedenteView>,
}

/// A node's figures last year (`data/anno_precedente/`), printed beside this year's.
#[derive(Debug, Clone, Serialize)]
pub struct PrecedenteView {
    /// Last year.
    pub anno: i32,
    /// Not in last year's trees.
    pub nuovo: bool,
    /// How it was recognised: `per posizione e codici`, `per codice`, `per nome`; empty if new.
    pub abbinamento: &'static str,
    /// Last year's result (`97,10 %`), `–` without one, `nuovo` for a new node.
    pub risultato: String,
    /// This year's result less last year's, in points (`+2,51 p.p.`), or `–`.
    pub variazione: String,
    /// Last year's actual as written (`1.100 N.`), for indicators.
    pub consuntivo: Option<String>,
    /// The change of the value (`+13,64 %`, `−1,20 p.p.`), or `–`, for indicators.
    pub variazione_valore: Option<String>,
    /// Last year's target as written, for indicators.
    pub target: Option<String>,
}

/// A change as printed: `+2,51 p.p.` (points between percentages), `+13,64 %` (relative), `–`.
pub(crate) fn change_text(c: Option<crate::score::precedente::Change>) -> String {
    use crate::score::precedente::Change;
    let signed = |v: f64| {
        let sign = if v > 0.0 { "+" } else { "" };
        format!("{sign}{}", number(v, 2))
    };
    match c {
        Some(Change::Points(p)) => format!("{}\u{a0}p.p.", signed(p)),
        Some(Change::Relative(r)) => format!("{}\u{a0}%", signed(r)),
        None => "–".into(),
    }
}

/// Last year's figures of a node, as printed.
fn precedente(n: &Node) -> Option<PrecedenteView> {
    use crate::model::Previous;
    use crate::score::precedente::Change;
    let anno = n.previous.as_ref()?.year();
    let f = match n.previous.as_ref()? {
        Previous::New { .. } => {
            return Some(PrecedenteView {
                anno,
                nuovo: true,
                abbinamento: "",
                risultato: "nuovo".into(),
                variazione: "–".into(),
                consuntivo: None,
                variazione_valore: None,
                target: None,
            });
        }
        Previous::Found(f) => f,
    };
    let ind = n.indicator.as_deref();
    Some(PrecedenteView {
        anno,
        nuovo: false,
        abbinamento: f.by.label(),
        risultato: pp(f.result, 2),
        variazione: change_text(crate::score::precedente::result_change(n).map(Change::Points)),
        consuntivo: ind
            .map(|_| f.actual.clone().filter(|a| !a.trim().is_empty()).unwrap_or_else(|| "–".into())),
        variazione_valore: ind.map(|_| change_text(crate::score::precedente::value_change(n))),
        target: ind.map(|_| f.target.clone().unwrap_or_else(|| "–".into())),
    })
}

/// A number in Italian format with a typographic minus (`−1.250,50`), as every figure is printed.
pub(crate) fn number(v: f64, decimals: u8) -> String {
    format_number(v, decimals).replacen('-', "\u{2212}", 1)
}

/// `99,62 %` from a fraction (1.0 = 100 %); `–` for none.
pub(crate) fn pct(fraction: Option<f64>) -> String {
    pp(fraction.map(|f| f * 100.0), 2)
}

/// `99,62 %` from percentage points; `–` for none.
pub(crate) fn pp(points: Option<f64>, decimals: u8) -> String {
    points.map_or("–".into(), |x| format!("{}\u{a0}%", number(x, decimals)))
}

/// `1.250,50 €`.
pub(crate) fn eur(v: f64) -> String {
    format!("{}\u{a0}€", number(v, 2))
}

/// The style identifier of a class (`classe-1` the best), `nessuno` for none.
pub(crate) fn band_id(b: Option<usize>) -> String {
    b.map_or("nessuno".into(), |i| format!("classe-{}", i + 1))
}

/// A threshold as the sentences print it: `95 %`, `97,5 %`.
pub(crate) fn threshold(points: f64) -> String {
    pp(Some(points), if points.fract() == 0.0 { 0 } else { 2 })
}

/// The result of a node, with its band and state.
pub fn esito(n: &Node) -> EsitoView {
    let o = n.outcome.as_ref();
    let result = o.and_then(|o| o.result);
    let (stato, testo) = match o.and_then(|o| o.decision.as_ref()) {
        Some(Decision::Esclusione { esito, .. }) => ("escluso", format!("escluso ({esito})")),
        Some(Decision::Sostituzione { organo: crate::inputs::decisions::Organo::Oiv, .. }) => {
            ("oiv", pct(result))
        }
        Some(Decision::Sostituzione { .. }) => ("deciso", pct(result)),
        None if o.is_some_and(|o| o.missing) && result.is_none() => ("mancante", "n.d.".into()),
        None if result.is_none() => ("assente", "–".into()),
        None => ("calcolato", pct(result)),
    };
    let band = o.and_then(|o| o.band);
    EsitoView {
        testo,
        valore: result.map(|r| r * 100.0),
        banda: band_id(band),
        classe: o.and_then(|o| o.classe.clone()),
        stato,
    }
}

/// A figure computed outside the trees (an Ente figure, a significant indicator), in percentage
/// points, with its class: printed like a node's result.
pub(crate) fn computed(points: Option<f64>, classi: &[crate::inputs::config::Classe]) -> EsitoView {
    let band = points.and_then(|p| crate::score::band(p / 100.0, classi));
    EsitoView {
        testo: pp(points, 2),
        valore: points,
        banda: band_id(band),
        classe: band.map(|b| classi[b].etichetta.clone()),
        stato: if points.is_some() { "calcolato" } else { "assente" },
    }
}

/// The decision on a node in one sentence.
fn decision_text(d: &Decision) -> String {
    match d {
        Decision::Esclusione { esito, organo, .. } => {
            format!("escluso ({esito}) {}: il peso è ridistribuito sugli altri elementi", organo.da())
        }
        Decision::Sostituzione { risultato, calcolato, organo, .. } => {
            let computed = match calcolato {
                Some(c) => format!("calcolato {}", pct(Some(*c))),
                None => "nessun risultato calcolato".into(),
            };
            format!("risultato {} {} ({computed})", pp(Some(*risultato), 2), organo.da())
        }
    }
}

/// `101 – Name`, or the name alone where a code would say nothing.
fn title(n: &Node) -> String {
    if matches!(n.level, Level::Ente | Level::Gruppo) || n.code.is_empty() || n.code == n.name {
        n.name.clone()
    } else {
        format!("{} – {}", n.code, n.name)
    }
}

pub fn nodo(n: &Node) -> Nodo {
    let o = n.outcome.as_ref();
    Nodo {
        id: n.id.clone(),
        livello: n.level.id(),
        codice: n.code.clone(),
        nome: n.name.clone(),
        titolo: title(n),
        peso: pp(n.weight, 2),
        risultato: esito(n),
        valutazione: o.and_then(|o| o.valutazione.clone()),
        decisione: o.and_then(|o| o.decision.as_ref()).map(decision_text),
        valutazione_oiv: o.and_then(|o| o.valutazione_oiv.clone()),
        target_obiettivo: n.target_obiettivo.map(threshold),
        raggiungimento: o.and_then(|o| o.raggiungimento).map(|r| pct(Some(r))),
        precedente: precedente(n),
    }
}

impl View {
    /// Builds the whole view of a scored report; `open` is what is still to complete.
    pub fn build(s: &Scored, open: &[crate::bozza::Voce], texts: &crate::inputs::testi::Texts) -> View {
        let smvp = &s.config.smvp;
        let albero = s.report.albero.as_ref().map(|a| alberi::albero(a, s));
        let name = |l: Level| {
            let (nome, plurale) = smvp.livelli.names(l);
            NomeLivello { nome, plurale }
        };
        let livelli = LivelliView {
            ambito: name(Level::Ambito),
            obiettivo_strategico: name(Level::ObiettivoStrategico),
            obiettivo_operativo: name(Level::ObiettivoOperativo),
            indicatore: name(Level::Indicatore),
        };
        let risultato_ente = rule_of_ente(smvp.ente_ufficiale(), &livelli);
        let figure_ente = s
            .summary
            .figure_ente
            .iter()
            .map(|f| FiguraEnteView {
                etichetta: f.etichetta.clone(),
                regola: rule_of_ente(f.calcolo, &livelli),
                risultato: computed(f.risultato.map(|r| r * 100.0), smvp.classi()),
            })
            .collect();
        let mut view = View {
            ente: EnteView {
                nome: s.config.ente.nome.clone(),
                nome_breve: s.config.ente.nome_breve.clone(),
                codice_ipa: s.config.ente.codice_ipa.clone(),
            },
            pubblicazione: PubblicazioneView {
                sito: s.config.pubblicazione.sito.clone(),
                dati_aperti: s.config.pubblicazione.dati_aperti.clone(),
                amministrazione_trasparente: s.config.pubblicazione.amministrazione_trasparente.clone(),
                collegamenti: {
                    let p = &s.config.pubblicazione;
                    [
                        ("Amministrazione trasparente – Performance", &p.amministrazione_trasparente),
                        ("Dichiarazione di accessibilità", &p.dichiarazione_accessibilita),
                        ("Informativa sulla privacy", &p.privacy),
                        ("Note legali", &p.note_legali),
                    ]
                    .into_iter()
                    .filter_map(|(titolo, u)| {
                        u.clone().map(|indirizzo| CollegamentoView { titolo, indirizzo })
                    })
                    .collect()
                },
                scheda_dcat: s.config.writes_dcat_record(),
                licenza: s.config.licenza_dati.clone(),
                licenza_uri: s.config.licence_uri(),
            },
            anno: s.config.anno,
            anno_precedente: s.config.anno - 1,
            data_documento: format_date(s.date),
            // A draft states no approval: the date configured is the one the Giunta is to approve
            // the final Relazione on.
            data_approvazione: s.config.data_approvazione.clone().filter(|_| open.is_empty()),
            metodo: Metodo {
                regola: crate::score::indicator::describe(&smvp.regola),
                calcolo: analisi::calcolo(s, &livelli, &risultato_ente),
                risultato_ente,
                soglia_spiegazioni: threshold(smvp.soglia_spiegazioni()),
                classi: !smvp.classi().is_empty(),
                assorbimento: s.report.risorse.as_ref().is_some_and(|r| !r.assorbimento_albero.is_empty()),
                target_obiettivi: s.report.albero.as_ref().is_some_and(|a| {
                    let mut any = false;
                    a.walk(&mut |n| any |= n.target_obiettivo.is_some());
                    any
                }),
                valutazioni_oiv: s.report.albero.as_ref().is_some_and(|a| {
                    let mut any = false;
                    a.walk(&mut |n| any |= n.outcome.as_ref().is_some_and(|o| o.valutazione_oiv.is_some()));
                    any
                }),
            },
            livelli,
            figure_ente,
            classi: analisi::classi(smvp.classi()),
            albero,
            unita: s.report.unita.as_ref().map(alberi::unita),
            individuali: s.report.individuali.as_ref().map(alberi::individuali),
            valutazione: valutazione::valutazione(s),
            tempestivita: s.report.tempestivita.as_ref().map(|t| alberi::obiettivo(t, &[])),
            conteggi_strategici: analisi::conteggi(&s.summary.obiettivi_strategici, smvp.classi()),
            conteggi_operativi: analisi::conteggi(&s.summary.obiettivi_operativi, smvp.classi()),
            sotto_soglia: analisi::sotto_soglia(s, texts),
            significativi: analisi::significativi(s),
            decisioni: analisi::decisioni(s),
            valori_mancanti: s.summary.valori_mancanti.clone(),
            overshooting: smvp
                .overshooting
                .previsto
                .then(|| analisi::overshooting(&s.summary.overshooting, smvp.overshooting.configurato)),
            risorse: s.report.risorse.as_ref().map(analisi::risorse),
            salute: s.summary.salute.as_ref().map(analisi::salute),
            pareto: analisi::pareto(&s.report.pareto),
            serie: s.summary.serie.as_ref().map(analisi::serie),
            ciclo: ciclo(&s.config.ciclo),
            tabelle: tabelle(s),
            pari_opportunita: s
                .report
                .albero
                .as_ref()
                .map(|a| {
                    s.config
                        .obiettivi_pari_opportunita
                        .iter()
                        .filter_map(|c| a.find_objective(c))
                        .map(nodo)
                        .collect()
                })
                .unwrap_or_default(),
            bozza: bozza(open),
            carte_oiv: CarteOiv::default(),
            sintesi: Vec::new(),
            confronto_precedente: s.precedente.as_ref().map(confronto),
        };
        view.sintesi = sintesi(&view);
        view.carte_oiv = carte::carte(s, open, texts, &view.sintesi);
        view
    }
}

/// `1 obiettivo strategico`, `10 obiettivi strategici`: a count with the level's name.
fn count(n: usize, name: &NomeLivello) -> String {
    if n == 1 {
        format!("1 {}", name.nome.to_lowercase())
    } else {
        format!("{n} {}", name.plurale.to_lowercase())
    }
}

/// The citizens' summary: what the Ente set out to do and how far it got, in plain sentences
/// with the few key figures and no internal codes. Every sentence is made of this view's counts,
/// names and results only.
fn sintesi(v: &View) -> Vec<String> {
    let Some(a) = &v.albero else { return Vec::new() };
    let l = &v.livelli;
    let names: Vec<&str> = a.ambiti.iter().map(|x| x.nodo.nome.as_str()).collect();
    let mut out = vec![
        format!(
            "Nel {} l'Ente ha lavorato su {}: {}.",
            v.anno,
            count(a.ambiti.len(), &l.ambito).to_lowercase(),
            join_and(&names)
        ),
        format!(
            "Il piano aveva {} e {}.",
            count(v.conteggi_strategici.totale, &l.obiettivo_strategico).to_lowercase(),
            count(v.conteggi_operativi.totale, &l.obiettivo_operativo).to_lowercase()
        ),
    ];
    if a.ente.risultato.valore.is_some() {
        let il = |figure: &str| if crate::value::read_with_vowel(figure) { "l'" } else { "il " };
        let r = &a.ente.risultato.testo;
        out.push(format!("In tutto l'Ente ha fatto {}{r} di quanto voleva fare.", il(r)));
        // Only from last year's Relazione as published (a recomputed figure is not what it said).
        if let (Some(p), Some(c)) = (&a.ente.precedente, &v.confronto_precedente)
            && !p.nuovo
            && !c.ricalcolato
            && p.risultato != "–"
        {
            out.push(format!("Nel {} aveva fatto {}{}.", p.anno, il(&p.risultato), p.risultato));
        }
    }
    let best = v.conteggi_strategici.righe.first();
    if let Some(b) = best.filter(|_| v.conteggi_strategici.totale > 0 && v.metodo.classi) {
        out.push(format!(
            "Su {} {}, {} {} il giudizio migliore: «{}».",
            v.conteggi_strategici.totale,
            l.obiettivo_strategico.plurale.to_lowercase(),
            b.numero,
            if b.numero == 1 { "ha" } else { "hanno" },
            b.etichetta
        ));
    }
    match v.sotto_soglia.len() {
        0 => out.push(format!("Nessun risultato è sotto il {}.", v.metodo.soglia_spiegazioni)),
        n => {
            // Said only when every one has its cause (a draft may still lack some).
            let explained = v.sotto_soglia.iter().all(|x| x.causa.is_some());
            out.push(format!(
                "{} sotto il {}.{}",
                if n == 1 { "Un risultato è".to_string() } else { format!("{n} risultati sono") },
                v.metodo.soglia_spiegazioni,
                if explained { " Per ciascuno la Relazione spiega la causa dello scostamento." } else { "" }
            ));
            for i in &v.sotto_soglia {
                out.push(format!("{}: {}.", i.indicatore.nodo.nome, i.indicatore.nodo.risultato.testo));
            }
        }
    }
    out
}

/// `a`, `a e b`, `a, b e c`.
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} e {last}", rest.join(", ")),
    }
}

/// One indicator of the performance tree with the codes of the levels above it: the row shape of
/// the workbook's Indicatori sheet and of the open data.
pub struct IndicatorRow<'a> {
    pub ambito: String,
    pub obiettivo_strategico: String,
    /// The group's code (`indicatori`, `obiettivi_operativi`), empty without groups.
    pub gruppo: String,
    pub obiettivo_operativo: String,
    pub node: &'a Node,
}

/// Every indicator of the performance tree, in row order (an indicator used by two objectives
/// appears twice).
pub fn indicator_rows(s: &Scored) -> Vec<IndicatorRow<'_>> {
    fn walk<'a>(n: &'a Node, path: &mut Vec<(Level, &'a str)>, out: &mut Vec<IndicatorRow<'a>>) {
        if n.indicator.is_some() {
            let code =
                |l: Level| path.iter().find(|(x, _)| *x == l).map(|(_, c)| c.to_string()).unwrap_or_default();
            out.push(IndicatorRow {
                ambito: code(Level::Ambito),
                obiettivo_strategico: code(Level::ObiettivoStrategico),
                gruppo: code(Level::Gruppo),
                obiettivo_operativo: code(Level::ObiettivoOperativo),
                node: n,
            });
        }
        path.push((n.level, &n.code));
        for c in &n.children {
            walk(c, path, out);
        }
        path.pop();
    }
    let mut out = Vec::new();
    if let Some(a) = &s.report.albero {
        walk(a, &mut Vec::new(), &mut out);
    }
    out
}
