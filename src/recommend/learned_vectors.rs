//! Item vectors learned from what the data holds, for the content arms (embeddings,
//! serendipity) on data without simulated content views — a real rating log.
//!
//! Each movie's vector concatenates up to four blocks, each scaled to unit length
//! (a movie without the block's data gets zeros there), then the whole to unit
//! length ([`UnitVectors::from_parts`]), so every present block weighs the same:
//!
//! | block | from | dimensions |
//! | --- | --- | --- |
//! | ratings | the training preference matrix: row i of `V Σ`, its [`RATING_FACTORS`] leading right singular vectors scaled by the singular values ([`subspace`](super::subspace)) | 32 |
//! | genres | one per genre of the catalogue, 1 where the movie has it | genres |
//! | year | Gaussian bumps every 5 years from 1890 to 2040, width 5 years, on the release year | 31 |
//! | tags | the movie's keywords (`--tags` on a real log) with weight `ln(n / df)`, hashed into [`TAG_DIMENSIONS`] signed buckets (feature hashing) | 64 |
//!
//! The ratings block is always there; the others when any movie has genres, a year
//! or tags. Cosine in the ratings block is the cosine of two movies' columns of the
//! rank-32 approximation `U Σ Vᵀ` of the preference matrix (U is orthonormal), i.e.
//! item-based similarity with the noise of the smaller singular values removed.
//!
//! # Determinism
//!
//! The randomised SVD draws its start block from the arm's `LearnedVectors` stream;
//! tag buckets and signs come from XXH3 of the tag id, the same on every machine.
//!
//! # References
//!
//! Weinberger, Dasgupta, Langford, Smola & Attenberg (2009), "Feature hashing for
//! large scale multitask learning", ICML; Cremonesi, Koren & Turrin (2010) for the
//! rating-matrix factors.

use crate::rng::ChaCha8Rng;
use crate::world::Catalogue;

use super::history::Histories;
use super::pure_svd::preference_matrix;
use super::subspace::{Basis, WARM_ITERATIONS, right_singular_warm};
use super::vectors::UnitVectors;

/// Singular vectors of the ratings block.
pub const RATING_FACTORS: usize = 32;
/// Subspace iterations of the ratings block's SVD.
const RATING_ITERATIONS: usize = 4;
/// Buckets of the hashed tags block.
pub const TAG_DIMENSIONS: usize = 64;
/// Centres of the year bumps: 1890, 1895, …, 2040.
const YEAR_FROM: f32 = 1890.0;
const YEAR_STEP: f32 = 5.0;
const YEAR_BUMPS: usize = 31;

/// Which blocks a content arm asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LearnedBlocks {
    /// Every block the data has (the embeddings arm: similarity of taste and content).
    All,
    /// Genres, year and tags where the data has any, else the ratings (the
    /// serendipity arm: unexpected in content, while its own predictor judges taste).
    Metadata,
}

/// Which blocks learned vectors were made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LearnedSources {
    /// Movies had genres.
    pub genres: bool,
    /// Movies had release years.
    pub year: bool,
    /// Movies had tags (keywords).
    pub tags: bool,
}

impl LearnedSources {
    /// What a catalogue offers besides the ratings.
    #[must_use]
    pub fn of(catalogue: &Catalogue) -> Self {
        Self {
            genres: !catalogue.genre_names.is_empty()
                && catalogue.movies.iter().any(|m| !m.genres.is_empty()),
            year: catalogue.movies.iter().any(|m| m.year > 0),
            tags: catalogue.movies.iter().any(|m| !m.keywords.is_empty()),
        }
    }

    /// Whether there is any block besides the ratings.
    #[must_use]
    pub fn any_metadata(&self) -> bool {
        self.genres || self.year || self.tags
    }

    /// The blocks, as a reader would list them: `ratings, genres, year, tags`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut parts = vec!["ratings"];
        for (present, name) in [
            (self.genres, "genres"),
            (self.year, "year"),
            (self.tags, "tags"),
        ] {
            if present {
                parts.push(name);
            }
        }
        parts.join(", ")
    }
}

/// Item vectors learned from the catalogue and users' histories (the module docs).
///
/// The ratings block's SVD ends on a basis kept in `basis`: with `warm`, it starts
/// from that basis and runs [`WARM_ITERATIONS`] subspace iteration (an update's warm
/// start, [`subspace`](super::subspace)); otherwise from a random block drawn from
/// `rng`, [`RATING_ITERATIONS`] iterations (a fit).
pub(crate) fn learned_vectors(
    catalogue: &Catalogue,
    histories: &Histories,
    blocks: LearnedBlocks,
    rng: &mut ChaCha8Rng,
    basis: &mut Basis,
    warm: bool,
) -> UnitVectors {
    let n = catalogue.len();
    let mut sources = LearnedSources::of(catalogue);
    if blocks == LearnedBlocks::Metadata && (sources.genres || sources.tags) {
        sources.year = false;
    }
    let with_ratings = blocks == LearnedBlocks::All || !sources.any_metadata();
    let svd = if with_ratings {
        let start = if warm {
            std::mem::take(basis)
        } else {
            Basis::default()
        };
        let iterations = if warm {
            WARM_ITERATIONS
        } else {
            RATING_ITERATIONS
        };
        let (svd, end) = right_singular_warm(
            &preference_matrix(histories, n),
            RATING_FACTORS,
            iterations,
            start,
            rng,
        );
        *basis = end;
        svd
    } else {
        super::subspace::RightSingular::default()
    };
    let k = svd.factors;
    let ratings: Vec<f32> = (0..n * k)
        .map(|x| (svd.vectors[x] * svd.values[x % k]) as f32)
        .collect();
    let n_genres = catalogue.genre_names.len();
    let genres: Vec<f32> = if sources.genres {
        let mut g = vec![0f32; n * n_genres];
        for (i, m) in catalogue.movies.iter().enumerate() {
            for genre in &m.genres {
                g[i * n_genres + usize::from(genre.0)] = 1.0;
            }
        }
        g
    } else {
        Vec::new()
    };
    let years: Vec<f32> = if sources.year {
        catalogue
            .movies
            .iter()
            .flat_map(|m| {
                (0..YEAR_BUMPS).map(move |b| {
                    if m.year == 0 {
                        0.0
                    } else {
                        let d =
                            (f32::from(m.year) - (YEAR_FROM + YEAR_STEP * b as f32)) / YEAR_STEP;
                        (-0.5 * d * d).exp()
                    }
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let tags: Vec<f32> = if sources.tags {
        hashed_tags(catalogue)
    } else {
        Vec::new()
    };
    let parts: Vec<Vec<&[f32]>> = (0..n)
        .map(|i| {
            let mut p: Vec<&[f32]> = Vec::new();
            if with_ratings {
                p.push(&ratings[i * k..(i + 1) * k]);
            }
            if sources.genres {
                p.push(&genres[i * n_genres..(i + 1) * n_genres]);
            }
            if sources.year {
                p.push(&years[i * YEAR_BUMPS..(i + 1) * YEAR_BUMPS]);
            }
            if sources.tags {
                p.push(&tags[i * TAG_DIMENSIONS..(i + 1) * TAG_DIMENSIONS]);
            }
            p
        })
        .collect();
    UnitVectors::from_parts(&parts)
}

/// The tags block: each of a movie's distinct keywords adds `± ln(n / df)` to one of
/// [`TAG_DIMENSIONS`] buckets chosen, with its sign, by XXH3 of the keyword id.
fn hashed_tags(catalogue: &Catalogue) -> Vec<f32> {
    let n = catalogue.len();
    let mut df: std::collections::BTreeMap<u32, u32> = std::collections::BTreeMap::new();
    let distinct: Vec<Vec<u32>> = catalogue
        .movies
        .iter()
        .map(|m| {
            let mut k = m.keywords.clone();
            k.sort_unstable();
            k.dedup();
            k
        })
        .collect();
    for set in &distinct {
        for &t in set {
            *df.entry(t).or_default() += 1;
        }
    }
    let mut block = vec![0f32; n * TAG_DIMENSIONS];
    for (i, set) in distinct.iter().enumerate() {
        for &t in set {
            let h = xxhash_rust::xxh3::xxh3_64(&t.to_le_bytes());
            let bucket = (h % TAG_DIMENSIONS as u64) as usize;
            let sign = if (h >> 63) == 0 { 1.0 } else { -1.0 };
            let idf = (n as f32 / df[&t] as f32).ln();
            block[i * TAG_DIMENSIONS + bucket] += sign * idf;
        }
    }
    block
}

/// Whether every movie of the catalogue has simulated text and image views.
#[must_use]
pub fn has_simulated_views(catalogue: &Catalogue) -> bool {
    !catalogue.movies.is_empty()
        && catalogue
            .movies
            .iter()
            .all(|m| !m.text_view.is_empty() && !m.image_view.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{MovieId, UserId};
    use crate::interaction::{Interaction, InteractionKind};
    use crate::recommend::testing;
    use crate::recommend::vectors::dot;

    #[test]
    fn co_rated_movies_are_close_and_every_block_counts() {
        // Users 0..8 rate movies 0 and 3 alike (5 and 4 stars), users 8..16 rate
        // movies 1 and 2; the ratings block puts 0 near 3 and far from 1.
        let mut log = Vec::new();
        for u in 0..16u32 {
            let movies = if u < 8 { [0, 3] } else { [1, 2] };
            for m in movies {
                log.push(Interaction {
                    user: UserId(u),
                    movie: MovieId(m),
                    kind: InteractionKind::Rating,
                    value: if m == 0 || m == 1 { 5.0 } else { 4.0 },
                    time_secs: 0,
                });
            }
        }
        let mut catalogue = testing::catalogue(6);
        for m in &mut catalogue.movies {
            m.keywords.clear();
        }
        let histories = Histories::from_log(16, &log);
        let mut rng = testing::rng();
        let v = learned_vectors(
            &catalogue,
            &histories,
            LearnedBlocks::All,
            &mut rng,
            &mut Basis::default(),
            false,
        );
        // Blocks: ratings (min(32, 6) factors), genres (3), year (31); no tags.
        assert_eq!(v.dim(), 6 + 3 + YEAR_BUMPS);
        assert!(dot(v.get(0), v.get(3)) > dot(v.get(0), v.get(1)) + 0.2);
        // Movie 4 is unrated: only its genre and year blocks are non-zero, so it is
        // as close to movie 1 (same genre, same year) as those two blocks make it.
        let same_genre_year = dot(v.get(4), v.get(1));
        assert!(same_genre_year > 0.3, "{same_genre_year}");
        let sources = LearnedSources::of(&catalogue);
        assert_eq!(sources.describe(), "ratings, genres, year");
    }

    #[test]
    fn shared_tags_bring_movies_together() {
        let mut catalogue = testing::catalogue(4);
        for (i, m) in catalogue.movies.iter_mut().enumerate() {
            m.genres.clear();
            m.year = 0;
            m.keywords = match i {
                0 | 1 => vec![7, 9],
                2 => vec![8],
                _ => vec![],
            };
        }
        catalogue.genre_names.clear();
        let histories = Histories::new(1);
        let v = learned_vectors(
            &catalogue,
            &histories,
            LearnedBlocks::All,
            &mut testing::rng(),
            &mut Basis::default(),
            false,
        );
        assert!((dot(v.get(0), v.get(1)) - 1.0).abs() < 1e-5);
        assert!(dot(v.get(0), v.get(2)).abs() < 1.0 - 1e-3);
        assert_eq!(LearnedSources::of(&catalogue).describe(), "ratings, tags");
    }
}
