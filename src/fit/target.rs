//! What a fit aims at: the shape of the log, and what its movies file says about the
//! catalogue (genre mix, release years).

use serde::Serialize;

use crate::data::{Dataset, LogShape, log_shape};

/// Genre labels that mean "no genre" in MovieLens files (`u.item`'s `unknown`,
/// ml-latest's `(no genres listed)` is dropped by the reader already).
const NO_GENRE_LABELS: [&str; 1] = ["unknown"];

/// The genre mix of a catalogue: each genre's share of all genre labels, and how many
/// labels a movie carries on average.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GenreMix {
    /// Genre names, lower-cased (so the default world's genre-naming settings, e.g.
    /// `documentary` as a niche genre, apply), with their share of all labels,
    /// largest first, ties by name.
    pub shares: Vec<(String, f64)>,
    /// Mean labels per movie, over movies with at least one label.
    pub labels_per_movie: f64,
}

/// The target of a fit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FitTarget {
    /// Where the log came from (for the fitted scenario's header).
    pub source: String,
    /// The log's shape.
    pub shape: LogShape,
    /// The rated movies' genre mix, when the movies file gives genres.
    pub genres: Option<GenreMix>,
    /// Earliest and latest release year of the rated movies, when known.
    pub years: Option<(u16, u16)>,
    /// Fewest ratings of a user in the log (MovieLens keeps users with at least 20).
    pub min_user_ratings: usize,
    /// The log's star scale: 0.5 when any rating is a half star, else 1.0.
    pub rating_step: f64,
    /// Share of the users who give at least one half star (0 on a whole-star log).
    pub half_star_users: f64,
}

impl FitTarget {
    /// The target of a loaded log. Genres and years count rated movies only, as the
    /// fitted catalogue has as many movies as the log has rated items.
    #[must_use]
    pub fn of_dataset(source: &str, dataset: &Dataset) -> Self {
        let shape = log_shape(&dataset.ratings);
        let mut rated = vec![false; dataset.catalogue.len()];
        let mut per_user = vec![0usize; dataset.population.len()];
        let mut uses_halves = vec![false; dataset.population.len()];
        for r in &dataset.ratings {
            rated[r.movie.index()] = true;
            per_user[r.user.index()] += 1;
            uses_halves[r.user.index()] |= r.value.fract() != 0.0;
        }
        let names = &dataset.catalogue.genre_names;
        let mut labels = vec![0u64; names.len()];
        let (mut labelled, mut n_labels) = (0u64, 0u64);
        let (mut first, mut last) = (u16::MAX, 0u16);
        for movie in dataset
            .catalogue
            .movies
            .iter()
            .filter(|m| rated[m.id.index()])
        {
            let genres: Vec<_> = movie
                .genres
                .iter()
                .filter(|g| !NO_GENRE_LABELS.contains(&names[g.index()].as_str()))
                .collect();
            for g in &genres {
                labels[g.index()] += 1;
            }
            if !genres.is_empty() {
                labelled += 1;
                n_labels += genres.len() as u64;
            }
            if movie.year > 0 {
                first = first.min(movie.year);
                last = last.max(movie.year);
            }
        }
        let genres = (n_labels > 0).then(|| {
            let mut shares: Vec<(String, f64)> = names
                .iter()
                .zip(&labels)
                .filter(|&(_, &n)| n > 0)
                .map(|(name, &n)| (name.to_lowercase(), n as f64 / n_labels as f64))
                .collect();
            shares.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            GenreMix {
                shares,
                labels_per_movie: n_labels as f64 / labelled as f64,
            }
        });
        let n_half = uses_halves.iter().filter(|&&h| h).count();
        let rating_step = if n_half > 0 { 0.5 } else { 1.0 };
        let n_raters = per_user.iter().filter(|&&n| n > 0).count().max(1);
        Self {
            source: source.to_owned(),
            shape,
            genres,
            years: (first <= last).then_some((first, last)),
            min_user_ratings: per_user
                .iter()
                .copied()
                .filter(|&n| n > 0)
                .min()
                .unwrap_or(1),
            rating_step,
            half_star_users: n_half as f64 / n_raters as f64,
        }
    }
}
