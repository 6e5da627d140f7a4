//! One WebSocket, owned by its connection task: tungstenite decodes what
//! the client sends (masking, fragments, pings, close, size limits), and
//! the server's text frames are written straight from their shared buffers
//! through the socket's [`Wire`], which the event's hub may also write
//! position batches to.
//!
//! Why not axum's `WebSocket` split in two halves: each call on a half takes
//! the split's lock (`BiLock`); every frame is copied into tungstenite's
//! write buffer, and that buffer keeps the capacity of the largest burst for
//! the life of the connection (a `welcome` listing 2,000 people is ~100 KB).
//! Here a burst of frames leaves in one vectored write (each frame's 2–10
//! byte header and its `Bytes`, no copy), and nothing stays allocated
//! between bursts.

use super::wire::Wire;
use crate::protocol::Frame;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocket, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message};

/// The socket as tungstenite's blocking-style stream: reads poll the socket
/// with the waker of the task's current poll and report `WouldBlock` while
/// it is not ready (as tokio-tungstenite does); writes go to the [`Wire`],
/// which always takes them whole.
struct Polled {
    wire: Arc<Wire>,
    waker: Waker,
}

impl Read for Polled {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let stream = self.wire.stream();
        loop {
            match stream.try_read(buf) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                done => return done,
            }
            match stream.poll_read_ready(&mut Context::from_waker(&self.waker)) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(err)) => return Err(err),
                Poll::Pending => return Err(io::ErrorKind::WouldBlock.into()),
            }
        }
    }
}

impl Write for Polled {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.wire.write_control(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A server-side WebSocket connection.
pub struct Socket {
    ws: WebSocket<Polled>,
    wire: Arc<Wire>,
}

/// The result of one tungstenite call made inside a poll: `WouldBlock` means
/// "not yet", and the waker is already registered with the socket.
fn ready<T>(result: Result<T, Error>) -> Poll<Result<T, Error>> {
    match result {
        Err(Error::Io(err)) if err.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
        other => Poll::Ready(other),
    }
}

impl Socket {
    /// Wraps an upgraded HTTP connection (the handshake is already
    /// answered). `None` if it is not a TCP connection served by hyper
    /// (the server only serves those).
    pub fn new(upgraded: Upgraded, config: WebSocketConfig) -> Option<Socket> {
        let parts = upgraded.downcast::<TokioIo<TcpStream>>().ok()?;
        let control_limit = config.max_write_buffer_size;
        let wire = Arc::new(Wire::new(parts.io.into_inner(), control_limit));
        let io = Polled {
            wire: wire.clone(),
            waker: Waker::noop().clone(),
        };
        // What the client sent right after its request (e.g. its `hello`)
        // may already have been read with the request.
        let ws =
            WebSocket::from_partially_read(io, parts.read_buf.to_vec(), Role::Server, Some(config));
        Some(Socket { ws, wire })
    }

    /// The socket's write side, for the hub's own writes.
    pub fn wire(&self) -> &Arc<Wire> {
        &self.wire
    }

    fn with_waker(&mut self, cx: &Context<'_>) -> &mut WebSocket<Polled> {
        self.ws.get_mut().waker.clone_from(cx.waker());
        &mut self.ws
    }

    /// The next message from the client; `None` once the connection ended.
    /// Cancel-safe: what was read stays in tungstenite's buffer. Pings are
    /// answered (on this or the next call).
    pub async fn next(&mut self) -> Option<Result<Message, Error>> {
        let read = poll_fn(|cx| ready(self.with_waker(cx).read())).await;
        match read {
            Ok(message) => Some(Ok(message)),
            Err(Error::ConnectionClosed | Error::AlreadyClosed) => None,
            Err(err) => Some(Err(err)),
        }
    }

    /// Queues the frames `take` returns after what waits to be written (see
    /// [`Wire::stage`]); returns whether anything waits.
    pub fn stage(&mut self, take: impl FnOnce() -> Vec<Frame>) -> bool {
        // Control frames tungstenite still holds (a pong) go first.
        let _ = self.ws.flush();
        self.wire.stage(take)
    }

    /// Whether anything waits to be written (e.g. a pong the socket did not
    /// take at once).
    pub fn has_unsent(&self) -> bool {
        self.wire.has_unsent()
    }

    /// Writes text frames, in order, after what waits, in as few system
    /// calls as the socket takes (one when its buffer has room).
    /// Cancel-safe in that what was not written yet goes out first on the
    /// next write or on [`Socket::close`].
    pub async fn send_texts(&mut self, frames: &[Frame]) -> io::Result<()> {
        self.stage(|| frames.to_vec());
        self.flush().await
    }

    /// Writes what waits, until nothing is left.
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.wire.poll_flush(cx)).await
    }

    /// Starts the closing handshake with this code and reason: what waits
    /// goes first, then the close frame; the hub writes nothing after it.
    pub async fn close(&mut self, code: u16, reason: &str) -> Result<(), Error> {
        self.wire.start_closing();
        self.flush().await?;
        let frame = CloseFrame {
            code: code.into(),
            reason: reason.into(),
        };
        // tungstenite hands the frame to the wire, which takes it whole
        // (writes never report `WouldBlock`).
        self.ws.close(Some(frame)).and_then(|()| self.ws.flush())?;
        self.flush().await.map_err(Error::Io)
    }
}
