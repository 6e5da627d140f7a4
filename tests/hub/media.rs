//! Voice and video signalling over the WebSocket: offers answered by the
//! media server, conversations told as people move, refusals of bad input.
//! The offers are made with str0m, as a browser would make them (three
//! send-only m-lines); no media flows here (see the browser tests for that).

use crate::common::{Client, TestServer, WAIT, Welcome, is_type};
use crate::{DIRECTIONS, nearest, neighbour, venue};
use amphi::domain::Role;
use amphi::venue::Tile;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;
use str0m::media::{Direction, MediaKind};

/// An offer like a browser's: microphone, camera, screen, all send-only.
fn offer() -> String {
    let mut rtc = str0m::Rtc::builder()
        .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
        .build(Instant::now());
    rtc.add_local_candidate(str0m::Candidate::host("127.0.0.1:9".parse().unwrap(), "udp").unwrap());
    let mut api = rtc.sdp_api();
    api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
    api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
    api.apply().unwrap().0.to_sdp_string()
}

fn is_conversation_of(m: &Value, members: &[u32]) -> bool {
    is_type(m, "media_conversation")
        && m["conversation"]["members"].as_array().is_some_and(|list| {
            list.len() == members.len() && members.iter().all(|id| list.contains(&json!(id)))
        })
}

/// Someone who joins, walks into `room` and offers their media; with the
/// server's answer.
async fn offering_at(server: &TestServer, name: &str, room: &str) -> (Client, Welcome, Value) {
    let (mut client, welcome) = Client::join(server, Role::Participant, name).await;
    client.call(json!({"type": "teleport", "room": room})).await;
    client
        .call(json!({"type": "media_offer", "sdp": offer()}))
        .await;
    let answer = client
        .recv_until(|m| is_type(m, "media_answer"), WAIT)
        .await;
    (client, welcome, answer)
}

#[tokio::test]
async fn people_at_one_table_share_a_conversation_and_walking_out_leaves_it() {
    let server = TestServer::start().await;
    let (mut a, wa, answer_a) = offering_at(&server, "Ana", "table-01").await;
    let (mut b, wb, answer_b) = offering_at(&server, "Bea", "table-01").await;
    let (ida, idb) = (wa.id(), wb.id());
    for answer in [answer_a, answer_b] {
        let sdp = answer["sdp"].as_str().unwrap();
        assert!(sdp.contains("a=ice-lite"), "{sdp}");
        assert!(
            sdp.contains("typ host"),
            "the answer carries the server's candidate: {sdp}"
        );
    }
    let got = a
        .recv_until(|m| is_conversation_of(m, &[ida, idb]), WAIT)
        .await;
    assert_eq!(got["conversation"]["room"], "table-01");
    assert_eq!(got["conversation"]["kind"], "team_table");
    b.recv_until(|m| is_conversation_of(m, &[ida, idb]), WAIT)
        .await;

    // Bea walks out: each is alone again.
    b.call(json!({"type": "teleport", "room": "table-02"}))
        .await;
    a.recv_until(|m| is_conversation_of(m, &[ida]), WAIT).await;
    let got = b.recv_until(|m| is_conversation_of(m, &[idb]), WAIT).await;
    assert_eq!(got["conversation"]["room"], "table-02");
    let metrics = server.metrics_text().await;
    assert!(
        metrics.contains("amphi_media_conversations{kind=\"team-table\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn bad_signalling_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let answer = json!({"type": "media_answer", "sdp": "v=0\r\n"});
    assert_eq!(a.call_err(answer.clone()).await, "no_media_connection");
    let settings = json!({"type": "media_settings", "audio_only": true});
    assert_eq!(a.call_err(settings).await, "no_media_connection");
    let not_sdp = json!({"type": "media_offer", "sdp": "hello"});
    assert_eq!(a.call_err(not_sdp).await, "bad_sdp");
    let huge = json!({"type": "media_offer", "sdp": format!("v=0\r\n{}", "a".repeat(61 * 1024))});
    assert_eq!(a.call_err(huge).await, "bad_sdp");
    // Shaped like SDP but unparsable: the media server says so.
    a.call(json!({"type": "media_offer", "sdp": "v=0\r\nthis is not sdp\r\n"}))
        .await;
    let err = a
        .recv_until(|m| is_type(m, "error") && m["code"] == "bad_sdp", WAIT)
        .await;
    assert!(err["message"].as_str().unwrap().contains("SDP"), "{err}");
    // A second offer within a second is a flood.
    let again = json!({"type": "media_offer", "sdp": offer()});
    assert_eq!(a.call_err(again).await, "rate_limited");
    // Someone with a media connection answers when the server has no offer
    // out: refused.
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    b.call(json!({"type": "media_offer", "sdp": offer()})).await;
    b.recv_until(|m| is_type(m, "media_answer"), WAIT).await;
    // (Valid SDP, so that only the missing offer is wrong.)
    b.send_json(json!({"type": "media_answer", "sdp": offer()}))
        .await;
    b.recv_until(
        |m| is_type(m, "error") && m["code"] == "no_pending_offer",
        WAIT,
    )
    .await;

    // Only a moderator mutes, and only someone who exists.
    let mute = json!({"type": "media_mute", "member": wa.id(), "muted": true});
    assert_eq!(a.call_err(mute.clone()).await, "forbidden");
    let (mut m, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let nobody = json!({"type": "media_mute", "member": 999, "muted": true});
    assert_eq!(m.call_err(nobody).await, "unknown_member");
    m.call(mute).await;
    let told = a.recv_until(|m| is_type(m, "media_muted"), WAIT).await;
    assert_eq!(told["member"], wa.id());
    assert_eq!(told["muted"], true);
}

/// Walks `client` (member `id`) to `to` and waits until it stands there.
async fn walk(client: &mut Client, id: u32, to: Tile) {
    client
        .call(json!({"type": "walk_to", "x": to.x, "y": to.y}))
        .await;
    client.wait_position(id, to.x, to.y).await;
}

#[tokio::test]
async fn the_jury_room_is_its_own_conversation_even_through_a_wall() {
    let server = TestServer::with_config(|c| c.limits.steps_per_second = 60).await;
    let v = venue();
    let jury = v.room_by_id("jury").unwrap();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut j, wj) = Client::join(&server, Role::Jury, "Juré").await;
    // Ana stands at the jury room's door, the juror just inside it.
    let (_, x, y) = wa.position();
    let door = nearest(&v, Tile::new(x, y), Role::Participant, |t| {
        v.room_at(t) != Some(jury)
            && DIRECTIONS.iter().any(|d| {
                neighbour(&v, t, *d).is_some_and(|n| v.is_walkable(n) && v.room_at(n) == Some(jury))
            })
    });
    let inside = DIRECTIONS
        .iter()
        .find_map(|d| neighbour(&v, door, *d).filter(|n| v.room_at(*n) == Some(jury)))
        .unwrap();
    walk(&mut a, wa.id(), door).await;
    j.call(json!({"type": "teleport", "room": "jury"})).await;
    walk(&mut j, wj.id(), inside).await;
    for c in [&mut a, &mut j] {
        c.call(json!({"type": "media_offer", "sdp": offer()})).await;
    }
    let got = j
        .recv_until(|m| is_conversation_of(m, &[wj.id()]), WAIT)
        .await;
    assert_eq!(got["conversation"]["room"], "jury");
    assert_eq!(got["conversation"]["kind"], "jury_room");
    // Ana, one tile away through the wall, is in no conversation.
    let got = a
        .recv_until(|m| is_type(m, "media_conversation"), WAIT)
        .await;
    assert!(got["conversation"].is_null(), "{got}");
    // And stays so: nothing else was said to her.
    a.barrier().await;
    assert!(
        !a.log
            .iter()
            .any(|m| is_type(m, "media_conversation") && !m["conversation"].is_null()),
        "{:?}",
        a.log
    );
}

#[tokio::test]
async fn a_replaced_connection_takes_its_media_connection_with_it() {
    let server = TestServer::start().await;
    let (_a, wa, _) = offering_at(&server, "Ana", "table-01").await;
    let (mut b, wb, _) = offering_at(&server, "Bea", "table-01").await;
    let (ida, idb) = (wa.id(), wb.id());
    b.recv_until(|m| is_conversation_of(m, &[ida, idb]), WAIT)
        .await;
    server
        .wait_metric("amphi_media_peers", WAIT, |peers| peers == 2.0)
        .await;

    // Ana signs in from another tab: the old tab's media connection leaves
    // at once (not when the media server gives up on it), and Bea is alone
    // in the conversation until the new tab offers.
    let (_second, _) = Client::rejoin(&server, &wa.session(), 0).await;
    server
        .wait_metric("amphi_media_peers", WAIT, |peers| peers == 1.0)
        .await;
    b.recv_until(|m| is_conversation_of(m, &[idb]), WAIT).await;
}
