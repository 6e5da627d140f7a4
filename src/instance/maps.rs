//! Each event's own venue map.
//!
//! The map must be known before an event's journal is replayed (replay
//! checks rooms), so it is not in the journal: the event directory holds
//! it. `<event dir>/map-choice` names the map (written once, at creation):
//!
//! - absent, or `default`: the server's map (`--map`, or the embedded
//!   venue) — every event stored before maps were per event;
//! - a map shipped in `assets/maps` (`campus`), drawn from `/assets/maps/`;
//! - `uploaded`: the Tiled map sent at creation with its files (external
//!   tilesets, PNG tileset images), checked with the same loader as
//!   `amphi check-map` and [`super::map_upload`] (every problem listed),
//!   and kept as sent: `<event dir>/map.tmj` and `<event dir>/map-files/`.
//!   Its images are served at `/api/events/<id>/map-files/<name>`. A map
//!   stored before images were uploaded (`map.tmj` alone) still loads; its
//!   tiles are drawn as flat colours, or from `/assets/tiles/` when a tile
//!   image of that name ships with the server.

use super::map_upload::{self, MapUpload, MissingImage};
use crate::domain::settings::{SERVER_MAP, UPLOADED_MAP};
use crate::store::layout::sync_dir;
use crate::venue::Venue;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file naming an event's map.
const CHOICE_FILE: &str = "map-choice";
/// The file holding an uploaded map.
const UPLOADED_FILE: &str = "map.tmj";
/// The folder holding an uploaded map's files.
const FILES_DIR: &str = "map-files";
/// Largest uploaded map, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 8 << 20;

/// A venue ready for an event's hub.
#[derive(Debug, Clone)]
pub struct EventMap {
    pub venue: Arc<Venue>,
    /// The map clients draw.
    pub map_text: Arc<str>,
    /// Where clients fetch it; `None`: `/api/events/<id>/map`.
    pub map_url: Option<String>,
}

/// Why a map choice is refused: every problem of the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRefusal {
    pub problems: Vec<String>,
}

impl MapRefusal {
    fn one(problem: impl Into<String>) -> MapRefusal {
        MapRefusal {
            problems: vec![problem.into()],
        }
    }
}

impl std::fmt::Display for MapRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "map refused: {}", self.problems.join("; "))
    }
}

/// The URL an event's uploaded map files are served under.
pub fn files_url(slug: &str) -> String {
    format!("/api/events/{slug}/map-files/")
}

/// Resolves a map choice for an event: the server's map, a shipped one,
/// or an uploaded map with its files (checked, every problem listed).
/// `missing` says what a tileset image not sent means.
pub fn choose(
    choice: &str,
    upload: Option<&MapUpload>,
    slug: &str,
    missing: MissingImage,
    server: &EventMap,
) -> Result<EventMap, MapRefusal> {
    match (choice, upload) {
        (UPLOADED_MAP, Some(upload)) => {
            if upload.map_tmj.len() > MAX_UPLOAD_BYTES {
                return Err(MapRefusal::one(format!(
                    "the map is larger than {MAX_UPLOAD_BYTES} bytes"
                )));
            }
            let shipped = |name: &str| crate::net::shipped_tile(name);
            match map_upload::check(upload, &files_url(slug), missing, &shipped) {
                Ok(checked) => Ok(EventMap {
                    venue: Arc::new(checked.venue),
                    map_text: Arc::from(checked.drawable.as_str()),
                    map_url: None,
                }),
                Err(problems) => Err(MapRefusal {
                    problems: problems.iter().map(ToString::to_string).collect(),
                }),
            }
        }
        (UPLOADED_MAP, None) => Err(MapRefusal::one(
            "map 'uploaded' needs the map's text (map_tmj)",
        )),
        (_, Some(_)) => Err(MapRefusal::one("a map was sent but map is not 'uploaded'")),
        (SERVER_MAP, None) => Ok(server.clone()),
        (name, None) => shipped(name),
    }
}

/// A map shipped in `assets/maps`.
fn shipped(name: &str) -> Result<EventMap, MapRefusal> {
    let Some(text) = crate::net::shipped_map(name) else {
        let known = crate::net::shipped_map_names().join(", ");
        return Err(MapRefusal::one(format!(
            "no map is called '{name}' (shipped: {known}; or 'uploaded')"
        )));
    };
    let venue = Venue::from_tmj(&text).map_err(|e| MapRefusal::one(e.to_string()))?;
    Ok(EventMap {
        venue: Arc::new(venue),
        map_text: Arc::from(text.as_str()),
        map_url: Some(format!("/assets/maps/{name}.tmj")),
    })
}

/// Writes the map choice (and an uploaded map with its files) into a new
/// event directory, durably, before anything is journaled there. The
/// file names were checked ([`map_upload::valid_name`]).
pub fn write(dir: &Path, choice: &str, uploaded: Option<&MapUpload>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    if let Some(upload) = uploaded {
        if !upload.files.is_empty() {
            let files = dir.join(FILES_DIR);
            std::fs::create_dir_all(&files)?;
            for (name, bytes) in &upload.files {
                write_file(&files, name, bytes)?;
            }
            sync_dir(&files)?;
        }
        write_file(dir, UPLOADED_FILE, upload.map_tmj.as_bytes())?;
    }
    write_file(dir, CHOICE_FILE, choice.as_bytes())?;
    sync_dir(dir)
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, dir.join(name))
}

/// The uploaded map of a stored event, as it was sent (for a restart or a
/// clone).
pub fn read_upload(dir: &Path) -> std::io::Result<MapUpload> {
    let map_tmj = std::fs::read_to_string(dir.join(UPLOADED_FILE))?;
    let mut files = std::collections::BTreeMap::new();
    match std::fs::read_dir(dir.join(FILES_DIR)) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().to_string();
                if map_upload::valid_name(&name) && entry.file_type()?.is_file() {
                    files.insert(name, std::fs::read(entry.path())?);
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    Ok(MapUpload { map_tmj, files })
}

/// Where an uploaded map's file `name` is kept, if `name` is a plain file
/// name (anything else could climb out of the event's directory).
pub fn file_path(dir: &Path, name: &str) -> Option<PathBuf> {
    map_upload::valid_name(name).then(|| dir.join(FILES_DIR).join(name))
}

/// The map of a stored event: what its directory says, or the server's.
pub fn read(dir: &Path, slug: &str, server: &EventMap) -> Result<EventMap, MapRefusal> {
    let choice = match std::fs::read_to_string(dir.join(CHOICE_FILE)) {
        Ok(text) => text.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(server.clone()),
        Err(e) => return Err(MapRefusal::one(format!("cannot read {CHOICE_FILE}: {e}"))),
    };
    if choice == UPLOADED_MAP {
        let upload = read_upload(dir)
            .map_err(|e| MapRefusal::one(format!("cannot read the uploaded map: {e}")))?;
        return choose(
            UPLOADED_MAP,
            Some(&upload),
            slug,
            MissingImage::FlatColours,
            server,
        );
    }
    choose(&choice, None, slug, MissingImage::Refuse, server)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> EventMap {
        let text = Venue::DEFAULT_MAP_TMJ;
        EventMap {
            venue: Arc::new(Venue::from_tmj(text).unwrap()),
            map_text: Arc::from(text),
            map_url: Some("/assets/maps/default.tmj".into()),
        }
    }

    fn uploaded(text: &str) -> MapUpload {
        MapUpload {
            map_tmj: text.to_string(),
            files: Default::default(),
        }
    }

    #[test]
    fn shipped_and_server_maps_resolve() {
        let campus = choose("campus", None, "e", MissingImage::Refuse, &server()).unwrap();
        assert_eq!(campus.map_url.as_deref(), Some("/assets/maps/campus.tmj"));
        assert!(campus.venue.rooms.len() != server().venue.rooms.len());
        assert!(choose("default", None, "e", MissingImage::Refuse, &server()).is_ok());
    }

    #[test]
    fn unknown_and_broken_maps_are_refused_with_every_problem() {
        let err = choose("moon", None, "e", MissingImage::Refuse, &server()).unwrap_err();
        assert!(err.problems[0].contains("campus"), "{err}");
        let broken = r#"{"type":"map","orientation":"orthogonal","width":0,"height":0,"tilewidth":0,"tileheight":32,"layers":[],"tilesets":[]}"#;
        let up = uploaded(broken);
        let err = choose("uploaded", Some(&up), "e", MissingImage::Refuse, &server()).unwrap_err();
        assert!(err.problems.len() >= 2, "{err}");
        assert!(choose("uploaded", None, "e", MissingImage::Refuse, &server()).is_err());
    }

    #[test]
    fn a_stored_upload_reads_back_with_its_files() {
        use amphi_testkit::maps::{embedded_tileset, office_png, tmj};
        let dir = std::env::temp_dir().join(format!("amphi-map-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            read(&dir, "e", &server()).unwrap().map_url,
            server().map_url,
            "no choice: the server's map"
        );
        let mut up = uploaded(&tmj(embedded_tileset("office.png")));
        up.files.insert("office.png".into(), office_png());
        write(&dir, "uploaded", Some(&up)).unwrap();
        assert_eq!(read_upload(&dir).unwrap(), up);
        let map = read(&dir, "e", &server()).unwrap();
        assert_eq!(map.map_url, None);
        assert!(map.map_text.contains("/api/events/e/map-files/office.png"));
        assert_eq!(
            std::fs::read(file_path(&dir, "office.png").unwrap()).unwrap(),
            office_png()
        );
        assert_eq!(file_path(&dir, "../map-choice"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_map_stored_before_images_were_uploaded_still_loads() {
        let dir = std::env::temp_dir().join(format!("amphi-map-old-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write(&dir, "uploaded", Some(&uploaded(Venue::DEFAULT_MAP_TMJ))).unwrap();
        assert_eq!(read(&dir, "e", &server()).unwrap().map_url, None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
