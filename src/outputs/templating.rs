//! Templating: the one minijinja environment every text writer renders with (the Typst source of
//! the PDF, the pages of the web edition).
//!
//! Templates are embedded in the binary; a `templates/` folder beside the data folder overrides
//! them file by file (lookup: `<data>/../templates/<name>`, then the embedded default). A broken
//! override is an error naming the file and line, never a silent fallback. Templates include only
//! templates of their own folder, by name; a render has a bounded number of instructions; every
//! value printed passes through the writer's escaping (its `formatter`), so spreadsheet text is
//! data, never markup.

use crate::error::Error;
use minijinja::value::Value;
use minijinja::{Environment, UndefinedBehavior};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

/// The built-in templates: (file name, text).
pub fn builtin() -> &'static [(&'static str, &'static str)] {
    embedded::TEMPLATES
}

/// The override folder for templates: `templates/` beside the data folder.
pub fn override_dir(data_dir: &Path) -> PathBuf {
    data_dir.parent().unwrap_or(Path::new(".")).join("templates")
}

/// Template instructions a render may execute: Modena's Relazione takes about 40.000 (so a plan of
/// 10.000 indicators about 4 million); a template that loops without end stops here, in about a
/// second.
const FUEL: u64 = 20_000_000;

/// Override templates actually read during a render.
pub type Used = Arc<Mutex<BTreeSet<PathBuf>>>;

/// How a writer prints values: its escaping, and the name of its auto-escape mode.
pub type Formatter =
    fn(&mut minijinja::Output, &mut minijinja::State, &Value) -> Result<(), minijinja::Error>;

/// Builds a template environment: embedded templates, overridden file by file, printing through
/// `formatter`. Every override file read is recorded in `used`.
pub fn environment(
    overrides: Option<PathBuf>,
    used: Used,
    mode: &'static str,
    formatter: Formatter,
) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(formatter);
    // A custom auto-escape mode marks macro output as safe (it was escaped when produced); the
    // formatter does the escaping.
    env.set_auto_escape_callback(move |_| minijinja::AutoEscape::Custom(mode.into()));
    // Bounded work: a template loop that never ends stops with a message.
    env.set_fuel(Some(FUEL));
    env.set_loader(move |name| load(name, overrides.as_deref(), &used));
    env.add_filter("al", al);
    env
}

/// `al ` or `all'` before a figure, as Italian reads it, with the space it takes
/// (`pari {{ x | al }}{{ x }}`: «pari al 99,62 %», «pari all'85,00 %»); see
/// [`crate::value::read_with_vowel`].
fn al(figure: String) -> &'static str {
    if crate::value::read_with_vowel(&figure) { "all'" } else { "al " }
}

/// One template by name: the override beside the data if there is one (confined to its folder),
/// otherwise the built-in one.
fn load(name: &str, overrides: Option<&Path>, used: &Used) -> Result<Option<String>, minijinja::Error> {
    let refuse = |why: String| Err(minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, why));
    // Templates include templates of their own folder, by name: never a path.
    if name.contains(['/', '\\']) || name.contains("..") || name.starts_with('~') {
        return refuse(format!(
            "«{name}»: un modello può includere solo un altro modello della stessa cartella, per nome \
             (es. «tabelle.typ.j2»)"
        ));
    }
    if let Some(dir) = overrides {
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
}

/// An error for a value a template printed or filtered without defining it.
pub fn undefined(what: &str) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::UndefinedError, format!("{what}: variabile non definita"))
}

/// What every writer's formatter does with a printed value: an undefined value is an error, none
/// prints nothing, a safe string (made by the writer itself) as it is, anything else through
/// [`typography`] and `escape`.
pub fn print(
    out: &mut minijinja::Output,
    value: &Value,
    escape: fn(&str) -> String,
) -> Result<(), minijinja::Error> {
    if value.is_undefined() {
        return Err(undefined("valore stampato"));
    }
    if value.is_none() {
        return Ok(());
    }
    let text = if value.is_safe() { value.to_string() } else { escape(&typography(&value.to_string())) };
    write(out, &text)
}

/// The platform writes `>=`, `<=` and a hyphen for minus (`<= -19 gg`); a printed document uses
/// the signs (`≤ −19 gg`), everywhere alike. A hyphen is a minus only before a digit and after a
/// space, an opening bracket or nothing, so dates (`30-06-2024`) and ranges (`2024-2026`) keep it.
pub fn typography(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match (c, next) {
            ('>' | '<', Some('=')) => {
                chars.next();
                out.push(if c == '>' { '≥' } else { '≤' });
            }
            ('-', Some(d))
                if d.is_ascii_digit() && prev.is_none_or(|p| p.is_whitespace() || "([".contains(p)) =>
            {
                out.push('−');
            }
            _ => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// Writes text to a template's output.
pub fn write(out: &mut minijinja::Output, text: &str) -> Result<(), minijinja::Error> {
    out.write_str(text).map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "scrittura"))
}

/// Renders one template of `env` with `ctx`, turning any error into an Italian message naming the
/// template file and line.
pub fn render(
    env: &Environment<'static>,
    name: &str,
    ctx: Value,
    overrides: Option<&Path>,
) -> Result<String, Error> {
    let tmpl = env.get_template(name).map_err(|e| template_error(&e, name, overrides))?;
    tmpl.render(ctx).map_err(|e| template_error(&e, name, overrides))
}

/// Override files read, sorted.
pub fn used_list(used: &Used) -> Vec<PathBuf> {
    used.lock().expect("render is single-threaded").iter().cloned().collect()
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

fn template_error(e: &minijinja::Error, main: &str, overrides: Option<&Path>) -> Error {
    // The innermost error is the one that points at the line to fix.
    let mut inner = e;
    while let Some(next) = std::error::Error::source(inner).and_then(|s| s.downcast_ref::<minijinja::Error>())
    {
        inner = next;
    }
    let name = inner.name().unwrap_or(main);
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

/// The staff's texts converted for one output's templates (`markdown::to_typst`, `to_html`): the
/// chapters and the explanations as safe strings, and the images they place.
pub fn converted(
    texts: &crate::inputs::testi::Texts,
    convert: crate::inputs::testi::Converter,
    deepest: usize,
) -> Result<(Value, Value, crate::markdown::Images), Error> {
    let c = texts.convert(convert, deepest)?;
    let safe = |t: String| Value::from_safe_string(t);
    let testi: std::collections::BTreeMap<&str, Option<Value>> =
        c.chapters.into_iter().map(|(k, t)| (k, t.map(safe))).collect();
    let spiegazioni: std::collections::BTreeMap<String, Value> =
        c.explanations.into_iter().map(|(k, t)| (k, safe(t))).collect();
    Ok((Value::from(testi), Value::from(spiegazioni), c.images))
}

#[cfg(test)]
mod tests {
    use super::typography;

    #[test]
    fn signs_replace_the_platform_operators_and_hyphens_for_minus() {
        assert_eq!(typography("<= -19 gg"), "≤ −19 gg");
        assert_eq!(typography(">= 1.000 N."), "≥ 1.000 N.");
        assert_eq!(typography("-24,31 gg (-3,2 %)"), "−24,31 gg (−3,2 %)");
        assert_eq!(typography("Entro 30-06-2024"), "Entro 30-06-2024");
        assert_eq!(typography("PIAO 2024-2026, D.Lgs. 150/2009"), "PIAO 2024-2026, D.Lgs. 150/2009");
        assert_eq!(typography("a - b, x-1"), "a - b, x-1");
    }
}
