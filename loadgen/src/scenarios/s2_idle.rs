//! S2 idle: N clients connect, join and stay idle (reading whatever comes);
//! the server's resident memory is read before the first connection and once
//! all are in, giving memory per connection.
//!
//! Spectators by default: they have no avatar, so joining costs the server
//! no `person_joined` broadcast; `--role participant` measures avatars too
//! (each join then fans out to everyone already in: O(N²) frames).

use super::{Ctx, Gate, idle_until};
use crate::client::Hello;
use crate::clock;
use crate::procstat;
use crate::report::{Check, Rate, Report};
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;

pub async fn run(ctx: Arc<Ctx>) -> anyhow::Result<Report> {
    let n = ctx.cli.clients.unwrap_or(10_000);
    let token = match ctx.cli.role.as_str() {
        "participant" => ctx.participant()?,
        _ => ctx
            .target
            .spectator
            .clone()
            .context("a spectator invite is needed: --spectator-invite or --links-from")?,
    };
    let pid = ctx.cli.server_pid;
    let base = pid.and_then(procstat::read);
    let me_base = procstat::read(std::process::id());
    let started = clock::now_us();
    let joined = Gate::new();
    let stop = Gate::new();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (ctx, token, joined, stop) = (ctx.clone(), token.clone(), joined.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let name = ctx.name("idle", i);
            let opts = ctx.opts(4 * 1024);
            match ctx.cli.stage.as_str() {
                "tcp" => {
                    match crate::client::connect_tcp(&opts).await {
                        Ok(socket) => {
                            joined.arrive();
                            stop.opened().await;
                            drop(socket);
                        }
                        Err(_) => joined.fail(),
                    }
                    return;
                }
                "ws" => {
                    match crate::client::connect(&opts).await {
                        Ok(ws) => {
                            joined.arrive();
                            stop.opened().await;
                            drop(ws);
                        }
                        Err(_) => joined.fail(),
                    }
                    return;
                }
                _ => {}
            }
            match ctx
                .join(
                    &opts,
                    Hello::Invite {
                        token: &token,
                        name: &name,
                    },
                )
                .await
            {
                Ok((mut ws, _)) => {
                    joined.arrive();
                    if idle_until(&mut ws, &ctx.rec, stop.opened()).await.is_err() {
                        ctx.rec.add("dropped_while_idle", 1);
                    }
                    let _ = ws.close(None).await;
                }
                Err(err) => {
                    if ctx.rec.get("connect_failed") <= 3 {
                        eprintln!("idle client {i}: {err:#}");
                    }
                    joined.fail();
                }
            }
        }));
    }
    let connect_started = std::time::Instant::now();
    let ready = joined.wait_for(n, Duration::from_secs(300)).await;
    let connect_secs = connect_started.elapsed().as_secs_f64();
    eprintln!(
        "s2: {ready}/{n} connected in {connect_secs:.1} s; holding {} s",
        ctx.cli.duration
    );
    let window_from = ctx.elapsed();
    tokio::time::sleep(Duration::from_secs_f64(ctx.cli.duration)).await;
    let loaded = pid.and_then(procstat::read);
    let me_loaded = procstat::read(std::process::id());
    let window_to = ctx.elapsed();
    stop.open(clock::now_us());
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    let mut report = ctx.report("s2_idle", started, n);
    report.clients_connected = ready;
    report.measured_secs = ctx.cli.duration;
    report.params = serde_json::json!({"role": ctx.cli.role, "stage": ctx.cli.stage});
    ctx.finish(&mut report, (window_from, window_to));
    report.rates.push(Rate {
        name: "connections opened".into(),
        target_per_s: 0.0,
        achieved_per_s: ready as f64 / connect_secs.max(1e-3),
    });
    let per_conn = |a: Option<procstat::Reading>, b: Option<procstat::Reading>, anon: bool| {
        let (a, b) = (a?, b?);
        let (x, y) = if anon {
            (a.rss_anon_kib, b.rss_anon_kib)
        } else {
            (a.rss_kib, b.rss_kib)
        };
        Some(1024.0 * (y as f64 - x as f64) / ready.max(1) as f64)
    };
    let extra = &mut report.server_extra;
    if let (Some(b), Some(l)) = (base, loaded) {
        extra.insert("rss_kib_before".into(), b.rss_kib as f64);
        extra.insert("rss_kib_loaded".into(), l.rss_kib as f64);
        extra.insert("threads".into(), l.threads as f64);
    }
    let server_bytes = per_conn(base, loaded, false);
    if let Some(v) = server_bytes {
        extra.insert("rss_bytes_per_connection".into(), v);
    }
    if let Some(v) = per_conn(base, loaded, true) {
        extra.insert("rss_anon_bytes_per_connection".into(), v);
    }
    if let Some(v) = per_conn(me_base, me_loaded, false) {
        extra.insert("loadgen_rss_bytes_per_connection".into(), v);
    }
    extra.insert("connect_secs".into(), connect_secs);
    report.checks.push(Check::new(
        "all connected",
        &format!("{n}"),
        format!("{ready}"),
        ready == n,
    ));
    report.checks.push(Check::new(
        "server memory per connection",
        "≤ 10 KB",
        server_bytes
            .map(|v| format!("{:.1} KB", v / 1000.0))
            .unwrap_or_else(|| "unknown (no --server-pid)".into()),
        server_bytes.is_some_and(|v| v <= 10_000.0),
    ));
    Ok(report)
}
