//! Render: minijinja templates turn the view (`crate::view`) into Typst source.
//!
//! Every value printed by a template is escaped for Typst unless it is a safe string made here
//! (the staff's Markdown already converted safely, `decimale` numbers). So a cell holding
//! `#read("/etc/passwd")` prints those characters, and runs nothing. Templates are declarative:
//! the view gives every figure already looked up, banded and formatted.
//!
//! Templates are found, confined and bounded by `crate::outputs::templating`.

use crate::error::Error;
use crate::inputs::testi::Texts;
use crate::markdown;
use crate::outputs::templating::{self, Used, undefined};
use crate::view::View;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};
use std::path::PathBuf;

/// The main template.
pub const MAIN: &str = "relazione.typ.j2";

/// The main template of the OIV's working papers.
pub const CARTE_OIV: &str = "carte_oiv.typ.j2";

/// The main template of the OIV's validation document.
pub const VALIDAZIONE: &str = "validazione.typ.j2";

/// Escapes every value a template prints, except the safe strings the filters return.
fn formatter(
    out: &mut minijinja::Output,
    _state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    // A boolean prints as Typst's literal, so that it can be handed to a Typst function.
    if value.kind() == minijinja::value::ValueKind::Bool {
        return templating::write(out, if value.is_true() { "true" } else { "false" });
    }
    templating::print(out, value, crate::escape::typst_markup)
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

/// The Typst template environment.
fn environment(overrides: Option<PathBuf>, used: Used) -> Environment<'static> {
    let mut env = templating::environment(overrides, used, "typst", formatter);
    env.add_filter("decimale", decimale);
    env
}

/// The filters a template can use besides minijinja's built-in ones (`docs/modelli.md`).
pub const FILTERS: &[&str] = &["decimale", "al"];

/// The Typst source of the Relazione and the local templates it was made with.
pub struct Rendered {
    pub source: String,
    /// Override files read (from the `templates/` folder beside the data) that differ from the
    /// built-in ones.
    pub local_templates: Vec<PathBuf>,
    /// The images the staff's texts place: (name under `markdown::IMAGE_DIR`, file).
    pub images: markdown::Images,
}

/// Renders the Typst source of the Relazione from the view and the staff's texts.
pub fn render(view: &View, texts: &Texts, overrides: Option<PathBuf>) -> Result<Rendered, Error> {
    render_main(view, texts, overrides, MAIN)
}

/// The main template of the comparison of two versions (`relazione confronta`).
pub const CONFRONTO: &str = "confronto.typ.j2";

/// Renders a document made from other data than a Relazione's view (the comparison of two
/// versions), with the built-in templates only and the same escaping formatter.
pub fn render_data(data: Value, main: &str) -> Result<String, Error> {
    let env = environment(None, Used::default());
    templating::render(&env, main, data, None)
}

/// Renders a document from its main template (`MAIN`, `CARTE_OIV`).
pub fn render_main(
    view: &View,
    texts: &Texts,
    overrides: Option<PathBuf>,
    main: &str,
) -> Result<Rendered, Error> {
    let used = Used::default();
    let env = environment(overrides.clone(), used.clone());
    let (testi, spiegazioni, images) =
        crate::outputs::templating::converted(texts, markdown::to_typst, usize::MAX)?;
    let ctx = context! { testi => testi, spiegazioni => spiegazioni, ..Value::from(Serde(view)) };
    let source = templating::render(&env, main, ctx, overrides.as_deref())?;
    let local_templates = templating::used_list(&used);
    Ok(Rendered { source, local_templates, images })
}
