//! The tick: walks paths, expires grace periods, and sends each room one
//! batch of the positions that changed, encoded once for all its readers.
//!
//! A reader whose previous batch was still unsent (or who just entered the
//! room) gets a full snapshot of the room instead, built once per room.

use super::actor::Hub;
use crate::protocol::{Frame, positions_frame};
use crate::venue::RoomIdx;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

impl Hub {
    pub(super) fn tick(&mut self) {
        let started = Instant::now();
        let now = self.now();
        let effects = self.event.advance(now);
        self.route(effects);

        let moved = self.event.take_moved();
        let presence = self.event.presence();
        let mut changes: HashMap<RoomIdx, Vec<[u32; 3]>> = HashMap::new();
        for id in moved {
            if let Some(a) = presence.get(id) {
                changes.entry(a.room).or_default().push([
                    id.0,
                    u32::from(a.tile.x),
                    u32::from(a.tile.y),
                ]);
            }
        }
        let venue = self.event.venue();
        let change_frames: HashMap<RoomIdx, Frame> = changes
            .iter()
            .map(|(room, list)| {
                (
                    *room,
                    positions_frame(&venue.room(*room).id, false, now, list),
                )
            })
            .collect();
        let mut full_frames: HashMap<RoomIdx, Frame> = HashMap::new();
        let mut coalesced = 0;
        let mut sent = 0;
        for session in self.sessions.values() {
            let Some(room) = presence.get(session.member).map(|a| a.room) else {
                continue;
            };
            let frame = if session.link.shared().take_stale() {
                full_frames
                    .entry(room)
                    .or_insert_with(|| {
                        let all: Vec<[u32; 3]> = presence
                            .iter()
                            .filter(|a| a.room == room)
                            .map(|a| [a.member.0, u32::from(a.tile.x), u32::from(a.tile.y)])
                            .collect();
                        positions_frame(&venue.room(room).id, true, now, &all)
                    })
                    .clone()
            } else {
                match change_frames.get(&room) {
                    Some(frame) => frame.clone(),
                    None => continue,
                }
            };
            sent += 1;
            if session.link.offer_positions(frame) {
                coalesced += 1;
            }
        }
        self.metrics.messages_out("positions", sent);
        self.metrics
            .positions_coalesced
            .fetch_add(coalesced, Ordering::Relaxed);
        self.metrics.observe_tick(started.elapsed().as_secs_f64());
    }
}
