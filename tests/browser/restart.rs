//! After the server restarts, the venue page reconnects by itself and the
//! person stands where they stood (not in a pile at the entrance); the top
//! bar stays one line while it says "Reconnexion…".

use super::*;
use amphi::store::StoreOptions;

const MY_TILE: &str = "const p = amphi.store.myPerson; return p ? [p.x, p.y] : null;";
const TOPBAR_HEIGHT: &str =
    "return document.querySelector('.topbar').getBoundingClientRect().height;";

#[tokio::test]
async fn after_a_restart_the_page_reconnects_and_people_stand_where_they_stood() {
    const NAME: &str = "after_a_restart_the_page_reconnects_and_people_stand_where_they_stood";
    let Some((chrome, driver)) = tools_or_skip(NAME) else {
        return;
    };
    let _lock = ONE_AT_A_TIME.lock().await;
    let dir = common::temp_data_dir();
    let first = TestServer::start_in(&dir, StoreOptions::default(), |_| {}).await;
    let addr = first.addr();
    let mut driver = Driver::start(chrome, driver).await;
    let alice = driver.browser_sized("Alice", 1024, 768).await;
    alice
        .goto(&format!(
            "http://{addr}/?event=demo&lang=fr&invite={}&name=Alice&debug=1",
            first.join_link(Role::Participant)
        ))
        .await;
    alice.js(CATCH_ERRORS, vec![]).await;
    let spawn = alice.wait("the welcome", MY_TILE, vec![]).await;
    let online_height = alice.js(TOPBAR_HEIGHT, vec![]).await.as_f64().unwrap();
    let (x, y) = (spawn[0].as_u64().unwrap(), spawn[1].as_u64().unwrap());
    let (tx, ty) = common::default_map_tile_a_few_steps_from(x as u16, y as u16);
    let there = json!([tx, ty]);
    alice
        .js(
            "amphi.conn.request({ type: 'walk_to', x: arguments[0], y: arguments[1] });",
            vec![json!(tx), json!(ty)],
        )
        .await;
    alice
        .wait(
            "Alice on her tile",
            "const p = amphi.store.myPerson; return p && p.x === arguments[0][0] && p.y === arguments[0][1];",
            vec![there.clone()],
        )
        .await;

    first.stop().await;
    alice
        .wait(
            "the page says it reconnects",
            "return document.querySelector('#conn').classList.contains('conn-waiting') || document.querySelector('#conn').classList.contains('conn-connecting');",
            vec![],
        )
        .await;
    let waiting_height = alice.js(TOPBAR_HEIGHT, vec![]).await.as_f64().unwrap();
    assert_eq!(
        waiting_height, online_height,
        "the top bar keeps one line while reconnecting"
    );

    // The same data directory, the same address: the page finds it alone.
    let second = TestServer::start_in(&dir, StoreOptions::default(), |c| c.listen = addr).await;
    alice
        .wait(
            "online again",
            "return document.querySelector('#conn').classList.contains('conn-online');",
            vec![],
        )
        .await;
    let tile = alice
        .wait("Alice's tile after the restart", MY_TILE, vec![])
        .await;
    assert_eq!(tile, there, "back where she stood, not at the entrance");
    let errors = alice.js("return window.__errors || [];", vec![]).await;
    assert_eq!(errors, json!([]), "no JavaScript error");
    alice.close().await;
    second.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
