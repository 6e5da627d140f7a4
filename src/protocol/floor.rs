//! The floor on the wire: `{"type":"floor","op":…}` requests (raise or
//! lower a hand; the moderator gives or takes the floor and sets whether
//! jurors speak during Q&A) and the `floor` state everyone in the venue
//! receives. The rules are in [`crate::domain::floor`].

use serde::{Deserialize, Serialize};

/// `{"type":"floor","op":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum FloorOp {
    /// Ask to speak (audience in the amphitheatre).
    Raise,
    /// Stop asking, or give the floor up.
    Lower,
    /// Give `member` the floor (moderator).
    Give { member: u32 },
    /// Take the floor back from `member` (moderator).
    Take { member: u32 },
    /// Whether jurors are heard during Q&A without asking (moderator; an
    /// event setting, journaled).
    JurorsInQa { on: bool },
}

/// A raised hand, in queue order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandView {
    pub member: u32,
    pub name: String,
    /// When it went up (server time, ms).
    pub raised_at: u64,
    /// They hold the floor now.
    pub speaking: bool,
}

/// Everything the venue shows of the floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FloorView {
    /// Raised hands, first raised first.
    pub hands: Vec<HandView>,
    /// Who holds the floor, first given first.
    pub holders: Vec<u32>,
    /// Most people holding the floor at once.
    pub max_holders: usize,
    /// The stage is in Q&A now.
    pub qa: bool,
    /// The event lets jurors speak during Q&A without asking.
    pub jurors_speak_in_qa: bool,
}
