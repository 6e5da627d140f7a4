//! The media clients' synthetic frames on the wire: how a frame is written
//! (its header: sender, sequence number, when it was due and how late it
//! was written), how a video frame is cut into VP8 RTP payloads, and how a
//! receiver sees a video frame complete from RTP packets without
//! reassembling its bytes.
//!
//! A receiver does not depend on where packet boundaries fall: the server
//! may forward the sender's packets as they are, or re-packetize each frame
//! with descriptors of its own (a picture id, other sizes). A frame is the
//! packets of one SSRC with one RTP timestamp: the one whose VP8 payload
//! descriptor starts a partition (S = 1, PID 0) carries the header, the
//! marker ends it, and it is complete when every sequence number between
//! them has arrived, retransmissions included, in whatever order.

use std::collections::HashMap;

/// Bytes of the header written into every frame.
pub const HEADER: usize = 20;
/// Where the header starts in a video frame (after a VP8-looking frame tag).
const VIDEO_HEADER_AT: usize = 10;
/// A VP8 key frame's first bytes (640×360), so every frame looks like one
/// to a server that checks (simulcast switches wait for a keyframe).
const VP8_TAG: [u8; VIDEO_HEADER_AT] = [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01];
/// The smallest frame: the tag and the header.
pub const MIN_FRAME: usize = VIDEO_HEADER_AT + HEADER;

/// Most bytes of frame data in one video RTP packet (after the one-byte
/// descriptor), below str0m's MTU with the RTP header and its extensions.
const VIDEO_PAYLOAD: usize = 1_150;

/// An incomplete video frame is given up this long after its first packet
/// (a completed one is remembered as long, so a late retransmission of one
/// of its packets does not count it twice).
const KEEP_US: u64 = 2_000_000;
/// How often the frames kept are swept for old ones.
const SWEEP_US: u64 = 250_000;

/// What the first bytes of a frame say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The sending client's index.
    pub sender: u32,
    /// The sender's frame counter (audio and video together).
    pub seq: u32,
    /// When the frame was meant to be sent, µs on the load generator's clock.
    pub due_us: u64,
    /// How much later than that it was written, µs: a load generator that
    /// shares its cores with the server can be late, and its lateness is
    /// not the server's forwarding delay.
    pub late_us: u32,
}

impl Header {
    /// When the frame was written (sent), µs on the load generator's clock.
    pub fn sent_us(&self) -> u64 {
        self.due_us + u64::from(self.late_us)
    }

    fn write(&self, into: &mut [u8]) {
        if let Some(bytes) = into.get_mut(..HEADER) {
            bytes[..4].copy_from_slice(&self.sender.to_be_bytes());
            bytes[4..8].copy_from_slice(&self.seq.to_be_bytes());
            bytes[8..16].copy_from_slice(&self.due_us.to_be_bytes());
            bytes[16..20].copy_from_slice(&self.late_us.to_be_bytes());
        }
    }

    fn read(from: &[u8]) -> Option<Header> {
        let bytes = from.get(..HEADER)?;
        Some(Header {
            sender: u32::from_be_bytes(bytes[..4].try_into().ok()?),
            seq: u32::from_be_bytes(bytes[4..8].try_into().ok()?),
            due_us: u64::from_be_bytes(bytes[8..16].try_into().ok()?),
            late_us: u32::from_be_bytes(bytes[16..20].try_into().ok()?),
        })
    }
}

/// A frame as a receiver counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub header: Header,
    /// Bytes of frame data (RTP payloads less their VP8 descriptors).
    pub bytes: u64,
}

/// An audio frame of `bytes` (one RTP payload), the header first.
pub fn audio_frame(header: Header, bytes: usize) -> Vec<u8> {
    let mut frame = vec![0u8; bytes.max(HEADER)];
    header.write(&mut frame);
    frame
}

/// A video frame of `bytes`: the VP8 key-frame tag, then the header.
pub fn video_frame(header: Header, bytes: usize) -> Vec<u8> {
    let mut frame = vec![0u8; bytes.max(MIN_FRAME)];
    frame[..VIDEO_HEADER_AT].copy_from_slice(&VP8_TAG);
    header.write(&mut frame[VIDEO_HEADER_AT..]);
    frame
}

/// An audio RTP payload's frame (one packet is one frame).
pub fn audio_packet(payload: &[u8]) -> Option<Frame> {
    Some(Frame {
        header: Header::read(payload)?,
        bytes: payload.len() as u64,
    })
}

/// A video frame cut into RTP payloads of at most [`VIDEO_PAYLOAD`] bytes
/// of it, each behind the smallest VP8 payload descriptor (RFC 7741: one
/// byte, S set on the first, partition 0), with whether it is the last
/// (the RTP marker).
pub fn vp8_payloads(frame: &[u8]) -> impl Iterator<Item = (Vec<u8>, bool)> + '_ {
    let count = frame.len().div_ceil(VIDEO_PAYLOAD).max(1);
    frame
        .chunks(VIDEO_PAYLOAD)
        .enumerate()
        .map(move |(i, chunk)| {
            let mut payload = Vec::with_capacity(chunk.len() + 1);
            payload.push(if i == 0 { S_BIT } else { 0 });
            payload.extend_from_slice(chunk);
            (payload, i + 1 == count)
        })
}

const X_BIT: u8 = 0x80;
const S_BIT: u8 = 0x10;
const PID_MASK: u8 = 0x07;

/// What a receiver needs of a VP8 payload descriptor (RFC 7741 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vp8Descriptor {
    /// S = 1 and PID = 0: the packet starts the frame.
    pub starts_frame: bool,
    /// Its length: where the frame's bytes start in the payload.
    pub len: usize,
}

impl Vp8Descriptor {
    /// The descriptor at the start of `payload`, `None` if it is cut short
    /// or nothing follows it. (str0m's `Vp8Descriptor::parse` keeps the
    /// payload offset to itself.)
    pub fn parse(payload: &[u8]) -> Option<Vp8Descriptor> {
        let first = *payload.first()?;
        let mut len = 1;
        if first & X_BIT != 0 {
            let ext = *payload.get(1)?;
            len += 1;
            // I: a picture id of 7 bits, or 15 when its first bit (M) is set.
            if ext & 0x80 != 0 {
                let id = *payload.get(len)?;
                len += if id & 0x80 != 0 { 2 } else { 1 };
            }
            // L: TL0PICIDX.
            if ext & 0x40 != 0 {
                len += 1;
            }
            // T or K: one byte holding TID, Y and KEYIDX.
            if ext & 0x30 != 0 {
                len += 1;
            }
        }
        (len < payload.len()).then_some(Vp8Descriptor {
            starts_frame: first & S_BIT != 0 && first & PID_MASK == 0,
            len,
        })
    }
}

/// The video frames a receiver is putting together, per (SSRC, RTP
/// timestamp).
#[derive(Default)]
pub struct VideoFrames {
    frames: HashMap<(u32, u32), Partial>,
    swept_us: u64,
}

/// A video frame some of whose packets have arrived.
struct Partial {
    /// When its first packet arrived (µs).
    since_us: u64,
    /// The header, from the packet starting the frame.
    header: Option<Header>,
    /// Sequence numbers of the packet starting it and of the marked one.
    first: Option<u64>,
    last: Option<u64>,
    /// Distinct sequence numbers arrived (emptied once complete).
    seqs: Vec<u64>,
    bytes: u64,
    /// Counted already: later packets of it are repeats.
    done: bool,
}

impl Partial {
    fn complete(&self) -> bool {
        match (self.first, self.last) {
            (Some(first), Some(last)) if first <= last => {
                let inside = self.seqs.iter().filter(|s| (first..=last).contains(*s));
                inside.count() as u64 == last - first + 1
            }
            _ => false,
        }
    }
}

impl VideoFrames {
    /// One video RTP packet (`seq` extended, `payload` with its VP8
    /// descriptor) arrived at `now_us`: the frame it completes, if it does.
    pub fn packet(
        &mut self,
        ssrc: u32,
        timestamp: u32,
        seq: u64,
        marker: bool,
        payload: &[u8],
        now_us: u64,
    ) -> Option<Frame> {
        if now_us >= self.swept_us + SWEEP_US {
            self.swept_us = now_us;
            self.frames
                .retain(|_, f| now_us.saturating_sub(f.since_us) < KEEP_US);
        }
        let descriptor = Vp8Descriptor::parse(payload)?;
        let frame = self
            .frames
            .entry((ssrc, timestamp))
            .or_insert_with(|| Partial {
                since_us: now_us,
                header: None,
                first: None,
                last: None,
                seqs: Vec::new(),
                bytes: 0,
                done: false,
            });
        if frame.done || frame.seqs.contains(&seq) {
            return None;
        }
        frame.seqs.push(seq);
        let data = payload.get(descriptor.len..).unwrap_or_default();
        frame.bytes += data.len() as u64;
        if descriptor.starts_frame {
            frame.first = Some(seq);
            frame.header = data
                .get(..VIDEO_HEADER_AT)
                .filter(|tag| *tag == VP8_TAG)
                .and_then(|_| Header::read(data.get(VIDEO_HEADER_AT..)?));
        }
        if marker {
            frame.last = Some(seq);
        }
        if !frame.complete() {
            return None;
        }
        frame.done = true;
        frame.seqs = Vec::new();
        Some(Frame {
            header: frame.header?,
            bytes: frame.bytes,
        })
    }

    /// Frames kept (incomplete, or complete and remembered).
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.frames.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: Header = Header {
        sender: 7,
        seq: 42,
        due_us: 1_234_567,
        late_us: 890,
    };

    /// A frame of `bytes` as the sender's packets: (seq, marker, payload).
    fn packets(first_seq: u64, bytes: usize) -> Vec<(u64, bool, Vec<u8>)> {
        let frame = video_frame(HEAD, bytes);
        vp8_payloads(&frame)
            .enumerate()
            .map(|(i, (payload, marker))| (first_seq + i as u64, marker, payload))
            .collect()
    }

    fn feed(
        frames: &mut VideoFrames,
        packets: &[(u64, bool, Vec<u8>)],
        order: &[usize],
        now_us: u64,
    ) -> Vec<Option<Frame>> {
        order
            .iter()
            .map(|&i| {
                let (seq, marker, payload) = &packets[i];
                frames.packet(1, 9000, *seq, *marker, payload, now_us)
            })
            .collect()
    }

    #[test]
    fn a_frame_is_cut_into_vp8_payloads_with_a_start_and_a_marker() {
        let frame = video_frame(HEAD, 3_000);
        let payloads: Vec<_> = vp8_payloads(&frame).collect();
        assert_eq!(payloads.len(), 3);
        assert_eq!(payloads[0].0[0], S_BIT);
        assert_eq!(payloads[1].0[0], 0);
        assert_eq!(&payloads[0].0[1..=VIDEO_HEADER_AT], &VP8_TAG);
        let markers: Vec<bool> = payloads.iter().map(|p| p.1).collect();
        assert_eq!(markers, [false, false, true]);
        let data: usize = payloads.iter().map(|p| p.0.len() - 1).sum();
        assert_eq!(data, 3_000);
        assert!(payloads.iter().all(|p| p.0.len() <= VIDEO_PAYLOAD + 1));
        // The smallest frame is one packet, marked.
        let small: Vec<_> = vp8_payloads(&video_frame(HEAD, 1)).collect();
        assert_eq!(small.len(), 1);
        assert!(small[0].1);
    }

    #[test]
    fn descriptors_with_and_without_extensions() {
        let d = |bytes: &[u8]| Vp8Descriptor::parse(bytes);
        let start = |len| {
            Some(Vp8Descriptor {
                starts_frame: true,
                len,
            })
        };
        assert_eq!(d(&[0x10, 0xaa]), start(1));
        assert_eq!(d(&[0x00, 0xaa]).map(|x| x.starts_frame), Some(false));
        // S set but a later partition: not the frame's start.
        assert_eq!(d(&[0x11, 0xaa]).map(|x| x.starts_frame), Some(false));
        // X, I with a 7-bit picture id.
        assert_eq!(d(&[0x90, 0x80, 0x05, 0xaa]), start(3));
        // X, I with a 15-bit picture id (str0m's packetizer).
        assert_eq!(d(&[0x90, 0x80, 0x81, 0x23, 0xaa]), start(4));
        // X, I (15 bits), L, T and K.
        assert_eq!(d(&[0x90, 0xf0, 0x81, 0x23, 0x07, 0x40, 0xaa]), start(6));
        // X with only K.
        assert_eq!(d(&[0x90, 0x10, 0x03, 0xaa]), start(3));
        // Cut short, or nothing after it.
        assert_eq!(d(&[]), None);
        assert_eq!(d(&[0x10]), None);
        assert_eq!(d(&[0x90, 0x80, 0x81]), None);
        assert_eq!(d(&[0x90, 0x80, 0x81, 0x23]), None);
    }

    #[test]
    fn a_frame_completes_on_its_last_packet_in_order() {
        let mut frames = VideoFrames::default();
        let p = packets(100, 3_000);
        let got = feed(&mut frames, &p, &[0, 1, 2], 10);
        assert_eq!(got[..2], [None, None]);
        assert_eq!(
            got[2],
            Some(Frame {
                header: HEAD,
                bytes: 3_000
            })
        );
    }

    #[test]
    fn a_frame_completes_whatever_the_order() {
        for order in [[2, 0, 1], [1, 2, 0], [2, 1, 0], [0, 2, 1]] {
            let mut frames = VideoFrames::default();
            let p = packets(65_534, 3_000);
            let got = feed(&mut frames, &p, &order, 10);
            assert!(got[..2].iter().all(Option::is_none), "{order:?}");
            assert_eq!(got[2].map(|f| f.header), Some(HEAD), "{order:?}");
        }
    }

    #[test]
    fn a_missing_packet_holds_the_frame_until_its_retransmission() {
        let mut frames = VideoFrames::default();
        let p = packets(100, 4_000);
        assert!(
            feed(&mut frames, &p, &[0, 1, 3], 10)
                .iter()
                .all(Option::is_none)
        );
        // The next frame (another timestamp) completes meanwhile.
        let next = video_frame(HEAD, 100);
        let (payload, marker) = vp8_payloads(&next).next().unwrap();
        assert!(
            frames
                .packet(1, 12_000, 104, marker, &payload, 20)
                .is_some()
        );
        // The retransmission of 102 completes the first; its repeats do nothing.
        let got = feed(&mut frames, &p, &[2, 2, 0, 3], 30);
        assert_eq!(got[0].map(|f| f.bytes), Some(4_000));
        assert_eq!(got[1..], [None, None, None]);
    }

    #[test]
    fn a_frame_re_packetized_with_picture_ids_completes() {
        // The server's own packetizer: X, I with a 15-bit picture id, other sizes.
        let frame = video_frame(HEAD, 2_500);
        let mut frames = VideoFrames::default();
        let chunks: Vec<&[u8]> = frame.chunks(900).collect();
        let mut done = None;
        for (i, chunk) in chunks.iter().enumerate() {
            let first = if i == 0 { 0x90 } else { 0x80 };
            let mut payload = vec![first, 0x80, 0x80 | 0x12, 0x34];
            payload.extend_from_slice(chunk);
            let marker = i + 1 == chunks.len();
            done = frames.packet(3, 500, 7 + i as u64, marker, &payload, 10);
        }
        assert_eq!(
            done,
            Some(Frame {
                header: HEAD,
                bytes: 2_500
            })
        );
    }

    #[test]
    fn an_incomplete_frame_is_dropped_after_two_seconds() {
        let mut frames = VideoFrames::default();
        let p = packets(100, 3_000);
        feed(&mut frames, &p, &[0, 2], 1_000);
        assert_eq!(frames.kept(), 1);
        // Still kept a little later; its missing packet would complete it.
        let other = packets(200, 100);
        frames.packet(1, 1, other[0].0, true, &other[0].2, 1_500_000);
        assert_eq!(frames.kept(), 2);
        // Two seconds on, it is gone; a late packet alone completes nothing.
        frames.packet(1, 2, other[0].0 + 1, true, &other[0].2, 2_100_000);
        assert_eq!(frames.kept(), 2);
        assert_eq!(feed(&mut frames, &p, &[1], 2_200_000), [None]);
    }

    #[test]
    fn audio_packets_are_frames() {
        let payload = audio_frame(HEAD, 100);
        assert_eq!(
            audio_packet(&payload),
            Some(Frame {
                header: HEAD,
                bytes: 100
            })
        );
        assert_eq!(audio_packet(&payload[..10]), None);
        assert_eq!(HEAD.sent_us(), 1_235_457, "sent: due, and late by so much");
    }
}
