//! Content similarity: the user's profile against every movie's vector.
//!
//! ```text
//! profile(u) = normalise( Σ_{i ∈ H_u, w_ui > 0} w_ui · v_i )      (v_i unit vectors)
//! score(u, j) = cos(profile(u), v_j)
//! ```
//!
//! with `w_ui` the preference weight of [`history`](super::history): a
//! rating-weighted mean of liked movies. Vectors are the simulated text view, image
//! view, or both (each normalised, then concatenated), or rows of a vector file.
//! Users without a liked movie get the popularity order.
//!
//! # Candidate generation
//!
//! A full scan: one d-dimensional dot product per movie (d = 64 by default), four
//! movies per pass over factor-major blocks ([`ItemFactorBlocks`], bit-identical to
//! [`dot`](super::vectors::dot)); only scores that would enter the top n are
//! checked against the seen list. Pruning would need an ANN index whose
//! approximation the benchmark does not need at 5,000 movies.

use crate::ids::MovieId;
use crate::interaction::Interaction;
use crate::rng::ChaCha8Rng;
use crate::scenario::spec::ContentView;
use crate::world::Catalogue;

use super::factor_blocks::ItemFactorBlocks;
use super::history::Histories;
use super::learned_vectors::{LearnedBlocks, learned_vectors};
use super::subspace::Basis;
use super::topn::TopN;
use super::vectors::{UnitVectors, UserProfiles};
use super::{
    ListReuse, Recommender, Request, Scored, TrainingData, fill_by_popularity, popularity_order,
};

/// The content-embeddings arm.
#[derive(Clone, Debug)]
pub struct Embeddings {
    vectors: UnitVectors,
    /// The vectors laid out for the scan (biases 0).
    blocks: ItemFactorBlocks,
    histories: Histories,
    profiles: UserProfiles,
    fallback: Vec<MovieId>,
    /// The stream of learned vectors' SVD and the basis it ended on, when the vectors
    /// are learned from the training data.
    learn: Option<(ChaCha8Rng, Basis)>,
}

/// The unit vectors of a simulated content view (`auto` and `learned` read both
/// views: callers resolve them first).
#[must_use]
pub fn view_vectors(catalogue: &Catalogue, view: ContentView) -> UnitVectors {
    let parts: Vec<Vec<&[f32]>> = catalogue
        .movies
        .iter()
        .map(|m| match view {
            ContentView::Text => vec![m.text_view.as_slice()],
            ContentView::Image => vec![m.image_view.as_slice()],
            ContentView::Both | ContentView::Auto | ContentView::Learned => {
                vec![m.text_view.as_slice(), m.image_view.as_slice()]
            }
        })
        .collect();
    UnitVectors::from_parts(&parts)
}

/// Unit vectors as factor blocks with zero biases: block scores are cosines.
pub(crate) fn unit_blocks(vectors: &UnitVectors) -> ItemFactorBlocks {
    let flat: Vec<f32> = (0..vectors.len())
        .flat_map(|i| vectors.get(i).iter().copied())
        .collect();
    ItemFactorBlocks::new(vectors.dim(), &flat, &vec![0.0; vectors.len()], 1.0)
}

impl Embeddings {
    /// An arm over a simulated view.
    #[must_use]
    pub fn new(catalogue: &Catalogue, view: ContentView) -> Self {
        Self::with_vectors(catalogue, view_vectors(catalogue, view))
    }

    /// An arm over given vectors (e.g. loaded from a file), one per movie.
    #[must_use]
    pub fn with_vectors(catalogue: &Catalogue, vectors: UnitVectors) -> Self {
        Self {
            blocks: unit_blocks(&vectors),
            vectors,
            histories: Histories::default(),
            profiles: UserProfiles::default(),
            fallback: popularity_order(catalogue),
            learn: None,
        }
    }

    /// An arm whose vectors are learned from the training data at each `fit`
    /// (ratings, genres, year and tags: [`LearnedSources`](super::LearnedSources)), the
    /// SVD drawing from `rng`.
    #[must_use]
    pub fn learned(catalogue: &Catalogue, rng: ChaCha8Rng) -> Self {
        Self {
            learn: Some((rng, Basis::default())),
            ..Self::with_vectors(catalogue, UnitVectors::from_parts(&[]))
        }
    }
}

impl Recommender for Embeddings {
    fn name(&self) -> &'static str {
        "embeddings"
    }

    fn list_reuse(&self) -> ListReuse {
        if self.learn.is_some() {
            // Learned vectors move at every update.
            ListReuse::UntilUpdate
        } else {
            // Fixed vectors: the rest is the user's own history.
            ListReuse::WhileUserUnchanged
        }
    }

    fn fit(&mut self, data: &TrainingData<'_>) {
        self.histories = Histories::from_log(data.population.len(), data.interactions);
        if let Some((rng, basis)) = &mut self.learn {
            self.vectors = learned_vectors(
                data.catalogue,
                &self.histories,
                LearnedBlocks::All,
                rng,
                basis,
                false,
            );
            self.blocks = unit_blocks(&self.vectors);
            self.fallback = popularity_order(data.catalogue);
        }
        self.profiles = UserProfiles::build(&self.vectors, &self.histories);
    }

    fn update(&mut self, data: &TrainingData<'_>, new: &[Interaction]) {
        if self.histories.n_users() != data.population.len() {
            self.fit(data);
            return;
        }
        self.histories.add(new);
        if let Some((rng, basis)) = &mut self.learn {
            // Warm start of the learned vectors; every profile moves with them.
            self.vectors = learned_vectors(
                data.catalogue,
                &self.histories,
                LearnedBlocks::All,
                rng,
                basis,
                true,
            );
            self.blocks = unit_blocks(&self.vectors);
            self.profiles = UserProfiles::build(&self.vectors, &self.histories);
        } else {
            self.profiles.refresh(&self.vectors, &self.histories, new);
        }
    }

    fn recommend(
        &self,
        request: &Request<'_>,
        n: usize,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<Scored>,
    ) {
        let Some(profile) = self.profiles.of(request.user) else {
            fill_by_popularity(&self.fallback, request, n, out);
            return;
        };
        let mut top = TopN::reusing(n, std::mem::take(out));
        self.blocks
            .scan(0.0, profile, request.seen, &mut top, |_| true);
        top.finish(out);
    }

    fn recommend_many(
        &self,
        requests: &[Request<'_>],
        n: usize,
        _rngs: &mut [ChaCha8Rng],
        outs: &mut [Vec<Scored>],
    ) {
        // Users with a profile share one pass over the vectors; the others get the
        // popularity order, as in `recommend`.
        let vectors: Vec<Option<&[f32]>> =
            requests.iter().map(|r| self.profiles.of(r.user)).collect();
        self.blocks
            .top_n_or_popular(requests, &vectors, &self.fallback, n, outs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::interaction::InteractionKind;
    use crate::recommend::testing;

    #[test]
    fn ranks_by_cosine_to_the_liked_profile() {
        // Movies on a circle at 0°, 10°, 90°, 180°, 100°; the user liked 0° (5 stars)
        // and hated 180° (1 star, ignored by the profile). Cosine to 0°: 10° > 90° >
        // 100° > 180°.
        let angles = [0.0f32, 10.0, 90.0, 180.0, 100.0];
        let raw: Vec<[f32; 2]> = angles
            .iter()
            .map(|a| [a.to_radians().cos(), a.to_radians().sin()])
            .collect();
        let parts: Vec<Vec<&[f32]>> = raw.iter().map(|v| vec![&v[..]]).collect();
        let catalogue = testing::catalogue(5);
        let mut arm = Embeddings::with_vectors(&catalogue, UnitVectors::from_parts(&parts));
        let log = [(0, 5.0), (3, 1.0)].map(|(m, r)| Interaction {
            user: UserId(0),
            movie: MovieId(m),
            kind: InteractionKind::Rating,
            value: r,
            time_secs: 0,
        });
        arm.fit(&testing::data(&catalogue, 1, &log));
        let context = testing::context();
        let seen = [MovieId(0)];
        let request = testing::request(UserId(0), &context, &seen);
        let mut out = Vec::new();
        arm.recommend(&request, 10, &mut testing::rng(), &mut out);
        let ids: Vec<u32> = out.iter().map(|s| s.movie.0).collect();
        assert_eq!(ids, [1, 2, 4, 3]);
        assert!((out[0].score - 10f64.to_radians().cos()).abs() < 1e-6);
    }
}
