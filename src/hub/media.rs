//! The hub's side of voice and video: signalling requests, the media
//! layer's events, and the conversations decided from where people stand.
//!
//! The hub is the only one deciding who hears whom: every few ticks it
//! places the people who have a media connection, asks
//! [`Conversations::update`] for the conversations, and tells the media
//! layer what changed ([`MediaCommand::Conversation`]). Nothing here is
//! journaled: after a restart, conversations form again as people reconnect.

use super::actor::Hub;
use super::link::ConnId;
use crate::domain::conversations::{ConversationKey, Conversations, Placed};
use crate::domain::permissions::{Permission, check};
use crate::domain::{MemberId, Millis, Role};
use crate::media::nodes::{MediaNodes, NodeIndex};
use crate::media::{ConversationId, EventSink, MediaCommand, MediaEvent, PeerId};
use crate::protocol::ErrorCode;
use crate::protocol::{ClientMsg, ConversationView, MediaTrackView, ServerMsg, encoded};
use crate::venue::RoomKind;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use tokio::sync::mpsc;

/// Conversations are decided again at most this often (ms).
const UPDATE_EVERY_MS: Millis = 200;
/// Least time between two offers from one connection (ms): an offer
/// rebuilds the whole connection, so more is a flood.
const OFFER_GAP_MS: Millis = 1000;
/// Longest SDP accepted (bytes).
const MAX_SDP_BYTES: usize = 60 * 1024;

/// Conversation ids, unique in this process across every event.
static NEXT_CONVERSATION: AtomicU64 = AtomicU64::new(1);

/// Media state of one event's hub. Ephemeral.
pub(super) struct MediaState {
    sink: EventSink,
    events: mpsc::UnboundedReceiver<MediaEvent>,
    /// Connections with a media connection, and when they last offered.
    peers: HashMap<ConnId, Millis>,
    /// When each connection last offered (kept when its media connection
    /// ends, so a refused offer cannot be retried in a loop).
    last_offer: HashMap<ConnId, Millis>,
    conversations: Conversations,
    ids: HashMap<ConversationKey, ConversationId>,
    /// The members (and, on the stage, the speakers) each conversation's
    /// media layer was last told.
    sent: HashMap<ConversationId, (Vec<PeerId>, Option<Vec<PeerId>>)>,
    /// What each connection was last told about its conversation.
    told: HashMap<ConnId, (Option<ConversationKey>, Vec<MemberId>, bool)>,
    /// Members whose microphone a moderator muted.
    muted: HashSet<MemberId>,
    /// Raised hands and who holds the floor (see [`super::floor`]).
    pub floor: super::floor::FloorState,
    /// The media server each media connection lives on.
    node_of: HashMap<ConnId, NodeIndex>,
    /// The media server each conversation lives on.
    conversation_node: HashMap<ConversationId, NodeIndex>,
    last_update: Millis,
    /// Something changed that needs conversations decided again.
    dirty: bool,
    /// The anonymous watchers receiving the stage (see `live_media`).
    pub(super) live: super::live_media::LiveMedia,
}

impl MediaState {
    pub fn new() -> MediaState {
        let (sink, events) = mpsc::unbounded_channel();
        MediaState {
            sink,
            events,
            peers: HashMap::new(),
            last_offer: HashMap::new(),
            conversations: Conversations::default(),
            ids: HashMap::new(),
            sent: HashMap::new(),
            told: HashMap::new(),
            muted: HashSet::new(),
            floor: Default::default(),
            node_of: HashMap::new(),
            conversation_node: HashMap::new(),
            last_update: 0,
            dirty: false,
            live: Default::default(),
        }
    }

    /// Where the media layer sends this hub's events.
    pub(super) fn sink(&self) -> EventSink {
        self.sink.clone()
    }

    /// Conversations must be decided again (someone's media came or went).
    pub(super) fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// The media layer's next event for this hub.
    pub async fn next_event(&mut self) -> Option<MediaEvent> {
        self.events.recv().await
    }
}

fn named(code: &'static str, message: impl Into<String>) -> (ErrorCode, String) {
    (ErrorCode::Refused(code), message.into())
}

fn peer_of(conn: ConnId) -> PeerId {
    PeerId(conn)
}

impl Hub {
    /// A signalling request from `conn` (a joined connection of `member`).
    pub(super) fn media_request(
        &mut self,
        conn: ConnId,
        member: MemberId,
        msg: ClientMsg,
    ) -> Result<(), (ErrorCode, String)> {
        let Some(media) = self.settings.media.clone() else {
            return Err(named(
                "media_unavailable",
                "voice and video are off on this server",
            ));
        };
        let role = self
            .event()
            .member(member)
            .map_or(Role::Spectator, |m| m.role);
        // Talking goes with standing on the map; muting others is moderation.
        let needed = match msg {
            ClientMsg::MediaMute { .. } => Permission::Moderate,
            _ => Permission::Move,
        };
        check(role, needed)?;
        let now = self.now();
        let peer = peer_of(conn);
        match msg {
            ClientMsg::MediaOffer { sdp } => {
                if self.event().presence().get(member).is_none() {
                    return Err(crate::domain::DomainError::NoAvatar.into());
                }
                check_sdp(&sdp)?;
                if let Some(last) = self.media.last_offer.get(&conn)
                    && now.saturating_sub(*last) < OFFER_GAP_MS
                {
                    return Err((
                        ErrorCode::RateLimited,
                        "one media_offer a second at most".into(),
                    ));
                }
                // The connection lives on the media server of the room
                // one stands in (see `media::nodes`).
                let node = self.node_for_member(&media, member);
                if let Some(old) = self.media.node_of.insert(conn, node)
                    && old != node
                    && self.media.peers.contains_key(&conn)
                {
                    media.node(old).send(MediaCommand::Leave { peer });
                }
                self.media.peers.insert(conn, now);
                self.media.last_offer.insert(conn, now);
                let media = media.node(node);
                media.send(MediaCommand::Offer {
                    peer,
                    sdp,
                    events: self.media.sink.clone(),
                });
                if self.media.muted.contains(&member) {
                    media.send(MediaCommand::Mute { peer, muted: true });
                }
                self.media.dirty = true;
                // Whatever it was in, it is told again.
                self.media.told.remove(&conn);
                Ok(())
            }
            ClientMsg::MediaAnswer { sdp } => {
                self.has_media(conn)?;
                check_sdp(&sdp)?;
                self.node_of_conn(&media, conn)
                    .send(MediaCommand::Answer { peer, sdp });
                Ok(())
            }
            ClientMsg::MediaLeave => {
                self.has_media(conn)?;
                self.media_gone(conn);
                Ok(())
            }
            ClientMsg::MediaSettings { audio_only } => {
                self.has_media(conn)?;
                self.node_of_conn(&media, conn)
                    .send(MediaCommand::AudioOnly { peer, audio_only });
                Ok(())
            }
            ClientMsg::MediaMute {
                member: target,
                muted,
            } => {
                let target = MemberId(target);
                if self.event().member(target).is_none() {
                    return Err(crate::domain::DomainError::UnknownMember(target.0).into());
                }
                let changed = if muted {
                    self.media.muted.insert(target)
                } else {
                    self.media.muted.remove(&target)
                };
                if changed {
                    for session in self.sessions.members() {
                        let conn = session.link.conn;
                        if session.member == target && self.media.peers.contains_key(&conn) {
                            self.node_of_conn(&media, conn).send(MediaCommand::Mute {
                                peer: peer_of(conn),
                                muted,
                            });
                        }
                    }
                    let frame = encoded(&ServerMsg::MediaMuted {
                        member: target.0,
                        muted,
                    });
                    self.deliver(frame, self.sessions.members());
                }
                Ok(())
            }
            ClientMsg::MediaIceServers => {
                let ice_servers = match &self.settings.turn {
                    Some(turn) => {
                        self.metrics.media.turn_credentials.fetch_add(1, Relaxed);
                        let label = format!("amphi-{}", member.0);
                        vec![crate::media::turn::credential(turn, &label, now / 1000)]
                    }
                    None => Vec::new(),
                };
                let frame = encoded(&ServerMsg::MediaIceServers { ice_servers });
                if let Some(session) = self.sessions.get(conn) {
                    self.deliver(frame, std::iter::once(session));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The media server of the room `member` stands in.
    fn node_for_member(&self, media: &MediaNodes, member: MemberId) -> NodeIndex {
        match self.event().presence().get(member) {
            Some(avatar) => media.for_room(&self.event().venue().room(avatar.room).id),
            None => 0,
        }
    }

    /// The media server `conn`'s media connection lives on.
    fn node_of_conn<'m>(
        &self,
        media: &'m MediaNodes,
        conn: ConnId,
    ) -> &'m crate::media::MediaHandle {
        media.node(self.media.node_of.get(&conn).copied().unwrap_or(0))
    }

    fn has_media(&self, conn: ConnId) -> Result<(), (ErrorCode, String)> {
        if self.media.peers.contains_key(&conn) {
            Ok(())
        } else {
            Err(named("no_media_connection", "send media_offer first"))
        }
    }

    /// The connection hung up, or closed: its media connection goes.
    pub(super) fn media_gone(&mut self, conn: ConnId) {
        if self.media.peers.remove(&conn).is_none() {
            return;
        }
        self.media.told.remove(&conn);
        self.media.dirty = true;
        let node = self.media.node_of.remove(&conn).unwrap_or(0);
        if let Some(media) = &self.settings.media {
            media.node(node).send(MediaCommand::Leave {
                peer: peer_of(conn),
            });
        }
    }

    /// The connection closed: nothing of it is kept.
    pub(super) fn media_forget(&mut self, conn: ConnId) {
        self.media.last_offer.remove(&conn);
    }

    /// The message a page is told of a media event that carries signalling
    /// (an answer, an offer with who sends each track, a refusal); the
    /// other events are given back to the caller.
    pub(super) fn relayed(&self, event: MediaEvent) -> Result<ServerMsg<'static>, MediaEvent> {
        Ok(match event {
            MediaEvent::Answer { sdp, .. } => ServerMsg::MediaAnswer { sdp },
            MediaEvent::Offer { sdp, tracks, .. } => {
                let tracks = tracks
                    .into_iter()
                    .filter_map(|t| {
                        let member = self.sessions.get(t.from.0)?.member;
                        Some(MediaTrackView {
                            mid: t.mid,
                            member: member.0,
                            source: t.source,
                        })
                    })
                    .collect();
                ServerMsg::MediaOffer { sdp, tracks }
            }
            MediaEvent::Refused { error, .. } => ServerMsg::Error {
                rid: None,
                code: ErrorCode::Refused(error.code()),
                message: error.to_string(),
            },
            other => return Err(other),
        })
    }

    /// An event from the media layer about one of this hub's connections.
    pub(super) fn media_event(&mut self, event: MediaEvent) {
        let Some(event) = self.live_media_event(event) else {
            return;
        };
        let conn = event.peer().0;
        if !self.media.peers.contains_key(&conn) {
            return;
        }
        let msg = match self.relayed(event) {
            Ok(msg) => msg,
            Err(MediaEvent::Closed { reason, .. }) => {
                self.media.peers.remove(&conn);
                self.media.told.remove(&conn);
                self.media.node_of.remove(&conn);
                self.media.dirty = true;
                ServerMsg::MediaClosed {
                    reason,
                    rejoin: false,
                }
            }
            Err(_) => return,
        };
        if let Some(session) = self.sessions.get(conn) {
            self.deliver(encoded(&msg), std::iter::once(session));
        }
    }

    /// Decides the conversations again (at most every `UPDATE_EVERY_MS`, and
    /// only when someone with media moved or came and went), tells the media
    /// layer what changed, and each person their conversation.
    pub(super) fn update_conversations(&mut self, now: Millis) {
        let Some(media) = self.settings.media.clone() else {
            return;
        };
        if self.media.peers.is_empty() && self.media.conversations.groups.is_empty() {
            return;
        }
        if now.saturating_sub(self.media.last_update) < UPDATE_EVERY_MS && !self.media.dirty {
            return;
        }
        self.media.last_update = now;
        self.media.dirty = false;
        let venue = self.event().venue().clone();
        let mut conns_of: BTreeMap<MemberId, Vec<ConnId>> = BTreeMap::new();
        for conn in self.media.peers.keys() {
            if let Some(session) = self.sessions.get(*conn) {
                conns_of.entry(session.member).or_default().push(*conn);
            }
        }
        let placed: Vec<Placed> = conns_of
            .keys()
            .filter_map(|member| {
                let avatar = self.event().presence().get(*member)?;
                if avatar.disconnected_at.is_some() {
                    return None;
                }
                Some(Placed {
                    member: *member,
                    room: avatar.room,
                    kind: venue.room(avatar.room).kind,
                    tile: avatar.tile,
                })
            })
            .collect();
        let next = self
            .media
            .conversations
            .update(&placed, self.settings.bubbles);
        let peers_of = |members: &[MemberId]| -> Vec<PeerId> {
            members
                .iter()
                .flat_map(|m| conns_of.get(m).into_iter().flatten())
                .map(|c| peer_of(*c))
                .collect()
        };
        // Ended conversations first, so nobody is briefly in two.
        let ended: Vec<ConversationKey> = self
            .media
            .conversations
            .groups
            .keys()
            .filter(|k| !next.groups.contains_key(k))
            .copied()
            .collect();
        for key in ended {
            if let Some(id) = self.media.ids.remove(&key) {
                self.media.sent.remove(&id);
                let node = self.media.conversation_node.remove(&id).unwrap_or(0);
                media.node(node).send(MediaCommand::Conversation {
                    id,
                    members: Vec::new(),
                    speakers: None,
                });
                self.count_conversation(venue.room(key.room()).kind, -1);
            }
        }
        let mut moved = Vec::new();
        for (key, members) in &next.groups {
            let node = media.for_room(&venue.room(key.room()).id);
            let id = match self.media.ids.get(key) {
                Some(id) => *id,
                None => {
                    let id = ConversationId(NEXT_CONVERSATION.fetch_add(1, Relaxed));
                    self.media.ids.insert(*key, id);
                    self.media.conversation_node.insert(id, node);
                    self.count_conversation(venue.room(key.room()).kind, 1);
                    id
                }
            };
            // Compared as connections: a member's connection may change
            // while the members do not. A connection living on another
            // media server than the conversation's must move there first.
            let (peers, elsewhere): (Vec<PeerId>, Vec<PeerId>) = peers_of(members)
                .into_iter()
                .partition(|p| self.media.node_of.get(&p.0).copied().unwrap_or(0) == node);
            moved.extend(elsewhere);
            let speakers = (venue.room(key.room()).kind == RoomKind::Amphitheatre)
                .then(|| self.stage_speakers(members, &peers));
            let peers = self.with_live_watchers(key.room(), node, peers);
            let now = (peers, speakers);
            if self.media.sent.get(&id) != Some(&now) {
                self.media.sent.insert(id, now.clone());
                let (members, speakers) = now;
                media.node(node).send(MediaCommand::Conversation {
                    id,
                    members,
                    speakers,
                });
            }
        }
        self.media.conversations = next;
        for peer in moved {
            self.move_to_other_node(&media, peer.0);
        }
        self.tell_conversations(&conns_of);
    }

    /// Who is heard on the stage (the amphitheatre's conversation): whoever
    /// stands on the stage tiles (the team pitching, placed there by the run
    /// of show), the moderators, and whoever the floor lets speak (holders,
    /// jurors during Q&A: [`Hub::floor_speaker`]). The audience listens.
    fn stage_speakers(&self, members: &[MemberId], peers: &[PeerId]) -> Vec<PeerId> {
        peers
            .iter()
            .filter(|peer| {
                let Some(member) = self.sessions.get(peer.0).map(|s| s.member) else {
                    return false;
                };
                if !members.contains(&member) {
                    return false;
                }
                let role = self
                    .event()
                    .member(member)
                    .map_or(Role::Spectator, |m| m.role);
                let heard = role == Role::Moderator || self.floor_speaker(member, role);
                let on_stage = self
                    .event()
                    .presence()
                    .get(member)
                    .is_some_and(|a| self.event().on_stage(a));
                heard || on_stage
            })
            .copied()
            .collect()
    }

    /// Ends a connection on its media server and asks the browser to offer
    /// again: its offer then goes to the media server of the room it is in.
    fn move_to_other_node(&mut self, media: &MediaNodes, conn: ConnId) {
        let node = self.media.node_of.remove(&conn).unwrap_or(0);
        media.node(node).send(MediaCommand::Leave {
            peer: peer_of(conn),
        });
        self.media.peers.remove(&conn);
        self.media.told.remove(&conn);
        // The server asked for this offer: the flood limit does not apply.
        self.media.last_offer.remove(&conn);
        self.media.dirty = true;
        let frame = encoded(&ServerMsg::MediaClosed {
            reason: "your conversation is on another media server".into(),
            rejoin: true,
        });
        if let Some(session) = self.sessions.get(conn) {
            self.deliver(frame, std::iter::once(session));
        }
    }

    fn count_conversation(&self, kind: RoomKind, delta: i64) {
        let index = RoomKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        if let Some(gauge) = self.metrics.media.conversations.get(index) {
            gauge.fetch_add(delta, Relaxed);
        }
    }

    /// Tells each connection with media its conversation, when it changed.
    fn tell_conversations(&mut self, conns_of: &BTreeMap<MemberId, Vec<ConnId>>) {
        let venue = self.event().venue().clone();
        for (member, conns) in conns_of {
            let key = self.media.conversations.of(*member);
            let members = key
                .and_then(|k| self.media.conversations.groups.get(&k))
                .cloned()
                .unwrap_or_default();
            let full = self.media.conversations.full.contains(member);
            let now = (key, members, full);
            for conn in conns {
                if self.media.told.get(conn) == Some(&now) {
                    continue;
                }
                let conversation = key.map(|k| {
                    let room = venue.room(k.room());
                    ConversationView {
                        room: room.id.clone(),
                        kind: room.kind,
                        members: now.1.iter().map(|m| m.0).collect(),
                    }
                });
                let frame = encoded(&ServerMsg::MediaConversation { conversation, full });
                if let Some(session) = self.sessions.get(*conn) {
                    self.deliver(frame, std::iter::once(session));
                }
                self.media.told.insert(*conn, now.clone());
            }
        }
    }
}

/// An SDP of sane size and shape (the media layer parses it properly).
pub(super) fn check_sdp(sdp: &str) -> Result<(), (ErrorCode, String)> {
    if sdp.len() > MAX_SDP_BYTES {
        return Err(named("bad_sdp", format!("SDP over {MAX_SDP_BYTES} bytes")));
    }
    if !sdp.starts_with("v=0") {
        return Err(named("bad_sdp", "SDP must start with v=0"));
    }
    Ok(())
}
