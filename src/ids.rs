//! Newtype identifiers for the entities of a world.
//!
//! Ids are dense indices (`0..n`) into the catalogue and the population, so they double
//! as vector indices; the newtypes keep a movie index from being used as a user index.

use serde::{Deserialize, Serialize};

/// A movie of the [`Catalogue`](crate::world::Catalogue); `MovieId(i)` is `movies[i]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MovieId(pub u32);

/// A user of the [`Population`](crate::world::Population); `UserId(i)` is `users[i]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UserId(pub u32);

/// A genre, an index into the scenario's genre list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GenreId(pub u16);

/// An arm of the stack, an index into the scenario's arm list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ArmId(pub u16);

impl MovieId {
    /// The id as a vector index.
    #[must_use]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl UserId {
    /// The id as a vector index.
    #[must_use]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl GenreId {
    /// The id as a vector index.
    #[must_use]
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl ArmId {
    /// The id as a vector index.
    #[must_use]
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}
