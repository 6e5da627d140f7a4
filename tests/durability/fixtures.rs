//! Data directories written by released versions stay readable.
//!
//! `tests/fixtures/data-<date>/` holds a data directory written by the
//! server of that date after a full day: members of every role, teams and
//! tables, chat in every scope (one message deleted), the programme, the help
//! desk, moderation, a roster import, the pitch timer, jury scores, ballots,
//! awards and the published leaderboard. Fixtures are never rewritten: every
//! later change to the journal or snapshot format adds a new one, and each is
//! recovered here by the current code twice, once from its newest snapshot
//! and once by replaying its journal alone.
//!
//! To write a new fixture with the current code (only when the format
//! changes): `AMPHI_WRITE_FIXTURE=tests/fixtures/data-YYYY-MM-DD cargo test
//! --test durability write_a_fixture -- --ignored`.

use crate::common::{Client, TestServer, is_type};
use crate::{copy_dir, data_dir, day, dump};
use amphi::domain::Role;
use amphi::store::StoreOptions;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

/// Every fixture, oldest first.
const FIXTURES: &[&str] = &["data-2026-11-30"];

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// A working copy of a fixture (recovery takes the event's lock and may
/// write), with its snapshots removed when `journal_only`.
fn working_copy(name: &str, journal_only: bool) -> crate::DirGuard {
    let dir = data_dir();
    copy_dir(&fixture_path(name), &dir.0);
    if journal_only {
        let event = dir.0.join("events").join("demo");
        let mut removed = 0;
        for entry in std::fs::read_dir(&event).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "snap") {
                std::fs::remove_file(path).unwrap();
                removed += 1;
            }
        }
        assert!(removed > 0, "fixture {name} has a snapshot");
    }
    dir
}

/// The texts of a channel's messages, deleted ones marked.
fn channel(state: &Value, prefix: &str) -> Vec<String> {
    state["chat"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["channel"].as_str().unwrap().starts_with(prefix))
        .map(|m| {
            let text = m["text"].as_str().unwrap_or_default().to_string();
            if m["deleted"] == true {
                format!("[deleted] {text}")
            } else {
                text
            }
        })
        .collect()
}

/// Checks everything the fixture's day left in the state.
fn check_full_day(name: &str, state: &Value) {
    let members = state["members"].as_object().unwrap();
    let by_name = |n: &str| {
        members
            .values()
            .find(|m| m["name"] == n)
            .unwrap_or_else(|| panic!("{name}: no member {n} in {members:?}"))
    };
    for (person, role) in [
        ("Claire Modé", "moderator"),
        ("Léa Mentor", "mentor"),
        ("Paul Juré", "jury"),
        ("Alice", "participant"),
        ("Bruno", "participant"),
        ("Chloé", "participant"),
        ("Zoé", "participant"),
    ] {
        assert_eq!(by_name(person)["role"], role, "{name}: {person}");
    }
    assert_eq!(by_name("Bruno")["muted"], true, "{name}");
    assert_eq!(by_name("Chloé")["banned"], true, "{name}");

    let team = state["teams"]
        .as_object()
        .unwrap()
        .values()
        .find(|t| t["name"] == "Les Restaurés")
        .unwrap_or_else(|| panic!("{name}: the team"));
    assert!(team["table"].is_string(), "{name}: a table: {team}");
    let team_id = team["id"].as_u64().unwrap();

    assert_eq!(
        channel(state, "room:"),
        ["salle: bonjour", "[deleted] "],
        "{name}: a deleted message keeps its place, not its text",
    );
    assert_eq!(
        channel(state, &format!("team:{team_id}")),
        ["équipe: on y va"],
        "{name}"
    );
    assert_eq!(channel(state, "dm:"), ["dm: ça va ?"], "{name}");
    assert_eq!(channel(state, "announcements"), ["annonce: 16 h"], "{name}");

    assert_eq!(state["program"]["phase"], "pitches", "{name}");
    assert_eq!(
        state["program"]["challenges"]["1"]["title"], "Open data",
        "{name}"
    );
    let help = state["help"].to_string();
    assert!(
        help.contains("resolved") && help.contains("legal"),
        "{name}: {help}"
    );
    let audit = state["audit"].to_string();
    assert!(
        audit.contains("\"mute\"") && audit.contains("\"ban\""),
        "{name}: {audit}"
    );
    assert!(
        state["invites"].to_string().contains("David Roster"),
        "{name}"
    );

    let everything = state.to_string();
    for needle in [
        "\"impact\"",  // a jury score
        "\"libris\"",  // an award
        "\"live\"",    // the published leaderboard
        "\"running\"", // the pitch timer
    ] {
        assert!(everything.contains(needle), "{name}: {needle} in the state");
    }
}

#[tokio::test]
async fn every_fixture_recovers_from_its_newest_snapshot() {
    for name in FIXTURES {
        let dir = working_copy(name, false);
        check_full_day(name, &dump(&dir.0).await);
    }
}

#[tokio::test]
async fn every_fixture_recovers_by_journal_replay_alone() {
    for name in FIXTURES {
        let from_snapshot = dump(&working_copy(name, false).0).await;
        let dir = working_copy(name, true);
        let replayed = dump(&dir.0).await;
        check_full_day(name, &replayed);
        assert_eq!(
            replayed, from_snapshot,
            "{name}: the journal replays to the snapshot's state"
        );
    }
}

/// Checks that everything `old` (as a released version wrote it) says is
/// said the same way in `new` (as this version writes it back): the same
/// keys, values and array lengths. `new` may have more: fields added since,
/// with their defaults.
fn said_the_same(old: &Value, new: &Value, at: &str) -> Result<(), String> {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (key, value) in o {
                match n.get(key) {
                    Some(again) => said_the_same(value, again, &format!("{at}.{key}"))?,
                    None if value.is_null() => {}
                    None => return Err(format!("{at}.{key} is no longer written")),
                }
            }
            Ok(())
        }
        (Value::Array(o), Value::Array(n)) if o.len() == n.len() => o
            .iter()
            .zip(n)
            .enumerate()
            .try_for_each(|(i, (a, b))| said_the_same(a, b, &format!("{at}[{i}]"))),
        _ if old == new => Ok(()),
        _ => Err(format!("{at}: written {old}, now {new}")),
    }
}

/// The journal and snapshot shapes are the store's schema: a record or a
/// snapshot written by a released version, read and written again by this
/// one, must say the same thing in the same words. A renamed field or enum
/// tag, or a changed representation, fails here even where serde would still
/// read the old file (an alias), because the next release could not.
#[test]
fn every_fixture_record_and_snapshot_is_written_back_in_the_same_shape() {
    use amphi::store::{framing, snapshot};
    for name in FIXTURES {
        let event = fixture_path(name).join("events").join("demo");
        let mut records = 0;
        let mut snapshots = 0;
        for entry in std::fs::read_dir(&event).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            if file.ends_with(".log") {
                let mut offset = framing::SEGMENT_HEADER_LEN;
                while offset < bytes.len() {
                    let (record, next) = framing::decode_at(&bytes, offset).unwrap();
                    let stored: Value =
                        serde_json::from_slice(&bytes[offset + framing::FRAME_HEADER_LEN..next])
                            .unwrap();
                    let again = serde_json::to_value(&record).unwrap();
                    said_the_same(&stored, &again, &format!("{file}#{}", record.seq))
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    records += 1;
                    offset = next;
                }
            } else if file.ends_with(".snap") {
                let covers: u64 = file
                    .trim_start_matches("snapshot-")
                    .trim_end_matches(".snap")
                    .parse()
                    .unwrap();
                let (state, _) = snapshot::decode(&path, &bytes, covers).unwrap().unwrap();
                let stored: Value =
                    serde_json::from_slice(&bytes[snapshot::SNAPSHOT_HEADER_LEN..]).unwrap();
                let again = serde_json::to_value(&state).unwrap();
                said_the_same(&stored, &again, &file).unwrap_or_else(|e| panic!("{name}: {e}"));
                snapshots += 1;
            }
        }
        assert!(
            records > 40 && snapshots > 0,
            "{name}: {records} records, {snapshots} snapshots"
        );
    }
}

#[tokio::test]
async fn a_recovered_fixture_serves_its_people() {
    let dir = working_copy(FIXTURES[FIXTURES.len() - 1], false);
    let server = TestServer::start_in(&dir.0, StoreOptions::default(), |_| {}).await;
    let links = server.links().to_vec();
    let participant = links.iter().find(|l| l.role == Role::Participant).unwrap();
    let mut newcomer = Client::connect(&server).await;
    let welcome = newcomer.hello_invite(&participant.token, "Nouvelle").await;
    assert!(
        welcome.0["teams"].to_string().contains("Les Restaurés"),
        "{}",
        welcome.0
    );
    assert!(welcome.chat_texts().contains(&"annonce: 16 h".to_string()));
    server.stop().await;
}

/// Writes a new fixture with the current code (see the module doc).
#[tokio::test]
#[ignore = "writes a fixture; run by hand when the storage format changes"]
async fn write_a_fixture() {
    let Ok(out) = std::env::var("AMPHI_WRITE_FIXTURE") else {
        panic!("set AMPHI_WRITE_FIXTURE to the new fixture's directory");
    };
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join(out);
    assert!(
        !out.exists(),
        "{} exists: fixtures are never rewritten",
        out.display()
    );
    let dir = data_dir();
    let hour = |config: &mut amphi::config::Config| config.snapshot_interval_secs = 3600;
    let server = TestServer::start_in(&dir.0, StoreOptions::default(), hour).await;
    full_day(&server).await;
    server.stop().await;
    copy_dir(&dir.0, &out);
    let _ = std::fs::remove_file(out.join("events").join("demo").join("LOCK"));
}

/// A full day through the protocol: every kind of durable change.
async fn full_day(server: &TestServer) {
    let (mut m, wm) = Client::join(server, Role::Moderator, "Claire Modé").await;
    let (mut t, _) = Client::join(server, Role::Mentor, "Léa Mentor").await;
    let (mut j, _) = Client::join(server, Role::Jury, "Paul Juré").await;
    let (mut a, _) = Client::join(server, Role::Participant, "Alice").await;
    let (mut b, wb) = Client::join(server, Role::Participant, "Bruno").await;
    let (c, wc) = Client::join(server, Role::Participant, "Chloé").await;
    let (mut z, _) = Client::join(server, Role::Participant, "Zoé").await;

    day::programme(&mut m).await;
    let team = day::found_team(&mut a).await;
    b.call(json!({"type": "join_team", "team": team})).await;
    z.call(json!({"type": "join_team", "team": 1})).await;
    day::chat_in_every_scope(&mut a, &mut m, wb.id()).await;
    let request = day::ask_and_claim_help(&mut a, &mut t).await;
    t.call(json!({"type": "resolve_help", "request": request}))
        .await;
    a.call(json!({"type": "rate_help", "request": request, "stars": 5, "comment": "Merci"}))
        .await;
    day::mute_and_ban(&mut m, wb.id(), wc.id()).await;
    server
        .import_roster(
            &wm.session(),
            "name,role,team\nDavid Roster,participant,Équipe Roster\nEmma Roster,jury,\n",
        )
        .await;

    m.call(json!({"type": "jury", "op": "open_judging"})).await;
    j.call(json!({"type": "jury", "op": "score", "team": team, "criterion": "impact", "value": 8}))
        .await;
    m.call(json!({"type": "vote", "op": "open"})).await;
    z.call(json!({"type": "vote", "op": "cast", "team": team}))
        .await;
    m.call(json!({"type": "award", "op": "define", "id": "libris", "name": "Libris"}))
        .await;
    m.call(json!({"type": "award", "op": "give", "award": "libris", "team": team}))
        .await;
    m.call(json!({"type": "leaderboard", "op": "live"})).await;
    m.call(json!({"type": "set_phase", "phase": "pitches"}))
        .await;
    m.call(json!({"type": "pitch", "op": "set_order", "order": [team, 1]}))
        .await;
    m.call(json!({"type": "pitch", "op": "start"})).await;
    m.recv_until(
        |msg| is_type(msg, "pitch") && msg["timer"]["state"] == "running",
        WAIT,
    )
    .await;
    for client in [m, t, j, a, b, c, z] {
        client.close().await;
    }
}
