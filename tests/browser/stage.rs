//! The stage during a pitch: a reaction sent from /live floats on /stage,
//! and a question asked in the venue is upvoted there and picked in the
//! console, then shown on /stage.

use super::*;

#[tokio::test]
async fn a_reaction_from_live_shows_on_stage_and_a_question_is_upvoted_and_picked() {
    let Some(mut s) =
        setup("a_reaction_from_live_shows_on_stage_and_a_question_is_upvoted_and_picked").await
    else {
        return;
    };
    let (mut claire, _) = Client::join(&s.server, Role::Moderator, "Claire").await;
    claire
        .call(json!({"type": "pitch", "op": "set_order", "order": [1]}))
        .await;
    claire.call(json!({"type": "pitch", "op": "start"})).await;

    let stage = s.screen("/stage").await;
    let live = s.screen("/live").await;
    live.click("#react-buttons [data-reaction='fire']").await;
    stage
        .wait(
            "the fire reaction on /stage",
            "return Number(document.querySelector('#reactions').dataset.fire || 0) >= 1 \
             && document.querySelector('#reactions .reaction-float') !== null;",
            vec![],
        )
        .await;

    // A participant asks and upvotes in the venue.
    let zoe = s.person(Role::Participant, "Zoe").await;
    zoe.click("#side-tab-team").await;
    zoe.wait(
        "the audience box during the pitch",
        "return !document.querySelector('#audience-box').hidden;",
        vec![],
    )
    .await;
    zoe.fill(
        "#audience-questions-text",
        "Quelle licence pour les données ?",
    )
    .await;
    zoe.click("#audience-questions form button[type='submit']")
        .await;
    zoe.wait(
        "the question listed",
        "return document.querySelector('#audience-questions [data-upvote]') !== null;",
        vec![],
    )
    .await;
    zoe.click("#audience-questions [data-upvote='1']").await;
    stage
        .wait(
            "the upvote counted on /stage",
            "return document.querySelector('#questions [data-question=\"1\"]')?.dataset.votes === '1';",
            vec![],
        )
        .await;

    // The moderator picks it in the console; /stage shows it.
    let console = s.console("Modé").await;
    console
        .wait(
            "the question in the console",
            "return document.querySelector('#console-questions [data-pick=\"1\"]') !== null;",
            vec![],
        )
        .await;
    console.click("#console-questions [data-pick='1']").await;
    stage
        .wait_text(
            "#questions .questions-picked",
            "Quelle licence pour les données ?",
        )
        .await;
    stage.screenshot("stage-reactions-questions").await;
    for b in [stage, live, zoe, console] {
        b.close().await;
    }
    s.done();
}
