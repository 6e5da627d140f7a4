//! The hub's sessions part: who is connected and how to reach them.
//!
//! [`Sessions`] owns the joined connections, which one is each member's main
//! connection (the one carrying the avatar; companions beside it carry
//! none), the anonymous watchers of the live page, the presence changes
//! waiting for the next tick, and the tick's groups of readers. Its fields are
//! private: a session is added or removed only through the methods here, which
//! keep the member → main connection map equal to the connections.
//!
//! It is a field of the hub apart from the durable part, so routing can read
//! the event (`hub.durable`) while it reads or writes sessions (`hub.sessions`)
//! without `Cell`/`RefCell` or copies of the session lists.

use super::interest::{Area, View};
use super::link::{ConnId, SessionLink};
use super::tick::Phase;
use crate::domain::MemberId;
use crate::protocol::Encoded;
use crate::venue::RoomIdx;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// A joined connection (or a watcher's, whose `member` is 0: nobody).
pub(super) struct Session {
    pub(super) link: SessionLink,
    pub(super) member: MemberId,
    /// What the client's screen shows, for its area of interest.
    pub(super) view: View,
    /// Answers to its steps, sent at the next tick with its position batch.
    pub(super) held: Vec<Encoded>,
    /// The room and area its last position batch covered, and for which view.
    pub(super) area: Option<(RoomIdx, Area, View)>,
}

impl Session {
    pub(super) fn new(link: SessionLink, member: MemberId) -> Session {
        Session {
            link,
            member,
            held: Vec::new(),
            view: View::DEFAULT,
            area: None,
        }
    }
}

/// What [`Sessions::remove`] took away.
pub(super) enum Removed {
    /// An anonymous watcher.
    Watcher,
    /// A member's connection; `main` when it carried the avatar (it was not
    /// a companion, nor replaced by a newer connection).
    Member { member: MemberId, main: bool },
}

/// The connections of one event.
pub(super) struct Sessions {
    /// Joined connections, main and companion alike.
    members: FxHashMap<ConnId, Session>,
    /// Each connected member's main connection.
    main: FxHashMap<MemberId, ConnId>,
    /// Anonymous watchers of the live page.
    watchers: FxHashMap<ConnId, Session>,
    /// Connections that dropped (false) or came back (true) since the last
    /// tick, told to everyone at the tick.
    presence_changes: BTreeMap<MemberId, bool>,
    /// The groups of readers served in turn, one per tick.
    phases: Vec<Phase>,
    /// The group the next tick serves.
    next_phase: usize,
}

impl Sessions {
    /// No connection yet; readers split into `phases` groups (at least one).
    pub(super) fn new(phases: usize) -> Sessions {
        Sessions {
            members: FxHashMap::default(),
            main: FxHashMap::default(),
            watchers: FxHashMap::default(),
            presence_changes: BTreeMap::new(),
            phases: (0..phases.max(1)).map(|_| Phase::default()).collect(),
            next_phase: 0,
        }
    }

    /// A member's connection (main or companion), not a watcher's.
    pub(super) fn get(&self, conn: ConnId) -> Option<&Session> {
        self.members.get(&conn)
    }

    pub(super) fn get_mut(&mut self, conn: ConnId) -> Option<&mut Session> {
        self.members.get_mut(&conn)
    }

    /// An anonymous watcher's connection.
    pub(super) fn watcher(&self, conn: ConnId) -> Option<&Session> {
        self.watchers.get(&conn)
    }

    /// A member's or a watcher's connection.
    pub(super) fn any(&self, conn: ConnId) -> Option<&Session> {
        self.get(conn).or_else(|| self.watcher(conn))
    }

    /// The member's main connection, if they are connected.
    pub(super) fn of_member(&self, member: MemberId) -> Option<&Session> {
        self.main
            .get(&member)
            .and_then(|conn| self.members.get(conn))
    }

    /// Whether the member has a main connection.
    pub(super) fn is_connected(&self, member: MemberId) -> bool {
        self.main.contains_key(&member)
    }

    /// Every member's connection, companions included (no watcher).
    pub(super) fn members(&self) -> impl Iterator<Item = &Session> {
        self.members.values()
    }

    /// Every connection: members' and watchers'.
    pub(super) fn everyone(&self) -> impl Iterator<Item = &Session> {
        self.members.values().chain(self.watchers.values())
    }

    /// Makes `session` its member's main connection; returns the main
    /// connection it replaces, if any (the caller closes it).
    pub(super) fn add_main(&mut self, session: Session) -> Option<Session> {
        let conn = session.link.conn;
        let replaced = self
            .main
            .insert(session.member, conn)
            .and_then(|old| self.members.remove(&old));
        self.members.insert(conn, session);
        replaced
    }

    /// Adds a member's second connection, which never carries the avatar.
    pub(super) fn add_companion(&mut self, session: Session) {
        self.members.insert(session.link.conn, session);
    }

    pub(super) fn add_watcher(&mut self, session: Session) {
        self.watchers.insert(session.link.conn, session);
    }

    /// Forgets a connection that ended.
    pub(super) fn remove(&mut self, conn: ConnId) -> Option<Removed> {
        if self.watchers.remove(&conn).is_some() {
            return Some(Removed::Watcher);
        }
        let session = self.members.remove(&conn)?;
        let main = self.main.get(&session.member) == Some(&conn);
        if main {
            self.main.remove(&session.member);
        }
        Some(Removed::Member {
            member: session.member,
            main,
        })
    }

    /// Notes that a member's connection dropped or came back, for the tick.
    pub(super) fn note_presence(&mut self, member: MemberId, connected: bool) {
        self.presence_changes.insert(member, connected);
    }

    /// The presence changes since the last call.
    pub(super) fn take_presence_changes(&mut self) -> BTreeMap<MemberId, bool> {
        std::mem::take(&mut self.presence_changes)
    }

    /// The group this tick serves, and how many groups there are; the next
    /// tick serves the next group.
    pub(super) fn next_phase(&mut self) -> (usize, usize) {
        let groups = self.phases.len().max(1);
        let phase = self.next_phase % groups;
        self.next_phase = (phase + 1) % groups;
        (phase, groups)
    }

    /// Every group of readers.
    pub(super) fn phases_mut(&mut self) -> &mut [Phase] {
        &mut self.phases
    }

    /// The readers of group `phase` out of `groups`, to send their batches.
    pub(super) fn readers_mut(
        &mut self,
        phase: usize,
        groups: usize,
    ) -> impl Iterator<Item = &mut Session> {
        self.members
            .values_mut()
            .filter(move |s| s.link.conn % groups as u64 == phase as u64)
    }
}
