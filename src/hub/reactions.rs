//! Reactions: taken from anyone watching (members and anonymous watchers of
//! /live and /stage) while a team is on stage, counted in
//! [`crate::domain::reactions::ReactionTally`], and sent at the tick as one
//! `reactions` frame a second, encoded once for everyone.

use super::actor::Hub;
use super::link::ConnId;
use crate::domain::DomainError;
use crate::domain::reactions::Reaction;
use crate::protocol::{ErrorCode, ServerMsg, encoded};

impl Hub {
    /// A reaction from `conn`. Refused (typed) when nobody is on stage;
    /// over the sender's budget it is dropped without a word, but still
    /// acknowledged, so a client cannot tell and has no reason to resend.
    pub(super) fn react(&mut self, conn: ConnId, rid: Option<u64>, reaction: Reaction) {
        let closing = self
            .sessions
            .any(conn)
            .is_none_or(|s| s.link.shared().close_reason().is_some());
        if closing {
            return;
        }
        let outcome = if self.event().state().show.current_team().is_none() {
            let err = DomainError::NothingOnStage;
            Err((ErrorCode::Refused(err.code()), err.to_string()))
        } else {
            let now = self.now();
            self.reactions.add(conn, reaction, now);
            Ok(())
        };
        let session = self.sessions.any(conn);
        if let (Some(session), Some(reply)) = (session, super::actor::reply_frame(rid, outcome)) {
            self.deliver(reply, std::iter::once(session));
        }
    }

    /// At most once a second: the counts of the second to everyone
    /// connected, members and watchers alike.
    pub(super) fn flush_reactions(&mut self) {
        let now = self.now();
        let Some(counts) = self.reactions.flush(now) else {
            return;
        };
        let team = self.event().state().show.current_team().map(|t| t.0);
        let frame = encoded(&ServerMsg::Reactions { team, counts });
        self.deliver(frame, self.sessions.everyone());
    }
}
