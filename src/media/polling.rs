//! Polling peers: everything one peer's connection has to do now (send its
//! packets, hand out its events), and the same for many peers at once,
//! spread over a few threads.
//!
//! A frame forwarded to a large conversation (the stage, a big bubble)
//! touches hundreds of receivers at once, and polling them (stamping,
//! encrypting and sending each one's packets) is most of a media service's
//! work. One receiver's poll needs only that receiver's connection, the
//! socket and the counters, so a burst that touches many receivers is cut
//! into as many parts as there are threads, polled side by side (scoped
//! threads: they end before the burst does), and what each poll produced
//! (events for other peers, the next deadline) is applied by the media
//! task afterwards, in order. The last receiver of a burst then gets its
//! packets sooner; the work is the same.

use super::peer::Peer;
use super::udp_out::UdpOut;
use super::{MediaEvent, PeerId};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;
use str0m::bwe::BweKind;
use str0m::media::{Direction, KeyframeRequest};
use str0m::net::Protocol;
use str0m::rtp::RtpPacket;
use str0m::{Event, IceConnectionState, Input, Output};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// Most timeouts already due fed to one peer in one poll (a bound, should
/// a peer keep saying it is due).
const IMMEDIATE_TIMEOUTS: usize = 4;

/// Something a peer produced that concerns another peer.
// Packets only pass through the queue; boxing them would cost an allocation
// per forwarded packet.
#[allow(clippy::large_enum_variant)]
pub enum Propagated {
    Rtp(PeerId, RtpPacket),
    Keyframe(PeerId, KeyframeRequest),
}

/// What polling one peer produced, for the media task to apply.
pub struct Polled {
    pub id: PeerId,
    /// For other peers, in the order produced.
    pub propagated: Vec<Propagated>,
    /// When the peer next needs time fed in; `None`: its connection ended.
    pub due: Option<Instant>,
    /// It published a new track (its conversation is routed again).
    pub routed: bool,
    /// Its connection just came up.
    pub connected: bool,
}

/// Where a poll's packets go out, and what it counts: shared by the
/// threads of a spread poll, each with a [`UdpOut`] of its own.
#[derive(Clone, Copy)]
pub struct Outlets<'a> {
    pub socket: &'a UdpSocket,
    pub tcp_out: &'a HashMap<SocketAddr, mpsc::Sender<Vec<u8>>>,
    pub stats: &'a crate::metrics::Metrics,
}

/// Polls one peer until it has nothing more to do now. Its UDP packets may
/// wait in `udp_out` for the caller's [`UdpOut::flush`].
pub fn poll_peer(peer: &mut Peer, out: Outlets, udp_out: &mut UdpOut) -> Polled {
    let id = peer.id;
    let mut polled = Polled {
        id,
        propagated: Vec::new(),
        due: None,
        routed: false,
        connected: false,
    };
    let mut immediate = 0;
    loop {
        if !peer.rtc.is_alive() {
            polled.due = None;
            break;
        }
        let output = match peer.rtc.poll_output() {
            Ok(output) => output,
            Err(err) => {
                tracing::debug!(peer = id.0, %err, "media poll failed; dropping the peer");
                peer.rtc.disconnect();
                continue;
            }
        };
        match output {
            Output::Timeout(at) => {
                // Due already (str0m stamps packets written to a stream in a
                // timeout before it sends them): time goes in now, and what
                // it releases leaves in this poll, not a turn of the loop
                // later.
                let now = Instant::now();
                if at <= now && immediate < IMMEDIATE_TIMEOUTS {
                    immediate += 1;
                    if let Err(err) = peer.rtc.handle_input(Input::Timeout(now)) {
                        tracing::debug!(peer = id.0, %err, "media timeout handling failed");
                        peer.rtc.disconnect();
                    }
                    continue;
                }
                polled.due = Some(at);
                break;
            }
            Output::Transmit(transmit) => {
                if let Some(link) = &mut peer.throttle
                    && !link.pass(transmit.contents.len(), Instant::now())
                {
                    continue;
                }
                if transmit.proto == Protocol::Udp {
                    udp_out.push(out.socket, transmit.destination, transmit.contents);
                } else if let Some(tcp) = out.tcp_out.get(&transmit.destination) {
                    let _ = tcp.try_send(transmit.contents.to_vec());
                }
            }
            Output::Event(event) => match event {
                Event::Connected => {
                    peer.connected = true;
                    polled.connected = true;
                    peer.tell(MediaEvent::Connected { peer: id });
                }
                // A loaded client or network may miss a few checks: it is
                // dropped only if it stays lost (see the service's `reap`).
                Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                    peer.disconnected_since.get_or_insert(Instant::now());
                }
                Event::IceConnectionStateChange(_) => peer.disconnected_since = None,
                Event::MediaAdded(added) => {
                    if matches!(added.direction, Direction::RecvOnly | Direction::SendRecv) {
                        peer.media_added(added.mid, added.kind);
                        polled.routed = true;
                    }
                }
                Event::RtpPacket(packet) => polled.propagated.push(Propagated::Rtp(id, packet)),
                Event::KeyframeRequest(request) => {
                    polled.propagated.push(Propagated::Keyframe(id, request))
                }
                Event::MediaEgressStats(stats) => {
                    let seen = peer.nacks_seen.entry(stats.mid).or_insert(0);
                    let new = stats.nacks.saturating_sub(*seen);
                    *seen = stats.nacks;
                    out.stats.media.nacks.fetch_add(new, Relaxed);
                    if let Some(layer) = peer.layers.get_mut(&stats.mid) {
                        layer.report(stats.loss, stats.nacks, stats.packets, Instant::now());
                    }
                }
                Event::EgressBitrateEstimate(BweKind::Remb { estimate, mid }) => {
                    if let Some(layer) = peer.layers.get_mut(&mid) {
                        layer.estimate = Some(estimate.as_u64());
                    }
                }
                _ => {}
            },
        }
    }
    polled
}

/// Polls `peers` on up to `threads` threads (this one included), each part
/// with its own [`UdpOut`], flushed when the part is done; returns what every
/// poll produced. `gso` is whether the kernel takes segmented sends (as the
/// caller's [`UdpOut`] learnt it); the answer comes back with the results.
pub fn poll_spread(
    mut peers: Vec<&mut Peer>,
    threads: usize,
    out: Outlets,
    gso: bool,
) -> (Vec<Polled>, bool) {
    let part = peers.len().div_ceil(threads.max(1)).max(1);
    let poll_part = |part: &mut [&mut Peer]| {
        let mut udp_out = UdpOut::with_gso(gso);
        let polled: Vec<Polled> = part
            .iter_mut()
            .map(|p| poll_peer(p, out, &mut udp_out))
            .collect();
        udp_out.flush(out.socket);
        (polled, udp_out.gso())
    };
    std::thread::scope(|scope| {
        let mut parts = peers.chunks_mut(part);
        let first = parts.next();
        let others: Vec<_> = parts
            .map(|part| scope.spawn(move || poll_part(part)))
            .collect();
        let (mut all, mut gso) = first.map(poll_part).unwrap_or_default();
        for other in others {
            match other.join() {
                Ok((polled, part_gso)) => {
                    all.extend(polled);
                    gso &= part_gso;
                }
                Err(_) => tracing::error!("a media polling thread panicked"),
            }
        }
        (all, gso)
    })
}
