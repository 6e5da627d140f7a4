//! Participants see the results in the venue: the published leaderboard,
//! the ceremony place by place, and a link to the live page.

use super::*;

#[tokio::test]
async fn participants_see_the_published_leaderboard_and_the_ceremony_in_the_venue() {
    let Some(mut s) =
        setup("participants_see_the_published_leaderboard_and_the_ceremony_in_the_venue").await
    else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    let (mut claire, _) = Client::join(&s.server, Role::Moderator, "Claire").await;
    let (mut paul, _) = Client::join(&s.server, Role::Jury, "Paul").await;
    let teams = zoe
        .js(
            "return [...amphi.store.teams.keys()].sort((a, b) => a - b);",
            vec![],
        )
        .await;
    let teams: Vec<u64> = serde_json::from_value(teams).unwrap();
    assert!(teams.len() >= 2, "the demo event has teams");

    // Before publication: the box says so and links to /live.
    zoe.click("#side-tab-team").await;
    zoe.wait_text("#results-box", "pas encore publié").await;
    let href = zoe
        .js(
            "return document.querySelector('#results-live').getAttribute('href');",
            vec![],
        )
        .await;
    assert_eq!(href, json!("/live?event=demo"));

    claire
        .call(json!({"type": "jury", "op": "set_rubric", "criteria": [{"id": "impact", "label": "Impact", "weight": 1.0, "max": 10}]}))
        .await;
    claire
        .call(json!({"type": "jury", "op": "open_judging"}))
        .await;
    paul.call(
        json!({"type": "jury", "op": "score", "team": teams[0], "criterion": "impact", "value": 7}),
    )
    .await;
    paul.call(
        json!({"type": "jury", "op": "score", "team": teams[1], "criterion": "impact", "value": 8}),
    )
    .await;

    // Published live: a notice, and the board with French decimals.
    claire
        .call(json!({"type": "leaderboard", "op": "live"}))
        .await;
    zoe.wait_text("#notice-results", "classement est publié")
        .await;
    zoe.wait_text(
        "#results-board .results-row:first-child .results-score",
        "8,00",
    )
    .await;
    let rows = zoe
        .js(
            "return document.querySelectorAll('#results-board .results-row').length;",
            vec![],
        )
        .await;
    assert_eq!(rows, json!(teams.len()), "every team is ranked");

    // The ceremony: nothing, then one place at a time, from the last.
    claire
        .call(json!({"type": "jury", "op": "close_judging"}))
        .await;
    claire
        .call(json!({"type": "leaderboard", "op": "reveal"}))
        .await;
    zoe.wait_text(
        "#results-note",
        &format!("0 place dévoilée sur {}", teams.len()),
    )
    .await;
    claire
        .call(json!({"type": "leaderboard", "op": "reveal_next"}))
        .await;
    claire
        .call(json!({"type": "leaderboard", "op": "reveal_next"}))
        .await;
    zoe.wait_text(
        "#results-note",
        &format!("2 places dévoilées sur {}", teams.len()),
    )
    .await;
    zoe.wait_text("#notice-results", &format!("(2/{})", teams.len()))
        .await;
    // In English, without reloading.
    let lang = "const s = document.querySelector('#lang-select'); s.value = arguments[0]; s.dispatchEvent(new Event('change')); return true;";
    zoe.js(lang, vec![json!("en")]).await;
    zoe.wait_text("#results-box", "Results").await;
    zoe.wait_text("#notice-results", "Results ceremony").await;
    zoe.js(lang, vec![json!("fr")]).await;
    // The notice's button shows the board.
    zoe.click("#notice-results .notice-btn").await;
    zoe.wait(
        "the board in view",
        "const r = document.querySelector('#results-board').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight;",
        vec![],
    )
    .await;
    zoe.screenshot("venue-results").await;
    zoe.close().await;
    s.done();
}
