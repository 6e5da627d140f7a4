//! Questions to the team on stage: the `question` requests, a new question
//! addressed to the team on stage now, and the visible list sent, encoded
//! once, to every member and watcher on joining and on every change (hidden
//! ones never leave).

use super::actor::Hub;
use super::requests::Intent;
use super::sessions::Session;
use crate::domain::permissions::{Permission, check};
use crate::domain::questions::{MAX_QUESTION_CHARS, QuestionCommand};
use crate::domain::text::Message;
use crate::domain::{Command, DomainError, MemberId, Role};
use crate::protocol::{Encoded, ErrorCode, QuestionOp, QuestionView, ServerMsg, encoded};

/// What a `question` request asks; an asked question's text is checked here,
/// its team is resolved by [`Hub::question_to_stage`].
pub(super) fn question_intent(op: QuestionOp) -> Result<Intent, (ErrorCode, String)> {
    let command = |c| Ok(Intent::Durable(Command::Question(c)));
    match op {
        QuestionOp::Ask { text } => Ok(Intent::AskQuestion(Message::parse(
            &text,
            MAX_QUESTION_CHARS,
        )?)),
        QuestionOp::Upvote { question } => command(QuestionCommand::Upvote { question }),
        QuestionOp::Pick { question } => command(QuestionCommand::Pick { question }),
        QuestionOp::Hide { question } => command(QuestionCommand::Hide { question }),
    }
}

impl Hub {
    /// The durable command for `member` asking `text`: the role first, then
    /// a team must be on stage.
    pub(super) fn question_to_stage(
        &self,
        member: MemberId,
        text: Message,
    ) -> Result<Command, DomainError> {
        let role = self
            .event()
            .member(member)
            .map_or(Role::Spectator, |m| m.role);
        check(role, Permission::AskQuestions)?;
        let team = self
            .event()
            .state()
            .show
            .current_team()
            .ok_or(DomainError::NothingOnStage)?;
        Ok(Command::Question(QuestionCommand::Ask { team, text }))
    }

    fn questions_frame(&self) -> Encoded {
        let board = &self.event().state().questions;
        let questions = board
            .ranking()
            .into_iter()
            .map(|q| QuestionView {
                id: q.id,
                team: q.team.0,
                author: q.author.0,
                text: q.text.clone(),
                votes: q.upvoters.len(),
                upvoters: q.upvoters.iter().map(|m| m.0).collect(),
                asked_at: q.asked_at,
            })
            .collect();
        encoded(&ServerMsg::Questions {
            picked: board.picked,
            questions,
        })
    }

    /// Sends everyone (members and watchers) the questions after a change.
    pub(super) fn push_questions(&self) {
        self.deliver(self.questions_frame(), self.sessions.everyone());
    }

    /// Sends a newly joined session (member or watcher) the questions.
    pub(super) fn send_questions_on_join(&self, session: &Session) {
        self.deliver(self.questions_frame(), std::iter::once(session));
    }
}
