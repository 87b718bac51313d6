//! The event log as JSON lines.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::sim::{EVENT_LOG_VERSION, EventSink, RecommendationEvent};

/// Writes `events.jsonl`: a header line `{"format":"recolab-events","version":N}`,
/// then one event per line.
#[derive(Debug)]
pub struct EventLog {
    out: BufWriter<File>,
}

impl EventLog {
    /// Creates the file and writes the header.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file.
    pub fn create(path: &Path) -> Result<Self> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let mut out = BufWriter::new(File::create(path).map_err(io)?);
        writeln!(
            out,
            "{{\"format\":\"recolab-events\",\"version\":{EVENT_LOG_VERSION}}}"
        )
        .map_err(io)?;
        Ok(Self { out })
    }

    /// Continues the file of an interrupted run: cuts it back to its first `bytes`
    /// (what the run's checkpoint saw) and appends after them.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file when it cannot be opened or is shorter than
    /// `bytes` (not the file the checkpoint was written with).
    pub fn resume(path: &Path, bytes: u64) -> Result<Self> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len < bytes {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "holds {len} bytes, and the checkpoint beside it was written after {bytes}; \
                     fix: resume from the checkpoint folder this file was written in, or rerun \
                     without --resume"
                ),
            )));
        }
        file.set_len(bytes).map_err(io)?;
        file.seek(SeekFrom::Start(bytes)).map_err(io)?;
        Ok(Self {
            out: BufWriter::new(file),
        })
    }

    /// Flushes the file.
    ///
    /// # Errors
    ///
    /// The I/O error of the flush.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl EventSink for EventLog {
    fn record(&mut self, event: &RecommendationEvent) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, event)?;
        self.out.write_all(b"\n")
    }

    fn position(&mut self) -> std::io::Result<u64> {
        self.out.flush()?;
        self.out.get_mut().sync_data()?;
        self.out.get_mut().stream_position()
    }
}
