//! `long-tail-coverage`: how much of the long tail, the niche genres and anime was
//! recommended and clicked.

use serde::Serialize;

use super::{Header, RunView, group_name};

/// Recommendation and click rates of one group of movies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupRates {
    /// Movies of the catalogue in the group.
    pub movies: usize,
    /// Share of all impressions that showed a movie of the group (the plan's
    /// "recommendation rate").
    pub recommendation_rate: Option<f64>,
    /// Share of all clicks that went to a movie of the group (the plan's "% clicks").
    pub click_share: Option<f64>,
    /// Clicks per impression of the group's movies.
    pub click_through: Option<f64>,
    /// Share of the group's movies recommended at least once.
    pub coverage: Option<f64>,
}

/// One genre's rates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GenreRates {
    /// Genre name.
    pub genre: String,
    /// Whether the scenario counts it as niche.
    pub niche_genre: bool,
    /// Its rates (a movie counts for each of its genres).
    #[serde(flatten)]
    pub rates: GroupRates,
}

/// The groups of one set of recommendations.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LongTailGroups {
    /// Movies below the long-tail vote threshold.
    pub long_tail: GroupRates,
    /// Niche movies (a niche genre or a language other than the default).
    pub niche: GroupRates,
    /// Anime movies; `None` when the catalogue has no `anime` genre.
    pub anime: Option<GroupRates>,
}

/// One policy slot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantLongTail {
    /// `experiment/variant`, or `default`.
    pub group: String,
    /// Its groups.
    #[serde(flatten)]
    pub groups: LongTailGroups,
}

/// The `long-tail-coverage` document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LongTailCoverage {
    /// Version, endpoint, scenario, seed.
    #[serde(flatten)]
    pub header: Header,
    /// A movie is long-tail with a vote count below this.
    pub long_tail_max_votes: u64,
    /// The scenario's niche genres.
    pub niche_genres: Vec<String>,
    /// Every recommendation of the run.
    pub overall: LongTailGroups,
    /// Per genre, in catalogue order.
    pub by_genre: Vec<GenreRates>,
    /// Per policy slot with requests, the default stack first.
    pub by_variant: Vec<VariantLongTail>,
}

fn rates(members: &[bool], impressions: &[u64], clicks: &[u64]) -> GroupRates {
    let (mut shown, mut all_shown, mut clicked, mut all_clicked) = (0u64, 0u64, 0u64, 0u64);
    let (mut movies, mut covered) = (0usize, 0usize);
    for ((&member, &i), &c) in members.iter().zip(impressions).zip(clicks) {
        all_shown += i;
        all_clicked += c;
        if member {
            movies += 1;
            covered += usize::from(i > 0);
            shown += i;
            clicked += c;
        }
    }
    let per = |n: f64, d: f64| (d > 0.0).then(|| n / d);
    GroupRates {
        movies,
        recommendation_rate: per(shown as f64, all_shown as f64),
        click_share: per(clicked as f64, all_clicked as f64),
        click_through: per(clicked as f64, shown as f64),
        coverage: per(covered as f64, movies as f64),
    }
}

/// Builds the `long-tail-coverage` document.
#[must_use]
pub fn long_tail_coverage(view: &RunView<'_>) -> LongTailCoverage {
    let catalogue = &view.world.catalogue;
    let outcome = view.outcome;
    let signals = &outcome.signals;
    let long_tail: Vec<bool> = catalogue
        .movies
        .iter()
        .map(|m| catalogue.is_long_tail(m.id))
        .collect();
    let niche: Vec<bool> = catalogue.movies.iter().map(|m| m.is_niche).collect();
    let genre_members = |g: usize| -> Vec<bool> {
        catalogue
            .movies
            .iter()
            .map(|m| m.genres.iter().any(|x| x.index() == g))
            .collect()
    };
    let anime = catalogue.genre_names.iter().position(|n| n == "anime");
    let anime_members = anime.map(genre_members);
    let groups = |impressions: &[u64], clicks: &[u64]| LongTailGroups {
        long_tail: rates(&long_tail, impressions, clicks),
        niche: rates(&niche, impressions, clicks),
        anime: anime_members
            .as_ref()
            .map(|members| rates(members, impressions, clicks)),
    };
    let clicks = signals.clicks_by_movie_overall();
    let niche_genres = &view.scenario.spec().catalogue.niche_genres;
    LongTailCoverage {
        header: Header::new(view, "long-tail-coverage"),
        long_tail_max_votes: catalogue.long_tail_max_votes,
        niche_genres: niche_genres.clone(),
        overall: groups(&outcome.exposure, &clicks),
        by_genre: catalogue
            .genre_names
            .iter()
            .enumerate()
            .map(|(g, name)| GenreRates {
                genre: name.clone(),
                niche_genre: niche_genres.contains(name),
                rates: rates(&genre_members(g), &outcome.exposure, &clicks),
            })
            .collect(),
        by_variant: outcome
            .by_variant
            .iter()
            .enumerate()
            .filter(|(_, (_, tally))| tally.requests > 0)
            .map(|(slot, (key, _))| VariantLongTail {
                group: group_name(key),
                groups: groups(
                    &outcome.variant_exposure[slot],
                    &signals.clicks_by_movie[slot],
                ),
            })
            .collect(),
    }
}
