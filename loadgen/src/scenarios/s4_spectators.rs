//! S4 spectators: N spectator clients follow the event while a moderator
//! posts announcements (a leaderboard-sized text) at a fixed rate. The run has
//! two halves: in the first everyone reads; in the second a fraction of the
//! spectators stop reading (with a small receive buffer, so they back up fast).
//!
//! Checks: the slow ones are cut (close 4008), the others' p99 in the second
//! half stays within 20% of the first half's, and server memory stays bounded.

use super::{Ctx, Gate, delta, idle_until, scrape_metrics};
use crate::client::{self, Hello};
use crate::clock;
use crate::report::{Check, Rate, Report};
use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub async fn run(ctx: Arc<Ctx>) -> anyhow::Result<Report> {
    let n = ctx.cli.clients.unwrap_or(5000);
    let rate = ctx.cli.rate.unwrap_or(2.0);
    let spectator = ctx
        .target
        .spectator
        .clone()
        .context("a spectator invite is needed: --spectator-invite or --links-from")?;
    let moderator = ctx
        .target
        .moderator
        .clone()
        .context("a moderator invite is needed: --moderator-invite or --links-from")?;
    let slow = ((n as f64) * ctx.cli.slow_fraction).round() as usize;
    let started = clock::now_us();
    let joined = Gate::new();
    let duration_us = (ctx.cli.duration * 1e6) as u64;
    let mut tasks = Vec::with_capacity(n + 1);
    for i in 0..n {
        let (ctx, token, joined) = (ctx.clone(), spectator.clone(), joined.clone());
        tasks.push(tokio::spawn(async move {
            let is_slow = i < slow;
            if let Err(err) = watcher(i, &ctx, &token, is_slow, &joined, duration_us).await {
                ctx.rec.add("clients_failed", 1);
                if ctx.rec.get("clients_failed") <= 3 {
                    eprintln!("spectator {i}: {err:#}");
                }
                joined.fail();
            }
        }));
    }
    let ready = joined.wait_for(n, Duration::from_secs(300)).await;
    eprintln!("s4: {ready}/{n} spectators ({slow} will stop reading)");
    let (mut mod_ws, _) = ctx
        .join(
            &ctx.opts(64 * 1024),
            Hello::Invite {
                token: &moderator,
                name: &ctx.name("mod", 0),
            },
        )
        .await?;
    let start = clock::now_us() + 500_000;
    let half = start + duration_us / 2;
    let end = start + duration_us;
    joined.open(start);
    clock::sleep_until_us(start).await;
    let before = scrape_metrics(&ctx.target.http).await;
    let t_start = ctx.elapsed();
    // The moderator posts on schedule and reads its own acks.
    let period = (1e6 / rate) as u64;
    let mut next = start;
    let mut k: u64 = 0;
    let mut mid = None;
    let pad: String = "x".repeat(ctx.cli.text_chars.saturating_sub(40));
    let ack = ctx.rec.lat("announce_ack");
    let mut sent_at = std::collections::HashMap::new();
    while next < end {
        tokio::select! {
            biased;
            _ = clock::sleep_until_us(next) => {
                k += 1;
                let text = format!("lg {k} {next} {pad}");
                let msg = serde_json::json!({"type":"chat","scope":"announcement","text":text,"rid":k});
                mod_ws.send(Message::text(msg.to_string())).await?;
                sent_at.insert(k, next);
                ctx.rec.add("announcements_sent", 1);
                next += period;
                if mid.is_none() && next >= half {
                    mid = Some((ctx.elapsed(), scrape_metrics(&ctx.target.http).await));
                }
            }
            frame = mod_ws.next() => match frame {
                Some(Ok(Message::Text(text))) => match client::kind(&text) {
                    "ack" => if let Some(rid) = client::number_after(&text, r#""rid":"#)
                        && let Some(t) = sent_at.remove(&rid) {
                        ack.record(clock::now_us().saturating_sub(t));
                    },
                    "error" => { client::on_error(&ctx.rec, &text); }
                    _ => {}
                },
                Some(Ok(Message::Close(_)) | Err(_)) | None => {
                    client::record_end(&ctx.rec, frame);
                    anyhow::bail!("the moderator was disconnected");
                }
                Some(Ok(_)) => {}
            }
        }
    }
    let t_end = ctx.elapsed();
    let after = scrape_metrics(&ctx.target.http).await;
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(20), task).await;
    }
    let _ = mod_ws.close(None).await;

    let mut report = ctx.report("s4_spectators", started, n);
    report.clients_connected = ready;
    report.measured_secs = ctx.cli.duration;
    report.params = serde_json::json!({
        "rate": rate, "slow": slow, "text_chars": ctx.cli.text_chars,
        "slow_rcvbuf": ctx.cli.slow_rcvbuf, "halves": "A: all read, B: slow ones stop reading",
    });
    ctx.finish(&mut report, (t_start, t_end));
    let sent = ctx.rec.get("announcements_sent");
    report.rates.push(Rate {
        name: "announcements".into(),
        target_per_s: rate,
        achieved_per_s: sent as f64 / ctx.cli.duration,
    });
    report.rates.push(Rate {
        name: "deliveries".into(),
        target_per_s: rate * ready as f64,
        achieved_per_s: ctx.rec.get("deliveries") as f64 / ctx.cli.duration,
    });
    let cuts = delta(&before, &after, "amphi_slow_disconnects_total");
    report.server_extra.insert("slow_disconnects".into(), cuts);
    // A reader that stopped reading cannot read the 4008 close frame either
    // (it sees its connection end): the server's count is the evidence.
    let cut_seen = ctx.rec.get("slow_cut_4008");
    report.checks.push(Check::new(
        "slow readers cut (4008)",
        &format!("{slow}"),
        format!("server counted {cuts:.0} slow disconnects; {cut_seen} clients read the 4008"),
        cuts as usize >= slow || cut_seen as usize == slow,
    ));
    let a = report
        .latencies
        .get("announce_A")
        .cloned()
        .unwrap_or_default();
    let b = report
        .latencies
        .get("announce_B")
        .cloned()
        .unwrap_or_default();
    report.checks.push(Check::new(
        "readers' p99 with slow ones ≤ 1.2 × without",
        &format!("≤ {:.1} ms", 1.2 * a.p99_ms),
        format!("{:.1} ms (A {:.1} ms)", b.p99_ms, a.p99_ms),
        b.count > 0 && b.p99_ms <= 1.2 * a.p99_ms.max(1.0),
    ));
    report.checks.push(Check::new(
        "readers lost nothing",
        "0 missed",
        format!("{}", ctx.rec.get("reader_missed")),
        ctx.rec.get("reader_missed") == 0,
    ));
    if let (Some(server), Some((t_mid, _))) = (&ctx.server, mid) {
        let a = server.summary(t_start, t_mid);
        let b = server.summary(t_mid, t_end);
        report
            .server_extra
            .insert("rss_kib_max_A".into(), a.rss_kib_max as f64);
        report
            .server_extra
            .insert("rss_kib_max_B".into(), b.rss_kib_max as f64);
        report
            .server_extra
            .insert("rss_kib_last_B".into(), b.rss_kib_last as f64);
        let growth = b.rss_kib_max.saturating_sub(a.rss_kib_max) as f64 / 1024.0;
        report.checks.push(Check::new(
            "memory bounded",
            "RSS growth in B ≤ 64 MiB, last ≤ max",
            format!(
                "+{growth:.1} MiB (A max {} KiB, B max {} KiB, B last {} KiB)",
                a.rss_kib_max, b.rss_kib_max, b.rss_kib_last
            ),
            growth <= 64.0,
        ));
    }
    Ok(report)
}

async fn watcher(
    i: usize,
    ctx: &Ctx,
    token: &str,
    is_slow: bool,
    joined: &Gate,
    duration_us: u64,
) -> anyhow::Result<()> {
    let rec = &ctx.rec;
    let mut opts = ctx.opts(4 * 1024);
    if is_slow {
        opts.rcvbuf = Some(ctx.cli.slow_rcvbuf);
    }
    let name = ctx.name("watch", i);
    let (mut ws, _) = ctx
        .join(&opts, Hello::Invite { token, name: &name })
        .await?;
    joined.arrive();
    let start = idle_until(&mut ws, rec, joined.opened()).await?;
    let half = start + duration_us / 2;
    let end = start + duration_us;
    let (lat_a, lat_b) = (rec.lat("announce_A"), rec.lat("announce_B"));
    let mut last_k = 0u64;
    let stop_reading = if is_slow { half } else { end + 2_000_000 };
    loop {
        tokio::select! {
            biased;
            _ = clock::sleep_until_us(stop_reading) => break,
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        client::record_end(rec, frame);
                        if !is_slow { rec.add("reader_disconnected", 1); }
                        return Ok(());
                    }
                    Some(Ok(_)) => continue,
                };
                if client::kind(&text) != "chat" { continue; }
                let Some((k, intended)) = marker(&text) else { continue };
                let now = clock::now_us();
                rec.add("deliveries", 1);
                if !is_slow {
                    if last_k > 0 && k > last_k + 1 {
                        rec.add("reader_missed", k - last_k - 1);
                    }
                    last_k = k;
                    if intended < half { lat_a.record(now - intended.min(now)) } else { lat_b.record(now - intended.min(now)) }
                }
            }
        }
    }
    if !is_slow {
        let _ = ws.close(None).await;
        return Ok(());
    }
    // A slow reader: hold the socket without reading until the end, then
    // drain it to see whether the server cut us.
    clock::sleep_until_us(end + 1_000_000).await;
    let drain = async {
        while let Some(frame) = ws.next().await {
            match frame {
                Ok(Message::Close(f)) => {
                    let code = f.map(|f| u16::from(f.code)).unwrap_or(0);
                    rec.close(&code.to_string());
                    return code;
                }
                Err(_) => {
                    rec.close("io_error");
                    return 1;
                }
                Ok(_) => {}
            }
        }
        rec.close("eof");
        0
    };
    match tokio::time::timeout(Duration::from_secs(10), drain).await {
        Ok(4008) => rec.add("slow_cut_4008", 1),
        _ => rec.add("slow_not_cut", 1),
    }
    Ok(())
}

/// `(k, intended µs)` from an announcement `lg <k> <intended> …`.
fn marker(frame: &str) -> Option<(u64, u64)> {
    let at = frame.find(r#""text":"lg "#)? + r#""text":"lg "#.len();
    let mut parts = frame[at..].splitn(3, ' ');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}
