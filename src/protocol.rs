//! Wire types: every JSON message a client sends or receives.
//!
//! Frames are JSON text, `{"type": "...", ...}`, snake_case. A request may
//! carry `rid` (an integer), echoed in the `ack` or `error` that answers it.
//! `docs/protocol.md` documents each message with an example; keep both in step.

use crate::domain::awards::Award;
use crate::domain::help::{HelpStats, HelpTag};
use crate::domain::jury::{Progress, Rubric, ScoreSheet};
use crate::domain::leaderboard::{PublicLeaderboard, StaffLeaderboard};
use crate::domain::moderation::AuditEntry;
use crate::domain::pitch::TimerView;
use crate::domain::program::{Challenge, Phase, ScheduledPhase};
use crate::domain::{Role, Status};
use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};

mod close;
pub mod floor;
pub mod ideas;
mod ops;
pub mod projects;
pub mod questions;
mod refusal;
pub use close::CloseCode;
pub use floor::{FloorOp, FloorView, HandView};
pub use ideas::{BoardView, IdeaOp, IdeaView};
pub use ops::{AwardOp, JuryOp, LeaderboardOp, PitchOp, VoteOp};
pub use projects::{FileView, ProjectOp, ProjectView};
pub use questions::{QuestionOp, QuestionView};
pub use refusal::ErrorCode;

/// Version a client must announce in `hello`.
pub const PROTOCOL_VERSION: u32 = 2;

/// An encoded server message, shared by all its recipients without copying.
pub type Frame = Utf8Bytes;

/// A client message with its optional request id.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Request {
    #[serde(default)]
    pub rid: Option<u64>,
    /// A key the client chooses for an idempotent resend: a durable request
    /// already applied with this key (for this person) is answered, not
    /// applied again.
    #[serde(default)]
    pub once: Option<String>,
    #[serde(flatten)]
    pub msg: ClientMsg,
}

/// Everything a client can send. Its `type` names (for metrics and for
/// telling an unknown type from a bad field) come from the same variants.
#[derive(Debug, Clone, PartialEq, Deserialize, strum::IntoStaticStr, strum::VariantNames)]
#[serde(tag = "type", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ClientMsg {
    /// First message on a connection: join with an invite, or resume a session.
    Hello {
        protocol: u32,
        #[serde(default)]
        event: Option<String>,
        #[serde(default)]
        invite: Option<String>,
        #[serde(default)]
        resume: Option<String>,
        #[serde(default)]
        name: Option<String>,
        /// Newest chat `seq` the client has seen; missed messages follow.
        #[serde(default)]
        last_seq: Option<u64>,
        /// Watch without an account (the public live page): no avatar, no
        /// chat, only what the public may see.
        #[serde(default)]
        watch: bool,
        /// With `resume`: open a second connection beside the person's
        /// main one (e.g. the moderator console next to the venue page)
        /// instead of replacing it. It does not carry the avatar.
        #[serde(default)]
        companion: bool,
    },
    /// One tile up, down, left or right.
    Step {
        dx: i64,
        dy: i64,
    },
    /// Walk to a tile; the server finds the path and walks it.
    WalkTo {
        x: i64,
        y: i64,
    },
    /// Walk on from the tile the client shows (`x`, `y`) in a direction
    /// while a key is held; `dx` = `dy` = 0 (or left out) stops there.
    Walk {
        x: i64,
        y: i64,
        #[serde(default)]
        dx: i64,
        #[serde(default)]
        dy: i64,
    },
    Teleport {
        room: String,
    },
    /// The tiles the client's screen shows around its avatar: the area whose
    /// avatars it is sent (see `positions`).
    View {
        w: i64,
        h: i64,
    },
    SetStatus {
        status: Status,
    },
    Chat {
        scope: ChatScope,
        /// The recipient's id, for `direct` only.
        #[serde(default)]
        to: Option<u32>,
        text: String,
    },
    CreateTeam {
        name: String,
        #[serde(default)]
        challenge: Option<u32>,
    },
    JoinTeam {
        team: u32,
    },
    LeaveTeam,
    // Programme (moderator).
    AddChallenge {
        title: String,
        #[serde(default)]
        description: String,
    },
    UpdateChallenge {
        id: u32,
        title: String,
        #[serde(default)]
        description: String,
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
    /// Create an empty team (its members join later).
    AddTeam {
        name: String,
        #[serde(default)]
        challenge: Option<u32>,
    },
    /// Give a team a challenge (`challenge: null` takes it away).
    SetTeamChallenge {
        team: u32,
        challenge: Option<u32>,
    },
    /// Bring everyone, one role, or one team to the amphitheatre.
    Summon {
        #[serde(default)]
        role: Option<Role>,
        #[serde(default)]
        team: Option<u32>,
    },
    // Help desk.
    AskHelp {
        tags: Vec<HelpTag>,
        description: String,
    },
    ClaimHelp {
        request: u32,
    },
    UnclaimHelp {
        request: u32,
    },
    ResolveHelp {
        request: u32,
    },
    CancelHelp {
        request: u32,
    },
    RateHelp {
        request: u32,
        stars: u8,
        #[serde(default)]
        comment: String,
    },
    SetMentorProfile {
        skills: Vec<HelpTag>,
        available: bool,
    },
    /// Teleport to a team's table (a mentor on their way to help).
    GoToTeam {
        team: u32,
    },
    // Moderation (moderator).
    Mute {
        member: u32,
        #[serde(default)]
        reason: String,
    },
    Unmute {
        member: u32,
    },
    Kick {
        member: u32,
        #[serde(default)]
        reason: String,
    },
    Ban {
        member: u32,
        #[serde(default)]
        reason: String,
    },
    DeleteMessage {
        seq: u64,
        #[serde(default)]
        reason: String,
    },
    CreateInvite {
        role: Role,
        #[serde(default)]
        team: Option<u32>,
        #[serde(default)]
        label: String,
        #[serde(default)]
        expires_at: Option<u64>,
        #[serde(default)]
        max_uses: Option<u32>,
    },
    RevokeInvite {
        invite: u32,
    },
    /// Revoke an invite and answer a new one like it (`invite_created`).
    RotateInvite {
        invite: u32,
    },
    ListInvites,
    GetAuditLog,
    // The pitch session, each selected by `op` (see [`ops`]).
    Pitch {
        #[serde(flatten)]
        op: PitchOp,
    },
    Jury {
        #[serde(flatten)]
        op: JuryOp,
    },
    Vote {
        #[serde(flatten)]
        op: VoteOp,
    },
    Award {
        #[serde(flatten)]
        op: AwardOp,
    },
    Leaderboard {
        #[serde(flatten)]
        op: LeaderboardOp,
    },
    /// The idea board, selected by `op` (see [`ideas`]).
    Idea {
        #[serde(flatten)]
        op: IdeaOp,
    },
    /// Project pages, selected by `op` (see [`projects`]).
    Project {
        #[serde(flatten)]
        op: ProjectOp,
    },
    /// Clock sync: `t0` is the client's send time (ms).
    Ping {
        t0: f64,
    },
    // Voice and video (see docs/media.md): signalling for the media server.
    /// Start (or restart) one's media connection: an SDP offer whose
    /// m-lines are, in order, microphone (audio), camera and screen (video).
    MediaOffer {
        sdp: String,
    },
    /// The answer to the server's last `media_offer`.
    MediaAnswer {
        sdp: String,
    },
    /// Hang up: no more sending or receiving.
    MediaLeave,
    /// Receive no video (audio-only mode).
    MediaSettings {
        audio_only: bool,
    },
    /// Stop (or resume) forwarding someone's microphone (moderator).
    MediaMute {
        member: u32,
        muted: bool,
    },
    /// The ICE servers (TURN relays) to give `RTCPeerConnection`.
    MediaIceServers,
    /// A reaction to the pitch on stage (anyone watching, watchers too).
    React {
        reaction: crate::domain::reactions::Reaction,
    },
    /// Questions to the team on stage, selected by `op` (see [`questions`]).
    Question {
        #[serde(flatten)]
        op: QuestionOp,
    },
    /// Raise a hand, and the floor on the stage (see [`floor`]).
    Floor {
        #[serde(flatten)]
        op: FloorOp,
    },
}

/// The `type` of every [`ClientMsg`], to tell an unknown type from a bad field.
pub const CLIENT_TYPES: &[&str] = <ClientMsg as strum::VariantNames>::VARIANTS;

impl ClientMsg {
    /// The message's `type`, e.g. for metrics labels.
    pub fn kind(&self) -> &'static str {
        self.into()
    }
}

/// Chat destinations a client can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatScope {
    Room,
    Team,
    Direct,
    Announcement,
}

/// A frame that could not be turned into a [`Request`].
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    pub rid: Option<u64>,
    pub code: ErrorCode,
    pub message: String,
}

/// Parses a client frame. The happy path parses once; only a failure looks
/// closer, to say precisely what is wrong.
pub fn decode(text: &str) -> Result<Request, DecodeError> {
    if let Some(step) = decode_step(text) {
        return Ok(step);
    }
    let err = match serde_json::from_str::<Request>(text) {
        Ok(request) => return Ok(request),
        Err(err) => err,
    };
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(syntax) => {
            return Err(DecodeError {
                rid: None,
                code: ErrorCode::BadJson,
                message: format!("not valid JSON: {syntax}"),
            });
        }
    };
    let rid = value.get("rid").and_then(serde_json::Value::as_u64);
    let invalid = |message: String| DecodeError {
        rid,
        code: ErrorCode::InvalidMessage,
        message,
    };
    let Some(object) = value.as_object() else {
        return Err(invalid(
            "a message is a JSON object with a \"type\" field".into(),
        ));
    };
    match object.get("type") {
        None => Err(invalid("missing field `type`".into())),
        Some(serde_json::Value::String(kind)) if !CLIENT_TYPES.contains(&kind.as_str()) => {
            Err(DecodeError {
                rid,
                code: ErrorCode::UnknownType,
                message: format!("unknown message type '{kind}'"),
            })
        }
        Some(serde_json::Value::String(_)) => Err(invalid(name_the_field(object, &err))),
        Some(_) => Err(invalid("field `type` must be a string".into())),
    }
}

/// A `step` as clients send it (`{"type":"step","dx":…,"dy":…,"rid":…}`),
/// ten times a second per walking avatar, read straight into its fields.
/// serde reads an internally tagged, flattened enum such as [`Request`] by
/// first copying the whole object into a buffer of its own (allocations
/// and a second pass, on every message). Anything else — another field,
/// another first field, a bad value — returns `None` and takes the general
/// path, which gives the same result or the usual error.
fn decode_step(text: &str) -> Option<Request> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Step<'a> {
        #[serde(rename = "type", borrow)]
        kind: &'a str,
        dx: i64,
        dy: i64,
        #[serde(default)]
        rid: Option<u64>,
    }
    if !text.starts_with(r#"{"type":"step","#) {
        return None;
    }
    let step = serde_json::from_str::<Step>(text).ok()?;
    (step.kind == "step").then_some(Request {
        rid: step.rid,
        once: None,
        msg: ClientMsg::Step {
            dx: step.dx,
            dy: step.dy,
        },
    })
}

/// The decoding error as a client reads it: serde says "invalid value:
/// integer `-1`, expected u8" without the field (the message is buffered
/// whole before its fields are read, so the error's position says nothing
/// either). The culprit is the field whose removal makes that error go away
/// (the message then decodes, or only misses that field): it is named in
/// front. Runs on refused frames only.
fn name_the_field(
    object: &serde_json::Map<String, serde_json::Value>,
    err: &serde_json::Error,
) -> String {
    let message = strip_position(&err.to_string());
    if message.contains("field `") {
        return message;
    }
    let culprit = object
        .keys()
        // The tags name the message, not a value in it.
        .filter(|key| !matches!(key.as_str(), "type" | "op" | "rid"))
        .find(|key| {
            let mut without = object.clone();
            without.remove(key.as_str());
            match serde_json::from_value::<Request>(serde_json::Value::Object(without)) {
                Ok(_) => true,
                Err(other) => other
                    .to_string()
                    .starts_with(&format!("missing field `{key}`")),
            }
        });
    match culprit {
        Some(key) => format!("field `{key}`: {message}"),
        None => message,
    }
}

/// serde_json appends " at line 1 column 42"; useless for a one-line frame.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A person on the map, as others see them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonView {
    pub id: u32,
    pub name: String,
    pub role: Role,
    pub team: Option<u32>,
    pub room: String,
    pub x: u16,
    pub y: u16,
    pub status: Status,
    /// False while the owner is disconnected, within the grace period.
    pub connected: bool,
}

/// A chat message on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatView {
    pub seq: u64,
    pub channel: String,
    pub from: u32,
    pub from_name: String,
    pub at: u64,
    pub text: String,
}

/// A team on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamView {
    pub id: u32,
    pub name: String,
    pub members: Vec<u32>,
    pub challenge: Option<u32>,
    /// Id of the team's table room, if it has one.
    pub table: Option<String>,
}

/// The programme on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramView<'a> {
    pub challenges: Vec<&'a Challenge>,
    pub schedule: &'a [ScheduledPhase],
    pub phase: Phase,
    pub phase_since: u64,
    pub self_service_teams: bool,
}

/// An invite link on the wire (never its token).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InviteView {
    pub id: u32,
    pub role: Role,
    pub team: Option<u32>,
    pub name: Option<String>,
    pub label: String,
    pub expires_at: Option<u64>,
    pub max_uses: Option<u32>,
    pub uses: u32,
    pub revoked: bool,
}

/// One juror's progress, for the moderator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JurorProgress {
    pub id: u32,
    pub name: String,
    pub scored: usize,
    pub remaining: usize,
}

/// A help request on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HelpView {
    pub id: u32,
    pub team: u32,
    pub team_name: String,
    pub table: Option<String>,
    pub tags: Vec<HelpTag>,
    pub description: String,
    pub asked_at: u64,
    pub state: crate::domain::help::HelpState,
    pub mentor: Option<u32>,
    pub mentor_name: Option<String>,
    pub claimed_at: Option<u64>,
    pub resolved_at: Option<u64>,
    pub rating: Option<u8>,
}

/// Who the client is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YouView {
    pub id: u32,
    pub name: String,
    pub role: Role,
    pub team: Option<u32>,
}

/// The limits a client should respect to avoid refusals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitsView {
    pub max_chat_chars: usize,
    pub max_name_chars: usize,
    pub steps_per_second: u32,
    pub tick_hz: u32,
    /// Readers are served in this many groups, one after the other, within
    /// each tick period.
    pub tick_phases: u32,
    pub max_frame_bytes: usize,
}

/// Everything the server can send, except position batches (see [`positions_frame`]).
/// Its `type` names (the metrics labels, see [`Encoded`]) come from the same
/// variants: strum's and serde's snake_case agree, which [`encoded`] checks.
#[derive(Debug, Clone, Serialize, strum::IntoStaticStr, strum::VariantNames)]
#[serde(tag = "type", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ServerMsg<'a> {
    Welcome {
        protocol: u32,
        server_time: u64,
        you: YouView,
        /// The session token, given once on a fresh join; keep it to resume.
        #[serde(skip_serializing_if = "Option::is_none")]
        session: Option<String>,
        resumed: bool,
        event: EventView<'a>,
        /// Where the venue's room geometry is served (static, fetched once).
        venue_url: String,
        map_url: String,
        people: Vec<PersonView>,
        teams: Vec<TeamView>,
        program: ProgramView<'a>,
        chat: Vec<ChatView>,
        last_seq: u64,
        limits: LimitsView,
    },
    Ack {
        rid: u64,
    },
    Error {
        #[serde(skip_serializing_if = "Option::is_none")]
        rid: Option<u64>,
        code: ErrorCode,
        message: String,
    },
    PersonJoined {
        person: PersonView,
    },
    PersonLeft {
        id: u32,
    },
    /// Since the last tick, these people's connections came back within the
    /// grace period (`connected`) or dropped (`disconnected`); their avatars
    /// stay in place meanwhile. One frame per tick, however many changed.
    PersonPresence {
        connected: Vec<u32>,
        disconnected: Vec<u32>,
    },
    RoomChanged {
        id: u32,
        from: &'a str,
        to: &'a str,
        x: u16,
        y: u16,
    },
    StatusChanged {
        id: u32,
        status: Status,
    },
    Chat {
        message: ChatView,
    },
    /// The recent messages of a channel the client just started reading.
    ChatHistory {
        channel: String,
        messages: Vec<ChatView>,
    },
    TeamUpdated {
        team: TeamView,
    },
    MemberTeamChanged {
        id: u32,
        team: Option<u32>,
    },
    TeamRemoved {
        id: u32,
    },
    /// Challenges, schedule, current phase (to everyone, on every change).
    Program {
        program: ProgramView<'a>,
    },
    /// The help queue as one mentor (own order) or the moderator sees it.
    HelpQueue {
        requests: Vec<HelpView>,
    },
    /// A team's current (or last) request, its place in the queue and the
    /// estimated wait (ms; null when no mentor is available).
    HelpStatus {
        request: Option<HelpView>,
        position: Option<usize>,
        estimated_wait_ms: Option<u64>,
    },
    /// Help statistics (moderator).
    HelpStats {
        stats: HelpStats,
    },
    /// A request has waited too long unclaimed (to available mentors).
    HelpReminder {
        request: HelpView,
    },
    /// A mentor's own figures.
    MentorStats {
        claimed: usize,
        resolved: usize,
        average_rating: Option<f64>,
    },
    /// A mentor's own skills and availability.
    MentorProfile {
        skills: Vec<HelpTag>,
        available: bool,
    },
    /// A chat message was removed by the moderator.
    ChatDeleted {
        seq: u64,
    },
    /// Someone was muted or unmuted (to them and to moderators).
    MuteChanged {
        id: u32,
        muted: bool,
    },
    /// Invite links (moderators); tokens are never listed.
    Invites {
        invites: Vec<InviteView>,
    },
    /// A new invite link, answered once to the moderator who created it.
    InviteCreated {
        rid: Option<u64>,
        invite: InviteView,
        token: String,
    },
    /// The audit log (moderators), oldest first.
    AuditLog {
        entries: &'a [AuditEntry],
    },
    /// One new audit entry (moderators).
    AuditEntry {
        entry: &'a AuditEntry,
    },
    /// The public live page's first message (`hello` with `watch`).
    Watching {
        protocol: u32,
        server_time: u64,
        event: EventView<'a>,
        teams: Vec<TeamView>,
        program: ProgramView<'a>,
        chat: Vec<ChatView>,
        last_seq: u64,
    },
    /// The run of show and the timer (to everyone, on every change).
    Pitch {
        order: Vec<u32>,
        timer: TimerView,
    },
    /// A team takes the stage (`team: null`: nobody).
    OnStage {
        team: Option<u32>,
        team_name: Option<String>,
    },
    /// A juror's own sheet: the rubric, their scores, their progress.
    JurySheet {
        rubric: &'a Rubric,
        judging_open: bool,
        published: bool,
        scores: std::collections::BTreeMap<u32, &'a ScoreSheet>,
        progress: Progress,
    },
    /// Every juror's progress (moderator).
    JuryStatus {
        rubric: &'a Rubric,
        judging_open: bool,
        published: bool,
        jurors: Vec<JurorProgress>,
    },
    /// What the public sees of the ranking (`board: null` while hidden).
    /// Never carries a score before publication.
    Leaderboard {
        board: Option<PublicLeaderboard>,
    },
    /// The full ranking (jury and moderator only).
    StaffLeaderboard {
        board: StaffLeaderboard,
    },
    /// People's-choice settings, and counts when they are shown.
    Votes {
        open: bool,
        per_voter: u8,
        show_counts: bool,
        counts: Option<std::collections::BTreeMap<u32, u32>>,
    },
    /// One participant's own ballot.
    MyVotes {
        ballot: Vec<u32>,
        votes_left: u8,
    },
    /// Labels and who holds them (jury and moderator).
    Awards {
        awards: &'a [Award],
    },
    /// The moderator brought you to the amphitheatre.
    Summoned {
        by: u32,
        by_name: String,
    },
    /// `t0` is the ping's number exactly as the client wrote it (not parsed
    /// and printed again), so the client can match the pong to its ping.
    Pong {
        t0: &'a serde_json::value::RawValue,
        t1: f64,
        t2: f64,
    },
    /// The media server's answer to your `media_offer`.
    MediaAnswer {
        sdp: String,
    },
    /// The media server changes what it sends you: answer with
    /// `media_answer`. `tracks` says whose each received m-line is.
    MediaOffer {
        sdp: String,
        tracks: Vec<MediaTrackView>,
    },
    /// The conversation you are in now (`null`: none), and whether a bubble
    /// you stand by is full.
    MediaConversation {
        conversation: Option<ConversationView>,
        full: bool,
    },
    /// A moderator muted (or unmuted) someone's microphone.
    MediaMuted {
        member: u32,
        muted: bool,
    },
    /// The ICE servers to use (empty: none configured), with time-limited
    /// TURN credentials.
    MediaIceServers {
        ice_servers: Vec<crate::media::turn::IceServer>,
    },
    /// Your media connection ended (ICE failed or timed out); offer again.
    /// `rejoin`: the server ended it on purpose (your conversation lives on
    /// another media server): offer again at once, devices as they were.
    MediaClosed {
        reason: String,
        rejoin: bool,
    },
    /// The idea board, ranked (to everyone, on joining and on every change).
    Ideas {
        #[serde(flatten)]
        board: BoardView,
    },
    /// A team's project page (to its team, the jurors and the moderator).
    Project {
        project: ProjectView,
    },
    /// When project pages freeze (`null`: no deadline).
    Submission {
        deadline: Option<u64>,
    },
    /// The event's title or lifecycle phase changed (settings, phase).
    EventUpdated {
        event: EventView<'a>,
    },
    /// The reactions of the last second to the team on stage, by kind (at
    /// most one frame a second, to everyone watching).
    Reactions {
        team: Option<u32>,
        counts: crate::domain::reactions::Counts,
    },
    /// The visible questions, most upvoted first, and the picked one (to
    /// everyone, on joining and on every change).
    Questions {
        picked: Option<u32>,
        questions: Vec<QuestionView>,
    },
    /// Raised hands and who holds the floor (to everyone in the venue, on
    /// joining and on every change).
    Floor {
        #[serde(flatten)]
        floor: FloorView,
    },
}

/// A track you receive: on which m-line, whose, and what it carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaTrackView {
    pub mid: String,
    pub member: u32,
    pub source: crate::media::Source,
}

/// A conversation: the room it is in, and who is in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationView {
    pub room: String,
    pub kind: crate::venue::RoomKind,
    /// Everyone in it, you included.
    pub members: Vec<u32>,
}

/// The `t0` of a `ping` frame exactly as written by the client.
pub fn raw_ping_t0(text: &str) -> Option<Box<serde_json::value::RawValue>> {
    #[derive(Deserialize)]
    struct Ping<'a> {
        #[serde(borrow)]
        t0: &'a serde_json::value::RawValue,
    }
    let ping: Ping<'_> = serde_json::from_str(text).ok()?;
    Some(ping.t0.to_owned())
}

/// The event's identity on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// Where the event is in its lifecycle (`draft` … `archived`).
    pub phase: crate::domain::EventPhase,
}

impl<'a> EventView<'a> {
    /// The view of an event's state.
    pub fn of(state: &'a crate::domain::EventState) -> EventView<'a> {
        EventView {
            id: &state.id,
            title: &state.title,
            phase: state.phase,
        }
    }
}

impl ServerMsg<'_> {
    /// The message's `type`, as serde writes it.
    pub fn kind(&self) -> &'static str {
        self.into()
    }
}

/// A server message encoded once, with its `type` (for metrics): the kind
/// comes from the message, so no caller names it by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    pub kind: &'static str,
    pub frame: Frame,
}

/// Encodes a message once, keeping its kind beside the frame.
pub fn encoded(msg: &ServerMsg<'_>) -> Encoded {
    let frame = encode(msg);
    debug_assert!(
        frame
            .as_str()
            .starts_with(&format!(r#"{{"type":"{}""#, msg.kind())),
        "strum's kind {} is not serde's tag in {}",
        msg.kind(),
        frame.as_str()
    );
    Encoded {
        kind: msg.kind(),
        frame,
    }
}

/// The `type` of a position batch (encoded by hand, see [`positions_frame`]).
pub const POSITIONS: &str = "positions";

/// Encodes a message once; the frame is then shared by every recipient.
pub fn encode(msg: &ServerMsg<'_>) -> Frame {
    match serde_json::to_string(msg) {
        Ok(text) => Frame::from(text),
        // Our messages contain no maps with non-string keys, so this cannot
        // happen; still, never panic on the serving path.
        Err(err) => Frame::from(format!(
            r#"{{"type":"error","code":"internal","message":"encoding failed: {}"}}"#,
            err.to_string().replace('"', "'")
        )),
    }
}

/// One position batch: which part of which room it covers, and the avatars.
#[derive(Debug, Clone, Copy)]
pub struct PositionBatch<'a> {
    pub room: &'a str,
    /// `[x0, y0, x1, y1]`: the tiles `[x0, x1) × [y0, y1)` the reader follows.
    pub area: [u16; 4],
    /// Every avatar of the area (replaces what the client knows of it), or
    /// only those that moved.
    pub full: bool,
    /// Server time of the tick that built the batch.
    pub t: u64,
}

/// Encodes a position batch compactly: `{"type":"positions","room":"amphi",
/// "area":[0,0,40,24],"t":…,"full":false,"p":[[id,x,y],...]}`. Written by
/// hand because it is the bulk of all traffic and a fixed shape.
///
/// `t` lets clients (and the load generator) measure tick-to-receive latency.
pub fn positions_frame(batch: PositionBatch<'_>, positions: &[[u32; 3]]) -> Frame {
    let mut list = String::with_capacity(positions.len() * 16);
    for entry in positions {
        push_position(&mut list, *entry);
    }
    positions_frame_of_parts(batch, [list.as_str()])
}

/// Appends `[id,x,y]` to a comma-separated list of position entries.
pub fn push_position(list: &mut String, [id, x, y]: [u32; 3]) {
    // itoa rather than `write!`: this runs once per mover per tick phase,
    // and the formatting machinery was most of its cost.
    let mut digits = itoa::Buffer::new();
    if !list.is_empty() {
        list.push(',');
    }
    list.push('[');
    list.push_str(digits.format(id));
    list.push(',');
    list.push_str(digits.format(x));
    list.push(',');
    list.push_str(digits.format(y));
    list.push(']');
}

/// A position batch whose entries come as already encoded lists (each made
/// with [`push_position`]), so entries shared by many batches are encoded once.
pub fn positions_frame_of_parts<'p>(
    batch: PositionBatch<'_>,
    parts: impl IntoIterator<Item = &'p str> + Clone,
) -> Frame {
    use std::fmt::Write;
    let PositionBatch {
        room,
        area,
        full,
        t,
    } = batch;
    let len: usize = parts.clone().into_iter().map(|p| p.len() + 1).sum();
    let mut out = String::with_capacity(96 + room.len() + len);
    out.push_str(r#"{"type":"positions","room":"#);
    // Room ids are validated slugs ([a-z0-9-]), so no escaping is needed;
    // serde_json still escapes to stay safe if that rule ever changes.
    out.push_str(&serde_json::to_string(room).unwrap_or_else(|_| "\"\"".into()));
    let [x0, y0, x1, y1] = area;
    let _ = write!(
        out,
        r#","area":[{x0},{y0},{x1},{y1}],"t":{t},"full":{full},"p":["#
    );
    let mut first = true;
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        if !first {
            out.push(',');
        }
        out.push_str(part);
        first = false;
    }
    out.push_str("]}");
    Frame::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(text: &str) -> ErrorCode {
        decode(text).unwrap_err().code
    }

    #[test]
    fn decodes_requests_with_and_without_rid() {
        let r = decode(r#"{"type":"step","dx":1,"dy":0,"rid":7}"#).unwrap();
        assert_eq!(r.rid, Some(7));
        assert_eq!(r.msg, ClientMsg::Step { dx: 1, dy: 0 });
        let r = decode(r#"{"type":"leave_team"}"#).unwrap();
        assert_eq!((r.rid, r.msg), (None, ClientMsg::LeaveTeam));
    }

    #[test]
    fn steps_read_straight_decode_as_the_general_path_does() {
        let cases = [
            r#"{"type":"step","dx":1,"dy":0,"rid":7}"#,
            r#"{"type":"step","dx":-1,"dy":1}"#,
            r#"{"type":"step","dy":0,"dx":1}"#,
            r#"{"type":"step","dx":0,"dy":1,"rid":3,"once":"k"}"#,
            r#"{"type":"step","dx":0,"dy":1,"rid":null}"#,
        ];
        for text in cases {
            let general = serde_json::from_str::<Request>(text).unwrap();
            assert_eq!(decode(text).unwrap(), general, "{text}");
        }
        assert!(decode_step(r#"{"type":"step","dx":1,"dy":0,"rid":7}"#).is_some());
        // Not the fast shape: the general path answers, with its errors.
        assert!(decode_step(r#"{"type":"step","dx":0,"dy":1,"once":"k"}"#).is_none());
        assert!(decode_step(r#"{"rid":1,"type":"step","dx":0,"dy":1}"#).is_none());
        let err = decode(r#"{"type":"step","dx":"left","dy":0,"rid":4}"#).unwrap_err();
        assert_eq!((err.rid, err.code), (Some(4), ErrorCode::InvalidMessage));
        let twice = decode(r#"{"type":"step","type":"step","dx":0,"dy":1}"#);
        assert_eq!(
            twice.is_ok(),
            serde_json::from_str::<Request>(r#"{"type":"step","type":"step","dx":0,"dy":1}"#)
                .is_ok()
        );
    }

    #[test]
    fn classifies_bad_frames() {
        assert_eq!(code_of("{not json"), ErrorCode::BadJson);
        assert_eq!(code_of("[1,2]"), ErrorCode::InvalidMessage);
        assert_eq!(code_of(r#"{"dx":1}"#), ErrorCode::InvalidMessage);
        assert_eq!(code_of(r#"{"type":"fly","rid":3}"#), ErrorCode::UnknownType);
        assert_eq!(code_of(r#"{"type":5}"#), ErrorCode::InvalidMessage);
        let err = decode(r#"{"type":"step","dx":"left","dy":0,"rid":4}"#).unwrap_err();
        assert_eq!((err.rid, err.code), (Some(4), ErrorCode::InvalidMessage));
        assert!(err.message.contains("invalid type"), "{}", err.message);
        let err = decode(r#"{"type":"walk_to","x":1}"#).unwrap_err();
        assert!(err.message.contains("missing field `y`"), "{}", err.message);
        let err = decode(r#"{"type":"walk_to","x":1e40,"y":2}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidMessage);
    }

    #[test]
    fn every_listed_type_is_known_to_the_decoder() {
        for kind in CLIENT_TYPES {
            let err = decode(&format!(
                r#"{{"type":"{kind}","protocol":"x","dx":"x","x":"x","room":1,"status":1,"scope":1,"name":1,"team":"x","t0":"x"}}"#
            ));
            if let Err(err) = err {
                assert_ne!(err.code, ErrorCode::UnknownType, "{kind}");
                assert!(
                    !err.message.contains("unknown variant"),
                    "{kind}: {}",
                    err.message
                );
            }
        }
    }

    #[test]
    fn position_frames_are_compact_json() {
        let batch = PositionBatch {
            room: "amphi",
            area: [0, 0, 40, 24],
            full: false,
            t: 1795504789009,
        };
        let frame = positions_frame(batch, &[[1, 2, 3], [40, 5, 6]]);
        assert_eq!(
            frame.as_str(),
            r#"{"type":"positions","room":"amphi","area":[0,0,40,24],"t":1795504789009,"full":false,"p":[[1,2,3],[40,5,6]]}"#
        );
        let value: serde_json::Value = serde_json::from_str(frame.as_str()).unwrap();
        assert_eq!(value["p"][1][0], 40);
        let (mut a, mut b) = (String::new(), String::new());
        push_position(&mut a, [1, 2, 3]);
        push_position(&mut b, [40, 5, 6]);
        let parts = positions_frame_of_parts(batch, [a.as_str(), "", b.as_str()]);
        assert_eq!(parts.as_str(), frame.as_str(), "empty parts add no comma");
        assert_eq!(value["type"], POSITIONS);
        let mut wide = String::new();
        push_position(&mut wide, [u32::MAX, 0, 65_535]);
        assert_eq!(wide, "[4294967295,0,65535]");
    }

    #[test]
    fn message_kinds_are_the_serde_tags() {
        let messages = [
            ServerMsg::Ack { rid: 1 },
            ServerMsg::PersonLeft { id: 1 },
            ServerMsg::ChatDeleted { seq: 3 },
            ServerMsg::TeamRemoved { id: 2 },
        ];
        for msg in &messages {
            let out = encoded(msg);
            let value: serde_json::Value = serde_json::from_str(out.frame.as_str()).unwrap();
            assert_eq!(value["type"], out.kind);
        }
    }

    #[test]
    fn every_message_kind_is_documented() {
        let doc = include_str!("../docs/protocol.md");
        let server = <ServerMsg as strum::VariantNames>::VARIANTS;
        for kind in server.iter().chain(CLIENT_TYPES).chain(&[POSITIONS]) {
            assert!(
                doc.contains(&format!(r#""type":"{kind}""#))
                    || doc.contains(&format!(r#""type": "{kind}""#)),
                "docs/protocol.md has no example of `{kind}`"
            );
        }
    }
}
