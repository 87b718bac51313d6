//! A rating log made into what the arms run on: a [`Catalogue`], a [`Population`]
//! and an interaction log, with ids remapped densely.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::ids::{GenreId, MovieId, UserId};
use crate::interaction::{Interaction, InteractionKind};
use crate::world::{Catalogue, Movie, Population, Segment, User, World};

use super::error::{DataError, Problems};
use super::movielens::MovieRow;
use super::ratings::RatingRow;

/// Genre names (lower-cased) that make a movie niche, as in the default scenario.
const NICHE_GENRES: [&str; 3] = ["anime", "documentary", "foreign"];

/// Share of the most-rated items that form the short head; the rest is the long tail.
pub const SHORT_HEAD_SHARE: f64 = 0.2;

/// How users of a real log are put into activity segments, by their number of
/// ratings in the whole file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentThresholds {
    /// Users with fewer ratings are cold-start.
    pub cold_start_below: usize,
    /// Users with at least this many ratings are power users; the rest are regular.
    pub power_from: usize,
}

impl Default for SegmentThresholds {
    /// Cold-start below 20 ratings (MovieLens keeps only users with at least 20, so
    /// its logs have none), power from 200.
    fn default() -> Self {
        Self {
            cold_start_below: 20,
            power_from: 200,
        }
    }
}

impl SegmentThresholds {
    /// What is wrong with these thresholds, as (problem, fix) for the `power_from`
    /// field, or `None` when they are consistent (power users are not cold-start).
    #[must_use]
    pub fn problem(&self) -> Option<(String, &'static str)> {
        (self.power_from < self.cold_start_below).then(|| {
            (
                format!(
                    "is {} but `cold_start_below` is {}",
                    self.power_from, self.cold_start_below
                ),
                "make `power_from` ≥ `cold_start_below`",
            )
        })
    }

    /// The segment of a user with `n_ratings` ratings.
    #[must_use]
    pub fn segment(&self, n_ratings: usize) -> Segment {
        if n_ratings < self.cold_start_below {
            Segment::ColdStart
        } else if n_ratings >= self.power_from {
            Segment::Power
        } else {
            Segment::Regular
        }
    }
}

/// A log of ratings with the catalogue and population it speaks of.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// A name for reports (the scenario's name or the rating file's stem).
    pub name: String,
    /// The items: every movie of the movies file (rated or not), else every rated item.
    pub catalogue: Catalogue,
    /// The users who rated at least once.
    pub population: Population,
    /// The ratings, one per (user, movie), sorted by (time, user, movie).
    pub ratings: Vec<Interaction>,
    /// Original user id of each dense [`UserId`].
    pub user_ids: Vec<String>,
    /// Original item id of each dense [`MovieId`].
    pub item_ids: Vec<String>,
    /// Ratings dropped because the same user rated the same item again later.
    pub n_superseded: usize,
    /// Whether the catalogue's `vote_count`, `vote_average` and long-tail threshold
    /// were computed from `ratings` (a real log), so that an evaluation must recompute
    /// them from each fold's training ratings lest test ratings leak into arms.
    pub votes_from_ratings: bool,
}

/// Sorts ids numerically when every id is an unsigned integer, else as text, so that
/// dense ids never depend on the order of the file.
fn sorted_ids<'a>(ids: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
    // Ids written as plain decimal numbers (no sign, no leading zero) are their
    // numbers' text, so sorting and deduplicating the numbers gives the same list
    // without comparing strings.
    let canonical = |id: &str| {
        (id.len() == 1 || !id.starts_with('0'))
            && id.len() <= 19
            && id.bytes().all(|b| b.is_ascii_digit())
    };
    if ids.clone().all(|id| !id.is_empty() && canonical(id)) {
        let mut numbers: Vec<u64> = ids
            .map(|id| id.parse().expect("at most 19 decimal digits"))
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        return numbers.iter().map(u64::to_string).collect();
    }
    let mut ids: Vec<&str> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let mut ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
    if ids.iter().all(|id| id.parse::<u64>().is_ok()) {
        ids.sort_by_key(|id| id.parse::<u64>().expect("checked above"));
    }
    ids
}

/// Each id's dense index (its position in [`sorted_ids`]' order), found by binary
/// search: over the ids' numbers when they are distinct unsigned integers (the
/// MovieLens case, a few integer comparisons), else over the text.
struct IdIndex<'a> {
    ids: &'a [String],
    /// The ids' numbers, ascending, when every id has a distinct one.
    numbers: Option<Vec<u64>>,
    /// (id, index) by text, when `numbers` is `None`.
    by_text: Vec<(&'a str, u32)>,
}

impl<'a> IdIndex<'a> {
    fn new(ids: &'a [String]) -> Self {
        let numbers: Option<Vec<u64>> = ids.iter().map(|id| id.parse::<u64>().ok()).collect();
        // `sorted_ids` sorted numeric ids by number: distinct numbers ascend strictly.
        let numbers = numbers.filter(|n| n.windows(2).all(|w| w[0] < w[1]));
        let mut by_text = Vec::new();
        if numbers.is_none() {
            by_text = ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let i = u32::try_from(i).expect("fewer than 2^32 distinct ids");
                    (id.as_str(), i)
                })
                .collect();
            by_text.sort_unstable();
        }
        Self {
            ids,
            numbers,
            by_text,
        }
    }

    /// The index of `id`, `None` when it is not one of the ids.
    fn get(&self, id: &str) -> Option<u32> {
        let at = match &self.numbers {
            // "01" and "1" share a number: the text must match too.
            Some(numbers) => numbers
                .binary_search(&id.parse::<u64>().ok()?)
                .ok()
                .filter(|&at| self.ids[at] == id)?,
            None => {
                let at = self.by_text.binary_search_by_key(&id, |&(t, _)| t).ok()?;
                return Some(self.by_text[at].1);
            }
        };
        Some(u32::try_from(at).expect("fewer than 2^32 distinct ids"))
    }

    /// The index of an id known to be one of the ids.
    fn of(&self, id: &str) -> u32 {
        self.get(id).expect("every id of the log is indexed")
    }
}

/// The release year at the end of a MovieLens title, e.g. 1995 in "Heat (1995)".
fn year_of(title: &str) -> u16 {
    let t = title.trim_end();
    t.strip_suffix(')')
        .and_then(|t| t.get(t.len().saturating_sub(5)..))
        .and_then(|t| t.strip_prefix('('))
        .and_then(|y| y.parse().ok())
        .unwrap_or(0)
}

/// Vote count at or above which an item is in the short head: the count of the
/// least-rated of the `ceil(SHORT_HEAD_SHARE · n)` most-rated items, at least 1.
#[must_use]
pub fn short_head_min_votes(vote_counts: &[u64]) -> u64 {
    if vote_counts.is_empty() {
        return 1;
    }
    let mut sorted = vote_counts.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let head = ((SHORT_HEAD_SHARE * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[head - 1].max(1)
}

impl Dataset {
    /// Builds a dataset from rows read by [`read_ratings`](super::read_ratings) and,
    /// optionally, [`read_movies`](super::read_movies).
    ///
    /// Each movie's `vote_count` is its number of ratings in the log and its
    /// `vote_average` twice its mean rating (the 1–10 scale of the catalogue); genres
    /// come from the movies file; the long tail is every item outside the most-rated
    /// [`SHORT_HEAD_SHARE`] of the catalogue. Language, year and the niche flag come
    /// from the movies file when it has them (`recolab world`'s `movies.csv`), else
    /// `und`, the year in the title and a niche genre (anime, documentary,
    /// foreign); the file's vote counts and long-tail flags are not used, since a
    /// log's popularity is its ratings and must be recomputed per training fold. When a user rated an item twice the
    /// later rating (by timestamp, then line) wins, as a re-rating would in production.
    ///
    /// # Errors
    ///
    /// [`DataError::Malformed`] naming `ratings_path` and the line of each rating
    /// whose item is not in the movies file.
    pub fn from_rows(
        name: &str,
        ratings: &[RatingRow],
        movies: Option<&[MovieRow]>,
        ratings_path: &Path,
        thresholds: SegmentThresholds,
    ) -> Result<Self, DataError> {
        let item_ids = match movies {
            Some(movies) => sorted_ids(movies.iter().map(|m| m.item.as_str())),
            None => sorted_ids(ratings.iter().map(|r| r.item.as_str())),
        };
        let user_ids = sorted_ids(ratings.iter().map(|r| r.user.as_str()));
        let item_index = IdIndex::new(&item_ids);
        let user_index = IdIndex::new(&user_ids);
        if movies.is_some() {
            let mut problems = Problems::default();
            for r in ratings.iter().filter(|r| item_index.get(&r.item).is_none()) {
                problems.push(
                    r.line,
                    format!("item {:?} is not in the movies file", r.item),
                    "add the movie to the movies file, or pass the movies file that belongs to this log",
                );
            }
            problems.into_result(ratings_path)?;
        }

        // Latest rating per (user, item): rows by key, the latest (timestamp, line)
        // of each key kept.
        let mut keyed: Vec<(u64, usize)> = ratings
            .iter()
            .enumerate()
            .map(|(at, r)| {
                let user = u64::from(user_index.of(&r.user));
                let item = u64::from(item_index.of(&r.item));
                ((user << 32) | item, at)
            })
            .collect();
        keyed.sort_unstable_by_key(|&(key, at)| (key, ratings[at].timestamp, ratings[at].line));
        let latest: Vec<(u64, &RatingRow)> = keyed
            .chunk_by(|a, b| a.0 == b.0)
            .map(|same| {
                let &(key, at) = same.last().expect("chunks are not empty");
                (key, &ratings[at])
            })
            .collect();
        let n_superseded = ratings.len() - latest.len();
        let mut log: Vec<Interaction> = latest
            .iter()
            .map(|&(key, r)| Interaction {
                user: UserId((key >> 32) as u32),
                movie: MovieId(key as u32),
                kind: InteractionKind::Rating,
                value: r.rating as f32,
                time_secs: r.timestamp,
            })
            .collect();
        log.sort_unstable_by_key(|i| (i.time_secs, i.user, i.movie));

        let mut n_votes = vec![0u64; item_ids.len()];
        let mut rating_sum = vec![0.0f64; item_ids.len()];
        let mut n_user_ratings = vec![0usize; user_ids.len()];
        for i in &log {
            n_votes[i.movie.index()] += 1;
            rating_sum[i.movie.index()] += f64::from(i.value);
            n_user_ratings[i.user.index()] += 1;
        }

        let rows: BTreeMap<&str, &MovieRow> = movies
            .unwrap_or(&[])
            .iter()
            .map(|m| (m.item.as_str(), m))
            .collect();
        let genre_names: Vec<String> = rows
            .values()
            .flat_map(|m| m.genres.iter().cloned())
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        let genre_index: BTreeMap<&str, GenreId> = genre_names
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let id = u16::try_from(i).expect("fewer than 65,536 genres");
                (g.as_str(), GenreId(id))
            })
            .collect();
        let movies: Vec<Movie> = item_ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let row = rows.get(id.as_str());
                let title = row.map_or_else(|| id.clone(), |m| m.title.clone());
                let mut genres: Vec<GenreId> = Vec::new();
                for g in row.map_or(&[][..], |m| &m.genres[..]) {
                    let gid = genre_index[g.as_str()];
                    if !genres.contains(&gid) {
                        genres.push(gid);
                    }
                }
                let is_niche = row.and_then(|m| m.niche).unwrap_or_else(|| {
                    genres.iter().any(|g| {
                        NICHE_GENRES.contains(&genre_names[g.index()].to_lowercase().as_str())
                    })
                });
                let mean = (n_votes[i] > 0).then(|| rating_sum[i] / n_votes[i] as f64);
                Movie {
                    id: MovieId(u32::try_from(i).expect("ids fit u32")),
                    year: row.and_then(|m| m.year).unwrap_or_else(|| year_of(&title)),
                    title,
                    genres,
                    original_language: row
                        .and_then(|m| m.language.clone())
                        .unwrap_or_else(|| "und".into()),
                    vote_count: n_votes[i],
                    vote_average: mean.map_or(0.0, |m| (20.0 * m).round() / 10.0),
                    content: Vec::new(),
                    text_view: Vec::new(),
                    image_view: Vec::new(),
                    people: Vec::new(),
                    keywords: Vec::new(),
                    is_niche,
                }
            })
            .collect();
        let catalogue = Catalogue {
            movies,
            genre_names,
            long_tail_max_votes: short_head_min_votes(&n_votes),
        };
        let population = Population {
            users: n_user_ratings
                .iter()
                .enumerate()
                .map(|(i, &n)| User {
                    id: UserId(u32::try_from(i).expect("ids fit u32")),
                    segment: thresholds.segment(n),
                })
                .collect(),
        };
        Ok(Self {
            name: name.to_owned(),
            catalogue,
            population,
            ratings: log,
            user_ids,
            item_ids,
            n_superseded,
            votes_from_ratings: true,
        })
    }

    /// The catalogue an arm may see when trained on `train`: for a real log, vote
    /// counts, vote averages and the long-tail threshold recomputed from `train` only
    /// (the whole-file values would leak test ratings into popularity-based arms);
    /// for a generated world, whose votes are public and exogenous, the catalogue as is.
    #[must_use]
    pub fn catalogue_for(&self, train: &[Interaction]) -> std::borrow::Cow<'_, Catalogue> {
        if !self.votes_from_ratings {
            return std::borrow::Cow::Borrowed(&self.catalogue);
        }
        let mut catalogue = self.catalogue.clone();
        let mut sums = vec![0.0f64; catalogue.len()];
        for movie in &mut catalogue.movies {
            movie.vote_count = 0;
        }
        for r in train {
            catalogue.movies[r.movie.index()].vote_count += 1;
            sums[r.movie.index()] += f64::from(r.value);
        }
        for (movie, sum) in catalogue.movies.iter_mut().zip(sums) {
            movie.vote_average = if movie.vote_count > 0 {
                (20.0 * sum / movie.vote_count as f64).round() / 10.0
            } else {
                0.0
            };
        }
        let votes: Vec<u64> = catalogue.movies.iter().map(|m| m.vote_count).collect();
        catalogue.long_tail_max_votes = short_head_min_votes(&votes);
        std::borrow::Cow::Owned(catalogue)
    }

    /// The warm-up ratings of a generated world as a dataset; ids are the world's.
    #[must_use]
    pub fn from_world(name: &str, world: &World) -> Self {
        let ratings: Vec<Interaction> = world
            .warm_up
            .iter()
            .filter(|i| i.kind == InteractionKind::Rating)
            .copied()
            .collect();
        Self {
            name: name.to_owned(),
            catalogue: world.catalogue.clone(),
            population: world.population.clone(),
            ratings,
            user_ids: (0..world.population.len()).map(|i| i.to_string()).collect(),
            item_ids: (0..world.catalogue.len()).map(|i| i.to_string()).collect(),
            n_superseded: 0,
            votes_from_ratings: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(user: &str, item: &str, rating: f64, timestamp: i64, line: u64) -> RatingRow {
        RatingRow {
            user: user.into(),
            item: item.into(),
            rating,
            timestamp,
            line,
        }
    }

    #[test]
    fn ids_are_remapped_densely_in_numeric_order_and_kept() {
        let rows = [
            row("10", "200", 4.0, 5, 1),
            row("9", "30", 2.0, 3, 2),
            row("10", "30", 5.0, 1, 3),
        ];
        let d = Dataset::from_rows(
            "t",
            &rows,
            None,
            Path::new("r"),
            SegmentThresholds::default(),
        )
        .unwrap();
        assert_eq!(d.user_ids, ["9", "10"]);
        assert_eq!(d.item_ids, ["30", "200"]);
        assert_eq!(d.catalogue.movies[0].vote_count, 2);
        assert_eq!(d.catalogue.movies[0].vote_average, 7.0);
        // Sorted by time: (10, 30) at 1, (9, 30) at 3, (10, 200) at 5.
        let order: Vec<(u32, u32)> = d.ratings.iter().map(|i| (i.user.0, i.movie.0)).collect();
        assert_eq!(order, [(1, 0), (0, 0), (1, 1)]);
        assert!(
            d.population
                .users
                .iter()
                .all(|u| u.segment == Segment::ColdStart)
        );
    }

    #[test]
    fn ids_with_the_same_number_or_no_number_stay_distinct() {
        // "01" and "1" are two users with one number: text order breaks the tie.
        // Items "b", "a10", "a9" are not numbers: text order.
        let rows = [
            row("1", "b", 4.0, 1, 1),
            row("01", "a9", 2.0, 2, 2),
            row("2", "a10", 5.0, 3, 3),
        ];
        let d = Dataset::from_rows(
            "t",
            &rows,
            None,
            Path::new("r"),
            SegmentThresholds::default(),
        )
        .unwrap();
        assert_eq!(d.user_ids, ["01", "1", "2"]);
        assert_eq!(d.item_ids, ["a10", "a9", "b"]);
        let order: Vec<(u32, u32)> = d.ratings.iter().map(|i| (i.user.0, i.movie.0)).collect();
        assert_eq!(order, [(1, 2), (0, 1), (2, 0)]);
    }

    #[test]
    fn a_later_rating_of_the_same_item_supersedes_the_earlier() {
        let rows = [row("1", "1", 2.0, 9, 1), row("1", "1", 5.0, 10, 2)];
        let d = Dataset::from_rows(
            "t",
            &rows,
            None,
            Path::new("r"),
            SegmentThresholds::default(),
        )
        .unwrap();
        assert_eq!(d.ratings.len(), 1);
        assert_eq!(d.ratings[0].value, 5.0);
        assert_eq!(d.n_superseded, 1);
    }

    #[test]
    fn fold_catalogue_counts_training_votes_only() {
        let rows = [
            row("1", "a", 2.0, 1, 1),
            row("2", "a", 4.0, 2, 2),
            row("2", "b", 5.0, 3, 3),
        ];
        let d = Dataset::from_rows(
            "t",
            &rows,
            None,
            Path::new("r"),
            SegmentThresholds::default(),
        )
        .unwrap();
        assert_eq!(d.catalogue.movies[0].vote_count, 2);
        let fold = d.catalogue_for(&d.ratings[..1]);
        assert_eq!(fold.movies[0].vote_count, 1);
        assert_eq!(fold.movies[0].vote_average, 4.0);
        assert_eq!(fold.movies[1].vote_count, 0);
    }

    #[test]
    fn ratings_of_unknown_movies_are_reported_by_line() {
        let movies = [MovieRow {
            item: "1".into(),
            title: "Heat (1995)".into(),
            genres: vec!["Action".into(), "Crime".into()],
            line: 2,
            ..MovieRow::default()
        }];
        let rows = [row("1", "1", 4.0, 0, 1), row("1", "7", 4.0, 0, 2)];
        let error = Dataset::from_rows(
            "t",
            &rows,
            Some(&movies),
            Path::new("ratings.csv"),
            SegmentThresholds::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("ratings.csv:line 2: item \"7\""));
        let d = Dataset::from_rows(
            "t",
            &rows[..1],
            Some(&movies),
            Path::new("r"),
            SegmentThresholds::default(),
        )
        .unwrap();
        assert_eq!(d.catalogue.genre_names, ["Action", "Crime"]);
        assert_eq!(d.catalogue.movies[0].year, 1995);
    }

    #[test]
    fn language_year_and_niche_come_from_the_movies_file_when_it_has_them() {
        let movies = [
            MovieRow {
                item: "1".into(),
                title: "Quiet".into(),
                genres: vec!["Drama".into()],
                language: Some("ja".into()),
                year: Some(1999),
                niche: Some(true),
                line: 2,
                ..MovieRow::default()
            },
            MovieRow {
                item: "2".into(),
                title: "Heat (1995)".into(),
                genres: vec!["Documentary".into()],
                line: 3,
                ..MovieRow::default()
            },
        ];
        let rows = [row("1", "1", 4.0, 0, 1)];
        let d = Dataset::from_rows(
            "t",
            &rows,
            Some(&movies),
            Path::new("r"),
            SegmentThresholds::default(),
        )
        .unwrap();
        let (a, b) = (&d.catalogue.movies[0], &d.catalogue.movies[1]);
        assert_eq!(
            (a.original_language.as_str(), a.year, a.is_niche),
            ("ja", 1999, true)
        );
        // Without the columns: unknown language, the title's year, a niche genre.
        assert_eq!(
            (b.original_language.as_str(), b.year, b.is_niche),
            ("und", 1995, true)
        );
    }

    #[test]
    fn short_head_is_the_most_rated_fifth() {
        // Ten items: the head is the two most rated (counts 50 and 40).
        let counts = [1, 2, 3, 4, 5, 6, 7, 8, 40, 50];
        assert_eq!(short_head_min_votes(&counts), 40);
        assert_eq!(short_head_min_votes(&[0, 0]), 1);
        assert_eq!(short_head_min_votes(&[]), 1);
    }
}
