//! Typed refusals of the domain. Each has a stable wire code: its variant's
//! name in snake_case (derived, never hand-kept), or for a feature's refusal
//! (pitch, jury, votes, awards, leaderboard) the code of the nested error.
//!
//! A refused command changes nothing: every check runs before any mutation.
//! Codes of the transport (bad JSON, rate limits, …) are not here: they are
//! the protocol's (`protocol::ErrorCode`).

use super::awards::AwardError;
use super::ideas::IdeaError;
use super::jury::JuryError;
use super::leaderboard::LeaderboardError;
use super::pitch::PitchError;
use super::projects::ProjectError;
use super::questions::QuestionError;
use super::votes::VoteError;

/// Why a command was refused. [`DomainError::code`] is the stable machine-readable
/// name sent to clients; the `Display` text is for humans.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum DomainError {
    #[error("your role ({role}) may not {action}")]
    Forbidden {
        role: &'static str,
        action: &'static str,
    },
    #[error("tile ({x}, {y}) is outside the map")]
    OutOfBounds { x: i64, y: i64 },
    #[error("a wall or furniture blocks tile ({x}, {y})")]
    Blocked { x: u16, y: u16 },
    #[error("a step moves one tile up, down, left or right (got dx={dx}, dy={dy})")]
    InvalidStep { dx: i64, dy: i64 },
    #[error("moving too fast: at most {per_second} steps per second")]
    TooFast { per_second: u32 },
    #[error("no path leads to ({x}, {y}) from where you stand")]
    NoPath { x: u16, y: u16 },
    #[error("room '{room}' is reserved to: {allowed}")]
    RoomForbidden { room: String, allowed: String },
    #[error("room '{room}' is full ({capacity} people)")]
    RoomFull { room: String, capacity: u32 },
    #[error("no room is called '{0}'")]
    UnknownRoom(String),
    #[error("no person has id {0}")]
    UnknownMember(u32),
    #[error("no team has id {0}")]
    UnknownTeam(u32),
    #[error("you have no avatar in the venue")]
    NoAvatar,
    #[error("{field} is empty")]
    EmptyText { field: &'static str },
    #[error("{field} is {len} characters long; the limit is {max}")]
    TextTooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("you are not in a team")]
    NoTeam,
    #[error("you are already in team {0}; leave it first")]
    AlreadyInTeam(u32),
    #[error("team {team} is full ({max} members)")]
    TeamFull { team: u32, max: usize },
    #[error("a team named '{0}' already exists")]
    DuplicateTeamName(String),
    #[error("you cannot send a direct message to yourself")]
    MessageToSelf,
    #[error("no challenge has id {0}")]
    UnknownChallenge(u32),
    #[error("invalid schedule: {0}")]
    InvalidSchedule(String),
    #[error("teams are formed by the moderator in this event")]
    TeamFormationClosed,
    #[error("your team already has an open help request ({0})")]
    HelpAlreadyOpen(u32),
    #[error("no help request has id {0}")]
    UnknownRequest(u32),
    #[error("help request {0} is already claimed by another mentor")]
    AlreadyClaimed(u32),
    #[error("you are already handling help request {0}; resolve or unclaim it first")]
    AlreadyClaiming(u32),
    #[error("you cannot claim your own team's request")]
    OwnTeamRequest,
    #[error("help request {0} is closed")]
    HelpClosed(u32),
    #[error("help request {0} is not claimed by you")]
    NotYourClaim(u32),
    #[error("help request {0} is not your team's")]
    NotYourTeamRequest(u32),
    #[error("help request {0} is not resolved yet")]
    NotResolved(u32),
    #[error("help request {0} was already rated")]
    AlreadyRated(u32),
    #[error("{field} must be between {min} and {max} (got {got})")]
    OutOfRange {
        field: &'static str,
        min: i64,
        max: i64,
        got: i64,
    },
    #[error("no team has a table called '{0}'")]
    UnknownTable(String),
    #[error("team {0} has no table")]
    #[strum(serialize = "unknown_table")]
    TeamWithoutTable(u32),
    #[error("roster: {0}")]
    InvalidRoster(String),
    #[error("the moderator has muted you")]
    Muted,
    #[error("moderators cannot act on a moderator (person {0})")]
    ProtectedMember(u32),
    #[error("no chat message has number {0}")]
    UnknownMessage(u64),
    #[error("no invite has id {0}")]
    UnknownInvite(u32),
    #[error("this invite link is not valid")]
    InvalidInvite,
    #[error("the name '{0}' is taken (or looks too much like another person's name)")]
    NameTaken(String),
    #[error("the stage is reserved to the team pitching now")]
    StageReserved,
    #[error("no team is on stage: reactions and questions wait for a pitch")]
    NothingOnStage,
    #[error(transparent)]
    Pitch(#[from] PitchError),
    #[error(transparent)]
    Jury(#[from] JuryError),
    #[error(transparent)]
    Vote(#[from] VoteError),
    #[error(transparent)]
    Award(#[from] AwardError),
    #[error(transparent)]
    Leaderboard(#[from] LeaderboardError),
    #[error(transparent)]
    Idea(Box<IdeaError>),
    #[error(transparent)]
    Project(Box<ProjectError>),
    /// An event setting refused, naming the field.
    #[error(transparent)]
    Settings(#[from] super::settings::SettingsError),
    /// Not allowed in the event's lifecycle phase (archived: read-only).
    #[error(transparent)]
    Lifecycle(#[from] super::lifecycle::LifecycleError),
    #[error("the event is full ({capacity} participants)")]
    EventFull { capacity: u32 },
    /// A sign-up or a moderator's decision on one refused.
    #[error(transparent)]
    Registration(#[from] super::registration::RegistrationError),
    /// An erasure or purge refused.
    #[error(transparent)]
    Privacy(#[from] super::privacy::PrivacyError),
    #[error(transparent)]
    Question(Box<QuestionError>),
}

impl DomainError {
    /// The stable wire code for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Pitch(e) => e.into(),
            DomainError::Jury(e) => e.into(),
            DomainError::Vote(e) => e.into(),
            DomainError::Award(e) => e.into(),
            DomainError::Leaderboard(e) => e.into(),
            DomainError::Idea(e) => e.code(),
            DomainError::Project(e) => e.code(),
            DomainError::Settings(e) => e.code(),
            DomainError::Lifecycle(e) => e.code(),
            DomainError::Registration(e) => e.code(),
            DomainError::Privacy(e) => e.code(),
            DomainError::Question(e) => e.code(),
            other => other.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_variant_names_or_the_nested_feature_codes() {
        assert_eq!(DomainError::NoAvatar.code(), "no_avatar");
        assert_eq!(DomainError::UnknownTeam(3).code(), "unknown_team");
        assert_eq!(
            DomainError::TextTooLong {
                field: "text",
                len: 9,
                max: 1
            }
            .code(),
            "text_too_long"
        );
        assert_eq!(
            DomainError::from(PitchError::NoNextTeam).code(),
            "no_next_team"
        );
        assert_eq!(
            DomainError::from(PitchError::NoNextTeam).to_string(),
            PitchError::NoNextTeam.to_string(),
            "a feature's message is shown as it is"
        );
    }
}
