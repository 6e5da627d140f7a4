//! A custom map on disk: the directory the operator lets the server serve
//! (`--map-root`, default the map's folder), the map and its tilesets read
//! from inside it, and the URLs its tileset images are served at.
//!
//! One rule, in one place ([`MapRoot::inside`]): a file is read or served
//! only if its real path (symbolic links followed) lies inside the root.
//! The venue loader stays pure; this is its file-system side, shared by the
//! server, `amphi check-map` and the `/venue/` route.

use std::path::{Component, Path, PathBuf};

use crate::venue::{self, MapFormat, MapReport};

/// Where a custom map's files are served from, under this URL prefix.
pub const VENUE_URL: &str = "/venue/";

/// The directory a custom map and its files must lie in.
#[derive(Debug, Clone)]
pub struct MapRoot {
    /// Canonical path of the root.
    root: PathBuf,
}

/// A tileset image and whether the server can serve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    /// The tileset it belongs to.
    pub tileset: String,
    /// Path relative to the map root.
    pub path: String,
    pub found: bool,
}

/// A custom map read from disk and checked, files included.
#[derive(Debug)]
pub struct DiskMap {
    /// The loader's report, with problems about files outside the root and
    /// warnings about missing images added.
    pub report: MapReport,
    /// The map's folder, relative to the root (`""` when they are the same).
    pub folder: String,
    pub images: Vec<ImageFile>,
}

/// The map could not be read at all (no report to give).
#[derive(Debug, thiserror::Error)]
pub enum MapFileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the map {map} is not inside the map root {root}: pass --map-root with a folder that holds it"
    )]
    OutsideRoot { map: String, root: String },
}

/// A path from the map's folder (`../tilesets/a.tsx`, the map's folder being
/// `folder` from the root) as a path from the root, or `None` if it climbs
/// out of the root.
fn root_path(folder: &str, relative: &str) -> Option<String> {
    let joined = venue::join_path(&format!("{folder}/x"), relative)?;
    (joined != ".." && !joined.starts_with("../")).then_some(joined)
}

/// A relative file path as a URL path: bytes other than letters, digits,
/// `-._~` and `/` percent-encoded, so names with spaces, `#` or `?` work.
fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl MapRoot {
    /// The root for a map: `root` if given, else the map's folder.
    pub fn for_map(map: &Path, root: Option<&Path>) -> Result<MapRoot, MapFileError> {
        let dir = match root {
            Some(root) => root.to_path_buf(),
            None => map
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
        };
        let root = dir.canonicalize().map_err(|source| MapFileError::Read {
            path: dir.display().to_string(),
            source,
        })?;
        Ok(MapRoot { root })
    }

    /// The real path of `relative` (a path from the root, as in a URL) if it
    /// names an existing file inside the root; `None` for anything else,
    /// including `..`, absolute paths and links that lead outside.
    pub fn inside(&self, relative: &str) -> Option<PathBuf> {
        let path = Path::new(relative);
        if !path.components().all(|c| matches!(c, Component::Normal(_))) {
            return None;
        }
        let real = self.root.join(path).canonicalize().ok()?;
        (real.starts_with(&self.root) && real.is_file()).then_some(real)
    }

    /// Reads the map at `path` and every file it refers to, inside the root.
    pub fn load(&self, path: &Path) -> Result<DiskMap, MapFileError> {
        let shown = path.display().to_string();
        let read_err = |source| MapFileError::Read {
            path: shown.clone(),
            source,
        };
        let real = path.canonicalize().map_err(read_err)?;
        let text = std::fs::read_to_string(&real).map_err(read_err)?;
        let folder = real
            .parent()
            .and_then(|dir| dir.strip_prefix(&self.root).ok())
            .ok_or_else(|| MapFileError::OutsideRoot {
                map: shown.clone(),
                root: self.root.display().to_string(),
            })?;
        let folder = folder
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let root_shown = self.root.display().to_string();
        let read_file = |relative: &str| -> Result<String, String> {
            let outside = || {
                format!(
                    "{relative} is outside the map root {root_shown}: pass --map-root with a \
                     folder that holds the map and its tilesets"
                )
            };
            let from_root = root_path(&folder, relative).ok_or_else(outside)?;
            let file = self.inside(&from_root).ok_or_else(|| {
                if self.root.join(&from_root).exists() {
                    outside()
                } else {
                    "no such file".to_string()
                }
            })?;
            std::fs::read_to_string(file).map_err(|e| e.to_string())
        };
        let name = real.to_string_lossy().to_string();
        let mut report = venue::Venue::load_report(&text, MapFormat::of_path(&name), &read_file);
        let images = self.check_images(&folder, &mut report);
        Ok(DiskMap {
            report,
            folder,
            images,
        })
    }

    /// Points each drawn tileset's image at its URL and checks it exists.
    /// An image outside the root or missing is only a warning (the venue
    /// works; clients draw those tiles as flat colours), and is not served.
    fn check_images(&self, folder: &str, report: &mut MapReport) -> Vec<ImageFile> {
        let mut images = Vec::new();
        let Some(tilesets) = report
            .drawable
            .as_mut()
            .and_then(|d| d.get_mut("tilesets"))
            .and_then(|t| t.as_array_mut())
        else {
            return images;
        };
        for ts in tilesets {
            let name = ts["name"].as_str().unwrap_or_default().to_string();
            let Some(image) = ts["image"].as_str().map(str::to_string) else {
                continue;
            };
            let Some(path) = root_path(folder, &image) else {
                report.warnings.push(format!(
                    "tileset '{name}': image {image} is outside the map root {}, so it is \
                     not served and clients draw its tiles as flat colours: pass --map-root \
                     with a folder that holds the map and its tilesets",
                    self.root.display()
                ));
                ts["image"] = serde_json::Value::Null;
                images.push(ImageFile {
                    tileset: name,
                    path: image,
                    found: false,
                });
                continue;
            };
            let found = self.inside(&path).is_some();
            if !found {
                report.warnings.push(format!(
                    "tileset '{name}': image {path} not found in the map root: \
                     clients will draw its tiles as flat colours"
                ));
            }
            ts["image"] = serde_json::Value::String(format!("{VENUE_URL}{}", url_path(&path)));
            images.push(ImageFile {
                tileset: name,
                path,
                found,
            });
        }
        images
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_escape_what_a_url_would_misread() {
        assert_eq!(url_path("tilesets/office.png"), "tilesets/office.png");
        assert_eq!(url_path("my tiles/#1?.png"), "my%20tiles/%231%3F.png");
        assert_eq!(url_path("bâtiment.png"), "b%C3%A2timent.png");
    }

    #[test]
    fn root_paths_never_climb_out() {
        assert_eq!(
            root_path("maps", "../tilesets/a.tsx").as_deref(),
            Some("tilesets/a.tsx")
        );
        assert_eq!(root_path("", "a.tsx").as_deref(), Some("a.tsx"));
        assert_eq!(root_path("maps", "../../a.tsx"), None);
        assert_eq!(root_path("", "../a.tsx"), None);
        assert_eq!(root_path("", "/etc/passwd"), None);
    }
}
