//! The shape of the crate, checked on its source: the stages depend on each other one way only.
//! `pipeline` (the driver) is used by the command line alone (and `anteprima`, the command that
//! runs it again at each save); `outputs` lists the writers as renderers; every writer reads
//! `score` and `view`, and no writer imports another; `score` and `view` import no writer. Only
//! `main` ends the process.

use crate::common::manifest;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const WRITERS: &[&str] = &["render", "typeset", "xlsx", "opendata", "json", "sito"];

/// Folders that group stages: a module inside one is named by its own name.
const GROUPS: &[&str] = &["inputs", "outputs", "pdf"];

/// The stage module a source file belongs to (`src/outputs/xlsx/albero.rs` → `xlsx`,
/// `src/outputs/mod.rs` → `outputs`).
fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    let mut name = parts[0].clone();
    for p in &parts[1..] {
        if !GROUPS.contains(&name.as_str()) || p == "mod" {
            break;
        }
        name = p.clone();
    }
    name
}

/// Every `crate::NAME` (or `relazione::NAME` in the binary) a file mentions.
fn uses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in ["crate::", "relazione::"] {
        for (i, _) in text.match_indices(prefix) {
            let mut rest = &text[i + prefix.len()..];
            let mut name: String = String::new();
            // `crate::outputs::pdf::typeset::X` → `typeset`: a group's module is its own stage.
            loop {
                let segment: String =
                    rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                let inner = rest[segment.len()..].strip_prefix("::");
                let is_module = |s: &str| s.chars().next().is_some_and(|c| c.is_ascii_lowercase());
                match inner {
                    Some(r) if GROUPS.contains(&segment.as_str()) && is_module(r) => {
                        name = segment;
                        rest = r;
                    }
                    _ => {
                        if is_module(&segment) || name.is_empty() {
                            name = segment;
                        }
                        break;
                    }
                }
            }
            if !name.is_empty() {
                out.insert(name);
            }
        }
        // `use crate::{a, b}` lists.
        for (i, _) in text.match_indices(&format!("{prefix}{{")) {
            let rest = &text[i + prefix.len() + 1..];
            let list = &rest[..rest.find('}').unwrap_or(0)];
            for item in list.split(',') {
                let name: String =
                    item.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = manifest().join("src");
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let m = module_of(&p, &src);
                let text = std::fs::read_to_string(&p).unwrap();
                let used: Vec<String> = uses(&text).into_iter().filter(|u| *u != m).collect();
                deps.entry(m).or_default().extend(used);
            }
        }
    }
    deps
}

#[test]
fn only_the_command_line_runs_the_pipeline() {
    let users: Vec<String> =
        dependencies().into_iter().filter(|(_, d)| d.contains("pipeline")).map(|(m, _)| m).collect();
    assert!(users.contains(&"cli".to_string()), "{users:?}");
    assert!(
        users.iter().all(|m| ["cli", "main", "anteprima"].contains(&m.as_str())),
        "{users:?} import pipeline"
    );
}

#[test]
fn no_writer_imports_another_and_nothing_before_the_writers_imports_one() {
    let deps = dependencies();
    for (m, d) in &deps {
        let writers: Vec<&&str> = WRITERS.iter().filter(|w| d.contains(**w)).collect();
        if WRITERS.contains(&m.as_str()) {
            assert!(writers.is_empty(), "the writer {m} imports the writers {writers:?}");
        }
        if ["config", "ingest", "model", "score", "view", "value", "testi", "decisions"].contains(&m.as_str())
        {
            assert!(writers.is_empty(), "{m} comes before the writers but imports {writers:?}");
        }
    }
    for w in WRITERS {
        assert!(deps.contains_key(*w), "writer {w} not found in src/");
    }
}

#[test]
fn the_traffic_light_thresholds_are_read_in_one_place() {
    // `Smvp::classi` (config.rs) is the only reader of the thresholds; `score::band`, the
    // workbook's formula and fills and the class labels all walk it.
    let src = manifest().join("src");
    let mut stack = vec![src.clone(), manifest().join("templates")];
    let mut readers = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p)
                && ["semaforo.verde", "semaforo.giallo", "| banda"].iter().any(|k| text.contains(k))
            {
                readers.push(p.strip_prefix(manifest()).unwrap().display().to_string());
            }
        }
    }
    assert_eq!(readers, ["src/inputs/config.rs"]);
}

#[test]
fn only_main_ends_the_process() {
    let src = manifest().join("src");
    let mut stack = vec![src.clone()];
    let mut enders = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read_to_string(&p).unwrap().contains("process::exit") {
                enders.push(p.strip_prefix(&src).unwrap().display().to_string());
            }
        }
    }
    assert_eq!(enders, ["main.rs"]);
}
