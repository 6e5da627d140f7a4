//! One client's WebRTC connection: the tracks it publishes, the tracks it
//! receives from others, and the renegotiation that adds and stops them.
//!
//! The client offers once, with three send-only m-lines (microphone, camera,
//! screen). From then on only the server offers (when what the client should
//! receive changes), one offer at a time, so the two sides never offer at
//! once.

use super::layers::{Forwarding, KeyframeGate, LayerMeter};
use super::rewrite::Rewriter;
use super::throttle::Throttle;
use super::{EventSink, MediaEvent, PeerId, Source, TrackInfo};
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::time::Instant;
use str0m::Rtc;
use str0m::change::SdpPendingOffer;
use str0m::format::PayloadParams;
use str0m::media::{Direction, MediaKind, Mid, Pt, Rid};
use str0m::rtp::Ssrc;

/// A track the peer publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackIn {
    pub mid: Mid,
    pub kind: MediaKind,
    pub source: Source,
}

/// Where a received track stands in the negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutState {
    /// Wanted; not yet in an offer.
    ToOpen,
    /// In the offer waiting for an answer.
    Opening(Mid),
    /// Negotiated: media written to it reaches the client.
    Open(Mid),
    /// No longer wanted; its m-line will be stopped by the next offer.
    ToStop(Mid),
    /// Its stop is in the offer waiting for an answer.
    Stopping(Mid),
}

/// A track the peer receives: another peer's [`TrackIn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackOut {
    pub from: PeerId,
    pub from_mid: Mid,
    pub kind: MediaKind,
    pub source: Source,
    pub state: OutState,
}

impl TrackOut {
    /// The m-line on the peer's connection, once there is one.
    pub fn mid(&self) -> Option<Mid> {
        match self.state {
            OutState::ToOpen => None,
            OutState::Opening(m)
            | OutState::Open(m)
            | OutState::ToStop(m)
            | OutState::Stopping(m) => Some(m),
        }
    }

    fn wanted(&self) -> bool {
        matches!(
            self.state,
            OutState::ToOpen | OutState::Opening(_) | OutState::Open(_)
        )
    }
}

/// One client's media connection.
pub struct Peer {
    pub id: PeerId,
    pub rtc: Rtc,
    pub events: EventSink,
    pub tracks_in: Vec<TrackIn>,
    pub tracks_out: Vec<TrackOut>,
    /// The server's offer waiting for the client's answer.
    pub pending: Option<SdpPendingOffer>,
    pub muted: bool,
    pub audio_only: bool,
    pub created: Instant,
    pub connected: bool,
    /// Since when ICE has lost the client (it may come back).
    pub disconnected_since: Option<Instant>,
    /// Keyframe requests to this peer, merged per published layer.
    pub keyframes: KeyframeGate,
    /// The simulcast layers this peer publishes and their bitrates.
    pub meter: LayerMeter,
    /// Which layer of each simulcast video this peer receives, by the
    /// m-line it receives it on.
    pub layers: FxHashMap<Mid, Forwarding>,
    /// The simulated narrow link to this peer (`media.test_link_kbps`).
    pub throttle: Option<Throttle>,
    /// NACK totals last seen per received m-line, to count the new ones.
    pub nacks_seen: HashMap<Mid, u64>,
    /// What each received m-line's RTP headers carry, by m-line.
    pub sent: FxHashMap<Mid, SentTrack>,
    /// Which m-line and layer each stream the peer publishes belongs to.
    pub sources: FxHashMap<Ssrc, (Mid, Option<Rid>)>,
}

/// One m-line the peer receives, as far as its RTP goes: the payload type
/// it has for the sender's, and its own numbering.
#[derive(Debug, Clone)]
pub struct SentTrack {
    /// The sender's payload type and this peer's for the same codec.
    pub pt: Option<(Pt, Pt)>,
    pub rewriter: Rewriter,
    /// The m-line's send stream, once a packet went out on it.
    pub ssrc: Option<Ssrc>,
}

impl SentTrack {
    pub fn new(kind: MediaKind) -> SentTrack {
        let clock_rate = match kind {
            MediaKind::Audio => 48_000,
            MediaKind::Video => 90_000,
        };
        SentTrack {
            pt: None,
            rewriter: Rewriter::new(clock_rate),
            ssrc: None,
        }
    }

    /// This peer's payload type for the sender's `pt` (`params` its codec).
    pub fn payload_type(&mut self, rtc: &Rtc, pt: Pt, params: PayloadParams) -> Option<Pt> {
        match self.pt {
            Some((from, to)) if from == pt => Some(to),
            _ => {
                let to = rtc.codec_config().match_params(params)?.pt();
                self.pt = Some((pt, to));
                Some(to)
            }
        }
    }
}

impl Peer {
    pub fn new(id: PeerId, rtc: Rtc, events: EventSink, now: Instant) -> Peer {
        Peer {
            id,
            rtc,
            events,
            tracks_in: Vec::new(),
            tracks_out: Vec::new(),
            pending: None,
            muted: false,
            audio_only: false,
            created: now,
            connected: false,
            disconnected_since: None,
            keyframes: KeyframeGate::default(),
            meter: LayerMeter::default(),
            layers: FxHashMap::default(),
            throttle: None,
            nacks_seen: HashMap::new(),
            sent: FxHashMap::default(),
            sources: FxHashMap::default(),
        }
    }

    /// The m-line and layer of a stream this peer publishes.
    pub fn source_of(&mut self, ssrc: Ssrc) -> Option<(Mid, Option<Rid>)> {
        if let Some(found) = self.sources.get(&ssrc) {
            return Some(*found);
        }
        let mut api = self.rtc.direct_api();
        let stream = api.stream_rx(&ssrc)?;
        let found = (stream.mid(), stream.rid());
        self.sources.insert(ssrc, found);
        Some(found)
    }

    /// Tells the hub (ignored when the hub is gone: the peer goes soon too).
    pub fn tell(&self, event: MediaEvent) {
        let _ = self.events.send(event);
    }

    /// A track the client publishes appeared in its offer: microphone first,
    /// then camera, then screen, in m-line order.
    pub fn media_added(&mut self, mid: Mid, kind: MediaKind) {
        let source = match kind {
            MediaKind::Audio => Source::Mic,
            MediaKind::Video => {
                if self.tracks_in.iter().any(|t| t.source == Source::Camera) {
                    Source::Screen
                } else {
                    Source::Camera
                }
            }
        };
        if self.tracks_in.iter().any(|t| t.source == source) {
            // A fourth m-line: not ours to forward.
            return;
        }
        self.tracks_in.push(TrackIn { mid, kind, source });
    }

    pub fn track_in(&self, mid: Mid) -> Option<&TrackIn> {
        self.tracks_in.iter().find(|t| t.mid == mid)
    }

    /// The m-line that carries `from`'s track `from_mid` to this peer, if open.
    pub fn open_mid_for(&self, from: PeerId, from_mid: Mid) -> Option<Mid> {
        self.tracks_out.iter().find_map(|t| match t.state {
            OutState::Open(mid) if t.from == from && t.from_mid == from_mid => Some(mid),
            _ => None,
        })
    }

    /// Sets what this peer should receive: every track in `wanted`, nothing
    /// else. Returns whether anything changed.
    pub fn want(&mut self, wanted: &[(PeerId, TrackIn)]) -> bool {
        plan_received(&mut self.tracks_out, wanted)
    }

    /// When no offer is out and something changed, makes the next offer.
    pub fn renegotiate(&mut self) -> Option<MediaEvent> {
        if self.pending.is_some() || !self.connected {
            return None;
        }
        let mut change = self.rtc.sdp_api();
        for out in &mut self.tracks_out {
            match out.state {
                OutState::ToOpen => {
                    let mid = change.add_media(
                        out.kind,
                        Direction::SendOnly,
                        Some(format!("peer-{}", out.from.0)),
                        None,
                        None,
                    );
                    out.state = OutState::Opening(mid);
                }
                OutState::ToStop(mid) => {
                    change.stop_media(mid);
                    out.state = OutState::Stopping(mid);
                }
                _ => {}
            }
        }
        if !change.has_changes() {
            return None;
        }
        let (offer, pending) = change.apply()?;
        self.pending = Some(pending);
        Some(MediaEvent::Offer {
            peer: self.id,
            sdp: offer.to_sdp_string(),
            tracks: self.received_tracks(),
        })
    }

    /// After the client's answer: what was opening is open, what was
    /// stopping is gone. Returns the tracks that just opened.
    pub fn answered(&mut self) -> Vec<TrackOut> {
        let mut opened = Vec::new();
        for out in &mut self.tracks_out {
            if let OutState::Opening(mid) = out.state {
                out.state = OutState::Open(mid);
                opened.push(*out);
            }
        }
        self.tracks_out
            .retain(|t| !matches!(t.state, OutState::Stopping(_)));
        opened
    }

    /// Every track this peer receives or is about to (for the client to
    /// tell whose each m-line is).
    pub fn received_tracks(&self) -> Vec<TrackInfo> {
        self.tracks_out
            .iter()
            .filter_map(|t| match t.state {
                OutState::Opening(mid) | OutState::Open(mid) => Some(TrackInfo {
                    mid: mid.to_string(),
                    from: t.from,
                    source: t.source,
                }),
                _ => None,
            })
            .collect()
    }
}

/// Moves `tracks_out` towards receiving exactly `wanted`: unwanted tracks
/// are marked to stop, missing ones to open. Returns whether anything
/// changed (then the peer needs an offer).
pub fn plan_received(tracks_out: &mut Vec<TrackOut>, wanted: &[(PeerId, TrackIn)]) -> bool {
    let mut changed = false;
    for out in tracks_out.iter_mut() {
        if wanted_has(wanted, out) {
            continue;
        }
        let next = match out.state {
            // An opening track's offer is out: it stops once answered.
            OutState::Open(mid) | OutState::Opening(mid) => OutState::ToStop(mid),
            other => other,
        };
        if next != out.state {
            out.state = next;
            changed = true;
        }
    }
    let before = tracks_out.len();
    tracks_out.retain(|t| t.state != OutState::ToOpen || wanted_has(wanted, t));
    changed |= before != tracks_out.len();
    for (from, track) in wanted {
        let present = tracks_out
            .iter()
            .any(|t| t.wanted() && t.from == *from && t.from_mid == track.mid);
        if !present {
            tracks_out.push(TrackOut {
                from: *from,
                from_mid: track.mid,
                kind: track.kind,
                source: track.source,
                state: OutState::ToOpen,
            });
            changed = true;
        }
    }
    changed
}

fn wanted_has(wanted: &[(PeerId, TrackIn)], out: &TrackOut) -> bool {
    wanted
        .iter()
        .any(|(from, t)| *from == out.from && t.mid == out.from_mid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(mid: &str, kind: MediaKind, source: Source) -> TrackIn {
        TrackIn {
            mid: Mid::from(mid),
            kind,
            source,
        }
    }

    #[test]
    fn received_tracks_open_then_stop_when_no_longer_wanted() {
        let mic = track("0", MediaKind::Audio, Source::Mic);
        let cam = track("1", MediaKind::Video, Source::Camera);
        let mut out = Vec::new();
        assert!(plan_received(
            &mut out,
            &[(PeerId(7), mic), (PeerId(7), cam)]
        ));
        assert!(out.iter().all(|t| t.state == OutState::ToOpen));
        assert!(
            !plan_received(&mut out, &[(PeerId(7), mic), (PeerId(7), cam)]),
            "nothing new"
        );
        // Negotiated, then the sender walks away: both are stopped.
        for (t, mid) in out.iter_mut().zip(["3", "4"]) {
            t.state = OutState::Open(Mid::from(mid));
        }
        assert!(plan_received(&mut out, &[(PeerId(7), mic)]));
        assert_eq!(out[0].state, OutState::Open(Mid::from("3")));
        assert_eq!(out[1].state, OutState::ToStop(Mid::from("4")));
        // Wanted again while stopping: a new m-line opens beside it.
        assert!(plan_received(
            &mut out,
            &[(PeerId(7), mic), (PeerId(7), cam)]
        ));
        assert_eq!(out.len(), 3);
        assert_eq!(out[2].state, OutState::ToOpen);
        // A track not yet offered and no longer wanted is simply forgotten.
        assert!(plan_received(&mut out, &[(PeerId(7), mic)]));
        assert_eq!(out.len(), 2);
    }
}
