//! Movies: their public attributes, and the hidden truth only the simulator reads.

use rand::RngExt;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand_distr::{Normal, StandardNormal};
use rayon::prelude::*;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal as StatrsNormal};

use crate::ids::{GenreId, MovieId};
use crate::rng::{ChaCha8Rng, Purpose, SeedTree};
use crate::scenario::Scenario;

/// A movie as production would see it: everything here is public.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Movie {
    /// Its id (index in the catalogue).
    pub id: MovieId,
    /// A made-up title.
    pub title: String,
    /// Genres, primary first, distinct.
    pub genres: Vec<GenreId>,
    /// ISO 639-1 original language.
    pub original_language: String,
    /// Release year.
    pub year: u16,
    /// Number of votes (heavy-tailed: the public popularity).
    pub vote_count: u64,
    /// Mean vote on the 1–10 scale.
    pub vote_average: f64,
    /// Public content vector (a stand-in for text and image embeddings).
    pub content: Vec<f32>,
    /// Text view (a stand-in for a BERT vector of plot and metadata): its own noisy
    /// projection of the movie's genres and hidden factors.
    pub text_view: Vec<f32>,
    /// Image view (a stand-in for a ResNet vector of the poster): another projection,
    /// noisier than the text view (`IMAGE_NOISE_FACTOR`).
    pub image_view: Vec<f32>,
    /// Credited people (knowledge-graph nodes), sorted.
    pub people: Vec<u32>,
    /// Keywords (knowledge-graph nodes), sorted.
    pub keywords: Vec<u32>,
    /// Whether the movie is niche: a niche genre or a non-default language.
    pub is_niche: bool,
}

/// All movies, indexed by [`MovieId`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Catalogue {
    /// The movies; `movies[i].id == MovieId(i)`.
    pub movies: Vec<Movie>,
    /// Genre names, indexed by [`GenreId`].
    pub genre_names: Vec<String>,
    /// Vote count below which a movie is long-tail.
    pub long_tail_max_votes: u64,
}

impl Catalogue {
    /// Number of movies.
    #[must_use]
    pub fn len(&self) -> usize {
        self.movies.len()
    }

    /// Whether the catalogue is empty (validation forbids it).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.movies.is_empty()
    }

    /// The movie with this id.
    #[must_use]
    pub fn movie(&self, id: MovieId) -> &Movie {
        &self.movies[id.index()]
    }

    /// Whether a movie is long-tail (vote count below the threshold).
    #[must_use]
    pub fn is_long_tail(&self, id: MovieId) -> bool {
        self.movie(id).vote_count < self.long_tail_max_votes
    }
}

/// What only the simulator knows about a movie.
#[derive(Clone, Debug, PartialEq)]
pub struct MovieTruth {
    /// Hidden taste factors.
    pub factors: Vec<f64>,
    /// True quality, standardised (mean 0, sd 1).
    pub quality: f64,
    /// 1 − popularity percentile of the vote count: 1 = the least known movie.
    pub novelty: f64,
    /// Public standing: ln vote_count standardised over the catalogue (mean 0, sd 1).
    pub standing: f64,
    /// Whether it was drawn as a hidden gem.
    pub is_gem: bool,
}

/// Generates the catalogue and its hidden truth.
///
/// # Determinism
///
/// Movie `i` draws only from stream `(Catalogue, i)`; the shared content projection
/// from `(CatalogueShared, 0)`. Generated in parallel, collected in id order.
pub(crate) fn generate(scenario: &Scenario, seeds: &SeedTree) -> (Catalogue, Vec<MovieTruth>) {
    let spec = &scenario.spec().catalogue;
    let n_genres = spec.genres.len();
    let projection = content_projection(
        &mut seeds.stream(Purpose::CatalogueShared, 0),
        n_genres + spec.n_factors,
        spec.n_content_dims,
    );
    let niche: Vec<bool> = (0..n_genres)
        .map(|g| spec.niche_genres.contains(&spec.genres[g].name))
        .collect();
    let drawn: Vec<(Movie, MovieTruth)> = (0..spec.n_movies)
        .into_par_iter()
        .map(|i| {
            let mut rng = seeds.stream(Purpose::Catalogue, i as u64);
            draw_movie(scenario, &projection, &niche, i, &mut rng)
        })
        .collect();
    let (mut movies, mut truth): (Vec<Movie>, Vec<MovieTruth>) = drawn.into_iter().unzip();
    assign_novelty(&movies, &mut truth);
    assign_standing(&movies, &mut truth);
    add_content_views(scenario, seeds, &mut movies, &truth);
    for movie in &mut movies {
        movie.title = format!("{} ({})", movie.title, movie.year);
    }
    let catalogue = Catalogue {
        movies,
        genre_names: spec.genres.iter().map(|g| g.name.clone()).collect(),
        long_tail_max_votes: spec.long_tail_max_votes,
    };
    (catalogue, truth)
}

/// A fixed random projection from (genre indicators, factors) to content space, so
/// that content similarity reflects genres and hidden taste, blurred by noise.
fn content_projection(rng: &mut ChaCha8Rng, n_in: usize, n_out: usize) -> Vec<Vec<f64>> {
    let scale = 1.0 / (n_in as f64).sqrt();
    (0..n_out)
        .map(|_| {
            (0..n_in)
                .map(|_| scale * rng.sample::<f64, _>(StandardNormal))
                .collect()
        })
        .collect()
}

const TITLE_WORDS_A: [&str; 16] = [
    "Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Distant", "Wild", "Midnight",
    "Paper", "Electric", "Quiet", "Burning", "Lonely", "Secret", "Endless",
];
const TITLE_WORDS_B: [&str; 16] = [
    "River", "Empire", "Garden", "Signal", "Harbour", "Summer", "Machine", "Road", "Witness",
    "Kingdom", "Letters", "Storm", "Island", "Orbit", "Station", "Promise",
];

fn draw_movie(
    scenario: &Scenario,
    projection: &[Vec<f64>],
    niche_genre: &[bool],
    index: usize,
    rng: &mut ChaCha8Rng,
) -> (Movie, MovieTruth) {
    let spec = &scenario.spec().catalogue;
    let n_genres = spec.genres.len();
    let shares = WeightedIndex::new(spec.genres.iter().map(|g| g.share))
        .expect("validation: genre shares are ≥ 0 and sum to 1");
    let primary = shares.sample(rng);
    let mut genres = vec![primary];
    while genres.len() < 3.min(n_genres) && rng.random_bool(spec.extra_genre_probability) {
        let extra = shares.sample(rng);
        if !genres.contains(&extra) {
            genres.push(extra);
        }
    }
    let languages = &spec.genres[primary].languages;
    let original_language = if languages.is_empty() {
        spec.default_language.clone()
    } else {
        let index = WeightedIndex::new(languages.iter().map(|l| l.share))
            .expect("validation: language shares are ≥ 0 and sum to 1");
        languages[index.sample(rng)].code.clone()
    };
    let year = rng.random_range(spec.years.min..=spec.years.max);

    let is_gem = rng.random_bool(spec.hidden_gem_share);
    let va = &spec.vote_average;
    let (quality, vote_average) = if is_gem {
        // A gem's public average lies above the gem threshold; its true quality is
        // whatever that average implies.
        let top = (spec.gem_min_average + 1.5).min(9.9);
        let average =
            rng.random_range(spec.gem_min_average + 0.05..=top.max(spec.gem_min_average + 0.05));
        let quality = if va.sd > 0.0 {
            (average - va.mean) / va.sd
        } else {
            0.0
        };
        (quality, average)
    } else {
        let quality: f64 = rng.sample(StandardNormal);
        let noise: f64 = rng.sample(StandardNormal);
        let average = (va.mean + va.sd * quality + va.noise_sd * noise).clamp(1.0, 10.0);
        (quality, average)
    };
    let vote_average = (vote_average * 10.0).round() / 10.0;

    let vc = &spec.vote_count;
    let mu = vc.median.ln();
    let rho = spec.popularity_quality_correlation;
    let vote_count = if is_gem {
        // Truncated log-normal below the long-tail threshold, by inverse CDF.
        let z_max = if vc.sigma > 0.0 {
            ((spec.long_tail_max_votes as f64 - 1.0).ln() - mu) / vc.sigma
        } else {
            0.0
        };
        let std = StatrsNormal::standard();
        let u: f64 = rng.random_range(1e-9..1.0);
        let z = std.inverse_cdf(u * std.cdf(z_max));
        (mu + vc.sigma * z)
            .exp()
            .min(spec.long_tail_max_votes as f64 - 1.0)
    } else {
        let independent: f64 = rng.sample(StandardNormal);
        let z = rho * quality.clamp(-4.0, 4.0) + (1.0 - rho * rho).sqrt() * independent;
        (mu + vc.sigma * z).exp()
    };
    let vote_count = vote_count.round().max(1.0) as u64;

    let factor_sd = 1.0 / (spec.n_factors as f64).sqrt();
    let factor = Normal::new(0.0, factor_sd).expect("sd > 0");
    let factors: Vec<f64> = (0..spec.n_factors).map(|_| factor.sample(rng)).collect();

    let mut input = vec![0.0; n_genres + spec.n_factors];
    for &g in &genres {
        input[g] = 1.0;
    }
    for (slot, &f) in input[n_genres..].iter_mut().zip(&factors) {
        *slot = f / factor_sd;
    }
    let content = projection
        .iter()
        .map(|row| {
            let clean: f64 = row.iter().zip(&input).map(|(w, x)| w * x).sum();
            let noise: f64 = rng.sample(StandardNormal);
            (clean + spec.content_noise * noise) as f32
        })
        .collect();

    let people = draw_nodes(rng, spec.n_people, spec.people_per_movie, primary, n_genres);
    let keywords = draw_nodes(
        rng,
        spec.n_keywords,
        spec.keywords_per_movie,
        primary,
        n_genres,
    );
    let is_niche =
        genres.iter().any(|&g| niche_genre[g]) || original_language != spec.default_language;
    let title = format!(
        "{} {}",
        TITLE_WORDS_A[rng.random_range(0..TITLE_WORDS_A.len())],
        TITLE_WORDS_B[rng.random_range(0..TITLE_WORDS_B.len())]
    );
    let id = MovieId(u32::try_from(index).expect("validation caps n_movies at u32"));
    let genres = genres
        .into_iter()
        .map(|g| GenreId(u16::try_from(g).expect("validation caps genres at 256")))
        .collect();
    let movie = Movie {
        id,
        title,
        genres,
        original_language,
        year,
        vote_count,
        vote_average,
        content,
        text_view: Vec::new(),
        image_view: Vec::new(),
        people,
        keywords,
        is_niche,
    };
    let truth = MovieTruth {
        factors,
        quality,
        novelty: 0.0,
        standing: 0.0,
        is_gem,
    };
    (movie, truth)
}

/// The image view's noise, as a multiple of `catalogue.content_noise`: posters say
/// less about a movie than its text does.
pub const IMAGE_NOISE_FACTOR: f64 = 2.0;

/// Fills each movie's text and image views.
///
/// # Determinism
///
/// A separate pass with its own streams (`ContentViewsShared` units 0 and 1 for the
/// projections, `(ContentViews, movie)` for the noise), so adding the views left every
/// earlier catalogue draw unchanged.
fn add_content_views(
    scenario: &Scenario,
    seeds: &SeedTree,
    movies: &mut [Movie],
    truth: &[MovieTruth],
) {
    let spec = &scenario.spec().catalogue;
    let n_genres = spec.genres.len();
    let n_in = n_genres + spec.n_factors;
    let text = content_projection(
        &mut seeds.stream(Purpose::ContentViewsShared, 0),
        n_in,
        spec.n_content_dims,
    );
    let image = content_projection(
        &mut seeds.stream(Purpose::ContentViewsShared, 1),
        n_in,
        spec.n_content_dims,
    );
    let factor_sd = 1.0 / (spec.n_factors as f64).sqrt();
    movies.par_iter_mut().zip(truth).for_each(|(movie, t)| {
        let mut rng = seeds.stream(Purpose::ContentViews, u64::from(movie.id.0));
        let mut input = vec![0.0; n_in];
        for g in &movie.genres {
            input[g.index()] = 1.0;
        }
        for (slot, &f) in input[n_genres..].iter_mut().zip(&t.factors) {
            *slot = f / factor_sd;
        }
        let mut view = |projection: &[Vec<f64>], noise_sd: f64| -> Vec<f32> {
            projection
                .iter()
                .map(|row| {
                    let clean: f64 = row.iter().zip(&input).map(|(w, x)| w * x).sum();
                    let noise: f64 = rng.sample(StandardNormal);
                    (clean + noise_sd * noise) as f32
                })
                .collect()
        };
        movie.text_view = view(&text, spec.content_noise);
        movie.image_view = view(&image, spec.content_noise * IMAGE_NOISE_FACTOR);
    });
}

/// Draws `k` distinct graph nodes out of `n`, mostly from the primary genre's share of
/// nodes (node `j` belongs to genre `j % n_genres`), with a skew so that some people
/// and keywords are prolific: shared nodes are what make the graph informative.
fn draw_nodes(rng: &mut ChaCha8Rng, n: usize, k: usize, genre: usize, n_genres: usize) -> Vec<u32> {
    let mut nodes: Vec<u32> = Vec::with_capacity(k);
    let in_genre = n.saturating_sub(genre).div_ceil(n_genres);
    let mut attempts = 0;
    while nodes.len() < k {
        attempts += 1;
        let u: f64 = rng.random();
        let node = if in_genre > 0 && attempts < 20 * k.max(1) && rng.random_bool(0.75) {
            let j = ((u * u) * in_genre as f64) as usize;
            genre + j.min(in_genre - 1) * n_genres
        } else {
            ((u * u) * n as f64) as usize
        };
        let node = u32::try_from(node.min(n - 1)).expect("node counts fit u32");
        if !nodes.contains(&node) {
            nodes.push(node);
        } else if attempts > 100 * k.max(1) {
            // Fall back to the first free node so generation always ends.
            let free = (0..n as u32).find(|x| !nodes.contains(x)).expect("k ≤ n");
            nodes.push(free);
        }
    }
    nodes.sort_unstable();
    nodes
}

/// Sets each movie's novelty to 1 − its popularity percentile (ties share a value).
fn assign_novelty(movies: &[Movie], truth: &mut [MovieTruth]) {
    let n = movies.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (movies[i].vote_count, i));
    let mut start = 0;
    while start < n {
        let count = movies[order[start]].vote_count;
        let mut end = start;
        while end < n && movies[order[end]].vote_count == count {
            end += 1;
        }
        let mid_rank = (start + end - 1) as f64 / 2.0;
        let percentile = if n > 1 {
            mid_rank / (n - 1) as f64
        } else {
            0.5
        };
        for &i in &order[start..end] {
            truth[i].novelty = 1.0 - percentile;
        }
        start = end;
    }
}

/// Sets each movie's standing to its ln vote_count standardised over the catalogue;
/// all 0 when every movie has the same count.
fn assign_standing(movies: &[Movie], truth: &mut [MovieTruth]) {
    let logs: Vec<f64> = movies.iter().map(|m| (m.vote_count as f64).ln()).collect();
    let n = logs.len() as f64;
    let mean = logs.iter().sum::<f64>() / n;
    let sd = (logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    for (t, x) in truth.iter_mut().zip(&logs) {
        t.standing = if sd > 0.0 { (x - mean) / sd } else { 0.0 };
    }
}
