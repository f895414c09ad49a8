//! Open data for *Amministrazione trasparente*, as a portal harvests them and a journalist loads
//! them: one row per node of each tree with a unique identifier and its parent's (the tree can be
//! rebuilt from the CSV alone), year, Ente and IPA code on every row, numeric targets and values,
//! ISO 8601 dates and units in the headers.
//!
//! One column table ([`COLUMNS`]) drives everything written here: the CSV files (UTF-8, RFC 4180,
//! comma, dot decimals, unrounded), the Frictionless `datapackage.json` with a Table Schema for
//! every file, the copy for Italian spreadsheets (`per_excel/`: `;`, comma decimals, BOM,
//! `gg/mm/aaaa` dates), the DCAT-AP_IT metadata and the Italian data dictionary.
//!
//! In the copies for spreadsheets (`per_excel/`) a text field that starts with `=`, `+`, `-`, `@`
//! (or a tab or carriage return) is prefixed with an apostrophe, so that no spreadsheet opening it
//! runs it as a formula; the machine-readable files keep every text as it is.

use crate::escape::xml;
use crate::inputs::config::Config;
use crate::model::{Decision, Level, Node};
use crate::score::Scored;
use crate::value::{Reading, Target};
use chrono::NaiveDate;
use serde_json::json;

/// Folder inside the output folder.
pub const DIR: &str = "opendata";

/// The scored model as JSON, in the open-data folder.
pub const JSON: &str = "relazione.json";

/// A column's type in the Table Schema.
#[derive(Clone, Copy, PartialEq)]
enum Tipo {
    Testo,
    Numero,
    Intero,
    Data,
    /// `si` / `no`.
    SiNo,
}

impl Tipo {
    fn schema(self) -> &'static str {
        match self {
            Tipo::Testo => "string",
            Tipo::Numero => "number",
            Tipo::Intero => "integer",
            Tipo::Data => "date",
            Tipo::SiNo => "boolean",
        }
    }
}

/// One column: its name (units in the name: `_pct` percentage points), type and meaning.
struct Col {
    name: &'static str,
    tipo: Tipo,
    descrizione: &'static str,
}

const fn col(name: &'static str, tipo: Tipo, descrizione: &'static str) -> Col {
    Col { name, tipo, descrizione }
}

/// The columns of every node table, in order.
const COLUMNS: &[Col] = &[
    col("anno", Tipo::Intero, "anno della Relazione"),
    col("ente", Tipo::Testo, "denominazione dell'Ente"),
    col("codice_ipa", Tipo::Testo, "codice dell'Ente nell'Indice dei domicili digitali della PA (IPA)"),
    col(
        "id",
        Tipo::Testo,
        "identificativo unico della riga: i codici dal vertice dell'albero, separati da punti",
    ),
    col("id_padre", Tipo::Testo, "identificativo della riga superiore (vuoto per il vertice dell'albero)"),
    col(
        "livello",
        Tipo::Testo,
        "ente, ambito, obiettivo_strategico, gruppo, obiettivo_operativo, indicatore; struttura, area, settore, \
         obiettivo_unita",
    ),
    col("codice", Tipo::Testo, "codice nel piano (per i gruppi: indicatori o obiettivi_operativi)"),
    col("denominazione", Tipo::Testo, "denominazione"),
    col("peso_pct", Tipo::Numero, "peso nel livello superiore, in punti percentuali, come nel piano"),
    col(
        "peso_effettivo_pct",
        Tipo::Numero,
        "peso usato nel calcolo dopo la ridistribuzione degli elementi esclusi, in punti percentuali",
    ),
    col("risultato_pct", Tipo::Numero, "grado di raggiungimento, in punti percentuali, non arrotondato"),
    col("esito", Tipo::Testo, "classe del risultato secondo lo SMVP (vuoto se lo SMVP non ha classi)"),
    col(
        "target_obiettivo_pct",
        Tipo::Numero,
        "target proprio dell'obiettivo nel piano, in punti percentuali",
    ),
    col(
        "raggiungimento_pct",
        Tipo::Numero,
        "risultato rispetto al target proprio dell'obiettivo, in punti percentuali, non arrotondato",
    ),
    col(
        "decisione_oiv",
        Tipo::Testo,
        "decisione dell'OIV: sostituzione, oppure l'esito dell'esclusione (non valutabile, …)",
    ),
    col(
        "decisione_altro_organo",
        Tipo::Testo,
        "decisione di un altro organo, con l'organo: es. «soppresso (Giunta)»",
    ),
    col("valutazione_oiv", Tipo::Testo, "giudizio dell'OIV sull'obiettivo, con l'atto"),
    col("tipologia", Tipo::Testo, "tipologia dell'indicatore o dell'obiettivo"),
    col("unita_di_misura", Tipo::Testo, "N. numero, gg giorni, % percentuale, € euro (per indicatori)"),
    col(
        "operatore",
        Tipo::Testo,
        ">= (più alto è meglio), <= (più basso è meglio), =, tra, entro (scadenza)",
    ),
    col("target", Tipo::Numero, "target numerico nell'unità di misura (per «tra», il minimo)"),
    col("target_massimo", Tipo::Numero, "per «tra», il massimo dell'intervallo"),
    col("target_data", Tipo::Data, "per le scadenze, la data entro cui (ISO 8601)"),
    col("valore", Tipo::Numero, "valore usato nel calcolo, non arrotondato, nell'unità di misura"),
    col("valore_data", Tipo::Data, "per le scadenze, la data di realizzazione (ISO 8601)"),
    col(
        "rapporto_pct",
        Tipo::Numero,
        "rapporto tra valore e target prima di ogni tetto, in punti percentuali",
    ),
    col("scostamento", Tipo::Numero, "valore meno target nell'unità di misura (giorni per le scadenze)"),
    col("target_testo", Tipo::Testo, "il target come scritto nel piano"),
    col("valore_testo", Tipo::Testo, "il consuntivo come esportato dalla piattaforma"),
    col("target_ministeriale", Tipo::SiNo, "si se il target è fissato dal Ministero"),
    col("fonte", Tipo::Testo, "fonte del dato, se indicata"),
    col("descrizione", Tipo::Testo, "descrizione dell'indicatore, se indicata"),
    col(
        "abbinamento_anno_precedente",
        Tipo::Testo,
        "come la riga è stata ritrovata nei risultati dell'anno precedente: id (stessa posizione e codici), codice, \
         nome; nuovo se non c'era; vuoto se i risultati dell'anno precedente non sono stati forniti",
    ),
    col(
        "risultato_anno_precedente_pct",
        Tipo::Numero,
        "risultato dell'anno precedente, in punti percentuali",
    ),
    col(
        "variazione_risultato_pp",
        Tipo::Numero,
        "risultato meno quello dell'anno precedente, in punti percentuali",
    ),
    col("valore_anno_precedente", Tipo::Numero, "valore dell'anno precedente, nell'unità di misura"),
    col(
        "variazione_valore_pp",
        Tipo::Numero,
        "per i valori in percentuale: valore meno quello dell'anno precedente, in punti percentuali",
    ),
    col(
        "variazione_valore_pct",
        Tipo::Numero,
        "per gli altri valori: variazione rispetto al valore dell'anno precedente, in percentuale di quello",
    ),
    col("origine", Tipo::Testo, "file, foglio e cella della riga nei dati di partenza"),
];

/// Columns added in front of `indicatori.csv`, so that it reads alone.
const ANCESTORS: &[Col] = &[
    col("codice_ambito", Tipo::Testo, "codice dell'ambito"),
    col("codice_obiettivo_strategico", Tipo::Testo, "codice dell'obiettivo strategico"),
    col(
        "codice_obiettivo_operativo",
        Tipo::Testo,
        "codice dell'obiettivo operativo (vuoto per gli indicatori propri dell'obiettivo strategico)",
    ),
];

/// One value of a row.
#[derive(Clone)]
enum Field {
    Text(String),
    Num(Option<f64>),
    Int(i64),
    Date(Option<NaiveDate>),
    SiNo(Option<bool>),
}

fn t(s: impl Into<String>) -> Field {
    Field::Text(s.into())
}

fn pct(fraction: Option<f64>) -> Field {
    Field::Num(fraction.map(|x| x * 100.0))
}

/// A table: its file name, title, extra leading columns and rows.
struct Table {
    file: &'static str,
    title: String,
    lead: &'static [Col],
    rows: Vec<Vec<Field>>,
}

impl Table {
    fn columns(&self) -> impl Iterator<Item = &Col> {
        self.lead.iter().chain(COLUMNS)
    }
}

/// The row of one node.
fn node_row(config: &Config, n: &Node, parent: &str) -> Vec<Field> {
    let o = n.outcome.as_ref();
    let ind = n.indicator.as_deref();
    let (target, target_max, target_date) = match ind.map(|i| i.target) {
        Some(Target::AlMeno { valore } | Target::AlMassimo { valore } | Target::Uguale { valore }) => {
            (Some(valore.value), None, None)
        }
        Some(Target::Tra { minimo, massimo }) => (Some(minimo.value), Some(massimo.value), None),
        Some(Target::Entro { data }) => (None, None, Some(data)),
        None => (None, None, None),
    };
    let actual_date = match ind.map(|i| &i.actual) {
        Some(Reading::Data { data }) => Some(*data),
        _ => None,
    };
    use crate::inputs::decisions::Organo;
    let (decision, organo) = match o.and_then(|o| o.decision.as_ref()) {
        Some(Decision::Sostituzione { organo, .. }) => ("sostituzione".to_string(), Some(*organo)),
        Some(Decision::Esclusione { esito, organo, .. }) => (esito.clone(), Some(*organo)),
        None => (String::new(), None),
    };
    let (by_oiv, by_other) = match organo {
        Some(Organo::Oiv) => (decision, String::new()),
        Some(other) => (String::new(), format!("{decision} ({})", other.label())),
        None => (String::new(), String::new()),
    };
    let origin = n.origin.short();
    let last = previous_fields(n);
    let mut row = vec![
        Field::Int(config.anno.into()),
        t(&config.ente.nome),
        t(config.ente.codice_ipa.clone().unwrap_or_default()),
        t(&n.id),
        t(parent),
        t(n.level.id()),
        t(&n.code),
        t(&n.name),
        Field::Num(n.weight),
        Field::Num(o.and_then(|o| o.effective_weight)),
        pct(o.and_then(|o| o.result)),
        t(o.and_then(|o| o.classe.clone()).unwrap_or_default()),
        Field::Num(n.target_obiettivo),
        pct(o.and_then(|o| o.raggiungimento)),
        t(by_oiv),
        t(by_other),
        t(o.and_then(|o| o.valutazione_oiv.clone()).unwrap_or_default()),
        t(ind.and_then(|i| i.tipo.clone()).or_else(|| n.tipologia.clone()).unwrap_or_default()),
        t(ind.map_or("", |i| i.unit.suffix())),
        t(ind.map_or("", |i| i.target.operator())),
        Field::Num(target),
        Field::Num(target_max),
        Field::Date(target_date),
        Field::Num(ind.and_then(|i| i.value)),
        Field::Date(actual_date),
        pct(o.and_then(|o| o.ratio)),
        Field::Num(o.and_then(|o| o.deviation)),
        t(ind.map_or("", |i| i.target_text.as_str())),
        t(ind.map_or("", |i| i.actual_text.as_str())),
        Field::SiNo(ind.map(|i| i.target_ministeriale)),
        t(ind.and_then(|i| i.fonte.clone()).unwrap_or_default()),
        t(ind.and_then(|i| i.descrizione.clone()).unwrap_or_default()),
    ];
    row.extend(last);
    row.push(t(origin));
    row
}

/// The columns of last year's figures (`abbinamento_anno_precedente` … `variazione_valore_pct`).
fn previous_fields(n: &Node) -> [Field; 6] {
    use crate::model::Previous;
    use crate::score::precedente::{Change, result_change, value_change};
    let f = match &n.previous {
        None => {
            return [
                t(""),
                Field::Num(None),
                Field::Num(None),
                Field::Num(None),
                Field::Num(None),
                Field::Num(None),
            ];
        }
        Some(Previous::New { .. }) => {
            return [
                t("nuovo"),
                Field::Num(None),
                Field::Num(None),
                Field::Num(None),
                Field::Num(None),
                Field::Num(None),
            ];
        }
        Some(Previous::Found(f)) => f,
    };
    let value_change = value_change(n);
    [
        t(f.by.id()),
        Field::Num(f.result),
        Field::Num(result_change(n)),
        Field::Num(n.indicator.as_ref().and(f.value)),
        Field::Num(match value_change {
            Some(Change::Points(p)) => Some(p),
            _ => None,
        }),
        Field::Num(match value_change {
            Some(Change::Relative(r)) => Some(r),
            _ => None,
        }),
    ]
}

/// Every node of a tree, depth first, with its parent's identifier; `skip` levels are left out
/// (their children then name the skipped node's parent).
fn tree_rows(s: &Scored, root: &Node) -> Vec<Vec<Field>> {
    let mut rows = Vec::new();
    fn walk(s: &Scored, n: &Node, parent: &str, rows: &mut Vec<Vec<Field>>) {
        rows.push(node_row(&s.config, n, parent));
        for c in &n.children {
            walk(s, c, &n.id, rows);
        }
    }
    walk(s, root, "", &mut rows);
    rows
}

/// `indicatori.csv`: the indicators of the performance tree, with the codes above them.
fn indicator_rows(s: &Scored) -> Vec<Vec<Field>> {
    let parents = parent_ids(s);
    crate::view::indicator_rows(s)
        .into_iter()
        .map(|row| {
            let parent = parents.get(&row.node.id).map_or("", String::as_str);
            let mut r = vec![t(row.ambito), t(row.obiettivo_strategico), t(row.obiettivo_operativo)];
            r.extend(node_row(&s.config, row.node, parent));
            r
        })
        .collect()
}

/// Parent id of every indicator of the performance tree, by the indicator's id (a map: a plan of
/// 10.000 indicators is looked up 10.000 times).
fn parent_ids(s: &Scored) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    fn walk(n: &Node, out: &mut std::collections::BTreeMap<String, String>) {
        for c in &n.children {
            if c.level == Level::Indicatore {
                out.insert(c.id.clone(), n.id.clone());
            }
            walk(c, out);
        }
    }
    if let Some(a) = &s.report.albero {
        walk(a, &mut out);
    }
    out
}

fn tables(s: &Scored) -> Vec<Table> {
    let mut out = vec![Table {
        file: "indicatori.csv",
        title: format!("Indicatori della performance {}", s.config.anno),
        lead: ANCESTORS,
        rows: indicator_rows(s),
    }];
    if let Some(a) = &s.report.albero {
        out.push(Table {
            file: "obiettivi.csv",
            title: format!("Albero della performance {}: obiettivi e indicatori", s.config.anno),
            lead: &[],
            rows: tree_rows(s, a),
        });
    }
    if let Some(u) = &s.report.unita {
        out.push(Table {
            file: "unita_organizzative.csv",
            title: format!("Obiettivi delle unità organizzative {}", s.config.anno),
            lead: &[],
            rows: tree_rows(s, u),
        });
    }
    out
}

/// The title of an open-data file for the download lists, or none for a file not offered alone.
pub fn title(file: &str) -> Option<&'static str> {
    match file {
        "indicatori.csv" => Some("Indicatori (CSV)"),
        "obiettivi.csv" => Some("Albero della performance: obiettivi e indicatori (CSV)"),
        "unita_organizzative.csv" => Some("Obiettivi delle unità organizzative (CSV)"),
        "datapackage.json" => Some("Descrizione dei dati (Frictionless Data Package)"),
        "dcat-ap_it.rdf" => Some("Scheda del dataset per il catalogo nazionale (DCAT-AP_IT)"),
        "per_excel/indicatori.csv" => Some("Indicatori, per Excel in italiano (CSV con punto e virgola)"),
        "per_excel/obiettivi.csv" => {
            Some("Albero della performance, per Excel in italiano (CSV con punto e virgola)")
        }
        "per_excel/unita_organizzative.csv" => {
            Some("Obiettivi delle unità organizzative, per Excel in italiano (CSV con punto e virgola)")
        }
        JSON => Some("Modello completo dei risultati (JSON)"),
        "README.md" => Some("Dizionario dei dati: file, colonne, formati (testo)"),
        _ => None,
    }
}

/// How a CSV is spelt: the machine-readable one, or the copy for Italian spreadsheets.
#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Standard,
    Excel,
}

/// A text field: for a spreadsheet (`per_excel/`) a text that would run as a formula gets its
/// apostrophe; the machine-readable file keeps the text as it is (a program reads it as data).
fn csv_text(s: &str, d: Dialect) -> String {
    match d {
        Dialect::Excel => crate::escape::csv(&crate::escape::csv_for_spreadsheet(s), ';'),
        Dialect::Standard => crate::escape::csv(s, ','),
    }
}

/// A number as written: shortest form that reads back to the same value; non-finite is empty.
fn number(v: f64, d: Dialect) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let text = format!("{v}");
    if d == Dialect::Excel { text.replace('.', ",") } else { text }
}

fn csv(table: &Table, d: Dialect) -> String {
    let sep = if d == Dialect::Excel { ';' } else { ',' };
    let mut out = String::new();
    if d == Dialect::Excel {
        out.push('\u{feff}');
    }
    let header: Vec<&str> = table.columns().map(|c| c.name).collect();
    out.push_str(&header.join(&sep.to_string()));
    out.push_str("\r\n");
    for r in &table.rows {
        let line: Vec<String> = r
            .iter()
            .map(|f| match f {
                Field::Text(s) => csv_text(s, d),
                Field::Num(v) => v.map(|v| number(v, d)).unwrap_or_default(),
                Field::Int(v) => v.to_string(),
                Field::Date(Some(x)) if d == Dialect::Excel => x.format("%d/%m/%Y").to_string(),
                Field::Date(Some(x)) => x.format("%Y-%m-%d").to_string(),
                Field::Date(None) => String::new(),
                Field::SiNo(b) => b.map_or("", |b| if b { "si" } else { "no" }).to_string(),
            })
            .collect();
        out.push_str(&line.join(&sep.to_string()));
        out.push_str("\r\n");
    }
    out
}

/// The Frictionless Data Package: one resource per CSV with its Table Schema.
fn datapackage(s: &Scored, tables: &[Table]) -> serde_json::Value {
    let resources: Vec<serde_json::Value> = tables
        .iter()
        .map(|tb| {
            let fields: Vec<serde_json::Value> = tb
                .columns()
                .map(|c| {
                    let mut f =
                        json!({ "name": c.name, "type": c.tipo.schema(), "description": c.descrizione });
                    if c.tipo == Tipo::SiNo {
                        f["trueValues"] = json!(["si"]);
                        f["falseValues"] = json!(["no"]);
                    }
                    if c.tipo == Tipo::Data {
                        f["format"] = json!("%Y-%m-%d");
                    }
                    f
                })
                .collect();
            let mut schema = json!({ "fields": fields, "missingValues": [""] });
            // `id` is unique in every file; in the tree tables every `id_padre` names a row of the
            // same file.
            schema["primaryKey"] = json!(["id"]);
            if tb.lead.is_empty() {
                schema["foreignKeys"] =
                    json!([{ "fields": ["id_padre"], "reference": { "resource": "", "fields": ["id"] } }]);
            }
            json!({
                "name": tb.file.trim_end_matches(".csv").replace('_', "-"),
                "path": tb.file,
                "title": tb.title,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": { "delimiter": ",", "lineTerminator": "\r\n", "quoteChar": "\"", "header": true },
                "schema": schema,
            })
        })
        .collect();
    // A licence names its text by `path`; without a known address, by its `name`.
    let licence = match s.config.licence_uri() {
        Some(u) => json!({ "title": s.config.licenza_dati, "path": u }),
        None => json!({ "title": s.config.licenza_dati, "name": s.config.licenza_dati }),
    };
    json!({
        "profile": "tabular-data-package",
        "name": format!("relazione-performance-{}-{}", s.config.anno, crate::model::slug(&s.config.ente.nome_breve)),
        "title": format!("Relazione sulla performance {} – {}", s.config.anno, s.config.ente.nome),
        "description": "Risultati dell'albero della performance (art. 10 D.Lgs. 150/2009): obiettivi, indicatori, \
                        target, consuntivi e gradi di raggiungimento.",
        "licenses": [licence],
        "created": s.date.format("%Y-%m-%dT00:00:00Z").to_string(),
        "resources": resources,
    })
}

/// The DCAT-AP_IT 2.0 record of the open data, valid DCAT-AP 3.0.1 too: every resource has both
/// classes (`dcat:Catalog` and `dcatapit:Catalog`, and so on), so that CKAN's DCAT harvesters
/// (ckanext-dcat, ckanext-dcatapit: dati.gov.it) find the dataset; IRIs are absolute, under
/// `pubblicazione.dati_aperti` (two copies of the record name one dataset); media types are IANA
/// IRIs; the period is given as `dcat:` and `schema:` dates (the Italian harvester reads the
/// latter). Without the address there is no absolute IRI to give: no record (see
/// [`Config::record_missing`]).
fn dcat(s: &Scored, tables: &[Table], base: &str) -> String {
    let c = &s.config;
    let base = format!("{}/", base.trim_end_matches('/'));
    let record = format!("{base}{RECORD}");
    let iri = |fragment: &str| xml(&format!("{record}#{fragment}"));
    let url = |file: &str| xml(&format!("{base}{file}"));
    let ipa = c.ente.codice_ipa.clone().unwrap_or_default();
    let ente = xml(&c.ente.nome);
    let identifier =
        format!("{}:relazione-performance-{}", if ipa.is_empty() { "ente" } else { &ipa }, c.anno);
    let typed = |classes: &[&str]| -> String {
        classes.iter().map(|k| format!("    <rdf:type rdf:resource=\"{k}\"/>\n")).collect()
    };
    let agent = |fragment: &str| {
        format!(
            "  <rdf:Description rdf:about=\"{}\">\n{}    <foaf:name>{ente}</foaf:name>\n    <dct:identifier>{}</dct:identifier>\n  </rdf:Description>\n",
            iri(fragment),
            typed(&[FOAF_AGENT, DCATAPIT_AGENT]),
            xml(&ipa)
        )
    };
    let licence = c.licence_uri().map(|u| xml(&u));
    let mut distributions = String::new();
    let mut links = String::new();
    let mut files: Vec<(&str, String, &str, &str)> =
        tables.iter().map(|t| (t.file, t.title.clone(), "CSV", "text/csv")).collect();
    files.push((JSON, title(JSON).unwrap_or(JSON).to_string(), "JSON", "application/json"));
    let formats: Vec<(&str, &str)> = files.iter().map(|(_, _, f, m)| (*f, *m)).collect();
    for (file, title, format, media) in files.iter().cloned() {
        let fragment = format!("distribuzione-{}", file.replace(['.', '/'], "-"));
        links.push_str(&format!("    <dcat:distribution rdf:resource=\"{}\"/>\n", iri(&fragment)));
        let licence = licence
            .as_ref()
            .map(|l| format!("    <dct:license rdf:resource=\"{l}\"/>\n"))
            .unwrap_or_default();
        distributions.push_str(&format!(
            "  <rdf:Description rdf:about=\"{}\">\n{}    <dct:title xml:lang=\"it\">{}</dct:title>\n    <dct:description xml:lang=\"it\">{} – {}, {}.</dct:description>\n    <dcat:accessURL rdf:resource=\"{u}\"/>\n    <dcat:downloadURL rdf:resource=\"{u}\"/>\n    <dct:format rdf:resource=\"http://publications.europa.eu/resource/authority/file-type/{format}\"/>\n    <dcat:mediaType rdf:resource=\"http://www.iana.org/assignments/media-types/{media}\"/>\n{licence}  </rdf:Description>\n",
            iri(&fragment),
            typed(&[DCAT_DISTRIBUTION, DCATAPIT_DISTRIBUTION]),
            xml(&title),
            xml(&title),
            ente,
            c.anno,
            u = url(file),
        ));
    }
    let licence_document = licence.as_ref().map_or(String::new(), |l| {
        format!(
            "  <rdf:Description rdf:about=\"{l}\">\n{}    <dct:type rdf:resource=\"{}\"/>\n    <foaf:name>{}</foaf:name>\n  </rdf:Description>\n",
            typed(&[DCT_LICENSE_DOCUMENT, DCATAPIT_LICENSE_DOCUMENT]),
            licence_type(&c.licenza_dati).0,
            xml(&c.licenza_dati)
        )
    });
    let keywords: String =
        ["performance", "relazione sulla performance", "obiettivi", "indicatori", "D.Lgs. 150/2009"]
            .iter()
            .map(|k| format!("    <dcat:keyword xml:lang=\"it\">{k}</dcat:keyword>\n"))
            .chain(std::iter::once(format!(
                "    <dcat:keyword xml:lang=\"it\">{}</dcat:keyword>\n",
                xml(&c.ente.nome_breve)
            )))
            .collect();
    let contact = c.pubblicazione.contatto.as_deref().map_or(String::new(), |mail| {
        let mail = if mail.starts_with("mailto:") { mail.to_string() } else { format!("mailto:{mail}") };
        format!(
            "  <rdf:Description rdf:about=\"{}\">\n{}    <vcard:fn>{ente}</vcard:fn>\n    <vcard:hasEmail rdf:resource=\"{}\"/>\n  </rdf:Description>\n",
            iri("contatto"),
            typed(&[VCARD_ORGANIZATION, VCARD_KIND, DCATAPIT_ORGANIZATION]),
            xml(&mail)
        )
    });
    let contact_link = if contact.is_empty() {
        String::new()
    } else {
        format!("    <dcat:contactPoint rdf:resource=\"{}\"/>\n", iri("contatto"))
    };
    let homepage_iri = c.pubblicazione.sito.as_deref().map(xml);
    let homepage = homepage_iri
        .as_deref()
        .map(|h| format!("    <foaf:homepage rdf:resource=\"{h}\"/>\n"))
        .unwrap_or_default();
    let modified = s.date.format("%Y-%m-%d");
    let date = "http://www.w3.org/2001/XMLSchema#date";
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
  xmlns:dct="http://purl.org/dc/terms/" xmlns:foaf="http://xmlns.com/foaf/0.1/"
  xmlns:dcatapit="http://dati.gov.it/onto/dcatapit#" xmlns:vcard="http://www.w3.org/2006/vcard/ns#"
  xmlns:schema="http://schema.org/" xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <rdf:Description rdf:about="{catalog}">
{catalog_types}    <dct:title xml:lang="it">Dati aperti della Relazione sulla performance – {ente}</dct:title>
    <dct:description xml:lang="it">I dati della Relazione sulla performance (art. 10 D.Lgs. 150/2009) pubblicati da {ente}.</dct:description>
    <dct:publisher rdf:resource="{publisher}"/>
    <dct:modified rdf:datatype="{date}">{modified}</dct:modified>
    <dct:language rdf:resource="http://publications.europa.eu/resource/authority/language/ITA"/>
{homepage}    <dcat:dataset rdf:resource="{dataset}"/>
  </rdf:Description>
  <rdf:Description rdf:about="{dataset}">
{dataset_types}    <dct:identifier>{identifier}</dct:identifier>
    <dct:title xml:lang="it">Relazione sulla performance {anno} – {ente}</dct:title>
    <dct:description xml:lang="it">Risultati dell'albero della performance {anno} (art. 10 D.Lgs. 150/2009): obiettivi, indicatori, target, consuntivi e gradi di raggiungimento.</dct:description>
    <dcat:theme rdf:resource="http://publications.europa.eu/resource/authority/data-theme/GOVE"/>
{keywords}    <dct:modified rdf:datatype="{date}">{modified}</dct:modified>
    <dct:language rdf:resource="http://publications.europa.eu/resource/authority/language/ITA"/>
    <dct:accrualPeriodicity rdf:resource="http://publications.europa.eu/resource/authority/frequency/ANNUAL"/>
    <dct:temporal rdf:resource="{period}"/>
    <dct:publisher rdf:resource="{publisher}"/>
    <dct:rightsHolder rdf:resource="{publisher}"/>
{contact_link}{links}  </rdf:Description>
  <rdf:Description rdf:about="{period}">
    <rdf:type rdf:resource="http://purl.org/dc/terms/PeriodOfTime"/>
    <dcat:startDate rdf:datatype="{date}">{anno}-01-01</dcat:startDate>
    <dcat:endDate rdf:datatype="{date}">{anno}-12-31</dcat:endDate>
    <schema:startDate rdf:datatype="{date}">{anno}-01-01</schema:startDate>
    <schema:endDate rdf:datatype="{date}">{anno}-12-31</schema:endDate>
  </rdf:Description>
{agent}{contact}{licence_document}{distributions}{vocabulary}</rdf:RDF>
"#,
        catalog = iri("catalogo"),
        catalog_types = typed(&[DCAT_CATALOG, DCATAPIT_CATALOG]),
        dataset = iri("dataset"),
        dataset_types = typed(&[DCAT_DATASET, DCATAPIT_DATASET]),
        publisher = iri("ente"),
        period = iri("periodo"),
        agent = agent("ente"),
        vocabulary = vocabulary(
            &formats,
            homepage_iri.as_deref(),
            licence.is_some().then(|| licence_type(&c.licenza_dati))
        ),
        identifier = xml(&identifier),
        anno = c.anno,
    )
}

/// The classes of the vocabulary terms the record uses, as the vocabularies declare them (so that
/// a harvester validating ranges without loading every vocabulary finds them): the EU file types
/// and IANA media types of the distributions, the language, the frequency, the homepage, the
/// ADMS licence type.
fn vocabulary(formats: &[(&str, &str)], homepage: Option<&str>, licence: Option<(&str, &str)>) -> String {
    let mut out = String::new();
    let mut term = |iri: &str, class: &str, label: Option<&str>| {
        let label = label
            .map(|l| format!("    <skos:prefLabel xml:lang=\"it\">{l}</skos:prefLabel>\n"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  <rdf:Description rdf:about=\"{iri}\">\n    <rdf:type rdf:resource=\"{class}\"/>\n{label}  </rdf:Description>\n"
        ));
    };
    let mut seen = Vec::new();
    for (format, media) in formats {
        if seen.contains(format) {
            continue;
        }
        seen.push(format);
        term(
            &format!("http://publications.europa.eu/resource/authority/file-type/{format}"),
            DCT_MEDIA_TYPE_OR_EXTENT,
            None,
        );
        term(&format!("http://www.iana.org/assignments/media-types/{media}"), DCT_MEDIA_TYPE, None);
    }
    term("http://publications.europa.eu/resource/authority/language/ITA", DCT_LINGUISTIC_SYSTEM, None);
    term("http://publications.europa.eu/resource/authority/frequency/ANNUAL", DCT_FREQUENCY, None);
    if let Some(h) = homepage {
        term(h, FOAF_DOCUMENT, None);
    }
    if let Some((iri, label)) = licence {
        term(iri, SKOS_CONCEPT, Some(label));
    }
    out
}

const DCT_MEDIA_TYPE_OR_EXTENT: &str = "http://purl.org/dc/terms/MediaTypeOrExtent";
const DCT_MEDIA_TYPE: &str = "http://purl.org/dc/terms/MediaType";
const DCT_LINGUISTIC_SYSTEM: &str = "http://purl.org/dc/terms/LinguisticSystem";
const DCT_FREQUENCY: &str = "http://purl.org/dc/terms/Frequency";
const FOAF_DOCUMENT: &str = "http://xmlns.com/foaf/0.1/Document";
const SKOS_CONCEPT: &str = "http://www.w3.org/2004/02/skos/core#Concept";

/// The ADMS licence type of a licence, by its name: public domain (CC0), share-alike (`SA`),
/// otherwise attribution (CC BY, IODL).
fn licence_type(name: &str) -> (&'static str, &'static str) {
    let n = name.to_uppercase().replace(['-', '_'], " ");
    if n.contains("CC0") || n.contains("PUBLIC DOMAIN") || n.contains("PDDL") {
        ("http://purl.org/adms/licencetype/PublicDomain", "Pubblico dominio")
    } else if n.split_whitespace().any(|w| w == "SA") {
        ("http://purl.org/adms/licencetype/ShareAlike", "Condividi allo stesso modo")
    } else {
        ("http://purl.org/adms/licencetype/Attribution", "Attribuzione")
    }
}

/// The record's file name in the open-data folder.
pub const RECORD: &str = "dcat-ap_it.rdf";

const DCAT_CATALOG: &str = "http://www.w3.org/ns/dcat#Catalog";
const DCAT_DATASET: &str = "http://www.w3.org/ns/dcat#Dataset";
const DCAT_DISTRIBUTION: &str = "http://www.w3.org/ns/dcat#Distribution";
const DCATAPIT_CATALOG: &str = "http://dati.gov.it/onto/dcatapit#Catalog";
const DCATAPIT_DATASET: &str = "http://dati.gov.it/onto/dcatapit#Dataset";
const DCATAPIT_DISTRIBUTION: &str = "http://dati.gov.it/onto/dcatapit#Distribution";
const DCATAPIT_AGENT: &str = "http://dati.gov.it/onto/dcatapit#Agent";
const DCATAPIT_ORGANIZATION: &str = "http://dati.gov.it/onto/dcatapit#Organization";
const DCATAPIT_LICENSE_DOCUMENT: &str = "http://dati.gov.it/onto/dcatapit#LicenseDocument";
const DCT_LICENSE_DOCUMENT: &str = "http://purl.org/dc/terms/LicenseDocument";
const FOAF_AGENT: &str = "http://xmlns.com/foaf/0.1/Agent";
const VCARD_ORGANIZATION: &str = "http://www.w3.org/2006/vcard/ns#Organization";
const VCARD_KIND: &str = "http://www.w3.org/2006/vcard/ns#Kind";

/// Every file of the open-data folder: (relative path, bytes). `json` is the `score --json`
/// document (made by the `json` writer: writers do not call each other).
pub fn files(s: &Scored, json: &[u8]) -> Vec<(String, Vec<u8>)> {
    let tables = tables(s);
    let mut out = Vec::new();
    for tb in &tables {
        out.push((format!("{DIR}/{}", tb.file), csv(tb, Dialect::Standard).into_bytes()));
    }
    for tb in &tables {
        out.push((format!("{DIR}/per_excel/{}", tb.file), csv(tb, Dialect::Excel).into_bytes()));
    }
    let package = serde_json::to_vec_pretty(&datapackage(s, &tables)).unwrap_or_default();
    out.push((format!("{DIR}/datapackage.json"), package));
    // Written only complete: an address to build identifiers on, the publisher's IPA code, the
    // licence's address (each missing one is a draft item).
    if let Some(base) =
        s.config.pubblicazione.dati_aperti.as_deref().filter(|_| s.config.writes_dcat_record())
    {
        out.push((format!("{DIR}/{RECORD}"), dcat(s, &tables, base).into_bytes()));
    }
    out.push((format!("{DIR}/{JSON}"), json.to_vec()));
    out.push((format!("{DIR}/README.md"), dictionary(s, &tables).into_bytes()));
    out
}

fn dictionary(s: &Scored, tables: &[Table]) -> String {
    let mut out = format!(
        "# Dati aperti – Relazione sulla performance {anno}, {ente}\n\n\
         Licenza: {licenza}{uri}. Ogni file CSV ha una riga di intestazione ed è in UTF-8, separatore virgola, \
         decimali con il punto, date ISO 8601 (`2024-06-30`), valori non arrotondati; i campi `_pct` sono in \
         punti percentuali. `datapackage.json` descrive ogni file (Frictionless Table Schema).{record} La cartella `per_excel/` ha gli stessi \
         file per i fogli di calcolo in italiano (separatore punto e virgola, decimali con la virgola, date \
         `gg/mm/aaaa`); lì un testo che inizia con `=`, `+`, `-` o `@` è preceduto da un apostrofo, perché nessun \
         foglio di calcolo lo esegua come formula (i file principali lo riportano com'è). In ogni file `id` è \
         la chiave: unica per riga.\n\n",
        anno = s.config.anno,
        ente = s.config.ente.nome,
        licenza = s.config.licenza_dati,
        uri = s.config.licence_uri().map(|u| format!(" ({u})")).unwrap_or_default(),
        record = if s.config.writes_dcat_record() {
            " `dcat-ap_it.rdf` è la scheda del dataset per il catalogo nazionale (DCAT-AP_IT, valida anche come \
             DCAT-AP 3.0.1)."
        } else {
            ""
        },
    );
    out.push_str(
        "## I file\n\n\
         - `obiettivi.csv`: una riga per elemento dell'albero della performance (ente, ambiti, obiettivi \
         strategici, gruppi, obiettivi operativi, indicatori). `id` e `id_padre` ricostruiscono l'albero.\n\
         - `indicatori.csv`: i soli indicatori, con i codici di ambito, obiettivo strategico e operativo.\n\
         - `unita_organizzative.csv`: aree, settori e loro obiettivi, se forniti.\n\
         - `relazione.json`: il modello completo con tutti i risultati, lo stesso di `relazione score --json` senza i rilievi dell'OIV (avvisi, confronti e rilievi sulla serie storica, che sono nelle sue carte di lavoro).\n\n\
         ## Le colonne\n\n| campo | tipo | contenuto |\n|---|---|---|\n",
    );
    let lead = tables.iter().flat_map(|t| t.lead.iter());
    for c in lead.chain(COLUMNS) {
        out.push_str(&format!("| {} | {} | {} |\n", c.name, c.tipo.schema(), c.descrizione));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_every_column() {
        // The row builder and the column table must agree, or the CSV shifts its columns.
        let n = Node::new(Level::Ente, "E", "Ente", Default::default());
        let config = crate::inputs::config::Config::parse(
            "ente: {nome: Ente, nome_breve: E}\nanno: 2024\n",
            std::path::Path::new("relazione.yaml"),
        )
        .unwrap();
        assert_eq!(node_row(&config, &n, "").len(), COLUMNS.len());
    }

    #[test]
    fn the_excel_copy_speaks_italian() {
        let tb = Table {
            file: "x.csv",
            title: "x".into(),
            lead: &[],
            rows: vec![
                [Field::Int(2024), t("a;b"), t("=1+1")]
                    .into_iter()
                    .chain(std::iter::repeat_n(Field::Num(Some(99.5)), COLUMNS.len() - 3))
                    .collect(),
            ],
        };
        let text = csv(&tb, Dialect::Excel);
        assert!(text.starts_with('\u{feff}'));
        let row = text.lines().nth(1).unwrap();
        assert!(row.starts_with("2024;\"a;b\";'=1+1;99,5;"), "{row}");
    }
}
