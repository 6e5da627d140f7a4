//! The event's programme: challenges ("défis"), the phases of the day with
//! their schedule, the current phase, and whether participants form teams
//! themselves.

use super::error::DomainError;
use super::ids::Millis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A challenge teams can take on, e.g. "Interopérabilité des données".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub id: u32,
    pub title: String,
    pub description: String,
}

/// The phases of a hackathon day, in their usual order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    #[default]
    Opening,
    TeamFormation,
    Hacking,
    Pitches,
    Deliberation,
    Awards,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Opening,
        Phase::TeamFormation,
        Phase::Hacking,
        Phase::Pitches,
        Phase::Deliberation,
        Phase::Awards,
    ];
}

/// When a phase is planned to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledPhase {
    pub phase: Phase,
    pub starts_at: Millis,
}

/// Challenges, schedule and current phase. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    pub challenges: BTreeMap<u32, Challenge>,
    pub next_challenge: u32,
    pub schedule: Vec<ScheduledPhase>,
    pub phase: Phase,
    /// When the phase was last switched.
    pub phase_since: Millis,
    /// Participants may create, join and leave teams themselves.
    pub self_service_teams: bool,
}

impl Default for Program {
    fn default() -> Self {
        Program {
            challenges: BTreeMap::new(),
            next_challenge: 1,
            schedule: Vec::new(),
            phase: Phase::Opening,
            phase_since: 0,
            self_service_teams: true,
        }
    }
}

/// A change to the programme (moderator only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ProgramCommand {
    AddChallenge {
        title: ChallengeText,
        description: ChallengeText,
    },
    UpdateChallenge {
        id: u32,
        title: ChallengeText,
        description: ChallengeText,
    },
    RemoveChallenge {
        id: u32,
    },
    SetSchedule {
        schedule: Vec<ScheduledPhase>,
    },
    SetPhase {
        phase: Phase,
    },
    SetTeamFormation {
        self_service: bool,
    },
}

/// Longest challenge title, in characters.
pub const MAX_TITLE_CHARS: usize = 80;
/// Longest challenge description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// A challenge's title or description, checked where the request becomes a
/// command by [`ChallengeText::title`] or [`ChallengeText::description`]:
/// stored trimmed and not otherwise cleaned, as challenges always were.
///
/// Journaled as the plain string; read back trimmed (records written before
/// the check moved to the edge hold it as sent, and the domain trimmed it
/// when applying them) and never checked, like [`super::text::Name`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ChallengeText(String);

impl<'de> Deserialize<'de> for ChallengeText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|stored| ChallengeText(stored.trim().to_string()))
    }
}

impl ChallengeText {
    /// A title: `raw` trimmed, if as a name it is neither empty nor longer
    /// than [`MAX_TITLE_CHARS`] (refused as field `title`).
    pub fn title(raw: &str) -> Result<ChallengeText, DomainError> {
        super::text::clean_name("title", raw, MAX_TITLE_CHARS)?;
        Ok(ChallengeText(raw.trim().to_string()))
    }

    /// A description: `raw` trimmed, if at most [`MAX_DESCRIPTION_CHARS`]
    /// as sent (refused as field `description`).
    pub fn description(raw: &str) -> Result<ChallengeText, DomainError> {
        super::text::check_max_chars("description", raw, MAX_DESCRIPTION_CHARS)?;
        Ok(ChallengeText(raw.trim().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Program {
    /// Checks a command without changing anything.
    pub fn check(&self, command: &ProgramCommand) -> Result<(), DomainError> {
        match command {
            ProgramCommand::AddChallenge { .. } => Ok(()),
            ProgramCommand::UpdateChallenge { id, .. } | ProgramCommand::RemoveChallenge { id } => {
                self.challenges
                    .get(id)
                    .ok_or(DomainError::UnknownChallenge(*id))?;
                Ok(())
            }
            ProgramCommand::SetSchedule { schedule } => {
                for pair in schedule.windows(2) {
                    if pair[1].starts_at < pair[0].starts_at {
                        return Err(DomainError::InvalidSchedule(
                            "phases must be listed in time order".into(),
                        ));
                    }
                }
                let mut seen = std::collections::BTreeSet::new();
                if let Some(dup) = schedule.iter().find(|p| !seen.insert(p.phase)) {
                    return Err(DomainError::InvalidSchedule(format!(
                        "phase {:?} is listed twice",
                        dup.phase
                    )));
                }
                Ok(())
            }
            ProgramCommand::SetPhase { .. } | ProgramCommand::SetTeamFormation { .. } => Ok(()),
        }
    }

    /// Applies a checked command.
    pub fn apply(&mut self, command: &ProgramCommand, now: Millis) {
        match command {
            ProgramCommand::AddChallenge { title, description } => {
                let id = self.next_challenge;
                self.next_challenge += 1;
                self.challenges.insert(
                    id,
                    Challenge {
                        id,
                        title: title.as_str().into(),
                        description: description.as_str().into(),
                    },
                );
            }
            ProgramCommand::UpdateChallenge {
                id,
                title,
                description,
            } => {
                if let Some(c) = self.challenges.get_mut(id) {
                    c.title = title.as_str().into();
                    c.description = description.as_str().into();
                }
            }
            ProgramCommand::RemoveChallenge { id } => {
                self.challenges.remove(id);
            }
            ProgramCommand::SetSchedule { schedule } => self.schedule = schedule.clone(),
            ProgramCommand::SetPhase { phase } => {
                self.phase = *phase;
                self.phase_since = now;
            }
            ProgramCommand::SetTeamFormation { self_service } => {
                self.self_service_teams = *self_service
            }
        }
    }

    /// The challenge whose title matches, ignoring case and surrounding spaces.
    pub fn challenge_by_title(&self, title: &str) -> Option<&Challenge> {
        let wanted = title.trim().to_lowercase();
        self.challenges
            .values()
            .find(|c| c.title.to_lowercase() == wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_added_updated_and_removed() {
        let mut p = Program::default();
        let add = ProgramCommand::AddChallenge {
            title: ChallengeText::title(" Open data ").unwrap(),
            description: ChallengeText::description(" ").unwrap(),
        };
        p.check(&add).unwrap();
        p.apply(&add, 0);
        assert_eq!(p.challenges[&1].title, "Open data");
        assert_eq!(p.challenge_by_title("OPEN DATA").map(|c| c.id), Some(1));
        assert_eq!(
            p.check(&ProgramCommand::RemoveChallenge { id: 9 }),
            Err(DomainError::UnknownChallenge(9))
        );
    }

    #[test]
    fn challenge_texts_are_checked_as_before_and_stored_trimmed() {
        let title = ChallengeText::title("  Données\u{7} ouvertes ").unwrap();
        // Trimmed only, as it always was: no other cleaning.
        assert_eq!(title.as_str(), "Données\u{7} ouvertes");
        assert_eq!(
            ChallengeText::title(" \u{202E} "),
            Err(DomainError::EmptyText { field: "title" })
        );
        assert_eq!(
            ChallengeText::title(&"é".repeat(MAX_TITLE_CHARS + 1)),
            Err(DomainError::TextTooLong {
                field: "title",
                len: MAX_TITLE_CHARS + 1,
                max: MAX_TITLE_CHARS
            })
        );
        assert!(ChallengeText::title(&"é".repeat(MAX_TITLE_CHARS)).is_ok());
        assert_eq!(ChallengeText::description(" x ").unwrap().as_str(), "x");
        assert_eq!(
            ChallengeText::description(&"d".repeat(MAX_DESCRIPTION_CHARS + 1)),
            Err(DomainError::TextTooLong {
                field: "description",
                len: MAX_DESCRIPTION_CHARS + 1,
                max: MAX_DESCRIPTION_CHARS
            })
        );
        // A stored title a later rule would refuse still loads, as written.
        let stored: ChallengeText = serde_json::from_str(r#""""#).unwrap();
        assert_eq!(stored.as_str(), "");
        // One stored as sent (before the edge trimmed it) reads trimmed.
        let stored: ChallengeText = serde_json::from_str(r#""  Mobilité  ""#).unwrap();
        assert_eq!(stored.as_str(), "Mobilité");
        assert_eq!(
            serde_json::to_string(&title).unwrap(),
            r#""Données\u0007 ouvertes""#
        );
    }

    #[test]
    fn schedules_must_be_ordered_and_unique() {
        let p = Program::default();
        let at = |phase, starts_at| ScheduledPhase { phase, starts_at };
        assert!(
            p.check(&ProgramCommand::SetSchedule {
                schedule: vec![at(Phase::Opening, 0), at(Phase::Hacking, 10)]
            })
            .is_ok()
        );
        assert!(
            p.check(&ProgramCommand::SetSchedule {
                schedule: vec![at(Phase::Opening, 10), at(Phase::Hacking, 0)]
            })
            .is_err()
        );
        assert!(
            p.check(&ProgramCommand::SetSchedule {
                schedule: vec![at(Phase::Opening, 0), at(Phase::Opening, 10)]
            })
            .is_err()
        );
    }

    #[test]
    fn phase_switch_records_the_time() {
        let mut p = Program::default();
        p.apply(
            &ProgramCommand::SetPhase {
                phase: Phase::Hacking,
            },
            1234,
        );
        assert_eq!((p.phase, p.phase_since), (Phase::Hacking, 1234));
    }
}
