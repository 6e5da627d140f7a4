//! "My data" (/me): a participant sees what the event keeps about them and
//! deletes their account; their session is gone afterwards.

use super::*;

#[tokio::test]
async fn a_participant_sees_and_deletes_their_data() {
    let Some(mut s) = setup("a_participant_sees_and_deletes_their_data").await else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    let session = zoe
        .js("return localStorage.getItem('amphi.session.demo');", vec![])
        .await
        .as_str()
        .unwrap()
        .to_string();
    zoe.goto(&s.url("/me?event=demo&lang=fr")).await;
    zoe.js(CATCH_ERRORS, vec![]).await;
    zoe.wait_text("#summary", "Zoe").await;
    zoe.wait_text("#summary", "0 message écrit").await;
    zoe.screenshot("my-data").await;
    zoe.js("window.confirm = () => true; return true;", vec![])
        .await;
    zoe.click("#delete").await;
    zoe.wait_text("#summary", "Votre compte est supprimé").await;
    let errors = zoe.js("return window.__errors;", vec![]).await;
    assert_eq!(errors, json!([]), "no page errors");
    let mut again = Client::connect(&s.server).await;
    again
        .send_json(json!({"type": "hello", "protocol": 2, "resume": session, "last_seq": 0}))
        .await;
    again.expect_error("invalid_session").await;
    zoe.close().await;
    s.done();
}
