//! Movie files: MovieLens 100k `u.item`, MovieLens 1M `movies.dat`, MovieLens
//! latest `movies.csv` (also any CSV `item_id,title,genres` with `|`-separated genres)
//! and the `movies.csv` of `recolab world`, which adds language, year, votes and the
//! long-tail and niche flags.

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

/// The columns of a `movies.csv` header: the first three are required, in this
/// order; the rest, written by `recolab world`, may follow in any order.
pub const MOVIES_CSV_COLUMNS: [&str; 9] = [
    "movieId",
    "title",
    "genres",
    "language",
    "year",
    "vote_count",
    "vote_average",
    "long_tail",
    "niche",
];

/// One movie as read. The optional attributes are `None` when the file has no
/// column for them (every MovieLens layout).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MovieRow {
    /// The item's id in the file (matches the rating log's item ids).
    pub item: String,
    /// Its title.
    pub title: String,
    /// Its genres, as named in the file, in file order.
    pub genres: Vec<String>,
    /// Original language (ISO 639-1).
    pub language: Option<String>,
    /// Release year.
    pub year: Option<u16>,
    /// Number of votes (public popularity).
    pub vote_count: Option<u64>,
    /// Mean vote on the 1–10 scale.
    pub vote_average: Option<f64>,
    /// Whether the movie is in the long tail.
    pub long_tail: Option<bool>,
    /// Whether the movie is niche.
    pub niche: Option<bool>,
    /// 1-based line in the file.
    pub line: u64,
}

/// Where each column of a headed `movies.csv` is.
#[derive(Clone, Copy, Debug)]
struct CsvLayout {
    n_fields: usize,
    /// Index into the row of `MOVIES_CSV_COLUMNS[3..]`, when present.
    optional: [Option<usize>; 6],
}

impl CsvLayout {
    /// The three columns of MovieLens latest (and of a file without header).
    const MOVIELENS: Self = Self {
        n_fields: 3,
        optional: [None; 6],
    };

    /// The layout a header names.
    fn of_header(fields: &[String]) -> Result<Self, (String, String)> {
        let fix = || {
            format!(
                "start the header with `movieId,title,genres`, then any of {}",
                MOVIES_CSV_COLUMNS[3..].join(", ")
            )
        };
        let required = &MOVIES_CSV_COLUMNS[..3];
        if fields.len() < 3
            || !fields
                .iter()
                .zip(required)
                .all(|(f, c)| f.eq_ignore_ascii_case(c))
        {
            return Err((
                format!("header {:?} is not movieId,title,genres", fields.join(",")),
                fix(),
            ));
        }
        let mut optional = [None; 6];
        for (at, name) in fields.iter().enumerate().skip(3) {
            let Some(slot) = MOVIES_CSV_COLUMNS[3..]
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
            else {
                return Err((format!("header names an unknown column {name:?}"), fix()));
            };
            if optional[slot].is_some() {
                return Err((format!("header names column {name:?} twice"), fix()));
            }
            optional[slot] = Some(at);
        }
        Ok(Self {
            n_fields: fields.len(),
            optional,
        })
    }

    /// The optional attributes of a row, or what is wrong with the first bad one.
    fn attributes(&self, f: &[String], row: &mut MovieRow) -> Result<(), (String, String)> {
        let field = |slot: usize| self.optional[slot].map(|at| f[at].as_str());
        let flag = |slot: usize| -> Result<Option<bool>, (String, String)> {
            field(slot)
                .map(|v| match v {
                    "1" => Ok(true),
                    "0" => Ok(false),
                    other => Err((
                        format!(
                            "{} {other:?} is neither 0 nor 1",
                            MOVIES_CSV_COLUMNS[3 + slot]
                        ),
                        "write the flag as 0 or 1".to_owned(),
                    )),
                })
                .transpose()
        };
        row.language = field(0).map(str::to_owned);
        row.year = field(1)
            .map(|v| {
                v.parse::<u16>().map_err(|_| {
                    (
                        format!("year {v:?} is not a year"),
                        "write the year as a whole number, e.g. 1995".to_owned(),
                    )
                })
            })
            .transpose()?;
        row.vote_count = field(2)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    (
                        format!("vote_count {v:?} is not a count"),
                        "write the vote count as a whole number ≥ 0".to_owned(),
                    )
                })
            })
            .transpose()?;
        row.vote_average = field(3)
            .map(|v| match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err((
                    format!("vote_average {v:?} is not a finite number"),
                    "write the mean vote as a number, e.g. 6.8".to_owned(),
                )),
            })
            .transpose()?;
        row.long_tail = flag(4)?;
        row.niche = flag(5)?;
        Ok(())
    }
}

/// Reads a movie file, recognising its format from the first line.
///
/// | format | separator | fields |
/// | --- | --- | --- |
/// | MovieLens 100k `u.item` (Latin-1) | `\|` | id, title, dates, URL, 19 genre flags |
/// | MovieLens 1M `movies.dat` | `::` | id, title, `\|`-separated genres |
/// | MovieLens latest `movies.csv` | comma | `movieId,title,genres`, header |
/// | `recolab world`'s `movies.csv` | comma | those, then any of `language,year,vote_count,vote_average,long_tail,niche`, header |
///
/// A CSV header is recognised by its first field, `movieId`; it names the columns
/// ([`MOVIES_CSV_COLUMNS`]).
///
/// # Errors
///
/// [`DataError::Read`], [`DataError::Malformed`] (a header naming unknown columns,
/// wrong field count, empty id, a genre or attribute flag other than 0 or 1, a year,
/// vote count or vote average that is not a number, an id given twice) with file and
/// line, and
/// [`DataError::Empty`] for a file without movies.
pub fn read_movies(path: &Path) -> Result<Vec<MovieRow>, DataError> {
    let bytes = read_bytes(path)?;
    let separator = sniff(&bytes);
    let rows = records(&bytes, separator, path)?;
    let mut problems = Problems::default();
    let mut out: Vec<MovieRow> = Vec::with_capacity(rows.len());
    let mut layout = CsvLayout::MOVIELENS;
    for (index, row) in rows.iter().enumerate() {
        let f = &row.fields;
        let mut attributes = MovieRow::default();
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
                match CsvLayout::of_header(f) {
                    Ok(l) => layout = l,
                    Err((problem, fix)) => {
                        problems.push(row.line, problem, fix);
                        // Rows are checked against the header as written, so one
                        // bad header is one problem, not one per row.
                        layout = CsvLayout {
                            n_fields: f.len(),
                            optional: [None; 6],
                        };
                    }
                }
                continue;
            }
            if f.len() != layout.n_fields {
                let columns = if layout.n_fields == 3 {
                    "`movieId,title,genres`".to_owned()
                } else {
                    "one field per column of the header".to_owned()
                };
                problems.push(
                    row.line,
                    format!("has {} field(s), expected {}", f.len(), layout.n_fields),
                    format!("write each movie as {columns} with genres separated by `|` (quote titles holding commas)"),
                );
                continue;
            }
            if let Err((problem, fix)) = layout.attributes(f, &mut attributes) {
                problems.push(row.line, problem, fix);
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
            ..attributes
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
    fn reads_the_movies_csv_of_a_recolab_world() {
        let file = write(
            b"movieId,title,genres,language,year,vote_count,vote_average,long_tail,niche\n\
              1,\"Quiet, Loud\",Drama|Anime,ja,1999,42,6.5,1,1\n\
              2,Heat,Action,en,2001,9000,7.25,0,0\n",
        );
        let movies = read_movies(file.path()).unwrap();
        assert_eq!(movies.len(), 2);
        let m = &movies[0];
        assert_eq!((m.item.as_str(), m.title.as_str()), ("1", "Quiet, Loud"));
        assert_eq!(m.genres, ["Drama", "Anime"]);
        assert_eq!(m.language.as_deref(), Some("ja"));
        assert_eq!(
            (m.year, m.vote_count, m.vote_average),
            (Some(1999), Some(42), Some(6.5))
        );
        assert_eq!((m.long_tail, m.niche), (Some(true), Some(true)));
        assert_eq!(
            (movies[1].long_tail, movies[1].niche),
            (Some(false), Some(false))
        );
        // MovieLens's own layout leaves every attribute unknown.
        let plain = write(b"movieId,title,genres\n1,Heat (1995),Action\n");
        let m = &read_movies(plain.path()).unwrap()[0];
        assert_eq!((m.language.as_ref(), m.year, m.niche), (None, None, None));
    }

    #[test]
    fn bad_headers_and_attributes_are_reported() {
        let file = write(b"movieId,title,genres,colour\n1,A,Drama,red\n");
        let text = read_movies(file.path()).unwrap_err().to_string();
        assert!(
            text.contains("line 1: header names an unknown column \"colour\""),
            "{text}"
        );
        let file = write(
            b"movieId,title,genres,year,niche\n1,A,Drama,1999,2\n2,B,Drama,soon,0\n3,C,Drama,2000\n",
        );
        let text = read_movies(file.path()).unwrap_err().to_string();
        assert!(
            text.contains("line 2: niche \"2\" is neither 0 nor 1"),
            "{text}"
        );
        assert!(
            text.contains("line 3: year \"soon\" is not a year"),
            "{text}"
        );
        assert!(
            text.contains("line 4: has 4 field(s), expected 5"),
            "{text}"
        );
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
