//! `relazione.yaml`: who the Ente is, which year, and the SMVP scoring settings.
//!
//! Deserialised strictly (`deny_unknown_fields`): a misspelt key is an error naming the key and
//! the line, never a silent default. Defaults live in one place (the `Default` impls and
//! `default_*` functions below) and [`Config::load`] validates before anything else runs.

use crate::error::{Error, Location, Problem};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub ente: Ente,
    pub anno: i32,
    /// Date the governing body approved the Relazione (`gg/mm/aaaa`), printed on the cover.
    #[serde(default)]
    pub data_approvazione: Option<String>,
    /// The SMVP: how indicators are scored and results roll up.
    #[serde(default)]
    pub smvp: Smvp,
    /// Licence of the open data (`out/opendata/`): CC BY 4.0, the reference licence for Italian
    /// public-sector open data, unless the Ente says otherwise.
    #[serde(default = "default_licenza")]
    pub licenza_dati: String,
    /// Codes of the indicators shown in chapter 1 as the most significant, with their change from
    /// the previous year and the system mean where the data have them.
    #[serde(default)]
    pub indicatori_significativi: Vec<String>,
    /// Codes of the objectives that pursue equal opportunities (D.Lgs. 198/2006), shown with
    /// their results in the gender balance (3.4).
    #[serde(default)]
    pub obiettivi_pari_opportunita: Vec<String>,
    /// Codes of the objectives that carry the PIAO's anticorruption and transparency measures
    /// (L. 190/2012): the OIV's working papers show their results.
    #[serde(default)]
    pub obiettivi_anticorruzione: Vec<String>,
    /// URI of the open-data licence, for the DCAT-AP_IT metadata; known licences need none.
    #[serde(default)]
    pub licenza_dati_uri: Option<String>,
    /// Last year's results (its published `relazione.json`, or a folder holding it or last year's
    /// export), where they are not in `anno_precedente/` under the data folder: a path relative to
    /// this file's folder.
    #[serde(default)]
    pub anno_precedente: Option<std::path::PathBuf>,
    /// Where the Ente publishes the Relazione: the PDF and the web edition point to each other.
    #[serde(default)]
    pub pubblicazione: Pubblicazione,
    /// The acts and dates of the performance cycle and the OIV, for chapter 5: the Relazione states
    /// no act that is not here.
    #[serde(default)]
    pub ciclo: Ciclo,
    /// The SMVP's scheme for the individual evaluation of managers (chapter 4): its components
    /// and their weights per role. Without it chapter 4 states no scheme and no total.
    #[serde(default)]
    pub valutazione_individuale: Option<ValutazioneIndividuale>,
    /// The file it was read from (as given, `--config`): every message about a setting names it.
    #[serde(skip)]
    pub file: std::path::PathBuf,
}

/// The performance cycle of the year as the acts record it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ciclo {
    /// Acts in the order they are to be listed (approval of the PIAO and its updates, mid-year
    /// monitoring, approval of the Relazione, the OIV's reports…).
    #[serde(default)]
    pub atti: Vec<Atto>,
    /// The OIV's members in the year, with their term.
    #[serde(default)]
    pub oiv: Vec<ComponenteOiv>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Atto {
    /// What the act is: `Aggiornamento del PIAO 2024-2026`.
    pub atto: String,
    /// Which act of the cycle it is, for those the Relazione must cite ([`TipoAtto::REQUIRED`]).
    #[serde(default)]
    pub tipo: Option<TipoAtto>,
    /// `gg/mm/aaaa`.
    pub data: String,
    /// Its reference: `delibera di Giunta n. 140`.
    #[serde(default)]
    pub estremi: Option<String>,
    /// Where it is published.
    #[serde(default)]
    pub indirizzo: Option<String>,
}

/// Most components of the individual evaluation: an SMVP's scheme has three to five, and each is
/// a column of chapter 4's table.
pub const MAX_COMPONENTI: usize = 8;

/// How the SMVP evaluates each manager: components, each with where its score comes from, and
/// the weights of the components per role (in the order of `componenti`, summing to 100).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValutazioneIndividuale {
    pub componenti: Vec<Componente>,
    /// By role, as named in the individual objectives (`Segretario Generale: [40, 30, 30]`); a
    /// role given twice is an error (YAML would keep the last silently).
    #[serde(deserialize_with = "unique_roles")]
    pub pesi: BTreeMap<String, Vec<f64>>,
}

/// The weights by role, refusing a role written twice.
fn unique_roles<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<f64>>, D::Error> {
    struct Roles;
    impl<'de> serde::de::Visitor<'de> for Roles {
        type Value = BTreeMap<String, Vec<f64>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("una mappa «ruolo: [pesi]»")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((role, weights)) = map.next_entry::<String, Vec<f64>>()? {
                if out.contains_key(&role) {
                    return Err(serde::de::Error::custom(format!("ruolo «{role}» ripetuto")));
                }
                out.insert(role, weights);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Roles)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Componente {
    /// As the SMVP names it: `Competenze e comportamenti organizzativi`.
    pub nome: String,
    pub fonte: FonteComponente,
}

/// Where a component's score comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FonteComponente {
    /// The Ente's official result.
    Ente,
    /// The role's result on its individual objectives.
    Obiettivi,
    /// A score the Ente gives (behaviours, the area's result…): the «Tabelle della Relazione»
    /// section `valutazione_individuale`, a row per role and a column per component.
    Tabella,
}

/// The acts of the performance cycle by kind (`tipo` in `ciclo.atti`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoAtto {
    /// The SMVP in force for the year.
    Smvp,
    /// Adoption of the PIAO (the plan the Relazione reports on).
    Piao,
    /// An update of the PIAO during the year.
    AggiornamentoPiao,
    /// The mid-year monitoring.
    Monitoraggio,
    /// Approval of the year's accounts (bilancio d'esercizio).
    Bilancio,
    /// Approval of the Relazione by the governing body.
    Relazione,
    /// The OIV's validation of the Relazione (art. 14 c.4 lett. c D.Lgs. 150/2009).
    Validazione,
    /// The OIV's report on the functioning of the system.
    RelazioneOiv,
    Altro,
}

impl TipoAtto {
    /// The acts chapter 5 must cite: the plan, the accounts, the approval and the validation.
    pub const REQUIRED: [TipoAtto; 4] =
        [TipoAtto::Piao, TipoAtto::Bilancio, TipoAtto::Relazione, TipoAtto::Validazione];

    /// The key written in the configuration.
    pub fn id(self) -> &'static str {
        match self {
            TipoAtto::Smvp => "smvp",
            TipoAtto::Piao => "piao",
            TipoAtto::AggiornamentoPiao => "aggiornamento_piao",
            TipoAtto::Monitoraggio => "monitoraggio",
            TipoAtto::Bilancio => "bilancio",
            TipoAtto::Relazione => "relazione",
            TipoAtto::Validazione => "validazione",
            TipoAtto::RelazioneOiv => "relazione_oiv",
            TipoAtto::Altro => "altro",
        }
    }

    /// What the act is, in a sentence of the draft list.
    pub fn label(self) -> &'static str {
        match self {
            TipoAtto::Smvp => "il Sistema di misurazione e valutazione",
            TipoAtto::Piao => "l'adozione del PIAO",
            TipoAtto::AggiornamentoPiao => "un aggiornamento del PIAO",
            TipoAtto::Monitoraggio => "il monitoraggio intermedio",
            TipoAtto::Bilancio => "l'approvazione del bilancio d'esercizio",
            TipoAtto::Relazione => "l'approvazione della Relazione sulla performance",
            TipoAtto::Validazione => "la validazione della Relazione da parte dell'OIV",
            TipoAtto::RelazioneOiv => "la relazione dell'OIV sul funzionamento del sistema",
            TipoAtto::Altro => "un altro atto",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponenteOiv {
    pub nome: String,
    /// Role and term: `OIV monocratico da ottobre 2024`.
    #[serde(default)]
    pub incarico: Option<String>,
}

fn default_licenza() -> String {
    "CC BY 4.0".into()
}

/// The addresses of the published outputs in *Amministrazione trasparente*. Each is optional:
/// without it no output claims an address it does not have.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pubblicazione {
    /// The page of the web edition (`out/sito/index.html` once published).
    #[serde(default)]
    pub sito: Option<String>,
    /// The folder of the open data (`out/opendata/` once published).
    #[serde(default)]
    pub dati_aperti: Option<String>,
    /// The page *Amministrazione trasparente › Performance › Relazione sulla performance*.
    #[serde(default)]
    pub amministrazione_trasparente: Option<String>,
    /// The e-mail address that answers for the open data (the DCAT-AP_IT record's contact point).
    #[serde(default)]
    pub contatto: Option<String>,
    /// The Ente's accessibility statement (AgID's form), its privacy notice and its legal notes:
    /// the web edition's footer links them.
    #[serde(default)]
    pub dichiarazione_accessibilita: Option<String>,
    #[serde(default)]
    pub privacy: Option<String>,
    #[serde(default)]
    pub note_legali: Option<String>,
}

impl Config {
    /// The licence's URI: configured, or known from its name (`CC BY 4.0`, `CC0 1.0`, `IODL 2.0`).
    pub fn licence_uri(&self) -> Option<String> {
        if let Some(u) = &self.licenza_dati_uri {
            return Some(u.clone());
        }
        let name = self.licenza_dati.to_uppercase().replace(['-', '_'], " ");
        let known = [
            ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
            ("CC BY SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
            ("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
            ("CC0", "https://creativecommons.org/publicdomain/zero/1.0/"),
            ("IODL 2.0", "https://www.dati.gov.it/content/italian-open-data-license-v20"),
        ];
        known.iter().find(|(n, _)| name.trim() == *n).map(|(_, u)| u.to_string())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ente {
    pub nome: String,
    /// Short name used in output file names (`Modena`).
    pub nome_breve: String,
    /// The Ente's code in the IPA index (indicepa.gov.it), written in every row of the open data.
    #[serde(default)]
    pub codice_ipa: Option<String>,
    /// The city of the seat (`Modena`): the place of the OIV's validation document.
    #[serde(default)]
    pub sede: Option<String>,
}

/// Scoring settings. Every field has the default that reproduces the platform (Integra) reports.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smvp {
    /// Rule for every indicator not matched below.
    #[serde(default)]
    pub regola: Regola,
    /// Rules by indicator typology (`Efficacia`, `Qualità`, ...).
    #[serde(default)]
    pub regole_per_tipologia: BTreeMap<String, Regola>,
    /// Rules by indicator code (win over typology).
    #[serde(default)]
    pub regole_per_indicatore: BTreeMap<String, Regola>,
    /// Deadlines missed: score 0, or decreasing linearly to 0 over `giorni`.
    #[serde(default)]
    pub scadenze: Scadenze,
    /// How to read a target written without an operator (`80 %`) in the flat layout when its row
    /// gives no direction: no default means such a target is an error naming the cell.
    #[serde(default)]
    pub direzione_predefinita: Option<crate::value::Direzione>,
    /// What a missing actual (`N/D`) does.
    #[serde(default)]
    pub valori_mancanti: ValoriMancanti,
    /// Weights of one parent that do not add up to 100.
    #[serde(default)]
    pub pesi: PolicyPesi,
    /// How the Ente result is computed: one rule (`media_pesata_ambiti`), or a list of figures
    /// with their labels, the first being the official one (the others are printed beside it).
    #[serde(default = "default_ente", deserialize_with = "figure_ente")]
    pub ente: Vec<FiguraEnteRule>,
    /// Names and roll-up of each level of the performance tree.
    #[serde(default)]
    pub livelli: Livelli,
    /// Weights of one parent summing to 100 within this (percentage points, e.g. 3 × 33,33) are
    /// accepted and normalised, with a note.
    #[serde(default = "default_tolleranza_pesi")]
    pub tolleranza_pesi: f64,
    /// Whether the OIV's `valutazioni` (decisioni.yaml) replace the computed results in the
    /// roll-up (points replace, «non valutabile» excludes); otherwise they stand beside them.
    #[serde(default)]
    pub valutazioni_oiv_nel_calcolo: bool,
    /// Whether `valutazione_os` refers to the OS result or to its raggiungimento.
    #[serde(default)]
    pub valutazione_os_su: BaseValutazione,
    /// The SMVP's result classes; absent, the SMVP has none and no output classes a result.
    #[serde(default)]
    pub semaforo: Option<Semaforo>,
    /// Results (percentage points) below which each indicator's deviation is explained in 3.3;
    /// by default the best class's lower bound, or 100 without classes.
    #[serde(default)]
    pub soglia_spiegazioni: Option<f64>,
    #[serde(default)]
    pub overshooting: OvershootingRule,
    /// Optional label scale for OS results (highest threshold first).
    #[serde(default)]
    pub valutazione_os: Vec<GiudizioRule>,
    /// Differences from the platform's own Raggiungimento above this (percentage points) are listed.
    #[serde(default = "default_tolleranza")]
    pub tolleranza_confronto: f64,
}

fn default_tolleranza() -> f64 {
    0.01
}

fn yes() -> bool {
    true
}

fn default_tolleranza_pesi() -> f64 {
    0.1
}

impl Default for Smvp {
    fn default() -> Self {
        Smvp {
            regola: Regola::default(),
            regole_per_tipologia: BTreeMap::new(),
            regole_per_indicatore: BTreeMap::new(),
            scadenze: Scadenze::default(),
            direzione_predefinita: None,
            valori_mancanti: ValoriMancanti::default(),
            pesi: PolicyPesi::default(),
            ente: default_ente(),
            livelli: Livelli::default(),
            tolleranza_pesi: default_tolleranza_pesi(),
            valutazione_os_su: BaseValutazione::default(),
            valutazioni_oiv_nel_calcolo: false,
            semaforo: None,
            soglia_spiegazioni: None,
            overshooting: OvershootingRule::default(),
            valutazione_os: Vec::new(),
            tolleranza_confronto: default_tolleranza(),
        }
    }
}

/// How an indicator's achievement ratio becomes a score.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Regola {
    #[serde(default)]
    pub tipo: TipoRegola,
    /// Maximum score, percentage points (proportional rule).
    #[serde(default = "default_tetto")]
    pub tetto: f64,
    /// Bands, for `tipo: fasce`: ratio thresholds (percentage points) and their scores.
    #[serde(default)]
    pub fasce: Vec<Fascia>,
    /// With bands: interpolate pro rata inside each band instead of fixed scores.
    #[serde(default)]
    pub interpolazione: bool,
    /// Ratio (percentage points) below which the score is 0.
    #[serde(default)]
    pub soglia_minima: Option<f64>,
}

fn default_tetto() -> f64 {
    100.0
}

impl Default for Regola {
    fn default() -> Self {
        Regola {
            tipo: TipoRegola::Proporzionale,
            tetto: default_tetto(),
            fasce: Vec::new(),
            interpolazione: false,
            soglia_minima: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum TipoRegola {
    #[default]
    Proporzionale,
    Fasce,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fascia {
    /// Lower bound of the band: achievement ratio in percentage points (`99` = 99 %).
    pub da: f64,
    /// Score of the band, percentage points.
    pub punteggio: f64,
    /// Interpolate from this band's score at its threshold to the next band up's score at its
    /// threshold (only this band; `interpolazione` on the rule does it for every band).
    #[serde(default)]
    pub interpolata: bool,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Scadenze {
    #[serde(default)]
    pub ritardo: Ritardo,
    /// With `ritardo: lineare`, days after which the score reaches 0.
    #[serde(default)]
    pub giorni: Option<u32>,
    /// With `ritardo: scaglioni`: up to `giorni` days late, `punteggio` (first match, fewest days
    /// first); later than the last step, 0.
    #[serde(default)]
    pub scaglioni: Vec<Scaglione>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scaglione {
    pub giorni: u32,
    /// Score, percentage points.
    pub punteggio: f64,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Ritardo {
    #[default]
    Zero,
    Lineare,
    Scaglioni,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ValoriMancanti {
    /// Not scored; the weight goes to the siblings (always listed in the findings).
    #[default]
    Escludi,
    /// Scored 0.
    Zero,
    /// The run stops with an error.
    Errore,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum PolicyPesi {
    #[default]
    Errore,
    Normalizza,
}

/// One figure of the Ente's performance: its label and its rule.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FiguraEnteRule {
    /// `Performance di Ente`, `Media matematica`.
    pub etichetta: String,
    pub calcolo: RisultatoEnte,
}

/// The label of the official figure when the SMVP names none.
pub const PERFORMANCE_DI_ENTE: &str = "Performance di Ente";

fn default_ente() -> Vec<FiguraEnteRule> {
    vec![FiguraEnteRule { etichetta: PERFORMANCE_DI_ENTE.into(), calcolo: RisultatoEnte::default() }]
}

/// `ente: media_pesata_ambiti`, or a list of `{etichetta, calcolo}` (the first is official).
fn figure_ente<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<FiguraEnteRule>, D::Error> {
    use serde::de::Error as _;
    let value = serde_yaml::Value::deserialize(d)?;
    let list: Vec<FiguraEnteRule> = match value {
        serde_yaml::Value::Sequence(_) => serde_yaml::from_value(value).map_err(D::Error::custom)?,
        serde_yaml::Value::Mapping(_) => {
            return Err(D::Error::custom(
                "«smvp.ente» va scritto come una regola (es. «ente: media_pesata_ambiti») oppure come un elenco \
                 di misure («- {etichetta: …, calcolo: …}»)",
            ));
        }
        other => {
            let calcolo: RisultatoEnte = serde_yaml::from_value(other).map_err(D::Error::custom)?;
            vec![FiguraEnteRule { etichetta: PERFORMANCE_DI_ENTE.into(), calcolo }]
        }
    };
    if list.is_empty() {
        return Err(D::Error::custom("«smvp.ente»: indicare almeno una regola"));
    }
    Ok(list)
}

impl Smvp {
    /// The rule of the official Ente figure (the first listed).
    pub fn ente_ufficiale(&self) -> RisultatoEnte {
        self.ente.first().map_or(RisultatoEnte::default(), |f| f.calcolo)
    }
}

#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum RisultatoEnte {
    /// Σ weight × ambito.
    #[default]
    MediaPesataAmbiti,
    /// Plain mean of the ambiti results.
    MediaAmbiti,
    /// Plain mean of the OS results.
    MediaObiettiviStrategici,
    /// Plain mean of the OS *raggiungimenti* (each OS's result against its own target).
    MediaRaggiungimentiOs,
    /// Mean of the OS *raggiungimenti* weighted by each OS's weight in the Ente (OS weight ×
    /// its ambito's weight).
    MediaPesataRaggiungimentiOs,
}

/// How a level's result comes from its children.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Calcolo {
    /// Σ weight × result / Σ weight over the scored children.
    #[default]
    MediaPesata,
    /// Plain mean of the scored children's results; weights are not needed.
    MediaSemplice,
    /// Plain mean of the children's raggiungimenti (a child without a target of its own counts
    /// with its result); weights are not needed.
    MediaRaggiungimenti,
    /// Σ weight × child raggiungimento / Σ weight.
    MediaPesataRaggiungimenti,
}

impl Calcolo {
    /// Whether the children's weights are ignored.
    pub fn simple(self) -> bool {
        matches!(self, Calcolo::MediaSemplice | Calcolo::MediaRaggiungimenti)
    }

    /// Whether the children count with their raggiungimento rather than their result.
    pub fn of_achievements(self) -> bool {
        matches!(self, Calcolo::MediaRaggiungimenti | Calcolo::MediaPesataRaggiungimenti)
    }
}

/// The plan's name for a level and how its result is computed.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Livello {
    /// Singular name, as the plan calls the level (`Prospettiva`, `Azione`).
    #[serde(default)]
    pub nome: Option<String>,
    /// Plural name (`Prospettive`); derived from `nome` when not given.
    #[serde(default)]
    pub plurale: Option<String>,
    #[serde(default)]
    pub calcolo: Calcolo,
}

/// Per-level settings of the performance tree.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Livelli {
    #[serde(default)]
    pub ambito: Livello,
    #[serde(default)]
    pub obiettivo_strategico: Livello,
    #[serde(default)]
    pub obiettivo_operativo: Livello,
    #[serde(default)]
    pub indicatore: Livello,
}

impl Livelli {
    /// The settings of a level of the performance tree, if it has any.
    pub fn of(&self, level: crate::model::Level) -> Option<&Livello> {
        use crate::model::Level;
        match level {
            Level::Ambito => Some(&self.ambito),
            Level::ObiettivoStrategico => Some(&self.obiettivo_strategico),
            Level::ObiettivoOperativo => Some(&self.obiettivo_operativo),
            Level::Indicatore => Some(&self.indicatore),
            _ => None,
        }
    }

    /// (singular, plural) name of a level: the configured one, or the standard Italian name.
    pub fn names(&self, level: crate::model::Level) -> (String, String) {
        use crate::model::Level;
        let (sing, plur) = match level {
            Level::Ambito => ("Ambito strategico", "Ambiti strategici"),
            Level::ObiettivoStrategico => ("Obiettivo strategico", "Obiettivi strategici"),
            Level::ObiettivoOperativo => ("Obiettivo operativo", "Obiettivi operativi"),
            Level::Indicatore => ("Indicatore", "Indicatori"),
            other => return (other.label().to_string(), other.label().to_string()),
        };
        match self.of(level).and_then(|l| l.nome.clone()) {
            Some(n) => {
                let p = self.of(level).and_then(|l| l.plurale.clone()).unwrap_or_else(|| plural(&n));
                (n, p)
            }
            None => (sing.into(), plur.into()),
        }
    }
}

/// The plural of an Italian noun phrase, by the regular endings of each word (`Prospettiva
/// strategica` → `Prospettive strategiche`); irregular ones go in `plurale`.
fn plural(phrase: &str) -> String {
    phrase
        .split(' ')
        .map(|w| {
            let lower = w.to_lowercase();
            let stem = |n: usize| &w[..w.len() - n];
            if lower.ends_with("ca") {
                format!("{}che", stem(2))
            } else if lower.ends_with("ga") {
                format!("{}ghe", stem(2))
            } else if lower.ends_with("io") {
                format!("{}i", stem(2))
            } else if lower.ends_with('a') {
                format!("{}e", stem(1))
            } else if lower.ends_with('o') || lower.ends_with('e') {
                format!("{}i", stem(1))
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The scale an OS valuation label refers to.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum BaseValutazione {
    #[default]
    Risultato,
    Raggiungimento,
}

/// The SMVP's result classes (a traffic light, or any number of bands with the SMVP's own
/// names). Written either as the three-colour shorthand (`verde`, `giallo`, `etichette`) or as
/// the list `classi`; [`Semaforo::normalise`] makes both one list at load.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Semaforo {
    /// Shorthand: from this result up, the best class.
    #[serde(default)]
    pub verde: Option<f64>,
    /// Shorthand: from this result up (and below `verde`), the middle class; below, the last.
    #[serde(default)]
    pub giallo: Option<f64>,
    /// Shorthand: the names of the three classes, best first.
    #[serde(default)]
    pub etichette: Option<Etichette>,
    /// The classes, best first, each from its threshold up.
    #[serde(default)]
    pub classi: Vec<Classe>,
}

/// One result class of the SMVP.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Classe {
    /// From this result up (percentage points).
    pub da: f64,
    /// The SMVP's name of the class (`Raggiunto`, `Buono`).
    pub etichetta: String,
    /// Colour of the class mark, `#RRGGBB`; by default from green (best) to red (worst).
    #[serde(default)]
    pub colore: Option<String>,
}

/// Names of the traffic-light classes as the SMVP calls them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Etichette {
    pub verde: String,
    pub giallo: String,
    pub rosso: String,
}

impl Default for Etichette {
    fn default() -> Self {
        Etichette {
            verde: "Raggiunti".into(),
            giallo: "Parzialmente raggiunti".into(),
            rosso: "Non raggiunti".into(),
        }
    }
}

impl Semaforo {
    /// The classes, best first. The one place the thresholds are read: the class of a result
    /// (`score::band`), the workbook's formula, the counts and the printed labels all walk this
    /// list (through [`Smvp::classi`], once [`Semaforo::normalise`] has made it the one form). The
    /// shorthand's last class starts at 0 (every result).
    fn listed(&self) -> Vec<Classe> {
        if !self.classi.is_empty() {
            return self.classi.clone();
        }
        let e = self.etichette.clone().unwrap_or_default();
        let mut out = Vec::new();
        if let Some(v) = self.verde {
            out.push(Classe { da: v, etichetta: e.verde, colore: None });
        }
        if let Some(g) = self.giallo {
            out.push(Classe { da: g, etichetta: e.giallo, colore: None });
        }
        if !out.is_empty() {
            out.push(Classe { da: 0.0, etichetta: e.rosso, colore: None });
        }
        out
    }

    /// Writes the shorthand as the list, so that the classes are read without building them
    /// again (they are looked up for every node of the tree).
    pub(crate) fn normalise(&mut self) {
        if self.classi.is_empty() {
            self.classi = self.listed();
        }
    }
}

impl Smvp {
    /// The SMVP's result classes, best first; empty where it has none.
    pub fn classi(&self) -> &[Classe] {
        self.semaforo.as_ref().map_or(&[], |s| s.classi.as_slice())
    }

    /// Results (percentage points) below which the staff explain the deviation: the configured
    /// threshold; without one, the best class's lower bound; without classes, 100 (every
    /// deviation from the target, as art. 10 D.Lgs. 150/2009 asks).
    pub fn soglia_spiegazioni(&self) -> f64 {
        self.soglia_spiegazioni.or_else(|| self.classi().first().map(|c| c.da)).unwrap_or(100.0)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OvershootingRule {
    /// Whether the SMVP has an overshooting analysis at all (without it, the report has no such
    /// section).
    #[serde(default = "yes")]
    pub previsto: bool,
    /// Flag indicators whose actual/target exceeds this, percentage points.
    #[serde(default = "default_soglia_overshooting")]
    pub soglia: f64,
    /// Operators considered (`>=`, `<=`).
    #[serde(default = "default_operatori_overshooting")]
    pub operatori: Vec<String>,
    /// Whether the configuration has the key at all: without it the threshold is the tool's
    /// default, and no text may call it the SMVP's.
    #[serde(skip)]
    pub configurato: bool,
}

fn default_soglia_overshooting() -> f64 {
    110.0
}

fn default_operatori_overshooting() -> Vec<String> {
    vec![">=".into(), "<=".into()]
}

impl Default for OvershootingRule {
    fn default() -> Self {
        OvershootingRule {
            previsto: true,
            soglia: default_soglia_overshooting(),
            operatori: default_operatori_overshooting(),
            configurato: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GiudizioRule {
    /// From this OS result up (percentage points).
    pub da: f64,
    pub giudizio: String,
}

impl Config {
    /// Reads and validates the configuration file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(Error::invalid(
                Location::file(path),
                "file di configurazione non trovato: crearlo (il README, sezione «Configurazione», ne mostra uno) \
                 o indicarne un altro con --config",
            ));
        }
        let text = crate::error::read_text(path)?;
        Self::parse(&text, path)
    }

    /// Parses and validates configuration text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, Error> {
        check_yaml_shape(text, path)?;
        let plain = check_yaml_sizes(text, path)?;
        let mut config: Config = serde_yaml::from_str(text).map_err(|e| yaml_error(path, &e))?;
        config.file = path.to_path_buf();
        config.smvp.overshooting.configurato =
            plain.as_ref().and_then(|v| v.get("smvp")?.get("overshooting")).is_some();
        config.validate(path)?;
        if let Some(s) = config.smvp.semaforo.as_mut() {
            s.normalise();
        }
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), Error> {
        let mut problems = Vec::new();
        let loc = || Location::file(path);
        if !(1900..=2200).contains(&self.anno) {
            problems.push(format!("«anno»: {} non è un anno valido (atteso tra 1900 e 2200)", self.anno));
        }
        for (key, v) in self.numbers() {
            if !v.is_finite() {
                problems.push(format!("«{key}»: atteso un numero, trovato {v}"));
            } else if v.abs() > 1e9 {
                problems.push(format!("«{key}»: numero fuori scala ({v:e}): al massimo un miliardo"));
            }
        }
        let sede = self.ente.sede.clone().unwrap_or_default();
        let mut one_line: Vec<(String, String)> = vec![
            ("ente.nome".into(), self.ente.nome.clone()),
            ("ente.nome_breve".into(), self.ente.nome_breve.clone()),
            ("ente.sede".into(), sede),
        ];
        // Who signs and which acts are cited: one line each, printed in signatures and lists.
        for (i, m) in self.ciclo.oiv.iter().enumerate() {
            one_line.push((format!("ciclo.oiv[{}].nome", i + 1), m.nome.clone()));
            one_line.push((format!("ciclo.oiv[{}].incarico", i + 1), m.incarico.clone().unwrap_or_default()));
        }
        for (i, a) in self.ciclo.atti.iter().enumerate() {
            one_line.push((format!("ciclo.atti[{}].atto", i + 1), a.atto.clone()));
            one_line.push((format!("ciclo.atti[{}].estremi", i + 1), a.estremi.clone().unwrap_or_default()));
        }
        for (key, text) in &one_line {
            if text.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')) {
                problems.push(format!("«{key}»: contiene a capo o caratteri di controllo"));
            }
        }
        let p = &self.pubblicazione;
        let addresses = [
            ("pubblicazione.sito", &p.sito),
            ("pubblicazione.dati_aperti", &p.dati_aperti),
            ("pubblicazione.amministrazione_trasparente", &p.amministrazione_trasparente),
            ("pubblicazione.dichiarazione_accessibilita", &p.dichiarazione_accessibilita),
            ("pubblicazione.privacy", &p.privacy),
            ("pubblicazione.note_legali", &p.note_legali),
            ("licenza_dati_uri", &self.licenza_dati_uri),
        ];
        for (key, url) in addresses {
            if let Some(u) = url
                && !is_web_address(u)
            {
                problems.push(format!("«{key}»: «{u}» non è un indirizzo web: {}", crate::escape::URL_RULE));
            }
        }
        // The folder of the open data: every identifier of the DCAT record is built on it, so it
        // names a folder (no query, fragment or file).
        if let Some(u) = &p.dati_aperti
            && is_web_address(u)
        {
            let last = u.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            let host_only = u.trim_end_matches('/').matches('/').count() < 3;
            if u.contains(['?', '#']) || (!host_only && last.contains('.')) {
                problems.push(format!(
                    "«pubblicazione.dati_aperti»: «{}» deve essere l'indirizzo della cartella dei dati aperti \
                     (senza «?», «#» né il nome di un file)",
                    crate::escape::terminal(u)
                ));
            }
        }
        for (key, text) in [("ente.nome", &self.ente.nome), ("ente.nome_breve", &self.ente.nome_breve)] {
            if text.trim().is_empty() {
                problems.push(format!("«{key}»: è vuoto"));
            }
        }
        if let Some(mail) = &p.contatto {
            let address = mail.strip_prefix("mailto:").unwrap_or(mail);
            // A plain address: letters, digits and `._%+-` before the `@`, a domain with a dot after.
            let ok = address.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
                    && domain.contains('.')
                    && !domain.starts_with(['.', '-'])
                    && !domain.ends_with(['.', '-'])
                    && domain.chars().all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
            });
            if !ok {
                problems.push(format!(
                    "«pubblicazione.contatto»: «{}» non è un indirizzo di posta elettronica (nome@dominio.it)",
                    crate::escape::terminal(mail)
                ));
            }
        }
        for (i, a) in self.ciclo.atti.iter().enumerate() {
            if let Err(e) = crate::value::parse_date(&a.data) {
                problems.push(format!("«ciclo.atti», atto {} («{}»): data {e}", i + 1, a.atto));
            }
            if let Some(u) = &a.indirizzo
                && !is_web_address(u)
            {
                problems.push(format!(
                    "«ciclo.atti», atto {}: «{u}» non è un indirizzo web: {}",
                    i + 1,
                    crate::escape::URL_RULE
                ));
            }
        }
        if let Some(v) = &self.valutazione_individuale {
            let n = v.componenti.len();
            if n == 0 || n > MAX_COMPONENTI {
                problems.push(format!(
                    "«valutazione_individuale.componenti»: {n} componenti, ne servono da 1 a {MAX_COMPONENTI}"
                ));
            }
            // A name is one line: a line break in it would split the messages that quote it.
            let names = v.componenti.iter().map(|c| ("valutazione_individuale.componenti", &c.nome));
            for (key, name) in names.chain(v.pesi.keys().map(|r| ("valutazione_individuale.pesi", r))) {
                if name.trim().is_empty()
                    || name.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
                {
                    problems.push(format!(
                        "«{key}»: «{}» è vuoto o contiene a capo o caratteri di controllo",
                        crate::escape::terminal(name).replace('\n', "⟨a capo⟩")
                    ));
                }
            }
            for (ruolo, pesi) in &v.pesi {
                let key = format!(
                    "«valutazione_individuale.pesi», «{}»",
                    crate::escape::terminal(ruolo).replace('\n', "⟨a capo⟩")
                );
                let sum: f64 = pesi.iter().sum();
                if pesi.len() != n {
                    problems.push(format!(
                        "{key}: {} pesi per {n} componenti (uno per componente, nello stesso ordine)",
                        pesi.len()
                    ));
                } else if let Some(p) = pesi.iter().find(|p| !(0.0..=100.0).contains(*p)) {
                    let p = if p.is_finite() {
                        crate::value::format_number(*p, 2)
                    } else {
                        "non numerico".into()
                    };
                    problems.push(format!("{key}: un peso ({p}) non è tra 0 e 100"));
                } else if (sum - 100.0).abs() > 0.01 {
                    problems.push(format!(
                        "{key}: i pesi sommano a {}, devono sommare a 100",
                        crate::value::format_number(sum, 2)
                    ));
                }
            }
        }
        if let Some(ipa) = &self.ente.codice_ipa
            && (ipa.is_empty() || !ipa.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            problems.push(format!("«ente.codice_ipa»: «{ipa}» non è un codice IPA (lettere, cifre e _)"));
        }
        let mut check_rule = |key: &str, r: &Regola| {
            if r.tipo == TipoRegola::Fasce && r.fasce.is_empty() {
                problems.push(format!("«{key}»: la regola a fasce richiede l'elenco «fasce»"));
            }
            if r.fasce.windows(2).any(|w| w[0].da == w[1].da) {
                problems
                    .push(format!("«{key}»: due fasce con la stessa soglia: ogni fascia ha una soglia sua"));
            } else if r.fasce.windows(2).any(|w| w[0].da < w[1].da) {
                problems
                    .push(format!("«{key}»: le fasce vanno elencate dalla soglia più alta alla più bassa"));
            }
            if r.tetto <= 0.0 {
                problems.push(format!("«{key}»: il tetto deve essere positivo"));
            }
        };
        check_rule("smvp.regola", &self.smvp.regola);
        for (k, r) in &self.smvp.regole_per_tipologia {
            check_rule(&format!("smvp.regole_per_tipologia.{k}"), r);
        }
        for (k, r) in &self.smvp.regole_per_indicatore {
            check_rule(&format!("smvp.regole_per_indicatore.{k}"), r);
        }
        if self.smvp.scadenze.ritardo == Ritardo::Scaglioni
            && (self.smvp.scadenze.scaglioni.is_empty()
                || self.smvp.scadenze.scaglioni.windows(2).any(|w| w[0].giorni >= w[1].giorni))
        {
            problems.push(
                "«smvp.scadenze»: con ritardo a scaglioni indicare «scaglioni», dai giorni di ritardo minori ai maggiori"
                    .into(),
            );
        }
        if !(0.0..=50.0).contains(&self.smvp.tolleranza_pesi) {
            problems.push("«smvp.tolleranza_pesi»: attesi punti percentuali tra 0 e 50".into());
        }
        if self.smvp.scadenze.ritardo == Ritardo::Lineare && self.smvp.scadenze.giorni.unwrap_or(0) == 0 {
            problems.push("«smvp.scadenze»: con ritardo lineare indicare «giorni» (maggiore di 0)".into());
        }
        if let Some(sem) = &self.smvp.semaforo {
            problems.extend(check_semaforo(sem));
        }
        problems.extend(check_figures(&self.smvp.ente));
        if self.smvp.soglia_spiegazioni.is_some_and(|t| !(0.0..=1000.0).contains(&t)) {
            problems.push("«smvp.soglia_spiegazioni»: attesi punti percentuali tra 0 e 1.000".into());
        }
        for op in &self.smvp.overshooting.operatori {
            if op != ">=" && op != "<=" {
                problems.push(format!(
                    "«smvp.overshooting.operatori»: «{op}» non ammesso (ammessi \">=\", \"<=\")"
                ));
            }
        }
        if self.smvp.valutazione_os.windows(2).any(|w| w[0].da <= w[1].da) {
            problems.push(
                "«smvp.valutazione_os»: i giudizi vanno elencati dalla soglia più alta alla più bassa".into(),
            );
        }
        if self.ente.nome_breve.trim().is_empty()
            || self.ente.nome_breve.starts_with(['.', '-'])
            || !self.ente.nome_breve.chars().all(|c| c.is_alphanumeric() || " -_.".contains(c))
            || self.ente.nome_breve.chars().count() > 80
        {
            problems.push(
                "«ente.nome_breve»: entra nei nomi dei file e negli indirizzi dei documenti: solo lettere, cifre, spazi, \
                 «-», «_» e «.» (non all'inizio), al massimo 80 caratteri"
                    .into(),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(problems.into_iter().map(|m| crate::error::Problem::new(loc(), m)).collect()))
        }
    }
}

impl Config {
    /// The document date, fixed so that the same inputs give the same bytes: `source_date_epoch`
    /// (the caller reads `SOURCE_DATE_EPOCH`) if given, otherwise the approval date, otherwise
    /// 31 December of the year.
    pub fn document_date(&self, source_date_epoch: Option<&str>) -> Result<chrono::NaiveDate, Error> {
        let loc = || Location::file(&self.file);
        if let Some(epoch) = source_date_epoch {
            let secs: i64 = epoch
                .trim()
                .parse()
                .map_err(|_| Error::Output(format!("SOURCE_DATE_EPOCH non valido: «{epoch}»")))?;
            return chrono::DateTime::from_timestamp(secs, 0)
                .map(|d| d.date_naive())
                .ok_or_else(|| Error::Output(format!("SOURCE_DATE_EPOCH fuori scala: «{epoch}»")));
        }
        if let Some(text) = &self.data_approvazione {
            return crate::value::parse_date(text)
                .map_err(|e| Error::invalid(loc(), format!("«data_approvazione»: {e}")));
        }
        chrono::NaiveDate::from_ymd_opt(self.anno, 12, 31)
            .ok_or_else(|| Error::invalid(loc(), format!("«anno»: {} non è un anno valido", self.anno)))
    }
}

impl Config {
    /// Whether the open data carry their DCAT-AP_IT record: only complete, with the address of
    /// the open data (without it no IRI is absolute), the IPA code (the publisher's identifier)
    /// and the licence's address; each missing one is a draft item ([`Config::record_missing`]).
    pub fn writes_dcat_record(&self) -> bool {
        self.pubblicazione.dati_aperti.is_some() && self.record_missing().is_empty()
    }

    /// Each thing missing for the DCAT-AP_IT record (see [`Config::writes_dcat_record`]).
    pub fn record_missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.pubblicazione.dati_aperti.as_deref().is_none_or(|u| u.trim().is_empty()) {
            out.push(
                "manca «pubblicazione.dati_aperti» (l'indirizzo della cartella dei dati aperti): senza, la scheda DCAT-AP_IT \
                 non è scritta, perché i suoi identificativi devono essere indirizzi completi",
            );
        }
        if self.licence_uri().is_none() {
            out.push(
                "manca «licenza_dati_uri» (l'indirizzo del testo della licenza dei dati aperti, che lo strumento non \
                 conosce dal nome): la scheda DCAT-AP_IT dà la licenza di ogni distribuzione con il suo indirizzo",
            );
        }
        if self.ente.codice_ipa.as_deref().is_none_or(|c| c.trim().is_empty()) {
            out.push(
                "manca «ente.codice_ipa» (il codice dell'Ente nell'indice IPA): è l'identificativo dell'editore nella scheda \
                 DCAT-AP_IT e in ogni riga dei dati aperti",
            );
        }
        out
    }

    /// Every number of the configuration with its key, for the finiteness check.
    fn numbers(&self) -> Vec<(String, f64)> {
        let s = &self.smvp;
        let mut out = vec![
            ("smvp.overshooting.soglia".to_string(), s.overshooting.soglia),
            ("smvp.tolleranza_confronto".into(), s.tolleranza_confronto),
            ("smvp.tolleranza_pesi".into(), s.tolleranza_pesi),
        ];
        let rules = std::iter::once(("smvp.regola".to_string(), &s.regola))
            .chain(s.regole_per_tipologia.iter().map(|(k, r)| (format!("smvp.regole_per_tipologia.{k}"), r)))
            .chain(
                s.regole_per_indicatore.iter().map(|(k, r)| (format!("smvp.regole_per_indicatore.{k}"), r)),
            );
        for (key, r) in rules {
            out.push((format!("{key}.tetto"), r.tetto));
            if let Some(m) = r.soglia_minima {
                out.push((format!("{key}.soglia_minima"), m));
            }
            for f in &r.fasce {
                out.push((format!("{key}.fasce.da"), f.da));
                out.push((format!("{key}.fasce.punteggio"), f.punteggio));
            }
        }
        if let Some(sem) = &s.semaforo {
            out.extend(sem.verde.map(|v| ("smvp.semaforo.verde".to_string(), v)));
            out.extend(sem.giallo.map(|v| ("smvp.semaforo.giallo".to_string(), v)));
            out.extend(sem.classi.iter().map(|c| ("smvp.semaforo.classi.da".to_string(), c.da)));
        }
        out.extend(s.soglia_spiegazioni.map(|v| ("smvp.soglia_spiegazioni".to_string(), v)));
        out.extend(s.valutazione_os.iter().map(|g| ("smvp.valutazione_os.da".to_string(), g.da)));
        out.extend(
            s.scadenze
                .scaglioni
                .iter()
                .map(|x| ("smvp.scadenze.scaglioni.punteggio".to_string(), x.punteggio)),
        );
        out
    }
}

/// The classes' problems: both forms at once, thresholds not descending, a blank name, a colour
/// that is not `#RRGGBB`.
fn check_semaforo(s: &Semaforo) -> Vec<String> {
    let mut problems = Vec::new();
    let shorthand = s.verde.is_some() || s.giallo.is_some() || s.etichette.is_some();
    if shorthand && !s.classi.is_empty() {
        problems.push(
            "«smvp.semaforo»: indicare le classi o con «verde»/«giallo» o con l'elenco «classi», non con entrambi"
                .into(),
        );
    }
    if shorthand && (s.verde.is_none() || s.giallo.is_none()) {
        problems.push("«smvp.semaforo»: indicare sia «verde» sia «giallo» (oppure l'elenco «classi»)".into());
    }
    if !shorthand && s.classi.is_empty() {
        problems.push(
            "«smvp.semaforo»: nessuna classe indicata; se lo SMVP non ha classi di risultato, togliere la chiave"
                .into(),
        );
    }
    let classi = s.listed();
    // Thresholds are compared as printed (two decimals): two that print alike are one.
    let shown = |x: f64| crate::value::round_half_up(x, 2);
    if classi.windows(2).any(|w| shown(w[0].da) == shown(w[1].da)) {
        problems
            .push("«smvp.semaforo»: due classi con la stessa soglia: ogni classe ha una soglia sua".into());
    } else if classi.windows(2).any(|w| w[0].da < w[1].da) {
        problems
            .push("«smvp.semaforo»: le classi vanno elencate dalla soglia più alta alla più bassa".into());
    }
    if classi.iter().any(|c| !(0.0..=1000.0).contains(&c.da)) {
        problems
            .push("«smvp.semaforo»: le soglie delle classi vanno da 0 a 1.000 (punti percentuali)".into());
    }
    let mut names = std::collections::HashSet::new();
    for (i, c) in classi.iter().enumerate() {
        if !one_line(&c.etichetta, MAX_LABEL) {
            problems.push(format!(
                "«smvp.semaforo»: la classe {} ha bisogno di un nome di una riga, al massimo {MAX_LABEL} caratteri",
                i + 1
            ));
        } else if !names.insert(c.etichetta.trim().to_lowercase()) {
            problems.push(format!(
                "«smvp.semaforo»: due classi si chiamano «{}»; ogni classe ha un nome suo",
                c.etichetta
            ));
        }
        if let Some(col) = &c.colore
            && !(col.len() == 7 && col.starts_with('#') && col[1..].chars().all(|x| x.is_ascii_hexdigit()))
        {
            problems.push(format!(
                "«smvp.semaforo»: colore «{}» della classe {} non valido: atteso #RRGGBB (es. #2E7D32)",
                col.escape_debug(),
                i + 1
            ));
        }
    }
    if classi.len() > MAX_CLASSES {
        problems.push(format!("«smvp.semaforo»: al massimo {MAX_CLASSES} classi"));
    }
    problems
}

/// Most classes and Ente figures an SMVP may list, and longest name of each: a name is printed
/// beside figures, in table headers and inside the workbook's formulas (a text in a formula
/// holds at most 255 characters).
const MAX_CLASSES: usize = 10;
const MAX_FIGURES: usize = 5;
const MAX_LABEL: usize = 100;

/// A name printed as one line: not blank, no line break or control character, not too long.
fn one_line(text: &str, max: usize) -> bool {
    !text.trim().is_empty()
        && text.chars().count() <= max
        && !text.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
}

/// The Ente figures' problems: too many, a blank or multi-line label, a label or a rule twice.
fn check_figures(figures: &[FiguraEnteRule]) -> Vec<String> {
    let mut problems = Vec::new();
    if figures.len() > MAX_FIGURES {
        problems.push(format!("«smvp.ente»: al massimo {MAX_FIGURES} misure della performance di Ente"));
        return problems;
    }
    for (i, f) in figures.iter().enumerate() {
        if !one_line(&f.etichetta, MAX_LABEL) {
            problems.push(format!(
                "«smvp.ente»: la misura {} ha bisogno di un nome di una riga, al massimo {MAX_LABEL} caratteri",
                i + 1
            ));
        }
        let before = &figures[..i];
        if before.iter().any(|g| g.etichetta.trim().eq_ignore_ascii_case(f.etichetta.trim())) {
            problems.push(format!("«smvp.ente»: due misure si chiamano «{}»", f.etichetta.trim()));
        }
        if before.iter().any(|g| g.calcolo == f.calcolo) {
            problems.push(format!("«smvp.ente»: la misura {} ripete la regola di una precedente", i + 1));
        }
    }
    problems
}

/// Deepest nesting a YAML input may have (real ones nest 4 or 5 levels).
const MAX_YAML_DEPTH: usize = 32;

/// Refuses YAML nested deeper than [`MAX_YAML_DEPTH`] (in blocks or brackets) before the parser
/// sees it: deep nesting made parsing quadratic (a 400 KB file took minutes).
pub(crate) fn check_yaml_shape(text: &str, path: &Path) -> Result<(), Error> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for (n, line) in text.lines().enumerate() {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        while indents.last().is_some_and(|&i| i >= indent) {
            indents.pop();
        }
        indents.push(indent);
        // `- - - x` nests one level per dash.
        let dashes = content.split(' ').take_while(|t| *t == "-").count();
        let mut quote: Option<char> = None;
        for c in content.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => flow += 1,
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
            if indents.len() + dashes + flow > MAX_YAML_DEPTH {
                return Err(Error::invalid(
                    Location::line(path, n + 1),
                    format!(
                        "struttura annidata oltre {MAX_YAML_DEPTH} livelli: non è un file di configurazione da leggere"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Longest text and longest list a YAML input may hold: a name, a label or an act is a line or
/// two, and every one of them may be printed on every page.
const MAX_YAML_STRING: usize = 2_000;
const MAX_YAML_LIST: usize = 2_000;

/// Refuses over-long strings, over-long lists and repeated items in a list of codes (each printed
/// or looked up once per item), naming the key.
/// Returns the document read as a plain YAML value (none if it is not YAML: the typed reading
/// reports that, with its line), so a caller needing it does not parse the text again.
pub(crate) fn check_yaml_sizes(text: &str, path: &Path) -> Result<Option<serde_yaml::Value>, Error> {
    fn walk(v: &serde_yaml::Value, key: &str, problems: &mut Vec<String>) {
        match v {
            serde_yaml::Value::String(s) if s.chars().count() > MAX_YAML_STRING => problems.push(format!(
                "«{key}»: testo di {} caratteri, al massimo {MAX_YAML_STRING}",
                s.chars().count()
            )),
            serde_yaml::Value::Sequence(items) => {
                if items.len() > MAX_YAML_LIST {
                    problems.push(format!("«{key}»: {} elementi, al massimo {MAX_YAML_LIST}", items.len()));
                    return;
                }
                let mut seen = std::collections::HashSet::new();
                for item in items {
                    if let serde_yaml::Value::String(s) = item
                        && !seen.insert(s.as_str())
                    {
                        problems.push(format!("«{key}»: «{s}» è ripetuto; ogni voce va indicata una volta"));
                        return;
                    }
                    walk(item, key, problems);
                }
            }
            serde_yaml::Value::Mapping(m) => {
                for (k, v) in m {
                    let name = k.as_str().map_or_else(|| "?".to_string(), str::to_string);
                    let inner = if key.is_empty() { name } else { format!("{key}.{name}") };
                    walk(v, &inner, problems);
                }
            }
            serde_yaml::Value::Tagged(t) => walk(&t.value, key, problems),
            _ => {}
        }
    }
    // A text that is not YAML is reported by the typed reading, with its line.
    let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(text) else { return Ok(None) };
    let mut problems = Vec::new();
    walk(&value, "", &mut problems);
    if problems.is_empty() {
        Ok(Some(value))
    } else {
        Err(Error::Invalid(problems.into_iter().map(|m| Problem::new(Location::file(path), m)).collect()))
    }
}

/// A web address a published document may link to (`http` or `https` only).
fn is_web_address(u: &str) -> bool {
    crate::escape::url(u).is_some() && !u.to_ascii_lowercase().starts_with("mailto:")
}

/// Translates a YAML error into an Italian message with the key and the line (the configuration
/// and `decisioni.yaml` alike).
pub(crate) fn yaml_error(path: &Path, e: &serde_yaml::Error) -> Error {
    let raw = e.to_string();
    let line = e.location().map(|l| l.line());
    let detail = raw.split(" at line ").next().unwrap_or(&raw);
    // serde_yaml prefixes the path of nested keys: `smvp: unknown field ...`; a key may hold spaces
    // (`valutazione_individuale.pesi.Segretario Generale[0]: invalid type ...`).
    let phrases =
        ["unknown field `", "invalid type: ", "invalid value: ", "duplicate field `", "missing field `"];
    let cut = phrases.iter().filter_map(|p| detail.find(&format!(": {p}"))).min();
    let (path_prefix, detail) = match cut {
        Some(i) => (format!(" in «{}»", &detail[..i]), &detail[i + 2..]),
        None => match detail.split_once(": ") {
            Some((p, d)) if !p.contains(' ') => (format!(" in «{p}»"), d),
            _ => (String::new(), detail),
        },
    };
    let message = if let Some(rest) = detail.strip_prefix("unknown field `") {
        let (key, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = tail
            .split_once("expected ")
            .map(|(_, list)| {
                list.replace("one of ", "").replace("` or `", "`, `").replace('`', "«").replace("«,", "»,")
            })
            .map(|l| format!(" (ammesse: {})", close_quotes(&l)))
            .unwrap_or_default();
        format!("chiave sconosciuta «{key}»{path_prefix}{allowed}")
    } else if let Some(rest) = detail.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!("tipo non valido{path_prefix}: trovato {}, atteso {}", type_name(found), type_name(expected))
    } else if let Some(rest) = detail.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!(
            "valore non valido{path_prefix}: trovato {}, atteso {}",
            type_name(found),
            type_name(expected)
        )
    } else if let Some(rest) = detail.strip_prefix("duplicate field `") {
        format!("chiave «{}» ripetuta{path_prefix}", rest.trim_end_matches('`'))
    } else if let Some(rest) = detail.strip_prefix("missing field `") {
        format!("manca la chiave obbligatoria «{}»", rest.trim_end_matches('`'))
    } else if let Some(rest) = detail.strip_prefix("unknown variant `") {
        let (v, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = tail
            .split_once("expected ")
            .map(|(_, list)| list.replace("one of ", "").replace("` or `", "`, `").replace('`', ""))
            .map(|l| format!(" (ammessi: {})", close_quotes(&l)))
            .unwrap_or_default();
        format!("valore «{v}» non ammesso{path_prefix}{allowed}")
    } else {
        if detail.starts_with('«') { detail.to_string() } else { format!("contenuto non valido ({detail})") }
    };
    let mut loc = Location::file(path);
    if let Some(l) = line {
        loc.cell = None;
        loc.sheet = None;
        return Error::invalid(loc, format!("riga {l}: {message}"));
    }
    Error::invalid(loc, message)
}

/// serde's names of YAML types and of what it expected, in Italian words an office reads.
fn type_name(serde: &str) -> String {
    let s = serde.trim();
    let word = match s {
        "sequence" | "a sequence" => "un elenco",
        "map" | "a map" => "un insieme di chiavi",
        "a string" | "string" => "un testo",
        "f64" | "f32" | "a number" | "floating point" => "un numero",
        "u32" | "u64" | "i32" | "i64" | "usize" | "an integer" => "un numero intero",
        "a boolean" | "boolean" | "bool" => "vero o falso (true/false)",
        "unit" | "unit value" | "null" => "nessun valore",
        _ if s.starts_with("struct ") => "un insieme di chiavi",
        _ if s.contains("enum") || s.contains("YAML tag") => "uno dei valori ammessi",
        _ if s.starts_with("string ") || s.starts_with("floating point ") || s.starts_with("integer ") => {
            return format!("«{}»", s.split_once(' ').map_or(s, |(_, v)| v).trim_matches(['`', '"']));
        }
        _ => return format!("«{s}»"),
    };
    word.to_string()
}

/// `«a, «b` → `«a», «b»`: closes the quotes serde's list leaves open.
fn close_quotes(list: &str) -> String {
    list.split(", ")
        .map(|item| {
            let item = item.trim().trim_matches(['«', '»']);
            format!("«{item}»")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "ente:\n  nome: Camera di commercio di Prova\n  nome_breve: Prova\nanno: 2024\n";

    #[test]
    fn minimal_config_takes_the_defaults() {
        let c = Config::parse(MINIMAL, Path::new("relazione.yaml")).unwrap();
        assert_eq!(c.smvp.regola, Regola::default());
        assert!(c.smvp.classi().is_empty(), "no classes unless the SMVP has them");
        assert_eq!(c.smvp.overshooting.soglia, 110.0);
        assert_eq!(c.smvp.valori_mancanti, ValoriMancanti::Escludi);
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let text = format!("{MINIMAL}smvp:\n  semafor:\n    verde: 90\n");
        let e = Config::parse(&text, Path::new("relazione.yaml")).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(
                "relazione.yaml: riga 6: chiave sconosciuta «semafor» in «smvp» (ammesse: «regola»,"
            ),
            "{msg}"
        );
    }

    /// The SMVP's classes and Ente figures are refused, naming the key, when they could not be
    /// printed or told apart (from an attacker's pass: 1.000-character names broke the
    /// workbook's formulas, 2.000 figures took half a minute).
    #[test]
    fn classes_and_figures_must_be_printable_and_distinct() {
        let refused = |smvp: &str| {
            let text = format!("{MINIMAL}smvp:\n{smvp}");
            Config::parse(&text, Path::new("r.yaml")).unwrap_err().to_string()
        };
        let e = refused("  semaforo: {classi: [{da: 80, etichetta: A}, {da: 80.001, etichetta: B}]}\n");
        assert!(e.contains("due classi con la stessa soglia"), "{e}");
        let e = refused(
            "  semaforo: {classi: [{da: 80, etichetta: Raggiunto}, {da: 60, etichetta: RAGGIUNTO}]}\n",
        );
        assert!(e.contains("due classi si chiamano «RAGGIUNTO»"), "{e}");
        let long = "x".repeat(101);
        let e = refused(&format!("  semaforo: {{classi: [{{da: 80, etichetta: {long}}}]}}\n"));
        assert!(e.contains("la classe 1 ha bisogno di un nome di una riga, al massimo 100 caratteri"), "{e}");
        let e = refused("  semaforo: {classi: [{da: 80, etichetta: A, colore: \"#F9A825\\r\\nfalso\"}]}\n");
        assert!(
            e.contains("colore «#F9A825\\r\\nfalso» della classe 1 non valido"),
            "a line break is shown, not made: {e}"
        );
        let e = refused(
            "  ente:\n    - {etichetta: A, calcolo: media_ambiti}\n    - {etichetta: a, calcolo: media_pesata_ambiti}\n",
        );
        assert!(e.contains("due misure si chiamano «a»"), "{e}");
        let e = refused(
            "  ente:\n    - {etichetta: A, calcolo: media_ambiti}\n    - {etichetta: B, calcolo: media_ambiti}\n",
        );
        assert!(e.contains("la misura 2 ripete la regola di una precedente"), "{e}");
        let e = refused("  ente:\n    - {etichetta: \"\", calcolo: media_ambiti}\n");
        assert!(e.contains("la misura 1 ha bisogno di un nome di una riga"), "{e}");
        let many: String =
            (0..6).map(|i| format!("    - {{etichetta: M{i}, calcolo: media_ambiti}}\n")).collect();
        assert!(refused(&format!("  ente:\n{many}")).contains("al massimo 5 misure"));
        // A value of the wrong type, in Italian, with the key.
        let e = refused("  semaforo:\n    classi: tre\n");
        assert!(
            e.contains("tipo non valido in «smvp.semaforo.classi»: trovato «tre», atteso un elenco"),
            "{e}"
        );
        let e = refused("  soglia_spiegazioni: 1e15\n");
        assert!(e.contains("«smvp.soglia_spiegazioni»: numero fuori scala"), "{e}");
    }

    #[test]
    fn bands_must_be_listed_from_the_top() {
        let text = format!(
            "{MINIMAL}smvp:\n  regola:\n    tipo: fasce\n    fasce:\n      - {{da: 60, punteggio: 60}}\n      - {{da: 99, punteggio: 100}}\n"
        );
        let e = Config::parse(&text, Path::new("r.yaml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "dati non validi: 1 problema\n- r.yaml: «smvp.regola»: le fasce vanno elencate dalla soglia più alta alla più bassa\n"
        );
    }
}
