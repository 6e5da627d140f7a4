//! Byte layout of journal segments: a small header, then framed records.
//!
//! ```text
//! segment = header record*
//! header  = "AMPHIJNL" (8 bytes) | format version: u32 LE (= 1)
//! record  = payload length: u32 LE | crc32 of payload: u32 LE | payload (serde_json of Record)
//! ```
//!
//! The length and the checksum let recovery tell a complete record from a
//! torn or damaged one without trusting anything else in the file.

use super::record::Record;

/// First bytes of every journal segment.
pub const SEGMENT_MAGIC: &[u8; 8] = b"AMPHIJNL";
/// The journal format this binary writes and reads.
pub const SEGMENT_VERSION: u32 = 1;
/// Length of the segment header.
pub const SEGMENT_HEADER_LEN: usize = 12;
/// Length of a record's frame header (length + checksum).
pub const FRAME_HEADER_LEN: usize = 8;
/// Largest payload accepted when reading: anything longer is damage, and
/// refusing it avoids allocating gigabytes because of one flipped bit.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// The header written at the start of every new segment.
pub fn segment_header() -> [u8; SEGMENT_HEADER_LEN] {
    let mut header = [0u8; SEGMENT_HEADER_LEN];
    header[..8].copy_from_slice(SEGMENT_MAGIC);
    header[8..].copy_from_slice(&SEGMENT_VERSION.to_le_bytes());
    header
}

/// What a segment header says.
#[derive(Debug, PartialEq, Eq)]
pub enum Header {
    /// Fewer bytes than a header: a segment torn while it was created.
    Short,
    /// Not a journal segment.
    BadMagic,
    /// A journal segment of this format version.
    Version(u32),
}

/// Reads a segment header.
pub fn read_header(bytes: &[u8]) -> Header {
    if bytes.len() < SEGMENT_HEADER_LEN {
        return Header::Short;
    }
    if &bytes[..8] != SEGMENT_MAGIC {
        return Header::BadMagic;
    }
    Header::Version(u32::from_le_bytes([
        bytes[8], bytes[9], bytes[10], bytes[11],
    ]))
}

/// Appends the frame of `record` to `out`. Serializes straight into the
/// buffer, then fills in the length and checksum in front of it.
pub fn encode_record(record: &Record, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    let start = out.len();
    out.extend_from_slice(&[0u8; FRAME_HEADER_LEN]);
    if let Err(err) = serde_json::to_writer(&mut *out, record) {
        out.truncate(start);
        return Err(err);
    }
    let payload = &out[start + FRAME_HEADER_LEN..];
    let Ok(len) = u32::try_from(payload.len()) else {
        out.truncate(start);
        return Err(serde::ser::Error::custom("record longer than 4 GiB"));
    };
    let crc = crc32fast::hash(payload);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// Decodes the record framed at `offset`. Returns it with the offset just
/// after it, or why the bytes there are not a complete, intact record.
pub fn decode_at(bytes: &[u8], offset: usize) -> Result<(Record, usize), String> {
    let rest = bytes.get(offset..).unwrap_or_default();
    if rest.len() < FRAME_HEADER_LEN {
        return Err(format!(
            "{} bytes left, fewer than a record header",
            rest.len()
        ));
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    if len == 0 || len > MAX_RECORD_BYTES {
        return Err(format!("impossible record length {len}"));
    }
    let Some(payload) = rest.get(FRAME_HEADER_LEN..FRAME_HEADER_LEN + len) else {
        return Err(format!(
            "record of {len} bytes but only {} left in the file",
            rest.len() - FRAME_HEADER_LEN
        ));
    };
    let actual = crc32fast::hash(payload);
    if actual != crc {
        return Err(format!(
            "checksum mismatch (stored {crc:08x}, computed {actual:08x})"
        ));
    }
    let record: Record = serde_json::from_slice(payload)
        .map_err(|e| format!("checksum matches but the record does not decode: {e}"))?;
    Ok((record, offset + FRAME_HEADER_LEN + len))
}

/// Whether the damaged bytes at `offset` (to the end of the file) are an
/// *incomplete* record — a write torn by a crash — rather than a complete
/// record whose bytes changed. Incomplete: fewer bytes than a record header,
/// a length that reaches past the end of the file, or bytes that end in NULs
/// (blocks the disk never wrote; a JSON payload never holds a NUL, and its
/// last byte `}` cannot become one by a flipped bit). Anything else is a
/// complete record that fails its checksum or does not decode: corruption.
pub fn is_incomplete(bytes: &[u8], offset: usize) -> bool {
    let rest = bytes.get(offset..).unwrap_or_default();
    if rest.len() < FRAME_HEADER_LEN || rest.last() == Some(&0) {
        return true;
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    FRAME_HEADER_LEN + len > rest.len()
}

/// The first offset after `from` where an intact record starts, if any.
///
/// Used once a damaged record is found, to tell a torn tail (nothing valid
/// after it: safe to cut) from damage in the middle (valid records after it:
/// acknowledged data, never skipped). Cheap on real tails: random bytes almost
/// never pass the length check, and the checksum is computed only when it does.
pub fn next_valid_after(bytes: &[u8], from: usize) -> Option<usize> {
    (from + 1..bytes.len().saturating_sub(FRAME_HEADER_LEN)).find(|&at| {
        let len =
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        len > 0
            && len <= MAX_RECORD_BYTES
            && at + FRAME_HEADER_LEN + len <= bytes.len()
            && decode_at(bytes, at).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, Command, MemberId};

    fn record(seq: u64) -> Record {
        Record {
            seq,
            at: 1_700_000_000_000 + seq,
            actor: Some(MemberId(3)),
            command: Command::PostChat {
                channel: Channel::Announcements,
                text: format!("message {seq}").into(),
            },
        }
    }

    fn frames(n: u64) -> (Vec<u8>, Vec<usize>) {
        let mut out = segment_header().to_vec();
        let mut starts = Vec::new();
        for seq in 1..=n {
            starts.push(out.len());
            assert!(encode_record(&record(seq), &mut out).is_ok());
        }
        (out, starts)
    }

    #[test]
    fn frame_layout_is_length_crc_payload() {
        let mut out = Vec::new();
        encode_record(&record(7), &mut out).unwrap();
        let len = u32::from_le_bytes(out[0..4].try_into().unwrap()) as usize;
        let crc = u32::from_le_bytes(out[4..8].try_into().unwrap());
        assert_eq!(len, out.len() - 8);
        assert_eq!(crc, crc32fast::hash(&out[8..]));
        let parsed: Record = serde_json::from_slice(&out[8..]).unwrap();
        assert_eq!(parsed, record(7));
    }

    #[test]
    fn decodes_every_frame_in_order() {
        let (bytes, _) = frames(5);
        assert_eq!(read_header(&bytes), Header::Version(1));
        let mut at = SEGMENT_HEADER_LEN;
        for seq in 1..=5 {
            let (rec, next) = decode_at(&bytes, at).unwrap();
            assert_eq!(rec, record(seq));
            at = next;
        }
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn damage_is_detected_and_located() {
        let (mut bytes, starts) = frames(3);
        bytes[starts[1] + 20] ^= 0x40;
        assert!(
            decode_at(&bytes, starts[1])
                .unwrap_err()
                .contains("checksum")
        );
        assert_eq!(next_valid_after(&bytes, starts[1]), Some(starts[2]));
        assert_eq!(next_valid_after(&bytes, starts[2]), None);
        let torn = &bytes[..bytes.len() - 3];
        assert!(decode_at(torn, starts[2]).is_err());
        assert!(is_incomplete(torn, starts[2]));
        assert!(!is_incomplete(&bytes[..starts[2]], starts[1]));
        assert_eq!(next_valid_after(torn, starts[2]), None);
    }

    #[test]
    fn headers_are_checked() {
        assert_eq!(read_header(b"AMPHI"), Header::Short);
        assert_eq!(read_header(b"NOTAJRNL\x01\0\0\0"), Header::BadMagic);
        assert_eq!(read_header(b"AMPHIJNL\x02\0\0\0"), Header::Version(2));
    }
}
