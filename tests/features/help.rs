//! The help desk through the real server: two teams and two mentors, the
//! claim race, unclaim, resolve and rating; reminders on the manual clock;
//! and who may do what.

use crate::common::{Client, TestServer, WAIT, is_type};
use crate::{CARTOGRAPHES, OPEN_MAIRIE, T0, wait_for};
use amphi::domain::Role;
use serde_json::{Value, json};

/// The request ids of a `help_queue`, in order.
fn queue_ids(queue: &Value) -> Vec<u64> {
    queue["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_whole_help_flow_with_two_teams_and_two_mentors() {
    let (server, clock) = TestServer::with_manual_clock(T0, |_| {}).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut lea, wlea) = Client::join(&server, Role::Mentor, "Léa").await;
    let (mut marc, wmarc) = Client::join(&server, Role::Mentor, "Marc").await;
    let (mut ana, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut alix, _) = Client::join(&server, Role::Participant, "Alix").await;
    let (mut bea, _) = Client::join(&server, Role::Participant, "Bea").await;
    for client in [&mut ana, &mut alix] {
        client
            .call(json!({"type": "join_team", "team": CARTOGRAPHES}))
            .await;
    }
    bea.call(json!({"type": "join_team", "team": OPEN_MAIRIE}))
        .await;

    // Mentors say what they know.
    lea.call(json!({"type": "set_mentor_profile", "skills": ["data"], "available": true}))
        .await;
    let profile = wait_for(&mut lea, "mentor_profile", |m| m["available"] == true).await;
    assert_eq!(
        profile,
        json!({"type": "mentor_profile", "skills": ["data"], "available": true})
    );
    marc.call(json!({"type": "set_mentor_profile", "skills": ["legal", "technique", "legal"], "available": true}))
        .await;
    let profile = wait_for(&mut marc, "mentor_profile", |m| m["available"] == true).await;
    assert_eq!(profile["skills"], json!(["technique", "legal"]));

    // Team 1 asks first: first in the queue; the wait is half the default
    // handling time (10 min) with two mentors free.
    ana.call(json!({"type": "ask_help", "tags": ["legal"], "description": "  Peut-on publier ce jeu de données ?  "}))
        .await;
    for client in [&mut ana, &mut alix] {
        let status = wait_for(client, "help_status", |m| m["request"]["state"] == "open").await;
        assert_eq!(status["position"], 1);
        assert_eq!(status["estimated_wait_ms"], 300_000);
        assert_eq!(
            status["request"],
            json!({
                "id": 1, "team": CARTOGRAPHES, "team_name": "Les Cartographes",
                "table": "table-01", "tags": ["legal"],
                "description": "Peut-on publier ce jeu de données ?",
                "asked_at": T0, "state": "open", "mentor": null, "mentor_name": null,
                "claimed_at": null, "resolved_at": null, "rating": null
            })
        );
    }
    let first = 1;
    assert_eq!(
        alix.call_err(json!({"type": "ask_help", "tags": ["data"], "description": "Encore nous"}))
            .await,
        "help_already_open"
    );

    clock.advance(1_000);
    bea.call(json!({"type": "ask_help", "tags": ["data", "design"], "description": "Notre CSV est illisible"}))
        .await;
    let status = wait_for(&mut bea, "help_status", |m| m["request"]["id"] == 2).await;
    assert_eq!(status["position"], 2);
    assert_eq!(
        status["estimated_wait_ms"], 300_000,
        "⌊(2 − 1) / 2 mentors⌋ = 0 waves"
    );
    let second = 2;

    // Each mentor sees the requests matching their skills first.
    assert_eq!(queue_ids(&lea.latest("help_queue").await), [second, first]);
    assert_eq!(queue_ids(&marc.latest("help_queue").await), [first, second]);
    let queue = moderator.latest("help_queue").await;
    assert_eq!(
        queue_ids(&queue),
        [first, second],
        "the moderator: oldest first"
    );
    let stats = moderator.latest("help_stats").await;
    assert_eq!(stats["stats"]["open"], 2);
    assert_eq!(stats["stats"]["mentors_available"], 2);

    // The claim race: both claim the first request at once; one wins.
    let rid_lea = lea
        .request(json!({"type": "claim_help", "request": first}))
        .await;
    let rid_marc = marc
        .request(json!({"type": "claim_help", "request": first}))
        .await;
    let reply_lea = lea.reply_to(rid_lea).await;
    let reply_marc = marc.reply_to(rid_marc).await;
    let acks = [&reply_lea, &reply_marc]
        .iter()
        .filter(|r| is_type(r, "ack"))
        .count();
    assert_eq!(
        acks, 1,
        "exactly one claim wins: {reply_lea} / {reply_marc}"
    );
    let (winner, winner_id, winner_name, loser, loser_id, loser_name, lost) =
        if is_type(&reply_lea, "ack") {
            (
                &mut lea,
                wlea.id(),
                "Léa",
                &mut marc,
                wmarc.id(),
                "Marc",
                reply_marc,
            )
        } else {
            (
                &mut marc,
                wmarc.id(),
                "Marc",
                &mut lea,
                wlea.id(),
                "Léa",
                reply_lea,
            )
        };
    assert_eq!(lost["code"], "already_claimed", "{lost}");

    // The team is told who is coming; the other team moves up.
    let status = wait_for(&mut alix, "help_status", |m| {
        m["request"]["state"] == "claimed"
    })
    .await;
    assert_eq!(status["request"]["mentor"], winner_id);
    assert_eq!(status["request"]["mentor_name"], winner_name);
    assert_eq!(status["request"]["claimed_at"], T0 + 1_000);
    assert!(status["position"].is_null() && status["estimated_wait_ms"].is_null());
    let status = bea.latest("help_status").await;
    assert_eq!(status["position"], 1);
    let queue = winner.latest("help_queue").await;
    assert_eq!(
        queue_ids(&queue),
        [first, second],
        "the claimed request on top"
    );
    assert_eq!(queue["requests"][0]["state"], "claimed");
    assert_eq!(queue_ids(&loser.latest("help_queue").await), [second]);

    assert_eq!(
        winner
            .call_err(json!({"type": "claim_help", "request": second}))
            .await,
        "already_claiming"
    );
    for kind in ["unclaim_help", "resolve_help"] {
        assert_eq!(
            loser
                .call_err(json!({"type": kind, "request": first}))
                .await,
            "not_your_claim",
            "{kind}"
        );
    }

    // The mentor goes to the team's table in one command.
    winner
        .call(json!({"type": "go_to_team", "team": CARTOGRAPHES}))
        .await;
    winner
        .recv_until(
            |m| is_type(m, "room_changed") && m["id"] == winner_id && m["to"] == "table-01",
            WAIT,
        )
        .await;
    assert_eq!(
        winner
            .call_err(json!({"type": "go_to_team", "team": 99}))
            .await,
        "unknown_team"
    );

    // Unclaimed: back at its former place, before the newer request.
    winner
        .call(json!({"type": "unclaim_help", "request": first}))
        .await;
    let status = ana.latest("help_status").await;
    assert_eq!(status["request"]["state"], "open");
    assert!(status["request"]["mentor"].is_null());
    assert_eq!(status["position"], 1);
    assert_eq!(bea.latest("help_status").await["position"], 2);

    // The other mentor takes it and resolves it two minutes later.
    loser
        .call(json!({"type": "claim_help", "request": first}))
        .await;
    let resolved_at = clock.advance(120_000);
    loser
        .call(json!({"type": "resolve_help", "request": first}))
        .await;
    let status = wait_for(&mut ana, "help_status", |m| {
        m["request"]["state"] == "resolved"
    })
    .await;
    assert_eq!(status["request"]["mentor"], loser_id);
    assert_eq!(status["request"]["mentor_name"], loser_name);
    assert_eq!(status["request"]["resolved_at"], resolved_at);
    assert!(status["position"].is_null());
    // The estimate now uses the measured handling time (2 min).
    let status = bea.latest("help_status").await;
    assert_eq!(status["position"], 1);
    assert_eq!(status["estimated_wait_ms"], 60_000);

    // Rating the help.
    assert_eq!(
        alix.call_err(json!({"type": "rate_help", "request": first, "stars": 0}))
            .await,
        "out_of_range"
    );
    assert_eq!(
        alix.call_err(json!({"type": "rate_help", "request": first, "stars": 6}))
            .await,
        "out_of_range"
    );
    assert_eq!(
        bea.call_err(json!({"type": "rate_help", "request": first, "stars": 5}))
            .await,
        "not_your_team_request"
    );
    assert_eq!(
        bea.call_err(json!({"type": "rate_help", "request": second, "stars": 5}))
            .await,
        "not_resolved"
    );
    ana.call(json!({"type": "rate_help", "request": first, "stars": 5, "comment": "Merci !"}))
        .await;
    assert_eq!(
        alix.call_err(json!({"type": "rate_help", "request": first, "stars": 1}))
            .await,
        "already_rated"
    );
    assert_eq!(alix.latest("help_status").await["request"]["rating"], 5);

    // The moderator's live statistics.
    let stats = moderator.latest("help_stats").await;
    assert_eq!(
        stats["stats"],
        json!({
            "open": 1, "claimed": 0, "resolved": 1, "cancelled": 0,
            "median_wait_ms": 1_000, "median_handling_ms": 120_000,
            "mentors_available": 2,
            "per_mentor": [{"mentor": loser_id, "claimed": 1, "resolved": 1, "average_rating": 5.0}]
        })
    );

    // Only the team cancels its request.
    assert_eq!(
        ana.call_err(json!({"type": "cancel_help", "request": second}))
            .await,
        "not_your_team_request"
    );
    assert_eq!(
        winner
            .call_err(json!({"type": "cancel_help", "request": second}))
            .await,
        "forbidden"
    );
    bea.call(json!({"type": "cancel_help", "request": second}))
        .await;
    let status = wait_for(&mut bea, "help_status", |m| {
        m["request"]["state"] == "cancelled"
    })
    .await;
    assert!(status["position"].is_null());
    assert_eq!(
        bea.call_err(json!({"type": "cancel_help", "request": second}))
            .await,
        "help_closed"
    );
    assert_eq!(
        winner
            .call_err(json!({"type": "claim_help", "request": second}))
            .await,
        "help_closed"
    );
    assert_eq!(
        winner
            .call_err(json!({"type": "claim_help", "request": 99}))
            .await,
        "unknown_request"
    );
    assert_eq!(
        queue_ids(&moderator.latest("help_queue").await),
        Vec::<u64>::new()
    );
    assert_eq!(
        queue_ids(&winner.latest("help_queue").await),
        Vec::<u64>::new()
    );
}

#[tokio::test]
async fn a_request_left_unclaimed_reminds_the_available_mentors_once() {
    let (server, clock) =
        TestServer::with_manual_clock(T0, |c| c.limits.help_reminder_ms = 60_000).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut lea, _) = Client::join(&server, Role::Mentor, "Léa").await;
    let (mut marc, _) = Client::join(&server, Role::Mentor, "Marc").await;
    let (mut noe, _) = Client::join(&server, Role::Mentor, "Noé").await;
    let (mut ana, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, _) = Client::join(&server, Role::Participant, "Bea").await;
    lea.call(json!({"type": "set_mentor_profile", "skills": ["data"], "available": true}))
        .await;
    marc.call(json!({"type": "set_mentor_profile", "skills": ["data"], "available": false}))
        .await;
    // Noé never said he is available.
    ana.call(json!({"type": "join_team", "team": CARTOGRAPHES}))
        .await;
    bea.call(json!({"type": "join_team", "team": OPEN_MAIRIE}))
        .await;
    ana.call(json!({"type": "ask_help", "tags": ["legal"], "description": "Licence ?"}))
        .await;
    let reminder = |m: &Value| is_type(m, "help_reminder");

    // Not a millisecond early.
    clock.set(T0 + 59_999);
    server.wait_ticks(2).await;
    lea.barrier().await;
    lea.assert_never_received("an early reminder", reminder);

    clock.set(T0 + 60_000);
    let got = lea.recv_until(reminder, WAIT).await;
    assert_eq!(got["request"]["id"], 1);
    assert_eq!(got["request"]["state"], "open");
    assert_eq!(got["request"]["team_name"], "Les Cartographes");
    for client in [&mut marc, &mut noe, &mut moderator, &mut ana] {
        client.barrier().await;
        client.assert_never_received("a reminder meant for available mentors", reminder);
    }

    // Once per request; a claimed request is not reminded.
    bea.call(json!({"type": "ask_help", "tags": ["data"], "description": "Jointure ?"}))
        .await;
    lea.call(json!({"type": "claim_help", "request": 2})).await;
    clock.advance(600_000);
    server.wait_ticks(2).await;
    lea.barrier().await;
    assert_eq!(lea.count_received(reminder), 1);
}

#[tokio::test]
async fn the_help_desk_checks_who_asks_claims_cancels_and_rates() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    // A mentor who is also a member of team 1 (a personal invite).
    let created = moderator
        .call_any(json!({"type": "create_invite", "role": "mentor", "team": CARTOGRAPHES, "label": "mentor-équipe"}))
        .await;
    assert!(is_type(&created, "invite_created"), "{created}");
    let mut nina = Client::connect(&server).await;
    let welcome = nina
        .hello_invite(created["token"].as_str().unwrap(), "Nina")
        .await;
    assert_eq!(welcome.0["you"]["role"], "mentor");
    assert_eq!(welcome.0["you"]["team"], CARTOGRAPHES);
    let (mut marc, _) = Client::join(&server, Role::Mentor, "Marc").await;
    let (mut ana, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut cyr, _) = Client::join(&server, Role::Participant, "Cyr").await;
    let (mut jules, _) = Client::join(&server, Role::Jury, "Jules").await;
    let (mut public, _) = Client::join(&server, Role::Spectator, "Public").await;
    ana.call(json!({"type": "join_team", "team": CARTOGRAPHES}))
        .await;
    bea.call(json!({"type": "join_team", "team": OPEN_MAIRIE}))
        .await;

    let ask = json!({"type": "ask_help", "tags": ["security"], "description": "Nos mots de passe"});
    assert_eq!(cyr.call_err(ask.clone()).await, "no_team");
    for client in [
        &mut moderator,
        &mut marc,
        &mut nina,
        &mut jules,
        &mut public,
    ] {
        assert_eq!(client.call_err(ask.clone()).await, "forbidden");
    }
    ana.call(ask).await;

    let claim = json!({"type": "claim_help", "request": 1});
    for client in [&mut ana, &mut moderator, &mut jules, &mut public] {
        assert_eq!(client.call_err(claim.clone()).await, "forbidden");
    }
    assert_eq!(nina.call_err(claim.clone()).await, "own_team_request");
    assert_eq!(
        ana.call_err(json!({"type": "set_mentor_profile", "skills": [], "available": true}))
            .await,
        "forbidden"
    );
    marc.call(claim).await;
    assert_eq!(
        nina.call_err(json!({"type": "resolve_help", "request": 1}))
            .await,
        "not_your_claim"
    );
    assert_eq!(
        ana.call_err(json!({"type": "resolve_help", "request": 1}))
            .await,
        "forbidden"
    );
    let cancel = json!({"type": "cancel_help", "request": 1});
    for client in [&mut bea, &mut cyr] {
        assert_eq!(
            client.call_err(cancel.clone()).await,
            "not_your_team_request"
        );
    }
    for client in [&mut marc, &mut moderator, &mut public] {
        assert_eq!(client.call_err(cancel.clone()).await, "forbidden");
    }
    marc.call(json!({"type": "resolve_help", "request": 1}))
        .await;
    // Resolving (or unclaiming) a closed request: closed, whoever asks.
    for kind in ["resolve_help", "unclaim_help"] {
        for client in [&mut marc, &mut nina] {
            assert_eq!(
                client.call_err(json!({"type": kind, "request": 1})).await,
                "help_closed"
            );
        }
    }
    assert_eq!(
        bea.call_err(json!({"type": "rate_help", "request": 1, "stars": 4}))
            .await,
        "not_your_team_request"
    );
    ana.call(json!({"type": "rate_help", "request": 1, "stars": 4}))
        .await;

    // The queue and the statistics go only to those who handle them; a
    // team's status only to its members.
    for client in [&mut bea, &mut cyr, &mut jules, &mut public] {
        client.barrier().await;
        client.assert_never_received("the help queue or statistics", |m| {
            is_type(m, "help_queue") || is_type(m, "help_stats") || is_type(m, "help_reminder")
        });
        client.assert_never_received("another team's help status", |m| {
            is_type(m, "help_status") && m["request"]["team"] == CARTOGRAPHES
        });
    }
    marc.barrier().await;
    marc.assert_never_received("the statistics", |m| is_type(m, "help_stats"));
    let stats = moderator.latest("help_stats").await;
    assert_eq!(stats["stats"]["resolved"], 1);
    assert_eq!(stats["stats"]["per_mentor"][0]["average_rating"], 4.0);
}
