//! S6 durable commands: pairs of participants send each other direct chat
//! messages (durable: acknowledged only once journaled) on schedule. Measures
//! acknowledged commands per second and ack latency from the intended send
//! time, plus delivery to the partner.

use super::{Ctx, Gate, idle_until};
use crate::client::{self, Hello};
use crate::clock;
use crate::report::{Check, Rate, Report};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub async fn run(ctx: Arc<Ctx>) -> anyhow::Result<Report> {
    let n = ctx.cli.clients.unwrap_or(200).max(2);
    let rate = ctx.cli.rate.unwrap_or(100.0);
    let invite = ctx.participant()?;
    let started = clock::now_us();
    let ids: Arc<Vec<AtomicU32>> = Arc::new((0..n).map(|_| AtomicU32::new(0)).collect());
    let joined = Gate::new();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (ctx, invite, joined, ids) = (ctx.clone(), invite.clone(), joined.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(err) = sender(i, n, &ctx, &invite, &joined, &ids, rate).await {
                ctx.rec.add("clients_failed", 1);
                if ctx.rec.get("clients_failed") <= 3 {
                    eprintln!("client {i}: {err:#}");
                }
                joined.fail();
            }
        }));
    }
    let ready = joined.wait_for(n, Duration::from_secs(300)).await;
    eprintln!("s6: {ready}/{n} joined");
    let start = clock::now_us() + 500_000;
    joined.open(start);
    clock::sleep_until_us(start).await;
    let t0 = ctx.elapsed();
    clock::sleep_until_us(start + (ctx.cli.duration * 1e6) as u64).await;
    let t1 = ctx.elapsed();
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(15), task).await;
    }
    let mut report = ctx.report("s6_durable", started, n);
    report.clients_connected = ready;
    report.measured_secs = ctx.cli.duration;
    report.params = serde_json::json!({"rate_per_client": rate, "command": "chat scope=direct"});
    ctx.finish(&mut report, (t0, t1));
    let acked = ctx.rec.get("acked_in_window") as f64 / ctx.cli.duration;
    report.rates.push(Rate {
        name: "durable commands sent".into(),
        target_per_s: rate * ready as f64,
        achieved_per_s: ctx.rec.get("sent") as f64 / ctx.cli.duration,
    });
    report.rates.push(Rate {
        name: "acknowledged".into(),
        target_per_s: rate * ready as f64,
        achieved_per_s: acked,
    });
    report.checks.push(Check::new(
        "acknowledged durable commands",
        "≥ 20,000/s",
        format!("{acked:.0}/s"),
        acked >= 20_000.0,
    ));
    Ok(report)
}

async fn sender(
    i: usize,
    n: usize,
    ctx: &Ctx,
    invite: &str,
    joined: &Gate,
    ids: &[AtomicU32],
    rate: f64,
) -> anyhow::Result<()> {
    let rec = &ctx.rec;
    let name = ctx.name("lg", i);
    let (mut ws, welcome) = ctx
        .join(
            &ctx.opts(16 * 1024),
            Hello::Invite {
                token: invite,
                name: &name,
            },
        )
        .await?;
    if let Some(slot) = ids.get(i) {
        slot.store(welcome.you.id, Ordering::Relaxed);
    }
    joined.arrive();
    let start = idle_until(&mut ws, rec, joined.opened()).await?;
    let partner_idx = if i ^ 1 < n { i ^ 1 } else { 0 };
    let partner = ids
        .get(partner_idx)
        .map(|a| a.load(Ordering::Relaxed))
        .unwrap_or(0);
    let period = (1e6 / rate) as u64;
    let end = start + (ctx.cli.duration * 1e6) as u64;
    let mut next = start + super::phase_us(i, period);
    let mut rid = 0u64;
    let mut sent_at: HashMap<u64, u64> = HashMap::new();
    let (ack, delivery) = (rec.lat("ack"), rec.lat("delivery_to_partner"));
    let (sent, acked, acked_in) = (
        rec.counter("sent"),
        rec.counter("acked"),
        rec.counter("acked_in_window"),
    );
    let drain_until = end + 5_000_000;
    loop {
        let sending = next < end;
        if !sending && sent_at.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            _ = clock::sleep_until_us(if sending { next } else { drain_until }) => {
                if !sending { break; }
                rid += 1;
                let msg = format!(r#"{{"type":"chat","scope":"direct","to":{partner},"text":"lg {rid} {next}","rid":{rid}}}"#);
                ws.send(Message::text(msg)).await?;
                sent.fetch_add(1, Ordering::Relaxed);
                sent_at.insert(rid, next);
                next += period;
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
                    "ack" => {
                        if let Some(r) = client::number_after(&text, r#""rid":"#)
                            && let Some(t) = sent_at.remove(&r)
                        {
                            ack.record(now.saturating_sub(t));
                            acked.fetch_add(1, Ordering::Relaxed);
                            if now <= end {
                                acked_in.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    "chat" => {
                        let from_me = text.contains(&format!(r#""from":{},"#, welcome.you.id));
                        if !from_me
                            && let Some(at) = text.find(r#""text":"lg "#)
                        {
                            let mut parts = text[at + 11..].split(['"', ' ']);
                            let _k = parts.next();
                            if let Some(t) = parts.next().and_then(|t| t.parse::<u64>().ok()) {
                                delivery.record(now.saturating_sub(t));
                            }
                        }
                    }
                    "error" => {
                        if let Some(r) = client::on_error(rec, &text) {
                            sent_at.remove(&r);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    rec.add("unacked", sent_at.len() as u64);
    let _ = ws.close(None).await;
    Ok(())
}
