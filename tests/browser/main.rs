//! Browser end-to-end tests: headless Chromium against the real server.
//!
//! Each test starts the server in-process on port 0 ([`common::TestServer`]),
//! a `chromedriver`, and one Chromium per person (see [`harness`]). Without
//! Chromium the tests print `skipped: …` and pass, except under `CI`.
//! Screenshots of every page land in `target/screenshots/`.
//! [`projects`]: the idea board, the project form with an upload, the gallery.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod admin;
mod audit;
use amphi_testkit as common;
mod console_teams;
mod english;
mod harness;
mod idle;
mod labels;
mod layout;
mod media;
mod media_check;
mod media_live;
mod media_nodes;
mod media_simulcast;
mod media_stage;
mod media_tcp;
mod media_workers;
mod my_data;
mod notices;
mod projects;
mod restart;
mod results;
mod seats;
mod sign_up;
mod stage;
mod typography;

use amphi::domain::Role;
use common::{Client, TestServer};
use harness::{Browser, CATCH_ERRORS, Driver, ONE_AT_A_TIME, tools_or_skip};
use serde_json::{Value, json};
use std::time::Instant;

/// What every test needs: the server, a driver, and the one-at-a-time lock.
struct Setup {
    server: TestServer,
    driver: Driver,
    started: Instant,
    name: &'static str,
    _lock: tokio::sync::MutexGuard<'static, ()>,
}

async fn setup(name: &'static str) -> Option<Setup> {
    setup_with(name, |_| {}).await
}

/// [`setup`] with a server whose configuration `adjust` changes.
async fn setup_with(
    name: &'static str,
    adjust: impl FnOnce(&mut amphi::config::Config),
) -> Option<Setup> {
    let tools = tools_or_skip(name)?;
    let lock = ONE_AT_A_TIME.lock().await;
    let started = Instant::now();
    let server = TestServer::with_config(adjust).await;
    Some(Setup::around(name, lock, started, server, tools).await)
}

impl Setup {
    /// The browser started beside a server the test configured itself,
    /// holding the one-at-a-time lock it took (`started`: when it took it).
    async fn around(
        name: &'static str,
        lock: tokio::sync::MutexGuard<'static, ()>,
        started: Instant,
        server: TestServer,
        (chrome, driver): (std::path::PathBuf, std::path::PathBuf),
    ) -> Setup {
        Setup {
            server,
            driver: Driver::start(chrome, driver).await,
            started,
            name,
            _lock: lock,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr())
    }

    /// The venue page joined with the role's invite and a name.
    fn join_url(&self, role: Role, name: &str) -> String {
        self.url(&format!(
            "/?event=demo&lang=fr&invite={}&name={name}&debug=1",
            self.server.join_link(role)
        ))
    }

    /// Opens a browser on the venue page and waits for the `welcome`.
    async fn person(&mut self, role: Role, name: &str) -> Browser {
        let b = self.driver.browser(name).await;
        b.goto(&self.join_url(role, name)).await;
        b.js(CATCH_ERRORS, vec![]).await;
        b.wait(
            "the welcome and the map",
            "return Boolean(window.amphi && amphi.store.me && amphi.renderer.map);",
            vec![],
        )
        .await;
        b
    }

    /// A moderator who joins on the venue page, then opens the console in
    /// the same browser (same session) and waits for its welcome.
    async fn console(&mut self, name: &str) -> Browser {
        let b = self.person(Role::Moderator, name).await;
        b.goto(&self.url("/console.html?event=demo&lang=fr&debug=1"))
            .await;
        b.js(CATCH_ERRORS, vec![]).await;
        b.wait(
            "the console's welcome",
            "return Boolean(window.amphi && amphi.store.me && amphi.S.pitch);",
            vec![],
        )
        .await;
        b
    }

    /// Opens a public screen (`/live` or `/stage`).
    async fn screen(&mut self, path: &str) -> Browser {
        let b = self.driver.browser(path.trim_start_matches('/')).await;
        b.goto(&self.url(&format!("{path}?event=demo&lang=fr&debug=1")))
            .await;
        b.js(CATCH_ERRORS, vec![]).await;
        b.wait(
            "the watch connection",
            "return document.querySelector('#conn').classList.contains('conn-online');",
            vec![],
        )
        .await;
        b
    }

    fn done(self) {
        println!(
            "{}: {:.1} s",
            self.name,
            self.started.elapsed().as_secs_f64()
        );
    }
}

async fn my_id(b: &Browser) -> u64 {
    b.js("return amphi.store.me.id;", vec![])
        .await
        .as_u64()
        .unwrap()
}

/// Alice and Bob, participants in the venue, once Bob is on Alice's map;
/// with Bob's id.
async fn alice_and_bob(s: &mut Setup) -> (Browser, Browser, u64) {
    let alice = s.person(Role::Participant, "Alice").await;
    let bob = s.person(Role::Participant, "Bob").await;
    let bob_id = my_id(&bob).await;
    alice
        .wait(
            "Bob on Alice's map",
            "return amphi.store.people.has(arguments[0]);",
            vec![json!(bob_id)],
        )
        .await;
    (alice, bob, bob_id)
}

/// A participant over WebSocket who creates a team; returns the team id.
async fn team_over_ws(server: &TestServer, person: &str, team: &str) -> (Client, u64) {
    let (mut c, _) = Client::join(server, Role::Participant, person).await;
    c.call(json!({"type": "create_team", "name": team})).await;
    let msg = c
        .recv_until(
            |m| m["type"] == "team_updated" && m["team"]["name"] == team,
            common::WAIT,
        )
        .await;
    (c, msg["team"]["id"].as_u64().unwrap())
}

#[tokio::test]
async fn two_participants_see_each_other_move_and_chat() {
    let Some(mut s) = setup("two_participants_see_each_other_move_and_chat").await else {
        return;
    };
    let (alice, bob, bob_id) = alice_and_bob(&mut s).await;

    // Bob steps with the keyboard towards a free tile; Alice sees him move.
    let (key, dx) = match bob
        .js(
            "const p = amphi.store.myPerson, m = amphi.renderer.map; return !m.isBlocked(p.x + 1, p.y) ? 'right' : 'left';",
            vec![],
        )
        .await
        .as_str()
    {
        Some("right") => ("ArrowRight", 1),
        _ => ("ArrowLeft", -1),
    };
    let x0 = alice
        .js(
            "return amphi.store.people.get(arguments[0]).x;",
            vec![json!(bob_id)],
        )
        .await
        .as_i64()
        .unwrap();
    bob.js(
        "document.querySelector('#map').focus(); for (const type of ['keydown', 'keyup']) document.dispatchEvent(new KeyboardEvent(type, {key: arguments[0], code: arguments[0], bubbles: true})); return true;",
        vec![json!(key)],
    )
    .await;
    alice
        .wait(
            "Bob's step on Alice's map",
            "return amphi.store.people.get(arguments[0]).x === arguments[1];",
            vec![json!(bob_id), json!(x0 + dx)],
        )
        .await;

    // Alice writes in the room; Bob reads it.
    alice.click("#side-tab-chat").await;
    alice.fill("#chat-input", "Bonjour Bob !").await;
    alice.click("#chat-form button[type=submit]").await;
    bob.wait_text("#chat-log", "Bonjour Bob !").await;
    alice.wait_text("#chat-log", "Bonjour Bob !").await;
    alice.screenshot("participant").await;
    bob.screenshot("participant-bob").await;
    alice.close().await;
    bob.close().await;
    s.done();
}

#[tokio::test]
async fn a_held_arrow_key_walks_with_one_message_down_and_one_up() {
    let Some(mut s) = setup("a_held_arrow_key_walks_with_one_message_down_and_one_up").await else {
        return;
    };
    let (alice, bob, bob_id) = alice_and_bob(&mut s).await;
    // A direction with four free tiles ahead in Bob's room; Bob's page
    // records what it sends.
    let key = bob
        .js(
            "const s = amphi.store, p = s.myPerson, m = amphi.renderer.map;
             const room = s.roomOfTile(p.x, p.y);
             const keys = {ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1]};
             window.__sent = [];
             const request = amphi.conn.request.bind(amphi.conn);
             amphi.conn.request = (msg) => { window.__sent.push(msg); return request(msg); };
             for (const [k, [dx, dy]] of Object.entries(keys)) {
               let ok = true;
               for (let i = 1; i <= 4; i++) {
                 const x = p.x + dx * i, y = p.y + dy * i;
                 ok = ok && !m.isBlocked(x, y) && s.roomOfTile(x, y) === room;
               }
               if (ok) return k;
             }
             return null;",
            vec![],
        )
        .await;
    let key = key.as_str().expect("a free direction").to_string();
    // Bob on a narrow window (a phone's width), Alice on a laptop's.
    layout::viewport(&bob, 390, 844).await;
    let start = bob
        .js("const p = amphi.store.myPerson; return [p.x, p.y];", vec![])
        .await;
    let press = "document.querySelector('#map').focus(); document.dispatchEvent(new KeyboardEvent(arguments[1], {key: arguments[0], code: arguments[0], bubbles: true})); return true;";
    bob.js(press, vec![json!(key), json!("keydown")]).await;
    // Held: Alice sees Bob walk three tiles on.
    alice
        .wait(
            "Bob three tiles on, on Alice's map",
            "const p = amphi.store.people.get(arguments[0]);
             return Math.abs(p.x - arguments[1][0]) + Math.abs(p.y - arguments[1][1]) >= 3;",
            vec![json!(bob_id), start.clone()],
        )
        .await;
    bob.js(press, vec![json!(key), json!("keyup")]).await;
    // Released: Alice sees Bob where Bob's own page shows him, and his page
    // agrees with the server.
    let end = bob
        .wait(
            "Bob's page and the server agreeing",
            "const p = amphi.store.myPerson;
             return !(p.pending > 0) && p.x === p.sx && p.y === p.sy ? [p.x, p.y] : null;",
            vec![],
        )
        .await;
    alice
        .wait(
            "Bob where his page shows him",
            "const p = amphi.store.people.get(arguments[0]);
             return p.x === arguments[1][0] && p.y === arguments[1][1];",
            vec![json!(bob_id), end.clone()],
        )
        .await;
    let sent = bob
        .js(
            "return window.__sent.filter((m) => ['walk', 'step', 'walk_to'].includes(m.type)).map((m) => m.type);",
            vec![],
        )
        .await;
    assert_eq!(sent, json!(["walk", "walk"]), "one walk down, one up");
    // On the phone, Bob's avatar shows above the voice and video toolbar,
    // even on the map's last rows (the camera follows him there).
    bob.wait(
        "Bob's avatar above the toolbar",
        "const r = amphi.renderer, me = amphi.store.myPerson;
         const at = r.toScreen(me.rx + 0.5, me.ry + 0.5);
         const canvas = r.canvas.getBoundingClientRect();
         const bar = document.querySelector('#media-bar').getBoundingClientRect();
         return canvas.top + at.y + r.avatarRadius() < bar.top;",
        vec![],
    )
    .await;
    alice.screenshot("held-key-walk-alice").await;
    bob.screenshot("held-key-walk-bob-phone").await;
    let stop = bob
        .js(
            "return window.__sent.filter((m) => m.type === 'walk')[1];",
            vec![],
        )
        .await;
    assert_eq!(
        (
            stop["dx"].clone(),
            stop["dy"].clone(),
            json!([stop["x"], stop["y"]])
        ),
        (json!(0), json!(0), end),
        "the key came up where the page showed Bob"
    );
    alice.close().await;
    bob.close().await;
    s.done();
}

#[tokio::test]
async fn injected_html_in_chat_shows_as_text() {
    let Some(mut s) = setup("injected_html_in_chat_shows_as_text").await else {
        return;
    };
    let alice = s.person(Role::Participant, "Alice").await;
    let bob = s.person(Role::Participant, "Bob").await;
    let evil = r#"<img src=x onerror="window.__pwned=1"><b id="bold">gras</b><script>window.__pwned=2</script>"#;
    alice.fill("#chat-input", evil).await;
    alice.click("#chat-form button[type=submit]").await;
    for b in [&alice, &bob] {
        let text = b
            .wait(
                "the message as text",
                "const ps = [...document.querySelectorAll('#chat-log .msg-text')]; const p = ps.find((p) => p.textContent.includes('<img')); return p ? p.textContent : null;",
                vec![],
            )
            .await;
        assert_eq!(text, json!(evil), "{}: the text is shown verbatim", b.name);
        let markup = b
            .js(
                "return { img: document.querySelectorAll('#chat-log img, #chat-log script, #bold').length, pwned: window.__pwned || 0 };",
                vec![],
            )
            .await;
        assert_eq!(
            markup,
            json!({"img": 0, "pwned": 0}),
            "{}: no element was created from the message",
            b.name
        );
    }
    bob.screenshot("chat-injection").await;
    alice.close().await;
    bob.close().await;
    s.done();
}

#[tokio::test]
async fn a_team_asks_for_help_and_a_mentor_claims_and_resolves_it() {
    let Some(mut s) = setup("a_team_asks_for_help_and_a_mentor_claims_and_resolves_it").await
    else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    let lea = s.person(Role::Mentor, "Lea").await;

    // Zoé creates her team in the Team tab.
    zoe.click("#side-tab-team").await;
    zoe.fill("#team-name", "Les Pros du Proto").await;
    zoe.click("#create-team-form button[type=submit]").await;
    zoe.wait_text("#my-team", "Les Pros du Proto").await;
    let table = zoe
        .wait(
            "the team's table",
            "const t = amphi.store.team(amphi.store.me.team); return t && t.table;",
            vec![],
        )
        .await;

    // She asks for help: a tag, a description; she is first in the queue.
    zoe.click("#help-btn").await;
    zoe.click("#help-tag-data").await;
    zoe.fill("#help-desc", "Peut-on publier ce jeu de données ?")
        .await;
    zoe.click("#help-form button[type=submit]").await;
    zoe.wait(
        "an open request, first in the queue",
        "const s = document.querySelector('#help-state'); const p = document.querySelector('#help-position'); return s && s.dataset.state === 'open' && p && p.textContent === '1';",
        vec![],
    )
    .await;
    zoe.screenshot("participant-help").await;

    // Léa sees it in her queue, claims it and goes to the table.
    lea.click("#side-tab-mentor").await;
    lea.click("#skill-data").await;
    lea.click("#mentor-available").await;
    lea.wait_text("#help-queue", "Les Pros du Proto").await;
    lea.screenshot("mentor").await;
    lea.click("#help-queue .queue-row button").await;
    lea.wait_text("#my-claim", "Les Pros du Proto").await;
    zoe.wait(
        "the claim on Zoé's side",
        "const s = document.querySelector('#help-state'); return s && s.dataset.state === 'claimed' && s.textContent.includes('Lea');",
        vec![],
    )
    .await;
    lea.click("#mentor-goto").await;
    lea.wait(
        "Léa at the team's table",
        "return amphi.store.myRoom && amphi.store.myRoom.id === arguments[0];",
        vec![table],
    )
    .await;
    lea.screenshot("mentor-claimed").await;
    // Once she is there, Zoé's page no longer says she is coming.
    zoe.wait_text("#help-state", "Lea est à votre table").await;

    // Léa resolves; Zoé rates.
    lea.click("#mentor-resolve").await;
    lea.wait_text("#mentor-resolved", "1").await;
    zoe.wait(
        "the rating form",
        "return Boolean(document.querySelector('#help-rate-form'));",
        vec![],
    )
    .await;
    // Touch targets of at least 24 × 24 px (WCAG 2.2 AA, RGAA).
    let small = zoe
        .js(
            "return [...document.querySelectorAll('#help-rate-form .star')].map((el) => el.getBoundingClientRect()).filter((r) => r.width < 24 || r.height < 24).length;",
            vec![],
        )
        .await;
    assert_eq!(
        small,
        json!(0),
        "every star is at least 24 px wide and high"
    );
    zoe.click("#help-star-5").await;
    zoe.click("#help-rate-form button[type=submit]").await;
    zoe.wait(
        "the rating accepted",
        "return !document.querySelector('#help-rate-form') && Boolean(document.querySelector('#help-form'));",
        vec![],
    )
    .await;
    zoe.close().await;
    lea.close().await;
    s.done();
}

/// Reads a clock on a page: (implied deadline in epoch ms, shown text).
async fn clock_reading(b: &Browser, selector: &str) -> (f64, String) {
    let v = b
        .js(
            "const el = document.querySelector(arguments[0]); return [performance.timeOrigin + Number(el.dataset.drawnAt) + Number(el.dataset.remainingMs), el.textContent];",
            vec![json!(selector)],
        )
        .await;
    (v[0].as_f64().unwrap(), v[1].as_str().unwrap().to_string())
}

fn seconds(text: &str) -> i64 {
    let (m, s) = text.trim_start_matches('+').split_once(':').unwrap();
    m.parse::<i64>().unwrap() * 60 + s.parse::<i64>().unwrap()
}

#[tokio::test]
async fn the_moderator_starts_a_pitch_and_live_and_stage_show_the_same_countdown() {
    let Some(mut s) =
        setup("the_moderator_starts_a_pitch_and_live_and_stage_show_the_same_countdown").await
    else {
        return;
    };
    // The demo event comes with three teams (Les Cartographes, Open Mairie,
    // Data Gouv Squad); one more joins over WebSocket.
    let (_a, _) = team_over_ws(&s.server, "Ana", "Libris").await;
    let live = s.screen("/live").await;
    let stage = s.screen("/stage").await;

    // The moderator joins, then opens the console (same session).
    let claire = s.console("Claire").await;
    // "Publish detailed scores" asks first; declined, nothing is sent.
    let asked = claire
        .js(
            "window.__asked = []; window.confirm = (text) => { window.__asked.push(text); return false; }; document.querySelector('#jury-publish').click(); return [window.__asked.length, window.__asked[0] || '', amphi.S.jury.published];",
            vec![],
        )
        .await;
    assert_eq!(asked[0], json!(1), "one confirmation asked");
    assert!(asked[1].as_str().unwrap().contains("détail des notes"));
    assert_eq!(asked[2], json!(false), "not published");
    claire.click("#order-add-all").await;
    claire.click("#order-save").await;
    claire
        .wait(
            "the saved order",
            "return amphi.S.pitch.order.length === amphi.store.teams.size && amphi.store.teams.size === 4;",
            vec![],
        )
        .await;
    claire.click("#timer-start").await;
    claire
        .wait(
            "a running timer",
            "return amphi.S.pitch.timer.state === 'running';",
            vec![],
        )
        .await;
    for b in [&live, &stage] {
        b.wait(
            "the running countdown",
            "const el = document.querySelector('#clock'); return el.dataset.remainingMs !== '' && el.textContent !== '3:00' && el.textContent.startsWith('2:');",
            vec![],
        )
        .await;
    }
    let (live_deadline, live_text) = clock_reading(&live, "#clock").await;
    let (stage_deadline, stage_text) = clock_reading(&stage, "#clock").await;
    let (console_deadline, _) = clock_reading(&claire, "#show-clock").await;
    println!(
        "countdown: live {live_text} stage {stage_text}; deadlines differ by {:.0} ms (live/stage), {:.0} ms (console/stage)",
        (live_deadline - stage_deadline).abs(),
        (console_deadline - stage_deadline).abs()
    );
    assert!(
        (live_deadline - stage_deadline).abs() < 1000.0,
        "live and stage count to the same deadline"
    );
    assert!((console_deadline - stage_deadline).abs() < 1000.0);
    assert!((seconds(&live_text) - seconds(&stage_text)).abs() <= 1);
    let first = claire
        .js(
            "return amphi.store.team(amphi.S.pitch.timer.team).name;",
            vec![],
        )
        .await;
    let first = first.as_str().unwrap();
    live.wait_text("#stage-team", first).await;
    stage.wait_text("#stage-team", first).await;

    // A message to the speaker, then Space pauses (keyboard shortcut).
    claire.fill("#speaker-text", "Concluez !").await;
    claire.click("#speaker-form button[type=submit]").await;
    stage.wait_text("#speaker-message", "Concluez !").await;
    claire
        .js(
            "document.activeElement.blur(); document.body.dispatchEvent(new KeyboardEvent('keydown', {key: ' ', bubbles: true})); return true;",
            vec![],
        )
        .await;
    stage.wait_text("#clock-state", "En pause").await;
    live.wait_text("#clock-state", "En pause").await;
    claire.screenshot("console").await;
    live.screenshot("live").await;
    stage.screenshot("stage").await;
    for b in [live, stage, claire] {
        b.close().await;
    }
    s.done();
}

#[tokio::test]
async fn a_jury_score_appears_on_live_only_after_the_leaderboard_is_published() {
    let Some(mut s) =
        setup("a_jury_score_appears_on_live_only_after_the_leaderboard_is_published").await
    else {
        return;
    };
    let (_a, team) = team_over_ws(&s.server, "Ana", "Libris").await;
    let (mut moderator, _) = Client::join(&s.server, Role::Moderator, "Claire").await;
    moderator
        .call(json!({"type": "jury", "op": "open_judging"}))
        .await;
    let live = s.screen("/live").await;
    let paul = s.person(Role::Jury, "Paul").await;

    // Paul scores every criterion of one team in the grid.
    paul.click("#side-tab-jury").await;
    let criteria = paul
        .wait(
            "the grid",
            "return amphi.jury.sheet && document.querySelector('#jury-grid') && amphi.jury.sheet.rubric.criteria.map((c) => c.id);",
            vec![],
        )
        .await;
    for c in criteria.as_array().unwrap() {
        let id = format!("#score-{team}-{}", c.as_str().unwrap());
        paul.fill(&id, "8").await;
    }
    paul.wait_text("#staff-board", "8,00").await;
    paul.wait(
        "the progress",
        "return document.querySelector('#jury-progress').textContent.includes('Notées : 1');",
        vec![],
    )
    .await;
    paul.screenshot("jury").await;

    // Hidden: nothing on /live, whatever the jury does.
    moderator.barrier().await;
    let rows = live
        .js(
            "return [document.querySelectorAll('#board .board-row').length, document.body.textContent.includes('8,00')];",
            vec![],
        )
        .await;
    assert_eq!(rows, json!([0, false]), "no score on /live while hidden");
    assert!(
        live.text("#board-note").await.contains("pas encore publié"),
        "the page says the leaderboard is not published"
    );

    // Published: the score shows up.
    moderator
        .call(json!({"type": "leaderboard", "op": "live"}))
        .await;
    live.wait_text("#board", "Libris").await;
    live.wait_text("#board .board-row:first-child .board-score", "8,00")
        .await;
    live.screenshot("live-leaderboard").await;
    let value: Value = live
        .js(
            "return document.querySelectorAll('#board .board-row').length;",
            vec![],
        )
        .await;
    assert_eq!(
        value,
        json!(4),
        "every team is ranked (3 demo teams and Libris)"
    );
    live.close().await;
    paul.close().await;
    s.done();
}

/// Measurement, not a check: frame rate with 200 moving avatars on screen.
/// `cargo test --test browser -- --ignored --nocapture measure_fps`
#[tokio::test]
#[ignore = "measurement; run by hand"]
async fn measure_fps_with_200_avatars() {
    let Some(mut s) = setup("measure_fps_with_200_avatars").await else {
        return;
    };
    let alice = s.person(Role::Participant, "Alice").await;
    // 200 avatars around Alice, in her room, each stepping every 120 ms, so
    // they never rest (interpolated by the renderer like real position batches).
    alice
        .js(
            "const st = amphi.store, me = st.myPerson, m = amphi.renderer.map;
             const free = [];
             for (let dy = -12; dy <= 12; dy++) for (let dx = -18; dx <= 18; dx++) {
               const x = me.x + dx, y = me.y + dy;
               if (x >= 0 && y >= 0 && x < m.width && y < m.height && !m.isBlocked(x, y)) free.push([x, y]);
             }
             for (let i = 0; i < 200; i++) {
               const [x, y] = free[i % free.length];
               st.upsertPerson({id: 10000 + i, name: `Avatar ${i}`, role: 'participant', team: null, room: me.room, x, y, status: 'available', connected: true});
             }
             amphi.renderer.zoomIndex = 2;
             window.__mover = setInterval(() => {
               for (let i = 0; i < 200; i++) {
                 const p = st.people.get(10000 + i);
                 const [x, y] = free[(i + Math.floor(performance.now() / 120)) % free.length];
                 p.x = x; p.y = y;
                 p.hidden = false; // a full positions batch hides whom the server did not list
               }
               st.emit('positions', me.room); // as a real batch does (store.applyPositions)
             }, 120);
             return free.length;",
            vec![],
        )
        .await;
    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < std::time::Duration::from_secs(6) {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        let fps = alice
            .js(
                "let n = 0; for (const p of amphi.store.people.values()) { const s = amphi.renderer.toScreen(p.rx + .5, p.ry + .5); if (s.x >= 0 && s.y >= 0 && s.x <= amphi.renderer.size.w && s.y <= amphi.renderer.size.h) n++; } return [amphi.renderer.fps, n];",
                vec![],
            )
            .await;
        samples.push(fps);
    }
    // Cost of one frame (step + draw), timed synchronously: independent of
    // rAF throttling, a measure of the headroom under a 16.7 ms budget.
    let cost = alice
        .js(
            "const r = amphi.renderer, times = []; for (let i = 0; i < 120; i++) { const t0 = performance.now(); r.step(1 / 60, t0); r.draw(t0); times.push(performance.now() - t0); } times.sort((a, b) => a - b); return [times[60], times[108]];",
            vec![],
        )
        .await;
    println!(
        "frame cost with 200 avatars: median {} ms, p90 {} ms",
        cost[0], cost[1]
    );
    alice.screenshot("fps-200-avatars").await;
    println!("fps samples [fps, avatars on screen]: {samples:?}");
    alice.close().await;
    s.done();
}

#[tokio::test]
async fn the_venue_page_follows_the_avatars_its_screen_can_show() {
    // The area follows the avatar, the view follows the camera and the zoom.
    let Some(mut s) = setup("the_venue_page_follows_the_avatars_its_screen_can_show").await else {
        return;
    };
    let alice = s.person(Role::Participant, "Alice").await;
    // The page tells the server what its canvas shows: its area in the hall
    // is narrower than the 64-tile default view's.
    let area = alice
        .wait(
            "an area sized to the canvas",
            "const a = amphi.store.areas.get('hall'); return a && a[2] - a[0] < 72 && a;",
            vec![],
        )
        .await;
    let x1 = area[2].as_u64().unwrap() as u16;

    // Bob walks out of it, over WebSocket.
    let (mut bob, welcome) = Client::join(&s.server, Role::Participant, "Bob").await;
    let bob_id = u64::from(welcome.id());
    let (_, _, y) = welcome.position();
    let venue = amphi::venue::Venue::default_venue().unwrap();
    let far = (x1 + 2..venue.width)
        .map(|x| amphi::venue::Tile::new(x, y))
        .find(|t| {
            venue.is_walkable(*t)
                && venue
                    .room_at(*t)
                    .is_some_and(|r| venue.room(r).id == "hall")
        })
        .expect("a hall tile east of Alice's area");
    let hidden = "return amphi.store.people.get(arguments[0]).hidden === true;";
    let shown_in_place = "const p = amphi.store.people.get(arguments[0]); return !p.hidden && p.x === arguments[1] && p.y === arguments[2];";
    let bob_at_far = vec![json!(bob_id), json!(far.x), json!(far.y)];
    alice
        .wait(
            "Bob shown near Alice",
            "const p = amphi.store.people.get(arguments[0]); return p && !p.hidden;",
            vec![json!(bob_id)],
        )
        .await;
    bob.call(json!({"type": "walk_to", "x": far.x, "y": far.y}))
        .await;
    bob.wait_position(welcome.id(), far.x, far.y).await;
    alice
        .wait(
            "Bob hidden once out of Alice's area",
            hidden,
            vec![json!(bob_id)],
        )
        .await;

    // Panning towards him: the page asks for a view that reaches what the
    // canvas shows, and Bob is back, in place.
    alice
        .js("amphi.renderer.pan(600, 0); return true;", vec![])
        .await;
    alice
        .wait(
            "Bob shown again after panning towards him",
            shown_in_place,
            bob_at_far.clone(),
        )
        .await;
    // Back on Alice: out of her area again.
    alice.click("#center-me").await;
    alice
        .wait(
            "Bob hidden again once the camera is back",
            hidden,
            vec![json!(bob_id)],
        )
        .await;

    // Zooming out shows more tiles: the area grows and Bob is back, in place.
    for _ in 0..3 {
        alice.click("#zoom-out").await;
    }
    alice
        .wait(
            "Bob shown again after zooming out",
            shown_in_place,
            bob_at_far,
        )
        .await;
    alice.close().await;
    s.done();
}

/// A custom map whose tileset (`.tsx`, in a parent folder of the map, within
/// `--map-root`) is served from `/venue/`: its image loads with no 404, is
/// drawn on the canvas, and the 16 px tiles open enlarged.
#[tokio::test]
async fn a_custom_map_draws_its_tileset() {
    let name = "a_custom_map_draws_its_tileset";
    let Some((chrome, driver)) = tools_or_skip(name) else {
        return;
    };
    let _lock = ONE_AT_A_TIME.lock().await;
    let root = common::temp_data_dir().join("venue");
    let map = common::maps::write_venue(&root);
    let server = TestServer::with_config(move |c| {
        c.map = Some(map);
        c.map_root = Some(root);
    })
    .await;
    let mut driver = Driver::start(chrome, driver).await;
    let b = driver.browser("custom-map").await;
    let url = format!(
        "http://{}/?event=demo&lang=fr&invite={}&name=Ana&debug=1",
        server.addr(),
        server.join_link(Role::Participant)
    );
    b.goto(&url).await;
    b.js(CATCH_ERRORS, vec![]).await;
    b.wait(
        "the welcome and the map",
        "return Boolean(window.amphi && amphi.store.me && amphi.renderer.map);",
        vec![],
    )
    .await;
    let loaded = b
        .js(
            "const m = amphi.renderer.map; const img = m.tilesets[0].image; \
             return { src: img && img.src, w: img ? img.naturalWidth : 0, tw: m.tw, \
             zoom: amphi.renderer.zoom, over: m.overChunks.length, \
             failed: performance.getEntriesByType('resource').filter((e) => e.responseStatus >= 400).map((e) => e.name) };",
            vec![],
        )
        .await;
    assert!(
        loaded["src"]
            .as_str()
            .unwrap()
            .ends_with("/venue/tilesets/office.png"),
        "{loaded}"
    );
    assert_eq!(loaded["w"], 32, "the tileset image decoded: {loaded}");
    assert_eq!(loaded["failed"], json!([]), "no request failed: {loaded}");
    assert_eq!(loaded["tw"], 16);
    assert!(
        loaded["zoom"].as_f64().unwrap() >= 1.25,
        "16 px tiles are enlarged: {loaded}"
    );
    assert_eq!(
        loaded["over"], 1,
        "the roof is drawn over avatars: {loaded}"
    );
    // The floor tile's colour (magenta) is on screen: the tiles are drawn
    // from the image, not as flat colours.
    let [r, g, bl] = common::maps::FLOOR_RGB;
    b.wait(
        "the floor tile's colour on the canvas",
        "const c = document.querySelector('#map'); const ctx = c.getContext('2d'); \
         const d = ctx.getImageData(0, 0, c.width, c.height).data; let n = 0; \
         for (let i = 0; i < d.length; i += 4) if (d[i] === arguments[0] && d[i + 1] === arguments[1] && d[i + 2] === arguments[2]) n++; \
         return n > 100;",
        vec![json!(r), json!(g), json!(bl)],
    )
    .await;
    b.screenshot("custom-map").await;
    let errors = b.js("return window.__errors;", vec![]).await;
    assert_eq!(errors, json!([]), "no script error");
    b.close().await;
    server.stop().await;
}
