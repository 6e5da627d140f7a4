//! The check page (`/check`) with Chromium's fake camera and microphone: it
//! opens both, hears the microphone, reaches the server and the media
//! server over UDP (and, with a coturn on loopback, through the relay,
//! forced); the microphone
//! chosen there is the one the venue then sends; and who speaks is shown in
//! the people list of whoever hears them.

use super::media::{relay_setup, talk, teleport, wait_receiving};
use super::{my_id, setup};
use crate::harness::CATCH_ERRORS;
use amphi::domain::Role;
use serde_json::{Value, json};
use std::time::Instant;

#[tokio::test]
async fn the_check_page_tests_the_devices_and_the_venue_uses_the_chosen_microphone() {
    let Some(mut s) =
        setup("the_check_page_tests_the_devices_and_the_venue_uses_the_chosen_microphone").await
    else {
        return;
    };
    let alice = s.driver.browser("Alice").await;
    alice.goto(&s.url("/check?lang=en")).await;
    alice.js(CATCH_ERRORS, vec![]).await;
    alice
        .wait(
            "camera, microphone and server checked",
            "const c = window.amphiCheck; return Boolean(c && c.camera && c.mic && c.server);",
            vec![],
        )
        .await;
    alice
        .wait(
            "the camera's picture",
            "return document.querySelector('#check-video').videoWidth > 0;",
            vec![],
        )
        .await;
    // The fake microphone beeps: the meter hears it.
    alice
        .wait(
            "a sound on the microphone",
            "return amphiCheck.loudest > 0.02;",
            vec![],
        )
        .await;
    alice.wait_text("#check-mic-status", "works").await;
    // The probe connection reached the media server over UDP, directly.
    alice
        .wait(
            "the media probe",
            "return amphiCheck.media === 'done';",
            vec![],
        )
        .await;
    let found = alice
        .js("return [amphiCheck.udp, amphiCheck.relay];", vec![])
        .await;
    assert_eq!(found, json!([true, null]), "UDP works, no relay configured");
    alice.wait_text("#check-media-status", "UDP").await;
    // The probe was hung up: nothing of it stays on the media server.
    let mut peers = f64::MAX;
    for _ in 0..100 {
        peers = s.server.metric("amphi_media_peers").await;
        if peers == 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(peers, 0.0, "the probe connection was closed");
    // Choose the (fake) microphone explicitly: it is remembered.
    let chosen = alice
        .js(
            "const s = document.querySelector('#check-mic'); const ids = [...s.options].map((o) => o.value).filter((v) => v !== 'default' && v !== 'communications'); const id = ids[ids.length - 1] || s.options[0].value; s.value = id; s.dispatchEvent(new Event('change')); return id;",
            vec![],
        )
        .await;
    let chosen = chosen.as_str().expect("a device id").to_string();
    assert!(!chosen.is_empty());
    let stored = alice
        .js("return localStorage.getItem('amphi.device.mic');", vec![])
        .await;
    assert_eq!(stored, Value::String(chosen.clone()));

    // In the venue, the microphone sent is the one chosen.
    alice.goto(&s.join_url(Role::Participant, "Alice")).await;
    alice.js(CATCH_ERRORS, vec![]).await;
    alice
        .wait(
            "the welcome and the map",
            "return Boolean(window.amphi && amphi.store.me && amphi.renderer.map);",
            vec![],
        )
        .await;
    let bob = s.person(Role::Participant, "Bob").await;
    teleport(&alice, "table-01").await;
    teleport(&bob, "table-01").await;
    talk(&alice).await;
    talk(&bob).await;
    let used = alice
        .js(
            "return amphi.media.local.mic.getSettings().deviceId;",
            vec![],
        )
        .await;
    assert_eq!(used, Value::String(chosen));

    // Bob hears Alice's beeps: his people list says she speaks.
    let a = my_id(&alice).await;
    wait_receiving(&bob, &format!("{a}/mic/audio"), 0).await;
    bob.wait(
        "Alice shown speaking in the people list",
        "return Boolean(document.querySelector(`#people-list .person.is-speaking[data-member=\"${arguments[0]}\"]`));",
        vec![json!(a)],
    )
    .await;
    s.done();
}

#[tokio::test]
async fn the_check_page_says_whether_the_relay_works() {
    let name = "the_check_page_says_whether_the_relay_works";
    let Some((mut s, turn)) = relay_setup(name, 6 * 3600).await else {
        return;
    };
    turn_answers(turn.port).await;
    let alice = s.driver.browser("Alice").await;
    alice.goto(&s.url("/check?lang=fr")).await;
    alice.js(CATCH_ERRORS, vec![]).await;
    alice
        .wait(
            "both media probes",
            "return window.amphiCheck && amphiCheck.media === 'done';",
            vec![],
        )
        .await;
    let found = alice
        .js("return [amphiCheck.udp, amphiCheck.relay];", vec![])
        .await;
    assert_eq!(found, json!([true, true]), "UDP and the relay both work");
    alice.wait_text("#check-media-status", "UDP").await;
    // The credential the page got is short-lived.
    let response = s.server.get("/api/check/ice").await;
    assert_eq!(response.status, 200, "{}", response.body);
    let ice: Value = serde_json::from_str(&response.body).expect("JSON");
    let username = ice["ice_servers"][0]["username"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let expiry: u64 = username
        .split(':')
        .next()
        .and_then(|t| t.parse().ok())
        .expect("a TURN REST username");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(expiry <= now + 120, "{username}");
    s.done();
}

/// Waits until the coturn just started answers a STUN binding request (the
/// page probes the relay at once; coturn takes a moment to listen).
async fn turn_answers(port: u16) {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    // Binding request: type 0x0001, length 0, magic cookie, transaction id.
    let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
    request.extend_from_slice(b"amphi-check!");
    let started = Instant::now();
    let mut buf = [0u8; 1500];
    loop {
        socket.send_to(&request, ("127.0.0.1", port)).await.unwrap();
        let answer = tokio::time::timeout(
            std::time::Duration::from_millis(100),
            socket.recv_from(&mut buf),
        )
        .await;
        if matches!(answer, Ok(Ok(_))) {
            return;
        }
        assert!(
            started.elapsed() < crate::common::WAIT,
            "coturn does not answer on port {port}"
        );
    }
}
