//! An organizer's own Tiled map, sent with its files: the map (JSON), its
//! external tilesets (`.tsj`, `.tsx`) and its tileset images (PNG).
//!
//! Everything is checked before anything is kept, and every problem is
//! listed ([`FileProblem`], with the loader's own problems): file names
//! (plain names only, so nothing can climb out of the event's directory),
//! sizes, each image being a well-formed PNG whose size matches what its
//! tileset declares (image size, columns, enough rows for its tiles), no
//! file missing, none sent for nothing.
//!
//! The map refers to its files by paths (`../tilesets/office.png`); a
//! browser sends only file names, so a reference is matched by its last
//! component. Each image is then served at `<url_prefix><name>` and the
//! map clients draw points there. A tileset image not sent but shipped
//! with the server (`assets/tiles/`) is drawn from `/assets/tiles/`.
//!
//! Pure: no file system, no network. [`super::maps`] stores and reads.

use crate::uploads::detect::{self, DetectError};
use crate::venue::{MapError, MapFormat, Venue};
use serde_json::Value;
use std::collections::BTreeMap;

/// Largest single file sent with a map, in bytes.
pub const MAX_FILE_BYTES: usize = 4 << 20;
/// Largest total of the files sent with a map, in bytes.
pub const MAX_FILES_BYTES: usize = 16 << 20;
/// Most files sent with a map.
pub const MAX_FILES: usize = 64;
/// Widest or tallest tileset image, in pixels (browsers' canvas limits).
pub const MAX_IMAGE_SIDE: u32 = 8192;
/// Longest file name.
const MAX_NAME: usize = 100;

/// A map and the files sent with it, by file name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapUpload {
    pub map_tmj: String,
    pub files: BTreeMap<String, Vec<u8>>,
}

/// What to do with a tileset image that was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingImage {
    /// A new upload: refuse it.
    Refuse,
    /// A map stored before images were uploaded: draw flat colours.
    FlatColours,
}

/// A problem with the files of an uploaded map. Nothing is kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error(
        "file '{0}': not a plain file name (letters, digits, spaces and -_. only; no folders, \
         no '..', at most {MAX_NAME} characters)"
    )]
    BadName(String),
    #[error("file '{0}': not valid base64")]
    NotBase64(String),
    #[error("file '{name}': {size} bytes, more than {MAX_FILE_BYTES}")]
    FileTooLarge { name: String, size: usize },
    #[error("the files add up to {0} bytes, more than {MAX_FILES_BYTES}")]
    TooMuchData(usize),
    #[error("{0} files, more than {MAX_FILES}")]
    TooManyFiles(usize),
    #[error("the map refers to two different files named '{name}' ({first} and {second})")]
    AmbiguousName {
        name: String,
        first: String,
        second: String,
    },
    #[error("tileset '{tileset}': image '{name}' was not sent with the map")]
    MissingImage { tileset: String, name: String },
    #[error("tileset '{tileset}': image '{name}' is not a usable PNG: {why}")]
    BadImage {
        tileset: String,
        name: String,
        why: String,
    },
    #[error(
        "tileset '{tileset}': image '{name}' is {width}×{height} pixels, more than \
         {MAX_IMAGE_SIDE} on a side"
    )]
    ImageTooLarge {
        tileset: String,
        name: String,
        width: u32,
        height: u32,
    },
    #[error(
        "tileset '{tileset}': image '{name}' is {width}×{height} pixels but the tileset \
         declares {declared_width}×{declared_height}"
    )]
    WrongImageSize {
        tileset: String,
        name: String,
        width: u32,
        height: u32,
        declared_width: u32,
        declared_height: u32,
    },
    #[error(
        "tileset '{tileset}': image '{name}' holds {fits} columns of tiles but the tileset \
         declares {columns}"
    )]
    WrongColumns {
        tileset: String,
        name: String,
        fits: u32,
        columns: u32,
    },
    #[error(
        "tileset '{tileset}': image '{name}' holds {fits} tiles but the tileset declares \
         {tilecount}"
    )]
    TooFewTiles {
        tileset: String,
        name: String,
        fits: u32,
        tilecount: u32,
    },
    #[error("file '{0}' is not used by the map")]
    Unused(String),
}

impl FileProblem {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            FileProblem::BadName(_) => "bad_file_name",
            FileProblem::NotBase64(_) => "not_base64",
            FileProblem::FileTooLarge { .. } => "file_too_large",
            FileProblem::TooMuchData(_) => "too_much_data",
            FileProblem::TooManyFiles(_) => "too_many_files",
            FileProblem::AmbiguousName { .. } => "ambiguous_file_name",
            FileProblem::MissingImage { .. } => "missing_image",
            FileProblem::BadImage { .. } => "bad_image",
            FileProblem::ImageTooLarge { .. } => "image_too_large",
            FileProblem::WrongImageSize { .. } => "wrong_image_size",
            FileProblem::WrongColumns { .. } => "wrong_columns",
            FileProblem::TooFewTiles { .. } => "too_few_tiles",
            FileProblem::Unused(_) => "unused_file",
        }
    }
}

/// One problem of an uploaded map: the loader's, or one of its files.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadProblem {
    Map(MapError),
    File(FileProblem),
}

impl std::fmt::Display for UploadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadProblem::Map(e) => write!(f, "{e}"),
            UploadProblem::File(p) => write!(f, "{p}"),
        }
    }
}

/// An accepted map: the venue, and the map clients draw (images pointing
/// at their URLs).
#[derive(Debug)]
pub struct CheckedMap {
    pub venue: Venue,
    pub drawable: String,
}

/// Whether `name` is a plain file name, safe as a path component and in
/// a URL path.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && !name.starts_with('.')
        && !name.starts_with(' ')
        && !name.ends_with(' ')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
}

/// Decodes the files of a request (`name → base64`); an undecodable file
/// is a problem and left out.
pub fn decode_files(
    encoded: &BTreeMap<String, String>,
) -> (BTreeMap<String, Vec<u8>>, Vec<FileProblem>) {
    use base64::Engine;
    let mut files = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, text) in encoded {
        match base64::engine::general_purpose::STANDARD.decode(text.trim()) {
            Ok(bytes) => {
                files.insert(name.clone(), bytes);
            }
            Err(_) => problems.push(FileProblem::NotBase64(name.clone())),
        }
    }
    (files, problems)
}

/// The last component of a path from the map's folder.
fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `name` with bytes a URL path would misread percent-encoded.
fn url_component(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks `upload`; images are served at `url_prefix` + file name.
/// `shipped_tile` says whether a tile image of that name ships with the
/// server. Returns every problem, or the checked map.
pub fn check(
    upload: &MapUpload,
    url_prefix: &str,
    missing: MissingImage,
    shipped_tile: &dyn Fn(&str) -> bool,
) -> Result<CheckedMap, Vec<UploadProblem>> {
    let mut problems: Vec<FileProblem> = check_files(&upload.files);
    let read_file = |path: &str| -> Result<String, String> {
        let name = base_name(path);
        match upload.files.get(name) {
            Some(bytes) => {
                String::from_utf8(bytes.clone()).map_err(|_| format!("'{name}' is not UTF-8 text"))
            }
            None => Err(format!("'{name}' was not sent with the map")),
        }
    };
    let mut report = Venue::load_report(&upload.map_tmj, MapFormat::Json, &read_file);
    let mut used = BTreeMap::<String, String>::new();
    let mut note_use = |path: &str, problems: &mut Vec<FileProblem>| {
        let name = base_name(path).to_string();
        match used.get(&name) {
            Some(first) if first != path => problems.push(FileProblem::AmbiguousName {
                name,
                first: first.clone(),
                second: path.to_string(),
            }),
            Some(_) => {}
            None => {
                used.insert(name, path.to_string());
            }
        }
    };
    for ts in &report.tilesets {
        if let Some(source) = &ts.source {
            note_use(source, &mut problems);
        }
    }
    if let Some(tilesets) = report
        .drawable
        .as_mut()
        .and_then(|d| d.get_mut("tilesets"))
        .and_then(Value::as_array_mut)
    {
        for ts in tilesets {
            let Some(path) = ts["image"].as_str().map(str::to_string) else {
                continue;
            };
            note_use(&path, &mut problems);
            let name = base_name(&path).to_string();
            let tileset = ts["name"].as_str().unwrap_or_default().to_string();
            ts["image"] = match upload.files.get(&name) {
                Some(bytes) => {
                    problems.extend(check_image(ts, &tileset, &name, bytes));
                    Value::String(format!("{url_prefix}{}", url_component(&name)))
                }
                None if shipped_tile(&name) => {
                    Value::String(format!("/assets/tiles/{}", url_component(&name)))
                }
                None if missing == MissingImage::FlatColours => Value::Null,
                None => {
                    problems.push(FileProblem::MissingImage { tileset, name });
                    Value::Null
                }
            };
        }
    }
    for name in upload.files.keys() {
        if valid_name(name) && !used.contains_key(name) {
            problems.push(FileProblem::Unused(name.clone()));
        }
    }
    let mut all: Vec<UploadProblem> = report
        .problems
        .into_iter()
        .map(UploadProblem::Map)
        .collect();
    all.extend(problems.into_iter().map(UploadProblem::File));
    match (report.venue, report.drawable) {
        (Some(venue), Some(drawable)) if all.is_empty() => Ok(CheckedMap {
            venue,
            drawable: drawable.to_string(),
        }),
        _ => Err(all),
    }
}

/// Names, sizes and counts of the files sent.
fn check_files(files: &BTreeMap<String, Vec<u8>>) -> Vec<FileProblem> {
    let mut problems = Vec::new();
    if files.len() > MAX_FILES {
        problems.push(FileProblem::TooManyFiles(files.len()));
    }
    let total: usize = files.values().map(Vec::len).sum();
    if total > MAX_FILES_BYTES {
        problems.push(FileProblem::TooMuchData(total));
    }
    for (name, bytes) in files {
        if !valid_name(name) {
            problems.push(FileProblem::BadName(name.clone()));
        } else if bytes.len() > MAX_FILE_BYTES {
            problems.push(FileProblem::FileTooLarge {
                name: name.clone(),
                size: bytes.len(),
            });
        }
    }
    problems
}

/// The width and height of a well-formed PNG.
fn png_size(bytes: &[u8]) -> Result<(u32, u32), String> {
    match detect::detect(bytes) {
        Ok(crate::domain::projects::FileKind::Png) => {}
        Ok(_) | Err(DetectError::Unsupported) => return Err("not a PNG file".into()),
        Err(e) => return Err(e.to_string()),
    }
    let field = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
    };
    let (Some(width), Some(height)) = (field(16), field(20)) else {
        return Err("no image header".into());
    };
    let crc_ok = bytes
        .get(12..29)
        .zip(field(29))
        .is_some_and(|(chunk, crc)| crc32fast::hash(chunk) == crc);
    if !crc_ok {
        return Err("its header is corrupt (bad checksum)".into());
    }
    if width == 0 || height == 0 {
        return Err("it has no pixels".into());
    }
    Ok((width, height))
}

/// One tileset image against what its tileset declares.
fn check_image(ts: &Value, tileset: &str, name: &str, bytes: &[u8]) -> Vec<FileProblem> {
    let (width, height) = match png_size(bytes) {
        Ok(size) => size,
        Err(why) => {
            return vec![FileProblem::BadImage {
                tileset: tileset.into(),
                name: name.into(),
                why,
            }];
        }
    };
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return vec![FileProblem::ImageTooLarge {
            tileset: tileset.into(),
            name: name.into(),
            width,
            height,
        }];
    }
    let num = |key: &str| ts[key].as_u64().and_then(|n| u32::try_from(n).ok());
    let mut problems = Vec::new();
    let declared = (num("imagewidth"), num("imageheight"));
    if let (Some(dw), Some(dh)) = declared
        && (dw, dh) != (width, height)
    {
        problems.push(FileProblem::WrongImageSize {
            tileset: tileset.into(),
            name: name.into(),
            width,
            height,
            declared_width: dw,
            declared_height: dh,
        });
    }
    let margin = num("margin").unwrap_or(0);
    let spacing = num("spacing").unwrap_or(0);
    let fit = |side: u32, tile: Option<u32>| match tile {
        Some(tile) if tile > 0 => {
            (side.saturating_sub(2 * margin) + spacing) / (tile.saturating_add(spacing))
        }
        _ => 0,
    };
    let columns = fit(width, num("tilewidth"));
    let rows = fit(height, num("tileheight"));
    if let Some(declared) = num("columns")
        && declared > 0
        && declared != columns
    {
        problems.push(FileProblem::WrongColumns {
            tileset: tileset.into(),
            name: name.into(),
            fits: columns,
            columns: declared,
        });
    }
    if let Some(tilecount) = num("tilecount")
        && columns.saturating_mul(rows) < tilecount
    {
        problems.push(FileProblem::TooFewTiles {
            tileset: tileset.into(),
            name: name.into(),
            fits: columns.saturating_mul(rows),
            tilecount,
        });
    }
    problems
}

#[cfg(test)]
#[path = "map_upload_tests.rs"]
mod tests;
