//! Simulcast on the stage: the moderator's camera goes out as two layers
//! (320×180 and 640×360); each audience member gets the best one its link
//! carries, read from its own `getStats()` (`frameWidth` of the inbound
//! video, and frames still being decoded).
//!
//! Chromium cannot throttle WebRTC headless (DevTools network emulation
//! leaves UDP alone), so the narrow link is the server's test setting
//! `media.test_link_kbps`: it drops what it sends beyond the rate, as a full
//! router queue would. The layer choice itself is not told anything: it
//! reacts to the loss and NACKs the receiver's browser reports.

use super::media::{talk, teleport, wait_receiving};
use super::{Setup, my_id, setup_with};
use amphi::domain::Role;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Longest wait for a receiver to settle on a layer: the server steps down
/// one layer per receiver report (every few seconds) after a keyframe.
const SETTLE: Duration = Duration::from_secs(45);

/// The received video of `arguments[0]`'s camera: its size and frames decoded.
const CAMERA: &str = "return (async () => {
  const m = amphi.media; if (!m.pc) return null;
  for (const s of (await m.pc.getStats()).values()) {
    if (s.type !== 'inbound-rtp' || s.kind !== 'video') continue;
    const info = m.tracks.get(s.mid);
    if (!info || info.member !== arguments[0] || info.source !== 'camera') continue;
    return {width: s.frameWidth || 0, height: s.frameHeight || 0, decoded: s.framesDecoded || 0};
  }
  return null;
})();";

/// Replaces the page's camera by a 640×360 canvas of changing noise, and
/// asks the browser to keep its resolution when the machine is busy (it
/// would otherwise shrink or drop the full layer to save processor time,
/// which is not what is tested here).
const NOISY_CAMERA: &str = "const c = document.createElement('canvas'); c.width = 640; c.height = 360;
  const g = c.getContext('2d');
  setInterval(() => {
    for (let y = 0; y < 360; y += 12) for (let x = 0; x < 640; x += 16) {
      g.fillStyle = `rgb(${Math.random() * 255 | 0},${Math.random() * 255 | 0},${Math.random() * 255 | 0})`;
      g.fillRect(x, y, 16, 12);
    }
  }, 66);
  const track = c.captureStream(15).getVideoTracks()[0];
  track.contentHint = 'detail';
  return amphi.media.useTrack('camera', track).then(async () => {
    const sender = amphi.media.senders.camera.sender;
    const params = sender.getParameters();
    params.degradationPreference = 'maintain-resolution';
    await sender.setParameters(params);
    return true;
  });";

/// What the page sends of its camera's full layer: size and frames encoded.
const SENT_FULL: &str = "return (async () => {
  const m = amphi.media; if (!m.pc) return null;
  for (const s of (await m.pc.getStats()).values()) {
    if (s.type === 'outbound-rtp' && s.kind === 'video' && s.rid === 'f' && s.frameWidth)
      return {width: s.frameWidth, encoded: s.framesEncoded || 0};
  }
  return null;
})();";

async fn stage_setup(name: &'static str, link_kbps: Option<u32>) -> Option<Setup> {
    setup_with(name, move |c| c.media.test_link_kbps = link_kbps).await
}

/// The moderator on the stage with microphone and camera, Alice in the
/// amphitheatre receiving them; waits until Alice decodes frames `width`
/// pixels wide, still arriving (30 more decoded at that width), while the
/// moderator sends the full layer. Returns every size seen on the way.
async fn audience_settles_on(mut s: Setup, width: u64) -> Vec<Value> {
    let moderator = s.person(Role::Moderator, "Modé").await;
    let alice = s.person(Role::Participant, "Alice").await;
    for b in [&moderator, &alice] {
        teleport(b, "amphi").await;
        talk(b).await;
    }
    // A camera picture that compresses as badly as a real one (the fake
    // device's pattern needs next to no bits): blocks of noise.
    moderator.js(NOISY_CAMERA, vec![]).await;
    let m = my_id(&moderator).await;
    wait_receiving(&alice, &format!("{m}/camera/video"), 0).await;
    // The sender's link is good: it sends the full layer all along
    // (measured from here on, so the low layer cannot be there only
    // because the full one has not started yet).
    let waited = Instant::now();
    loop {
        let sent = moderator.js(SENT_FULL, vec![]).await;
        if sent["width"].as_u64() == Some(640) && sent["encoded"].as_u64() > Some(30) {
            break;
        }
        assert!(
            waited.elapsed() < SETTLE,
            "the full layer was never sent: {sent}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let started = Instant::now();
    let mut seen: Vec<Value> = Vec::new();
    let mut decoded_at_width: Option<u64> = None;
    loop {
        let now = alice.js(CAMERA, vec![json!(m)]).await;
        let (w, decoded) = (
            now["width"].as_u64().unwrap_or(0),
            now["decoded"].as_u64().unwrap_or(0),
        );
        if seen.last().map(|v| &v["width"]) != Some(&now["width"]) {
            println!("{:.1} s: {now}", started.elapsed().as_secs_f64());
            seen.push(now.clone());
        }
        if w == width {
            let first = *decoded_at_width.get_or_insert(decoded);
            if decoded >= first + 30 {
                // Whatever Alice gets, the moderator still sends the full layer.
                let before = moderator.js(SENT_FULL, vec![]).await;
                let waited = Instant::now();
                loop {
                    let after = moderator.js(SENT_FULL, vec![]).await;
                    if after["encoded"].as_u64() > before["encoded"].as_u64()
                        && after["width"].as_u64() == Some(640)
                    {
                        break;
                    }
                    assert!(
                        waited.elapsed() < SETTLE,
                        "the moderator no longer sends the full layer: {before} → {after}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                s.done();
                return seen;
            }
        } else {
            decoded_at_width = None;
        }
        assert!(
            started.elapsed() < SETTLE,
            "Alice never settled on {width} px wide frames; seen: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_receiver_with_a_throttled_link_gets_the_low_layer() {
    // 350 kbit/s: the 320×180 layer (≤ 200 kbit/s) and the sound fit, the
    // 640×360 one (up to 800 kbit/s) does not.
    let Some(s) = stage_setup(
        "a_receiver_with_a_throttled_link_gets_the_low_layer",
        Some(350),
    )
    .await
    else {
        return;
    };
    audience_settles_on(s, 320).await;
}

#[tokio::test]
async fn a_receiver_with_a_good_link_gets_the_full_layer() {
    let Some(s) = stage_setup("a_receiver_with_a_good_link_gets_the_full_layer", None).await else {
        return;
    };
    audience_settles_on(s, 640).await;
}
