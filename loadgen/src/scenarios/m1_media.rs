//! M1 and M2, voice and video through the media server with media clients
//! of our own (str0m, no browsers; see `media_client`).
//!
//! - M1, tables: `--groups` tables of `--group-size` people (default 30 × 6,
//!   on the campus map's tables); everyone sends Opus-sized audio at 50
//!   frames/s and `--video-kbps` of video (default 500) and receives their
//!   table.
//! - M2, fan-out: one sender (`--video-kbps`, default 1500, plus audio) and
//!   `--clients` receivers (default 400), all in one conversation: the
//!   server must run with bubbles wide enough to hold everyone in the hall
//!   (`[media] bubble_radius = 1000`, `bubble_max = 2000`), standing in for
//!   the stage.
//! - M3, the stage: the moderator (a speaker wherever they stand in the
//!   amphitheatre) sends as in M2 to `--clients` receivers who all teleport
//!   into the amphitheatre (`amphi`, the campus map's; its capacity must
//!   hold them); every `1/--constrained-fraction`-th receiver is on a
//!   constrained link (`--constrained-kbps`: its client drops the RTP
//!   packets over that rate before str0m sees them, as a full link would).
//!   Delay and loss are measured on the other receivers (the point: a poor
//!   link must not slow anyone else); the constrained ones' share is
//!   reported apart. One layer: no simulcast.
//!
//! Reported: server CPU, forwarded Mbit/s (from `/metrics`), forwarding
//! delay (sender's intended send time → receiver's receive, one clock), and
//! loss (frames sent in the window that never arrived).

use super::{Ctx, Gate, scrape_metrics};
use crate::client::Hello;
use crate::clock;
use crate::media_client::{MediaClient, MediaRec, Publish};
use crate::report::{Check, Rate, Report};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Opus at 50 frames/s, about 40 kbit/s.
const AUDIO_BYTES: usize = 100;
const AUDIO_FPS: u32 = 50;
/// Video frames a second.
const VIDEO_FPS: u32 = 30;
/// Bytes a media client's WebSocket reads at a time (see `Client::run`).
const MEDIA_WS_READ_BUFFER: usize = 4 * 1024;

/// Which shape of load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Tables,
    FanOut,
    Stage,
}

pub async fn run(ctx: Arc<Ctx>, shape: Shape) -> anyhow::Result<Report> {
    let invite = ctx.participant()?;
    let (groups, size, kbps) = match shape {
        Shape::Tables => (
            ctx.cli.groups,
            ctx.cli.group_size.max(2),
            ctx.cli.video_kbps.unwrap_or(500),
        ),
        Shape::FanOut | Shape::Stage => (
            1,
            ctx.cli.clients.unwrap_or(400) + 1,
            ctx.cli.video_kbps.unwrap_or(1500),
        ),
    };
    let n = groups * size;
    anyhow::ensure!(
        n <= crate::cli::MAX_CLIENTS,
        "at most {} clients",
        crate::cli::MAX_CLIENTS
    );
    let publish = Publish {
        audio_fps: AUDIO_FPS,
        audio_bytes: AUDIO_BYTES,
        video_fps: VIDEO_FPS,
        video_bytes: (kbps as usize * 1000 / 8 / VIDEO_FPS as usize).max(64),
    };
    let started = clock::now_us();
    let media = MediaRec::new(&ctx.rec, n);
    let moderator = match shape {
        Shape::Stage => Some(ctx.target.moderator.clone().ok_or_else(|| {
            anyhow::anyhow!("a moderator invite is needed: --moderator-invite or --links-from")
        })?),
        _ => None,
    };
    // Every `every`-th receiver is on a constrained link (M3).
    let every = match shape {
        Shape::Stage if ctx.cli.constrained_fraction > 0.0 => {
            Some(((1.0 / ctx.cli.constrained_fraction).round() as usize).max(1))
        }
        _ => None,
    };
    let connected = Gate::new();
    let measure = Arc::new(tokio::sync::watch::channel(None::<(u64, u64, u64)>).0);
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let constrained =
            (i > 0 && every.is_some_and(|e| i % e == 0)).then_some(ctx.cli.constrained_kbps);
        let invite = match (&moderator, i) {
            (Some(moderator), 0) => moderator.clone(),
            _ => invite.clone(),
        };
        let (ctx, invite, connected, media, measure) = (
            ctx.clone(),
            invite,
            connected.clone(),
            media.clone(),
            measure.clone(),
        );
        let sends = shape == Shape::Tables || i == 0;
        let room = match shape {
            Shape::Tables => Some(format!("table-{:02}", i / size + 1)),
            Shape::FanOut => None,
            Shape::Stage => Some("amphi".to_string()),
        };
        tasks.push(tokio::spawn(async move {
            let client = Client {
                i,
                ctx: &ctx,
                invite: &invite,
                room,
                publish: sends.then_some(publish),
                media: &media,
                constrained,
            };
            if let Err(err) = client.run(&connected, &measure).await {
                ctx.rec.add("clients_failed", 1);
                if ctx.rec.get("clients_failed") <= 3 {
                    eprintln!("media client {i}: {err:#}");
                }
                connected.fail();
            }
        }));
        // Handshakes (WebSocket, ICE, DTLS) spread out a little.
        if i % 20 == 19 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let ready = connected.wait_for(n, Duration::from_secs(120)).await;
    eprintln!("media: {ready}/{n} connected");
    // Let the conversations settle (the hub decides them every 200 ms, then
    // renegotiates), then measure.
    let start = clock::now_us() + (ctx.cli.warmup * 1e6) as u64;
    let stop = start + (ctx.cli.duration * 1e6) as u64;
    let end = stop + 1_500_000;
    let _ = measure.send(Some((start, stop, end)));
    clock::sleep_until_us(start).await;
    let before = scrape_metrics(&ctx.target.http).await;
    let t0 = ctx.elapsed();
    clock::sleep_until_us(stop).await;
    let after = scrape_metrics(&ctx.target.http).await;
    let t1 = ctx.elapsed();
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(15), task).await;
    }

    let name = match shape {
        Shape::Tables => "m1_media_tables",
        Shape::FanOut => "m2_media_fanout",
        Shape::Stage => "m3_media_stage",
    };
    let mut report = ctx.report(name, started, n);
    report.clients_connected = ready;
    report.measured_secs = ctx.cli.duration;
    report.params = serde_json::json!({
        "groups": groups, "group_size": size, "video_kbps": kbps,
        "video_fps": VIDEO_FPS, "audio_fps": AUDIO_FPS, "audio_bytes": AUDIO_BYTES,
        "video_bytes": publish.video_bytes,
        "constrained_every": every, "constrained_kbps": ctx.cli.constrained_kbps,
    });
    ctx.finish(&mut report, (t0, t1));
    let secs = ctx.cli.duration;
    let forwarded =
        super::delta(&before, &after, "amphi_media_forwarded_bytes_total") * 8.0 / 1e6 / secs;
    report
        .server_extra
        .insert("forwarded_mbit_s".into(), forwarded);
    report.server_extra.insert(
        "forwarded_frames_s".into(),
        super::delta(&before, &after, "amphi_media_forwarded_frames_total") / secs,
    );
    let sent: Vec<u64> = media
        .sent
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .collect();
    let expected: u64 = match shape {
        Shape::Tables => sent.iter().map(|s| s * (size as u64 - 1)).sum(),
        Shape::FanOut => sent.first().copied().unwrap_or(0) * (ready.saturating_sub(1) as u64),
        Shape::Stage => {
            let constrained = ctx.rec.get("constrained_connected");
            sent.first().copied().unwrap_or(0)
                * (ready.saturating_sub(1) as u64).saturating_sub(constrained)
        }
    };
    let received = media.received.load(Ordering::Relaxed);
    let loss = if expected == 0 {
        1.0
    } else {
        1.0 - received.min(expected) as f64 / expected as f64
    };
    report.rates.push(Rate {
        name: "frames delivered to receivers".into(),
        target_per_s: expected as f64 / secs,
        achieved_per_s: received as f64 / secs,
    });
    report
        .server_extra
        .insert("loss_percent".into(), loss * 100.0);
    let p99 = |name: &str| report.latencies.get(name).map_or(f64::NAN, |l| l.p99_ms);
    let worst = p99("forward_delay_audio").max(p99("forward_delay_video"));
    let (cpu_target, cpu_name) = match shape {
        Shape::Tables => (1.5, "under 1.5 cores"),
        Shape::FanOut | Shape::Stage => (1.0, "under 1 core"),
    };
    if shape == Shape::Stage {
        // The stage's targets (issue 17): p99 ≤ 50 ms, loss < 0.1 %.
        let constrained = ctx.rec.get("constrained_connected");
        let got = media.constrained_received.load(Ordering::Relaxed);
        let offered = sent.first().copied().unwrap_or(0) * constrained;
        report.server_extra.insert(
            "constrained_received_percent".into(),
            if offered == 0 {
                0.0
            } else {
                got as f64 * 100.0 / offered as f64
            },
        );
        report.checks.push(Check::new(
            "p99 forwarding delay (unconstrained receivers)",
            "≤ 50 ms",
            format!("{worst:.1} ms"),
            worst <= 50.0,
        ));
        report.checks.push(Check::new(
            "loss (unconstrained receivers)",
            "< 0.1 %",
            format!("{:.3} %", loss * 100.0),
            loss < 0.001,
        ));
        report.notes.push(format!(
            "forwarded {forwarded:.1} Mbit/s; {received} of {expected} frames arrived at unconstrained receivers; {got} of {offered} at the {constrained} constrained ones"
        ));
        return Ok(report);
    }
    let cpu = report.server.as_ref().map(|s| s.cpu_pct_avg / 100.0);
    report.checks.push(Check::new(
        "p99 forwarding delay",
        "≤ 20 ms",
        format!("{worst:.1} ms"),
        worst <= 20.0,
    ));
    report.checks.push(Check::new(
        "loss",
        "none on loopback",
        format!("{:.3} %", loss * 100.0),
        loss <= 0.0,
    ));
    if let Some(cpu) = cpu {
        report.checks.push(Check::new(
            "server CPU",
            cpu_name,
            format!("{cpu:.2} cores"),
            cpu < cpu_target,
        ));
    }
    report.notes.push(format!(
        "forwarded {forwarded:.1} Mbit/s; {received} of {expected} frames arrived"
    ));
    Ok(report)
}

struct Client<'a> {
    i: usize,
    ctx: &'a Ctx,
    invite: &'a str,
    room: Option<String>,
    publish: Option<Publish>,
    media: &'a MediaRec,
    /// Kbit/s of this receiver's constrained link (M3).
    constrained: Option<u32>,
}

impl Client<'_> {
    async fn run(
        self,
        connected: &Gate,
        measure: &tokio::sync::watch::Sender<Option<(u64, u64, u64)>>,
    ) -> anyhow::Result<()> {
        let rec = &self.ctx.rec;
        let name = self.ctx.name("media", self.i);
        // A small WebSocket read buffer: tungstenite zeroes a buffer's worth
        // each time the socket is read (`FrameCodec::read_in`), and a media
        // client polls its WebSocket on every turn of its loop (thousands a
        // second); with 64 KiB that was 15 % of an M2 load generator's CPU.
        // Signalling messages larger than it are read in several chunks.
        let (mut ws, _) = self
            .ctx
            .join(
                &self.ctx.opts(MEDIA_WS_READ_BUFFER),
                Hello::Invite {
                    token: self.invite,
                    name: &name,
                },
            )
            .await?;
        if let Some(room) = &self.room {
            let msg = serde_json::json!({"type": "teleport", "room": room, "rid": 900});
            ws.send(Message::text(msg.to_string())).await?;
            // Its answer (ack or error) before offering.
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let kind = crate::client::kind(&text);
                        if kind == "ack" {
                            break;
                        }
                        if kind == "error" {
                            crate::client::on_error(rec, &text);
                            anyhow::bail!("teleport to {room} refused: {text}");
                        }
                    }
                    Some(Ok(_)) => {}
                    other => anyhow::bail!("connection ended while teleporting: {other:?}"),
                }
            }
        }
        let mut client = if self.ctx.cli.simulcast && self.publish.is_some() {
            MediaClient::start_simulcast(self.i as u32, ws).await?
        } else {
            MediaClient::start(self.i as u32, ws, self.publish.is_some()).await?
        };
        if let Some(kbps) = self.constrained {
            client.constrain(kbps);
        }
        let constrained = self.constrained.is_some();
        let phase = super::phase_us(self.i, 1_000_000);
        client
            .run(
                self.publish,
                phase,
                measure.subscribe(),
                rec,
                self.media,
                || {
                    if constrained {
                        rec.add("constrained_connected", 1);
                    }
                    connected.arrive()
                },
            )
            .await
    }
}
