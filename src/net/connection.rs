//! One WebSocket connection: upgrade, `hello`, then a `select!` loop that
//! forwards requests to the event's hub and writes the frames the hub queued.
//!
//! Clock sync (`ping`/`pong`) is answered here, not by the hub, so the reply
//! time is not skewed by the hub's queue.

use super::AppState;
use super::admission::Admitted;
use super::rate::{Kind, Limiter, Verdict};
use super::socket::Socket;
use super::upgrade::Upgrade;
use crate::hub::link::{CloseReason, ConnId, DirectWrite, Outbox, SessionLink, SessionShared};
use crate::hub::{EventHandle, Hello, HubMsg};
use crate::protocol::ErrorCode;
use crate::protocol::{
    ClientMsg, CloseCode, Frame, PROTOCOL_VERSION, Request, ServerMsg, decode, encode,
};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use futures_util::future::Either;
use hyper::upgrade::Upgraded;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tracing::Instrument;

/// How long a closing connection waits for a slow client to take its last
/// frames and the close frame before dropping the socket.
pub const CLOSE_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);
/// Frames up to this many times `max_frame_bytes` are read whole before being
/// refused, so the socket holds no unread bytes and the 1009 close reaches the
/// client (closing with unread input resets the connection, which discards
/// the close frame). Larger frames are cut at their header.
const OVERSIZED_FRAME_READ_FACTOR: usize = 4;

/// `GET /ws`: checks the origin, sizes the buffers, and upgrades.
pub async fn upgrade(
    ws: Upgrade,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<Arc<AppState>>,
) -> Response {
    if !origin_allowed(&headers, &state.config.allowed_origins) {
        return (StatusCode::FORBIDDEN, "cross-origin WebSocket refused").into_response();
    }
    let admitted = match state.admission.admit(peer.ip()) {
        Ok(admitted) => admitted,
        Err(refused) => {
            state
                .metrics
                .connections_refused
                .fetch_add(1, Ordering::Relaxed);
            return (StatusCode::TOO_MANY_REQUESTS, refused.to_string()).into_response();
        }
    };
    let config = &state.config;
    let conn = state.next_conn.fetch_add(1, Ordering::Relaxed) + 1;
    // Only tungstenite's control frames (pongs, close) go through its write
    // buffer; the server's frames are written by `Socket::send_texts`.
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(config.ws_read_buffer_bytes)
        .write_buffer_size(0)
        .max_write_buffer_size(config.ws_write_buffer_bytes.max(1024))
        .max_frame_size(Some(
            config
                .max_frame_bytes
                .saturating_mul(OVERSIZED_FRAME_READ_FACTOR),
        ))
        .max_message_size(Some(config.max_frame_bytes));
    ws.on_upgrade(move |upgraded| {
        let span = tracing::info_span!("conn", id = conn, %peer);
        // The admission is held for the connection's whole life.
        serve(upgraded, ws_config, state, conn, admitted).instrument(span)
    })
}

/// Browsers always send `Origin`; it must name this server (the `Host` the
/// request came to) or one of the configured `allowed_origins`. Non-browser
/// clients send none and are let through.
fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let origin = origin.trim_end_matches('/');
    if allowed
        .iter()
        .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let authority = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    authority.eq_ignore_ascii_case(host)
}

/// Wraps the upgraded stream, then runs the connection. Not an `async fn`:
/// the arguments of one are kept in its future for its whole life, beside
/// the socket made from them.
fn serve(
    upgraded: Upgraded,
    config: WebSocketConfig,
    state: Arc<AppState>,
    conn: ConnId,
    admitted: Admitted,
) -> impl Future<Output = ()> + Send {
    match Socket::new(upgraded, config) {
        Some(socket) => Either::Left(run(socket, state, conn, admitted)),
        None => {
            tracing::warn!("WebSocket upgrade of a connection that is not TCP: dropped");
            Either::Right(std::future::ready(()))
        }
    }
}

/// One connection's life. It is mostly idle, and its task is allocated for
/// as long as the client stays, so every step that has its own state is
/// boxed (`Box::pin`): an `async fn`'s state is as large as its largest
/// `.await`, and a boxed step only takes memory while it runs. What stays
/// resident is the waiting `select!` below.
async fn run(mut socket: Socket, state: Arc<AppState>, conn: ConnId, _admitted: Admitted) {
    let _live = LiveConnection::enter(&state.live_connections);
    state
        .metrics
        .connections_open
        .fetch_add(1, Ordering::Relaxed);
    state
        .metrics
        .connections_total
        .fetch_add(1, Ordering::Relaxed);
    let wire: Weak<dyn DirectWrite> = Arc::downgrade(socket.wire()) as Weak<_>;
    let (link, mut outbox, shared) =
        SessionLink::with_wire(conn, state.config.outbound_queue, Some(wire));
    if let Some(event) = Box::pin(await_hello(&state, &mut socket, link)).await {
        tracing::debug!("joined");
        let mut limiter = Limiter::new(&state.config.rate_limits);
        let stall = stall_of(&state);
        let mut shutdown = state.shutdown.clone();
        // Made once and polled by reference: a fresh `changed()` in every
        // turn would join and leave the watch's waiter list each time.
        let mut shutdown = std::pin::pin!(shutdown.changed());
        // Once the server stops, requests are no longer read; the hub
        // releases the acks of what it already holds, then closes us with
        // "going away". The deadline only guards against a hub that is gone.
        let mut stopping: Option<tokio::time::Instant> = None;
        let close = loop {
            tokio::select! {
                // One wake-up for everything the hub gives this connection.
                () = shared.woken() => {
                    if let Some(close) = shared.close_reason() {
                        break Some(close);
                    }
                    if !Box::pin(write_pending(&mut socket, &shared, &mut outbox, stall)).await {
                        break shared.close_reason();
                    }
                    // The hub let go of this connection (e.g. it was
                    // replaced); it set the reason first.
                    if outbox.is_ended() {
                        break shared.close_reason();
                    }
                }
                incoming = socket.next(), if stopping.is_none() => {
                    let incoming = Box::pin(incoming_text(&state, &mut socket, incoming)).await;
                    match incoming {
                        Incoming::Text(text) => {
                            let forwarded = Box::pin(forward(&state, &event, &mut socket, &shared, &mut limiter, conn, &text)).await;
                            if !forwarded {
                                break shared.close_reason();
                            }
                        }
                        Incoming::Skip => {}
                        Incoming::End => break None,
                    }
                    // A pong the socket did not take at once.
                    if socket.has_unsent() && !Box::pin(write_frames(&mut socket, &shared, &[], stall)).await {
                        break shared.close_reason();
                    }
                }
                _ = &mut shutdown, if stopping.is_none() => {
                    stopping = Some(tokio::time::Instant::now() + STOP_GRACE);
                }
                () = sleep_until(stopping), if stopping.is_some() => break Some(CloseReason {
                    code: CloseCode::GoingAway,
                    reason: "server shutting down",
                }),
            }
        };
        // The hub ended without a word (its links dropped): it stopped.
        let close = close.or(stopping.map(|_| CloseReason {
            code: CloseCode::GoingAway,
            reason: "server shutting down",
        }));
        if close.is_some_and(|c| c.code == CloseCode::GoingAway) {
            // The acks the hub released just before closing us.
            Box::pin(flush_queued(&mut socket, &mut outbox)).await;
        }
        Box::pin(close_connection(&state, &event, conn, close, &mut socket)).await;
    }
    state
        .metrics
        .connections_open
        .fetch_sub(1, Ordering::Relaxed);
    tracing::debug!("closed");
}

/// Tells the hub the connection ended, then closes the socket with `close`
/// (when there is a reason to give) and waits for the client's close frame.
async fn close_connection(
    state: &AppState,
    event: &EventHandle,
    conn: ConnId,
    close: Option<CloseReason>,
    socket: &mut Socket,
) {
    // The hub forgets the connection at once; the close handshake below
    // may take a moment and must not delay it.
    event.send(HubMsg::Closed { conn }).await;
    if let Some(close) = close {
        if close.reason == WRITES_STALLED {
            state
                .metrics
                .slow_disconnects
                .fetch_add(1, Ordering::Relaxed);
        }
        if send_close(socket, close.code, close.reason).await {
            drain_until_closed(socket).await;
        }
    }
}

enum Incoming {
    /// The frame as read, not copied.
    Text(Utf8Bytes),
    Skip,
    End,
}

/// Reads the next client frame; answers protocol-level frames itself.
async fn incoming_text(
    state: &AppState,
    socket: &mut Socket,
    incoming: Option<Result<Message, WsError>>,
) -> Incoming {
    match incoming {
        Some(Ok(Message::Text(text))) => Incoming::Text(text),
        Some(Ok(Message::Binary(_))) => {
            let _ = send_now(
                socket,
                error(
                    None,
                    ErrorCode::InvalidMessage,
                    "messages are JSON text frames, not binary",
                ),
            )
            .await;
            Incoming::Skip
        }
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Incoming::Skip,
        Some(Ok(Message::Close(_))) | None => Incoming::End,
        Some(Err(err)) => {
            if is_too_big(err) {
                state
                    .metrics
                    .oversized_frames
                    .fetch_add(1, Ordering::Relaxed);
                let limit = format!("message over {} bytes", state.config.max_frame_bytes);
                tracing::info!(%limit, "closing: oversized frame");
                send_close(socket, CloseCode::TooBig, "message too big").await;
            }
            Incoming::End
        }
    }
}

fn is_too_big(err: WsError) -> bool {
    matches!(err, WsError::Capacity(_))
}

/// Waits for a valid `hello` and hands the link to the event's hub. Returns
/// the event once `welcome` is queued.
async fn await_hello(
    state: &AppState,
    socket: &mut Socket,
    link: SessionLink,
) -> Option<EventHandle> {
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(state.config.hello_timeout_secs);
    loop {
        let incoming = match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(incoming) => incoming,
            Err(_) => {
                send_close(socket, CloseCode::HelloTimeout, "no hello in time").await;
                return None;
            }
        };
        let text = match incoming_text(state, socket, incoming).await {
            Incoming::Text(text) => text,
            Incoming::Skip => continue,
            Incoming::End => return None,
        };
        let request = match decode(&text) {
            Ok(request) => request,
            Err(err) => {
                state.metrics.message_in("invalid");
                send_now(socket, error(err.rid, err.code, &err.message))
                    .await
                    .ok()?;
                continue;
            }
        };
        state.metrics.message_in(request.msg.kind());
        let reply = match request.msg {
            ClientMsg::Hello {
                protocol,
                event,
                invite,
                resume,
                name,
                last_seq,
                watch,
                companion,
            } => {
                if protocol != PROTOCOL_VERSION {
                    Err((
                        ErrorCode::ProtocolVersion,
                        format!(
                            "this server speaks protocol {PROTOCOL_VERSION}, not {protocol}: reload the page"
                        ),
                    ))
                } else if invite
                    .as_deref()
                    .is_some_and(|token| state.instance.is_operator_token(token))
                {
                    Err((
                        ErrorCode::OperatorToken,
                        "this is the instance operator's token: it opens /admin, not an event"
                            .to_string(),
                    ))
                } else {
                    match state.registry.lookup(event.as_deref()) {
                        None => Err((
                            ErrorCode::UnknownEvent,
                            format!("no event called '{}'", event.unwrap_or_default()),
                        )),
                        Some(handle) => {
                            let hello = Hello {
                                invite,
                                resume,
                                name,
                                last_seq,
                                watch,
                                companion,
                            };
                            match join(&handle, link.clone(), hello).await {
                                Ok(()) => return Some(handle),
                                Err(refusal) => Err(refusal),
                            }
                        }
                    }
                }
            }
            ClientMsg::Ping { t0 } => Ok(pong(state, &text, t0)),
            _ => Err((ErrorCode::NotJoined, "say hello first".to_string())),
        };
        let frame = match reply {
            Ok(frame) => frame,
            Err((code, message)) => error(request.rid, code, &message),
        };
        send_now(socket, frame).await.ok()?;
    }
}

async fn join(
    handle: &EventHandle,
    link: SessionLink,
    hello: Hello,
) -> Result<(), (ErrorCode, String)> {
    let (reply, answer) = oneshot::channel();
    if !handle.send(HubMsg::Hello { link, hello, reply }).await {
        return Err((ErrorCode::UnknownEvent, "this event is not running".into()));
    }
    match answer.await {
        Ok(Ok(_member)) => Ok(()),
        Ok(Err(refusal)) => Err((refusal.code, refusal.message)),
        Err(_) => Err((
            ErrorCode::Overloaded,
            "the event stopped before answering".into(),
        )),
    }
}

/// Handles one frame from a joined client. False when the connection must end.
async fn forward(
    state: &AppState,
    event: &EventHandle,
    socket: &mut Socket,
    shared: &SessionShared,
    limiter: &mut Limiter,
    conn: ConnId,
    text: &str,
) -> bool {
    let request: Request = match decode(text) {
        Ok(request) => request,
        Err(err) => {
            state.metrics.message_in("invalid");
            return send_now(socket, error(err.rid, err.code, &err.message))
                .await
                .is_ok();
        }
    };
    state.metrics.message_in(request.msg.kind());
    #[cfg(feature = "test-hooks")]
    if let ClientMsg::Chat { text, .. } = &request.msg
        && text == crate::TEST_PANIC_CONNECTION
    {
        panic!("test hook: a connection task panics");
    }
    match limiter.check(rate_kind(&request.msg)) {
        Verdict::Allowed => {}
        Verdict::Limited => {
            state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
            let refusal = error(
                request.rid,
                ErrorCode::RateLimited,
                "too many messages; slow down",
            );
            return write(socket, shared, refusal, stall_of(state)).await;
        }
        Verdict::Flood => {
            state.metrics.flood_closes.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("closing: sustained flood");
            shared.request_close(CloseCode::Flood, "flood: too many messages for too long");
            return false;
        }
    }
    match request.msg {
        ClientMsg::Ping { t0 } => {
            write(socket, shared, pong(state, text, t0), stall_of(state)).await
        }
        ClientMsg::Hello { .. } => {
            let refusal = error(
                request.rid,
                ErrorCode::AlreadyJoined,
                "this connection has already joined",
            );
            write(socket, shared, refusal, stall_of(state)).await
        }
        _ if request
            .once
            .as_ref()
            .is_some_and(|k| k.is_empty() || k.len() > crate::hub::MAX_RESEND_KEY_BYTES) =>
        {
            let refusal = error(
                request.rid,
                ErrorCode::InvalidMessage,
                "field `once`: a key of 1 to 64 bytes",
            );
            write(socket, shared, refusal, stall_of(state)).await
        }
        msg => {
            event
                .send(HubMsg::Request {
                    conn,
                    rid: request.rid,
                    once: request.once,
                    msg,
                })
                .await
        }
    }
}

/// Which rate budget a message draws from.
fn rate_kind(msg: &ClientMsg) -> Kind {
    match msg {
        ClientMsg::Step { .. }
        | ClientMsg::WalkTo { .. }
        | ClientMsg::Walk { .. }
        | ClientMsg::Teleport { .. }
        | ClientMsg::GoToTeam { .. } => Kind::Move,
        ClientMsg::Chat { .. } => Kind::Chat,
        _ => Kind::Other,
    }
}

/// The answer to a ping whose frame is `text`: its `t0` echoed exactly as
/// written (`t0`, the parsed number, only if the raw one cannot be taken).
fn pong(state: &AppState, text: &str, t0: f64) -> Frame {
    let t1 = state.clock.now_precise();
    let raw =
        crate::protocol::raw_ping_t0(text).or_else(|| serde_json::value::to_raw_value(&t0).ok());
    let Some(raw) = raw else {
        return error(None, ErrorCode::InvalidMessage, "`t0` must be a number");
    };
    encode(&ServerMsg::Pong {
        t0: &raw,
        t1,
        t2: state.clock.now_precise(),
    })
}

fn error(rid: Option<u64>, code: ErrorCode, message: &str) -> Frame {
    encode(&ServerMsg::Error {
        rid,
        code,
        message: message.to_string(),
    })
}

async fn send_now(socket: &mut Socket, frame: Frame) -> std::io::Result<()> {
    socket.send_texts(&[frame]).await
}

/// Writes a frame of a joined connection, unless the hub asks to close it
/// first: a client that stopped reading must not hold this task (and its
/// socket) forever. False when the connection must end.
/// How long a write may stay blocked.
fn stall_of(state: &AppState) -> Duration {
    Duration::from_secs(state.config.write_stall_secs.max(1))
}

/// Close reason of a client whose writes stayed blocked too long.
const WRITES_STALLED: &str = "too slow: writes stalled";

/// Most frames one write takes from the outbound queue.
const MAX_BURST: usize = 256;

/// Writes every frame queued and the waiting position batch (after them),
/// in writes of up to [`MAX_BURST`] frames: one system call per burst rather
/// than one per frame. False when the connection must end.
async fn write_pending(
    socket: &mut Socket,
    shared: &SessionShared,
    outbox: &mut Outbox,
    stall: Duration,
) -> bool {
    loop {
        let mut more = false;
        // Taken under the socket's write lock: a batch the hub writes
        // meanwhile cannot overtake them.
        let waiting = socket.stage(|| {
            let mut frames = Vec::new();
            while frames.len() < MAX_BURST {
                match outbox.try_recv() {
                    Some(frame) => frames.push(frame),
                    None => break,
                }
            }
            more = frames.len() == MAX_BURST;
            if !more {
                frames.extend(shared.take_positions());
            }
            frames
        });
        if !waiting {
            return true;
        }
        if !write_frames(socket, shared, &[], stall).await {
            return false;
        }
        if !more {
            return true;
        }
    }
}

/// Writes one frame (see [`write_frames`]).
async fn write(socket: &mut Socket, shared: &SessionShared, frame: Frame, stall: Duration) -> bool {
    write_frames(socket, shared, &[frame], stall).await
}

/// Writes frames; gives up when the hub asks to close, or when the write
/// stays blocked longer than `stall` (the client stopped reading). False
/// when the connection must end.
async fn write_frames(
    socket: &mut Socket,
    shared: &SessionShared,
    frames: &[Frame],
    stall: Duration,
) -> bool {
    let mut written = std::pin::pin!(socket.send_texts(frames));
    // Most writes are done at once, with room in the socket's buffer: they
    // need no timer.
    if let Some(done) = written.as_mut().now_or_never() {
        return done.is_ok();
    }
    tokio::select! {
        done = written => done.is_ok(),
        () = shared.close_requested() => false,
        () = tokio::time::sleep(stall) => {
            // The client stopped reading: its socket buffers are full.
            shared.request_close(CloseCode::TooSlow, WRITES_STALLED);
            false
        }
    }
}

/// How long a connection of a stopping server waits for its hub to release
/// what it holds and close it (the hub does well before).
const STOP_GRACE: Duration = crate::STOP_BOUND;

/// Counts a connection in [`AppState::live_connections`] while it lives
/// (also when its task panics).
struct LiveConnection<'a>(&'a tokio::sync::watch::Sender<usize>);

impl LiveConnection<'_> {
    fn enter(live: &tokio::sync::watch::Sender<usize>) -> LiveConnection<'_> {
        live.send_modify(|n| *n += 1);
        LiveConnection(live)
    }
}

impl Drop for LiveConnection<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Writes every frame still queued (a stopping hub's last acks), for at most
/// [`CLOSE_FLUSH_TIMEOUT`].
async fn flush_queued(socket: &mut Socket, outbox: &mut Outbox) {
    let mut frames = Vec::new();
    while let Some(frame) = outbox.try_recv() {
        frames.push(frame);
    }
    let flush = socket.send_texts(&frames);
    let _ = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, flush).await;
}

/// The closing handshake: after our close frame, read (and discard) what
/// the client still sends until its close frame, for at most
/// [`CLOSE_FLUSH_TIMEOUT`]. Dropping a socket with unread input makes the
/// kernel reset it, and the client would never see our close code.
async fn drain_until_closed(socket: &mut Socket) {
    let drain = async {
        while let Some(Ok(message)) = socket.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, drain).await;
}

/// Sends a close frame, giving a slow client [`CLOSE_FLUSH_TIMEOUT`] to take
/// it (and the frames queued before it); after that the socket is dropped.
/// False when it could not be sent.
async fn send_close(socket: &mut Socket, code: CloseCode, reason: &'static str) -> bool {
    let sent = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, socket.close(code.code(), reason)).await;
    matches!(sent, Ok(Ok(())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_static(origin));
        }
        h
    }

    #[test]
    fn origins_are_the_server_its_allowed_list_or_none() {
        let allowed = vec!["https://hackathon.example.gouv.fr".to_string()];
        assert!(origin_allowed(&headers(None, "127.0.0.1:8080"), &allowed));
        assert!(origin_allowed(
            &headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080"),
            &[]
        ));
        assert!(origin_allowed(
            &headers(Some("https://hackathon.example.gouv.fr"), "10.0.0.5:8080"),
            &allowed
        ));
        assert!(!origin_allowed(
            &headers(Some("https://evil.example"), "127.0.0.1:8080"),
            &allowed
        ));
        assert!(!origin_allowed(
            &headers(Some("http://127.0.0.1:8080.evil.example"), "127.0.0.1:8080"),
            &[]
        ));
    }
}
