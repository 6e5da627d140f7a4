//! `amphi media`: the media server as a process of its own, driven by a
//! venue server over the control channel ([`super::control`]).
//!
//! It runs the same media task as the embedded mode ([`super::spawn`]) and
//! listens for the venue on a TCP address. One venue drives it at a time: a
//! venue that proves itself replaces the previous connection, and every
//! peer of a connection that ends is dropped (the hub re-forms the
//! conversations as people reconnect, as after a restart).

use super::control::{self, ControlCommand, Proof, Welcome};
use super::{MediaCommand, MediaConfig, MediaEvent, MediaHandle, PeerId};
use crate::config::SecretString;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// How long a venue has to answer the challenge.
const PROOF_TIMEOUT: Duration = Duration::from_secs(5);

/// How a media process listens.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// Where the venue connects (TCP).
    pub control: SocketAddr,
    /// The media socket and its timeouts (`udp`, `public_ip`, ...).
    pub media: MediaConfig,
    /// The secret the venue proves it knows (`AMPHI_MEDIA_SECRET`).
    pub secret: SecretString,
}

/// A media process, bound and ready: [`Node::run`] serves it.
pub struct Node {
    listener: TcpListener,
    handle: MediaHandle,
    secret: SecretString,
    shutdown: watch::Receiver<bool>,
}

impl Node {
    /// Binds the control address and the media socket.
    pub async fn bind(
        options: NodeOptions,
        shutdown: watch::Receiver<bool>,
    ) -> std::io::Result<Node> {
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let (handle, _task) = super::spawn(&options.media, metrics, shutdown.clone()).await?;
        let listener = TcpListener::bind(options.control).await?;
        Ok(Node {
            listener,
            handle,
            secret: options.secret,
            shutdown,
        })
    }

    /// The control address (TCP) and the media address (UDP) it listens on.
    pub fn addrs(&self) -> std::io::Result<(SocketAddr, SocketAddr)> {
        Ok((self.listener.local_addr()?, self.handle.addr))
    }

    /// Accepts venues until shutdown.
    pub async fn run(mut self) {
        let (generation, _) = watch::channel(0u64);
        loop {
            tokio::select! {
                _ = self.shutdown.changed() => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, from)) => {
                        let _ = stream.set_nodelay(true);
                        let venue = Venue {
                            handle: self.handle.clone(),
                            secret: self.secret.clone(),
                            generation: generation.clone(),
                        };
                        tokio::spawn(async move {
                            match venue.serve(stream).await {
                                Ok(()) => tracing::info!(%from, "venue disconnected"),
                                Err(err) => tracing::warn!(%from, %err, "venue connection ended"),
                            }
                        });
                    }
                    Err(err) => tracing::debug!(%err, "control accept"),
                },
            }
        }
    }
}

/// One venue's connection.
struct Venue {
    handle: MediaHandle,
    secret: SecretString,
    /// Bumped by each venue that proves itself; older connections end.
    generation: watch::Sender<u64>,
}

impl Venue {
    async fn serve(self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        let challenge = control::challenge();
        control::write(&mut write, &challenge).await?;
        let proof: Option<Proof> = tokio::time::timeout(PROOF_TIMEOUT, control::read(&mut read))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no proof in time"))??;
        if !proof.is_some_and(|p| control::verify(self.secret.expose(), &challenge, &p)) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the venue did not prove the shared secret",
            ));
        }
        let mine = {
            let mut mine = 0;
            self.generation.send_modify(|g| {
                *g += 1;
                mine = *g;
            });
            mine
        };
        let mut replaced = self.generation.subscribe();
        control::write(
            &mut write,
            &Welcome {
                udp: self.handle.addr,
            },
        )
        .await?;
        tracing::info!("venue connected");
        let commands = spawn_reader::<ControlCommand>(read);
        let (events_tx, events) = mpsc::unbounded_channel();
        let mut session = Session {
            handle: &self.handle,
            events_tx,
            peers: HashSet::new(),
        };
        let result = session
            .pump(commands, events, &mut write, &mut replaced, mine)
            .await;
        for peer in session.peers.drain() {
            self.handle.send(MediaCommand::Leave { peer });
        }
        result
    }
}

/// The peers one venue connection started, so they go when it does.
struct Session<'a> {
    handle: &'a MediaHandle,
    events_tx: mpsc::UnboundedSender<MediaEvent>,
    peers: HashSet<PeerId>,
}

impl Session<'_> {
    async fn pump(
        &mut self,
        mut commands: mpsc::Receiver<std::io::Result<ControlCommand>>,
        mut events: mpsc::UnboundedReceiver<MediaEvent>,
        write: &mut tokio::net::tcp::OwnedWriteHalf,
        replaced: &mut watch::Receiver<u64>,
        mine: u64,
    ) -> std::io::Result<()> {
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Ok(command)) => {
                        match &command {
                            ControlCommand::Offer { peer, .. } => {
                                self.peers.insert(*peer);
                            }
                            ControlCommand::Leave { peer } => {
                                self.peers.remove(peer);
                            }
                            _ => {}
                        }
                        self.handle.send(command.into_command(&self.events_tx));
                    }
                    Some(Err(err)) => return Err(err),
                    None => return Ok(()),
                },
                Some(event) = events.recv() => {
                    if let MediaEvent::Closed { peer, .. } = &event {
                        self.peers.remove(peer);
                    }
                    control::write(write, &event).await?;
                }
                changed = replaced.changed() => {
                    if changed.is_err() || *replaced.borrow() != mine {
                        tracing::info!("another venue connected: this one is dropped");
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// Reads lines of `T` on a task of its own (a line read is not cancel-safe
/// inside `select!`); the channel closes at the end of the stream.
pub(super) fn spawn_reader<T>(
    mut read: BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> mpsc::Receiver<std::io::Result<T>>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(async move {
        loop {
            match control::read::<T>(&mut read).await {
                Ok(Some(value)) => {
                    if tx.send(Ok(value)).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    let _ = tx.send(Err(err)).await;
                    break;
                }
            }
        }
    });
    rx
}
