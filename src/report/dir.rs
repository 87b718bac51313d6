//! An atomically published report folder, and one atomically written file.

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
    /// [`Error::Io`] naming the folder that could not be created, or `target` when it
    /// exists and is not a folder (nothing is created then).
    pub fn create(target: &Path) -> Result<Self> {
        if target.exists() && !target.is_dir() {
            return Err(Error::Io {
                path: target.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "is a file, not a report folder; fix: pass another --out, or remove the file",
                ),
            });
        }
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
        if let Err(e) = fs::rename(&self.tmp, &self.target) {
            if old.exists() {
                // Best effort: put the old report back rather than leave it aside.
                let _ = fs::rename(&old, &self.target);
            }
            return Err(io(&self.target, e));
        }
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

/// Writes one file atomically: the bytes go to a temporary sibling that is renamed
/// over `path`, so a reader sees the old file or the whole new one, never a part.
/// Creates `path`'s parent folders.
///
/// # Errors
///
/// [`Error::Io`] naming `path` (the temporary file is removed).
pub fn write_file_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io)?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = fs::write(&tmp, contents).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        // Best effort: the error about `path` is the one worth reporting.
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(io)
}

impl Drop for ReportDir {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a leftover temporary folder is harmless and named as such.
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_folder_over_an_existing_file_is_refused_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("taken");
        fs::write(&target, b"not a folder").unwrap();
        let err = ReportDir::create(&target).unwrap_err().to_string();
        assert!(err.contains("taken") && err.contains("is a file"), "{err}");
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only the file itself remains");
        assert_eq!(fs::read(&target).unwrap(), b"not a folder");
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("shape.json");
        write_file_atomically(&path, b"old").unwrap();
        write_file_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn an_atomic_write_into_a_folder_path_fails_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let error = write_file_atomically(dir.path(), b"x").unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&dir.path().display().to_string())
        );
    }
}
