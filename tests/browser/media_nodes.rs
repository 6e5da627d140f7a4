//! The media server as separate processes (`amphi media`): two of them on
//! loopback, each carrying the tables the venue assigns it, and a person
//! who walks from one to the other moved across without hanging up.

use super::Setup;
use super::media::{bytes, received, talk, teleport, wait_receiving};
use super::my_id;
use crate::common::{TestServer, free_port};
use crate::harness::{Browser, CATCH_ERRORS, ONE_AT_A_TIME, tools_or_skip};
use amphi::config::SecretString;
use amphi::domain::Role;
use amphi::media::nodes::NodeConfig;
use std::io::BufRead;
use std::net::SocketAddr;
use std::time::Instant;

pub(super) const SECRET: &str = "media-nodes-test-secret";

/// An `amphi media` process, killed (by its pid) on drop.
pub(super) struct MediaProcess {
    child: std::process::Child,
    pub(super) control: SocketAddr,
    pub(super) udp: SocketAddr,
}

impl Drop for MediaProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `amphi media` on a free control port and reads where it listens.
pub(super) fn media_process() -> MediaProcess {
    let control = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_amphi"))
        .args(["media", "--control", &control.to_string()])
        .env("AMPHI_MEDIA_SECRET", SECRET)
        .env("AMPHI_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("amphi media starts");
    let stdout = child.stdout.take().expect("its stdout");
    let mut udp = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.expect("a line of amphi media");
        if let Some(addr) = line.strip_prefix("media udp: ") {
            udp = Some(addr.parse().expect("a UDP address"));
            break;
        }
    }
    MediaProcess {
        child,
        control,
        udp: udp.expect("amphi media printed its UDP address"),
    }
}

/// The port of the server side of the page's media connection, once ICE
/// has chosen its pair.
pub(super) async fn media_port(b: &Browser) -> u64 {
    let port = b
        .wait(
            "the media connection's chosen pair",
            "return (async () => { const pc = amphi.media.pc; if (!pc) return 0; const st = await pc.getStats(); for (const p of st.values()) { if (p.type === 'candidate-pair' && p.nominated && p.state === 'succeeded') return st.get(p.remoteCandidateId).port; } return 0; })();",
            vec![],
        )
        .await;
    port.as_u64().unwrap_or(0)
}

#[tokio::test]
async fn two_media_processes_each_carry_their_own_tables() {
    let name = "two_media_processes_each_carry_their_own_tables";
    let Some((chrome, driver)) = tools_or_skip(name) else {
        return;
    };
    let lock = ONE_AT_A_TIME.lock().await;
    let started = Instant::now();
    let (first, second) = (media_process(), media_process());
    let nodes = vec![
        NodeConfig {
            control: first.control,
            rooms: vec!["table-01".into()],
        },
        NodeConfig {
            control: second.control,
            rooms: vec!["table-02".into()],
        },
    ];
    let server = TestServer::with_config(move |c| {
        c.media.nodes = nodes;
        c.media.node_secret = Some(SecretString::new(SECRET));
    })
    .await;
    server
        .wait_metric("amphi_media_nodes_connected", crate::common::WAIT, |n| {
            n >= 2.0
        })
        .await;
    let mut s = Setup::around(name, lock, started, server, (chrome, driver)).await;
    let alice = s.person(Role::Participant, "Alice").await;
    let bob = s.person(Role::Participant, "Bob").await;
    let carol = s.person(Role::Participant, "Carol").await;
    alice.js(CATCH_ERRORS, vec![]).await;
    teleport(&alice, "table-01").await;
    teleport(&bob, "table-01").await;
    teleport(&carol, "table-02").await;
    for b in [&alice, &bob, &carol] {
        talk(b).await;
    }
    let (a, b) = (my_id(&alice).await, my_id(&bob).await);
    // Table 1 talks through the first process, table 2 through the second.
    wait_receiving(&alice, &format!("{b}/mic/audio"), 0).await;
    wait_receiving(&bob, &format!("{a}/camera/video"), 0).await;
    assert_eq!(media_port(&alice).await, u64::from(first.udp.port()));
    assert_eq!(media_port(&carol).await, u64::from(second.udp.port()));
    let at_carol = received(&carol).await;
    assert_eq!(
        bytes(&at_carol, &format!("{a}/mic/audio")),
        0,
        "{at_carol:?}"
    );

    // Bob walks to table 2: his connection moves to the second process,
    // his microphone and camera still on, and Carol hears him.
    teleport(&bob, "table-02").await;
    wait_receiving(&carol, &format!("{b}/mic/audio"), 0).await;
    wait_receiving(&carol, &format!("{b}/camera/video"), 0).await;
    assert_eq!(media_port(&bob).await, u64::from(second.udp.port()));
    s.done();
}
