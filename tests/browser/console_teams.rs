//! The moderator creates a team and gives teams a challenge from the console.

use super::*;

#[tokio::test]
async fn the_moderator_creates_a_team_and_gives_a_demo_team_a_challenge_in_the_console() {
    let Some(mut s) =
        setup("the_moderator_creates_a_team_and_gives_a_demo_team_a_challenge_in_the_console")
            .await
    else {
        return;
    };
    let (mut watcher, welcome) = Client::join(&s.server, Role::Participant, "Ana").await;
    let demo = welcome.0["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Open Mairie")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let claire = s.console("Claire").await;
    claire.fill("#challenge-title", "Open data").await;
    claire.click("#challenge-form button[type=submit]").await;
    let challenge = claire
        .wait(
            "the challenge in the team's picker",
            "const o = [...document.querySelectorAll(`#team-challenge-${arguments[0]} option`)].find((o) => o.textContent === 'Open data'); return o ? Number(o.value) : null;",
            vec![json!(demo)],
        )
        .await;

    claire
        .js(
            "const s = document.querySelector(`#team-challenge-${arguments[0]}`); s.value = String(arguments[1]); s.dispatchEvent(new Event('change')); return true;",
            vec![json!(demo), challenge.clone()],
        )
        .await;
    watcher
        .recv_until(
            |m| {
                m["type"] == "team_updated"
                    && m["team"]["id"] == demo
                    && m["team"]["challenge"] == challenge
            },
            common::WAIT,
        )
        .await;

    claire.fill("#new-team-name", "Les Licornes").await;
    claire
        .js(
            "const s = document.querySelector('#new-team-challenge'); s.value = String(arguments[0]); return true;",
            vec![challenge.clone()],
        )
        .await;
    claire.click("#new-team-add").await;
    let added = watcher
        .recv_until(
            |m| m["type"] == "team_updated" && m["team"]["name"] == "Les Licornes",
            common::WAIT,
        )
        .await;
    assert_eq!(added["team"]["challenge"], challenge, "{added}");
    assert_eq!(added["team"]["members"], json!([]), "{added}");
    claire.wait_text("#teams-table", "Les Licornes").await;
    let shown = claire
        .js(
            "return document.querySelector(`#team-challenge-${arguments[0]}`).selectedOptions[0].textContent;",
            vec![added["team"]["id"].clone()],
        )
        .await;
    assert_eq!(shown, json!("Open data"));
    claire
        .wait(
            "the form emptied once the team is created",
            "return document.querySelector('#new-team-name').value === '';",
            vec![],
        )
        .await;
    let cut = claire
        .js(
            "const w = document.querySelector('#teams .table-wrap'); return w.scrollWidth > w.clientWidth + 1;",
            vec![],
        )
        .await;
    assert_eq!(
        cut,
        json!(false),
        "the teams table fits its card, summon buttons included"
    );
    let errors = claire.js("return window.__errors || [];", vec![]).await;
    assert_eq!(errors, json!([]));
    claire.screenshot("console-teams").await;
    claire.close().await;
    s.done();
}
