//! The floor across a restart: the `jurors_speak_in_qa` setting is part of
//! the event's settings, journaled; raised hands are not.

use crate::common::{Client, TestServer, WAIT, is_type};
use crate::data_dir;
use amphi::domain::Role;
use amphi::store::StoreOptions;
use serde_json::json;

#[tokio::test]
async fn the_jurors_in_qa_setting_survives_a_restart_and_raised_hands_do_not() {
    let dir = data_dir();
    let first = TestServer::start_in(&dir.0, StoreOptions::default(), |_| {}).await;
    let (mut m, wm) = Client::join(&first, Role::Moderator, "Modé").await;
    let (mut a, wa) = Client::join(&first, Role::Participant, "Ana").await;
    a.call(json!({"type": "teleport", "room": "amphi"})).await;
    a.call(json!({"type": "floor", "op": "raise"})).await;
    m.call(json!({"type": "floor", "op": "jurors_in_qa", "on": false}))
        .await;
    m.recv_until(
        |f| is_type(f, "floor") && f["jurors_speak_in_qa"] == false && f["hands"] != json!([]),
        WAIT,
    )
    .await;
    first.stop().await;

    let second = TestServer::start_in(&dir.0, StoreOptions::default(), |_| {}).await;
    // Ana is back in the amphitheatre, her hand down.
    let (mut a, _) = Client::rejoin(&second, &wa.session(), 0).await;
    a.call(json!({"type": "teleport", "room": "amphi"})).await;
    let (mut m, _) = Client::rejoin(&second, &wm.session(), 0).await;
    let floor = m.recv_until(|f| is_type(f, "floor"), WAIT).await;
    assert_eq!(floor["jurors_speak_in_qa"], false, "{floor}");
    assert_eq!(floor["hands"], json!([]), "{floor}");
    second.stop().await;
}
