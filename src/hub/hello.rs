//! Joining and resuming: invite or session token → member → `welcome`.
//!
//! A join through an invite is a durable command: the `welcome` (which carries
//! the new session token) is sent only once the join is on disk, so a token a
//! client holds always survives a crash.

use super::actor::{AfterCommit, Hub};
use super::link::SessionLink;
use super::sessions::Session;
use super::{Hello, Refusal};
use crate::domain::member::InviteRefusal;
use crate::domain::text::Name;
use crate::domain::{Action, Command, Effect, MemberId};
use crate::protocol::CloseCode;
use crate::protocol::ErrorCode;
use crate::secret::{hash_token, new_token};
use tokio::sync::oneshot;

type Reply = oneshot::Sender<Result<MemberId, Refusal>>;

fn refuse(reply: Reply, code: ErrorCode, message: impl Into<String>) {
    let _ = reply.send(Err(Refusal {
        code,
        message: message.into(),
    }));
}

impl Hub {
    pub(super) fn hello(&mut self, link: SessionLink, hello: Hello, reply: Reply) {
        if hello.watch {
            return self.watch(link, reply);
        }
        if let Some(token) = hello.resume.as_deref() {
            match self.event().member_by_session(&hash_token(token)) {
                Some(member) if hello.companion => {
                    self.admit_companion(link, member, hello.last_seq, reply)
                }
                Some(member) => self.admit(link, member, None, hello.last_seq, reply),
                None => refuse(
                    reply,
                    ErrorCode::InvalidSession,
                    "this session is unknown; join again with an invite link",
                ),
            }
            return;
        }
        let Some(token) = hello.invite.as_deref() else {
            return refuse(
                reply,
                ErrorCode::InvalidMessage,
                "hello needs an `invite` token or a `resume` session token",
            );
        };
        let Some(invite) = self.event().invite(&hash_token(token)).cloned() else {
            return refuse(
                reply,
                ErrorCode::InvalidInvite,
                "this invite link is not valid for this event",
            );
        };
        if let Some(refused) = invite.refusal(self.now()) {
            let (code, message) = match refused {
                InviteRefusal::Revoked => {
                    (ErrorCode::InviteRevoked, "this invite link was revoked")
                }
                InviteRefusal::Expired => {
                    (ErrorCode::InviteExpired, "this invite link has expired")
                }
                InviteRefusal::UsedUp => {
                    (ErrorCode::InviteUsedUp, "this invite link was already used")
                }
            };
            return refuse(reply, code, message);
        }
        // A personal (roster) invite names its holder; otherwise hello does.
        let given = invite
            .name
            .as_deref()
            .or(hello.name.as_deref())
            .unwrap_or("");
        let name = match Name::parse("name", given, self.event().limits().max_name_chars) {
            Ok(name) => name,
            Err(err) => return refuse(reply, ErrorCode::InvalidName, err.to_string()),
        };
        let session = new_token();
        let command = Command::Join {
            name,
            role: invite.role,
            team: invite.team,
            session_hash: hash_token(&session),
            invite: Some(invite.id),
        };
        let now = self.now();
        match self.apply_durable(None, command, now) {
            Ok((seq, effects)) => {
                let member = effects.iter().find_map(|e| match e {
                    Effect::MemberJoined { member } => Some(*member),
                    _ => None,
                });
                let Some(member) = member else {
                    return refuse(reply, ErrorCode::InvalidMessage, "join produced no member");
                };
                let then = AfterCommit::Welcome {
                    link,
                    member,
                    session: Some(session),
                    last_seq: None,
                    reply,
                };
                self.durable.hold(seq, effects, then);
            }
            Err((code, message)) => refuse(reply, code, message),
        }
    }

    /// Binds a connection to a member: avatar appears (or is taken back),
    /// `welcome` is queued first on the link, then others hear of it.
    pub(super) fn admit(
        &mut self,
        link: SessionLink,
        member: MemberId,
        session: Option<String>,
        last_seq: Option<u64>,
        reply: Reply,
    ) {
        if link.is_closed() {
            return refuse(
                reply,
                ErrorCode::InvalidSession,
                "connection closed before joining",
            );
        }
        let now = self.now();
        let effects = self
            .durable
            .ephemeral(|e| e.act(member, &Action::Connect, now))
            .unwrap_or_default();
        // Queued before the session is registered, so it is the first frame.
        self.send_first(&link, self.welcome(member, session, last_seq));
        link.shared().mark_stale();
        if let Some(previous) = self.sessions.add_main(Session::new(link, member)) {
            let conn = previous.link.conn;
            previous
                .link
                .close(CloseCode::Replaced, "signed in from another tab or device");
            // Its `Closed` will find no session: its media goes now.
            self.media_gone(conn);
            self.media_forget(conn);
        }
        self.route(effects);
        self.send_help_on_join(member);
        if let Some(session) = self.sessions.of_member(member) {
            self.send_judging_on_join(session);
            self.send_ideas_on_join(session);
            self.send_questions_on_join(session);
            self.send_floor_on_join(session);
        }
        let _ = reply.send(Ok(member));
    }
}

impl Hub {
    /// A second connection of a member (the console beside the venue page):
    /// it gets a `welcome` and every push for the member's role, replaces
    /// nothing, and never carries the avatar (it is not the member's main
    /// connection, so closing it changes nothing on the map).
    fn admit_companion(
        &mut self,
        link: SessionLink,
        member: MemberId,
        last_seq: Option<u64>,
        reply: Reply,
    ) {
        if link.is_closed() {
            return refuse(
                reply,
                ErrorCode::InvalidSession,
                "connection closed before joining",
            );
        }
        self.send_first(&link, self.welcome(member, None, last_seq));
        let session = Session::new(link, member);
        self.send_judging_on_join(&session);
        self.send_ideas_on_join(&session);
        self.send_questions_on_join(&session);
        self.send_floor_on_join(&session);
        let conn = session.link.conn;
        self.sessions.add_companion(session);
        if let Some(session) = self.sessions.get(conn) {
            self.send_role_help(session);
        }
        let _ = reply.send(Ok(member));
    }
}
