//! The web client (`web/`) and the venue assets (`assets/`), embedded in the
//! binary so that one file is a complete server. In debug builds they are read
//! from disk, so editing a page needs no rebuild.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "web/"]
struct WebFiles;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct AssetFiles;

fn respond(path: &str, file: Option<rust_embed::EmbeddedFile>) -> Response {
    match file {
        Some(file) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_string()),
                    (header::CACHE_CONTROL, "no-cache".to_string()),
                ],
                file.data,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// A page of the web client by its file name, for pages served at their own
/// route (the gallery, the sign-up page).
pub fn web_page(name: &str) -> Response {
    respond(name, WebFiles::get(name))
}

/// `/`: the venue page.
pub async fn index() -> Response {
    respond("index.html", WebFiles::get("index.html"))
}

/// Pages that only watch (`hello` with `watch`): served only while the
/// configuration lets watchers in (`live_page`).
const WATCH_PAGES: &[&str] = &["live", "live.html", "stage", "stage.html"];

/// Any other page or script of the web client; `/live` → `live.html`.
pub async fn page(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<super::AppState>>,
    Path(path): Path<String>,
) -> Response {
    if !state.config.live_page && WATCH_PAGES.contains(&path.as_str()) {
        return (
            StatusCode::NOT_FOUND,
            "the public live page is turned off on this server (live_page = false)",
        )
            .into_response();
    }
    if let Some(file) = WebFiles::get(&path) {
        return respond(&path, Some(file));
    }
    let html = format!("{path}.html");
    let file = WebFiles::get(&html);
    respond(&html, file)
}

/// The text of a map shipped in `assets/maps` (`campus` → `maps/campus.tmj`).
pub fn shipped_map(name: &str) -> Option<String> {
    let file = AssetFiles::get(&format!("maps/{name}.tmj"))?;
    String::from_utf8(file.data.into_owned()).ok()
}

/// The names of the maps shipped in `assets/maps`, sorted.
pub fn shipped_map_names() -> Vec<String> {
    let mut names: Vec<String> = AssetFiles::iter()
        .filter_map(|path| {
            path.strip_prefix("maps/")?
                .strip_suffix(".tmj")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Whether a tile image of that name ships in `assets/tiles`.
pub fn shipped_tile(name: &str) -> bool {
    AssetFiles::get(&format!("tiles/{name}")).is_some()
}

/// `/assets/...`: maps and tiles.
pub async fn asset(Path(path): Path<String>) -> Response {
    let file = AssetFiles::get(&path);
    respond(&path, file)
}

/// `/venue/...`: files of a custom map given with `--map` (its tileset
/// images), from its map root (`--map-root`, default the map's folder).
/// Nothing outside that directory is reachable, through `..` or links.
pub async fn venue_file(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<super::AppState>>,
    Path(path): Path<String>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    let Some(map) = state.config.map.as_deref() else {
        return not_found();
    };
    let root = crate::map_files::MapRoot::for_map(map, state.config.map_root.as_deref());
    let Some(file) = root.ok().and_then(|root| root.inside(&path)) else {
        return not_found();
    };
    match tokio::fs::read(file).await {
        Ok(bytes) => {
            let mime = mime_guess::from_path(&path).first_or_octet_stream();
            ([(header::CONTENT_TYPE, mime.as_ref().to_string())], bytes).into_response()
        }
        Err(_) => not_found(),
    }
}
