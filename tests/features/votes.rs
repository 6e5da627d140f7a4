//! People's choice: ballots, refusals, counts hidden or shown.

use crate::common::{Client, TestServer, is_type};
use crate::{CARTOGRAPHES, DATA_GOUV, OPEN_MAIRIE, op};
use amphi::domain::Role;
use serde_json::{Value, json};

fn vote(name: &str, fields: Value) -> Value {
    op("vote", name, fields)
}

#[tokio::test]
async fn participants_vote_for_other_teams_while_voting_is_open() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut jules, _) = Client::join(&server, Role::Jury, "Jules").await;
    let (mut watcher, _) = Client::watch(&server).await;
    ana.call(json!({"type": "join_team", "team": CARTOGRAPHES}))
        .await;
    let cast = |team: u32| vote("cast", json!({"team": team}));

    assert_eq!(ana.call_err(cast(OPEN_MAIRIE)).await, "voting_closed");
    moderator.call(vote("open", json!({}))).await;
    for client in [&mut ana, &mut watcher] {
        assert_eq!(
            client.latest("votes").await,
            json!({"type": "votes", "open": true, "per_voter": 1, "show_counts": false, "counts": null})
        );
    }

    assert_eq!(ana.call_err(cast(CARTOGRAPHES)).await, "own_team_vote");
    assert_eq!(ana.call_err(cast(99)).await, "unknown_team");
    ana.call(cast(OPEN_MAIRIE)).await;
    assert_eq!(
        ana.latest("my_votes").await,
        json!({"type": "my_votes", "ballot": [OPEN_MAIRIE], "votes_left": 0})
    );
    assert_eq!(ana.call_err(cast(OPEN_MAIRIE)).await, "already_voted");
    assert_eq!(ana.call_err(cast(DATA_GOUV)).await, "no_votes_left");
    bea.call(cast(OPEN_MAIRIE)).await;

    // Counts: always for the moderator; for others only when shown.
    assert_eq!(moderator.latest("votes").await["counts"], json!({"2": 2}));
    assert!(watcher.latest("votes").await["counts"].is_null());
    assert!(bea.latest("votes").await["counts"].is_null());
    moderator
        .call(vote("show_counts", json!({"show": true})))
        .await;
    assert_eq!(watcher.latest("votes").await["counts"], json!({"2": 2}));

    // More votes each; a vote can be taken back.
    assert_eq!(
        moderator
            .call_err(vote("set_per_voter", json!({"per_voter": 0})))
            .await,
        "per_voter_out_of_range"
    );
    moderator
        .call(vote("set_per_voter", json!({"per_voter": 2})))
        .await;
    ana.call(cast(DATA_GOUV)).await;
    assert_eq!(ana.latest("my_votes").await["ballot"], json!([2, 3]));
    ana.call(vote("retract", json!({"team": OPEN_MAIRIE})))
        .await;
    assert_eq!(
        ana.latest("my_votes").await,
        json!({"type": "my_votes", "ballot": [DATA_GOUV], "votes_left": 1})
    );
    assert_eq!(
        ana.call_err(vote("retract", json!({"team": OPEN_MAIRIE})))
            .await,
        "not_voted"
    );
    assert_eq!(
        watcher.latest("votes").await["counts"],
        json!({"2": 1, "3": 1})
    );
    ana.call(cast(OPEN_MAIRIE)).await;
    assert_eq!(
        moderator
            .call_err(vote("set_per_voter", json!({"per_voter": 1})))
            .await,
        "too_many_votes_cast"
    );

    // Only participants vote; only the moderator runs the vote.
    for client in [&mut moderator, &mut jules] {
        assert_eq!(client.call_err(cast(DATA_GOUV)).await, "forbidden");
    }
    assert_eq!(ana.call_err(vote("close", json!({}))).await, "forbidden");

    // Closed: ballots are final.
    moderator.call(vote("close", json!({}))).await;
    assert_eq!(watcher.latest("votes").await["open"], false);
    assert_eq!(bea.call_err(cast(DATA_GOUV)).await, "voting_closed");
    assert_eq!(
        ana.call_err(vote("retract", json!({"team": DATA_GOUV})))
            .await,
        "voting_closed"
    );
    assert_eq!(
        moderator.latest("votes").await["counts"],
        json!({"2": 2, "3": 1})
    );
    // Each ballot went to its voter only.
    bea.barrier().await;
    bea.assert_never_received("someone else's ballot", |m| {
        is_type(m, "my_votes") && m["ballot"].to_string().contains('3')
    });
}
