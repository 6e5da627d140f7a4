//! The stage: the amphitheatre is one conversation in which only the
//! stage's speakers (here the moderator) are heard, by everyone in it
//! whatever their row; the audience listens and is not forwarded until
//! the moderator gives one of them the floor.

use super::media::{bytes, received, talk, teleport, wait_receiving, wait_stopped};
use super::{my_id, setup};
use amphi::domain::Role;

#[tokio::test]
async fn the_amphitheatre_hears_the_moderator_and_the_audience_is_not_forwarded() {
    let Some(mut s) =
        setup("the_amphitheatre_hears_the_moderator_and_the_audience_is_not_forwarded").await
    else {
        return;
    };
    let moderator = s.person(Role::Moderator, "Modé").await;
    let alice = s.person(Role::Participant, "Alice").await;
    let bob = s.person(Role::Participant, "Bob").await;
    for b in [&moderator, &alice, &bob] {
        teleport(b, "amphi").await;
        talk(b).await;
    }
    let (m, a) = (my_id(&moderator).await, my_id(&alice).await);
    for listener in [&alice, &bob] {
        wait_receiving(listener, &format!("{m}/mic/audio"), 0).await;
        wait_receiving(listener, &format!("{m}/camera/video"), 0).await;
    }
    // By then Alice's microphone and camera have been on for seconds: none
    // of it reached the moderator or Bob.
    for b in [&moderator, &bob] {
        let got = received(b).await;
        for key in ["mic/audio", "camera/video"] {
            assert_eq!(bytes(&got, &format!("{a}/{key}")), 0, "{}: {got:?}", b.name);
        }
    }
    s.done();
}

/// Bytes of microphone sound the page has sent so far (its own stats), as
/// a promise.
const SENT_AUDIO: &str = "(async () => {
  const m = amphi.media; if (!m.pc) return 0;
  let n = 0;
  for (const s of (await m.pc.getStats()).values()) if (s.type === 'outbound-rtp' && s.kind === 'audio') n += s.bytesSent || 0;
  return n;
})()";

/// Waits until `b`'s microphone has sent `more` bytes beyond what it had.
async fn wait_sending(b: &crate::harness::Browser, more: u64) {
    let before = b
        .js(&format!("return {SENT_AUDIO};"), vec![])
        .await
        .as_u64()
        .unwrap_or(0);
    b.wait(
        "the microphone sending",
        &format!("return {SENT_AUDIO}.then((n) => n > arguments[0]);"),
        vec![serde_json::json!(before + more)],
    )
    .await;
}

#[tokio::test]
async fn an_audience_microphone_is_not_forwarded_until_the_moderator_gives_the_floor() {
    let Some(mut s) =
        setup("an_audience_microphone_is_not_forwarded_until_the_moderator_gives_the_floor").await
    else {
        return;
    };
    let console = s.console("Modé").await;
    let alice = s.person(Role::Participant, "Alice").await;
    let bob = s.person(Role::Participant, "Bob").await;
    for b in [&alice, &bob] {
        teleport(b, "amphi").await;
        talk(b).await;
    }
    let a = my_id(&alice).await;
    // Alice raises her hand with the venue's button; the console lists her.
    alice
        .wait(
            "the raise-hand button",
            "const b = document.querySelector('#floor-hand'); return Boolean(b && !b.hidden);",
            vec![],
        )
        .await;
    alice.click("#floor-hand").await;
    let give = format!("#console-floor li[data-member='{a}'] button[data-op='give']");
    console
        .wait(
            "Alice in the console's queue",
            "return Boolean(document.querySelector(arguments[0]));",
            vec![serde_json::json!(give)],
        )
        .await;
    alice.wait_text("#floor-status", "file").await;
    // Her microphone keeps sending, hand up: nothing of it reaches Bob.
    wait_sending(&alice, 8_000).await;
    let got = received(&bob).await;
    for key in ["mic/audio", "camera/video"] {
        assert_eq!(
            bytes(&got, &format!("{a}/{key}")),
            0,
            "before the floor: {got:?}"
        );
    }

    // The moderator gives her the floor from the console: Bob hears and
    // sees her, and is told who has the floor.
    console.click(&give).await;
    wait_receiving(&bob, &format!("{a}/mic/audio"), 0).await;
    wait_receiving(&bob, &format!("{a}/camera/video"), 0).await;
    bob.wait_text("#floor-status", "Alice").await;
    alice
        .wait_text("#floor-status", "Vous avez la parole")
        .await;

    // Taken back: her sound stops arriving.
    let take = format!("#console-floor li[data-member='{a}'] button[data-op='take']");
    console
        .wait(
            "the take-back button",
            "return Boolean(document.querySelector(arguments[0]));",
            vec![serde_json::json!(take)],
        )
        .await;
    let taken = std::time::Instant::now();
    console.click(&take).await;
    wait_stopped(&bob, &format!("{a}/mic/audio"), taken).await;
    s.done();
}

/// Sends a request from a page (`amphi.conn`) and waits for its answer.
async fn request(b: &crate::harness::Browser, msg: serde_json::Value) {
    b.js(
        "return amphi.conn.request(arguments[0]).then(() => true);",
        vec![msg],
    )
    .await;
}

#[tokio::test]
async fn a_juror_is_heard_during_qa_without_raising_a_hand_when_the_event_allows_it() {
    let Some(mut s) =
        setup("a_juror_is_heard_during_qa_without_raising_a_hand_when_the_event_allows_it").await
    else {
        return;
    };
    let console = s.console("Modé").await;
    let juror = s.person(Role::Jury, "Juré").await;
    let bob = s.person(Role::Participant, "Bob").await;
    for b in [&juror, &bob] {
        teleport(b, "amphi").await;
        talk(b).await;
    }
    let j = my_id(&juror).await;
    let key = format!("{j}/mic/audio");
    // During the pitch the juror is part of the audience: not forwarded.
    let pitch = |op: &str| serde_json::json!({"type": "pitch", "op": op});
    request(
        &console,
        serde_json::json!({"type": "pitch", "op": "set_order", "order": [3]}),
    )
    .await;
    request(&console, pitch("start")).await;
    wait_sending(&juror, 8_000).await;
    assert_eq!(bytes(&received(&bob).await, &key), 0, "during the pitch");

    // The pitch is stopped: Q&A, and the juror is heard.
    request(&console, pitch("stop")).await;
    wait_receiving(&bob, &key, 0).await;
    bob.wait_text("#floor-status", "jurés").await;

    // The moderator switches the setting off in the console: no longer.
    let off = std::time::Instant::now();
    console.click("#floor-jurors").await;
    wait_stopped(&bob, &key, off).await;
    s.done();
}
