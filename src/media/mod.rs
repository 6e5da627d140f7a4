//! The media layer: a selective forwarding unit (SFU) for voice, video and
//! screen sharing, built on str0m (ICE, DTLS, SRTP and RTP are never written
//! here).
//!
//! It only forwards: each client has one WebRTC connection ([`str0m::Rtc`])
//! over its media service's UDP socket (one, or one per worker: [`workers`]),
//! publishes up to three tracks (microphone,
//! camera, screen) and receives the tracks of the others in its conversation.
//! It never decides who is in which conversation: the hub does, and tells it
//! through the narrow interface below ([`MediaCommand`] in, [`MediaEvent`]
//! out, no shared state), so the media layer could run in another process.
//!
//! - [`service`]: the task that owns the socket and every peer, and routes.
//! - [`peer`]: one client's connection: its tracks in and out, renegotiation.
//! - [`polling`]: what a peer's connection has to do now, for many peers
//!   at once on a few threads.
//! - [`stats`]: counters for `/metrics`.
//! - [`layers`]: simulcast: which layer each receiver gets, keyframe
//!   requests merged; [`throttle`]: a simulated narrow link for tests.
//! - [`rewrite`]: each receiver's RTP numbering of a forwarded track.
//! - [`turn`]: time-limited credentials for a coturn relay.
//! - [`timers`]: when each peer next needs time fed in.
//! - [`udp_out`]: packets out of the socket: a frame per system call, and
//!   single packets to many receivers in one.
//! - [`tcp`]: ICE over TCP on the media port (RFC 6544, RFC 4571 framing).
//! - [`nodes`]: which media server each room's conversations live on.
//! - [`workers`]: the embedded media server spread over several threads.
//! - [`control`], [`node`], [`remote`]: the media server as a separate
//!   process (`amphi media`): the control channel's messages, the process
//!   itself, and the venue's side of the channel.

pub mod control;
pub mod layers;
pub mod node;
pub mod nodes;
pub mod peer;
pub mod polling;
pub mod remote;
pub mod rewrite;
pub mod service;
pub mod stats;
pub mod tcp;
pub mod throttle;
pub mod timers;
pub mod turn;
pub mod udp_out;
pub mod workers;

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use tokio::sync::mpsc;

pub use service::{MediaHandle, spawn};
pub use stats::MediaStats;

/// One client's media connection, named by the hub (its connection id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PeerId(pub u64);

/// A conversation, named by the hub: everyone in it hears everyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConversationId(pub u64);

/// What a published track carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Mic,
    Camera,
    Screen,
}

/// A track a peer receives: on which `mid` of its connection, from whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackInfo {
    pub mid: String,
    pub from: PeerId,
    pub source: Source,
}

/// Why the media layer refused a peer's request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum MediaError {
    #[error("malformed SDP: {0}")]
    BadSdp(String),
    #[error("the offer was refused: {0}")]
    OfferRefused(String),
    #[error("no offer of the server is waiting for an answer")]
    NoPendingOffer,
    #[error("no media connection: send media_offer first")]
    NoPeer,
}

impl MediaError {
    /// The wire error code.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::BadSdp(_) => "bad_sdp",
            MediaError::OfferRefused(_) => "offer_refused",
            MediaError::NoPendingOffer => "no_pending_offer",
            MediaError::NoPeer => "no_media_connection",
        }
    }
}

/// What the hub tells the media layer.
#[derive(Debug)]
pub enum MediaCommand {
    /// A client's offer: starts its connection (or starts it afresh). Its
    /// m-lines, in order, are the microphone, the camera and the screen.
    Offer {
        peer: PeerId,
        sdp: String,
        events: EventSink,
    },
    /// A client's answer to the server's last [`MediaEvent::Offer`].
    Answer { peer: PeerId, sdp: String },
    /// Who is in a conversation now (empty: it ended). A peer is in at most
    /// one conversation; being named in a new one takes it out of the old.
    /// `speakers`: the only members whose tracks are forwarded (the stage);
    /// `None`: everyone's.
    Conversation {
        id: ConversationId,
        members: Vec<PeerId>,
        speakers: Option<Vec<PeerId>>,
    },
    /// Stop (or resume) forwarding a peer's microphone (a moderator's mute).
    Mute { peer: PeerId, muted: bool },
    /// Forward no video to this peer (audio-only mode).
    AudioOnly { peer: PeerId, audio_only: bool },
    /// The client hung up or left.
    Leave { peer: PeerId },
}

/// What the media layer tells the hub about a peer (also the wire form of
/// the control channel to a separate media process, see [`control`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MediaEvent {
    /// The answer to the peer's offer.
    Answer { peer: PeerId, sdp: String },
    /// The server changes what it sends: the peer must answer. `tracks` is
    /// every track the peer receives once it has.
    Offer {
        peer: PeerId,
        sdp: String,
        tracks: Vec<TrackInfo>,
    },
    /// A request of the peer was refused; nothing changed.
    Refused { peer: PeerId, error: MediaError },
    /// ICE and DTLS are up: media flows.
    Connected { peer: PeerId },
    /// The connection ended (hang-up, ICE failure or timeout).
    Closed { peer: PeerId, reason: String },
}

impl MediaEvent {
    /// The peer the event is about.
    pub fn peer(&self) -> PeerId {
        match self {
            MediaEvent::Answer { peer, .. }
            | MediaEvent::Offer { peer, .. }
            | MediaEvent::Refused { peer, .. }
            | MediaEvent::Connected { peer }
            | MediaEvent::Closed { peer, .. } => *peer,
        }
    }
}

/// Where the media layer sends a peer's events (the hub that owns it).
pub type EventSink = mpsc::UnboundedSender<MediaEvent>;

/// How the media server listens.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// Voice and video at all. Off: `media_offer` is refused.
    pub enabled: bool,
    /// The UDP address every peer's media goes through (port 0: any free one).
    pub udp: SocketAddr,
    /// The address given to browsers when `udp` listens on every interface
    /// (0.0.0.0), e.g. the server's public IP.
    pub public_ip: Option<IpAddr>,
    /// Seconds a peer has to complete ICE and DTLS before it is dropped.
    pub connect_timeout_secs: u64,
    /// Two people in the hall are in one bubble when neither coordinate of
    /// their tiles differs by more than this.
    pub bubble_radius: u16,
    /// Most people in one bubble.
    pub bubble_max: usize,
    /// A TURN relay (coturn, `use-auth-secret`) whose credentials clients
    /// are given, for networks that block UDP (`[media.turn]`).
    pub turn: Option<turn::TurnConfig>,
    /// Separate media processes (`amphi media`) to use instead of the
    /// embedded media server (`[[media.nodes]]`); empty: the embedded one.
    pub nodes: Vec<nodes::NodeConfig>,
    /// The secret shared with every media process (its
    /// `AMPHI_MEDIA_SECRET`), proving the venue to it.
    pub node_secret: Option<crate::config::SecretString>,
    /// Most anonymous watchers (`/live`, `/stage`) receiving the stage's
    /// picture and sound at once; more get `live_media_full`.
    pub live_viewers: usize,
    /// Tests and demonstrations only: every peer's link from the media
    /// server is this narrow (kbit/s); what does not fit is dropped.
    pub test_link_kbps: Option<u32>,
    /// Threads the embedded media server forwards on, each with its own UDP
    /// port (`udp`'s port, the next one, ...; any free ones when it is 0)
    /// and each carrying the conversations of its share of the rooms; 1:
    /// one media task, as a separate process has (the default: one port,
    /// and walking between rooms never moves a connection). At most
    /// [`workers::MAX`].
    pub workers: usize,
    /// Threads a media service polls its receivers on when one burst (a
    /// frame fanned out to a large conversation) touches at least
    /// `fanout_min` of them; 1: the media task's thread alone. Used only
    /// with one worker (several workers already share the cores), and at
    /// most as many as the cores the process may run on. At most
    /// [`MAX_FANOUT_THREADS`].
    pub fanout_threads: usize,
    /// Receivers one burst must touch before it is polled on several
    /// threads (fewer are not worth starting them).
    pub fanout_min: usize,
}

/// Most threads one burst is polled on.
pub const MAX_FANOUT_THREADS: usize = 8;

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            enabled: true,
            udp: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_ip: None,
            connect_timeout_secs: 20,
            bubble_radius: 3,
            bubble_max: 8,
            turn: None,
            nodes: Vec::new(),
            node_secret: None,
            live_viewers: 500,
            test_link_kbps: None,
            workers: 1,
            fanout_threads: 2,
            fanout_min: 64,
        }
    }
}

impl MediaConfig {
    /// The threads one media service polls a burst on, here: 1 with
    /// several workers, else `fanout_threads` up to the cores available.
    pub fn fanout_threads_here(&self) -> usize {
        if self.workers > 1 {
            return 1;
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.fanout_threads.clamp(1, MAX_FANOUT_THREADS).min(cores)
    }

    /// The address browsers are told to send to, given the bound one.
    pub fn announced(&self, bound: SocketAddr) -> SocketAddr {
        match self.public_ip {
            Some(ip) => SocketAddr::new(ip, bound.port()),
            None => bound,
        }
    }
}
