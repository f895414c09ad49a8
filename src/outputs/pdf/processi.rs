//! Typesetting in child processes, a few at a time: the parts of a large Relazione, and every
//! document of a batch.
//!
//! Typst lays out one page run mostly on one core and keeps its memo cache for the whole process
//! (see `parti`). A large plan is cut into parts; laid out one after the other in this process
//! they take one core, and the process keeps growing (freed memory is not all returned). Each part
//! is instead typeset by a child process — this same executable, started with [`CHILD_ARG`] —
//! which exits when its PDF is written: its memory goes back to the system at once, and
//! [`PARALLEL`] parts are laid out at the same time on different cores.
//!
//! Only the `relazione` binary starts children (its `main` sets `Typesetting::Children` in the run's
//! options): a library user or a test harness typesets in its own process. A child watches its own
//! time and memory and, over its limits, ends with the message (its `main` decides the exit): the
//! parent gets an error for that document alone, so one Ente of a batch never ends the others. A
//! child dies with its parent.
//!
//! The exchange is private to one build, parent and child being the same executable: the child
//! reads one JSON header line (date, limits, the files' names and sizes, the source's size) then
//! the files' bytes and the source's, all on standard input; it writes the PDF on standard output
//! and, on standard error, one JSON line (Typst's warnings and the times) on success or the
//! Italian error message on failure (exit 1).

use crate::error::Error;
use crate::outputs::pdf::typeset::{Limits, Typeset};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::time::Duration;

/// First argument that makes the binary a typesetting child. Not in the help: staff never type it.
pub const CHILD_ARG: &str = "__impagina-parte";

/// Parts laid out at the same time (at most; fewer when the machine has fewer cores). Two keep a
/// 10.000-indicator plan under 1 GiB altogether (BENCHMARKS.md) and use the 2 cores of the
/// machines offices have.
pub const PARALLEL: usize = 2;

#[derive(Serialize, Deserialize)]
struct Request {
    /// The document's date, `YYYY-MM-DD`.
    date: String,
    time_ms: u64,
    memory: u64,
    cause: crate::outputs::pdf::typeset::Cause,
    /// (name, size) of each file, in the order their bytes follow.
    files: Vec<(String, usize)>,
    source: usize,
}

#[derive(Serialize, Deserialize)]
struct Reply {
    warnings: Vec<String>,
    layout_us: u64,
    export_us: u64,
}

/// Typesets `source` in a child process of `exe` (this program): the same result as [`crate::outputs::pdf::typeset::typeset`].
pub fn typeset(
    exe: &std::path::Path,
    source: &str,
    files: &BTreeMap<String, Vec<u8>>,
    date: chrono::NaiveDate,
    limits: Limits,
) -> Result<Typeset, Error> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(exe)
        .arg(CHILD_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(exe, e))?;
    let request = Request {
        date: date.format("%Y-%m-%d").to_string(),
        time_ms: limits.time.as_millis() as u64,
        memory: limits.memory,
        cause: limits.cause,
        files: files.iter().map(|(k, v)| (k.clone(), v.len())).collect(),
        source: source.len(),
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A child that stops early (its watchdog) closes the pipe: what it says on standard
        // error is the message, so a failed write is not reported by itself.
        let _ = send(&mut stdin, &request, files, source);
    }
    let output = child.wait_with_output().map_err(|e| Error::io(exe, e))?;
    let said = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let message = said.trim().trim_start_matches("errore: ").trim();
        return Err(Error::Output(match output.status.code() {
            Some(_) if !message.is_empty() => message.to_string(),
            code => format!(
                "impaginazione interrotta: il processo che la eseguiva è terminato senza messaggio \
                 ({}); memoria insufficiente?",
                code.map_or("terminato da un segnale".to_string(), |c| format!("codice {c}"))
            ),
        }));
    }
    let reply: Reply = serde_json::from_str(said.trim())
        .map_err(|e| Error::Output(format!("risposta del processo di impaginazione non leggibile: {e}")))?;
    Ok(Typeset {
        pdf: output.stdout,
        warnings: reply.warnings,
        layout: Duration::from_micros(reply.layout_us),
        export: Duration::from_micros(reply.export_us),
    })
}

fn send(
    to: &mut impl Write,
    request: &Request,
    files: &BTreeMap<String, Vec<u8>>,
    source: &str,
) -> std::io::Result<()> {
    serde_json::to_writer(&mut *to, request)?;
    to.write_all(b"\n")?;
    for bytes in files.values() {
        to.write_all(bytes)?;
    }
    to.write_all(source.as_bytes())?;
    to.flush()
}

/// The child's side: reads the request on standard input, typesets, answers. Returns the exit code.
/// `on_overrun` is `main`'s: it ends this process with the message when the limits are passed.
pub fn serve(on_overrun: fn(&str)) -> i32 {
    die_with_parent();
    crate::outputs::pdf::typeset::warm_up();
    match serve_request(on_overrun) {
        Ok((pdf, reply)) => {
            let mut out = std::io::stdout().lock();
            if out.write_all(&pdf).and_then(|()| out.flush()).is_err() {
                return 1;
            }
            eprintln!("{}", serde_json::to_string(&reply).unwrap_or_default());
            0
        }
        Err(e) => {
            eprint!("{e}");
            1
        }
    }
}

fn serve_request(on_overrun: fn(&str)) -> Result<(Vec<u8>, Reply), Error> {
    let broken = |e: String| Error::Output(format!("richiesta di impaginazione non valida: {e}"));
    let mut input = std::io::stdin().lock();
    let mut header = String::new();
    input.by_ref().take(MAX_HEADER).read_line(&mut header).map_err(|e| broken(e.to_string()))?;
    let request: Request = serde_json::from_str(&header).map_err(|e| broken(e.to_string()))?;
    let declared = request.files.iter().try_fold(request.source, |sum, (_, size)| sum.checked_add(*size));
    if declared.is_none_or(|total| total > MAX_REQUEST) {
        return Err(broken(format!("dimensioni dichiarate oltre {} MB", MAX_REQUEST >> 20)));
    }
    let mut files = BTreeMap::new();
    for (name, size) in request.files {
        files.insert(name, read_exact(&mut input, size).map_err(|e| broken(e.to_string()))?);
    }
    let source = read_exact(&mut input, request.source).map_err(|e| broken(e.to_string()))?;
    let source = String::from_utf8(source).map_err(|e| broken(e.to_string()))?;
    let date =
        chrono::NaiveDate::parse_from_str(&request.date, "%Y-%m-%d").map_err(|e| broken(e.to_string()))?;
    let limits = Limits {
        time: Duration::from_millis(request.time_ms),
        memory: request.memory,
        cause: request.cause,
        on_overrun: Some(on_overrun),
    };
    let main = crate::outputs::pdf::typeset::MainSource::new(&source);
    let compiled = crate::outputs::pdf::typeset::compile(main, files, date, limits)?;
    let t = crate::outputs::pdf::typeset::export(&compiled)?;
    // This process ends once the PDF is written: freeing the laid-out document (hundreds of MB in
    // small pieces) or Typst's caches first would only delay the answer; the system takes it all back.
    std::mem::forget(compiled);
    let reply = Reply {
        warnings: t.warnings,
        layout_us: t.layout.as_micros() as u64,
        export_us: t.export.as_micros() as u64,
    };
    Ok((t.pdf, reply))
}

/// A child whose parent is killed ends too, instead of typesetting for nobody until its limits.
/// (The parent waits for its child on the thread that started it, so that thread outlives it.)
#[cfg(target_os = "linux")]
fn die_with_parent() {
    unsafe extern "C" {
        fn prctl(option: i32, ...) -> i32;
    }
    const PR_SET_PDEATHSIG: i32 = 1;
    const SIGKILL: u64 = 9;
    // SAFETY: PR_SET_PDEATHSIG takes one integer (the signal) and changes only this process's
    // own setting.
    unsafe {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent() {}

/// Largest request header (the JSON line) and largest request (files and source together) a child
/// accepts: what the parent sends is bounded by the inputs' own limits, far below these.
const MAX_HEADER: u64 = 1 << 20;
const MAX_REQUEST: usize = 1 << 30;

/// Reads `size` bytes, allocating only as they arrive (a declared size is not trusted).
fn read_exact(from: &mut impl Read, size: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(size.min(1 << 20));
    from.take(size as u64).read_to_end(&mut bytes)?;
    if bytes.len() < size {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "richiesta troncata"));
    }
    Ok(bytes)
}
