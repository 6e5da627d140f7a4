//! Amphi: a real-time virtual venue for hackathons.
//!
//! # Layout
//!
//! - [`domain`]: the pure core. An [`domain::Event`] and the rules that change
//!   it: members, teams, chat, presence and movement, permissions. No IO, no
//!   clock: every change gets an explicit `now`, so the journal replays exactly.
//! - [`venue`]: a Tiled map (`.tmj`, `.tmx`) turned into rooms, a collision
//!   grid, spawn points and paths. Also pure. [`map_files`] is its file-system
//!   side (the map root, tilesets on disk); [`map_check`] is `amphi check-map`.
//! - [`protocol`]: the JSON wire messages (see
//!   `docs/protocol.md`); the pitch session's requests as the wire carries them
//!   (`protocol::ops`, turned into domain commands by the hub) and the close
//!   codes (`protocol::CloseCode`).
//! - [`hub`]: one actor task per event, the single writer of its state; routes
//!   effects to sessions and batches positions per area of interest per tick.
//! - [`net`]: axum router, WebSocket connections, health, metrics, static files.
//! - [`media`]: the media server (SFU) for voice, video and screen sharing;
//!   it forwards what the hub's conversations allow (see `docs/media.md`).
//! - [`store`]: the journal of durable commands, snapshots, recovery.
//! - [`uploads`]: project files told from their bytes, stored durably by
//!   checksum in the event's directory, orphans swept at start.
//! - [`startup`]: recovering every stored event at start (or creating the
//!   demo event), the bootstrap moderator invite, the join links shown.
//! - [`instance`]: the operator's side: events created, cloned, archived
//!   and deleted while the server runs, each on its own map; the operator
//!   token.
//! - [`runtime`]: the tokio runtime the binary serves on, with wake-ups
//!   coalesced (`coalesce_us`).
//! - [`config`], [`metrics`], [`clock`], [`secret`], [`demo`]: the rest.
//!
//! Beside this crate, in the same workspace: `loadgen/` (the load generator,
//! `amphi-loadgen`), `tools/powercut/` (the FUSE filesystem the power-cut
//! test runs the server on) and `testkit/` (`amphi-testkit`, the integration
//! tests' shared helpers). None is linked into the server.
//!
//! [`Server`] ties them together: `Server::start(config)` binds and prepares,
//! `run(shutdown)` serves until the shutdown future completes.

#![forbid(unsafe_code)]

pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod hub;
pub mod instance;
pub mod map_check;
pub mod map_files;
pub mod media;
pub mod metrics;
pub mod net;
pub mod protocol;
pub mod runtime;
pub mod secret;
pub mod startup;
pub mod store;
pub mod uploads;
pub mod venue;

use clock::Clock;
use config::Config;
use domain::Role;
use hub::{HubSettings, Registry};
use metrics::Metrics;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tokio::net::TcpListener;
use tokio::sync::watch;
use venue::MapError;

/// Chat text that makes a connection task panic (feature `test-hooks` only).
#[cfg(feature = "test-hooks")]
pub const TEST_PANIC_CONNECTION: &str = "__amphi_test_panic_connection__";
/// Chat text that makes the event's hub panic (feature `test-hooks` only).
#[cfg(feature = "test-hooks")]
pub const TEST_PANIC_HUB: &str = "__amphi_test_panic_hub__";

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    ReadMap(String),
    /// Every problem of the map, each once (the problems are not a `source`,
    /// so error reports do not repeat them).
    #[error("map {path} is refused: {problems}")]
    Map { path: String, problems: MapProblems },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the media socket {addr}: {source}")]
    Media {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the store {}: {source}", path.display())]
    Store {
        path: std::path::PathBuf,
        source: store::StoreError,
    },
    #[error("cannot set up event {event}: {message}")]
    Setup { event: String, message: String },
    #[error("{0}")]
    NoEvent(String),
    #[error("start-up task failed: {0}")]
    Task(String),
    #[error(
        "stopped while the store was failing: {0} applied commands were never \
         written, and never acknowledged"
    )]
    Abandoned(usize),
}

/// The problems of a refused map, displayed one per line.
#[derive(Debug)]
pub struct MapProblems(pub Vec<MapError>);

impl std::fmt::Display for MapProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} problem(s)", self.0.len())?;
        for problem in &self.0 {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

/// The longest a graceful stop takes, from the signal to the end of
/// [`Server::run`] (under Docker's default 10 s stop timeout).
pub const STOP_BOUND: std::time::Duration = std::time::Duration::from_secs(5);

/// A join link printed at start: `ROLE: URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinLink {
    pub role: Role,
    pub url: String,
    /// The invite token inside the URL.
    pub token: String,
}

/// What a server starts with besides its [`Config`]: things an operator
/// never sets in a file, only a program (tests, or `main` for a flag that
/// must not be sticky).
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Where "now" comes from: the system clock, or a manual one in tests.
    pub clock: Clock,
    /// The events' store: e.g. cutting a corrupt last record on the
    /// operator's word, or write failures injected by tests
    /// ([`store::StoreOptions::faults`]).
    pub store: store::StoreOptions,
}

/// A bound, ready server. [`Server::run`] serves it.
pub struct Server {
    listener: TcpListener,
    state: Arc<net::AppState>,
    shutdown_tx: watch::Sender<bool>,
    links: Vec<JoinLink>,
    /// The operator's admin link, when it can be shown at this start.
    admin_link: Option<String>,
    notes: Vec<String>,
}

impl Server {
    /// Loads the venue, prepares the events and binds the listener.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        Server::start_with(config, ServerOptions::default()).await
    }

    /// As [`Server::start`], with a clock and store options of one's own.
    pub async fn start_with(config: Config, options: ServerOptions) -> Result<Server, StartError> {
        let ServerOptions {
            clock,
            store: store_options,
        } = options;
        config.validate()?;
        let loaded = startup::load_venue(config.map.as_deref(), config.map_root.as_deref())?;
        for warning in &loaded.warnings {
            tracing::warn!("map: {warning}");
        }
        let server_map = loaded.event_map();
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Listen {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
        let metrics = Arc::new(Metrics::default());
        let registry = Arc::new(Registry::default());
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let media = if !config.media.enabled {
            None
        } else if let (Some(secret), false) =
            (&config.media.node_secret, config.media.nodes.is_empty())
        {
            // Separate media processes (`amphi media`), reached in the background.
            let handles = config
                .media
                .nodes
                .iter()
                .map(|node| {
                    let handle = media::remote::connect(
                        node.control,
                        secret.clone(),
                        metrics.clone(),
                        shutdown_rx.clone(),
                    );
                    (handle, node.rooms.clone())
                })
                .collect();
            media::nodes::MediaNodes::several(handles)
        } else {
            let nodes = media::workers::spawn(&config.media, metrics.clone(), shutdown_rx.clone())
                .await
                .map_err(|(addr, source)| StartError::Media { addr, source })?;
            Some(nodes)
        };
        let settings = HubSettings {
            tick_hz: config.tick_hz,
            tick_phases: config.tick_phases,
            inbox: config.hub_inbox,
            max_frame_bytes: config.max_frame_bytes,
            clock: clock.clone(),
            map_url: loaded.map_url.clone().unwrap_or_default(),
            live_page: config.live_page,
            snapshot_interval: std::time::Duration::from_secs(config.snapshot_interval_secs),
            interest_cell_tiles: config.interest_cell_tiles,
            media,
            bubbles: domain::conversations::BubbleRules {
                radius: config.media.bubble_radius,
                max: config.media.bubble_max,
            },
            turn: config.media.turn.clone(),
            live_viewers: config.media.live_viewers,
        };

        let base = config.base_url(addr);
        let opened =
            startup::open_events(&config, &server_map, &clock, &store_options, &base).await?;
        let operator = instance::operator::OperatorKey::open(
            &config.data_dir,
            config.admin_token.as_ref().map(|t| t.expose()),
        )
        .map_err(|source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let admin_link = operator
            .shown
            .as_ref()
            .map(|token| format!("{base}/admin#token={token}"));
        let mut notes = opened.notes;
        if admin_link.is_none() {
            notes.push(
                "the operator's admin link was printed at first start only; set \
                 AMPHI_ADMIN_TOKEN (or admin_token) to choose one shown at every start"
                    .to_string(),
            );
        }
        let instance = Arc::new(instance::Instance::new(instance::InstanceParts {
            registry: registry.clone(),
            hub_settings: settings,
            metrics: metrics.clone(),
            shutdown: shutdown_rx.clone(),
            store: store_options,
            data_dir: config.data_dir.clone(),
            limits: config.limits.clone(),
            clock: clock.clone(),
            server_map,
            operator,
        }));
        for event in opened.events {
            instance.launch(event);
        }
        let admission = net::admission::Admission::new(config.connection_limits.clone());
        let state = Arc::new(net::AppState {
            registry,
            metrics,
            config,
            clock,
            shutdown: shutdown_rx,
            next_conn: AtomicU64::new(0),
            live_connections: watch::channel(0).0,
            bound: addr,
            admission,
            instance,
            probes: net::probe::Probes::default(),
        });
        Ok(Server {
            listener,
            state,
            shutdown_tx,
            links: opened.links,
            admin_link,
            notes,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.config.listen)
    }

    /// The join links that can be shown at this start: all five at the
    /// demo's creation; later, the saved non-moderator ones, plus the
    /// operator's bootstrap moderator link when configured (see [`startup`]).
    pub fn join_links(&self) -> &[JoinLink] {
        &self.links
    }

    /// The operator's admin link (`<base>/admin#token=…`): at the first
    /// start on a data directory, or at every start when the operator chose
    /// the token (`AMPHI_ADMIN_TOKEN`).
    pub fn admin_link(&self) -> Option<&str> {
        self.admin_link.as_deref()
    }

    /// Notes for the operator about links that cannot be shown (e.g. the
    /// moderator link, printed at first start only). Print them on stderr.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Serves until `shutdown` completes, then closes every connection with
    /// "going away", lets each hub finish its journal, and returns.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let app = net::router(self.state.clone());
        let tx = self.shutdown_tx.clone();
        let stopped = Arc::new(std::sync::OnceLock::new());
        let stop_mark = stopped.clone();
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down");
            let _ = tx.send(true);
            let _ = stop_mark.set(tokio::time::Instant::now());
        };
        let send_buffer = self.state.config.socket_send_buffer_bytes;
        let tune = move |tcp: &tokio::net::TcpStream| {
            // Real-time frames are small: send them now rather than let
            // Nagle's algorithm hold one back until the previous is
            // acknowledged.
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::warn!(%err, "cannot set TCP_NODELAY");
            }
            // A modest kernel send buffer, so a client that stops reading
            // stalls our writes (and is cut) in seconds rather than after
            // megabytes of autotuned buffer.
            if send_buffer > 0
                && let Err(err) = socket2::SockRef::from(tcp).set_send_buffer_size(send_buffer)
            {
                tracing::warn!(%err, "cannot set SO_SNDBUF");
            }
        };
        net::serve::serve(self.listener, app, tune, signal).await;
        let _ = self.shutdown_tx.send(true);
        let deadline = *stopped.get_or_init(tokio::time::Instant::now) + STOP_BOUND;
        let mut abandoned = 0;
        for hub in self.state.instance.take_tasks() {
            abandoned += hub.await.unwrap_or(0);
        }
        // Connections send the acks their hub released, then close.
        let mut open = self.state.live_connections.subscribe();
        let _ = tokio::time::timeout_at(deadline, open.wait_for(|n| *n == 0)).await;
        self.state.registry.clear();
        if abandoned > 0 {
            return Err(StartError::Abandoned(abandoned));
        }
        Ok(())
    }
}
