//! Teams (size, names, the self-service switch, tables), the programme and
//! its phases, and summoning people to the amphitheatre.

use crate::common::{Client, TestServer, WAIT, is_type};
use crate::{CARTOGRAPHES, T0, wait_for};
use amphi::domain::Role;
use serde_json::{Value, json};

fn team_named<'a>(name: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |m: &Value| is_type(m, "team_updated") && m["team"]["name"] == name
}

#[tokio::test]
async fn teams_are_limited_in_size_unique_by_name_and_closed_when_the_moderator_forms_them() {
    let server = TestServer::with_config(|c| c.limits.max_team_size = 7).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let mut people = Vec::new();
    for name in ["Ana", "Bea", "Cyr", "Dan", "Eva", "Fes", "Gil", "Hugo"] {
        people.push(Client::join(&server, Role::Participant, name).await);
    }
    let hugo_id = people[7].1.id();

    people[0]
        .0
        .call(json!({"type": "create_team", "name": "Les Licornes"}))
        .await;
    let created = people[0]
        .0
        .recv_until(team_named("Les Licornes"), WAIT)
        .await;
    let team = created["team"]["id"].as_u64().unwrap();
    assert_eq!(team, 4, "after the demo's three teams");
    for (client, _) in &mut people[1..7] {
        client
            .call(json!({"type": "join_team", "team": team}))
            .await;
    }
    let full = moderator
        .recv_until(
            |m| {
                team_named("Les Licornes")(m) && m["team"]["members"].as_array().unwrap().len() == 7
            },
            WAIT,
        )
        .await;
    let members: Vec<u32> = people[..7].iter().map(|(_, w)| w.id()).collect();
    assert_eq!(full["team"]["members"], json!(members), "in joining order");

    let hugo = &mut people[7].0;
    let refused = hugo
        .call_any(json!({"type": "join_team", "team": team}))
        .await;
    assert_eq!(refused["code"], "team_full", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains('7'),
        "names the limit: {refused}"
    );
    for name in ["LES LICORNES", " les licornes ", "open mairie"] {
        assert_eq!(
            hugo.call_err(json!({"type": "create_team", "name": name}))
                .await,
            "duplicate_team_name",
            "{name:?}"
        );
    }

    // The moderator forms teams: participants can neither create, join nor leave.
    moderator
        .call(json!({"type": "set_team_formation", "self_service": false}))
        .await;
    wait_for(hugo, "program", |m| {
        m["program"]["self_service_teams"] == false
    })
    .await;
    assert_eq!(
        hugo.call_err(json!({"type": "create_team", "name": "Les Nouveaux"}))
            .await,
        "team_formation_closed"
    );
    assert_eq!(
        hugo.call_err(json!({"type": "join_team", "team": crate::OPEN_MAIRIE}))
            .await,
        "team_formation_closed"
    );
    assert_eq!(
        people[0].0.call_err(json!({"type": "leave_team"})).await,
        "team_formation_closed"
    );
    moderator
        .call(json!({"type": "set_team_formation", "self_service": true}))
        .await;
    let hugo = &mut people[7].0;
    wait_for(hugo, "program", |m| {
        m["program"]["self_service_teams"] == true
    })
    .await;
    hugo.call(json!({"type": "create_team", "name": "Les Nouveaux"}))
        .await;

    // Nothing refused was half-applied.
    moderator.barrier().await;
    moderator.assert_never_received("an eighth member", |m| {
        team_named("Les Licornes")(m) && m["team"]["members"].as_array().unwrap().len() > 7
    });
    moderator.assert_never_received("a refused team", |m| {
        is_type(m, "team_updated")
            && m["team"]["name"].as_str().unwrap().contains("icornes")
            && m["team"]["id"] != team
    });
    assert_eq!(
        moderator.count_received(|m| is_type(m, "member_team_changed") && m["id"] == hugo_id),
        1,
        "Hugo changed team once, into Les Nouveaux"
    );
}

#[tokio::test]
async fn tables_are_given_in_map_order_and_freed_when_a_team_dissolves() {
    let server = TestServer::start().await;
    let (mut watcher, watching) = Client::watch(&server).await;
    let tables: Vec<&Value> = watching["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["table"])
        .collect();
    assert_eq!(
        tables,
        [&json!("table-01"), &json!("table-02"), &json!("table-03")]
    );

    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut cyr, _) = Client::join(&server, Role::Participant, "Cyr").await;
    ana.call(json!({"type": "create_team", "name": "Alpha"}))
        .await;
    let alpha = wait_for(&mut watcher, "team_updated", |m| {
        m["team"]["name"] == "Alpha"
    })
    .await;
    assert_eq!(alpha["team"]["table"], "table-04");
    let alpha_id = alpha["team"]["id"].as_u64().unwrap();
    bea.call(json!({"type": "create_team", "name": "Beta"}))
        .await;
    let beta = wait_for(&mut watcher, "team_updated", |m| {
        m["team"]["name"] == "Beta"
    })
    .await;
    assert_eq!(beta["team"]["table"], "table-05");

    // The team table is the team's to enter.
    ana.call(json!({"type": "teleport", "room": "table-04"}))
        .await;
    ana.call(json!({"type": "ask_help", "tags": ["design"], "description": "Quelle palette ?"}))
        .await;

    // The last member leaves: the team is dissolved, its request cancelled,
    // its table free again.
    ana.call(json!({"type": "leave_team"})).await;
    let removed = wait_for(&mut bea, "team_removed", |m| m["id"] == alpha_id).await;
    assert_eq!(removed, json!({"type": "team_removed", "id": alpha_id}));
    wait_for(&mut watcher, "team_removed", |m| m["id"] == alpha_id).await;
    wait_for(&mut bea, "member_team_changed", |m| {
        m["id"] == wa.id() && m["team"].is_null()
    })
    .await;
    let stats = wait_for(&mut moderator, "help_stats", |m| {
        m["stats"]["cancelled"] == 1
    })
    .await;
    assert_eq!(stats["stats"]["open"], 0);
    assert_eq!(
        ana.call_err(json!({"type": "chat", "scope": "team", "text": "il y a quelqu'un ?"}))
            .await,
        "no_team"
    );

    cyr.call(json!({"type": "create_team", "name": "Gamma"}))
        .await;
    let gamma = wait_for(&mut watcher, "team_updated", |m| {
        m["team"]["name"] == "Gamma"
    })
    .await;
    assert_eq!(
        gamma["team"]["table"], "table-04",
        "the freed table is reused"
    );
    assert_ne!(gamma["team"]["id"], alpha_id, "team ids are not reused");
    assert_eq!(
        ana.call_err(json!({"type": "join_team", "team": alpha_id}))
            .await,
        "unknown_team"
    );
}

#[tokio::test]
async fn the_programme_and_its_phase_changes_are_pushed_live_to_everyone() {
    let (server, clock) = TestServer::with_manual_clock(T0, |_| {}).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut participant, welcome) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut mentor, _) = Client::join(&server, Role::Mentor, "Léa").await;
    let (mut spectator, _) = Client::join(&server, Role::Spectator, "Public").await;
    let (mut watcher, _) = Client::watch(&server).await;
    assert_eq!(welcome.0["program"]["phase"], "opening");
    assert_eq!(welcome.0["program"]["self_service_teams"], true);

    moderator
        .call(json!({"type": "add_challenge", "title": "Open data", "description": "Publier les données"}))
        .await;
    let schedule = json!([
        {"phase": "opening", "starts_at": T0},
        {"phase": "hacking", "starts_at": T0 + 3_600_000},
        {"phase": "pitches", "starts_at": T0 + 7_200_000}
    ]);
    moderator
        .call(json!({"type": "set_schedule", "schedule": schedule}))
        .await;
    let at = clock.advance(5_000);
    moderator
        .call(json!({"type": "set_phase", "phase": "hacking"}))
        .await;
    for client in [&mut participant, &mut mentor, &mut spectator, &mut watcher] {
        let got = wait_for(client, "program", |m| m["program"]["phase"] == "hacking").await;
        assert_eq!(
            got["program"],
            json!({
                "challenges": [{"id": 1, "title": "Open data", "description": "Publier les données"}],
                "schedule": schedule,
                "phase": "hacking",
                "phase_since": at,
                "self_service_teams": true
            })
        );
    }

    // Refusals change nothing and push nothing.
    let backwards = json!([
        {"phase": "hacking", "starts_at": T0 + 10},
        {"phase": "opening", "starts_at": T0}
    ]);
    let twice = json!([
        {"phase": "hacking", "starts_at": T0},
        {"phase": "hacking", "starts_at": T0 + 10}
    ]);
    for bad in [backwards, twice] {
        assert_eq!(
            moderator
                .call_err(json!({"type": "set_schedule", "schedule": bad}))
                .await,
            "invalid_schedule"
        );
    }
    assert_eq!(
        participant
            .call_err(json!({"type": "set_phase", "phase": "awards"}))
            .await,
        "forbidden"
    );
    assert_eq!(
        mentor
            .call_err(json!({"type": "add_challenge", "title": "Le mien"}))
            .await,
        "forbidden"
    );
    assert_eq!(
        moderator
            .call_err(json!({"type": "remove_challenge", "id": 42}))
            .await,
        "unknown_challenge"
    );
    watcher.barrier().await;
    assert_eq!(
        watcher.count_received(|m| is_type(m, "program")),
        3,
        "one push per accepted change"
    );

    // Teams take on a challenge.
    assert_eq!(
        participant
            .call_err(json!({"type": "create_team", "name": "Les Datas", "challenge": 42}))
            .await,
        "unknown_challenge"
    );
    participant
        .call(json!({"type": "create_team", "name": "Les Datas", "challenge": 1}))
        .await;
    let team = wait_for(&mut watcher, "team_updated", |m| {
        m["team"]["name"] == "Les Datas"
    })
    .await;
    assert_eq!(team["team"]["challenge"], 1);
}

#[tokio::test]
async fn summon_brings_everyone_a_role_or_a_team_to_the_amphitheatre() {
    let server = TestServer::start().await;
    let (mut moderator, wm) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, wb) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut lea, wl) = Client::join(&server, Role::Mentor, "Léa").await;
    let (mut jules, wj) = Client::join(&server, Role::Jury, "Jules").await;
    let (mut public, _) = Client::join(&server, Role::Spectator, "Public").await;
    ana.call(json!({"type": "join_team", "team": CARTOGRAPHES}))
        .await;
    let summoned = |m: &Value| is_type(m, "summoned");
    let into_amphi = |id: u32| {
        move |m: &Value| is_type(m, "room_changed") && m["id"] == id && m["to"] == "amphi"
    };

    // One team.
    moderator
        .call(json!({"type": "summon", "team": CARTOGRAPHES}))
        .await;
    let notice = ana.recv_until(summoned, WAIT).await;
    assert_eq!(
        notice,
        json!({"type": "summoned", "by": wm.id(), "by_name": "Modé"})
    );
    ana.recv_until(into_amphi(wa.id()), WAIT).await;
    moderator.recv_until(into_amphi(wa.id()), WAIT).await;
    for client in [&mut bea, &mut lea, &mut jules] {
        client.barrier().await;
        client.assert_never_received("a summon meant for a team", summoned);
    }

    // One role.
    moderator
        .call(json!({"type": "summon", "role": "mentor"}))
        .await;
    lea.recv_until(summoned, WAIT).await;
    lea.recv_until(into_amphi(wl.id()), WAIT).await;
    for client in [&mut ana, &mut bea, &mut jules] {
        client.barrier().await;
    }
    assert_eq!(ana.count_received(summoned), 1);
    bea.assert_never_received("a summon meant for mentors", summoned);
    jules.assert_never_received("a summon meant for mentors", summoned);

    // Everyone with an avatar, but not the moderator who summons.
    jules
        .call(json!({"type": "teleport", "room": "jury"}))
        .await;
    moderator.call(json!({"type": "summon"})).await;
    bea.recv_until(summoned, WAIT).await;
    bea.recv_until(into_amphi(wb.id()), WAIT).await;
    jules.recv_until(summoned, WAIT).await;
    jules.recv_until(into_amphi(wj.id()), WAIT).await;
    ana.recv_until(summoned, WAIT).await;
    lea.recv_until(summoned, WAIT).await;
    moderator.barrier().await;
    public.barrier().await;
    moderator.assert_never_received("a summon of oneself", summoned);
    public.assert_never_received("a summon without an avatar", summoned);

    // Refusals.
    assert_eq!(
        moderator
            .call_err(json!({"type": "summon", "team": 99}))
            .await,
        "unknown_team"
    );
    assert_eq!(
        moderator
            .call_err(json!({"type": "summon", "team": CARTOGRAPHES, "role": "jury"}))
            .await,
        "invalid_message"
    );
    assert_eq!(ana.call_err(json!({"type": "summon"})).await, "forbidden");
    assert_eq!(
        lea.call_err(json!({"type": "summon", "role": "participant"}))
            .await,
        "forbidden"
    );
}

#[tokio::test]
async fn a_dissolved_team_leaves_every_view_and_each_is_pushed() {
    use crate::{OPEN_MAIRIE, op, single_criterion_rubric};
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut juror, _) = Client::join(&server, Role::Jury, "Juré").await;
    let (mut bea, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut cyr, _) = Client::join(&server, Role::Participant, "Cyr").await;
    let (mut public, _) = Client::join(&server, Role::Spectator, "Public").await;
    bea.call(json!({"type": "join_team", "team": OPEN_MAIRIE}))
        .await;
    cyr.call(json!({"type": "join_team", "team": CARTOGRAPHES}))
        .await;
    // A ballot, a full score sheet, a unique label and the stage.
    moderator.call(op("vote", "open", json!({}))).await;
    cyr.call(op("vote", "cast", json!({"team": OPEN_MAIRIE})))
        .await;
    moderator.call(single_criterion_rubric()).await;
    moderator.call(op("jury", "open_judging", json!({}))).await;
    juror
        .call(op(
            "jury",
            "score",
            json!({"team": OPEN_MAIRIE, "criterion": "overall", "value": 7}),
        ))
        .await;
    moderator
        .call(op(
            "award",
            "define",
            json!({"id": "coup", "name": "Coup de cœur", "unique": true}),
        ))
        .await;
    moderator
        .call(op(
            "award",
            "give",
            json!({"award": "coup", "team": OPEN_MAIRIE}),
        ))
        .await;
    moderator
        .call(op(
            "pitch",
            "set_order",
            json!({"order": [CARTOGRAPHES, OPEN_MAIRIE]}),
        ))
        .await;
    moderator.call(op("pitch", "next", json!({}))).await;
    moderator.call(op("pitch", "next", json!({}))).await;
    wait_for(&mut public, "on_stage", |m| m["team"] == OPEN_MAIRIE).await;

    // Only what comes after the dissolution counts.
    for client in [&mut cyr, &mut moderator, &mut juror, &mut public] {
        client.barrier().await;
        client.skip_unread();
    }
    // The last member leaves: the team dissolves.
    bea.call(json!({"type": "leave_team"})).await;
    let mine = wait_for(&mut cyr, "my_votes", |m| m["ballot"] == json!([])).await;
    assert_eq!(mine["votes_left"], 1);
    wait_for(&mut moderator, "votes", |m| m["counts"] == json!({})).await;
    let awards = wait_for(&mut moderator, "awards", |m| {
        m["awards"][0]["teams"] == json!([])
    })
    .await;
    assert_eq!(awards["awards"][0]["id"], "coup");
    let sheet = wait_for(&mut juror, "jury_sheet", |m| m["scores"] == json!({})).await;
    assert_eq!(sheet["progress"]["scored"], 0);
    wait_for(&mut public, "on_stage", |m| m["team"] == CARTOGRAPHES).await;
}

#[tokio::test]
async fn the_moderator_adds_a_team_and_gives_the_demo_teams_challenges() {
    let server = TestServer::start().await;
    let (mut moderator, welcome) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, _) = Client::join(&server, Role::Participant, "Ana").await;
    let demo = welcome.0["teams"][0]["id"].clone();
    assert_eq!(
        welcome.0["teams"][0]["challenge"],
        Value::Null,
        "{welcome:?}"
    );

    moderator
        .call(json!({"type": "add_challenge", "title": "Open data"}))
        .await;
    let program = moderator
        .recv_until(
            |m| is_type(m, "program") && m["program"]["challenges"][0]["id"].is_u64(),
            WAIT,
        )
        .await;
    let challenge = program["program"]["challenges"][0]["id"].clone();

    let give = json!({"type": "set_team_challenge", "team": demo, "challenge": challenge});
    assert_eq!(ana.call_err(give.clone()).await, "forbidden");
    moderator.call(give).await;
    let given = ana
        .recv_until(
            |m| is_type(m, "team_updated") && m["team"]["id"] == demo,
            WAIT,
        )
        .await;
    assert_eq!(given["team"]["challenge"], challenge, "pushed to everyone");
    assert_eq!(
        moderator
            .call_err(json!({"type": "set_team_challenge", "team": demo, "challenge": 99}))
            .await,
        "unknown_challenge"
    );
    assert_eq!(
        moderator
            .call_err(json!({"type": "set_team_challenge", "team": 99, "challenge": null}))
            .await,
        "unknown_team"
    );

    let add = json!({"type": "add_team", "name": "Les Licornes", "challenge": challenge});
    assert_eq!(ana.call_err(add.clone()).await, "forbidden");
    moderator
        .call(json!({"type": "set_team_formation", "self_service": false}))
        .await;
    moderator.call(add.clone()).await;
    let added = ana.recv_until(team_named("Les Licornes"), WAIT).await;
    assert_eq!(
        added["team"]["members"],
        json!([]),
        "the moderator does not join it"
    );
    assert_eq!(added["team"]["challenge"], challenge);
    assert!(
        added["team"]["table"].is_string(),
        "it gets a table: {added}"
    );
    assert_eq!(moderator.call_err(add).await, "duplicate_team_name");

    let taken =
        json!({"type": "set_team_challenge", "team": added["team"]["id"], "challenge": null});
    moderator.call(taken).await;
    let cleared = ana
        .recv_until(
            |m| team_named("Les Licornes")(m) && m["team"]["challenge"].is_null(),
            WAIT,
        )
        .await;
    assert_eq!(cleared["team"]["members"], json!([]));
}
