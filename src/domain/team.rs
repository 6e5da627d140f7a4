//! Teams: a name and its members.

use super::ids::{MemberId, TeamId};
use serde::{Deserialize, Serialize};

/// A team of participants. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    /// Members in the order they joined.
    pub members: Vec<MemberId>,
    /// The challenge the team took on.
    #[serde(default)]
    pub challenge: Option<u32>,
    /// Id of the team-table room assigned to the team, if one was free.
    #[serde(default)]
    pub table: Option<String>,
}
