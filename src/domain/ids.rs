//! Small identifiers and the server clock unit.
//!
//! Ids are short per-event integers so that position batches stay compact on
//! the wire (`[id, x, y]`), rather than 36-character UUIDs.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Milliseconds since the Unix epoch, server clock. The domain never reads a
/// clock: every change receives its `now` from the caller (live hub or replay).
pub type Millis = u64;

/// A person in one event; also the id of their avatar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MemberId(pub u32);

/// A team in one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TeamId(pub u32);

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for TeamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
