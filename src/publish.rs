//! Publish: the run's outputs are written into a staging folder inside `out/` and moved into place
//! only when every one of them is complete, so a failed run leaves the previous report intact.

use crate::error::Error;
use std::path::{Path, PathBuf};

/// Outputs being prepared for `out_dir`.
pub struct Staging {
    dir: PathBuf,
    out_dir: PathBuf,
    files: Vec<String>,
    committed: bool,
}

impl Staging {
    pub fn new(out_dir: &Path) -> Result<Staging, Error> {
        std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
        let dir = out_dir.join(format!(".relazione-in-corso-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Staging { dir, out_dir: out_dir.to_path_buf(), files: Vec::new(), committed: false })
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

    /// Moves every staged output into `out_dir` (each a rename on the same file system).
    pub fn commit(mut self) -> Result<Vec<PathBuf>, Error> {
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
        Ok(done)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
