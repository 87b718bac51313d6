//! Errors of reading and validating a scenario.

use std::fmt;
use std::path::PathBuf;

/// Why a scenario could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: cannot read the scenario file: {source}; fix: check the path (`recolab init NAME` writes a starter scenario)", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not UTF-8 text (a binary file, or another encoding).
    #[error("{}: is not a text file (not UTF-8); fix: a scenario is RON text — write one with `recolab init`, see docs/SCENARIOS.md", path.display())]
    NotText {
        /// The file.
        path: PathBuf,
    },
    /// The file is not valid RON for a scenario (syntax, unknown field, wrong type).
    #[error("{}:{line}:{column}: {field_hint}{message}", path.display(), field_hint = field_hint(field))]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// Dotted path of the field being read, when known.
        field: Option<String>,
        /// What RON or serde said, with a hint at the fix where one is known.
        message: String,
    },
    /// The file parsed but its values are out of range or inconsistent.
    #[error("{}: {} problem{} in the scenario:\n{}", path.display(), problems.len(), if problems.len() == 1 { "" } else { "s" }, ProblemList(problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in field order.
        problems: Vec<Problem>,
    },
}

fn field_hint(field: &Option<String>) -> String {
    match field {
        Some(field) => {
            // serde_path_to_error marks a field it had not yet identified with `?`.
            let field = field.trim_end_matches(".?").trim_end_matches('?');
            if field.is_empty() || field == "." {
                String::new()
            } else {
                format!("in `{field}`: ")
            }
        }
        _ => String::new(),
    }
}

/// One out-of-range or inconsistent value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path of the field, e.g. `population.segments.power.share`.
    pub field: String,
    /// What is wrong, including the value found.
    pub problem: String,
    /// What is allowed or how to fix it.
    pub fix: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}; fix: {}", self.field, self.problem, self.fix)
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  - {problem}")?;
        }
        Ok(())
    }
}
