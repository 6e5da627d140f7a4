//! Roles a person can hold in an event, and sets of roles.
//!
//! A person has exactly one role per event. The server checks every command
//! against it; the client only hides buttons.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a person is at an event. Decides what they may do and where they may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Moderator,
    Mentor,
    Jury,
    Participant,
    Spectator,
}

impl Role {
    /// Every role, in the order join links are printed.
    pub const ALL: [Role; 5] = [
        Role::Moderator,
        Role::Mentor,
        Role::Jury,
        Role::Participant,
        Role::Spectator,
    ];

    /// The wire and config name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Mentor => "mentor",
            Role::Jury => "jury",
            Role::Participant => "participant",
            Role::Spectator => "spectator",
        }
    }

    /// Spectators watch; they have no avatar on the map.
    pub fn has_avatar(self) -> bool {
        !matches!(self, Role::Spectator)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of the five roles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role '{0}' (expected moderator, mentor, jury, participant or spectator)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// A small set of roles, e.g. who may enter a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RoleSet(u8);

impl RoleSet {
    /// No role at all.
    pub const EMPTY: RoleSet = RoleSet(0);
    /// Every role.
    pub const ALL: RoleSet = RoleSet(0b1_1111);

    /// The set holding exactly these roles.
    pub fn of(roles: &[Role]) -> RoleSet {
        RoleSet(roles.iter().fold(0, |acc, r| acc | r.bit()))
    }

    pub fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    pub fn insert(&mut self, role: Role) {
        self.0 |= role.bit();
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The roles in the set, in [`Role::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }

    /// Parses a comma-separated list such as `"jury, moderator"`.
    pub fn parse_list(list: &str) -> Result<RoleSet, UnknownRole> {
        let mut set = RoleSet::EMPTY;
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            set.insert(part.parse()?);
        }
        Ok(set)
    }
}

impl Serialize for RoleSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for RoleSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let roles = Vec::<Role>::deserialize(d)?;
        Ok(RoleSet::of(&roles))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_checks_membership() {
        let set = RoleSet::parse_list("jury, moderator").unwrap();
        assert!(set.contains(Role::Jury));
        assert!(set.contains(Role::Moderator));
        assert!(!set.contains(Role::Participant));
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![Role::Moderator, Role::Jury]
        );
    }

    #[test]
    fn refuses_unknown_role_names() {
        assert_eq!(
            RoleSet::parse_list("jury,judge"),
            Err(UnknownRole("judge".into()))
        );
    }

    #[test]
    fn round_trips_through_json() {
        let set = RoleSet::of(&[Role::Mentor, Role::Spectator]);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["mentor","spectator"]"#);
        assert_eq!(serde_json::from_str::<RoleSet>(&json).unwrap(), set);
    }
}
