//! The fonts shipped in the binary, and what they can show. Every document is set in these fonts
//! only (no system font), so every machine produces the same bytes; a PDF/A document may not hold
//! text they cannot show, so the escaping of text for Typst asks [`can_show`].

/// Fonts shipped in the binary: Titillium Web (the Designers Italia face, OFL) for text, and
/// DejaVu Sans as fallback for the symbols Titillium lacks (≥, ≤, arrows).
pub static FILES: &[(&str, &[u8])] = &[
    ("TitilliumWeb_400Regular.ttf", include_bytes!("../templates/fonts/TitilliumWeb_400Regular.ttf")),
    (
        "TitilliumWeb_400Regular_Italic.ttf",
        include_bytes!("../templates/fonts/TitilliumWeb_400Regular_Italic.ttf"),
    ),
    ("TitilliumWeb_600SemiBold.ttf", include_bytes!("../templates/fonts/TitilliumWeb_600SemiBold.ttf")),
    ("TitilliumWeb_700Bold.ttf", include_bytes!("../templates/fonts/TitilliumWeb_700Bold.ttf")),
    ("TitilliumWeb_700Bold_Italic.ttf", include_bytes!("../templates/fonts/TitilliumWeb_700Bold_Italic.ttf")),
    ("DejaVuSans.ttf", include_bytes!("../templates/fonts/DejaVuSans.ttf")),
];

/// Whether one of the shipped fonts has a glyph for `c` (read once from their character maps).
pub fn can_show(c: char) -> bool {
    static COVERAGE: std::sync::OnceLock<Vec<typst::text::Coverage>> = std::sync::OnceLock::new();
    let coverage = COVERAGE.get_or_init(|| {
        FILES
            .iter()
            .flat_map(|(_, bytes)| typst::text::Font::iter(typst::foundations::Bytes::new(*bytes)))
            .map(|f| f.info().coverage.clone())
            .collect()
    });
    coverage.iter().any(|c2| c2.contains(c as u32))
}
