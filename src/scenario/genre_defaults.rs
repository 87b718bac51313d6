//! Defaults that name genres follow the catalogue's genre list.
//!
//! Four defaults name genres of the default catalogue: `catalogue.niche_genres`,
//! `context.daypart_shifts`, `context.weekend_shifts` and
//! `stack.diversity.niche_boost.genres`. A scenario that writes its own
//! `catalogue.genres` but leaves those fields out should not be told that the
//! defaults it never wrote name unknown genres: left-out lists keep only the entries
//! whose genre exists. A list the scenario writes itself is checked as written, so a
//! typo is still an error. The resolved `scenario.ron` of a report holds the lists as
//! used.

use std::collections::BTreeSet;

use super::ScenarioSpec;

/// Which of the genre-naming lists the RON text sets explicitly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct WrittenLists {
    niche_genres: bool,
    daypart_shifts: bool,
    weekend_shifts: bool,
    niche_boost_genres: bool,
}

impl WrittenLists {
    /// Reads which fields `src` sets; text that is not a RON map at some level simply
    /// sets nothing below it (the typed parse has already accepted the text).
    pub(super) fn of(src: &str, options: &ron::Options) -> Self {
        let Ok(root) = options.from_str::<ron::Value>(src) else {
            return Self::default();
        };
        let has = |path: &[&str]| -> bool {
            let mut value = &root;
            for key in path {
                let ron::Value::Map(map) = value else {
                    return false;
                };
                match map.get(&ron::Value::String((*key).to_owned())) {
                    Some(v) => value = v,
                    None => return false,
                }
            }
            true
        };
        Self {
            niche_genres: has(&["catalogue", "niche_genres"]),
            daypart_shifts: has(&["context", "daypart_shifts"]),
            weekend_shifts: has(&["context", "weekend_shifts"]),
            niche_boost_genres: has(&["stack", "diversity", "niche_boost", "genres"]),
        }
    }
}

impl ScenarioSpec {
    /// Drops, from every genre-naming list the scenario did not write, the entries
    /// naming genres absent from `catalogue.genres`.
    pub(super) fn fit_genre_defaults(&mut self, written: WrittenLists) {
        let genres: BTreeSet<String> = self
            .catalogue
            .genres
            .iter()
            .map(|g| g.name.clone())
            .collect();
        if !written.niche_genres {
            self.catalogue.niche_genres.retain(|g| genres.contains(g));
        }
        if !written.daypart_shifts {
            self.context
                .daypart_shifts
                .retain(|s| genres.contains(&s.genre));
        }
        if !written.weekend_shifts {
            self.context
                .weekend_shifts
                .retain(|s| genres.contains(&s.genre));
        }
        if !written.niche_boost_genres {
            self.stack
                .diversity
                .niche_boost
                .genres
                .retain(|g| genres.contains(g));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::scenario::Scenario;

    const OWN_GENRES: &str = r#"(catalogue: (genres: [
        (name: "drama", share: 0.5),
        (name: "horror", share: 0.3),
        (name: "anime", share: 0.2, languages: [(code: "ja", share: 1.0)]),
    ]))"#;

    #[test]
    fn left_out_defaults_follow_a_custom_genre_list() {
        let s = Scenario::from_ron_str(OWN_GENRES, Path::new("own.ron"), "own").unwrap();
        let spec = s.spec();
        assert_eq!(spec.catalogue.niche_genres, ["anime"]);
        assert!(
            spec.context
                .daypart_shifts
                .iter()
                .all(|d| ["drama", "horror", "anime"].contains(&d.genre.as_str()))
        );
        assert_eq!(
            spec.context.daypart_shifts.len(),
            4,
            "evening drama, morning and night horror, night anime"
        );
        assert!(spec.context.weekend_shifts.is_empty());
        assert_eq!(spec.stack.diversity.niche_boost.genres, ["anime"]);
        // The resolved scenario is explicit and reproduces itself.
        let again = Scenario::from_ron_str(&s.to_ron(), Path::new("again.ron"), "own").unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn written_lists_are_checked_as_written() {
        let src = OWN_GENRES.replace(
            "]))",
            "]), context: (weekend_shifts: [(genre: \"family\", shift: 0.5)]))",
        );
        let err = Scenario::from_ron_str(&src, Path::new("own.ron"), "own").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("`context.weekend_shifts[0].genre`") && msg.contains("\"family\""),
            "{msg}"
        );
        assert!(
            !msg.contains("daypart_shifts"),
            "left-out defaults are fitted: {msg}"
        );
    }
}
