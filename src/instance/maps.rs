//! Each event's own venue map.
//!
//! The map must be known before an event's journal is replayed (replay
//! checks rooms), so it is not in the journal: the event directory holds
//! it. `<event dir>/map-choice` names the map (written once, at creation):
//!
//! - absent, or `default`: the server's map (`--map`, or the embedded
//!   venue) — every event stored before maps were per event;
//! - a map shipped in `assets/maps` (`campus`), drawn from `/assets/maps/`;
//! - `uploaded`: the Tiled map sent at creation, checked with the same
//!   loader as `amphi check-map` (every problem listed) and kept as
//!   `<event dir>/map.tmj` in its drawable form (tilesets embedded).

use crate::domain::settings::{SERVER_MAP, UPLOADED_MAP};
use crate::store::layout::sync_dir;
use crate::venue::MapFormat;
use crate::venue::{MapError, Venue};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// The file naming an event's map.
const CHOICE_FILE: &str = "map-choice";
/// The file holding an uploaded map.
const UPLOADED_FILE: &str = "map.tmj";
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

/// Resolves a map choice for a new event: the server's map, a shipped one,
/// or the uploaded text (checked, every problem listed). Also returns the
/// text to keep in the event directory for an uploaded map.
pub fn choose(
    choice: &str,
    upload: Option<&str>,
    server: &EventMap,
) -> Result<(EventMap, Option<String>), MapRefusal> {
    match (choice, upload) {
        (UPLOADED_MAP, Some(text)) => {
            if text.len() > MAX_UPLOAD_BYTES {
                return Err(MapRefusal::one(format!(
                    "the map is larger than {MAX_UPLOAD_BYTES} bytes"
                )));
            }
            let no_files = |path: &str| -> Result<String, String> {
                Err(format!(
                    "an uploaded map must embed its tilesets (it refers to '{path}')"
                ))
            };
            let report = Venue::load_report(text, MapFormat::Json, &no_files);
            match (report.venue, report.drawable) {
                (Some(venue), Some(drawable)) if report.problems.is_empty() => {
                    let drawable = drawable.to_string();
                    Ok((
                        EventMap {
                            venue: Arc::new(venue),
                            map_text: Arc::from(drawable.as_str()),
                            map_url: None,
                        },
                        Some(drawable),
                    ))
                }
                _ => Err(MapRefusal {
                    problems: report.problems.iter().map(MapError::to_string).collect(),
                }),
            }
        }
        (UPLOADED_MAP, None) => Err(MapRefusal::one(
            "map 'uploaded' needs the map's text (map_tmj)",
        )),
        (_, Some(_)) => Err(MapRefusal::one("a map was sent but map is not 'uploaded'")),
        (SERVER_MAP, None) => Ok((server.clone(), None)),
        (name, None) => shipped(name).map(|map| (map, None)),
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

/// Writes the map choice (and an uploaded map) into a new event directory,
/// durably, before anything is journaled there.
pub fn write(dir: &Path, choice: &str, uploaded: Option<&str>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    if let Some(text) = uploaded {
        write_file(dir, UPLOADED_FILE, text)?;
    }
    write_file(dir, CHOICE_FILE, choice)?;
    sync_dir(dir)
}

fn write_file(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, dir.join(name))
}

/// The map of a stored event: what its directory says, or the server's.
pub fn read(dir: &Path, server: &EventMap) -> Result<EventMap, MapRefusal> {
    let choice = match std::fs::read_to_string(dir.join(CHOICE_FILE)) {
        Ok(text) => text.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(server.clone()),
        Err(e) => return Err(MapRefusal::one(format!("cannot read {CHOICE_FILE}: {e}"))),
    };
    if choice == UPLOADED_MAP {
        let text = std::fs::read_to_string(dir.join(UPLOADED_FILE))
            .map_err(|e| MapRefusal::one(format!("cannot read {UPLOADED_FILE}: {e}")))?;
        return choose(UPLOADED_MAP, Some(&text), server).map(|(map, _)| map);
    }
    choose(&choice, None, server).map(|(map, _)| map)
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

    #[test]
    fn shipped_and_server_maps_resolve() {
        let (campus, kept) = choose("campus", None, &server()).unwrap();
        assert_eq!(campus.map_url.as_deref(), Some("/assets/maps/campus.tmj"));
        assert!(kept.is_none());
        assert!(campus.venue.rooms.len() != server().venue.rooms.len());
        assert!(choose("default", None, &server()).is_ok());
    }

    #[test]
    fn unknown_and_broken_maps_are_refused_with_every_problem() {
        let err = choose("moon", None, &server()).unwrap_err();
        assert!(err.problems[0].contains("campus"), "{err}");
        let broken = r#"{"type":"map","orientation":"orthogonal","width":0,"height":0,"tilewidth":0,"tileheight":32,"layers":[],"tilesets":[]}"#;
        let err = choose("uploaded", Some(broken), &server()).unwrap_err();
        assert!(err.problems.len() >= 2, "{err}");
        assert!(choose("uploaded", None, &server()).is_err());
    }

    #[test]
    fn a_stored_choice_reads_back() {
        let dir = std::env::temp_dir().join(format!("amphi-map-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            read(&dir, &server()).unwrap().map_url,
            server().map_url,
            "no choice: the server's map"
        );
        write(&dir, "uploaded", Some(Venue::DEFAULT_MAP_TMJ)).unwrap();
        assert_eq!(read(&dir, &server()).unwrap().map_url, None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
