//! A small standard-alphabet base64 decoder for Tiled layer data.
//!
//! Tiled can save tile layers as base64; this is the only place we need it, so
//! a few lines here beat a dependency.

/// Decodes standard base64 (`A–Z a–z 0–9 + /`, `=` padding, whitespace ignored).
///
/// Returns a short reason on failure, for the caller to place in a `MapError`.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut padding = 0usize;
    for (i, c) in text.bytes().enumerate() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return Err(format!("invalid base64 character at offset {i}")),
        };
        if padding > 0 {
            return Err(format!("base64 data continues after '=' at offset {i}"));
        }
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    if padding > 2 || bits >= 6 {
        return Err("truncated base64 data".to_string());
    }
    Ok(out)
}

/// Standard padded base64, for tests that build layers as Tiled writes them.
#[cfg(test)]
pub(crate) fn tests_encode(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{decode, tests_encode};

    #[test]
    fn encode_round_trips() {
        for data in [&b""[..], b"M", b"Ma", b"Man", b"\x00\xff\x10\x20"] {
            assert_eq!(decode(&tests_encode(data)).unwrap(), data);
        }
    }

    #[test]
    fn decodes_padded_and_unpadded() {
        assert_eq!(decode("TWFu").unwrap(), b"Man");
        assert_eq!(decode("TWE=").unwrap(), b"Ma");
        assert_eq!(decode("TQ==").unwrap(), b"M");
        assert_eq!(decode("AQAAAAIAAAA=").unwrap(), [1, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(decode(" TW\nFu ").unwrap(), b"Man");
    }

    #[test]
    fn refuses_garbage() {
        assert!(decode("TW!u").is_err());
        assert!(decode("T").is_err());
        assert!(decode("TQ==TQ==").is_err());
    }
}
