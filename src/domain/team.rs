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
}
