//! The stage seen and heard from everywhere: a team the run of show puts on
//! the stage reaches an audience member in the amphitheatre and the
//! anonymous `/live` and `/stage` pages (`getStats()` on each), the public
//! pages stay muted until a click, and the audience's microphone reaches
//! nobody. (With `live_page = false` no watcher exists to receive anything:
//! `tests/hub/live_media.rs`.)

use super::media::{bytes, received, talk, teleport, wait_receiving};
use super::media_nodes::{SECRET, media_process};
use super::{Setup, my_id, setup};
use crate::common::{Client, TestServer, WAIT};
use crate::harness::{Browser, ONE_AT_A_TIME, tools_or_skip};
use amphi::config::SecretString;
use amphi::domain::Role;
use amphi::media::nodes::NodeConfig;
use serde_json::{Value, json};
use std::time::Instant;

/// What a public page receives, from its own `getStats()`: per
/// `<member>/<source>/<kind>`, bytes, and for video the frames decoded.
const SCREEN_RECEIVED: &str = "return (async () => {
  const m = amphi.liveMedia; if (!m.pc) return {};
  const out = {};
  for (const s of (await m.pc.getStats()).values()) {
    if (s.type !== 'inbound-rtp') continue;
    const info = m.tracks.get(s.mid); if (!info) continue;
    const key = `${info.member}/${info.source}/${s.kind}`;
    out[key] = (out[key] || 0) + (s.bytesReceived || 0);
    if (s.kind === 'video') out[`${key}/frames`] = (out[`${key}/frames`] || 0) + (s.framesDecoded || 0);
  }
  return out;
})();";

async fn screen_received(b: &Browser) -> serde_json::Map<String, Value> {
    match b.js(SCREEN_RECEIVED, vec![]).await {
        Value::Object(map) => map,
        other => panic!("{}: stats were {other}", b.name),
    }
}

/// Waits until every `keys` counter at a public page is above `above[i]`.
async fn wait_screen_above(b: &Browser, keys: &[String], above: &[u64]) -> Vec<u64> {
    let started = Instant::now();
    loop {
        let got = screen_received(b).await;
        let now: Vec<u64> = keys.iter().map(|k| bytes(&got, k)).collect();
        if now.iter().zip(above).all(|(n, a)| n > a) {
            return now;
        }
        if started.elapsed() > WAIT {
            b.screenshot(&format!("FAILED-{}", b.name)).await;
            panic!("{}: {keys:?} did not pass {above:?}: {got:?}", b.name);
        }
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
}

#[tokio::test]
async fn a_team_on_stage_is_seen_and_heard_in_the_amphitheatre_and_on_live() {
    let Some(mut s) =
        setup("a_team_on_stage_is_seen_and_heard_in_the_amphitheatre_and_on_live").await
    else {
        return;
    };
    for page in stage_reaches_everyone(&mut s, true).await {
        page.close().await;
    }
    s.done();
}

/// The amphitheatre on a separate `amphi media` process: /live's media
/// connection goes there, and the stage still reaches it.
#[tokio::test]
async fn the_stage_on_a_separate_media_process_reaches_live() {
    let name = "the_stage_on_a_separate_media_process_reaches_live";
    let Some((chrome, driver)) = tools_or_skip(name) else {
        return;
    };
    let lock = ONE_AT_A_TIME.lock().await;
    let started = Instant::now();
    let node = media_process();
    let nodes = vec![NodeConfig {
        control: node.control,
        rooms: vec!["amphi".into()],
    }];
    let server = TestServer::with_config(move |c| {
        c.media.nodes = nodes;
        c.media.node_secret = Some(SecretString::new(SECRET));
    })
    .await;
    server
        .wait_metric("amphi_media_nodes_connected", WAIT, |n| n >= 1.0)
        .await;
    let mut s = Setup::around(name, lock, started, server, (chrome, driver)).await;
    let pages = stage_reaches_everyone(&mut s, false).await;
    let port = pages[0]
        .wait(
            "/live's chosen pair",
            "return (async () => { const pc = amphi.liveMedia.pc; if (!pc) return 0; const st = await pc.getStats(); for (const p of st.values()) { if (p.type === 'candidate-pair' && p.nominated && p.state === 'succeeded') return st.get(p.remoteCandidateId).port; } return 0; })();",
            vec![],
        )
        .await;
    assert_eq!(
        port.as_u64(),
        Some(u64::from(node.udp.port())),
        "/live receives from amphi media"
    );
    for page in pages {
        page.close().await;
    }
    s.done();
}

/// A team on stage (Alice, camera, microphone and a shared screen), an
/// audience member in the amphitheatre (Bob, microphone and camera on),
/// `/live` and `/stage`: checks what each receives. Returns the pages
/// (`/live` first) for more checks.
async fn stage_reaches_everyone(s: &mut Setup, screenshots: bool) -> Vec<Browser> {
    // Alice's team pitches; Bob sits in the amphitheatre with his microphone on.
    let alice = s.person(Role::Participant, "Alice").await;
    alice
        .js(
            "return amphi.conn.request({type: 'create_team', name: 'Les Voix'}).then(() => true);",
            vec![],
        )
        .await;
    let team = alice
        .wait(
            "Alice's team",
            "return amphi.store.me && amphi.store.me.team;",
            vec![],
        )
        .await;
    let bob = s.person(Role::Participant, "Bob").await;
    teleport(&bob, "amphi").await;
    talk(&bob).await;
    let live = s.screen("/live").await;
    let stage = s.screen("/stage").await;

    // The run of show puts the team on the stage; Alice talks and shares a screen.
    let (mut claire, _) = Client::join(&s.server, Role::Moderator, "Claire").await;
    claire
        .call(json!({"type": "pitch", "op": "set_order", "order": [team]}))
        .await;
    claire.call(json!({"type": "pitch", "op": "start"})).await;
    alice
        .wait(
            "Alice on the stage",
            "return amphi.store.myRoom && amphi.store.myRoom.id === 'amphi';",
            vec![],
        )
        .await;
    talk(&alice).await;
    alice
        .js(
            "const c = document.createElement('canvas'); c.width = 640; c.height = 360; const g = c.getContext('2d'); let n = 0; setInterval(() => { g.fillStyle = `hsl(${n++ % 360},70%,45%)`; g.fillRect(0, 0, 640, 360); g.fillStyle = '#fff'; g.font = 'bold 48px sans-serif'; g.fillText('Les Voix · démo', 40, 190); }, 100); return amphi.media.useTrack('screen', c.captureStream(10).getVideoTracks()[0]).then(() => true);",
            vec![],
        )
        .await;
    let (a, b) = (my_id(&alice).await, my_id(&bob).await);

    // The audience member in the amphitheatre sees and hears her.
    for key in ["mic/audio", "camera/video", "screen/video"] {
        wait_receiving(&bob, &format!("{a}/{key}"), 0).await;
    }

    // /live receives her sound, camera and screen, and keeps receiving.
    let keys: Vec<String> = [
        "mic/audio",
        "camera/video",
        "camera/video/frames",
        "screen/video/frames",
    ]
    .iter()
    .map(|k| format!("{a}/{k}"))
    .collect();
    let first = wait_screen_above(&live, &keys, &[0; 4]).await;
    let later = wait_screen_above(&live, &keys, &first).await;
    println!("/live received {keys:?}: {first:?} then {later:?}");
    // /stage too (the projector).
    let stage_keys = vec![format!("{a}/camera/video/frames"), format!("{a}/mic/audio")];
    wait_screen_above(&stage, &stage_keys, &[0, 0]).await;

    // Muted until the viewer clicks.
    let sound = "return [...document.querySelectorAll('audio')].map((el) => el.muted && !el.paused ? 'muted' : el.muted ? 'muted-paused' : 'on');";
    live.wait(
        "the sound element, muted",
        "const els = [...document.querySelectorAll('audio')]; return els.length > 0 && els.every((el) => el.muted) && document.querySelector('#live-listen').getAttribute('aria-pressed') === 'false';",
        vec![],
    )
    .await;
    live.wait(
        "a few frames of the screen painted",
        "const vs = [...document.querySelectorAll('#live-videos video')]; return vs.length >= 2 && vs.every((v) => v.videoWidth > 0 && v.currentTime > 0.5);",
        vec![],
    )
    .await;
    if screenshots {
        live.screenshot("live-video").await;
    }
    assert_eq!(live.text("#live-listen").await, "Cliquer pour écouter");
    live.click("#live-listen").await;
    live.wait(
        "the sound on after the click",
        "const els = [...document.querySelectorAll('audio')]; return els.length > 0 && els.every((el) => !el.muted && !el.paused);",
        vec![],
    )
    .await;
    println!(
        "/live sound after the click: {}",
        live.js(sound, vec![]).await
    );

    // Bob's microphone and camera, on for seconds, reached neither Alice nor the public.
    let at_live = screen_received(&live).await;
    let at_alice = received(&alice).await;
    for key in ["mic/audio", "camera/video"] {
        assert_eq!(bytes(&at_live, &format!("{b}/{key}")), 0, "{at_live:?}");
        assert_eq!(bytes(&at_alice, &format!("{b}/{key}")), 0, "{at_alice:?}");
    }
    assert_eq!(s.server.metric("amphi_media_live_viewers").await, 2.0);

    // The countdown is drawn behind the server by the picture's measured
    // delay, under a second once the picture flows (the first measure can
    // include the wait for the first keyframe, on a loaded machine).
    let delay = live
        .wait(
            "the picture's delay under 1 s, measured and handed to the clock",
            "const d = Number(document.querySelector('#live-media').dataset.delayMs || 0); return d > 0 && d < 1000 && Math.abs(amphi.pictureDelay() - d) < 20 ? d : false;",
            vec![],
        )
        .await;
    println!("/live picture delay {delay} ms (the countdown runs that far behind the server)");

    stage
        .wait(
            "the stage's picture painted",
            "return [...document.querySelectorAll('#stage-media video')].length >= 2 && [...document.querySelectorAll('#stage-media video')].every((v) => v.videoWidth > 0 && v.currentTime > 0.5);",
            vec![],
        )
        .await;
    if screenshots {
        stage.screenshot("stage-video").await;
    }
    vec![live, stage, alice, bob]
}

#[tokio::test]
async fn the_console_explains_the_stage_in_french_and_english() {
    let Some(mut s) = setup("the_console_explains_the_stage_in_french_and_english").await else {
        return;
    };
    let console = s.console("Modé").await;
    console.click("#stage-help summary").await;
    console
        .wait_text("#stage-help", "Cliquer pour écouter")
        .await;
    console.wait_text("#stage-help", "Couper le micro").await;
    console.screenshot("console-stage-help").await;
    console
        .js(
            "const s = document.querySelector('#lang-select'); s.value = 'en'; s.dispatchEvent(new Event('change')); return true;",
            vec![],
        )
        .await;
    for needle in [
        "Help: the stage",
        "Click to listen",
        "Mute microphone",
        "live_page = false",
    ] {
        console.wait_text("#stage-help", needle).await;
    }
    console.close().await;
    s.done();
}
