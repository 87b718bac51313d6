//! The fitted scenario as RON text: only the fitted fields, every other field left to
//! its default, so a user can add a stack, experiments and a horizon to it.

use std::fmt::Write as _;

use crate::scenario::spec::StackSpec;

use super::FitParams;
use super::target::GenreMix;

/// Shares are written in millionths, the largest adjusted so that the written numbers
/// sum to exactly 1 (validation allows 1e-6).
const SHARE_UNITS: i64 = 1_000_000;

/// The body of the fitted scenario file (no comments): what the fit measured.
#[must_use]
pub fn scenario_text(name: &str, params: &FitParams, genres: Option<&GenreMix>) -> String {
    let mut t = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(t, "(");
    let _ = writeln!(t, "    name: {},", ron_string(name));
    let _ = writeln!(t, "    seed: {},", params.seed);
    let _ = writeln!(t, "    catalogue: (");
    let _ = writeln!(t, "        n_movies: {},", params.n_movies);
    if let Some(mix) = genres {
        let _ = writeln!(t, "        genres: [");
        for (name, units) in mix.shares.iter().map(|(n, _)| n).zip(share_units(mix)) {
            let share = format!("{}.{:06}", units / SHARE_UNITS, units % SHARE_UNITS);
            let _ = writeln!(
                t,
                "            (name: {}, share: {share}),",
                ron_string(name)
            );
        }
        let _ = writeln!(t, "        ],");
    }
    if let Some(p) = params.extra_genre_probability {
        let _ = writeln!(t, "        extra_genre_probability: {p},");
    }
    if let Some((min, max)) = params.years {
        let _ = writeln!(t, "        years: (min: {min}, max: {max}),");
    }
    let _ = writeln!(t, "    ),");
    let _ = writeln!(t, "    population: (");
    let _ = writeln!(t, "        n_users: {},", params.n_users);
    let a = &params.activity;
    let _ = writeln!(
        t,
        "        activity: LogNormal(median: {}, sigma: {}, min: {}, max: {}),",
        float(a.median),
        float(a.sigma),
        a.min,
        a.max
    );
    let _ = writeln!(
        t,
        "        visibility_weight: {},",
        float(params.visibility_weight)
    );
    let _ = writeln!(t, "    ),");
    let _ = writeln!(t, "    response: (");
    let _ = writeln!(
        t,
        "        utility: (quality: {}),",
        float(params.quality_weight)
    );
    let step = if params.rating_step == 1.0 {
        String::new()
    } else {
        format!(
            ", step: {}, half_star_users: {}",
            float(params.rating_step),
            float(params.half_star_users)
        )
    };
    let _ = writeln!(
        t,
        "        rating: (slope: {}, midpoint: {}, noise_sd: {}, noise_skew: {}{step}),",
        float(params.rating_slope),
        float(params.rating_midpoint),
        float(params.rating_noise_sd),
        float(params.rating_noise_skew)
    );
    let _ = writeln!(t, "    ),");
    // A catalogue smaller than the default slate shows every movie.
    let slate = StackSpec::default().slate_size;
    if params.n_movies < slate {
        let _ = writeln!(t, "    stack: (slate_size: {}),", params.n_movies);
    }
    let _ = writeln!(t, ")");
    t
}

/// A float as RON reads it back exactly: Rust's shortest round-trip form, with a
/// decimal point so RON never mistakes it for an integer.
fn float(x: f64) -> String {
    let text = format!("{x:?}");
    if text.contains(['.', 'e', 'E']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// A string literal RON reads back as `s` (JSON string escapes are valid RON).
fn ron_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serialises")
}

/// Each genre's share in millionths, summing to exactly one million.
fn share_units(mix: &GenreMix) -> Vec<i64> {
    let mut units: Vec<i64> = mix
        .shares
        .iter()
        .map(|(_, s)| (s * SHARE_UNITS as f64).round() as i64)
        .collect();
    let total: i64 = units.iter().sum();
    if let Some(largest) = units.first_mut() {
        // Shares are sorted largest first: the largest absorbs the rounding.
        *largest += SHARE_UNITS - total;
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_sum_to_exactly_one_million() {
        let third = 1.0 / 3.0;
        let mix = GenreMix {
            shares: vec![
                ("a".into(), third),
                ("b".into(), third),
                ("c".into(), third),
            ],
            labels_per_movie: 1.0,
        };
        assert_eq!(share_units(&mix), vec![333_334, 333_333, 333_333]);
    }

    #[test]
    fn floats_keep_a_decimal_point() {
        assert_eq!(float(3.0), "3.0");
        assert_eq!(float(0.1234), "0.1234");
        assert_eq!(ron_string("children's \"x\""), r#""children's \"x\"""#);
    }
}
