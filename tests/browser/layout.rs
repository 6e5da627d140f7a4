//! Layouts that hold: no page wider than a 390 px phone, /live readable on
//! a phone, /stage whole on every projector from 1024×768 to 1920×1080.

use super::*;

/// Elements sticking out of the viewport sideways (outside scroll boxes):
/// a short description of each, at most five.
const SIDEWAYS: &str = "const W = document.documentElement.clientWidth, out = [];
  const scrolls = (el) => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) { const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || el.closest('.sr-only, [hidden], dialog:not([open])')) continue;
    if ((r.right > W + 1 || r.left < -1) && !scrolls(el)) out.push(`${el.tagName.toLowerCase()}#${el.id}.${[...el.classList].join('.')} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    if (out.length >= 5) break;
  }
  if (document.documentElement.scrollWidth > W + 1) out.push(`page scrollWidth ${document.documentElement.scrollWidth} > ${W}`);
  return out;";

/// Boxes that hide part of their content (cut text, unscrollable cards).
const CLIPPED: &str = "const out = [];
  for (const el of document.querySelectorAll(arguments[0])) {
    if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) out.push(`${el.className} ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}: ${el.textContent.slice(0, 40)}`);
  }
  return out;";

/// Emulates a viewport size on a page (DevTools protocol), then reloads
/// nothing: media queries and layout follow at once.
pub async fn viewport(b: &Browser, width: u32, height: u32) {
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
    )
    .await;
    b.wait(
        "the emulated viewport",
        "return window.innerWidth === arguments[0] && window.innerHeight === arguments[1];",
        vec![json!(width), json!(height)],
    )
    .await;
}

async fn assert_no_sideways_overflow(b: &Browser, page: &str) {
    let out = b.js(SIDEWAYS, vec![]).await;
    assert_eq!(
        out,
        json!([]),
        "{page} at 390 px: nothing sticks out sideways"
    );
}

/// Four teams, a published leaderboard, a long announcement and a pitch running
/// with a message for the speaker: the fullest the public screens get.
async fn busy_event(s: &Setup) -> (Client, Client) {
    let (a, _) = team_over_ws(&s.server, "Ana", "Association des usagers des transports").await;
    let (mut claire, welcome) = Client::join(&s.server, Role::Moderator, "Claire").await;
    let teams: Vec<Value> = welcome.0["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    claire
        .call(json!({"type": "leaderboard", "op": "live"}))
        .await;
    claire
        .call(json!({"type": "chat", "scope": "announcement", "text": "Les pitchs commencent à 16 h dans l’amphithéâtre : chaque équipe a trois minutes, puis deux minutes de questions du jury. Merci de rejoindre vos places."}))
        .await;
    claire
        .call(json!({"type": "pitch", "op": "set_order", "order": teams}))
        .await;
    claire.call(json!({"type": "pitch", "op": "start"})).await;
    claire
        .call(json!({"type": "pitch", "op": "speaker_message", "text": "Il vous reste une minute, pensez à conclure"}))
        .await;
    (a, claire)
}

#[tokio::test]
async fn live_fits_a_phone_and_no_page_overflows_at_390_px() {
    let Some(mut s) = setup("live_fits_a_phone_and_no_page_overflows_at_390_px").await else {
        return;
    };
    let _event = busy_event(&s).await;

    let live = s.screen("/live").await;
    viewport(&live, 390, 844).await;
    live.wait(
        "four ranked teams and the announcement",
        "return document.querySelectorAll('#board .board-row').length === 4 && document.querySelector('#news').textContent.includes('Merci');",
        vec![],
    )
    .await;
    assert_no_sideways_overflow(&live, "/live").await;
    let clipped = live
        .js(
            CLIPPED,
            vec![json!(
                ".live-grid > section, .board-name, .news li, .live-team"
            )],
        )
        .await;
    assert_eq!(clipped, json!([]), "/live at 390 px: nothing is cut");
    let button = live
        .js(
            "const r = document.querySelector('#fullscreen').getBoundingClientRect(); return r.left >= 0 && r.right <= document.documentElement.clientWidth;",
            vec![],
        )
        .await;
    assert_eq!(button, json!(true), "the full-screen button is on screen");
    live.screenshot("live-phone").await;

    let stage = s.screen("/stage").await;
    viewport(&stage, 390, 844).await;
    stage.wait_text("#speaker-message", "conclure").await;
    assert_no_sideways_overflow(&stage, "/stage").await;

    let zoe = s.person(Role::Participant, "Zoe").await;
    viewport(&zoe, 390, 844).await;
    assert_no_sideways_overflow(&zoe, "/ (venue)").await;
    zoe.click("#side-tab-team").await;
    assert_no_sideways_overflow(&zoe, "/ (venue, team tab)").await;

    let claire = s.console("Camille").await;
    viewport(&claire, 390, 844).await;
    assert_no_sideways_overflow(&claire, "/console.html").await;
    for b in [live, stage, zoe, claire] {
        b.close().await;
    }

    // The pages of running one's own event and of one's own data.
    for page in [
        "/admin",
        "/e/demo/register",
        "/e/demo/privacy",
        "/me",
        "/check",
    ] {
        let b = s.driver.browser("phone-page").await;
        viewport(&b, 390, 844).await;
        b.goto(&s.url(&format!("{page}?lang=fr"))).await;
        b.wait(
            "the page drawn",
            "return document.readyState === 'complete' && document.body.innerText.length > 80;",
            vec![],
        )
        .await;
        assert_no_sideways_overflow(&b, page).await;
        b.screenshot(&format!("phone{}", page.replace('/', "-")))
            .await;
        b.close().await;
    }
    s.done();
}

#[tokio::test]
async fn stage_fits_every_projector_without_scrolling() {
    let Some(mut s) = setup("stage_fits_every_projector_without_scrolling").await else {
        return;
    };
    let _event = busy_event(&s).await;
    let stage = s.screen("/stage").await;
    stage.wait_text("#speaker-message", "conclure").await;
    stage.wait_text("#next-team", "Ensuite").await;
    for (w, h) in [
        (1024, 768),
        (1280, 720),
        (1366, 768),
        (1280, 800),
        (1920, 1080),
    ] {
        viewport(&stage, w, h).await;
        let fits = stage
            .js(
                "const H = document.documentElement.clientHeight, W = document.documentElement.clientWidth;
                 const out = [];
                 for (const id of ['stage-team', 'clock', 'clock-state', 'speaker-message', 'next-team']) {
                   const r = document.getElementById(id).getBoundingClientRect();
                   if (r.bottom > H + 1 || r.top < -1 || r.right > W + 1 || r.left < -1) out.push(`${id} [${Math.round(r.top)}, ${Math.round(r.bottom)}]`);
                 }
                 if (document.documentElement.scrollHeight > H + 1) out.push(`scrollHeight ${document.documentElement.scrollHeight} > ${H}`);
                 return out;",
                vec![],
            )
            .await;
        assert_eq!(fits, json!([]), "/stage at {w}×{h}: everything on screen");
        if (w, h) == (1280, 720) {
            stage.screenshot("stage-projector-1280x720").await;
        }
    }
    stage.close().await;
    s.done();
}
