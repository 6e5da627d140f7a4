//! Who talks with whom: conversations decided from where people stand.
//!
//! Everyone in the same team table, mentor desk or jury room is one
//! conversation (the room is the conversation, so the jury room's sound never
//! leaves it). The amphitheatre is one conversation too, the *stage*: only
//! whoever stands on the stage (and the moderators) is heard in it (the hub
//! names its speakers). In the hall, people within
//! `bubble_radius` tiles of each other form a *bubble* of at most
//! `bubble_max` people; someone who walks up to a full bubble is told so.
//!
//! Pure and deterministic: [`Conversations::update`] takes where everyone
//! stands and returns the new conversations; bubbles keep their identity
//! from one update to the next (a bubble whose members drift apart keeps its
//! largest group), so a walk past a group does not reshuffle it.

use super::ids::MemberId;
use crate::venue::{RoomIdx, RoomKind, Tile};
use std::collections::{BTreeMap, BTreeSet};

/// How bubbles form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BubbleRules {
    /// Two people are close when neither coordinate differs by more.
    pub radius: u16,
    /// Most people in one bubble.
    pub max: usize,
}

impl Default for BubbleRules {
    fn default() -> Self {
        BubbleRules { radius: 3, max: 8 }
    }
}

/// One person who can talk, and where they stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub member: MemberId,
    pub room: RoomIdx,
    pub kind: RoomKind,
    pub tile: Tile,
}

/// What makes a conversation: a whole room, or a bubble within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConversationKey {
    Room(RoomIdx),
    Bubble { room: RoomIdx, id: u32 },
}

impl ConversationKey {
    /// The room the conversation is in.
    pub fn room(self) -> RoomIdx {
        match self {
            ConversationKey::Room(room) | ConversationKey::Bubble { room, .. } => room,
        }
    }
}

/// Every conversation now, and who found their bubble full.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conversations {
    /// Members of each conversation, sorted by id.
    pub groups: BTreeMap<ConversationKey, Vec<MemberId>>,
    /// People standing close to a bubble that had no room for them.
    pub full: BTreeSet<MemberId>,
    next_bubble: u32,
}

/// Whether people in a room of this kind talk in bubbles (else the room is
/// one conversation).
pub fn talks_in_bubbles(kind: RoomKind) -> bool {
    matches!(kind, RoomKind::Hall)
}

fn close(a: Tile, b: Tile, radius: u16) -> bool {
    a.x.abs_diff(b.x) <= radius && a.y.abs_diff(b.y) <= radius
}

impl Conversations {
    /// The conversation a member is in, if any.
    pub fn of(&self, member: MemberId) -> Option<ConversationKey> {
        self.groups
            .iter()
            .find(|(_, members)| members.binary_search(&member).is_ok())
            .map(|(key, _)| *key)
    }

    /// The conversations for people standing at `placed`, following on from
    /// `self` (bubbles keep their ids).
    pub fn update(&self, placed: &[Placed], rules: BubbleRules) -> Conversations {
        let mut next = Conversations {
            groups: BTreeMap::new(),
            full: BTreeSet::new(),
            next_bubble: self.next_bubble,
        };
        let mut by_room: BTreeMap<RoomIdx, Vec<Placed>> = BTreeMap::new();
        for person in placed {
            by_room.entry(person.room).or_default().push(*person);
        }
        for (room, mut people) in by_room {
            people.sort_by_key(|p| p.member);
            let bubbles = people.first().is_some_and(|p| talks_in_bubbles(p.kind));
            if bubbles {
                self.bubbles_of(room, &people, rules, &mut next);
            } else {
                next.groups.insert(
                    ConversationKey::Room(room),
                    people.iter().map(|p| p.member).collect(),
                );
            }
        }
        next
    }

    /// Forms the bubbles of one room (`people` sorted by member).
    fn bubbles_of(
        &self,
        room: RoomIdx,
        people: &[Placed],
        rules: BubbleRules,
        next: &mut Conversations,
    ) {
        let max = rules.max.max(2);
        let tile_of: BTreeMap<MemberId, Tile> = people.iter().map(|p| (p.member, p.tile)).collect();
        let mut assigned: BTreeSet<MemberId> = BTreeSet::new();
        // 1. Earlier bubbles of this room keep their largest close group.
        for (key, members) in &self.groups {
            let ConversationKey::Bubble { room: r, id } = *key else {
                continue;
            };
            if r != room {
                continue;
            }
            let here: Vec<(MemberId, Tile)> = members
                .iter()
                .filter_map(|m| tile_of.get(m).map(|t| (*m, *t)))
                .collect();
            let kept = largest_group(&here, rules.radius);
            if kept.len() >= 2 {
                let mut kept: Vec<MemberId> = kept.into_iter().take(max).collect();
                kept.sort();
                assigned.extend(kept.iter().copied());
                next.groups
                    .insert(ConversationKey::Bubble { room, id }, kept);
            }
        }
        // 2. Others join the bubble of the nearest close person, if it has room.
        for person in people {
            if assigned.contains(&person.member) {
                continue;
            }
            let mut best: Option<(u16, ConversationKey)> = None;
            let mut saw_full = false;
            for (key, members) in next.groups.range(
                ConversationKey::Bubble { room, id: 0 }..=ConversationKey::Bubble {
                    room,
                    id: u32::MAX,
                },
            ) {
                let nearest = members
                    .iter()
                    .filter_map(|m| tile_of.get(m))
                    .filter(|t| close(**t, person.tile, rules.radius))
                    .map(|t| t.x.abs_diff(person.tile.x).max(t.y.abs_diff(person.tile.y)))
                    .min();
                let Some(distance) = nearest else { continue };
                if members.len() >= max {
                    saw_full = true;
                } else if best.is_none_or(|(d, _)| distance < d) {
                    best = Some((distance, *key));
                }
            }
            if let Some((_, key)) = best
                && let Some(members) = next.groups.get_mut(&key)
            {
                let at = members.partition_point(|m| *m < person.member);
                members.insert(at, person.member);
                assigned.insert(person.member);
            } else if saw_full {
                next.full.insert(person.member);
            }
        }
        // 3. The rest, close to each other, start new bubbles.
        let free: Vec<(MemberId, Tile)> = people
            .iter()
            .filter(|p| !assigned.contains(&p.member) && !next.full.contains(&p.member))
            .map(|p| (p.member, p.tile))
            .collect();
        let mut taken: BTreeSet<MemberId> = BTreeSet::new();
        for (member, tile) in &free {
            if taken.contains(member) {
                continue;
            }
            let mut group = vec![*member];
            let mut frontier = vec![*tile];
            while let Some(at) = frontier.pop() {
                for (other, other_tile) in &free {
                    if group.len() >= max {
                        break;
                    }
                    if !taken.contains(other)
                        && !group.contains(other)
                        && close(at, *other_tile, rules.radius)
                    {
                        group.push(*other);
                        frontier.push(*other_tile);
                    }
                }
            }
            if group.len() >= 2 {
                group.sort();
                taken.extend(group.iter().copied());
                let id = next.next_bubble;
                next.next_bubble = next.next_bubble.wrapping_add(1);
                next.groups
                    .insert(ConversationKey::Bubble { room, id }, group);
            }
        }
    }
}

/// The largest set of people linked by closeness (ties: the one holding the
/// smallest member id), in order of discovery.
fn largest_group(people: &[(MemberId, Tile)], radius: u16) -> Vec<MemberId> {
    let mut seen: BTreeSet<MemberId> = BTreeSet::new();
    let mut best: Vec<MemberId> = Vec::new();
    for (member, tile) in people {
        if seen.contains(member) {
            continue;
        }
        seen.insert(*member);
        let mut group = vec![*member];
        let mut frontier = vec![*tile];
        while let Some(at) = frontier.pop() {
            for (other, other_tile) in people {
                if !seen.contains(other) && close(at, *other_tile, radius) {
                    seen.insert(*other);
                    group.push(*other);
                    frontier.push(*other_tile);
                }
            }
        }
        if group.len() > best.len() {
            best = group;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const HALL: RoomIdx = RoomIdx(0);
    const TABLE: RoomIdx = RoomIdx(1);
    const JURY: RoomIdx = RoomIdx(2);

    fn at(member: u32, room: RoomIdx, x: u16, y: u16) -> Placed {
        let kind = match room.0 {
            0 => RoomKind::Hall,
            1 => RoomKind::TeamTable,
            _ => RoomKind::JuryRoom,
        };
        Placed {
            member: MemberId(member),
            room,
            kind,
            tile: Tile::new(x, y),
        }
    }

    fn ids(list: &[u32]) -> Vec<MemberId> {
        list.iter().map(|m| MemberId(*m)).collect()
    }

    #[test]
    fn a_room_is_one_conversation_whatever_the_distance() {
        let c = Conversations::default().update(
            &[at(1, TABLE, 0, 0), at(2, TABLE, 30, 30), at(3, JURY, 0, 0)],
            BubbleRules::default(),
        );
        assert_eq!(c.groups[&ConversationKey::Room(TABLE)], ids(&[1, 2]));
        assert_eq!(c.groups[&ConversationKey::Room(JURY)], ids(&[3]));
        assert_eq!(c.of(MemberId(3)), Some(ConversationKey::Room(JURY)));
    }

    #[test]
    fn close_people_in_the_hall_form_a_bubble_far_ones_do_not() {
        let c = Conversations::default().update(
            &[
                at(1, HALL, 10, 10),
                at(2, HALL, 13, 12),
                at(3, HALL, 17, 10),
            ],
            BubbleRules::default(),
        );
        assert_eq!(c.groups.len(), 1);
        let (key, members) = c.groups.iter().next().unwrap();
        assert!(matches!(key, ConversationKey::Bubble { .. }));
        assert_eq!(members, &ids(&[1, 2]));
        assert_eq!(c.of(MemberId(3)), None);
    }

    #[test]
    fn walking_up_joins_walking_away_leaves_and_the_bubble_keeps_its_id() {
        let rules = BubbleRules::default();
        let c1 =
            Conversations::default().update(&[at(1, HALL, 10, 10), at(2, HALL, 11, 10)], rules);
        let key = c1.of(MemberId(1)).unwrap();
        let c2 = c1.update(
            &[
                at(1, HALL, 10, 10),
                at(2, HALL, 11, 10),
                at(3, HALL, 14, 10),
            ],
            rules,
        );
        assert_eq!(c2.groups[&key], ids(&[1, 2, 3]));
        let c3 = c2.update(
            &[
                at(1, HALL, 10, 10),
                at(2, HALL, 11, 10),
                at(3, HALL, 30, 10),
            ],
            rules,
        );
        assert_eq!(c3.groups[&key], ids(&[1, 2]));
        assert_eq!(c3.of(MemberId(3)), None);
    }

    #[test]
    fn a_full_bubble_says_so_to_whoever_walks_up() {
        let rules = BubbleRules { radius: 3, max: 3 };
        let people = [
            at(1, HALL, 10, 10),
            at(2, HALL, 11, 10),
            at(3, HALL, 12, 10),
        ];
        let c1 = Conversations::default().update(&people, rules);
        let mut more = people.to_vec();
        more.push(at(4, HALL, 13, 10));
        let c2 = c1.update(&more, rules);
        assert_eq!(c2.groups.len(), 1);
        assert!(c2.full.contains(&MemberId(4)));
        assert_eq!(c2.of(MemberId(4)), None);
    }

    #[test]
    fn a_bubble_that_splits_keeps_its_larger_half() {
        let rules = BubbleRules::default();
        let c1 = Conversations::default().update(
            &[
                at(1, HALL, 10, 10),
                at(2, HALL, 11, 10),
                at(3, HALL, 12, 10),
            ],
            rules,
        );
        let key = c1.of(MemberId(1)).unwrap();
        let c2 = c1.update(
            &[at(1, HALL, 1, 10), at(2, HALL, 20, 10), at(3, HALL, 21, 10)],
            rules,
        );
        assert_eq!(c2.groups[&key], ids(&[2, 3]));
        assert_eq!(c2.of(MemberId(1)), None);
    }

    #[test]
    fn rooms_never_mix_even_when_tiles_are_close() {
        let c = Conversations::default().update(
            &[
                at(1, HALL, 10, 10),
                at(2, JURY, 10, 11),
                at(3, HALL, 11, 10),
            ],
            BubbleRules::default(),
        );
        assert_eq!(c.groups[&ConversationKey::Room(JURY)], ids(&[2]));
        let bubble = c.of(MemberId(1)).unwrap();
        assert_eq!(c.groups[&bubble], ids(&[1, 3]));
    }
}
