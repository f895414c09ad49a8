//! Lays out a Typst source written by `relazione build --typst-sorgente` several times with the
//! embedded typesetter, cold each time (Typst's memo cache emptied), and prints the median
//! layout time and ms per page: how `bench/run` and template work measure the cost of a
//! construct (edit the source, run again).
//!
//!     cargo run --release --example impagina -- FILE.typ [RUNS]

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let source = std::fs::read_to_string(&args[1]).expect("the Typst source");
    let runs: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(5);
    let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).expect("a date");
    let mut times = Vec::new();
    let mut pages = 0;
    for _ in 0..runs {
        relazione::outputs::pdf::typeset::forget_unused(0);
        let c = relazione::outputs::pdf::typeset::compile(
            relazione::outputs::pdf::typeset::MainSource::new(&source),
            Default::default(),
            date,
            Default::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        pages = c.document.pages().len();
        times.push(c.layout.as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{pages} pagine, impaginazione {median:.0} ms (mediana di {runs}), {:.1} ms/pagina",
        median / pages as f64
    );
}
