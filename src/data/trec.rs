//! Lists produced elsewhere and their judgements: TREC run and qrels files, the CSV
//! equivalents, and an item table for beyond-accuracy metrics.

use std::path::Path;

use super::error::{DataError, Problems, read_bytes};
use super::records::{Record, Separator, records, sniff};

/// One recommended item with its score, as read from a run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// The user (TREC: the topic id).
    pub user: String,
    /// The item (TREC: the document number).
    pub item: String,
    /// Higher is better.
    pub score: f64,
    /// 1-based line.
    pub line: u64,
}

/// One judged (user, item) pair.
#[derive(Clone, Debug, PartialEq)]
pub struct QrelRow {
    /// The user (TREC: the topic id).
    pub user: String,
    /// The item (TREC: the document number).
    pub item: String,
    /// The grade; the metrics' threshold decides what is relevant.
    pub relevance: f64,
    /// 1-based line.
    pub line: u64,
}

/// One catalogue item for beyond-accuracy metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRow {
    /// The item id, as in the run.
    pub item: String,
    /// Its popularity: the number of interactions with it.
    pub popularity: u64,
    /// Its genres.
    pub genres: Vec<String>,
    /// 1-based line.
    pub line: u64,
}

fn rows_of(path: &Path) -> Result<(Separator, Vec<Record>), DataError> {
    let bytes = read_bytes(path)?;
    let separator = sniff(&bytes);
    let rows = records(&bytes, separator, path)?;
    Ok((separator, rows))
}

/// Reads a run: TREC format `user Q0 item rank score tag` (whitespace-separated), or
/// CSV `user_id,item_id,score` with an optional header.
///
/// The order of lines and the rank column do not matter: lists are ordered by
/// score, as trec_eval orders them.
///
/// # Errors
///
/// [`DataError::Read`], [`DataError::Malformed`] for rows with the wrong number of
/// fields or a score that is not a finite number (file and line given), and
/// [`DataError::Empty`].
pub fn read_run(path: &Path) -> Result<Vec<RunRow>, DataError> {
    let (separator, rows) = rows_of(path)?;
    let trec = separator != Separator::Comma;
    let (n_fields, shape) = if trec {
        (6, "`user Q0 item rank score tag`")
    } else {
        (3, "`user_id,item_id,score`")
    };
    let mut problems = Problems::default();
    let mut out = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let f = &row.fields;
        let score_field = if trec { 4 } else { 2 };
        if !trec && index == 0 && f.len() == 3 && f[2].parse::<f64>().is_err() {
            continue;
        }
        if f.len() != n_fields {
            problems.push(
                row.line,
                format!("has {} field(s), expected {n_fields}", f.len()),
                format!("write each recommendation as {shape}"),
            );
            continue;
        }
        let item = if trec { &f[2] } else { &f[1] };
        match f[score_field].parse::<f64>() {
            Ok(score) if score.is_finite() => out.push(RunRow {
                user: f[0].clone(),
                item: item.clone(),
                score,
                line: row.line,
            }),
            _ => problems.push(
                row.line,
                format!("score {:?} is not a finite number", f[score_field]),
                "write the score as a number; higher means recommended first",
            ),
        }
    }
    problems.finish(path, out, "holds no recommendations", shape)
}

/// Reads judgements: TREC qrels `user iteration item relevance`
/// (whitespace-separated), or CSV `user_id,item_id,relevance` with an optional
/// header.
///
/// # Errors
///
/// As [`read_run`].
pub fn read_qrels(path: &Path) -> Result<Vec<QrelRow>, DataError> {
    let (separator, rows) = rows_of(path)?;
    let trec = separator != Separator::Comma;
    let (n_fields, shape) = if trec {
        (4, "`user 0 item relevance`")
    } else {
        (3, "`user_id,item_id,relevance`")
    };
    let mut problems = Problems::default();
    let mut out = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let f = &row.fields;
        if !trec && index == 0 && f.len() == 3 && f[2].parse::<f64>().is_err() {
            continue;
        }
        if f.len() != n_fields {
            problems.push(
                row.line,
                format!("has {} field(s), expected {n_fields}", f.len()),
                format!("write each judgement as {shape}"),
            );
            continue;
        }
        let (item, grade) = if trec { (&f[2], &f[3]) } else { (&f[1], &f[2]) };
        match grade.parse::<f64>() {
            Ok(relevance) if relevance.is_finite() => out.push(QrelRow {
                user: f[0].clone(),
                item: item.clone(),
                relevance,
                line: row.line,
            }),
            _ => problems.push(
                row.line,
                format!("relevance {grade:?} is not a finite number"),
                "write the relevance grade as a number (0 = not relevant)",
            ),
        }
    }
    problems.finish(path, out, "holds no judgements", shape)
}

/// Reads an item table: CSV `item_id,popularity,genres` with an optional header,
/// genres separated by `|` (may be empty). The file's items are the catalogue.
///
/// # Errors
///
/// As [`read_run`]; also an item listed twice and a popularity that is not a
/// non-negative integer.
pub fn read_items(path: &Path) -> Result<Vec<ItemRow>, DataError> {
    let (_, rows) = rows_of(path)?;
    let shape = "`item_id,popularity,genres` (genres separated by `|`)";
    let mut problems = Problems::default();
    let mut out: Vec<ItemRow> = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let f = &row.fields;
        if index == 0
            && f.len() >= 2
            && f[1].parse::<u64>().is_err()
            && f[1].parse::<f64>().is_err()
        {
            continue;
        }
        if f.len() != 3 && f.len() != 2 {
            problems.push(
                row.line,
                format!("has {} field(s), expected 3", f.len()),
                format!("write each item as {shape}"),
            );
            continue;
        }
        let Ok(popularity) = f[1].parse::<u64>() else {
            problems.push(
                row.line,
                format!("popularity {:?} is not a non-negative integer", f[1]),
                "write the item's number of interactions",
            );
            continue;
        };
        let genres = f
            .get(2)
            .map(|g| {
                g.split('|')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        out.push(ItemRow {
            item: f[0].clone(),
            popularity,
            genres,
            line: row.line,
        });
    }
    problems.push_duplicates(
        out.iter().map(|i| (i.item.as_str(), i.line)),
        |id, first| format!("item {id:?} was already listed on line {first}"),
        "keep one row per item",
    );
    problems.finish(path, out, "holds no items", shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::data::temp_file as write;

    #[test]
    fn reads_trec_and_csv_runs() {
        let trec = write(b"u1 Q0 i1 1 0.9 sys\nu1 Q0 i2 2 0.5 sys\n");
        let rows = read_run(trec.path()).unwrap();
        assert_eq!((rows[1].item.as_str(), rows[1].score), ("i2", 0.5));
        let csv = write(b"user_id,item_id,score\nu1,i1,3\n");
        assert_eq!(read_run(csv.path()).unwrap()[0].score, 3.0);
    }

    #[test]
    fn reads_trec_and_csv_qrels() {
        let trec = write(b"u1 0 i1 2\nu1 0 i3 0\n");
        let rows = read_qrels(trec.path()).unwrap();
        assert_eq!((rows[0].item.as_str(), rows[0].relevance), ("i1", 2.0));
        let csv = write(b"u1,i1,1\n");
        assert_eq!(read_qrels(csv.path()).unwrap()[0].relevance, 1.0);
    }

    #[test]
    fn reads_items_with_empty_genres() {
        let file = write(b"item_id,popularity,genres\ni1,120,Drama|Comedy\ni2,3,\n");
        let items = read_items(file.path()).unwrap();
        assert_eq!(items[0].genres, ["Drama", "Comedy"]);
        assert!(items[1].genres.is_empty());
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let run = write(b"u1 Q0 i1 1 high sys\nu1 Q0 i2\n");
        let text = read_run(run.path()).unwrap_err().to_string();
        assert!(text.contains("line 1: score \"high\""), "{text}");
        assert!(
            text.contains("line 2: has 3 field(s), expected 6"),
            "{text}"
        );
        let items = write(b"i1,-3,Drama\ni1,4,Drama\n");
        let text = read_items(items.path()).unwrap_err().to_string();
        assert!(text.contains("line 1: popularity \"-3\""), "{text}");
    }
}
