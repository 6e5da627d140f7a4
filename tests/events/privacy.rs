//! Personal data through the real server: a person downloads their data
//! and deletes their account; an archived event is purged once its
//! retention period is over, results kept.

use super::*;
use std::time::{Duration, Instant};

const DAY: u64 = 24 * 60 * 60 * 1000;

async fn me(server: &TestServer, session: &str, method: &str) -> HttpResponse {
    call(server, method, "/api/events/rgpd/me", session, Value::Null).await
}

#[tokio::test]
async fn people_download_and_erase_their_data_and_retention_purges_the_rest() {
    let (server, clock) = TestServer::with_manual_clock(1_800_000_000_000, |c| {
        c.admin_token = Some(amphi::config::SecretString::new(super::OPERATOR));
        c.snapshot_interval_secs = 1;
    })
    .await;
    let created = create(
        &server,
        json!({"title": "RGPD", "slug": "rgpd", "retention_days": 30}),
    )
    .await;
    admin(
        &server,
        "POST",
        "/api/admin/events/rgpd/phase",
        json!({"phase": "live"}),
    )
    .await;
    let (mut moderator, welcome) =
        join_moderator(&server, "rgpd", &created["moderator_link"]).await;
    let moderator_session = welcome["session"].as_str().unwrap().to_string();
    moderator
        .call(json!({"type": "add_team", "name": "Open Mairie", "challenge": null}))
        .await;
    let invite = participant_invite(&mut moderator).await;
    let mut alice = Client::connect(&server).await;
    let welcome = hello(&mut alice, "rgpd", &invite, "Alice Martin").await;
    let alice_session = welcome["session"].as_str().unwrap().to_string();
    alice
        .call(json!({"type": "chat", "scope": "room", "text": "Mon numéro : 06 00 00 00 00"}))
        .await;

    let data = me(&server, &alice_session, "GET").await;
    assert_eq!(data.status, 200, "{}", data.body);
    assert!(
        data.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
    let data = json_of(&data);
    assert_eq!(data["name"], "Alice Martin");
    assert_eq!(data["messages"][0]["text"], "Mon numéro : 06 00 00 00 00");
    assert_eq!(me(&server, "not-a-session", "GET").await.status, 401);

    let deleted = json_of(&me(&server, &alice_session, "DELETE").await);
    assert_eq!(deleted["deleted"], true, "{deleted}");
    assert_eq!(
        me(&server, &alice_session, "GET").await.status,
        401,
        "the session is gone"
    );
    let mut again = Client::connect(&server).await;
    again
        .send_json(json!({"type": "hello", "protocol": 2, "event": "rgpd", "resume": alice_session, "last_seq": 0}))
        .await;
    again.expect_error("invalid_session").await;
    // Her words are gone for everyone; her name is free again.
    let mut bob = Client::connect(&server).await;
    let invite = participant_invite(&mut moderator).await;
    let welcome = hello(&mut bob, "rgpd", &invite, "Alice Martin").await;
    assert!(is_type(&welcome, "welcome"), "{welcome}");

    // Archived: nothing is erased before the retention period is over…
    admin(
        &server,
        "POST",
        "/api/admin/events/rgpd/archive",
        Value::Null,
    )
    .await;
    clock.advance(29 * DAY);
    let shown = json_of(&admin(&server, "GET", "/api/admin/events/rgpd", Value::Null).await);
    assert_eq!(shown["purged"], false);
    // …and everything personal is erased once it is; the results stay.
    clock.advance(2 * DAY);
    let deadline = Instant::now() + Duration::from_secs(10);
    let shown = loop {
        let shown = json_of(&admin(&server, "GET", "/api/admin/events/rgpd", Value::Null).await);
        if shown["purged"] == true {
            break shown;
        }
        assert!(Instant::now() < deadline, "no purge within 10 s: {shown}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(shown["teams"], 1, "teams stay: {shown}");
    assert_eq!(shown["members"], 3, "people stay as pseudonyms: {shown}");
    let refused = me(&server, &moderator_session, "GET").await;
    assert_eq!(refused.status, 401, "every session ended: {}", refused.body);
}
