//! S5 reconnect storm: N participants join; then each drops its connection
//! (abruptly, no close handshake) at a random moment within one second and
//! at once reconnects with `hello{resume, last_seq}`.
//!
//! Checks: every client resumed (`welcome.resumed`) within 5 s of the storm's
//! start; nobody saw `person_left`/`person_joined` for a resumed avatar; a
//! fresh observer's `welcome.people` lists exactly the clients plus itself.

use super::{Ctx, Gate, idle_until, scrape_metrics};
use crate::client::{self, Hello};
use crate::clock;
use crate::report::{Check, Report};
use futures_util::StreamExt;
use rand::Rng;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub async fn run(ctx: Arc<Ctx>) -> anyhow::Result<Report> {
    let n = ctx.cli.clients.unwrap_or(1000);
    let invite = ctx.participant()?;
    let started = clock::now_us();
    let joined = Gate::new();
    let resumed = Gate::new();
    let stop = Gate::new();
    let last_resume = Arc::new(AtomicU64::new(0));
    let ids = Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (ctx, invite, joined, resumed, stop, last_resume, ids) = (
            ctx.clone(),
            invite.clone(),
            joined.clone(),
            resumed.clone(),
            stop.clone(),
            last_resume.clone(),
            ids.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client(
                i,
                &ctx,
                &invite,
                &joined,
                &resumed,
                &stop,
                &last_resume,
                &ids,
            )
            .await;
            if let Err(err) = r {
                ctx.rec.add("clients_failed", 1);
                if ctx.rec.get("clients_failed") <= 3 {
                    eprintln!("client {i}: {err:#}");
                }
                joined.fail();
                resumed.fail();
            }
        }));
    }
    let ready = joined.wait_for(n, Duration::from_secs(300)).await;
    tokio::time::sleep(Duration::from_secs_f64(ctx.cli.warmup)).await;
    eprintln!("s5: {ready}/{n} joined; storm");
    let storm = clock::now_us() + 100_000;
    let window_from = ctx.elapsed();
    joined.open(storm);
    let back = resumed.wait_for(ready, Duration::from_secs(30)).await;
    let all_back_secs = last_resume.load(Ordering::Relaxed).saturating_sub(storm) as f64 / 1e6;
    tokio::time::sleep(Duration::from_secs(1)).await;
    // A fresh observer: who is on the map?
    let observer = ctx.opts(64 * 1024);
    let seen = match ctx
        .join(
            &observer,
            Hello::Invite {
                token: &invite,
                name: &ctx.name("observer", 0),
            },
        )
        .await
    {
        Ok((ws, welcome)) => {
            drop(ws);
            Some((
                welcome.you.id,
                welcome.people.iter().map(|p| p.id).collect::<BTreeSet<_>>(),
            ))
        }
        Err(err) => {
            eprintln!("observer: {err:#}");
            None
        }
    };
    let metrics = scrape_metrics(&ctx.target.http).await;
    let window_to = ctx.elapsed();
    stop.open(clock::now_us());
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    let mut report = ctx.report("s5_reconnect_storm", started, n);
    report.clients_connected = ready;
    report.measured_secs = all_back_secs;
    ctx.finish(&mut report, (window_from, window_to));
    let ids = ids.lock().map(|s| s.clone()).unwrap_or_default();
    report.counters.insert("resumed".into(), back as u64);
    report.checks.push(Check::new(
        "all resumed within 5 s",
        &format!("{ready} in ≤ 5 s"),
        format!("{back} in {all_back_secs:.2} s"),
        back == ready && ready == n && all_back_secs <= 5.0,
    ));
    let churn = ctx.rec.get("person_left_seen") + ctx.rec.get("person_joined_seen_during_storm");
    report.checks.push(Check::new(
        "no leave/join churn",
        "0 person_left / person_joined frames",
        format!("{churn}"),
        churn == 0,
    ));
    match seen {
        Some((me, people)) => {
            let ghosts = people
                .iter()
                .filter(|p| **p != me && !ids.contains(p))
                .count();
            let missing = ids.iter().filter(|p| !people.contains(p)).count();
            report
                .counters
                .insert("observer_people".into(), people.len() as u64);
            report.checks.push(Check::new(
                "no ghost avatars",
                &format!("people = {} clients + observer", ids.len()),
                format!(
                    "{} people, {ghosts} ghosts, {missing} missing",
                    people.len()
                ),
                ghosts == 0 && missing == 0 && people.len() == ids.len() + 1,
            ));
        }
        None => report.checks.push(Check::new(
            "no ghost avatars",
            "observer joins",
            "observer could not join".into(),
            false,
        )),
    }
    if let Some(open) = metrics.get("amphi_connections_open") {
        report
            .server_extra
            .insert("connections_open_after".into(), *open);
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn client(
    i: usize,
    ctx: &Ctx,
    invite: &str,
    joined: &Gate,
    resumed: &Gate,
    stop: &Gate,
    last_resume: &AtomicU64,
    ids: &std::sync::Mutex<BTreeSet<u32>>,
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
    let session = welcome
        .session
        .ok_or_else(|| anyhow::anyhow!("no session token in welcome"))?;
    if let Ok(mut ids) = ids.lock() {
        ids.insert(welcome.you.id);
    }
    let last_seq = welcome.last_seq;
    joined.arrive();
    let storm = idle_until(&mut ws, rec, joined.opened()).await?;
    let offset = rand::rng().random_range(0..1_000_000u64);
    // Keep reading until my drop time.
    idle_until(&mut ws, rec, clock::sleep_until_us(storm + offset)).await?;
    let dropped = clock::now_us();
    drop(ws); // abrupt: no close frame
    // Reconnect at once (no handshake permit: the storm is the point).
    let mut ws = client::connect(&opts).await?;
    let welcome = client::hello(
        &mut ws,
        ctx.cli.event.as_deref(),
        Hello::Resume {
            session: &session,
            last_seq,
        },
        rec,
    )
    .await?;
    let now = clock::now_us();
    rec.lat("resume").record(now.saturating_sub(dropped));
    if !welcome.resumed {
        rec.add("welcome_not_resumed", 1);
    }
    last_resume.fetch_max(now, Ordering::Relaxed);
    resumed.arrive();
    let stopped = stop.opened();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => match client::kind(&text) {
                    "person_left" => rec.add("person_left_seen", 1),
                    "person_joined" if !text.contains(r#""name":"observer-"#) => {
                        rec.add("person_joined_seen_during_storm", 1)
                    }
                    "error" => {
                        client::on_error(rec, &text);
                    }
                    _ => {}
                },
                Some(Ok(Message::Close(_)) | Err(_)) | None => {
                    client::record_end(rec, frame);
                    break;
                }
                Some(Ok(_)) => {}
            }
        }
    }
    let _ = ws.close(None).await;
    Ok(())
}
