//! Project files under SIGKILL: three team members upload screenshots and
//! slides to the real binary, which is killed while they do. Afterwards
//! (`amphi dump`, then a restart):
//! - every acknowledged screenshot is on its page, and each page's slides are
//!   the last acknowledged ones or ones sent after them;
//! - every file the recovered state references is on disk with its checksum;
//! - after the restart the files directory holds exactly those files
//!   (orphans of uploads cut by the kill are swept).

use crate::binary::{self, Amphi};
use crate::data_dir;
use amphi::uploads::detect::samples;
use amphi::uploads::files::sha256_hex;
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

const TEAMS: [u32; 3] = [1, 2, 3];

/// Joins with `invite`, joins `team`, writes a page; returns the session.
async fn member_of(url: &str, invite: &str, name: &str, team: u32) -> String {
    let (mut ws, _) = connect_async(url).await.unwrap();
    let frames = [
        json!({"type": "hello", "protocol": 2, "invite": invite, "name": name}),
        json!({"type": "join_team", "team": team, "rid": 1}),
        json!({"type": "project", "op": "update", "name": format!("Projet {team}"), "rid": 2}),
    ];
    let mut session = String::new();
    for frame in frames {
        ws.send(Message::text(frame.to_string())).await.unwrap();
        loop {
            let Some(Ok(Message::Text(text))) = ws.next().await else {
                panic!("connection ended");
            };
            let value: Value = serde_json::from_str(text.as_str()).unwrap();
            match value["type"].as_str() {
                Some("welcome") => {
                    session = value["session"].as_str().unwrap().to_string();
                    break;
                }
                Some("ack") => break,
                Some("error") => panic!("{frame} refused: {value}"),
                _ => {}
            }
        }
    }
    session
}

/// A POST that reports failure instead of panicking (the server may die
/// under it): `Some(status)` when an answer came.
async fn post(addr: SocketAddr, path: &str, session: &str, body: &[u8]) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {session}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(body).await.ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.ok()?;
    let text = String::from_utf8_lossy(&raw);
    text.split(' ').nth(1)?.parse().ok()
}

/// A distinct PNG (an ancillary chunk carries `n`).
fn png(n: u32) -> Vec<u8> {
    let base = samples::png();
    let iend = base.len() - 12;
    let mut out = base[..iend].to_vec();
    out.extend_from_slice(&4u32.to_be_bytes());
    out.extend_from_slice(b"zzZz");
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&base[iend..]);
    out
}

/// A distinct PDF.
fn pdf(n: u32) -> Vec<u8> {
    let mut out = samples::pdf();
    out.extend_from_slice(format!("% version {n}\n%%EOF\n").as_bytes());
    out
}

/// What one uploader sent and had acknowledged, in order.
#[derive(Default)]
struct Sent {
    screenshots_acked: Vec<String>,
    /// Every slides checksum sent, in order, and the index of the last acked.
    slides_sent: Vec<String>,
    last_slides_acked: Option<usize>,
}

async fn upload_until_killed(addr: SocketAddr, session: String, team: u32) -> Sent {
    let mut sent = Sent::default();
    for n in 0.. {
        let (slot, bytes) = if n < 5 {
            ("screenshot", png(team * 100 + n))
        } else {
            ("slides", pdf(team * 1000 + n))
        };
        let sha = sha256_hex(&bytes);
        if slot == "slides" {
            sent.slides_sent.push(sha.clone());
        }
        let path = format!("/api/events/demo/project/files?slot={slot}");
        match post(addr, &path, &session, &bytes).await {
            Some(200) if slot == "screenshot" => sent.screenshots_acked.push(sha),
            Some(200) => sent.last_slides_acked = Some(sent.slides_sent.len() - 1),
            Some(status) => panic!("upload {n} of team {team}: HTTP {status}"),
            None => break,
        }
    }
    sent
}

#[tokio::test]
async fn acknowledged_uploads_survive_sigkill() {
    let dir = data_dir();
    let config = binary::load_config(&dir.0);
    let server = Amphi::start(&dir.0, Some(&config), &[]);
    let invite = server.token("participant");
    let mut sessions = Vec::new();
    for team in TEAMS {
        sessions.push(member_of(&server.ws_url(), &invite, &format!("Membre {team}"), team).await);
    }
    let addr = server.addr;
    let tasks: Vec<_> = TEAMS
        .into_iter()
        .zip(sessions)
        .map(|(team, session)| tokio::spawn(upload_until_killed(addr, session, team)))
        .collect();
    let kill_after = rand::rng().random_range(100..600);
    tokio::time::sleep(Duration::from_millis(kill_after)).await;
    server.kill();
    let mut sent = Vec::new();
    for task in tasks {
        sent.push(task.await.unwrap());
    }

    let state = binary::dump(&dir.0);
    let files_dir = dir.0.join("events/demo/files");
    let mut referenced = BTreeSet::new();
    let mut acked_total = 0;
    for (team, sent) in TEAMS.into_iter().zip(&sent) {
        let page = &state["projects"]["pages"][team.to_string()];
        let shots: Vec<String> = page["screenshots"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f["sha256"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        for sha in &sent.screenshots_acked {
            assert!(
                shots.contains(sha),
                "team {team}: acknowledged screenshot {sha} lost"
            );
        }
        acked_total += sent.screenshots_acked.len();
        if let Some(last) = sent.last_slides_acked {
            acked_total += last + 1;
            let slides = page["slides"]["sha256"].as_str().unwrap_or_default();
            let position = sent.slides_sent.iter().position(|s| s == slides);
            assert!(
                position.is_some_and(|p| p >= last),
                "team {team}: slides {slides} are not the last acknowledged ones or later"
            );
        }
        for file in page["screenshots"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(page.get("slides"))
        {
            if file.is_null() {
                continue;
            }
            let ext = match file["kind"].as_str().unwrap() {
                "pdf" => "pdf",
                _ => "png",
            };
            let name = format!("{}.{ext}", file["sha256"].as_str().unwrap());
            let bytes = std::fs::read(files_dir.join(&name))
                .unwrap_or_else(|e| panic!("referenced {name} missing: {e}"));
            assert_eq!(sha256_hex(&bytes), file["sha256"].as_str().unwrap());
            referenced.insert(name);
        }
    }
    assert!(
        acked_total > 0,
        "no upload was acknowledged before the kill"
    );
    eprintln!(
        "killed after {kill_after} ms: {acked_total} uploads acknowledged, {} files referenced",
        referenced.len()
    );

    // A restart sweeps what no page references.
    let server = Amphi::start(&dir.0, Some(&config), &[]);
    let on_disk: BTreeSet<String> = std::fs::read_dir(&files_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(on_disk, referenced);
    server.kill();
}
