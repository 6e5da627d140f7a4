//! Areas of interest: in a big room a reader is sent the avatars around it
//! (what its `view` covers), not everyone's steps.

use crate::common::{Client, TestServer, WAIT, as_u16, is_type};
use crate::{free_step, nearest, venue};
use amphi::domain::Role;
use amphi::venue::{Tile, Venue};
use serde_json::{Value, json};

fn area_of(batch: &Value) -> [u16; 4] {
    let a = batch["area"].as_array().expect("a batch has an area");
    [as_u16(&a[0]), as_u16(&a[1]), as_u16(&a[2]), as_u16(&a[3])]
}

fn inside(area: [u16; 4], (x, y): (u16, u16)) -> bool {
    x >= area[0] && y >= area[1] && x < area[2] && y < area[3]
}

/// Every position of `id` in the batches `client` received from `from` on.
fn positions_of(client: &Client, from: usize, id: u32) -> Vec<(u16, u16)> {
    client.log[from..]
        .iter()
        .filter(|m| is_type(m, "positions"))
        .flat_map(|m| m["p"].as_array().cloned().unwrap_or_default())
        .filter(|e| e[0] == id)
        .map(|e| (as_u16(&e[1]), as_u16(&e[2])))
        .collect()
}

fn is_hall(v: &Venue, t: Tile) -> bool {
    v.room_at(t).is_some_and(|r| v.room(r).id == "hall")
}

#[tokio::test]
async fn a_reader_follows_only_the_avatars_its_view_covers() {
    let server = TestServer::with_config(|c| c.limits.steps_per_second = 60).await;
    let v = venue();
    let (mut reader, wr) = Client::join(&server, Role::Participant, "Rémi").await;
    let (mut mover, wm) = Client::join(&server, Role::Participant, "Maëlle").await;
    let (room, rx, ry) = wr.position();
    assert_eq!(room, "hall");

    // A small view: the reader follows a few cells around it.
    reader.call(json!({"type": "view", "w": 4, "h": 4})).await;
    let full = reader
        .recv_until(
            |m| {
                is_type(m, "positions") && m["full"] == true && {
                    let a = area_of(m);
                    a[2] - a[0] <= 24
                }
            },
            WAIT,
        )
        .await;
    let area = area_of(&full);
    assert!(inside(area, (rx, ry)), "the area holds the reader: {full}");
    assert!(
        full["p"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e[0] == wm.id()),
        "the mover stands near the spawn, inside the area: {full}"
    );

    // The mover walks far away, out of the reader's area.
    let far = nearest(&v, Tile::new(rx, ry), Role::Participant, |t| {
        is_hall(&v, t) && t.x >= area[2] + 10
    });
    let mark = reader.log.len();
    mover
        .call(json!({"type": "walk_to", "x": far.x, "y": far.y}))
        .await;
    mover.wait_position(wm.id(), far.x, far.y).await;
    // It keeps moving out there.
    let d = free_step(&v, far, Role::Participant);
    mover
        .call(json!({"type": "step", "dx": d.0, "dy": d.1}))
        .await;
    let last = Tile::new(
        (i64::from(far.x) + d.0) as u16,
        (i64::from(far.y) + d.1) as u16,
    );
    mover.wait_position(wm.id(), last.x, last.y).await;
    // The reader's batches of that tick were offered with the mover's: after
    // a round trip through the hub, the reader has read them all.
    reader.barrier().await;

    let seen = positions_of(&reader, mark, wm.id());
    let outside: Vec<_> = seen.iter().filter(|p| !inside(area, **p)).collect();
    assert_eq!(
        outside.len(),
        1,
        "the reader hears once that the mover left its area, then nothing: {seen:?}"
    );
    assert!(!seen.contains(&(last.x, last.y)), "{seen:?}");
    assert!(
        positions_of(&mover, 0, wm.id()).contains(&(last.x, last.y)),
        "the mover, far away, still sees itself"
    );

    // A bigger view takes the mover in again: a full batch shows it where it is.
    reader.skip_unread();
    reader
        .call(json!({"type": "view", "w": 200, "h": 100}))
        .await;
    let full = reader
        .recv_until(
            |m| {
                is_type(m, "positions")
                    && m["full"] == true
                    && m["p"]
                        .as_array()
                        .is_some_and(|p| p.iter().any(|e| e[0] == wm.id()))
            },
            WAIT,
        )
        .await;
    assert_eq!(area_of(&full), [0, 0, 80, 50], "the whole hall: {full}");
    assert_eq!(reader.position_of(wm.id()), Some((last.x, last.y)));
}

#[tokio::test]
async fn views_out_of_range_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let (mut a, _) = Client::join(&server, Role::Participant, "Ana").await;
    for (w, h) in [(0, 10), (10, -1), (1025, 10), (10, 100_000)] {
        let code = a.call_err(json!({"type": "view", "w": w, "h": h})).await;
        assert_eq!(code, "out_of_range", "view {w}×{h}");
    }
    let code = a
        .call_err(json!({"type": "view", "w": "wide", "h": 4}))
        .await;
    assert_eq!(code, "invalid_message");
    a.assert_alive().await;
}
