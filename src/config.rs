//! Server configuration: defaults, a TOML file, environment, flags.
//!
//! Precedence, lowest first: built-in defaults, the `--config` TOML file, the
//! `AMPHI_*` environment variables, command-line flags. The merging of flags and
//! environment is done by the CLI (clap); [`Config::with_overrides`] applies the
//! result on top of the file.

use crate::domain::Limits;
use crate::net::admission::ConnectionLimits;
use crate::net::rate::RateLimits;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the server can be told.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where snapshots and the journal live.
    pub data_dir: PathBuf,
    /// A Tiled map (`.tmj`, `.json` or `.tmx`) to use instead of the
    /// embedded default venue.
    pub map: Option<PathBuf>,
    /// The directory the map's files are read and served from (tilesets in
    /// parent folders of the map need it); default the map's folder. Nothing
    /// outside it is ever served.
    pub map_root: Option<PathBuf>,
    /// Base URL printed in join links; defaults to `http://<listen>`.
    pub public_url: Option<String>,
    /// Position batches per second.
    pub tick_hz: u32,
    /// Groups of readers served one after the other within each tick period
    /// (each reader still gets `tick_hz` batches a second), so a tick's
    /// writes come in several small bursts rather than one big one.
    pub tick_phases: u32,
    /// Side, in tiles, of the grid that areas of interest are cut from: a
    /// reader is sent the avatars of its room within what its screen shows,
    /// rounded out to whole cells. 0 sends every reader its whole room.
    pub interest_cell_tiles: u16,
    /// Largest WebSocket frame or message a client may send, in bytes.
    pub max_frame_bytes: usize,
    /// WebSocket read buffer per connection, and the most one read takes.
    /// tungstenite's default is 128 KiB, far too much for ten thousand
    /// mostly idle sockets; tungstenite zero-fills it before every read, so
    /// it is kept near the size of the frequent messages (a `step` is ~50
    /// bytes). A larger message is read in several pieces.
    pub ws_read_buffer_bytes: usize,
    /// Most bytes of control frames (pongs, the close frame) held for a
    /// connection while its socket is full (more closes it); the server's
    /// own frames are written from their shared buffers and never copied.
    pub ws_write_buffer_bytes: usize,
    /// Frames that must arrive (chat, state) queued per client before it is
    /// closed as too slow.
    pub outbound_queue: usize,
    /// Kernel send buffer of each client socket (0: the system's default,
    /// which autotunes up to megabytes and hides a stalled reader).
    pub socket_send_buffer_bytes: usize,
    /// Seconds a write to a client may stay blocked before the client is
    /// closed as too slow (4008).
    pub write_stall_secs: u64,
    /// Messages waiting for an event's hub before senders wait.
    pub hub_inbox: usize,
    /// Microseconds a runtime worker that ran out of work sleeps before it
    /// waits for sockets and timers, so that one wake-up handles every
    /// socket that became ready meanwhile (0: off). Adds up to this much
    /// to every latency; at most [`crate::runtime::MAX_COALESCE_US`].
    /// Only the `amphi` binary's runtime uses it (see `src/runtime.rs`);
    /// the default, 2 ms, saves ~11 % of S1's CPU (BENCHMARKS.md).
    pub coalesce_us: u32,
    /// Seconds a new connection has to say `hello`.
    pub hello_timeout_secs: u64,
    /// Create the demo event (with its join links) when the data dir has none.
    pub demo: bool,
    /// Let anyone watch the public live page (`/live`) without an invite.
    pub live_page: bool,
    /// Other origins whose pages may open the WebSocket (e.g.
    /// `https://hackathon.example.gouv.fr` behind a proxy). The server's own
    /// origin is always allowed.
    pub allowed_origins: Vec<String>,
    /// Messages per connection, by kind; sustained abuse closes (4029).
    pub rate_limits: RateLimits,
    /// Connections per address.
    pub connection_limits: ConnectionLimits,
    /// Seconds between periodic snapshots of each event (taken only when
    /// something changed since the last one).
    pub snapshot_interval_secs: u64,
    /// An operator-chosen moderator invite token (also `AMPHI_BOOTSTRAP_TOKEN`).
    /// When set, every event gets a moderator invite with this token's hash
    /// (once), and its link is printed at every start.
    pub bootstrap_token: Option<SecretString>,
    /// The instance operator's token (also `AMPHI_ADMIN_TOKEN`): opens
    /// `/admin` and the admin API. Unset: one is made at the first start on
    /// a data directory and its link printed once (only its hash is kept).
    pub admin_token: Option<SecretString>,
    /// Domain limits: text lengths, speed, grace period, team size.
    pub limits: Limits,
    /// Voice and video: the media server's socket, bubbles (`[media]`).
    pub media: crate::media::MediaConfig,
}

/// A secret string from the configuration: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(secret: impl Into<String>) -> SecretString {
        SecretString(secret.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretString(…)")
    }
}

/// Shortest accepted bootstrap token (characters).
pub const MIN_BOOTSTRAP_TOKEN_CHARS: usize = 16;

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            map: None,
            map_root: None,
            public_url: None,
            tick_hz: 10,
            tick_phases: 4,
            interest_cell_tiles: 8,
            // Room for SDP: an answer for a full bubble's tracks runs to
            // tens of kilobytes.
            max_frame_bytes: 64 * 1024,
            ws_read_buffer_bytes: 512,
            ws_write_buffer_bytes: 4 * 1024,
            outbound_queue: 1024,
            socket_send_buffer_bytes: 32 * 1024,
            write_stall_secs: 5,
            hub_inbox: 8192,
            coalesce_us: 2000,
            hello_timeout_secs: 10,
            demo: true,
            snapshot_interval_secs: 10,
            bootstrap_token: None,
            admin_token: None,
            live_page: true,
            allowed_origins: Vec::new(),
            rate_limits: RateLimits::default(),
            connection_limits: ConnectionLimits::default(),
            limits: Limits::default(),
            media: crate::media::MediaConfig::default(),
        }
    }
}

/// Values given on the command line or in the environment; `None` = not given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub map: Option<PathBuf>,
    pub map_root: Option<PathBuf>,
    pub bootstrap_token: Option<SecretString>,
    pub admin_token: Option<SecretString>,
}

/// The configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Reads a TOML config file; every key is optional.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        Config::from_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.into(),
            message,
        })
    }

    /// Parses TOML text.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }

    /// Applies flag/environment values on top.
    pub fn with_overrides(mut self, overrides: Overrides) -> Config {
        if let Some(listen) = overrides.listen {
            self.listen = listen;
        }
        if let Some(dir) = overrides.data_dir {
            self.data_dir = dir;
        }
        if overrides.map.is_some() {
            self.map = overrides.map;
        }
        if overrides.map_root.is_some() {
            self.map_root = overrides.map_root;
        }
        if overrides.bootstrap_token.is_some() {
            self.bootstrap_token = overrides.bootstrap_token;
        }
        if overrides.admin_token.is_some() {
            self.admin_token = overrides.admin_token;
        }
        self
    }

    /// Refuses values that cannot work.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        if !(1..=60).contains(&self.tick_hz) {
            return bad("tick_hz must be between 1 and 60");
        }
        if self.max_frame_bytes < 1024 {
            return bad("max_frame_bytes must be at least 1024");
        }
        if self.outbound_queue == 0 || self.hub_inbox == 0 {
            return bad("outbound_queue and hub_inbox must be at least 1");
        }
        if self.limits.steps_per_second == 0 || self.limits.max_team_size == 0 {
            return bad("limits.steps_per_second and limits.max_team_size must be at least 1");
        }
        if !(1..=10).contains(&self.tick_phases) {
            return bad("tick_phases must be between 1 and 10");
        }
        if self.interest_cell_tiles > 256 {
            return bad("interest_cell_tiles must be between 0 (off) and 256");
        }
        if self.media.bubble_radius == 0 || self.media.bubble_max < 2 {
            return bad("media.bubble_radius must be at least 1 and media.bubble_max at least 2");
        }
        if !(1..=crate::media::workers::MAX).contains(&self.media.workers) {
            return bad(&format!(
                "media.workers must be between 1 and {}",
                crate::media::workers::MAX
            ));
        }
        if !(1..=crate::media::MAX_FANOUT_THREADS).contains(&self.media.fanout_threads) {
            return bad(&format!(
                "media.fanout_threads must be between 1 and {}",
                crate::media::MAX_FANOUT_THREADS
            ));
        }
        if self.media.fanout_min == 0 {
            return bad("media.fanout_min must be at least 1");
        }
        if self.media.test_link_kbps == Some(0) {
            return bad("media.test_link_kbps must be at least 1 (or absent)");
        }
        if !self.media.nodes.is_empty() && self.media.node_secret.is_none() {
            return bad(
                "media.nodes needs media.node_secret (the media processes' AMPHI_MEDIA_SECRET)",
            );
        }
        if self.coalesce_us > crate::runtime::MAX_COALESCE_US {
            return bad(&format!(
                "coalesce_us must be between 0 (off) and {}",
                crate::runtime::MAX_COALESCE_US
            ));
        }
        if self.snapshot_interval_secs == 0 {
            return bad("snapshot_interval_secs must be at least 1");
        }
        for (name, token) in [
            ("bootstrap_token", &self.bootstrap_token),
            ("admin_token", &self.admin_token),
        ] {
            let Some(token) = token else { continue };
            let token = token.expose();
            let url_safe = token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'));
            if token.chars().count() < MIN_BOOTSTRAP_TOKEN_CHARS || !url_safe {
                return Err(ConfigError::Invalid(format!(
                    "{name} must be at least {MIN_BOOTSTRAP_TOKEN_CHARS} characters among \
                     A-Z, a-z, 0-9, '-', '_', '.' and '~'"
                )));
            }
        }
        if let (Some(a), Some(b)) = (&self.admin_token, &self.bootstrap_token)
            && a.expose() == b.expose()
        {
            return bad(
                "admin_token and bootstrap_token must differ: one opens /admin, the other an event",
            );
        }
        Ok(())
    }

    /// How long a runtime worker sleeps before it parks (`coalesce_us`).
    pub fn coalesce(&self) -> std::time::Duration {
        std::time::Duration::from_micros(u64::from(self.coalesce_us))
    }

    /// The base URL for links.
    pub fn base_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{bound}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_then_overrides() {
        let config = Config::from_toml(
            "listen = \"0.0.0.0:9000\"\ntick_hz = 20\n[limits]\ngrace_ms = 5000\n",
        )
        .unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.tick_hz, 20);
        assert_eq!(config.limits.grace_ms, 5000);
        assert_eq!(config.limits.max_team_size, 7);
        let config = config.with_overrides(Overrides {
            listen: Some("127.0.0.1:1".parse().unwrap()),
            ..Default::default()
        });
        assert_eq!(config.listen.port(), 1);
        assert_eq!(config.tick_hz, 20);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(
            Config::from_toml("lisen = \"x\"")
                .unwrap_err()
                .contains("lisen")
        );
        assert!(
            Config::from_toml("tick_hz = 0")
                .unwrap_err()
                .contains("tick_hz")
        );
        for bad in [
            "tick_phases = 0",
            "tick_phases = 11",
            "interest_cell_tiles = 300",
            "[media]\nworkers = 0",
            "[media]\nworkers = 65",
            "[media]\nfanout_threads = 0",
            "[media]\nfanout_threads = 9",
            "[media]\nfanout_min = 0",
            "coalesce_us = 5001",
        ] {
            let key = bad.rsplit('\n').next().unwrap().split(' ').next().unwrap();
            assert!(Config::from_toml(bad).unwrap_err().contains(key), "{bad}");
        }
        assert!(
            Config::from_toml("snapshot_interval_secs = 0")
                .unwrap_err()
                .contains("snapshot_interval_secs")
        );
        assert!(
            Config::from_toml("bootstrap_token = \"short\"")
                .unwrap_err()
                .contains("bootstrap_token")
        );
    }

    #[test]
    fn coalesce_us_is_read_within_its_bounds() {
        assert_eq!(
            Config::default().coalesce(),
            std::time::Duration::from_millis(2)
        );
        let config = Config::from_toml("coalesce_us = 1000").unwrap();
        assert_eq!(config.coalesce(), std::time::Duration::from_millis(1));
        let off = Config::from_toml("coalesce_us = 0").unwrap();
        assert_eq!(off.coalesce(), std::time::Duration::ZERO);
        let most = format!("coalesce_us = {}", crate::runtime::MAX_COALESCE_US);
        assert!(Config::from_toml(&most).is_ok());
        assert!(Config::from_toml("coalesce_us = -1").is_err());
    }

    #[test]
    fn bootstrap_token_is_read_and_never_debug_printed() {
        let config = Config::from_toml("bootstrap_token = \"0123456789abcdef-XYZ\"").unwrap();
        let token = config.bootstrap_token.as_ref().unwrap();
        assert_eq!(token.expose(), "0123456789abcdef-XYZ");
        assert!(!format!("{config:?}").contains("0123456789abcdef"));
        assert_eq!(Config::default().snapshot_interval_secs, 10);
    }
}
