//! The idea board in the hub: its requests turned into commands, and the
//! board pushed in one frame, encoded once, to everyone connected, on joining
//! and on every change.

use super::actor::Hub;
use super::requests::Intent;
use super::sessions::Session;
use crate::domain::{Command, Event};
use crate::protocol::{BoardView, Encoded, IdeaView, ServerMsg, encoded};
use crate::protocol::{ErrorCode, IdeaOp};

/// What an `idea` request asks of `event`: its board command, its texts
/// checked (an idea team's name resolved from the title when none is given).
pub(super) fn idea_intent(op: IdeaOp, event: &Event) -> Result<Intent, (ErrorCode, String)> {
    Ok(Intent::Durable(Command::Idea(op.into_command(event)?)))
}

impl Hub {
    /// The board, ranked.
    fn ideas_frame(&self) -> Encoded {
        let board = &self.event().state().ideas;
        let ideas = board
            .ranking()
            .into_iter()
            .zip(1..)
            .map(|(idea, rank)| IdeaView {
                id: idea.id,
                rank,
                title: idea.title.clone(),
                pitch: idea.pitch.clone(),
                challenge: idea.challenge,
                skills: idea.skills.clone(),
                author: idea.author.0,
                author_name: self
                    .event()
                    .member(idea.author)
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
                supporters: idea.supporters.iter().map(|m| m.0).collect(),
                interested: idea.interested.iter().map(|m| m.0).collect(),
                team: idea.team.map(|t| t.0),
                posted_at: idea.posted_at,
            })
            .collect();
        encoded(&ServerMsg::Ideas {
            board: BoardView {
                open: board.open,
                supports_per_person: board.supports_per_person,
                ideas,
            },
        })
    }

    /// Sends everyone the board after a change.
    pub(super) fn push_ideas(&self) {
        self.deliver(self.ideas_frame(), self.sessions.members());
    }

    /// Sends a newly joined session the board.
    pub(super) fn send_ideas_on_join(&self, session: &Session) {
        self.deliver(self.ideas_frame(), std::iter::once(session));
        self.send_projects_on_join(session);
    }
}
