//! The embedded media server spread over several threads of the one
//! process (`[media] workers`).
//!
//! One media service forwards on one thread, and forwarding is what costs:
//! every packet is encrypted and sent once per receiver. Each
//! worker is a whole media service ([`super::service`]) on an OS thread of
//! its own, with its own single-threaded runtime and its own UDP socket
//! (and ICE-TCP on the same port), so workers share nothing but the
//! counters of `/metrics`. They are placed exactly as separate media
//! processes are ([`super::nodes::MediaNodes`]): each room's conversations
//! on one worker, a person's connection moved when they walk into a room of
//! another worker.

use super::nodes::MediaNodes;
use super::{MediaConfig, MediaHandle};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::{oneshot, watch};

/// Most workers a configuration may ask for: each is a thread and another
/// UDP (and TCP) port to open in the firewall.
pub const MAX: usize = 64;

/// Starts the embedded media server: one thread per worker, one worker
/// included (the media task never waits behind the hub's tasks, nor for
/// the runtime's coalescing pause, `coalesce_us`). Worker `i` listens on the
/// configured port plus `i` (any free port when it is 0). An error names
/// the address that could not be used.
pub async fn spawn(
    config: &MediaConfig,
    stats: Arc<crate::metrics::Metrics>,
    shutdown: watch::Receiver<bool>,
) -> Result<MediaNodes, (SocketAddr, std::io::Error)> {
    if config.workers <= 1 {
        let handle = start(0, config.clone(), stats, shutdown)
            .await
            .map_err(|err| (config.udp, err))?;
        return Ok(MediaNodes::single(handle));
    }
    let mut handles = Vec::with_capacity(config.workers);
    for index in 0..config.workers {
        let udp = port_of(config.udp, index).map_err(|err| (config.udp, err))?;
        let worker = MediaConfig {
            udp,
            ..config.clone()
        };
        let handle = start(index, worker, stats.clone(), shutdown.clone())
            .await
            .map_err(|err| (udp, err))?;
        handles.push((handle, Vec::new()));
    }
    MediaNodes::several(handles)
        .ok_or_else(|| (config.udp, std::io::Error::other("no media worker started")))
}

/// Worker `index`'s address: the configured one's port plus `index`, or
/// any free port when that is 0.
fn port_of(base: SocketAddr, index: usize) -> std::io::Result<SocketAddr> {
    if base.port() == 0 {
        return Ok(base);
    }
    u16::try_from(index)
        .ok()
        .and_then(|i| base.port().checked_add(i))
        .map(|port| SocketAddr::new(base.ip(), port))
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "media.udp's port plus media.workers goes past 65535",
            )
        })
}

/// Starts one worker thread and waits until its socket is bound.
async fn start(
    index: usize,
    config: MediaConfig,
    stats: Arc<crate::metrics::Metrics>,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<MediaHandle> {
    let (ready_tx, ready) = oneshot::channel();
    std::thread::Builder::new()
        .name(format!("media-{index}"))
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(err) => {
                    let _ = ready_tx.send(Err(err));
                    return;
                }
            };
            runtime.block_on(async move {
                match super::spawn(&config, stats, shutdown).await {
                    Ok((handle, task)) => {
                        let _ = ready_tx.send(Ok(handle));
                        // Until shutdown, or until every handle is dropped.
                        if let Err(err) = task.await {
                            tracing::error!(worker = index, %err, "media worker stopped: its rooms have no media until a restart");
                        }
                    }
                    Err(err) => {
                        let _ = ready_tx.send(Err(err));
                    }
                }
            });
        })?;
    ready
        .await
        .map_err(|_| std::io::Error::other("a media worker stopped while starting"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_take_consecutive_ports_or_free_ones() {
        let base = SocketAddr::from(([127, 0, 0, 1], 40000));
        assert_eq!(port_of(base, 0).unwrap().port(), 40000);
        assert_eq!(port_of(base, 3).unwrap().port(), 40003);
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        assert_eq!(port_of(any, 5).unwrap().port(), 0);
        let top = SocketAddr::from(([127, 0, 0, 1], 65535));
        assert!(port_of(top, 1).is_err());
    }
}
