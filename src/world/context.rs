//! Context: what production can observe about a request, and its bandit key.

use serde::{Deserialize, Serialize};

use crate::interaction::{SECS_PER_DAY, SECS_PER_HOUR, SimSecs};
pub use crate::scenario::spec::{Daypart, Weekday};
use crate::world::Segment;

/// Weekday or weekend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    /// Monday to Friday.
    Weekday,
    /// Saturday and Sunday.
    Weekend,
}

/// How much one genre dominates a user's recent watching, bucketed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Saturation {
    /// The top genre is under a third of recent watches (or nothing watched yet).
    Low,
    /// A third to two thirds.
    Medium,
    /// Over two thirds.
    High,
}

/// Early (exploitative) or late (exploratory) in a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionPhase {
    /// Requests 1–3 of a session.
    Early,
    /// Request 4 onwards.
    Late,
}

/// Requests of a session that count as early.
pub const EARLY_REQUESTS: u32 = 3;

/// The context of one request, as production could extract it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Context {
    /// Part of the day.
    pub daypart: Daypart,
    /// Weekday or weekend.
    pub day_type: DayType,
    /// The user's activity segment.
    pub segment: Segment,
    /// Recent genre saturation.
    pub saturation: Saturation,
    /// Early or late in the session.
    pub session_phase: SessionPhase,
}

impl Context {
    /// The neutral context of offline requests (evaluation folds, the offline table,
    /// the deployment gate): a weekday evening, first in a session, not saturated.
    #[must_use]
    pub fn offline(segment: Segment) -> Self {
        Self {
            daypart: Daypart::Evening,
            day_type: DayType::Weekday,
            segment,
            saturation: Saturation::Low,
            session_phase: SessionPhase::Early,
        }
    }

    /// A compact, stable key such as `evening/weekday/regular/low/early`.
    #[must_use]
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}/{}",
            daypart_name(self.daypart),
            match self.day_type {
                DayType::Weekday => "weekday",
                DayType::Weekend => "weekend",
            },
            self.segment.name(),
            match self.saturation {
                Saturation::Low => "low",
                Saturation::Medium => "medium",
                Saturation::High => "high",
            },
            match self.session_phase {
                SessionPhase::Early => "early",
                SessionPhase::Late => "late",
            }
        )
    }
}

/// Snake-case name of a daypart.
#[must_use]
pub fn daypart_name(daypart: Daypart) -> &'static str {
    match daypart {
        Daypart::Morning => "morning",
        Daypart::Afternoon => "afternoon",
        Daypart::Evening => "evening",
        Daypart::Night => "night",
    }
}

/// The daypart of an hour 0–23: morning 6–11, afternoon 12–17, evening 18–22, night
/// 23–5.
#[must_use]
pub fn daypart_of_hour(hour: u32) -> Daypart {
    match hour {
        6..=11 => Daypart::Morning,
        12..=17 => Daypart::Afternoon,
        18..=22 => Daypart::Evening,
        _ => Daypart::Night,
    }
}

/// Index of a daypart for tables.
#[must_use]
pub fn daypart_index(daypart: Daypart) -> usize {
    match daypart {
        Daypart::Morning => 0,
        Daypart::Afternoon => 1,
        Daypart::Evening => 2,
        Daypart::Night => 3,
    }
}

fn weekday_index(day: Weekday) -> i64 {
    match day {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    }
}

/// The simulated calendar: day 0 falls on `start_weekday`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// Weekday of day 0.
    pub start_weekday: Weekday,
}

impl Calendar {
    /// Hour of the day, 0–23.
    #[must_use]
    pub fn hour(&self, t: SimSecs) -> u32 {
        u32::try_from(t.rem_euclid(SECS_PER_DAY) / SECS_PER_HOUR).expect("0..24")
    }

    /// Weekday or weekend at `t`.
    #[must_use]
    pub fn day_type(&self, t: SimSecs) -> DayType {
        let day = t.div_euclid(SECS_PER_DAY);
        match (weekday_index(self.start_weekday) + day).rem_euclid(7) {
            5 | 6 => DayType::Weekend,
            _ => DayType::Weekday,
        }
    }

    /// Daypart at `t`.
    #[must_use]
    pub fn daypart(&self, t: SimSecs) -> Daypart {
        daypart_of_hour(self.hour(t))
    }
}

/// Buckets the share of the most frequent genre among recent watches.
#[must_use]
pub fn saturation_of(top_genre_count: usize, n_recent: usize) -> Saturation {
    if n_recent == 0 {
        return Saturation::Low;
    }
    let share = top_genre_count as f64 / n_recent as f64;
    if share > 2.0 / 3.0 {
        Saturation::High
    } else if share >= 1.0 / 3.0 {
        Saturation::Medium
    } else {
        Saturation::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_knows_weekends_and_dayparts() {
        let cal = Calendar {
            start_weekday: Weekday::Monday,
        };
        assert_eq!(cal.day_type(0), DayType::Weekday);
        assert_eq!(cal.day_type(5 * SECS_PER_DAY), DayType::Weekend);
        assert_eq!(cal.day_type(6 * SECS_PER_DAY + 100), DayType::Weekend);
        assert_eq!(cal.day_type(7 * SECS_PER_DAY), DayType::Weekday);
        // Warm-up: day −1 is the Sunday before a Monday start.
        assert_eq!(cal.day_type(-1), DayType::Weekend);
        assert_eq!(cal.daypart(7 * SECS_PER_HOUR), Daypart::Morning);
        assert_eq!(cal.daypart(23 * SECS_PER_HOUR), Daypart::Night);
        assert_eq!(cal.daypart(-SECS_PER_HOUR), Daypart::Night);
        assert_eq!(cal.hour(-SECS_PER_HOUR), 23);
    }

    #[test]
    fn saturation_buckets_at_thirds() {
        assert_eq!(saturation_of(0, 0), Saturation::Low);
        assert_eq!(saturation_of(3, 10), Saturation::Low);
        assert_eq!(saturation_of(4, 10), Saturation::Medium);
        assert_eq!(saturation_of(7, 10), Saturation::High);
    }
}
