//! Live preview (`relazione anteprima`): watches the inputs and keeps the Relazione's pages open in
//! the browser on localhost while the staff write.
//!
//! Why it is fast: the process stays alive, so the fonts, the scored workbooks (read again only
//! when a workbook or the configuration changes) and Typst's memoisation survive between runs;
//! the generated source is updated in place, so a changed text reuses most of the last layout;
//! only the pages whose content changed are turned into SVG again (pages are addressed by a hash
//! of their frame, so the browser fetches just those). Nothing is written to disk.
//!
//! The server is a few lines over `std::net`: it listens on the loopback interface only, answers
//! only requests addressed to it by name (a page on another site cannot read the preview through
//! DNS rebinding), and serves three things: the viewer page, the state as JSON (long polling), and
//! the pages as SVG.

use crate::error::Error;
use crate::inputs::config::Config;
use crate::outputs::pdf::typeset::MainSource;
use crate::pipeline::{self, Options};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How often the inputs are looked at. A stat of each file in `data/` costs well under a
/// millisecond for a chamber's folder, so looking often costs nothing and saves waiting.
const POLL: Duration = Duration::from_millis(10);

/// Compilations a piece of Typst's memoised work survives unused. With 2 (what a build keeps),
/// saving four texts in turn cost a median 191 ms and up to 447 ms (the explanations' layout was
/// dropped before it came round again); with 10, 140 ms and at most 221 ms (`bench/anteprima.py`).
const CACHE_AGE: usize = 10;

/// Longest a request for the state waits for a change before answering with the same state.
const LONG_POLL: Duration = Duration::from_secs(20);

/// One page as the browser gets it.
#[derive(Clone)]
struct Pagina {
    /// Hash of the laid-out page: its address, so an unchanged page is never sent again.
    hash: String,
    width_pt: f64,
    height_pt: f64,
    svg: Arc<str>,
}

/// What the viewer shows, and a number that grows at each change.
#[derive(Default)]
struct Stato {
    generazione: u64,
    pagine: Vec<Pagina>,
    /// The last run's error (the pages above are then those of the last good run).
    errore: Option<String>,
    /// First page that differs from the previous good run: the one being edited.
    primo_cambiato: Option<usize>,
    /// One line on the last run (time, pages changed, duration).
    nota: String,
}

struct Condiviso {
    stato: Mutex<Stato>,
    cambiato: Condvar,
}

/// Where the inputs are and where to listen.
pub struct Settings {
    pub config: PathBuf,
    pub data: PathBuf,
    pub porta: u16,
    pub options: Options,
}

/// Runs the preview until the process is stopped. `ready` is told the address once the first
/// version is laid out (or has failed) and the server listens.
pub fn run(settings: &Settings, ready: &dyn Fn(SocketAddr)) -> Result<(), Error> {
    let listener = TcpListener::bind(("127.0.0.1", settings.porta)).map_err(|e| {
        Error::Output(format!(
            "anteprima: impossibile ascoltare sulla porta {} di 127.0.0.1 ({e}); sceglierne un'altra con --porta",
            settings.porta
        ))
    })?;
    let addr = listener.local_addr().map_err(|e| Error::Output(format!("anteprima: {e}")))?;
    let shared = Arc::new(Condiviso { stato: Mutex::new(Stato::default()), cambiato: Condvar::new() });
    let mut cache = Cache::default();
    let mut seen = fingerprint(settings);
    refresh(settings, &seen, &shared, &mut cache, None);
    {
        let shared = shared.clone();
        std::thread::spawn(move || serve(listener, addr, shared));
    }
    ready(addr);
    loop {
        std::thread::sleep(POLL);
        let now = fingerprint(settings);
        if now != seen {
            let saved = newest_change(&seen, &now);
            seen = now;
            refresh(settings, &seen, &shared, &mut cache, saved);
        }
    }
}

/// Each input file with its size and modification time: any save changes it.
type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// The files a run reads: the data folder (workbooks, texts, images, decisions), the local
/// templates beside it, the configuration.
fn fingerprint(settings: &Settings) -> Fingerprint {
    let mut out = Vec::new();
    let templates = crate::outputs::templating::override_dir(&settings.data);
    for root in [&settings.data, &templates] {
        for entry in walkdir::WalkDir::new(root).max_depth(4).sort_by_file_name().into_iter().flatten() {
            if let Ok(meta) = entry.metadata()
                && meta.is_file()
            {
                out.push((entry.path().to_path_buf(), meta.len(), meta.modified().ok()));
            }
        }
    }
    let meta = std::fs::metadata(&settings.config).ok();
    out.push((
        settings.config.clone(),
        meta.as_ref().map_or(0, |m| m.len()),
        meta.and_then(|m| m.modified().ok()),
    ));
    out
}

/// The latest modification time among the files that changed: when the staff saved.
fn newest_change(before: &Fingerprint, after: &Fingerprint) -> Option<SystemTime> {
    after.iter().filter(|f| !before.contains(f)).filter_map(|f| f.2).max()
}

/// Lays out the Relazione again and publishes the pages; on failure keeps the last good pages and
/// shows the error.
fn refresh(
    settings: &Settings,
    inputs: &Fingerprint,
    shared: &Condiviso,
    cache: &mut Cache,
    saved: Option<SystemTime>,
) {
    let clock = Instant::now();
    let outcome = layout(settings, inputs, cache);
    let elapsed = clock.elapsed();
    let since_save = saved.and_then(|s| SystemTime::now().duration_since(s).ok());
    let mut stato = shared.stato.lock().expect("the preview state is never poisoned");
    stato.generazione += 1;
    let ora = chrono::Local::now().format("%H:%M:%S");
    match outcome {
        Ok(pagine) => {
            let changed: Vec<usize> = (0..pagine.len())
                .filter(|&i| stato.pagine.get(i).is_none_or(|p| p.hash != pagine[i].hash))
                .collect();
            stato.primo_cambiato = changed.first().copied();
            stato.nota = if stato.pagine.is_empty() {
                format!("impaginata alle {ora}: {} pagine in {} ms", pagine.len(), elapsed.as_millis())
            } else {
                format!(
                    "aggiornata alle {ora}: {} su {} in {} ms{}",
                    pagine_cambiate(changed.len()),
                    pagine.len(),
                    elapsed.as_millis(),
                    since_save
                        .map(|d| format!(" ({} ms dal salvataggio)", d.as_millis()))
                        .unwrap_or_default()
                )
            };
            stato.pagine = pagine;
            stato.errore = None;
            // Keep the SVG of the pages shown now only.
            let live: std::collections::HashSet<&str> =
                stato.pagine.iter().map(|p| p.hash.as_str()).collect();
            cache.pages.retain(|_, p| live.contains(p.hash.as_str()));
            eprintln!("{}", crate::escape::terminal(&format!("Anteprima {}", stato.nota)));
        }
        Err(e) => {
            let message = e.to_string();
            stato.nota =
                format!("errore alle {ora}: restano visibili le pagine dell'ultima versione riuscita");
            eprintln!("{}", crate::escape::terminal(&format!("Anteprima: errore alle {ora}\n{message}")));
            stato.errore = Some(message);
            stato.primo_cambiato = None;
        }
    }
    drop(stato);
    shared.cambiato.notify_all();
    // Off the path to the browser: dropping what this run did not reuse takes up to tens of ms.
    crate::outputs::pdf::typeset::forget_unused(CACHE_AGE);
}

/// `1 pagina cambiata`, `3 pagine cambiate`.
fn pagine_cambiate(n: usize) -> String {
    if n == 1 { "1 pagina cambiata".into() } else { format!("{n} pagine cambiate") }
}

/// What one run leaves to the next: the main file (updated in place) and the SVG of the pages shown.
#[derive(Default)]
struct Cache {
    main: Option<MainSource>,
    pages: HashMap<u128, Pagina>,
    /// The scored inputs and the fingerprint of the files they were read from.
    scored: Option<(Fingerprint, crate::score::Scored)>,
}

/// Files that do not affect the scores: the staff's texts (and their images) and the templates.
fn is_text(settings: &Settings, path: &std::path::Path) -> bool {
    path.starts_with(settings.data.join(crate::inputs::testi::DIR))
        || path.starts_with(crate::outputs::templating::override_dir(&settings.data))
}

/// Reads, scores, renders and lays out the Relazione; turns into SVG the pages not seen before.
fn layout(settings: &Settings, inputs: &Fingerprint, cache: &mut Cache) -> Result<Vec<Pagina>, Error> {
    // The workbooks are read again only when they (or the configuration) changed: a text's save
    // reuses the scores.
    let key: Fingerprint = inputs.iter().filter(|f| !is_text(settings, &f.0)).cloned().collect();
    let scored = match cache.scored.take() {
        Some((k, scored)) if k == key => scored,
        _ => pipeline::score(Config::load(&settings.config)?, &settings.data, &settings.options)?,
    };
    let draft = pipeline::draft(scored, &settings.data, &settings.options)?;
    let files = pipeline::images(&draft.rendered.images);
    let limits = crate::outputs::pdf::typeset::Limits {
        on_overrun: settings.options.on_overrun,
        ..crate::outputs::pdf::typeset::Limits::for_nodes(
            crate::outputs::node_count(&draft.scored),
            crate::outputs::blame(&draft.rendered.local_templates),
        )
    };
    // The whole Relazione on one scroll, as one part.
    let whole =
        crate::outputs::pdf::parti::whole(&draft.rendered.source, &pipeline::pdf_name(&draft.scored.config));
    let source = whole.as_str();
    let main = match cache.main.as_mut() {
        Some(m) => {
            m.update(source);
            m.clone()
        }
        None => cache.main.insert(MainSource::new(source)).clone(),
    };
    let date = draft.scored.date;
    cache.scored = Some((key, draft.scored));
    let compiled = crate::outputs::pdf::typeset::compile(main, files, date, limits)?;
    let options = typst_svg::SvgOptions::default();
    let pages = compiled.document.pages();
    Ok(pages
        .iter()
        .map(|page| {
            let key = typst::utils::hash128(page);
            cache
                .pages
                .entry(key)
                .or_insert_with(|| Pagina {
                    hash: format!("{key:032x}"),
                    width_pt: page.frame.width().to_pt(),
                    height_pt: page.frame.height().to_pt(),
                    svg: typst_svg::svg(page, &options).into(),
                })
                .clone()
        })
        .collect())
}

/// Threads that answer complete requests.
const WORKERS: usize = 16;

/// Complete requests waiting for a worker; beyond, a request is answered 503 at once.
const QUEUE: usize = 64;

/// Connections still sending their request; beyond, the oldest is closed (an idle connection
/// costs a slot, never a thread).
const MAX_PENDING: usize = 1024;

/// Longest a client may take to send its request line and headers, and their largest size.
const REQUEST_DEADLINE: Duration = Duration::from_secs(5);
const MAX_REQUEST: usize = 16 << 10;

/// Requests for the state that may wait for a change at once; a further one is answered with the
/// current state at once, so that waiting requests can never hold every worker.
const MAX_WAITING: usize = 4;

/// A connection whose request is still arriving.
struct Pending {
    stream: TcpStream,
    bytes: Vec<u8>,
    since: Instant,
    closed: bool,
}

/// The server: one thread reads every connection's request without blocking (slow or idle clients
/// hold no thread), a bounded pool of [`WORKERS`] answers the complete ones. Nothing here can stop
/// the accept loop: an accept that fails (no file descriptors left) is retried after a pause, and
/// a worker that could not be started leaves the others.
fn serve(listener: TcpListener, addr: SocketAddr, shared: Arc<Condiviso>) {
    let (queue, requests) = std::sync::mpsc::sync_channel::<(TcpStream, Result<String, u16>)>(QUEUE);
    let requests = Arc::new(Mutex::new(requests));
    let waiting = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for k in 0..WORKERS {
        let (requests, shared, waiting) = (requests.clone(), shared.clone(), waiting.clone());
        let _ = std::thread::Builder::new().name(format!("anteprima-{k}")).spawn(move || {
            loop {
                let next = requests.lock().map(|r| r.recv());
                let Ok(Ok((stream, request))) = next else { return };
                let _ = answer(&stream, request, &shared, &waiting);
            }
        });
    }
    let mut pending: std::collections::VecDeque<Pending> = std::collections::VecDeque::new();
    loop {
        // With nothing arriving, wait for a connection without spinning.
        let _ = listener.set_nonblocking(!pending.is_empty());
        let mut active = false;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    active = true;
                    let _ = listener.set_nonblocking(true);
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    if pending.len() == MAX_PENDING {
                        pending.pop_front();
                    }
                    pending.push_back(Pending {
                        stream,
                        bytes: Vec::new(),
                        since: Instant::now(),
                        closed: false,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(20));
                    break;
                }
            }
        }
        let mut still = std::collections::VecDeque::with_capacity(pending.len());
        for mut p in pending.drain(..) {
            let Some(request) = read_some(&mut p, addr, &mut active) else {
                if !p.closed {
                    still.push_back(p);
                }
                continue;
            };
            let Some(stream) = ready_to_answer(p.stream) else { continue };
            if let Err(std::sync::mpsc::TrySendError::Full((stream, _))) = queue.try_send((stream, request)) {
                let _ = respond(&stream, 503, "text/plain; charset=utf-8", b"servizio occupato", false);
            }
        }
        pending = still;
        if !active && !pending.is_empty() {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Reads what has arrived of a request without waiting: the request once its head is complete
/// (or the status that refuses it: too large, too slow); `None` while more is to come or once the
/// client has gone (`closed`).
fn read_some(p: &mut Pending, addr: SocketAddr, active: &mut bool) -> Option<Result<String, u16>> {
    let mut chunk = [0u8; 4096];
    loop {
        match p.stream.read(&mut chunk) {
            Ok(0) => {
                p.closed = true;
                return None;
            }
            Ok(n) => {
                *active = true;
                p.bytes.extend_from_slice(&chunk[..n]);
                if let Some(end) = find(&p.bytes, b"\r\n\r\n") {
                    return Some(parse_request(&p.bytes[..end], addr));
                }
                if p.bytes.len() > MAX_REQUEST {
                    return Some(Err(431));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                return (p.since.elapsed() > REQUEST_DEADLINE).then_some(Err(408));
            }
            Err(_) => {
                p.closed = true;
                return None;
            }
        }
    }
}

/// The connection made blocking again, with a bound on how long an answer may take to be sent.
fn ready_to_answer(stream: TcpStream) -> Option<TcpStream> {
    stream.set_nonblocking(false).ok()?;
    stream.set_write_timeout(Some(Duration::from_secs(10))).ok()?;
    Some(stream)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A request's target, when it is a GET addressed to this server by name with exactly one `Host`
/// header (two would let a proxy and this server disagree on who it is for); otherwise the status
/// to answer.
fn parse_request(head: &[u8], addr: SocketAddr) -> Result<String, u16> {
    let head = std::str::from_utf8(head).map_err(|_| 400u16)?;
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("").to_string());
    let names = [format!("127.0.0.1:{}", addr.port()), format!("localhost:{}", addr.port())];
    let hosts: Vec<&str> = lines
        .filter_map(|h| h.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .map(|(_, value)| value.trim())
        .collect();
    match (method, hosts.as_slice()) {
        (_, [_, _, ..]) => Err(400),
        ("GET", [host]) if names.iter().any(|n| n.eq_ignore_ascii_case(host)) => Ok(target),
        ("GET", _) => Err(403),
        _ => Err(405),
    }
}

fn answer(
    stream: &TcpStream,
    request: Result<String, u16>,
    shared: &Condiviso,
    waiting: &std::sync::atomic::AtomicUsize,
) -> std::io::Result<()> {
    use std::sync::atomic::Ordering;
    let target = match request {
        Ok(t) => t,
        Err(code) => {
            return respond(stream, code, "text/plain; charset=utf-8", b"richiesta rifiutata", false);
        }
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    match path {
        "/" => respond(stream, 200, "text/html; charset=utf-8", VIEWER.as_bytes(), false),
        "/stato" => {
            let after: u64 = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("dopo="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let may_wait = waiting.fetch_add(1, Ordering::SeqCst) < MAX_WAITING;
            let body = state_after(shared, after, if may_wait { LONG_POLL } else { Duration::ZERO });
            waiting.fetch_sub(1, Ordering::SeqCst);
            respond(stream, 200, "application/json", body.as_bytes(), false)
        }
        _ => {
            let svg = path.strip_prefix("/pagina/").and_then(|p| p.strip_suffix(".svg")).and_then(|hash| {
                let stato = shared.stato.lock().expect("the preview state is never poisoned");
                stato.pagine.iter().find(|p| p.hash == hash).map(|p| p.svg.clone())
            });
            match svg {
                Some(svg) => respond(stream, 200, "image/svg+xml", svg.as_bytes(), true),
                None => respond(stream, 404, "text/plain; charset=utf-8", b"pagina non trovata", false),
            }
        }
    }
}

/// The state as JSON once its generation is past `after` (or after `wait`).
fn state_after(shared: &Condiviso, after: u64, wait: Duration) -> String {
    let stato = shared.stato.lock().expect("the preview state is never poisoned");
    let (stato, _) = shared
        .cambiato
        .wait_timeout_while(stato, wait, |s| s.generazione <= after)
        .expect("the preview state is never poisoned");
    let pagine: Vec<serde_json::Value> = stato
        .pagine
        .iter()
        .map(|p| serde_json::json!({ "hash": p.hash, "larghezza": p.width_pt, "altezza": p.height_pt }))
        .collect();
    serde_json::json!({
        "generazione": stato.generazione,
        "pagine": pagine,
        "errore": stato.errore,
        "primo_cambiato": stato.primo_cambiato,
        "nota": stato.nota,
    })
    .to_string()
}

fn respond(stream: &TcpStream, code: u16, kind: &str, body: &[u8], immutable: bool) -> std::io::Result<()> {
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Method Not Allowed",
    };
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-store" };
    let mut out = std::io::BufWriter::new(stream);
    write!(
        out,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: {cache}\r\n\
         X-Content-Type-Options: nosniff\r\nContent-Security-Policy: default-src 'self'; \
         script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'; img-src 'self'\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )?;
    out.write_all(body)?;
    out.flush()
}

/// The viewer: the pages one under the other, an error banner, a status line. It asks for the
/// state again as soon as it has one (long polling), swaps only the pages whose hash changed, and
/// brings the first changed page into view when it is not.
const VIEWER: &str = include_str!("anteprima.html");
