//! Voice and video through the media server, seen from real browsers: fake
//! camera and microphone (Chromium's `--use-fake-device-for-media-stream`),
//! and what each page *receives*, read from `RTCPeerConnection.getStats()`
//! (`inbound-rtp` bytes per sender and kind). The relay test starts Debian's
//! coturn (`turnserver`) on loopback and forces the pages through it.

use super::{Setup, my_id, setup, setup_with};
use crate::common::{Client, TestServer, WAIT};
use crate::harness::{Browser, CATCH_ERRORS, ONE_AT_A_TIME, tools_or_skip};
use amphi::config::SecretString;
use amphi::domain::Role;
use amphi::media::turn::TurnConfig;
use serde_json::{Value, json};
use std::time::Instant;

/// Bytes received so far per sender, source and kind:
/// `{"<member>/<source>/<kind>": bytes}`, from the page's own stats, and
/// what the browser decoded of them: `.../frames` (video frames) and
/// `.../samples` (audio samples not concealed).
const RECEIVED: &str = "return (async () => {
  const m = amphi.media; if (!m.pc) return {};
  const out = {};
  for (const s of (await m.pc.getStats()).values()) {
    if (s.type !== 'inbound-rtp') continue;
    const info = m.tracks.get(s.mid); if (!info) continue;
    const key = `${info.member}/${info.source}/${s.kind}`;
    out[key] = (out[key] || 0) + (s.bytesReceived || 0);
    const decoded = s.kind === 'video' ? ['frames', s.framesDecoded || 0]
      : ['samples', (s.totalSamplesReceived || 0) - (s.concealedSamples || 0)];
    out[`${key}/${decoded[0]}`] = (out[`${key}/${decoded[0]}`] || 0) + decoded[1];
  }
  return out;
})();";

pub(super) async fn received(b: &Browser) -> serde_json::Map<String, Value> {
    match b.js(RECEIVED, vec![]).await {
        Value::Object(map) => map,
        other => panic!("{}: stats were {other}", b.name),
    }
}

pub(super) fn bytes(map: &serde_json::Map<String, Value>, key: &str) -> u64 {
    map.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// Waits until `b` has received more than `above` bytes of `key`.
pub(super) async fn wait_receiving(b: &Browser, key: &str, above: u64) -> u64 {
    let started = Instant::now();
    loop {
        let now = bytes(&received(b).await, key);
        if now > above {
            return now;
        }
        if started.elapsed() > WAIT {
            let state = b
                .js(
                    "const m = amphi.media; return JSON.stringify({pc: m.pc && m.pc.connectionState, tracks: [...m.tracks], errors: window.__errors || []});",
                    vec![],
                )
                .await;
            panic!(
                "{}: nothing more than {above} bytes of {key} arrived (stats: {:?}, media: {state})",
                b.name,
                received(b).await
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits until `key` stops growing at `b` (two samples 400 ms apart agree);
/// returns how long that took from `since`.
pub(super) async fn wait_stopped(b: &Browser, key: &str, since: Instant) -> f64 {
    let mut last = bytes(&received(b).await, key);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let now = bytes(&received(b).await, key);
        if now <= last {
            return since.elapsed().as_secs_f64() - 0.4;
        }
        last = now;
        assert!(
            since.elapsed() < WAIT,
            "{}: {key} kept arriving ({now} bytes)",
            b.name
        );
    }
}

/// How long after a move is acknowledged packets of the person who walked
/// out may still arrive (issue 16: "walking out leaves it within a second").
const WALK_OUT_BOUND_SECS: f64 = 1.0;
/// How long a track must stay silent to count as stopped.
const QUIET_MS: f64 = 1500.0;

/// Teleports `b` and returns when the server acknowledged it, in ms since
/// the epoch on the page's clock (the machine's clock: every page of a test
/// runs on the same machine).
async fn teleport_acked_at(b: &Browser, room: &str) -> f64 {
    b.js(
        "return amphi.conn.request({type: 'teleport', room: arguments[0]}).then(() => Date.now());",
        vec![json!(room)],
    )
    .await
    .as_f64()
    .expect("a time")
}

/// How often the page samples its stats while a move is measured.
const SAMPLE_MS: f64 = 50.0;

/// Starts sampling, in `b`'s page, when the last packet of each track from
/// `from` arrived (`inbound-rtp` `lastPacketReceivedTimestamp`, ms since
/// the epoch), every [`SAMPLE_MS`]. The page keeps the latest value even
/// after the track's m-line is stopped and its stats are gone. Returns once
/// a first sample was taken (the move measured comes after it).
async fn sample_last_packets(b: &Browser, from: u64) {
    b.js(
        "const m = amphi.media; const from = String(arguments[0]);
         const mids = [...m.tracks].filter(([, i]) => String(i.member) === from).map(([mid]) => mid);
         window.__last = {}; window.__sampled = 0;
         const sample = async () => {
           for (const s of (await m.pc.getStats()).values()) {
             if (s.type !== 'inbound-rtp' || !mids.includes(s.mid)) continue;
             window.__last[s.mid] = Math.max(window.__last[s.mid] || 0, s.lastPacketReceivedTimestamp || 0);
           }
           window.__sampled = Date.now();
         };
         return sample().then(() => {
           window.__sampler = setInterval(sample, arguments[1]);
           return mids.length;
         });",
        vec![json!(from), json!(SAMPLE_MS)],
    )
    .await;
}

/// Once nothing sampled by [`sample_last_packets`] has arrived for
/// [`QUIET_MS`], when the last packet arrived. The time is the one the
/// browser's network thread stamped on the packet, not the time of a poll,
/// so a slow poll or a loaded test machine does not lengthen it; only
/// packets that really arrived late do. A packet that arrived in the last
/// [`SAMPLE_MS`] before its stats vanished may be missed: callers add that.
async fn last_packet_at(b: &Browser) -> f64 {
    const LAST: &str = "return [Math.max(0, ...Object.values(window.__last)), window.__sampled];";
    let started = Instant::now();
    loop {
        let got = b.js(LAST, vec![]).await;
        let (last, sampled) = (
            got[0].as_f64().unwrap_or(0.0),
            got[1].as_f64().unwrap_or(0.0),
        );
        if sampled > 0.0 {
            assert!(last > 0.0, "{}: nothing was ever received", b.name);
            assert!(
                (sampled - last).abs() < 60_000.0,
                "{}: lastPacketReceivedTimestamp {last} is not on the epoch clock ({sampled})",
                b.name
            );
            if sampled - last >= QUIET_MS {
                b.js("clearInterval(window.__sampler); return true;", vec![])
                    .await;
                return last;
            }
        }
        assert!(
            started.elapsed() < WAIT,
            "{}: still receiving (last packet {:.0} ms before the last sample)",
            b.name,
            sampled - last
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub(super) async fn teleport(b: &Browser, room: &str) {
    b.js(
        "return amphi.conn.request({type: 'teleport', room: arguments[0]}).then(() => true);",
        vec![json!(room)],
    )
    .await;
}

/// Joins the conversation with microphone and camera on.
pub(super) async fn talk(b: &Browser) {
    b.js("return amphi.media.join().then(() => true);", vec![])
        .await;
    b.wait(
        "the media connection",
        "return amphi.media.pc && amphi.media.pc.connectionState === 'connected';",
        vec![],
    )
    .await;
    b.js(
        "return (async () => { await amphi.media.toggle('mic'); await amphi.media.toggle('camera'); return Boolean(amphi.media.local.mic && amphi.media.local.camera); })();",
        vec![],
    )
    .await;
}

async fn people(s: &mut Setup) -> (Browser, Browser, Browser) {
    let alice = s.person(Role::Participant, "Alice").await;
    let bob = s.person(Role::Participant, "Bob").await;
    let carol = s.person(Role::Participant, "Carol").await;
    teleport(&alice, "table-01").await;
    teleport(&bob, "table-01").await;
    teleport(&carol, "table-02").await;
    for b in [&alice, &bob, &carol] {
        talk(b).await;
    }
    (alice, bob, carol)
}

#[tokio::test]
async fn a_table_hears_and_sees_itself_and_nobody_else_does() {
    // Every burst of receivers is polled on two threads here (a large
    // conversation's way: `media::polling`); the other tests poll them on
    // the media task's thread.
    let Some(mut s) = setup_with("a_table_hears_and_sees_itself_and_nobody_else_does", |c| {
        c.media.fanout_threads = 2;
        c.media.fanout_min = 1;
    })
    .await
    else {
        return;
    };
    let (alice, bob, carol) = people(&mut s).await;
    let (a, b) = (my_id(&alice).await, my_id(&bob).await);
    for (who, from) in [(&alice, b), (&bob, a)] {
        wait_receiving(who, &format!("{from}/mic/audio"), 0).await;
        wait_receiving(who, &format!("{from}/camera/video"), 0).await;
        // Not only bytes: sound and pictures the browser decodes.
        wait_receiving(who, &format!("{from}/mic/audio/samples"), 0).await;
        wait_receiving(who, &format!("{from}/camera/video/frames"), 10).await;
    }
    alice.screenshot("media-table-alice").await;
    // Carol, at another table all along, got nothing of theirs.
    let at_carol = received(&carol).await;
    for from in [a, b] {
        for key in ["mic/audio", "camera/video"] {
            assert_eq!(
                bytes(&at_carol, &format!("{from}/{key}")),
                0,
                "{at_carol:?}"
            );
        }
    }

    // Bob shares a screen (a canvas the page draws): Alice receives it.
    bob.js(
        "const c = document.createElement('canvas'); c.width = 320; c.height = 180; const g = c.getContext('2d'); let n = 0; setInterval(() => { g.fillStyle = `hsl(${n++ % 360},80%,50%)`; g.fillRect(0, 0, 320, 180); }, 100); return amphi.media.useTrack('screen', c.captureStream(10).getVideoTracks()[0]).then(() => true);",
        vec![],
    )
    .await;
    wait_receiving(&alice, &format!("{b}/screen/video/frames"), 5).await;

    // Bob walks to Carol's table: Alice stops receiving him within a
    // second, Carol starts.
    sample_last_packets(&alice, b).await;
    let acked = teleport_acked_at(&bob, "table-02").await;
    let last = last_packet_at(&alice).await;
    let took = (last - acked + SAMPLE_MS) / 1000.0;
    println!("Bob's last packet reached Alice {took:.3} s after his move was acknowledged");
    assert!(
        took <= WALK_OUT_BOUND_SECS,
        "Bob's sound or picture still reached Alice {took:.3} s after he walked out"
    );
    wait_receiving(&carol, &format!("{b}/mic/audio"), 0).await;
    // (Spread only where the process may use two cores.)
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        s.server
            .wait_metric("amphi_media_spread_polls_total", WAIT, |n| n > 0.0)
            .await;
    }
    s.done();
}

#[tokio::test]
async fn a_muted_person_stops_arriving() {
    let Some(mut s) = setup("a_muted_person_stops_arriving").await else {
        return;
    };
    let alice = s.person(Role::Participant, "Alice").await;
    let bob = s.person(Role::Participant, "Bob").await;
    teleport(&alice, "table-01").await;
    teleport(&bob, "table-01").await;
    talk(&alice).await;
    talk(&bob).await;
    let a = my_id(&alice).await;
    let key = format!("{a}/mic/audio");
    wait_receiving(&bob, &key, 0).await;

    // Alice's page keeps sending after the mute (as a modified client
    // would): the server must hold her sound back itself.
    alice
        .js(
            "const m = amphi.media; const handle = m.handle.bind(m); m.handle = (msg) => { if (msg.type !== 'media_muted') handle(msg); }; return true;",
            vec![],
        )
        .await;
    // A participant may not mute anyone; the moderator may.
    let (mut moderator, _) = Client::join(&s.server, Role::Moderator, "Modé").await;
    let (mut other, _) = Client::join(&s.server, Role::Participant, "Eve").await;
    let code = other
        .call_err(json!({"type": "media_mute", "member": a, "muted": true}))
        .await;
    assert_eq!(code, "forbidden");
    let muted = Instant::now();
    moderator
        .call(json!({"type": "media_mute", "member": a, "muted": true}))
        .await;
    let took = wait_stopped(&bob, &key, muted).await;
    println!("muted audio stopped {took:.2} s after the mute");
    // Her camera still arrives: only the microphone is muted.
    let seen = bytes(&received(&bob).await, &format!("{a}/camera/video"));
    wait_receiving(&bob, &format!("{a}/camera/video"), seen).await;
    s.done();
}

/// A coturn on loopback, started for one test, killed (by its pid) on drop.
pub(super) struct Coturn {
    child: std::process::Child,
    pub(super) port: u16,
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) const TURN_SECRET: &str = "relay-test-shared-secret";

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// Starts Debian's `turnserver` with shared-secret authentication, or says
/// why not (missing locally: skip; under CI: fail).
/// A server handing out credentials (valid `ttl_secs`) for a coturn the
/// test starts on loopback, and a browser: `None` where the tools are
/// missing outside CI.
pub(super) async fn relay_setup(name: &'static str, ttl_secs: u64) -> Option<(Setup, Coturn)> {
    let tools = tools_or_skip(name)?;
    let turn = coturn(name)?;
    let lock = ONE_AT_A_TIME.lock().await;
    let started = Instant::now();
    let urls = vec![format!("turn:127.0.0.1:{}?transport=udp", turn.port)];
    let server = TestServer::with_config(move |c| {
        c.media.turn = Some(TurnConfig {
            urls,
            secret: SecretString::new(TURN_SECRET),
            ttl_secs,
        });
    })
    .await;
    Some((
        Setup::around(name, lock, started, server, tools).await,
        turn,
    ))
}

pub(super) fn coturn(test: &str) -> Option<Coturn> {
    let Some(path) = which("turnserver") else {
        if std::env::var_os("CI").is_some() {
            panic!("{test}: CI is set but turnserver is missing (install Debian's coturn)");
        }
        println!("skipped: {test}: no turnserver (install Debian's coturn)");
        return None;
    };
    let port = free_udp_port();
    let relay_min = free_udp_port().max(20000);
    let child = std::process::Command::new(path)
        .args([
            "-n",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            &format!("--listening-port={port}"),
            &format!("--min-port={relay_min}"),
            &format!("--max-port={}", relay_min.saturating_add(200).min(65000)),
            "--use-auth-secret",
            &format!("--static-auth-secret={TURN_SECRET}"),
            "--realm=amphi.test",
            "--allow-loopback-peers",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--log-file=stdout",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("turnserver starts");
    Some(Coturn { child, port })
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

#[tokio::test]
async fn relay_only_ice_through_coturn_carries_the_table() {
    let name = "relay_only_ice_through_coturn_carries_the_table";
    let Some((mut s, _turn)) = relay_setup(name, 600).await else {
        return;
    };
    let mut people = Vec::new();
    for who in ["Alice", "Bob"] {
        let b = s.driver.browser(who).await;
        b.goto(&format!("{}&relay=1", s.join_url(Role::Participant, who)))
            .await;
        b.js(CATCH_ERRORS, vec![]).await;
        b.wait(
            "the welcome",
            "return Boolean(window.amphi && amphi.store.me && amphi.renderer.map);",
            vec![],
        )
        .await;
        teleport(&b, "table-01").await;
        talk(&b).await;
        people.push(b);
    }
    let (alice, bob) = (&people[0], &people[1]);
    let b = my_id(bob).await;
    wait_receiving(alice, &format!("{b}/mic/audio"), 0).await;
    // The pair carrying it is a relayed one.
    let kind = alice
        .js(
            "return (async () => { const st = await amphi.media.pc.getStats(); for (const p of st.values()) { if (p.type === 'candidate-pair' && p.nominated && p.state === 'succeeded') return st.get(p.localCandidateId).candidateType; } return 'none'; })();",
            vec![],
        )
        .await;
    assert_eq!(kind, "relay");
    assert!(s.server.metric("amphi_media_turn_credentials_total").await >= 2.0);
    s.done();
}
