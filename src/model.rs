//! The typed report model: what the staff's workbooks say, before any scoring.
//!
//! Every tree the Relazione reports on (the performance tree of the Ente, the organisational units,
//! the individual objectives) is a tree of [`Node`]s, so that one roll-up mechanism scores them all.
//! Scoring fills in each node's [`Outcome`]; everything else here is read from the inputs.

use crate::error::Location;
use crate::value::{Reading, Target, Unit};
use serde::Serialize;
use std::collections::BTreeMap;

/// The level of a node. The names are the JSON values of `relazione score --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ente,
    Ambito,
    ObiettivoStrategico,
    Gruppo,
    ObiettivoOperativo,
    Indicatore,
    /// Root of the organisational-units tree (no result of its own).
    Struttura,
    Area,
    Settore,
    /// An objective assigned to a unit (an OO seen from the unit).
    ObiettivoUnita,
    /// Root of the individual objectives (no result of its own).
    Valutati,
    /// A person or role evaluated (Segretario Generale, Dirigente, EQ).
    Ruolo,
    ObiettivoIndividuale,
}

impl Level {
    /// The level's identifier, as in `score --json` and the open data (`obiettivo_strategico`).
    pub fn id(self) -> &'static str {
        match self {
            Level::Ente => "ente",
            Level::Ambito => "ambito",
            Level::ObiettivoStrategico => "obiettivo_strategico",
            Level::Gruppo => "gruppo",
            Level::ObiettivoOperativo => "obiettivo_operativo",
            Level::Indicatore => "indicatore",
            Level::Struttura => "struttura",
            Level::Area => "area",
            Level::Settore => "settore",
            Level::ObiettivoUnita => "obiettivo_unita",
            Level::Valutati => "valutati",
            Level::Ruolo => "ruolo",
            Level::ObiettivoIndividuale => "obiettivo_individuale",
        }
    }

    /// The level whose [`Level::id`] this is (as the open data and `relazione.json` write it).
    pub fn from_id(id: &str) -> Option<Level> {
        use Level::*;
        [
            Ente,
            Ambito,
            ObiettivoStrategico,
            Gruppo,
            ObiettivoOperativo,
            Indicatore,
            Struttura,
            Area,
            Settore,
            ObiettivoUnita,
            Valutati,
            Ruolo,
            ObiettivoIndividuale,
        ]
        .into_iter()
        .find(|l| l.id() == id)
    }

    /// Italian label for messages and the report.
    pub fn label(self) -> &'static str {
        match self {
            Level::Ente => "Ente",
            Level::Ambito => "ambito strategico",
            Level::ObiettivoStrategico => "obiettivo strategico",
            Level::Gruppo => "gruppo",
            Level::ObiettivoOperativo => "obiettivo operativo",
            Level::Indicatore => "indicatore",
            Level::Struttura => "struttura",
            Level::Area => "area",
            Level::Settore => "settore",
            Level::ObiettivoUnita => "obiettivo",
            Level::Valutati => "valutati",
            Level::Ruolo => "ruolo",
            Level::ObiettivoIndividuale => "obiettivo individuale",
        }
    }
}

/// One node of a tree: an objective, a group or an indicator.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// Identifier unique in its tree and stable from year to year while the codes are: the slugs
    /// of the codes from the root down (`ambito-1.101-s0.obiettivi-operativi.101-01`), set by
    /// [`Node::assign_ids`]. The open data and the web edition name nodes by it.
    pub id: String,
    pub level: Level,
    pub code: String,
    pub name: String,
    /// Weight within the parent, in percentage points as given (33.33), if the row gives one.
    pub weight: Option<f64>,
    /// The platform's own result (fraction: 0.9962), kept only to cross-check ours.
    #[serde(skip)]
    pub platform_result: Option<f64>,
    /// Typology of an individual objective (`OS`, `OP`, `EXTRA`) or of an indicator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tipologia: Option<String>,
    /// The objective's own target in the plan, percentage points (`80`): its *raggiungimento*
    /// is its result against this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_obiettivo: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<Box<Indicator>>,
    /// Filled by scoring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    pub children: Vec<Node>,
    /// Where the row was read.
    #[serde(skip)]
    pub origin: Location,
    /// Last year's figures, when last year's results were given (`score::precedente`).
    #[serde(skip)]
    pub previous: Option<Previous>,
}

/// This node last year.
#[derive(Debug, Clone, PartialEq)]
pub enum Previous {
    /// Not in last year's trees: new this year.
    New {
        year: i32,
    },
    Found(Box<PreviousFigures>),
}

impl Previous {
    /// The year compared with.
    pub fn year(&self) -> i32 {
        match self {
            Previous::New { year } => *year,
            Previous::Found(f) => f.year,
        }
    }
}

/// A node's figures last year, as last year's Relazione gave them.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousFigures {
    pub year: i32,
    pub by: MatchedBy,
    /// Percentage points.
    pub result: Option<f64>,
    pub value: Option<f64>,
    pub unit: Option<crate::value::Unit>,
    pub target: Option<String>,
    pub actual: Option<String>,
}

/// How a node was recognised in last year's trees: by its identifier (its codes from the root
/// down), else by its code alone at the same level, else by its name at the same level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Id,
    Code,
    Name,
}

impl MatchedBy {
    pub fn label(self) -> &'static str {
        match self {
            MatchedBy::Id => "per posizione e codici",
            MatchedBy::Code => "per codice",
            MatchedBy::Name => "per nome",
        }
    }

    /// As the open data write it.
    pub fn id(self) -> &'static str {
        match self {
            MatchedBy::Id => "id",
            MatchedBy::Code => "codice",
            MatchedBy::Name => "nome",
        }
    }
}

impl Node {
    pub fn new(level: Level, code: &str, name: &str, origin: Location) -> Self {
        Node {
            id: String::new(),
            level,
            code: code.to_string(),
            name: name.to_string(),
            weight: None,
            platform_result: None,
            tipologia: None,
            target_obiettivo: None,
            indicator: None,
            outcome: None,
            children: Vec::new(),
            origin,
            previous: None,
        }
    }

    /// Gives this node and every descendant its identifier: the parent's, a dot, and the slug of
    /// the code (of the name where there is no code); a sibling with the same slug gets `-2`, `-3`.
    /// The root's identifier is `prefix`.
    pub fn assign_ids(&mut self, prefix: &str) {
        self.id = prefix.to_string();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for c in &mut self.children {
            let base = slug(if c.code.trim().is_empty() { &c.name } else { &c.code });
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let own = if *n == 1 { base } else { format!("{base}-{n}") };
            c.assign_ids(&format!("{prefix}.{own}"));
        }
    }

    /// The first strategic or operational objective with this code, depth first.
    pub fn find_objective(&self, code: &str) -> Option<&Node> {
        if self.code == code && matches!(self.level, Level::ObiettivoStrategico | Level::ObiettivoOperativo) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find_objective(code))
    }

    /// The node's scored result as a fraction (1.0 = 100 %), if scored.
    pub fn result(&self) -> Option<f64> {
        self.outcome.as_ref().and_then(|o| o.result)
    }

    /// Visits this node and every descendant, depth first, in row order.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Node)) {
        f(self);
        for c in &self.children {
            c.walk(f);
        }
    }

    /// Every descendant node of a level, in row order.
    pub fn all(&self, level: Level) -> Vec<&Node> {
        let mut out = Vec::new();
        self.walk(&mut |n| {
            if n.level == level {
                out.push(n)
            }
        });
        out
    }
}

/// Lower-case ASCII letters and digits, every other run of characters one `-` (accents dropped:
/// `Qualità` → `qualita`); `x` for a text with neither, so an identifier is never empty.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = match c {
            'à' | 'á' | 'À' | 'Á' => 'a',
            'è' | 'é' | 'È' | 'É' => 'e',
            'ì' | 'í' | 'Ì' | 'Í' => 'i',
            'ò' | 'ó' | 'Ò' | 'Ó' => 'o',
            'ù' | 'ú' | 'Ù' | 'Ú' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "x".into() } else { out }
}

/// An indicator's measurement: what was planned and what was achieved.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub target: Target,
    /// The target as written in the export.
    pub target_text: String,
    /// The actual value as written in the export (rounded for display).
    pub actual_text: String,
    pub actual: Reading,
    /// VALORI MISURE expression from the dimensions report, when joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measures: Option<String>,
    /// The value scored: the measures' unrounded value when it rounds to the displayed actual,
    /// otherwise the displayed actual. `None` for dates and missing values.
    pub value: Option<f64>,
    /// True when the measures gave a more precise value than the one displayed (`13,12 N.` →
    /// 13,1153): the report then shows the measures beside the value.
    pub from_measures: bool,
    pub unit: Unit,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tipo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub descrizione: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algoritmo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fonte: Option<String>,
    /// Target set by the Ministry (MIMIT/MISE), marked green in the platform's report.
    pub target_ministeriale: bool,
    /// Minimum threshold in the indicator's own unit: a value on the wrong side of it scores 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soglia_minima: Option<f64>,
    /// Earlier values (baselines) as (column heading, value text).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub storico: Vec<(String, String)>,
    /// Where the actual value was read: a warning about the value (missing, say) points here,
    /// not at the code.
    #[serde(skip)]
    pub actual_origin: Option<crate::error::Location>,
}

impl Indicator {
    /// An indicator from its parsed target and actual (and the texts they were read from); the
    /// unit is the actual's, or the target's when the actual has none.
    pub fn new(target: Target, target_text: String, actual: Reading, actual_text: String) -> Self {
        let unit = match actual {
            Reading::Quantita { quantita } if quantita.unit != Unit::Nessuna => quantita.unit,
            _ => target.unit().unwrap_or(Unit::Nessuna),
        };
        let value = match actual {
            Reading::Quantita { quantita } => Some(quantita.value),
            _ => None,
        };
        Indicator {
            target,
            target_text,
            actual_text,
            actual,
            measures: None,
            value,
            from_measures: false,
            unit,
            tipo: None,
            descrizione: None,
            algoritmo: None,
            fonte: None,
            target_ministeriale: false,
            soglia_minima: None,
            storico: Vec::new(),
            actual_origin: None,
        }
    }

    /// Parses both texts (for tests and tools; ingest reports each cell's error on its own).
    pub fn parse(target: &str, actual: &str) -> Result<Self, crate::value::ParseError> {
        Ok(Self::new(
            crate::value::parse_target(target)?,
            target.into(),
            crate::value::parse_reading(actual)?,
            actual.into(),
        ))
    }
}

/// What scoring concluded for a node.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Outcome {
    /// Result as a fraction (1.0 = 100 %); `None` when the node is excluded or has no result.
    pub result: Option<f64>,
    /// Weight actually used after redistribution of excluded siblings (percentage points).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_weight: Option<f64>,
    /// For objectives with a target of their own: the result against that target, capped by the
    /// rule's ceiling (fraction).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raggiungimento: Option<f64>,
    /// For indicators: the raw ratio of actual to target (`>=`: value/target), before any cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// For indicators: the rule applied, in Italian, as it will be printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Deviation from target in the indicator's own unit (days for deadlines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deviation: Option<f64>,
    /// The SMVP class of the result: its position in `smvp.classi()`, 0 the best; none where
    /// the SMVP has no classes or the node no result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub band: Option<usize>,
    /// The SMVP's name of that class (`Raggiunti`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classe: Option<String>,
    /// The evaluator's decision applied to this node, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// The OIV's own judgement of this objective (`60`, `non valutabile`), with its act.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valutazione_oiv: Option<String>,
    /// The second-level valuation label of an OS result (e.g. `Eccellente`), if configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valutazione: Option<String>,
    /// The actual value was missing (N/D) and the configured policy applied.
    pub missing: bool,
}

/// A decision on a node, by the body that took it (the OIV, the Giunta, the Segretario generale,
/// or the office certifying a value).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "tipo", rename_all = "snake_case")]
pub enum Decision {
    /// The result is replaced; the computed one is kept for the record.
    Sostituzione {
        risultato: f64,
        calcolato: Option<f64>,
        motivazione: String,
        organo: crate::inputs::decisions::Organo,
    },
    /// The node is not scored and its weight goes to its siblings.
    Esclusione { esito: String, motivazione: String, organo: crate::inputs::decisions::Organo },
}

/// Everything read from the inputs for one Ente and year.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    /// The performance tree (Ente > ambiti > OS > gruppi > OO > indicatori).
    pub albero: Option<Node>,
    /// Organisational units (struttura > aree > settori > obiettivi > indicatori).
    pub unita: Option<Node>,
    /// Individual objectives (valutati > ruoli > obiettivi > indicatori).
    pub individuali: Option<Node>,
    /// The payment-timeliness objective (30 % of managers' result pay), scored like an OO.
    pub tempestivita: Option<Node>,
    /// KPIs of the dimensions/overshooting report, by code, in row order of first appearance.
    pub kpi: BTreeMap<String, Kpi>,
    /// Order of the KPI codes as they appear in the dimensions report.
    pub kpi_order: Vec<String>,
    pub risorse: Option<Risorse>,
    pub bilancio: Option<Bilancio>,
    pub pareto: Vec<ParetoRow>,
    pub serie: Vec<SerieKpi>,
    /// Tables the platform does not export (personnel, customer satisfaction, gender balance,
    /// context figures), in the order read.
    pub tabelle: Vec<TabellaDati>,
    /// The files read, with what each was recognised as.
    pub sources: Vec<Source>,
}

impl Report {
    /// The trees with the prefix of their identifiers, in one order for every stage.
    pub fn trees(&self) -> [(&'static str, Option<&Node>); 4] {
        [
            ("albero", self.albero.as_ref()),
            ("unita", self.unita.as_ref()),
            ("tempestivita", self.tempestivita.as_ref()),
            ("individuali", self.individuali.as_ref()),
        ]
    }

    /// [`Report::trees`], to change them.
    pub fn trees_mut(&mut self) -> [(&'static str, Option<&mut Node>); 4] {
        [
            ("albero", self.albero.as_mut()),
            ("unita", self.unita.as_mut()),
            ("tempestivita", self.tempestivita.as_mut()),
            ("individuali", self.individuali.as_mut()),
        ]
    }
}

/// The section of the Relazione a table of the «Tabelle della Relazione» layout belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sezione {
    /// Chapter 2: the context in figures.
    Contesto,
    /// Chapter 2: human resources.
    Personale,
    /// 3.3.3: customer satisfaction and participatory evaluation.
    CustomerSatisfaction,
    /// 3.4: gender balance.
    BilancioDiGenere,
    /// Chapter 4: the scores the Ente gives per manager for the components it does not compute
    /// (behaviours, the area's result): a row per role, a column per component.
    ValutazioneIndividuale,
    /// Chapter 4: the evaluation of the other staff, in aggregate (distribution by score band).
    ValutazionePersonale,
}

impl Sezione {
    pub const ALL: [Sezione; 6] = [
        Sezione::Contesto,
        Sezione::Personale,
        Sezione::CustomerSatisfaction,
        Sezione::BilancioDiGenere,
        Sezione::ValutazioneIndividuale,
        Sezione::ValutazionePersonale,
    ];

    /// Every `Sezione` value staff may write, for a message: `contesto, personale, …`.
    pub fn ids() -> String {
        Sezione::ALL.map(Sezione::id).join(", ")
    }

    /// The value staff write in the `Sezione` column.
    pub fn id(self) -> &'static str {
        match self {
            Sezione::Contesto => "contesto",
            Sezione::Personale => "personale",
            Sezione::CustomerSatisfaction => "customer_satisfaction",
            Sezione::BilancioDiGenere => "bilancio_di_genere",
            Sezione::ValutazioneIndividuale => "valutazione_individuale",
            Sezione::ValutazionePersonale => "valutazione_personale",
        }
    }

    /// Where it appears in the Relazione.
    pub fn label(self) -> &'static str {
        match self {
            Sezione::Contesto => "capitolo 2, il contesto in cifre",
            Sezione::Personale => "capitolo 2, le risorse umane",
            Sezione::CustomerSatisfaction => {
                "sezione 3.3.3, customer satisfaction e valutazione partecipativa"
            }
            Sezione::BilancioDiGenere => "sezione 3.4, bilancio di genere",
            Sezione::ValutazioneIndividuale => "capitolo 4, i punteggi dei dirigenti",
            Sezione::ValutazionePersonale => "capitolo 4, la valutazione del personale non dirigente",
        }
    }
}

/// A table given by the staff: a title, column headings and rows of a label and values, every
/// value already as it is printed (`76,67 %`, `1.250`).
#[derive(Debug, Clone, Serialize)]
pub struct TabellaDati {
    pub sezione: Sezione,
    pub titolo: String,
    pub colonne: Vec<String>,
    pub righe: Vec<RigaDati>,
    #[serde(skip)]
    pub origin: Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct RigaDati {
    pub voce: String,
    pub valori: Vec<String>,
    /// Where each value was read (its cell), for a message about it.
    #[serde(skip)]
    pub celle: Vec<Location>,
    /// A row whose label starts with «Totale».
    pub totale: bool,
}

/// One input workbook and what it was recognised as.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub file: String,
    pub kind: String,
}

/// A row of the dimensions/overshooting report.
#[derive(Debug, Clone, Serialize)]
pub struct Kpi {
    pub code: String,
    pub name: String,
    pub tipo: Option<String>,
    pub descrizione: Option<String>,
    pub algoritmo: Option<String>,
    pub misure: Option<String>,
    pub consuntivo: String,
    pub target: String,
    pub target_ministeriale: bool,
    /// The row read as an indicator (target, actual, value recovered from the measures).
    pub indicator: Indicator,
    /// The platform's own OVERSHOOTING figure (fraction above target: 3.0 for 300 %), when the
    /// report has the column.
    pub platform_overshooting: Option<f64>,
    /// The platform's VALORE vs TARGET (fraction), when the report has the column.
    pub platform_vs_target: Option<f64>,
    #[serde(skip)]
    pub origin: Location,
}

/// Promotional resources: budget and use per ambito/OS and for the +20 % projects.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Risorse {
    pub obiettivi: Vec<RisorsaRow>,
    pub progetti: Vec<RisorsaRow>,
    /// Absorption per OS as printed in the 3.0 albero (includes the fondo perequativo).
    pub assorbimento_albero: Vec<(String, Option<f64>)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RisorsaRow {
    pub code: String,
    pub name: String,
    pub livello: String,
    pub budget_iniziale: f64,
    pub budget_aggiornato: f64,
    pub utilizzato: f64,
}

impl RisorsaRow {
    /// Used over updated budget; `None` when there was no budget.
    pub fn utilizzo(&self) -> Option<f64> {
        (self.budget_aggiornato != 0.0).then(|| self.utilizzato / self.budget_aggiornato)
    }
}

/// Balance data: every table as rows of (label, value per column).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Bilancio {
    pub tabelle: Vec<Tabella>,
}

/// A plain table with a label column and numeric columns (years or budget versions).
#[derive(Debug, Clone, Serialize)]
pub struct Tabella {
    pub nome: String,
    pub colonne: Vec<String>,
    pub righe: Vec<RigaTabella>,
    /// The sheet it was read from (file and sheet name), for a message about its figures.
    #[serde(skip)]
    pub origin: Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct RigaTabella {
    pub gruppo: String,
    pub voce: String,
    pub note: Option<String>,
    pub valori: Vec<Option<f64>>,
}

/// One row of the Pareto benchmarking table.
#[derive(Debug, Clone, Serialize)]
pub struct ParetoRow {
    pub dimensione: String,
    pub indicatore: String,
    pub valore: f64,
    pub media: f64,
    pub minimo: f64,
    pub massimo: f64,
    pub punteggio: Option<f64>,
    pub punteggio_precedente: Option<f64>,
    /// Display unit derived from the cell format (`%`, `€`, `gg`).
    pub unit: Unit,
    /// Year of the values (from the header, e.g. `CCIAA Modena 2023`).
    pub anno: Option<i32>,
}

/// A KPI's multi-year series.
#[derive(Debug, Clone, Serialize)]
pub struct SerieKpi {
    pub nome: String,
    pub operatore: String,
    pub anni: Vec<AnnoSerie>,
    /// Where the KPI's first row was read.
    #[serde(skip)]
    pub origin: Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnnoSerie {
    pub anno: i32,
    pub target: Reading,
    pub consuntivo: Reading,
}
