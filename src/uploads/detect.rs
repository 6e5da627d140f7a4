//! Telling what an uploaded file is from its bytes: PDF, PNG, JPEG or WebP,
//! by magic number, then a structural check so that a truncated or forged
//! file is refused rather than stored (a PDF has its header and a `%%EOF`
//! near the end; a PNG its `IHDR` first and `IEND` last; a JPEG starts with
//! SOI and ends with EOI; a WebP is a RIFF container of the right size whose
//! first chunk is VP8, VP8L or VP8X).

use crate::domain::projects::FileKind;

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetectError {
    #[error("this is not a PDF, PNG, JPEG or WebP file")]
    Unsupported,
    #[error("this {0} file is broken or truncated")]
    Broken(&'static str),
}

impl DetectError {
    /// Stable snake_case wire code.
    pub fn code(&self) -> &'static str {
        match self {
            DetectError::Unsupported => "unsupported_file",
            DetectError::Broken(_) => "broken_file",
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// The whole last chunk of every PNG: length 0, `IEND`, its CRC.
const PNG_IEND: &[u8] = b"\0\0\0\0IEND\xae\x42\x60\x82";

/// The kind of `bytes`, checked for structure.
pub fn detect(bytes: &[u8]) -> Result<FileKind, DetectError> {
    if bytes.starts_with(b"%PDF-") {
        return check(pdf_ok(bytes), FileKind::Pdf, "PDF");
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return check(png_ok(bytes), FileKind::Png, "PNG");
    }
    if bytes.starts_with(b"\xff\xd8\xff") {
        return check(jpeg_ok(bytes), FileKind::Jpeg, "JPEG");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return check(webp_ok(bytes), FileKind::Webp, "WebP");
    }
    Err(DetectError::Unsupported)
}

fn check(ok: bool, kind: FileKind, name: &'static str) -> Result<FileKind, DetectError> {
    if ok {
        Ok(kind)
    } else {
        Err(DetectError::Broken(name))
    }
}

/// `%PDF-1.x` or `%PDF-2.x`, and `%%EOF` within the last 1 KiB.
fn pdf_ok(bytes: &[u8]) -> bool {
    let version_ok = matches!(bytes.get(5..7), Some(b"1.") | Some(b"2."));
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    version_ok && tail.windows(5).any(|w| w == b"%%EOF")
}

/// The first chunk is a 13-byte `IHDR` with a non-zero size; the file ends
/// with `IEND`.
fn png_ok(bytes: &[u8]) -> bool {
    let Some(header) = bytes.get(8..24) else {
        return false;
    };
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    be(&header[0..4]) == 13
        && &header[4..8] == b"IHDR"
        && be(&header[8..12]) > 0
        && be(&header[12..16]) > 0
        && bytes.len() >= 8 + 25 + PNG_IEND.len()
        && bytes.ends_with(PNG_IEND)
}

/// SOI first, EOI last (trailing zero padding, which some encoders add,
/// aside).
fn jpeg_ok(bytes: &[u8]) -> bool {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    end >= 4 && &bytes[end - 2..end] == b"\xff\xd9"
}

/// The RIFF size matches the file, and the first chunk is an image chunk.
fn webp_ok(bytes: &[u8]) -> bool {
    let riff_size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    let chunk_ok = matches!(bytes.get(12..16), Some(b"VP8 " | b"VP8L" | b"VP8X"));
    chunk_ok && riff_size.checked_add(8) == Some(bytes.len()) && bytes.len() >= 20
}

/// Smallest well-formed samples of each kind, for tests (here and in the
/// integration tests): a 1×1 PNG, a tiny JPEG, a WebP and a one-page PDF.
pub mod samples {
    /// A 1×1 PNG.
    pub fn png() -> Vec<u8> {
        let mut out = super::PNG_SIGNATURE.to_vec();
        out.extend_from_slice(&13u32.to_be_bytes());
        out.extend_from_slice(b"IHDR");
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(&[8, 2, 0, 0, 0]);
        out.extend_from_slice(&[0x90, 0x77, 0x53, 0xde]);
        out.extend_from_slice(&12u32.to_be_bytes());
        out.extend_from_slice(b"IDAT");
        out.extend_from_slice(&[
            0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00,
        ]);
        out.extend_from_slice(&[0x18, 0xdd, 0x8d, 0xb0]);
        out.extend_from_slice(super::PNG_IEND);
        out
    }

    /// A JPEG's markers around a little data (structure only).
    pub fn jpeg() -> Vec<u8> {
        let mut out =
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00".to_vec();
        out.extend_from_slice(&[0u8; 32]);
        out.extend_from_slice(b"\xff\xd9");
        out
    }

    /// A RIFF/WEBP container with one VP8L chunk (structure only).
    pub fn webp() -> Vec<u8> {
        let chunk = [0x2f, 0, 0, 0, 0, 0x07, 0x10, 0x11, 0x11];
        let mut body = b"WEBPVP8L".to_vec();
        body.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        body.extend_from_slice(&chunk);
        body.push(0); // chunks are padded to an even size
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// A one-page PDF.
    pub fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_told_from_its_bytes() {
        assert_eq!(detect(&samples::pdf()), Ok(FileKind::Pdf));
        assert_eq!(detect(&samples::png()), Ok(FileKind::Png));
        assert_eq!(detect(&samples::jpeg()), Ok(FileKind::Jpeg));
        assert_eq!(detect(&samples::webp()), Ok(FileKind::Webp));
    }

    #[test]
    fn other_files_are_refused_whatever_they_claim() {
        for bytes in [
            b"<html><script>alert(1)</script></html>".to_vec(),
            b"GIF89a\x01\x00\x01\x00".to_vec(),
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            Vec::new(),
        ] {
            assert_eq!(detect(&bytes), Err(DetectError::Unsupported));
        }
    }

    #[test]
    fn truncated_or_forged_files_are_broken() {
        let cut = |v: Vec<u8>| v[..v.len() - 3].to_vec();
        assert_eq!(
            detect(&cut(samples::pdf())),
            Err(DetectError::Broken("PDF"))
        );
        assert_eq!(
            detect(&cut(samples::png())),
            Err(DetectError::Broken("PNG"))
        );
        assert_eq!(
            detect(&cut(samples::jpeg())),
            Err(DetectError::Broken("JPEG"))
        );
        assert_eq!(
            detect(&cut(samples::webp())),
            Err(DetectError::Broken("WebP"))
        );
        // A PNG signature in front of something else.
        let mut forged = PNG_SIGNATURE.to_vec();
        forged.extend_from_slice(b"<script>alert(1)</script>");
        assert_eq!(detect(&forged), Err(DetectError::Broken("PNG")));
        assert_eq!(detect(b"%PDF-9 %%EOF"), Err(DetectError::Broken("PDF")));
    }
}
