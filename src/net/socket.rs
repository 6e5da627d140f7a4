//! One WebSocket, owned whole by its connection task: tungstenite decodes
//! what the client sends (masking, fragments, pings, close, size limits),
//! and the server's text frames are written straight from their shared
//! buffers.
//!
//! Why not axum's `WebSocket` split in two halves: each call on a half takes
//! the split's lock (`BiLock`); every frame is copied into tungstenite's
//! write buffer, and that buffer keeps the capacity of the largest burst for
//! the life of the connection (a `welcome` listing 2,000 people is ~100 KB).
//! Here a burst of frames leaves in one vectored write (each frame's 2–10
//! byte header and its `Bytes`, no copy), and nothing stays allocated
//! between bursts.

use crate::protocol::Frame;
use bytes::Bytes;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::io::{self, IoSlice, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocket, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message};

/// Most slices handed to one `writev` (Linux takes at most 1024); a tick's
/// burst (its answers and its batch) needs a few.
const MAX_SLICES: usize = 64;
/// Parts of frames the write queue keeps room for between bursts.
const KEEP_PARTS: usize = 4;

/// The upgraded connection as tungstenite's blocking-style stream: reads and
/// writes poll the socket with the waker of the task's current poll and
/// report `WouldBlock` while it is not ready (as tokio-tungstenite does).
struct Polled {
    io: TokioIo<Upgraded>,
    waker: Waker,
}

impl Polled {
    fn poll<T>(
        &mut self,
        f: impl FnOnce(Pin<&mut TokioIo<Upgraded>>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> io::Result<T> {
        let mut cx = Context::from_waker(&self.waker);
        match f(Pin::new(&mut self.io), &mut cx) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Read for Polled {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut buf = ReadBuf::new(buf);
        self.poll(|io, cx| io.poll_read(cx, &mut buf))?;
        Ok(buf.filled().len())
    }
}

impl Write for Polled {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.poll(|io, cx| io.poll_write(cx, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.poll(|io, cx| io.poll_flush(cx))
    }
}

/// A server-side WebSocket connection.
pub struct Socket {
    ws: WebSocket<Polled>,
    /// What is left of a write that was given up midway (it stalled): it
    /// goes out before anything else, the close frame included.
    unsent: VecDeque<Part>,
}

/// A piece of an outgoing frame: its header or its payload.
enum Part {
    Header(Header),
    Payload(Bytes),
}

impl Part {
    fn rest(&self) -> &[u8] {
        match self {
            Part::Header(header) => header.bytes(),
            Part::Payload(bytes) => bytes,
        }
    }

    /// Drops the first `n` bytes (at most its length).
    fn advance(&mut self, n: usize) {
        match self {
            Part::Header(header) => header.start += n as u8,
            Part::Payload(bytes) => bytes::Buf::advance(bytes, n),
        }
    }
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
    /// Wraps an upgraded HTTP connection (the handshake is already answered).
    pub fn new(upgraded: Upgraded, config: WebSocketConfig) -> Socket {
        let io = Polled {
            io: TokioIo::new(upgraded),
            waker: Waker::noop().clone(),
        };
        Socket {
            ws: WebSocket::from_raw_socket(io, Role::Server, Some(config)),
            unsent: VecDeque::new(),
        }
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

    /// Writes text frames, in order, in as few system calls as the socket
    /// takes (one when its buffer has room). Cancel-safe in that what was
    /// not written yet goes out first on the next write or on
    /// [`Socket::close`].
    pub async fn send_texts(&mut self, frames: &[Frame]) -> io::Result<()> {
        if self.unsent.is_empty() {
            // Control frames tungstenite still holds (a pong) go first, whole.
            poll_fn(|cx| ready(self.with_waker(cx).flush()))
                .await
                .map_err(io::Error::other)?;
        }
        for frame in frames {
            self.unsent
                .push_back(Part::Header(Header::text(frame.len())));
            self.unsent
                .push_back(Part::Payload(Bytes::from(frame.clone())));
        }
        self.write_unsent().await
    }

    /// Writes what is in `unsent`, one vectored write at a time.
    async fn write_unsent(&mut self) -> io::Result<()> {
        while !self.unsent.is_empty() {
            let written = poll_fn(|cx| {
                let mut slices = [IoSlice::new(&[]); MAX_SLICES];
                let mut count = 0;
                for (slot, part) in slices.iter_mut().zip(&self.unsent) {
                    *slot = IoSlice::new(part.rest());
                    count += 1;
                }
                let io = &mut self.ws.get_mut().io;
                Pin::new(io).poll_write_vectored(cx, &slices[..count])
            })
            .await?;
            if written == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            self.consume(written);
        }
        // Give back what a large burst made the queue grow.
        if self.unsent.capacity() > KEEP_PARTS {
            self.unsent = VecDeque::new();
        }
        Ok(())
    }

    /// Drops `written` bytes from the front of `unsent`.
    fn consume(&mut self, mut written: usize) {
        while written > 0 {
            let Some(part) = self.unsent.front_mut() else {
                return;
            };
            let len = part.rest().len();
            if written < len {
                part.advance(written);
                return;
            }
            written -= len;
            self.unsent.pop_front();
        }
        while self.unsent.front().is_some_and(|p| p.rest().is_empty()) {
            self.unsent.pop_front();
        }
    }

    /// Starts the closing handshake with this code and reason: what is left
    /// of an interrupted write goes first, then the close frame.
    pub async fn close(&mut self, code: u16, reason: &str) -> Result<(), Error> {
        self.write_unsent().await?;
        let frame = CloseFrame {
            code: code.into(),
            reason: reason.into(),
        };
        // The frame is queued by the first call; the next ones only flush.
        let mut frame = Some(frame);
        poll_fn(|cx| {
            let ws = self.with_waker(cx);
            match frame.take() {
                Some(frame) => ready(ws.close(Some(frame))),
                None => ready(ws.flush()),
            }
        })
        .await
    }
}

/// The header of an unmasked, final server frame, and how much of it was
/// written.
struct Header {
    bytes: [u8; 10],
    len: u8,
    start: u8,
}

impl Header {
    fn text(payload: usize) -> Header {
        const FIN_TEXT: u8 = 0x81;
        let mut bytes = [0; 10];
        bytes[0] = FIN_TEXT;
        let len = if payload < 126 {
            bytes[1] = payload as u8;
            2
        } else if let Ok(short) = u16::try_from(payload) {
            bytes[1] = 126;
            bytes[2..4].copy_from_slice(&short.to_be_bytes());
            4
        } else {
            bytes[1] = 127;
            bytes[2..10].copy_from_slice(&(payload as u64).to_be_bytes());
            10
        };
        Header {
            bytes,
            len,
            start: 0,
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.bytes[usize::from(self.start)..usize::from(self.len)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_use_the_shortest_length_form() {
        assert_eq!(Header::text(5).bytes(), [0x81, 5]);
        assert_eq!(Header::text(125).bytes(), [0x81, 125]);
        assert_eq!(Header::text(126).bytes(), [0x81, 126, 0, 126]);
        assert_eq!(Header::text(65_535).bytes(), [0x81, 126, 0xff, 0xff]);
        assert_eq!(
            Header::text(65_536).bytes(),
            [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]
        );
    }
}
