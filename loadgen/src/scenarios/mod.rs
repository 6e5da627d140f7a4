//! The scenarios, and what they share: the run context, a start gate that
//! releases every client at once, connection helpers, plain HTTP requests
//! and `/metrics` scraping.

pub mod m1_media;
pub mod r1_reactions;
pub mod s1_positions;
pub mod s1_walking;
pub mod s2_idle;
pub mod s3_chat;
pub mod s4_spectators;
pub mod s5_reconnect;
pub mod s6_durable;

use crate::cli::{Cli, Target};
use crate::client::{self, ConnectOpts, Hello, VenueView, Welcome, Ws};
use crate::clock;
use crate::procstat::Sampler;
use crate::recorder::Recorder;
use crate::report::Report;
use anyhow::Context;
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Semaphore, watch};

/// What every scenario gets.
pub struct Ctx {
    pub cli: Cli,
    pub target: Target,
    pub rec: Arc<Recorder>,
    pub server: Option<Sampler>,
    pub me: Option<Sampler>,
    /// Limits concurrent handshakes while connecting.
    pub handshakes: Arc<Semaphore>,
    /// Random letters naming this run's clients: the server refuses a name
    /// that looks like one already in the event (`name_taken`), and runs may
    /// share a server.
    pub tag: String,
    /// The venue's geometry, fetched once (see [`Ctx::venue`]).
    pub venue: tokio::sync::OnceCell<VenueView>,
}

impl Ctx {
    /// Connection options with the given read buffer (unless --read-buffer says otherwise).
    pub fn opts(&self, read_buffer: usize) -> ConnectOpts {
        ConnectOpts {
            url: self.target.url.clone(),
            authority: self.target.http.clone(),
            read_buffer: self.cli.read_buffer.unwrap_or(read_buffer),
            rcvbuf: None,
            source_ips: self.cli.source_ips,
        }
    }

    /// Connects and joins, holding a handshake permit meanwhile.
    pub async fn join(&self, opts: &ConnectOpts, how: Hello<'_>) -> anyhow::Result<(Ws, Welcome)> {
        let _permit = self.handshakes.acquire().await?;
        let result = async {
            let mut ws = client::connect(opts).await?;
            let welcome = client::hello(&mut ws, self.cli.event.as_deref(), how, &self.rec).await?;
            anyhow::Ok((ws, welcome))
        }
        .await;
        if result.is_err() {
            self.rec.add("connect_failed", 1);
        }
        result
    }

    /// The venue, fetched from the first `welcome`'s `venue_url` and shared
    /// by every client.
    pub async fn venue(&self, welcome: &Welcome) -> anyhow::Result<&VenueView> {
        self.venue
            .get_or_try_init(|| client::fetch_venue(&self.target.http, &welcome.venue_url))
            .await
    }

    /// A report with the common fields filled in.
    pub fn report(&self, name: &str, started_us: u64, clients_target: usize) -> Report {
        Report {
            scenario: name.to_string(),
            url: self.target.url.clone(),
            started_at_unix_ms: started_us / 1000,
            clients_target,
            ..Default::default()
        }
    }

    /// Fills latencies, counters, errors, closes and process figures.
    pub fn finish(&self, report: &mut Report, window: (f64, f64)) {
        report.latencies = self.rec.latencies();
        report.counters = self.rec.counters();
        report.errors = self.rec.errors();
        report.errors_total = self.rec.error_total();
        report.closes = self.rec.closes();
        if let Some(server) = &self.server {
            report.server = Some(server.summary(window.0, window.1));
        }
        if let Some(me) = &self.me {
            report.loadgen = me.summary(window.0, window.1);
        }
    }

    /// Seconds since the samplers started (for report windows).
    pub fn elapsed(&self) -> f64 {
        self.me
            .as_ref()
            .and_then(|s| s.samples().last().map(|x| x.t))
            .unwrap_or(0.0)
    }

    /// A display name unique to this run: `<kind>-<tag>-<i>`.
    pub fn name(&self, kind: &str, i: usize) -> String {
        format!("{kind}-{}-{i}", self.tag)
    }

    /// The participant invite, or an error naming the flag.
    pub fn participant(&self) -> anyhow::Result<String> {
        self.target
            .participant
            .clone()
            .context("a participant invite is needed: --invite TOKEN or --links-from FILE")
    }
}

/// Releases every client at the same moment once they are all ready.
pub struct Gate {
    ready: AtomicUsize,
    failed: AtomicUsize,
    start: watch::Sender<Option<u64>>,
}

impl Gate {
    pub fn new() -> Arc<Gate> {
        Arc::new(Gate {
            ready: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            start: watch::channel(None).0,
        })
    }

    pub fn arrive(&self) {
        self.ready.fetch_add(1, Ordering::Relaxed);
    }

    pub fn fail(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    /// Waits until `n` clients arrived or failed (or the timeout); returns how many are ready.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let ready = self.ready.load(Ordering::Relaxed);
            if ready + self.failed.load(Ordering::Relaxed) >= n
                || tokio::time::Instant::now() >= deadline
            {
                return ready;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Opens the gate: the start time (µs since the epoch) goes to everyone.
    pub fn open(&self, start_us: u64) {
        let _ = self.start.send(Some(start_us));
    }

    /// Waits for the gate to open; returns the start time.
    pub async fn opened(&self) -> u64 {
        let mut rx = self.start.subscribe();
        loop {
            if let Some(start) = *rx.borrow_and_update() {
                return start;
            }
            if rx.changed().await.is_err() {
                return clock::now_us();
            }
        }
    }
}

/// Reads and discards frames (a real client keeps reading) until `until`
/// completes. Fails if the connection ends first.
pub async fn idle_until<F: Future>(
    ws: &mut Ws,
    rec: &Recorder,
    until: F,
) -> anyhow::Result<F::Output> {
    tokio::pin!(until);
    loop {
        tokio::select! {
            out = &mut until => return Ok(out),
            frame = ws.next() => match frame {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => {
                    if client::kind(&text) == "error" {
                        client::on_error(rec, &text);
                    }
                }
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) | Some(Err(_)) | None => {
                    client::record_end(rec, frame);
                    anyhow::bail!("connection ended while idle");
                }
                Some(Ok(_)) => {}
            }
        }
    }
}

/// Reads the server's `/metrics` (Prometheus text) into name → value.
pub async fn scrape_metrics(authority: &str) -> BTreeMap<String, f64> {
    let Ok(body) = http_get(authority, "/metrics").await else {
        return BTreeMap::new();
    };
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// The body of `GET path` (HTTP/1.0, so the server closes after answering);
/// an error unless the status is 200. Gives up after 5 s.
pub async fn http_get(authority: &str, path: &str) -> anyhow::Result<String> {
    let fetch = async {
        let mut stream = tokio::net::TcpStream::connect(authority).await?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        anyhow::Ok(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(5), fetch)
        .await
        .with_context(|| format!("GET {path}: no answer in 5 s"))??;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .with_context(|| format!("GET {path}: not an HTTP response"))?;
    let status = head.lines().next().unwrap_or_default();
    anyhow::ensure!(status.contains(" 200 "), "GET {path}: {status}");
    Ok(body.to_string())
}

/// `after - before` for a metric (0 if missing).
pub fn delta(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>, name: &str) -> f64 {
    after.get(name).copied().unwrap_or(0.0) - before.get(name).copied().unwrap_or(0.0)
}

/// A random permutation-free spread: offset in `[0, period)` for client `i`.
pub fn phase_us(i: usize, period_us: u64) -> u64 {
    // Golden-ratio sequence: evenly spread phases without a random generator.
    let frac = (i as f64 * 0.618_033_988_749_895).fract();
    (frac * period_us as f64) as u64
}
