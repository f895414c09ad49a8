//! Render: minijinja templates turn the scored model into Typst source.
//!
//! Every value printed by a template is escaped for Typst unless a Rust filter produced it (the
//! Italian number and date formats, the staff's Markdown already converted safely). So a cell
//! holding `#read("/etc/passwd")` prints those characters, and runs nothing.
//!
//! Templates are embedded in the binary; a `templates/` folder beside the data folder overrides
//! them file by file (lookup: `<data>/../templates/<name>`, then the embedded default). A broken
//! override is an error naming the file and line, never a silent fallback.

use crate::config::Semaforo;
use crate::error::{Error, Location, Problem};
use crate::markdown;
use crate::model::{Level, Node};
use crate::pipeline::Scored;
use crate::value::{Unit, format_number, format_quantity};
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior, context};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

/// The main template.
pub const MAIN: &str = "relazione.typ.j2";

/// The staff's narrative texts, as Markdown, read from `<data>/testi/`.
#[derive(Debug, Default)]
pub struct Texts {
    pub premessa: Option<String>,
    pub contesto: Option<String>,
    pub processo: Option<String>,
    /// Explanations of the indicators below target, by indicator code (`## CODE` sections).
    pub scostamenti: BTreeMap<String, String>,
}

/// Folder of the narrative texts inside the data folder.
pub const TEXTS_DIR: &str = "testi";

impl Texts {
    /// Reads the texts that exist; a missing file is a missing chapter text, said by `check`.
    pub fn load(data_dir: &Path) -> Result<Texts, Error> {
        let dir = data_dir.join(TEXTS_DIR);
        let read = |name: &str| -> Result<Option<String>, Error> {
            let p = dir.join(name);
            if !p.exists() {
                return Ok(None);
            }
            std::fs::read_to_string(&p).map(Some).map_err(|e| Error::io(&p, e))
        };
        let scostamenti = read("scostamenti.md")?.map(|t| sections(&t)).unwrap_or_default();
        Ok(Texts {
            premessa: read("premessa.md")?,
            contesto: read("contesto.md")?,
            processo: read("processo.md")?,
            scostamenti,
        })
    }
}

/// Splits a Markdown file into `## CODE` sections.
fn sections(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(code) = line.strip_prefix("## ") {
            if let Some((c, t)) = current.take() {
                out.insert(c, t.trim().to_string());
            }
            current = Some((code.trim().to_string(), String::new()));
        } else if let Some((_, t)) = current.as_mut() {
            t.push_str(line);
            t.push('\n');
        }
    }
    if let Some((c, t)) = current {
        out.insert(c, t.trim().to_string());
    }
    out
}

/// The override folder for templates: `templates/` beside the data folder.
pub fn override_dir(data_dir: &Path) -> PathBuf {
    data_dir.parent().unwrap_or(Path::new(".")).join("templates")
}

/// Escapes every value a template prints, except the safe strings the filters return.
fn formatter(
    out: &mut minijinja::Output,
    _state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if value.is_undefined() || value.is_none() {
        return Ok(());
    }
    let text = if value.is_safe() { value.to_string() } else { markdown::escape(&value.to_string()) };
    out.write_str(&text).map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "scrittura"))
}

fn number(v: &Value) -> Option<f64> {
    if v.is_none() || v.is_undefined() { None } else { f64::try_from(v.clone()).ok() }
}

fn safe(s: String) -> Value {
    Value::from_safe_string(s)
}

/// `99,62 %` from percentage points; `–` when there is no value.
fn pct(v: Value, decimals: Option<u8>) -> Value {
    safe(number(&v).map_or("–".into(), |x| format!("{}\u{a0}%", format_number(x, decimals.unwrap_or(2)))))
}

fn num(v: Value, decimals: Option<u8>) -> Value {
    safe(number(&v).map_or("–".into(), |x| format_number(x, decimals.unwrap_or(0))))
}

fn eur(v: Value, decimals: Option<u8>) -> Value {
    safe(number(&v).map_or("–".into(), |x| format!("{}\u{a0}€", format_number(x, decimals.unwrap_or(2)))))
}

fn unit_of(name: &str) -> Unit {
    match name {
        "numero" => Unit::Numero,
        "giorni" | "gg" => Unit::Giorni,
        "percento" => Unit::Percento,
        "euro" => Unit::Euro,
        _ => Unit::Nessuna,
    }
}

/// Deviation from target with its sign, in the indicator's unit: `+231.161.719,00 €`, `-0,39 gg`.
fn dev(v: Value, unit: Option<String>) -> Value {
    let Some(x) = number(&v) else {
        return safe("–".into());
    };
    let text = format_quantity(x.abs(), unit_of(unit.as_deref().unwrap_or(""))).replace(' ', "\u{a0}");
    let sign = if x > 0.0 {
        "+"
    } else if x < 0.0 {
        "-"
    } else {
        ""
    };
    safe(format!("{sign}{text}"))
}

/// Builds the template environment: embedded templates, overridden file by file.
pub fn environment(overrides: Option<PathBuf>, semaforo: Semaforo) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(formatter);
    // A custom auto-escape mode marks macro output as safe (it was escaped when produced); the
    // formatter above does the escaping.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Custom("typst".into()));
    env.set_loader(move |name| {
        if let Some(dir) = &overrides {
            let p = dir.join(name);
            if p.is_file() {
                return std::fs::read_to_string(&p).map(Some).map_err(|e| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("{}: {e}", p.display()),
                    )
                });
            }
        }
        Ok(embedded::TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, t)| t.to_string()))
    });
    env.add_filter("pct", pct);
    env.add_filter("num", num);
    env.add_filter("eur", eur);
    env.add_filter("dev", dev);
    env.add_filter("banda", move |v: Value| {
        safe(match number(&v) {
            Some(x) if crate::value::round_half_up(x, 2) >= semaforo.verde => "verde".into(),
            Some(x) if crate::value::round_half_up(x, 2) >= semaforo.giallo => "giallo".into(),
            Some(_) => "rosso".into(),
            None => "nessuno".into(),
        })
    });
    // A number as a Typst literal (for drawing): `99.4400`.
    env.add_filter("decimale", |v: Value| safe(format!("{:.4}", number(&v).unwrap_or(0.0))));
    env.add_filter("typst", |v: Value| safe(markdown::escape(&v.to_string())));
    env
}

/// Renders the Typst source of the Relazione.
pub fn render(s: &Scored, texts: &Texts, overrides: Option<PathBuf>) -> Result<String, Error> {
    let env = environment(overrides.clone(), s.config.smvp.semaforo.clone());
    let data = view(s);
    let md = |t: &Option<String>| t.as_ref().map(|t| safe(markdown::to_typst(t, 1)));
    let spiegazioni: BTreeMap<String, Value> =
        texts.scostamenti.iter().map(|(k, v)| (k.clone(), safe(markdown::to_typst(v, 3)))).collect();
    let ctx = context! {
        testi => context! {
            premessa => md(&texts.premessa),
            contesto => md(&texts.contesto),
            processo => md(&texts.processo),
        },
        spiegazioni => Value::from(spiegazioni),
        ..Value::from(Serde(&data))
    };
    let tmpl = env.get_template(MAIN).map_err(|e| template_error(&e, overrides.as_deref()))?;
    tmpl.render(ctx).map_err(|e| template_error(&e, overrides.as_deref()))
}

fn template_error(e: &minijinja::Error, overrides: Option<&Path>) -> Error {
    // The innermost error is the one that points at the line to fix.
    let mut inner = e;
    while let Some(next) = std::error::Error::source(inner).and_then(|s| s.downcast_ref::<minijinja::Error>())
    {
        inner = next;
    }
    let name = inner.name().unwrap_or(MAIN);
    let origin = overrides
        .map(|d| d.join(name))
        .filter(|p| p.is_file())
        .map_or_else(|| format!("modello incorporato {name}"), |p| p.display().to_string());
    let line = inner.line().map(|l| format!(", riga {l}")).unwrap_or_default();
    let detail = inner.detail().map(|d| format!(" ({d})")).unwrap_or_default();
    Error::Output(format!("errore nel modello {origin}{line}: {}{detail}", inner.kind()))
}

/// Indicators below the green threshold, each once (first appearance), with the objective they
/// belong to.
fn below_target(albero: &Node, verde: f64) -> Vec<(&Node, &Node)> {
    fn walk<'a>(
        n: &'a Node,
        parent: &'a Node,
        verde: f64,
        seen: &mut std::collections::BTreeSet<&'a str>,
        out: &mut Vec<(&'a Node, &'a Node)>,
    ) {
        for c in &n.children {
            walk(c, if n.level == Level::Gruppo { parent } else { n }, verde, seen, out);
        }
        if let (Some(r), Some(_)) = (n.result(), n.indicator.as_ref())
            && crate::value::round_half_up(r * 100.0, 2) < verde
            && seen.insert(&n.code)
        {
            out.push((n, parent));
        }
    }
    let mut out = Vec::new();
    walk(albero, albero, verde, &mut std::collections::BTreeSet::new(), &mut out);
    out
}

/// The data the templates see (numbers unformatted: the filters format them).
fn view(s: &Scored) -> serde_json::Value {
    let albero = s.report.albero.as_ref();
    let tree = |n: Option<&Node>| n.map(crate::json::node);
    let root = tree(albero).unwrap_or(json!(null));
    let risorse = s.report.risorse.as_ref().map(|r| {
        let rows = |rows: &Vec<crate::model::RisorsaRow>| {
            rows.iter()
                .map(|x| {
                    json!({
                        "code": x.code, "name": x.name, "livello": x.livello,
                        "budget_iniziale": x.budget_iniziale, "budget_aggiornato": x.budget_aggiornato,
                        "utilizzato": x.utilizzato, "utilizzo": x.utilizzo().map(|u| u * 100.0),
                    })
                })
                .collect::<Vec<_>>()
        };
        json!({ "obiettivi": rows(&r.obiettivi), "progetti": rows(&r.progetti) })
    });
    let sotto: Vec<serde_json::Value> = albero
        .map(|a| below_target(a, s.config.smvp.semaforo.verde))
        .unwrap_or_default()
        .into_iter()
        .map(|(n, parent)| {
            let mut v = crate::json::node(n);
            v["parent_code"] = json!(parent.code);
            v["parent_name"] = json!(parent.name);
            v["parent_level"] = json!(parent.level);
            v
        })
        .collect();
    let mut unita_per_obiettivo: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(u) = s.report.unita.as_ref() {
        for settore in u.all(Level::Settore) {
            for o in &settore.children {
                let list = unita_per_obiettivo.entry(o.code.clone()).or_default();
                if !list.contains(&settore.name) {
                    list.push(settore.name.clone());
                }
            }
        }
    }
    let risorse_per_os: BTreeMap<&str, serde_json::Value> = risorse
        .as_ref()
        .and_then(|r| r["obiettivi"].as_array())
        .into_iter()
        .flatten()
        .filter(|r| r["livello"] == "Obiettivo strategico")
        .filter_map(|r| Some((r["code"].as_str()?, r.clone())))
        .collect();
    let assorbimento: BTreeMap<&str, Option<f64>> = s
        .report
        .risorse
        .iter()
        .flat_map(|r| &r.assorbimento_albero)
        .map(|(code, v)| (code.as_str(), v.map(|v| v * 100.0)))
        .collect();
    let mut decisioni = Vec::new();
    for tree in [&s.report.albero, &s.report.unita, &s.report.individuali].into_iter().flatten() {
        tree.walk(&mut |n| {
            if n.outcome.as_ref().is_some_and(|o| o.decision.is_some())
                && !decisioni.iter().any(|d: &serde_json::Value| d["code"] == n.code)
            {
                decisioni.push(crate::json::node(n));
            }
        });
    }
    json!({
        "decisioni": decisioni,
        "assorbimento": assorbimento,
        "unita_per_obiettivo": unita_per_obiettivo,
        "risorse_per_os": risorse_per_os,
        "ente": { "nome": s.config.ente.nome, "nome_breve": s.config.ente.nome_breve },
        "anno": s.config.anno,
        "data_approvazione": s.config.data_approvazione,
        "albero": root,
        "unita": tree(s.report.unita.as_ref()),
        "individuali": tree(s.report.individuali.as_ref()),
        "tempestivita": tree(s.report.tempestivita.as_ref()),
        "riepilogo": s.summary,
        "pareto": s.report.pareto,
        "risorse": risorse,
        "sotto_soglia": sotto,
        "semaforo": { "verde": s.config.smvp.semaforo.verde, "giallo": s.config.smvp.semaforo.giallo },
        "smvp": {
            "regola": crate::score::indicator::describe(&s.config.smvp.regola),
            "ente_media_os": s.config.smvp.ente == crate::config::RisultatoEnte::MediaObiettiviStrategici,
            "overshooting_soglia": s.config.smvp.overshooting.soglia,
        },
    })
}

/// Findings about the document: chapters left out for lack of data, chapters without text,
/// indicators below target without explanation.
pub fn text_findings(s: &Scored, texts: &Texts, data_dir: &Path) -> Vec<Problem> {
    let dir = data_dir.join(TEXTS_DIR);
    let mut out = Vec::new();
    let missing = [
        (
            s.summary.salute.is_none(),
            "3.3.1 Stato di salute",
            "i dati di bilancio (conto economico e stato patrimoniale)",
        ),
        (s.report.pareto.is_empty(), "3.3.2 Benchmarking", "il cruscotto Pareto"),
        (s.report.individuali.is_none(), "4. Obiettivi individuali", "gli obiettivi individuali"),
        (s.report.unita.is_none(), "Allegato 4", "il report delle unità organizzative"),
        (s.summary.serie.is_none(), "Allegato 6 (serie storica dei KPI)", "la serie storica dei KPI"),
        (
            s.report.risorse.is_none(),
            "le tabelle delle risorse promozionali (3.1)",
            "il file delle risorse promozionali",
        ),
    ];
    for (absent, chapter, what) in missing {
        if absent {
            out.push(Problem::new(Location::file(data_dir), format!("{chapter}: omesso, mancano {what}")));
        }
    }
    for (name, t) in
        [("premessa.md", &texts.premessa), ("contesto.md", &texts.contesto), ("processo.md", &texts.processo)]
    {
        if t.is_none() {
            out.push(Problem::new(
                Location::file(&dir.join(name)),
                "testo mancante: il capitolo avrà solo i dati",
            ));
        }
    }
    if let Some(a) = s.report.albero.as_ref() {
        for (n, _) in below_target(a, s.config.smvp.semaforo.verde) {
            let code = &n.code;
            if !texts.scostamenti.contains_key(code) {
                out.push(Problem::new(
                    Location::file(&dir.join("scostamenti.md")),
                    format!(
                        "manca la spiegazione dell'indicatore «{code}» sotto il {} % (sezione «## {code}»)",
                        format_number(s.config.smvp.semaforo.verde, 0)
                    ),
                ));
            }
        }
    }
    out
}
