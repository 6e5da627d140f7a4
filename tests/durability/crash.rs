//! The crash test: the real binary under a load of acknowledged chat
//! messages, killed with SIGKILL at a random moment, then checked offline
//! with `amphi dump` and restarted on the same directory, round after round.
//!
//! Checked after every kill, over everything sent since the first round:
//! - every message a client got an `ack` for is in the state exactly once;
//! - no text appears twice;
//! - each client's messages are in the order it sent them, and what survived
//!   of one round is a prefix of what it sent (nothing after a gap: the
//!   journal keeps commands in order and a torn tail is cut whole).
//!
//! After every restart each client resumes with its session token.
//! `AMPHI_CRASH_ROUNDS` changes the number of rounds (default 20).

use crate::acked_load;
use crate::binary::{self, Amphi};
use crate::data_dir;
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

const CLIENTS: usize = 4;
/// A client sends at most one message per `PACE` (about 2,000 messages a
/// second in all), so the load is running whenever the kill comes while
/// the event's history stays small enough to recover quickly.
const PACE: Duration = Duration::from_millis(2);

/// The text of message `i` of `client` in `round`; unique over the test.
fn text(client: usize, round: usize, i: u64) -> String {
    format!("c{client}-r{round}-m{i}")
}

/// (client, round, i) back from a text, for this test's messages.
fn parse(text: &str) -> Option<(usize, usize, u64)> {
    let mut parts = text.split('-');
    let c = parts.next()?.strip_prefix('c')?.parse().ok()?;
    let r = parts.next()?.strip_prefix('r')?.parse().ok()?;
    let i = parts.next()?.strip_prefix('m')?.parse().ok()?;
    Some((c, r, i))
}

/// Checks a dumped state against everything sent and acknowledged so far.
/// Returns how many of this test's messages the state holds.
fn check(
    state: &Value,
    sent: &[Vec<Vec<String>>],
    acked: &[HashSet<String>],
    round: usize,
) -> usize {
    let messages = state["chat"].as_array().unwrap();
    let mut seen = HashSet::new();
    let mut per_client: Vec<Vec<(usize, u64)>> = vec![Vec::new(); CLIENTS];
    for m in messages {
        let body = m["text"].as_str().unwrap_or_default();
        let Some((c, r, i)) = parse(body) else {
            continue;
        };
        assert!(
            seen.insert(body.to_string()),
            "round {round}: {body} appears twice"
        );
        per_client[c].push((r, i));
    }
    for c in 0..CLIENTS {
        let got = &per_client[c];
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "round {round}: client {c}'s messages are out of order: {got:?}"
        );
        for text in &acked[c] {
            assert!(
                seen.contains(text),
                "round {round}: acknowledged {text} is lost"
            );
        }
        // What survived of each round is a prefix of what was sent.
        for (r, sent) in sent[c].iter().enumerate() {
            let kept: Vec<u64> = got
                .iter()
                .filter(|(rr, _)| *rr == r)
                .map(|(_, i)| *i)
                .collect();
            let prefix: Vec<u64> = (0..kept.len() as u64).collect();
            assert_eq!(kept, prefix, "round {round}: client {c}, round {r}: a gap");
            assert!(kept.len() <= sent.len(), "round {round}: more than sent");
        }
    }
    seen.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_messages_survive_sigkill_exactly_once_and_in_order() {
    let rounds: usize = std::env::var("AMPHI_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let dir = data_dir();
    let config = binary::load_config(&dir.0);
    let started = Instant::now();
    let mut server = Amphi::start(&dir.0, Some(&config), &[]);
    let invite = server.token("participant");
    let mut rng = rand::rng();
    let mut sessions: Vec<Option<String>> = vec![None; CLIENTS];
    let mut sent: Vec<Vec<Vec<String>>> = vec![Vec::new(); CLIENTS];
    let mut acked: Vec<HashSet<String>> = vec![HashSet::new(); CLIENTS];
    let (mut total_acked, mut resumes, mut kept, mut snapshots) = (0usize, 0usize, 0, 0);
    for round in 0..rounds {
        let url = server.ws_url();
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let load = acked_load::Load {
                    url: url.clone(),
                    session: sessions[c].clone(),
                    invite: invite.clone(),
                    name: format!("c{c}-r{round}"),
                    pace: PACE,
                };
                tokio::spawn(acked_load::drive(load, move |i| {
                    let body = text(c, round, i);
                    let frame = json!({"type": "chat", "scope": "room", "text": body, "rid": i});
                    (body, frame)
                }))
            })
            .collect();
        let kill_after = Duration::from_millis(rng.random_range(50..1500));
        tokio::time::sleep(kill_after).await;
        tokio::task::spawn_blocking(move || server.kill())
            .await
            .unwrap();
        for (c, task) in tasks.into_iter().enumerate() {
            let outcome = task.await.unwrap();
            sessions[c] = outcome.session;
            resumes += usize::from(outcome.resumed);
            total_acked += outcome.acked.len();
            sent[c].push(outcome.sent);
            acked[c].extend(outcome.acked);
        }
        let path = dir.0.clone();
        let state = tokio::task::spawn_blocking(move || binary::dump(&path))
            .await
            .unwrap();
        kept = check(&state, &sent, &acked, round);
        snapshots += usize::from(state_has_snapshot(&dir.0));
        let path = dir.0.clone();
        let cfg = config.clone();
        server = tokio::task::spawn_blocking(move || Amphi::start(&path, Some(&cfg), &[]))
            .await
            .unwrap();
        assert_eq!(server.token("participant"), invite, "links are stable");
    }
    // A last, unhurried resume on the restarted server.
    let token = sessions
        .iter()
        .flatten()
        .next()
        .expect("some client joined")
        .clone();
    let outcome =
        tokio::time::timeout(Duration::from_secs(10), resume_once(server.ws_url(), token))
            .await
            .expect("resume in time");
    assert!(outcome, "a client resumes after the last restart");
    let total_sent: usize = sent.iter().flatten().map(Vec::len).sum();
    eprintln!(
        "crash test: {rounds} rounds, {total_sent} messages sent, {total_acked} acknowledged, \
         {kept} kept, {resumes} resumes during load, a snapshot on disk after {snapshots} \
         kills, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(total_acked > 0, "the load got acknowledgements");
    server.kill();
}

/// Whether the event directory holds a snapshot.
fn state_has_snapshot(data_dir: &std::path::Path) -> bool {
    std::fs::read_dir(data_dir.join("events").join("demo"))
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "snap"))
        })
        .unwrap_or(false)
}

/// Resumes once and returns whether a resumed `welcome` came back.
async fn resume_once(url: String, session: String) -> bool {
    let (mut ws, _) = connect_async(&url).await.unwrap();
    let hello = json!({"type": "hello", "protocol": 2, "resume": session, "last_seq": 0});
    ws.send(Message::text(hello.to_string())).await.unwrap();
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Text(frame) = message {
            let value: Value = serde_json::from_str(frame.as_str()).unwrap();
            if value["type"] == "welcome" {
                return value["resumed"] == true;
            }
            if value["type"] == "error" {
                panic!("resume refused: {value}");
            }
        }
    }
    false
}
