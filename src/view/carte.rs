//! The OIV's working papers and its draft validation document: every criterion the Funzione
//! Pubblica's guidelines (Linee guida n. 3/2018) set for validating the Relazione, each with its
//! evidence from the inputs, a status and what the OIV still has to check on the documents. A
//! criterion is «verificato» only when its evidence shows it; without evidence it is at best «da
//! verificare». The proposed conclusion follows from the statuses; the OIV's own is recorded in
//! `decisioni.yaml` and, until it is, the validation document is a draft.

use crate::inputs::config::TipoAtto;
use crate::inputs::decisions::{Conclusione, Organo};
use crate::model::{Level, Node};
use crate::score::Scored;
use crate::value::format_number;
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct CarteOiv {
    pub criteri: Vec<Criterio>,
    /// How many criteria are not satisfied, and how many are still to verify.
    pub non_soddisfatti: usize,
    pub da_verificare: usize,
    /// The Relazione's open items: the papers examine a draft while there are any.
    pub aperte: usize,
    /// The changes from the start-of-year plan (empty without the plan, see `piano_letto`).
    pub variazioni: Vec<VariazioneView>,
    pub piano_letto: bool,
    /// The validation document's own content.
    pub validazione: ValidazioneView,
    /// Which version of the inputs the papers examine: SHA-256 of the data and the configuration,
    /// the number of files, the document's date.
    pub versione: VersioneView,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VersioneView {
    pub impronta: String,
    pub file: usize,
    pub data: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Criterio {
    pub criterio: String,
    /// What in the law or the guidelines asks for it.
    pub riferimento: &'static str,
    /// What was checked, in one sentence.
    pub evidenza: String,
    /// The items behind the status (differences, missing explanations, …).
    pub dettagli: Vec<String>,
    /// What the data cannot show: what the OIV still checks on the documents.
    pub controlli: &'static str,
    /// `verificato`, `non soddisfatto`, `da verificare`.
    pub stato: &'static str,
    /// The traffic light of the status.
    pub banda: &'static str,
    /// A criterion without which the Relazione cannot be validated.
    pub essenziale: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct VariazioneView {
    pub tipo: &'static str,
    pub livello: &'static str,
    pub codice: String,
    pub nome: String,
    pub prima: String,
    pub dopo: String,
    /// The act that approved it, or `atto da indicare`.
    pub atto: String,
}

/// The validation document: what it refers to, its proposal, the OIV's conclusion, who signs,
/// where and when, and what is still missing before it can be signed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ValidazioneView {
    /// `validata`, `validata con osservazioni`, `non validata`.
    pub proposta: &'static str,
    pub proposta_id: &'static str,
    /// Why the proposal is what it is, in one sentence.
    pub motivo: String,
    /// The OIV's conclusion once recorded, with its observations.
    pub conclusione: Option<&'static str>,
    /// The conclusion as the end of a sentence: `è validata`, `non è validata`.
    pub conclusione_frase: Option<&'static str>,
    /// Whether the OIV's decisions and the office's checks were given (the document names only
    /// what it examined).
    pub con_decisioni: bool,
    pub con_verifiche: bool,
    pub conclusione_id: Option<&'static str>,
    pub osservazioni: Option<String>,
    /// The acts the document refers to, as sentences.
    pub riferimenti: Vec<String>,
    /// The files of the platform and the tables examined (names only).
    pub esaminati: Vec<String>,
    pub luogo: Option<String>,
    /// `gg/mm/aaaa`: the date of the validation act in the configuration.
    pub data: Option<String>,
    /// What keeps the document a draft.
    pub da_completare: Vec<String>,
    pub bozza: bool,
}

pub const OK: (&str, &str) = ("verificato", "verde");
pub const KO: (&str, &str) = ("non soddisfatto", "rosso");
pub const TODO: (&str, &str) = ("da verificare", "giallo");

/// The guidelines' reference, said once.
const LG: &str = "Linee guida DFP n. 3/2018";

/// The Gulpease index below which a text is hard even for readers with a secondary-school
/// diploma (the index's own scale): a clarity defect, not a matter of judgement.
pub const GULPEASE_DIFFICILE: f64 = 40.0;

struct Spec {
    criterio: &'static str,
    riferimento: &'static str,
    controlli: &'static str,
    essenziale: bool,
}

fn criterio(
    spec: Spec,
    evidenza: String,
    dettagli: Vec<String>,
    (stato, banda): (&'static str, &'static str),
) -> Criterio {
    Criterio {
        criterio: spec.criterio.into(),
        riferimento: spec.riferimento,
        evidenza,
        dettagli,
        controlli: spec.controlli,
        stato,
        banda,
        essenziale: spec.essenziale,
    }
}

/// The acts of a kind in the configuration, each as `Aggiornamento del PIAO (delibera n. 140) del 30/07/2024`.
fn acts(s: &Scored, tipo: TipoAtto) -> Vec<String> {
    s.config.ciclo.atti.iter().filter(|a| a.tipo == Some(tipo)).map(act_text).collect()
}

/// An act as cited: `Aggiornamento del PIAO (delibera n. 140) del 30/07/2024`.
fn act_text(a: &crate::inputs::config::Atto) -> String {
    let estremi = a.estremi.as_ref().map(|e| format!(" ({e})")).unwrap_or_default();
    format!("{}{estremi} del {}", a.atto, show_date(&a.data))
}

/// A configured date as printed (`gg/mm/aaaa`); as written when it does not read as a date.
fn show_date(text: &str) -> String {
    crate::value::parse_date(text).map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|_| text.into())
}

/// The date of the first act of a kind.
fn act_date(s: &Scored, tipo: TipoAtto) -> Option<chrono::NaiveDate> {
    s.config
        .ciclo
        .atti
        .iter()
        .find(|a| a.tipo == Some(tipo))
        .and_then(|a| crate::value::parse_date(&a.data).ok())
}

/// Criterion 1: The Relazione against the plan it reports on, and every change made during the year.
fn plan(s: &Scored, variazioni: &[VariazioneView]) -> Criterio {
    let spec = Spec {
        criterio: "La Relazione è coerente con il Piano e le modifiche in corso d'anno sono approvate",
        riferimento: LG,
        controlli: "che ogni modifica sia stata approvata dall'atto indicato prima della fine dell'anno",
        essenziale: true,
    };
    let Some(p) = &s.piano else {
        return criterio(
            spec,
            format!(
                "manca l'esportazione del piano di inizio anno (cartella «{}» accanto ai dati): il confronto con il \
                 Piano non è possibile",
                crate::score::piano::DIR
            ),
            Vec::new(),
            TODO,
        );
    };
    let senza_atto = variazioni.iter().filter(|v| v.atto == ATTO_DA_INDICARE).count();
    let evidenza = format!(
        "{} obiettivi e indicatori del piano di inizio anno confrontati con la Relazione; modifiche: {}; senza \
         l'atto che le approva: {senza_atto}",
        p.confrontati,
        variazioni.len()
    );
    let dettagli = variazioni
        .iter()
        .map(|v| {
            let valori = match (v.prima.is_empty(), v.dopo.is_empty()) {
                (true, _) => format!(" ({})", v.dopo),
                (_, true) => format!(" (era {})", v.prima),
                _ => format!(": da «{}» a «{}»", v.prima, v.dopo),
            };
            format!("{} «{}» {}, {}{valori} — {}", v.livello, v.codice, v.nome, v.tipo, v.atto)
        })
        .collect();
    let mut dettagli: Vec<String> = dettagli;
    let late = acts(s, TipoAtto::AggiornamentoPiao).len() - updates_in_year(s).len();
    if late > 0 {
        dettagli.push(format!(
            "atti di aggiornamento del PIAO datati fuori dal {}: {late} (non valgono per le modifiche dell'anno)",
            s.config.anno
        ));
    }
    criterio(spec, evidenza, dettagli, if senza_atto == 0 { OK } else { TODO })
}

/// What a change shows when no act of the configuration approves it.
pub const ATTO_DA_INDICARE: &str = "atto da indicare";

/// The acts that updated the plan during the year (a change approved after the year's end did
/// not govern it): all of them, as the configuration does not say which changed what.
fn updates_in_year(s: &Scored) -> Vec<String> {
    s.config
        .ciclo
        .atti
        .iter()
        .filter(|a| a.tipo == Some(TipoAtto::AggiornamentoPiao))
        .filter(|a| crate::value::parse_date(&a.data).is_ok_and(|d| d.year() == s.config.anno))
        .map(act_text)
        .collect()
}

/// The changes from the plan, each with the acts that updated the plan in the year.
fn variazioni(s: &Scored) -> Vec<VariazioneView> {
    let Some(p) = &s.piano else { return Vec::new() };
    let updates = updates_in_year(s);
    let atto = if updates.is_empty() { ATTO_DA_INDICARE.to_string() } else { updates.join("; ") };
    p.variazioni
        .iter()
        .map(|v| VariazioneView {
            tipo: v.tipo.label(),
            livello: v.livello,
            codice: v.codice.clone(),
            nome: v.nome.clone(),
            prima: v.prima.clone(),
            dopo: v.dopo.clone(),
            atto: atto.clone(),
        })
        .collect()
}

/// Criterion 2: Every objective and indicator of the tree has a result, or a decision that says why not.
fn reported(s: &Scored) -> Criterio {
    let spec = Spec {
        criterio: "Tutti gli obiettivi e gli indicatori hanno un risultato",
        riferimento: LG,
        controlli: "che gli obiettivi aggiunti in corso d'anno siano tra quelli rendicontati",
        essenziale: true,
    };
    let Some(a) = &s.report.albero else {
        return criterio(spec, "manca l'albero della performance".into(), Vec::new(), KO);
    };
    // A node without a result is explained by a decision on it or below it (an objective whose
    // indicators are all excluded has no result, and says why through them).
    fn decided(n: &Node) -> bool {
        n.outcome.as_ref().is_some_and(|o| o.decision.is_some()) || n.children.iter().any(decided)
    }
    let (mut total, mut missing) = (0, Vec::new());
    a.walk(&mut |n: &Node| {
        if matches!(n.level, Level::Ente | Level::Gruppo) {
            return;
        }
        total += 1;
        if n.outcome.as_ref().is_none_or(|o| o.result.is_none()) && !decided(n) {
            missing.push(format!("{} «{}»: nessun risultato e nessuna decisione", n.level.label(), n.code));
        }
    });
    let evidenza = format!("{total} obiettivi e indicatori; senza risultato né decisione: {}", missing.len());
    let status = if missing.is_empty() { OK } else { KO };
    criterio(spec, evidenza, missing, status)
}

/// Criterion 3: Our result against the platform's, for every node that carries the platform's own figure.
fn recomputed(s: &Scored) -> Criterio {
    let spec = Spec {
        criterio: "I risultati sono ricalcolati e coincidono con quelli della piattaforma",
        riferimento: "corretto utilizzo del metodo di calcolo degli indicatori (Linee guida DFP n. 3/2018)",
        controlli: "la coincidenza dice che le regole dello SMVP sono applicate come sulla piattaforma, non che i \
                    valori inseriti siano attendibili: vedi i criteri sull'affidabilità dei dati",
        essenziale: true,
    };
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
    criterio(spec, evidenza, differences, status)
}

/// Criterion 4: Every indicator below its target is shown with its reason: below the SMVP's explanation
/// threshold with cause, dependence and corrective actions (else not satisfied); between the
/// threshold and the target with a reason at least (else to verify).
fn explained(s: &Scored, texts: &crate::inputs::testi::Texts) -> Criterio {
    let spec = Spec {
        criterio: "Ogni scostamento dal target è evidenziato e motivato",
        riferimento: LG,
        controlli: "che le motivazioni siano fondate sui documenti (verbali, note dei responsabili)",
        essenziale: true,
    };
    let threshold = s.config.smvp.soglia_spiegazioni();
    let mut below: Vec<&Node> = Vec::new();
    if let Some(a) = &s.report.albero {
        a.walk(&mut |n: &Node| {
            let r = n.outcome.as_ref().filter(|o| o.decision.is_none()).and_then(|o| o.result);
            if n.indicator.is_some()
                && r.is_some_and(|r| crate::value::round_half_up(r * 100.0, 2) < 100.0)
                && !below.iter().any(|b| b.code == n.code)
            {
                below.push(n);
            }
        });
    }
    let (mut missing, mut unexplained) = (Vec::new(), Vec::new());
    for n in &below {
        let r = n.outcome.as_ref().and_then(|o| o.result).unwrap_or(0.0) * 100.0;
        let under = crate::value::round_half_up(r, 2) < threshold;
        let text = texts.scostamenti.get(&n.code);
        let what = match text {
            None => Some("nessuna spiegazione"),
            Some(t) if crate::bozza::is_sample(&t.markdown) => Some("spiegazione di esempio"),
            Some(_) if !under || crate::inputs::testi::explanation_gaps(texts, &n.code).is_empty() => None,
            Some(_) => Some("mancano causa, dipendenza o azioni correttive"),
        };
        if let Some(w) = what {
            let line = format!("«{}» ({} %): {w}", n.code, format_number(r, 2));
            if under { missing.push(line) } else { unexplained.push(line) }
        }
    }
    let evidenza = format!(
        "{} indicatori sotto il target; sotto il {} (soglia delle spiegazioni dello SMVP) senza causa, dipendenza e \
         azioni correttive: {}; tra la soglia e il target senza motivazione: {}",
        below.len(),
        super::threshold(threshold),
        missing.len(),
        unexplained.len()
    );
    let status = if !missing.is_empty() {
        KO
    } else if !unexplained.is_empty() {
        TODO
    } else {
        OK
    };
    missing.extend(unexplained);
    criterio(spec, evidenza, missing, status)
}

const AFFIDABILITA: &str = "affidabilità dei dati (Linee guida DFP n. 3/2018)";

/// Criterion 5: Every indicator of the tree declares the source of its figure.
fn sources(s: &Scored) -> Criterio {
    let spec = Spec {
        criterio: "Le fonti dei dati sono dichiarate",
        riferimento: AFFIDABILITA,
        controlli: "che le fonti siano esterne o certificate dove possibile, e non autodichiarate",
        essenziale: false,
    };
    let Some(a) = &s.report.albero else {
        return criterio(spec, "nessun indicatore".into(), Vec::new(), TODO);
    };
    let mut total = 0;
    a.walk(&mut |n: &Node| total += usize::from(n.indicator.is_some()));
    let without = crate::inputs::testi::without_source(a);
    let evidenza = format!("{total} indicatori; senza fonte dichiarata: {}", without.len());
    let status = if total == 0 {
        TODO
    } else if without.is_empty() {
        OK
    } else {
        KO
    };
    let dettagli =
        if without.is_empty() { Vec::new() } else { vec![format!("senza fonte: {}", without.join(", "))] };
    criterio(spec, evidenza, dettagli, status)
}

/// Criterion 6: The same figure given by two inputs: compared only between the inputs that are there (with
/// the tree alone there is nothing to compare, and the criterion says so).
fn consistent(s: &Scored) -> Criterio {
    let spec = Spec {
        criterio: "Ogni dato compare con un solo valore",
        riferimento: AFFIDABILITA,
        controlli: "quale dei due valori sia quello degli atti, dove i dati ne danno due",
        essenziale: false,
    };
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
                        indici di bilancio): nessun confronto possibile"
                .to_string();
        return criterio(spec, evidenza, d, TODO);
    }
    let (last, first) = compared.split_last().expect("two at least");
    let evidenza =
        format!("confronto tra {} e {last}; dati con due valori diversi: {}", first.join(", "), d.len());
    let status = if d.is_empty() { OK } else { KO };
    criterio(spec, evidenza, d, status)
}

/// Criterion 7: The office documented its checks of what the run found (`verifiche.yaml`).
fn checked(s: &Scored) -> Criterio {
    let spec = Spec {
        criterio: "Le verifiche dell'ufficio sui dati sono documentate",
        riferimento: AFFIDABILITA,
        controlli: "a campione, che le verifiche dichiarate abbiano riscontro nei documenti dell'ufficio",
        essenziale: false,
    };
    let dettagli: Vec<String> =
        s.verifiche.iter().map(|v| format!("«{}»: {}", v.testo.trim(), v.motivazione.trim())).collect();
    let evidenza =
        format!("verifiche documentate dall'ufficio in {}: {}", crate::bozza::VERIFICHE, dettagli.len());
    criterio(spec, evidenza, dettagli, if s.verifiche.is_empty() { TODO } else { OK })
}

/// Criterion 8: The OIV's own decisions, each with the act that records it: with none recorded there is
/// nothing to show (the minutes may hold some), so it is to verify.
fn decisions(s: &Scored) -> Criterio {
    let spec = Spec {
        criterio: "Le decisioni dell'OIV sono motivate, registrate in un atto e il loro effetto è esposto",
        riferimento: "art. 14, comma 4, D.Lgs. 150/2009",
        controlli: "che i verbali dell'OIV non contengano decisioni sui risultati che decisioni.yaml non riporta",
        essenziale: false,
    };
    let d = &s.decisioni;
    let mut list: Vec<(String, Option<&String>)> = Vec::new();
    for x in d.sostituzioni.iter().filter(|x| x.organo == Organo::Oiv) {
        list.push((format!("«{}»: risultato sostituito, {}", x.codice, x.motivazione), x.atto.as_ref()));
    }
    for x in d.esclusioni.iter().filter(|x| x.organo == Organo::Oiv) {
        list.push((format!("«{}»: escluso, {}", x.codice, x.motivazione), x.atto.as_ref()));
    }
    for x in &d.valutazioni {
        list.push((format!("«{}»: valutazione {}", x.codice, x.valutazione.text()), x.atto.as_ref()));
    }
    let senza = list.iter().filter(|(_, a)| a.is_none()).count();
    let dettagli = list
        .iter()
        .map(|(t, a)| match a {
            Some(a) => format!("{t} ({a})"),
            None => format!("{t}: manca l'atto che la registra"),
        })
        .collect();
    let evidenza = format!(
        "decisioni dell'OIV registrate in decisioni.yaml: {}; senza l'atto che le registra: {senza}",
        list.len()
    );
    let status = if list.is_empty() || senza > 0 { TODO } else { OK };
    criterio(spec, evidenza, dettagli, status)
}

/// Criterion 9: The process is described and its acts are in order: the plan adopted, the Relazione
/// approved by 30 June of the next year (art. 10 c.1 lett. b), the validation after the approval.
fn process(s: &Scored, texts: &crate::inputs::testi::Texts) -> Criterio {
    let spec = Spec {
        criterio: "Il processo di misurazione e valutazione è descritto e i suoi tempi sono rispettati",
        riferimento: "art. 10, comma 1, lettera b), D.Lgs. 150/2009; Linee guida DFP n. 3/2018",
        controlli: "che il processo descritto sia quello svolto (calendario del SMVP, monitoraggio intermedio)",
        essenziale: false,
    };
    let (mut ko, mut todo) = (Vec::new(), Vec::new());
    match texts.sezione("processo") {
        None => ko.push("la descrizione del processo (testi/processo.md) manca".to_string()),
        Some(t) if crate::bozza::is_sample(&t.markdown) => {
            ko.push("la descrizione del processo (testi/processo.md) è un testo di esempio".to_string())
        }
        Some(_) => {}
    }
    for tipo in [TipoAtto::Piao, TipoAtto::Monitoraggio, TipoAtto::Relazione] {
        if act_date(s, tipo).is_none() {
            todo.push(format!("manca in ciclo.atti, con la sua data, {}", tipo.label()));
        }
    }
    let approvazione = act_date(s, TipoAtto::Relazione);
    if let Some(a) = approvazione
        && let Some(limit) = chrono::NaiveDate::from_ymd_opt(s.config.anno + 1, 6, 30)
        && a > limit
    {
        ko.push(format!(
            "la Relazione è approvata il {}, dopo il 30/06/{}",
            a.format("%d/%m/%Y"),
            s.config.anno + 1
        ));
    }
    if let (Some(a), Some(v)) = (approvazione, act_date(s, TipoAtto::Validazione))
        && v < a
    {
        ko.push(format!(
            "la validazione ({}) precede l'approvazione della Relazione ({})",
            v.format("%d/%m/%Y"),
            a.format("%d/%m/%Y")
        ));
    }
    if let Some(p) = act_date(s, TipoAtto::Piao).filter(|p| p.year_ce().1 as i32 > s.config.anno) {
        ko.push(format!(
            "il PIAO risulta adottato il {}, dopo l'anno {}",
            p.format("%d/%m/%Y"),
            s.config.anno
        ));
    }
    let evidenza = format!(
        "descrizione del processo e date degli atti del ciclo; difformità: {}; elementi mancanti: {}",
        ko.len(),
        todo.len()
    );
    let status = if !ko.is_empty() {
        KO
    } else if !todo.is_empty() {
        TODO
    } else {
        OK
    };
    ko.extend(todo);
    criterio(spec, evidenza, ko, status)
}

use chrono::Datelike;

/// Criterion 10: Conformity: nothing of what the law and the guidelines require is still open.
fn complete(open: &[crate::bozza::Voce]) -> Criterio {
    let spec = Spec {
        criterio: "La Relazione è completa e conforme alle linee guida",
        riferimento: "art. 10 D.Lgs. 150/2009; Linee guida DFP n. 3/2018",
        controlli: "che le parti omesse per mancanza di dati siano davvero non applicabili all'Ente",
        essenziale: true,
    };
    let dettagli: Vec<String> = open
        .iter()
        .map(|v| {
            let at = crate::bozza::place(&v.location);
            let at = if at.is_empty() { String::new() } else { format!(", {at}") };
            format!("{} ({}{at}): {}", v.gruppo.label(), v.location.file.display(), v.testo)
        })
        .collect();
    let evidenza = format!("voci da completare nella Relazione: {}", open.len());
    criterio(spec, evidenza, dettagli, if open.is_empty() { OK } else { KO })
}

/// Criterion 11: Concise and clear (the condition of art. 14 c.4 lett. c): the Gulpease index of the
/// citizens' summary and of every section text.
fn readable(texts: &crate::inputs::testi::Texts, sintesi: &[String]) -> Criterio {
    let spec = Spec {
        criterio: "La Relazione è sintetica, chiara e di immediata comprensione",
        riferimento: "art. 14, comma 4, lettera c), D.Lgs. 150/2009",
        controlli: "la lunghezza complessiva, l'uso di tabelle di sintesi e di grafici, i rinvii ad altri documenti",
        essenziale: false,
    };
    let mut indici: Vec<(String, f64)> = Vec::new();
    if let Some(g) = crate::inputs::testi::gulpease(&sintesi.join("\n\n")) {
        indici.push(("sintesi generata".into(), g));
    }
    for (file, g) in crate::inputs::testi::readability(texts) {
        if let Some(g) = g {
            let name = file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            indici.push((name, g));
        }
    }
    let hard = indici.iter().filter(|(_, g)| *g < GULPEASE_DIFFICILE).count();
    let medium = indici.iter().filter(|(_, g)| *g < crate::inputs::testi::GULPEASE_TARGET).count();
    let dettagli =
        indici.iter().map(|(n, g)| format!("{n}: indice Gulpease {}", format_number(*g, 0))).collect();
    let evidenza = format!(
        "testi misurati con l'indice Gulpease: {}; sotto {} (difficili anche per chi ha un diploma): {hard}; sotto {}: {medium}",
        indici.len(),
        format_number(GULPEASE_DIFFICILE, 0),
        format_number(crate::inputs::testi::GULPEASE_TARGET, 0)
    );
    let status = if indici.is_empty() || (hard == 0 && medium > 0) {
        TODO
    } else if hard > 0 {
        KO
    } else {
        OK
    };
    criterio(spec, evidenza, dettagli, status)
}

/// Criterion 12: Anticorruption and transparency among the objectives measured: the objectives and
/// indicators whose name speaks of them, with their results.
fn anticorruption(s: &Scored) -> Criterio {
    let spec = Spec {
        criterio: "La misurazione tiene conto degli obiettivi di anticorruzione e trasparenza",
        riferimento: "art. 1, comma 8-bis, L. 190/2012; art. 44 D.Lgs. 33/2013",
        controlli: "il collegamento con la sezione «Rischi corruttivi e trasparenza» del PIAO",
        essenziale: false,
    };
    let result = |n: &Node| {
        let r = n.outcome.as_ref().and_then(|o| o.result);
        r.map_or("nessun risultato".into(), |r| format!("{} %", format_number(r * 100.0, 2)))
    };
    let configured = &s.config.obiettivi_anticorruzione;
    if !configured.is_empty() {
        // The objectives the Ente names: each must be in the tree with its result.
        let mut dettagli = Vec::new();
        let mut missing = 0;
        for code in configured {
            match s.report.albero.as_ref().and_then(|a| a.find_objective(code)) {
                Some(n) if n.outcome.as_ref().is_some_and(|o| o.result.is_some()) => {
                    dettagli.push(format!("{} «{}» {}: {}", n.level.label(), n.code, n.name, result(n)))
                }
                Some(n) => {
                    missing += 1;
                    dettagli.push(format!("{} «{}»: nessun risultato", n.level.label(), n.code))
                }
                None => {
                    missing += 1;
                    dettagli.push(format!("«{code}»: non è un obiettivo dell'albero della performance"))
                }
            }
        }
        let evidenza = format!(
            "obiettivi di anticorruzione e trasparenza indicati in configurazione: {}; senza risultato: {missing}",
            configured.len()
        );
        return criterio(spec, evidenza, dettagli, if missing == 0 { OK } else { KO });
    }
    let mut found = Vec::new();
    for tree in [&s.report.albero, &s.report.individuali].into_iter().flatten() {
        tree.walk(&mut |n: &Node| {
            let name = crate::value::normalize(&format!("{} {}", n.code, n.name));
            if n.level != Level::Ente
                && ["corruzion", "anticorr", "trasparen"].iter().any(|w| name.contains(w))
                && !found.iter().any(|(c, _): &(String, String)| *c == n.code)
            {
                found.push((
                    n.code.clone(),
                    format!("{} «{}» {}: {}", n.level.label(), n.code, n.name, result(n)),
                ));
            }
        });
    }
    // A word in a name is a clue, not evidence: the Ente names its objectives in
    // `obiettivi_anticorruzione`.
    let evidenza = format!(
        "obiettivi e indicatori il cui nome richiama l'anticorruzione o la trasparenza: {} (riconosciuti dal nome: \
         indicarli in «obiettivi_anticorruzione» in relazione.yaml)",
        found.len()
    );
    let status = TODO;
    criterio(spec, evidenza, found.into_iter().map(|(_, d)| d).collect(), status)
}

/// Criterion 13: The users' view (art. 19-bis): a text on customer satisfaction and its data.
fn participation(s: &Scored, texts: &crate::inputs::testi::Texts) -> Criterio {
    let spec = Spec {
        criterio: "La Relazione dà conto della customer satisfaction e della valutazione partecipativa",
        riferimento: "art. 19-bis D.Lgs. 150/2009",
        controlli: "che l'indagine sia stata svolta come descritto e che i suoi esiti abbiano pesato sulla \
                    valutazione della performance organizzativa",
        essenziale: false,
    };
    let text = texts
        .sezione("customer_satisfaction")
        .filter(|t| !crate::bozza::is_sample(&t.markdown) && !t.markdown.trim().is_empty());
    let table = s.report.tabelle.iter().any(|t| t.sezione == crate::model::Sezione::CustomerSatisfaction);
    let mut dettagli = Vec::new();
    if text.is_none() {
        dettagli
            .push("manca il testo sulla customer satisfaction (testi/customer_satisfaction.md)".to_string());
    }
    if !table {
        dettagli.push(
            "mancano i dati dell'indagine (sezione «customer_satisfaction» delle Tabelle della Relazione)"
                .to_string(),
        );
    }
    let evidenza = format!(
        "testo sulla customer satisfaction: {}; dati dell'indagine: {}",
        if text.is_some() { "presente" } else { "assente" },
        if table { "presenti" } else { "assenti" }
    );
    let status = match dettagli.len() {
        0 => OK,
        1 => TODO,
        _ => KO,
    };
    criterio(spec, evidenza, dettagli, status)
}

/// Criterion 14: Differentiation of the individual evaluations (art. 9 c.1 lett. d): the distribution of
/// the scores over the SMVP's classes.
fn differentiation(s: &Scored) -> Criterio {
    let spec = Spec {
        criterio: "Le valutazioni individuali sono differenziate",
        riferimento: "art. 9, comma 1, lettera d), D.Lgs. 150/2009",
        controlli: "se la differenziazione è significativa, sulle schede di valutazione individuale",
        essenziale: false,
    };
    let Some(v) = &s.summary.valutazione else {
        return criterio(
            spec,
            "mancano gli obiettivi individuali: nessuna valutazione da esaminare".into(),
            Vec::new(),
            TODO,
        );
    };
    let classi = s.config.smvp.classi();
    let mut per_class: std::collections::BTreeMap<Option<usize>, usize> = Default::default();
    for x in &v.valori {
        *per_class.entry(crate::score::band(*x, classi)).or_default() += 1;
    }
    let base = if v.sui_totali { "punteggi complessivi" } else { "risultati degli obiettivi individuali" };
    let cv =
        v.coefficiente_variazione().map_or("n.d.".into(), |c| format!("{} %", format_number(c * 100.0, 2)));
    let evidenza = format!(
        "{} valutati ({base}); classi dello SMVP occupate: {}; coefficiente di variazione {cv}",
        v.valori.len(),
        per_class.len()
    );
    let dettagli = per_class
        .iter()
        .map(|(b, k)| {
            let name = b
                .and_then(|b| classi.get(b))
                .map_or("sotto ogni classe".to_string(), |c| c.etichetta.clone());
            format!("{name}: {k}")
        })
        .collect();
    let status = if v.valori.len() < 2 {
        TODO
    } else if per_class.len() < 2 {
        KO
    } else if v.sui_totali {
        OK
    } else {
        TODO
    };
    criterio(spec, evidenza, dettagli, status)
}

/// Criterion 15: Challenging targets: the overshooting analysis where the SMVP has one.
fn overshooting(s: &Scored) -> Option<Criterio> {
    let o = &s.summary.overshooting;
    if !s.config.smvp.overshooting.previsto {
        return None;
    }
    let spec = Spec {
        criterio: "I target sono sfidanti (overshooting)",
        riferimento: "Sistema di misurazione e valutazione",
        controlli: "se i target superati di molto vanno rivisti nel Piano dell'anno successivo",
        essenziale: false,
    };
    let agree = !o.dalla_piattaforma || o.righe.len() == o.calcolate.len();
    // Indicators far above their target say the target was not challenging: the OIV judges.
    let none_over = o.righe.is_empty() && o.calcolate.is_empty() && o.kpi_con_target > 0;
    let evidenza = if o.dalla_piattaforma {
        format!(
            "indicatori segnalati dalla piattaforma: {}; secondo la regola dello SMVP: {}",
            o.righe.len(),
            o.calcolate.len()
        )
    } else {
        format!("indicatori oltre la soglia secondo la regola dello SMVP: {}", o.righe.len())
    };
    Some(criterio(spec, evidenza, Vec::new(), if agree && none_over { OK } else { TODO }))
}

/// The proposal that follows from the statuses: an essential criterion not satisfied → not
/// validated; anything else not satisfied or still to verify → validated with observations.
fn proposal(criteri: &[Criterio]) -> (Conclusione, String) {
    let names = |f: &dyn Fn(&Criterio) -> bool| {
        criteri.iter().filter(|c| f(c)).map(|c| format!("«{}»", c.criterio)).collect::<Vec<_>>().join(", ")
    };
    let essential = names(&|c| c.essenziale && c.stato == KO.0);
    if !essential.is_empty() {
        let open = names(&|c| c.essenziale && c.stato == TODO.0);
        let open = if open.is_empty() {
            String::new()
        } else {
            format!("; criteri essenziali da verificare: {open}")
        };
        return (Conclusione::NonValidata, format!("criteri essenziali non soddisfatti: {essential}{open}"));
    }
    let ko = names(&|c| c.stato == KO.0);
    let todo = names(&|c| c.stato == TODO.0);
    match (ko.is_empty(), todo.is_empty()) {
        (true, true) => (Conclusione::Validata, "tutti i criteri sono verificati".into()),
        (false, true) => (Conclusione::ValidataConOsservazioni, format!("criteri non soddisfatti: {ko}")),
        (false, false) => (
            Conclusione::ValidataConOsservazioni,
            format!("criteri non soddisfatti: {ko}; criteri da verificare sugli atti: {todo}"),
        ),
        (true, false) => {
            (Conclusione::ValidataConOsservazioni, format!("criteri da verificare sugli atti: {todo}"))
        }
    }
}

/// The files the figures were read from, with what each was recognised as, by name only (a
/// host's folders are nobody's business).
fn examined(s: &Scored) -> Vec<String> {
    let mut files: Vec<String> = s
        .report
        .sources
        .iter()
        .map(|x| {
            let name = std::path::Path::new(&x.file).file_name().map(|f| f.to_string_lossy().into_owned());
            let mut kinds: Vec<&str> = Vec::new();
            for k in x.kind.split("; ") {
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
            }
            format!("«{}» ({})", name.unwrap_or_default(), kinds.join("; "))
        })
        .collect();
    files.sort();
    files.dedup();
    files
}

fn validazione(s: &Scored, criteri: &[Criterio], open: &[crate::bozza::Voce]) -> ValidazioneView {
    let (proposta, motivo) = proposal(criteri);
    let recorded = s.decisioni.validazione.as_ref();
    let mut riferimenti = Vec::new();
    for tipo in [TipoAtto::Smvp, TipoAtto::Piao, TipoAtto::AggiornamentoPiao, TipoAtto::Relazione] {
        riferimenti.extend(acts(s, tipo));
    }
    let data = act_date(s, TipoAtto::Validazione);
    let approvazione = act_date(s, TipoAtto::Relazione);
    let mut da_completare = Vec::new();
    if recorded.is_some_and(|r| {
        r.conclusione != Conclusione::Validata
            && r.osservazioni.as_deref().is_none_or(|o| o.trim().is_empty())
    }) {
        da_completare.push(
            "le osservazioni dell'OIV (decisioni.yaml, «validazione: osservazioni: …»): una conclusione diversa da \
             «validata» ne dice le ragioni"
                .to_string(),
        );
    }
    if recorded.is_none() {
        da_completare.push(
            "la conclusione dell'OIV (decisioni.yaml, «validazione: conclusione: …»): fino ad allora la conclusione è \
             solo proposta"
                .to_string(),
        );
    }
    if !open.is_empty() {
        da_completare.push(format!(
            "la Relazione ha ancora {} da completare: si valida la Relazione approvata",
            if open.len() == 1 { "1 voce".to_string() } else { format!("{} voci", open.len()) }
        ));
    }
    if approvazione.is_none() {
        da_completare
            .push("la data di approvazione della Relazione (ciclo.atti, tipo «relazione»)".to_string());
    }
    match (data, approvazione) {
        (None, _) => da_completare.push("la data della validazione (ciclo.atti, tipo «validazione»)".to_string()),
        (Some(v), Some(a)) if v < a => da_completare.push(format!(
            "la data della validazione ({}) precede l'approvazione della Relazione ({}): correggerla in ciclo.atti",
            v.format("%d/%m/%Y"),
            a.format("%d/%m/%Y")
        )),
        (Some(v), _) if v.year() != s.config.anno + 1 => da_completare.push(format!(
            "la data della validazione ({}) non è dell'anno dopo quello della Relazione ({}): correggerla in ciclo.atti",
            v.format("%d/%m/%Y"),
            s.config.anno + 1
        )),
        _ => {}
    }
    if s.config.ente.sede.as_deref().is_none_or(|l| l.trim().is_empty()) {
        da_completare.push("il luogo della validazione (ente.sede in relazione.yaml)".to_string());
    }
    if s.config.ciclo.oiv.is_empty() {
        da_completare.push("i componenti dell'OIV che firmano (ciclo.oiv in relazione.yaml)".to_string());
    }
    ValidazioneView {
        proposta: proposta.label(),
        proposta_id: proposta.id(),
        motivo,
        conclusione: recorded.map(|r| r.conclusione.label()),
        conclusione_frase: recorded.map(|r| r.conclusione.frase()),
        con_decisioni: {
            let d = &s.decisioni;
            !(d.sostituzioni.is_empty() && d.esclusioni.is_empty() && d.valutazioni.is_empty())
        },
        con_verifiche: !s.verifiche.is_empty(),
        conclusione_id: recorded.map(|r| r.conclusione.id()),
        osservazioni: recorded.and_then(|r| r.osservazioni.clone()).filter(|o| !o.trim().is_empty()),
        riferimenti,
        esaminati: examined(s),
        luogo: s.config.ente.sede.clone().filter(|l| !l.trim().is_empty()),
        data: data.map(|d| d.format("%d/%m/%Y").to_string()),
        bozza: !da_completare.is_empty(),
        da_completare,
    }
}

pub(super) fn carte(
    s: &Scored,
    open: &[crate::bozza::Voce],
    texts: &crate::inputs::testi::Texts,
    sintesi: &[String],
) -> CarteOiv {
    let variazioni = variazioni(s);
    let mut criteri = vec![
        plan(s, &variazioni),
        reported(s),
        recomputed(s),
        explained(s, texts),
        sources(s),
        consistent(s),
        checked(s),
        decisions(s),
        process(s, texts),
        complete(open),
        readable(texts, sintesi),
        anticorruption(s),
        participation(s, texts),
        differentiation(s),
    ];
    criteri.extend(overshooting(s));
    let non_soddisfatti = criteri.iter().filter(|c| c.stato == KO.0).count();
    let da_verificare = criteri.iter().filter(|c| c.stato == TODO.0).count();
    let validazione = validazione(s, &criteri, open);
    let versione = VersioneView {
        impronta: s.impronta.sha256.clone(),
        file: s.impronta.file,
        data: s.date.format("%d/%m/%Y").to_string(),
    };
    CarteOiv {
        versione,
        non_soddisfatti,
        da_verificare,
        aperte: open.len(),
        piano_letto: s.piano.is_some(),
        variazioni,
        validazione,
        criteri,
    }
}
