//! Cell fills and number formats of an xlsx sheet, which calamine does not expose.
//!
//! Two facts of the platform's exports live only in the styles: the green fill that marks targets
//! set by the Ministry in the overshooting report ("in verde i target fissati dal MINISTERO"), and
//! the number format that says whether a benchmarking value is a percentage, euros or days. This
//! reads `xl/styles.xml` and the sheet's XML with the zip and XML readers calamine already uses.

use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::BTreeMap;
use std::io::Read;

/// Style facts of one cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellStyle {
    /// Solid fill colour as `RRGGBB`, if any.
    pub fill: Option<String>,
    /// Number format code (`0.00%`, `#,##0.00 "€"`), if not General.
    pub num_fmt: Option<String>,
}

impl CellStyle {
    /// A fill whose green channel clearly dominates (Excel's "Good" `C6EFCE`, plain greens).
    pub fn is_green(&self) -> bool {
        let Some(hex) = &self.fill else { return false };
        let channel =
            |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as i32;
        let (r, g, b) = (channel(0), channel(2), channel(4));
        g > r + 16 && g > b + 16
    }
}

/// Styles of every styled cell of a sheet, keyed by zero-based (row, column). Empty when the file
/// is not an xlsx or the parts cannot be read (styles are an aid, never a reason to fail).
pub fn read(book: &[u8], sheet_name: &str) -> BTreeMap<(usize, usize), CellStyle> {
    read_inner(book, sheet_name).unwrap_or_default()
}

fn read_inner(book: &[u8], sheet_name: &str) -> Option<BTreeMap<(usize, usize), CellStyle>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(book)).ok()?;
    let part = |zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>, name: &str| -> Option<String> {
        let mut s = String::new();
        zip.by_name(name).ok()?.take(64 << 20).read_to_string(&mut s).ok()?;
        Some(s)
    };
    let workbook = part(&mut zip, "xl/workbook.xml")?;
    let rels = part(&mut zip, "xl/_rels/workbook.xml.rels")?;
    let rid = attr_of(&workbook, "sheet", "name", sheet_name, "r:id")?;
    let target = attr_of(&rels, "Relationship", "Id", &rid, "Target")?;
    let sheet_part = match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("xl/{target}"),
    };
    let styles = part(&mut zip, "xl/styles.xml")?;
    let xf_styles = parse_styles(&styles);
    let sheet = part(&mut zip, &sheet_part)?;
    let mut out = BTreeMap::new();
    let mut reader = Reader::from_str(&sheet);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.name().as_ref() == "c" => {
                let mut cell_ref = None;
                let mut style = None;
                for a in e.attributes().flatten() {
                    match a.key.as_ref() {
                        "r" => cell_ref = Some(a.value.to_string()),
                        "s" => style = a.value.parse::<usize>().ok(),
                        _ => {}
                    }
                }
                if let (Some(r), Some(s)) = (cell_ref, style)
                    && let (Some(pos), Some(st)) = (parse_ref(&r), xf_styles.get(s))
                    && *st != CellStyle::default()
                {
                    out.insert(pos, st.clone());
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    Some(out)
}

/// The value of `wanted` on the first `tag` element whose `key` attribute equals `value`.
fn attr_of(xml: &str, tag: &str, key: &str, value: &str, wanted: &str) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == tag => {
                let attrs: Vec<_> = e.attributes().flatten().collect();
                let matches = attrs.iter().any(|a| a.key.as_ref() == key && unescape(&a.value) == value);
                if matches {
                    return attrs.iter().find(|a| a.key.as_ref() == wanted).map(|a| unescape(&a.value));
                }
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

/// The style of each cellXfs entry: its fill colour and number format.
fn parse_styles(xml: &str) -> Vec<CellStyle> {
    let mut num_fmts: BTreeMap<u32, String> = BTreeMap::new();
    let mut fills: Vec<Option<String>> = Vec::new();
    let mut xfs: Vec<CellStyle> = Vec::new();
    let mut section = Vec::<String>::new();
    let mut reader = Reader::from_str(xml);
    loop {
        let ev = reader.read_event();
        let (e, is_empty) = match &ev {
            Ok(Event::Start(e)) => (e.clone(), false),
            Ok(Event::Empty(e)) => (e.clone(), true),
            Ok(Event::End(_)) => {
                section.pop();
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => continue,
        };
        let name = e.local_name().as_ref().to_string();
        let get =
            |k: &str| e.attributes().flatten().find(|a| a.key.as_ref() == k).map(|a| unescape(&a.value));
        let parent = section.last().map(String::as_str);
        match (name.as_str(), parent) {
            ("numFmt", _) => {
                if let (Some(id), Some(code)) =
                    (get("numFmtId").and_then(|v| v.parse().ok()), get("formatCode"))
                {
                    num_fmts.insert(id, code);
                }
            }
            ("fill", _) => fills.push(None),
            ("fgColor", Some("patternFill")) => {
                if let (Some(last), Some(rgb)) = (fills.last_mut(), get("rgb")) {
                    *last = Some(rgb.chars().rev().take(6).collect::<String>().chars().rev().collect());
                }
            }
            ("xf", Some("cellXfs")) => {
                let fill_id: usize = get("fillId").and_then(|v| v.parse().ok()).unwrap_or(0);
                let fmt_id: u32 = get("numFmtId").and_then(|v| v.parse().ok()).unwrap_or(0);
                let fill = fills.get(fill_id).cloned().flatten();
                let num_fmt = num_fmts.get(&fmt_id).cloned().or_else(|| builtin_format(fmt_id));
                xfs.push(CellStyle { fill, num_fmt });
            }
            _ => {}
        }
        if !is_empty {
            section.push(name);
        }
    }
    xfs
}

/// Excel's built-in number formats that matter here (percentages and plain decimals).
fn builtin_format(id: u32) -> Option<String> {
    match id {
        2 => Some("0.00".into()),
        3 => Some("#,##0".into()),
        4 => Some("#,##0.00".into()),
        9 => Some("0%".into()),
        10 => Some("0.00%".into()),
        _ => None,
    }
}

/// The five predefined XML entities (attribute values of these parts use no others).
fn unescape(v: &str) -> String {
    v.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `G78` → (77, 6).
fn parse_ref(r: &str) -> Option<(usize, usize)> {
    let letters: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits = &r[letters.len()..];
    let row: usize = digits.parse().ok()?;
    let col = letters
        .bytes()
        .try_fold(0usize, |acc, b| Some(acc * 26 + (b.to_ascii_uppercase() - b'A' + 1) as usize))?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}
