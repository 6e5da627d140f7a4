//! `amphi check-map FILE`: every problem of a map at once, then what an event
//! would get from it, without a port or a data directory.
//!
//! The text is for people (venue designers); the exit status for scripts.

use std::fmt::Write;
use std::path::Path;

use crate::domain::Role;
use crate::map_files::{DiskMap, MapRoot};
use crate::venue::{RoomKind, Venue};

/// Rooms of one kind named in the summary; the rest are counted.
const LISTED_ROOMS: usize = 8;

/// The report's text, and whether the map can be used.
pub fn check_map(path: &Path, root: Option<&Path>) -> (String, bool) {
    let disk = match MapRoot::for_map(path, root).and_then(|root| root.load(path)) {
        Ok(disk) => disk,
        Err(e) => return (format!("error: {e}\n"), false),
    };
    let ok = disk.report.problems.is_empty();
    (render(path, &disk), ok)
}

fn render(path: &Path, disk: &DiskMap) -> String {
    let report = &disk.report;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "map {}", path.display());
    for problem in &report.problems {
        let _ = writeln!(
            w,
            "problem: {}",
            problem.to_string().trim_start_matches("map error: ")
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(w, "warning: {warning}");
    }
    if let Some(venue) = &report.venue {
        summary(w, venue);
    }
    let found = disk.images.iter().filter(|i| i.found).count();
    let missing_sets = report.tilesets.iter().filter(|t| !t.loaded).count();
    let _ = writeln!(
        w,
        "tilesets: {} read, {missing_sets} missing; images: {found} found, {} missing",
        report.tilesets.len() - missing_sets,
        disk.images.len() - found
    );
    for ts in &report.tilesets {
        let source = ts.source.as_deref().unwrap_or("embedded");
        let state = if ts.loaded { "" } else { " (missing)" };
        let _ = writeln!(w, "  tileset {} [{source}]{state}", ts.name);
    }
    for image in &disk.images {
        let state = if image.found { "found" } else { "missing" };
        let _ = writeln!(w, "  image {} ({state})", image.path);
    }
    if report.problems.is_empty() {
        let _ = writeln!(w, "result: ok, {} warning(s)", report.warnings.len());
    } else {
        let _ = writeln!(
            w,
            "result: refused, {} problem(s), {} warning(s)",
            report.problems.len(),
            report.warnings.len()
        );
    }
    out
}

/// What an event gets: rooms by kind with capacities, seats, spawns per
/// role, blocked tiles.
fn summary(w: &mut String, venue: &Venue) {
    let _ = writeln!(
        w,
        "venue: {}×{} tiles of {}×{} px",
        venue.width, venue.height, venue.tile_width, venue.tile_height
    );
    let _ = writeln!(w, "rooms:");
    for kind in RoomKind::ALL {
        let rooms: Vec<_> = venue.rooms.iter().filter(|r| r.kind == kind).collect();
        if rooms.is_empty() {
            let _ = writeln!(w, "  {}: none{}", kind.tiled_class(), needed_for(kind));
            continue;
        }
        let seats: u32 = rooms.iter().filter_map(|r| r.capacity).sum();
        let open = rooms.iter().filter(|r| r.capacity.is_none()).count();
        let mut line = format!(
            "  {}: {} room(s), {seats} seat(s)",
            kind.tiled_class(),
            rooms.len()
        );
        if open > 0 {
            let _ = write!(line, " + {open} without limit");
        }
        let mut list: Vec<String> = rooms
            .iter()
            .take(LISTED_ROOMS)
            .map(|r| match r.capacity {
                Some(c) => format!("{} ({c})", r.id),
                None => r.id.clone(),
            })
            .collect();
        if rooms.len() > LISTED_ROOMS {
            list.push(format!("… {} more", rooms.len() - LISTED_ROOMS));
        }
        let _ = writeln!(w, "{line}: {}", list.join(", "));
    }
    let spawns: Vec<String> = Role::ALL
        .into_iter()
        .filter(|r| r.has_avatar())
        .map(|r| format!("{r} {}", venue.spawns_for(r).count()))
        .collect();
    let _ = writeln!(w, "spawn points: {}", spawns.join(", "));
    let mut blocked = 0usize;
    for y in 0..venue.height {
        for x in 0..venue.width {
            if !venue.is_walkable(crate::venue::Tile::new(x, y)) {
                blocked += 1;
            }
        }
    }
    let _ = writeln!(
        w,
        "blocked tiles: {blocked} of {}",
        usize::from(venue.width) * usize::from(venue.height)
    );
}

/// Why an event may want a room of this kind it does not have.
fn needed_for(kind: RoomKind) -> &'static str {
    match kind {
        RoomKind::Amphitheatre => " (summons and pitches need an amphitheatre)",
        RoomKind::TeamTable => " (teams need team tables)",
        RoomKind::MentorDesk => " (the help desk needs mentor desks)",
        RoomKind::JuryRoom => " (private deliberation needs a jury room)",
        RoomKind::Hall => "",
    }
}
