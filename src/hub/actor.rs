//! The hub's run loop: inbox, journal confirmations, ticks, periodic
//! snapshots, shutdown (final snapshot, then the store is closed).

use super::durable::{ApplyError, Durable};
use super::link::{ConnId, SessionLink};
use super::moderation::InviteSource;
use super::requests::Intent;
use super::sessions::{Removed, Sessions};
use super::views::{venue_json, venue_url};
use super::{EventHandle, HubMsg};
use crate::clock::Clock;
use crate::domain::{Action, Command, DomainError, Effect, Event, MemberId, Millis};
use crate::metrics::Metrics;
use crate::protocol::ErrorCode;
use crate::protocol::{ClientMsg, CloseCode, Encoded, ServerMsg, encoded};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

/// How long a stopping hub waits for its held records to become durable.
const HELD_WAIT: Duration = Duration::from_millis(2500);
/// Kept free at the end of [`crate::STOP_BOUND`] for the connections to send
/// their last acks and close frames.
const STOP_MARGIN: Duration = Duration::from_millis(1000);

/// Inbox messages handled per loop turn before timers are looked at again.
const INBOX_BATCH: usize = 64;

/// How a hub runs; from the server configuration.
#[derive(Debug, Clone)]
pub struct HubSettings {
    pub tick_hz: u32,
    /// Groups of readers served in turn within each tick period.
    pub tick_phases: u32,
    pub inbox: usize,
    pub max_frame_bytes: usize,
    pub clock: Clock,
    /// Where clients fetch the drawable map; tileset paths inside it are
    /// relative to this URL.
    pub map_url: String,
    /// Whether anonymous watchers (the public live page) are let in.
    pub live_page: bool,
    /// Time between snapshot requests (each only when something changed).
    pub snapshot_interval: Duration,
    /// Side of the area-of-interest grid's cells, in tiles (0: whole rooms).
    pub interest_cell_tiles: u16,
    /// The media servers, when voice and video are on.
    pub media: Option<crate::media::nodes::MediaNodes>,
    /// How bubbles form in the hall.
    pub bubbles: crate::domain::conversations::BubbleRules,
    /// The TURN relay whose credentials clients are given, if any.
    pub turn: Option<crate::media::turn::TurnConfig>,
    /// Most watchers receiving the stage's picture and sound at once.
    pub live_viewers: usize,
}

/// What to do once a durable command's journal record is on disk.
pub(super) enum AfterCommit {
    Ack {
        conn: ConnId,
        rid: Option<u64>,
    },
    Welcome {
        link: SessionLink,
        member: MemberId,
        session: Option<String>,
        last_seq: Option<u64>,
        reply: oneshot::Sender<Result<MemberId, super::Refusal>>,
    },
    Roster {
        reply: super::roster::RosterReply,
        invites: Vec<super::roster::ImportedInvite>,
    },
    /// A project file is attached: the upload is answered.
    Upload {
        reply: super::uploads::UploadReply,
    },
    /// Answer the operator (or a moderator over HTTP) with the event's
    /// description.
    Operator {
        reply: super::operator::OperatorReply,
    },
    /// Answer a sign-up or a moderator's decision on one.
    Registration {
        reply: super::registration::RegistrationReply,
        answer: super::registration::RegistrationAnswer,
    },
    /// Answer a person's erasure.
    Privacy {
        reply: super::privacy::PrivacyReply,
        answer: serde_json::Value,
    },
    /// Nobody waits (a change the hub made itself).
    Nothing,
    /// Send a prepared reply (instead of a plain ack).
    Reply {
        conn: ConnId,
        reply: crate::protocol::Encoded,
    },
}

/// The actor's state. Lives on one task; nothing in it is shared.
pub(super) struct Hub {
    /// The event, its journal and snapshots, what waits for durability.
    pub(super) durable: Durable,
    /// Who is connected, and the tick's groups of readers.
    pub(super) sessions: Sessions,
    /// The public leaderboard frame last pushed, to skip unchanged pushes.
    pub(super) last_public_board: Option<crate::protocol::Encoded>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) settings: HubSettings,
    pub(super) map_url: String,
    pub(super) venue_url: String,
    /// Keys of recently applied requests, for idempotent resends.
    pub(super) resends: super::resend::Resends,
    /// Who has a media connection, and the conversations they are in.
    pub(super) media: super::media::MediaState,
    /// Reactions of the current second (not durable).
    pub(super) reactions: crate::domain::reactions::ReactionTally,
}

/// Starts the actor for `event` and returns its handle and task.
pub fn spawn(
    durable: Durable,
    map_text: Arc<str>,
    settings: HubSettings,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) -> (EventHandle, JoinHandle<usize>) {
    let (tx, mut inbox) = mpsc::channel(settings.inbox.max(1));
    let id: Arc<str> = Arc::from(durable.event().state().id.as_str());
    let handle = EventHandle {
        id: id.clone(),
        map_text,
        venue_json: Arc::from(venue_json(durable.event()).as_str()),
        tx,
    };
    let map_url = settings.map_url.clone();
    let settings_phases = settings.tick_phases.max(1) as usize;
    let venue_url = venue_url(&id);
    let mut hub = Hub {
        durable,
        sessions: Sessions::new(settings_phases),
        last_public_board: None,
        metrics,
        settings,
        map_url,
        venue_url,
        resends: super::resend::Resends::default(),
        media: super::media::MediaState::new(),
        reactions: Default::default(),
    };
    let span = tracing::info_span!("event", id = %id);
    let task = tokio::spawn(
        async move {
            let ticks_per_second = hub.settings.tick_hz.max(1) * hub.settings.tick_phases.max(1);
            let period = Duration::from_secs_f64(1.0 / f64::from(ticks_per_second));
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let every = hub
                .settings
                .snapshot_interval
                .max(Duration::from_millis(100));
            let mut snapshots =
                tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            snapshots.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    biased;
                    _ = shutdown.changed() => break,
                    Some(upto) = hub.durable.journal_mut().durable() => hub.guarded("release", |hub| hub.release(upto)),
                    // Before the inbox: a busy inbox must not starve the
                    // ticks (a tick runs at most tick_hz times a second, so
                    // it cannot starve the inbox either).
                    _ = ticker.tick() => hub.guarded("tick", Hub::tick),
                    _ = snapshots.tick() => {
                        hub.guarded("purge", Hub::purge_if_due);
                        hub.snapshot();
                    }
                    Some(event) = hub.media.next_event() => hub.guarded("media", |hub| hub.media_event(event)),
                    msg = inbox.recv() => match msg {
                        Some(HubMsg::Stop) | None => break,
                        Some(msg) => {
                            hub.guarded("message", |hub| hub.handle(msg));
                            // Take what else is waiting in the same turn,
                            // bounded so ticks still come on time.
                            let mut stop = false;
                            for _ in 0..INBOX_BATCH {
                                let Ok(msg) = inbox.try_recv() else { break };
                                if matches!(msg, HubMsg::Stop) {
                                    stop = true;
                                    break;
                                }
                                hub.guarded("message", |hub| hub.handle(msg));
                            }
                            if stop {
                                break;
                            }
                        }
                    },
                }
            }
            hub.stop().await
        }
        .instrument(span),
    );
    (handle, task)
}

impl Hub {
    pub fn now(&self) -> Millis {
        self.settings.clock.now()
    }

    /// The event as it is now (changed only through [`Durable`]).
    pub fn event(&self) -> &Event {
        self.durable.event()
    }

    /// Runs one step of the actor, containing a panic to that step: the
    /// event keeps serving everyone else. The domain checks everything before
    /// changing anything, so a panic (a bug) is most likely before any change.
    fn guarded(&mut self, what: &'static str, step: impl FnOnce(&mut Hub)) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| step(self)));
        if outcome.is_err() {
            self.metrics
                .hub_panics
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::error!(step = what, "a hub step panicked; the event goes on");
        }
    }

    fn handle(&mut self, msg: HubMsg) {
        match msg {
            HubMsg::Hello { link, hello, reply } => self.hello(link, hello, reply),
            HubMsg::Request {
                conn,
                rid,
                once: None,
                msg,
            } => self.request(conn, rid, msg),
            HubMsg::Request {
                conn,
                rid,
                once: Some(key),
                msg,
            } => self.request_once(conn, rid, key, msg),
            HubMsg::Closed { conn } => self.closed(conn),
            HubMsg::Export {
                session,
                format,
                reply,
            } => self.export(&session, format, reply),
            HubMsg::ImportRoster {
                session,
                roster,
                reply,
            } => self.import_roster(&session, roster, reply),
            HubMsg::Upload {
                session,
                file,
                step,
                reply,
            } => self.upload(&session, file, step, reply),
            HubMsg::Gallery { reply } => {
                let _ = reply.send(self.gallery());
            }
            HubMsg::Operator { session, op, reply } => self.operator(session, op, reply),
            HubMsg::Registration { session, op, reply } => self.registration(session, op, reply),
            HubMsg::Privacy { session, op, reply } => self.privacy(&session, op, reply),
            HubMsg::Stop => {}
        }
    }

    fn request(&mut self, conn: ConnId, rid: Option<u64>, msg: ClientMsg) {
        if let ClientMsg::React { reaction } = msg {
            return self.react(conn, rid, reaction);
        }
        let Some(msg) = self.live_media_request(conn, rid, msg) else {
            return;
        };
        let Some(member) = self.requester(conn, rid) else {
            return;
        };
        #[cfg(feature = "test-hooks")]
        if let ClientMsg::Chat { text, .. } = &msg
            && text == crate::TEST_PANIC_HUB
        {
            panic!("test hook: a hub step panics");
        }
        let now = self.now();
        // Steps come many times a second from every walker: their answers
        // wait for the tick and go out in one write with the batch showing
        // the step, instead of costing a write (and a wake-up) each.
        let at_tick = matches!(msg, ClientMsg::Step { .. });
        let outcome = match super::requests::intent(msg, self.event()) {
            Ok(Intent::Durable(command)) => return self.durable(conn, rid, member, command, now),
            Ok(Intent::Chat { to, text }) => match self.event().prepare_chat(member, to, text) {
                Ok(command) => return self.durable(conn, rid, member, command, now),
                Err(err) => Err(err.into()),
            },
            Ok(Intent::Act(action)) => self.act(member, action, now),
            Ok(Intent::Summon(target)) => self.summon(member, target, now),
            Ok(Intent::GoToTeam(team)) => self.go_to_team(member, team, now),
            Ok(Intent::CreateInvite {
                role,
                team,
                label,
                expires_at,
                max_uses,
            }) => {
                let request = super::moderation::InviteRequest {
                    role,
                    team,
                    label,
                    expires_at,
                    max_uses,
                };
                return self.create_invite(conn, rid, member, InviteSource::New(request), now);
            }
            Ok(Intent::RotateInvite(invite)) => {
                return self.create_invite(conn, rid, member, InviteSource::Rotate(invite), now);
            }
            Ok(Intent::ListInvites) => self.send_moderator_list(conn, member, false),
            Ok(Intent::GetAuditLog) => self.send_moderator_list(conn, member, true),
            Ok(Intent::View(view)) => {
                if let Some(session) = self.sessions.get_mut(conn) {
                    session.view = view;
                }
                Ok(())
            }
            Ok(Intent::Media(msg)) => self.media_request(conn, member, msg),
            Ok(Intent::AskQuestion(text)) => match self.question_to_stage(member, text) {
                Ok(command) => return self.durable(conn, rid, member, command, now),
                Err(err) => Err(err.into()),
            },
            Ok(Intent::Floor(op)) => match self.floor_request(member, op) {
                Ok(Some(command)) => return self.durable(conn, rid, member, command, now),
                Ok(None) => Ok(()),
                Err(refusal) => Err(refusal),
            },
            Ok(Intent::Nothing) => Ok(()),
            Err(refusal) => Err(refusal),
        };
        if at_tick {
            if let Some(session) = self.sessions.get_mut(conn)
                && let Some(reply) = reply_frame(rid, outcome)
            {
                session.held.push(reply);
            }
        } else {
            self.reply(conn, rid, outcome);
        }
    }

    /// The member a request on `conn` speaks for, if it may speak: a
    /// watcher is refused, and a connection being closed (kicked, banned,
    /// replaced) has no say any more, even for frames it sent before the
    /// close reached it.
    fn requester(&self, conn: ConnId, rid: Option<u64>) -> Option<MemberId> {
        let Some(session) = self.sessions.get(conn) else {
            self.refuse_watcher(conn, rid);
            return None;
        };
        if session.link.shared().close_reason().is_some() {
            return None;
        }
        Some(session.member)
    }

    /// A request with a resend key: answered without applying it again when
    /// the same person already applied a request with that key.
    fn request_once(&mut self, conn: ConnId, rid: Option<u64>, key: String, msg: ClientMsg) {
        let Some(member) = self.requester(conn, rid) else {
            return;
        };
        let now = self.now();
        if let Some(seq) = self.resends.find(member, &key, now) {
            if self.durable.is_pending(seq) {
                // Not durable yet: acknowledged with it.
                self.durable
                    .hold(seq, Vec::new(), AfterCommit::Ack { conn, rid });
            } else {
                self.reply(conn, rid, Ok(()));
            }
            return;
        }
        let first = self.durable.journal().next_seq();
        self.request(conn, rid, msg);
        if self.durable.journal().next_seq() > first {
            self.resends.remember(member, key, first, now);
        }
    }

    /// Applies an ephemeral action and routes its effects at once.
    pub(super) fn act(
        &mut self,
        member: MemberId,
        action: Action,
        now: Millis,
    ) -> Result<(), (ErrorCode, String)> {
        let effects = self.durable.ephemeral(|e| e.act(member, &action, now))?;
        self.route(effects);
        Ok(())
    }

    /// Applies a durable command, journals it, and holds its ack and effects
    /// until the record is durable.
    fn durable(
        &mut self,
        conn: ConnId,
        rid: Option<u64>,
        member: MemberId,
        command: Command,
        now: Millis,
    ) {
        match self.apply_durable(Some(member), command, now) {
            Ok((seq, effects)) => self
                .durable
                .hold(seq, effects, AfterCommit::Ack { conn, rid }),
            Err(refusal) => self.reply(conn, rid, Err(refusal)),
        }
    }

    /// The shared core of every durable change: check, apply, journal.
    pub(super) fn apply_durable(
        &mut self,
        actor: Option<MemberId>,
        command: Command,
        now: Millis,
    ) -> Result<(u64, Vec<Effect>), (ErrorCode, String)> {
        self.durable
            .apply(actor, command, now)
            .map_err(|err| match err {
                ApplyError::Refused(err) => err.into(),
                ApplyError::Unready(err) => (ErrorCode::StorageUnavailable, err.to_string()),
                ApplyError::Unjournaled(err) => {
                    self.metrics
                        .store_errors
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    (ErrorCode::StorageUnavailable, err.to_string())
                }
            })
    }

    /// Releases every pending command whose record is now durable, in order.
    fn release(&mut self, upto: u64) {
        while let Some(done) = self.durable.release(upto) {
            self.route(done.effects);
            match done.then {
                AfterCommit::Ack { conn, rid } => self.reply(conn, rid, Ok(())),
                AfterCommit::Welcome {
                    link,
                    member,
                    session,
                    last_seq,
                    reply,
                } => {
                    self.admit(link, member, session, last_seq, reply);
                }
                AfterCommit::Reply { conn, reply } => {
                    if let Some(session) = self.sessions.get(conn) {
                        self.deliver(reply, std::iter::once(session));
                    }
                }
                AfterCommit::Roster { reply, invites } => {
                    let _ = reply.send(Ok(invites));
                }
                AfterCommit::Upload { reply } => {
                    let _ = reply.send(Ok(()));
                }
                AfterCommit::Operator { reply } => {
                    let _ = reply.send(Ok(self.info()));
                }
                AfterCommit::Registration { reply, answer } => {
                    let _ = reply.send(Ok(self.registration_done(answer)));
                }
                AfterCommit::Privacy { reply, answer } => {
                    let _ = reply.send(Ok(answer));
                }
                AfterCommit::Nothing => {}
            }
        }
    }

    /// Sends `ack` (when the request had a `rid`) or `error`.
    pub(super) fn reply(
        &self,
        conn: ConnId,
        rid: Option<u64>,
        outcome: Result<(), (ErrorCode, String)>,
    ) {
        let Some(session) = self.sessions.get(conn) else {
            return;
        };
        if let Some(reply) = reply_frame(rid, outcome) {
            self.deliver(reply, std::iter::once(session));
        }
    }

    fn closed(&mut self, conn: ConnId) {
        match self.sessions.remove(conn) {
            None => {}
            Some(Removed::Watcher) => self.live_media_closed(conn),
            Some(Removed::Member { member, main }) => {
                self.media_gone(conn);
                self.media_forget(conn);
                if main {
                    let now = self.now();
                    if let Ok(effects) = self
                        .durable
                        .ephemeral(|e| e.act(member, &Action::Disconnect, now))
                    {
                        self.route(effects);
                    }
                }
            }
        }
    }

    /// Asks for a snapshot when something durable changed (see
    /// [`Durable::snapshot`]).
    pub(super) fn snapshot(&mut self) {
        self.durable.snapshot();
    }

    /// Graceful stop, within [`crate::STOP_BOUND`]: no request is taken any
    /// more; wait for pending records and send their acks, take a final
    /// snapshot, close every connection with "going away", then close the
    /// journal and the snapshot thread. Returns how many applied commands
    /// were abandoned unacknowledged because the store kept failing.
    async fn stop(mut self) -> usize {
        let started = tokio::time::Instant::now();
        let held_deadline = started + HELD_WAIT;
        while let Some(last) = self.durable.last_pending() {
            match tokio::time::timeout_at(held_deadline, self.durable.journal_mut().durable()).await
            {
                Ok(Some(upto)) => {
                    self.release(upto);
                    if upto >= last {
                        break;
                    }
                }
                _ => break,
            }
        }
        let abandoned = self.durable.pending_len();
        if abandoned > 0 {
            tracing::error!(
                abandoned,
                first = self.durable.first_pending(),
                "stopping while the store fails: these commands were never acknowledged"
            );
        }
        self.snapshot();
        for session in self.sessions.everyone() {
            session
                .link
                .close(CloseCode::GoingAway, "server shutting down");
        }
        let members = self.event().state().members.len();
        // A failing store may keep its threads retrying: they are not waited
        // for past the bound (the process exits; nothing they hold was acked).
        let closing = self.durable.close();
        let closed = tokio::time::timeout_at(started + crate::STOP_BOUND - STOP_MARGIN, closing)
            .await
            .is_ok();
        tracing::info!(members, abandoned, closed, "event hub stopped");
        abandoned
    }
}

impl From<DomainError> for (ErrorCode, String) {
    fn from(err: DomainError) -> Self {
        (ErrorCode::from(&err), err.to_string())
    }
}

/// The answer to a request: an `ack` when it has a `rid`, or its `error`.
pub(super) fn reply_frame(
    rid: Option<u64>,
    outcome: Result<(), (ErrorCode, String)>,
) -> Option<Encoded> {
    match outcome {
        Ok(()) => rid.map(|rid| encoded(&ServerMsg::Ack { rid })),
        Err((code, message)) => Some(encoded(&ServerMsg::Error { rid, code, message })),
    }
}
