//! What a client request means to the hub: a durable command, an ephemeral
//! action, or one of the few requests that need the hub's own handling.
//!
//! Only the dispatch lives here: each feature's hub module turns its own
//! requests into commands, beside its pushes (chat in [`super::chat`], the
//! help desk in [`super::help`], moderation, judging, ideas, projects, teams
//! and the programme, summons, questions, the view in [`super::interest`]).
//! That is where the text requests carry is cleaned and checked into
//! `domain::text::{Name, Message}` or a feature's own checked type: the
//! domain receives clean values and never cleans them again.

use crate::domain::text::Message;
use crate::domain::{Action, ChatTarget, Command, Event, Role, SummonTarget, TeamId};
use crate::protocol::ClientMsg;
use crate::protocol::ErrorCode;

/// A request, translated.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Intent {
    /// Journaled, acknowledged once on disk.
    Durable(Command),
    /// Applied and answered at once.
    Act(Action),
    /// Chat: the channel is resolved from where the sender stands.
    Chat {
        to: ChatTarget,
        text: Message,
    },
    Summon(SummonTarget),
    GoToTeam(TeamId),
    /// A new invite: the hub makes the token, answers it once durable.
    CreateInvite {
        role: Role,
        team: Option<TeamId>,
        label: String,
        expires_at: Option<u64>,
        max_uses: Option<u32>,
    },
    /// Revoke an invite and make a new one like it: the token goes back.
    RotateInvite(u32),
    ListInvites,
    GetAuditLog,
    /// What the client's screen shows: sets its area of interest.
    View(super::interest::View),
    /// Voice and video signalling, handled by [`super::media`].
    Media(ClientMsg),
    /// A question to the team on stage, which the hub resolves.
    AskQuestion(Message),
    /// Raise a hand and the floor, handled by [`super::floor`].
    Floor(crate::protocol::FloorOp),
    /// Answered by the connection task (hello, ping); nothing to do here.
    Nothing,
}

/// Translates a client message; its text is checked against the event's
/// limits (and, for an idea's team, its title).
pub(super) fn intent(msg: ClientMsg, event: &Event) -> Result<Intent, (ErrorCode, String)> {
    use Intent::Act;
    let limits = event.limits();
    match msg {
        ClientMsg::Step { dx, dy } => Ok(Act(Action::Step { dx, dy })),
        ClientMsg::WalkTo { x, y } => Ok(Act(Action::WalkTo { x, y })),
        ClientMsg::Walk { x, y, dx, dy } => Ok(Act(Action::Walk { x, y, dx, dy })),
        ClientMsg::Teleport { room } => Ok(Act(Action::Teleport { room })),
        ClientMsg::SetStatus { status } => Ok(Act(Action::SetStatus { status })),
        ClientMsg::Chat { scope, to, text } => super::chat::chat_intent(scope, to, &text, limits),
        msg @ (ClientMsg::CreateTeam { .. }
        | ClientMsg::JoinTeam { .. }
        | ClientMsg::LeaveTeam
        | ClientMsg::AddTeam { .. }
        | ClientMsg::SetTeamChallenge { .. }) => super::teams::team_intent(msg, limits),
        msg @ (ClientMsg::AddChallenge { .. }
        | ClientMsg::UpdateChallenge { .. }
        | ClientMsg::RemoveChallenge { .. }
        | ClientMsg::SetSchedule { .. }
        | ClientMsg::SetPhase { .. }
        | ClientMsg::SetTeamFormation { .. }) => super::teams::program_intent(msg),
        msg @ (ClientMsg::Summon { .. } | ClientMsg::GoToTeam { .. }) => {
            super::summons::summons_intent(msg)
        }
        msg @ (ClientMsg::AskHelp { .. }
        | ClientMsg::ClaimHelp { .. }
        | ClientMsg::UnclaimHelp { .. }
        | ClientMsg::ResolveHelp { .. }
        | ClientMsg::CancelHelp { .. }
        | ClientMsg::RateHelp { .. }
        | ClientMsg::SetMentorProfile { .. }) => super::help::help_intent(msg),
        // Invites, the audit log, then sanctions.
        msg @ (ClientMsg::ListInvites
        | ClientMsg::CreateInvite { .. }
        | ClientMsg::RotateInvite { .. }
        | ClientMsg::RevokeInvite { .. }
        | ClientMsg::GetAuditLog
        | ClientMsg::Mute { .. }
        | ClientMsg::Unmute { .. }
        | ClientMsg::Kick { .. }
        | ClientMsg::Ban { .. }
        | ClientMsg::DeleteMessage { .. }) => super::moderation::moderation_intent(msg),
        ClientMsg::View { w, h } => super::interest::view_intent(w, h),
        msg @ (ClientMsg::Pitch { .. }
        | ClientMsg::Jury { .. }
        | ClientMsg::Vote { .. }
        | ClientMsg::Award { .. }
        | ClientMsg::Leaderboard { .. }) => super::judging::judging_intent(msg),
        ClientMsg::Idea { op } => super::ideas::idea_intent(op, event),
        ClientMsg::Project { op } => super::projects::project_intent(op),
        ClientMsg::Hello { .. } | ClientMsg::Ping { .. } => Ok(Intent::Nothing),
        // Handled before a requester is looked up (watchers react too).
        ClientMsg::React { .. } => Ok(Intent::Nothing),
        ClientMsg::Question { op } => super::questions::question_intent(op),
        ClientMsg::Floor { op } => Ok(Intent::Floor(op)),
        media @ (ClientMsg::MediaOffer { .. }
        | ClientMsg::MediaAnswer { .. }
        | ClientMsg::MediaLeave
        | ClientMsg::MediaSettings { .. }
        | ClientMsg::MediaMute { .. }
        | ClientMsg::MediaIceServers) => Ok(Intent::Media(media)),
    }
}
