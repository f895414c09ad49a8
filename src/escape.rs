//! One escaping function per sink. Every string from the inputs (a cell, a staff text, a
//! configuration value, a file name) is hostile until it is written through the function for the
//! place it lands in: Typst markup, a Typst string literal, a Typst comment, HTML text or an HTML
//! attribute, a URL, XML, a CSV field, the terminal. Each function is total (no input can make it
//! fail or emit something its sink reads as structure) and is proven so by the property tests in
//! `tests/integration/properties.rs`, which parse every output back.
//!
//! Three character classes are handled alike everywhere:
//! - control characters are dropped (they mean nothing in a published document and some drive a
//!   terminal or end a line where the sink does not expect one);
//! - directional overrides and marks are shown as `⟨U+202E⟩`, because they would reorder what the
//!   reader sees (a spoofing vector);
//! - the private-use characters the tool uses as internal markers ([`PRIVATE`]) are dropped, so that
//!   no input can forge one.

/// Private-use characters the tool uses internally (footnote placeholders in the Markdown
/// converter): never kept from an input.
pub const PRIVATE: [char; 2] = ['\u{E000}', '\u{E001}'];

/// Directional formatting characters: shown as what they are.
fn directional(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters Typst reads as the end of a line (`typst_syntax::is_newline`).
pub fn typst_newline(c: char) -> bool {
    matches!(c, '\n' | '\x0B' | '\x0C' | '\r' | '\u{0085}' | '\u{2028}' | '\u{2029}')
}

/// `⟨U+XXXX⟩`, how an invisible or dangerous character is shown.
fn shown(out: &mut String, c: char) {
    out.push_str(&format!("⟨U+{:04X}⟩", c as u32));
}

/// Typst markup, also valid inside a Typst string literal's content: every character with a
/// meaning in Typst becomes a `\u{..}` escape, a line break becomes `#linebreak();` (the semicolon
/// ends the call: a `(` that follows would otherwise be read as its arguments), line and
/// paragraph separators a space.
pub fn typst_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("#linebreak();");
                }
            }
            '\n' => out.push_str("#linebreak();"),
            '\u{2028}' | '\u{2029}' | '\t' => out.push(' '),
            '\\' | '#' | '*' | '_' | '$' | '@' | '<' | '>' | '[' | ']' | '{' | '}' | '~' | '\'' | '"'
            | '`' | '=' | '-' | '+' | '/' | ':' | '.' | '^' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c if c.is_control() || PRIVATE.contains(&c) => {}
            c if directional(c) || !printable(c) => shown(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// Whether a character can be printed in the PDF: white space is laid out without a glyph,
/// anything else needs one in the shipped fonts (a noncharacter or an emoji has none, and a PDF/A
/// document cannot hold text it cannot show): it is printed as `⟨U+FFFE⟩` instead.
fn printable(c: char) -> bool {
    c.is_whitespace() || crate::fonts::can_show(c)
}

/// A Typst string literal, quotes included: quotes and backslashes escaped, every line break
/// Typst honours written as an escape (so the generated source keeps its line numbers), control
/// characters dropped.
pub fn typst_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c if c.is_control() || PRIVATE.contains(&c) => {}
            c if directional(c) || !printable(c) => shown(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The text of a Typst line comment (`// …`) that the tool reads back (its `⟦…⟧` markers): no
/// character Typst takes for a line end, no bracket that would end the marker.
pub fn typst_comment(text: &str) -> String {
    text.chars()
        .map(|c| if typst_newline(c) || c.is_control() || matches!(c, '⟦' | '⟧') { ' ' } else { c })
        .filter(|c| !PRIVATE.contains(c))
        .collect()
}

/// HTML text content and quoted attribute values (both quotes escaped): line breaks become
/// spaces.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if let Some(entity) = markup_entity(c) {
            out.push_str(entity);
            continue;
        }
        match c {
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() || PRIVATE.contains(&c) || is_noncharacter(c) => {}
            c if directional(c) => shown(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// The reference for a character that is markup in HTML and XML alike (`&#39;` is both languages'
/// apostrophe).
fn markup_entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    }
}

/// Unicode noncharacters (U+FDD0–U+FDEF and the last two of every plane): not text.
fn is_noncharacter(c: char) -> bool {
    let n = c as u32;
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

/// XML 1.0 text and attribute values: only characters of the `Char` production (other control
/// characters and noncharacters dropped), the five predefined entities, line breaks as `&#10;`.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if let Some(entity) = markup_entity(c) {
            out.push_str(entity);
            continue;
        }
        match c {
            // As a reference, so that an attribute keeps it (a parser makes a raw one a space).
            '\n' => out.push_str("&#10;"),
            c if c.is_control() || PRIVATE.contains(&c) || is_noncharacter(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Why a URL is refused, in Italian.
pub const URL_RULE: &str = "solo indirizzi web completi (https://… o http://…), senza nome utente, spazi, \
                            virgolette, parentesi angolari o caratteri di controllo (nei testi anche di posta: mailto:…)";

/// A URL that may be published as a link (PDF, web edition, RDF): `http`, `https` or `mailto`, with
/// a host (or an address), and only characters a URL may carry unencoded and every sink keeps (the
/// tool's private markers and noncharacters, which the sinks drop, are refused, so an attribute
/// never holds a different address from the one checked). Anything else is refused:
/// `javascript:`, `file:`, relative paths, spaces, quotes, line breaks, backslashes.
pub fn url(text: &str) -> Option<&str> {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&()*+,;=%".contains(c) || !c.is_ascii();
    if text.is_empty()
        || text.len() > 2048
        || !text.chars().all(|c| {
            allowed(c)
                && !c.is_control()
                && !c.is_whitespace()
                && !directional(c)
                && !PRIVATE.contains(&c)
                && !is_noncharacter(c)
        })
    {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) {
        r
    } else if let Some(r) = lower.strip_prefix("mailto:") {
        return (r.contains('@') && !r.starts_with('@')).then_some(text);
    } else {
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // No user name before the host (`https://ente.it@altro.it/` goes to `altro.it`).
    if authority.contains('@') {
        return None;
    }
    // A bracket only around an IPv6 host; a port only in digits.
    let (host, port) = match authority.strip_prefix('[') {
        Some(r) => match r.split_once(']') {
            Some((ip, port)) if ip.chars().all(|c| c.is_ascii_hexdigit() || c == ':') => (ip, port),
            _ => return None,
        },
        None => match authority.split_once(':') {
            Some((h, p)) => (h, &authority[h.len()..][..p.len() + 1]),
            None => (authority, ""),
        },
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let host_ok = !host.is_empty()
        && !host.starts_with(['.', '-'])
        && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c) || !c.is_ascii());
    let path = &rest[authority.len()..];
    // Brackets only in the host; every `%` starts an escape of two hex digits.
    let path_ok = !path.contains(['[', ']'])
        && path
            .split('%')
            .skip(1)
            .all(|p| p.len() >= 2 && p.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit));
    (host_ok && port_ok && path_ok).then_some(text)
}

/// A CSV field for a spreadsheet user: a text that a spreadsheet would run as a formula gets a
/// leading apostrophe (formula injection); quoting is the CSV writer's.
pub fn csv_for_spreadsheet(text: &str) -> String {
    // What a spreadsheet sees first: the characters the CSV writer drops do not count.
    let shown = text.trim_start_matches(|c: char| {
        (c.is_control() && !matches!(c, '\t' | '\r' | '\n')) || PRIVATE.contains(&c)
    });
    if shown.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

/// A field of a machine-readable CSV (RFC 4180): quoted when it holds a separator, a quote or a
/// line break; quotes doubled; control characters other than line breaks dropped.
pub fn csv(text: &str, separator: char) -> String {
    let clean: String = text
        .chars()
        .filter(|c| (!c.is_control() || matches!(c, '\n' | '\r' | '\t')) && !PRIVATE.contains(c))
        .collect();
    if clean.contains([separator, '"', '\n', '\r']) {
        format!("\"{}\"", clean.replace('"', "\"\""))
    } else {
        clean
    }
}

/// Text for the terminal: control characters (escape sequences from a cell, a file name or a YAML
/// field would drive the terminal), directional overrides and line separators are shown as
/// `⟨U+001B⟩`; line breaks and tabs stay.
pub fn terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let hidden = (c.is_control() && c != '\n' && c != '\t')
            || directional(c)
            || matches!(c, '\u{2028}' | '\u{2029}')
            || PRIVATE.contains(&c);
        if hidden {
            shown(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// JSON text (as `serde_json` writes it) for a terminal or a pipe: the characters JSON leaves raw
/// but a terminal acts on (C1 controls such as U+009B, line separators, directional overrides)
/// written as `\uXXXX` escapes. They can only stand inside strings, where the escape means the
/// same character: the data are unchanged.
pub fn json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' || directional(c) || matches!(c, '\u{2028}' | '\u{2029}') {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typst_markup_leaves_no_markup() {
        assert_eq!(
            typst_markup("#read(\"/etc/passwd\")"),
            "\\u{23}read(\\u{22}\\u{2f}etc\\u{2f}passwd\\u{22})"
        );
        assert_eq!(typst_markup("riga1\nriga2(x)"), "riga1#linebreak();riga2(x)");
        assert_eq!(typst_markup("a\u{202E}b\u{E000}"), "a⟨U+202E⟩b");
        assert_eq!(typst_markup("titolo\u{2028}= altro"), "titolo \\u{3d} altro");
    }

    #[test]
    fn typst_string_and_comment_keep_one_line() {
        assert_eq!(typst_string("a\"b\\c\nd\u{2028}e\u{85}"), "\"a\\\"b\\\\c\\nd\\u{2028}e\"");
        assert_eq!(typst_comment("x\u{2029}y\rz⟧\u{b}w"), "x y z  w");
    }

    #[test]
    fn urls_are_web_or_mail_addresses_only() {
        for ok in ["https://example.org/a?b=1#c", "http://x.it", "mailto:a@b.it", "https://[::1]:8080/"] {
            assert_eq!(url(ok), Some(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "file:///etc/passwd",
            "/etc/passwd",
            "https://",
            "https://a b",
            "https://a\"onclick=x",
            "https://a\nb",
            "https://a<b",
            "https://a\\b",
            "mailto:",
            "data:text/html,x",
            "https://.x",
            // A user name before the host, a port in letters, brackets in a path, a broken escape.
            "https://ente.it@altro.it/",
            "https://x.it:abc/",
            "https://x.it/a[b]/",
            "https://x.it/%zz/",
            "https://x.it/%4",
        ] {
            assert_eq!(url(bad), None, "{bad}");
        }
        assert_eq!(url("https://x.it:8443/a%20b/"), Some("https://x.it:8443/a%20b/"));
    }

    #[test]
    fn a_formula_behind_invisible_characters_is_still_neutralised() {
        for text in ["=1+2", "\u{e000}=1+2", "\u{7f}=1+1", "\u{1}@SOMMA(A1)"] {
            assert!(csv_for_spreadsheet(text).starts_with('\''), "{text:?}");
        }
        assert_eq!(csv_for_spreadsheet("Camera"), "Camera");
    }

    #[test]
    fn xml_and_html_drop_what_is_not_text() {
        assert_eq!(xml("a\u{FFFE}b\u{1}<"), "ab&lt;");
        assert_eq!(html("<script>\u{FFFF}'"), "&lt;script&gt;&#39;");
        assert_eq!(csv("a;b\"c", ';'), "\"a;b\"\"c\"");
        assert_eq!(terminal("\u{1b}[31mx\u{E000}"), "⟨U+001B⟩[31mx⟨U+E000⟩");
        let j = json(&serde_json::to_string("a\u{9b}31m\u{202e}").unwrap());
        assert_eq!(j, "\"a\\u009b31m\\u202e\"");
        assert_eq!(serde_json::from_str::<String>(&j).unwrap(), "a\u{9b}31m\u{202e}");
    }
}
