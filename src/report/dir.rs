//! An atomically published report folder.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A report being written: files go to a temporary sibling of the target folder,
/// which [`ReportDir::commit`] renames into place. Dropped without a commit, the
/// temporary folder is removed.
#[derive(Debug)]
pub struct ReportDir {
    tmp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl ReportDir {
    /// Creates the temporary folder beside `target` (creating `target`'s parents).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the folder that could not be created.
    pub fn create(target: &Path) -> Result<Self> {
        let name = target
            .file_name()
            .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|source| Error::Io {
            path: parent.clone(),
            source,
        })?;
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|source| Error::Io {
                path: tmp.clone(),
                source,
            })?;
        }
        fs::create_dir(&tmp).map_err(|source| Error::Io {
            path: tmp.clone(),
            source,
        })?;
        Ok(Self {
            tmp,
            target: target.to_owned(),
            committed: false,
        })
    }

    /// Where a file of the report is written before the commit.
    #[must_use]
    pub fn path(&self, file: &str) -> PathBuf {
        self.tmp.join(file)
    }

    /// An I/O error about `file`, named by its final path.
    #[must_use]
    pub fn io_error(&self, file: &str, source: std::io::Error) -> Error {
        Error::Io {
            path: self.target.join(file),
            source,
        }
    }

    /// Writes one whole file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file.
    pub fn write(&self, file: &str, contents: &[u8]) -> Result<()> {
        fs::write(self.path(file), contents).map_err(|e| self.io_error(file, e))
    }

    /// Moves the finished report into place, replacing an older report there.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the old report cannot be moved aside or the new one renamed.
    pub fn commit(mut self) -> Result<PathBuf> {
        let io = |path: &Path, source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let old = self.tmp.with_extension("old");
        if self.target.exists() {
            if old.exists() {
                fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
            }
            fs::rename(&self.target, &old).map_err(|e| io(&self.target, e))?;
        }
        fs::rename(&self.tmp, &self.target).map_err(|e| io(&self.target, e))?;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for ReportDir {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a leftover temporary folder is harmless and named as such.
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}
