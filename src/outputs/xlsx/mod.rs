//! The companion results workbook: every score, how it was computed, and the anomalies, in sheets
//! the controllo di gestione office and the OIV can filter, check and forward.
//!
//! The results of the trees are Excel formulas (indicator score from its target and value, each
//! objective from its children's weights and results), each with the tool's own value cached, so
//! an evaluator who corrects one value in Excel or LibreOffice sees the roll-up move. Text is always
//! written as text, never as a formula.

mod albero;
mod formule;

use crate::error::{Error, Problem};
use crate::inputs::config::Smvp;
use crate::model::{Decision, Level, Node};
use crate::score::Scored;
use albero::tree_sheet;
use formule::{band_formula, formula};
use rust_xlsxwriter::{
    ConditionalFormatCell, ConditionalFormatCellRule, DocProperties, ExcelDateTime, Format, FormatAlign,
    Formula, Workbook, Worksheet, XlsxError,
};
use std::collections::BTreeMap;

/// The letters of a zero-based column: 0 is `A`, 27 is `AB`.
fn column_letter(col: u16) -> String {
    let a1 = crate::error::cell_name(0, col as usize);
    a1.trim_end_matches('1').to_string()
}

/// The position of a column in a sheet's column table, by its header.
fn col_of(cols: &[(&str, f64)], header: &str) -> u16 {
    cols.iter().position(|(h, _)| *h == header).expect("a column of the table") as u16
}

/// Excel's limit for the text of one cell.
const MAX_CELL_TEXT: usize = 32_767;

fn out(e: XlsxError) -> Error {
    Error::Output(format!("scrittura della cartella dei risultati non riuscita: {e}"))
}

/// Output file name: `Risultati_performance_2024_Modena.xlsx`.
pub fn file_name(s: &Scored) -> String {
    file_name_for(&s.config)
}

/// The results workbook's name for an Ente's configuration.
pub fn file_name_for(config: &crate::inputs::config::Config) -> String {
    format!("Risultati_performance_{}_{}.xlsx", config.anno, config.ente.nome_breve.replace(' ', "_"))
}

struct Formats {
    header: Format,
    pct: Format,
    num: Format,
    date: Format,
    eur: Format,
    bold: Format,
    green: Format,
    yellow: Format,
    red: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: Format::new()
                .set_bold()
                .set_font_color("FFFFFF")
                .set_background_color("1F4E78")
                .set_text_wrap(),
            pct: Format::new().set_num_format("0.00%"),
            num: Format::new().set_num_format("#,##0.####"),
            date: Format::new().set_num_format("dd/mm/yyyy"),
            eur: Format::new().set_num_format("#,##0.00 \"€\""),
            bold: Format::new().set_bold(),
            green: Format::new().set_background_color("C6EFCE").set_font_color("006100"),
            yellow: Format::new().set_background_color("FFEB9C").set_font_color("9C5700"),
            red: Format::new().set_background_color("FFC7CE").set_font_color("9C0006"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// Writes text as a string cell (never a formula), truncated to Excel's limit.
fn text(ws: &mut Worksheet, row: u32, col: u16, s: &str) -> Result<(), Error> {
    if s.is_empty() {
        return Ok(());
    }
    let s: String = if s.chars().count() > MAX_CELL_TEXT {
        s.chars().take(MAX_CELL_TEXT - 1).chain(std::iter::once('…')).collect()
    } else {
        s.to_string()
    };
    ws.write_string(row, col, s).map_err(out)?;
    Ok(())
}

fn header(ws: &mut Worksheet, f: &Formats, cols: &[(&str, f64)]) -> Result<(), Error> {
    for (i, (name, width)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *name, &f.header).map_err(out)?;
        ws.set_column_width(i as u16, *width).map_err(out)?;
    }
    ws.set_freeze_panes(1, 0).map_err(out)?;
    // Printed as an office prints it: A4 landscape, the columns on one page wide, the header row
    // on every page.
    ws.set_paper_size(9).set_landscape().set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0).map_err(out)?;
    Ok(())
}

/// A fill for a class of colour `#RRGGBB`: a light tint behind, a dark shade for the text.
fn class_format(colour: &str) -> Format {
    let channel = |k: usize| u8::from_str_radix(&colour[1 + 2 * k..3 + 2 * k], 16).unwrap_or(128) as f64;
    let mix = |toward: f64, share: f64| -> String {
        (0..3)
            .map(|k| format!("{:02X}", (channel(k) * (1.0 - share) + toward * share).round() as u8))
            .collect()
    };
    Format::new().set_background_color(mix(255.0, 0.75).as_str()).set_font_color(mix(0.0, 0.45).as_str())
}

/// The SMVP classes' fills on a column of fractions, by the configured thresholds (none without
/// classes).
fn traffic_lights(ws: &mut Worksheet, smvp: &Smvp, col: u16, last_row: u32) -> Result<(), Error> {
    if last_row < 1 {
        return Ok(());
    }
    // The fill follows the class of the displayed value: a threshold is met from half a unit of
    // the second decimal below it.
    let classes = crate::view::classi(smvp.classi());
    let mut upper: Option<f64> = None;
    for (c, from) in classes.iter().zip(smvp.classi().iter().map(|c| c.da)) {
        let lo = from / 100.0 - 0.000_05;
        let rule = match upper {
            None => ConditionalFormatCellRule::GreaterThanOrEqualTo(lo),
            Some(up) => ConditionalFormatCellRule::Between(lo, up),
        };
        upper = Some(lo);
        let cf = ConditionalFormatCell::new().set_rule(rule).set_format(class_format(&c.colore));
        ws.add_conditional_format(1, col, last_row, col, &cf).map_err(out)?;
    }
    Ok(())
}

/// Document properties of a workbook of this run (dated as the document, for same bytes).
fn properties(wb: &mut Workbook, s: &Scored, title: &str) -> Result<(), Error> {
    let created = {
        use chrono::Datelike;
        let d = s.date;
        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(out)?
    };
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{title} {} – {}", s.config.anno, s.config.ente.nome))
            .set_subject("Relazione sulla performance, art. 10 D.Lgs. 150/2009")
            .set_company(&s.config.ente.nome)
            .set_author(&s.config.ente.nome)
            .set_keywords(format!("performance, {}", s.config.anno))
            .set_creation_datetime(&created),
    );
    Ok(())
}

/// The OIV's working papers as a workbook (not published): the validation criteria with their
/// evidence, and every finding of the run with its file, sheet and cell.
pub fn working_papers(
    s: &Scored,
    findings: &[Problem],
    carte: &crate::view::CarteOiv,
) -> Result<Vec<u8>, Error> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    properties(&mut wb, s, "Carte di lavoro dell'OIV, Relazione sulla performance")?;
    carte_oiv(&mut wb, carte, &f)?;
    anomalie(&mut wb, findings, &f)?;
    wb.save_to_buffer().map_err(out)
}

/// Builds the whole results workbook in memory: the Ente's figures, published beside the
/// Relazione (the OIV's cross-checks are in [`working_papers`]).
pub fn workbook(s: &Scored) -> Result<Vec<u8>, Error> {
    let f = Formats::new();
    let smvp = &s.config.smvp;
    let mut wb = Workbook::new();
    properties(&mut wb, s, "Risultati della performance")?;

    add_sintesi(&mut wb, &f)?;
    let albero_rows = match &s.report.albero {
        Some(a) => tree_sheet(&mut wb, "Albero", &[a], &f, smvp, &BTreeMap::new())?,
        None => BTreeMap::new(),
    };
    indicatori(&mut wb, s, &f)?;
    if let Some(u) = &s.report.unita {
        tree_sheet(&mut wb, "Unità organizzative", &[u], &f, smvp, &BTreeMap::new())?;
    }
    let individual: Vec<&Node> = s.report.individuali.iter().chain(s.report.tempestivita.iter()).collect();
    if !individual.is_empty() {
        tree_sheet(&mut wb, "Obiettivi individuali", &individual, &f, smvp, &albero_rows)?;
    }
    overshooting(&mut wb, s, &f)?;
    risorse(&mut wb, s, &f)?;
    anno_precedente(&mut wb, s, &f)?;
    // Sintesi refers to Albero rows: fix them now that Albero is written.
    fill_sintesi(&mut wb, s, &albero_rows, &f)?;
    wb.save_to_buffer().map_err(out)
}

const SINTESI_COLS: &[(&str, f64)] = &[
    ("Livello", 22.0),
    ("Codice", 10.0),
    ("Denominazione", 60.0),
    ("Peso", 10.0),
    ("Risultato", 12.0),
    ("Classe", 14.0),
    ("Valutazione", 16.0),
];

/// The rows of the summary: Ente, ambiti, OS (written by [`fill_sintesi`], with links to Albero).
fn sintesi_nodes(s: &Scored) -> Vec<&Node> {
    let mut out = Vec::new();
    if let Some(a) = &s.report.albero {
        out.push(a);
        out.extend(a.children.iter());
        out.extend(a.all(Level::ObiettivoStrategico));
    }
    out
}

/// Adds the (first) summary sheet; it is filled by [`fill_sintesi`] once the Albero rows are known.
fn add_sintesi(wb: &mut Workbook, f: &Formats) -> Result<(), Error> {
    let ws = wb.add_worksheet().set_name("Sintesi").map_err(out)?;
    header(ws, f, SINTESI_COLS)
}

fn fill_sintesi(
    wb: &mut Workbook,
    s: &Scored,
    rows: &BTreeMap<(Level, String), u32>,
    f: &Formats,
) -> Result<(), Error> {
    let smvp = &s.config.smvp;
    let ws = wb.worksheet_from_name("Sintesi").map_err(out)?;
    let nodes = sintesi_nodes(s);
    let mut row = 1u32;
    for n in &nodes {
        let label = if n.level == Level::Ente { s.config.ente.nome.as_str() } else { n.name.as_str() };
        text(ws, row, 0, n.level.label())?;
        text(ws, row, 1, if n.level == Level::Ente { "" } else { &n.code })?;
        text(ws, row, 2, label)?;
        if let Some(w) = n.weight {
            ws.write_number_with_format(row, 3, w / 100.0, &f.pct).map_err(out)?;
        }
        if let (Some(r), Some(src)) = (n.result(), rows.get(&(n.level, n.code.clone()))) {
            ws.write_formula_with_format(
                row,
                col_of(SINTESI_COLS, "Risultato"),
                formula(format!("Albero!{}", albero::Col::Risultato.at(*src)), r),
                &f.pct,
            )
            .map_err(out)?;
            let band = n.outcome.as_ref().and_then(|o| o.classe.as_deref()).unwrap_or("");
            if !smvp.classi().is_empty() {
                ws.write_formula(
                    row,
                    5,
                    Formula::new(band_formula(
                        &format!("{}{}", column_letter(col_of(SINTESI_COLS, "Risultato")), row + 1),
                        smvp,
                    ))
                    .set_result(band),
                )
                .map_err(out)?;
            }
        }
        if let Some(v) = n.outcome.as_ref().and_then(|o| o.valutazione.as_ref()) {
            text(ws, row, 6, v)?;
        }
        row += 1;
    }
    traffic_lights(ws, smvp, 4, row - 1)?;
    row += 1;
    // The Ente's other figures, where the SMVP lists more than one: each a live formula over the
    // Albero sheet, the official one first.
    if let (Some(root), true) = (&s.report.albero, s.summary.figure_ente.len() > 1) {
        ws.write_string_with_format(row, 0, "Performance di Ente: le misure dello SMVP", &f.bold)
            .map_err(out)?;
        row += 1;
        for (i, fig) in s.summary.figure_ente.iter().enumerate() {
            text(ws, row, 0, if i == 0 { "misura ufficiale" } else { "altra misura" })?;
            text(ws, row, 2, &fig.etichetta)?;
            let expr = match (i, rows.get(&(Level::Ente, root.code.clone()))) {
                (0, Some(r)) => Some(format!("Albero!{}", albero::Col::Risultato.at(*r))),
                _ => albero::ente_expr(fig.calcolo, root, rows, "Albero!"),
            };
            // A figure too long for a formula is written as its value.
            match (expr, fig.risultato) {
                (Some(e), Some(v)) => ws.write_formula_with_format(row, 4, formula(e, v), &f.pct).map(|_| ()),
                (None, Some(v)) => ws.write_number_with_format(row, 4, v, &f.pct).map(|_| ()),
                _ => Ok(()),
            }
            .map_err(out)?;
            row += 1;
        }
        row += 1;
    }
    // Without the SMVP's classes there is nothing to count by class.
    if smvp.classi().is_empty() {
        return Ok(());
    }
    ws.write_string_with_format(row, 0, "Obiettivi per classe", &f.bold).map_err(out)?;
    row += 1;
    for (label, c, level) in [
        ("obiettivi strategici", &s.summary.obiettivi_strategici, Level::ObiettivoStrategico),
        ("obiettivi operativi", &s.summary.obiettivi_operativi, Level::ObiettivoOperativo),
    ] {
        for (classe, &n) in smvp.classi().iter().zip(&c.per_classe) {
            let band = escape_criteria(&classe.etichetta);
            text(ws, row, 0, label)?;
            text(ws, row, 1, &classe.etichetta)?;
            let (livello, semaforo) = (albero::Col::Livello.letter(), albero::Col::Semaforo.letter());
            let expr = format!(
                "COUNTIFS(Albero!{livello}:{livello},\"*{}\",Albero!{semaforo}:{semaforo},\"={band}\")",
                level.label()
            );
            ws.write_formula(row, 4, formula(expr, n as f64)).map_err(out)?;
            row += 1;
        }
        text(ws, row, 0, label)?;
        text(ws, row, 1, "totale")?;
        ws.write_number(row, 4, c.totale as f64).map_err(out)?;
        row += 1;
    }
    Ok(())
}

/// A text as a COUNTIFS criterion that matches it exactly: `~` before the wildcards `*`, `?`
/// and `~`, and the string's quotes doubled.
fn escape_criteria(text: &str) -> String {
    text.replace('~', "~~").replace('*', "~*").replace('?', "~?").replace('"', "\"\"")
}

const IND_COLS: &[(&str, f64)] = &[
    ("Codice ambito", 10.0),
    ("Codice obiettivo strategico", 12.0),
    ("Gruppo", 18.0),
    ("Codice obiettivo operativo", 14.0),
    ("Codice indicatore", 18.0),
    ("Indicatore", 50.0),
    ("Tipologia", 12.0),
    ("Unità", 9.0),
    ("Operatore", 9.0),
    ("Target", 18.0),
    ("Valore", 16.0),
    ("Valore usato", 14.0),
    ("Da misure", 9.0),
    ("Valori misure", 24.0),
    ("Rapporto", 10.0),
    ("Punteggio", 10.0),
    ("Peso", 9.0),
    ("Regola applicata", 40.0),
    ("Decisione (chi l'ha presa)", 22.0),
    ("Motivazione", 40.0),
    ("Valore mancante", 9.0),
    ("Overshooting (valore/target)", 12.0),
    ("Target ministeriale", 10.0),
    ("Fonte", 20.0),
    ("Algoritmo", 50.0),
];

fn yes(b: bool) -> &'static str {
    if b { "Sì" } else { "No" }
}

fn indicatori(wb: &mut Workbook, s: &Scored, f: &Formats) -> Result<(), Error> {
    let ws = wb.add_worksheet().set_name("Indicatori").map_err(out)?;
    header(ws, f, IND_COLS)?;
    let rows = crate::view::indicator_rows(s);
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let n = r.node;
        let ind = n.indicator.as_deref().expect("indicator rows");
        let o = n.outcome.as_ref();
        for (c, p) in
            [&r.ambito, &r.obiettivo_strategico, &r.gruppo, &r.obiettivo_operativo].into_iter().enumerate()
        {
            text(ws, row, c as u16, p)?;
        }
        text(ws, row, 4, &n.code)?;
        text(ws, row, 5, &n.name)?;
        text(ws, row, 6, ind.tipo.as_deref().unwrap_or(""))?;
        text(ws, row, 7, ind.unit.suffix())?;
        text(ws, row, 8, ind.target.operator())?;
        text(ws, row, 9, &ind.target_text)?;
        text(ws, row, 10, &ind.actual_text)?;
        if let Some(v) = ind.value {
            ws.write_number_with_format(row, 11, v, &f.num).map_err(out)?;
        }
        text(ws, row, 12, yes(ind.from_measures))?;
        text(ws, row, 13, ind.measures.as_deref().unwrap_or(""))?;
        if let Some(r) = o.and_then(|o| o.ratio) {
            ws.write_number_with_format(row, 14, r, &f.pct).map_err(out)?;
        }
        if let Some(r) = o.and_then(|o| o.result) {
            ws.write_number_with_format(row, 15, r, &f.pct).map_err(out)?;
        }
        if let Some(w) = n.weight {
            ws.write_number_with_format(row, 16, w / 100.0, &f.pct).map_err(out)?;
        }
        text(ws, row, 17, o.and_then(|o| o.rule.as_deref()).unwrap_or(""))?;
        match o.and_then(|o| o.decision.as_ref()) {
            Some(Decision::Sostituzione { motivazione, organo, .. }) => {
                text(ws, row, 18, &format!("sostituzione ({})", organo.label()))?;
                text(ws, row, 19, motivazione)?;
            }
            Some(Decision::Esclusione { esito, motivazione, organo }) => {
                text(ws, row, 18, &format!("{esito} ({})", organo.label()))?;
                text(ws, row, 19, motivazione)?;
            }
            None => {}
        }
        text(ws, row, 20, yes(o.is_some_and(|o| o.missing)))?;
        if let Some(x) =
            crate::score::indicator::achievement(ind, &s.config.smvp.scadenze).and_then(|a| a.overshoot)
        {
            ws.write_number_with_format(row, 21, x, &f.pct).map_err(out)?;
        }
        text(ws, row, 22, yes(ind.target_ministeriale))?;
        text(ws, row, 23, ind.fonte.as_deref().unwrap_or(""))?;
        text(ws, row, 24, ind.algoritmo.as_deref().unwrap_or(""))?;
    }
    let last = rows.len() as u32;
    ws.autofilter(0, 0, last.max(1), (IND_COLS.len() - 1) as u16).map_err(out)?;
    traffic_lights(ws, &s.config.smvp, 15, last)?;
    Ok(())
}

fn overshooting(wb: &mut Workbook, s: &Scored, f: &Formats) -> Result<(), Error> {
    let ws = wb.add_worksheet().set_name("Overshooting").map_err(out)?;
    let cols: &[(&str, f64)] = &[
        ("Codice", 18.0),
        ("Indicatore", 50.0),
        ("Tipo", 12.0),
        ("Operatore", 9.0),
        ("Target", 18.0),
        ("Consuntivo", 16.0),
        ("Valore vs target", 12.0),
        ("Overshooting", 12.0),
        ("Target ministeriale", 10.0),
    ];
    header(ws, f, cols)?;
    let ov = &s.summary.overshooting;
    for (i, r) in ov.righe.iter().enumerate() {
        let row = i as u32 + 1;
        text(ws, row, 0, &r.code)?;
        text(ws, row, 1, &r.name)?;
        text(ws, row, 2, r.tipo.as_deref().unwrap_or(""))?;
        text(ws, row, 3, &r.operatore)?;
        text(ws, row, 4, &r.target)?;
        text(ws, row, 5, &r.consuntivo)?;
        ws.write_number_with_format(row, 6, r.rapporto / 100.0, &f.pct).map_err(out)?;
        ws.write_number_with_format(row, 7, r.overshooting / 100.0, &f.pct).map_err(out)?;
        text(ws, row, 8, yes(r.target_ministeriale))?;
    }
    let note_row = ov.righe.len() as u32 + 2;
    text(
        ws,
        note_row,
        0,
        &if ov.dalla_piattaforma {
            format!(
                "{} indicatori su {} con target segnalati dalla piattaforma (colonna OVERSHOOTING).",
                ov.righe.len(),
                ov.kpi_con_target
            )
        } else {
            format!(
                "{} indicatori su {} con target oltre la soglia del {} % (operatori {}).",
                ov.righe.len(),
                ov.kpi_con_target,
                crate::value::format_number(ov.soglia, 0),
                ov.operatori.join(", ")
            )
        },
    )?;
    ws.autofilter(0, 0, (ov.righe.len() as u32).max(1), (cols.len() - 1) as u16).map_err(out)?;
    Ok(())
}

fn risorse(wb: &mut Workbook, s: &Scored, f: &Formats) -> Result<(), Error> {
    let Some(r) = &s.report.risorse else { return Ok(()) };
    let ws = wb.add_worksheet().set_name("Risorse").map_err(out)?;
    let cols: &[(&str, f64)] = &[
        ("Codice", 12.0),
        ("Denominazione", 50.0),
        ("Livello", 20.0),
        ("Budget iniziale", 16.0),
        ("Budget aggiornato", 16.0),
        ("Utilizzato", 16.0),
        ("% Utilizzo", 10.0),
    ];
    header(ws, f, cols)?;
    for (i, x) in r.obiettivi.iter().chain(&r.progetti).enumerate() {
        let row = i as u32 + 1;
        text(ws, row, 0, &x.code)?;
        text(ws, row, 1, &x.name)?;
        text(ws, row, 2, &x.livello)?;
        ws.write_number_with_format(row, 3, x.budget_iniziale, &f.eur).map_err(out)?;
        ws.write_number_with_format(row, 4, x.budget_aggiornato, &f.eur).map_err(out)?;
        ws.write_number_with_format(row, 5, x.utilizzato, &f.eur).map_err(out)?;
        if let Some(u) = x.utilizzo() {
            let (budget, used) =
                (column_letter(col_of(cols, "Budget aggiornato")), column_letter(col_of(cols, "Utilizzato")));
            let e = format!("IF({budget}{0}=0,\"\",{used}{0}/{budget}{0})", row + 1);
            ws.write_formula_with_format(row, 6, formula(e, u), &f.pct).map_err(out)?;
        }
    }
    ws.autofilter(0, 0, (r.obiettivi.len() + r.progetti.len()).max(1) as u32, 6).map_err(out)?;
    Ok(())
}

/// This year beside last year (`data/anno_precedente/`): every objective and indicator of the
/// performance tree and of the units' tree with both results and values and their changes (Excel
/// formulas on the two cells, with the tool's values cached), then last year's nodes not found.
fn anno_precedente(wb: &mut Workbook, s: &Scored, f: &Formats) -> Result<(), Error> {
    use crate::model::Previous;
    use crate::score::precedente::{Change, value_change};
    let Some(c) = &s.precedente else { return Ok(()) };
    let (now, last) = (s.config.anno, c.anno);
    let names = [
        ("Livello".to_string(), 20.0),
        ("Codice".into(), 12.0),
        ("Denominazione".into(), 50.0),
        (format!("Come ritrovato nel {last}"), 20.0),
        (format!("Risultato {now}"), 12.0),
        (format!("Risultato {last}"), 12.0),
        ("Variazione del risultato (p.p.)".into(), 14.0),
        (format!("Consuntivo {now}"), 18.0),
        (format!("Consuntivo {last}"), 18.0),
        (format!("Valore {now}"), 14.0),
        (format!("Valore {last}"), 14.0),
        ("Variazione del valore".into(), 12.0),
        ("Unità della variazione".into(), 12.0),
    ];
    let cols: Vec<(&str, f64)> = names.iter().map(|(n, w)| (n.as_str(), *w)).collect();
    let ws = wb.add_worksheet().set_name("Anno precedente").map_err(out)?;
    header(ws, f, &cols)?;
    let points = Format::new().set_num_format("+0.00;-0.00;0.00");
    let mut nodes: Vec<&Node> = Vec::new();
    for tree in [&s.report.albero, &s.report.unita].into_iter().flatten() {
        tree.walk(&mut |n| {
            if !matches!(n.level, Level::Gruppo | Level::Valutati) {
                nodes.push(n)
            }
        });
    }
    let mut row = 0u32;
    for n in nodes {
        row += 1;
        let r = row + 1;
        text(ws, row, 0, n.level.label())?;
        text(ws, row, 1, &n.code)?;
        text(ws, row, 2, &n.name)?;
        if let Some(x) = n.result() {
            ws.write_number_with_format(row, 4, x, &f.pct).map_err(out)?;
        }
        let ind = n.indicator.as_deref();
        if let Some(i) = ind {
            text(ws, row, 7, &i.actual_text)?;
            if let Some(v) = i.value {
                ws.write_number_with_format(row, 9, v, &f.num).map_err(out)?;
            }
        }
        let fig = match &n.previous {
            Some(Previous::Found(fig)) => fig,
            Some(Previous::New { .. }) => {
                text(ws, row, 3, "nuovo")?;
                continue;
            }
            // A tree last year's results do not have (an export of the performance tree alone).
            None => continue,
        };
        text(ws, row, 3, fig.by.label())?;
        if let Some(x) = fig.result {
            ws.write_number_with_format(row, 5, x / 100.0, &f.pct).map_err(out)?;
        }
        if let Some(d) = crate::score::precedente::result_change(n) {
            ws.write_formula_with_format(row, 6, formula(format!("(E{r}-F{r})*100"), d), &points)
                .map_err(out)?;
        }
        if ind.is_some() {
            text(ws, row, 8, fig.actual.as_deref().unwrap_or(""))?;
            if let Some(v) = fig.value {
                ws.write_number_with_format(row, 10, v, &f.num).map_err(out)?;
            }
        }
        match value_change(n) {
            Some(Change::Points(p)) => {
                ws.write_formula_with_format(row, 11, formula(format!("J{r}-K{r}"), p), &points)
                    .map_err(out)?;
                text(ws, row, 12, "p.p.")?;
            }
            Some(Change::Relative(p)) => {
                let e = format!("(J{r}-K{r})/ABS(K{r})*100");
                ws.write_formula_with_format(row, 11, formula(e, p), &points).map_err(out)?;
                text(ws, row, 12, "%")?;
            }
            None => {}
        }
    }
    for t in &c.tolti {
        row += 1;
        text(ws, row, 0, t.livello)?;
        text(ws, row, 1, &t.codice)?;
        text(ws, row, 2, &t.nome)?;
        text(ws, row, 3, &format!("non più presente nel {now}"))?;
        if let Some(x) = t.risultato {
            ws.write_number_with_format(row, 5, x / 100.0, &f.pct).map_err(out)?;
        }
    }
    ws.autofilter(0, 0, row.max(1), cols.len() as u16 - 1).map_err(out)?;
    Ok(())
}

/// The OIV's working papers: each validation criterion with its evidence, status and details.
fn carte_oiv(wb: &mut Workbook, carte: &crate::view::CarteOiv, f: &Formats) -> Result<(), Error> {
    let ws = wb.add_worksheet().set_name("Carte OIV").map_err(out)?;
    header(
        ws,
        f,
        &[
            ("Criterio", 40.0),
            ("Riferimento", 30.0),
            ("Evidenza", 70.0),
            ("Stato", 16.0),
            ("Dettagli", 90.0),
            ("Da riscontrare sugli atti", 60.0),
        ],
    )?;
    for (i, c) in carte.criteri.iter().enumerate() {
        let row = i as u32 + 1;
        text(ws, row, 0, &c.criterio)?;
        text(ws, row, 1, c.riferimento)?;
        text(ws, row, 2, &c.evidenza)?;
        let status = match c.banda {
            "verde" => &f.green,
            "rosso" => &f.red,
            _ => &f.yellow,
        };
        ws.write_string_with_format(row, 3, c.stato, status).map_err(out)?;
        text(ws, row, 4, &c.dettagli.join("\n"))?;
        text(ws, row, 5, c.controlli)?;
        for col in [0, 1, 2, 4, 5] {
            ws.set_cell_format(row, col, &f.wrap).map_err(out)?;
        }
    }
    Ok(())
}

fn anomalie(wb: &mut Workbook, findings: &[Problem], f: &Formats) -> Result<(), Error> {
    let ws = wb.add_worksheet().set_name("Anomalie").map_err(out)?;
    header(ws, f, &[("File", 50.0), ("Foglio", 22.0), ("Cella", 8.0), ("Descrizione", 100.0)])?;
    for (i, p) in findings.iter().enumerate() {
        let row = i as u32 + 1;
        text(ws, row, 0, &p.location.file.display().to_string())?;
        text(ws, row, 1, p.location.sheet.as_deref().unwrap_or(""))?;
        text(ws, row, 2, p.location.cell.as_deref().unwrap_or(""))?;
        text(ws, row, 3, &p.message)?;
        ws.set_cell_format(row, 3, &f.wrap).map_err(out)?;
    }
    ws.autofilter(0, 0, (findings.len() as u32).max(1), 3).map_err(out)?;
    Ok(())
}
