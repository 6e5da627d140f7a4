//! Typed refusals of the domain. Each has a stable wire `code`.
//!
//! A refused command changes nothing: every check runs before any mutation.

use serde::Serialize;

/// Why a command was refused. [`DomainError::code`] is the stable machine-readable
/// name sent to clients; the `Display` text is for humans.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    /// A refusal of the pitch, jury, vote, award or leaderboard rules, with
    /// the stable code those modules define.
    #[error("{message}")]
    Judging { code: &'static str, message: String },
    /// An event setting refused, naming the field.
    #[error("{0}")]
    Settings(#[from] super::settings::SettingsError),
    /// Not allowed in the event's lifecycle phase (archived: read-only).
    #[error("{0}")]
    Lifecycle(#[from] super::lifecycle::LifecycleError),
    #[error("the event is full ({capacity} participants)")]
    EventFull { capacity: u32 },
    /// A sign-up or a moderator's decision on one refused.
    #[error("{0}")]
    Registration(#[from] super::registration::RegistrationError),
    /// An erasure or purge refused.
    #[error("{0}")]
    Privacy(#[from] super::privacy::PrivacyError),
}

/// Stable error codes, shared by domain refusals and protocol errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadJson,
    UnknownType,
    InvalidMessage,
    NotJoined,
    AlreadyJoined,
    ProtocolVersion,
    UnknownEvent,
    InvalidInvite,
    InvalidSession,
    InvalidName,
    Forbidden,
    OutOfBounds,
    Blocked,
    InvalidStep,
    TooFast,
    NoPath,
    RoomForbidden,
    RoomFull,
    UnknownRoom,
    UnknownMember,
    UnknownTeam,
    NoAvatar,
    EmptyText,
    TextTooLong,
    NoTeam,
    AlreadyInTeam,
    TeamFull,
    DuplicateTeamName,
    MessageToSelf,
    UnknownChallenge,
    InvalidSchedule,
    TeamFormationClosed,
    HelpAlreadyOpen,
    UnknownRequest,
    AlreadyClaimed,
    AlreadyClaiming,
    OwnTeamRequest,
    HelpClosed,
    NotYourClaim,
    NotYourTeamRequest,
    NotResolved,
    AlreadyRated,
    OutOfRange,
    UnknownTable,
    InvalidRoster,
    Muted,
    ProtectedMember,
    UnknownMessage,
    UnknownInvite,
    InviteExpired,
    InviteRevoked,
    InviteUsedUp,
    Banned,
    RateLimited,
    NameTaken,
    StorageUnavailable,
    Overloaded,
    Unauthorized,
    StageReserved,
    /// Codes of the judging modules (`judging_closed`, `own_team_vote`, …).
    #[serde(untagged)]
    Named(&'static str),
}

impl DomainError {
    /// The wire code for this refusal.
    pub fn code(&self) -> ErrorCode {
        match self {
            DomainError::Forbidden { .. } => ErrorCode::Forbidden,
            DomainError::OutOfBounds { .. } => ErrorCode::OutOfBounds,
            DomainError::Blocked { .. } => ErrorCode::Blocked,
            DomainError::InvalidStep { .. } => ErrorCode::InvalidStep,
            DomainError::TooFast { .. } => ErrorCode::TooFast,
            DomainError::NoPath { .. } => ErrorCode::NoPath,
            DomainError::RoomForbidden { .. } => ErrorCode::RoomForbidden,
            DomainError::RoomFull { .. } => ErrorCode::RoomFull,
            DomainError::UnknownRoom(_) => ErrorCode::UnknownRoom,
            DomainError::UnknownMember(_) => ErrorCode::UnknownMember,
            DomainError::UnknownTeam(_) => ErrorCode::UnknownTeam,
            DomainError::NoAvatar => ErrorCode::NoAvatar,
            DomainError::EmptyText { .. } => ErrorCode::EmptyText,
            DomainError::TextTooLong { .. } => ErrorCode::TextTooLong,
            DomainError::NoTeam => ErrorCode::NoTeam,
            DomainError::AlreadyInTeam(_) => ErrorCode::AlreadyInTeam,
            DomainError::TeamFull { .. } => ErrorCode::TeamFull,
            DomainError::DuplicateTeamName(_) => ErrorCode::DuplicateTeamName,
            DomainError::MessageToSelf => ErrorCode::MessageToSelf,
            DomainError::UnknownChallenge(_) => ErrorCode::UnknownChallenge,
            DomainError::InvalidSchedule(_) => ErrorCode::InvalidSchedule,
            DomainError::TeamFormationClosed => ErrorCode::TeamFormationClosed,
            DomainError::HelpAlreadyOpen(_) => ErrorCode::HelpAlreadyOpen,
            DomainError::UnknownRequest(_) => ErrorCode::UnknownRequest,
            DomainError::AlreadyClaimed(_) => ErrorCode::AlreadyClaimed,
            DomainError::AlreadyClaiming(_) => ErrorCode::AlreadyClaiming,
            DomainError::OwnTeamRequest => ErrorCode::OwnTeamRequest,
            DomainError::HelpClosed(_) => ErrorCode::HelpClosed,
            DomainError::NotYourClaim(_) => ErrorCode::NotYourClaim,
            DomainError::NotYourTeamRequest(_) => ErrorCode::NotYourTeamRequest,
            DomainError::NotResolved(_) => ErrorCode::NotResolved,
            DomainError::AlreadyRated(_) => ErrorCode::AlreadyRated,
            DomainError::OutOfRange { .. } => ErrorCode::OutOfRange,
            DomainError::UnknownTable(_) => ErrorCode::UnknownTable,
            DomainError::InvalidRoster(_) => ErrorCode::InvalidRoster,
            DomainError::Muted => ErrorCode::Muted,
            DomainError::ProtectedMember(_) => ErrorCode::ProtectedMember,
            DomainError::UnknownMessage(_) => ErrorCode::UnknownMessage,
            DomainError::UnknownInvite(_) => ErrorCode::UnknownInvite,
            DomainError::InvalidInvite => ErrorCode::InvalidInvite,
            DomainError::NameTaken(_) => ErrorCode::NameTaken,
            DomainError::Judging { code, .. } => ErrorCode::Named(code),
            DomainError::StageReserved => ErrorCode::StageReserved,
            DomainError::Settings(err) => ErrorCode::Named(err.code()),
            DomainError::Lifecycle(err) => ErrorCode::Named(err.code()),
            DomainError::EventFull { .. } => ErrorCode::Named("event_full"),
            DomainError::Registration(err) => ErrorCode::Named(err.code()),
            DomainError::Privacy(err) => ErrorCode::Named(err.code()),
        }
    }
}
