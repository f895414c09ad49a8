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

use crate::config::Config;
use crate::error::Error;
use crate::pipeline::{self, Options, Timings};
use crate::typeset::MainSource;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
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
    let templates = crate::templating::override_dir(&settings.data);
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
            eprintln!("{}", crate::error::for_terminal(&format!("Anteprima {}", stato.nota)));
        }
        Err(e) => {
            let message = e.to_string();
            stato.nota =
                format!("errore alle {ora}: restano visibili le pagine dell'ultima versione riuscita");
            eprintln!("{}", crate::error::for_terminal(&format!("Anteprima: errore alle {ora}\n{message}")));
            stato.errore = Some(message);
            stato.primo_cambiato = None;
        }
    }
    drop(stato);
    shared.cambiato.notify_all();
    // Off the path to the browser: dropping what this run did not reuse takes up to tens of ms.
    crate::typeset::forget_unused(CACHE_AGE);
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
    path.starts_with(settings.data.join(crate::testi::DIR))
        || path.starts_with(crate::templating::override_dir(&settings.data))
}

/// Reads, scores, renders and lays out the Relazione; turns into SVG the pages not seen before.
fn layout(settings: &Settings, inputs: &Fingerprint, cache: &mut Cache) -> Result<Vec<Pagina>, Error> {
    let mut t = Timings::default();
    // The workbooks are read again only when they (or the configuration) changed: a text's save
    // reuses the scores.
    let key: Fingerprint = inputs.iter().filter(|f| !is_text(settings, &f.0)).cloned().collect();
    let scored = match cache.scored.take() {
        Some((k, scored)) if k == key => scored,
        _ => pipeline::score(Config::load(&settings.config)?, &settings.data, &settings.options, &mut t)?,
    };
    let draft = pipeline::draft(scored, &settings.data, &settings.options, &mut t)?;
    let files = pipeline::images(&draft.rendered.images)?;
    let limits = crate::typeset::Limits::for_nodes(pipeline::node_count(&draft.scored));
    // The whole Relazione on one scroll, as one part.
    let whole = crate::parti::whole(&draft.rendered.source, &pipeline::pdf_name(&draft.scored.config));
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
    let compiled = crate::typeset::compile(main, files, date, limits)?;
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

/// Accepts connections, one thread each (a browser opens a handful).
fn serve(listener: TcpListener, addr: SocketAddr, shared: Arc<Condiviso>) {
    for stream in listener.incoming().flatten() {
        let shared = shared.clone();
        std::thread::spawn(move || {
            let _ = answer(stream, addr, &shared);
        });
    }
}

/// A request: its path and query, when it is a GET addressed to this server.
fn read_request(stream: &TcpStream, addr: SocketAddr) -> std::io::Result<Result<String, u16>> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.by_ref().take(8192).read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("").to_string());
    let mut host_ok = false;
    let names = [format!("127.0.0.1:{}", addr.port()), format!("localhost:{}", addr.port())];
    for _ in 0..100 {
        let mut header = String::new();
        if reader.by_ref().take(8192).read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("host")
        {
            host_ok = names.iter().any(|n| n.eq_ignore_ascii_case(value.trim()));
        }
    }
    Ok(match (method, host_ok) {
        ("GET", true) => Ok(target),
        ("GET", false) => Err(403),
        _ => Err(405),
    })
}

fn answer(stream: TcpStream, addr: SocketAddr, shared: &Condiviso) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let target = match read_request(&stream, addr)? {
        Ok(t) => t,
        Err(code) => {
            return respond(&stream, code, "text/plain; charset=utf-8", b"richiesta rifiutata", false);
        }
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    match path {
        "/" => respond(&stream, 200, "text/html; charset=utf-8", VIEWER.as_bytes(), false),
        "/stato" => {
            let after: u64 = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("dopo="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let body = state_after(shared, after);
            respond(&stream, 200, "application/json", body.as_bytes(), false)
        }
        _ => {
            let svg = path.strip_prefix("/pagina/").and_then(|p| p.strip_suffix(".svg")).and_then(|hash| {
                let stato = shared.stato.lock().expect("the preview state is never poisoned");
                stato.pagine.iter().find(|p| p.hash == hash).map(|p| p.svg.clone())
            });
            match svg {
                Some(svg) => respond(&stream, 200, "image/svg+xml", svg.as_bytes(), true),
                None => respond(&stream, 404, "text/plain; charset=utf-8", b"pagina non trovata", false),
            }
        }
    }
}

/// The state as JSON once its generation is past `after` (or after [`LONG_POLL`]).
fn state_after(shared: &Condiviso, after: u64) -> String {
    let stato = shared.stato.lock().expect("the preview state is never poisoned");
    let (stato, _) = shared
        .cambiato
        .wait_timeout_while(stato, LONG_POLL, |s| s.generazione <= after)
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
        403 => "Forbidden",
        404 => "Not Found",
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
