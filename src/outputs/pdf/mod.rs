//! The PDFs: the Relazione (in parts when large) and the OIV's working papers. `render` fills the
//! minijinja templates into Typst source, `parti` cuts it at the templates' markers, `typeset`
//! lays it out and exports PDF/A-2b + PDF/UA-1 with Typst embedded, in this process or in a child
//! process of the binary (`processi`).

pub mod parti;
pub mod processi;
pub mod render;
pub mod typeset;
