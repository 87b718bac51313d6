//! Errors of reading rating logs, movie files, runs, judgements and item tables.

use std::fmt;
use std::path::PathBuf;

/// At most this many malformed rows are listed in one error; the rest are counted.
pub const MAX_LISTED_PROBLEMS: usize = 10;

/// One malformed row of an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based line of the row in its file.
    pub line: u64,
    /// What is wrong, with the offending value.
    pub problem: String,
    /// How to fix it.
    pub fix: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}; fix: {}", self.line, self.problem, self.fix)
    }
}

/// Why an input file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}; fix: check the path and that the file is readable", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Rows of the file are malformed; nothing is skipped silently, so the whole
    /// file is refused.
    #[error("{}: {n_problems} malformed row{}:\n{}", path.display(), if *n_problems == 1 { "" } else { "s" }, ProblemList { problems, n_problems: *n_problems, path })]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The first [`MAX_LISTED_PROBLEMS`] problems, in line order.
        problems: Vec<RowProblem>,
        /// How many rows are malformed in all.
        n_problems: usize,
    },
    /// The file holds no data rows.
    #[error("{}: {what}; fix: {fix}", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
        /// What is missing.
        what: String,
        /// How to fix it.
        fix: String,
    },
}

struct ProblemList<'a> {
    problems: &'a [RowProblem],
    n_problems: usize,
    path: &'a PathBuf,
}

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  - {}:{}", self.path.display(), problem)?;
        }
        let rest = self.n_problems - self.problems.len();
        if rest > 0 {
            write!(f, "\n  … and {rest} more")?;
        }
        Ok(())
    }
}

/// Collects row problems while a file is read or checked.
#[derive(Debug, Default)]
pub struct Problems {
    listed: Vec<RowProblem>,
    n: usize,
}

impl Problems {
    /// Records a malformed row.
    pub fn push(&mut self, line: u64, problem: impl Into<String>, fix: impl Into<String>) {
        self.n += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.push(RowProblem {
                line,
                problem: problem.into(),
                fix: fix.into(),
            });
        }
    }

    /// Records every id given on more than one row, naming the repeat's line and the
    /// first; `describe(id, first_line)` words the problem.
    pub fn push_duplicates<'a>(
        &mut self,
        ids: impl IntoIterator<Item = (&'a str, u64)>,
        describe: impl Fn(&str, u64) -> String,
        fix: &str,
    ) {
        let mut ids: Vec<(&str, u64)> = ids.into_iter().collect();
        ids.sort_unstable();
        for pair in ids.windows(2) {
            if pair[0].0 == pair[1].0 {
                self.push(pair[1].1, describe(pair[1].0, pair[0].1), fix);
            }
        }
    }

    /// Ends a reader of `path`: the problems if there were any, else `rows`, or
    /// [`DataError::Empty`] (with `what` and `fix`) if there are none.
    pub(crate) fn finish<T>(
        self,
        path: &std::path::Path,
        rows: Vec<T>,
        what: &str,
        fix: &str,
    ) -> Result<Vec<T>, DataError> {
        self.into_result(path)?;
        if rows.is_empty() {
            return Err(DataError::empty(path, what, fix));
        }
        Ok(rows)
    }

    /// `Ok(())` when no row was malformed, else [`DataError::Malformed`] naming `path`.
    ///
    /// # Errors
    ///
    /// As described.
    pub fn into_result(self, path: &std::path::Path) -> Result<(), DataError> {
        if self.n == 0 {
            Ok(())
        } else {
            Err(DataError::Malformed {
                path: path.to_owned(),
                problems: self.listed,
                n_problems: self.n,
            })
        }
    }
}

impl DataError {
    /// A file that parsed but holds no rows of what it should hold.
    pub(crate) fn empty(path: &std::path::Path, what: &str, fix: &str) -> Self {
        DataError::Empty {
            path: path.to_owned(),
            what: what.into(),
            fix: fix.into(),
        }
    }
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read_bytes(path: &std::path::Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|source| DataError::Read {
        path: path.to_owned(),
        source,
    })
}
