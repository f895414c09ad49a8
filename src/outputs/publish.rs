//! Publish: the run's outputs are written into a staging folder inside `out/` and moved into place
//! only when every one of them is complete, so a failed run leaves the previous report intact.
//! Before anything is replaced, every destination is checked (a folder where a file goes, or the
//! reverse, stops the run with nothing replaced); a staging folder left by a killed run is removed
//! by the next one.

use crate::error::Error;
use std::path::{Path, PathBuf};

/// Outputs being prepared for `out_dir`.
pub struct Staging {
    dir: PathBuf,
    out_dir: PathBuf,
    files: Vec<String>,
    /// Beginnings of top-level file names that only this run writes (the Relazione's parts).
    owned: Vec<String>,
    committed: bool,
}

impl Staging {
    pub fn new(out_dir: &Path) -> Result<Staging, Error> {
        std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
        remove_leftovers(out_dir);
        let dir = out_dir.join(format!("{PREFIX}{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Staging {
            dir,
            out_dir: out_dir.to_path_buf(),
            files: Vec::new(),
            owned: Vec::new(),
            committed: false,
        })
    }

    /// Writes one output (a relative path, e.g. `opendata/indicatori.csv`) into the staging folder.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        self.files.push(name.to_string());
        Ok(())
    }

    /// Copies an output already staged (`original`) to another name (`name`).
    pub fn copy(&mut self, name: &str, original: &str) -> Result<(), Error> {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::copy(self.dir.join(original), &path).map_err(|e| Error::io(&path, e))?;
        self.files.push(name.to_string());
        Ok(())
    }

    /// Top-level files whose name begins with `prefix` are this run's alone: one it did not write
    /// is removed on commit (a Relazione published in 18 parts, then in 1: the other 17 go).
    pub fn owns_files_starting_with(&mut self, prefix: &str) {
        self.owned.push(prefix.to_string());
    }

    /// Moves every staged output into `out_dir` (each a rename on the same file system), after
    /// checking that every one can go in place.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, Error> {
        for name in &self.files {
            self.check_destination(name)?;
        }
        let mut done = Vec::new();
        for name in &self.files {
            let target = self.out_dir.join(name);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            std::fs::rename(self.dir.join(name), &target).map_err(|e| Error::io(&target, e))?;
            done.push(target);
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&self.dir);
        self.remove_stale();
        Ok(done)
    }

    /// The folders a run writes whole (`opendata/`, `sito/`) and the top-level files it owns (the
    /// Relazione's parts) hold only this run's files: a page of an objective no longer in the plan,
    /// or a part of a Relazione now shorter, must not stay published beside the new ones.
    fn remove_stale(&self) {
        if let Ok(entries) = std::fs::read_dir(&self.out_dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let owned = self.owned.iter().any(|p| name.starts_with(p.as_str()));
                if owned && e.path().is_file() && !self.files.contains(&name) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let folders: std::collections::BTreeSet<&str> =
            self.files.iter().filter_map(|n| n.split_once('/').map(|(d, _)| d)).collect();
        for folder in folders {
            let root = self.out_dir.join(folder);
            if std::fs::symlink_metadata(&root).is_ok_and(|m| m.file_type().is_symlink()) {
                continue;
            }
            for e in walkdir::WalkDir::new(root).follow_root_links(false).into_iter().flatten() {
                let Ok(rel) = e.path().strip_prefix(&self.out_dir) else { continue };
                let rel = rel.to_string_lossy();
                if e.file_type().is_file() && !self.files.iter().any(|f| *f == rel) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}

impl Staging {
    /// A file's destination must be a file or nothing, and every folder on its way a folder: never a
    /// symbolic link, which publishing would follow out of `out/` (writing, and removing stale
    /// files, wherever it points).
    fn check_destination(&self, name: &str) -> Result<(), Error> {
        let target = self.out_dir.join(name);
        let mut folder = target.parent();
        while let Some(f) = folder {
            if f == self.out_dir {
                break;
            }
            match std::fs::symlink_metadata(f) {
                Ok(m) if m.file_type().is_symlink() => return Err(refused(f, LINK)),
                Ok(m) if !m.is_dir() => return Err(refused(f, "esiste e non è una cartella")),
                _ => {}
            }
            folder = f.parent();
        }
        match std::fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => Err(refused(&target, LINK)),
            Ok(m) if !m.is_file() => Err(refused(&target, "esiste e non è un file")),
            _ => Ok(()),
        }
    }
}

/// Why a link inside `out/` stops publishing.
const LINK: &str = "è un collegamento simbolico: la pubblicazione non segue collegamenti dentro la cartella di uscita \
                    (toglierlo; sarà creata una cartella vera)";

fn refused(path: &Path, why: &str) -> Error {
    Error::Output(format!(
        "{}: {why}: la pubblicazione non è iniziata, nessun file di out/ è stato sostituito",
        path.display()
    ))
}

/// Name of the staging folders, followed by the process id.
const PREFIX: &str = ".relazione-in-corso-";

/// Removes staging folders of runs that are no longer running (killed before they could clean).
fn remove_leftovers(out_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(out_dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(PREFIX).and_then(|p| p.parse::<u32>().ok()) else { continue };
        let alive = pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
