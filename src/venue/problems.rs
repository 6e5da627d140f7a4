//! Everything wrong with a map, gathered in one pass so a designer fixes them
//! all at once instead of one per start.

use super::error::MapError;

/// The problems (the map is refused) and warnings (it loads, but something
/// was adjusted or ignored) found while loading a map, in the order found.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub errors: Vec<MapError>,
    pub warnings: Vec<String>,
}

impl Problems {
    /// Records a problem, once: the same place, field and text are kept once.
    pub fn error(&mut self, err: MapError) {
        if !self.errors.contains(&err) {
            self.errors.push(err);
        }
    }

    /// Records a warning, once.
    pub fn warn(&mut self, text: String) {
        if !self.warnings.contains(&text) {
            self.warnings.push(text);
        }
    }

    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}
