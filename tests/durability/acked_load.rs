//! One client of the crash and power-cut tests: joins (or resumes), then
//! sends durable requests with `rid`s, a window of them in flight, until the
//! server goes away, and records what it sent and what was acknowledged.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

/// Requests a client keeps in flight at most.
pub const WINDOW: usize = 16;

/// What one client did in one round.
pub struct Outcome {
    /// The session to resume next round.
    pub session: Option<String>,
    /// Whether this round resumed a session.
    pub resumed: bool,
    /// Request bodies in the order they were sent.
    pub sent: Vec<String>,
    /// Bodies whose `ack` arrived.
    pub acked: Vec<String>,
}

/// Who the client is and how it loads the server.
pub struct Load {
    pub url: String,
    /// `Some`: resume this session; `None`: join with `invite` as `name`.
    pub session: Option<String>,
    pub invite: String,
    pub name: String,
    /// At most one request per `pace`.
    pub pace: Duration,
}

/// Runs one client; `request(i)` gives the body of request `i` (unique over
/// the test) and its frame, which must carry `"rid": i`. An error refuses
/// only its request: `storage_unavailable` (the disk is gone) is expected
/// and never acknowledged; any other refusal fails the test.
pub async fn drive(load: Load, mut request: impl FnMut(u64) -> (String, Value)) -> Outcome {
    let Load {
        url,
        session,
        invite,
        name,
        pace,
    } = load;
    let mut outcome = Outcome {
        session: session.clone(),
        resumed: false,
        sent: Vec::new(),
        acked: Vec::new(),
    };
    let Ok(Ok((ws, _))) = tokio::time::timeout(Duration::from_secs(5), connect_async(&url)).await
    else {
        return outcome;
    };
    let (mut tx, mut rx) = ws.split();
    let hello = match &session {
        Some(token) => json!({"type": "hello", "protocol": 2, "resume": token, "last_seq": 0}),
        None => json!({"type": "hello", "protocol": 2, "invite": invite, "name": name}),
    };
    if tx.send(Message::text(hello.to_string())).await.is_err() {
        return outcome;
    }
    let mut next: u64 = 0;
    let mut in_flight: HashMap<u64, String> = HashMap::new();
    let mut welcomed = false;
    let mut pacing = tokio::time::interval(pace);
    loop {
        let received = tokio::select! {
            _ = pacing.tick() => {
                if welcomed && in_flight.len() < WINDOW {
                    let (body, frame) = request(next);
                    if tx.send(Message::text(frame.to_string())).await.is_err() {
                        return outcome;
                    }
                    in_flight.insert(next, body.clone());
                    outcome.sent.push(body);
                    next += 1;
                }
                continue;
            }
            received = tokio::time::timeout(Duration::from_secs(10), rx.next()) => received,
        };
        let frame = match received {
            Ok(Some(Ok(Message::Text(frame)))) => frame,
            Ok(Some(Ok(_))) => continue,
            _ => return outcome,
        };
        let value: Value = serde_json::from_str(frame.as_str()).unwrap();
        match value["type"].as_str() {
            Some("welcome") => {
                welcomed = true;
                outcome.resumed = session.is_some();
                assert!(
                    session.is_none() || value["resumed"] == true,
                    "{name}: a resume gives a resumed welcome: {value}"
                );
                if let Some(token) = value["session"].as_str() {
                    outcome.session = Some(token.to_string());
                }
            }
            Some("ack") => {
                let rid = value["rid"].as_u64().unwrap();
                let body = in_flight.remove(&rid).expect("ack for a request in flight");
                outcome.acked.push(body);
            }
            Some("error") if value["code"] == "storage_unavailable" => {
                if let Some(rid) = value["rid"].as_u64() {
                    in_flight.remove(&rid);
                }
            }
            Some("error") if value["rid"].is_null() && !welcomed => {
                panic!("{name}: hello refused: {value}");
            }
            Some("error") => panic!("{name}: refused: {value}"),
            _ => {}
        }
    }
}
