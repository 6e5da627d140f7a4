//! Paths inside a map's files, relative to the map's folder, joined and
//! normalized without touching the file system (the venue stays pure).
//!
//! A tileset image is written relative to its tileset file, which is written
//! relative to the map: `join` turns both into one path from the map's folder,
//! keeping leading `..` (a tileset in a parent folder). Whether such a path
//! stays inside the directory the operator serves is decided by the caller.

/// `relative` (as written in the file at `from`, itself relative to the map's
/// folder; `""` for the map) as a normalized path from the map's folder, or
/// `None` for an absolute path.
pub(crate) fn join(from: &str, relative: &str) -> Option<String> {
    let relative = relative.replace('\\', "/");
    if relative.starts_with('/') || relative.get(1..2) == Some(":") {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop(); // the file's own name: keep its folder
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != ".." && !p.is_empty()) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.retain(|p| !p.is_empty());
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn joins_relative_to_the_file_folder() {
        assert_eq!(join("", "tiles.png").as_deref(), Some("tiles.png"));
        assert_eq!(join("", "./a/../b.tsj").as_deref(), Some("b.tsj"));
        assert_eq!(
            join("../tilesets/a.tsx", "img/a.png").as_deref(),
            Some("../tilesets/img/a.png")
        );
        assert_eq!(
            join("../../x/a.tsj", "../b.png").as_deref(),
            Some("../../b.png")
        );
        assert_eq!(join("", "..\\up\\t.png").as_deref(), Some("../up/t.png"));
    }

    #[test]
    fn absolute_paths_are_none() {
        assert_eq!(join("", "/etc/passwd"), None);
        assert_eq!(join("", "C:/tiles.png"), None);
    }
}
