//! Which media server each room's conversations live on.
//!
//! With the embedded media server there is one, and everything lives on it.
//! With separate media processes (`[[media.nodes]]`), each room is assigned
//! to exactly one: the node that lists it in `rooms`, else one chosen from a
//! hash of the room's id (stable across restarts and venue processes). The
//! embedded server's workers (`[media] workers`, [`super::workers`]) are
//! placed the same way, by hash. A
//! person's media connection lives on the node of the room they stood in
//! when they joined; the hub moves it when they walk into a room of another
//! node.

use super::MediaHandle;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;

/// One separate media process (`[[media.nodes]]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Its control address (`amphi media --control`).
    pub control: SocketAddr,
    /// Rooms (ids) whose conversations it carries; the rooms no node lists
    /// are shared out by hash.
    #[serde(default)]
    pub rooms: Vec<String>,
}

/// An index into [`MediaNodes`].
pub type NodeIndex = usize;

/// The node of `nodes` that a room no node lists goes to (by its id).
pub fn hashed(room: &str, nodes: usize) -> NodeIndex {
    crc32fast::hash(room.as_bytes()) as usize % nodes.max(1)
}

/// The media servers a venue uses, and which room goes to which.
#[derive(Debug, Clone)]
pub struct MediaNodes {
    first: MediaHandle,
    others: Vec<MediaHandle>,
    assigned: HashMap<String, NodeIndex>,
}

impl MediaNodes {
    /// One media server for every room (the embedded mode).
    pub fn single(handle: MediaHandle) -> MediaNodes {
        MediaNodes {
            first: handle,
            others: Vec::new(),
            assigned: HashMap::new(),
        }
    }

    /// Several media servers, `rooms[i]` the rooms listed for `handles[i]`;
    /// `None` without any handle.
    pub fn several(handles: Vec<(MediaHandle, Vec<String>)>) -> Option<MediaNodes> {
        let mut assigned = HashMap::new();
        let mut list = Vec::with_capacity(handles.len());
        for (index, (handle, rooms)) in handles.into_iter().enumerate() {
            for room in rooms {
                assigned.entry(room).or_insert(index);
            }
            list.push(handle);
        }
        let mut list = list.into_iter();
        let first = list.next()?;
        Some(MediaNodes {
            first,
            others: list.collect(),
            assigned,
        })
    }

    /// How many media servers there are.
    pub fn len(&self) -> usize {
        1 + self.others.len()
    }

    /// Never: there is always at least one.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The node that carries the conversations of the room `room` (its id).
    pub fn for_room(&self, room: &str) -> NodeIndex {
        if self.others.is_empty() {
            return 0;
        }
        match self.assigned.get(room) {
            Some(index) => *index,
            None => hashed(room, self.len()),
        }
    }

    /// The handle of node `index` (the first one if out of range).
    pub fn node(&self, index: NodeIndex) -> &MediaHandle {
        match index.checked_sub(1) {
            Some(i) => self.others.get(i).unwrap_or(&self.first),
            None => &self.first,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    fn handle(port: u16) -> MediaHandle {
        let (tx, _rx) = mpsc::unbounded_channel();
        MediaHandle {
            tx,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    #[test]
    fn listed_rooms_go_to_their_node_and_the_rest_are_shared_stably() {
        let nodes = MediaNodes::several(vec![
            (handle(1), vec!["table-01".into()]),
            (handle(2), vec!["table-02".into(), "jury".into()]),
        ])
        .unwrap();
        assert_eq!(nodes.for_room("table-01"), 0);
        assert_eq!(nodes.for_room("table-02"), 1);
        assert_eq!(nodes.for_room("jury"), 1);
        let hall = nodes.for_room("hall");
        assert!(hall < 2);
        assert_eq!(nodes.for_room("hall"), hall);
        assert_eq!(nodes.node(1).addr.port(), 2);
        assert_eq!(nodes.node(7).addr.port(), 1);
        assert!(MediaNodes::several(Vec::new()).is_none());
        assert_eq!(MediaNodes::single(handle(3)).for_room("anything"), 0);
    }
}
