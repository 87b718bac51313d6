//! The crate's error type.

use std::path::PathBuf;

use crate::bandit::state::StateError;
use crate::data::DataError;
use crate::scenario::ScenarioError;

/// Anything that can go wrong in recolab.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario could not be read or is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A rating log, movie file, run, qrels or item file could not be used.
    #[error(transparent)]
    Data(#[from] DataError),
    /// An arm cannot be built (a bad embeddings vector file, an oracle without truth).
    #[error(transparent)]
    Arm(#[from] crate::recommend::ArmBuildError),
    /// A bandit-state file could not be read, upgraded or resumed.
    #[error(transparent)]
    BanditState(#[from] StateError),
    /// A checkpoint could not be written or resumed.
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
    /// A report file or folder could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
