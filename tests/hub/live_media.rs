//! The stage's picture and sound for anonymous watchers (`/live`,
//! `/stage`): a watcher may open a receive-only media connection, within
//! `[media] live_viewers`; an offer that would send, a malformed one, or a
//! moderator's request from a watcher is refused with a typed error. What
//! actually arrives is checked in the browser tests (`media_live`).

use crate::common::{Client, TestServer, WAIT, is_type};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use str0m::media::{Direction, MediaKind};

/// An offer made with str0m, one m-line per direction given.
fn offer(directions: &[(MediaKind, Direction)]) -> String {
    let mut rtc = str0m::Rtc::builder()
        .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
        .build(Instant::now());
    rtc.add_local_candidate(str0m::Candidate::host("127.0.0.1:9".parse().unwrap(), "udp").unwrap());
    let mut api = rtc.sdp_api();
    for (kind, direction) in directions {
        api.add_media(*kind, *direction, None, None, None);
    }
    api.apply().unwrap().0.to_sdp_string()
}

/// What the /live page offers: one receive-only audio m-line.
fn watcher_offer() -> String {
    offer(&[(MediaKind::Audio, Direction::RecvOnly)])
}

#[tokio::test]
async fn a_watcher_receives_only_and_bad_offers_are_refused() {
    let server = TestServer::start().await;
    let (mut w, _) = Client::watch(&server).await;
    // Before any offer.
    let answer = json!({"type": "media_answer", "sdp": "v=0\r\n"});
    assert_eq!(w.call_err(answer).await, "no_media_connection");
    // Offers that would send: a browser's venue offer, or one sending m-line.
    let venue_offer = offer(&[
        (MediaKind::Audio, Direction::SendOnly),
        (MediaKind::Video, Direction::SendOnly),
        (MediaKind::Video, Direction::SendOnly),
    ]);
    let mixed = offer(&[
        (MediaKind::Audio, Direction::RecvOnly),
        (MediaKind::Video, Direction::SendRecv),
    ]);
    for sdp in [venue_offer, mixed] {
        let code = w.call_err(json!({"type": "media_offer", "sdp": sdp})).await;
        assert_eq!(code, "watcher_cannot_send");
    }
    let code = w
        .call_err(json!({"type": "media_offer", "sdp": "hello"}))
        .await;
    assert_eq!(code, "bad_sdp");
    // None of them reached the media server.
    assert_eq!(server.metric("amphi_media_live_viewers").await, 0.0);
    assert_eq!(server.metric("amphi_media_peers").await, 0.0);
    // A moderator's request stays refused.
    let mute = json!({"type": "media_mute", "member": 1, "muted": true});
    assert_eq!(w.call_err(mute).await, "forbidden");

    // A receive-only offer is answered by the media server.
    w.call(json!({"type": "media_offer", "sdp": watcher_offer()}))
        .await;
    let answer = w.recv_until(|m| is_type(m, "media_answer"), WAIT).await;
    assert!(answer["sdp"].as_str().unwrap().contains("a=ice-lite"));
    assert_eq!(server.metric("amphi_media_live_viewers").await, 1.0);
    // Flooding offers is refused.
    let again = json!({"type": "media_offer", "sdp": watcher_offer()});
    assert_eq!(w.call_err(again).await, "rate_limited");
    // Audio only and hanging up are the watcher's to ask.
    w.call(json!({"type": "media_settings", "audio_only": true}))
        .await;
    w.call(json!({"type": "media_leave"})).await;
    assert_eq!(server.metric("amphi_media_live_viewers").await, 0.0);
}

#[tokio::test]
async fn live_viewers_bounds_the_watchers_receiving_the_stage() {
    let server = TestServer::with_config(|c| c.media.live_viewers = 1).await;
    let (mut first, _) = Client::watch(&server).await;
    let (mut second, _) = Client::watch(&server).await;
    first
        .call(json!({"type": "media_offer", "sdp": watcher_offer()}))
        .await;
    let code = second
        .call_err(json!({"type": "media_offer", "sdp": watcher_offer()}))
        .await;
    assert_eq!(code, "live_media_full");
    // The second still watches everything else (it was not disconnected).
    let reply = second
        .call_any(json!({"type": "react", "reaction": "clap"}))
        .await;
    assert_eq!(reply["code"], "nothing_on_stage", "{reply}");
    // The first closes its page: its place is free.
    drop(first);
    let started = Instant::now();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let reply = second
            .call_any(json!({"type": "media_offer", "sdp": watcher_offer()}))
            .await;
        if is_type(&reply, "ack") {
            break;
        }
        assert_eq!(reply["code"], "live_media_full", "{reply}");
        assert!(started.elapsed() < WAIT, "the place was never freed");
    }
}

#[tokio::test]
async fn with_the_live_page_off_no_watcher_gets_media() {
    // The page is not served and its connection is refused: no watcher,
    // hence no media connection for anyone outside the venue.
    let server = TestServer::with_config(|c| c.live_page = false).await;
    let mut w = Client::connect(&server).await;
    w.send_json(json!({"type": "hello", "protocol": 2, "watch": true}))
        .await;
    let first = w
        .recv_until(|m| m["type"] == "watching" || m["type"] == "error", WAIT)
        .await;
    assert_eq!(first["code"], "forbidden", "{first}");
    let page = server.get("/live").await;
    assert_ne!(page.status, 200, "/live is not served");
    assert_eq!(server.metric("amphi_media_peers").await, 0.0);
    assert_eq!(server.metric("amphi_media_live_viewers").await, 0.0);
}
