//! Individual objectives (section 4): objective rows followed by their indicator rows, per role;
//! and the payment-timeliness objective that weighs 30 % of the managers' result pay.

use super::cells;
use super::sheet::{Columns, Sheet, normalize};
use crate::error::Diagnostics;
use crate::model::{Level, Node, Report};

pub const HEADERS: &[&str] = &[
    "ruolo",
    "tipologia obiettivo",
    "obiettivo",
    "peso indicatore",
    "indicatore",
    "consuntivo",
    "target",
    "grado raggiungimento",
    "peso obiettivo individuale",
];

pub const TEMPESTIVITA: &[&str] = &["peso", "indicatore", "target", "valore", "raggiungimento"];

pub fn read(sheet: &Sheet, header: usize, cols: &Columns, report: &mut Report, diag: &mut Diagnostics) {
    let col = |h: &str| cols.find(h).expect("recognised header");
    let (c_role, c_tip, c_obj, c_wi, c_ind) = (
        col("ruolo"),
        col("tipologia obiettivo"),
        col("obiettivo"),
        col("peso indicatore"),
        col("indicatore"),
    );
    let (c_cons, c_target, c_res, c_wo) =
        (col("consuntivo"), col("target"), col("grado raggiungimento"), col("peso obiettivo individuale"));
    let (c_desc, c_alg, c_mis) =
        (cols.find("descrizione"), cols.find("algoritmo"), cols.find("valore misure"));

    let mut root = Node::new(Level::Valutati, "valutati", "Obiettivi individuali", sheet.sheet_loc());
    for row in header + 1..sheet.end_row() {
        if sheet.row_is_empty(row) {
            continue;
        }
        let Some(role) = sheet.text(row, c_role) else {
            diag.error(sheet.loc(row, c_role), "ruolo mancante");
            continue;
        };
        if root.children.last().is_none_or(|r| r.name != role) {
            if root.children.iter().any(|r| r.name == role) {
                diag.error(
                    sheet.loc(row, c_role),
                    format!("le righe del ruolo «{role}» non sono consecutive"),
                );
                continue;
            }
            root.children.push(Node::new(Level::Ruolo, &role, &role, sheet.loc(row, c_role)));
        }
        let person = root.children.last_mut().expect("pushed above");
        if let Some(tipologia) = sheet.text(row, c_tip) {
            let label = sheet.text(row, c_obj).unwrap_or_default();
            let (code, name) = cells::split_label(&label);
            let mut obj = Node::new(Level::ObiettivoIndividuale, &code, &name, sheet.loc(row, c_obj));
            obj.tipologia = Some(tipologia);
            obj.weight = cells::weight(sheet, row, c_wo, diag);
            obj.platform_result = cells::fraction(sheet, row, c_res, "grado di raggiungimento", diag);
            person.children.push(obj);
        } else if let Some(label) = sheet.text(row, c_ind) {
            let Some(obj) = person.children.last_mut() else {
                diag.error(sheet.loc(row, c_ind), "indicatore prima di qualsiasi obiettivo del ruolo");
                continue;
            };
            let (code, name) = cells::split_label(&label);
            let mut node = Node::new(Level::Indicatore, &code, &name, sheet.loc(row, c_ind));
            node.weight = cells::weight(sheet, row, c_wi, diag);
            node.platform_result = cells::fraction(sheet, row, c_res, "grado di raggiungimento", diag);
            let Some(mut ind) = cells::indicator(sheet, row, c_target, c_cons, diag) else {
                continue;
            };
            ind.descrizione = c_desc.and_then(|c| sheet.text(row, c));
            ind.algoritmo = c_alg.and_then(|c| sheet.text(row, c));
            ind.measures = c_mis.and_then(|c| cells::value_text(sheet, row, c));
            node.indicator = Some(Box::new(ind));
            obj.children.push(node);
        } else {
            diag.error(sheet.loc(row, c_tip), "riga senza tipologia di obiettivo né indicatore");
        }
    }
    report.individuali = Some(root);
}

/// The payment-timeliness sheet: the objective in the title row, its indicators with baselines,
/// and a last row with the platform's result of the objective.
pub fn read_tempestivita(
    sheet: &Sheet,
    header: usize,
    cols: &Columns,
    report: &mut Report,
    diag: &mut Diagnostics,
) {
    let col = |h: &str| cols.find(h).expect("recognised header");
    let (c_w, c_ind, c_t, c_v, c_res) =
        (col("peso"), col("indicatore"), col("target"), col("valore"), col("raggiungimento"));
    let c_alg = cols.find("algoritmo");
    let baselines: Vec<usize> =
        (0..cols.names.len()).filter(|&c| cols.names[c].starts_with("base line")).collect();
    let title = (0..header).find_map(|r| sheet.text(r, 0)).unwrap_or_default();
    let (code, name) = cells::split_label(&title);
    let mut obj = Node::new(Level::ObiettivoOperativo, &code, &name, sheet.loc(0, 0));
    for row in header + 1..sheet.end_row() {
        let Some(label) = sheet.text(row, c_ind) else {
            continue;
        };
        if normalize(&label).starts_with("risultato obiettivo") {
            obj.platform_result = cells::fraction(sheet, row, c_res, "raggiungimento", diag);
            continue;
        }
        let (icode, iname) = cells::split_label(&label);
        let mut node = Node::new(Level::Indicatore, &icode, &iname, sheet.loc(row, c_ind));
        node.weight = cells::weight(sheet, row, c_w, diag);
        node.platform_result = cells::fraction(sheet, row, c_res, "raggiungimento", diag);
        let Some(mut ind) = cells::indicator(sheet, row, c_t, c_v, diag) else {
            continue;
        };
        ind.algoritmo = c_alg.and_then(|c| sheet.text(row, c));
        ind.storico =
            baselines.iter().filter_map(|&c| Some((sheet.text(header, c)?, sheet.text(row, c)?))).collect();
        node.indicator = Some(Box::new(ind));
        obj.children.push(node);
    }
    report.tempestivita = Some(obj);
}
