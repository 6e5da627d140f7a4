//! Jury scoring: the rubric, scores and their edits, each juror's own sheet
//! and progress, the moderator's overview, and closed judging.

use crate::common::{Client, TestServer, is_type};
use crate::{CARTOGRAPHES, OPEN_MAIRIE, op};
use amphi::domain::Role;
use serde_json::{Value, json};

fn jury(name: &str, fields: Value) -> Value {
    op("jury", name, fields)
}

fn score(team: u32, criterion: &str, value: u32) -> Value {
    jury(
        "score",
        json!({"team": team, "criterion": criterion, "value": value}),
    )
}

fn criterion(id: &str, weight: f64, max: u32) -> Value {
    json!({"id": id, "label": id.to_uppercase(), "weight": weight, "max": max})
}

#[tokio::test]
async fn jurors_score_edit_and_follow_their_progress_until_judging_closes() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut un, wun) = Client::join(&server, Role::Jury, "Juré Un").await;
    let (mut deux, wdeux) = Client::join(&server, Role::Jury, "Jurée Deux").await;
    let (mut participant, _) = Client::join(&server, Role::Participant, "Ana").await;

    // On joining, a juror gets their (empty) sheet on the default rubric.
    let sheet = un.latest("jury_sheet").await;
    assert_eq!(sheet["judging_open"], false);
    assert_eq!(sheet["published"], false);
    assert_eq!(sheet["scores"], json!({}));
    assert_eq!(sheet["progress"], json!({"scored": 0, "remaining": 3}));
    assert_eq!(sheet["rubric"]["criteria"].as_array().unwrap().len(), 5);

    // The moderator sets the rubric; bad ones are refused.
    for (criteria, code) in [
        (json!([]), "empty_rubric"),
        (
            json!([criterion("impact", 0.0, 10), criterion("pitch", 0.0, 10)]),
            "weights_sum_to_zero",
        ),
        (
            json!([criterion("impact", 1.0, 10), criterion("impact", 1.0, 10)]),
            "duplicate_criterion",
        ),
        (json!([criterion("impact", 1.0, 0)]), "max_out_of_range"),
        (
            json!([criterion("Impact!", 1.0, 10)]),
            "invalid_criterion_id",
        ),
    ] {
        assert_eq!(
            moderator
                .call_err(jury("set_rubric", json!({"criteria": criteria})))
                .await,
            code
        );
    }
    let rubric = json!([
        criterion("impact", 2.0, 10),
        criterion("innovation", 1.0, 10),
        criterion("pitch", 1.0, 20)
    ]);
    moderator
        .call(jury("set_rubric", json!({"criteria": rubric})))
        .await;
    assert_eq!(un.latest("jury_sheet").await["rubric"]["criteria"], rubric);

    assert_eq!(
        un.call_err(score(CARTOGRAPHES, "impact", 8)).await,
        "judging_closed"
    );
    moderator.call(jury("open_judging", json!({}))).await;
    assert_eq!(un.latest("jury_sheet").await["judging_open"], true);

    // Scores, one criterion at a time; progress counts complete sheets.
    un.call(score(CARTOGRAPHES, "impact", 8)).await;
    let sheet = un.latest("jury_sheet").await;
    assert_eq!(sheet["scores"], json!({"1": {"impact": 8}}));
    assert_eq!(sheet["progress"], json!({"scored": 0, "remaining": 3}));
    un.call(score(CARTOGRAPHES, "innovation", 6)).await;
    un.call(score(CARTOGRAPHES, "pitch", 15)).await;
    let sheet = un.latest("jury_sheet").await;
    assert_eq!(
        sheet["scores"],
        json!({"1": {"impact": 8, "innovation": 6, "pitch": 15}})
    );
    assert_eq!(sheet["progress"], json!({"scored": 1, "remaining": 2}));
    // (2·8 + 6 + 15·10/20) / 4 = 7.375
    let board = moderator.latest("staff_leaderboard").await;
    let row = &board["board"]["rows"][0];
    assert_eq!(
        (row["team"].clone(), row["raw"].clone()),
        (json!(1), json!(7.375))
    );
    assert_eq!(row["jurors"], 1);

    for (bad, code) in [
        (score(CARTOGRAPHES, "impact", 11), "score_out_of_range"),
        (score(CARTOGRAPHES, "pitch", 21), "score_out_of_range"),
        (score(99, "impact", 5), "unknown_team"),
        (score(CARTOGRAPHES, "charisme", 5), "unknown_criterion"),
    ] {
        assert_eq!(un.call_err(bad).await, code);
    }

    // An edit replaces the score; withdrawing one makes the sheet incomplete.
    un.call(score(CARTOGRAPHES, "impact", 6)).await;
    let board = moderator.latest("staff_leaderboard").await;
    assert_eq!(board["board"]["rows"][0]["raw"], 6.375);
    let clear = jury(
        "clear_score",
        json!({"team": CARTOGRAPHES, "criterion": "pitch"}),
    );
    un.call(clear.clone()).await;
    let sheet = un.latest("jury_sheet").await;
    assert_eq!(
        sheet["scores"],
        json!({"1": {"impact": 6, "innovation": 6}})
    );
    assert_eq!(sheet["progress"], json!({"scored": 0, "remaining": 3}));
    assert_eq!(un.call_err(clear).await, "not_scored");
    let board = moderator.latest("staff_leaderboard").await;
    assert!(
        board["board"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["raw"].is_null()),
        "an incomplete sheet counts for nothing: {board}"
    );

    // The second juror's sheet is theirs alone.
    for (c, v) in [("impact", 7), ("innovation", 7), ("pitch", 14)] {
        deux.call(score(OPEN_MAIRIE, c, v)).await;
    }
    let sheet = deux.latest("jury_sheet").await;
    assert_eq!(sheet["progress"], json!({"scored": 1, "remaining": 2}));
    assert_eq!(
        sheet["scores"],
        json!({"2": {"impact": 7, "innovation": 7, "pitch": 14}})
    );
    un.barrier().await;
    un.assert_never_received("another juror's scores", |m| {
        is_type(m, "jury_sheet") && !m["scores"]["2"].is_null()
    });
    let status = moderator.latest("jury_status").await;
    assert_eq!(status["judging_open"], true);
    assert_eq!(
        status["jurors"],
        json!([
            {"id": wun.id(), "name": "Juré Un", "scored": 0, "remaining": 3},
            {"id": wdeux.id(), "name": "Jurée Deux", "scored": 1, "remaining": 2}
        ])
    );

    // Only jurors score; only the moderator runs judging.
    for client in [&mut moderator, &mut participant] {
        assert_eq!(
            client.call_err(score(CARTOGRAPHES, "impact", 5)).await,
            "forbidden"
        );
    }
    assert_eq!(
        un.call_err(jury("close_judging", json!({}))).await,
        "forbidden"
    );
    assert_eq!(
        moderator.call_err(jury("publish", json!({}))).await,
        "judging_open"
    );

    // Closed: scores are final.
    moderator.call(jury("close_judging", json!({}))).await;
    assert_eq!(deux.latest("jury_sheet").await["judging_open"], false);
    assert_eq!(
        un.call_err(score(CARTOGRAPHES, "pitch", 10)).await,
        "judging_closed"
    );
    assert_eq!(
        deux.call_err(jury(
            "clear_score",
            json!({"team": OPEN_MAIRIE, "criterion": "pitch"})
        ))
        .await,
        "judging_closed"
    );
    moderator.call(jury("publish", json!({}))).await;
    assert_eq!(un.latest("jury_sheet").await["published"], true);
    let status = moderator.latest("jury_status").await;
    assert_eq!(
        (status["judging_open"].clone(), status["published"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(
        deux.latest("jury_sheet").await["scores"]["2"]["pitch"],
        14,
        "nothing changed after closing"
    );
}
