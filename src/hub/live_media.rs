//! The stage's picture and sound for anonymous watchers (`/live`, `/stage`).
//!
//! A watcher is not a member: it has no avatar and stands nowhere, so it is
//! in no conversation of its own. The hub lets it *receive* the stage: its
//! media connection (a receive-only offer, checked here) lives on the media
//! server of the stage's room, and the hub adds it to that room's
//! conversation as a member who is never a speaker. The media layer needs
//! nothing new: it already forwards only the speakers' tracks, to every
//! member of the conversation ([`MediaCommand::Conversation`]), whether it
//! runs in this process or in an `amphi media` one.
//!
//! Limits: only while the public page is on (`live_page`), at most
//! `[media] live_viewers` connections at once (`live_media_full` beyond),
//! one offer a second per watcher, and an offer that would send anything
//! (a `sendrecv` or `sendonly` m-line, a data channel) is refused
//! (`watcher_cannot_send`) before the media layer sees it.

use super::actor::{Hub, reply_frame};
use super::link::ConnId;
use crate::domain::Millis;
use crate::media::nodes::NodeIndex;
use crate::media::{MediaCommand, MediaEvent, PeerId};
use crate::protocol::{ClientMsg, ErrorCode, ServerMsg, encoded};
use crate::venue::{RoomIdx, RoomKind, Venue};
use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;

/// Least time between two offers from one watcher (ms).
const OFFER_GAP_MS: Millis = 1000;

/// The watchers receiving the stage. Ephemeral.
#[derive(Debug, Default)]
pub(super) struct LiveMedia {
    /// Watchers with a media connection, and the media server it lives on.
    peers: HashMap<ConnId, NodeIndex>,
    /// When each watcher last offered.
    last_offer: HashMap<ConnId, Millis>,
}

type Refusal = (ErrorCode, String);

fn refused(code: &'static str, message: impl Into<String>) -> Refusal {
    (ErrorCode::Refused(code), message.into())
}

/// The room whose conversation watchers receive: the amphitheatre holding
/// the stage tiles, else the first amphitheatre.
pub(super) fn stage_room(venue: &Venue) -> Option<RoomIdx> {
    let amphitheatres = || {
        venue
            .room_indices()
            .filter(|r| venue.room(*r).kind == RoomKind::Amphitheatre)
    };
    let holding_stage = venue
        .stage
        .and_then(|stage| amphitheatres().find(|r| venue.room(*r).rect.contains_rect(&stage)));
    holding_stage.or_else(|| amphitheatres().next())
}

/// Why a watcher's SDP offer is refused: it must only receive.
pub(super) fn check_receive_only(sdp: &str) -> Result<(), Refusal> {
    super::media::check_sdp(sdp)?;
    // A direction before the first m-line is every m-line's default;
    // without any, an m-line sends and receives (RFC 8866).
    let mut session_default: Option<&str> = None;
    let mut sections: Vec<(String, Option<&str>)> = Vec::new();
    for line in sdp.lines().map(str::trim_end) {
        if let Some(media) = line.strip_prefix("m=") {
            let kind = media.split(' ').next().unwrap_or_default().to_string();
            sections.push((kind, None));
            continue;
        }
        let direction = match line {
            "a=sendrecv" | "a=sendonly" | "a=recvonly" | "a=inactive" => &line[2..],
            _ => continue,
        };
        match sections.last_mut() {
            Some((_, d)) => *d = Some(direction),
            None => session_default = Some(direction),
        }
    }
    if sections.is_empty() {
        return Err(refused("bad_sdp", "the offer has no m-line"));
    }
    for (kind, direction) in &sections {
        if kind != "audio" && kind != "video" {
            return Err(refused(
                "watcher_cannot_send",
                format!("a watcher offers audio or video m-lines only, not {kind}"),
            ));
        }
        let direction = direction.or(session_default).unwrap_or("sendrecv");
        if direction != "recvonly" && direction != "inactive" {
            return Err(refused(
                "watcher_cannot_send",
                format!("a watcher only receives: its m-lines are recvonly, not {direction}"),
            ));
        }
    }
    Ok(())
}

impl Hub {
    /// A media request from an anonymous watcher: handled here (and `None`
    /// returned); anything else is given back for the usual path.
    pub(super) fn live_media_request(
        &mut self,
        conn: ConnId,
        rid: Option<u64>,
        msg: ClientMsg,
    ) -> Option<ClientMsg> {
        if self.sessions.watcher(conn).is_none() {
            return Some(msg);
        }
        let outcome = match msg {
            ClientMsg::MediaOffer { sdp } => self.live_offer(conn, sdp),
            ClientMsg::MediaAnswer { sdp } => self.live_answer(conn, sdp),
            ClientMsg::MediaLeave => self.live_has_media(conn).map(|()| {
                self.live_media_gone(conn);
            }),
            ClientMsg::MediaSettings { audio_only } => self.live_has_media(conn).map(|()| {
                if let Some(node) = self.live_node(conn) {
                    node.send(MediaCommand::AudioOnly {
                        peer: PeerId(conn),
                        audio_only,
                    });
                }
            }),
            ClientMsg::MediaIceServers => self.live_ice_servers(conn),
            other => return Some(other),
        };
        if let (Some(watcher), Some(frame)) =
            (self.sessions.watcher(conn), reply_frame(rid, outcome))
        {
            self.deliver(frame, std::iter::once(watcher));
        }
        None
    }

    fn live_offer(&mut self, conn: ConnId, sdp: String) -> Result<(), Refusal> {
        if !self.settings.live_page {
            return Err((
                ErrorCode::Forbidden,
                "the public live page is switched off".into(),
            ));
        }
        let Some(media) = self.settings.media.clone() else {
            return Err(refused(
                "media_unavailable",
                "voice and video are off on this server",
            ));
        };
        check_receive_only(&sdp)?;
        let now = self.now();
        if let Some(last) = self.media.live.last_offer.get(&conn)
            && now.saturating_sub(*last) < OFFER_GAP_MS
        {
            return Err((
                ErrorCode::RateLimited,
                "one media_offer a second at most".into(),
            ));
        }
        let has = self.media.live.peers.contains_key(&conn);
        let max = self.settings.live_viewers;
        if !has && self.media.live.peers.len() >= max {
            return Err(refused(
                "live_media_full",
                format!(
                    "the stage's picture is already sent to {max} screens; the page goes on without it"
                ),
            ));
        }
        let Some(room) = stage_room(self.event().venue()) else {
            return Err(refused("no_stage", "this venue has no amphitheatre"));
        };
        let node = media.for_room(&self.event().venue().room(room).id);
        self.media.live.last_offer.insert(conn, now);
        if !has {
            self.metrics.media.live_viewers.fetch_add(1, Relaxed);
        }
        self.media.live.peers.insert(conn, node);
        media.node(node).send(MediaCommand::Offer {
            peer: PeerId(conn),
            sdp,
            events: self.media.sink(),
        });
        self.media.mark_dirty();
        Ok(())
    }

    fn live_answer(&mut self, conn: ConnId, sdp: String) -> Result<(), Refusal> {
        self.live_has_media(conn)?;
        super::media::check_sdp(&sdp)?;
        if let Some(node) = self.live_node(conn) {
            node.send(MediaCommand::Answer {
                peer: PeerId(conn),
                sdp,
            });
        }
        Ok(())
    }

    fn live_ice_servers(&mut self, conn: ConnId) -> Result<(), Refusal> {
        let ice_servers = match &self.settings.turn {
            Some(turn) => {
                self.metrics.media.turn_credentials.fetch_add(1, Relaxed);
                let label = format!("amphi-live-{}", conn);
                vec![crate::media::turn::credential(
                    turn,
                    &label,
                    self.now() / 1000,
                )]
            }
            None => Vec::new(),
        };
        let frame = encoded(&ServerMsg::MediaIceServers { ice_servers });
        if let Some(watcher) = self.sessions.watcher(conn) {
            self.deliver(frame, std::iter::once(watcher));
        }
        Ok(())
    }

    fn live_has_media(&self, conn: ConnId) -> Result<(), Refusal> {
        if self.media.live.peers.contains_key(&conn) {
            Ok(())
        } else {
            Err(refused("no_media_connection", "send media_offer first"))
        }
    }

    fn live_node(&self, conn: ConnId) -> Option<&crate::media::MediaHandle> {
        let node = *self.media.live.peers.get(&conn)?;
        Some(self.settings.media.as_ref()?.node(node))
    }

    /// The watcher hung up or went: its media connection goes.
    pub(super) fn live_media_gone(&mut self, conn: ConnId) {
        if let Some(node) = self.live_node(conn) {
            node.send(MediaCommand::Leave { peer: PeerId(conn) });
        }
        if self.media.live.peers.remove(&conn).is_some() {
            self.media.mark_dirty();
            self.metrics.media.live_viewers.fetch_sub(1, Relaxed);
        }
    }

    /// The watcher's connection closed: nothing of it is kept.
    pub(super) fn live_media_closed(&mut self, conn: ConnId) {
        self.live_media_gone(conn);
        self.media.live.last_offer.remove(&conn);
    }

    /// The conversation's connections, with the watchers added when it is
    /// the stage's (on the same media server): they receive its speakers.
    pub(super) fn with_live_watchers(
        &self,
        room: RoomIdx,
        node: NodeIndex,
        mut peers: Vec<PeerId>,
    ) -> Vec<PeerId> {
        if self.media.live.peers.is_empty() || stage_room(self.event().venue()) != Some(room) {
            return peers;
        }
        let mut watchers: Vec<PeerId> = self
            .media
            .live
            .peers
            .iter()
            .filter(|(_, n)| **n == node)
            .map(|(conn, _)| PeerId(*conn))
            .collect();
        watchers.sort();
        peers.extend(watchers);
        peers
    }

    /// An event from the media layer: handled here when it is a watcher's
    /// (and `None` returned), else given back.
    pub(super) fn live_media_event(&mut self, event: MediaEvent) -> Option<MediaEvent> {
        let conn = event.peer().0;
        if !self.media.live.peers.contains_key(&conn) {
            return Some(event);
        }
        let msg = match self.relayed(event) {
            Ok(msg) => msg,
            Err(MediaEvent::Closed { reason, .. }) => {
                self.media.live.peers.remove(&conn);
                self.media.mark_dirty();
                self.metrics.media.live_viewers.fetch_sub(1, Relaxed);
                ServerMsg::MediaClosed {
                    reason,
                    rejoin: false,
                }
            }
            Err(_) => return None,
        };
        if let Some(watcher) = self.sessions.watcher(conn) {
            self.deliver(encoded(&msg), std::iter::once(watcher));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECV_AUDIO: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n";

    fn code(sdp: &str) -> &'static str {
        match check_receive_only(sdp) {
            Ok(()) => "ok",
            Err((ErrorCode::Refused(code), _)) => code,
            Err(_) => "other",
        }
    }

    #[test]
    fn a_receive_only_offer_is_accepted() {
        assert_eq!(code(RECV_AUDIO), "ok");
        let two =
            format!("{RECV_AUDIO}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=inactive\r\n");
        assert_eq!(code(&two), "ok");
        // A session-level recvonly covers m-lines without their own.
        let session = "v=0\r\ns=-\r\na=recvonly\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n";
        assert_eq!(code(session), "ok");
    }

    #[test]
    fn an_offer_that_would_send_is_refused() {
        for direction in ["sendrecv", "sendonly"] {
            let sdp = RECV_AUDIO.replace("recvonly", direction);
            assert_eq!(code(&sdp), "watcher_cannot_send", "{direction}");
        }
        // No direction at all means sendrecv.
        let bare = RECV_AUDIO.replace("a=recvonly\r\n", "");
        assert_eq!(code(&bare), "watcher_cannot_send");
        // One sending m-line among receiving ones is enough.
        let mixed = format!("{RECV_AUDIO}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\n");
        assert_eq!(code(&mixed), "watcher_cannot_send");
        // A data channel is not for watchers either.
        let data = format!("{RECV_AUDIO}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
        assert_eq!(code(&data), "watcher_cannot_send");
    }

    #[test]
    fn watchers_receive_the_amphitheatre_holding_the_stage() {
        let venue = Venue::default_venue().expect("the default venue");
        let room = stage_room(&venue).expect("an amphitheatre");
        assert_eq!(venue.room(room).kind, RoomKind::Amphitheatre);
        let stage = venue.stage.expect("a stage");
        assert!(venue.room(room).rect.contains_rect(&stage));
    }

    #[test]
    fn malformed_offers_are_refused() {
        assert_eq!(code("hello"), "bad_sdp");
        assert_eq!(code("v=0\r\ns=-\r\n"), "bad_sdp");
        assert_eq!(code(&"v=0\r\n".repeat(20_000)), "bad_sdp");
    }
}
