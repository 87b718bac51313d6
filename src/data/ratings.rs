//! Rating logs: MovieLens 100k `u.data`, MovieLens 1M `ratings.dat`, MovieLens latest
//! `ratings.csv` and plain CSV `user_id,item_id,rating,timestamp`.

use std::path::Path;

use super::error::{DataError, Problems, read_bytes};
use super::records::{Separator, each_record, sniff};

/// One rating as read, ids still as written in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct RatingRow {
    /// The user's id in the file.
    pub user: String,
    /// The item's id in the file.
    pub item: String,
    /// The rating, any finite number (stars, half stars, …).
    pub rating: f64,
    /// Seconds since the Unix epoch (or any monotone clock).
    pub timestamp: i64,
    /// 1-based line in the file.
    pub line: u64,
}

/// Largest magnitude of a rating: ratings are kept as `f32`, whose half steps are
/// exact up to 2^23, and sums of squares of them stay finite.
pub const MAX_RATING: f64 = 1e6;

/// Reads a rating log, recognising its format from the first line.
///
/// | format | separator | header |
/// | --- | --- | --- |
/// | MovieLens 100k `u.data` | tab | none |
/// | MovieLens 1M `ratings.dat` | `::` | none |
/// | MovieLens latest `ratings.csv` | comma | `userId,movieId,rating,timestamp` |
/// | plain CSV | comma | optional `user_id,item_id,rating,timestamp` |
///
/// A first row whose rating is not a number is taken as the header.
///
/// # Errors
///
/// [`DataError::Read`] if the file cannot be read; [`DataError::Malformed`] listing
/// every row with the wrong number of fields, an empty id, a rating that is not a
/// number within ±[`MAX_RATING`] or a timestamp that is not an integer, each with file
/// and line;
/// [`DataError::Empty`] for a file without ratings.
pub fn read_ratings(path: &Path) -> Result<Vec<RatingRow>, DataError> {
    let bytes = read_bytes(path)?;
    let separator = sniff(&bytes);
    let mut out = Vec::with_capacity(bytes.len() / 24);
    let mut problems = Problems::default();
    let shape = match separator {
        Separator::Tab => "user<TAB>item<TAB>rating<TAB>timestamp",
        Separator::DoubleColon => "user::item::rating::timestamp",
        _ => "user_id,item_id,rating,timestamp",
    };
    let mut first = true;
    each_record(&bytes, separator, path, |line, f| {
        if std::mem::take(&mut first) && f.len() >= 3 && f[2].parse::<f64>().is_err() {
            return;
        }
        if f.len() != 4 {
            problems.push(
                line,
                format!("has {} field(s), expected 4", f.len()),
                format!("write each rating as `{shape}`"),
            );
            return;
        }
        if f[0].is_empty() || f[1].is_empty() {
            problems.push(
                line,
                "has an empty user or item id",
                "give every rating a user id and an item id",
            );
            return;
        }
        let rating = match f[2].parse::<f64>() {
            Ok(r) if r.abs() <= MAX_RATING => r,
            Ok(r) if r.is_finite() => {
                problems.push(
                    line,
                    format!("rating {:?} is beyond ±1,000,000", f[2]),
                    "use a rating scale within ±1,000,000 (ratings are kept as 32-bit \
                     floats, exact to a half star only there)",
                );
                return;
            }
            _ => {
                problems.push(
                    line,
                    format!("rating {:?} is not a finite number", f[2]),
                    "write the rating as a number, e.g. 4 or 3.5",
                );
                return;
            }
        };
        let Ok(timestamp) = f[3].parse::<i64>() else {
            problems.push(
                line,
                format!("timestamp {:?} is not an integer", f[3]),
                "write the timestamp as whole seconds since 1970-01-01 (0 if unknown)",
            );
            return;
        };
        out.push(RatingRow {
            user: f[0].to_string(),
            item: f[1].to_string(),
            rating,
            timestamp,
            line,
        });
    })?;
    problems.finish(
        path,
        out,
        "holds no ratings",
        &format!("give one rating per line as `{shape}`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::data::temp_file as write;

    #[test]
    fn reads_u_data_ratings_csv_and_plain_csv() {
        let u_data = write(b"196\t242\t3\t881250949\n186\t302\t3\t891717742\n");
        let rows = read_ratings(u_data.path()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].user.as_str(), rows[0].item.as_str()),
            ("196", "242")
        );
        assert_eq!((rows[1].rating, rows[1].timestamp), (3.0, 891_717_742));

        let latest = write(b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,3.5,9\n");
        let rows = read_ratings(latest.path()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[1].rating, rows[1].line), (3.5, 3));

        let plain = write(b"u1,i9,5,0\n");
        assert_eq!(read_ratings(plain.path()).unwrap()[0].item, "i9");
    }

    #[test]
    fn malformed_rows_are_all_reported_with_file_and_line() {
        let file = write(
            b"user_id,item_id,rating,timestamp\n1,2,4,5\n1,2\n1,3,x,5\n1,4,4,yesterday\n,5,4,1\n",
        );
        let error = read_ratings(file.path()).unwrap_err();
        let DataError::Malformed {
            problems,
            n_problems,
            ..
        } = &error
        else {
            panic!("{error}");
        };
        assert_eq!(*n_problems, 4);
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        let text = error.to_string();
        assert!(text.contains(&format!("{}:line 4: rating \"x\"", file.path().display())));
        assert!(text.contains("fix:"));
    }

    #[test]
    fn a_file_without_ratings_is_an_error() {
        let file = write(b"userId,movieId,rating,timestamp\n");
        assert!(matches!(
            read_ratings(file.path()),
            Err(DataError::Empty { .. })
        ));
    }
}
