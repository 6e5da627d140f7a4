//! The venue's side of the control channel: a [`MediaHandle`] whose
//! commands go to a separate media process (`amphi media`) over TCP, and
//! whose events come back to the hub that sent the peer's offer.
//!
//! The hub cannot tell it from the embedded media server. While the process
//! is unreachable, offers are refused (`offer_refused`) and the task tries
//! again every second; when the connection drops, every peer it carried is
//! told closed, so the hub and the browsers start again once it is back.

use super::control::{self, Challenge, ControlCommand, Welcome};
use super::node::spawn_reader;
use super::{EventSink, MediaCommand, MediaError, MediaEvent, MediaHandle, PeerId};
use crate::config::SecretString;
use crate::metrics::Metrics;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

/// Wait between two attempts to reach the media process.
const RETRY: Duration = Duration::from_secs(1);
/// Longest wait for the media process's challenge and welcome.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// A handle on the media process at `control`; connects in the background.
pub fn connect(
    control: SocketAddr,
    secret: SecretString,
    metrics: Arc<Metrics>,
    shutdown: watch::Receiver<bool>,
) -> MediaHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let link = Link {
        control,
        secret,
        metrics,
        commands: rx,
        sinks: HashMap::new(),
        shutdown,
    };
    tokio::spawn(link.run());
    MediaHandle { tx, addr: control }
}

struct Link {
    control: SocketAddr,
    secret: SecretString,
    metrics: Arc<Metrics>,
    commands: mpsc::UnboundedReceiver<MediaCommand>,
    /// Where each peer's events go (the hub that sent its offer).
    sinks: HashMap<PeerId, EventSink>,
    shutdown: watch::Receiver<bool>,
}

/// Why serving a connection stopped.
enum Stop {
    Shutdown,
    Lost(std::io::Error),
}

impl Link {
    async fn run(mut self) {
        loop {
            match self.handshake().await {
                Ok((read, write, welcome)) => {
                    tracing::info!(control = %self.control, udp = %welcome.udp, "media process connected");
                    self.metrics.media.nodes_connected.fetch_add(1, Relaxed);
                    let stop = self.serve(read, write).await;
                    self.metrics.media.nodes_connected.fetch_sub(1, Relaxed);
                    self.close_all("the media server was lost");
                    match stop {
                        Stop::Shutdown => return,
                        Stop::Lost(err) => {
                            tracing::warn!(control = %self.control, %err, "media process lost")
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(control = %self.control, %err, "media process unreachable")
                }
            }
            if self.wait_offline().await {
                return;
            }
        }
    }

    async fn handshake(
        &self,
    ) -> std::io::Result<(
        BufReader<tokio::net::tcp::OwnedReadHalf>,
        tokio::net::tcp::OwnedWriteHalf,
        Welcome,
    )> {
        let steps = async {
            let stream = TcpStream::connect(self.control).await?;
            let _ = stream.set_nodelay(true);
            let (read, mut write) = stream.into_split();
            let mut read = BufReader::new(read);
            let challenge: Challenge = control::read(&mut read)
                .await?
                .ok_or_else(|| closed("before its challenge"))?;
            control::write(
                &mut write,
                &control::prove(self.secret.expose(), &challenge),
            )
            .await?;
            let welcome: Welcome = control::read(&mut read)
                .await?
                .ok_or_else(|| closed("instead of welcoming us (wrong secret?)"))?;
            Ok((read, write, welcome))
        };
        tokio::time::timeout(HANDSHAKE_TIMEOUT, steps)
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "handshake timed out"))?
    }

    async fn serve(
        &mut self,
        read: BufReader<tokio::net::tcp::OwnedReadHalf>,
        mut write: tokio::net::tcp::OwnedWriteHalf,
    ) -> Stop {
        let mut events = spawn_reader::<MediaEvent>(read);
        loop {
            tokio::select! {
                _ = self.shutdown.changed() => return Stop::Shutdown,
                command = self.commands.recv() => {
                    let Some(command) = command else { return Stop::Shutdown };
                    match &command {
                        MediaCommand::Offer { peer, events, .. } => {
                            self.sinks.insert(*peer, events.clone());
                        }
                        MediaCommand::Leave { peer } => {
                            self.sinks.remove(peer);
                        }
                        _ => {}
                    }
                    let line = ControlCommand::from_command(command);
                    if let Err(err) = control::write(&mut write, &line).await {
                        return Stop::Lost(err);
                    }
                }
                event = events.recv() => match event {
                    Some(Ok(event)) => self.route(event),
                    Some(Err(err)) => return Stop::Lost(err),
                    None => return Stop::Lost(closed("")),
                },
            }
        }
    }

    /// Hands an event to the hub of its peer.
    fn route(&mut self, event: MediaEvent) {
        let peer = event.peer();
        let closing = matches!(event, MediaEvent::Closed { .. });
        if let Some(sink) = self.sinks.get(&peer) {
            let _ = sink.send(event);
        }
        if closing {
            self.sinks.remove(&peer);
        }
    }

    fn close_all(&mut self, reason: &str) {
        for (peer, sink) in self.sinks.drain() {
            let _ = sink.send(MediaEvent::Closed {
                peer,
                reason: reason.to_string(),
            });
        }
    }

    /// Waits before the next attempt, refusing offers meanwhile; true on shutdown.
    async fn wait_offline(&mut self) -> bool {
        let retry = tokio::time::sleep(RETRY);
        tokio::pin!(retry);
        loop {
            tokio::select! {
                _ = self.shutdown.changed() => return true,
                _ = &mut retry => return false,
                command = self.commands.recv() => match command {
                    Some(MediaCommand::Offer { peer, events, .. }) => {
                        let error = MediaError::OfferRefused("the media server is unreachable".into());
                        let reason = error.to_string();
                        let _ = events.send(MediaEvent::Refused { peer, error });
                        let _ = events.send(MediaEvent::Closed { peer, reason });
                    }
                    Some(_) => {}
                    None => return true,
                },
            }
        }
    }
}

fn closed(when: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        format!("the media process closed the connection {when}")
            .trim_end()
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::MediaConfig;
    use crate::media::node::{Node, NodeOptions};

    /// A media process on loopback and a venue link to it with `secret`;
    /// returns what the process says to a malformed offer.
    async fn offer_through(secret: &str) -> MediaEvent {
        let (_stop, shutdown) = watch::channel(false);
        let node = Node::bind(
            NodeOptions {
                control: SocketAddr::from(([127, 0, 0, 1], 0)),
                media: MediaConfig::default(),
                secret: SecretString::new("the right one"),
            },
            shutdown.clone(),
        )
        .await
        .unwrap();
        let (control, _) = node.addrs().unwrap();
        tokio::spawn(node.run());
        let metrics = Arc::new(Metrics::default());
        let handle = connect(control, SecretString::new(secret), metrics, shutdown);
        let (events, mut rx) = mpsc::unbounded_channel();
        handle.send(MediaCommand::Offer {
            peer: PeerId(7),
            sdp: "v=0 not really".into(),
            events,
        });
        tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap()
    }

    #[tokio::test]
    async fn the_process_serves_a_venue_that_knows_the_secret_and_no_other() {
        let MediaEvent::Refused { error, .. } = offer_through("the right one").await else {
            panic!("expected a refusal from the media process");
        };
        assert_eq!(error.code(), "bad_sdp", "{error}");
        let MediaEvent::Refused { error, .. } = offer_through("a wrong one").await else {
            panic!("expected a refusal from the link");
        };
        assert_eq!(
            error,
            MediaError::OfferRefused("the media server is unreachable".into())
        );
    }
}
