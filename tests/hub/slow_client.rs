//! A client that stops reading is cut off with close code 4008 once its
//! outbound queue overflows; everyone else keeps receiving every message.

use crate::common::{Client, Ended, TestServer, WAIT, is_type};
use amphi::domain::Role;
use serde_json::json;
use std::time::Duration;

/// Small, so that a client that stops reading fills it quickly, yet larger
/// than what a join queues at once (the `welcome` and the pushes that follow
/// it: help, judging, ideas, questions, the floor, …), which the hub queues
/// in one turn before the connection's task can write any of it.
const QUEUE: usize = 16;

/// A long message: 1000 four-byte characters, so a few hundred fill any
/// socket buffer quickly.
fn big(i: usize) -> String {
    format!("{i:05} {}", "🎉".repeat(990))
}

/// A reader that counts chat messages on its own task until it sees `END`.
fn count_chat(mut reader: Client) -> tokio::task::JoinHandle<(Client, Vec<String>)> {
    tokio::spawn(async move {
        let mut texts = Vec::new();
        loop {
            let m = reader
                .recv_until(|m| is_type(m, "chat"), Duration::from_secs(10))
                .await;
            let text = m["message"]["text"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if text == "END" {
                return (reader, texts);
            }
            texts.push(text);
        }
    })
}

/// Posts big room messages two at a time (waiting for the acks, so the
/// talker itself keeps up) until the server has cut a slow client off.
/// Returns how many were posted.
async fn chat_until_a_cut(server: &TestServer, talker: &mut Client) -> usize {
    let mut sent = 0;
    loop {
        assert!(sent < 4000, "no slow client was cut after {sent} messages");
        let mut rids = Vec::new();
        for _ in 0..2 {
            rids.push(
                talker
                    .request(json!({"type": "chat", "scope": "room", "text": big(sent)}))
                    .await,
            );
            sent += 1;
        }
        for rid in rids {
            talker.expect_ack(rid).await;
        }
        if sent % 8 == 0 && server.metric("amphi_slow_disconnects_total").await >= 1.0 {
            return sent;
        }
    }
}

/// Posts messages `from..to`, then `END`.
async fn chat_more_then_end(talker: &mut Client, from: usize, to: usize) {
    for i in from..to {
        talker
            .call(json!({"type": "chat", "scope": "room", "text": big(i)}))
            .await;
    }
    talker
        .call(json!({"type": "chat", "scope": "room", "text": "END"}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_closed_with_4008_and_others_miss_nothing() {
    let server = TestServer::with_config(|c| c.outbound_queue = QUEUE).await;
    let (mut talker, _) = Client::join(&server, Role::Participant, "Talker").await;
    let (reader, _) = Client::join(&server, Role::Participant, "Reader").await;
    let mut slow = Client::connect_with_recv_buffer(&server, 4096).await;
    slow.hello_invite(&server.join_link(Role::Participant), "Slow")
        .await;
    let counting = count_chat(reader);

    let cut_after = chat_until_a_cut(&server, &mut talker).await;
    // The slow client starts reading again: it finds what fitted in the
    // socket, then a 4008 close. Meanwhile the chat goes on.
    let slow_reads = tokio::spawn(async move {
        let ended = slow.recv_close(WAIT).await;
        (slow, ended)
    });
    let sent = cut_after + 20;
    chat_more_then_end(&mut talker, cut_after, sent).await;

    let (_reader, texts) = tokio::time::timeout(Duration::from_secs(15), counting)
        .await
        .expect("the reader got END")
        .expect("reader task");
    assert_eq!(texts.len(), sent, "the reader got every message");
    let expected: Vec<String> = (0..sent).map(big).collect();
    assert_eq!(texts, expected, "in order, none missing");

    let (slow, ended) = slow_reads.await.expect("slow reader task");
    match ended {
        Ended::Close(code, reason) => assert_eq!(code, 4008, "{reason}"),
        other => panic!("expected close 4008, got {other:?}"),
    }
    let got = slow.count_received(|m| is_type(m, "chat"));
    assert!(
        got < cut_after,
        "the slow client did not get everything ({got} of {cut_after})"
    );
    assert_eq!(server.metric("amphi_slow_disconnects_total").await, 1.0);
    // The talker was never too slow.
    talker.assert_alive().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_again_is_let_go() {
    let server = TestServer::with_config(|c| {
        c.outbound_queue = QUEUE;
        c.limits.grace_ms = 100;
    })
    .await;
    let (mut talker, _) = Client::join(&server, Role::Participant, "Talker").await;
    let (reader, _) = Client::join(&server, Role::Participant, "Reader").await;
    let mut slow = Client::connect_with_recv_buffer(&server, 4096).await;
    let slow_welcome = slow
        .hello_invite(&server.join_link(Role::Participant), "Slow")
        .await;
    let counting = count_chat(reader);
    let sent = chat_until_a_cut(&server, &mut talker).await;
    chat_more_then_end(&mut talker, sent, sent).await;
    let (mut reader, texts) = counting.await.expect("reader task");
    assert_eq!(texts.len(), sent);

    // Without the slow client reading a byte, the server closes its side:
    // the connection is no longer open and its avatar leaves after grace.
    server
        .wait_metric("amphi_connections_open", Duration::from_secs(10), |v| {
            v == 2.0
        })
        .await;
    let left = reader
        .recv_until(|m| is_type(m, "person_left"), Duration::from_secs(5))
        .await;
    assert_eq!(left["id"], slow_welcome.id());
    // Reading now, it finds the end of the connection.
    let ended = slow.recv_close(WAIT).await;
    if let Ended::Close(code, _) = ended {
        assert_eq!(code, 4008);
    }
}
