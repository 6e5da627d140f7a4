//! An idle venue page draws nothing and costs (almost) no CPU; it wakes up
//! when something moves.

use super::*;
use std::time::Duration;

/// How long the page is watched while nothing happens.
const IDLE_WINDOW: Duration = Duration::from_secs(10);

#[tokio::test]
async fn an_idle_venue_page_draws_nothing_and_stays_under_two_percent_of_a_core() {
    let Some(mut s) =
        setup("an_idle_venue_page_draws_nothing_and_stays_under_two_percent_of_a_core").await
    else {
        return;
    };
    let (mut bob, welcome) = Client::join(&s.server, Role::Participant, "Bob").await;
    let bob_id = u64::from(welcome.id());
    let alice = s.person(Role::Participant, "Alice").await;
    alice
        .wait(
            "Bob on the map and the renderer at rest",
            "const r = amphi.renderer, p = amphi.store.people.get(arguments[0]); return Boolean(p && !p.hidden && r.map && !r.scheduled && r.draws > 0);",
            vec![json!(bob_id)],
        )
        .await;

    // The measurement window: nothing happens for 10 s, on purpose.
    let draws = "return amphi.renderer.draws;";
    let draws_before = alice.js(draws, vec![]).await.as_u64().unwrap();
    let busy_before = alice.busy_seconds().await;
    let started = Instant::now();
    tokio::time::sleep(IDLE_WINDOW).await;
    let busy = alice.busy_seconds().await - busy_before;
    let elapsed = started.elapsed().as_secs_f64();
    let drawn = alice.js(draws, vec![]).await.as_u64().unwrap() - draws_before;
    let share = busy / elapsed;
    println!(
        "idle venue page: main thread busy {:.1} ms over {elapsed:.1} s = {:.2} % of a core; {drawn} frames drawn",
        busy * 1000.0,
        share * 100.0
    );
    assert!(drawn <= 2, "an idle page draws no frames ({drawn} drawn)");
    assert!(
        share < 0.02,
        "an idle page stays under 2 % of a core ({:.2} %)",
        share * 100.0
    );

    // Something moves: the page draws again, and comes back to rest.
    let (_, x, y) = welcome.position();
    let venue = amphi::venue::Venue::default_venue().unwrap();
    let step = [(1i32, 0i32), (-1, 0), (0, 1), (0, -1)]
        .into_iter()
        .map(|(dx, dy)| (i32::from(x) + dx, i32::from(y) + dy))
        .find(|&(nx, ny)| {
            nx >= 0 && ny >= 0 && venue.is_walkable(amphi::venue::Tile::new(nx as u16, ny as u16))
        })
        .expect("a free tile next to Bob");
    let before = alice.js(draws, vec![]).await.as_u64().unwrap();
    bob.call(json!({"type": "walk_to", "x": step.0, "y": step.1}))
        .await;
    alice
        .wait(
            "Bob's step drawn",
            "const p = amphi.store.people.get(arguments[0]); return p.rx === arguments[1] && p.ry === arguments[2] && amphi.renderer.draws > arguments[3];",
            vec![json!(bob_id), json!(step.0), json!(step.1), json!(before)],
        )
        .await;
    alice
        .wait(
            "the renderer at rest again",
            "return !amphi.renderer.scheduled;",
            vec![],
        )
        .await;
    alice.close().await;
    s.done();
}
