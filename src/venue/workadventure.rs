//! WorkAdventure's map conventions, so its maps work as they are:
//!
//! - start positions: tile layers named `start` or with the property
//!   `startLayer` = true (every non-empty tile is a spawn point), and areas
//!   with the property `start` = true (every tile of the area);
//! - layers drawn above avatars: every tile layer after the object layer named
//!   `floorLayer`, and (Amphi's own) any layer or group with `amphi-above` = true.
//!
//! Areas become rooms through the `amphi-room` property, read in `objects.rs`.

use super::tiled::{Object, Property, flag};

/// The object layer below which tile layers are floor and above which they
/// cover avatars.
pub(crate) const FLOOR_LAYER: &str = "floorLayer";

/// Amphi's property for a tile layer (or group) drawn above avatars.
pub(crate) const ABOVE_PROPERTY: &str = "amphi-above";

/// Whether a tile layer holds start positions.
pub(crate) fn is_start_layer(name: &str, properties: &[Property]) -> bool {
    name == "start" || flag(properties, "startLayer")
}

/// Whether an object is a start area (`start` = true).
pub(crate) fn is_start_area(o: &Object) -> bool {
    flag(&o.properties, "start") && !o.point
}

/// Whether a layer asks to be drawn above avatars.
pub(crate) fn is_above(properties: &[Property]) -> bool {
    flag(properties, ABOVE_PROPERTY)
}
