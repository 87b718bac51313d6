//! Why an off-policy evaluation cannot run.

use std::path::PathBuf;

use crate::bandit::PolicySyntaxError;
use crate::scenario::ScenarioError;

/// Why `recolab ope` cannot run; every message names the file, line or flag and the
/// fix.
#[derive(Debug, thiserror::Error)]
pub enum OpeError {
    /// A `--target` does not parse.
    #[error(transparent)]
    Syntax(#[from] PolicySyntaxError),
    /// A target does not validate against the scenario.
    #[error("target `{label}`: {source}")]
    Invalid {
        /// The target as given.
        label: String,
        /// The validation error (field paths under `stack.policy`).
        source: ScenarioError,
    },
    /// The oracle reads the truth: no log can say what it would have done.
    #[error(
        "target `{label}` is the oracle, which reads every arm's true reward before it \
         chooses: a log cannot say what it would have done; fix: evaluate a deployable \
         policy (thompson, epsilon_greedy, ucb1, static, uniform)"
    )]
    OracleTarget {
        /// The target as given.
        label: String,
    },
    /// No target.
    #[error("no target given; fix: pass --target at least once, e.g. --target thompson")]
    NoTarget,
    /// No seeds.
    #[error("--seeds is 0; fix: use at least 1 (20 gives usable bias and coverage figures)")]
    NoSeeds,
    /// The scenario interleaves: a slate is two policies' lists merged, so the
    /// logged reward belongs to no single arm set.
    #[error(
        "experiment `{experiment}` interleaves two stacks in every slate, so a logged \
         reward belongs to no single policy's arm set; fix: log from a scenario without \
         interleaving experiments (A/B experiments are fine)"
    )]
    Interleaved {
        /// The experiment's id.
        experiment: String,
    },
    /// A file of the log cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The report's scenario cannot be read.
    #[error("{}: the log's scenario: {source}", path.display())]
    LogScenario {
        /// The report's `scenario.ron`.
        path: PathBuf,
        /// Why it cannot be used.
        source: ScenarioError,
    },
    /// The log was written by another scenario.
    #[error(
        "{}: the log was written by a scenario whose `{field}` differs from the one given; \
         fix: pass the scenario the log was run with (its report holds it as scenario.ron)",
        log.display()
    )]
    OtherScenario {
        /// The report folder.
        log: PathBuf,
        /// The first field path that differs.
        field: String,
    },
    /// A line of `events.jsonl` is not what this recolab writes.
    #[error("{}:{line}: {problem}; fix: {fix}", path.display())]
    Line {
        /// The event log.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
        /// What to do.
        fix: String,
    },
    /// The log holds no request.
    #[error(
        "{}: the log holds no request; fix: run a scenario whose horizon serves requests",
        path.display()
    )]
    Empty {
        /// The event log.
        path: PathBuf,
    },
}
