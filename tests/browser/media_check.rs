//! The check page (`/check`) with Chromium's fake camera and microphone: it
//! opens both, hears the microphone and reaches the server; the microphone
//! chosen there is the one the venue then sends; and who speaks is shown in
//! the people list of whoever hears them.

use super::media::{talk, teleport, wait_receiving};
use super::{my_id, setup};
use crate::harness::CATCH_ERRORS;
use amphi::domain::Role;
use serde_json::{Value, json};

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
