//! Amphi: a real-time virtual venue for hackathons.
//!
//! # Layout
//!
//! - [`domain`]: the pure core. An [`domain::Event`] and the rules that change
//!   it: members, teams, chat, presence and movement, permissions. No IO, no
//!   clock: every change gets an explicit `now`, so the journal replays exactly.
//! - [`venue`]: a Tiled map (`.tmj`) turned into rooms, a collision grid,
//!   spawn points and paths. Also pure.
//! - [`protocol`]: the JSON wire messages (see `docs/protocol.md`).
//! - [`hub`]: one actor task per event, the single writer of its state; routes
//!   effects to sessions and batches positions per room per tick.
//! - [`net`]: axum router, WebSocket connections, health, metrics, static files.
//! - [`store`]: the journal of durable commands.
//! - [`config`], [`metrics`], [`clock`], [`secret`], [`demo`]: the rest.
//!
//! [`Server`] ties them together: `Server::start(config)` binds and prepares,
//! `run(shutdown)` serves until the shutdown future completes.

#![forbid(unsafe_code)]

pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod hub;
pub mod metrics;
pub mod net;
pub mod protocol;
pub mod secret;
pub mod store;
pub mod venue;

use axum::serve::ListenerExt;
use clock::Clock;
use config::Config;
use domain::Role;
use hub::{HubSettings, Registry};
use metrics::Metrics;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use venue::{MapError, Venue};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("cannot read map {path}: {source}")]
    ReadMap {
        path: String,
        source: std::io::Error,
    },
    #[error("map {path}: {source}")]
    Map { path: String, source: MapError },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// A join link printed at start: `ROLE: URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinLink {
    pub role: Role,
    pub url: String,
    /// The invite token inside the URL.
    pub token: String,
}

/// A bound, ready server. [`Server::run`] serves it.
pub struct Server {
    listener: TcpListener,
    state: Arc<net::AppState>,
    shutdown_tx: watch::Sender<bool>,
    hubs: Vec<JoinHandle<()>>,
    links: Vec<JoinLink>,
}

impl Server {
    /// Loads the venue, prepares the events and binds the listener.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        Server::start_with_clock(config, Clock::System).await
    }

    /// As [`Server::start`], with an injectable clock (tests).
    pub async fn start_with_clock(config: Config, clock: Clock) -> Result<Server, StartError> {
        config.validate()?;
        let (venue, map_text) = load_venue(config.map.as_deref())?;
        let map_url = match config.map.as_deref().and_then(Path::file_name) {
            Some(file) => format!("/venue/{}", file.to_string_lossy()),
            None => "/assets/maps/default.tmj".to_string(),
        };
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
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;

        let metrics = Arc::new(Metrics::default());
        let registry = Arc::new(Registry::default());
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let settings = HubSettings {
            tick_hz: config.tick_hz,
            inbox: config.hub_inbox,
            max_frame_bytes: config.max_frame_bytes,
            clock: clock.clone(),
            map_url,
            live_page: config.live_page,
        };

        let (commands, tokens) = demo::demo_setup();
        let event = demo::apply_setup(
            Arc::new(venue),
            config.limits.clone(),
            &commands,
            clock.now(),
        );
        let journal = store::Journal::in_memory(1);
        let (handle, task) = hub::spawn(
            event,
            journal,
            map_text,
            settings,
            metrics.clone(),
            shutdown_rx.clone(),
        );
        registry.insert(handle);

        let base = config.base_url(addr);
        let links = tokens
            .into_iter()
            .map(|(role, token)| JoinLink {
                role,
                url: format!("{base}/?event={}&invite={token}", demo::DEMO_EVENT_ID),
                token,
            })
            .collect();
        let state = Arc::new(net::AppState {
            registry,
            metrics,
            config,
            clock,
            shutdown: shutdown_rx,
            next_conn: AtomicU64::new(0),
            bound: addr,
        });
        Ok(Server {
            listener,
            state,
            shutdown_tx,
            hubs: vec![task],
            links,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.config.listen)
    }

    /// One join link per role for the demo event.
    pub fn join_links(&self) -> &[JoinLink] {
        &self.links
    }

    /// Serves until `shutdown` completes, then closes every connection with
    /// "going away", lets each hub finish its journal, and returns.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let app =
            net::router(self.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let tx = self.shutdown_tx.clone();
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down");
            let _ = tx.send(true);
        };
        // Real-time frames are small: send them now rather than let Nagle's
        // algorithm hold one back until the previous is acknowledged.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::warn!(%err, "cannot set TCP_NODELAY");
            }
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await
            .map_err(StartError::Serve)?;
        let _ = self.shutdown_tx.send(true);
        for hub in self.hubs {
            let _ = hub.await;
        }
        self.state.registry.clear();
        Ok(())
    }
}

/// The configured map, or the embedded default venue; with its text.
fn load_venue(path: Option<&Path>) -> Result<(Venue, Arc<str>), StartError> {
    let Some(path) = path else {
        let venue = Venue::from_tmj(Venue::DEFAULT_MAP_TMJ).map_err(|source| StartError::Map {
            path: "<embedded default>".into(),
            source,
        })?;
        return Ok((venue, Arc::from(Venue::DEFAULT_MAP_TMJ)));
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| StartError::ReadMap {
        path: shown.clone(),
        source,
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let resolve =
        |relative: &str| std::fs::read_to_string(dir.join(relative)).map_err(|e| e.to_string());
    let venue = Venue::from_tmj_with(&text, &resolve).map_err(|source| StartError::Map {
        path: shown,
        source,
    })?;
    Ok((venue, Arc::from(text)))
}
