//! Property tests of the value parser and the scoring rules over random inputs.

use proptest::prelude::*;
use relazione::error::Location;
use relazione::inputs::config::{Fascia, Regola, Scadenze, Smvp, TipoRegola};
use relazione::inputs::decisions::Decisions;
use relazione::model::{Indicator, Level, Node, Report};
use relazione::score::{self, indicator};
use relazione::value::{self, format_number};

fn indicator(target: &str, actual: &str) -> Indicator {
    Indicator::parse(target, actual).unwrap()
}

fn rules() -> impl Strategy<Value = Regola> {
    prop_oneof![
        (50.0..150.0f64).prop_map(|tetto| Regola { tetto, ..Regola::default() }),
        (any::<bool>(), prop::option::of(0.0..90.0f64)).prop_map(|(interpolazione, soglia_minima)| Regola {
            tipo: TipoRegola::Fasce,
            fasce: vec![
                Fascia { da: 99.0, punteggio: 100.0, interpolata: false },
                Fascia { da: 80.0, punteggio: 80.0, interpolata: false },
                Fascia { da: 60.0, punteggio: 60.0, interpolata: false },
            ],
            interpolazione,
            soglia_minima,
            ..Regola::default()
        }),
    ]
}

fn score_of(rule: &Regola, target: &str, actual: &str) -> f64 {
    let a = indicator::achievement(&indicator(target, actual), &Scadenze::default()).unwrap();
    indicator::apply(rule, a.ratio)
}

proptest! {
    /// Any number the platform could print parses back to itself.
    #[test]
    fn italian_numbers_round_trip(v in -1e12..1e12f64, d in 0u8..4) {
        let text = format_number(v, d);
        let (parsed, decimals) = value::parse_number(&text).unwrap();
        prop_assert_eq!(decimals, d);
        prop_assert!((parsed - value::round_half_up(v, d)).abs() <= 1e-6 * v.abs().max(1.0));
    }

    /// The parser never panics, whatever the text.
    #[test]
    fn parsers_never_panic(text in ".{0,40}") {
        let _ = value::parse_target(&text);
        let _ = value::parse_reading(&text);
        let _ = value::eval_measures(&text);
    }

    /// A `>=` indicator's score never decreases when its value grows.
    #[test]
    fn at_least_is_monotonic(rule in rules(), t in 1u32..10_000, v1 in 0u32..20_000, dv in 0u32..20_000) {
        let target = format!(">= {} N.", format_number(t as f64, 0));
        let a = score_of(&rule, &target, &format!("{} N.", format_number(v1 as f64, 0)));
        let b = score_of(&rule, &target, &format!("{} N.", format_number((v1 + dv) as f64, 0)));
        prop_assert!(a <= b + 1e-12, "{} > {}", a, b);
    }

    /// A `<=` indicator's score never increases when its value grows.
    #[test]
    fn at_most_is_monotonic(rule in rules(), t in -100i32..100, v1 in -200i32..200, dv in 0i32..200) {
        let target = format!("<= {t} gg");
        let a = score_of(&rule, &target, &format!("{v1} gg"));
        let b = score_of(&rule, &target, &format!("{} gg", v1 + dv));
        prop_assert!(a + 1e-12 >= b, "{} < {}", a, b);
    }

    /// Scores stay within [0, cap].
    #[test]
    fn scores_within_cap(rule in rules(), t in -1000i32..1000, v in -5000i32..5000, op in 0usize..3) {
        let target = match op { 0 => format!(">= {t} N."), 1 => format!("<= {t} N."), _ => format!("= {t} N.") };
        let s = score_of(&rule, &target, &format!("{v} N."));
        let cap = match rule.tipo { TipoRegola::Proporzionale => rule.tetto / 100.0, TipoRegola::Fasce => 1.0 };
        prop_assert!((0.0..=cap + 1e-12).contains(&s), "{}", s);
    }

    /// Permuting sibling rows changes no result, to the last bit.
    #[test]
    fn sibling_order_does_not_matter(
        values in prop::collection::vec((1u32..200, 1u32..100), 2..8),
        seed in any::<u64>(),
    ) {
        let n = values.len();
        // Weights that add up to 100: n-1 equal shares and the remainder.
        let share = (100.0 / n as f64 * 100.0).floor() / 100.0;
        let weights: Vec<f64> = (0..n).map(|i| if i + 1 == n { 100.0 - share * (n - 1) as f64 } else { share }).collect();
        let leaves: Vec<Node> = values.iter().zip(&weights).enumerate().map(|(i, ((t, v), w))| {
            let mut leaf = Node::new(Level::Indicatore, &format!("I{i}"), "x", Location::default());
            leaf.weight = Some((w * 100.0).round() / 100.0);
            leaf.indicator = Some(Box::new(indicator(&format!(">= {t} N."), &format!("{v} N."))));
            leaf
        }).collect();
        let mut shuffled = leaves.clone();
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let result = |children: Vec<Node>| {
            let mut oo = Node::new(Level::ObiettivoOperativo, "OO", "x", Location::default());
            oo.weight = Some(100.0);
            oo.children = children;
            let mut g = Node::new(Level::Gruppo, "obiettivi_operativi", "x", Location::default());
            g.weight = Some(100.0);
            g.children = vec![oo];
            let mut root = Node::new(Level::Ente, "ente", "x", Location::default());
            root.children = vec![g];
            let mut report = Report { albero: Some(root), ..Report::default() };
            let smvp = Smvp { pesi: relazione::inputs::config::PolicyPesi::Normalizza, ..Smvp::default() };
            score::score(&mut report, &smvp, &Decisions::default()).map_err(|e| e.to_string()).unwrap();
            report.albero.unwrap().result().unwrap()
        };
        let a = result(leaves);
        let b = result(shuffled);
        prop_assert_eq!(a.to_bits(), b.to_bits());
        prop_assert!((0.0..=1.0).contains(&a));
    }
}

// Hostile inputs (issue 18): every reader of text the staff or a workbook supplies ends with a value
// or an error, never a panic, on inputs of any shape.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Markdown with any mix of markers, headings, comments and separators converts or is refused.
    #[test]
    fn markdown_never_panics(text in "[a-z *_#<>!|:^\\-\\n\u{2028}\u{202E}`\\[\\]()]{0,400}") {
        let origin = relazione::markdown::Origin { file: std::path::Path::new("testi/x.md"), first_line: 1 };
        if let Ok(out) = relazione::markdown::to_typst(&text, 1, origin) {
            // Nothing the staff typed becomes Typst code.
            let out = out.text;
            prop_assert!(!out.contains("#set") && !out.contains("#read") && !out.contains("#import"));
        }
        if let Ok(out) = relazione::markdown::to_html(&text, 1, origin) {
            // Nor an HTML element.
            prop_assert!(!out.text.contains("<script") && !out.text.contains("<img src=x"));
        }
    }

    /// Measures expressions of any shape and depth evaluate or are refused.
    #[test]
    fn expressions_never_panic(text in "[0-9(). ,*+/:\\-−×]{0,300}( N\\.| gg| ore| %)?") {
        let _ = value::eval_measures(&text);
    }

    /// A configuration of any shape is read or refused with a message.
    #[test]
    fn configurations_never_panic(text in "[a-z_:\\-\\[\\]{} \\n\"'.0-9]{0,300}") {
        let _ = relazione::inputs::config::Config::parse(&text, std::path::Path::new("relazione.yaml"));
        let nested = format!("ente: {}{}", "[".repeat(text.len()), "]".repeat(text.len()));
        let _ = relazione::inputs::config::Config::parse(&nested, std::path::Path::new("relazione.yaml"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whole flat-layout workbooks with arbitrary cells are scored or refused, never a panic.
    #[test]
    fn whole_workbooks_never_panic(
        cells in prop::collection::vec(prop::collection::vec("[ -~àè€%]{0,12}", 7), 1..6),
        numbers in prop::collection::vec(prop::num::f64::ANY, 6),
    ) {
        let dir = crate::common::scratch(&format!("fuzz-{}", cells.len() * 31 + cells[0].len()));
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let headers = ["Codice ambito", "Codice obiettivo strategico", "Codice obiettivo operativo",
            "Codice indicatore", "Peso indicatore", "Target", "Valore"];
        for (c, h) in headers.iter().enumerate() {
            ws.write(0, c as u16, *h).unwrap();
        }
        for (r, row) in cells.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write(r as u32 + 1, c as u16, v.as_str()).unwrap();
            }
            if let Some(n) = numbers.get(r).filter(|n| n.is_finite()) {
                ws.write(r as u32 + 1, 4, *n).unwrap();
            }
        }
        wb.save(dir.join("piano.xlsx")).unwrap();
        let cfg = crate::common::config(&dir, "");
        let _ = crate::common::score(&cfg, &dir);
    }
}
