//! After a restart people come back on the tile they left, not in a pile at
//! the entrance (`store::places`).

use crate::common::{Client, TestServer, default_map_tile_a_few_steps_from};
use crate::data_dir;
use amphi::domain::Role;
use amphi::store::StoreOptions;
use serde_json::json;

#[tokio::test]
async fn people_come_back_where_they_stood_after_a_restart() {
    let dir = data_dir();
    // No periodic save: the only one is the shutdown's.
    let hour = |config: &mut amphi::config::Config| config.snapshot_interval_secs = 3600;
    let first = TestServer::start_in(&dir.0, StoreOptions::default(), hour).await;
    let (mut alice, welcome) = Client::join(&first, Role::Participant, "Alice").await;
    let (room, x, y) = welcome.position();
    let (tx, ty) = default_map_tile_a_few_steps_from(x, y);
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
