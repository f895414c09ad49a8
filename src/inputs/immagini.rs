//! The images the staff's texts place, checked and made inert before anything decodes or
//! publishes them. Both the PDF and the web edition read the bytes [`load`] returns, never the
//! file itself:
//! - a raster image (PNG, JPEG) must be what its name says, and its declared dimensions are
//!   checked against a budget before any decoder allocates for them (a 74-byte PNG can declare
//!   a picture of gigabytes);
//! - an SVG is parsed (by `usvg`, which Typst uses too) and written again with drawing only: no
//!   script, no event handler, no link, no external or nested file, text turned into outlines.
//!   Copied byte for byte, an SVG opened on the Ente's site would run its scripts there.

use std::path::Path;
use usvg::roxmltree::Document;

/// Largest image file a text may place.
pub const MAX_BYTES: u64 = 10 << 20;

/// Largest picture, in pixels (40 megapixels: 160 MB decoded), and largest side.
pub const MAX_PIXELS: u64 = 40_000_000;
pub const MAX_SIDE: u32 = 16_384;

/// Elements an SVG may draw once its `<use>` references are expanded: a few dozen `<use>` that
/// refer to each other can otherwise multiply into billions.
pub const MAX_SVG_ELEMENTS: u64 = 20_000;

/// Text elements (`<text>`, `<tspan>`) an SVG may have: each is laid out and turned into outlines,
/// at a cost that grows faster than their number.
pub const MAX_SVG_TEXTS: usize = 300;

/// Largest SVG as written again: outlines of text and expanded references make it grow.
pub const MAX_SVG_OUTPUT: usize = 5 << 20;

/// The kinds of image a text may place, by what the bytes are.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ImageKind {
    Png,
    Jpeg,
    Svg,
}

impl ImageKind {
    fn of_name(name: &str) -> Option<ImageKind> {
        match name.rsplit('.').next()?.to_ascii_lowercase().as_str() {
            "png" => Some(ImageKind::Png),
            "jpg" | "jpeg" => Some(ImageKind::Jpeg),
            "svg" => Some(ImageKind::Svg),
            _ => None,
        }
    }

    fn of_bytes(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
            head.contains("<svg").then_some(ImageKind::Svg)
        }
    }

    fn label(self) -> &'static str {
        match self {
            ImageKind::Png => "PNG",
            ImageKind::Jpeg => "JPEG",
            ImageKind::Svg => "SVG",
        }
    }
}

/// Reads the image `path` (below `root`: no link, a regular file, at most [`MAX_BYTES`]) and
/// returns the bytes to publish. The error is the sentence to show after the image's name.
pub fn load(root: &Path, path: &Path) -> Result<Vec<u8>, String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let bytes = crate::error::read_input(root, path, MAX_BYTES).map_err(|e| match e {
        crate::error::Error::Invalid(p) => p.into_iter().map(|p| p.message).collect::<Vec<_>>().join("; "),
        e => e.to_string().trim().to_string(),
    })?;
    let Some(declared) = ImageKind::of_name(&name) else {
        return Err("indicare un file PNG, JPEG o SVG".into());
    };
    match ImageKind::of_bytes(&bytes) {
        Some(k) if k == declared => {}
        Some(k) => {
            return Err(format!(
                "il nome dice {} ma il contenuto è {}: rinominare il file",
                declared.label(),
                k.label()
            ));
        }
        None => return Err(format!("il contenuto non è un'immagine {}", declared.label())),
    }
    match declared {
        ImageKind::Png | ImageKind::Jpeg => check_raster(&bytes).map(|()| bytes),
        ImageKind::Svg => sanitize_svg(&bytes),
    }
}

/// Checks a raster image's declared dimensions against the budget, reading its header only.
fn check_raster(bytes: &[u8]) -> Result<(), String> {
    let (w, h) = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .ok_or_else(|| "immagine danneggiata: l'intestazione non si legge".to_string())?;
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!(
            "dimensioni dichiarate {w} × {h} pixel: al massimo {MAX_SIDE} pixel per lato e {} megapixel",
            MAX_PIXELS / 1_000_000
        ));
    }
    // Decoded once here (within the budget just checked), so that a damaged picture is said in
    // Italian with its file rather than by the typesetter.
    image::load_from_memory(bytes)
        .map_err(|_| "immagine danneggiata: i dati dell'immagine non si leggono".to_string())?;
    Ok(())
}

/// An SVG written again by `usvg` with drawing only (see the module comment).
fn sanitize_svg(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| "SVG non leggibile: non è un testo UTF-8".to_string())?;
    let doc = parse(text)?;
    check_svg_features(&doc)?;
    let expanded = expanded_size(&doc);
    if expanded > MAX_SVG_ELEMENTS {
        return Err(format!(
            "SVG troppo complesso: oltre {MAX_SVG_ELEMENTS} elementi da disegnare una volta espansi i riferimenti <use>"
        ));
    }
    let mut fonts = usvg::fontdb::Database::new();
    for (_, data) in crate::fonts::FILES {
        fonts.load_font_data(data.to_vec());
    }
    let options = usvg::Options {
        resources_dir: None,
        font_family: "Titillium Web".into(),
        languages: vec!["it".into()],
        // Nothing outside the SVG is read; embedded pictures are dropped (a picture inside a
        // picture would escape the budget above).
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        fontdb: std::sync::Arc::new(fonts),
        ..usvg::Options::default()
    };
    let tree =
        usvg::Tree::from_str(text, &options).map_err(|e| format!("SVG non leggibile ({})", svg_error(&e)))?;
    let out = tree.to_string(&usvg::WriteOptions::default());
    if out.len() > MAX_SVG_OUTPUT {
        return Err(format!(
            "SVG troppo complesso: riscritto supera {} MB; esportare il grafico come PNG",
            MAX_SVG_OUTPUT >> 20
        ));
    }
    Ok(out.into_bytes())
}

/// Refuses the SVG features whose cost does not show in the file's size: filters (blurs and noise
/// computed over the whole picture at export), markers (a drawing copied at every point of a
/// path), whether as elements, attributes or style, and more text elements than
/// [`MAX_SVG_TEXTS`]. A chart exported without effects (or as PNG) has none of them.
fn check_svg_features(doc: &Document) -> Result<(), String> {
    let costly = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("filter") || s.contains("marker")
    };
    let elements = || doc.descendants().filter(|n| n.is_element());
    let refused = elements().any(|n| {
        let name = n.tag_name().name();
        matches!(name, "filter" | "marker")
            || (name == "style" && n.text().is_some_and(costly))
            || n.attributes().any(|a| costly(a.name()) || (a.name() == "style" && costly(a.value())))
    });
    if refused {
        return Err(
            "SVG con filtri o marcatori (filter, marker) non ammesso: esportare il grafico senza effetti o come PNG"
                .into(),
        );
    }
    let texts = elements().filter(|n| matches!(n.tag_name().name(), "text" | "tspan")).count();
    if texts > MAX_SVG_TEXTS {
        return Err(format!(
            "SVG con {texts} elementi di testo, al massimo {MAX_SVG_TEXTS}: esportare il grafico come PNG"
        ));
    }
    Ok(())
}

/// The parser's reason, in Italian where it is one a person can act on.
fn svg_error(e: &usvg::Error) -> String {
    match e {
        usvg::Error::NotAnUtf8Str => "non è un testo UTF-8".into(),
        usvg::Error::MalformedGZip => "file compresso danneggiato".into(),
        usvg::Error::ElementsLimitReached => "troppi elementi".into(),
        usvg::Error::InvalidSize => "larghezza e altezza mancanti o non valide".into(),
        usvg::Error::ParsingFailed(e) => format!("XML non valido: {e}"),
    }
}

/// The SVG read as XML (entities expanded within roxmltree's own bounds), for the checks above.
fn parse(text: &str) -> Result<Document<'_>, String> {
    let options =
        usvg::roxmltree::ParsingOptions { allow_dtd: true, nodes_limit: 1_000_000, ..Default::default() };
    Document::parse_with_options(text, options)
        .map_err(|e| format!("SVG non leggibile (XML non valido: {e})"))
}

/// How many elements the SVG draws once every `<use>` is replaced by what it refers to; a
/// reference cycle counts as over the budget.
fn expanded_size(doc: &Document) -> u64 {
    let ids: std::collections::HashMap<&str, usvg::roxmltree::NodeId> =
        doc.descendants().filter_map(|n| Some((n.attribute("id")?, n.id()))).collect();
    let mut memo: std::collections::HashMap<usvg::roxmltree::NodeId, u64> = Default::default();
    let mut visiting = std::collections::HashSet::new();
    size_of(doc.root(), doc, &ids, &mut memo, &mut visiting)
}

fn size_of<'a>(
    node: usvg::roxmltree::Node<'a, 'a>,
    doc: &'a usvg::roxmltree::Document<'a>,
    ids: &std::collections::HashMap<&'a str, usvg::roxmltree::NodeId>,
    memo: &mut std::collections::HashMap<usvg::roxmltree::NodeId, u64>,
    visiting: &mut std::collections::HashSet<usvg::roxmltree::NodeId>,
) -> u64 {
    if let Some(n) = memo.get(&node.id()) {
        return *n;
    }
    if !visiting.insert(node.id()) {
        return u64::MAX;
    }
    let mut total: u64 = 1;
    for child in node.children().filter(|c| c.is_element()) {
        total = total.saturating_add(size_of(child, doc, ids, memo, visiting));
    }
    if node.tag_name().name() == "use" {
        let href = node
            .attribute(("http://www.w3.org/1999/xlink", "href"))
            .or_else(|| node.attribute("href"))
            .and_then(|h| h.strip_prefix('#'));
        if let Some(target) = href.and_then(|h| ids.get(h)).and_then(|id| doc.get_node(*id)) {
            total = total.saturating_add(size_of(target, doc, ids, memo, visiting));
        }
    }
    visiting.remove(&node.id());
    memo.insert(node.id(), total);
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str, bytes: &[u8]) -> (std::path::PathBuf, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("relazione-immagini-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn an_svg_keeps_its_drawing_and_loses_everything_active() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10" onload="alert(1)">
            <script>alert(2)</script><a xlink:href="javascript:alert(3)"><rect width="5" height="5" fill="red"/></a>
            <image xlink:href="file:///etc/passwd" width="5" height="5"/>
            <foreignObject><div xmlns="http://www.w3.org/1999/xhtml" onclick="x()">html</div></foreignObject></svg>"#;
        let (dir, path) = scratch("a.svg", svg);
        let out = String::from_utf8(load(&dir, &path).unwrap()).unwrap();
        for active in ["script", "onload", "javascript", "alert", "passwd", "foreignObject", "onclick", "<a"]
        {
            assert!(!out.contains(active), "{active} in {out}");
        }
        assert!(out.contains("<path"), "{out}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn effects_are_refused_by_element_attribute_or_style_not_by_a_word_in_the_text() {
        let svg =
            |body: &str| format!("<svg xmlns='http://www.w3.org/2000/svg' width='9' height='9'>{body}</svg>");
        let label = svg("<text x='0' y='9'>Filter e marker</text>");
        assert!(check_svg_features(&parse(&label).unwrap()).is_ok());
        for effect in [
            "<filter id='f'/>",
            "<rect width='9' height='9' filter='url(#f)'/>",
            "<path d='M0 0L9 9' marker-end='url(#m)'/>",
            "<path d='M0 0L9 9' style='marker-mid:url(#m)'/>",
            "<style>path { marker-start: url(#m) }</style>",
        ] {
            assert!(check_svg_features(&parse(&svg(effect)).unwrap()).is_err(), "{effect}");
        }
    }

    #[test]
    fn a_use_bomb_and_a_use_cycle_are_refused() {
        let mut svg = String::from(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="9" height="9"><defs><rect id="l0" width="1" height="1"/>"#,
        );
        for level in 1..12 {
            svg.push_str(&format!("<g id=\"l{level}\">"));
            for _ in 0..10 {
                svg.push_str(&format!("<use xlink:href=\"#l{}\"/>", level - 1));
            }
            svg.push_str("</g>");
        }
        svg.push_str("</defs><use xlink:href=\"#l11\"/></svg>");
        assert!(expanded_size(&parse(&svg).unwrap()) > MAX_SVG_ELEMENTS);
        let cycle = r##"<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><g id="a"><use href="#a"/></g></svg>"##;
        assert_eq!(expanded_size(&parse(cycle).unwrap()), u64::MAX);
    }

    #[test]
    fn a_raster_must_be_what_its_name_says() {
        let (dir, path) = scratch("finto.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>");
        assert_eq!(
            load(&dir, &path).unwrap_err(),
            "il nome dice PNG ma il contenuto è SVG: rinominare il file"
        );
        let (dir2, path) = scratch("rotto.jpg", b"\xFF\xD8\xFF\x00");
        assert_eq!(load(&dir2, &path).unwrap_err(), "immagine danneggiata: l'intestazione non si legge");
        std::fs::remove_dir_all(dir).unwrap();
        std::fs::remove_dir_all(dir2).unwrap();
    }
}
