//! The results export over HTTP: JSON and CSV content for the moderator,
//! 401 and 403 for anyone else.

use crate::common::{Client, HttpResponse, TestServer};
use crate::{CARTOGRAPHES, OPEN_MAIRIE, op};
use amphi::domain::Role;
use serde_json::{Value, json};

async fn results(server: &TestServer, format: &str, token: Option<&str>) -> HttpResponse {
    let path = format!("/api/events/demo/results?format={format}");
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    server.http("GET", &path, &headers, b"").await
}

/// Splits RFC 4180 CSV (CRLF records, quoted fields) into records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    assert!(text.ends_with("\r\n"), "records end with CRLF: {text:?}");
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "a lone CR in {text:?}");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

fn jury_score(team: u32, criterion: &str, value: u32) -> Value {
    op(
        "jury",
        "score",
        json!({"team": team, "criterion": criterion, "value": value}),
    )
}

#[tokio::test]
async fn the_moderator_exports_teams_scores_ranking_votes_and_labels() {
    let server = TestServer::start().await;
    let (mut moderator, wm) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut un, wun) = Client::join(&server, Role::Jury, "Juré Un").await;
    let (mut deux, wdeux) = Client::join(&server, Role::Jury, "Jurée, Deux").await;
    let (mut paul, wpaul) = Client::join(&server, Role::Participant, "Paul").await;
    let (mut quentin, _) = Client::join(&server, Role::Participant, "Quentin").await;

    moderator
        .call(json!({"type": "add_challenge", "title": "Open data"}))
        .await;
    paul.call(json!({"type": "create_team", "name": "=SOMME(1;2)", "challenge": 1}))
        .await;
    let calc = 4;
    moderator.call(op("vote", "open", json!({}))).await;
    quentin
        .call(op("vote", "cast", json!({"team": OPEN_MAIRIE})))
        .await;
    moderator
        .call(op(
            "jury",
            "set_rubric",
            json!({"criteria": [
                {"id": "impact", "label": "Impact", "weight": 2.0, "max": 10},
                {"id": "pitch", "label": "Pitch", "weight": 1.0, "max": 20}
            ]}),
        ))
        .await;
    moderator.call(op("jury", "open_judging", json!({}))).await;
    for (first, team, impact, pitch) in [
        (true, CARTOGRAPHES, 8, 10),
        (true, OPEN_MAIRIE, 6, 20),
        (false, CARTOGRAPHES, 6, 16),
        (false, OPEN_MAIRIE, 9, 12),
    ] {
        let juror = if first { &mut un } else { &mut deux };
        juror.call(jury_score(team, "impact", impact)).await;
        juror.call(jury_score(team, "pitch", pitch)).await;
    }
    un.call(jury_score(calc, "impact", 5)).await;
    for (id, name) in [
        ("king_of_data", "King of data"),
        ("proto", "Les pros du proto"),
    ] {
        moderator
            .call(op("award", "define", json!({"id": id, "name": name})))
            .await;
        moderator
            .call(op(
                "award",
                "give",
                json!({"award": id, "team": OPEN_MAIRIE}),
            ))
            .await;
    }
    moderator.call(op("jury", "close_judging", json!({}))).await;

    // JSON.
    let response = results(&server, "json", Some(&wm.session())).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(doc["event"], "demo");
    assert_eq!(doc["final_scores"], true);
    assert_eq!(doc["ranked_by_normalized"], false);
    let criteria: Vec<&Value> = doc["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(criteria, [&json!("impact"), &json!("pitch")]);
    let teams = doc["teams"].as_array().unwrap();
    let summary: Vec<Value> = teams
        .iter()
        .map(|t| {
            json!([
                t["rank"],
                t["id"],
                t["name"],
                t["challenge"],
                t["score"],
                t["raw_score"],
                t["jurors"],
                t["votes"],
                t["labels"]
            ])
        })
        .collect();
    // Team 2: J1 (2·6 + 10)/3 = 7.3333, J2 (2·9 + 6)/3 = 8 → 7.6667.
    // Team 1: J1 (2·8 + 5)/3 = 7, J2 (2·6 + 8)/3 = 6.6667 → 6.8333.
    assert_eq!(
        summary,
        [
            json!([
                1,
                2,
                "Open Mairie",
                null,
                7.6667,
                7.6667,
                2,
                1,
                ["King of data", "Les pros du proto"]
            ]),
            json!([2, 1, "Les Cartographes", null, 6.8333, 6.8333, 2, 0, []]),
            json!([3, 3, "Data Gouv Squad", null, null, null, 0, 0, []]),
            json!([4, calc, "=SOMME(1;2)", {"id": 1, "title": "Open data"}, null, null, 0, 0, []]),
        ]
    );
    assert!(teams[0]["normalized_score"].is_number());
    let scores: Vec<Value> = doc["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            json!([
                s["team"],
                s["juror"],
                s["juror_name"],
                s["criterion"],
                s["value"],
                s["max"]
            ])
        })
        .collect();
    let (j1, j2) = (wun.id(), wdeux.id());
    assert_eq!(
        scores,
        [
            json!([2, j1, "Juré Un", "impact", 6, 10]),
            json!([2, j1, "Juré Un", "pitch", 20, 20]),
            json!([2, j2, "Jurée, Deux", "impact", 9, 10]),
            json!([2, j2, "Jurée, Deux", "pitch", 12, 20]),
            json!([1, j1, "Juré Un", "impact", 8, 10]),
            json!([1, j1, "Juré Un", "pitch", 10, 20]),
            json!([1, j2, "Jurée, Deux", "impact", 6, 10]),
            json!([1, j2, "Jurée, Deux", "pitch", 16, 20]),
            json!([calc, j1, "Juré Un", "impact", 5, 10]),
        ]
    );
    assert_eq!(
        doc["awards"],
        json!([
            {"id": "king_of_data", "name": "King of data", "description": "", "teams": [2]},
            {"id": "proto", "name": "Les pros du proto", "description": "", "teams": [2]}
        ])
    );

    // CSV: one row per team × juror × criterion, a bare row for a team nobody scored.
    let response = results(&server, "csv", Some(&wm.session())).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/csv")
    );
    let rows = parse_csv(&response.body);
    assert_eq!(
        rows[0],
        [
            "rank",
            "team_id",
            "team",
            "challenge",
            "score",
            "raw_score",
            "normalized_score",
            "jurors",
            "votes",
            "labels",
            "juror_id",
            "juror",
            "criterion",
            "criterion_label",
            "weight",
            "max",
            "value"
        ]
    );
    assert_eq!(rows.len(), 1 + 9 + 1);
    assert!(
        response.body.contains("\"Jurée, Deux\""),
        "quoted: {}",
        response.body
    );
    let row = rows
        .iter()
        .find(|r| r[1] == "2" && r[11] == "Jurée, Deux" && r[12] == "impact")
        .unwrap();
    assert_eq!(&row[..6], ["1", "2", "Open Mairie", "", "7.6667", "7.6667"]);
    let j2_id = j2.to_string();
    assert_eq!(
        &row[7..],
        [
            "2",
            "1",
            "King of data; Les pros du proto",
            j2_id.as_str(),
            "Jurée, Deux",
            "impact",
            "Impact",
            "2",
            "10",
            "9"
        ]
    );
    let bare = rows.iter().find(|r| r[1] == "3").unwrap();
    assert_eq!(&bare[..5], ["3", "3", "Data Gouv Squad", "", ""]);
    assert!(bare[10..].iter().all(String::is_empty), "{bare:?}");
    let calc_row = rows.iter().find(|r| r[1] == "4").unwrap();
    assert_eq!(calc_row[2], "'=SOMME(1;2)", "a formula is defused");
    assert_eq!(calc_row[3], "Open data");

    let response = results(&server, "ranking.csv", Some(&wm.session())).await;
    assert_eq!(response.status, 200);
    let rows = parse_csv(&response.body);
    assert_eq!(rows.len(), 5);
    let order: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(order, ["2", "1", "3", "4"]);
    assert!(rows.iter().all(|r| r.len() == 10));
    // The CLI's spelling is accepted too.
    let same = results(&server, "ranking-csv", Some(&wm.session())).await;
    assert_eq!((same.status, same.body), (200, response.body));

    // Nobody else.
    for token in [None, Some("not-a-session".to_string())] {
        let response = results(&server, "json", token.as_deref()).await;
        assert_eq!(response.status, 401, "{token:?}: {}", response.body);
        let error: Value = serde_json::from_str(&response.body).unwrap();
        assert_eq!(error["code"], "unauthorized");
    }
    for session in [wpaul.session(), wun.session()] {
        let response = results(&server, "csv", Some(&session)).await;
        assert_eq!(response.status, 403, "{}", response.body);
        assert!(!response.body.contains("impact"));
    }
    assert_eq!(
        results(&server, "xml", Some(&wm.session())).await.status,
        400
    );
    let auth = format!("Bearer {}", wm.session());
    let response = server
        .http(
            "GET",
            "/api/events/nope/results?format=json",
            &[("Authorization", auth.as_str())],
            b"",
        )
        .await;
    assert_eq!(response.status, 404);
}
