//! Real rating data: readers for MovieLens and CSV logs, TREC runs and judgements,
//! and the [`Dataset`] that turns a log into a catalogue, a population and an
//! interaction log the arms can train on; [`log_shape`] measures a log's shape
//! (popularity skew, activity, star scale) to compare generated logs with real ones.
//!
//! Every reader refuses a file with malformed rows and names each one by file and
//! line with the fix ([`DataError`]); nothing is skipped silently.

mod dataset;
mod error;
mod log_shape;
mod movielens;
mod ratings;
mod records;
mod tags;
mod trec;

pub use dataset::{Dataset, SHORT_HEAD_SHARE, SegmentThresholds, short_head_min_votes};
pub use error::{DataError, MAX_LISTED_PROBLEMS, Problems, RowProblem};
pub use log_shape::{
    ITEM_HEAD_SHARE, LogShape, Quantiles, SPEARMAN_MIN_RATINGS, StarCount, log_shape,
};
pub use movielens::{ML100K_GENRES, MOVIES_CSV_COLUMNS, MovieRow, read_movies};
pub use ratings::{MAX_RATING, RatingRow, read_ratings};
pub use tags::{TagRow, read_tags};
pub use trec::{ItemRow, QrelRow, RunRow, read_items, read_qrels, read_run};

/// A temporary file holding `bytes`, for the readers' tests.
#[cfg(test)]
fn temp_file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), bytes).expect("writable");
    file
}
