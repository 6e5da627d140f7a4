//! R1, reactions on the stage: `--clients` anonymous watchers of /live
//! (`hello` with `watch: true`, default 1,000) each send `--rate` reactions a
//! second (default 2) while a team is on stage. The server counts them and
//! sends everyone at most one `reactions` frame a second, never one per
//! reaction: checked per watcher (frames received over the window, and the
//! shortest gap between two), with the server's CPU.
//!
//! Setup: a participant creates a team, the moderator puts it on stage
//! (`pitch set_order`, `start`), then the watchers connect.

use super::{Ctx, Gate};
use crate::client::{self, Hello};
use crate::clock;
use crate::report::{Check, Rate, Report};
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const KINDS: [&str; 5] = ["clap", "heart", "fire", "laugh", "think"];

/// What each watcher saw in the measured window.
#[derive(Default)]
struct Seen {
    /// `reactions` frames received, per watcher.
    frames: Vec<AtomicU64>,
    /// Shortest gap between two `reactions` frames at one watcher, µs.
    min_gap_us: AtomicU64,
    /// Reactions counted in the frames (summed over kinds), at watcher 0.
    counted_at_first: AtomicU64,
    sent: AtomicU64,
}

pub async fn run(ctx: Arc<Ctx>) -> anyhow::Result<Report> {
    let n = ctx.cli.clients.unwrap_or(1000);
    let rate = ctx.cli.rate.unwrap_or(2.0).max(0.1);
    anyhow::ensure!(n <= crate::cli::MAX_CLIENTS, "too many clients");
    let started = clock::now_us();
    let team = put_a_team_on_stage(&ctx).await?;
    let seen = Arc::new(Seen {
        frames: (0..n).map(|_| AtomicU64::new(0)).collect(),
        min_gap_us: AtomicU64::new(u64::MAX),
        ..Default::default()
    });
    let connected = Gate::new();
    let window = Arc::new(tokio::sync::watch::channel(None::<(u64, u64)>).0);
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (ctx, seen, connected, window) = (
            ctx.clone(),
            seen.clone(),
            connected.clone(),
            window.subscribe(),
        );
        tasks.push(tokio::spawn(async move {
            if let Err(err) = watcher(&ctx, i, rate, &seen, &connected, window).await {
                ctx.rec.add("clients_failed", 1);
                if ctx.rec.get("clients_failed") <= 3 {
                    eprintln!("watcher {i}: {err:#}");
                }
                connected.fail();
            }
        }));
    }
    let ready = connected.wait_for(n, Duration::from_secs(120)).await;
    eprintln!("reactions: {ready}/{n} watchers, team {team} on stage");
    let start = clock::now_us() + (ctx.cli.warmup * 1e6) as u64;
    let stop = start + (ctx.cli.duration * 1e6) as u64;
    let _ = window.send(Some((start, stop)));
    clock::sleep_until_us(start).await;
    let t0 = ctx.elapsed();
    clock::sleep_until_us(stop).await;
    let t1 = ctx.elapsed();
    // Frames of the window's last second arrive a moment later.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for task in tasks {
        task.abort();
    }

    let secs = ctx.cli.duration;
    let mut report = ctx.report("r1_reactions", started, n);
    report.clients_connected = ready;
    report.measured_secs = secs;
    report.params = json!({"watchers": n, "reactions_per_s_each": rate});
    ctx.finish(&mut report, (t0, t1));
    let per_watcher: Vec<f64> = seen
        .frames
        .iter()
        .map(|c| c.load(Ordering::Relaxed) as f64 / secs)
        .collect();
    let most = per_watcher.iter().copied().fold(0.0, f64::max);
    let least = per_watcher.iter().copied().fold(f64::INFINITY, f64::min);
    let gap_ms = seen.min_gap_us.load(Ordering::Relaxed) as f64 / 1000.0;
    let sent = seen.sent.load(Ordering::Relaxed) as f64;
    report.rates.push(Rate {
        name: "reactions sent".into(),
        target_per_s: n as f64 * rate,
        achieved_per_s: sent / secs,
    });
    report
        .server_extra
        .insert("reactions_frames_per_watcher_s_max".into(), most);
    report
        .server_extra
        .insert("reactions_frames_per_watcher_s_min".into(), least);
    report
        .server_extra
        .insert("reactions_shortest_gap_ms".into(), gap_ms);
    report.server_extra.insert(
        "reactions_counted_per_s_at_watcher_0".into(),
        seen.counted_at_first.load(Ordering::Relaxed) as f64 / secs,
    );
    report.checks.push(Check::new(
        "reactions frames per watcher",
        "under 2 a second",
        format!("{most:.2}/s at most, {least:.2}/s at least"),
        most < 2.0 && least > 0.0,
    ));
    report.checks.push(Check::new(
        "every watcher connected",
        &n.to_string(),
        ready.to_string(),
        ready == n,
    ));
    Ok(report)
}

/// Creates a team and puts it on stage; returns its id.
async fn put_a_team_on_stage(ctx: &Ctx) -> anyhow::Result<u64> {
    let invite = ctx.participant()?;
    let moderator = ctx
        .target
        .moderator
        .clone()
        .context("a moderator invite is needed: --moderator-invite or --links-from")?;
    let name = ctx.name("r1team", 0);
    let (mut member, _) = ctx
        .join(
            &ctx.opts(64 * 1024),
            Hello::Invite {
                token: &invite,
                name: &ctx.name("r1member", 0),
            },
        )
        .await?;
    let created = call(
        &mut member,
        json!({"type": "create_team", "name": name, "rid": 1}),
    )
    .await?;
    let team = created
        .get("team")
        .and_then(|t| t.get("id").or(Some(t)))
        .and_then(Value::as_u64);
    let (mut moderator, _) = ctx
        .join(
            &ctx.opts(64 * 1024),
            Hello::Invite {
                token: &moderator,
                name: &ctx.name("r1moderator", 0),
            },
        )
        .await?;
    // The team's id, from the public list a watcher gets when the ack does
    // not carry it.
    let team = match team {
        Some(id) => id,
        None => {
            let mut ws = client::connect(&ctx.opts(256 * 1024)).await?;
            let watching = watch_hello(&mut ws, ctx).await?;
            watching["teams"]
                .as_array()
                .and_then(|teams| teams.iter().find(|t| t["name"] == json!(name)))
                .and_then(|t| t["id"].as_u64())
                .context("the new team is not in the watchers' list")?
        }
    };
    call(
        &mut moderator,
        json!({"type": "pitch", "op": "set_order", "order": [team], "rid": 2}),
    )
    .await?;
    call(
        &mut moderator,
        json!({"type": "pitch", "op": "start", "rid": 3}),
    )
    .await?;
    // Both stay connected (the team stays on stage) until the run ends.
    tokio::spawn(async move {
        let _ = tokio::join!(drain(member), drain(moderator));
    });
    Ok(team)
}

async fn drain(mut ws: client::Ws) {
    while let Some(Ok(_)) = ws.next().await {}
}

/// Sends a request and returns its `ack` (or fails on its `error`).
async fn call(ws: &mut client::Ws, msg: Value) -> anyhow::Result<Value> {
    let rid = msg["rid"].as_u64().unwrap_or(0);
    ws.send(Message::text(msg.to_string())).await?;
    let wait = async {
        while let Some(frame) = ws.next().await {
            if let Message::Text(text) = frame? {
                let kind = client::kind(&text);
                if (kind == "ack" || kind == "error")
                    && client::number_after(&text, r#""rid":"#) == Some(rid)
                {
                    if kind == "error" {
                        bail!("{msg} refused: {text}");
                    }
                    return Ok(serde_json::from_str(&text)?);
                }
            }
        }
        bail!("connection ended waiting for the answer to {msg}")
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .context("no answer in 10 s")?
}

/// Says `hello` as a watcher and returns the `watching` frame.
async fn watch_hello(ws: &mut client::Ws, ctx: &Ctx) -> anyhow::Result<Value> {
    let mut hello = json!({"type": "hello", "protocol": 2, "watch": true});
    if let Some(event) = &ctx.cli.event {
        hello["event"] = event.as_str().into();
    }
    ws.send(Message::text(hello.to_string())).await?;
    let wait = async {
        while let Some(frame) = ws.next().await {
            if let Message::Text(text) = frame? {
                match client::kind(&text) {
                    "watching" => return Ok(serde_json::from_str(&text)?),
                    "error" => bail!("watch refused: {text}"),
                    _ => {}
                }
            }
        }
        bail!("connection ended during hello")
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .context("no watching frame within 60 s")?
}

/// One watcher: connects, then within the window reacts at `rate` and counts
/// the `reactions` frames it receives.
async fn watcher(
    ctx: &Ctx,
    i: usize,
    rate: f64,
    seen: &Seen,
    connected: &Gate,
    mut window: tokio::sync::watch::Receiver<Option<(u64, u64)>>,
) -> anyhow::Result<()> {
    let mut ws = {
        let _permit = ctx.handshakes.acquire().await?;
        let mut ws = client::connect(&ctx.opts(64 * 1024)).await?;
        watch_hello(&mut ws, ctx).await?;
        ws
    };
    connected.arrive();
    let (start, stop) = loop {
        if let Some(w) = *window.borrow_and_update() {
            break w;
        }
        tokio::select! {
            changed = window.changed() => changed?,
            frame = ws.next() => if !matches!(frame, Some(Ok(_))) { bail!("watcher connection ended") },
        }
    };
    let period = (1e6 / rate) as u64;
    let mut next = start + super::phase_us(i, period);
    let mut last_frame: Option<u64> = None;
    loop {
        let now = clock::now_us();
        if now >= stop + 1_400_000 {
            return Ok(());
        }
        while next <= now && next < stop {
            let kind = KINDS[(i + (next / period) as usize) % KINDS.len()];
            ws.send(Message::text(
                json!({"type": "react", "reaction": kind}).to_string(),
            ))
            .await?;
            seen.sent.fetch_add(1, Ordering::Relaxed);
            next += period;
        }
        let wake = if next < stop { next } else { stop + 1_400_000 };
        let sleep = Duration::from_micros(wake.saturating_sub(clock::now_us()));
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let at = clock::now_us();
                    match client::kind(&text) {
                        "reactions" if at >= start && at < stop + 1_000_000 => {
                            // Frames for the window's seconds (the last one
                            // may come up to a second after it).
                            if at < stop {
                                if let Some(count) = seen.frames.get(i) {
                                    count.fetch_add(1, Ordering::Relaxed);
                                }
                                if i == 0 {
                                    let msg: Value = serde_json::from_str(&text)?;
                                    let total: u64 = msg["counts"]
                                        .as_object()
                                        .map(|c| c.values().filter_map(Value::as_u64).sum())
                                        .unwrap_or(0);
                                    seen.counted_at_first.fetch_add(total, Ordering::Relaxed);
                                }
                            }
                            if let Some(last) = last_frame.replace(at) {
                                seen.min_gap_us.fetch_min(at - last, Ordering::Relaxed);
                            }
                        }
                        "error" => {
                            client::on_error(&ctx.rec, &text);
                        }
                        _ => {}
                    }
                }
                Some(Ok(_)) => {}
                other => {
                    client::record_end(&ctx.rec, other);
                    bail!("watcher connection ended");
                }
            },
        }
    }
}
