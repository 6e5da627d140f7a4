//! The write side of one WebSocket, shared by its connection task and the
//! event's hub: every byte the server sends on the socket goes through
//! here, under one lock, so that two writers never interleave.
//!
//! The hub writes a reader's position batch (and the answers to its steps)
//! itself, in the tick, when nothing else waits to go out on that socket
//! and the socket takes it whole ([`Wire::write_now`]): the connection task
//! is not woken for it. That is what most batches do, and it saves one
//! task wake-up per reader per tick. Everything else — queued frames, a
//! batch that found the connection busy, the rest of a write the socket did
//! not take whole, tungstenite's control frames — waits in `unsent`, in
//! order, and is written by the connection task ([`Wire::poll_flush`]),
//! which is woken for it.

use crate::hub::link::{DirectWrite, Written};
use crate::protocol::Frame;
use bytes::Bytes;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use tokio::io::Interest;
use tokio::net::TcpStream;

/// Most slices handed to one `writev` (Linux takes at most 1024); a tick's
/// burst (its answers and its batch) needs a few.
const MAX_SLICES: usize = 64;
/// Parts of frames the unsent queue keeps room for once emptied.
const KEEP_PARTS: usize = 4;

/// One WebSocket's socket and what is waiting to be written on it.
#[derive(Debug)]
pub struct Wire {
    stream: TcpStream,
    out: Mutex<Out>,
    /// Most bytes of control frames kept unsent (a client that sends pings
    /// and reads nothing is cut, not buffered for).
    control_limit: usize,
}

#[derive(Debug, Default)]
struct Out {
    /// What must go out before anything else, in order: frames staged by
    /// the connection task and the rest of writes the socket did not take
    /// whole.
    unsent: VecDeque<Part>,
    /// The close frame is on its way: the hub writes nothing more.
    closing: bool,
    /// Bytes of control frames added to `unsent` since it was last empty.
    control_held: usize,
}

/// A piece of an outgoing frame: its header or its payload.
#[derive(Debug)]
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

/// Appends a text frame's two parts.
fn push_frame(unsent: &mut VecDeque<Part>, frame: &Frame) {
    unsent.push_back(Part::Header(Header::text(frame.len())));
    unsent.push_back(Part::Payload(Bytes::from(frame.clone())));
}

/// Drops `written` bytes from the front of `unsent`.
fn consume(unsent: &mut VecDeque<Part>, mut written: usize) {
    while written > 0 {
        let Some(part) = unsent.front_mut() else {
            return;
        };
        let len = part.rest().len();
        if written < len {
            part.advance(written);
            return;
        }
        written -= len;
        unsent.pop_front();
    }
    while unsent.front().is_some_and(|p| p.rest().is_empty()) {
        unsent.pop_front();
    }
}

impl Wire {
    pub fn new(stream: TcpStream, control_limit: usize) -> Wire {
        Wire {
            stream,
            out: Mutex::new(Out::default()),
            control_limit,
        }
    }

    /// The socket, for reading.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    fn out(&self) -> MutexGuard<'_, Out> {
        // A writer that panicked left whole parts behind: still in order.
        self.out.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// From now on only the connection task writes (its close frame and
    /// what is left before it).
    pub fn start_closing(&self) {
        self.out().closing = true;
    }

    /// Queues the frames `take` returns after what is unsent. `take` runs
    /// under the write lock, so frames taken from the hub's queue cannot be
    /// overtaken by a batch the hub writes meanwhile. Returns whether
    /// anything is waiting to be written.
    pub fn stage(&self, take: impl FnOnce() -> Vec<Frame>) -> bool {
        let mut out = self.out();
        let unsent = &mut out.unsent;
        for frame in take() {
            push_frame(unsent, &frame);
        }
        !unsent.is_empty()
    }

    /// Whether anything is waiting to be written.
    pub fn has_unsent(&self) -> bool {
        !self.out().unsent.is_empty()
    }

    /// Writes what is unsent, one vectored write at a time, until nothing
    /// is left (`Ready(Ok)`) or the socket is full (`Pending`, woken when
    /// it has room).
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            {
                let mut out = self.out();
                if out.unsent.is_empty() {
                    out.control_held = 0;
                    if out.unsent.capacity() > KEEP_PARTS {
                        out.unsent = VecDeque::new();
                    }
                    return Poll::Ready(Ok(()));
                }
                let unsent = &mut out.unsent;
                match self.write_parts(unsent) {
                    Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    Ok(written) => {
                        consume(unsent, written);
                        continue;
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    Err(err) => return Poll::Ready(Err(err)),
                }
            }
            // Full: wait for room. The failed write cleared the socket's
            // readiness; it may have come back since.
            match self.stream.poll_write_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// One `sendmsg` of the first parts; the lock is held by the caller.
    /// `sendmsg` rather than `writev`: the socket call skips the file layer
    /// (`vfs_writev`, the file position lock), ~0.8 points of a core when
    /// the tick writes 20,000 batches a second (BENCHMARKS.md).
    fn write_parts(&self, unsent: &VecDeque<Part>) -> io::Result<usize> {
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let mut count = 0;
        for (slot, part) in slices.iter_mut().zip(unsent) {
            *slot = IoSlice::new(part.rest());
            count += 1;
        }
        self.stream.try_io(Interest::WRITABLE, || {
            socket2::SockRef::from(&self.stream).send_vectored(&slices[..count])
        })
    }

    /// tungstenite's own bytes (a pong, a close frame): written now if
    /// nothing waits before them, else (and what the socket did not take)
    /// kept after what is unsent, for the connection task's next flush.
    /// Always takes the whole buffer, so tungstenite never holds half a
    /// frame that a batch could interleave with; fails once more than the
    /// limit of control bytes waits.
    pub fn write_control(&self, buf: &[u8]) -> io::Result<usize> {
        let mut out = self.out();
        let written = if out.unsent.is_empty() {
            match self.stream.try_write(buf) {
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => 0,
                Err(err) => return Err(err),
            }
        } else {
            0
        };
        if written < buf.len() {
            let rest = &buf[written..];
            out.control_held += rest.len();
            if out.control_held > self.control_limit {
                return Err(io::Error::other("control frames held over the limit"));
            }
            out.unsent
                .push_back(Part::Payload(Bytes::copy_from_slice(rest)));
        }
        Ok(buf.len())
    }
}

impl DirectWrite for Wire {
    fn write_now(
        &self,
        frames: &mut dyn Iterator<Item = &Frame>,
        clear: &dyn Fn() -> bool,
    ) -> Written {
        let mut out = self.out();
        if out.closing || !out.unsent.is_empty() || !clear() {
            return Written::Refused;
        }
        for frame in frames {
            push_frame(&mut out.unsent, frame);
        }
        // Full, or broken: the connection task finds out on its flush.
        let written = self.write_parts(&out.unsent).unwrap_or_default();
        consume(&mut out.unsent, written);
        if out.unsent.is_empty() {
            Written::Whole
        } else {
            Written::Rest
        }
    }
}

/// The header of an unmasked, final server frame, and how much of it was
/// written.
#[derive(Debug)]
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
    use crate::hub::link::SessionLink;
    use std::sync::{Arc, Weak};
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// A wire on one end of a loopback connection, and the other end.
    async fn pair() -> (Arc<Wire>, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        (
            Arc::new(Wire::new(accepted.unwrap().0, 64)),
            client.unwrap(),
        )
    }

    /// Reads `count` unmasked text frames.
    async fn read_frames(peer: &mut TcpStream, count: usize) -> Vec<String> {
        let mut frames = Vec::new();
        for _ in 0..count {
            let mut head = [0; 2];
            peer.read_exact(&mut head).await.unwrap();
            assert_eq!(head[0], 0x81);
            let len = match head[1] {
                126 => usize::from(peer.read_u16().await.unwrap()),
                127 => peer.read_u64().await.unwrap() as usize,
                n => usize::from(n),
            };
            let mut payload = vec![0; len];
            peer.read_exact(&mut payload).await.unwrap();
            frames.push(String::from_utf8(payload).unwrap());
        }
        frames
    }

    fn frame(text: &str) -> Frame {
        Frame::from(text)
    }

    #[tokio::test]
    async fn a_direct_write_waits_behind_what_is_unsent_and_after_a_close() {
        let (wire, mut peer) = pair().await;
        assert!(wire.stage(|| vec![frame("first")]));
        let batch = frame("batch");
        assert_eq!(
            wire.write_now(&mut [&batch].into_iter(), &|| true),
            Written::Refused
        );
        std::future::poll_fn(|cx| wire.poll_flush(cx))
            .await
            .unwrap();
        assert_eq!(
            wire.write_now(&mut [&batch].into_iter(), &|| false),
            Written::Refused
        );
        let answer = frame("answer");
        assert_eq!(
            wire.write_now(&mut [&answer, &batch].into_iter(), &|| true),
            Written::Whole
        );
        assert_eq!(
            read_frames(&mut peer, 3).await,
            ["first", "answer", "batch"]
        );
        wire.start_closing();
        assert_eq!(
            wire.write_now(&mut [&batch].into_iter(), &|| true),
            Written::Refused
        );
    }

    #[tokio::test]
    async fn what_a_full_socket_did_not_take_is_finished_by_the_flush_in_order() {
        let (wire, mut peer) = pair().await;
        socket2::SockRef::from(wire.stream())
            .set_send_buffer_size(4096)
            .unwrap();
        let big = frame(&"x".repeat(50_000));
        let mut written = 0;
        let rest = loop {
            match wire.write_now(&mut [&big].into_iter(), &|| true) {
                Written::Whole => written += 1,
                other => break other,
            }
            assert!(written < 1000, "the peer never stopped taking");
        };
        assert_eq!(rest, Written::Rest);
        // Until the rest is out, the hub's batches do not overtake it.
        assert_eq!(
            wire.write_now(&mut [&big].into_iter(), &|| true),
            Written::Refused
        );
        let control = wire.write_control(b"\x8a\x00").unwrap();
        assert_eq!(control, 2, "control bytes are always taken whole");
        let held = wire.write_control(&[0x8a; 63]);
        assert!(held.is_err(), "more than the limit of control bytes waits");
        let flushing = {
            let wire = wire.clone();
            tokio::spawn(async move { std::future::poll_fn(|cx| wire.poll_flush(cx)).await })
        };
        let frames = read_frames(&mut peer, written + 1).await;
        assert!(frames.iter().all(|f| f.len() == 50_000));
        let mut pong = [0; 2];
        peer.read_exact(&mut pong).await.unwrap();
        assert_eq!(pong, [0x8a, 0]);
        flushing.await.unwrap().unwrap();
        assert!(!wire.has_unsent());
    }

    #[tokio::test]
    async fn the_hub_writes_a_batch_only_when_nothing_is_queued_for_the_connection() {
        let (wire, mut peer) = pair().await;
        let direct: Arc<dyn DirectWrite> = wire.clone();
        let weak: Weak<dyn DirectWrite> = Arc::downgrade(&direct);
        let (link, mut outbox, shared) = SessionLink::with_wire(1, 8, Some(weak));
        let batch = frame("batch");
        link.send(frame("queued"));
        assert!(!link.write_positions([].into_iter(), &batch));
        assert_eq!(outbox.try_recv().as_deref(), Some("queued"));
        link.offer_positions(frame("offered"));
        assert!(!link.write_positions([].into_iter(), &batch));
        assert_eq!(shared.take_positions().as_deref(), Some("offered"));
        let answer = frame("answer");
        assert!(link.write_positions([&answer].into_iter(), &batch));
        assert_eq!(read_frames(&mut peer, 2).await, ["answer", "batch"]);
        // Once the connection's socket is gone, the hub no longer writes.
        drop((direct, wire));
        assert!(!link.write_positions([].into_iter(), &batch));
    }

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
