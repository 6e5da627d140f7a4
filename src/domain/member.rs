//! People registered in an event, and the invites that let them in.
//!
//! Secrets (invite and session tokens) are never stored: only their SHA-256 hash.

use super::ids::{MemberId, Millis, TeamId};
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
    /// Muted by the moderator: may not chat.
    #[serde(default)]
    pub muted: bool,
    /// Banned by the moderator: the session no longer resumes.
    #[serde(default)]
    pub banned: bool,
}

/// An invite link: whoever holds the token joins with this role (and team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// Per-event number, for listing and revoking.
    #[serde(default)]
    pub id: u32,
    /// Hex SHA-256 of the token in the link.
    pub token_hash: String,
    pub role: Role,
    pub team: Option<TeamId>,
    /// A personal invite (from a roster) carries the person's name.
    #[serde(default)]
    pub name: Option<String>,
    /// What the moderator called the link ("Presse", "Équipe Data").
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub expires_at: Option<Millis>,
    #[serde(default)]
    pub max_uses: Option<u32>,
    #[serde(default)]
    pub uses: u32,
    #[serde(default)]
    pub revoked: bool,
}

impl Invite {
    /// Why the invite cannot be used at `now`, if it cannot.
    pub fn refusal(&self, now: Millis) -> Option<InviteRefusal> {
        if self.revoked {
            Some(InviteRefusal::Revoked)
        } else if self.expires_at.is_some_and(|at| now >= at) {
            Some(InviteRefusal::Expired)
        } else if self.max_uses.is_some_and(|max| self.uses >= max) {
            Some(InviteRefusal::UsedUp)
        } else {
            None
        }
    }
}

/// Why a known invite was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefusal {
    Revoked,
    Expired,
    UsedUp,
}
