//! What can change an event: durable commands, ephemeral actions, and the
//! effects both report so the hub can tell the right people.
//!
//! A [`Command`] is journaled and replayed: it carries everything it needs
//! (already resolved from ephemeral state, e.g. the room a chat message goes
//! to), so applying it again after a restart gives the same result.

use super::awards::AwardCommand;
use super::chat::Channel;
use super::help::HelpCommand;
use super::ideas::IdeaCommand;
use super::ids::{MemberId, TeamId};
use super::jury::JuryCommand;
use super::leaderboard::LeaderboardCommand;
use super::lifecycle::EventPhase;
use super::moderation::ModerationCommand;
use super::pitch::PitchCommand;
use super::presence::Status;
use super::privacy::PrivacyCommand;
use super::program::ProgramCommand;
use super::projects::ProjectCommand;
use super::questions::QuestionCommand;
use super::registration::RegistrationCommand;
use super::role::Role;
use super::roster::RosterImport;
use super::settings::EventSettings;
use super::text::{Message, Name};
use super::votes::VoteCommand;
use crate::venue::RoomIdx;
use serde::{Deserialize, Serialize};

/// A durable change. Journaled before it is acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Registers an invite link (setup, or a moderator creating links).
    AddInvite {
        token_hash: String,
        role: Role,
        team: Option<TeamId>,
    },
    /// A new person joins through an invite.
    Join {
        name: Name,
        role: Role,
        team: Option<TeamId>,
        session_hash: String,
        /// The invite used, counted against its `max_uses`.
        #[serde(default)]
        invite: Option<u32>,
    },
    /// A chat message, with its channel already resolved.
    PostChat { channel: Channel, text: Message },
    /// A participant founds a team and joins it (or the system/moderator
    /// creates an empty one). The team gets a free team table.
    CreateTeam {
        name: Name,
        #[serde(default)]
        challenge: Option<u32>,
    },
    /// The moderator creates an empty team (members join it later, e.g.
    /// through a team invite). The team gets a free team table.
    AddTeam {
        name: Name,
        #[serde(default)]
        challenge: Option<u32>,
    },
    /// The moderator gives a team a challenge (`None`: takes it away).
    SetTeamChallenge {
        team: TeamId,
        challenge: Option<u32>,
    },
    /// A participant joins an existing team.
    JoinTeam { team: TeamId },
    /// A participant leaves their team. An emptied team is dissolved.
    LeaveTeam,
    /// Challenges, schedule, phases, team formation mode.
    Program(ProgramCommand),
    /// The mentor help desk.
    Help(HelpCommand),
    /// Teams and personal invites from a CSV roster, all or nothing.
    ImportRoster(RosterImport),
    /// Mute, kick, ban, delete a message, create or revoke invites.
    Moderation(ModerationCommand),
    /// The run of show and the pitch timer (moderator).
    Pitch(PitchCommand),
    /// Rubric, scores, judging open/closed, publication.
    Jury(JuryCommand),
    /// People's choice ballots and settings.
    Vote(VoteCommand),
    /// Labels and awards (moderator).
    Award(AwardCommand),
    /// Leaderboard visibility and ceremony reveal (moderator).
    Leaderboard(LeaderboardCommand),
    /// The idea board.
    Idea(IdeaCommand),
    /// Project pages and the submission deadline.
    Project(ProjectCommand),
    /// The event's settings (operator at creation, moderators after).
    Configure { settings: EventSettings },
    /// Moves the event along its lifecycle (archiving: operator only).
    SetEventPhase { phase: EventPhase },
    /// Public sign-up and the moderator's decisions.
    Register(RegistrationCommand),
    /// Personal data: a person's erasure, the retention purge.
    Privacy(PrivacyCommand),
    /// Questions to the team on stage.
    Question(QuestionCommand),
}

/// An ephemeral change: positions and presence. Never journaled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The person's connection is up: their avatar appears, or is taken back
    /// if it is still waiting within the grace period.
    Connect,
    /// The connection dropped: the avatar waits for the grace period.
    Disconnect,
    /// One tile up, down, left or right.
    Step {
        dx: i64,
        dy: i64,
    },
    /// Walk to a tile along a path found around walls.
    WalkTo {
        x: i64,
        y: i64,
    },
    /// Walk on from a tile in a direction (a held key), or stop on it.
    Walk {
        x: i64,
        y: i64,
        dx: i64,
        dy: i64,
    },
    /// Jump into a room.
    Teleport {
        room: String,
    },
    SetStatus {
        status: Status,
    },
}

/// Something others may need to hear about. The hub turns effects into
/// messages and picks the recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A person joined the event (new member).
    MemberJoined {
        member: MemberId,
    },
    /// An avatar appeared on the map (connect or respawn).
    AvatarAppeared {
        member: MemberId,
    },
    /// An avatar was taken back by its owner within the grace period.
    AvatarResumed {
        member: MemberId,
    },
    /// The owner's connection dropped; the avatar waits for the grace period.
    AvatarDisconnected {
        member: MemberId,
    },
    /// An avatar left the map (grace period over).
    AvatarLeft {
        member: MemberId,
    },
    /// An avatar crossed from one room into another.
    RoomChanged {
        member: MemberId,
        from: RoomIdx,
        to: RoomIdx,
    },
    StatusChanged {
        member: MemberId,
        status: Status,
    },
    /// A chat message was posted.
    ChatPosted {
        seq: u64,
    },
    /// A team was created or its members changed.
    TeamChanged {
        team: TeamId,
    },
    /// A person's team changed (joined, left).
    MemberTeamChanged {
        member: MemberId,
        from: Option<TeamId>,
        to: Option<TeamId>,
    },
    /// A team was dissolved (its last member left); its table is free again.
    TeamRemoved {
        team: TeamId,
    },
    /// Challenges, schedule, phase or team formation mode changed.
    ProgramChanged,
    /// A help request changed (asked, claimed, unclaimed, resolved, cancelled, rated).
    HelpChanged {
        request: u32,
    },
    /// A mentor changed their skills or availability.
    MentorChanged {
        mentor: MemberId,
    },
    /// A request has waited too long unclaimed: remind available mentors.
    HelpReminder {
        request: u32,
    },
    /// The moderator summoned this person to the amphitheatre.
    Summoned {
        member: MemberId,
        by: MemberId,
    },
    /// A moderator action was recorded.
    AuditChanged,
    MuteChanged {
        member: MemberId,
        muted: bool,
    },
    /// Disconnect this person (they may come back).
    Kicked {
        member: MemberId,
    },
    /// Disconnect this person for good.
    Banned {
        member: MemberId,
    },
    /// A chat message was removed.
    ChatDeleted {
        seq: u64,
    },
    /// Invites were created or revoked.
    InvitesChanged,
    /// The run of show or the timer changed.
    PitchChanged,
    /// Another team is on stage (`None`: nobody).
    StageChanged {
        team: Option<TeamId>,
    },
    /// The rubric, a score or the judging switches changed.
    JuryChanged,
    /// A ballot (of `voter`) or the voting settings changed.
    VotesChanged {
        voter: Option<MemberId>,
    },
    /// Labels changed.
    AwardsChanged,
    /// The ranking or its visibility may have changed.
    LeaderboardChanged,
    /// The idea board changed (an idea, a support, an interest, its settings).
    IdeasChanged,
    /// A team's project page changed.
    ProjectChanged {
        team: TeamId,
    },
    /// The submission deadline changed.
    SubmissionChanged,
    /// The event's settings or lifecycle phase changed.
    EventChanged,
    /// A question was asked, upvoted, picked or hidden.
    QuestionsChanged,
}
