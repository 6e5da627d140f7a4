//! Written questions to the team on stage: members in the venue ask and
//! upvote (one vote per person per question); the moderator picks the next
//! question to answer and hides abusive ones. Durable (journaled, exported
//! with the results); anonymous watchers only read them.
//!
//! [`QuestionBoard`] holds the rules on its own; the end of this file binds
//! it to the event (roles, the team on stage, the per-person pace).

use super::command::Effect;
use super::error::DomainError;
use super::event::Event;
use super::ids::{MemberId, Millis, TeamId};
use super::member::Member;
use super::permissions::{Permission, check};
use super::text::Message;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 280;
/// Shortest time between two questions of one person (the rate limit).
pub const ASK_INTERVAL_MS: Millis = 15_000;
/// Most questions in an event (a flood guard, far above real use).
pub const MAX_QUESTIONS: usize = 2_000;

/// A change to the questions. `Ask` and `Upvote` come from the audience;
/// `Pick` and `Hide` from the moderator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum QuestionCommand {
    /// Asks the team on stage (resolved by the hub: `team` is journaled).
    Ask {
        team: TeamId,
        /// Checked against [`MAX_QUESTION_CHARS`] by the hub.
        text: Message,
    },
    Upvote {
        question: u32,
    },
    /// The next question to answer, shown on /stage and in the venue
    /// (`None`: none).
    Pick {
        question: Option<u32>,
    },
    /// Hides an abusive question from everyone, for good.
    Hide {
        question: u32,
    },
}

/// Why a question command was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum QuestionError {
    #[error("no question has id {0}")]
    UnknownQuestion(u32),
    #[error("you already upvoted question {0}")]
    AlreadyUpvoted(u32),
    #[error("question {0} was hidden by the moderator")]
    QuestionHidden(u32),
    #[error("one question every {} seconds; wait {wait_ms} ms", ASK_INTERVAL_MS / 1000)]
    AskingTooFast { wait_ms: u64 },
    #[error("the event has reached its {MAX_QUESTIONS} questions")]
    TooManyQuestions,
}

impl QuestionError {
    /// Stable wire code: the variant's name in snake_case.
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

impl From<QuestionError> for DomainError {
    fn from(err: QuestionError) -> DomainError {
        DomainError::Question(Box::new(err))
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: u32,
    /// The team on stage when it was asked.
    pub team: TeamId,
    pub author: MemberId,
    pub text: String,
    pub asked_at: Millis,
    pub upvoters: BTreeSet<MemberId>,
    pub hidden: bool,
}

/// Every question of the event and the one picked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QuestionBoard {
    pub questions: BTreeMap<u32, Question>,
    pub picked: Option<u32>,
}

impl QuestionBoard {
    fn visible(&self, id: u32) -> Result<&Question, QuestionError> {
        let found = self
            .questions
            .get(&id)
            .ok_or(QuestionError::UnknownQuestion(id))?;
        if found.hidden {
            return Err(QuestionError::QuestionHidden(id));
        }
        Ok(found)
    }

    /// The visible questions, most upvoted first (then oldest first).
    pub fn ranking(&self) -> Vec<&Question> {
        let mut ranked: Vec<&Question> = self.questions.values().filter(|q| !q.hidden).collect();
        ranked.sort_by_key(|q| (std::cmp::Reverse(q.upvoters.len()), q.id));
        ranked
    }

    /// Checks a command of `actor` at `now`, changing nothing.
    pub fn check(
        &self,
        actor: MemberId,
        command: &QuestionCommand,
        now: Option<Millis>,
    ) -> Result<(), QuestionError> {
        match command {
            QuestionCommand::Ask { .. } => {
                if self.questions.len() >= MAX_QUESTIONS {
                    return Err(QuestionError::TooManyQuestions);
                }
                let last = self
                    .questions
                    .values()
                    .filter(|q| q.author == actor)
                    .map(|q| q.asked_at)
                    .max();
                if let (Some(last), Some(now)) = (last, now)
                    && now < last + ASK_INTERVAL_MS
                {
                    return Err(QuestionError::AskingTooFast {
                        wait_ms: last + ASK_INTERVAL_MS - now,
                    });
                }
                Ok(())
            }
            QuestionCommand::Upvote { question } => {
                if self.visible(*question)?.upvoters.contains(&actor) {
                    return Err(QuestionError::AlreadyUpvoted(*question));
                }
                Ok(())
            }
            QuestionCommand::Pick { question: Some(id) } => self.visible(*id).map(|_| ()),
            QuestionCommand::Pick { question: None } => Ok(()),
            QuestionCommand::Hide { question } => self.visible(*question).map(|_| ()),
        }
    }

    /// Applies a checked command.
    pub fn apply(&mut self, actor: MemberId, command: &QuestionCommand, now: Millis) {
        match command {
            QuestionCommand::Ask { team, text } => {
                let id = self.questions.keys().next_back().map_or(1, |last| last + 1);
                let text = text.to_string();
                self.questions.insert(
                    id,
                    Question {
                        id,
                        team: *team,
                        author: actor,
                        text,
                        asked_at: now,
                        upvoters: BTreeSet::new(),
                        hidden: false,
                    },
                );
            }
            QuestionCommand::Upvote { question } => {
                if let Some(found) = self.questions.get_mut(question) {
                    found.upvoters.insert(actor);
                }
            }
            QuestionCommand::Pick { question } => self.picked = *question,
            QuestionCommand::Hide { question } => {
                if let Some(found) = self.questions.get_mut(question) {
                    found.hidden = true;
                }
                if self.picked == Some(*question) {
                    self.picked = None;
                }
            }
        }
    }
}

impl Event {
    /// Checks a question command: the role, the team, then the board's
    /// rules (the per-person pace only when `now` is given).
    pub(super) fn check_question(
        &self,
        actor: Option<&Member>,
        command: &QuestionCommand,
        now: Option<Millis>,
    ) -> Result<(), DomainError> {
        let permission = match command {
            QuestionCommand::Ask { .. } | QuestionCommand::Upvote { .. } => {
                Permission::AskQuestions
            }
            QuestionCommand::Pick { .. } | QuestionCommand::Hide { .. } => Permission::RunShow,
        };
        if let Some(member) = actor {
            check(member.role, permission)?;
        }
        if let QuestionCommand::Ask { team, .. } = command
            && self.team(*team).is_none()
        {
            return Err(DomainError::UnknownTeam(team.0));
        }
        let actor_id = actor.map_or(MemberId(0), |m| m.id);
        Ok(self.state.questions.check(actor_id, command, now)?)
    }

    /// Applies a checked question command.
    pub(super) fn commit_question(
        &mut self,
        actor: Option<MemberId>,
        command: &QuestionCommand,
        now: Millis,
    ) -> Vec<Effect> {
        let actor = actor.unwrap_or(MemberId(0));
        self.state.questions.apply(actor, command, now);
        vec![Effect::QuestionsChanged]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Millis = 1_000_000;

    fn ask(
        board: &mut QuestionBoard,
        who: u32,
        text: &str,
        now: Millis,
    ) -> Result<u32, QuestionError> {
        let command = QuestionCommand::Ask {
            team: TeamId(3),
            text: Message::parse(text, MAX_QUESTION_CHARS).unwrap(),
        };
        board.check(MemberId(who), &command, Some(now))?;
        board.apply(MemberId(who), &command, now);
        Ok(*board.questions.keys().next_back().unwrap())
    }

    fn run(
        board: &mut QuestionBoard,
        who: u32,
        command: QuestionCommand,
    ) -> Result<(), QuestionError> {
        board.check(MemberId(who), &command, Some(T))?;
        board.apply(MemberId(who), &command, T);
        Ok(())
    }

    #[test]
    fn upvotes_rank_questions_once_per_person() {
        let mut board = QuestionBoard::default();
        let first = ask(&mut board, 1, "Quelle licence ?", T).unwrap();
        let second = ask(&mut board, 2, "  Et les données ?  ", T).unwrap();
        assert_eq!(board.questions[&second].text, "Et les données ?");
        run(&mut board, 3, QuestionCommand::Upvote { question: second }).unwrap();
        assert_eq!(
            run(&mut board, 3, QuestionCommand::Upvote { question: second }),
            Err(QuestionError::AlreadyUpvoted(second))
        );
        let ranked: Vec<u32> = board.ranking().iter().map(|q| q.id).collect();
        assert_eq!(ranked, [second, first]);
        assert_eq!(
            run(&mut board, 3, QuestionCommand::Upvote { question: 99 }),
            Err(QuestionError::UnknownQuestion(99))
        );
    }

    #[test]
    fn a_hidden_question_is_gone_and_cannot_be_picked_or_upvoted() {
        let mut board = QuestionBoard::default();
        let id = ask(&mut board, 1, "insulte", T).unwrap();
        run(&mut board, 9, QuestionCommand::Pick { question: Some(id) }).unwrap();
        assert_eq!(board.picked, Some(id));
        run(&mut board, 9, QuestionCommand::Hide { question: id }).unwrap();
        assert_eq!(board.picked, None, "a hidden question is unpicked");
        assert!(board.ranking().is_empty());
        for command in [
            QuestionCommand::Upvote { question: id },
            QuestionCommand::Pick { question: Some(id) },
            QuestionCommand::Hide { question: id },
        ] {
            assert_eq!(
                run(&mut board, 9, command),
                Err(QuestionError::QuestionHidden(id))
            );
        }
    }

    #[test]
    fn a_person_asks_at_most_one_question_per_interval_and_text_is_checked() {
        let mut board = QuestionBoard::default();
        ask(&mut board, 1, "Une ?", T).unwrap();
        assert_eq!(
            ask(&mut board, 1, "Deux ?", T + 5_000),
            Err(QuestionError::AskingTooFast { wait_ms: 10_000 })
        );
        assert!(ask(&mut board, 2, "Autre personne ?", T + 5_000).is_ok());
        assert!(ask(&mut board, 1, "Deux ?", T + ASK_INTERVAL_MS).is_ok());
        // The hub checks the text with the same limit before asking.
        let long = "x".repeat(MAX_QUESTION_CHARS + 1);
        let err = Message::parse(&long, MAX_QUESTION_CHARS).unwrap_err();
        assert_eq!(err.code(), "text_too_long");
        assert_eq!(
            Message::parse("   ", MAX_QUESTION_CHARS)
                .unwrap_err()
                .code(),
            "empty_text"
        );
        assert_eq!(
            DomainError::from(QuestionError::UnknownQuestion(4)).code(),
            "unknown_question"
        );
    }
}
