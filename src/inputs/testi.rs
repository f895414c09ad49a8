//! The staff's narrative texts (Markdown in `<data>/testi/`) and what is missing from them.
//!
//! Texts are inputs like the workbooks: read here, converted by each writer (`markdown` for
//! Typst), and checked for completeness against the scored report.

use crate::bozza::{Gruppo, Voce, is_sample};
use crate::error::{Error, Location};
use crate::model::Sezione;
use crate::score::Scored;
use crate::value::format_number;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Folder of the narrative texts inside the data folder.
pub const DIR: &str = "testi";

/// Largest staff text (about 20 printed pages of prose, more than a chapter of the Relazione
/// needs) and largest total of all the texts. With the converter's limits on paragraphs, notes
/// and table cells ([`crate::markdown::MAX_BLOCK_CHARS`], [`crate::markdown::MAX_NOTES`],
/// [`crate::markdown::MAX_TABLE_CELLS`]) they bound what the texts ask of the typesetter: the
/// worst text measured (`BENCHMARKS.md`) adds a few seconds to a build.
pub const MAX_TEXT_BYTES: u64 = 48 << 10;
pub const MAX_TEXTS_BYTES: u64 = 96 << 10;

/// One staff text with where it was read.
#[derive(Debug, Clone)]
pub struct Testo {
    pub file: PathBuf,
    /// Line of the file where `markdown` starts.
    pub first_line: usize,
    pub markdown: String,
}

impl Testo {
    pub fn origin(&self) -> crate::markdown::Origin<'_> {
        crate::markdown::Origin { file: &self.file, first_line: self.first_line }
    }
}

/// A section of the Relazione that takes the Ente's own words: the file `testi/<chiave>.md`,
/// printed under the section's heading (the templates read it as `testi.<chiave>`).
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub chiave: &'static str,
    /// The section as the Relazione prints it.
    pub sezione: &'static str,
    /// Level of the section's heading: the text's own headings go below it.
    pub livello: usize,
    /// Whether the guidelines require the Ente's words there: a missing text is a draft item.
    pub richiesto: bool,
}

const fn slot(chiave: &'static str, sezione: &'static str, livello: usize, richiesto: bool) -> Slot {
    Slot { chiave, sezione, livello, richiesto }
}

/// Every section that takes a text, in the Relazione's order. Required: the premessa, the context,
/// customer satisfaction and participatory evaluation (art. 19-bis D.Lgs. 150/2009), the gender
/// balance (art. 10 c.1 lett. b) and the process (chapter 5).
pub const SLOTS: &[Slot] = &[
    slot("sintesi", "Sintesi per i cittadini", 1, false),
    slot("premessa", "Premessa", 1, true),
    slot("risultati", "1. I principali risultati raggiunti", 1, false),
    slot("contesto", "2. Analisi del contesto e delle risorse", 1, true),
    slot("risorse_umane", "2. Le risorse umane", 2, false),
    slot("rendicontazione", "3. Rendicontazione della performance organizzativa", 1, false),
    slot("obiettivi_strategici", "3.1 Obiettivi strategici", 2, false),
    slot("obiettivi_operativi", "3.2 Obiettivi operativi", 2, false),
    slot("performance_organizzativa", "3.3 Performance organizzativa", 2, false),
    slot("salute", "3.3.1 Stato di salute", 3, false),
    slot("benchmarking", "3.3.2 Benchmarking", 3, false),
    slot("customer_satisfaction", "3.3.3 Customer satisfaction e valutazione partecipativa", 3, true),
    slot("bilancio_di_genere", "3.4 Bilancio di genere", 2, true),
    slot("individuali", "4. Rendicontazione obiettivi individuali", 1, false),
    slot("processo", "5. Il processo di misurazione e valutazione", 1, true),
];

/// File of the explanations of the deviations.
pub const SCOSTAMENTI: &str = "scostamenti.md";

/// The staff's narrative texts.
#[derive(Debug, Default, Clone)]
pub struct Texts {
    /// The texts of the sections ([`SLOTS`]) that were given, by key.
    pub sezioni: BTreeMap<&'static str, Testo>,
    /// Explanations of the indicators below target, by indicator code (`## CODE` sections of
    /// `scostamenti.md`), their structured fields taken out of the text.
    pub scostamenti: BTreeMap<String, Testo>,
    /// The structured fields of each explanation, by indicator code.
    pub campi: BTreeMap<String, Campi>,
}

impl Texts {
    /// The text of a section, by its key.
    pub fn sezione(&self, chiave: &str) -> Option<&Testo> {
        self.sezioni.get(chiave)
    }
}

/// What the guidelines ask of every deviation, written as `Campo: valore` lines in its section:
///
/// ```text
/// ## 701.S1
/// Causa: due incontri rinviati dagli enti partner
/// Dipendenza: esterna
/// Azioni correttive: calendario concordato a inizio anno
/// Osservazioni OIV: causa documentata
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Campi {
    pub causa: Option<String>,
    /// `interna` (within the Ente's control) or `esterna`.
    pub dipendenza: Option<String>,
    pub azioni: Option<String>,
    pub osservazioni_oiv: Option<String>,
}

/// The field a `Label:` line gives, by its label (case does not matter).
fn field_of(label: &str) -> Option<usize> {
    match label.trim().to_lowercase().as_str() {
        "causa" | "cause" => Some(0),
        "dipendenza" | "interna/esterna" | "controllabile" => Some(1),
        "azioni correttive" | "azioni" => Some(2),
        "osservazioni oiv" | "osservazioni dell'oiv" => Some(3),
        _ => None,
    }
}

/// Takes the `Campo: valore` lines out of an explanation (left blank, so line numbers stay).
fn take_fields(t: &mut Testo) -> Campi {
    let mut c = Campi::default();
    let mut kept = Vec::new();
    for line in t.markdown.lines() {
        let field = line.split_once(':').and_then(|(l, v)| Some((field_of(l)?, v.trim().to_string())));
        match field {
            Some((k, v)) if !v.is_empty() => {
                let slot = [&mut c.causa, &mut c.dipendenza, &mut c.azioni, &mut c.osservazioni_oiv];
                *slot.into_iter().nth(k).expect("four fields") = Some(v);
                kept.push(String::new());
            }
            _ => kept.push(line.to_string()),
        }
    }
    t.markdown = kept.join("\n").trim_end().to_string();
    c
}

impl Texts {
    /// Reads the texts that exist; a missing file is a missing chapter text, said by [`findings`].
    pub fn load(data_dir: &Path) -> Result<Texts, Error> {
        let dir = data_dir.join(DIR);
        let read = |name: &str| -> Result<Option<Testo>, Error> {
            let file = dir.join(name);
            if std::fs::symlink_metadata(&file).is_err() {
                return Ok(None);
            }
            let markdown = crate::error::read_text_at_most(data_dir, &file, MAX_TEXT_BYTES)?;
            Ok(Some(Testo { file, first_line: 1, markdown }))
        };
        let mut sezioni = BTreeMap::new();
        for slot in SLOTS {
            if let Some(t) = read(&format!("{}.md", slot.chiave))? {
                sezioni.insert(slot.chiave, t);
            }
        }
        let scostamenti = read(SCOSTAMENTI)?;
        let all: Vec<&Testo> = sezioni.values().chain(scostamenti.as_ref()).collect();
        let total: usize = all.iter().map(|t| t.markdown.len()).sum();
        if total as u64 > MAX_TEXTS_BYTES {
            let largest = all.iter().max_by_key(|t| t.markdown.len()).expect("some text");
            return Err(Error::invalid(
                Location::file(&dir),
                format!(
                    "i testi insieme sono {} kB, al massimo {} kB (il più lungo è {}): accorciarli",
                    total >> 10,
                    MAX_TEXTS_BYTES >> 10,
                    largest.file.display()
                ),
            ));
        }
        let mut scostamenti = scostamenti.map(|t| sections(&t)).unwrap_or_default();
        let campi = scostamenti.iter_mut().map(|(k, t)| (k.clone(), take_fields(t))).collect();
        Ok(Texts { sezioni, scostamenti, campi })
    }
}

/// Splits a Markdown file into `## CODE` sections, each knowing the line it starts at.
fn sections(text: &Testo) -> BTreeMap<String, Testo> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, Testo)> = None;
    let finish = |current: Option<(String, Testo)>, out: &mut BTreeMap<String, Testo>| {
        if let Some((code, mut t)) = current {
            // Leading blank lines do not count: the text starts at its first written line.
            let skipped = t.markdown.lines().take_while(|l| l.trim().is_empty()).count();
            t.first_line += skipped;
            t.markdown = t.markdown.trim().to_string();
            out.insert(code, t);
        }
    };
    for (i, line) in text.markdown.lines().enumerate() {
        if let Some(code) = line.strip_prefix("## ") {
            finish(current.take(), &mut out);
            let t = Testo { file: text.file.clone(), first_line: i + 2, markdown: String::new() };
            current = Some((code.trim().to_string(), t));
        } else if let Some((_, t)) = current.as_mut() {
            t.markdown.push_str(line);
            t.markdown.push('\n');
        }
    }
    finish(current, &mut out);
    out
}

/// What the texts and the data still lack for a complete Relazione: chapters left out for lack of
/// data (to verify), chapter texts missing or still the shipped sample (to write), explanations of
/// indicators below target missing or still samples (to write).
pub fn findings(s: &Scored, texts: &Texts, data_dir: &Path) -> Vec<Voce> {
    let dir = data_dir.join(DIR);
    let mut out = Vec::new();
    let missing = [
        (
            s.summary.salute.is_none(),
            "3.3.1 Stato di salute",
            "i dati di bilancio (conto economico e stato patrimoniale)",
        ),
        (s.report.pareto.is_empty(), "3.3.2 Benchmarking", "il cruscotto Pareto"),
        (s.report.individuali.is_none(), "4. Obiettivi individuali", "gli obiettivi individuali"),
        (s.report.unita.is_none(), "Allegato 4", "il report delle unità organizzative"),
        (s.summary.serie.is_none(), "Allegato 6 (serie storica dei KPI)", "la serie storica dei KPI"),
        (
            s.report.risorse.is_none(),
            "le tabelle delle risorse promozionali (3.1)",
            "il file delle risorse promozionali",
        ),
    ];
    for (absent, chapter, what) in missing {
        if absent {
            out.push(Voce::new(
                Gruppo::Verificare,
                Location::file(data_dir),
                format!("{chapter}: omesso, mancano {what}"),
            ));
        }
    }
    // Sections the law requires (art. 10 c.1 lett. b: the gender balance among them), from the
    // «Tabelle della Relazione» layout: without their tables they are still to write.
    for sezione in [Sezione::Personale, Sezione::CustomerSatisfaction, Sezione::BilancioDiGenere] {
        if !s.report.tabelle.iter().any(|t| t.sezione == sezione) {
            out.push(Voce::new(
                Gruppo::Scrivere,
                Location::file(data_dir),
                format!(
                    "{}: mancano le tabelle (righe con Sezione «{}» nel tracciato «Tabelle della Relazione»; \
                     «relazione modello --tabelle» ne scrive uno vuoto)",
                    sezione.label(),
                    sezione.id()
                ),
            ));
        }
    }
    // Chapter 5 states the acts of the cycle and who the OIV is only from the configuration.
    let config = Location::file(&s.config.file);
    for tipo in crate::inputs::config::TipoAtto::REQUIRED {
        if !s.config.ciclo.atti.iter().any(|a| a.tipo == Some(tipo)) {
            out.push(Voce::new(
                Gruppo::Scrivere,
                config.clone(),
                format!(
                    "capitolo 5: manca l'atto per {} (una voce di «ciclo.atti» con «tipo: {}», la data e gli estremi)",
                    tipo.label(),
                    tipo.id()
                ),
            ));
        }
    }
    // A change to the plan during the year is valid only with the act that approved it.
    let changes = s.piano.as_ref().map_or(0, |p| p.variazioni.len());
    let update = crate::inputs::config::TipoAtto::AggiornamentoPiao;
    if changes > 0 && !s.config.ciclo.atti.iter().any(|a| a.tipo == Some(update)) {
        out.push(Voce::new(
            Gruppo::Decidere,
            config.clone(),
            format!(
                "{changes} modifiche al Piano in corso d'anno (confronto con «{}/»): atto da indicare (una voce di «ciclo.atti» con «tipo: {}», la data e gli estremi)",
                crate::score::piano::DIR,
                update.id()
            ),
        ));
    }
    for missing in s.config.record_missing() {
        out.push(Voce::new(Gruppo::Decidere, config.clone(), format!("dati aperti: {missing}")));
    }
    out.extend(evaluation_gaps(s, data_dir));
    if s.config.ciclo.oiv.is_empty() {
        out.push(Voce::new(
            Gruppo::Scrivere,
            config,
            "capitolo 5: mancano i componenti dell'OIV (ciclo.oiv)",
        ));
    }
    if let Some(a) = &s.report.albero {
        for code in &s.config.obiettivi_pari_opportunita {
            if a.find_objective(code).is_none() {
                out.push(Voce::new(
                    Gruppo::Verificare,
                    Location::file(&s.config.file),
                    format!("obiettivi_pari_opportunita: «{code}» non è un obiettivo strategico od operativo dell'albero della performance"),
                ));
            }
        }
    }
    for slot in SLOTS {
        let name = format!("{}.md", slot.chiave);
        match texts.sezione(slot.chiave) {
            None if slot.richiesto => out.push(Voce::new(
                Gruppo::Scrivere,
                Location::file(&dir.join(&name)),
                format!("testo mancante: la sezione «{}» lo richiede (senza, riporta solo i dati)", slot.sezione),
            )),
            None => {}
            Some(t) if is_sample(&t.markdown) => out.push(Voce::new(
                Gruppo::Scrivere,
                Location::file(&t.file),
                "è il testo di esempio: sostituirlo con il testo dell'Ente (e togliere la riga «<!-- testo di esempio -->»)",
            )),
            Some(_) => {}
        }
    }
    if let Some(a) = s.report.albero.as_ref() {
        let t = s.config.smvp.soglia_spiegazioni();
        let soglia = format_number(t, if t.fract() == 0.0 { 0 } else { 2 });
        for (n, _) in crate::score::below_threshold(a, &s.config.smvp) {
            let code = &n.code;
            match texts.scostamenti.get(code) {
                None => out.push(Voce::new(
                    Gruppo::Scrivere,
                    Location::file(&dir.join("scostamenti.md")),
                    format!("manca la spiegazione dell'indicatore «{code}» sotto il {soglia} % (sezione «## {code}»)"),
                )),
                Some(t) if is_sample(&t.markdown) => out.push(Voce::new(
                    Gruppo::Scrivere,
                    Location::line(&t.file, t.first_line),
                    format!("la spiegazione dell'indicatore «{code}» è un testo di esempio: sostituirla"),
                )),
                Some(t) => {
                    for gap in explanation_gaps(texts, code) {
                        out.push(Voce::new(
                            Gruppo::Scrivere,
                            Location::line(&t.file, t.first_line),
                            format!("spiegazione dell'indicatore «{code}»: {gap}"),
                        ));
                    }
                }
            }
        }
    }
    if let Some(a) = s.report.albero.as_ref() {
        let without = without_source(a);
        if !without.is_empty() {
            let shown: Vec<&str> = without.iter().take(10).copied().collect();
            let more =
                if without.len() > 10 { format!(" e altri {}", without.len() - 10) } else { String::new() };
            out.push(Voce::new(
                Gruppo::Verificare,
                Location::file(data_dir),
                format!(
                    "{} indicatori senza fonte dichiarata (colonna «Fonte»): {}{more}",
                    without.len(),
                    shown.join(", ")
                ),
            ));
        }
    }
    let ov = &s.config.smvp.overshooting;
    if ov.previsto && !ov.configurato {
        out.push(Voce::new(
            Gruppo::Decidere,
            Location::file(&s.config.file),
            format!(
                "manca «smvp.overshooting»: la soglia di overshooting dello SMVP (il capitolo 5 usa quella predefinita, \
                 {} %), oppure «overshooting: {{previsto: false}}» se lo SMVP non prevede l'analisi",
                format_number(ov.soglia, 0)
            ),
        ));
    }
    if s.config.data_approvazione.is_none() {
        out.push(Voce::new(
            Gruppo::Decidere,
            Location::file(&s.config.file),
            "manca «data_approvazione»: la data in cui la Giunta approva la Relazione",
        ));
    }
    out
}

/// What chapter 4 still lacks: the SMVP's scheme (components and weights per role), a score the
/// Ente gives for a component, and the evaluation of the other staff.
fn evaluation_gaps(s: &Scored, data_dir: &Path) -> Vec<Voce> {
    let mut out = Vec::new();
    let Some(individuali) = s.report.individuali.as_ref() else { return out };
    let config = Location::file(&s.config.file);
    let tables = Location::file(data_dir);
    match &s.config.valutazione_individuale {
        None => out.push(Voce::new(
            Gruppo::Decidere,
            config.clone(),
            "capitolo 4: manca «valutazione_individuale», lo schema dello SMVP per la valutazione dei dirigenti \
             (le componenti e i loro pesi per ruolo): senza, il capitolo riporta solo gli obiettivi individuali",
        )),
        Some(v) => {
            let roles: Vec<&str> = individuali.children.iter().map(|r| r.name.as_str()).collect();
            for r in &roles {
                if !v.pesi.contains_key(*r) {
                    out.push(Voce::new(
                        Gruppo::Decidere,
                        config.clone(),
                        format!("capitolo 4: mancano i pesi di «{r}» in «valutazione_individuale.pesi»"),
                    ));
                }
            }
            for k in v.pesi.keys().filter(|k| !roles.contains(&k.as_str())) {
                out.push(Voce::new(
                    Gruppo::Verificare,
                    config.clone(),
                    format!("«valutazione_individuale.pesi»: «{k}» non è un ruolo degli obiettivi individuali"),
                ));
            }
            if let Some(val) = &s.summary.valutazione {
                for (at, why) in &val.problemi {
                    out.push(Voce::new(Gruppo::Verificare, at.clone(), format!("capitolo 4: {why}")));
                }
                for r in &val.ruoli {
                    let missing: Vec<&str> = v
                        .componenti
                        .iter()
                        .zip(&r.punteggi)
                        .filter(|(_, p)| p.is_none())
                        .map(|(c, _)| c.nome.as_str())
                        .collect();
                    if !missing.is_empty() {
                        out.push(Voce::new(
                            Gruppo::Scrivere,
                            tables.clone(),
                            format!(
                                "capitolo 4: manca il punteggio di «{}» per {} (tracciato «Tabelle della Relazione», \
                                 Sezione «valutazione_individuale»: una riga per ruolo, una colonna per componente)",
                                r.ruolo,
                                missing.iter().map(|m| format!("«{m}»")).collect::<Vec<_>>().join(", ")
                            ),
                        ));
                    }
                }
            }
        }
    }
    if !s.report.tabelle.iter().any(|t| t.sezione == Sezione::ValutazionePersonale) {
        out.push(Voce::new(
            Gruppo::Scrivere,
            tables,
            "capitolo 4: manca la valutazione del personale non dirigente (righe con Sezione «valutazione_personale» \
             nel tracciato «Tabelle della Relazione»: per esempio il numero di dipendenti per fascia di punteggio)",
        ));
    }
    out
}

/// What a written explanation still lacks: the `Campo: valore` lines missing, or a `Dipendenza`
/// that is neither `interna` nor `esterna`. Empty when complete.
pub fn explanation_gaps(texts: &Texts, code: &str) -> Vec<String> {
    let c = texts.campi.get(code).cloned().unwrap_or_default();
    let mut gaps = Vec::new();
    for (value, label) in
        [(&c.causa, "Causa"), (&c.dipendenza, "Dipendenza"), (&c.azioni, "Azioni correttive")]
    {
        if value.is_none() {
            gaps.push(format!("manca la riga «{label}: …»"));
        }
    }
    if let Some(d) = &c.dipendenza
        && !matches!(d.to_lowercase().as_str(), "interna" | "esterna")
    {
        gaps.push(format!("«Dipendenza: {d}», attesa «interna» o «esterna»"));
    }
    gaps
}

/// Codes of the tree's indicators that declare no source, each once, in row order.
pub fn without_source(albero: &crate::model::Node) -> Vec<&str> {
    let mut without: Vec<&str> = Vec::new();
    albero.walk(&mut |n| {
        if n.indicator.as_ref().is_some_and(|i| i.fonte.as_deref().is_none_or(|f| f.trim().is_empty()))
            && !without.contains(&n.code.as_str())
        {
            without.push(&n.code);
        }
    });
    without
}

/// The staff's texts converted for one writer (Typst or HTML), and the images they place.
pub struct ConvertedTexts {
    /// Every section of [`SLOTS`] by key: the converted text, or none when not given.
    pub chapters: BTreeMap<&'static str, Option<String>>,
    /// Explanations of the deviations by indicator code.
    pub explanations: BTreeMap<String, String>,
    /// (name under `markdown::IMAGE_DIR`, file), sorted, once each.
    pub images: crate::markdown::Images,
}

/// A converter of `crate::markdown` (`to_typst`, `to_html`).
pub type Converter =
    fn(&str, usize, crate::markdown::Origin) -> Result<crate::markdown::Converted, crate::error::Problem>;

impl Texts {
    /// Every text converted by `convert`: a section's headings under the section's (its slot's
    /// level), explanations under their indicator's (offset 3). Every text that cannot be converted is
    /// a problem with its file and line, all reported together.
    ///
    /// `deepest` is the deepest section level of the document: the web edition's pages have their
    /// chapter's heading and one level of sections (2), the PDF every level.
    pub fn convert(&self, convert: Converter, deepest: usize) -> Result<ConvertedTexts, Error> {
        let mut problems = Vec::new();
        let mut images = Vec::new();
        let mut one = |t: &Testo, offset: usize| match convert(&t.markdown, offset, t.origin()) {
            Ok(c) => {
                images.extend(c.images);
                Some(c.text)
            }
            Err(p) => {
                problems.push(p);
                None
            }
        };
        let chapters = SLOTS
            .iter()
            .map(|slot| {
                (slot.chiave, self.sezione(slot.chiave).and_then(|t| one(t, slot.livello.min(deepest))))
            })
            .collect();
        let explanations =
            self.scostamenti.iter().filter_map(|(k, t)| one(t, 3).map(|text| (k.clone(), text))).collect();
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        images.sort();
        images.dedup();
        Ok(ConvertedTexts { chapters, explanations, images })
    }
}

/// The Gulpease index of a Markdown text (Lucisano and Piemontese, 1988: the readability formula
/// built for Italian), `89 + (300 × frasi − 10 × lettere) / parole`, from 0 to 100: below 80 a
/// reader with an elementary education finds it hard, below 60 one with a lower secondary
/// education, below 40 one with a diploma. None for a text without words.
///
/// A sentence ends at `.`, `!`, `?` or `…` followed by the end of the block or by a space and a
/// word that is not lower-case or a number (so `1.250` and `il D.Lgs. 150/2009` do not end it),
/// and every block (a heading, a list item) ends one.
pub fn gulpease(markdown: &str) -> Option<f64> {
    let (mut sentences, mut letters, mut words) = (0usize, 0usize, 0usize);
    for block in crate::markdown::prose_blocks(markdown) {
        let chars: Vec<char> = block.trim().chars().collect();
        let mut in_block = 0;
        for (i, c) in chars.iter().enumerate() {
            // What follows: the end, or a space and then not a lower-case word or a number.
            let next_word = chars[i + 1..].iter().find(|n| !n.is_whitespace());
            let ends = matches!(c, '.' | '!' | '?' | '…')
                && chars.get(i + 1).is_none_or(|n| n.is_whitespace())
                && next_word.is_none_or(|n| !(n.is_lowercase() || n.is_ascii_digit()))
                && !chars.get(i.wrapping_sub(1)).is_some_and(|p| matches!(p, '.' | '!' | '?' | '…'));
            in_block += usize::from(ends);
        }
        let last_ends = chars.last().is_some_and(|c| matches!(c, '.' | '!' | '?' | '…'));
        sentences += in_block + usize::from(!last_ends);
        for w in block.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)) {
            words += 1;
            letters += w.chars().filter(|c| c.is_alphanumeric()).count();
        }
    }
    (words > 0).then(|| 89.0 + (300.0 * sentences as f64 - 10.0 * letters as f64) / words as f64)
}

/// The Gulpease index every staff text should reach: easy for a reader with a lower secondary
/// education (the guidelines ask the Relazione to be readable by citizens).
pub const GULPEASE_TARGET: f64 = 60.0;

/// Each staff text with its Gulpease index, in the order of the document (the explanations of
/// the deviations as one text).
pub fn readability(texts: &Texts) -> Vec<(PathBuf, Option<f64>)> {
    let mut out: Vec<(PathBuf, Option<f64>)> = SLOTS
        .iter()
        .filter_map(|slot| texts.sezione(slot.chiave))
        .map(|t| (t.file.clone(), gulpease(&t.markdown)))
        .collect();
    if let Some(first) = texts.scostamenti.values().next() {
        let all: Vec<&str> = texts.scostamenti.values().map(|t| t.markdown.as_str()).collect();
        out.push((first.file.clone(), gulpease(&all.join("\n\n"))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gulpease_reads_short_plain_sentences_as_easy_and_long_technical_ones_as_hard() {
        // 2 sentences, 9 words, 32 letters: 89 + (600 - 320) / 9, above 100: very easy.
        let easy = gulpease("Il Comune ha fatto tutto. Ora tocca a noi.").unwrap();
        assert!((easy - (89.0 + 280.0 / 9.0)).abs() < 1e-9, "{easy}");
        let hard = gulpease(
            "La rendicontazione dell'implementazione delle procedure amministrative interistituzionali \
             richiede l'individuazione preliminare dei corrispondenti indicatori prestazionali.",
        )
        .unwrap();
        assert!(hard < 40.0, "{hard}");
        // Numbers and abbreviations inside a sentence do not end it; markup is not counted.
        assert_eq!(
            gulpease("Il D.Lgs. 150/2009 vale 1.250 euro."),
            gulpease("Il DLgs 150/2009 vale 1250 euro.")
        );
        assert_eq!(
            gulpease("**Il** *Comune* ha [fatto](https://x.it) tutto."),
            gulpease("Il Comune ha fatto tutto.")
        );
        assert_eq!(gulpease("<!-- solo un commento -->"), None);
    }

    #[test]
    fn sections_know_their_first_line() {
        let t = Testo {
            file: "testi/scostamenti.md".into(),
            first_line: 1,
            markdown: "Introduzione\n\n## A1\n\nCausa di A1.\n\n## B2\nCausa di B2.\n".into(),
        };
        let s = sections(&t);
        assert_eq!(s["A1"].first_line, 5);
        assert_eq!(s["A1"].markdown, "Causa di A1.");
        assert_eq!(s["B2"].first_line, 8);
    }
}
