//! The media task: one UDP socket for every peer, one [`Rtc`] per peer, and
//! the forwarding of each published frame to the others in its
//! conversation. Nothing here decides a conversation: [`MediaCommand`]s do.
//!
//! str0m is sans-IO: this task reads datagrams and hands them to the peer
//! whose connection accepts them, feeds time in, and sends what each peer
//! has to send. The connections run in str0m's RTP mode: forwarding writes
//! each published RTP packet into every receiver's connection as it came
//! (the payload shared, the header rewritten per receiver: `rewrite`),
//! which encrypts it and answers the receiver's NACKs from its own
//! history; nothing is depacketized or packetized again.

use super::layers::{Admit, Forwarding};
use super::peer::{Peer, SentTrack, TrackIn};
use super::polling::{Outlets, Polled, Propagated, poll_peer, poll_spread};
use super::rewrite::Incoming;
use super::stats::GaugeShare;
use super::tcp::TcpEvent;
use super::throttle::Throttle;
use super::timers::Timers;
use super::udp_out::UdpOut;
use super::{
    ConversationId, EventSink, MediaCommand, MediaConfig, MediaError, MediaEvent, PeerId, Source,
};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::crypto::CryptoProvider;
use str0m::media::{KeyframeRequestKind, MediaKind, Mid, Rid};
use str0m::net::{Protocol, Receive, TcpType};
use str0m::rtp::{ExtensionValues, RtpPacket, RtpWrite, Vp8Descriptor};
use str0m::{Candidate, Input, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Largest datagram read (WebRTC keeps packets under the path MTU).
const DATAGRAM_MAX: usize = 2000;
/// What each receiver's stream keeps of the packets sent to it, to answer
/// its NACKs: a second of them (str0m's default, 3 s, holds three times the
/// memory for retransmissions that would come too late to be played).
const RTX_AGE: Duration = Duration::from_secs(1);
const RTX_PACKETS: usize = 1000;
/// Queued retransmissions are dropped beyond this share of what is sent
/// (str0m's default).
const RTX_RATIO_CAP: f32 = 0.15;
/// Most datagrams read before the receivers they feed are polled.
const READ_BATCH: usize = 64;
/// The media socket's receive buffer, bytes.
const RECEIVE_BUFFER: usize = 4 << 20;
/// Longest wait between two turns of the loop, even with nothing due.
const IDLE_TURN: Duration = Duration::from_millis(100);
/// How often dead and timed-out peers are looked for (a walk over every
/// peer: not once per datagram).
const REAP_EVERY: Duration = Duration::from_millis(100);

/// How the hub reaches the media layer. Cheap to clone.
#[derive(Debug, Clone)]
pub struct MediaHandle {
    pub(super) tx: mpsc::UnboundedSender<MediaCommand>,
    /// The embedded media server: the address browsers send media to. A
    /// separate media process: its control address.
    pub addr: SocketAddr,
}

impl MediaHandle {
    /// Queues a command; false when the media task has stopped.
    pub fn send(&self, command: MediaCommand) -> bool {
        self.tx.send(command).is_ok()
    }
}

/// Binds the media socket and starts the media task.
pub async fn spawn(
    config: &MediaConfig,
    stats: Arc<crate::metrics::Metrics>,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<(MediaHandle, JoinHandle<()>)> {
    let socket = UdpSocket::bind(config.udp).await?;
    // Room for bursts while the task forwards (the default, ~200 KB, fills
    // behind one frame fanned out to hundreds); the kernel caps it at
    // net.core.rmem_max.
    if let Err(err) = socket2::SockRef::from(&socket).set_recv_buffer_size(RECEIVE_BUFFER) {
        tracing::debug!(%err, "media socket: receive buffer left as it was");
    }
    let bound = socket.local_addr()?;
    let announced = config.announced(bound);
    if announced.ip().is_unspecified() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "media.udp listens on every interface: set media.public_ip to the address browsers reach",
        ));
    }
    // ICE over TCP on the same port number, when it is free.
    let (tcp_tx, mut tcp_rx) = mpsc::unbounded_channel();
    let tcp = match tokio::net::TcpListener::bind(bound).await {
        Ok(listener) => {
            super::tcp::spawn(listener, tcp_tx);
            true
        }
        Err(err) => {
            tracing::warn!(%bound, %err, "no ICE over TCP: the media port is taken for TCP");
            false
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut service = Service {
        tcp,
        tcp_out: HashMap::new(),
        local: bound,
        announced,
        crypto: Arc::new(str0m::crypto::from_feature_flags()),
        peers: FxHashMap::default(),
        by_addr: HashMap::new(),
        conversations: HashMap::new(),
        conversation_of: FxHashMap::default(),
        speakers: HashMap::new(),
        muted: FxHashSet::default(),
        audio_only: HashSet::new(),
        due: Timers::default(),
        udp_out: UdpOut::default(),
        touched: FxHashSet::default(),
        connect_timeout: Duration::from_secs(config.connect_timeout_secs.max(1)),
        last_reap: Instant::now(),
        stats,
        test_link_kbps: config.test_link_kbps,
        shown: GaugeShare::default(),
        fanout_threads: config.fanout_threads_here(),
        fanout_min: config.fanout_min.max(1),
    };
    tracing::info!(%bound, %announced, "media server listening (UDP)");
    if let Some(kbps) = config.test_link_kbps {
        tracing::warn!(
            kbps,
            "media.test_link_kbps: every peer's link is simulated this narrow (tests only)"
        );
    }
    let task = tokio::spawn(async move {
        let mut buf = vec![0u8; DATAGRAM_MAX];
        loop {
            let next = service.drive(&socket, Instant::now());
            tokio::select! {
                _ = shutdown.changed() => break,
                command = rx.recv() => match command {
                    Some(command) => service.command(command, Instant::now()),
                    None => break,
                },
                received = socket.recv_from(&mut buf) => match received {
                    Ok((n, source)) => {
                        if let Some(bytes) = buf.get(..n) {
                            service.receive(&socket, bytes, Protocol::Udp, source, Instant::now());
                        }
                        // The datagrams already waiting go in before the
                        // receivers are polled: the packets of one frame
                        // then leave for each receiver together (one
                        // system call, `udp_out`), not one by one.
                        for _ in 1..READ_BATCH {
                            let Ok((n, source)) = socket.try_recv_from(&mut buf) else {
                                break;
                            };
                            if let Some(bytes) = buf.get(..n) {
                                service.receive(&socket, bytes, Protocol::Udp, source, Instant::now());
                            }
                        }
                    }
                    Err(err) => tracing::debug!(%err, "media socket read"),
                },
                Some(event) = tcp_rx.recv() => match event {
                    TcpEvent::Opened(remote, out) => {
                        service.tcp_out.insert(remote, out);
                    }
                    TcpEvent::Packet(remote, bytes) => {
                        service.receive(&socket, &bytes, Protocol::Tcp, remote, Instant::now());
                    }
                    TcpEvent::Closed(remote) => {
                        service.tcp_out.remove(&remote);
                    }
                },
                _ = tokio::time::sleep_until(next.into()) => {}
            }
        }
        service.shown.clear(&service.stats.media);
        tracing::info!("media server stopped");
    });
    Ok((
        MediaHandle {
            tx,
            addr: announced,
        },
        task,
    ))
}

struct Service {
    /// Whether the TCP port is open (a passive TCP candidate is offered).
    tcp: bool,
    /// Where packets for each TCP client go.
    tcp_out: HashMap<SocketAddr, mpsc::Sender<Vec<u8>>>,
    local: SocketAddr,
    announced: SocketAddr,
    crypto: Arc<CryptoProvider>,
    peers: FxHashMap<PeerId, Peer>,
    /// Which peer each remote address belongs to, once one accepted it.
    by_addr: HashMap<SocketAddr, PeerId>,
    conversations: HashMap<ConversationId, Vec<PeerId>>,
    conversation_of: FxHashMap<PeerId, ConversationId>,
    /// The only members heard in a conversation (the stage); absent: all.
    speakers: HashMap<ConversationId, HashSet<PeerId>>,
    muted: FxHashSet<PeerId>,
    audio_only: HashSet<PeerId>,
    /// When each peer next needs time fed in.
    due: Timers,
    /// Packets on their way out of the UDP socket (see `udp_out`), all sent
    /// by the end of each [`Self::drive`].
    udp_out: UdpOut,
    /// Peers that got input and must be polled.
    touched: FxHashSet<PeerId>,
    connect_timeout: Duration,
    last_reap: Instant,
    /// The server's metrics; the media counters are `stats.media`.
    stats: Arc<crate::metrics::Metrics>,
    /// A simulated narrow link to every peer (tests only).
    test_link_kbps: Option<u32>,
    /// This service's share of the gauges it shares with the other media
    /// workers of the process.
    shown: GaugeShare,
    /// Threads a burst of touched peers is polled on, and how many peers
    /// make a burst (`media.fanout_threads`, `media.fanout_min`).
    fanout_threads: usize,
    fanout_min: usize,
}

impl Service {
    fn command(&mut self, command: MediaCommand, now: Instant) {
        match command {
            MediaCommand::Offer { peer, sdp, events } => self.offer(peer, &sdp, events, now),
            MediaCommand::Answer { peer, sdp } => self.answer(peer, &sdp),
            MediaCommand::Conversation {
                id,
                members,
                speakers,
            } => {
                match speakers {
                    Some(list) => {
                        self.speakers.insert(id, list.into_iter().collect());
                    }
                    None => {
                        self.speakers.remove(&id);
                    }
                }
                self.conversation(id, members)
            }
            MediaCommand::Mute { peer, muted } => {
                if muted {
                    self.muted.insert(peer);
                } else {
                    self.muted.remove(&peer);
                }
            }
            MediaCommand::AudioOnly { peer, audio_only } => {
                let changed = if audio_only {
                    self.audio_only.insert(peer)
                } else {
                    self.audio_only.remove(&peer)
                };
                if changed && let Some(id) = self.conversation_of.get(&peer).copied() {
                    self.route(id);
                }
            }
            MediaCommand::Leave { peer } => {
                self.remove(peer);
                self.muted.remove(&peer);
                self.audio_only.remove(&peer);
                if let Some(id) = self.conversation_of.remove(&peer) {
                    if let Some(members) = self.conversations.get_mut(&id) {
                        members.retain(|m| *m != peer);
                    }
                    self.route(id);
                }
            }
        }
    }

    fn offer(&mut self, id: PeerId, sdp: &str, events: EventSink, now: Instant) {
        // A refused first offer leaves no connection: say so, so the hub
        // forgets it. A refused new offer leaves the old connection as it was.
        let exists = self.peers.contains_key(&id);
        let refuse = |error: MediaError| {
            let reason = error.to_string();
            let _ = events.send(MediaEvent::Refused { peer: id, error });
            if !exists {
                let _ = events.send(MediaEvent::Closed { peer: id, reason });
            }
        };
        let offer = match SdpOffer::from_sdp_string(sdp) {
            Ok(offer) => offer,
            Err(err) => return refuse(MediaError::BadSdp(err.to_string())),
        };
        let mut rtc = Rtc::builder()
            .set_crypto_provider(self.crypto.clone())
            .set_ice_lite(true)
            // One audio and one video codec for everyone, so any published
            // frame can be forwarded to any receiver as it is.
            .clear_codecs()
            .enable_opus(true, false)
            .enable_vp8(true)
            // Packets are forwarded as they came, not as frames (`forward`).
            .set_rtp_mode(true)
            .set_stats_interval(Some(Duration::from_secs(2)))
            .build(now);
        match Candidate::host(self.announced, "udp") {
            Ok(candidate) => {
                rtc.add_local_candidate(candidate);
            }
            Err(err) => return refuse(MediaError::OfferRefused(err.to_string())),
        }
        if self.tcp
            && let Ok(candidate) = Candidate::builder()
                .tcp()
                .host(self.announced)
                .tcptype(TcpType::Passive)
                .build()
        {
            rtc.add_local_candidate(candidate);
        }
        let answer = match rtc.sdp_api().accept_offer(offer) {
            Ok(answer) => answer,
            Err(err) => return refuse(MediaError::OfferRefused(err.to_string())),
        };
        // A new offer starts the connection afresh.
        self.remove(id);
        let mut peer = Peer::new(id, rtc, events, now);
        peer.throttle = self.test_link_kbps.map(|kbps| Throttle::new(kbps, now));
        peer.tell(MediaEvent::Answer {
            peer: id,
            sdp: answer.to_sdp_string(),
        });
        self.peers.insert(id, peer);
        self.touched.insert(id);
        self.shown.peers(&self.stats.media, self.peers.len() as u64);
    }

    fn answer(&mut self, id: PeerId, sdp: &str) {
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        let answer = match SdpAnswer::from_sdp_string(sdp) {
            Ok(answer) => answer,
            Err(err) => {
                let error = MediaError::BadSdp(err.to_string());
                return peer.tell(MediaEvent::Refused { peer: id, error });
            }
        };
        let Some(pending) = peer.pending.take() else {
            let error = MediaError::NoPendingOffer;
            return peer.tell(MediaEvent::Refused { peer: id, error });
        };
        if let Err(err) = peer.rtc.sdp_api().accept_answer(pending, answer) {
            // The offer is spent either way: start over with a fresh one.
            let error = MediaError::OfferRefused(err.to_string());
            peer.tell(MediaEvent::Refused { peer: id, error });
            peer.rtc.disconnect();
            self.touched.insert(id);
            return;
        }
        let opened = peer.answered();
        // The layers of stopped m-lines are forgotten with them.
        let outs = &peer.tracks_out;
        peer.layers
            .retain(|mid, _| outs.iter().any(|t| t.mid() == Some(*mid)));
        peer.sent
            .retain(|mid, _| outs.iter().any(|t| t.mid() == Some(*mid)));
        self.touched.insert(id);
        // A new receiver needs a keyframe to start decoding.
        // (A simulcast layer's keyframe is asked for when its first frame
        // arrives for the receiver: see `forward`.)
        for track in opened.iter().filter(|t| t.kind == MediaKind::Video) {
            self.request_keyframe(track.from, track.from_mid, None, KeyframeRequestKind::Pli);
        }
        self.offer_changes(id);
        self.count_roles();
    }

    fn conversation(&mut self, id: ConversationId, members: Vec<PeerId>) {
        let mut affected = vec![id];
        let before = self.conversations.remove(&id).unwrap_or_default();
        for left in before.iter().filter(|m| !members.contains(m)) {
            if self.conversation_of.get(left) == Some(&id) {
                self.conversation_of.remove(left);
            }
        }
        for member in &members {
            if let Some(old) = self.conversation_of.insert(*member, id)
                && old != id
            {
                if let Some(list) = self.conversations.get_mut(&old) {
                    list.retain(|m| m != member);
                }
                affected.push(old);
            }
        }
        if members.is_empty() {
            self.speakers.remove(&id);
        } else {
            self.conversations.insert(id, members);
        }
        for gone in before {
            if !self.conversation_of.contains_key(&gone) {
                self.set_wanted(gone, Vec::new());
            }
        }
        for conversation in affected {
            self.route(conversation);
        }
    }

    /// Sets what every member of a conversation receives: the tracks of
    /// every other member (no video for audio-only members).
    fn route(&mut self, id: ConversationId) {
        let members = self.conversations.get(&id).cloned().unwrap_or_default();
        let speakers = self.speakers.get(&id);
        let published: Vec<(PeerId, TrackIn)> = members
            .iter()
            .filter(|m| speakers.is_none_or(|s| s.contains(m)))
            .filter_map(|m| self.peers.get(m))
            .flat_map(|p| p.tracks_in.iter().map(move |t| (p.id, *t)))
            .collect();
        for member in members {
            let audio_only = self.audio_only.contains(&member);
            let wanted = published
                .iter()
                .filter(|(from, t)| *from != member && !(audio_only && t.kind == MediaKind::Video))
                .copied()
                .collect();
            self.set_wanted(member, wanted);
        }
    }

    fn set_wanted(&mut self, id: PeerId, wanted: Vec<(PeerId, TrackIn)>) {
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        if peer.want(&wanted) {
            self.offer_changes(id);
        }
    }

    /// Sends the peer an offer when its received tracks changed and none is out.
    fn offer_changes(&mut self, id: PeerId) {
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        if let Some(offer) = peer.renegotiate() {
            peer.tell(offer);
            self.stats.media.renegotiations.fetch_add(1, Relaxed);
            self.touched.insert(id);
        }
    }

    /// Hands a datagram to the peer whose connection accepts it and
    /// forwards what it published at once (str0m holds one received RTP
    /// packet at a time); the receivers are polled later, by `drive`.
    fn receive(
        &mut self,
        socket: &UdpSocket,
        bytes: &[u8],
        proto: Protocol,
        source: SocketAddr,
        now: Instant,
    ) {
        let Ok(contents) = bytes.try_into() else {
            return;
        };
        let input = Input::Receive(
            now,
            Receive {
                proto,
                source,
                destination: self.local,
                contents,
            },
        );
        let known = self
            .by_addr
            .get(&source)
            .copied()
            .filter(|id| self.peers.get(id).is_some_and(|p| p.rtc.accepts(&input)));
        let id = match known {
            Some(id) => id,
            None => {
                let Some(id) = self
                    .peers
                    .values()
                    .find(|p| p.rtc.accepts(&input))
                    .map(|p| p.id)
                else {
                    return;
                };
                self.by_addr.insert(source, id);
                id
            }
        };
        if let Some(peer) = self.peers.get_mut(&id) {
            if let Err(err) = peer.rtc.handle_input(input) {
                tracing::debug!(peer = id.0, %err, "media input refused; dropping the peer");
                peer.rtc.disconnect();
            }
            let mut queue = VecDeque::new();
            self.poll(id, socket, &mut queue);
            while let Some(item) = queue.pop_front() {
                self.propagate(item);
            }
        }
    }

    /// Feeds time to the peers that are due, polls every touched peer,
    /// forwards what they produced, drops dead peers. Returns when to come
    /// back.
    fn drive(&mut self, socket: &UdpSocket, now: Instant) -> Instant {
        // Time goes only to the peers that are due: a peer that just got a
        // datagram or a frame has the time already (str0m's input carries
        // it), and feeding it a timeout as well walked all its state again.
        let mut due = Vec::new();
        self.due.take_due(now, &mut due);
        for id in due {
            if let Some(peer) = self.peers.get_mut(&id)
                && peer.rtc.is_alive()
                && let Err(err) = peer.rtc.handle_input(Input::Timeout(now))
            {
                tracing::debug!(peer = id.0, %err, "media timeout handling failed");
                peer.rtc.disconnect();
            }
            self.touched.insert(id);
        }
        let mut queue = VecDeque::new();
        while !self.touched.is_empty() {
            self.poll_touched(socket, &mut queue);
            while let Some(item) = queue.pop_front() {
                self.propagate(item);
            }
        }
        // Everyone touched is polled: what they had to send leaves now.
        self.udp_out.flush(socket);
        if now.duration_since(self.last_reap) >= REAP_EVERY {
            self.last_reap = now;
            self.reap(now);
        }
        let next = self.due.next().unwrap_or(now + IDLE_TURN);
        next.min(now + IDLE_TURN)
            .max(now + Duration::from_millis(1))
    }

    /// Polls one peer until it has nothing more to do now (its packets may
    /// wait in `udp_out` until the end of [`Self::drive`]).
    fn poll(&mut self, id: PeerId, socket: &UdpSocket, queue: &mut VecDeque<Propagated>) {
        let Some(peer) = self.peers.get_mut(&id) else {
            return;
        };
        let out = Outlets {
            socket,
            tcp_out: &self.tcp_out,
            stats: &self.stats,
        };
        let polled = poll_peer(peer, out, &mut self.udp_out);
        self.apply(polled, queue);
    }

    /// Polls the touched peers: on several threads when they are many
    /// (`polling`), else one after the other.
    fn poll_touched(&mut self, socket: &UdpSocket, queue: &mut VecDeque<Propagated>) {
        let touched: Vec<PeerId> = self.touched.drain().collect();
        if self.fanout_threads <= 1 || touched.len() < self.fanout_min {
            for id in touched {
                self.poll(id, socket, queue);
            }
            return;
        }
        // What earlier polls left waiting goes first, in order.
        self.udp_out.flush(socket);
        let wanted: FxHashSet<PeerId> = touched.into_iter().collect();
        let peers: Vec<&mut Peer> = self
            .peers
            .values_mut()
            .filter(|p| wanted.contains(&p.id))
            .collect();
        let out = Outlets {
            socket,
            tcp_out: &self.tcp_out,
            stats: &self.stats,
        };
        let (all, gso) = poll_spread(peers, self.fanout_threads, out, self.udp_out.gso());
        self.udp_out.learn_gso(gso);
        self.stats.media.spread_polls.fetch_add(1, Relaxed);
        for polled in all {
            self.apply(polled, queue);
        }
    }

    /// What a poll produced, applied to the service.
    fn apply(&mut self, polled: Polled, queue: &mut VecDeque<Propagated>) {
        let id = polled.id;
        match polled.due {
            Some(at) => self.due.set(id, at),
            None => self.due.remove(id),
        }
        queue.extend(polled.propagated);
        if polled.routed
            && let Some(conversation) = self.conversation_of.get(&id).copied()
        {
            self.route(conversation);
        }
        if polled.connected {
            self.offer_changes(id);
            self.count_roles();
        }
    }

    fn propagate(&mut self, item: Propagated) {
        match item {
            Propagated::Rtp(from, packet) => self.forward(from, &packet),
            Propagated::Keyframe(receiver, request) => {
                let source = self.peers.get(&receiver).and_then(|p| {
                    // The layer it receives, when the sender sends several.
                    let rid = p.layers.get(&request.mid).and_then(|l| l.current);
                    p.tracks_out
                        .iter()
                        .find(|t| t.mid() == Some(request.mid))
                        .map(|t| (t.from, t.from_mid, rid))
                });
                if let Some((from, from_mid, rid)) = source {
                    self.request_keyframe(from, from_mid, rid, request.kind);
                }
            }
        }
    }

    /// Forwards one published RTP packet to every receiver of its track:
    /// the payload as it came (shared, not copied), the header written for
    /// each receiver (see `rewrite`).
    fn forward(&mut self, from: PeerId, packet: &RtpPacket) {
        let Some(sender) = self.peers.get_mut(&from) else {
            return;
        };
        let Some((mid, rid)) = sender.source_of(packet.header.ssrc) else {
            return;
        };
        let Some(track) = sender.track_in(mid).copied() else {
            return;
        };
        let pt = packet.header.payload_type;
        let Some(params) = sender.rtc.codec_config().find(|p| p.pt() == pt).copied() else {
            return;
        };
        if track.source == Source::Mic && self.muted.contains(&from) {
            self.stats.media.muted_frames.fetch_add(1, Relaxed);
            return;
        }
        // A simulcast layer: each receiver gets only its own layer.
        let now = Instant::now();
        let flowing = match rid {
            Some(rid) => {
                sender.meter.record(mid, rid, packet.payload.len(), now);
                sender.meter.flowing(mid, now)
            }
            None => Vec::new(),
        };
        let vp8 = match track.kind {
            MediaKind::Video => Vp8Descriptor::parse(&packet.payload).ok(),
            MediaKind::Audio => None,
        };
        let keyframe = vp8.is_some_and(|d| d.starts_keyframe(&packet.payload));
        let incoming = Incoming {
            seq: *packet.seq_no,
            time: packet.header.timestamp,
            vp8: vp8.as_ref(),
        };
        // Audio frames are one packet each; a video frame ends on a marker.
        let ends_frame = track.kind == MediaKind::Audio || packet.header.marker;
        // The sender's audio level (RFC 6464) goes along: receivers show
        // who speaks from it.
        let extensions = ExtensionValues {
            audio_level: packet.header.ext_vals.audio_level,
            voice_activity: packet.header.ext_vals.voice_activity,
            video_orientation: packet.header.ext_vals.video_orientation,
            ..Default::default()
        };
        let mut keyframes_wanted: Vec<Rid> = Vec::new();
        let mut receivers = 0u64;
        let Some(conversation) = self.conversation_of.get(&from) else {
            return;
        };
        let Some(members) = self.conversations.get(conversation) else {
            return;
        };
        // On a stage, only its speakers are heard.
        if self
            .speakers
            .get(conversation)
            .is_some_and(|s| !s.contains(&from))
        {
            return;
        }
        for member in members {
            if *member == from {
                continue;
            }
            let Some(receiver) = self.peers.get_mut(member) else {
                continue;
            };
            let Some(out_mid) = receiver.open_mid_for(from, mid) else {
                continue;
            };
            let mut start = false;
            if let Some(rid) = rid {
                let layer = receiver
                    .layers
                    .entry(out_mid)
                    .or_insert_with(|| Forwarding::new(now));
                match layer.admit(rid, keyframe, &flowing) {
                    Admit::Forward => {}
                    Admit::Switch => {
                        start = true;
                        self.stats.media.layer_switches.fetch_add(1, Relaxed);
                    }
                    Admit::Drop => continue,
                    Admit::AwaitKeyframe(rid) => {
                        if !keyframes_wanted.contains(&rid) {
                            keyframes_wanted.push(rid);
                        }
                        continue;
                    }
                }
            }
            let sent = receiver
                .sent
                .entry(out_mid)
                .or_insert_with(|| SentTrack::new(track.kind));
            let Some(out_pt) = sent.payload_type(&receiver.rtc, pt, params) else {
                continue;
            };
            let Some(out) = sent.rewriter.rewrite(incoming, start, now) else {
                continue;
            };
            let mut write = RtpWrite::new(
                out_pt,
                out.seq.into(),
                out.time,
                packet.timestamp,
                packet.payload.clone(),
            )
            .marker(packet.header.marker)
            .ext_vals(extensions.clone())
            .nackable(track.kind == MediaKind::Video);
            if let Some(patch) = out.vp8 {
                write = write.vp8_patch(patch);
            }
            let mut api = receiver.rtc.direct_api();
            let stream = match sent.ssrc {
                Some(ssrc) => api.stream_tx(&ssrc),
                None => {
                    let mut stream = api.stream_tx_by_mid(out_mid, None);
                    if let Some(first) = stream.as_deref_mut() {
                        // The first packet on it: its history for NACKs is
                        // kept as long as a NACK can usefully come.
                        first.set_rtx_cache(RTX_PACKETS, RTX_AGE, Some(RTX_RATIO_CAP));
                        sent.ssrc = Some(first.ssrc());
                    }
                    stream
                }
            };
            let Some(stream) = stream else {
                continue;
            };
            stream.write_rtp(write);
            receivers += 1;
            self.touched.insert(*member);
        }
        let media = &self.stats.media;
        media
            .forwarded_bytes
            .fetch_add(receivers * packet.payload.len() as u64, Relaxed);
        if ends_frame {
            media.forwarded_frames.fetch_add(receivers, Relaxed);
        }
        // Receivers waiting to switch layers: one request per layer (and
        // the gate merges it with everyone else's).
        for rid in keyframes_wanted {
            self.request_keyframe(from, mid, Some(rid), KeyframeRequestKind::Pli);
        }
    }

    /// Asks `from` for a keyframe of its track `mid` (of layer `rid` when it
    /// sends several), unless one was asked for less than a gap ago: then
    /// this request is merged into that one.
    fn request_keyframe(
        &mut self,
        from: PeerId,
        mid: Mid,
        rid: Option<Rid>,
        kind: KeyframeRequestKind,
    ) {
        let Some(peer) = self.peers.get_mut(&from) else {
            return;
        };
        let now = Instant::now();
        // A simulcast track's keyframes are asked for per layer, by
        // `forward`, when a receiver waits for one.
        if rid.is_none() && !peer.meter.flowing(mid, now).is_empty() {
            return;
        }
        if !peer.keyframes.allow(mid, rid, now) {
            self.stats
                .media
                .keyframe_requests_merged
                .fetch_add(1, Relaxed);
            return;
        }
        if let Some(stream) = peer.rtc.direct_api().stream_rx_by_mid(mid, rid) {
            stream.request_keyframe(kind);
            self.stats.media.keyframe_requests.fetch_add(1, Relaxed);
            self.touched.insert(from);
        }
    }

    /// Drops peers whose connection ended or never came up in time.
    fn reap(&mut self, now: Instant) {
        let timeout = self.connect_timeout;
        let gone: Vec<(PeerId, &'static str)> = self
            .peers
            .values()
            .filter_map(|p| {
                if !p.rtc.is_alive() {
                    Some((p.id, "connection closed"))
                } else if !p.connected && now.duration_since(p.created) > timeout {
                    Some((p.id, "ICE did not complete in time"))
                } else if p
                    .disconnected_since
                    .is_some_and(|since| now.duration_since(since) > timeout)
                {
                    Some((p.id, "ICE lost the connection"))
                } else {
                    None
                }
            })
            .collect();
        for (id, reason) in gone {
            if reason.starts_with("ICE") {
                self.stats.media.connect_timeouts.fetch_add(1, Relaxed);
            }
            if let Some(peer) = self.remove(id) {
                peer.tell(MediaEvent::Closed {
                    peer: id,
                    reason: reason.to_string(),
                });
            }
            // The others stop receiving its tracks.
            if let Some(conversation) = self.conversation_of.get(&id).copied() {
                self.route(conversation);
            }
        }
    }

    fn remove(&mut self, id: PeerId) -> Option<Peer> {
        let peer = self.peers.remove(&id)?;
        self.by_addr.retain(|_, p| *p != id);
        self.due.remove(id);
        self.touched.remove(&id);
        self.shown.peers(&self.stats.media, self.peers.len() as u64);
        self.count_roles();
        Some(peer)
    }

    fn count_roles(&mut self) {
        let publishers = self
            .peers
            .values()
            .filter(|p| p.connected && !p.tracks_in.is_empty())
            .count();
        let subscribers = self
            .peers
            .values()
            .filter(|p| p.tracks_out.iter().any(|t| t.mid().is_some()))
            .count();
        self.shown
            .roles(&self.stats.media, publishers as u64, subscribers as u64);
    }
}
