//! Labels and awards the moderator defines and gives to teams, e.g.
//! "Les pros du proto", "Libris" (free software), "King of data".
//!
//! A label may go to several teams (a quality label, like "Libris") unless it
//! is defined `unique` (a prize, like "Coup de cœur du jury"): then it goes to
//! one team at most. Labels keep the order in which they were defined, which
//! is the order they are shown in.

use super::ids::TeamId;
use super::text::Name;
use serde::{Deserialize, Serialize};

/// Longest label id (a slug), in characters.
pub const MAX_AWARD_ID_CHARS: usize = 32;
/// Longest label name, in characters.
pub const MAX_AWARD_NAME_CHARS: usize = 60;
/// Longest label description, in characters.
pub const MAX_AWARD_DESCRIPTION_CHARS: usize = 500;
/// Most labels in one event.
pub const MAX_AWARDS: usize = 50;

/// A label or award and the teams that hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    /// Stable slug (`[a-z0-9_]`), used in commands and exports.
    pub id: String,
    pub name: String,
    pub description: String,
    /// At most one team may hold it.
    #[serde(default)]
    pub unique: bool,
    /// Holders, ascending.
    #[serde(default)]
    pub teams: Vec<TeamId>,
}

/// A change to the labels (moderator only; the caller checks the role).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AwardCommand {
    /// Create a label, or update the name, description and uniqueness of an
    /// existing one (its holders stay).
    Define {
        id: String,
        /// Checked by [`award_name`] where the request becomes a command.
        name: Name,
        #[serde(default)]
        description: String,
        #[serde(default)]
        unique: bool,
    },
    /// Delete a label, taking it from every holder.
    Remove { id: String },
    /// Give a label to a team.
    Give { award: String, team: TeamId },
    /// Take a label back from a team.
    Take { award: String, team: TeamId },
}

/// Why a label command was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum AwardError {
    #[error("label id '{0}' must be 1 to 32 characters among a-z, 0-9 and _")]
    InvalidAwardId(String),
    #[error("a label name is 1 to 60 characters")]
    InvalidAwardName,
    #[error("a label description is at most 500 characters")]
    #[strum(serialize = "text_too_long")]
    DescriptionTooLong,
    #[error("an event has at most {0} labels")]
    TooManyAwards(usize),
    #[error("no label is called '{0}'")]
    UnknownAward(String),
    #[error("no team has id {0}")]
    UnknownTeam(u32),
    #[error("team {team} already holds '{award}'")]
    AlreadyAwarded { award: String, team: u32 },
    #[error("'{award}' is unique and team {holder} holds it; take it back first")]
    AwardTaken { award: String, holder: u32 },
    #[error("team {team} does not hold '{award}'")]
    NotAwarded { award: String, team: u32 },
}

impl AwardError {
    /// Stable wire code: the variant's name in snake_case.
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

/// Every label of the event, in definition order. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Awards {
    pub awards: Vec<Award>,
}

impl Awards {
    /// The labels French hackathons often give, none awarded yet; a
    /// convenient start for a demo event.
    pub fn suggested() -> Awards {
        let award = |id: &str, name: &str, description: &str, unique: bool| Award {
            id: id.to_string(),
            name: name.to_string(),
            description: description.to_string(),
            unique,
            teams: Vec::new(),
        };
        Awards {
            awards: vec![
                award(
                    "pros_du_proto",
                    "Les pros du proto",
                    "Le prototype le plus abouti",
                    false,
                ),
                award("libris", "Libris", "Code publié sous licence libre", false),
                award(
                    "king_of_data",
                    "King of data",
                    "La meilleure utilisation des données",
                    false,
                ),
                award(
                    "coup_de_coeur",
                    "Coup de cœur",
                    "Le projet préféré des participants",
                    true,
                ),
            ],
        }
    }

    /// The label with this id.
    pub fn get(&self, id: &str) -> Option<&Award> {
        self.awards.iter().find(|a| a.id == id)
    }

    /// Ids of the labels a team holds, in definition order.
    pub fn of_team(&self, team: TeamId) -> Vec<String> {
        self.awards
            .iter()
            .filter(|a| a.teams.contains(&team))
            .map(|a| a.id.clone())
            .collect()
    }

    /// Checks a command without changing anything.
    pub fn check(
        &self,
        command: &AwardCommand,
        team_exists: impl Fn(TeamId) -> bool,
    ) -> Result<(), AwardError> {
        match command {
            AwardCommand::Define {
                id,
                description,
                unique,
                ..
            } => {
                let slug_ok = !id.is_empty()
                    && id.chars().count() <= MAX_AWARD_ID_CHARS
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !slug_ok {
                    return Err(AwardError::InvalidAwardId(id.clone()));
                }
                if description.trim().chars().count() > MAX_AWARD_DESCRIPTION_CHARS {
                    return Err(AwardError::DescriptionTooLong);
                }
                match self.get(id) {
                    None if self.awards.len() >= MAX_AWARDS => {
                        Err(AwardError::TooManyAwards(MAX_AWARDS))
                    }
                    Some(existing) if *unique && existing.teams.len() > 1 => {
                        Err(AwardError::AwardTaken {
                            award: id.clone(),
                            holder: existing.teams[0].0,
                        })
                    }
                    _ => Ok(()),
                }
            }
            AwardCommand::Remove { id } => self.known(id).map(|_| ()),
            AwardCommand::Give { award, team } => {
                let a = self.known(award)?;
                if !team_exists(*team) {
                    return Err(AwardError::UnknownTeam(team.0));
                }
                if a.teams.contains(team) {
                    return Err(AwardError::AlreadyAwarded {
                        award: award.clone(),
                        team: team.0,
                    });
                }
                if let (true, Some(holder)) = (a.unique, a.teams.first()) {
                    return Err(AwardError::AwardTaken {
                        award: award.clone(),
                        holder: holder.0,
                    });
                }
                Ok(())
            }
            AwardCommand::Take { award, team } => {
                if self.known(award)?.teams.contains(team) {
                    Ok(())
                } else {
                    Err(AwardError::NotAwarded {
                        award: award.clone(),
                        team: team.0,
                    })
                }
            }
        }
    }

    /// Checks then applies a command. On error nothing changed.
    pub fn apply(
        &mut self,
        command: &AwardCommand,
        team_exists: impl Fn(TeamId) -> bool,
    ) -> Result<(), AwardError> {
        self.check(command, team_exists)?;
        match command {
            AwardCommand::Define {
                id,
                name,
                description,
                unique,
            } => {
                let name = name.to_string();
                let description = description.trim().to_string();
                match self.awards.iter_mut().find(|a| a.id == *id) {
                    Some(a) => {
                        a.name = name;
                        a.description = description;
                        a.unique = *unique;
                    }
                    None => self.awards.push(Award {
                        id: id.clone(),
                        name,
                        description,
                        unique: *unique,
                        teams: Vec::new(),
                    }),
                }
            }
            AwardCommand::Remove { id } => self.awards.retain(|a| a.id != *id),
            AwardCommand::Give { award, team } => {
                if let Some(a) = self.awards.iter_mut().find(|a| a.id == *award) {
                    a.teams.push(*team);
                    a.teams.sort();
                }
            }
            AwardCommand::Take { award, team } => {
                if let Some(a) = self.awards.iter_mut().find(|a| a.id == *award) {
                    a.teams.retain(|t| t != team);
                }
            }
        }
        Ok(())
    }

    /// Takes every label from a team that no longer exists.
    pub fn forget_team(&mut self, team: TeamId) -> bool {
        let mut changed = false;
        for a in &mut self.awards {
            let before = a.teams.len();
            a.teams.retain(|t| *t != team);
            changed |= a.teams.len() != before;
        }
        changed
    }

    fn known(&self, id: &str) -> Result<&Award, AwardError> {
        self.get(id)
            .ok_or_else(|| AwardError::UnknownAward(id.to_string()))
    }
}

/// A label's name as the moderator typed it, cleaned and checked (1 to
/// [`MAX_AWARD_NAME_CHARS`] characters).
pub fn award_name(raw: &str) -> Result<Name, AwardError> {
    Name::parse("name", raw, MAX_AWARD_NAME_CHARS).map_err(|_| AwardError::InvalidAwardName)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: TeamId = TeamId(1);
    const T2: TeamId = TeamId(2);

    fn exists(t: TeamId) -> bool {
        t == T1 || t == T2
    }

    fn run(a: &mut Awards, c: AwardCommand) -> Result<(), &'static str> {
        let before = a.clone();
        a.apply(&c, exists).map_err(|e| {
            assert_eq!(*a, before, "a refused command changes nothing");
            e.code()
        })
    }

    fn give(award: &str, team: TeamId) -> AwardCommand {
        AwardCommand::Give {
            award: award.into(),
            team,
        }
    }

    #[test]
    fn labels_go_to_several_teams_prizes_to_one() {
        let mut a = Awards::suggested();
        run(&mut a, give("libris", T2)).unwrap();
        run(&mut a, give("libris", T1)).unwrap();
        assert_eq!(a.get("libris").unwrap().teams, vec![T1, T2]);
        assert_eq!(run(&mut a, give("libris", T1)), Err("already_awarded"));
        run(&mut a, give("coup_de_coeur", T1)).unwrap();
        assert_eq!(run(&mut a, give("coup_de_coeur", T2)), Err("award_taken"));
        assert_eq!(run(&mut a, give("nope", T2)), Err("unknown_award"));
        assert_eq!(run(&mut a, give("libris", TeamId(7))), Err("unknown_team"));
        assert_eq!(a.of_team(T1), vec!["libris", "coup_de_coeur"]);
        run(
            &mut a,
            AwardCommand::Take {
                award: "coup_de_coeur".into(),
                team: T1,
            },
        )
        .unwrap();
        assert_eq!(
            run(
                &mut a,
                AwardCommand::Take {
                    award: "coup_de_coeur".into(),
                    team: T1
                }
            ),
            Err("not_awarded")
        );
        run(&mut a, give("coup_de_coeur", T2)).unwrap();
    }

    #[test]
    fn define_creates_and_updates() {
        let mut a = Awards::default();
        let define = |id: &str, name: &str, unique| AwardCommand::Define {
            id: id.into(),
            name: award_name(name).unwrap(),
            description: String::new(),
            unique,
        };
        run(&mut a, define("best_ux", "  Meilleure   UX ", false)).unwrap();
        assert_eq!(a.get("best_ux").unwrap().name, "Meilleure UX");
        run(&mut a, give("best_ux", T1)).unwrap();
        run(&mut a, give("best_ux", T2)).unwrap();
        // Two holders: it cannot become unique.
        assert_eq!(
            run(&mut a, define("best_ux", "UX", true)),
            Err("award_taken")
        );
        run(&mut a, define("best_ux", "UX", false)).unwrap();
        assert_eq!(a.get("best_ux").unwrap().teams, vec![T1, T2]);
        assert_eq!(
            run(&mut a, define("Best UX", "UX", false)),
            Err("invalid_award_id")
        );
        assert_eq!(award_name(" ").unwrap_err().code(), "invalid_award_name");
        let long = "x".repeat(MAX_AWARD_NAME_CHARS + 1);
        assert_eq!(award_name(&long).unwrap_err().code(), "invalid_award_name");
        run(
            &mut a,
            AwardCommand::Remove {
                id: "best_ux".into(),
            },
        )
        .unwrap();
        assert!(a.awards.is_empty());
    }
}
