//! Render: minijinja templates turn the view (`crate::view`) into Typst source.
//!
//! Every value printed by a template is escaped for Typst unless it is a safe string made here
//! (the staff's Markdown already converted safely, `decimale` numbers). So a cell holding
//! `#read("/etc/passwd")` prints those characters, and runs nothing. Templates are declarative:
//! the view gives every figure already looked up, banded and formatted.
//!
//! Templates are embedded in the binary; a `templates/` folder beside the data folder overrides
//! them file by file (lookup: `<data>/../templates/<name>`, then the embedded default). A broken
//! override is an error naming the file and line, never a silent fallback.

use crate::error::{Error, Problem};
use crate::markdown;
use crate::testi::Texts;
use crate::view::View;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior, context};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

/// The main template.
pub const MAIN: &str = "relazione.typ.j2";

/// The main template of the OIV's working papers.
pub const CARTE_OIV: &str = "carte_oiv.typ.j2";

/// The built-in templates: (file name, text).
pub fn builtin() -> &'static [(&'static str, &'static str)] {
    embedded::TEMPLATES
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
    if value.is_undefined() {
        return Err(undefined("valore stampato"));
    }
    if value.is_none() {
        return Ok(());
    }
    // A boolean prints as Typst's literal, so that it can be handed to a Typst function.
    if value.kind() == minijinja::value::ValueKind::Bool {
        out.write_str(if value.is_true() { "true" } else { "false" })
            .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "scrittura"))?;
        return Ok(());
    }
    let text = if value.is_safe() { value.to_string() } else { markdown::escape(&value.to_string()) };
    out.write_str(&text).map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "scrittura"))
}

fn undefined(what: &str) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::UndefinedError, format!("{what}: variabile non definita"))
}

/// A number as a Typst literal, for drawing (`99.4400`), or Typst's `none` for none; an undefined
/// value is an error, never a silent zero.
fn decimale(v: Value) -> Result<Value, minijinja::Error> {
    if v.is_undefined() {
        return Err(undefined("decimale"));
    }
    if v.is_none() {
        return Ok(Value::from_safe_string("none".into()));
    }
    let x = f64::try_from(v.clone()).map_err(|_| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("decimale: «{v}» non è un numero"),
        )
    })?;
    Ok(Value::from_safe_string(format!("{x:.4}")))
}

/// Template instructions a render may execute: Modena's Relazione takes about 40.000 (so a plan of
/// 10.000 indicators about 4 million); a template that loops without end stops here, in about a
/// second.
const FUEL: u64 = 20_000_000;

/// Override templates actually read during a render.
type Used = Arc<Mutex<BTreeSet<PathBuf>>>;

/// Builds the template environment: embedded templates, overridden file by file. Every override
/// file read is recorded in `used`.
fn environment(overrides: Option<PathBuf>, used: Used) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(formatter);
    // A custom auto-escape mode marks macro output as safe (it was escaped when produced); the
    // formatter above does the escaping.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Custom("typst".into()));
    // Bounded work: a template loop that never ends stops with a message.
    env.set_fuel(Some(FUEL));
    env.set_loader(move |name| {
        let refuse = |why: String| Err(minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, why));
        // Templates include templates of their own folder, by name: never a path.
        if name.contains(['/', '\\']) || name.contains("..") || name.starts_with('~') {
            return refuse(format!(
                "«{name}»: un modello può includere solo un altro modello della stessa cartella, per nome \
                 (es. «tabelle.typ.j2»)"
            ));
        }
        if let Some(dir) = &overrides {
            let p = dir.join(name);
            if std::fs::symlink_metadata(&p).is_ok() {
                let inside = match (p.canonicalize(), dir.canonicalize()) {
                    (Ok(real), Ok(base)) => real.starts_with(base),
                    _ => false,
                };
                if !inside {
                    return refuse(format!("{}: punta fuori dalla cartella dei modelli", p.display()));
                }
                let text = crate::error::read_text(&p).map_err(|e| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        e.to_string().trim().to_string(),
                    )
                })?;
                // The project's own `templates/` sits beside `data/`: a copy identical to the
                // built-in template is no customisation and is not reported.
                let builtin = embedded::TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
                if builtin != Some(text.as_str()) {
                    used.lock().expect("render is single-threaded").insert(p);
                }
                return Ok(Some(text));
            }
        }
        Ok(embedded::TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, t)| t.to_string()))
    });
    env.add_filter("decimale", decimale);
    env
}

/// The filters a template can use besides minijinja's built-in ones (`docs/modelli.md`).
pub const FILTERS: &[&str] = &["decimale"];

/// The Typst source of the Relazione and the local templates it was made with.
pub struct Rendered {
    pub source: String,
    /// Override files read (from the `templates/` folder beside the data) that differ from the
    /// built-in ones.
    pub local_templates: Vec<PathBuf>,
}

/// The staff's texts as Typst markup; every text that cannot be converted is a problem with its
/// file and line.
fn converted(texts: &Texts) -> Result<(Value, Value), Error> {
    let mut problems: Vec<Problem> = Vec::new();
    let mut convert =
        |t: &crate::testi::Testo, offset: usize| match markdown::to_typst(&t.markdown, offset, t.origin()) {
            Ok(typst) => Some(Value::from_safe_string(typst)),
            Err(p) => {
                problems.push(p);
                None
            }
        };
    let chapter =
        [("premessa", &texts.premessa), ("contesto", &texts.contesto), ("processo", &texts.processo)];
    let testi: BTreeMap<&str, Option<Value>> =
        chapter.into_iter().map(|(k, t)| (k, t.as_ref().and_then(|t| convert(t, 1)))).collect();
    let spiegazioni: BTreeMap<&str, Option<Value>> =
        texts.scostamenti.iter().map(|(k, t)| (k.as_str(), convert(t, 3))).collect();
    if problems.is_empty() {
        Ok((Value::from(testi), Value::from(spiegazioni)))
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Renders the Typst source of the Relazione from the view and the staff's texts.
pub fn render(view: &View, texts: &Texts, overrides: Option<PathBuf>) -> Result<Rendered, Error> {
    render_main(view, texts, overrides, MAIN)
}

/// Renders a document from its main template (`MAIN`, `CARTE_OIV`).
pub fn render_main(
    view: &View,
    texts: &Texts,
    overrides: Option<PathBuf>,
    main: &str,
) -> Result<Rendered, Error> {
    let used: Used = Arc::default();
    let env = environment(overrides.clone(), used.clone());
    let (testi, spiegazioni) = converted(texts)?;
    let ctx = context! { testi => testi, spiegazioni => spiegazioni, ..Value::from(Serde(view)) };
    let tmpl = env.get_template(main).map_err(|e| template_error(&e, overrides.as_deref()))?;
    let source = tmpl.render(ctx).map_err(|e| template_error(&e, overrides.as_deref()))?;
    let local_templates = used.lock().expect("render is single-threaded").iter().cloned().collect();
    Ok(Rendered { source, local_templates })
}

/// Writes the built-in templates into `dir` for customising (existing files are not replaced).
pub fn write_builtin(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::new();
    for (name, text) in embedded::TEMPLATES {
        let p = dir.join(name);
        if p.exists() {
            return Err(Error::Output(format!(
                "{} esiste già: i modelli non vengono sovrascritti (scegliere un'altra cartella con --out)",
                p.display()
            )));
        }
        std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
        written.push(p);
    }
    Ok(written)
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
    Error::Output(format!("errore nel modello {origin}{line}: {}{detail}", kind_it(inner.kind())))
}

/// minijinja's error kinds in Italian, with what to do where it helps.
fn kind_it(kind: minijinja::ErrorKind) -> String {
    use minijinja::ErrorKind as K;
    match kind {
        K::UndefinedError => {
            "variabile non definita (i nomi ammessi sono elencati in docs/modelli.md)".into()
        }
        K::SyntaxError => "errore di sintassi".into(),
        K::TemplateNotFound => "modello non trovato".into(),
        K::InvalidOperation => "operazione non valida".into(),
        K::UnknownFilter => "filtro sconosciuto (i filtri ammessi sono elencati in docs/modelli.md)".into(),
        K::UnknownTest => "test sconosciuto".into(),
        K::UnknownFunction => "funzione sconosciuta".into(),
        K::UnknownMethod => "metodo sconosciuto".into(),
        K::MissingArgument => "argomento mancante".into(),
        K::TooManyArguments => "troppi argomenti".into(),
        K::BadEscape => "sequenza di escape non valida".into(),
        K::CannotUnpack => "impossibile scomporre il valore".into(),
        K::WriteFailure => "scrittura non riuscita".into(),
        K::BadSerialization => "dati non convertibili".into(),
        K::OutOfFuel => "troppo lavoro: il modello esegue troppe istruzioni (un ciclo senza fine?)".into(),
        other => other.to_string(),
    }
}
