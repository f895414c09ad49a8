//! The fingerprint of a run's inputs: SHA-256 over every file of the data folder (workbooks,
//! texts, images, `decisioni.yaml`, `verifiche.yaml`, the plan) and the configuration, each with
//! its path relative to the folder, in path order. The OIV's working papers print it, so that the
//! version the OIV examined can be told from a later build: same inputs, same fingerprint.
//!
//! SHA-256 is written here (FIPS 180-4) rather than taken from a crate: the project keeps its
//! dependencies to the design card, and the function is small and tested on the standard's
//! vectors.

use crate::error::Error;
use std::path::Path;

/// The inputs' fingerprint: the hex digest and how many files went into it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Impronta {
    pub sha256: String,
    pub file: usize,
}

/// What a file may be for the run to read it: a workbook, a text or YAML file, an image.
fn is_input(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_lowercase().as_str(),
            "xlsx" | "xlsm" | "xls" | "ods" | "md" | "yaml" | "yml" | "png" | "jpg" | "jpeg" | "svg" | "json"
        )
    })
}

/// The bytes read into the fingerprint, over all files: beyond, a file counts by its name and
/// length (a hostile folder of huge files costs seconds, not minutes; every input the run reads
/// is far smaller, each bounded by its own reader).
pub const MAX_HASHED_BYTES: u64 = 256 << 20;

/// Fingerprints the configuration and every file under the data folder the run can read
/// (workbooks, texts, YAML, images; hidden files, links and Office lock files excluded, as
/// reading excludes them), streaming.
pub fn impronta(config: &Path, data_dir: &Path, elsewhere: Option<&Path>) -> Result<Impronta, Error> {
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    let walker = walkdir::WalkDir::new(data_dir)
        .follow_links(false)
        .max_depth(crate::inputs::ingest::MAX_DEPTH)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker.flatten() {
        let name = entry.file_name().to_string_lossy();
        if !entry.file_type().is_file() || name.starts_with("~$") || !is_input(entry.path()) {
            continue;
        }
        let rel = entry.path().strip_prefix(data_dir).unwrap_or(entry.path());
        files.push((rel.to_string_lossy().replace('\\', "/"), entry.path().to_path_buf()));
    }
    files.sort();
    // An input named by the configuration outside the data folder (last year's results).
    if let Some(p) = elsewhere.filter(|p| !p.starts_with(data_dir) && p.is_file()) {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        files.push((format!("anno_precedente: {name}"), p.to_path_buf()));
    }
    let mut h = Sha256::new();
    let mut budget = MAX_HASHED_BYTES;
    feed(&mut h, "relazione.yaml (configurazione)", config, &mut budget)?;
    for (rel, path) in &files {
        feed(&mut h, rel, path, &mut budget)?;
    }
    Ok(Impronta { sha256: hex(&h.finish()), file: files.len() + 1 })
}

/// A file into the digest: its name and length first, so that no two sets of files give the
/// same stream; then its bytes, read in blocks, while the budget lasts.
fn feed(h: &mut Sha256, name: &str, path: &Path, budget: &mut u64) -> Result<(), Error> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    h.update(&(name.len() as u64).to_be_bytes());
    h.update(name.as_bytes());
    h.update(&len.to_be_bytes());
    if len > *budget {
        return Ok(());
    }
    *budget -= len;
    let mut block = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = file.read(&mut block).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        let n = n.min(left as usize);
        h.update(&block[..n]);
        left -= n as u64;
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 (FIPS 180-4), streaming.
pub struct Sha256 {
    state: [u32; 8],
    buffer: Vec<u8>,
    length: u64,
}

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    pub fn new() -> Self {
        Sha256 {
            state: [
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
                0x5be0cd19,
            ],
            buffer: Vec::with_capacity(64),
            length: 0,
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.length = self.length.wrapping_add(data.len() as u64);
        if !self.buffer.is_empty() {
            let take = (64 - self.buffer.len()).min(data.len());
            self.buffer.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buffer.len() == 64 {
                let block: [u8; 64] = self.buffer[..].try_into().expect("64 bytes");
                self.compress(&block);
                self.buffer.clear();
            }
        }
        let mut chunks = data.chunks_exact(64);
        for block in &mut chunks {
            self.compress(block.try_into().expect("64 bytes"));
        }
        self.buffer.extend_from_slice(chunks.remainder());
    }

    pub fn finish(mut self) -> [u8; 32] {
        let bits = self.length.wrapping_mul(8);
        let mut tail = std::mem::take(&mut self.buffer);
        tail.push(0x80);
        while tail.len() % 64 != 56 {
            tail.push(0);
        }
        tail.extend_from_slice(&bits.to_be_bytes());
        for block in tail.chunks_exact(64) {
            self.compress(block.try_into().expect("64 bytes"));
        }
        let mut out = [0u8; 32];
        for (i, word) in self.state.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    fn compress(&mut self, block: &[u8; 64]) {
        let mut w = [0u32; 64];
        for (i, chunk) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes(chunk.try_into().expect("4 bytes"));
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = self.state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = h.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            h = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (s, v) in self.state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *s = s.wrapping_add(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(parts: &[&[u8]]) -> String {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p);
        }
        hex(&h.finish())
    }

    #[test]
    fn the_standards_vectors() {
        assert_eq!(digest(&[b""]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(digest(&[b"abc"]), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(digest(&[long]), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        // Fed in pieces that straddle the 64-byte blocks, the same digest.
        let three = long.repeat(3);
        assert_eq!(digest(&[&three[..3], &three[3..70], &three[70..130], &three[130..]]), digest(&[&three]));
        let million = vec![b'a'; 1_000_000];
        assert_eq!(digest(&[&million]), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
}
