//! S1 positions: avatars step back and forth between two tiles at a fixed
//! rate (open loop), 400 of them in the amphitheatre, 140 at the 20 team
//! tables, the rest in the hall.
//! With `--walk LEN` they walk back and forth with one `walk` message per
//! leg instead (see [`super::s1_walking`]).
//!
//! - **move→seen**: from the step's *intended* send time to the first
//!   `positions` batch showing the mover on the new tile (its own batch, the
//!   same frame every reader of the room gets).
//! - **tick→receive**: exact when the server puts `"t"` (server ms) in the
//!   batches; otherwise estimated from the tick grid: the server ticks on a
//!   fixed period, so the grid's phase is where receive times (mod period)
//!   begin after their largest empty gap. Then tick→receive = (receive −
//!   phase) mod period, which cannot see delays over one period.

use super::s1_walking as walking;
use super::{Ctx, Gate, delta, idle_until, phase_us, scrape_metrics};
use crate::client::{self, Hello, VenueView, Ws};
use crate::clock;
use crate::report::{Check, Rate, Report};
use anyhow::bail;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Receive times of batches without a server timestamp, for the phase estimate.
type Arrivals = Arc<Mutex<Vec<u64>>>;

pub async fn run(ctx: Arc<Ctx>) -> anyhow::Result<Report> {
    let n = ctx.cli.clients.unwrap_or(2000);
    let rate = ctx.cli.rate.unwrap_or(10.0);
    let invite = ctx.participant()?;
    let started = clock::now_us();
    let joined = Gate::new();
    let go = Gate::new();
    let arrivals: Arrivals = Arc::default();
    let tick_hz = Arc::new(AtomicU32::new(0));
    let phases = Arc::new(AtomicU32::new(1));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (ctx, invite, joined, go, arrivals, tick_hz, phases) = (
            ctx.clone(),
            invite.clone(),
            joined.clone(),
            go.clone(),
            arrivals.clone(),
            tick_hz.clone(),
            phases.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let result = client(
                i, &ctx, &invite, &joined, &go, rate, &arrivals, &tick_hz, &phases,
            )
            .await;
            if let Err(err) = result {
                ctx.rec.add("clients_failed", 1);
                if ctx.rec.get("clients_failed") <= 3 {
                    eprintln!("client {i}: {err:#}");
                }
                joined.fail();
            }
        }));
    }
    let ready = joined.wait_for(n, Duration::from_secs(300)).await;
    eprintln!(
        "s1: {ready}/{n} clients placed; warming up {} s",
        ctx.cli.warmup
    );
    let start = clock::now_us() + (ctx.cli.warmup * 1e6) as u64;
    let window_from = ctx.elapsed() + ctx.cli.warmup;
    go.open(start);
    clock::sleep_until_us(start).await;
    let before = scrape_metrics(&ctx.target.http).await;
    clock::sleep_until_us(start + (ctx.cli.duration * 1e6) as u64).await;
    let after = scrape_metrics(&ctx.target.http).await;
    let window_to = ctx.elapsed();
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }

    let mut report = ctx.report("s1_positions", started, n);
    report.clients_connected = ready;
    report.measured_secs = ctx.cli.duration;
    report.params = serde_json::json!({
        "rate_per_client": rate, "amphi": ctx.cli.amphi, "tables": ctx.cli.tables,
        "hall": n.saturating_sub(ctx.cli.amphi + ctx.cli.tables),
        "walk_leg_tiles": ctx.cli.walk,
    });
    let hz = tick_hz.load(Ordering::Relaxed).max(1);
    let estimated = {
        let times = arrivals.lock().map(|a| a.clone()).unwrap_or_default();
        let period = 1_000_000 / u64::from(hz);
        let est = estimate_tick_latencies(&times, period);
        let lat = ctx.rec.lat("tick_to_receive_est");
        lat.record_all(&est);
        !times.is_empty()
    };
    ctx.finish(&mut report, (window_from, window_to));
    let sent = ctx.rec.get("steps_sent") as f64;
    report.rates.push(Rate {
        name: "steps".into(),
        target_per_s: rate * ready as f64,
        achieved_per_s: sent / ctx.cli.duration,
    });
    if let Some(len) = ctx.cli.walk {
        report.rates.push(Rate {
            name: "walk messages".into(),
            target_per_s: rate * ready as f64 / len.max(1) as f64,
            achieved_per_s: ctx.rec.get("walks_sent") as f64 / ctx.cli.duration,
        });
    }
    let ticks = delta(&before, &after, "amphi_tick_duration_seconds_count");
    let tick_sum = delta(&before, &after, "amphi_tick_duration_seconds_sum");
    report
        .server_extra
        .insert("ticks_per_s".into(), ticks / ctx.cli.duration);
    if ticks > 0.0 {
        report
            .server_extra
            .insert("tick_mean_ms".into(), 1000.0 * tick_sum / ticks);
    }
    report.server_extra.insert(
        "positions_coalesced".into(),
        delta(&before, &after, "amphi_positions_coalesced_total"),
    );
    let move_seen = report
        .latencies
        .get("move_to_seen")
        .cloned()
        .unwrap_or_default();
    report.checks.push(Check::new(
        "move→seen p99",
        "≤ 150 ms",
        format!("{:.1} ms", move_seen.p99_ms),
        move_seen.count > 0 && move_seen.p99_ms <= 150.0,
    ));
    let exact = report
        .latencies
        .get("tick_to_receive")
        .map(|l| l.count)
        .unwrap_or(0);
    let tick_name = if exact > 0 {
        "tick_to_receive"
    } else {
        "tick_to_receive_est"
    };
    let tick = report.latencies.get(tick_name).cloned().unwrap_or_default();
    report.checks.push(Check::new(
        "tick→receive p99",
        "≤ 20 ms",
        format!("{:.1} ms ({tick_name})", tick.p99_ms),
        tick.count > 0 && tick.p99_ms <= 20.0,
    ));
    let groups = phases.load(Ordering::Relaxed).max(1);
    let expected_ticks = f64::from(hz * groups) * ctx.cli.duration;
    report.checks.push(Check::new(
        "hub keeps its tick (under one core)",
        "≥ 95% of ticks run",
        format!("{ticks:.0} of {expected_ticks:.0}"),
        ticks >= 0.95 * expected_ticks,
    ));
    if estimated {
        report.notes.push(
            "positions frames carry no server timestamp: tick→receive is estimated from the tick grid (mod one period)"
                .into(),
        );
    }
    Ok(report)
}

/// A step sent and not yet seen.
struct Pending {
    intended: u64,
    to_b: bool,
}

#[derive(Deserialize)]
struct RoomChanged {
    id: u32,
    x: i64,
    y: i64,
}

#[allow(clippy::too_many_arguments)]
async fn client(
    i: usize,
    ctx: &Ctx,
    invite: &str,
    joined: &Gate,
    go: &Gate,
    rate: f64,
    arrivals: &Arrivals,
    tick_hz: &AtomicU32,
    phases: &AtomicU32,
) -> anyhow::Result<()> {
    let rec = &ctx.rec;
    let opts = ctx.opts(16 * 1024);
    let name = ctx.name("lg", i);
    let (mut ws, welcome) = ctx
        .join(
            &opts,
            Hello::Invite {
                token: invite,
                name: &name,
            },
        )
        .await?;
    let sps = f64::from(welcome.limits.steps_per_second);
    if ctx.cli.walk.is_some() && sps != rate {
        bail!("--walk needs the server's steps_per_second ({sps}) equal to --rate ({rate})");
    }
    tick_hz.store(welcome.limits.tick_hz, Ordering::Relaxed);
    phases.store(welcome.limits.tick_phases, Ordering::Relaxed);
    let id = welcome.you.id;
    let mut tile = welcome
        .people
        .iter()
        .find(|p| p.id == id)
        .map(|p| (p.x, p.y))
        .ok_or_else(|| anyhow::anyhow!("welcome does not list my avatar"))?;
    let (amphi, tables) = (ctx.cli.amphi, ctx.cli.tables);
    let room = if i < amphi {
        Some("amphi".to_string())
    } else if i < amphi + tables {
        Some(format!("table-{:02}", (i - amphi) / 7 + 1))
    } else {
        None
    };
    if let Some(room) = room {
        let msg = serde_json::json!({"type": "teleport", "room": room, "rid": 1});
        ws.send(Message::text(msg.to_string())).await?;
        tile = await_teleport(&mut ws, ctx, id).await?;
    }
    let venue = ctx.venue(&welcome).await?;
    let dir = probe(&mut ws, ctx, venue, tile).await?;
    if let Some(len) = ctx.cli.walk {
        let home = venue.room_at(tile.0, tile.1);
        let same_room = |t: (i64, i64)| venue.room_at(t.0, t.1) == home;
        let seg = walking::probe_segment(&mut ws, ctx, same_room, tile, dir, len, rate).await?;
        joined.arrive();
        let start = idle_until(&mut ws, rec, go.opened()).await?;
        let period = (1e6 / rate) as u64;
        let end = start + (ctx.cli.duration * 1e6) as u64;
        let first = start + phase_us(i, period);
        let mut local_arrivals = Vec::new();
        walking::walk_loop(
            &mut ws,
            rec,
            id,
            seg,
            first,
            period,
            end,
            &mut local_arrivals,
        )
        .await?;
        if let Ok(mut all) = arrivals.lock() {
            all.extend(local_arrivals.iter().filter(|t| **t >= start && **t < end));
        }
        let _ = ws.close(None).await;
        return Ok(());
    }
    joined.arrive();
    let start = idle_until(&mut ws, rec, go.opened()).await?;

    let home_room = venue.room_at(tile.0, tile.1);
    let (mut a, mut dir) = (tile, dir);
    let mut b = (a.0 + dir.0, a.1 + dir.1);
    // Where the server has the avatar, from the answers to every step (acks
    // and errors come back in order).
    let mut server_at = a;
    let mut inflight: VecDeque<(u64, (i64, i64))> = VecDeque::new();
    let mut resyncs = 0u32;
    let pattern = format!("[{id},");
    let period = (1e6 / rate) as u64;
    let end = start + (ctx.cli.duration * 1e6) as u64;
    let mut next = start + phase_us(i, period);
    let mut at_b = false;
    let mut rid: u64 = 100;
    let mut pending: VecDeque<(u64, Pending)> = VecDeque::new();
    let mut refused_after: Option<u64> = None;
    let mut local_arrivals = Vec::new();
    let move_seen = rec.lat("move_to_seen");
    let tick_lat = rec.lat("tick_to_receive");
    let sent = rec.counter("steps_sent");
    // After the last step: wait (at most 3 s) until every step was seen.
    let drain_until = end + 3_000_000;
    loop {
        // After a refusal, wait for every step in flight to be answered, then
        // start again from where the server has the avatar.
        if refused_after.is_some() && inflight.is_empty() && resyncs < 5 {
            resyncs += 1;
            rec.add("resyncs_after_refusal", 1);
            refused_after = None;
            if venue.room_at(server_at.0, server_at.1) != home_room {
                rec.add("clients_left_home_room", 1);
                resyncs = 5;
                refused_after = Some(rid);
            }
            a = server_at;
            if venue.room_at(a.0 + dir.0, a.1 + dir.1) != home_room {
                dir = (-dir.0, -dir.1);
            }
            b = (a.0 + dir.0, a.1 + dir.1);
            at_b = false;
            let now = clock::now_us();
            while next < now {
                next += period;
                rec.add("steps_skipped_resync", 1);
            }
        }
        let sending = next < end && refused_after.is_none();
        if next >= end && pending.is_empty() && inflight.is_empty() {
            break;
        }
        let wake = if sending { next } else { drain_until };
        tokio::select! {
            biased;
            _ = clock::sleep_until_us(wake) => {
                if !sending {
                    if next < end && clock::now_us() < end { continue; }
                    break;
                }
                rid += 1;
                let (dx, dy) = if at_b { (-dir.0, -dir.1) } else { dir };
                at_b = !at_b;
                let msg = format!(r#"{{"type":"step","dx":{dx},"dy":{dy},"rid":{rid}}}"#);
                ws.send(Message::text(msg)).await?;
                sent.fetch_add(1, Ordering::Relaxed);
                pending.push_back((rid, Pending { intended: next, to_b: at_b }));
                inflight.push_back((rid, (dx, dy)));
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
                    "positions" => {
                        let seen = read_positions(&text, now, rec, &tick_lat, &mut local_arrivals, &pattern);
                        if let Some(seen) = seen.filter(|s| *s == a || *s == b) {
                            resolve(&mut pending, seen == b, now, &move_seen, rec);
                        }
                    }
                    "ack" => {
                        if let Some(r) = client::number_after(&text, r#""rid":"#)
                            && inflight.front().is_some_and(|(f, _)| *f == r)
                            && let Some((_, (dx, dy))) = inflight.pop_front()
                        {
                            server_at = (server_at.0 + dx, server_at.1 + dy);
                        }
                    }
                    "error" => {
                        if let Some(r) = client::on_error(rec, &text)
                            && inflight.front().is_some_and(|(f, _)| *f == r)
                        {
                            inflight.pop_front();
                            // Refused (e.g. too_fast): the avatar did not move, so
                            // the steps sent after it go elsewhere. Forget them
                            // and resynchronize once they are all answered.
                            let dropped = pending.iter().filter(|(p, _)| *p >= r).count();
                            pending.retain(|(p, _)| *p < r);
                            rec.add("steps_refused_or_invalidated", dropped as u64);
                            refused_after = Some(r);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    rec.add("steps_unseen", pending.len() as u64);
    if resyncs >= 5 {
        rec.add("clients_stopped_after_refusals", 1);
    }
    if let Ok(mut all) = arrivals.lock() {
        all.extend(local_arrivals.iter().filter(|t| **t >= start && **t < end));
    }
    let _ = ws.close(None).await;
    Ok(())
}

/// Marks the oldest pending step that leads to the seen tile as seen, and every
/// older one with it (they were applied before it, their tile was overwritten).
fn resolve(
    pending: &mut VecDeque<(u64, Pending)>,
    seen_b: bool,
    now: u64,
    lat: &crate::recorder::Lat,
    rec: &crate::recorder::Recorder,
) {
    let Some(k) = pending.iter().position(|(_, p)| p.to_b == seen_b) else {
        return;
    };
    for (_, p) in pending.drain(..=k) {
        lat.record(now.saturating_sub(p.intended));
        rec.add("steps_seen", 1);
    }
}

/// Counts a `positions` frame received at `now` and its tick→receive delay
/// (or keeps its arrival time when it has no server time), and returns the
/// tile it shows the avatar whose entries start with `pattern` (`[id,`) on.
pub(super) fn read_positions(
    text: &str,
    now: u64,
    rec: &crate::recorder::Recorder,
    tick_lat: &crate::recorder::Lat,
    local_arrivals: &mut Vec<u64>,
    pattern: &str,
) -> Option<(i64, i64)> {
    rec.add("positions_frames", 1);
    rec.add("positions_bytes", text.len() as u64);
    match client::number_after(text, r#""t":"#) {
        Some(t_ms) => tick_lat.record(now.saturating_sub(t_ms * 1000)),
        None => local_arrivals.push(now),
    }
    // Only in the entries: `"area":[8,…]` would match `[8,`.
    let entries = text.find(r#""p":["#).map_or("", |at| &text[at..]);
    let pos = entries.find(pattern)?;
    parse_xy(&entries[pos + pattern.len()..])
}

/// Parses `x,y]` after the id in a `[id,x,y]` triple.
fn parse_xy(rest: &str) -> Option<(i64, i64)> {
    let end = rest.find(']')?;
    let (x, y) = rest[..end].split_once(',')?;
    Some((x.parse().ok()?, y.parse().ok()?))
}

/// Waits for the teleport's ack (rid 1) and the `room_changed` of my avatar.
async fn await_teleport(ws: &mut Ws, ctx: &Ctx, id: u32) -> anyhow::Result<(i64, i64)> {
    let mut tile = None;
    let mut acked = false;
    let wait = async {
        while let Some(frame) = ws.next().await {
            let Message::Text(text) = frame? else {
                continue;
            };
            match client::kind(&text) {
                "room_changed" => {
                    let rc: RoomChanged = serde_json::from_str(&text)?;
                    if rc.id == id {
                        tile = Some((rc.x, rc.y));
                    }
                }
                "ack" if client::number_after(&text, r#""rid":"#) == Some(1) => acked = true,
                "error" => {
                    client::on_error(&ctx.rec, &text);
                    bail!("teleport refused");
                }
                _ => {}
            }
            if let (true, Some(tile)) = (acked, tile) {
                return Ok(tile);
            }
        }
        bail!("connection ended during teleport")
    };
    tokio::time::timeout(Duration::from_secs(60), wait).await?
}

/// Finds a direction in which a step stays in the same room and is allowed:
/// steps there and back (closed loop, before measuring).
async fn probe(
    ws: &mut Ws,
    ctx: &Ctx,
    venue: &VenueView,
    at: (i64, i64),
) -> anyhow::Result<(i64, i64)> {
    let home = venue.room_at(at.0, at.1);
    let mut rid = 10;
    for dir in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
        if venue.room_at(at.0 + dir.0, at.1 + dir.1) != home {
            continue;
        }
        rid += 1;
        if step_and_wait(ws, ctx, dir, rid).await? {
            rid += 1;
            if step_and_wait(ws, ctx, (-dir.0, -dir.1), rid).await? {
                // Let the rate limiter's burst refill before measuring.
                return Ok(dir);
            }
            bail!("could not step back during the probe");
        }
    }
    bail!("no free tile next to ({}, {})", at.0, at.1)
}

/// One step with a rid; true on ack, false on a refusal.
pub(super) async fn step_and_wait(
    ws: &mut Ws,
    ctx: &Ctx,
    (dx, dy): (i64, i64),
    rid: u64,
) -> anyhow::Result<bool> {
    let msg = format!(r#"{{"type":"step","dx":{dx},"dy":{dy},"rid":{rid}}}"#);
    ws.send(Message::text(msg)).await?;
    let wait = async {
        while let Some(frame) = ws.next().await {
            let Message::Text(text) = frame? else {
                continue;
            };
            match client::kind(&text) {
                "ack" if client::number_after(&text, r#""rid":"#) == Some(rid) => return Ok(true),
                "error" if client::number_after(&text, r#""rid":"#) == Some(rid) => {
                    let code = serde_json::from_str::<client::ErrorFrame>(&text)
                        .map(|e| e.code)
                        .unwrap_or_default();
                    // Walls and the reserved stage are part of the probe.
                    if code != "blocked" && code != "stage_reserved" {
                        ctx.rec.error(&code);
                    }
                    return Ok(false);
                }
                _ => {}
            }
        }
        bail!("connection ended during the probe")
    };
    tokio::time::timeout(Duration::from_secs(60), wait).await?
}

/// tick→receive estimates from arrival times (µs) and the tick period (µs):
/// the grid's phase is the end of the largest empty arc of `t mod period`.
pub fn estimate_tick_latencies(times: &[u64], period: u64) -> Vec<u64> {
    if times.is_empty() || period == 0 {
        return Vec::new();
    }
    const BINS: usize = 1000;
    let bin_us = (period / BINS as u64).max(1);
    let mut bins = vec![0u32; BINS];
    for t in times {
        let b = ((t % period) / bin_us) as usize;
        if let Some(c) = bins.get_mut(b.min(BINS - 1)) {
            *c += 1;
        }
    }
    // Largest circular run of empty bins; the phase is the first bin after it.
    let (mut best_len, mut best_end, mut run) = (0usize, 0usize, 0usize);
    for k in 0..2 * BINS {
        if bins[k % BINS] == 0 {
            run += 1;
            if run > best_len && run <= BINS {
                best_len = run;
                best_end = (k + 1) % BINS;
            }
        } else {
            run = 0;
        }
    }
    let phase = best_end as u64 * bin_us;
    times
        .iter()
        .map(|t| (t % period + period - phase) % period)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_latency_from_the_tick_grid() {
        // Ticks at 30 ms + k·100 ms, latencies 1–5 ms.
        let times: Vec<u64> = (0..100u64)
            .map(|k| 30_000 + k * 100_000 + 1_000 + (k % 5) * 1_000)
            .collect();
        let est = estimate_tick_latencies(&times, 100_000);
        assert!(est.iter().all(|l| *l <= 5_000), "{est:?}");
    }

    #[test]
    fn parses_triples() {
        assert_eq!(parse_xy("12,9],[4,1,1]]}"), Some((12, 9)));
        assert_eq!(parse_xy("12"), None);
    }
}
