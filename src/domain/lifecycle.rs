//! An event's lifecycle: draft → registration → live → judging → results →
//! archived, and what each phase allows.
//!
//! The rule is one table, [`EventPhase::allows`], asked by
//! [`super::Event::check_command`] for every durable command (so a replay
//! enforces exactly what the live server did). Other modules ask it too:
//! `event.phase().allows(Activity::Score)`.
//!
//! | phase        | setup | join | participate | score, vote |
//! |--------------|-------|------|-------------|-------------|
//! | draft        | yes   | yes  | yes         | no          |
//! | registration | yes   | yes  | yes         | no          |
//! | live         | yes   | yes  | yes         | yes         |
//! | judging      | yes   | yes  | yes         | yes         |
//! | results      | yes   | yes  | yes         | no          |
//! | archived     | no    | no   | no          | no          |
//!
//! Erasing personal data (`Command::Privacy`) is allowed in every phase.
//! An archived event is read-only: its pages still serve and its people may
//! still look, but every durable change is refused with `event_archived`.
//! Archiving is the operator's (a moderator may move between the other
//! phases) and is final: a copy is made with a clone.

use super::command::Command;
use super::jury::JuryCommand;
use super::votes::VoteCommand;
use serde::{Deserialize, Serialize};

/// Where an event is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum EventPhase {
    /// Being prepared by its organizers.
    Draft,
    /// People sign up; teams may form.
    Registration,
    /// The event day(s). An event stored before lifecycles existed is live.
    #[default]
    Live,
    /// The jury scores.
    Judging,
    /// Results are out.
    Results,
    /// Read-only for good.
    Archived,
}

impl EventPhase {
    /// Every phase, in order.
    pub const ALL: [EventPhase; 6] = [
        EventPhase::Draft,
        EventPhase::Registration,
        EventPhase::Live,
        EventPhase::Judging,
        EventPhase::Results,
        EventPhase::Archived,
    ];

    /// The wire name (`draft`, `registration`, …).
    pub fn name(self) -> &'static str {
        match self {
            EventPhase::Draft => "draft",
            EventPhase::Registration => "registration",
            EventPhase::Live => "live",
            EventPhase::Judging => "judging",
            EventPhase::Results => "results",
            EventPhase::Archived => "archived",
        }
    }

    /// Whether this phase allows `activity`.
    pub fn allows(self, activity: Activity) -> bool {
        if activity == Activity::Privacy {
            // The right to erasure does not end with the event.
            return true;
        }
        match self {
            EventPhase::Archived => false,
            EventPhase::Live | EventPhase::Judging => true,
            EventPhase::Draft | EventPhase::Registration | EventPhase::Results => {
                activity != Activity::Judge
            }
        }
    }

    /// Checks `command` against this phase.
    pub fn check(self, command: &Command) -> Result<(), LifecycleError> {
        let activity = Activity::of(command);
        if self.allows(activity) {
            return Ok(());
        }
        Err(if self == EventPhase::Archived {
            LifecycleError::Archived
        } else {
            LifecycleError::NotNow {
                phase: self,
                activity,
            }
        })
    }
}

impl std::fmt::Display for EventPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for EventPhase {
    type Err = LifecycleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventPhase::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| LifecycleError::UnknownPhase(s.to_string()))
    }
}

/// What a durable command does, as far as the lifecycle cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Organizers configure: settings, invites, programme, rubric, labels,
    /// run of show, moderation.
    Setup,
    /// A new person joins.
    Join,
    /// People take part: chat, teams, help, ideas, project pages, questions.
    Participate,
    /// Jurors score, people vote.
    Judge,
    /// A person's erasure, the retention purge: allowed in every phase.
    Privacy,
}

impl Activity {
    /// The activity of a command.
    pub fn of(command: &Command) -> Activity {
        match command {
            Command::Join { .. }
            | Command::Register(super::registration::RegistrationCommand::Submit { .. }) => {
                Activity::Join
            }
            Command::PostChat { .. }
            | Command::CreateTeam { .. }
            | Command::JoinTeam { .. }
            | Command::LeaveTeam
            | Command::Help(_)
            | Command::Idea(_)
            | Command::Project(_)
            | Command::Question(_) => Activity::Participate,
            Command::Jury(JuryCommand::Score { .. } | JuryCommand::ClearScore { .. })
            | Command::Vote(VoteCommand::Cast { .. } | VoteCommand::Retract { .. }) => {
                Activity::Judge
            }
            Command::Privacy(_) => Activity::Privacy,
            _ => Activity::Setup,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Activity::Setup => "change the event's setup",
            Activity::Join => "join",
            Activity::Participate => "take part",
            Activity::Judge => "score or vote",
            Activity::Privacy => "erase personal data",
        }
    }
}

/// A command refused by the lifecycle. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("this event is archived: it is read-only")]
    Archived,
    #[error("nobody may {} while the event is in phase '{phase}'", activity.name())]
    NotNow {
        phase: EventPhase,
        activity: Activity,
    },
    #[error("phase: unknown phase '{0}' (draft, registration, live, judging, results, archived)")]
    UnknownPhase(String),
}

impl LifecycleError {
    /// The stable wire code.
    pub fn code(&self) -> &'static str {
        match self {
            LifecycleError::Archived => "event_archived",
            LifecycleError::NotNow { .. } => "not_in_this_phase",
            LifecycleError::UnknownPhase(_) => "unknown_phase",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TeamId;

    #[test]
    fn scores_only_while_live_or_judging() {
        let score = Command::Jury(JuryCommand::Score {
            team: TeamId(1),
            criterion: "impact".into(),
            value: 3,
        });
        let allowed: Vec<EventPhase> = EventPhase::ALL
            .into_iter()
            .filter(|p| p.check(&score).is_ok())
            .collect();
        assert_eq!(allowed, [EventPhase::Live, EventPhase::Judging]);
    }

    #[test]
    fn archived_refuses_everything_with_its_own_code() {
        let chat = Command::LeaveTeam;
        let err = EventPhase::Archived.check(&chat).unwrap_err();
        assert_eq!(err.code(), "event_archived");
        assert!(EventPhase::Draft.check(&chat).is_ok());
    }

    #[test]
    fn names_parse_back() {
        for phase in EventPhase::ALL {
            assert_eq!(phase.name().parse::<EventPhase>(), Ok(phase));
        }
        assert!("over".parse::<EventPhase>().is_err());
    }
}
