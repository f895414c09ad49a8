//! The canonical flat layout, for administrations not on the platform: one row per indicator with
//! the codes of its parents and the weights. `relazione modello` writes an empty workbook of it.
//!
//! Weights are percentage points (`25`); a cell formatted as a percentage (`25%`, stored 0,25) is
//! read as such. A row without an operational objective is an indicator of its OS's own group.

use super::cells;
use super::sheet::{Columns, Sheet};
use super::styles;
use crate::error::{Diagnostics, Location};
use crate::model::{Level, Node};
use std::collections::BTreeMap;

/// The columns, in order: required ones first (the recognition signature is [`HEADERS`]).
pub const COLUMNS: &[(&str, &str)] = &[
    ("Codice ambito", "codice dell'ambito strategico (es. 1)"),
    ("Ambito", "nome dell'ambito strategico"),
    ("Peso ambito", "peso dell'ambito nell'Ente, in punti percentuali (es. 33,33)"),
    ("Codice obiettivo strategico", "codice dell'obiettivo strategico (es. 301)"),
    ("Obiettivo strategico", "nome dell'obiettivo strategico"),
    ("Peso obiettivo strategico", "peso dell'OS nell'ambito"),
    ("Peso gruppo indicatori", "peso degli indicatori propri dell'OS nel risultato dell'OS (es. 50)"),
    ("Peso gruppo obiettivi operativi", "peso degli obiettivi operativi nel risultato dell'OS (es. 50)"),
    ("Codice obiettivo operativo", "vuoto per gli indicatori propri dell'OS"),
    ("Obiettivo operativo", "nome dell'obiettivo operativo"),
    ("Peso obiettivo operativo", "peso dell'OO nel gruppo degli obiettivi operativi"),
    ("Codice indicatore", "codice dell'indicatore"),
    ("Indicatore", "nome dell'indicatore"),
    ("Peso indicatore", "peso dell'indicatore nel suo obiettivo o gruppo"),
    ("Tipologia", "Efficacia, Efficienza, Qualità, Volume, Outcome"),
    ("Target", "es. >= 1.000 N. | <= 2 gg | >= 45,00 % | Entro 30-06-2024 | tra 10 e 20 N."),
    ("Valore", "consuntivo, es. 1.250 N. | 1,61 gg | 25-06-2024 | N/D"),
    ("Valori misure", "facoltativo: espressione delle misure, es. 8.270 N. / 630,56 N."),
    ("Algoritmo", "facoltativo"),
    ("Fonte", "facoltativo"),
    ("Descrizione", "facoltativo"),
];

pub const HEADERS: &[&str] = &[
    "codice ambito",
    "codice obiettivo strategico",
    "codice obiettivo operativo",
    "codice indicatore",
    "peso indicatore",
];

pub fn read(sheet: &Sheet, header: usize, cols: &Columns, diag: &mut Diagnostics) -> Node {
    let formats = styles::read(&sheet.book, &sheet.name);
    let col = |h: &str| cols.find(h);
    let text = |row: usize, h: &str| col(h).and_then(|c| sheet.text(row, c));
    let weight = |row: usize, h: &str, diag: &mut Diagnostics| -> Option<f64> {
        let c = col(h)?;
        let is_percent =
            formats.get(&(row, c)).and_then(|s| s.num_fmt.as_deref()).is_some_and(|f| f.contains('%'));
        let v = cells::number(sheet, row, c, h, diag)?;
        let text_percent = sheet.text(row, c).is_some_and(|t| t.contains('%'));
        Some(if is_percent && !text_percent { v * 100.0 } else { v })
    };

    let mut root = Node::new(Level::Ente, "ente", "", sheet.sheet_loc());
    // Index paths of the nodes created so far, by level and code.
    let mut index: BTreeMap<(Level, String), Vec<usize>> = BTreeMap::new();
    for row in header + 1..sheet.end_row() {
        if sheet.row_is_empty(row) {
            continue;
        }
        let (Some(amb), Some(os), Some(ind_code)) = (
            text(row, "codice ambito"),
            text(row, "codice obiettivo strategico"),
            text(row, "codice indicatore"),
        ) else {
            diag.error(
                sheet.loc(row, 0),
                "riga senza codice di ambito, di obiettivo strategico o di indicatore",
            );
            continue;
        };
        let oo = text(row, "codice obiettivo operativo");
        let loc = |h: &str| sheet.loc(row, col(h).unwrap_or(0));

        let amb_path = ensure(
            &mut root,
            &mut index,
            &[],
            Level::Ambito,
            &amb,
            text(row, "ambito"),
            loc("codice ambito"),
        );
        set_weight(&mut root, &amb_path, weight(row, "peso ambito", diag), &loc("peso ambito"), diag);
        let os_path = ensure(
            &mut root,
            &mut index,
            &amb_path,
            Level::ObiettivoStrategico,
            &os,
            text(row, "obiettivo strategico"),
            loc("codice obiettivo strategico"),
        );
        set_weight(
            &mut root,
            &os_path,
            weight(row, "peso obiettivo strategico", diag),
            &loc("peso obiettivo strategico"),
            diag,
        );
        let parent_path = match &oo {
            None => {
                let g = ensure_group(
                    &mut root,
                    &mut index,
                    &os_path,
                    &os,
                    "indicatori",
                    "Indicatori",
                    loc("codice obiettivo strategico"),
                );
                set_weight(
                    &mut root,
                    &g,
                    weight(row, "peso gruppo indicatori", diag),
                    &loc("peso gruppo indicatori"),
                    diag,
                );
                g
            }
            Some(oo) => {
                let g = ensure_group(
                    &mut root,
                    &mut index,
                    &os_path,
                    &os,
                    "obiettivi_operativi",
                    "Obiettivi operativi",
                    loc("codice obiettivo strategico"),
                );
                set_weight(
                    &mut root,
                    &g,
                    weight(row, "peso gruppo obiettivi operativi", diag),
                    &loc("peso gruppo obiettivi operativi"),
                    diag,
                );
                let p = ensure(
                    &mut root,
                    &mut index,
                    &g,
                    Level::ObiettivoOperativo,
                    oo,
                    text(row, "obiettivo operativo"),
                    loc("codice obiettivo operativo"),
                );
                set_weight(
                    &mut root,
                    &p,
                    weight(row, "peso obiettivo operativo", diag),
                    &loc("peso obiettivo operativo"),
                    diag,
                );
                p
            }
        };
        let (Some(tc), Some(vc)) = (col("target"), col("valore")) else {
            diag.error(sheet.loc(header, 0), "mancano le colonne Target e Valore");
            return root;
        };
        let mut node = Node::new(
            Level::Indicatore,
            &ind_code,
            &text(row, "indicatore").unwrap_or_else(|| ind_code.clone()),
            loc("codice indicatore"),
        );
        node.weight = weight(row, "peso indicatore", diag);
        let Some(mut ind) = cells::indicator(sheet, row, tc, vc, diag) else {
            continue;
        };
        ind.tipo = text(row, "tipologia");
        ind.measures = col("valori misure").and_then(|c| cells::value_text(sheet, row, c));
        ind.algoritmo = text(row, "algoritmo");
        ind.fonte = text(row, "fonte");
        ind.descrizione = text(row, "descrizione");
        node.indicator = Some(Box::new(ind));
        at(&mut root, &parent_path).children.push(node);
    }
    root
}

fn at<'a>(root: &'a mut Node, path: &[usize]) -> &'a mut Node {
    path.iter().fold(root, |n, &i| &mut n.children[i])
}

/// The path of the node (level, code), created under `parent` on first sight.
fn ensure(
    root: &mut Node,
    index: &mut BTreeMap<(Level, String), Vec<usize>>,
    parent: &[usize],
    level: Level,
    code: &str,
    name: Option<String>,
    loc: Location,
) -> Vec<usize> {
    if let Some(p) = index.get(&(level, code.to_string())) {
        return p.clone();
    }
    let node = Node::new(level, code, name.as_deref().unwrap_or(code), loc);
    let parent_node = at(root, parent);
    parent_node.children.push(node);
    let mut p = parent.to_vec();
    p.push(parent_node.children.len() - 1);
    index.insert((level, code.to_string()), p.clone());
    p
}

fn ensure_group(
    root: &mut Node,
    index: &mut BTreeMap<(Level, String), Vec<usize>>,
    os_path: &[usize],
    os: &str,
    code: &str,
    name: &str,
    loc: Location,
) -> Vec<usize> {
    let key = format!("{os}/{code}");
    let p = ensure(root, index, os_path, Level::Gruppo, &key, Some(name.to_string()), loc);
    at(root, &p).code = code.to_string();
    p
}

/// Sets a node's weight from the first row that gives it; a later row that disagrees is an error.
fn set_weight(root: &mut Node, path: &[usize], w: Option<f64>, loc: &Location, diag: &mut Diagnostics) {
    let Some(w) = w else { return };
    let node = at(root, path);
    match node.weight {
        None => node.weight = Some(w),
        Some(old) if (old - w).abs() > 1e-9 => diag
            .error(loc.clone(), format!("peso di «{}» diverso da quello delle righe precedenti", node.code)),
        _ => {}
    }
}
