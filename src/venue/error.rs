//! Map errors that say where, which field and what is wrong.
//!
//! A venue designer fixes a broken map from the message alone, so every error
//! names its place in the file (map, layer, tileset or object) and the field.

use std::fmt;

/// Where in a Tiled map a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The map as a whole (size, orientation, spawn coverage...).
    Map,
    /// The text is not valid JSON, or a value has the wrong JSON type.
    Json { line: usize, column: usize },
    /// A tile, object or group layer, by name.
    Layer(String),
    /// A tileset, by name (or by `source` for an external one).
    Tileset(String),
    /// An object on an object layer, by name and Tiled id.
    Object { name: String, id: u32 },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Map => f.write_str("map"),
            Location::Json { line, column } => {
                write!(f, "JSON at line {line}, column {column}")
            }
            Location::Layer(name) => write!(f, "layer '{name}'"),
            Location::Tileset(name) => write!(f, "tileset '{name}'"),
            Location::Object { name, id } if name.is_empty() => write!(f, "object (id {id})"),
            Location::Object { name, id } => write!(f, "object '{name}' (id {id})"),
        }
    }
}

/// A map that cannot become a [`super::Venue`]: where, which field, what.
///
/// Displays as e.g. `map error: object 'table-03' (id 12): field 'capacity':
/// expected an integer greater than 0, got "six"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MapError {
    location: Location,
    field: Option<String>,
    problem: String,
}

impl MapError {
    /// An error about a whole place (no single field to blame).
    pub(crate) fn at(location: Location, problem: impl Into<String>) -> MapError {
        MapError {
            location,
            field: None,
            problem: problem.into(),
        }
    }

    /// An error about one field of a place.
    pub(crate) fn on(
        location: Location,
        field: impl Into<String>,
        problem: impl Into<String>,
    ) -> MapError {
        MapError {
            location,
            field: Some(field.into()),
            problem: problem.into(),
        }
    }

    /// Turns a serde_json error into a map error carrying its line and column.
    pub(crate) fn json(err: &serde_json::Error) -> MapError {
        // serde_json appends " at line L column C"; the location says it already.
        let text = err.to_string();
        let problem = match text.rfind(" at line ") {
            Some(cut) => text[..cut].to_string(),
            None => text,
        };
        MapError::at(
            Location::Json {
                line: err.line(),
                column: err.column(),
            },
            problem,
        )
    }

    /// Where the problem is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The offending field (a JSON key or a Tiled custom property name), if any.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// What is wrong, without the location prefix.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "map error: {}", self.location)?;
        if let Some(field) = &self.field {
            write!(f, ": field '{field}'")?;
        }
        write!(f, ": {}", self.problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_location_field_and_problem() {
        let err = MapError::on(
            Location::Object {
                name: "table-03".into(),
                id: 12,
            },
            "capacity",
            "expected an integer greater than 0, got \"six\"",
        );
        assert_eq!(
            err.to_string(),
            "map error: object 'table-03' (id 12): field 'capacity': \
             expected an integer greater than 0, got \"six\""
        );
        assert_eq!(err.field(), Some("capacity"));
    }

    #[test]
    fn json_errors_carry_line_and_column() {
        let Err(e) = serde_json::from_str::<serde_json::Value>("{\n  \"a\": ,\n}") else {
            panic!("expected a JSON error");
        };
        let err = MapError::json(&e);
        assert_eq!(err.location(), &Location::Json { line: 2, column: 8 });
        assert!(
            err.to_string()
                .starts_with("map error: JSON at line 2, column 8: ")
        );
    }
}
