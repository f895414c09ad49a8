//! The platform's hierarchical reports: one row per node, the hierarchy implied by which
//! weight/label columns a row fills and by row order.
//!
//! Allegato 1 (Ente > Ambito > OS > Gruppo > OO > Indicatore) and Allegato 4 (Area > Settore >
//! Obiettivo > Indicatore) share this reader; a [`Layout`] says which columns exist and which
//! parent each level may have.

use super::cells;
use super::sheet::{Columns, Sheet};
use crate::error::Diagnostics;
use crate::model::{Level, Node};

/// One level of a hierarchical report: its columns and the levels it may hang from.
pub struct LevelSpec {
    pub level: Level,
    pub weight_header: &'static str,
    pub label_header: &'static str,
    pub parents: &'static [Level],
}

/// The shape of one hierarchical report.
pub struct Layout {
    pub root: Level,
    /// Text of the root row in the first label column (`Ente`), if the report has one.
    pub root_label: Option<&'static str>,
    pub levels: &'static [LevelSpec],
    pub target_header: &'static str,
    pub actual_header: &'static str,
    pub result_header: &'static str,
}

pub const ALBERO: Layout = Layout {
    root: Level::Ente,
    root_label: Some("ente"),
    levels: &[
        LevelSpec {
            level: Level::Ambito,
            weight_header: "peso ambito",
            label_header: "ambito",
            parents: &[Level::Ente],
        },
        LevelSpec {
            level: Level::ObiettivoStrategico,
            weight_header: "peso obiettivo strategico",
            label_header: "obiettivo strategico",
            parents: &[Level::Ambito],
        },
        LevelSpec {
            level: Level::Gruppo,
            weight_header: "peso gruppo",
            label_header: "gruppo",
            parents: &[Level::ObiettivoStrategico],
        },
        LevelSpec {
            level: Level::ObiettivoOperativo,
            weight_header: "peso obiettivo operativo",
            label_header: "obiettivo operativo",
            parents: &[Level::Gruppo],
        },
        LevelSpec {
            level: Level::Indicatore,
            weight_header: "peso indicatore",
            label_header: "indicatore",
            parents: &[Level::Gruppo, Level::ObiettivoOperativo],
        },
    ],
    target_header: "target",
    actual_header: "valore",
    result_header: "raggiungimento",
};

pub const UNITA: Layout = Layout {
    root: Level::Struttura,
    root_label: None,
    levels: &[
        LevelSpec {
            level: Level::Area,
            weight_header: "peso area",
            label_header: "area",
            parents: &[Level::Struttura],
        },
        LevelSpec {
            level: Level::Settore,
            weight_header: "peso settore",
            label_header: "settore",
            parents: &[Level::Area],
        },
        LevelSpec {
            level: Level::ObiettivoUnita,
            weight_header: "peso obiettivo",
            label_header: "obiettivo",
            parents: &[Level::Settore],
        },
        LevelSpec {
            level: Level::Indicatore,
            weight_header: "peso indicatore",
            label_header: "indicatore",
            parents: &[Level::ObiettivoUnita],
        },
    ],
    target_header: "target",
    actual_header: "valore",
    result_header: "raggiungimento",
};

impl Layout {
    /// Every header the report must have.
    pub fn required_headers(&self) -> Vec<&'static str> {
        let mut h: Vec<&'static str> =
            self.levels.iter().flat_map(|l| [l.weight_header, l.label_header]).collect();
        h.extend([self.target_header, self.actual_header, self.result_header]);
        h
    }
}

/// Group labels of the performance tree and their codes.
pub fn group_code(label: &str) -> Option<&'static str> {
    match super::sheet::normalize(label).as_str() {
        "indicatori" => Some("indicatori"),
        "obiettivi operativi" => Some("obiettivi_operativi"),
        _ => None,
    }
}

/// Reads the tree below the header row.
pub fn read(
    sheet: &Sheet,
    header_row: usize,
    cols: &Columns,
    layout: &Layout,
    diag: &mut Diagnostics,
) -> Node {
    let find = |h: &str| cols.find(h).expect("required header checked by recognition");
    let label_cols: Vec<usize> = layout.levels.iter().map(|l| find(l.label_header)).collect();
    let weight_cols: Vec<usize> = layout.levels.iter().map(|l| find(l.weight_header)).collect();
    let (target_col, actual_col, result_col) =
        (find(layout.target_header), find(layout.actual_header), find(layout.result_header));

    let mut root = Node::new(layout.root, "ente", "", sheet.sheet_loc());
    if layout.root == Level::Struttura {
        root.code = "struttura".into();
        root.name = "Unità organizzative".into();
    }
    // Path of child indices from the root to the deepest open node, with each node's level index.
    let mut path: Vec<(usize, usize)> = Vec::new();

    for row in header_row + 1..sheet.end_row() {
        let filled: Vec<usize> =
            (0..layout.levels.len()).filter(|&i| sheet.text(row, label_cols[i]).is_some()).collect();
        let Some(&depth) = filled.last() else {
            if !sheet.row_is_empty(row) {
                diag.error(sheet.loc(row, label_cols[0]), "riga con valori ma senza etichetta di livello");
            }
            continue;
        };
        let label = sheet.text(row, label_cols[depth]).unwrap_or_default();

        if depth == 0
            && layout.root_label.is_some_and(|r| super::sheet::normalize(&label) == r)
            && sheet.text(row, weight_cols[0]).is_none()
        {
            root.origin = sheet.loc(row, label_cols[0]);
            root.platform_result = cells::fraction(sheet, row, result_col, "raggiungimento", diag);
            continue;
        }

        let spec = &layout.levels[depth];
        let (code, name) = if spec.level == Level::Gruppo {
            match group_code(&label) {
                Some(code) => (code.to_string(), label.clone()),
                None => {
                    diag.error(
                        sheet.loc(row, label_cols[depth]),
                        format!(
                            "gruppo «{label}» non riconosciuto (attesi «Indicatori» o «Obiettivi operativi»)"
                        ),
                    );
                    continue;
                }
            }
        } else {
            cells::split_label(&label)
        };
        let mut node = Node::new(spec.level, &code, &name, sheet.loc(row, label_cols[depth]));
        node.weight = cells::weight(sheet, row, weight_cols[depth], diag);
        node.platform_result = cells::fraction(sheet, row, result_col, "raggiungimento", diag);
        if spec.level == Level::Indicatore {
            node.indicator = cells::indicator(sheet, row, target_col, actual_col, diag).map(Box::new);
            if node.indicator.is_none() {
                continue;
            }
        }

        while path.last().is_some_and(|&(d, _)| d >= depth) {
            path.pop();
        }
        let parent = node_at(&mut root, &path);
        if !spec.parents.contains(&parent.level) || !group_allows(parent, spec.level) {
            diag.error(
                node.origin.clone(),
                format!(
                    "{} «{}» non può stare sotto {} «{}»: controllare l'ordine delle righe",
                    spec.level.label(),
                    node.code,
                    parent.level.label(),
                    if parent.code.is_empty() { "-" } else { &parent.code }
                ),
            );
            continue;
        }
        parent.children.push(node);
        let idx = parent.children.len() - 1;
        path.push((depth, idx));
    }
    root
}

/// In the performance tree, OO hang only from the `Obiettivi operativi` group and indicators of an
/// OS only from the `Indicatori` group.
fn group_allows(parent: &Node, child: Level) -> bool {
    if parent.level != Level::Gruppo {
        return true;
    }
    match child {
        Level::ObiettivoOperativo => parent.code == "obiettivi_operativi",
        Level::Indicatore => parent.code == "indicatori",
        _ => true,
    }
}

fn node_at<'a>(root: &'a mut Node, path: &[(usize, usize)]) -> &'a mut Node {
    let mut node = root;
    for &(_, idx) in path {
        node = &mut node.children[idx];
    }
    node
}
