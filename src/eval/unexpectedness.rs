//! Unexpectedness of a movie to a user's history: the plan's serendipity score ("avg
//! dissimilarity to user profile") as one pure function, shared by the online
//! metrics of a replay and the offline table so both mean the same thing.

/// Genre dissimilarity of an item to a user's profile, in [0, 1].
///
/// The profile is the user's history as genre counts: `profile[g]` = number of movies
/// of the history tagged with genre `g`. The item is the indicator vector of its
/// genres. Dissimilarity is one minus their cosine:
///
/// ```text
/// unexp(i, u) = 1 − Σ_{g ∈ G_i} p_u[g] / (√|G_i| · ‖p_u‖₂)
/// ```
///
/// so a movie whose genres the user never watched scores 1, and a movie of the only
/// genre the user ever watched scores 0. A user without history, or a movie without
/// genres, scores 1: nothing about it is expected (the convention of
/// [`crate::eval::serendipity_at_k`]'s profile distance for users without a profile).
///
/// The cosine against the whole profile, rather than the mean distance to each past
/// movie, costs O(|G_i| + n_genres) per item however long the history: the replay
/// scores every impression with it.
///
/// # Panics
///
/// If a genre index of `item_genres` is outside `profile`.
///
/// # References
///
/// Kaminskas & Bridge (2016), "Diversity, serendipity, novelty, and coverage", ACM
/// TiiS 7(1): unexpectedness as distance from the user's profile.
#[must_use]
pub fn profile_dissimilarity(item_genres: &[usize], profile: &[u32]) -> f64 {
    if item_genres.is_empty() {
        return 1.0;
    }
    let norm_sq: f64 = profile.iter().map(|&c| f64::from(c) * f64::from(c)).sum();
    if norm_sq == 0.0 {
        return 1.0;
    }
    let dot: f64 = item_genres.iter().map(|&g| f64::from(profile[g])).sum();
    let cosine = dot / ((item_genres.len() as f64).sqrt() * norm_sq.sqrt());
    (1.0 - cosine).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_cosines() {
        // Profile: 3 dramas, 4 comedies (genres 0 and 1), ‖p‖ = 5.
        let profile = [3, 4, 0];
        // Drama alone: cos = 3 / 5 → 0.4.
        assert!((profile_dissimilarity(&[0], &profile) - 0.4).abs() < 1e-12);
        // Drama + comedy: cos = 7 / (√2 · 5) → 1 − 0.98995 = 0.010051.
        let both = 1.0 - 7.0 / (2f64.sqrt() * 5.0);
        assert!((profile_dissimilarity(&[0, 1], &profile) - both).abs() < 1e-12);
        // An unwatched genre: 1.
        assert_eq!(profile_dissimilarity(&[2], &profile), 1.0);
    }

    #[test]
    fn the_only_genre_ever_watched_is_fully_expected() {
        assert_eq!(profile_dissimilarity(&[1], &[0, 9, 0]), 0.0);
    }

    #[test]
    fn no_history_or_no_genres_is_unexpected() {
        assert_eq!(profile_dissimilarity(&[0], &[0, 0]), 1.0);
        assert_eq!(profile_dissimilarity(&[], &[5, 1]), 1.0);
    }
}
