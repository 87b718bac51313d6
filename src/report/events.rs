//! The event log as JSON lines.

use std::fs::File;
use std::io::{BufWriter, Write};
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
}
