//! The idea board on the wire: `{"type":"idea","op":…}` requests and the
//! `ideas` board every connected person receives.
//!
//! The request mirrors [`IdeaCommand`] but is not it: renaming a field here
//! never changes the journal.

use crate::domain::ideas::{IdeaCommand, parse_idea};
use crate::domain::text::Name;
use crate::domain::{DomainError, Event};
use serde::{Deserialize, Serialize};

/// `{"type":"idea","op":…}`: participants post, support, withdraw and say
/// they are interested; the moderator closes, reopens, sets the budget and
/// turns ideas into teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum IdeaOp {
    Post {
        title: String,
        pitch: String,
        #[serde(default)]
        challenge: Option<u32>,
        #[serde(default)]
        skills: Vec<String>,
    },
    Support {
        idea: u32,
    },
    Withdraw {
        idea: u32,
    },
    Interest {
        idea: u32,
        interested: bool,
    },
    Close,
    Reopen,
    SetBudget {
        supports_per_person: u8,
    },
    MakeTeam {
        idea: u32,
        #[serde(default)]
        name: Option<String>,
    },
}

impl IdeaOp {
    /// The command the request asks of `event`; its texts are cleaned and
    /// checked here, once (see [`crate::domain::text`]). A team made from an
    /// idea without a name is named after the idea's title, checked here
    /// like a name the moderator typed.
    pub fn into_command(self, event: &Event) -> Result<IdeaCommand, DomainError> {
        Ok(match self {
            IdeaOp::Post {
                title,
                pitch,
                challenge,
                skills,
            } => {
                let (title, pitch, skills) = parse_idea(&title, &pitch, &skills)?;
                IdeaCommand::Post {
                    title,
                    pitch,
                    challenge,
                    skills,
                }
            }
            IdeaOp::Support { idea } => IdeaCommand::Support { idea },
            IdeaOp::Withdraw { idea } => IdeaCommand::Withdraw { idea },
            IdeaOp::Interest { idea, interested } => IdeaCommand::Interest { idea, interested },
            IdeaOp::Close => IdeaCommand::Close,
            IdeaOp::Reopen => IdeaCommand::Reopen,
            IdeaOp::SetBudget {
                supports_per_person,
            } => IdeaCommand::SetBudget {
                supports_per_person,
            },
            IdeaOp::MakeTeam { idea, name } => IdeaCommand::MakeTeam {
                idea,
                // An unknown idea is the event's to refuse (after the role).
                name: name
                    .or_else(|| event.idea_team_name(idea))
                    .map(|raw| Name::parse("team name", &raw, event.limits().max_name_chars))
                    .transpose()?,
            },
        })
    }
}

/// One idea as everyone sees it, in ranking order (`rank` from 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdeaView {
    pub id: u32,
    pub rank: u32,
    pub title: String,
    pub pitch: String,
    pub challenge: Option<u32>,
    pub skills: Vec<String>,
    pub author: u32,
    pub author_name: String,
    pub supporters: Vec<u32>,
    pub interested: Vec<u32>,
    /// The team the idea became, if any.
    pub team: Option<u32>,
    pub posted_at: u64,
}

/// The whole board (`ideas` message), sent on joining and on every change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardView {
    pub open: bool,
    pub supports_per_person: u8,
    pub ideas: Vec<IdeaView>,
}
