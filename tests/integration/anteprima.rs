//! `relazione anteprima`: the live preview, driven as a browser would (HTTP on loopback) while a
//! text is saved, then broken.

use crate::common::{manifest, modena_data};
use serde_json::Value;
use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// The preview's process, stopped when the test ends (also when it fails).
struct Preview(Child);

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A GET to the preview with the given `Host` header: (status code, body).
fn get(port: u16, path: &str, host: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let code = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, raw[split + 4..].to_vec())
}

/// The state past generation `after`. The server answers after at most 20 s even without a new
/// generation; on a machine busy with the other tests a rebuild can take longer, so ask again
/// (up to 3 minutes).
fn state(port: u16, after: u64) -> Value {
    for _ in 0..9 {
        let (code, body) = get(port, &format!("/stato?dopo={after}"), &format!("127.0.0.1:{port}"));
        assert_eq!(code, 200);
        let s: Value = serde_json::from_slice(&body).unwrap();
        if s["generazione"].as_u64().unwrap() > after {
            return s;
        }
    }
    panic!("no new generation after {after} in 3 minutes");
}

fn hashes(s: &Value) -> Vec<String> {
    s["pagine"].as_array().unwrap().iter().map(|p| p["hash"].as_str().unwrap().to_string()).collect()
}

/// The preview lays out the Relazione, serves its pages, and after a save sends again only the
/// pages that changed (the cover keeps its address), pointing at the first; a text that fails
/// shows the error in Italian, naming the file, and keeps the last good pages.
#[test]
fn the_preview_follows_the_texts_as_they_are_saved() {
    let dir = modena_data("anteprima");
    let data = dir.join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_relazione"))
        .args(["anteprima", "--porta", "0", "--data"])
        .arg(&data)
        .arg("--config")
        .arg(manifest().join("relazione.yaml"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _preview = Preview(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut said = Vec::new();
    let port: u16 = loop {
        let line = rx.recv_timeout(std::time::Duration::from_secs(120)).expect("the preview starts");
        said.push(line.clone());
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    assert!(said.iter().any(|l| l.contains("Anteprima impaginata alle")), "{said:?}");

    let first = state(port, 0);
    assert_eq!(first["errore"], Value::Null, "{first}");
    let pages = hashes(&first);
    assert!(pages.len() > 30, "{first}");
    let (code, html) = get(port, "/", &format!("localhost:{port}"));
    assert_eq!(code, 200);
    assert!(String::from_utf8_lossy(&html).contains("Anteprima della Relazione"));
    let (code, svg) = get(port, &format!("/pagina/{}.svg", pages[0]), &format!("127.0.0.1:{port}"));
    assert_eq!(code, 200);
    assert!(svg.starts_with(b"<svg"), "{}", String::from_utf8_lossy(&svg[..100.min(svg.len())]));
    // Another site's page cannot read the preview through a name that points here.
    assert_eq!(get(port, "/stato", &format!("attacker.example:{port}")).0, 403);

    let generation = first["generazione"].as_u64().unwrap();
    let text = data.join("testi/processo.md");
    let mut body = std::fs::read_to_string(&text).unwrap();
    body.push_str("\nUn paragrafo nuovo, scritto mentre l'anteprima era aperta.\n");
    std::fs::write(&text, &body).unwrap();
    let second = state(port, generation);
    assert_eq!(second["errore"], Value::Null, "{second}");
    let now = hashes(&second);
    let first_changed = second["primo_cambiato"].as_u64().expect("a page changed") as usize;
    assert!(first_changed > 0 && now[first_changed] != pages[first_changed], "{second}");
    assert_eq!(now[..first_changed], pages[..first_changed], "the pages before the edit are not sent again");

    body.push_str("\nTesto con <b>HTML</b> grezzo.\n");
    std::fs::write(&text, &body).unwrap();
    let third = state(port, second["generazione"].as_u64().unwrap());
    let error = third["errore"].as_str().expect("the error is shown");
    assert!(error.contains("processo.md"), "{error}");
    assert_eq!(hashes(&third), now, "the last good pages stay");
}

/// Starts the preview on a data folder and returns it with its port.
fn start(data: &std::path::Path, config: &std::path::Path) -> (Preview, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relazione"))
        .args(["anteprima", "--porta", "0", "--data"])
        .arg(data)
        .arg("--config")
        .arg(config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let preview = Preview(child);
    let mut lines = std::io::BufReader::new(stderr).lines();
    let port = loop {
        let line = lines.next().expect("the preview starts").unwrap();
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    // Keep reading what it says, so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (preview, port)
}

/// Two thousand connections that send nothing, or a byte now and then, hold no thread: the viewer
/// is still answered at once, a request with two `Host` headers is refused, and the server is
/// still there when they are gone.
#[test]
fn the_preview_stays_responsive_under_two_thousand_idle_connections() {
    let dir = crate::common::albero_dir("anteprima-carico", &crate::common::albero_rows());
    let cfg = crate::common::config(&dir, "");
    let (_preview, port) = start(&dir, &cfg);
    let host = format!("127.0.0.1:{port}");
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET / HTTP/1.1\r\nHost: {host}\r\nHost: attacker.example\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 400 "), "{raw}");
    let mut idle = Vec::new();
    for k in 0..2_000 {
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        if k % 10 == 0 {
            // A slow client: half a request line, and nothing more.
            let _ = c.write_all(b"GET / HT");
        }
        idle.push(c);
    }
    let started = std::time::Instant::now();
    let (code, html) = get(port, "/", &host);
    let waited = started.elapsed();
    assert_eq!(code, 200);
    assert!(String::from_utf8_lossy(&html).contains("Anteprima della Relazione"));
    // A safety bound of a hostile input (2.000 idle or half-sent connections), not a speed
    // measure: the page comes in milliseconds when the server does not wait behind them.
    assert!(waited.as_secs_f64() < 5.0, "the viewer waited {waited:?} behind idle connections");
    let (code, _) = get(port, "/stato?dopo=0", &host);
    assert_eq!(code, 200);
    drop(idle);
    assert_eq!(get(port, "/", &host).0, 200);
}
