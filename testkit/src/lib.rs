//! Shared helpers for the integration tests: a real server on a free port and
//! a typed WebSocket client. A crate of its own, compiled once for every test
//! binary (each imports it as `common`).
//!
//! - [`TestServer`] starts [`amphi::Server`] on `127.0.0.1:0` with its own
//!   temporary data directory, serves it on a spawned task, and shuts it down
//!   when dropped.
//! - [`Client`] speaks the JSON protocol over `tokio-tungstenite`. Every wait
//!   is a wait on a condition with a timeout ([`Client::recv_until`]), never a
//!   fixed sleep. Every message read is kept in [`Client::log`], so a test can
//!   check afterwards that something was *never* received.
//! - [`Client::barrier`] makes negative checks deterministic: it sends a
//!   request the hub answers with an error, and returns once that answer is
//!   back. The hub handles requests in order and queues every frame for a
//!   client in order, so whatever the hub sent this client before it handled
//!   the barrier has been read by then.
//!
//! Logs are silent unless `AMPHI_TEST_LOG` is set (e.g. `AMPHI_TEST_LOG=debug`).

pub mod maps;

use amphi::config::Config;
use amphi::domain::Role;
use amphi::{JoinLink, Server, ServerOptions};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async, connect_async_with_config,
};

/// How long any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(5);

/// Installs a log subscriber once, only when `AMPHI_TEST_LOG` asks for one.
fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("AMPHI_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

/// A unique, empty temporary directory for one server.
pub fn temp_data_dir() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let unique = format!(
        "amphi-test-{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    std::env::temp_dir().join(unique)
}

/// A running server on a free local port. Shuts down when dropped.
pub struct TestServer {
    addr: SocketAddr,
    links: Vec<JoinLink>,
    admin_link: Option<String>,
    data_dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A server with the default configuration (fast ticks for tests).
    pub async fn start() -> TestServer {
        TestServer::with_config(|_| {}).await
    }

    /// A server whose configuration `adjust` may change. The listen address
    /// and data directory are set here; ticks default to 60 Hz so position
    /// batches come quickly.
    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let data_dir = temp_data_dir();
        let mut server = TestServer::launch(&data_dir, ServerOptions::default(), adjust).await;
        server.data_dir = data_dir;
        server
    }

    /// The test configuration on `data_dir`, changed by `adjust`: a free
    /// port, 60 Hz ticks so position batches come quickly, a short hello
    /// timeout, generous rate limits (tests send bursts no person would; the
    /// rate-limit tests set tight budgets themselves).
    fn config(data_dir: &std::path::Path, adjust: impl FnOnce(&mut Config)) -> Config {
        let mut config = Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.to_path_buf(),
            tick_hz: 60,
            hello_timeout_secs: 5,
            rate_limits: generous_rate_limits(),
            ..Config::default()
        };
        adjust(&mut config);
        config
    }

    /// Starts and serves a server on `data_dir`; the returned value does not
    /// own the directory (`data_dir` empty: `Drop` removes nothing).
    async fn launch(
        data_dir: &std::path::Path,
        options: ServerOptions,
        adjust: impl FnOnce(&mut Config),
    ) -> TestServer {
        init_logs();
        let config = TestServer::config(data_dir, adjust);
        let server = Server::start_with(config, options)
            .await
            .expect("server starts");
        let addr = server.local_addr();
        let links = server.join_links().to_vec();
        let admin_link = server.admin_link().map(str::to_string);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            if let Err(err) = server.run(shutdown).await {
                panic!("server failed: {err}");
            }
        });
        TestServer {
            addr,
            links,
            admin_link,
            data_dir: PathBuf::new(),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://…/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The demo event's invite token for a role.
    pub fn join_link(&self, role: Role) -> String {
        self.links
            .iter()
            .find(|l| l.role == role)
            .map(|l| l.token.clone())
            .unwrap_or_else(|| panic!("no join link for {role}"))
    }

    /// A plain HTTP/1.1 GET; returns the status, headers and body.
    pub async fn get(&self, path: &str) -> HttpResponse {
        http_get(self.addr, path).await
    }

    /// The `/metrics` text.
    pub async fn metrics_text(&self) -> String {
        let response = self.get("/metrics").await;
        assert_eq!(response.status, 200, "GET /metrics: {}", response.body);
        response.body
    }

    /// The value of an unlabelled metric (0 when absent).
    pub async fn metric(&self, name: &str) -> f64 {
        metric_value(&self.metrics_text().await, name).unwrap_or(0.0)
    }

    /// Waits until the unlabelled metric `name` satisfies `ok` (polling
    /// `/metrics`; fails after `within`).
    pub async fn wait_metric(&self, name: &str, within: Duration, ok: impl Fn(f64) -> bool) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let value = self.metric(name).await;
            if ok(value) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} stayed at {value} for {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the server and waits until it has finished.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(WAIT, task).await;
        }
    }
}

impl TestServer {
    /// Stops the server and returns how `Server::run` ended: `Err` with its
    /// message when it failed (e.g. commands abandoned on a failing store).
    pub async fn stop_outcome(mut self) -> Result<(), String> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let Some(task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(Duration::from_secs(20), task).await {
            Err(_) => Err("the server did not stop within 20 s".into()),
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) if err.is_panic() => {
                let payload = err.into_panic();
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
                Err(message.unwrap_or_else(|| "the server task panicked".into()))
            }
            Ok(Err(err)) => Err(err.to_string()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// One metric's value in a Prometheus text exposition (`name value` line).
pub fn metric_value(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            (key == name).then(|| value.parse().ok()).flatten()
        })
}

/// What a raw HTTP request got back.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_lowercase()).map(String::as_str)
    }
}

/// A minimal HTTP/1.1 GET over a raw socket (`Connection: close`).
pub async fn http_get(addr: SocketAddr, path: &str) -> HttpResponse {
    http_request(addr, "GET", path, &[], &[]).await
}

/// Decodes a chunked body (sizes in hex, each chunk followed by CRLF).
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The `welcome` a client got, with accessors for what tests look at.
#[derive(Debug, Clone)]
pub struct Welcome(pub Value);

impl Welcome {
    /// The member id (`you.id`).
    pub fn id(&self) -> u32 {
        as_u32(&self.0["you"]["id"])
    }

    /// The session token (only on a fresh join).
    pub fn session(&self) -> String {
        self.0["session"]
            .as_str()
            .unwrap_or_else(|| panic!("welcome has no session: {}", self.0))
            .to_string()
    }

    /// The `people` entries with this id.
    pub fn people_with(&self, id: u32) -> Vec<&Value> {
        self.0["people"]
            .as_array()
            .map(|people| people.iter().filter(|p| p["id"] == id).collect())
            .unwrap_or_default()
    }

    /// This person as listed in `people`.
    pub fn me(&self) -> &Value {
        let mine = self.people_with(self.id());
        assert_eq!(mine.len(), 1, "self listed once in people: {}", self.0);
        mine[0]
    }

    /// Where this person stands: (room, x, y).
    pub fn position(&self) -> (String, u16, u16) {
        let me = self.me();
        (
            me["room"].as_str().unwrap_or_default().to_string(),
            as_u16(&me["x"]),
            as_u16(&me["y"]),
        )
    }

    /// The texts of `welcome.chat`.
    pub fn chat_texts(&self) -> Vec<String> {
        texts(&self.0["chat"])
    }
}

/// The `text` of every message in a JSON array of chat messages.
pub fn texts(messages: &Value) -> Vec<String> {
    messages
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|m| m["text"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A walkable tile of the default map in the room of (`x`, `y`), 4 to 8
/// steps away from it: somewhere to walk to that is not where one starts.
pub fn default_map_tile_a_few_steps_from(x: u16, y: u16) -> (u16, u16) {
    use amphi::venue::{Tile, Venue};
    let venue = Venue::default_venue().expect("the default map loads");
    let from = Tile { x, y };
    let room = venue.room_at(from);
    (0..venue.height)
        .flat_map(|y| (0..venue.width).map(move |x| Tile { x, y }))
        .filter(|t| venue.is_walkable(*t) && venue.room_at(*t) == room)
        .find(|t| (4..=8).contains(&(t.x.abs_diff(from.x) + t.y.abs_diff(from.y))))
        .map(|t| (t.x, t.y))
        .expect("a tile a few steps away in the same room")
}

/// A TCP port free on the loopback interface right now (for a process or a
/// driver that must be told its port before it starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The invite token inside a join link.
pub fn token_of(url: &str) -> String {
    url.split("invite=")
        .nth(1)
        .unwrap_or_else(|| panic!("no invite in {url}"))
        .to_string()
}

pub fn as_u32(v: &Value) -> u32 {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or_else(|| panic!("not a u32: {v}"))
}

pub fn as_u16(v: &Value) -> u16 {
    v.as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .unwrap_or_else(|| panic!("not a u16: {v}"))
}

/// Whether a message has this `type`.
pub fn is_type(msg: &Value, kind: &str) -> bool {
    msg["type"] == kind
}

/// Whether a message is a `chat` with this text.
pub fn is_chat(msg: &Value, text: &str) -> bool {
    is_type(msg, "chat") && msg["message"]["text"] == text
}

/// How a connection ended, as the client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// A close frame with this code and reason.
    Close(u16, String),
    /// The stream ended (or failed) without a close frame.
    Dropped(String),
}

/// A typed protocol client.
pub struct Client {
    ws: Socket,
    /// Every message received, in order.
    pub log: Vec<Value>,
    /// Latest known tile of each avatar, from welcome, joins, room changes and
    /// position batches.
    pub positions: HashMap<u32, (u16, u16)>,
    /// Messages read while waiting for another, not yet taken by a wait.
    unread: VecDeque<Value>,
    next_rid: u64,
    label: String,
}

impl Client {
    /// Opens a WebSocket to the server (no hello yet).
    pub async fn connect(server: &TestServer) -> Client {
        let (ws, _) =
            tokio::time::timeout(WAIT, connect_async_with_config(server.ws_url(), None, true))
                .await
                .expect("connect in time")
                .expect("WebSocket connects");
        Client {
            ws,
            log: Vec::new(),
            positions: HashMap::new(),
            unread: VecDeque::new(),
            next_rid: 1000,
            label: "client".into(),
        }
    }

    /// Opens a WebSocket whose socket has a small receive buffer, so that a
    /// client that stops reading makes the server's writes stall quickly.
    pub async fn connect_with_recv_buffer(server: &TestServer, bytes: u32) -> Client {
        let open = async {
            let socket = tokio::net::TcpSocket::new_v4().expect("tcp socket");
            socket.set_recv_buffer_size(bytes).expect("set SO_RCVBUF");
            let stream = socket.connect(server.addr()).await.expect("tcp connect");
            stream.set_nodelay(true).expect("TCP_NODELAY");
            tokio_tungstenite::client_async(server.ws_url(), MaybeTlsStream::Plain(stream))
                .await
                .expect("WebSocket handshake")
                .0
        };
        let ws = tokio::time::timeout(WAIT, open)
            .await
            .expect("connect in time");
        Client {
            ws,
            log: Vec::new(),
            positions: HashMap::new(),
            unread: VecDeque::new(),
            next_rid: 1000,
            label: "client".into(),
        }
    }

    /// Connects and joins with the invite of `role`.
    pub async fn join(server: &TestServer, role: Role, name: &str) -> (Client, Welcome) {
        let mut client = Client::connect(server).await;
        let welcome = client.hello_invite(&server.join_link(role), name).await;
        (client, welcome)
    }

    /// Connects and resumes a session.
    pub async fn rejoin(server: &TestServer, session: &str, last_seq: u64) -> (Client, Welcome) {
        let mut client = Client::connect(server).await;
        let welcome = client.resume(session, last_seq).await;
        (client, welcome)
    }

    /// Says hello with an invite; fails the test unless `welcome` comes back.
    pub async fn hello_invite(&mut self, token: &str, name: &str) -> Welcome {
        self.label = name.to_string();
        self.send_json(json!({"type": "hello", "protocol": 2, "invite": token, "name": name}))
            .await;
        self.expect_welcome().await
    }

    /// Resumes a session; fails the test unless `welcome` comes back.
    pub async fn resume(&mut self, session: &str, last_seq: u64) -> Welcome {
        self.send_json(
            json!({"type": "hello", "protocol": 2, "resume": session, "last_seq": last_seq}),
        )
        .await;
        let welcome = self.expect_welcome().await;
        self.label = welcome.0["you"]["name"]
            .as_str()
            .unwrap_or("client")
            .to_string();
        welcome
    }

    async fn expect_welcome(&mut self) -> Welcome {
        let reply = self
            .recv_until(|m| is_type(m, "welcome") || is_type(m, "error"), WAIT)
            .await;
        assert!(is_type(&reply, "welcome"), "expected welcome, got {reply}");
        Welcome(reply)
    }

    pub async fn send_json(&mut self, value: Value) {
        self.send_raw_text(&value.to_string()).await;
    }

    pub async fn send_raw_text(&mut self, text: &str) {
        self.send_message(Message::text(text)).await;
    }

    pub async fn send_message(&mut self, message: Message) {
        tokio::time::timeout(WAIT, self.ws.send(message))
            .await
            .unwrap_or_else(|_| panic!("{}: send timed out", self.label))
            .unwrap_or_else(|e| panic!("{}: send failed: {e}", self.label));
    }

    /// Sends a request with a fresh `rid`, which it returns.
    pub async fn request(&mut self, mut value: Value) -> u64 {
        self.next_rid += 1;
        let rid = self.next_rid;
        value["rid"] = json!(rid);
        self.send_json(value).await;
        rid
    }

    /// Sends a request and waits for its `ack`; fails on an `error`.
    pub async fn call(&mut self, value: Value) {
        let shown = value.to_string();
        let rid = self.request(value).await;
        let reply = self.reply_to(rid).await;
        assert!(
            is_type(&reply, "ack"),
            "{}: {shown} refused: {reply}",
            self.label
        );
    }

    /// Sends a request and waits for its `error`; returns the error's code.
    pub async fn call_err(&mut self, value: Value) -> String {
        let shown = value.to_string();
        let rid = self.request(value).await;
        let reply = self.reply_to(rid).await;
        assert!(
            is_type(&reply, "error"),
            "{}: {shown} should be refused, got {reply}",
            self.label
        );
        reply["code"].as_str().unwrap_or_default().to_string()
    }

    /// The `ack` or `error` carrying this `rid`.
    pub async fn reply_to(&mut self, rid: u64) -> Value {
        self.recv_until(
            |m| (is_type(m, "ack") || is_type(m, "error")) && m["rid"] == rid,
            WAIT,
        )
        .await
    }

    /// Waits for the `ack` of `rid`; an `error` for it fails the test.
    pub async fn expect_ack(&mut self, rid: u64) {
        let reply = self.reply_to(rid).await;
        assert!(
            is_type(&reply, "ack"),
            "{}: expected ack {rid}, got {reply}",
            self.label
        );
    }

    /// Waits for the next `error` and checks its code.
    pub async fn expect_error(&mut self, code: &str) -> Value {
        let reply = self.recv_until(|m| is_type(m, "error"), WAIT).await;
        assert_eq!(
            reply["code"], code,
            "{}: unexpected error {reply}",
            self.label
        );
        reply
    }

    /// Reads one message (position batches included).
    pub async fn recv(&mut self) -> Value {
        self.recv_until(|_| true, WAIT).await
    }

    /// Returns the first message satisfying `pred`: first among those read
    /// earlier but not yet taken (skipped by an earlier wait), then reading
    /// on. Messages skipped on the way stay available to later waits, and all
    /// are in [`Client::log`]. Fails the test if none matches within
    /// `timeout`, or if the connection ends.
    pub async fn recv_until(&mut self, pred: impl Fn(&Value) -> bool, timeout: Duration) -> Value {
        if let Some(i) = self.unread.iter().position(&pred)
            && let Some(found) = self.unread.remove(i)
        {
            return found;
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let start = self.log.len();
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next()).await;
            let message = match next {
                Err(_) => panic!(
                    "{}: no matching message within {timeout:?}; got meanwhile: {}",
                    self.label,
                    summarize(&self.log[start..])
                ),
                Ok(None) => panic!("{}: connection ended while waiting", self.label),
                Ok(Some(Err(e))) => panic!("{}: connection failed while waiting: {e}", self.label),
                Ok(Some(Ok(message))) => message,
            };
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(text.as_str())
                        .unwrap_or_else(|e| panic!("server sent invalid JSON ({e}): {text}"));
                    self.observe(&value);
                    self.log.push(value.clone());
                    if pred(&value) {
                        return value;
                    }
                    self.unread.push_back(value);
                }
                Message::Close(frame) => panic!(
                    "{}: closed by the server while waiting: {frame:?}",
                    self.label
                ),
                Message::Binary(_) => panic!("{}: server sent a binary frame", self.label),
                _ => {}
            }
        }
    }

    /// Forgets the messages read but not taken by a wait.
    pub fn skip_unread(&mut self) {
        self.unread.clear();
    }

    /// The first message of the given type.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        self.recv_until(|m| is_type(m, kind), WAIT).await
    }

    /// Reads for `within` and fails if a message satisfying `pred` arrives.
    /// Prefer [`Client::barrier`] with [`Client::assert_never_received`].
    pub async fn assert_no_message_matching(
        &mut self,
        pred: impl Fn(&Value) -> bool,
        within: Duration,
    ) {
        if let Some(found) = self.unread.iter().find(|m| pred(m)) {
            panic!("{}: unexpected message {found}", self.label);
        }
        let deadline = tokio::time::Instant::now() + within;
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, self.ws.next()).await {
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                self.observe(&value);
                assert!(!pred(&value), "{}: unexpected message {value}", self.label);
                self.log.push(value.clone());
                self.unread.push_back(value);
            }
        }
    }

    /// Fails if any message received so far satisfies `pred`.
    pub fn assert_never_received(&self, what: &str, pred: impl Fn(&Value) -> bool) {
        if let Some(found) = self.log.iter().find(|m| pred(m)) {
            panic!(
                "{}: should never have received {what}, got {found}",
                self.label
            );
        }
    }

    /// How many messages received so far satisfy `pred`.
    pub fn count_received(&self, pred: impl Fn(&Value) -> bool) -> usize {
        self.log.iter().filter(|m| pred(m)).count()
    }

    /// Round trip through the hub: a zero step, which the hub refuses with an
    /// error carrying our `rid`. Every frame the hub queued for us before it
    /// handled this has been read when it returns (see the module doc).
    pub async fn barrier(&mut self) {
        let rid = self
            .request(json!({"type": "step", "dx": 0, "dy": 0}))
            .await;
        let reply = self.reply_to(rid).await;
        assert!(is_type(&reply, "error"), "barrier: {reply}");
    }

    /// `ping` with `t0`; returns the `pong`.
    pub async fn ping(&mut self, t0: f64) -> Value {
        self.send_json(json!({"type": "ping", "t0": t0})).await;
        self.recv_until(|m| is_type(m, "pong") && m["t0"] == t0, WAIT)
            .await
    }

    /// Whether the connection still answers: a ping comes back as a pong.
    pub async fn assert_alive(&mut self) {
        let t0 = 4242.5 + self.log.len() as f64;
        let pong = self.ping(t0).await;
        assert_eq!(pong["t0"], t0);
    }

    /// Reads until the connection ends; returns how (messages on the way are
    /// logged). Fails the test if it does not end within `timeout`.
    pub async fn recv_close(&mut self, timeout: Duration) -> Ended {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("{}: not closed within {timeout:?}", self.label));
            match next {
                None => return Ended::Dropped("end of stream".into()),
                Some(Err(e)) => return Ended::Dropped(e.to_string()),
                Some(Ok(Message::Close(frame))) => {
                    return match frame {
                        Some(f) => Ended::Close(u16::from(f.code), f.reason.to_string()),
                        None => Ended::Close(1005, String::new()),
                    };
                }
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                    self.observe(&value);
                    self.log.push(value);
                }
                Some(Ok(_)) => {}
            }
        }
    }

    /// Closes the socket from the client side.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(WAIT, self.ws.close(None)).await;
    }

    /// Where the client last saw this avatar.
    pub fn position_of(&self, id: u32) -> Option<(u16, u16)> {
        self.positions.get(&id).copied()
    }

    /// Waits until the client has seen avatar `id` on tile (x, y).
    pub async fn wait_position(&mut self, id: u32, x: u16, y: u16) {
        if self.position_of(id) == Some((x, y)) {
            return;
        }
        self.recv_until(
            |m| {
                is_type(m, "positions")
                    && m["p"]
                        .as_array()
                        .is_some_and(|p| p.iter().any(|e| e == &json!([id, x, y])))
            },
            WAIT,
        )
        .await;
    }

    /// Keeps [`Client::positions`] up to date.
    fn observe(&mut self, msg: &Value) {
        let mut put = |p: &Value| {
            if let (Some(id), Some(x), Some(y)) =
                (p["id"].as_u64(), p["x"].as_u64(), p["y"].as_u64())
            {
                self.positions.insert(id as u32, (x as u16, y as u16));
            }
        };
        match msg["type"].as_str() {
            Some("welcome") => {
                for p in msg["people"].as_array().into_iter().flatten() {
                    put(p);
                }
            }
            Some("person_joined") => put(&msg["person"]),
            Some("room_changed") => put(msg),
            Some("positions") => {
                for e in msg["p"].as_array().into_iter().flatten() {
                    if let (Some(id), Some(x), Some(y)) =
                        (e[0].as_u64(), e[1].as_u64(), e[2].as_u64())
                    {
                        self.positions.insert(id as u32, (x as u16, y as u16));
                    }
                }
            }
            Some("person_left") => {
                if let Some(id) = msg["id"].as_u64() {
                    self.positions.remove(&(id as u32));
                }
            }
            _ => {}
        }
    }
}

/// A short, readable list of message types for failure messages.
fn summarize(messages: &[Value]) -> String {
    let shown: Vec<String> = messages
        .iter()
        .rev()
        .take(12)
        .rev()
        .map(|m| {
            let text = m.to_string();
            if text.chars().count() > 160 {
                format!("{}…", text.chars().take(160).collect::<String>())
            } else {
                text
            }
        })
        .collect();
    format!("[{}] ({} in all)", shown.join(", "), messages.len())
}

/// Tries to open a WebSocket with an `Origin` header; returns the HTTP status
/// of a refused upgrade, or 101 when it was accepted.
pub async fn upgrade_status_with_origin(server: &TestServer, origin: &str) -> u16 {
    let mut request = server
        .ws_url()
        .into_client_request()
        .expect("valid ws request");
    request
        .headers_mut()
        .insert("Origin", origin.parse().expect("valid origin header"));
    match tokio::time::timeout(WAIT, connect_async(request))
        .await
        .expect("upgrade answered in time")
    {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("unexpected upgrade failure: {other}"),
    }
}

/// Rate limits no functional test reaches.
pub fn generous_rate_limits() -> amphi::net::rate::RateLimits {
    let budget = amphi::net::rate::Budget {
        per_second: 100_000.0,
        burst: 100_000,
    };
    amphi::net::rate::RateLimits {
        moves: budget,
        chat: budget,
        other: budget,
        flood_refusals: 1_000_000,
        flood_window_secs: 10,
    }
}

// ---------------------------------------------------------------------------
// Durability helpers (used by tests/durability): a server on a data directory
// the test owns, so that another server can restart on it.
// ---------------------------------------------------------------------------

/// A unique temporary directory path (not created) for a test to own; the
/// test removes it.
pub fn owned_data_dir() -> PathBuf {
    temp_data_dir()
}

impl TestServer {
    /// A server on `data_dir` (same settings as [`TestServer::with_config`]),
    /// with the events' store options (`faults` to inject write failures).
    /// The directory is the caller's: it is kept when this server stops.
    pub async fn start_in(
        data_dir: &std::path::Path,
        store: amphi::store::StoreOptions,
        adjust: impl FnOnce(&mut Config),
    ) -> TestServer {
        let options = ServerOptions {
            store,
            ..ServerOptions::default()
        };
        TestServer::launch(data_dir, options, adjust).await
    }

    /// The join links this start showed.
    pub fn links(&self) -> &[JoinLink] {
        &self.links
    }

    /// The operator's admin link this start showed, if any.
    pub fn admin_link(&self) -> Option<&str> {
        self.admin_link.as_deref()
    }
}

// ---------------------------------------------------------------------------
// Feature helpers (used by tests/features): a server on a hand-moved clock,
// any HTTP request with headers (the moderator's API), anonymous watchers,
// and waiting for hub ticks.
// ---------------------------------------------------------------------------

/// The hand-moved clock of a [`TestServer::with_manual_clock`] server. The
/// hub reads it on every message and tick.
#[derive(Debug, Clone)]
pub struct ManualClock(std::sync::Arc<AtomicU64>);

impl ManualClock {
    /// Server time now (ms since the epoch).
    pub fn now(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Sets server time.
    pub fn set(&self, ms: u64) {
        self.0.store(ms, Ordering::Release);
    }

    /// Moves server time forward by `ms`; returns the new time.
    pub fn advance(&self, ms: u64) -> u64 {
        self.0.fetch_add(ms, Ordering::AcqRel) + ms
    }
}

impl TestServer {
    /// A server (same settings as [`TestServer::with_config`]) whose clock
    /// starts at `start` ms and moves only when the test moves it.
    pub async fn with_manual_clock(
        start: u64,
        adjust: impl FnOnce(&mut Config),
    ) -> (TestServer, ManualClock) {
        let (clock, handle) = amphi::clock::Clock::manual(start);
        let options = ServerOptions {
            clock,
            ..ServerOptions::default()
        };
        let data_dir = temp_data_dir();
        let mut server = TestServer::launch(&data_dir, options, adjust).await;
        server.data_dir = data_dir;
        (server, ManualClock(handle))
    }

    /// `POST /api/events/demo/roster` with a CSV roster, as the moderator
    /// whose session `token` is given (or anonymously).
    pub async fn post_roster(&self, token: Option<&str>, csv: &[u8]) -> HttpResponse {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "text/csv")];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth.as_str()));
        }
        self.http("POST", "/api/events/demo/roster", &headers, csv)
            .await
    }

    /// A roster import that must succeed; its JSON answer.
    pub async fn import_roster(&self, session: &str, csv: &str) -> Value {
        let response = self.post_roster(Some(session), csv.as_bytes()).await;
        assert_eq!(response.status, 200, "roster import: {}", response.body);
        serde_json::from_str(&response.body)
            .unwrap_or_else(|e| panic!("roster answer {}: {e}", response.body))
    }

    /// Any HTTP/1.1 request with extra headers and a body.
    pub async fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        http_request(self.addr, method, path, headers, body).await
    }

    /// Returns once the hub has run `n` more ticks (read from `/metrics`), so
    /// whatever a tick would have sent at the current clock has been queued.
    pub async fn wait_ticks(&self, n: u64) {
        let name = "amphi_tick_duration_seconds_count";
        let from = self.metric(name).await as u64;
        let deadline = tokio::time::Instant::now() + WAIT;
        while (self.metric(name).await as u64) < from + n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the hub ran no {n} ticks within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A minimal HTTP/1.1 request over a raw socket (`Connection: close`).
pub async fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let fetch = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect for HTTP");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        stream.write_all(&request).await.expect("send request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read response");
        raw
    };
    let raw = tokio::time::timeout(WAIT, fetch)
        .await
        .unwrap_or_else(|_| panic!("{method} {path}: no response within {WAIT:?}"));
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{method} {path}: malformed response {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: no status line in {head:?}"));
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    HttpResponse {
        status,
        headers,
        body,
    }
}

impl Client {
    /// Connects as an anonymous watcher (`hello` with `watch: true`) and
    /// returns the `watching` message.
    pub async fn watch(server: &TestServer) -> (Client, Value) {
        let mut client = Client::connect(server).await;
        client.label = "watcher".into();
        client
            .send_json(json!({"type": "hello", "protocol": 2, "watch": true}))
            .await;
        let first = client
            .recv_until(|m| is_type(m, "watching") || is_type(m, "error"), WAIT)
            .await;
        assert!(is_type(&first, "watching"), "watch refused: {first}");
        (client, first)
    }

    /// Sends a request and returns whatever answers its `rid`: an `ack`, an
    /// `error`, or a reply that carries the `rid` (e.g. `invite_created`).
    pub async fn call_any(&mut self, value: Value) -> Value {
        let rid = self.request(value).await;
        self.recv_until(
            |m| m["rid"] == rid && m["type"] != "ping" && m["type"] != "pong",
            WAIT,
        )
        .await
    }

    /// The newest message of `kind` once every frame the hub sent before
    /// a barrier is read (the latest view of a pushed state).
    pub async fn latest(&mut self, kind: &str) -> Value {
        self.barrier().await;
        self.last_received(|m| is_type(m, kind))
            .unwrap_or_else(|| panic!("no {kind} received"))
            .clone()
    }

    /// The newest message received so far satisfying `pred`, if any.
    pub fn last_received(&self, pred: impl Fn(&Value) -> bool) -> Option<&Value> {
        self.log.iter().rev().find(|m| pred(m))
    }

    /// Sets the label shown in failure messages.
    pub fn set_label(&mut self, label: &str) {
        self.label = label.to_string();
    }
}

/// A GET whose body is kept as bytes (an image): the status and the body.
pub async fn http_get_bytes(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let fetch = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect for HTTP");
        let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(head.as_bytes())
            .await
            .expect("send request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read response");
        raw
    };
    let raw = tokio::time::timeout(WAIT, fetch)
        .await
        .unwrap_or_else(|_| panic!("GET {path}: no response within {WAIT:?}"));
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("GET {path}: malformed response"));
    let head = String::from_utf8_lossy(&raw[..end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("GET {path}: no status line in {head:?}"));
    (status, raw[end + 4..].to_vec())
}
