//! Splitting a text file into numbered records of fields.

use std::borrow::Cow;
use std::path::Path;

use super::error::{DataError, Problems};

/// How the fields of a row are separated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Separator {
    /// RFC 4180 CSV: commas, with double-quoted fields that may hold commas.
    Comma,
    /// Tabs, no quoting (MovieLens 100k `u.data`).
    Tab,
    /// Pipes, no quoting (MovieLens 100k `u.item`, whose titles hold quotes).
    Pipe,
    /// Runs of spaces or tabs (TREC runs and qrels).
    Whitespace,
    /// `::` (MovieLens 1M `ratings.dat`, `movies.dat`).
    DoubleColon,
}

/// One non-blank row: its 1-based line and its fields, trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub line: u64,
    pub fields: Vec<String>,
}

/// Decodes a field: UTF-8 when valid, else ISO-8859-1 (MovieLens 100k's `u.item` is
/// Latin-1), so no byte is ever lost or replaced.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s.trim()),
        Err(_) => Cow::Owned(
            bytes
                .iter()
                .map(|&b| char::from(b))
                .collect::<String>()
                .trim()
                .to_owned(),
        ),
    }
}

/// The separator of a file, guessed from its first non-blank line: tabs, `::`, pipes,
/// commas, then whitespace, in that order.
pub(crate) fn sniff(bytes: &[u8]) -> Separator {
    let first = bytes
        .split(|&b| b == b'\n')
        .find(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
        .unwrap_or(&[]);
    if first.contains(&b'\t') {
        Separator::Tab
    } else if first.windows(2).any(|w| w == b"::") {
        Separator::DoubleColon
    } else if first.contains(&b'|') && !first.contains(&b',') {
        Separator::Pipe
    } else if first.contains(&b',') {
        Separator::Comma
    } else {
        Separator::Whitespace
    }
}

/// Splits `bytes` into records; blank lines are not rows and are passed over.
///
/// # Errors
///
/// [`DataError::Malformed`] naming `path` and the line of a row CSV cannot parse.
pub(crate) fn records(
    bytes: &[u8],
    separator: Separator,
    path: &Path,
) -> Result<Vec<Record>, DataError> {
    let mut out = Vec::new();
    each_record(bytes, separator, path, |line, fields| {
        out.push(Record {
            line,
            fields: fields.iter().map(|f| f.to_string()).collect(),
        });
    })?;
    Ok(out)
}

/// [`records`] without building them: `visit(line, fields)` for each non-blank row,
/// in file order, its fields trimmed and borrowed from `bytes` where they are UTF-8
/// (a rating log of 100,000 rows then allocates no string per field).
///
/// # Errors
///
/// As [`records`]; rows visited before the error are the caller's to discard.
pub(crate) fn each_record(
    bytes: &[u8],
    separator: Separator,
    path: &Path,
    mut visit: impl FnMut(u64, &[Cow<'_, str>]),
) -> Result<(), DataError> {
    let mut delimited = |delimiter: u8, quoting: bool| -> Result<(), DataError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .quoting(quoting)
            .from_reader(bytes);
        // csv counts lines without the blank ones it passes over; count from the
        // byte offset instead so every reported line is the editor's line.
        let line_starts: Vec<u64> = std::iter::once(0)
            .chain(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == b'\n')
                    .map(|(i, _)| i as u64 + 1),
            )
            .collect();
        let line_of = |position: Option<&csv::Position>| {
            position.map_or(0, |p| {
                // A record's position can be that of the blank lines before it.
                let mut at = usize::try_from(p.byte()).expect("file fits in memory");
                while bytes.get(at).is_some_and(|&b| b == b'\n' || b == b'\r') {
                    at += 1;
                }
                line_starts.partition_point(|&s| s <= at as u64) as u64
            })
        };
        let mut problems = Problems::default();
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = line_of(record.position());
                    if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                        continue;
                    }
                    let fields: Vec<Cow<'_, str>> = record.iter().map(decode).collect();
                    visit(line, &fields);
                }
                Err(e) => {
                    let line = line_of(e.position());
                    problems.push(
                        line,
                        format!("cannot be parsed as CSV: {e}"),
                        "close every double quote, or quote fields that hold commas",
                    );
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                        break;
                    }
                }
            }
        }
        problems.into_result(path)
    };
    match separator {
        Separator::Comma => delimited(b',', true),
        Separator::Tab => delimited(b'\t', false),
        Separator::Pipe => delimited(b'|', false),
        Separator::Whitespace | Separator::DoubleColon => {
            for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
                let text = decode(raw);
                if text.is_empty() {
                    continue;
                }
                let fields: Vec<Cow<'_, str>> = if separator == Separator::Whitespace {
                    text.split_whitespace().map(Cow::Borrowed).collect()
                } else {
                    text.split("::").map(|f| Cow::Borrowed(f.trim())).collect()
                };
                visit(i as u64 + 1, &fields);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_recognises_each_separator() {
        assert_eq!(sniff(b"1\t2\t5\t88\n"), Separator::Tab);
        assert_eq!(sniff(b"\n1::2::5::88\n"), Separator::DoubleColon);
        assert_eq!(sniff(b"1|Toy Story (1995)|x\n"), Separator::Pipe);
        assert_eq!(
            sniff(b"userId,movieId,rating,timestamp\n"),
            Separator::Comma
        );
        assert_eq!(sniff(b"1 Q0 d1 1 0.5 run\n"), Separator::Whitespace);
    }

    #[test]
    fn quoted_csv_fields_keep_their_commas_and_lines_count_from_one() {
        let text = b"movieId,title,genres\n\n11,\"American President, The (1995)\",Comedy|Drama\n";
        let rows = records(text, Separator::Comma, Path::new("m.csv")).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].fields[1], "American President, The (1995)");
    }

    #[test]
    fn latin1_bytes_survive_decoding() {
        let rows = records(
            b"1|Caf\xe9 (1995)|x\n",
            Separator::Pipe,
            Path::new("u.item"),
        )
        .unwrap();
        assert_eq!(rows[0].fields[1], "Café (1995)");
    }
}
