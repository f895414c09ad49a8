//! Shared helpers for the integration tests: run the real binary, read PDFs back, build Modena
//! once, and write small workbooks in the platform's layout into a folder of the test's own.
#![allow(dead_code)]

use rust_xlsxwriter::{Format, Workbook};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn modena() -> PathBuf {
    manifest().join("tests/fixtures/modena-2024")
}

/// A fresh, empty folder for one test, under cargo's temporary folder for integration tests
/// (`target/tmp`), removed when the value is dropped.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Scratch {
    /// Keeps the folder for the rest of the run (shared outputs built once).
    pub fn keep(self) -> PathBuf {
        let p = self.0.clone();
        std::mem::forget(self);
        p
    }
}

/// This run's folder under `target/tmp`. The first call removes what earlier runs left there
/// (outputs built once per run, folders beside a scratch folder) once they are an hour old.
fn scratch_root() -> PathBuf {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let hour = std::time::Duration::from_secs(3600);
        for e in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
            let old =
                e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|a| a > hour));
            if e.file_name().to_string_lossy().starts_with("relazione-") && old {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        tmp.join(format!("relazione-{}", std::process::id()))
    })
    .clone()
}

pub fn scratch(name: &str) -> Scratch {
    let dir = scratch_root().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// Whether the external tools a test needs are here (see [`needs!`]). `make test` installs them
/// all (its `tools` target). Without one, plain `cargo test` skips the test and says so on the
/// terminal, naming the target; with `CI=true` a missing tool fails the test, never skips it.
pub fn tools_present(names: &[&str]) -> bool {
    let missing: Vec<&str> = names.iter().copied().filter(|n| !present(n)).collect();
    if missing.is_empty() {
        return true;
    }
    let test = std::thread::current().name().unwrap_or("?").to_string();
    let what = format!("{test} needs {} (`make tools` installs it; `make test` runs it)", missing.join(", "));
    assert!(std::env::var("CI").map_or(true, |v| v != "true"), "missing tool under CI=true: {what}");
    // Straight to the terminal: the harness captures `eprintln!` of a passing test.
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "skipped: {what}");
    false
}

/// One external tool: an executable on `PATH`, or what a test runs through one (`frictionless`
/// is a Python module, `axe-core` and `playwright-core` the npm packages of `tests/browser`).
fn present(name: &str) -> bool {
    let on_path = |exe: &str| {
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(exe).is_file()))
    };
    match name {
        "frictionless" | "pyshacl" => {
            on_path("python3")
                && Command::new("python3")
                    .args(["-c", &format!("import {name}")])
                    .output()
                    .is_ok_and(|o| o.status.success())
        }
        "axe-core" | "playwright-core" => {
            on_path("node")
                && on_path("chromium")
                && manifest().join("tests/browser/node_modules").join(name).is_dir()
        }
        exe => on_path(exe),
    }
}

/// Returns from the test (skipped, with a message) when one of the named tools is missing; see
/// [`tools_present`].
macro_rules! needs {
    ($($tool:literal),+ $(,)?) => {
        if !$crate::common::tools_present(&[$($tool),+]) {
            return;
        }
    };
}
pub(crate) use needs;

/// Runs a command-line tool the tests read outputs with (`make test` installs them).
pub fn tool(name: &str, args: &[&str]) -> std::process::Output {
    Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} non disponibile ({e}): `make test` installa poppler-utils e qpdf"))
}

/// The text of a PDF as pdftotext lays it out.
pub fn pdf_text(pdf: &Path) -> String {
    let out = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    assert!(out.status.success(), "pdftotext {}: {}", pdf.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Collapses white space and joins words hyphenated at line ends.
pub fn flat(text: &str) -> String {
    text.replace("-\n", "").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A data folder with the Modena workbooks and the sample texts.
pub fn modena_data(name: &str) -> Scratch {
    let dir = scratch(name);
    let data = dir.join("data");
    std::fs::create_dir_all(data.join("testi")).unwrap();
    for e in std::fs::read_dir(modena()).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "xlsx") {
            std::fs::copy(e.path(), data.join(e.file_name())).unwrap();
        }
    }
    for e in std::fs::read_dir(manifest().join("data/testi")).unwrap().flatten() {
        std::fs::copy(e.path(), data.join("testi").join(e.file_name())).unwrap();
    }
    // The tables the platform does not export, built from the published report
    // (tests/fixtures/tabelle/genera_modena.py).
    std::fs::copy(manifest().join(MODENA_TABLES), data.join("Tabelle_Relazione_2024.xlsx")).unwrap();
    dir
}

/// The Modena «Tabelle della Relazione» workbook, in the sample data.
pub const MODENA_TABLES: &str = "data/Tabelle_Relazione_2024.xlsx";

/// The Modena outputs (PDF, workbook, open data), built once per test run and shared.
pub struct ModenaBuild {
    pub out: PathBuf,
    pub pdf: PathBuf,
    text: std::sync::OnceLock<String>,
}

impl ModenaBuild {
    /// `pdf_text` of the PDF (needs pdftotext: the test says `needs!("pdftotext")`).
    pub fn text(&self) -> &str {
        self.text.get_or_init(|| pdf_text(&self.pdf))
    }
}

pub fn modena_build() -> &'static ModenaBuild {
    static B: std::sync::OnceLock<ModenaBuild> = std::sync::OnceLock::new();
    B.get_or_init(|| {
        let dir = modena_data("modena-condiviso").keep();
        let out = dir.join("out");
        let run = build(&dir.join("data"), &manifest().join("relazione.yaml"), &out);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let pdf = out.join("Relazione_performance_2024_Modena.pdf");
        ModenaBuild { out, pdf, text: Default::default() }
    })
}

/// Scores a data folder with a configuration file through the library (in this process).
pub fn score(config: &Path, data: &Path) -> Result<relazione::score::Scored, relazione::error::Error> {
    score_with(relazione::inputs::config::Config::load(config)?, data)
}

/// Scores a data folder with a configuration already loaded.
pub fn score_with(
    config: relazione::inputs::config::Config,
    data: &Path,
) -> Result<relazione::score::Scored, relazione::error::Error> {
    relazione::pipeline::score(config, data, &Default::default())
}

/// The Modena fixture scored through the library, once per test run.
pub fn modena_scored() -> &'static relazione::score::Scored {
    static S: std::sync::OnceLock<relazione::score::Scored> = std::sync::OnceLock::new();
    S.get_or_init(|| score(&manifest().join("relazione.yaml"), &modena()).unwrap())
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `relazione` with the given arguments from the repository root.
pub fn relazione(args: &[&str]) -> Run {
    let out =
        Command::new(env!("CARGO_BIN_EXE_relazione")).args(args).current_dir(manifest()).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A cell to write.
#[derive(Clone, Copy)]
pub enum C<'a> {
    T(&'a str),
    /// A number with a percent format (the platform's weights and results).
    P(f64),
    N(f64),
}

/// Writes the rows into a worksheet: each row is a list of (column index, cell).
pub fn write_rows(ws: &mut rust_xlsxwriter::Worksheet, rows: &[Vec<(u16, C)>]) {
    let pct = Format::new().set_num_format("0.00%");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row {
            match cell {
                C::T(t) => ws.write(r as u32, *c, *t).map(|_| ()).unwrap(),
                C::P(v) => ws.write_with_format(r as u32, *c, *v, &pct).map(|_| ()).unwrap(),
                C::N(v) => ws.write(r as u32, *c, *v).map(|_| ()).unwrap(),
            }
        }
    }
}

/// Writes one sheet `Report`-style.
pub fn write_sheet(path: &Path, sheet: &str, rows: &[Vec<(u16, C)>]) {
    let mut wb = Workbook::new();
    write_rows(wb.add_worksheet().set_name(sheet).unwrap(), rows);
    wb.save(path).unwrap();
}

pub const ALBERO_HEADERS: [&str; 14] = [
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

/// The rows of a small, valid performance tree in the platform's layout (title, blank, header,
/// then one row per node). Tests edit it to break one thing.
pub fn albero_rows() -> Vec<Vec<(u16, C<'static>)>> {
    let header = ALBERO_HEADERS.iter().enumerate().map(|(i, h)| (i as u16, C::T(h))).collect();
    vec![
        vec![(0, C::T("Integra_Report_Performance organizzativa Ente_Prova_2024"))],
        vec![],
        header,
        vec![(1, C::T("Ente")), (12, C::P(1.0))],
        vec![(0, C::P(1.0)), (1, C::T("1 - Ambito uno")), (12, C::P(1.0))],
        vec![(2, C::P(1.0)), (3, C::T("101 - Obiettivo strategico uno")), (12, C::P(1.0))],
        vec![(4, C::P(0.5)), (5, C::T("Indicatori")), (12, C::P(1.0))],
        vec![
            (8, C::P(1.0)),
            (9, C::T("101.S1 - Indicatore strategico")),
            (10, C::T(">= 10 N.")),
            (11, C::T("12 N.")),
            (12, C::P(1.0)),
        ],
        vec![(4, C::P(0.5)), (5, C::T("Obiettivi operativi")), (12, C::P(1.0))],
        vec![(6, C::P(1.0)), (7, C::T("101.A - Obiettivo operativo uno")), (12, C::P(1.0))],
        vec![
            (8, C::P(1.0)),
            (9, C::T("101.A1 - Scadenza")),
            (10, C::T("Entro 30-06-2024")),
            (11, C::T("25-06-2024")),
            (12, C::P(1.0)),
        ],
    ]
}

/// A data folder holding one performance tree built from `rows`.
pub fn albero_dir(name: &str, rows: &[Vec<(u16, C)>]) -> Scratch {
    let dir = scratch(name);
    write_sheet(&dir.join("ente.xlsx"), "Report", rows);
    dir
}

/// A configuration file for a test ente.
pub fn config(dir: &Path, smvp: &str) -> PathBuf {
    let path = dir.join("relazione.yaml");
    std::fs::write(
        &path,
        format!("ente:\n  nome: Camera di commercio di Prova\n  nome_breve: Prova\nanno: 2024\n{smvp}"),
    )
    .unwrap();
    path
}

/// An output folder beside a data folder (never inside it: the tool refuses that).
pub fn out_beside(data: &Path) -> PathBuf {
    data.with_file_name(format!("{}-out", data.file_name().unwrap().to_string_lossy()))
}

/// `relazione build` on a data folder with a configuration, into `out`, plus extra arguments.
pub fn build_with(data: &Path, config: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "build",
        "--data",
        data.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    relazione(&args)
}

/// `relazione build` on a data folder with a configuration, into `out`.
pub fn build(data: &Path, config: &Path, out: &Path) -> Run {
    build_with(data, config, out, &[])
}

/// A run of `relazione` with what it cost, measured by the kernel: wall time, and the peak resident
/// memory of the process and of the children it waited for (`wait4`'s `ru_maxrss`).
pub struct Measured {
    pub run: Run,
    pub seconds: f64,
    pub peak_bytes: u64,
}

/// Runs `relazione` and measures it (see [`Measured`]).
pub fn relazione_measured(args: &[&str]) -> Measured {
    use std::io::Read;
    #[repr(C)]
    struct Rusage {
        utime: [i64; 2],
        stime: [i64; 2],
        maxrss: i64,
        rest: [i64; 13],
    }
    unsafe extern "C" {
        fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
    }
    let started = std::time::Instant::now();
    // Reaped by `wait4` below, which also gives its resource usage.
    #[allow(clippy::zombie_processes)]
    let mut child = Command::new(env!("CARGO_BIN_EXE_relazione"))
        .args(args)
        .current_dir(manifest())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let mut status = 0i32;
    let mut usage = Rusage { utime: [0; 2], stime: [0; 2], maxrss: 0, rest: [0; 13] };
    // SAFETY: wait4 on our own child's pid, with valid pointers to locals.
    let pid = unsafe { wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4 failed");
    let seconds = started.elapsed().as_secs_f64();
    let code = if status & 0x7f == 0 { (status >> 8) & 0xff } else { -1 };
    let _ = (usage.utime, usage.stime, usage.rest);
    Measured {
        run: Run { code, stdout: out.join().unwrap(), stderr: err.join().unwrap() },
        seconds,
        peak_bytes: usage.maxrss as u64 * 1024,
    }
}

/// A hostile input's safety bound: at most 10 s and 1 GiB on this machine, measured.
pub fn within_budget(m: &Measured, what: &str) {
    assert!(m.seconds <= 10.0, "{what}: {:.1} s, over the 10 s budget\n{}", m.seconds, m.run.stderr);
    assert!(
        m.peak_bytes <= 1 << 30,
        "{what}: {} MiB, over the 1 GiB budget\n{}",
        m.peak_bytes >> 20,
        m.run.stderr
    );
}

/// A PNG of a few bytes whose header declares `width` × `height` pixels (checksums right, no data).
pub fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        let body: Vec<u8> = kind.iter().chain(data).copied().collect();
        c.extend_from_slice(&body);
        c.extend_from_slice(&crc32(&body).to_be_bytes());
        c
    };
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    png.extend(chunk(b"IEND", &[]));
    png
}
