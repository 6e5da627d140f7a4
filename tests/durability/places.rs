//! After a restart people come back on the tile they left, not in a pile at
//! the entrance (`store::places`).

use crate::common::{Client, TestServer};
use crate::data_dir;
use amphi::domain::Role;
use amphi::store::StoreOptions;
use amphi::venue::{Tile, Venue};
use serde_json::json;

/// A walkable tile of the room at (`x`, `y`), a few steps away from it.
fn a_few_steps_away(x: u16, y: u16) -> (u16, u16) {
    let venue = Venue::default_venue().expect("default map");
    let from = Tile { x, y };
    let room = venue.room_at(from);
    (0..venue.height)
        .flat_map(|y| (0..venue.width).map(move |x| Tile { x, y }))
        .filter(|t| venue.is_walkable(*t) && venue.room_at(*t) == room)
        .find(|t| (4..=8).contains(&(t.x.abs_diff(from.x) + t.y.abs_diff(from.y))))
        .map(|t| (t.x, t.y))
        .expect("a tile a few steps away in the same room")
}

#[tokio::test]
async fn people_come_back_where_they_stood_after_a_restart() {
    let dir = data_dir();
    // No periodic save: the only one is the shutdown's.
    let hour = |config: &mut amphi::config::Config| config.snapshot_interval_secs = 3600;
    let first = TestServer::start_in(&dir.0, StoreOptions::default(), hour).await;
    let (mut alice, welcome) = Client::join(&first, Role::Participant, "Alice").await;
    let (room, x, y) = welcome.position();
    let (tx, ty) = a_few_steps_away(x, y);
    alice
        .call(json!({"type": "walk_to", "x": tx, "y": ty}))
        .await;
    alice.wait_position(welcome.id(), tx, ty).await;
    let session = welcome.session();
    alice.close().await;
    first.stop().await;

    let second = TestServer::start_in(&dir.0, StoreOptions::default(), hour).await;
    let (_alice, again) = Client::rejoin(&second, &session, 0).await;
    assert_eq!(again.position(), (room, tx, ty), "back where she stood");
    // Someone new still starts at the entrance.
    let (_bruno, bruno) = Client::join(&second, Role::Participant, "Bruno").await;
    assert_ne!((bruno.position().1, bruno.position().2), (tx, ty));
    second.stop().await;
}
