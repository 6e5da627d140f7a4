//! ICE over TCP (RFC 6544): a passive TCP candidate on the media port, for
//! networks that let TCP out but not UDP.
//!
//! Browsers connect to the media server's TCP port (the same number as its
//! UDP port) and send the same STUN, DTLS and SRTP packets, each framed with
//! a two-byte length (RFC 4571). This module only moves those frames: each
//! connection has a reader task that hands complete packets to the media
//! task, and a writer task fed by the media task. str0m does the rest, as
//! for UDP.

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Packets queued towards one TCP client before new ones are dropped (as a
/// full UDP socket would).
const OUT_QUEUE: usize = 512;
/// Most TCP connections at once.
const MAX_CONNECTIONS: usize = 4096;

/// What the TCP side tells the media task.
#[derive(Debug)]
pub enum TcpEvent {
    /// A client connected; packets for it go into the sender.
    Opened(SocketAddr, mpsc::Sender<Vec<u8>>),
    /// A complete packet from a client.
    Packet(SocketAddr, Vec<u8>),
    /// The connection ended.
    Closed(SocketAddr),
}

/// Accepts TCP clients on `listener` and reports them on `events`.
pub fn spawn(listener: TcpListener, events: mpsc::UnboundedSender<TcpEvent>) {
    tokio::spawn(async move {
        let open = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        loop {
            let Ok((stream, remote)) = listener.accept().await else {
                continue;
            };
            let Ok(permit) = open.clone().try_acquire_owned() else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let conn_events = events.clone();
            tokio::spawn(async move {
                serve(stream, remote, &conn_events).await;
                let _ = conn_events.send(TcpEvent::Closed(remote));
                drop(permit);
            });
            if events.is_closed() {
                break;
            }
        }
    });
}

async fn serve(stream: TcpStream, remote: SocketAddr, events: &mpsc::UnboundedSender<TcpEvent>) {
    let (mut read, mut write) = stream.into_split();
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(OUT_QUEUE);
    if events.send(TcpEvent::Opened(remote, tx)).is_err() {
        return;
    }
    let writer = tokio::spawn(async move {
        while let Some(packet) = rx.recv().await {
            let Ok(len) = u16::try_from(packet.len()) else {
                continue;
            };
            let mut framed = Vec::with_capacity(packet.len() + 2);
            framed.extend_from_slice(&len.to_be_bytes());
            framed.extend_from_slice(&packet);
            if write.write_all(&framed).await.is_err() {
                break;
            }
        }
    });
    loop {
        let mut len = [0u8; 2];
        if read.read_exact(&mut len).await.is_err() {
            break;
        }
        let mut packet = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if read.read_exact(&mut packet).await.is_err() {
            break;
        }
        if events.send(TcpEvent::Packet(remote, packet)).is_err() {
            break;
        }
    }
    writer.abort();
}
