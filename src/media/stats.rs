//! Media counters, written by the media services (one per worker) and read
//! by `/metrics`.

use crate::venue::RoomKind;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

/// Gauges and counters of the media layer.
#[derive(Debug, Default)]
pub struct MediaStats {
    /// Conversations now, by the kind of room they are in (order of
    /// [`RoomKind::ALL`]); kept by the hubs.
    pub conversations: [AtomicI64; 5],
    /// Connected peers now.
    pub peers: AtomicU64,
    /// Peers publishing at least one track now.
    pub publishers: AtomicU64,
    /// Peers receiving at least one track now.
    pub subscribers: AtomicU64,
    /// Media payload bytes forwarded (one count per receiver).
    pub forwarded_bytes: AtomicU64,
    /// Media frames forwarded (one count per receiver).
    pub forwarded_frames: AtomicU64,
    /// Frames not forwarded because their sender is muted.
    pub muted_frames: AtomicU64,
    /// Keyframe requests (PLI/FIR) sent to publishers.
    pub keyframe_requests: AtomicU64,
    /// Keyframe requests merged into one sent shortly before for the same
    /// published layer (late joiners, layer switches).
    pub keyframe_requests_merged: AtomicU64,
    /// Receivers switched to another simulcast layer (at its keyframe).
    pub layer_switches: AtomicU64,
    /// Bursts of touched peers polled on several threads (`polling`).
    pub spread_polls: AtomicU64,
    /// NACKs received from subscribers (retransmission requests).
    pub nacks: AtomicU64,
    /// Offers the server sent to renegotiate.
    pub renegotiations: AtomicU64,
    /// Peers dropped for not completing ICE in time.
    pub connect_timeouts: AtomicU64,
    /// TURN credentials handed to clients.
    pub turn_credentials: AtomicU64,
    /// Separate media processes (`amphi media`) the venue is connected to now.
    pub nodes_connected: AtomicU64,
    /// Anonymous watchers (`/live`, `/stage`) receiving the stage now; kept
    /// by the hubs.
    pub live_viewers: AtomicI64,
}

/// One media service's share of the gauges of [`MediaStats`]: several
/// services (the in-process workers) add to the same gauges, so each adds
/// the change of its own count rather than storing it.
#[derive(Debug, Default)]
pub struct GaugeShare {
    peers: u64,
    publishers: u64,
    subscribers: u64,
}

impl GaugeShare {
    /// This service now has `now` connected peers.
    pub fn peers(&mut self, stats: &MediaStats, now: u64) {
        shift(&stats.peers, &mut self.peers, now);
    }

    /// This service now has so many publishers and subscribers.
    pub fn roles(&mut self, stats: &MediaStats, publishers: u64, subscribers: u64) {
        shift(&stats.publishers, &mut self.publishers, publishers);
        shift(&stats.subscribers, &mut self.subscribers, subscribers);
    }

    /// The service stops: its share leaves the gauges.
    pub fn clear(&mut self, stats: &MediaStats) {
        self.peers(stats, 0);
        self.roles(stats, 0, 0);
    }
}

/// Moves `gauge` by the change from `*mine` to `now`.
fn shift(gauge: &AtomicU64, mine: &mut u64, now: u64) {
    if now > *mine {
        gauge.fetch_add(now - *mine, Relaxed);
    } else {
        gauge.fetch_sub(*mine - now, Relaxed);
    }
    *mine = now;
}

impl MediaStats {
    /// Appends the Prometheus text of these counters.
    pub fn render(&self, out: &mut String) {
        let rows: [(&str, &str, &str, &AtomicU64); 15] = [
            (
                "amphi_media_peers",
                "gauge",
                "Media connections now.",
                &self.peers,
            ),
            (
                "amphi_media_publishers",
                "gauge",
                "Peers publishing a track.",
                &self.publishers,
            ),
            (
                "amphi_media_subscribers",
                "gauge",
                "Peers receiving a track.",
                &self.subscribers,
            ),
            (
                "amphi_media_forwarded_bytes_total",
                "counter",
                "Media bytes forwarded, per receiver.",
                &self.forwarded_bytes,
            ),
            (
                "amphi_media_forwarded_frames_total",
                "counter",
                "Media frames forwarded, per receiver.",
                &self.forwarded_frames,
            ),
            (
                "amphi_media_muted_frames_total",
                "counter",
                "Frames held back because their sender is muted.",
                &self.muted_frames,
            ),
            (
                "amphi_media_keyframe_requests_total",
                "counter",
                "Keyframe requests sent to publishers.",
                &self.keyframe_requests,
            ),
            (
                "amphi_media_keyframe_requests_merged_total",
                "counter",
                "Keyframe requests merged into one already sent.",
                &self.keyframe_requests_merged,
            ),
            (
                "amphi_media_layer_switches_total",
                "counter",
                "Receivers switched to another simulcast layer.",
                &self.layer_switches,
            ),
            (
                "amphi_media_spread_polls_total",
                "counter",
                "Bursts of receivers polled on several threads.",
                &self.spread_polls,
            ),
            (
                "amphi_media_nacks_total",
                "counter",
                "NACKs received from subscribers.",
                &self.nacks,
            ),
            (
                "amphi_media_renegotiations_total",
                "counter",
                "Offers sent by the server.",
                &self.renegotiations,
            ),
            (
                "amphi_media_connect_timeouts_total",
                "counter",
                "Peers dropped before connecting.",
                &self.connect_timeouts,
            ),
            (
                "amphi_media_turn_credentials_total",
                "counter",
                "TURN credentials issued.",
                &self.turn_credentials,
            ),
            (
                "amphi_media_nodes_connected",
                "gauge",
                "Separate media processes connected now.",
                &self.nodes_connected,
            ),
        ];
        let name = "amphi_media_conversations";
        let _ = writeln!(
            out,
            "# HELP {name} Conversations now, by kind of room.\n# TYPE {name} gauge"
        );
        for (kind, value) in RoomKind::ALL.iter().zip(&self.conversations) {
            let _ = writeln!(
                out,
                "{name}{{kind=\"{}\"}} {}",
                kind.tiled_class(),
                value.load(Relaxed)
            );
        }
        for (name, kind, help, value) in rows {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                value.load(Relaxed)
            );
        }
        let name = "amphi_media_live_viewers";
        let _ = writeln!(
            out,
            "# HELP {name} Watchers of /live and /stage receiving the stage.\n# TYPE {name} gauge\n{name} {}",
            self.live_viewers.load(Relaxed)
        );
    }
}

#[cfg(test)]
mod gauge_tests {
    use super::*;

    #[test]
    fn the_gauges_are_the_sum_of_every_services_share() {
        let stats = MediaStats::default();
        let (mut first, mut second) = (GaugeShare::default(), GaugeShare::default());
        first.peers(&stats, 3);
        second.peers(&stats, 4);
        first.roles(&stats, 2, 3);
        second.roles(&stats, 1, 4);
        assert_eq!(stats.peers.load(Relaxed), 7);
        first.peers(&stats, 1);
        assert_eq!(stats.peers.load(Relaxed), 5);
        second.clear(&stats);
        assert_eq!(stats.peers.load(Relaxed), 1);
        assert_eq!(stats.publishers.load(Relaxed), 2);
        assert_eq!(stats.subscribers.load(Relaxed), 3);
    }
}
