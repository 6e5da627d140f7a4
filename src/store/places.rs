//! `places.json`: where people stood, saved now and then so that after a
//! restart they come back on their tile (`domain::places`).
//!
//! Best effort by design: places are not acknowledged to anyone, so a lost
//! or damaged file only means people start at the entrance. The file is
//! written atomically (temporary file, `fsync`, rename) and read leniently: a
//! missing, unreadable or unknown-format file gives no places and a warning.
//!
//! Format (version 1): `{"format":1,"places":[[member, x, y], …]}`.

use crate::domain::MemberId;
use crate::domain::places::Place;
use crate::venue::Tile;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// The file's name in the event directory.
pub const PLACES_FILE: &str = "places.json";
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct PlacesFile {
    format: u32,
    places: Vec<(u32, u16, u16)>,
}

/// The file's bytes for `places`.
pub fn encode(places: &[Place]) -> Vec<u8> {
    let file = PlacesFile {
        format: FORMAT,
        places: places
            .iter()
            .map(|p| (p.member.0, p.tile.x, p.tile.y))
            .collect(),
    };
    serde_json::to_vec(&file).unwrap_or_default()
}

/// Writes `bytes` as the event's places file, atomically.
pub fn write(dir: &Path, bytes: &[u8], fsync: bool) -> std::io::Result<()> {
    let path = dir.join(PLACES_FILE);
    let tmp = dir.join(format!("{PLACES_FILE}{}", super::layout::TMP_SUFFIX));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    if fsync {
        file.sync_all()?;
    }
    drop(file);
    std::fs::rename(&tmp, &path)
}

/// The places saved in `dir`; none (with a warning) when the file is missing
/// or cannot be understood.
pub fn read(dir: &Path) -> Vec<Place> {
    let path = dir.join(PLACES_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "places not read; people start at the entrance");
            return Vec::new();
        }
    };
    match serde_json::from_slice::<PlacesFile>(&bytes) {
        Ok(file) if file.format == FORMAT => file
            .places
            .into_iter()
            .map(|(member, x, y)| Place {
                member: MemberId(member),
                tile: Tile { x, y },
            })
            .collect(),
        Ok(file) => {
            tracing::warn!(
                format = file.format,
                "places file of an unknown format ignored"
            );
            Vec::new()
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "damaged places file ignored");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(member: u32, x: u16, y: u16) -> Place {
        Place {
            member: MemberId(member),
            tile: Tile { x, y },
        }
    }

    #[test]
    fn places_written_are_read_back() {
        let dir = tempdir();
        let places = vec![place(1, 3, 4), place(7, 10, 2)];
        write(&dir, &encode(&places), true).expect("written");
        assert_eq!(read(&dir), places);
        assert!(!dir.join("places.json.tmp").exists());
    }

    #[test]
    fn a_missing_damaged_or_unknown_file_gives_no_places() {
        let dir = tempdir();
        assert!(read(&dir).is_empty());
        std::fs::write(dir.join(PLACES_FILE), b"{\"format\":1,\"pla").expect("write");
        assert!(read(&dir).is_empty());
        std::fs::write(
            dir.join(PLACES_FILE),
            b"{\"format\":2,\"places\":[[1,2,3]]}",
        )
        .expect("write");
        assert!(read(&dir).is_empty());
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("amphi-places-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }
}
