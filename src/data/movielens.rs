//! Movie files: MovieLens 100k `u.item`, MovieLens 1M `movies.dat` and MovieLens
//! latest `movies.csv` (also any CSV `item_id,title,genres` with `|`-separated genres).

use std::path::Path;

use super::error::{DataError, Problems, read_bytes};
use super::records::{Separator, records, sniff};

/// The 19 genre flags of MovieLens 100k's `u.item`, in column order (`u.genre`).
pub const ML100K_GENRES: [&str; 19] = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

/// What MovieLens latest writes for a movie without genres.
const NO_GENRES: &str = "(no genres listed)";

/// One movie as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovieRow {
    /// The item's id in the file (matches the rating log's item ids).
    pub item: String,
    /// Its title.
    pub title: String,
    /// Its genres, as named in the file, in file order.
    pub genres: Vec<String>,
    /// 1-based line in the file.
    pub line: u64,
}

/// Reads a movie file, recognising its format from the first line.
///
/// | format | separator | fields |
/// | --- | --- | --- |
/// | MovieLens 100k `u.item` (Latin-1) | `\|` | id, title, dates, URL, 19 genre flags |
/// | MovieLens 1M `movies.dat` | `::` | id, title, `\|`-separated genres |
/// | MovieLens latest `movies.csv` | comma | `movieId,title,genres`, header |
///
/// # Errors
///
/// [`DataError::Read`], [`DataError::Malformed`] (wrong field count, empty id, a genre
/// flag other than 0 or 1, an id given twice) with file and line, and
/// [`DataError::Empty`] for a file without movies.
pub fn read_movies(path: &Path) -> Result<Vec<MovieRow>, DataError> {
    let bytes = read_bytes(path)?;
    let separator = sniff(&bytes);
    let rows = records(&bytes, separator, path)?;
    let mut problems = Problems::default();
    let mut out: Vec<MovieRow> = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let f = &row.fields;
        let parsed = if separator == Separator::Pipe {
            if f.len() != 5 + ML100K_GENRES.len() {
                problems.push(
                    row.line,
                    format!("has {} field(s), expected 24", f.len()),
                    "use MovieLens 100k's u.item layout: id|title|release|video release|URL|19 genre flags",
                );
                continue;
            }
            let mut genres = Vec::new();
            let mut bad_flag = None;
            for (flag, name) in f[5..].iter().zip(ML100K_GENRES) {
                match flag.as_str() {
                    "1" => genres.push(name.to_owned()),
                    "0" => {}
                    other => bad_flag = Some(other.to_owned()),
                }
            }
            if let Some(flag) = bad_flag {
                problems.push(
                    row.line,
                    format!("genre flag {flag:?} is neither 0 nor 1"),
                    "write each of the 19 genre flags as 0 or 1",
                );
                continue;
            }
            (f[0].clone(), f[1].clone(), genres)
        } else {
            if index == 0
                && f.first()
                    .is_some_and(|id| id.eq_ignore_ascii_case("movieId"))
            {
                continue;
            }
            if f.len() != 3 {
                problems.push(
                    row.line,
                    format!("has {} field(s), expected 3", f.len()),
                    "write each movie as `movieId,title,genres` with genres separated by `|` (quote titles holding commas)",
                );
                continue;
            }
            let genres = if f[2] == NO_GENRES || f[2].is_empty() {
                Vec::new()
            } else {
                f[2].split('|').map(|g| g.trim().to_owned()).collect()
            };
            (f[0].clone(), f[1].clone(), genres)
        };
        let (item, title, genres) = parsed;
        if item.is_empty() {
            problems.push(row.line, "has an empty movie id", "give every movie an id");
            continue;
        }
        out.push(MovieRow {
            item,
            title,
            genres,
            line: row.line,
        });
    }
    problems.push_duplicates(
        out.iter().map(|m| (m.item.as_str(), m.line)),
        |id, first| format!("movie id {id:?} was already given on line {first}"),
        "keep one row per movie id",
    );
    problems.finish(
        path,
        out,
        "holds no movies",
        "give one movie per line, e.g. `movieId,title,genres`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::data::temp_file as write;

    #[test]
    fn reads_u_item_with_genre_flags() {
        let file = write(
            b"1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
        );
        let movies = read_movies(file.path()).unwrap();
        assert_eq!(movies[0].title, "Toy Story (1995)");
        assert_eq!(movies[0].genres, ["Animation", "Children's", "Comedy"]);
    }

    #[test]
    fn reads_movies_csv_with_quoted_titles_and_no_genres() {
        let file = write(
            b"movieId,title,genres\n11,\"American President, The (1995)\",Comedy|Drama|Romance\n99,Nothing,(no genres listed)\n",
        );
        let movies = read_movies(file.path()).unwrap();
        assert_eq!(movies[0].genres, ["Comedy", "Drama", "Romance"]);
        assert!(movies[1].genres.is_empty());
    }

    #[test]
    fn duplicate_ids_and_bad_rows_are_reported() {
        let file = write(b"movieId,title,genres\n1,A,Drama\n1,B,Drama\n2,C\n");
        let text = read_movies(file.path()).unwrap_err().to_string();
        assert!(text.contains("2 malformed rows"), "{text}");
        assert!(text.contains("line 3: movie id \"1\" was already given on line 2"));
        assert!(text.contains("line 4: has 2 field(s), expected 3"));
    }
}
