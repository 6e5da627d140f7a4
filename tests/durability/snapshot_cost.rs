//! What a snapshot costs the hub: the hub clones its `EventState` and hands
//! the clone to the snapshot thread. Measured with 1,000 members and 100,000
//! chat messages (the figure). Run in release for real numbers:
//! `cargo test --release --test durability snapshot_cost -- --nocapture`.

use amphi::domain::EventState;
use serde_json::{Value, json};
use std::time::Instant;

/// A demo-sized event grown to `members` people and `messages` chat messages.
fn big_state(members: u32, messages: u64) -> EventState {
    let mut state = serde_json::to_value(amphi::demo::demo_state()).unwrap();
    let people: serde_json::Map<String, Value> = (1..=members)
        .map(|id| {
            let member = json!({"id": id, "name": format!("Personne {id}"), "role": "participant",
                                "team": null, "session_hash": "ab".repeat(32)});
            (id.to_string(), member)
        })
        .collect();
    state["members"] = Value::Object(people);
    state["chat"] = Value::Array(
        (1..=messages)
            .map(|seq| {
                json!({"seq": seq, "channel": format!("room:table-{:02}", seq % 20),
                       "from": 1 + seq % u64::from(members), "at": 1_795_500_000_000_u64 + seq,
                       "text": format!("Message {seq} : on avance sur le prototype, la démo est prête ?")})
            })
            .collect(),
    );
    serde_json::from_value(state).unwrap()
}

#[test]
fn snapshot_clone_cost_with_100k_messages() {
    let state = big_state(1_000, 100_000);
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let copy = state.clone();
        let ms = start.elapsed().as_secs_f64() * 1e3;
        best = best.min(ms);
        std::hint::black_box(copy);
    }
    let start = Instant::now();
    let bytes = serde_json::to_vec(&state).unwrap().len();
    let encode_ms = start.elapsed().as_secs_f64() * 1e3;
    eprintln!(
        "snapshot cost: clone of EventState (1,000 members, 100,000 messages) {best:.1} ms on the \
         hub; JSON encoding {encode_ms:.0} ms / {:.1} MB on the snapshot thread",
        bytes as f64 / 1e6
    );
    assert_eq!(state.chat.len(), 100_000);
}
