//! What one receiver's copy of a forwarded track carries in its RTP
//! headers: sequence numbers, timestamps and VP8 picture ids, continuous
//! for the receiver whatever the sender's packets carried.
//!
//! The media task forwards RTP packets as they came (str0m's RTP mode): the
//! payload is shared by every receiver, only the header is written anew for
//! each. A receiver sees one stream per m-line, but what feeds it changes:
//! it starts part-way through the sender's stream, and a simulcast receiver
//! is moved from one layer to another (each layer has its own sequence
//! numbers, timestamps and picture ids). A [`Rewriter`] maps each incoming
//! value to the receiver's by a shift, set again at each start or switch
//! so that the receiver's numbers go on from where they were:
//! - sequence numbers follow the last one sent, and start under 2¹⁶ (SRTP
//!   counts wrap-arounds, and a receiver starts counting at zero);
//! - timestamps go on by the time that passed since the last packet sent;
//! - VP8 picture ids (and TL0PICIDX) follow the last ones sent.
//!
//! Packets of the layer from before the last switch (late or repaired
//! ones) are not forwarded: their numbers would collide with the new ones.
//!
//! Everything here is pure: time is passed in, nothing touches a network.

use std::time::Instant;
use str0m::rtp::{Vp8Descriptor, Vp8Patch};

/// The largest 15-bit VP8 picture id, plus one.
const PICTURE_IDS: u16 = 1 << 15;

/// An incoming packet, as far as rewriting goes.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The extended sequence number (rollovers counted).
    pub seq: u64,
    /// The RTP timestamp.
    pub time: u32,
    /// The VP8 payload descriptor, for video.
    pub vp8: Option<&'a Vp8Descriptor>,
}

/// The receiver's header values for one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outgoing {
    pub seq: u64,
    pub time: u32,
    /// Bytes of the VP8 descriptor to write over the shared payload's.
    pub vp8: Option<Vp8Patch>,
}

/// The last packet sent to the receiver, that the next start goes on from.
#[derive(Debug, Clone, Copy)]
struct Sent {
    seq: u64,
    time: u32,
    picture_id: Option<u16>,
    tl0: Option<u8>,
    at: Instant,
}

/// The shifts from one sender's stream to one receiver's.
#[derive(Debug, Clone, Copy)]
struct Shift {
    seq: u64,
    time: u32,
    picture_id: u16,
    tl0: u8,
    /// The incoming sequence number the mapping starts at: older packets
    /// belong to what was forwarded before.
    since: u64,
}

/// One receiver's copy of one forwarded track.
#[derive(Debug, Clone)]
pub struct Rewriter {
    /// The clock rate of the track's RTP timestamps.
    clock_rate: u32,
    shift: Option<Shift>,
    last: Option<Sent>,
}

impl Rewriter {
    pub fn new(clock_rate: u32) -> Rewriter {
        Rewriter {
            clock_rate,
            shift: None,
            last: None,
        }
    }

    /// Maps `packet` for the receiver. `start` says the packet begins what
    /// the receiver gets from now on (the first packet, or a simulcast
    /// layer's keyframe it switches to); `None`: not to be forwarded.
    pub fn rewrite(&mut self, packet: Incoming, start: bool, now: Instant) -> Option<Outgoing> {
        if start || self.shift.is_none() {
            self.shift = Some(self.shift_for(packet, now));
        }
        let shift = self.shift?;
        if packet.seq < shift.since {
            return None;
        }
        let seq = packet.seq.wrapping_add(shift.seq);
        let time = packet.time.wrapping_add(shift.time);
        let picture_id = packet
            .vp8
            .and_then(|d| d.picture_id())
            .map(|p| p.wrapping_add(shift.picture_id) % PICTURE_IDS);
        let tl0 = packet
            .vp8
            .and_then(|d| d.tl0_pic_idx())
            .map(|t| t.wrapping_add(shift.tl0));
        let vp8 = packet.vp8.and_then(|d| patch(d, picture_id, tl0));
        if self.last.is_none_or(|last| seq > last.seq) {
            self.last = Some(Sent {
                seq,
                time,
                picture_id: picture_id.or(self.last.and_then(|l| l.picture_id)),
                tl0: tl0.or(self.last.and_then(|l| l.tl0)),
                at: now,
            });
        }
        Some(Outgoing { seq, time, vp8 })
    }

    /// The shifts that make `packet` follow the last packet sent.
    fn shift_for(&self, packet: Incoming, now: Instant) -> Shift {
        let picture_id = packet.vp8.and_then(|d| d.picture_id());
        let tl0 = packet.vp8.and_then(|d| d.tl0_pic_idx());
        let Some(last) = self.last else {
            // The first packet: the receiver's numbers start under 2¹⁶,
            // everything else as the sender's.
            return Shift {
                seq: (packet.seq & 0xffff).wrapping_sub(packet.seq),
                time: 0,
                picture_id: 0,
                tl0: 0,
                since: packet.seq,
            };
        };
        let elapsed = now.saturating_duration_since(last.at);
        let ticks = (elapsed.as_micros() * u128::from(self.clock_rate) / 1_000_000).max(1);
        let time = last.time.wrapping_add(ticks as u32);
        let follow_picture = match (last.picture_id, picture_id) {
            (Some(before), Some(now)) => (before + 1) % PICTURE_IDS + PICTURE_IDS - now,
            _ => 0,
        };
        let follow_tl0 = match (last.tl0, tl0) {
            (Some(before), Some(now)) => before.wrapping_add(1).wrapping_sub(now),
            _ => 0,
        };
        Shift {
            seq: (last.seq + 1).wrapping_sub(packet.seq),
            time: time.wrapping_sub(packet.time),
            picture_id: follow_picture % PICTURE_IDS,
            tl0: follow_tl0,
            since: packet.seq,
        }
    }
}

/// The patch writing `picture_id` and `tl0` over the descriptor's own, if
/// they differ from them (a 7-bit picture id keeps 7 bits).
fn patch(descriptor: &Vp8Descriptor, picture_id: Option<u16>, tl0: Option<u8>) -> Option<Vp8Patch> {
    let new_picture = picture_id.filter(|p| Some(*p) != descriptor.picture_id());
    let new_tl0 = tl0.filter(|t| Some(*t) != descriptor.tl0_pic_idx());
    if new_picture.is_none() && new_tl0.is_none() {
        return None;
    }
    let build = |picture: Option<u16>| {
        let mut builder = descriptor.patch();
        if let Some(p) = picture {
            builder = builder.picture_id(p);
        }
        if let Some(t) = new_tl0 {
            builder = builder.tl0_pic_idx(t);
        }
        builder.build().ok()
    };
    build(new_picture).or_else(|| build(new_picture.map(|p| p & 0x7f)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn plain(seq: u64, time: u32) -> Incoming<'static> {
        Incoming {
            seq,
            time,
            vp8: None,
        }
    }

    fn video(seq: u64, time: u32, vp8: &Vp8Descriptor) -> Incoming<'_> {
        Incoming {
            seq,
            time,
            vp8: Some(vp8),
        }
    }

    /// A VP8 payload: descriptor with a 15-bit picture id and a TL0PICIDX,
    /// then one byte of frame.
    fn vp8_payload(picture_id: u16, tl0: u8) -> Vec<u8> {
        vec![
            0x90, // X, S
            0xe0, // I, L, T
            0x80 | (picture_id >> 8) as u8,
            picture_id as u8,
            tl0,
            0x00, // TID 0
            0x00, // keyframe
        ]
    }

    #[test]
    fn a_receiver_starts_under_two_to_the_sixteenth_and_follows_the_sender() {
        let t0 = Instant::now();
        let mut r = Rewriter::new(90_000);
        let first = r
            .rewrite(plain(3 * 65_536 + 100, 5_000), false, t0)
            .unwrap();
        assert_eq!((first.seq, first.time), (100, 5_000));
        let next = r
            .rewrite(plain(3 * 65_536 + 103, 8_000), false, t0)
            .unwrap();
        assert_eq!(next.seq, 103, "a gap stays a gap: the receiver NACKs it");
        // A repaired packet from before the receiver's start: not forwarded.
        assert_eq!(r.rewrite(plain(3 * 65_536 + 99, 4_000), false, t0), None);
        // Late, but after the start: forwarded in place.
        assert_eq!(
            r.rewrite(plain(3 * 65_536 + 101, 5_000), false, t0)
                .unwrap()
                .seq,
            101
        );
    }

    #[test]
    fn a_switch_goes_on_from_the_last_packet_sent() {
        let t0 = Instant::now();
        let mut r = Rewriter::new(90_000);
        for i in 0..10u64 {
            r.rewrite(plain(1_000 + i, 90_000 + 3_000 * i as u32), false, t0)
                .unwrap();
        }
        // 100 ms later, the other layer's keyframe: numbers far apart.
        let at = t0 + Duration::from_millis(100);
        let switched = r.rewrite(plain(40_000, 7), true, at).unwrap();
        assert_eq!(switched.seq, 1_010);
        assert_eq!(switched.time, 90_000 + 27_000 + 9_000);
        let next = r.rewrite(plain(40_001, 3_007), false, at).unwrap();
        assert_eq!((next.seq, next.time), (1_011, 90_000 + 27_000 + 12_000));
        // A late packet of the old layer's numbering is not forwarded.
        assert_eq!(r.rewrite(plain(39_990, 0), false, at), None);
    }

    #[test]
    fn picture_ids_and_tl0_follow_across_a_switch_and_wrap() {
        let t0 = Instant::now();
        let mut r = Rewriter::new(90_000);
        let a = vp8_payload(32_766, 250);
        let a_desc = Vp8Descriptor::parse(&a).unwrap();
        let first = r.rewrite(video(10, 0, &a_desc), false, t0).unwrap();
        assert_eq!(first.vp8, None, "nothing to change before a switch");
        // The other layer: picture id 5, TL0PICIDX 3.
        let b = vp8_payload(5, 3);
        let b_desc = Vp8Descriptor::parse(&b).unwrap();
        let switched = r.rewrite(video(500, 0, &b_desc), true, t0).unwrap();
        let expected = b_desc.patch().picture_id(32_767).tl0_pic_idx(251);
        assert_eq!(switched.vp8, Some(expected.build().unwrap()));
        // The next picture wraps to 0, TL0PICIDX to 252.
        let c = vp8_payload(6, 4);
        let c_desc = Vp8Descriptor::parse(&c).unwrap();
        let next = r.rewrite(video(501, 3_000, &c_desc), false, t0).unwrap();
        let expected = c_desc
            .patch()
            .picture_id(0)
            .tl0_pic_idx(252)
            .build()
            .unwrap();
        assert_eq!(next.vp8, Some(expected));
    }
}
