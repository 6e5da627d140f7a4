//! Who may be where, said plainly and first: a participant on the console,
//! a bad invite link, a good one without a name.

use super::*;

#[tokio::test]
async fn a_participant_on_the_console_is_told_plainly_and_sees_no_console() {
    let Some(mut s) =
        setup("a_participant_on_the_console_is_told_plainly_and_sees_no_console").await
    else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    zoe.goto(&s.url("/console.html?event=demo&lang=fr&debug=1"))
        .await;
    zoe.js(CATCH_ERRORS, vec![]).await;
    zoe.wait_text("#gate", "réservée à l’animation").await;
    zoe.wait_text("#gate", "Participant·e").await;
    let seen = zoe
        .js(
            "return [[...document.querySelectorAll('.card')].filter((c) => c.offsetParent).length, document.querySelector('#gate-venue').getAttribute('href'), document.querySelectorAll('.toast-error').length];",
            vec![],
        )
        .await;
    assert_eq!(
        seen,
        json!([0, "/?event=demo", 0]),
        "no card, a way back, no error"
    );
    zoe.screenshot("console-participant").await;
    zoe.close().await;
    s.done();
}

#[tokio::test]
async fn a_bad_invite_link_is_said_first_and_a_good_one_asks_for_a_name() {
    let Some(mut s) = setup("a_bad_invite_link_is_said_first_and_a_good_one_asks_for_a_name").await
    else {
        return;
    };
    let bad = s.driver.browser("bad-invite").await;
    bad.goto(&s.url("/?event=demo&lang=fr&invite=0123456789abcdef&debug=1"))
        .await;
    bad.wait_text("#join-fatal", "n’est pas valide pour cet événement")
        .await;
    let state = bad
        .js(
            "return [document.querySelector('#join-fields').hidden, document.querySelector('#join-fatal').hidden, amphi.conn.stopped];",
            vec![],
        )
        .await;
    assert_eq!(
        state,
        json!([true, false, true]),
        "no name asked, the reason shown, no retry"
    );
    bad.screenshot("venue-bad-invite").await;

    let good = s.driver.browser("good-invite").await;
    good.goto(&s.url(&format!(
        "/?event=demo&lang=fr&invite={}&debug=1",
        s.server.join_link(Role::Participant)
    )))
    .await;
    good.wait(
        "the name asked, without an error",
        "const d = document.querySelector('#join-dialog'); return d.open && !document.querySelector('#join-fields').hidden && document.querySelector('#join-error').textContent === '';",
        vec![],
    )
    .await;
    good.fill("#join-name", "Inès").await;
    good.click("#join-form button[type=submit]").await;
    good.wait(
        "the welcome",
        "return Boolean(amphi.store.me && amphi.store.me.name === 'Inès');",
        vec![],
    )
    .await;
    bad.close().await;
    good.close().await;
    s.done();
}
