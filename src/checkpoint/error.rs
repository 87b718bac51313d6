//! Why a checkpoint folder cannot be resumed.

use std::path::PathBuf;

/// Why a checkpoint cannot be written or resumed. Every message names the file, what
/// is wrong with it and the fix.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// No checkpoint in the folder.
    #[error(
        "{}: no checkpoint here ({source}); fix: pass the folder a run wrote with --checkpoint-every-days (it holds checkpoint.bin), or run without --resume",
        path.display()
    )]
    Missing {
        /// The checkpoint file looked for.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a checkpoint, or is damaged.
    #[error(
        "{}: not a readable checkpoint: {reason}; fix: resume from an earlier copy, or rerun the scenario without --resume",
        path.display()
    )]
    Corrupt {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong (field or check).
        reason: String,
    },
    /// Written by a recolab with another checkpoint format.
    #[error(
        "{}: field `format_version` is {found}, and this recolab reads version {expected} (written by recolab {written_by}); fix: resume with the recolab that wrote it, or rerun the scenario without --resume",
        path.display()
    )]
    Version {
        /// The checkpoint file.
        path: PathBuf,
        /// Its format version.
        found: u32,
        /// The version this build reads.
        expected: u32,
        /// The recolab version that wrote it.
        written_by: String,
    },
    /// The scenario (or seed) is not the one the checkpoint was written for.
    #[error(
        "{}: field `scenario_hash` is {saved:016x} (scenario `{saved_name}`, seed {saved_seed}), and the scenario given hashes to {now:016x} (`{now_name}`, seed {now_seed}): it changed since the checkpoint; fix: resume with the scenario file and --seed of the interrupted run (its resolved text must be the same), or rerun without --resume",
        path.display()
    )]
    ScenarioChanged {
        /// The checkpoint file.
        path: PathBuf,
        /// Fingerprint saved.
        saved: u64,
        /// Scenario name saved.
        saved_name: String,
        /// Seed saved.
        saved_seed: u64,
        /// Fingerprint of the scenario given.
        now: u64,
        /// Its name.
        now_name: String,
        /// Its seed.
        now_seed: u64,
    },
    /// A checkpoint could not be written.
    #[error("{}: cannot write the checkpoint: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}
