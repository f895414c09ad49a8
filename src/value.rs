//! The platform's value text: targets, actual values and measure expressions.
//!
//! The monitoring platform exports numbers as Italian-formatted text with the unit inside the cell
//! (`>= 1.000 N.`, `-24,31 gg`, `18.231.161.719,00 €`, `Entro 30-06-2024`, `8.270 N. / 630,56 N.`).
//! Everything that scoring needs is parsed here, in one place, so that each shape is tested once.
//! Parsing is strict: a text that does not match a known shape is an error the user must fix, never
//! a silently different number.

use chrono::NaiveDate;
use std::fmt;

/// Unit written after a number: the common units of public plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// `N.`: a count or a plain number.
    Numero,
    /// `gg`: days.
    Giorni,
    /// `ore`: hours.
    Ore,
    /// `mesi`: months.
    Mesi,
    /// `anni`: years.
    Anni,
    /// `%`: percentage points (`53,15 %` is 53.15).
    Percento,
    /// `€`.
    Euro,
    /// `punti`: a score on a scale (customer satisfaction, indices).
    Punti,
    /// `kWh`.
    Kwh,
    /// No unit written (numeric cells of the flat layout).
    Nessuna,
}

/// The units a value or target may carry, as written after the number (lower case compared), with
/// the spellings accepted for each: the list `relazione` documents and names in its messages.
pub const UNITS: &[(Unit, &[&str])] = &[
    (Unit::Numero, &["N.", "N", "n.", "num."]),
    (Unit::Giorni, &["gg", "gg.", "giorni", "giorno"]),
    (Unit::Ore, &["ore", "ora", "h"]),
    (Unit::Mesi, &["mesi", "mese"]),
    (Unit::Anni, &["anni", "anno"]),
    (Unit::Percento, &["%"]),
    (Unit::Euro, &["€", "euro", "EUR"]),
    (Unit::Punti, &["punti", "punto", "pt"]),
    (Unit::Kwh, &["kWh"]),
];

impl Unit {
    /// The suffix the platform prints.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Numero => "N.",
            Unit::Giorni => "gg",
            Unit::Ore => "ore",
            Unit::Mesi => "mesi",
            Unit::Anni => "anni",
            Unit::Percento => "%",
            Unit::Euro => "€",
            Unit::Punti => "punti",
            Unit::Kwh => "kWh",
            Unit::Nessuna => "",
        }
    }

    /// The accepted units, for messages: `N., gg, ore, mesi, anni, %, €, punti, kWh`.
    pub fn accepted() -> String {
        UNITS.iter().map(|(u, _)| u.suffix()).collect::<Vec<_>>().join(", ")
    }
}

/// A number with its unit and the number of decimals it was written with.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
    /// Decimals in the text: the display was rounded to these, so the true value lies within half
    /// a unit of the last digit.
    pub decimals: u8,
}

/// An actual value as read: a quantity, a date, or missing (`N/D`, `#N/D`, `-`, empty).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "tipo", rename_all = "snake_case")]
pub enum Reading {
    Quantita {
        quantita: Quantity,
    },
    Data {
        #[serde(serialize_with = "iso_date")]
        data: NaiveDate,
    },
    Mancante,
}

/// A target with its operator.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "operatore", rename_all = "snake_case")]
pub enum Target {
    /// `>= x` (or a bare value): the more the better.
    AlMeno { valore: Quantity },
    /// `<= x`: the less the better.
    AlMassimo { valore: Quantity },
    /// `= x`.
    Uguale { valore: Quantity },
    /// `tra x e y`: within the range.
    Tra { minimo: Quantity, massimo: Quantity },
    /// `Entro dd-mm-yyyy`: on or before the date.
    Entro {
        #[serde(serialize_with = "iso_date")]
        data: NaiveDate,
    },
}

/// Dates serialise as `2024-06-30` (chrono's serde feature is not needed for this one field).
fn iso_date<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.format("%Y-%m-%d").to_string())
}

impl Target {
    /// The operator as the platform writes it.
    pub fn operator(&self) -> &'static str {
        match self {
            Target::AlMeno { .. } => ">=",
            Target::AlMassimo { .. } => "<=",
            Target::Uguale { .. } => "=",
            Target::Tra { .. } => "tra",
            Target::Entro { .. } => "entro",
        }
    }

    /// The unit of the target's quantity (none for deadlines).
    pub fn unit(&self) -> Option<Unit> {
        match self {
            Target::AlMeno { valore } | Target::AlMassimo { valore } | Target::Uguale { valore } => {
                Some(valore.unit)
            }
            Target::Tra { minimo, .. } => Some(minimo.unit),
            Target::Entro { .. } => None,
        }
    }
}

/// Why a text could not be read, in Italian, with the text itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(msg.into()))
}

/// A label as compared: lower case, runs of white space made one space (`Dirigente  Area 1` is
/// `dirigente area 1`).
pub fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Whether a figure as printed (`80,00 %`, `11 %`, `1.250`) is read aloud beginning with a vowel
/// («ottanta», «undici», «uno»), so that the article before it elides: «l'80,00 %», «all'11 %», but
/// «il 99,62 %», «al 18 %», «al 1.250» («milleduecentocinquanta»).
pub fn read_with_vowel(figure: &str) -> bool {
    let int: String = figure.trim().chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    int.starts_with('8') || int == "1" || int == "11" || int.starts_with("11.")
}

/// Texts that mean "no value".
fn is_missing(text: &str) -> bool {
    matches!(text.to_lowercase().as_str(), "" | "n/d" | "#n/d" | "-" | "n.d." | "nd" | "n.d" | "–")
}

/// Reads an Italian-formatted number: `1.250`, `-24,31`, `18.231.161.719,00`, `1000`.
///
/// A dot is a thousands separator and must be followed by exactly three digits; the decimal
/// separator is the comma. Returns the value and the number of decimals written.
pub fn parse_number(text: &str) -> Result<(f64, u8), ParseError> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int_part, dec_part) = match digits.split_once(',') {
        Some((i, d)) => (i, Some(d)),
        None => (digits, None),
    };
    let groups: Vec<&str> = int_part.split('.').collect();
    let valid_groups = !groups[0].is_empty()
        && groups.iter().all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && (groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)));
    let valid_dec = dec_part.is_none_or(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    if !valid_groups || !valid_dec {
        return err(format!("«{text}» non è un numero nel formato italiano (es. 1.250 oppure 1.250,50)"));
    }
    let plain = format!("{}{}.{}", if negative { "-" } else { "" }, groups.concat(), dec_part.unwrap_or("0"));
    let value: f64 = plain.parse().map_err(|_| ParseError(format!("«{text}» non è un numero")))?;
    Ok((value, dec_part.map_or(0, |d| d.len().min(255) as u8)))
}

/// Splits a trailing unit off a text: `1.250 N.` → (`1.250`, Numero). A text whose number is
/// followed by a word that is no known unit keeps it, and [`parse_quantity`] names it.
fn split_unit(text: &str) -> (&str, Unit) {
    let t = text.trim();
    let lower = t.to_lowercase();
    let mut best: Option<(usize, Unit)> = None;
    for (unit, spellings) in UNITS {
        for sp in *spellings {
            let sp_lower = sp.to_lowercase();
            let cut = t.len().saturating_sub(sp_lower.len());
            if lower.ends_with(&sp_lower)
                && lower.len() == t.len()
                && t.is_char_boundary(cut)
                && best.is_none_or(|(len, _)| sp_lower.len() > len)
            {
                let rest = t[..cut].trim_end();
                // `N` must follow a number; a word's last letters are not a unit (`10 anni` is
                // years, not `10 ann` + `i`).
                let boundary = rest.ends_with(|c: char| c.is_ascii_digit());
                if boundary {
                    best = Some((sp_lower.len(), *unit));
                }
            }
        }
    }
    match best {
        Some((len, unit)) => (t[..t.len() - len].trim_end(), unit),
        None => (t, Unit::Nessuna),
    }
}

/// Reads a number with an optional unit: `1.250 N.`, `53,15 %`, `-24,31 gg`, `100`.
pub fn parse_quantity(text: &str) -> Result<Quantity, ParseError> {
    let (number, unit) = split_unit(text);
    let (value, decimals) = parse_number(number).map_err(|_| {
        // A number followed by a word: the word is a unit we do not know.
        let t = text.trim();
        if let Some((n, word)) = t.split_once(' ')
            && parse_number(n).is_ok()
            && !word.trim().is_empty()
        {
            return ParseError(format!(
                "«{t}»: unità «{}» non riconosciuta (ammesse: {})",
                word.trim(),
                Unit::accepted()
            ));
        }
        ParseError(format!(
            "«{t}» non è un valore leggibile (attesi ad esempio «1.250 N.», «53,15 %», «-24,31 gg», «1.000,00 €»)"
        ))
    })?;
    Ok(Quantity { value, unit, decimals })
}

/// Reads a date written `dd-mm-yyyy`, `dd/mm/yyyy` or `dd.mm.yyyy`.
pub fn parse_date(text: &str) -> Result<NaiveDate, ParseError> {
    let t = text.trim();
    let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
    let numeric = parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].len() <= 2
        && parts[1].len() <= 2
        && parts[2].len() == 4;
    if !numeric {
        return err(format!("«{t}» non è una data (attesa nella forma gg-mm-aaaa)"));
    }
    let day: u32 = parts[0].parse().unwrap_or(0);
    let month: u32 = parts[1].parse().unwrap_or(0);
    let year: i32 = parts[2].parse().unwrap_or(0);
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| ParseError(format!("«{t}» non è una data esistente")))
}

fn looks_like_date(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 8
        && t.len() <= 10
        && t.chars().filter(|c| matches!(c, '-' | '/' | '.')).count() == 2
        && t.rsplit(['-', '/', '.']).next().is_some_and(|y| y.len() == 4)
        && !t.starts_with('-')
}

/// Reads an actual value: a quantity, a date, or a missing-value mark.
pub fn parse_reading(text: &str) -> Result<Reading, ParseError> {
    let t = text.trim();
    if is_missing(t) {
        return Ok(Reading::Mancante);
    }
    if looks_like_date(t) {
        return parse_date(t).map(|data| Reading::Data { data });
    }
    parse_quantity(t).map(|quantita| Reading::Quantita { quantita })
}

/// Which way is better for an indicator, when its target does not say it with an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direzione {
    /// Higher is better (`>=`).
    Maggiore,
    /// Lower is better (`<=`).
    Minore,
    /// Exactly the target (`=`).
    Uguale,
    /// Within a range (`tra X e Y`).
    Intervallo,
    /// By a date (`Entro gg-mm-aaaa`).
    Scadenza,
}

impl Direzione {
    /// Reads a direction cell: the words of the flat layout, or an operator.
    pub fn parse(text: &str) -> Result<Direzione, ParseError> {
        let t = text.trim().to_lowercase();
        Ok(match t.as_str() {
            "maggiore" | "più alto" | "crescente" | ">=" | "≥" => Direzione::Maggiore,
            "minore" | "più basso" | "decrescente" | "<=" | "≤" => Direzione::Minore,
            "uguale" | "=" => Direzione::Uguale,
            "intervallo" | "tra" => Direzione::Intervallo,
            "scadenza" | "entro" => Direzione::Scadenza,
            _ => {
                return err(format!(
                    "direzione «{}» non riconosciuta (ammesse: maggiore, minore, uguale, intervallo, scadenza)",
                    text.trim()
                ));
            }
        })
    }

    /// The operator of a target in this direction.
    pub fn operator(self) -> &'static str {
        match self {
            Direzione::Maggiore => ">=",
            Direzione::Minore => "<=",
            Direzione::Uguale => "=",
            Direzione::Intervallo => "tra",
            Direzione::Scadenza => "entro",
        }
    }
}

/// Whether a target text says its direction itself: an operator (`>=`, `<=`, `=`, `tra`, `Entro`)
/// or a date. A bare number or percentage does not.
pub fn target_has_operator(text: &str) -> bool {
    let t = text.trim();
    let lower = t.to_lowercase();
    ["entro", "tra ", ">", "<", "≥", "≤", "="].iter().any(|p| lower.starts_with(p)) || looks_like_date(t)
}

/// A bare target value read in a direction: `80 %` lower-is-better is `<= 80 %`.
pub fn target_in_direction(text: &str, direction: Direzione) -> Result<Target, ParseError> {
    match direction {
        Direzione::Maggiore | Direzione::Minore | Direzione::Uguale => {
            parse_target(&format!("{} {}", direction.operator(), text.trim()))
        }
        Direzione::Scadenza => parse_target(&format!("Entro {}", text.trim())),
        Direzione::Intervallo => {
            err(format!("target «{}»: un intervallo si scrive «tra X e Y»", text.trim()))
        }
    }
}

/// Reads a target: `>= 1.000 N.`, `<= -19 gg`, `= 100,00 %`, `tra 10 e 20 N.`, `Entro 30-06-2024`,
/// or a bare value (an at-least target, as the platform prints `100,00 %`).
pub fn parse_target(text: &str) -> Result<Target, ParseError> {
    let t = text.trim();
    if is_missing(t) {
        return err("target mancante");
    }
    target_shape(t).map_err(|e| ParseError(format!("target «{t}» non leggibile: {e}")))
}

fn target_shape(t: &str) -> Result<Target, ParseError> {
    let lower = t.to_lowercase();
    if lower.starts_with("entro") {
        return parse_date(&t[5..]).map(|data| Target::Entro { data });
    }
    if lower.starts_with("tra ") {
        let Some((a, b)) = t[4..].split_once(" e ") else {
            return err("atteso un intervallo «tra X e Y»");
        };
        let (mut minimo, mut massimo) = (parse_quantity(a)?, parse_quantity(b)?);
        // `tra 10 e 20 N.`: the unit written once applies to both ends.
        if minimo.unit == Unit::Nessuna {
            minimo.unit = massimo.unit;
        }
        if massimo.unit == Unit::Nessuna {
            massimo.unit = minimo.unit;
        }
        if minimo.value > massimo.value {
            return err("il minimo dell'intervallo supera il massimo");
        }
        return Ok(Target::Tra { minimo, massimo });
    }
    for (prefix, make) in [
        (">=", (|valore| Target::AlMeno { valore }) as fn(Quantity) -> Target),
        ("≥", |valore| Target::AlMeno { valore }),
        ("<=", |valore| Target::AlMassimo { valore }),
        ("≤", |valore| Target::AlMassimo { valore }),
        ("=", |valore| Target::Uguale { valore }),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return parse_quantity(rest).map(make);
        }
    }
    if t.starts_with('>') || t.starts_with('<') {
        return err("operatore non riconosciuto (attesi >=, <=, =, tra, Entro)");
    }
    if looks_like_date(t) {
        return parse_date(t).map(|data| Target::Entro { data });
    }
    parse_quantity(t).map(|valore| Target::AlMeno { valore })
}

/// Evaluates a VALORI MISURE expression: `8.270 N. / 630,56 N.`, `270 N. * 1000 / 69.749 N.`,
/// `(317 N. - 53 N.) / 53 N.`, `1 N. + 1 N.`. Returns `None` for dates and missing values (they
/// carry no number to recover) and an error for text that is not an expression.
pub fn eval_measures(text: &str) -> Result<Option<f64>, ParseError> {
    let t = text.trim();
    if is_missing(t) || looks_like_date(t) {
        return Ok(None);
    }
    let tokens = tokenize(t)?;
    let mut p = ExprParser { tokens: &tokens, pos: 0, source: t, depth: 0 };
    let v = p.expr()?;
    if p.pos != tokens.len() {
        return err(format!("«{t}»: espressione delle misure non leggibile"));
    }
    if !v.is_finite() {
        return err(format!("«{t}»: divisione per zero nelle misure"));
    }
    Ok(Some(v))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Op(char),
    Open,
    Close,
}

/// Length in characters of the unit spelling at the start of `chars`, if any (the longest one;
/// a spelling ending in a letter must not be followed by another letter).
fn unit_at(chars: &[char]) -> Option<usize> {
    let mut best = None;
    for (_, spellings) in UNITS {
        for sp in *spellings {
            let n = sp.chars().count();
            let matches = chars.len() >= n
                && chars[..n].iter().zip(sp.chars()).all(|(a, b)| a.to_lowercase().eq(b.to_lowercase()));
            let whole_word = !sp.ends_with(|c: char| c.is_alphabetic())
                || !chars.get(n).is_some_and(|c| c.is_alphabetic());
            if matches && whole_word && best.is_none_or(|b| n > b) {
                best = Some(n);
            }
        }
    }
    best
}

fn tokenize(text: &str) -> Result<Vec<Tok>, ParseError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            out.push(Tok::Close);
            i += 1;
        } else if matches!(c, '+' | '-' | '*' | '/' | '−' | '×' | ':') {
            out.push(Tok::Op(match c {
                '−' => '-',
                '×' => '*',
                ':' => '/',
                other => other,
            }));
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == ',') {
                // A dot not followed by a digit ends the number (`N.` after a space never gets here).
                if chars[i] == '.' && !chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                    break;
                }
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            let (v, _) = parse_number(&number)?;
            out.push(Tok::Num(v));
            // Skip the unit after the number (looking only at the next few characters, so that
            // the whole expression is read in linear time).
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            i += unit_at(&chars[j..]).map_or(0, |n| j - i + n);
        } else {
            return err(format!("«{text}»: carattere «{c}» non atteso nell'espressione delle misure"));
        }
    }
    Ok(out)
}

struct ExprParser<'a> {
    tokens: &'a [Tok],
    pos: usize,
    source: &'a str,
    /// Nesting of parentheses and unary signs so far: bounded, so that no input can exhaust the
    /// stack.
    depth: usize,
}

/// Deepest nesting of parentheses and signs a measures expression may have (real ones have 2 or 3).
const MAX_EXPR_DEPTH: usize = 64;

impl ExprParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn expr(&mut self) -> Result<f64, ParseError> {
        let mut v = self.term()?;
        while let Some(Tok::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.pos += 1;
            let r = self.term()?;
            v = if op == '+' { v + r } else { v - r };
        }
        Ok(v)
    }

    fn term(&mut self) -> Result<f64, ParseError> {
        let mut v = self.factor()?;
        while let Some(Tok::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.pos += 1;
            let r = self.factor()?;
            v = if op == '*' { v * r } else { v / r };
        }
        Ok(v)
    }

    fn factor(&mut self) -> Result<f64, ParseError> {
        self.depth += 1;
        if self.depth > MAX_EXPR_DEPTH {
            return err(format!(
                "espressione delle misure troppo annidata (oltre {MAX_EXPR_DEPTH} parentesi o segni uno dentro l'altro)"
            ));
        }
        let v = self.factor_inner();
        self.depth -= 1;
        v
    }

    fn factor_inner(&mut self) -> Result<f64, ParseError> {
        match self.peek().cloned() {
            Some(Tok::Num(v)) => {
                self.pos += 1;
                Ok(v)
            }
            Some(Tok::Op('-')) => {
                self.pos += 1;
                Ok(-self.factor()?)
            }
            Some(Tok::Open) => {
                self.pos += 1;
                let v = self.expr()?;
                if self.peek() != Some(&Tok::Close) {
                    return err(format!("«{}»: parentesi non chiusa", self.source));
                }
                self.pos += 1;
                Ok(v)
            }
            _ => err(format!("«{}»: espressione delle misure non leggibile", self.source)),
        }
    }
}

/// Rounds half away from zero to `decimals`, robust to binary noise (`99,625` → `99,63`).
pub fn round_half_up(value: f64, decimals: u8) -> f64 {
    let scale = 10f64.powi(decimals as i32);
    let scaled = value * scale;
    // Nudge by a few ULPs so that 99.625 stored as 99.62499999999999 rounds up as written.
    let nudged = scaled + scaled.signum() * scaled.abs() * 8.0 * f64::EPSILON;
    nudged.round() / scale
}

/// Italian number format with thousands dots: `format_number(18231161719.0, 2)` = `18.231.161.719,00`.
pub fn format_number(value: f64, decimals: u8) -> String {
    let rounded = round_half_up(value, decimals);
    let negative = rounded < 0.0 && rounded != 0.0;
    let text = format!("{:.*}", decimals as usize, rounded.abs());
    let (int_part, dec_part) = match text.split_once('.') {
        Some((i, d)) => (i.to_string(), Some(d.to_string())),
        None => (text.clone(), None),
    };
    let mut grouped = String::new();
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if let Some(d) = dec_part {
        out.push(',');
        out.push_str(&d);
    }
    out
}

/// A quantity as the platform prints it: `N.` and `gg` without decimals when integral, `%` and
/// `€` always with two.
pub fn format_quantity(value: f64, unit: Unit) -> String {
    let decimals = match unit {
        Unit::Percento | Unit::Euro => 2,
        _ if (value - value.round()).abs() < 1e-9 => 0,
        _ => 2,
    };
    let number = format_number(value, decimals);
    match unit {
        Unit::Nessuna => number,
        u => format!("{number} {}", u.suffix()),
    }
}

/// `30/06/2024`.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(value: f64, unit: Unit, decimals: u8) -> Quantity {
        Quantity { value, unit, decimals }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_article_elides_before_a_figure_read_with_a_vowel() {
        for f in ["80,00 %", "8 %", "11 %", "11.500 €", "1 %", "85,00\u{a0}%"] {
            assert!(read_with_vowel(f), "{f}");
        }
        for f in ["99,62 %", "18 %", "1.250", "111 %", "−8 %", "–", "100,00 %"] {
            assert!(!read_with_vowel(f), "{f}");
        }
    }

    #[test]
    fn deep_nesting_in_a_measures_expression_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "(".repeat(20_000), ")".repeat(20_000));
        assert!(eval_measures(&deep).unwrap_err().0.starts_with("espressione delle misure troppo annidata"));
        let signs = format!("{}1", "- ".repeat(20_000));
        assert!(eval_measures(&signs).is_err());
        assert_eq!(eval_measures("-(-(2 N.))").unwrap(), Some(2.0));
    }

    #[test]
    fn the_common_units_of_public_plans() {
        assert_eq!(parse_quantity("24 ore").unwrap(), q(24.0, Unit::Ore, 0));
        assert_eq!(parse_quantity("3 mesi").unwrap(), q(3.0, Unit::Mesi, 0));
        assert_eq!(parse_quantity("7,5 punti").unwrap(), q(7.5, Unit::Punti, 1));
        assert_eq!(parse_quantity("1.200 kWh").unwrap(), q(1200.0, Unit::Kwh, 0));
        assert_eq!(parse_quantity("2 anni").unwrap(), q(2.0, Unit::Anni, 0));
        assert_eq!(parse_quantity("1.000,00 €").unwrap(), q(1000.0, Unit::Euro, 2));
        let e = parse_quantity("12 parsec").unwrap_err();
        assert_eq!(
            e.0,
            "«12 parsec»: unità «parsec» non riconosciuta (ammesse: N., gg, ore, mesi, anni, %, €, punti, kWh)"
        );
        assert_eq!(eval_measures("48 ore / 2 ore").unwrap(), Some(24.0));
        assert_eq!(eval_measures("8.270 N. / 630,56 N.").unwrap(), Some(8270.0 / 630.56));
    }

    #[test]
    fn every_target_shape_of_the_fixtures() {
        use Target::*;
        let cases = [
            (">= 1.000 N.", AlMeno { valore: q(1000.0, Unit::Numero, 0) }),
            (">= 18.000.000.000,00 €", AlMeno { valore: q(18_000_000_000.0, Unit::Euro, 2) }),
            (">= 45,00 %", AlMeno { valore: q(45.0, Unit::Percento, 2) }),
            (">= 18,10 %", AlMeno { valore: q(18.1, Unit::Percento, 2) }),
            ("<= 2 gg", AlMassimo { valore: q(2.0, Unit::Giorni, 0) }),
            ("<= -19 gg", AlMassimo { valore: q(-19.0, Unit::Giorni, 0) }),
            ("<= -10,00 %", AlMassimo { valore: q(-10.0, Unit::Percento, 2) }),
            ("100,00 %", AlMeno { valore: q(100.0, Unit::Percento, 2) }),
            ("= 100,00 %", Uguale { valore: q(100.0, Unit::Percento, 2) }),
            ("Entro 30-06-2024", Entro { data: d(2024, 6, 30) }),
            ("Entro 31/01/2024", Entro { data: d(2024, 1, 31) }),
            ("tra 10 e 20 N.", Tra { minimo: q(10.0, Unit::Numero, 0), massimo: q(20.0, Unit::Numero, 0) }),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_target(text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn every_actual_shape_of_the_fixtures() {
        use Reading::*;
        let cases = [
            ("1.250 N.", Quantita { quantita: q(1250.0, Unit::Numero, 0) }),
            ("13,12 N.", Quantita { quantita: q(13.12, Unit::Numero, 2) }),
            ("53,15 %", Quantita { quantita: q(53.15, Unit::Percento, 2) }),
            ("-16,60 %", Quantita { quantita: q(-16.6, Unit::Percento, 2) }),
            ("1,61 gg", Quantita { quantita: q(1.61, Unit::Giorni, 2) }),
            ("-24,31 gg", Quantita { quantita: q(-24.31, Unit::Giorni, 2) }),
            ("18.231.161.719,00 €", Quantita { quantita: q(18_231_161_719.0, Unit::Euro, 2) }),
            ("1.879.961 N.", Quantita { quantita: q(1_879_961.0, Unit::Numero, 0) }),
            ("25-06-2024", Data { data: d(2024, 6, 25) }),
            ("25.12.2020", Data { data: d(2020, 12, 25) }),
            ("N/D", Mancante),
            ("#N/D", Mancante),
            ("-", Mancante),
            ("", Mancante),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_reading(text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn measure_expressions_of_the_fixtures() {
        let cases = [
            ("8.270 N. / 630,56 N.", 8270.0 / 630.56),
            ("270 N. * 1000 / 69.749 N.", 270.0 * 1000.0 / 69749.0),
            ("(317 N. - 53 N.) / 53 N.", (317.0 - 53.0) / 53.0),
            ("(15.248 N. - 18.283 N.) / 18.283 N.", (15248.0 - 18283.0) / 18283.0),
            ("1 N. + 1 N.", 2.0),
            ("(13 N. + 17 N.)", 30.0),
            ("428 gg / 155 N.", 428.0 / 155.0),
            ("72 N. + 50 N. + 9 N. + 92 N.", 223.0),
            ("-24,31 gg", -24.31),
            ("0,90 N.", 0.9),
            ("60 N. / 62 N.", 60.0 / 62.0),
        ];
        for (text, expected) in cases {
            assert_eq!(eval_measures(text).unwrap(), Some(expected), "{text}");
        }
        assert_eq!(eval_measures("22-05-2024").unwrap(), None);
        assert!(eval_measures("5 N. / 0 N.").is_err());
        assert!(eval_measures("5 N. /").is_err());
    }

    #[test]
    fn unreadable_texts_are_errors_with_the_text() {
        assert_eq!(
            parse_target(">= tanti N.").unwrap_err().0,
            "target «>= tanti N.» non leggibile: «tanti N.» non è un valore leggibile (attesi ad esempio «1.250 N.», «53,15 %», «-24,31 gg», «1.000,00 €»)"
        );
        assert_eq!(
            parse_target("Entro 31-02-2024").unwrap_err().0,
            "target «Entro 31-02-2024» non leggibile: «31-02-2024» non è una data esistente"
        );
        assert!(parse_number("3.87").is_err(), "a dot must group three digits");
        assert!(parse_number("1.2345").is_err());
        assert!(parse_target("> 5 N.").is_err());
        assert!(parse_target("tra 20 e 10").is_err());
    }

    #[test]
    fn italian_formatting() {
        assert_eq!(format_number(1250.5, 2), "1.250,50");
        assert_eq!(format_number(18_231_161_719.0, 2), "18.231.161.719,00");
        assert_eq!(format_number(-24.31, 2), "-24,31");
        assert_eq!(format_number(99.625, 2), "99,63");
        assert_eq!(format_number(-0.001, 2), "0,00");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(format_quantity(1250.0, Unit::Numero), "1.250 N.");
        assert_eq!(format_quantity(13.1153, Unit::Numero), "13,12 N.");
        assert_eq!(format_quantity(53.15, Unit::Percento), "53,15 %");
        assert_eq!(format_date(d(2024, 6, 30)), "30/06/2024");
    }
}
