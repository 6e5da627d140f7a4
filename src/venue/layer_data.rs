//! A tile layer's gids from whichever form Tiled saved them in: a JSON array
//! (CSV), base64, or base64 compressed with zlib, gzip or zstd.
//!
//! Decompression uses `flate2` (zlib, gzip; its default backend is the
//! pure-Rust `miniz_oxide`) and `ruzstd` (a pure-Rust zstd decoder), so the
//! binary still builds with nothing but cargo. Output is capped at the size
//! the layer needs, so a small compressed blob cannot expand without bound.

use std::io::Read;

use super::base64;
use super::error::{Location, MapError};
use super::tiled::{LayerData, TileLayer};

/// The layer's gids, `expected` of them (the map's width × height).
pub(crate) fn gids(layer: &TileLayer, expected: usize) -> Result<Vec<u32>, MapError> {
    let here = || Location::Layer(layer.name.clone());
    let encoding = layer.encoding.as_deref().unwrap_or("csv");
    let compression = layer.compression.as_deref().unwrap_or("");
    match (encoding, &layer.data) {
        ("csv", Some(LayerData::Gids(gids))) => Ok(gids.clone()),
        ("base64", Some(LayerData::Base64(text))) => {
            let packed = base64::decode(text).map_err(|e| MapError::on(here(), "data", e))?;
            let bytes = decompress(&packed, compression, expected * 4)
                .map_err(|(field, e)| MapError::on(here(), field, e))?;
            if bytes.len() % 4 != 0 {
                return Err(MapError::on(
                    here(),
                    "data",
                    "base64 data is not a whole number of 4-byte gids",
                ));
            }
            Ok(bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect())
        }
        ("csv" | "base64", None) => Err(MapError::on(here(), "data", "missing tile data")),
        ("csv" | "base64", Some(_)) => Err(MapError::on(
            here(),
            "data",
            format!("data does not match encoding '{encoding}'"),
        )),
        (other, _) => Err(MapError::on(
            here(),
            "encoding",
            format!("unknown encoding '{other}' (expected csv or base64)"),
        )),
    }
}

/// Inflates `packed` by `compression`, reading at most one byte more than
/// `limit` (so "too long" is still detected by the caller's length check).
fn decompress(
    packed: &[u8],
    compression: &str,
    limit: usize,
) -> Result<Vec<u8>, (&'static str, String)> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::with_capacity(limit.min(1 << 22));
    let read = match compression {
        "" => return Ok(packed.to_vec()),
        "zlib" => flate2::read::ZlibDecoder::new(packed)
            .take(cap)
            .read_to_end(&mut out),
        "gzip" => flate2::read::GzDecoder::new(packed)
            .take(cap)
            .read_to_end(&mut out),
        "zstd" => match ruzstd::decoding::StreamingDecoder::new(packed) {
            Ok(decoder) => decoder.take(cap).read_to_end(&mut out),
            Err(e) => return Err(("data", format!("not valid zstd data: {e}"))),
        },
        other => {
            return Err((
                "compression",
                format!("unknown compression '{other}' (expected zlib, gzip or zstd)"),
            ));
        }
    };
    read.map_err(|e| ("data", format!("not valid {compression} data: {e}")))?;
    if out.len() > limit {
        return Err((
            "data",
            format!(
                "{compression} data expands past the layer's {} tiles",
                limit / 4
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn layer(encoding: &str, compression: &str, data: LayerData) -> TileLayer {
        TileLayer {
            name: "floor".into(),
            width: 2,
            height: 2,
            encoding: Some(encoding.into()),
            compression: Some(compression.into()).filter(|c: &String| !c.is_empty()),
            data: Some(data),
            ..TileLayer::default()
        }
    }

    fn raw(gids: &[u32]) -> Vec<u8> {
        gids.iter().flat_map(|g| g.to_le_bytes()).collect()
    }

    fn b64(bytes: &[u8]) -> LayerData {
        LayerData::Base64(base64::tests_encode(bytes))
    }

    const GIDS: [u32; 4] = [1, 2, 0x8000_0003, 0];

    #[test]
    fn reads_csv_and_plain_base64() {
        let csv = layer("csv", "", LayerData::Gids(GIDS.to_vec()));
        assert_eq!(gids(&csv, 4).unwrap(), GIDS);
        let plain = layer("base64", "", b64(&raw(&GIDS)));
        assert_eq!(gids(&plain, 4).unwrap(), GIDS);
    }

    #[test]
    fn reads_zlib_gzip_and_zstd() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&raw(&GIDS)).unwrap();
        let zlib = layer("base64", "zlib", b64(&z.finish().unwrap()));
        assert_eq!(gids(&zlib, 4).unwrap(), GIDS);

        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        g.write_all(&raw(&GIDS)).unwrap();
        let gzip = layer("base64", "gzip", b64(&g.finish().unwrap()));
        assert_eq!(gids(&gzip, 4).unwrap(), GIDS);

        let packed = ruzstd::encoding::compress_to_vec(
            &raw(&GIDS)[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let zstd = layer("base64", "zstd", b64(&packed));
        assert_eq!(gids(&zstd, 4).unwrap(), GIDS);
    }

    #[test]
    fn corrupt_or_unknown_compression_names_the_field() {
        let bad = layer("base64", "zlib", b64(b"not zlib at all"));
        let err = gids(&bad, 4).unwrap_err();
        assert_eq!(err.field(), Some("data"));
        assert!(err.problem().contains("not valid zlib data"), "{err}");

        let bad = layer("base64", "zstd", b64(b"nope"));
        assert_eq!(gids(&bad, 4).unwrap_err().field(), Some("data"));

        let lz4 = layer("base64", "lz4", b64(&raw(&GIDS)));
        let err = gids(&lz4, 4).unwrap_err();
        assert_eq!(err.field(), Some("compression"));
        assert!(err.to_string().contains("layer 'floor'"), "{err}");
    }

    #[test]
    fn a_compressed_bomb_stops_at_the_layer_size() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![0u8; 1 << 20]).unwrap();
        let bomb = layer("base64", "zlib", b64(&z.finish().unwrap()));
        // 4 gids wanted: at most 17 bytes are read, not a megabyte.
        let err = gids(&bomb, 4).unwrap_err();
        assert!(
            err.problem().contains("expands past the layer's 4 tiles"),
            "{err}"
        );
    }
}
