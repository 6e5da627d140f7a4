//! One simulated client: TCP + WebSocket handshake with small buffers, the
//! `hello`/`welcome` exchange, and cheap helpers to classify server frames
//! without parsing them whole (position batches are most of the traffic).

use crate::recorder::Recorder;
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub type Ws = WebSocketStream<TcpStream>;

/// How to open a connection.
#[derive(Debug, Clone)]
pub struct ConnectOpts {
    pub url: String,
    /// `host:port` part of the URL.
    pub authority: String,
    /// tungstenite read buffer (its default, 128 KiB, is too much for 10k sockets).
    pub read_buffer: usize,
    /// Kernel receive buffer (SO_RCVBUF), to make a non-reading client fill up fast.
    pub rcvbuf: Option<u32>,
    /// Spread connections over this many loopback source addresses
    /// (127.1.x.y), as real clients come from many addresses: the server
    /// limits connections per address. 0: the kernel picks (127.0.0.1).
    pub source_ips: usize,
}

/// The loopback source address for the next connection (round robin).
fn next_source(ips: usize) -> Option<std::net::SocketAddr> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    if ips == 0 {
        return None;
    }
    let k = NEXT.fetch_add(1, Ordering::Relaxed) % ips;
    let ip = std::net::Ipv4Addr::new(127, 1, (k / 250) as u8, (k % 250 + 1) as u8);
    Some(std::net::SocketAddr::from((ip, 0)))
}

/// Opens a WebSocket to the server.
pub async fn connect(opts: &ConnectOpts) -> anyhow::Result<Ws> {
    let stream = connect_tcp(opts).await?;
    let config = WebSocketConfig::default()
        .read_buffer_size(opts.read_buffer)
        .write_buffer_size(0)
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(64 << 20));
    let (ws, _) =
        tokio_tungstenite::client_async_with_config(opts.url.as_str(), stream, Some(config))
            .await?;
    Ok(ws)
}

/// Opens the TCP connection only (from the next source address).
pub async fn connect_tcp(opts: &ConnectOpts) -> anyhow::Result<TcpStream> {
    let addr = tokio::net::lookup_host(&opts.authority)
        .await?
        .next()
        .context("cannot resolve the server address")?;
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(size) = opts.rcvbuf {
        socket.set_recv_buffer_size(size)?;
    }
    if addr.is_ipv4()
        && addr.ip().is_loopback()
        && let Some(source) = next_source(opts.source_ips)
    {
        socket.bind(source)?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// What a client learns from `welcome`.
#[derive(Debug, Clone, Deserialize)]
pub struct Welcome {
    pub you: You,
    #[serde(default)]
    pub session: Option<String>,
    #[serde(default)]
    pub resumed: bool,
    /// Where the venue's geometry is served ([`fetch_venue`]).
    pub venue_url: String,
    pub people: Vec<PersonPos>,
    pub last_seq: u64,
    pub limits: LimitsView,
}

#[derive(Debug, Clone, Deserialize)]
pub struct You {
    pub id: u32,
}

/// The venue's rooms, from `GET welcome.venue_url`.
#[derive(Debug, Clone, Deserialize)]
pub struct VenueView {
    pub rooms: Vec<RoomView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RoomView {
    pub rect: Rect,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Rect {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PersonPos {
    pub id: u32,
    pub x: i64,
    pub y: i64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct LimitsView {
    pub tick_hz: u32,
    /// Reader groups served in turn within each tick period (the server
    /// runs `tick_hz × tick_phases` ticks a second).
    #[serde(default = "one")]
    pub tick_phases: u32,
    /// Walking speed (and the limit on steps).
    #[serde(default)]
    pub steps_per_second: u32,
}

fn one() -> u32 {
    1
}

impl VenueView {
    /// The smallest room containing a tile (the server's rule), by index.
    pub fn room_at(&self, x: i64, y: i64) -> Option<usize> {
        self.rooms
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                x >= r.rect.x && y >= r.rect.y && x < r.rect.x + r.rect.w && y < r.rect.y + r.rect.h
            })
            .min_by_key(|(_, r)| r.rect.w * r.rect.h)
            .map(|(i, _)| i)
    }
}

/// Fetches the venue's geometry from the server (`welcome.venue_url`).
pub async fn fetch_venue(authority: &str, path: &str) -> anyhow::Result<VenueView> {
    let body = crate::scenarios::http_get(authority, path).await?;
    serde_json::from_str(&body).with_context(|| format!("{path}: not a venue"))
}

/// How to say hello.
#[derive(Debug, Clone)]
pub enum Hello<'a> {
    Invite { token: &'a str, name: &'a str },
    Resume { session: &'a str, last_seq: u64 },
}

/// A server `error` frame.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorFrame {
    #[serde(default)]
    pub rid: Option<u64>,
    pub code: String,
}

/// Sends `hello` and waits for `welcome` (other frames before it are skipped).
pub async fn hello(
    ws: &mut Ws,
    event: Option<&str>,
    how: Hello<'_>,
    rec: &Recorder,
) -> anyhow::Result<Welcome> {
    let mut msg = serde_json::json!({"type": "hello", "protocol": 2});
    if let Some(event) = event {
        msg["event"] = event.into();
    }
    match how {
        Hello::Invite { token, name } => {
            msg["invite"] = token.into();
            msg["name"] = name.into();
        }
        Hello::Resume { session, last_seq } => {
            msg["resume"] = session.into();
            msg["last_seq"] = last_seq.into();
        }
    }
    ws.send(Message::text(msg.to_string())).await?;
    let wait = async {
        while let Some(frame) = ws.next().await {
            match frame? {
                Message::Text(text) => match kind(&text) {
                    "welcome" => return Ok(serde_json::from_str::<Welcome>(&text)?),
                    "error" => {
                        let err: ErrorFrame = serde_json::from_str(&text)?;
                        rec.error(&err.code);
                        bail!("hello refused: {}", err.code);
                    }
                    _ => {}
                },
                Message::Close(frame) => {
                    let code = frame.map(|f| u16::from(f.code)).unwrap_or(0);
                    rec.close(&code.to_string());
                    bail!("closed during hello ({code})");
                }
                _ => {}
            }
        }
        bail!("connection ended during hello")
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .context("no welcome within 60 s")?
}

/// The `type` of a server frame, read from its prefix: serde writes the tag
/// first, and position batches are written by hand in the same shape.
pub fn kind(text: &str) -> &str {
    text.strip_prefix(r#"{"type":""#)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
}

/// The unsigned integer right after `key` (e.g. `"rid":`) in a frame.
pub fn number_after(text: &str, key: &str) -> Option<u64> {
    let start = text.find(key)? + key.len();
    let digits: &str = &text[start..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// Records how a connection ended, from the message that ended it.
pub fn record_end(rec: &Recorder, frame: Option<Result<Message, impl std::fmt::Display>>) {
    match frame {
        Some(Ok(Message::Close(Some(f)))) => rec.close(&u16::from(f.code).to_string()),
        Some(Ok(Message::Close(None))) => rec.close("close_no_code"),
        Some(Err(_)) => rec.close("io_error"),
        None => rec.close("eof"),
        Some(Ok(_)) => {}
    }
}

/// Handles an `error` frame: counts it by code and returns its rid.
pub fn on_error(rec: &Recorder, text: &str) -> Option<u64> {
    match serde_json::from_str::<ErrorFrame>(text) {
        Ok(err) => {
            rec.error(&err.code);
            err.rid
        }
        Err(_) => {
            rec.error("unparsed_error");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kind_and_numbers() {
        let frame = r#"{"type":"ack","rid":42}"#;
        assert_eq!(kind(frame), "ack");
        assert_eq!(number_after(frame, r#""rid":"#), Some(42));
        assert_eq!(kind(r#"{"type":"positions","room":"hall"}"#), "positions");
        assert_eq!(kind("[]"), "");
    }
}
