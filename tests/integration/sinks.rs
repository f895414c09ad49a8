//! One property test per sink: random strings, drawn from every character class a hostile input
//! can use (markup of each language, quotes, every control and line-ending character, line and
//! paragraph separators, directional overrides, the tool's private markers, noncharacters,
//! brackets of its own markers), go through the escaping function of the sink, and the output is
//! parsed back by a parser of that language: Typst by compiling it and reading the values back,
//! HTML and XML with an XML parser, CSV with an RFC 4180 reader. Nothing may break out, and what
//! a reader gets back is the input as the function documents it.

use proptest::prelude::*;
use relazione::escape;
use std::collections::BTreeMap;

/// A character of any class a hostile string may mix.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range(' ', '~'),
        3 => prop::sample::select(vec![
            '#', '[', ']', '{', '}', '(', ')', '$', '*', '_', '`', '\\', '/', '<', '>', '@', '=', '-', '+', '.', ':',
            '^', '~', '"', '\'', '&', ';', ',', '%', '?',
        ]),
        2 => prop::sample::select(vec![
            '\n', '\r', '\t', '\x0B', '\x0C', '\0', '\x1B', '\x7F', '\u{85}', '\u{9B}', '\u{2028}', '\u{2029}',
        ]),
        1 => prop::sample::select(vec![
            '\u{200E}', '\u{200F}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{E000}', '\u{E001}',
            '\u{FFFE}', '\u{FFFF}', '\u{FDD0}', '\u{FEFF}', '\u{A0}', '⟦', '⟧', 'à', '€', '≥', '\u{301}', '😀',
        ]),
    ]
}

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..40).prop_map(String::from_iter)
}

fn directional(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn shown(c: char) -> String {
    format!("⟨U+{:04X}⟩", c as u32)
}

fn noncharacter(c: char) -> bool {
    let n = c as u32;
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

/// Printed as itself in a PDF: white space, or a character the shipped fonts can show.
fn printable(c: char) -> bool {
    c.is_whitespace() || relazione::fonts::can_show(c)
}

fn private(c: char) -> bool {
    escape::PRIVATE.contains(&c)
}

/// Compiles a Typst source with the product's closed world and returns the values of its
/// labelled `metadata`, in order (content as its plain text).
fn typst_values(source: &str) -> Vec<String> {
    use typst::foundations::Value;
    use typst::introspection::{Introspector, MetadataElem};
    let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let compiled = relazione::outputs::pdf::typeset::compile(
        relazione::outputs::pdf::typeset::MainSource::new(source),
        BTreeMap::new(),
        date,
        Default::default(),
    )
    .unwrap_or_else(|e| panic!("{e}\n{source}"));
    compiled
        .document
        .introspector()
        .query_labelled()
        .iter()
        .map(|c| match &c.to_packed::<MetadataElem>().expect("only metadata is labelled").value {
            Value::Str(s) => s.to_string(),
            Value::Content(c) => c.plain_text().to_string(),
            v => panic!("unexpected value {v:?}"),
        })
        .collect()
}

/// What Typst markup written by `typst_markup` reads back as.
fn markup_expected(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            // A line break (`#linebreak()`) has no plain text in Typst 0.15, but it separates the
            // spaces on either side (they are not one run): a marker, removed after collapsing.
            '\r' | '\n' => out.push('\u{0}'),
            '\u{2028}' | '\u{2029}' | '\t' => out.push(' '),
            c if c.is_control() || private(c) => {}
            c if directional(c) || !printable(c) => out.push_str(&shown(c)),
            c => out.push(c),
        }
    }
    // Markup makes a run of spaces one space.
    let mut collapsed = String::new();
    for c in out.chars() {
        if !(c == ' ' && collapsed.ends_with(' ')) {
            collapsed.push(c);
        }
    }
    collapsed.replace('\u{0}', "")
}

/// What a Typst string literal written by `typst_string` reads back as.
fn string_expected(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() || private(c) => {}
            c if directional(c) || !printable(c) => out.push_str(&shown(c)),
            c => out.push(c),
        }
    }
    out
}

/// Parses `<r a="…">…</r>` and returns (attribute, text), failing on anything else.
fn xml_round_trip(attribute: &str, text: &str) -> (String, String) {
    use quick_xml::events::Event;
    let doc = format!("<r a=\"{attribute}\">{text}</r>");
    let mut reader = quick_xml::Reader::from_str(&doc);
    let (mut attr, mut body, mut depth) = (None, String::new(), 0);
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("{e}: {doc}")) {
            Event::Start(e) => {
                depth += 1;
                assert_eq!(depth, 1, "a nested element broke out: {doc}");
                let attrs: Vec<_> = e.attributes().map(|a| a.unwrap()).collect();
                assert_eq!(attrs.len(), 1, "an attribute broke out: {doc}");
                attr =
                    Some(attrs[0].normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().to_string());
            }
            Event::Text(t) => body.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => match r.xml10_content().as_ref() {
                        "amp" => "&".to_string(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        n => panic!("unknown entity {n} in {doc}"),
                    },
                };
                body.push_str(&c);
            }
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            e => panic!("unexpected {e:?} in {doc}"),
        }
    }
    (attr.expect("the element"), body)
}

/// A minimal RFC 4180 reader: fields of one record.
fn csv_fields(line: &str, sep: char) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    fields.last_mut().unwrap().push('"');
                }
                '"' => quoted = false,
                c => fields.last_mut().unwrap().push(c),
            }
        } else if c == '"' && at_start {
            quoted = true;
        } else if c == sep {
            fields.push(String::new());
            at_start = true;
            continue;
        } else {
            assert!(!matches!(c, '"' | '\n' | '\r'), "unquoted {c:?} in {line:?}");
            fields.last_mut().unwrap().push(c);
        }
        at_start = false;
    }
    assert!(!quoted, "an unclosed quote in {line:?}");
    fields
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Typst markup, a Typst string and a Typst comment, compiled together: every value reads
    /// back as documented, the comment stays one comment, nothing else appears.
    #[test]
    fn typst_markup_string_and_comment(texts in prop::collection::vec(hostile(), 1..8)) {
        let mut source = String::new();
        for t in &texts {
            source.push_str(&format!("// {}\n", escape::typst_comment(t)));
            source.push_str(&format!("#metadata[{}] <m>\n", escape::typst_markup(t)));
            source.push_str(&format!("#metadata({}) <m>\n", escape::typst_string(t)));
        }
        let values = typst_values(&source);
        prop_assert_eq!(values.len(), 2 * texts.len());
        for (t, pair) in texts.iter().zip(values.chunks(2)) {
            prop_assert_eq!(&pair[0], &markup_expected(t));
            prop_assert_eq!(&pair[1], &string_expected(t));
        }
        let parsed = typst::syntax::Source::detached(source.clone());
        let comments: Vec<String> = parsed
            .root()
            .children()
            .filter(|n| n.kind() == typst::syntax::SyntaxKind::LineComment)
            .map(|n| n.leaf_text().to_string())
            .collect();
        let written: Vec<String> = texts.iter().map(|t| format!("// {}", escape::typst_comment(t))).collect();
        prop_assert_eq!(comments, written);
    }

    /// HTML text and a quoted attribute: one element, one attribute, the text back as documented.
    #[test]
    fn html_text_and_attribute(t in hostile()) {
        let e = escape::html(&t);
        prop_assert!(!e.contains(['<', '>', '"', '\'']), "{e}");
        let expected: String = t
            .chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => Some(" ".to_string()),
                c if c.is_control() || private(c) || noncharacter(c) => None,
                c if directional(c) => Some(shown(c)),
                c => Some(c.to_string()),
            })
            .collect();
        let (attr, text) = xml_round_trip(&e, &e);
        prop_assert_eq!(&attr, &expected);
        prop_assert_eq!(&text, &expected);
    }

    /// XML: well-formed, every character an XML `Char`, the text and the attribute back.
    #[test]
    fn xml_text_and_attribute(t in hostile()) {
        let e = escape::xml(&t);
        prop_assert!(e.chars().all(|c| matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..)));
        let expected: String =
            t.chars().filter(|c| *c == '\n' || !(c.is_control() || private(*c) || noncharacter(*c))).collect();
        let (attr, text) = xml_round_trip(&e, &e);
        prop_assert_eq!(&attr, &expected);
        prop_assert_eq!(&text, &expected);
    }

    /// A URL is published only when it is a web or mail address with nothing that could end the
    /// attribute or the link it is written into; written into an attribute it reads back whole.
    #[test]
    fn urls(prefix in prop::sample::select(vec!["https://", "http://", "mailto:", "javascript:", "HTTPS://", "", "file://", "data:"]),
            host in "[a-z]{0,6}(\\.[a-z]{2})?", t in hostile()) {
        let candidate = format!("{prefix}{host}{}", if prefix == "mailto:" { "@x.it" } else { "" }) + &t;
        if let Some(u) = escape::url(&candidate) {
            let lower = u.to_ascii_lowercase();
            prop_assert!(["https://", "http://", "mailto:"].iter().any(|p| lower.starts_with(p)), "{u}");
            prop_assert!(!u.chars().any(|c| c.is_control() || c.is_whitespace() || directional(c) || "\"'<>\\`".contains(c)), "{u:?}");
            let (attr, _) = xml_round_trip(&escape::html(u), "");
            prop_assert_eq!(attr, u);
        }
    }

    /// CSV: each field reads back from its record (the record has as many fields as written).
    #[test]
    fn csv_fields_round_trip(fields in prop::collection::vec(hostile(), 1..5), sep in prop::sample::select(vec![',', ';'])) {
        let line: Vec<String> = fields.iter().map(|f| escape::csv(f, sep)).collect();
        let record = line.join(&sep.to_string());
        let back = csv_fields(&record, sep);
        let expected: Vec<String> = fields
            .iter()
            .map(|f| f.chars().filter(|c| (!c.is_control() || matches!(c, '\n' | '\r' | '\t')) && !private(*c)).collect())
            .collect();
        prop_assert_eq!(back, expected);
    }

    /// Terminal: nothing a terminal acts on is left, and every hidden character is shown by name.
    #[test]
    fn terminal_text(t in hostile().prop_filter("no ⟨ of its own", |t| !t.contains('⟨'))) {
        let e = escape::terminal(&t);
        prop_assert!(!e.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || directional(c) || private(c) || matches!(c, '\u{2028}' | '\u{2029}')), "{e:?}");
        let mut back = e.clone();
        for c in t.chars() {
            back = back.replace(&shown(c), &c.to_string());
        }
        prop_assert_eq!(back, t);
    }

    /// The staff's Markdown through the real writers: the Typst compiles with the text intact (no
    /// code ran: nothing but the text's own words is laid out), the HTML has only the elements and
    /// attributes the converter writes.
    #[test]
    fn markdown_through_both_writers(t in hostile()) {
        let origin = relazione::markdown::Origin { file: std::path::Path::new("testi/premessa.md"), first_line: 1 };
        if let Ok(c) = relazione::markdown::to_typst(&t, 1, origin) {
            let source = format!("#metadata[\n{}\n] <m>\n", c.text);
            let values = typst_values(&source);
            prop_assert_eq!(values.len(), 1);
        }
        if let Ok(c) = relazione::markdown::to_html(&t, 1, origin) {
            for tag in c.text.split('<').skip(1) {
                let tag = tag.split('>').next().unwrap();
                let name = tag.trim_start_matches('/').split([' ', '>']).next().unwrap();
                prop_assert!(
                    ["p", "h2", "h3", "h4", "h5", "h6", "em", "strong", "s", "a", "ul", "ol", "li", "code", "pre",
                     "blockquote", "table", "thead", "tbody", "tr", "th", "td", "sup", "br", "hr", "img", "div"]
                        .contains(&name),
                    "element {name} in {}", c.text
                );
                for attr in tag.split(' ').skip(1).filter(|a| a.contains('=')) {
                    let key = attr.split('=').next().unwrap();
                    prop_assert!(["href", "id", "class", "src", "alt", "start", "scope"].contains(&key), "attribute {key} in {}", c.text);
                }
            }
        }
    }
}
