//! Open data for Amministrazione trasparente: CSV tables (UTF-8, header row, comma separator, dot
//! decimals, full precision) and the JSON of the scored model, with a data dictionary in Italian.
//!
//! A text field that starts with `=`, `+`, `-`, `@` (or a tab or carriage return) is prefixed with
//! an apostrophe, so that no spreadsheet opening the CSV runs it as a formula.

use crate::model::{Level, Node};
use crate::score::Scored;

/// Folder inside the output folder.
pub const DIR: &str = "opendata";

/// One CSV field: numbers as written, text quoted when needed and defused against formula injection.
enum Field {
    Text(String),
    Num(Option<f64>),
}

fn t(s: impl Into<String>) -> Field {
    Field::Text(s.into())
}

fn csv_text(s: &str) -> String {
    let defused =
        if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

fn csv(header: &[&str], rows: &[Vec<Field>]) -> String {
    let mut out = header.join(",");
    out.push('\n');
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .map(|f| match f {
                Field::Text(s) => csv_text(s),
                Field::Num(Some(v)) => format!("{v}"),
                Field::Num(None) => String::new(),
            })
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn pct(r: Option<f64>) -> Field {
    Field::Num(r.map(|x| x * 100.0))
}

/// `indicatori.csv`: one row per indicator of the performance tree.
fn indicatori(s: &Scored) -> String {
    let header = [
        "codice_ambito",
        "codice_obiettivo_strategico",
        "gruppo",
        "codice_obiettivo_operativo",
        "codice_indicatore",
        "indicatore",
        "tipologia",
        "unita_di_misura",
        "operatore",
        "target",
        "valore",
        "valore_usato",
        "peso",
        "rapporto_pct",
        "risultato_pct",
        "esito",
        "decisione_oiv",
        "target_ministeriale",
        "fonte",
        "descrizione",
    ];
    let rows: Vec<Vec<Field>> = crate::view::indicator_rows(s)
        .into_iter()
        .map(|row| {
            let n = row.node;
            let ind = n.indicator.as_deref().expect("indicator");
            let o = n.outcome.as_ref();
            let mut r: Vec<Field> =
                [row.ambito, row.obiettivo_strategico, row.gruppo, row.obiettivo_operativo]
                    .map(Field::Text)
                    .into();
            r.extend([
                t(&n.code),
                t(&n.name),
                t(ind.tipo.clone().unwrap_or_default()),
                t(ind.unit.suffix()),
                t(ind.target.operator()),
                t(&ind.target_text),
                t(&ind.actual_text),
                Field::Num(ind.value),
                Field::Num(n.weight),
                pct(o.and_then(|o| o.ratio)),
                pct(o.and_then(|o| o.result)),
                t(o.and_then(|o| o.band).map_or("", |b| b.label())),
                t(match o.and_then(|o| o.decision.as_ref()) {
                    Some(crate::model::Decision::Sostituzione { .. }) => "sostituzione".to_string(),
                    Some(crate::model::Decision::Esclusione { esito, .. }) => esito.clone(),
                    None => String::new(),
                }),
                t(if ind.target_ministeriale { "si" } else { "no" }),
                t(ind.fonte.clone().unwrap_or_default()),
                t(ind.descrizione.clone().unwrap_or_default()),
            ]);
            r
        })
        .collect();
    csv(&header, &rows)
}

/// Rows of a tree's objectives (every level but indicators), with the parent's code.
fn objective_rows(root: &Node, skip: &[Level]) -> Vec<Vec<Field>> {
    let mut rows = Vec::new();
    fn walk(n: &Node, parent: &str, skip: &[Level], rows: &mut Vec<Vec<Field>>) {
        if n.indicator.is_some() {
            return;
        }
        if !skip.contains(&n.level) {
            let o = n.outcome.as_ref();
            rows.push(vec![
                t(n.level.id()),
                t(&n.code),
                t(&n.name),
                t(parent),
                Field::Num(n.weight),
                pct(o.and_then(|o| o.result)),
                t(o.and_then(|o| o.band).map_or("", |b| b.label())),
                t(o.and_then(|o| o.valutazione_oiv.clone()).unwrap_or_default()),
            ]);
        }
        for c in &n.children {
            walk(c, &n.code, skip, rows);
        }
    }
    walk(root, "", skip, &mut rows);
    rows
}

const OBJ_HEADER: [&str; 8] = [
    "livello",
    "codice",
    "denominazione",
    "codice_padre",
    "peso",
    "risultato_pct",
    "esito",
    "valutazione_oiv",
];

/// The scored model as JSON, in the open-data folder.
pub const JSON: &str = "relazione.json";

/// Every file of the open-data folder: (relative path, bytes). `json` is the `score --json`
/// document (made by the `json` writer: writers do not call each other).
pub fn files(s: &Scored, json: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![(format!("{DIR}/indicatori.csv"), indicatori(s).into_bytes())];
    if let Some(a) = &s.report.albero {
        out.push((format!("{DIR}/obiettivi.csv"), csv(&OBJ_HEADER, &objective_rows(a, &[])).into_bytes()));
    }
    if let Some(u) = &s.report.unita {
        out.push((
            format!("{DIR}/unita_organizzative.csv"),
            csv(&OBJ_HEADER, &objective_rows(u, &[Level::Struttura])).into_bytes(),
        ));
    }
    out.push((format!("{DIR}/{JSON}"), json.to_vec()));
    out.push((format!("{DIR}/README.md"), dictionary(s).into_bytes()));
    out
}

fn dictionary(s: &Scored) -> String {
    format!(
        r#"# Dati aperti – Relazione sulla performance {anno}, {ente}

Licenza: {licenza}. Formato: CSV UTF-8 con riga di intestazione, separatore virgola, decimali con il
punto, valori non arrotondati. Un testo che inizia con `=`, `+`, `-` o `@` è preceduto da un apostrofo,
perché nessun foglio di calcolo lo esegua come formula.

## indicatori.csv

Una riga per indicatore dell'albero della performance (un indicatore usato da due obiettivi compare due
volte).

| campo | contenuto |
|---|---|
| codice_ambito, codice_obiettivo_strategico, gruppo, codice_obiettivo_operativo | i livelli superiori; `gruppo` è `indicatori` (indicatori propri dell'obiettivo strategico) o `obiettivi_operativi` |
| codice_indicatore, indicatore | codice e nome |
| tipologia | Efficacia, Efficienza, Qualità, Volume, Outcome |
| unita_di_misura | `N.` numero, `gg` giorni, `%` percentuale, `€` euro |
| operatore | `>=`, `<=`, `=`, `tra`, `entro` (scadenza) |
| target, valore | come esportati dalla piattaforma |
| valore_usato | il valore usato nel calcolo (non arrotondato, ricavato dalle misure quando disponibili) |
| peso | peso nel livello superiore, in punti percentuali |
| rapporto_pct | rapporto tra valore e target, in punti percentuali |
| risultato_pct | grado di raggiungimento, in punti percentuali |
| esito | `verde`, `giallo`, `rosso` secondo le soglie dello SMVP ({verde} % e {giallo} %) |
| decisione_oiv | `sostituzione`, `non valutabile`, `soppresso`, `cassato`, oppure vuoto |
| target_ministeriale | `si` se il target è fissato dal Ministero |
| fonte | la fonte del dato, se indicata |
| descrizione | la descrizione dell'indicatore, se indicata |

## obiettivi.csv e unita_organizzative.csv

Una riga per elemento dell'albero (ente, ambiti, obiettivi strategici, gruppi, obiettivi operativi; aree,
settori e obiettivi delle unità organizzative): `livello`, `codice`, `denominazione`, `codice_padre`, `peso`
(punti percentuali), `risultato_pct` (punti percentuali), `esito`, `valutazione_oiv` (il giudizio dell'OIV, se
espresso).

## relazione.json

Il modello completo con tutti i risultati, lo stesso di `relazione score --json`.
"#,
        anno = s.config.anno,
        ente = s.config.ente.nome,
        licenza = s.config.licenza_dati,
        verde = crate::value::format_number(s.config.smvp.semaforo.classi()[0].1, 0),
        giallo = crate::value::format_number(s.config.smvp.semaforo.classi()[1].1, 0),
    )
}
