//! The canonical flat layout, for administrations not on the platform: one row per indicator with
//! the codes of its parents and the weights. `relazione modello` writes an empty workbook of it.
//!
//! Weights are percentage points (`25`); a cell formatted as a percentage (`25%`, stored 0,25) is
//! read as such, and so are targets and values (a cell shown as `3,50%` is 3,5 %). A row without an
//! operational objective is an indicator of its OS's own group.
//!
//! Direction is explicit: a target with an operator (`>= 80 %`, `Entro 30-06-2024`) says it; a bare
//! target (`80 %`) takes the row's `Direzione`, or the configuration's `direzione_predefinita`, and
//! is otherwise an error naming the cell. Never is a bare target silently "higher is better".

use super::cells;
use super::sheet::{Columns, Sheet};
use super::styles;
use crate::error::{Diagnostics, Location};
use crate::inputs::config::Smvp;
use crate::model::{Level, Node};
use crate::value::{self, Direzione, Target, Unit};
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
    (
        "Direzione",
        "maggiore | minore | uguale | intervallo | scadenza; obbligatoria se il target non ha l'operatore (es. 80 %)",
    ),
    (
        "Soglia minima",
        "facoltativo: valore sotto il quale (sopra, per «minore») il punteggio è 0, nell'unità del target",
    ),
    ("Target obiettivo strategico", "facoltativo: target dell'OS nel piano, in percentuale (es. 80)"),
    ("Target obiettivo operativo", "facoltativo: target dell'OO nel piano, in percentuale (es. 80)"),
    (
        "Unità di misura",
        "facoltativo: N. | gg | ore | mesi | anni | % | € | punti | kWh; l'unità di target e valore scritti senza",
    ),
];

pub const HEADERS: &[&str] = &[
    "codice ambito",
    "codice obiettivo strategico",
    "codice obiettivo operativo",
    "codice indicatore",
    "peso indicatore",
];

pub fn read(sheet: &Sheet, header: usize, cols: &Columns, smvp: &Smvp, diag: &mut Diagnostics) -> Node {
    let formats = styles::read(&sheet.book, &sheet.name);
    let col = |h: &str| cols.find(h);
    let text = |row: usize, h: &str| col(h).and_then(|c| sheet.text(row, c));
    let is_percent = |row: usize, c: usize| {
        formats.get(&(row, c)).and_then(|s| s.num_fmt.as_deref()).is_some_and(|f| f.contains('%'))
    };
    let weight = |row: usize, h: &str, diag: &mut Diagnostics| -> Option<f64> {
        let c = col(h)?;
        let v = cells::number(sheet, row, c, h, diag)?;
        let text_percent = sheet.text(row, c).is_some_and(|t| t.contains('%'));
        Some(if is_percent(row, c) && !text_percent { v * 100.0 } else { v })
    };
    // A target or value cell as text; a number formatted as a percentage is that percentage.
    let value_text = |row: usize, c: usize| -> Option<String> {
        match sheet.cell(row, c) {
            calamine::Data::Float(f) if is_percent(row, c) => Some(format!("{} %", percent_text(*f))),
            calamine::Data::Int(i) if is_percent(row, c) => Some(format!("{} %", percent_text(*i as f64))),
            _ => cells::value_text(sheet, row, c),
        }
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
        set_objective_target(&mut root, &os_path, weight(row, "target obiettivo strategico", diag));
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
                set_objective_target(&mut root, &p, weight(row, "target obiettivo operativo", diag));
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
        let target_text = value_text(row, tc).unwrap_or_default();
        let direction = match text(row, "direzione").map(|d| Direzione::parse(&d)) {
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                diag.error(loc("direzione"), e.to_string());
                continue;
            }
            None => None,
        };
        let Some(target) = directed_target(&target_text, direction, smvp, &sheet.loc(row, tc), diag) else {
            continue;
        };
        let actual_text = value_text(row, vc).unwrap_or_default();
        let Some(mut ind) = cells::measured(sheet, row, (tc, target, target_text), (vc, actual_text), diag)
        else {
            continue;
        };
        let declared = match col("unità di misura").and_then(|c| Some((c, sheet.text(row, c)?))) {
            Some((c, u)) => match value::parse_quantity(&format!("1 {u}")) {
                Ok(q) if q.unit != Unit::Nessuna => Some(q.unit),
                _ => {
                    diag.error(
                        sheet.loc(row, c),
                        format!("unità di misura «{u}» non riconosciuta (ammesse: {})", Unit::accepted()),
                    );
                    continue;
                }
            },
            None => None,
        };
        if !units_agree(&mut ind, declared, (&sheet.loc(row, tc), &sheet.loc(row, vc)), diag) {
            continue;
        }
        if let Some(c) = col("soglia minima")
            && let Some(t) = value_text(row, c)
        {
            match value::parse_quantity(&t) {
                Ok(q) => ind.soglia_minima = Some(q.value),
                Err(e) => diag.error(sheet.loc(row, c), format!("soglia minima: {e}")),
            }
        }
        ind.tipo = text(row, "tipologia");
        ind.measures = col("valori misure").and_then(|c| cells::value_text(sheet, row, c));
        ind.algoritmo = text(row, "algoritmo");
        ind.fonte = text(row, "fonte");
        ind.descrizione = text(row, "descrizione");
        node.indicator = Some(Box::new(ind));
        at(&mut root, &parent_path).children.push(node);
    }
    lone_groups_dissolved(&mut root);
    root
}

/// An objective whose elements are all of one kind (only operational objectives, or only its own
/// indicators) has no groups in the plan: the group the layout made for them, with no weight of
/// its own, is dissolved into the objective, so that no table, annex or open-data row shows a
/// group the plan does not have. The result is the same (a lone group weighs 100 and is rolled
/// up like its objective).
fn lone_groups_dissolved(node: &mut Node) {
    if node.level == Level::ObiettivoStrategico
        && let [only] = node.children.as_slice()
        && only.level == Level::Gruppo
        && only.weight.is_none()
    {
        let group = node.children.pop().expect("one child");
        node.children = group.children;
    }
    for c in &mut node.children {
        lone_groups_dissolved(c);
    }
}

/// The flat layout's unit rule: target and value say the same unit, or the row declares it
/// («Unità di misura») and neither says another. A bare number beside a unit (`60` and `52 gg`,
/// `1.500.000` and `1.538.200 €`), or a percentage cell beside a plain number, is an error
/// naming both cells: the tool never guesses which of the two is right. A declared unit is
/// given to the indicator.
fn units_agree(
    ind: &mut crate::model::Indicator,
    declared: Option<Unit>,
    (target, value): (&Location, &Location),
    diag: &mut Diagnostics,
) -> bool {
    let Some(tu) = ind.target.unit() else { return true };
    let vu = match &ind.actual {
        value::Reading::Quantita { quantita } => Some(quantita.unit),
        _ => None,
    };
    let cell = |l: &Location| l.cell.clone().unwrap_or_default();
    if let Some(d) = declared {
        for (unit, loc, what) in [(Some(tu), target, "del target"), (vu, value, "del valore")] {
            if let Some(u) = unit.filter(|u| *u != Unit::Nessuna && *u != d) {
                diag.error(
                    loc.clone(),
                    format!(
                        "unità {what} («{}») diversa da quella dichiarata («{}»)",
                        u.suffix(),
                        d.suffix()
                    ),
                );
                return false;
            }
        }
        // Said once in the row, printed with every figure: `≥ 60` becomes `≥ 60 ore`.
        if tu == Unit::Nessuna {
            ind.target_text = format!("{} {}", ind.target_text.trim(), d.suffix());
        }
        if vu == Some(Unit::Nessuna) {
            ind.actual_text = format!("{} {}", ind.actual_text.trim(), d.suffix());
        }
        ind.unit = d;
        return true;
    }
    match vu {
        Some(vu) if (tu == Unit::Nessuna) != (vu == Unit::Nessuna) => {
            let (with, without, unit) = if tu == Unit::Nessuna {
                ("il valore", "il target", vu)
            } else {
                ("il target", "il valore", tu)
            };
            diag.error(
                value.clone(),
                format!(
                    "{with} ha l'unità «{}» e {without} no (target nella cella {}, valore nella cella {}): \
                     scrivere l'unità in entrambe le celle o dichiararla nella colonna «Unità di misura»",
                    unit.suffix(),
                    cell(target),
                    cell(value)
                ),
            );
            false
        }
        _ => true,
    }
}

/// `0,035` stored in a cell shown as `3,50%`: the percentage, with the decimals it needs.
fn percent_text(fraction: f64) -> String {
    let pct = fraction * 100.0;
    let decimals = (0..=6u8).find(|&d| (value::round_half_up(pct, d) - pct).abs() < 1e-9).unwrap_or(6);
    value::format_number(pct, decimals)
}

/// The target of a row: its own operator, else the row's direction, else the configured default;
/// a bare target with none of them is an error (never silently "higher is better"). An operator
/// that contradicts the row's direction is an error too.
fn directed_target(
    text: &str,
    direction: Option<Direzione>,
    smvp: &Smvp,
    loc: &Location,
    diag: &mut Diagnostics,
) -> Option<Target> {
    let parsed = if value::target_has_operator(text) {
        value::parse_target(text).inspect(|t| {
            if let Some(d) = direction
                && d.operator() != t.operator()
            {
                diag.error(
                    loc.clone(),
                    format!(
                        "il target «{}» ha l'operatore «{}» ma la direzione della riga è «{}»",
                        text.trim(),
                        t.operator(),
                        d.operator()
                    ),
                );
            }
        })
    } else {
        match direction.or(smvp.direzione_predefinita) {
            Some(d) => value::target_in_direction(text, d),
            None if text.trim().is_empty() => value::parse_target(text),
            None => {
                diag.error(
                    loc.clone(),
                    format!(
                        "target «{}» senza operatore né direzione: indicare nella colonna «Direzione» se è \
                         meglio un valore maggiore o minore (o scrivere l'operatore, es. «>= {}»), oppure \
                         impostare «smvp.direzione_predefinita» nella configurazione",
                        text.trim(),
                        text.trim()
                    ),
                );
                return None;
            }
        }
    };
    parsed.map_err(|e| diag.error(loc.clone(), e.to_string())).ok()
}

/// Sets an objective's own target (percentage points) from the first row that gives it.
fn set_objective_target(root: &mut Node, path: &[usize], target: Option<f64>) {
    let node = at(root, path);
    if node.target_obiettivo.is_none() {
        node.target_obiettivo = target;
    }
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
