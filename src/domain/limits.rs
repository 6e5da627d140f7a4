//! Tunable limits of an event: text lengths, walking speed, grace period.

use serde::{Deserialize, Serialize};

/// Limits enforced by the domain. Comes from the server configuration; kept in
/// the domain so that the rules live next to the code that applies them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Longest chat message, in characters (not bytes).
    pub max_chat_chars: usize,
    /// Longest person or team name, in characters.
    pub max_name_chars: usize,
    /// Steps per second an avatar may take, by keys or by walking a path.
    pub steps_per_second: u32,
    /// Steps that may be taken at once after standing still (burst).
    pub step_burst: u32,
    /// How long a disconnected avatar stays in place, waiting for its owner.
    pub grace_ms: u64,
    /// Most members in one team.
    pub max_team_size: usize,
    /// Messages per channel a joining client receives as history.
    pub history_per_channel: usize,
    /// Longest path `walk_to` will plan, in steps.
    pub max_path_steps: usize,
    /// An unclaimed help request older than this reminds available mentors.
    pub help_reminder_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_chat_chars: 1000,
            max_name_chars: 40,
            steps_per_second: 8,
            step_burst: 4,
            grace_ms: 30_000,
            max_team_size: 7,
            history_per_channel: 50,
            max_path_steps: 400,
            help_reminder_ms: 5 * 60 * 1000,
        }
    }
}
