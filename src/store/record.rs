//! One journal record: a durable command with its sequence number, time and author.

use crate::domain::{Command, MemberId, Millis};
use serde::{Deserialize, Serialize};

/// A durable command as journaled. Replay applies `command` as `actor` at `at`,
/// so recovery needs no clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub seq: u64,
    pub at: Millis,
    pub actor: Option<MemberId>,
    pub command: Command,
}
