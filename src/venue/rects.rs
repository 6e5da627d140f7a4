//! A rectangle object as a tile rectangle: checked, inside the map, and
//! snapped to the tile grid (with a warning saying by how much) when drawn
//! off it, as WorkAdventure areas often are.

use super::TileRect;
use super::error::MapError;
use super::load::Geometry;
use super::objects::location;
use super::problems::Problems;
use super::tiled::Object;

/// Checks one pixel coordinate is a usable number of pixels.
fn pixels(o: &Object, field: &str, px: f64) -> Result<f64, MapError> {
    if !px.is_finite() || px < 0.0 {
        return Err(MapError::on(
            location(o),
            field,
            format!("expected a non-negative number of pixels, got {px}"),
        ));
    }
    Ok(px)
}

/// The nearest tile edge to a pixel coordinate, and how far it moved (px).
fn snap(px: f64, tile: u32) -> (f64, f64) {
    let size = f64::from(tile);
    let edge = (px / size).round();
    let moved = edge * size - px;
    // Tolerate float noise from editors; real misalignment is a pixel or more.
    if moved.abs() < 1e-3 * size {
        (edge, 0.0)
    } else {
        (edge, moved)
    }
}

/// The tile rectangle of a rectangle object, inside the map. A rectangle off
/// the tile grid is snapped to the nearest tile edges, with a warning that
/// says by how much.
pub(crate) fn rect_of(o: &Object, geo: Geometry, out: &mut Problems) -> Result<TileRect, MapError> {
    let err = |field: &str, problem: String| Err(MapError::on(location(o), field, problem));
    let shape = if o.point {
        Some("point")
    } else if o.ellipse {
        Some("ellipse")
    } else if o.polygon.is_some() {
        Some("polygon")
    } else if o.polyline.is_some() {
        Some("polyline")
    } else {
        None
    };
    if let Some(shape) = shape {
        return err(
            shape,
            format!("expected a rectangle, got a {shape}: draw the room with Insert Rectangle"),
        );
    }
    if o.rotation != 0.0 {
        return err(
            "rotation",
            format!(
                "expected no rotation, got {}: set Rotation to 0",
                o.rotation
            ),
        );
    }
    let (x, y) = (pixels(o, "x", o.x)?, pixels(o, "y", o.y)?);
    let (w, h) = (pixels(o, "width", o.width)?, pixels(o, "height", o.height)?);
    let (left, dx) = snap(x, geo.tile_width);
    let (top, dy) = snap(y, geo.tile_height);
    let (right, dr) = snap(x + w, geo.tile_width);
    let (bottom, db) = snap(y + h, geo.tile_height);
    let moves: Vec<String> = [
        ("x", dx),
        ("y", dy),
        ("width", dr - dx),
        ("height", db - dy),
    ]
    .into_iter()
    .filter(|(_, d)| *d != 0.0)
    .map(|(field, d)| format!("{field} {d:+} px"))
    .collect();
    if !moves.is_empty() {
        out.warn(format!(
            "{}: not aligned to the {}×{} px tile grid, snapped to it: {} \
             (in Tiled, enable Snap to Grid and redraw it to silence this)",
            location(o),
            geo.tile_width,
            geo.tile_height,
            moves.join(", ")
        ));
    }
    if right <= left {
        return err(
            "width",
            format!(
                "expected a width of at least one tile ({} px)",
                geo.tile_width
            ),
        );
    }
    if bottom <= top {
        return err(
            "height",
            format!(
                "expected a height of at least one tile ({} px)",
                geo.tile_height
            ),
        );
    }
    if right > f64::from(geo.width) {
        return err(
            "width",
            format!(
                "tiles {left}..{right} go past the map's right edge ({} tiles): shrink or move it",
                geo.width
            ),
        );
    }
    if bottom > f64::from(geo.height) {
        return err(
            "height",
            format!(
                "tiles {top}..{bottom} go past the map's bottom edge ({} tiles): shrink or move it",
                geo.height
            ),
        );
    }
    // Whole numbers within the map, whose sides fit in u16: the casts are exact.
    let t = |v: f64| v as u16;
    Ok(TileRect {
        x: t(left),
        y: t(top),
        w: t(right - left),
        h: t(bottom - top),
    })
}
