//! A media client without a browser: one str0m [`Rtc`] (the WebRTC library
//! the server uses) on a UDP socket of its own, signalled over the venue's
//! WebSocket exactly as the web page does (`media_offer`, `media_answer`).
//!
//! It publishes synthetic Opus-sized audio and VP8 video frames (not real
//! codec data: the server forwards them as they are) whose first bytes
//! carry the sender, a sequence number and the send time, so the receiver
//! measures forwarding delay (sender's send → receiver's receive, one clock:
//! the load generator's) and loss per sender.
//!
//! A frame carries two send times: when it was due (its place in the
//! sender's 50 or 30 frames a second) and when it was written. They differ
//! when the load generator is late, which happens when it shares its cores
//! with the server and they ask for more than the machine has. The
//! forwarding delay counts from the write, so that the load generator's
//! lateness is not taken for the server's; the lateness is recorded apart
//! (`send_lag`), and so is the delay from the due time
//! (`forward_delay_from_due`, what the forwarding delay was before the two
//! were told apart).
//!
//! str0m runs in RTP mode, so that hundreds of clients in one load
//! generator cost little more than decryption: a sender writes its RTP
//! packets itself (one per audio frame; video cut into VP8 payloads, see
//! [`media_frames`]), and a receiver counts a video frame once all its
//! packets are in, without putting its bytes back together
//! ([`VideoFrames`]). NACKs are answered by str0m from the packets written.
//!
//! The receive time is the kernel's (`SO_TIMESTAMPNS`): when the datagram
//! that completed the frame reached the client's socket, not when this
//! process got round to decrypting it. Hundreds of receivers share one
//! load generator and are served one after the other, so the time after
//! processing includes the load generator's own queue; it is recorded too
//! (`forward_delay_*_processed`) to show how much that is.
//!
//! A publisher started with [`MediaClient::start_simulcast`] sends its video
//! as three simulcast layers, as the web page does on the stage (rids
//! [`SIMULCAST_LAYERS`]), each on its own RTP stream: each frame three
//! times, the full size and a quarter and a sixteenth of it, all with the
//! same header, so a receiver measures delay and loss whichever layer the
//! server gives it.

use crate::clock;
use crate::media_frames::{self, Frame, Header, VideoFrames};
use crate::recorder::{Lat, Recorder};
use crate::udp_batch::Datagrams;
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::media::{
    Direction, Frequency, MediaKind, MediaTime, Mid, Pt, Rid, Simulcast, SimulcastLayer,
};
use str0m::net::{Protocol, Receive};
use str0m::rtp::RtpWrite;
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio_tungstenite::tungstenite::Message;

use crate::client::Ws;

/// The RTP clock of video (VP8); audio (Opus) runs at 48 kHz.
const VIDEO_CLOCK: u32 = 90_000;

/// The layers a simulcast publisher sends, lowest first: each rid and the
/// share of the full frame's bytes it carries (one in so many).
pub const SIMULCAST_LAYERS: [(&str, usize); 3] = [("q", 16), ("h", 4), ("f", 1)];

/// What a client sends.
#[derive(Debug, Clone, Copy)]
pub struct Publish {
    /// Audio frames a second (Opus: 50) and bytes each.
    pub audio_fps: u32,
    pub audio_bytes: usize,
    /// Video frames a second and bytes each (bitrate / 8 / fps).
    pub video_fps: u32,
    pub video_bytes: usize,
}

/// The measurements clients share.
#[derive(Clone)]
pub struct MediaRec {
    /// Send → the kernel's arrival time of the datagram completing the frame.
    pub audio_delay: Lat,
    pub video_delay: Lat,
    /// Send → the frame out of the load generator's own str0m (includes the
    /// time the datagram waited in the load generator).
    pub audio_delay_processed: Lat,
    pub video_delay_processed: Lat,
    /// How late a frame was written after it was due (sender side).
    pub send_lag: Lat,
    /// Due time → the kernel's arrival time (audio and video).
    pub delay_from_due: Lat,
    /// Frames sent within the measured window, per sender index.
    pub sent: Arc<Vec<AtomicU64>>,
    /// Frames received (sent within the window), all receivers together.
    pub received: Arc<AtomicU64>,
    pub received_bytes: Arc<AtomicU64>,
    /// Frames a receiver saw out of order or duplicated (not loss).
    pub reordered: Arc<AtomicU64>,
    /// Frames received (sent within the window) by constrained receivers,
    /// which count in nothing else.
    pub constrained_received: Arc<AtomicU64>,
}

impl MediaRec {
    pub fn new(rec: &Recorder, senders: usize) -> MediaRec {
        MediaRec {
            audio_delay: rec.lat("forward_delay_audio"),
            video_delay: rec.lat("forward_delay_video"),
            audio_delay_processed: rec.lat("forward_delay_audio_processed"),
            video_delay_processed: rec.lat("forward_delay_video_processed"),
            send_lag: rec.lat("send_lag"),
            delay_from_due: rec.lat("forward_delay_from_due"),
            sent: Arc::new((0..senders).map(|_| AtomicU64::new(0)).collect()),
            received: rec.counter("frames_received_in_window"),
            received_bytes: rec.counter("bytes_received_in_window"),
            reordered: rec.counter("frames_reordered"),
            constrained_received: rec.counter("frames_received_constrained"),
        }
    }
}

/// One media client, signalled over its joined WebSocket.
pub struct MediaClient {
    index: u32,
    ws: Ws,
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    audio: Option<Mid>,
    video: Option<Mid>,
    pending: Option<SdpPendingOffer>,
    connected: bool,
    next_timeout: Instant,
    rid: u64,
    /// Simulcast: the rids its video goes out as (empty: one stream).
    layers: Vec<(Rid, usize)>,
    /// A constrained link: what it carries and how full it is.
    link: Option<Link>,
    /// When the last datagram handed to str0m reached the socket (µs,
    /// [`clock::now_us`]'s base), from the kernel.
    arrival_us: Option<u64>,
    /// The next RTP sequence number (extended) of each stream sent.
    rtp_seq: HashMap<(Mid, Option<Rid>), u64>,
    /// The payload type of each media sent, once negotiated.
    pts: HashMap<Mid, Pt>,
    /// Video frames being received.
    frames: VideoFrames,
}

/// A receive link of limited rate: a token bucket holding 100 ms of it;
/// an RTP packet that finds it empty is dropped, as a full link drops it.
struct Link {
    bytes_per_s: f64,
    tokens: f64,
    at: Instant,
}

impl Link {
    fn carries(&mut self, bytes: usize, now: Instant) -> bool {
        let burst = self.bytes_per_s / 10.0;
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.bytes_per_s).min(burst);
        self.at = now;
        if self.tokens >= bytes as f64 {
            self.tokens -= bytes as f64;
            true
        } else {
            false
        }
    }
}

/// Whether a datagram is RTP (not STUN, DTLS or RTCP: those always pass,
/// so ICE, DTLS, NACKs and keyframe requests still work), RFC 7983.
fn is_rtp(bytes: &[u8]) -> bool {
    match bytes {
        [first, second, ..] => (128..=191).contains(first) && !(192..=223).contains(second),
        _ => false,
    }
}

impl MediaClient {
    /// Opens the UDP socket and sends the offer: `publish` says whether the
    /// client sends audio and video or only receives.
    pub async fn start(index: u32, ws: Ws, publish: bool) -> anyhow::Result<MediaClient> {
        MediaClient::open(index, ws, publish, false).await
    }

    /// Like [`MediaClient::start`] for a publisher whose video goes out as
    /// the simulcast layers [`SIMULCAST_LAYERS`].
    pub async fn start_simulcast(index: u32, ws: Ws) -> anyhow::Result<MediaClient> {
        MediaClient::open(index, ws, true, true).await
    }

    async fn open(
        index: u32,
        mut ws: Ws,
        publish: bool,
        simulcast: bool,
    ) -> anyhow::Result<MediaClient> {
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        nix::sys::socket::setsockopt(
            &socket,
            nix::sys::socket::sockopt::ReceiveTimestampns,
            &true,
        )
        .context("SO_TIMESTAMPNS on a media client's socket")?;
        let local = socket.local_addr()?;
        let now = Instant::now();
        let mut rtc = Rtc::builder()
            .set_rtp_mode(true)
            .clear_codecs()
            .enable_opus(true, false)
            .enable_vp8(true)
            .build(now);
        rtc.add_local_candidate(Candidate::host(local, "udp")?);
        let mut api = rtc.sdp_api();
        let dir = if publish {
            Direction::SendOnly
        } else {
            Direction::RecvOnly
        };
        let audio = api.add_media(MediaKind::Audio, dir, None, None, None);
        let layers: Vec<(Rid, usize)> = if simulcast {
            SIMULCAST_LAYERS
                .iter()
                .map(|(rid, share)| (Rid::from(*rid), *share))
                .collect()
        } else {
            Vec::new()
        };
        let sending_layers = (!layers.is_empty()).then(|| {
            let mut s = Simulcast::new();
            for (rid, _) in &layers {
                s.add_send_layer(SimulcastLayer::new(rid));
            }
            s
        });
        let video = api.add_media(MediaKind::Video, dir, None, None, sending_layers);
        let (offer, pending) = api.apply().context("an offer with two m-lines")?;
        let msg = json!({"type": "media_offer", "rid": 1, "sdp": offer.to_sdp_string()});
        ws.send(Message::text(msg.to_string())).await?;
        Ok(MediaClient {
            index,
            ws,
            rtc,
            socket,
            local,
            audio: publish.then_some(audio),
            video: publish.then_some(video),
            pending: Some(pending),
            connected: false,
            next_timeout: now,
            rid: 1,
            layers,
            link: None,
            arrival_us: None,
            rtp_seq: HashMap::new(),
            pts: HashMap::new(),
            frames: VideoFrames::default(),
        })
    }

    /// Puts this client's receive path on a link of `kbps`.
    pub fn constrain(&mut self, kbps: u32) {
        let bytes_per_s = f64::from(kbps) * 1000.0 / 8.0;
        self.link = Some(Link {
            bytes_per_s,
            tokens: bytes_per_s / 10.0,
            at: Instant::now(),
        });
    }

    /// Runs until the end of the run: signalling, media in and out, and,
    /// within the measured window, publishing (first frame at
    /// `start + phase_us`). `window` is `(start, stop, end)` in µs on the
    /// load generator's clock, known once every client is connected;
    /// `on_connected` is called once ICE and DTLS are up.
    pub async fn run(
        mut self,
        publish: Option<Publish>,
        phase_us: u64,
        window: tokio::sync::watch::Receiver<Option<(u64, u64, u64)>>,
        rec: &Recorder,
        media: &MediaRec,
        on_connected: impl FnOnce(),
    ) -> anyhow::Result<()> {
        const FAR: u64 = u64::MAX / 4;
        let mut on_connected = Some(on_connected);
        let mut datagrams = Datagrams::default();
        let mut seq = 0u32;
        let (mut next_audio, mut next_video) = (FAR, FAR);
        let (audio_period, video_period) = match publish {
            Some(p) => (
                1_000_000 / u64::from(p.audio_fps.max(1)),
                1_000_000 / u64::from(p.video_fps.max(1)),
            ),
            None => (FAR, FAR),
        };
        let mut last_seq: HashMap<(u32, bool), u32> = HashMap::new();
        let mut scheduled = false;
        // One timer for the whole run, moved only when it must wake the
        // client earlier (or has fired): a client is woken hundreds of times
        // a second by its socket, and a fresh timer per wake-up entered and
        // left the runtime's timer wheel, under its lock.
        let timer = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(timer);
        loop {
            let (measured, end_us) = match *window.borrow() {
                Some((start, stop, end)) => ((start, stop), end),
                None => ((FAR, FAR + 1), FAR),
            };
            if !scheduled && end_us != FAR {
                scheduled = true;
                if publish.is_some() {
                    next_audio = measured.0 + phase_us % audio_period;
                    next_video = measured.0 + phase_us % video_period;
                }
            }
            self.drain(rec, media, measured, &mut last_seq)?;
            if self.connected
                && let Some(callback) = on_connected.take()
            {
                callback();
            }
            let now_us = clock::now_us();
            if now_us >= end_us {
                break;
            }
            if let Some(p) = publish
                && self.connected
            {
                let stop = measured.1;
                while next_audio <= now_us && next_audio < stop {
                    self.write(false, p.audio_bytes, seq, next_audio, media, measured)?;
                    seq = seq.wrapping_add(1);
                    next_audio += audio_period;
                }
                while next_video <= now_us && next_video < stop {
                    self.write(true, p.video_bytes, seq, next_video, media, measured)?;
                    seq = seq.wrapping_add(1);
                    next_video += video_period;
                }
                self.drain(rec, media, measured, &mut last_seq)?;
            }
            let wake_us = next_audio.min(next_video).min(end_us);
            let now = Instant::now();
            let rtc_wait = self.next_timeout.saturating_duration_since(now);
            let send_wait = Duration::from_micros(wake_us.saturating_sub(clock::now_us()));
            let wait = rtc_wait
                .min(send_wait)
                .clamp(Duration::from_micros(200), Duration::from_millis(50));
            let deadline = tokio::time::Instant::from_std(now + wait);
            if timer.is_elapsed() || deadline < timer.deadline() {
                timer.as_mut().reset(deadline);
            }
            tokio::select! {
                ready = self.socket.readable() => {
                    ready?;
                    let count = datagrams.read(&self.socket)?;
                    let now = Instant::now();
                    // Each datagram goes in and its frames out before the
                    // next, so a frame is stamped with the arrival of the
                    // datagram that completed it.
                    for index in 0..count {
                        let Some((bytes, source, arrival)) = datagrams.get(index) else { continue };
                        if let Some(link) = &mut self.link
                            && is_rtp(bytes)
                            && !link.carries(bytes.len(), now)
                        {
                            rec.add("constrained_dropped_packets", 1);
                            continue;
                        }
                        let Ok(contents) = bytes.try_into() else { continue };
                        // Each input its own time: str0m's clock never goes
                        // back from a timeout handled in between.
                        let input = Input::Receive(Instant::now(), Receive {
                            proto: Protocol::Udp,
                            source,
                            destination: self.local,
                            contents,
                        });
                        self.arrival_us = arrival;
                        self.rtc.handle_input(input)?;
                        self.drain(rec, media, measured, &mut last_seq)?;
                        // A frame completed later (after a timeout) counts
                        // from when it comes out, never from this datagram.
                        self.arrival_us = None;
                    }
                }
                frame = self.ws.next() => {
                    match frame {
                        Some(Ok(Message::Text(text))) => self.signal(&text, rec).await?,
                        Some(Ok(Message::Close(_)) | Err(_)) | None => {
                            crate::client::record_end(rec, frame);
                            bail!("the WebSocket ended");
                        }
                        Some(Ok(_)) => {}
                    }
                }
                _ = &mut timer => {
                    // Woken to send, str0m's own timeout may not be due:
                    // its timeout handling walks every stream.
                    let now = Instant::now();
                    if now >= self.next_timeout {
                        self.rtc.handle_input(Input::Timeout(now))?;
                    }
                }
            }
        }
        let _ = self.ws.close(None).await;
        Ok(())
    }

    /// Writes one synthetic frame stamped with when it was due and how late
    /// it is written, as RTP packets of our own (one for audio; for video, cut by
    /// [`media_frames::vp8_payloads`], on each simulcast layer's stream).
    fn write(
        &mut self,
        video: bool,
        bytes: usize,
        seq: u32,
        at_us: u64,
        media: &MediaRec,
        window: (u64, u64),
    ) -> anyhow::Result<()> {
        let Some(mid) = (if video { self.video } else { self.audio }) else {
            return Ok(());
        };
        let Some(pt) = self.payload_type(mid) else {
            return Ok(());
        };
        let late_us = clock::now_us().saturating_sub(at_us);
        let header = Header {
            sender: self.index,
            seq,
            due_us: at_us,
            late_us: u32::try_from(late_us).unwrap_or(u32::MAX),
        };
        let (frame, rate) = if video {
            (
                media_frames::video_frame(header, bytes),
                Frequency::NINETY_KHZ,
            )
        } else {
            (
                media_frames::audio_frame(header, bytes),
                Frequency::FORTY_EIGHT_KHZ,
            )
        };
        let time = MediaTime::from_micros(at_us).rebase(rate).numer() as u32;
        let layers: Vec<(Option<Rid>, usize)> = if video && !self.layers.is_empty() {
            self.layers
                .iter()
                .map(|(r, share)| (Some(*r), *share))
                .collect()
        } else {
            vec![(None, 1)]
        };
        // The wall-clock time of the RTP time (for sender reports): the
        // intended send time, however late the frame goes out.
        let now = Instant::now();
        let wallclock = now
            .checked_sub(Duration::from_micros(late_us))
            .unwrap_or(now);
        for (rid, share) in layers {
            let size = (frame.len() / share).max(media_frames::MIN_FRAME);
            let layer = frame.get(..size).unwrap_or(&frame);
            let mut direct = self.rtc.direct_api();
            let Some(stream) = direct.stream_tx_by_mid(mid, rid) else {
                continue;
            };
            let next = self
                .rtp_seq
                .entry((mid, rid))
                .or_insert_with(|| rand::random_range(0..32_768));
            if video {
                for (payload, marker) in media_frames::vp8_payloads(layer) {
                    let write = RtpWrite::new(pt, (*next).into(), time, wallclock, payload);
                    stream.write_rtp(write.marker(marker).nackable(true));
                    *next += 1;
                }
            } else {
                let payload = layer.to_vec();
                stream.write_rtp(RtpWrite::new(pt, (*next).into(), time, wallclock, payload));
                *next += 1;
            }
        }
        if (window.0..window.1).contains(&at_us) {
            media.send_lag.record(late_us);
            if let Some(count) = media.sent.get(self.index as usize) {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// The payload type `mid` is sent with: the first of our codecs the
    /// remote side accepted for it (as str0m's frame writer picks it).
    fn payload_type(&mut self, mid: Mid) -> Option<Pt> {
        if let Some(pt) = self.pts.get(&mid) {
            return Some(*pt);
        }
        let remote = self.rtc.media(mid)?.remote_pts();
        let pt = self
            .rtc
            .codec_config()
            .params()
            .iter()
            .map(|p| p.pt())
            .find(|pt| remote.contains(pt))?;
        self.pts.insert(mid, pt);
        Some(pt)
    }

    /// Sends what str0m has to send and handles its events.
    fn drain(
        &mut self,
        rec: &Recorder,
        media: &MediaRec,
        window: (u64, u64),
        last_seq: &mut HashMap<(u32, bool), u32>,
    ) -> anyhow::Result<()> {
        // Timeouts already due go in at once (str0m stamps written packets
        // in a timeout before it sends them), a few at most per drain.
        let mut immediate = 0;
        loop {
            match self.rtc.poll_output()? {
                Output::Timeout(at) => {
                    let now = Instant::now();
                    if at <= now && immediate < 4 {
                        immediate += 1;
                        self.rtc.handle_input(Input::Timeout(now))?;
                        continue;
                    }
                    self.next_timeout = at;
                    return Ok(());
                }
                Output::Transmit(t) => {
                    let _ = self.socket.try_send_to(&t.contents, t.destination);
                }
                Output::Event(Event::Connected) => {
                    self.connected = true;
                    rec.add("media_connected", 1);
                }
                Output::Event(Event::RtpPacket(packet)) => {
                    let now = clock::now_us();
                    let video = packet.time.frequency().get() == VIDEO_CLOCK;
                    let frame = if video {
                        self.frames.packet(
                            *packet.header.ssrc,
                            packet.header.timestamp,
                            *packet.seq_no,
                            packet.header.marker,
                            &packet.payload,
                            now,
                        )
                    } else {
                        media_frames::audio_packet(&packet.payload)
                    };
                    if let Some(frame) = frame {
                        let arrived = self.arrival_us.unwrap_or(now).min(now);
                        self.count(frame, video, (arrived, now), media, window, last_seq);
                    }
                }
                Output::Event(_) => {}
            }
        }
    }

    /// Records a frame that arrived whole: its delays (to the datagram
    /// completing it, and to now), bytes, order, unless it was sent outside
    /// the measured window.
    fn count(
        &self,
        frame: Frame,
        video: bool,
        (arrived, now): (u64, u64),
        media: &MediaRec,
        window: (u64, u64),
        last_seq: &mut HashMap<(u32, bool), u32>,
    ) {
        let Header {
            sender,
            seq,
            due_us,
            ..
        } = frame.header;
        if !(window.0..window.1).contains(&due_us) {
            return;
        }
        if self.link.is_some() {
            media.constrained_received.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let sent_us = frame.header.sent_us();
        let (delay, processed) = (arrived.saturating_sub(sent_us), now.saturating_sub(sent_us));
        media.delay_from_due.record(arrived.saturating_sub(due_us));
        if video {
            media.video_delay.record(delay);
            media.video_delay_processed.record(processed);
        } else {
            media.audio_delay.record(delay);
            media.audio_delay_processed.record(processed);
        }
        if let Some(last) = last_seq.insert((sender, video), seq)
            && seq <= last
        {
            media.reordered.fetch_add(1, Ordering::Relaxed);
        }
        media.received.fetch_add(1, Ordering::Relaxed);
        media
            .received_bytes
            .fetch_add(frame.bytes, Ordering::Relaxed);
    }

    /// A signalling frame from the server.
    async fn signal(&mut self, text: &str, rec: &Recorder) -> anyhow::Result<()> {
        match crate::client::kind(text) {
            "media_answer" => {
                let msg: Value = serde_json::from_str(text)?;
                let sdp = msg["sdp"].as_str().context("media_answer without sdp")?;
                let answer = SdpAnswer::from_sdp_string(sdp)?;
                if let Some(pending) = self.pending.take() {
                    self.rtc.sdp_api().accept_answer(pending, answer)?;
                }
            }
            "media_offer" => {
                let msg: Value = serde_json::from_str(text)?;
                let sdp = msg["sdp"].as_str().context("media_offer without sdp")?;
                let offer = SdpOffer::from_sdp_string(sdp)?;
                let answer = self.rtc.sdp_api().accept_offer(offer)?;
                self.rid += 1;
                let reply =
                    json!({"type": "media_answer", "rid": self.rid, "sdp": answer.to_sdp_string()});
                self.ws.send(Message::text(reply.to_string())).await?;
                rec.add("renegotiations", 1);
            }
            "media_closed" => bail!("the server closed the media connection: {text}"),
            "error" => {
                crate::client::on_error(rec, text);
            }
            _ => {}
        }
        Ok(())
    }
}
