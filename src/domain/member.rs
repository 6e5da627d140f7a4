//! People registered in an event, and the invites that let them in.
//!
//! Secrets (invite and session tokens) are never stored: only their SHA-256 hash.

use super::ids::{MemberId, TeamId};
use super::role::Role;
use serde::{Deserialize, Serialize};

/// A person who joined the event. Durable: survives restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub role: Role,
    pub team: Option<TeamId>,
    /// Hex SHA-256 of the session token that lets this person resume.
    pub session_hash: String,
}

/// An invite link: whoever holds the token joins with this role (and team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// Hex SHA-256 of the token in the link.
    pub token_hash: String,
    pub role: Role,
    pub team: Option<TeamId>,
}
