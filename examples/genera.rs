//! Synthetic platform exports for benchmarks (not part of the user's CLI): a performance tree in the
//! platform's Allegato 1 layout with N indicators, realistic text lengths and weights that add up
//! to 100, plus a `relazione.yaml`.
//!
//! `cargo run --release --example genera -- --indicatori 1000 --out /tmp/ente-1000 [--seme 7]`
//! `cargo run --release --example genera -- --lotto 65 --indicatori 100 --out /tmp/lotto`

use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

const WORDS: &[&str] = &[
    "imprese",
    "servizi",
    "digitali",
    "territorio",
    "promozione",
    "sviluppo",
    "qualità",
    "tempi",
    "pratiche",
    "registro",
    "controlli",
    "iniziative",
    "partecipanti",
    "formazione",
    "internazionalizzazione",
    "sostenibilità",
    "trasparenza",
    "efficienza",
    "camerale",
    "economica",
    "legalità",
    "orientamento",
    "lavoro",
    "turismo",
    "valorizzazione",
    "prodotti",
    "assistenza",
    "innovazione",
    "monitoraggio",
    "grado",
    "realizzazione",
    "azioni",
];

/// A small deterministic generator (numerical recipes LCG): the same seed, the same files.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Between `min` and `min + spread - 1` words.
    fn words(&mut self, min: usize, spread: u64) -> String {
        let n = min + self.below(spread) as usize;
        self.text(n)
    }
    fn text(&mut self, words: usize) -> String {
        let mut s: Vec<&str> = (0..words).map(|_| WORDS[self.below(WORDS.len() as u64) as usize]).collect();
        let first = s[0].to_string();
        let cap = first[..1].to_uppercase() + &first[1..];
        s[0] = Box::leak(cap.into_boxed_str());
        s.join(" ")
    }
}

/// `n` weights in hundredths of a point that add up to exactly 100 %.
fn weights(n: usize) -> Vec<f64> {
    let base = 10_000 / n as u64;
    (0..n)
        .map(|i| {
            if i + 1 == n {
                (10_000 - base * (n as u64 - 1)) as f64 / 10_000.0
            } else {
                base as f64 / 10_000.0
            }
        })
        .collect()
}

/// A target and an actual value in the platform's text style: like a real Ente, about nine
/// indicators in ten meet their target and the others fall a little short.
fn measure(rng: &mut Rng) -> (String, String) {
    let met = rng.below(10) != 0;
    // Actual as a percentage of target.
    let ratio = if met { 100 + rng.below(60) } else { 70 + rng.below(29) };
    match rng.below(5) {
        0 => {
            let t = 100 + rng.below(5_000);
            (format!(">= {} N.", it(t)), format!("{} N.", it(t * ratio / 100)))
        }
        1 => {
            let t = 2 + rng.below(20);
            let v = t * 10_000 / ratio;
            (format!("<= {t} gg"), format!("{},{:02} gg", v / 100, v % 100))
        }
        2 => {
            let t = 40 + rng.below(50);
            let v = (t * ratio).min(10_000);
            (format!(">= {t},00 %"), format!("{},{:02} %", v / 100, v % 100))
        }
        3 => {
            let m = 1 + rng.below(12);
            let day = if met { 1 + rng.below(28) } else { 28 };
            let month = if met { m } else { (m % 12) + 1 };
            (format!("Entro 28-{m:02}-2024"), format!("{day:02}-{month:02}-2024"))
        }
        _ => {
            let t = 10_000 + rng.below(1_000_000);
            (format!(">= {},00 €", it(t)), format!("{},{:02} €", it(t * ratio / 100), rng.below(100)))
        }
    }
}

/// Thousands with dots: 12345 → 12.345.
fn it(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

fn generate(dir: &Path, indicators: usize, seed: u64, name: &str) {
    let mut rng = Rng(seed);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let mut wb = Workbook::new();
    let pct = Format::new().set_num_format("0.00%");
    let ws = wb.add_worksheet().set_name("Report").unwrap();
    ws.write(0, 0, "Integra_Report_Performance organizzativa Ente (sintetico)").unwrap();
    let headers = [
        "Peso ambito",
        "Ambito",
        "Peso obiettivo strategico",
        "Obiettivo strategico",
        "Peso gruppo",
        "Gruppo",
        "Peso obiettivo operativo",
        "Obiettivo operativo",
        "Peso indicatore",
        "Indicatore",
        "Target",
        "Valore",
        "Raggiungimento",
        "Valutazione",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write(2, c as u16, *h).unwrap();
    }
    let mut row = 3u32;
    ws.write(row, 1, "Ente").unwrap();
    row += 1;
    // Shape: 3 ambiti; ~30 indicators per OS (6 of its own, 4 OO of 6).
    let n_os = (indicators / 30).max(3);
    let per_os = indicators / n_os;
    let mut left = indicators;
    let ambiti = weights(3);
    let os_per_ambito = [n_os / 3 + n_os % 3, n_os / 3, n_os / 3];
    let mut os_code = 100;
    for (a, wa) in ambiti.iter().enumerate() {
        ws.write_with_format(row, 0, *wa, &pct).unwrap();
        ws.write(row, 1, format!("{} - {}", a + 1, rng.text(3))).unwrap();
        row += 1;
        let os_w = weights(os_per_ambito[a]);
        for (o, wo) in os_w.iter().enumerate() {
            os_code += 1;
            let last_os = a == 2 && o + 1 == os_w.len();
            let n_ind = if last_os { left } else { per_os.min(left) };
            left -= n_ind;
            ws.write_with_format(row, 2, *wo, &pct).unwrap();
            ws.write(row, 3, format!("{os_code} - {}", rng.words(4, 4))).unwrap();
            row += 1;
            let own = (n_ind / 5).max(1);
            let in_oo = n_ind - own;
            let n_oo = in_oo.div_ceil(6);
            let groups: Vec<(&str, usize)> = if n_oo == 0 {
                vec![("Indicatori", own)]
            } else {
                vec![("Indicatori", own), ("Obiettivi operativi", in_oo)]
            };
            let gw = weights(groups.len());
            for ((g, n), w) in groups.iter().zip(gw) {
                ws.write_with_format(row, 4, w, &pct).unwrap();
                ws.write(row, 5, *g).unwrap();
                row += 1;
                let write_indicators = |ws: &mut rust_xlsxwriter::Worksheet,
                                        row: &mut u32,
                                        k: usize,
                                        prefix: &str,
                                        rng: &mut Rng| {
                    for (i, w) in weights(k).iter().enumerate() {
                        let (t, v) = measure(rng);
                        ws.write_with_format(*row, 8, *w, &pct).unwrap();
                        ws.write(*row, 9, format!("{prefix}.{} - {}", i + 1, rng.words(8, 12))).unwrap();
                        ws.write(*row, 10, t).unwrap();
                        ws.write(*row, 11, v).unwrap();
                        *row += 1;
                    }
                };
                if *g == "Indicatori" {
                    write_indicators(ws, &mut row, *n, &format!("{os_code}.S"), &mut rng);
                } else {
                    let sizes: Vec<usize> =
                        (0..n_oo).map(|i| if i + 1 == n_oo { n - 6 * (n_oo - 1) } else { 6 }).collect();
                    for (j, (k, w)) in sizes.iter().zip(weights(n_oo)).enumerate() {
                        ws.write_with_format(row, 6, w, &pct).unwrap();
                        ws.write(row, 7, format!("{os_code}.A{} - {}", j + 1, rng.words(10, 10))).unwrap();
                        row += 1;
                        write_indicators(ws, &mut row, *k, &format!("{os_code}.A{}", j + 1), &mut rng);
                    }
                }
            }
        }
    }
    wb.save(dir.join("data/Report_Ente.xlsx")).unwrap();
    std::fs::write(
        dir.join("relazione.yaml"),
        format!("ente:\n  nome: Camera di commercio di {name}\n  nome_breve: {name}\nanno: 2024\ndata_approvazione: 30/06/2025\n"),
    )
    .unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let indicators: usize = get("--indicatori").and_then(|s| s.parse().ok()).unwrap_or(100);
    let seed: u64 = get("--seme").and_then(|s| s.parse().ok()).unwrap_or(7);
    let out = get("--out").expect("--out DIR");
    match get("--lotto").and_then(|s| s.parse::<usize>().ok()) {
        Some(n) => {
            for i in 0..n {
                let name = format!("Sintetica{:02}", i + 1);
                generate(&Path::new(&out).join(&name), indicators, seed + i as u64, &name);
            }
        }
        None => generate(Path::new(&out), indicators, seed, &format!("Sintetica{indicators}")),
    }
}
