//! Rooms and spawn points: the named places of a venue and who may enter them.

use crate::domain::role::{Role, RoleSet};
use serde::{Deserialize, Serialize};

use super::TileRect;

/// What a room is for; the client draws and the server treats each differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// The plenary room: opening, pitches, results.
    Amphitheatre,
    /// Where one team hacks (5 to 7 people).
    TeamTable,
    /// Where a mentor waits for help requests.
    MentorDesk,
    /// The private room where the jury deliberates.
    JuryRoom,
    /// Corridors and open space; usually covers the whole map.
    Hall,
}

impl RoomKind {
    /// Every kind, in the order the format documentation lists them.
    pub const ALL: [RoomKind; 5] = [
        RoomKind::Amphitheatre,
        RoomKind::TeamTable,
        RoomKind::MentorDesk,
        RoomKind::JuryRoom,
        RoomKind::Hall,
    ];

    /// The object class that marks this kind of room in a Tiled map.
    pub fn tiled_class(self) -> &'static str {
        match self {
            RoomKind::Amphitheatre => "amphitheatre",
            RoomKind::TeamTable => "team-table",
            RoomKind::MentorDesk => "mentor-desk",
            RoomKind::JuryRoom => "jury-room",
            RoomKind::Hall => "hall",
        }
    }

    /// The kind a Tiled object class names, if it names one.
    pub fn from_tiled_class(class: &str) -> Option<RoomKind> {
        RoomKind::ALL.into_iter().find(|k| k.tiled_class() == class)
    }

    /// Who may enter when the map gives no `roles` property: the jury room is
    /// private to jurors and moderators, every other room is open.
    pub fn default_roles(self) -> RoleSet {
        match self {
            RoomKind::JuryRoom => RoleSet::of(&[Role::Jury, Role::Moderator]),
            _ => RoleSet::ALL,
        }
    }
}

/// Index of a room in [`super::Venue::rooms`]; cheap to copy and compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RoomIdx(pub u16);

/// A named area of the map, from a rectangle object in the Tiled map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    /// Stable slug (`[a-z0-9-]+`) used in commands, links and the journal.
    pub id: String,
    /// Display name (French first), e.g. "Salle du jury".
    pub label: String,
    pub kind: RoomKind,
    pub rect: TileRect,
    /// Most avatars allowed at once; `None` means no limit.
    pub capacity: Option<u32>,
    /// Roles allowed to enter.
    pub roles: RoleSet,
}

/// Where an avatar appears when it joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spawn {
    pub tile: super::Tile,
    /// Only this role spawns here; `None` means anyone.
    pub role: Option<Role>,
}

impl Spawn {
    /// Whether a person of this role may appear here (room access aside).
    pub fn serves(&self, role: Role) -> bool {
        self.role.is_none_or(|r| r == role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_trip() {
        for kind in RoomKind::ALL {
            assert_eq!(RoomKind::from_tiled_class(kind.tiled_class()), Some(kind));
        }
        assert_eq!(RoomKind::from_tiled_class("team_table"), None);
        assert_eq!(
            serde_json::to_string(&RoomKind::JuryRoom).unwrap(),
            "\"jury_room\""
        );
    }

    #[test]
    fn jury_room_is_private_by_default() {
        let roles = RoomKind::JuryRoom.default_roles();
        assert!(roles.contains(Role::Jury) && roles.contains(Role::Moderator));
        assert!(!roles.contains(Role::Participant));
        assert_eq!(RoomKind::Hall.default_roles(), RoleSet::ALL);
    }
}
