//! The checkpoint file: a versioned header, then the replay's state.
//!
//! Layout: the 8 magic bytes `RCLBCKPT`, then a [postcard] header ([`Header`]:
//! format version, recolab version, scenario name, seed and fingerprint, the day,
//! the cadence, the event log's length, and the length and XXH3-64 hash of the
//! state), then the state's postcard bytes. The header is read and checked before
//! the state is decoded, so a checkpoint of another format version or scenario is
//! refused with its reason, and a damaged one by its hash. postcard writes integers
//! as varints and floats as their exact bits: a state read back is the state saved.
//!
//! A checkpoint is written to `checkpoint.bin.tmp` and renamed over `checkpoint.bin`
//! only when complete, so a run killed while writing leaves the previous checkpoint.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::scenario::Scenario;
use crate::sim::{Boundary, ReplayState};

use super::CheckpointError;

/// The checkpoint file in a checkpoint folder.
pub const CHECKPOINT_FILE: &str = "checkpoint.bin";

/// Version of the checkpoint layout (header and state). A change of any type in the
/// saved state changes the bytes postcard expects: bump it then.
pub const CHECKPOINT_FORMAT_VERSION: u32 = 3;

const MAGIC: &[u8; 8] = b"RCLBCKPT";

/// What a checkpoint says about itself, before its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    format_version: u32,
    recolab_version: String,
    scenario: String,
    seed: u64,
    scenario_hash: u64,
    day: u32,
    every_days: u32,
    events_bytes: u64,
    state_len: u64,
    state_hash: u64,
}

/// One checkpoint written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Written {
    /// Simulated days completed at it.
    pub day: u32,
    /// Size of the file.
    pub bytes: u64,
    /// Wall-clock seconds taken to encode and write it.
    pub secs: f64,
}

/// XXH3-64 of the resolved scenario (defaults filled in, seed included): a resumed
/// run must be of the same scenario to give the same report.
#[must_use]
pub fn scenario_fingerprint(scenario: &Scenario) -> u64 {
    xxh3_64(scenario.to_ron().as_bytes())
}

/// Writes the checkpoint of `boundary` into `dir`, atomically.
pub(super) fn write(
    dir: &Path,
    scenario: &Scenario,
    fingerprint: u64,
    every_days: u32,
    boundary: &Boundary<'_>,
) -> std::io::Result<Written> {
    let started = Instant::now();
    let state = postcard::to_stdvec(&boundary.state).map_err(std::io::Error::other)?;
    let header = Header {
        format_version: CHECKPOINT_FORMAT_VERSION,
        recolab_version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario: scenario.name().to_owned(),
        seed: scenario.spec().seed,
        scenario_hash: fingerprint,
        day: boundary.day,
        every_days,
        events_bytes: boundary.events_bytes,
        state_len: state.len() as u64,
        state_hash: xxh3_64(&state),
    };
    let header = postcard::to_stdvec(&header).map_err(std::io::Error::other)?;
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{CHECKPOINT_FILE}.tmp"));
    let mut file = fs::File::create(&tmp)?;
    file.write_all(MAGIC)?;
    file.write_all(&header)?;
    file.write_all(&state)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, dir.join(CHECKPOINT_FILE))?;
    Ok(Written {
        day: boundary.day,
        bytes: (MAGIC.len() + header.len() + state.len()) as u64,
        secs: started.elapsed().as_secs_f64(),
    })
}

/// A checkpoint read back.
#[derive(Debug)]
pub struct Checkpoint {
    /// The checkpoint folder.
    pub dir: PathBuf,
    /// Simulated days completed at it.
    pub day: u32,
    /// The cadence of the run that wrote it.
    pub every_days: u32,
    /// Length of the event log at it.
    pub events_bytes: u64,
    /// The replay's state.
    pub state: ReplayState,
}

impl Checkpoint {
    /// Reads the checkpoint in `dir` and checks it was written for `scenario` by this
    /// checkpoint format.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Missing`], [`CheckpointError::Corrupt`] (not a checkpoint,
    /// truncated, hash mismatch), [`CheckpointError::Version`],
    /// [`CheckpointError::ScenarioChanged`].
    pub fn read(dir: &Path, scenario: &Scenario) -> Result<Self, CheckpointError> {
        let path = dir.join(CHECKPOINT_FILE);
        let bytes = read_file(&path)?;
        let (header, state) = header_of(&path, &bytes)?;
        let corrupt = |reason: String| CheckpointError::Corrupt {
            path: path.clone(),
            reason,
        };
        let now = scenario_fingerprint(scenario);
        if header.scenario_hash != now {
            return Err(CheckpointError::ScenarioChanged {
                path: path.clone(),
                saved: header.scenario_hash,
                saved_name: header.scenario,
                saved_seed: header.seed,
                now,
                now_name: scenario.name().to_owned(),
                now_seed: scenario.spec().seed,
            });
        }
        if state.len() as u64 != header.state_len {
            return Err(corrupt(format!(
                "field `state_len` says {} bytes of state, and {} follow the header (truncated?)",
                header.state_len,
                state.len()
            )));
        }
        if xxh3_64(state) != header.state_hash {
            return Err(corrupt(
                "field `state_hash` does not match the state's bytes (damaged)".into(),
            ));
        }
        let state: ReplayState =
            postcard::from_bytes(state).map_err(|e| corrupt(format!("state: {e}")))?;
        Ok(Self {
            dir: dir.to_owned(),
            day: header.day,
            every_days: header.every_days,
            events_bytes: header.events_bytes,
            state,
        })
    }
}

/// The cadence (`--checkpoint-every-days`) of the run whose checkpoint is in `dir`.
///
/// # Errors
///
/// As [`Checkpoint::read`], but for the scenario check.
pub fn saved_cadence(dir: &Path) -> Result<u32, CheckpointError> {
    let path = dir.join(CHECKPOINT_FILE);
    let bytes = read_file(&path)?;
    header_of(&path, &bytes).map(|(header, _)| header.every_days)
}

fn read_file(path: &Path) -> Result<Vec<u8>, CheckpointError> {
    fs::read(path).map_err(|source| CheckpointError::Missing {
        path: path.to_owned(),
        source,
    })
}

/// The header of a checkpoint file's `bytes`, and the state's bytes after it.
fn header_of<'b>(path: &Path, bytes: &'b [u8]) -> Result<(Header, &'b [u8]), CheckpointError> {
    let corrupt = |reason: String| CheckpointError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let Some(rest) = bytes.strip_prefix(MAGIC) else {
        return Err(corrupt(
            "it does not start with the checkpoint magic bytes `RCLBCKPT`".into(),
        ));
    };
    // The version comes first in every format: read it alone, so that a header of
    // another layout is reported as another version, not as damage.
    let (found, _) = postcard::take_from_bytes::<u32>(rest)
        .map_err(|e| corrupt(format!("field `format_version`: {e}")))?;
    if found != CHECKPOINT_FORMAT_VERSION {
        let written_by = postcard::take_from_bytes::<(u32, String)>(rest)
            .map_or_else(|_| "?".to_owned(), |((_, v), _)| v);
        return Err(CheckpointError::Version {
            path: path.to_owned(),
            found,
            expected: CHECKPOINT_FORMAT_VERSION,
            written_by,
        });
    }
    postcard::take_from_bytes::<Header>(rest).map_err(|e| corrupt(format!("header: {e}")))
}
