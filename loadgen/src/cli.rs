//! Command-line options, shared by every scenario, and the join links file.

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use std::path::PathBuf;

/// Most sockets one run may open (the bound).
pub const MAX_CLIENTS: usize = 10_000;
/// Longest run, seconds.
pub const MAX_DURATION: f64 = 600.0;

/// Which load to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// S1: avatars stepping back and forth; tick→receive and move→seen.
    S1,
    /// S2: idle connected clients; server memory per connection.
    S2,
    /// S3: a chat burst in one room; deliveries and latency.
    S3,
    /// S4: spectators receiving announcements while some stop reading.
    S4,
    /// S5: every client drops and resumes within a second.
    S5,
    /// S6: durable commands (direct chat messages); acks per second.
    S6,
    /// M1: voice and video at tables (media clients, no browsers).
    M1,
    /// M2: one sender's voice and video to many receivers.
    M2,
    /// M3: the stage: the moderator's voice and video to the amphitheatre,
    /// some receivers on a constrained link.
    M3,
    /// R1: reactions from many /live watchers, aggregated per second.
    R1,
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "amphi-loadgen",
    about = "Open-loop load generator for Amphi (loopback only)"
)]
pub struct Cli {
    /// Scenario to run.
    #[arg(value_enum)]
    pub scenario: Scenario,
    /// WebSocket URL; derived from --links-from when omitted.
    #[arg(long)]
    pub url: Option<String>,
    /// A file with the server's `ROLE: URL` join-link lines (its stdout).
    #[arg(long)]
    pub links_from: Option<PathBuf>,
    /// Participant invite token (overrides the links file).
    #[arg(long)]
    pub invite: Option<String>,
    /// Spectator invite token (S2, S4).
    #[arg(long)]
    pub spectator_invite: Option<String>,
    /// Moderator invite token (S4).
    #[arg(long)]
    pub moderator_invite: Option<String>,
    /// Mentor invite token (S3 in a room with a capacity).
    #[arg(long)]
    pub mentor_invite: Option<String>,
    /// Event id (default: the server's default event).
    #[arg(long)]
    pub event: Option<String>,
    /// Server process id: samples its CPU and RSS from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Measured duration, seconds (S3: the burst lasts --burst-secs instead).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Simulated clients.
    #[arg(long)]
    pub clients: Option<usize>,
    /// Per-client rate (S1 steps/s, S6 messages/s) or total rate (S3 messages/s, S4 announcements/s).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Write the report as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Handshakes in flight at once while connecting.
    #[arg(long, default_value_t = 64)]
    pub connect_concurrency: usize,
    /// S1: avatars in the amphitheatre (the next 140 go to the 20 tables, the rest stay in the hall).
    #[arg(long, default_value_t = 400)]
    pub amphi: usize,
    /// S1: walk instead of stepping, as the web client's held keys do: one
    /// `walk` message per leg of this many tiles, back and forth (the
    /// server's `steps_per_second` must equal --rate).
    #[arg(long)]
    pub walk: Option<i64>,
    /// S1: avatars at team tables (7 per table).
    #[arg(long, default_value_t = 140)]
    pub tables: usize,
    /// S3: messages in the burst.
    #[arg(long, default_value_t = 1000)]
    pub messages: usize,
    /// S3: room of the burst (`hall`, or `amphi`: clients beyond its 400 seats join as mentors).
    #[arg(long, default_value = "hall")]
    pub room: String,
    /// S4: fraction of spectators that stop reading in the second half.
    #[arg(long, default_value_t = 0.05)]
    pub slow_fraction: f64,
    /// S4: announcement size in characters (a leaderboard).
    #[arg(long, default_value_t = 900)]
    pub text_chars: usize,
    /// S4: receive buffer (SO_RCVBUF) of the slow readers, bytes.
    #[arg(long, default_value_t = 4096)]
    pub slow_rcvbuf: u32,
    /// S2: role of the idle clients (`spectator` or `participant`).
    #[arg(long, default_value = "spectator")]
    pub role: String,
    /// S2: how far each client goes: `tcp` (connected, no request), `ws`
    /// (upgraded, no hello: the server closes after its 10 s hello timeout),
    /// or `joined` — to break memory per connection down.
    #[arg(long, default_value = "joined")]
    pub stage: String,
    /// Loopback source addresses to spread connections over (the server
    /// limits connections per address); 0 connects from 127.0.0.1 only.
    #[arg(long, default_value_t = 1000)]
    pub source_ips: usize,
    /// WebSocket read buffer per client, bytes.
    #[arg(long)]
    pub read_buffer: Option<usize>,
    /// Seconds of warm-up before measuring (S1, S5).
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// M1: tables in conversation (on the campus map's `table-NN`).
    #[arg(long, default_value_t = 30)]
    pub groups: usize,
    /// M1: people at each table.
    #[arg(long, default_value_t = 6)]
    pub group_size: usize,
    /// M1, M2: video each sender sends, kbit/s [M1: 500, M2: 1500].
    #[arg(long)]
    pub video_kbps: Option<u32>,
    /// M1, M2: senders send their video as three simulcast layers (rids
    /// q, h, f: a sixteenth, a quarter and all of `--video-kbps`), as the
    /// web page does on the stage.
    #[arg(long)]
    pub simulcast: bool,
    /// M3: fraction of receivers on a constrained link.
    #[arg(long, default_value_t = 0.05)]
    pub constrained_fraction: f64,
    /// M3: what a constrained receiver's link carries, kbit/s (packets over
    /// it are dropped before the client sees them, as a full link would).
    #[arg(long, default_value_t = 500)]
    pub constrained_kbps: u32,
    /// Exit with status 2 when a target check fails.
    #[arg(long)]
    pub fail_on_check: bool,
}

/// Where to connect and with which invites.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub url: String,
    pub http: String,
    pub participant: Option<String>,
    pub spectator: Option<String>,
    pub moderator: Option<String>,
    pub mentor: Option<String>,
}

impl Cli {
    /// Checks the bounds and resolves the target.
    pub fn target(&self) -> anyhow::Result<Target> {
        if !(self.duration > 0.0 && self.duration <= MAX_DURATION) {
            bail!("--duration must be in (0, {MAX_DURATION}] seconds");
        }
        if self.clients.is_some_and(|c| c == 0 || c > MAX_CLIENTS) {
            bail!("--clients must be between 1 and {MAX_CLIENTS}");
        }
        let mut target = Target::default();
        let mut url = self.url.clone();
        if let Some(path) = &self.links_from {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read links file {}", path.display()))?;
            for line in text.lines() {
                let Some((role, link)) = line.split_once(": ") else {
                    continue;
                };
                let Some(token) = query_param(link, "invite") else {
                    continue;
                };
                match role.trim() {
                    "participant" => target.participant = Some(token),
                    "spectator" => target.spectator = Some(token),
                    "moderator" => target.moderator = Some(token),
                    "mentor" => target.mentor = Some(token),
                    _ => continue,
                }
                if url.is_none()
                    && let Some(authority) = link
                        .strip_prefix("http://")
                        .and_then(|r| r.split('/').next())
                {
                    url = Some(format!("ws://{authority}/ws"));
                }
            }
        }
        let pick = |flag: &Option<String>, file: Option<String>| flag.clone().or(file);
        target.participant = pick(&self.invite, target.participant);
        target.spectator = pick(&self.spectator_invite, target.spectator);
        target.moderator = pick(&self.moderator_invite, target.moderator);
        target.mentor = pick(&self.mentor_invite, target.mentor);
        let url = url.unwrap_or_else(|| "ws://127.0.0.1:8080/ws".to_string());
        let authority = url
            .strip_prefix("ws://")
            .and_then(|r| r.split('/').next())
            .context("--url must be ws://HOST:PORT/ws")?;
        let host = authority
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(authority);
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            bail!("load goes to the loopback interface only, not {host}");
        }
        target.http = authority.to_string();
        target.url = url;
        Ok(target)
    }
}

/// The value of `name` in a URL's query string.
fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_invites_from_a_url() {
        let url = "http://127.0.0.1:18100/?event=demo&invite=abc123";
        assert_eq!(query_param(url, "invite").as_deref(), Some("abc123"));
        assert_eq!(query_param(url, "event").as_deref(), Some("demo"));
        assert_eq!(query_param(url, "nope"), None);
    }
}
