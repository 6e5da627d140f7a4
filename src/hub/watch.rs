//! Anonymous watchers: the public live page (`hello` with `watch: true`).
//!
//! A watcher has no member, no avatar and no rights: it receives only what
//! the public may see (announcements, programme, teams, stage and timer,
//! votes when shown, the published leaderboard). It is not journaled, so
//! thousands of screens cost no disk.

use super::Refusal;
use super::actor::Hub;
use super::link::{ConnId, SessionLink};
use super::sessions::Session;
use crate::domain::{Channel, MemberId};
use crate::protocol::ErrorCode;
use crate::protocol::{ChatView, EventView, PROTOCOL_VERSION, ServerMsg, encoded};
use tokio::sync::oneshot;

impl Hub {
    pub(super) fn watch(
        &mut self,
        link: SessionLink,
        reply: oneshot::Sender<Result<MemberId, Refusal>>,
    ) {
        if !self.settings.live_page {
            let _ = reply.send(Err(Refusal {
                code: ErrorCode::Forbidden,
                message: "the public live page is switched off".into(),
            }));
            return;
        }
        let state = self.event().state();
        let history = self.event().limits().history_per_channel;
        let chat: Vec<ChatView> = state
            .chat
            .recent(&Channel::Announcements, 0, history)
            .map(|m| self.chat_view(m))
            .collect();
        let frame = encoded(&ServerMsg::Watching {
            protocol: PROTOCOL_VERSION,
            server_time: self.now(),
            event: EventView::of(state),
            teams: state
                .teams
                .keys()
                .filter_map(|t| self.team_view(*t))
                .collect(),
            program: self.program_view(),
            chat,
            last_seq: state.chat.last_seq(),
        });
        self.send_first(&link, frame);
        let session = Session::new(link, MemberId(0));
        self.send_judging_on_join(&session);
        self.send_questions_on_join(&session);
        self.sessions.add_watcher(session);
        let _ = reply.send(Ok(MemberId(0)));
    }

    /// A watcher asked for something: watchers only watch.
    pub(super) fn refuse_watcher(&self, conn: ConnId, rid: Option<u64>) {
        if let Some(watcher) = self.sessions.watcher(conn) {
            let frame = encoded(&ServerMsg::Error {
                rid,
                code: ErrorCode::Forbidden,
                message: "the live page only watches; join with an invite link to take part".into(),
            });
            self.deliver(frame, std::iter::once(watcher));
        }
    }
}
