//! Created events come back after a restart, each on its own map, in its
//! phase; the operator's token is made once, printed once, kept as a hash.

use super::*;

#[tokio::test]
async fn created_events_are_recovered_with_their_maps_and_phases() {
    let dir = common::owned_data_dir();
    let store = amphi::store::StoreOptions::default;
    let first = TestServer::start_in(&dir, store(), |_| {}).await;
    let admin_link = first.admin_link().expect("an admin link at first start");
    let token = admin_link.split("#token=").nth(1).unwrap().to_string();
    let hash_file = std::fs::read_to_string(dir.join("operator-token.sha256")).unwrap();
    assert!(!hash_file.contains(&token), "only the hash is kept");
    let created = call(
        &first,
        "POST",
        "/api/admin/events",
        &token,
        json!({"settings": {"title": "Campus", "slug": "campus-2027", "map": "campus", "team_size": 4}}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let created = json_of(&created);
    let archived = call(
        &first,
        "POST",
        "/api/admin/events/campus-2027/phase",
        &token,
        json!({"phase": "registration"}),
    )
    .await;
    assert_eq!(archived.status, 200, "{}", archived.body);
    first.stop().await;

    let second = TestServer::start_in(&dir, store(), |_| {}).await;
    assert!(second.admin_link().is_none(), "printed at first start only");
    let shown = call(
        &second,
        "GET",
        "/api/admin/events/campus-2027",
        &token,
        Value::Null,
    )
    .await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let shown = json_of(&shown);
    assert_eq!(shown["phase"], "registration");
    assert_eq!(shown["settings"]["team_size"], 4);
    let (_, welcome) = join_moderator(&second, "campus-2027", &created["moderator_link"]).await;
    assert_eq!(welcome["map_url"], "/assets/maps/campus.tmj");
    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
