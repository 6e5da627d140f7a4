//! The idea board: before and at the opening, participants post ideas, support
//! the ones they like (a budget of supports per person, one per idea) and say
//! which ones they would like to work on; the moderator closes the board,
//! reads the ranking and turns chosen ideas into teams.
//!
//! [`IdeaBoard`] holds the rules on its own (no members, no teams); the
//! second half of this file binds it to the event: roles, the challenge list,
//! and turning an idea into a team with the interested people in it and a
//! table given (through the team code every other team goes through).

use super::command::Effect;
use super::error::DomainError;
use super::event::Event;
use super::ids::{MemberId, Millis, TeamId};
use super::member::Member;
use super::permissions::{Permission, check};
use super::role::Role;
use super::text::{Message, Name};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest idea title, in characters.
pub const MAX_TITLE_CHARS: usize = 80;
/// Longest pitch, in characters.
pub const MAX_PITCH_CHARS: usize = 1000;
/// Most skills an idea asks for.
pub const MAX_SKILLS: usize = 8;
/// Longest skill, in characters.
pub const MAX_SKILL_CHARS: usize = 40;
/// Most ideas one person may post (a flood guard, far above real use).
pub const MAX_IDEAS_PER_PERSON: usize = 5;
/// Most ideas on a board.
pub const MAX_IDEAS: usize = 500;
/// Most supports one person may be given.
pub const MAX_SUPPORTS_PER_PERSON: u8 = 20;

/// A change to the board. `Post`, `Support`, `Withdraw` and `Interest` come
/// from participants; the rest from the moderator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum IdeaCommand {
    /// Posts a new idea. Its texts are checked by the hub against
    /// [`MAX_TITLE_CHARS`], [`MAX_PITCH_CHARS`] and [`MAX_SKILL_CHARS`].
    Post {
        title: Name,
        pitch: Message,
        #[serde(default)]
        challenge: Option<u32>,
        #[serde(default)]
        skills: Vec<Name>,
    },
    /// Spends one support on an idea.
    Support { idea: u32 },
    /// Takes one's support back.
    Withdraw { idea: u32 },
    /// "I'd like to work on this" (or no longer).
    Interest { idea: u32, interested: bool },
    /// The board closes: no more ideas, supports or interest.
    Close,
    /// The board opens again.
    Reopen,
    /// Supports each person has (1 to [`MAX_SUPPORTS_PER_PERSON`]); lowering
    /// it below what someone already spent is refused.
    SetBudget { supports_per_person: u8 },
    /// Turns an idea into a team named `name`, checked where the request
    /// became a command (the idea's title when the moderator gave none, see
    /// [`Event::idea_team_name`]). Records written before the name was
    /// resolved there may have none: the title is used, as then.
    MakeTeam {
        idea: u32,
        #[serde(default)]
        name: Option<Name>,
    },
}

/// Why a board command was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum IdeaError {
    #[error("the idea board is closed")]
    BoardClosed,
    #[error("no idea has id {0}")]
    UnknownIdea(u32),
    #[error("you have spent all your {0} supports; withdraw one first")]
    NoSupportsLeft(u8),
    #[error("you already support idea {0}")]
    AlreadySupported(u32),
    #[error("you do not support idea {0}")]
    NotSupported(u32),
    #[error("you cannot support your own idea")]
    OwnIdea,
    #[error("an idea asks for at most {MAX_SKILLS} skills")]
    TooManySkills,
    #[error("you have already posted {MAX_IDEAS_PER_PERSON} ideas")]
    TooManyIdeas,
    #[error("the board is full ({MAX_IDEAS} ideas)")]
    BoardFull,
    #[error("supports per person must be between 1 and {max} (got {got})")]
    BudgetOutOfRange { got: u8, max: u8 },
    #[error("someone already spent {0} supports; the budget cannot go below that")]
    BudgetSpent(u8),
    #[error("idea {idea} is already team {team}")]
    IdeaTaken { idea: u32, team: u32 },
}

impl IdeaError {
    /// Stable wire code: the variant's name in snake_case.
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

impl From<IdeaError> for DomainError {
    fn from(err: IdeaError) -> DomainError {
        DomainError::Idea(Box::new(err))
    }
}

/// One idea on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Idea {
    pub id: u32,
    pub author: MemberId,
    pub title: String,
    pub pitch: String,
    pub challenge: Option<u32>,
    pub skills: Vec<String>,
    /// Who supports it, in the order they did.
    pub supporters: Vec<MemberId>,
    /// Who would like to work on it, in the order they said so.
    pub interested: Vec<MemberId>,
    pub posted_at: Millis,
    /// The team it became, if the moderator turned it into one.
    pub team: Option<TeamId>,
}

/// The board. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdeaBoard {
    pub open: bool,
    pub supports_per_person: u8,
    pub ideas: BTreeMap<u32, Idea>,
    pub next_id: u32,
}

impl Default for IdeaBoard {
    fn default() -> Self {
        IdeaBoard {
            open: true,
            supports_per_person: 3,
            ideas: BTreeMap::new(),
            next_id: 1,
        }
    }
}

/// An idea's title, pitch and skills as a client typed them, cleaned and
/// checked (at the hub's edge, where the request becomes a command).
pub fn parse_idea(
    title: &str,
    pitch: &str,
    skills: &[String],
) -> Result<(Name, Message, Vec<Name>), DomainError> {
    let title = Name::parse("title", title, MAX_TITLE_CHARS)?;
    let pitch = Message::parse(pitch, MAX_PITCH_CHARS)?;
    if skills.len() > MAX_SKILLS {
        return Err(IdeaError::TooManySkills.into());
    }
    let skills = skills
        .iter()
        .map(|s| Name::parse("skill", s, MAX_SKILL_CHARS))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((title, pitch, skills))
}

impl IdeaBoard {
    fn idea(&self, id: u32) -> Result<&Idea, IdeaError> {
        self.ideas.get(&id).ok_or(IdeaError::UnknownIdea(id))
    }

    /// Supports `member` has spent.
    pub fn spent_by(&self, member: MemberId) -> usize {
        self.ideas
            .values()
            .filter(|i| i.supporters.contains(&member))
            .count()
    }

    /// Supports `member` may still spend.
    pub fn supports_left(&self, member: MemberId) -> u8 {
        let spent = u8::try_from(self.spent_by(member)).unwrap_or(u8::MAX);
        self.supports_per_person.saturating_sub(spent)
    }

    /// The ideas, most supported first; ties go to the most wanted (people
    /// interested), then to the earliest posted.
    pub fn ranking(&self) -> Vec<&Idea> {
        let mut ranked: Vec<&Idea> = self.ideas.values().collect();
        ranked.sort_by_key(|i| {
            (
                std::cmp::Reverse(i.supporters.len()),
                std::cmp::Reverse(i.interested.len()),
                i.id,
            )
        });
        ranked
    }

    /// Checks a command from `actor` without changing anything.
    pub fn check(&self, actor: MemberId, command: &IdeaCommand) -> Result<(), IdeaError> {
        let open = || {
            if self.open {
                Ok(())
            } else {
                Err(IdeaError::BoardClosed)
            }
        };
        match command {
            IdeaCommand::Post { .. } => {
                open()?;
                if self.ideas.len() >= MAX_IDEAS {
                    return Err(IdeaError::BoardFull);
                }
                let mine = self.ideas.values().filter(|i| i.author == actor).count();
                if mine >= MAX_IDEAS_PER_PERSON {
                    return Err(IdeaError::TooManyIdeas);
                }
                Ok(())
            }
            IdeaCommand::Support { idea } => {
                open()?;
                let found = self.idea(*idea)?;
                if found.author == actor {
                    return Err(IdeaError::OwnIdea);
                }
                if found.supporters.contains(&actor) {
                    return Err(IdeaError::AlreadySupported(*idea));
                }
                if self.supports_left(actor) == 0 {
                    return Err(IdeaError::NoSupportsLeft(self.supports_per_person));
                }
                Ok(())
            }
            IdeaCommand::Withdraw { idea } => {
                open()?;
                if !self.idea(*idea)?.supporters.contains(&actor) {
                    return Err(IdeaError::NotSupported(*idea));
                }
                Ok(())
            }
            IdeaCommand::Interest { idea, .. } => {
                open()?;
                let found = self.idea(*idea)?;
                if let Some(team) = found.team {
                    return Err(IdeaError::IdeaTaken {
                        idea: *idea,
                        team: team.0,
                    });
                }
                Ok(())
            }
            IdeaCommand::Close | IdeaCommand::Reopen => Ok(()),
            IdeaCommand::SetBudget {
                supports_per_person,
            } => {
                if *supports_per_person == 0 || *supports_per_person > MAX_SUPPORTS_PER_PERSON {
                    return Err(IdeaError::BudgetOutOfRange {
                        got: *supports_per_person,
                        max: MAX_SUPPORTS_PER_PERSON,
                    });
                }
                let mut spent: BTreeMap<MemberId, usize> = BTreeMap::new();
                for supporter in self.ideas.values().flat_map(|i| &i.supporters) {
                    *spent.entry(*supporter).or_default() += 1;
                }
                let most = spent.values().copied().max().unwrap_or(0);
                if most > usize::from(*supports_per_person) {
                    return Err(IdeaError::BudgetSpent(
                        u8::try_from(most).unwrap_or(u8::MAX),
                    ));
                }
                Ok(())
            }
            IdeaCommand::MakeTeam { idea, .. } => {
                let found = self.idea(*idea)?;
                match found.team {
                    Some(team) => Err(IdeaError::IdeaTaken {
                        idea: *idea,
                        team: team.0,
                    }),
                    None => Ok(()),
                }
            }
        }
    }

    /// Applies a checked command (the team of `MakeTeam` is recorded by
    /// [`IdeaBoard::mark_team`]). Returns whether anything changed.
    fn apply(&mut self, actor: MemberId, command: &IdeaCommand, now: Millis) -> bool {
        match command {
            IdeaCommand::Post {
                title,
                pitch,
                challenge,
                skills,
            } => {
                let id = self.next_id;
                self.next_id += 1;
                self.ideas.insert(
                    id,
                    Idea {
                        id,
                        author: actor,
                        title: title.to_string(),
                        pitch: pitch.to_string(),
                        challenge: *challenge,
                        skills: skills.iter().map(|s| s.to_string()).collect(),
                        supporters: Vec::new(),
                        interested: Vec::new(),
                        posted_at: now,
                        team: None,
                    },
                );
                true
            }
            IdeaCommand::Support { idea } => match self.ideas.get_mut(idea) {
                Some(found) => {
                    found.supporters.push(actor);
                    true
                }
                None => false,
            },
            IdeaCommand::Withdraw { idea } => match self.ideas.get_mut(idea) {
                Some(found) => {
                    found.supporters.retain(|m| *m != actor);
                    true
                }
                None => false,
            },
            IdeaCommand::Interest { idea, interested } => {
                let Some(found) = self.ideas.get_mut(idea) else {
                    return false;
                };
                let present = found.interested.contains(&actor);
                match (present, *interested) {
                    (false, true) => found.interested.push(actor),
                    (true, false) => found.interested.retain(|m| *m != actor),
                    _ => return false,
                }
                true
            }
            IdeaCommand::Close | IdeaCommand::Reopen => {
                let open = *command == IdeaCommand::Reopen;
                let changed = self.open != open;
                self.open = open;
                changed
            }
            IdeaCommand::SetBudget {
                supports_per_person,
            } => {
                let changed = self.supports_per_person != *supports_per_person;
                self.supports_per_person = *supports_per_person;
                changed
            }
            IdeaCommand::MakeTeam { .. } => false,
        }
    }

    fn mark_team(&mut self, idea: u32, team: TeamId) {
        if let Some(found) = self.ideas.get_mut(&idea) {
            found.team = Some(team);
        }
    }

    /// Forgets a team that was dissolved: its idea can become a team again.
    pub fn forget_team(&mut self, team: TeamId) -> bool {
        let mut changed = false;
        for idea in self.ideas.values_mut() {
            if idea.team == Some(team) {
                idea.team = None;
                changed = true;
            }
        }
        changed
    }
}

impl Event {
    /// The team name an idea would become.
    /// The name a team made from `idea` gets when the moderator gives none:
    /// the idea's title cut to a name's length (the hub checks it into a
    /// [`Name`]). `None` for an unknown idea.
    pub fn idea_team_name(&self, idea: u32) -> Option<String> {
        let title = &self.state.ideas.ideas.get(&idea)?.title;
        let cut: String = title.chars().take(self.limits.max_name_chars).collect();
        // A cut may end on a space; a title, checked when posted, has no
        // other one to trim.
        Some(cut.trim_end().to_string())
    }

    /// The team name a checked `MakeTeam` carries, or, for a record written
    /// before the hub resolved it, the title's (checked text, stored).
    fn made_team_name(&self, idea: u32, name: Option<&Name>) -> Name {
        name.cloned()
            .unwrap_or_else(|| Name::from_stored(self.idea_team_name(idea).unwrap_or_default()))
    }

    /// Checks a board command: the role first, then the board's rules, then
    /// what the board cannot know (challenges, team names).
    pub(super) fn check_idea(
        &self,
        actor: Option<&Member>,
        command: &IdeaCommand,
    ) -> Result<(), DomainError> {
        let moderator_op = matches!(
            command,
            IdeaCommand::Close
                | IdeaCommand::Reopen
                | IdeaCommand::SetBudget { .. }
                | IdeaCommand::MakeTeam { .. }
        );
        let permission = if moderator_op {
            Permission::ManageProgram
        } else {
            Permission::ShareIdeas
        };
        if let Some(member) = actor {
            check(member.role, permission)?;
        }
        let actor_id = actor.map_or(MemberId(0), |m| m.id);
        self.state.ideas.check(actor_id, command)?;
        match command {
            IdeaCommand::Post {
                challenge: Some(id),
                ..
            } if !self.state.program.challenges.contains_key(id) => {
                Err(DomainError::UnknownChallenge(*id))
            }
            IdeaCommand::MakeTeam { idea, name } => {
                let name = self.made_team_name(*idea, name.as_ref());
                if self.team_by_name(&name).is_some() {
                    return Err(DomainError::DuplicateTeamName(name.to_string()));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Applies a checked board command.
    pub(super) fn commit_idea(
        &mut self,
        actor: Option<MemberId>,
        command: &IdeaCommand,
        now: Millis,
    ) -> Vec<Effect> {
        let actor_id = actor.unwrap_or(MemberId(0));
        if let IdeaCommand::MakeTeam { idea, name } = command {
            return self.make_idea_team(*idea, name.as_ref());
        }
        if self.state.ideas.apply(actor_id, command, now) {
            vec![Effect::IdeasChanged]
        } else {
            vec![]
        }
    }

    /// Creates the idea's team (with a free table), then puts in it the
    /// author and the interested participants who have no team yet, in the
    /// order they said so, as long as the team has room.
    fn make_idea_team(&mut self, idea: u32, name: Option<&Name>) -> Vec<Effect> {
        let Some(found) = self.state.ideas.ideas.get(&idea) else {
            return vec![];
        };
        let challenge = found
            .challenge
            .filter(|c| self.state.program.challenges.contains_key(c));
        let mut people = vec![found.author];
        people.extend(found.interested.iter().copied());
        let name = self.made_team_name(idea, name);
        let (team, mut effects) = self.create_team(&name, challenge);
        let mut placed = 0;
        for person in people {
            let free = self
                .member(person)
                .is_some_and(|m| m.role == Role::Participant && m.team.is_none());
            if free && placed < self.limits.max_team_size {
                effects.extend(self.put_in_team(person, team));
                placed += 1;
            }
        }
        self.state.ideas.mark_team(idea, team);
        effects.push(Effect::IdeasChanged);
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::command::Command;
    use crate::domain::program::ProgramCommand;
    use crate::domain::teams::tests::{event, join};

    fn post(title: &str) -> Command {
        Command::Idea(IdeaCommand::Post {
            title: title.into(),
            pitch: "Un pitch".into(),
            challenge: None,
            skills: vec!["Rust".into(), "data".into()],
        })
    }

    fn idea(op: IdeaCommand) -> Command {
        Command::Idea(op)
    }

    fn code(err: DomainError) -> String {
        err.code().to_string()
    }

    #[test]
    fn an_idea_team_is_named_after_the_title_cut_to_a_name_like_old_records() {
        let max = crate::domain::Limits::default().max_name_chars;
        // A title whose cut to a name's length ends on a space.
        let title = format!("{} mots", "a".repeat(max - 1));
        let mut e = event();
        let m = join(&mut e, "Mod", Role::Moderator);
        let a = join(&mut e, "Ada", Role::Participant);
        e.apply(Some(a), &post(&title), 0).unwrap();
        let fallback = e.idea_team_name(1).unwrap();
        assert_eq!(fallback, "a".repeat(max - 1), "cut, trailing space trimmed");
        assert_eq!(e.idea_team_name(9), None);
        // What the hub sends (the fallback checked as a Name) names the team
        // as an old record without a name does when replayed.
        let checked = Name::parse("team name", &fallback, max).unwrap();
        let mut replayed = e.clone();
        e.apply(
            Some(m),
            &idea(IdeaCommand::MakeTeam {
                idea: 1,
                name: Some(checked),
            }),
            0,
        )
        .unwrap();
        let old = r#"{"type":"idea","op":"make_team","idea":1}"#;
        replayed
            .apply(Some(m), &serde_json::from_str(old).unwrap(), 0)
            .unwrap();
        assert_eq!(e.state().teams, replayed.state().teams);
        assert!(e.team_by_name(&fallback).is_some());
    }

    #[test]
    fn supports_are_one_per_idea_within_a_budget() {
        let mut e = event();
        let author = join(&mut e, "Ada", Role::Participant);
        let fan = join(&mut e, "Bob", Role::Participant);
        for title in ["Un", "Deux", "Trois", "Quatre"] {
            e.apply(Some(author), &post(title), 10).unwrap();
        }
        let support = |i| idea(IdeaCommand::Support { idea: i });
        e.apply(Some(fan), &support(1), 11).unwrap();
        let again = e.apply(Some(fan), &support(1), 12).unwrap_err();
        assert_eq!(code(again), "already_supported");
        e.apply(Some(fan), &support(2), 12).unwrap();
        e.apply(Some(fan), &support(3), 12).unwrap();
        let before = e.state().ideas.clone();
        let beyond = e.apply(Some(fan), &support(4), 13).unwrap_err();
        assert_eq!(code(beyond), "no_supports_left");
        assert_eq!(e.state().ideas, before, "a refusal changes nothing");
        e.apply(Some(fan), &idea(IdeaCommand::Withdraw { idea: 1 }), 14)
            .unwrap();
        e.apply(Some(fan), &support(4), 15).unwrap();
        assert_eq!(e.state().ideas.supports_left(fan), 0);
        let own = e.apply(Some(author), &support(1), 16).unwrap_err();
        assert_eq!(code(own), "own_idea");
        let unknown = e.apply(Some(author), &support(99), 16).unwrap_err();
        assert_eq!(code(unknown), "unknown_idea");
    }

    #[test]
    fn only_participants_share_ideas_and_only_the_moderator_runs_the_board() {
        let mut e = event();
        let juror = join(&mut e, "Jury", Role::Jury);
        let p = join(&mut e, "Ada", Role::Participant);
        let m = join(&mut e, "Mod", Role::Moderator);
        assert_eq!(
            e.apply(Some(juror), &post("X"), 0).unwrap_err().code(),
            "forbidden"
        );
        assert_eq!(
            e.apply(Some(p), &idea(IdeaCommand::Close), 0)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        e.apply(Some(m), &idea(IdeaCommand::Close), 0).unwrap();
        let closed = e.apply(Some(p), &post("X"), 0).unwrap_err();
        assert_eq!(code(closed), "board_closed");
        e.apply(Some(m), &idea(IdeaCommand::Reopen), 0).unwrap();
        e.apply(Some(p), &post("X"), 0).unwrap();
    }

    #[test]
    fn bad_ideas_are_refused_with_typed_errors() {
        let mut e = event();
        let p = join(&mut e, "Ada", Role::Participant);
        // Texts are checked where the request becomes a command.
        let refused =
            |title: &str, skills: Vec<String>| parse_idea(title, "p", &skills).unwrap_err().code();
        assert_eq!(refused("  ", vec![]), "empty_text");
        assert_eq!(
            refused(&"x".repeat(MAX_TITLE_CHARS + 1), vec![]),
            "text_too_long"
        );
        assert_eq!(
            refused("T", vec!["s".into(); MAX_SKILLS + 1]),
            "too_many_skills"
        );
        assert!(parse_idea("T", "p", &vec!["s".to_string(); MAX_SKILLS]).is_ok());
        let unknown_challenge = Command::Idea(IdeaCommand::Post {
            title: "T".into(),
            pitch: "p".into(),
            challenge: Some(7),
            skills: vec![],
        });
        assert_eq!(
            e.apply(Some(p), &unknown_challenge, 0).unwrap_err(),
            DomainError::UnknownChallenge(7)
        );
        for i in 0..MAX_IDEAS_PER_PERSON {
            e.apply(Some(p), &post(&format!("Idée {i}")), 0).unwrap();
        }
        assert_eq!(
            code(e.apply(Some(p), &post("Encore"), 0).unwrap_err()),
            "too_many_ideas"
        );
    }

    #[test]
    fn the_budget_never_drops_below_what_was_spent() {
        let mut e = event();
        let a = join(&mut e, "Ada", Role::Participant);
        let b = join(&mut e, "Bob", Role::Participant);
        let m = join(&mut e, "Mod", Role::Moderator);
        e.apply(Some(a), &post("Un"), 0).unwrap();
        e.apply(Some(a), &post("Deux"), 0).unwrap();
        for i in [1, 2] {
            e.apply(Some(b), &idea(IdeaCommand::Support { idea: i }), 0)
                .unwrap();
        }
        let budget = |n| {
            idea(IdeaCommand::SetBudget {
                supports_per_person: n,
            })
        };
        assert_eq!(
            code(e.apply(Some(m), &budget(1), 0).unwrap_err()),
            "budget_spent"
        );
        assert_eq!(
            code(e.apply(Some(m), &budget(0), 0).unwrap_err()),
            "budget_out_of_range"
        );
        e.apply(Some(m), &budget(2), 0).unwrap();
        assert_eq!(e.state().ideas.supports_left(b), 0);
    }

    #[test]
    fn the_ranking_counts_supports_then_interest_then_age() {
        let mut e = event();
        let a = join(&mut e, "Ada", Role::Participant);
        let b = join(&mut e, "Bob", Role::Participant);
        let c = join(&mut e, "Cyd", Role::Participant);
        for title in ["Un", "Deux", "Trois"] {
            e.apply(Some(a), &post(title), 0).unwrap();
        }
        for who in [b, c] {
            e.apply(Some(who), &idea(IdeaCommand::Support { idea: 3 }), 0)
                .unwrap();
        }
        e.apply(
            Some(b),
            &idea(IdeaCommand::Interest {
                idea: 2,
                interested: true,
            }),
            0,
        )
        .unwrap();
        let order: Vec<u32> = e.state().ideas.ranking().iter().map(|i| i.id).collect();
        assert_eq!(order, vec![3, 2, 1]);
    }

    #[test]
    fn an_idea_becomes_a_team_with_its_interested_people_and_a_table() {
        let mut e = event();
        let m = join(&mut e, "Mod", Role::Moderator);
        e.apply(
            Some(m),
            &Command::Program(ProgramCommand::AddChallenge {
                title: crate::domain::program::ChallengeText::title("Données").unwrap(),
                description: crate::domain::program::ChallengeText::description("").unwrap(),
            }),
            0,
        )
        .unwrap();
        let author = join(&mut e, "Ada", Role::Participant);
        let keen = join(&mut e, "Bob", Role::Participant);
        let busy = join(&mut e, "Cyd", Role::Participant);
        let with_challenge = Command::Idea(IdeaCommand::Post {
            title: "Cartes ouvertes".into(),
            pitch: "Des cartes".into(),
            challenge: Some(1),
            skills: vec![],
        });
        e.apply(Some(author), &with_challenge, 0).unwrap();
        e.apply(
            Some(busy),
            &Command::CreateTeam {
                name: "Déjà".into(),
                challenge: None,
            },
            0,
        )
        .unwrap();
        for who in [keen, busy] {
            let interest = idea(IdeaCommand::Interest {
                idea: 1,
                interested: true,
            });
            e.apply(Some(who), &interest, 0).unwrap();
        }
        let make = idea(IdeaCommand::MakeTeam {
            idea: 1,
            name: None,
        });
        assert_eq!(
            e.apply(Some(author), &make, 0).unwrap_err().code(),
            "forbidden"
        );
        let effects = e.apply(Some(m), &make, 0).unwrap();
        assert!(effects.contains(&Effect::IdeasChanged));
        let team = e.team_by_name("Cartes ouvertes").unwrap();
        assert_eq!(team.members, vec![author, keen], "busy stays in their team");
        assert!(team.table.is_some(), "the team gets a table");
        assert_eq!(team.challenge, Some(1));
        let team_id = team.id;
        assert_eq!(e.state().ideas.ideas[&1].team, Some(team_id));
        assert_eq!(code(e.apply(Some(m), &make, 0).unwrap_err()), "idea_taken");
        // The last member leaving dissolves the team; the idea is free again.
        e.apply(Some(author), &Command::LeaveTeam, 1).unwrap();
        e.apply(Some(keen), &Command::LeaveTeam, 1).unwrap();
        assert_eq!(e.state().ideas.ideas[&1].team, None);
    }

    #[test]
    fn a_team_name_already_taken_is_refused() {
        let mut e = event();
        let m = join(&mut e, "Mod", Role::Moderator);
        let a = join(&mut e, "Ada", Role::Participant);
        e.apply(Some(a), &post("Cartes"), 0).unwrap();
        e.apply(
            Some(m),
            &Command::AddTeam {
                name: "cartes".into(),
                challenge: None,
            },
            0,
        )
        .unwrap();
        let make = idea(IdeaCommand::MakeTeam {
            idea: 1,
            name: None,
        });
        assert!(matches!(
            e.apply(Some(m), &make, 0),
            Err(DomainError::DuplicateTeamName(_))
        ));
        let renamed = idea(IdeaCommand::MakeTeam {
            idea: 1,
            name: Some("Cartes 2".into()),
        });
        e.apply(Some(m), &renamed, 0).unwrap();
    }
}
