//! S3 chat burst: N members of one room; M messages sent within `burst`
//! seconds by random members, on schedule (open loop). Every member must
//! receive every message, its own included.
//!
//! Each text carries `lg <k> <intended µs>`: receivers count deliveries per
//! message and record receive − intended send time; senders record the ack.

use super::{Ctx, Gate, idle_until};
use crate::client::{self, Hello};
use crate::clock;
use crate::report::{Check, Rate, Report};
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// The amphitheatre's seats for participants (its `capacity` in the map).
const AMPHI_SEATS: usize = 400;

pub async fn run(ctx: Arc<Ctx>) -> anyhow::Result<Report> {
    let n = ctx.cli.clients.unwrap_or(1000);
    let m = ctx.cli.messages;
    let burst = ctx.cli.rate.map(|r| m as f64 / r).unwrap_or(1.0);
    let room = ctx.cli.room.clone();
    let participant = ctx.participant()?;
    let mentor = ctx.target.mentor.clone();
    let started = clock::now_us();
    // Who sends which message: random members.
    let mut senders: Vec<Vec<usize>> = vec![Vec::new(); n];
    {
        let mut rng = rand::rng();
        for k in 0..m {
            senders[rng.random_range(0..n)].push(k);
        }
    }
    let deliveries: Arc<Vec<AtomicU32>> = Arc::new((0..m).map(|_| AtomicU32::new(0)).collect());
    let joined = Gate::new();
    let stop = Gate::new();
    let mut tasks = Vec::new();
    for (i, mine) in senders.into_iter().enumerate() {
        let token = if room == "amphi" && i >= AMPHI_SEATS {
            mentor.clone().unwrap_or_else(|| participant.clone())
        } else {
            participant.clone()
        };
        let (ctx, joined, stop, deliveries, room) = (
            ctx.clone(),
            joined.clone(),
            stop.clone(),
            deliveries.clone(),
            room.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = member(
                i,
                &ctx,
                &token,
                &room,
                mine,
                m,
                burst,
                &joined,
                &stop,
                &deliveries,
            )
            .await;
            if let Err(err) = r {
                ctx.rec.add("clients_failed", 1);
                if ctx.rec.get("clients_failed") <= 3 {
                    eprintln!("member {i}: {err:#}");
                }
                joined.fail();
            }
        }));
    }
    let ready = joined.wait_for(n, Duration::from_secs(300)).await;
    eprintln!("s3: {ready}/{n} members in room {room}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let start = clock::now_us() + 200_000;
    let window_from = ctx.elapsed();
    joined.open(start);
    // Wait for every delivery, at most burst + 30 s.
    let expected = (m * ready) as u64;
    let deadline = start + ((burst + 30.0) * 1e6) as u64;
    loop {
        let got: u64 = deliveries
            .iter()
            .map(|d| u64::from(d.load(Ordering::Relaxed)))
            .sum();
        if got >= expected || clock::now_us() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let done_us = clock::now_us();
    let window_to = ctx.elapsed();
    stop.open(done_us);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    let got: u64 = deliveries
        .iter()
        .map(|d| u64::from(d.load(Ordering::Relaxed)))
        .sum();
    let incomplete = deliveries
        .iter()
        .filter(|d| (d.load(Ordering::Relaxed) as usize) < ready)
        .count();
    let mut report = ctx.report("s3_chat_burst", started, n);
    report.clients_connected = ready;
    report.measured_secs = burst;
    report.params = serde_json::json!({"room": room, "messages": m, "burst_secs": burst});
    ctx.finish(&mut report, (window_from, window_to));
    let sent = ctx.rec.get("chat_sent");
    report.rates.push(Rate {
        name: "messages sent".into(),
        target_per_s: m as f64 / burst,
        achieved_per_s: sent as f64 / burst,
    });
    report.rates.push(Rate {
        name: "deliveries (whole run)".into(),
        target_per_s: expected as f64 / burst,
        achieved_per_s: got as f64 / ((done_us - start) as f64 / 1e6).max(burst),
    });
    report
        .counters
        .insert("deliveries_expected".into(), expected);
    report.counters.insert("deliveries".into(), got);
    report.counters.insert(
        "messages_not_delivered_to_everyone".into(),
        incomplete as u64,
    );
    let lost = expected.saturating_sub(got);
    report.counters.insert("deliveries_lost".into(), lost);
    report.checks.push(Check::new(
        "zero loss",
        "0 lost deliveries, 0 errors",
        format!("{lost} lost of {expected}, {} errors", report.errors_total),
        lost == 0 && report.errors_total == 0 && sent == m as u64,
    ));
    let lat = report
        .latencies
        .get("chat_delivery")
        .cloned()
        .unwrap_or_default();
    report.checks.push(Check::new(
        "delivery p99",
        "≤ 500 ms",
        format!("{:.1} ms", lat.p99_ms),
        lat.count > 0 && lat.p99_ms <= 500.0,
    ));
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn member(
    i: usize,
    ctx: &Ctx,
    token: &str,
    room: &str,
    mine: Vec<usize>,
    m: usize,
    burst: f64,
    joined: &Gate,
    stop: &Gate,
    deliveries: &[AtomicU32],
) -> anyhow::Result<()> {
    let rec = &ctx.rec;
    let name = ctx.name("lg", i);
    let (mut ws, _welcome) = ctx
        .join(&ctx.opts(8 * 1024), Hello::Invite { token, name: &name })
        .await?;
    if room != "hall" {
        let msg = serde_json::json!({"type": "teleport", "room": room, "rid": 1});
        ws.send(Message::text(msg.to_string())).await?;
        let wait = async {
            while let Some(frame) = ws.next().await {
                let Message::Text(text) = frame? else {
                    continue;
                };
                match client::kind(&text) {
                    "ack" => return Ok(()),
                    "error" => {
                        client::on_error(rec, &text);
                        anyhow::bail!("teleport refused");
                    }
                    _ => {}
                }
            }
            anyhow::bail!("connection ended during teleport")
        };
        tokio::time::timeout(Duration::from_secs(60), wait).await??;
    }
    joined.arrive();
    let start = idle_until(&mut ws, rec, joined.opened()).await?;
    let schedule: Vec<(usize, u64)> = mine
        .into_iter()
        .map(|k| (k, start + (k as f64 * burst * 1e6 / m as f64) as u64))
        .collect();
    let mut next = 0;
    let mut sent_at = std::collections::HashMap::new();
    let delivery = rec.lat("chat_delivery");
    let ack = rec.lat("chat_ack");
    let stopped = stop.opened();
    tokio::pin!(stopped);
    loop {
        let wake = schedule.get(next).map(|(_, t)| *t).unwrap_or(u64::MAX / 2);
        tokio::select! {
            biased;
            _ = &mut stopped => break,
            _ = clock::sleep_until_us(wake) => {
                let Some((k, intended)) = schedule.get(next).copied() else { continue };
                next += 1;
                let rid = k as u64 + 1;
                let msg = serde_json::json!({
                    "type": "chat", "scope": "room", "rid": rid,
                    "text": format!("lg {k} {intended}"),
                });
                ws.send(Message::text(msg.to_string())).await?;
                sent_at.insert(rid, intended);
                rec.add("chat_sent", 1);
            }
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        client::record_end(rec, frame);
                        break;
                    }
                    Some(Ok(_)) => continue,
                };
                let now = clock::now_us();
                match client::kind(&text) {
                    "chat" => {
                        if let Some((k, intended)) = parse_text(&text)
                            && let Some(d) = deliveries.get(k)
                        {
                            d.fetch_add(1, Ordering::Relaxed);
                            delivery.record(now.saturating_sub(intended));
                        }
                    }
                    "ack" => {
                        if let Some(rid) = client::number_after(&text, r#""rid":"#)
                            && let Some(intended) = sent_at.remove(&rid)
                        {
                            ack.record(now.saturating_sub(intended));
                        }
                    }
                    "error" => {
                        client::on_error(rec, &text);
                    }
                    _ => {}
                }
            }
        }
    }
    let _ = ws.close(None).await;
    Ok(())
}

/// `(k, intended µs)` from a chat frame whose text is `lg <k> <intended>`.
fn parse_text(frame: &str) -> Option<(usize, u64)> {
    let at = frame.find(r#""text":"lg "#)? + r#""text":"lg "#.len();
    let rest = &frame[at..];
    let end = rest.find('"')?;
    let (k, t) = rest[..end].split_once(' ')?;
    Some((k.parse().ok()?, t.parse().ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_the_marker() {
        let f = r#"{"type":"chat","message":{"seq":3,"channel":"room:hall","from":2,"from_name":"lg1","at":1,"text":"lg 12 1700000000000000"}}"#;
        assert_eq!(super::parse_text(f), Some((12, 1_700_000_000_000_000)));
    }
}
