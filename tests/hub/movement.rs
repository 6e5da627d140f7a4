//! Movement: who sees it, and every check the server makes before moving.

use crate::common::{Client, TestServer, WAIT, as_u16, is_type};
use crate::{free_step, nearest, neighbour, standable, venue};
use amphi::domain::Role;
use amphi::venue::Tile;
use serde_json::{Value, json};

/// A fast walker, so tests that walk somewhere first do not wait long.
async fn fast_server() -> TestServer {
    TestServer::with_config(|c| c.limits.steps_per_second = 60).await
}

fn tile_of(p: (String, u16, u16)) -> Tile {
    Tile::new(p.1, p.2)
}

/// Walks `client` (member `id`) to `to` and waits until it stands there.
async fn walk(client: &mut Client, id: u32, to: Tile) {
    client
        .call(json!({"type": "walk_to", "x": to.x, "y": to.y}))
        .await;
    client.wait_position(id, to.x, to.y).await;
}

/// The tiles `reader` sees member `id` on, from `from` until `until`, each
/// once in the order seen.
async fn tiles_seen(reader: &mut Client, id: u32, from: Tile, until: Tile) -> Vec<Tile> {
    let mut seen = vec![from];
    while seen.last() != Some(&until) {
        let batch = reader
            .recv_until(
                |m| {
                    is_type(m, "positions") && m["p"].as_array().unwrap().iter().any(|e| e[0] == id)
                },
                WAIT,
            )
            .await;
        let e = batch["p"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e[0] == id)
            .unwrap()
            .clone();
        let tile = Tile::new(as_u16(&e[1]), as_u16(&e[2]));
        if seen.last() != Some(&tile) {
            seen.push(tile);
        }
    }
    seen
}

fn step(d: (i64, i64)) -> Value {
    json!({"type": "step", "dx": d.0, "dy": d.1})
}

#[tokio::test]
async fn moves_are_seen_in_the_same_room_only() {
    let server = TestServer::start().await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut c, wc) = Client::join(&server, Role::Moderator, "Cyr").await;
    let (hall, _, _) = wa.position();

    c.call(json!({"type": "teleport", "room": "amphi"})).await;
    let arrived = c
        .recv_until(|m| is_type(m, "room_changed") && m["id"] == wc.id(), WAIT)
        .await;
    assert_eq!(arrived["to"], "amphi");
    // From C's first amphitheatre batch on, a hall batch would be a leak (one
    // offered before the teleport is replaced by, or sent before, this one).
    c.recv_until(|m| is_type(m, "positions") && m["room"] == "amphi", WAIT)
        .await;
    let mark = c.log.len();

    let from = tile_of(wa.position());
    let d = free_step(&v, from, Role::Participant);
    let to = neighbour(&v, from, d).unwrap();
    a.call(step(d)).await;
    b.wait_position(wa.id(), to.x, to.y).await;
    a.wait_position(wa.id(), to.x, to.y).await;

    // C, in the amphitheatre, moves too and sees its own batch: any hall batch
    // for C would have been sent before it.
    let c_at = Tile::new(as_u16(&arrived["x"]), as_u16(&arrived["y"]));
    let dc = free_step(&v, c_at, Role::Moderator);
    let c_to = neighbour(&v, c_at, dc).unwrap();
    c.call(step(dc)).await;
    c.wait_position(wc.id(), c_to.x, c_to.y).await;
    let after: Vec<&Value> = c.log[mark..].iter().collect();
    for m in after.iter().filter(|m| is_type(m, "positions")) {
        assert_eq!(m["room"], "amphi", "C only gets its room's batches: {m}");
    }
    assert!(
        !after.iter().any(|m| is_type(m, "positions")
            && m["p"].as_array().unwrap().iter().any(|e| e[0] == wa.id())),
        "C never sees A's move in the {hall}"
    );
    // And the hall does not see C's move in the amphitheatre.
    b.barrier().await;
    b.assert_never_received("C's move in the amphitheatre", |m| {
        is_type(m, "positions")
            && m["p"].as_array().unwrap().iter().any(|e| e[0] == wc.id())
            && m["room"] != "hall"
    });
    assert_ne!(b.position_of(wc.id()), Some((c_to.x, c_to.y)));
}

#[tokio::test]
async fn position_batches_are_compact_and_change_only() {
    let server = TestServer::start().await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, wb) = Client::join(&server, Role::Participant, "Bea").await;
    b.recv_until(|m| is_type(m, "positions") && m["full"] == true, WAIT)
        .await;
    let from = tile_of(wa.position());
    let d = free_step(&v, from, Role::Participant);
    let to = neighbour(&v, from, d).unwrap();
    a.call(step(d)).await;
    let batch = b
        .recv_until(|m| is_type(m, "positions") && m["full"] == false, WAIT)
        .await;
    assert_eq!(
        batch["p"],
        json!([[wa.id(), to.x, to.y]]),
        "only the change: {batch}"
    );
    assert_ne!(wb.id(), wa.id());
}

#[tokio::test]
async fn walls_block_steps_and_walks() {
    let server = fast_server().await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let start = tile_of(wa.position());
    let hall = v.room_at(start).unwrap();
    // The nearest hall tile with a wall next to it.
    let beside_wall = nearest(&v, start, Role::Participant, |t| {
        v.room_at(t) == Some(hall)
            && crate::DIRECTIONS
                .iter()
                .any(|d| neighbour(&v, t, *d).is_some_and(|n| !v.is_walkable(n)))
    });
    walk(&mut a, wa.id(), beside_wall).await;
    let into_wall = *crate::DIRECTIONS
        .iter()
        .find(|d| neighbour(&v, beside_wall, **d).is_some_and(|n| !v.is_walkable(n)))
        .unwrap();
    let wall = neighbour(&v, beside_wall, into_wall).unwrap();
    assert_eq!(a.call_err(step(into_wall)).await, "blocked");
    assert_eq!(
        a.call_err(json!({"type": "walk_to", "x": wall.x, "y": wall.y}))
            .await,
        "blocked"
    );
    // The avatar stayed where it was: a legal step lands next to `beside_wall`.
    let d = free_step(&v, beside_wall, Role::Participant);
    let next = neighbour(&v, beside_wall, d).unwrap();
    a.call(step(d)).await;
    a.wait_position(wa.id(), next.x, next.y).await;
}

#[tokio::test]
async fn steps_faster_than_allowed_are_refused() {
    // Default speed: 8 steps per second, bursts of 4.
    let server = TestServer::start().await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let from = tile_of(wa.position());
    let d = free_step(&v, from, Role::Participant);
    let back = (-d.0, -d.1);
    // Back and forth, as fast as the socket takes it.
    let mut rids = Vec::new();
    for i in 0..12 {
        rids.push(a.request(step(if i % 2 == 0 { d } else { back })).await);
    }
    let mut codes = Vec::new();
    for rid in rids {
        let reply = a.reply_to(rid).await;
        codes.push(reply["code"].as_str().unwrap_or("ack").to_string());
    }
    assert!(
        codes[..4].iter().all(|c| c == "ack"),
        "a burst of 4 is allowed: {codes:?}"
    );
    assert!(codes.iter().any(|c| c == "too_fast"), "too fast: {codes:?}");
    assert!(
        codes.iter().all(|c| c == "ack" || c == "too_fast"),
        "{codes:?}"
    );
    // Refused steps did not move the avatar: the forward/back steps that were
    // accepted decide where it stands.
    let forward = codes.iter().step_by(2).filter(|c| *c == "ack").count() as i64;
    let backward = codes
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|c| *c == "ack")
        .count() as i64;
    let expect = (
        i64::from(from.x) + d.0 * (forward - backward),
        i64::from(from.y) + d.1 * (forward - backward),
    );
    a.barrier().await;
    // Another observer joining now sees the final position in its welcome.
    let (_b, wb) = Client::join(&server, Role::Participant, "Bea").await;
    let a_seen = wb.people_with(wa.id())[0].clone();
    assert_eq!(
        (a_seen["x"].as_i64().unwrap(), a_seen["y"].as_i64().unwrap()),
        expect,
        "{codes:?}"
    );
}

#[tokio::test]
async fn invalid_steps_and_targets_are_refused() {
    let server = fast_server().await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    for (dx, dy) in [
        (2, 0),
        (1, 1),
        (0, 0),
        (-3, 0),
        (i64::MAX, 0),
        (i64::MAX, 1),
        (i64::MIN, 0),
        (0, i64::MIN),
    ] {
        assert_eq!(
            a.call_err(json!({"type": "step", "dx": dx, "dy": dy}))
                .await,
            "invalid_step"
        );
    }
    for (x, y) in [
        (-1, 3),
        (3, -1),
        (i64::from(v.width), 0),
        (0, i64::from(v.height)),
        (1 << 40, 2),
    ] {
        assert_eq!(
            a.call_err(json!({"type": "walk_to", "x": x, "y": y})).await,
            "out_of_bounds",
            "({x}, {y})"
        );
    }
    assert_eq!(
        a.call_err(json!({"type": "teleport", "room": "nowhere"}))
            .await,
        "unknown_room"
    );
    // Stepping off the edge of the map: walk to a standable edge tile first.
    let start = tile_of(wa.position());
    let edge = nearest(&v, start, Role::Participant, |t| {
        crate::DIRECTIONS
            .iter()
            .any(|d| neighbour(&v, t, *d).is_none())
    });
    walk(&mut a, wa.id(), edge).await;
    let off = *crate::DIRECTIONS
        .iter()
        .find(|d| neighbour(&v, edge, **d).is_none())
        .unwrap();
    assert_eq!(a.call_err(step(off)).await, "out_of_bounds");
    // Nothing moved.
    let (_b, wb) = Client::join(&server, Role::Participant, "Bea").await;
    let seen = wb.people_with(wa.id())[0].clone();
    assert_eq!((as_u16(&seen["x"]), as_u16(&seen["y"])), (edge.x, edge.y));
}

#[tokio::test]
async fn the_jury_room_admits_jury_and_moderator_only() {
    let server = fast_server().await;
    let v = venue();
    let jury = v.room_by_id("jury").unwrap();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut m, wm) = Client::join(&server, Role::Moderator, "Mod").await;
    let (mut j, wj) = Client::join(&server, Role::Jury, "Juré").await;

    assert_eq!(
        a.call_err(json!({"type": "teleport", "room": "jury"}))
            .await,
        "room_forbidden"
    );
    let inside = v.entry_tiles(jury).next().unwrap();
    assert_eq!(
        a.call_err(json!({"type": "walk_to", "x": inside.x, "y": inside.y}))
            .await,
        "room_forbidden"
    );
    // Walk to the jury room's door and try to step in.
    let start = tile_of(wa.position());
    let door = nearest(&v, start, Role::Participant, |t| {
        v.room_at(t) != Some(jury)
            && crate::DIRECTIONS.iter().any(|d| {
                neighbour(&v, t, *d).is_some_and(|n| v.is_walkable(n) && v.room_at(n) == Some(jury))
            })
    });
    walk(&mut a, wa.id(), door).await;
    let inward = *crate::DIRECTIONS
        .iter()
        .find(|d| neighbour(&v, door, **d).is_some_and(|n| v.room_at(n) == Some(jury)))
        .unwrap();
    assert_eq!(a.call_err(step(inward)).await, "room_forbidden");
    assert!(!standable(
        &v,
        neighbour(&v, door, inward).unwrap(),
        Role::Participant
    ));

    for (client, welcome) in [(&mut m, &wm), (&mut j, &wj)] {
        client
            .call(json!({"type": "teleport", "room": "jury"}))
            .await;
        let moved = client
            .recv_until(
                |msg| is_type(msg, "room_changed") && msg["id"] == welcome.id(),
                WAIT,
            )
            .await;
        assert_eq!(moved["to"], "jury");
        let tile = Tile::new(as_u16(&moved["x"]), as_u16(&moved["y"]));
        assert_eq!(v.room_at(tile), Some(jury));
    }
    // The participant stayed at the door.
    a.barrier().await;
    assert_eq!(a.position_of(wa.id()), Some((door.x, door.y)));
}

#[tokio::test]
async fn crossing_a_boundary_changes_room_for_everyone() {
    let server = fast_server().await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut m, wm) = Client::join(&server, Role::Moderator, "Mod").await;
    let start = tile_of(wa.position());
    let hall = v.room_at(start).unwrap();

    // The nearest hall tile next to a team table.
    let door = nearest(&v, start, Role::Participant, |t| {
        v.room_at(t) == Some(hall)
            && crate::DIRECTIONS.iter().any(|d| {
                neighbour(&v, t, *d).is_some_and(|n| {
                    standable(&v, n, Role::Participant)
                        && v.room(v.room_at(n).unwrap()).kind == amphi::venue::RoomKind::TeamTable
                })
            })
    });
    let inward = *crate::DIRECTIONS
        .iter()
        .find(|d| {
            neighbour(&v, door, **d)
                .is_some_and(|n| standable(&v, n, Role::Participant) && v.room_at(n) != Some(hall))
        })
        .unwrap();
    let inside = neighbour(&v, door, inward).unwrap();
    let table = v.room(v.room_at(inside).unwrap()).id.clone();

    // Someone already at the table said something there.
    m.call(json!({"type": "teleport", "room": table})).await;
    m.call(json!({"type": "chat", "scope": "room", "text": "bienvenue à la table"}))
        .await;

    walk(&mut a, wa.id(), door).await;
    let mark = a.log.len();
    a.call(step(inward)).await;
    let is_move = |msg: &Value| is_type(msg, "room_changed") && msg["id"] == wa.id();
    for client in [&mut a, &mut b, &mut m] {
        let changed = client.recv_until(is_move, WAIT).await;
        assert_eq!(changed["from"], v.room(hall).id.as_str());
        assert_eq!(changed["to"], table.as_str());
        assert_eq!(
            (as_u16(&changed["x"]), as_u16(&changed["y"])),
            (inside.x, inside.y)
        );
    }
    // The mover gets the new room's chat and a full snapshot of it.
    let history = a.recv_until(|msg| is_type(msg, "chat_history"), WAIT).await;
    assert_eq!(history["channel"], format!("room:{table}"));
    assert_eq!(
        crate::common::texts(&history["messages"]),
        vec!["bienvenue à la table".to_string()]
    );
    let full = a
        .recv_until(
            |msg| is_type(msg, "positions") && msg["full"] == true && msg["room"] == table.as_str(),
            WAIT,
        )
        .await;
    let listed: Vec<u64> = full["p"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[0].as_u64().unwrap())
        .collect();
    assert!(
        listed.contains(&u64::from(wa.id())) && listed.contains(&u64::from(wm.id())),
        "{full}"
    );
    assert!(a.log[mark..].iter().filter(|msg| is_move(msg)).count() == 1);
    // Each room-change is told once to each client.
    b.barrier().await;
    assert_eq!(b.count_received(is_move), 1);
}

#[tokio::test]
async fn teleport_lands_inside_the_room_and_everyone_is_told() {
    let server = TestServer::start().await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    a.call(json!({"type": "teleport", "room": "amphi"})).await;
    let seen = b
        .recv_until(|m| is_type(m, "room_changed") && m["id"] == wa.id(), WAIT)
        .await;
    assert_eq!(seen["from"], wa.position().0.as_str());
    assert_eq!(seen["to"], "amphi");
    let tile = Tile::new(as_u16(&seen["x"]), as_u16(&seen["y"]));
    assert_eq!(v.room_at(tile), v.room_by_id("amphi"));
    assert!(v.is_walkable(tile));
    let full = a
        .recv_until(
            |m| is_type(m, "positions") && m["full"] == true && m["room"] == "amphi",
            WAIT,
        )
        .await;
    assert_eq!(full["p"], json!([[wa.id(), tile.x, tile.y]]));
    // Teleporting to the room one is in changes nothing.
    a.call(json!({"type": "teleport", "room": "amphi"})).await;
    b.barrier().await;
    assert_eq!(
        b.count_received(|m| is_type(m, "room_changed") && m["id"] == wa.id()),
        1
    );
}

#[tokio::test]
async fn walk_to_walks_the_path_tile_by_tile_over_ticks() {
    // Default speed (8 steps/s) at 60 ticks/s: one step per batch.
    let server = TestServer::start().await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    let start = tile_of(wa.position());
    let hall = v.room_at(start).unwrap();
    // A hall tile 4 steps away.
    let target = nearest(&v, start, Role::Participant, |t| {
        v.room_at(t) == Some(hall)
            && v.find_path(start, t, &|r| r == hall)
                .is_some_and(|p| p.len() == 4)
    });
    a.call(json!({"type": "walk_to", "x": target.x, "y": target.y}))
        .await;
    let seen = tiles_seen(&mut b, wa.id(), start, target).await;
    assert_eq!(seen.len(), 5, "start + 4 steps, one at a time: {seen:?}");
    for pair in seen.windows(2) {
        assert_eq!(
            pair[0].x.abs_diff(pair[1].x) + pair[0].y.abs_diff(pair[1].y),
            1,
            "{seen:?}"
        );
        assert!(v.is_walkable(pair[1]));
    }
}

#[tokio::test]
async fn status_changes_are_told_to_others() {
    let server = TestServer::start().await;
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Mentor, "Mentor").await;
    for status in ["busy", "away", "do_not_disturb", "available"] {
        a.call(json!({"type": "set_status", "status": status}))
            .await;
        let changed = b
            .recv_until(|m| is_type(m, "status_changed") && m["id"] == wa.id(), WAIT)
            .await;
        assert_eq!(changed["status"], status);
    }
    assert_eq!(
        a.call_err(json!({"type": "set_status", "status": "sleeping"}))
            .await,
        "invalid_message"
    );
    // Setting the same status again is not news.
    a.call(json!({"type": "set_status", "status": "available"}))
        .await;
    b.barrier().await;
    assert_eq!(
        b.count_received(|m| is_type(m, "status_changed") && m["id"] == wa.id()),
        4
    );
    // A late joiner sees the current status in the welcome.
    a.call(json!({"type": "set_status", "status": "busy"}))
        .await;
    let (_c, wc) = Client::join(&server, Role::Participant, "Cyr").await;
    assert_eq!(wc.people_with(wa.id())[0]["status"], "busy");
}

/// Waits for `id`'s arrival in `room` as `watcher` sees it; returns the tile.
async fn arrival(watcher: &mut Client, id: u32, room: &str) -> (u64, u64) {
    let seen = watcher
        .recv_until(
            |m| is_type(m, "room_changed") && m["id"] == id && m["to"] == room,
            WAIT,
        )
        .await;
    (seen["x"].as_u64().unwrap(), seen["y"].as_u64().unwrap())
}

#[tokio::test]
async fn go_to_team_and_summon_never_put_two_avatars_on_one_tile_and_summons_seat_people() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, wb) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut cid, wc) = Client::join(&server, Role::Participant, "Cid").await;
    ana.call(json!({"type": "create_team", "name": "Les Voisins"}))
        .await;
    let team = ana
        .recv_until(
            |m| is_type(m, "team_updated") && m["team"]["name"] == "Les Voisins",
            WAIT,
        )
        .await["team"]["id"]
        .clone();
    let table = moderator
        .recv_until(
            |m| is_type(m, "team_updated") && m["team"]["id"] == team,
            WAIT,
        )
        .await["team"]["table"]
        .as_str()
        .unwrap()
        .to_string();
    for c in [&mut bea, &mut cid] {
        c.call(json!({"type": "join_team", "team": team})).await;
    }

    // Ana and Bea go to their table, Ana leaves it again: one person in the
    // room, so Cid's turn in the spreading order is Bea's tile.
    ana.call(json!({"type": "go_to_team", "team": team})).await;
    arrival(&mut moderator, wa.id(), &table).await;
    bea.call(json!({"type": "go_to_team", "team": team})).await;
    let bea_at = arrival(&mut moderator, wb.id(), &table).await;
    ana.call(json!({"type": "teleport", "room": "hall"})).await;
    arrival(&mut moderator, wa.id(), "hall").await;
    cid.call(json!({"type": "go_to_team", "team": team})).await;
    let cid_at = arrival(&mut moderator, wc.id(), &table).await;
    assert_ne!(cid_at, bea_at, "Cid landed on Bea");

    // The same in the amphitheatre, through a summon.
    ana.call(json!({"type": "teleport", "room": "amphi"})).await;
    arrival(&mut moderator, wa.id(), "amphi").await;
    bea.call(json!({"type": "teleport", "room": "amphi"})).await;
    let bea_at = arrival(&mut moderator, wb.id(), "amphi").await;
    ana.call(json!({"type": "teleport", "room": "hall"})).await;
    arrival(&mut moderator, wa.id(), "hall").await;
    moderator
        .call(json!({"type": "summon", "role": "participant"}))
        .await;
    let ana_at = arrival(&mut moderator, wa.id(), "amphi").await;
    let cid_at = arrival(&mut moderator, wc.id(), "amphi").await;
    assert_ne!(ana_at, bea_at, "Ana summoned onto Bea");
    assert_ne!(cid_at, bea_at, "Cid summoned onto Bea");
    assert_ne!(ana_at, cid_at, "Ana and Cid summoned onto one tile");
    // Summoned people are seated, in the front row.
    let seats = venue().seats;
    let front = seats.iter().map(|s| s.y).min().unwrap();
    for (x, y) in [ana_at, cid_at] {
        let tile = Tile::new(x as u16, y as u16);
        assert!(seats.contains(&tile), "{tile:?} is not a seat");
        assert_eq!(tile.y, front, "{tile:?} is not in the front row");
    }
}

/// The hub writes position batches to a socket itself while the connection
/// task writes what is queued for it (chat, answers). On two workers, to a
/// client that stops reading for a moment (a small receive buffer, so the
/// server's writes are cut short and the rest waits), every frame still
/// arrives whole, each chat once and in order, and every step is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_and_queued_frames_share_a_socket_without_mixing() {
    const CHATS: usize = 200;
    const STEPS: usize = 20;
    let server = TestServer::with_config(|c| {
        c.limits.steps_per_second = 60;
        c.rate_limits.chat.per_second = 500.0;
        c.rate_limits.chat.burst = 500;
    })
    .await;
    let v = venue();
    let (mut talker, _) = Client::join(&server, Role::Participant, "Talker").await;
    let mut walker = Client::connect_with_recv_buffer(&server, 4096).await;
    let welcome = walker
        .hello_invite(&server.join_link(Role::Participant), "Walker")
        .await;
    let long = "x".repeat(900);
    let chatting = tokio::spawn(async move {
        for i in 0..CHATS {
            let text = format!("{i} {long}");
            talker
                .call(json!({"type": "chat", "scope": "room", "text": text}))
                .await;
        }
        talker
    });
    // Steps sent without reading: their batches and answers meet the chat
    // in a socket that is full.
    let from = tile_of(welcome.position());
    let there = free_step(&v, from, Role::Participant);
    let back = (-there.0, -there.1);
    let mut rids = Vec::new();
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(25));
    for i in 0..STEPS {
        tick.tick().await;
        let d = if i % 2 == 0 { there } else { back };
        rids.push(walker.request(step(d)).await);
    }
    let _talker = chatting.await.expect("talker task");
    let last = format!("{} ", CHATS - 1);
    walker
        .recv_until(
            |m| {
                is_type(m, "chat")
                    && m["message"]["text"]
                        .as_str()
                        .is_some_and(|t| t.starts_with(&last))
            },
            WAIT,
        )
        .await;
    let chats: Vec<usize> = walker
        .log
        .iter()
        .filter(|m| is_type(m, "chat"))
        .filter_map(|m| {
            m["message"]["text"]
                .as_str()?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(
        chats,
        (0..CHATS).collect::<Vec<_>>(),
        "each chat once, in order"
    );
    for rid in rids {
        walker
            .recv_until(
                |m| m["rid"] == rid && (is_type(m, "ack") || is_type(m, "error")),
                WAIT,
            )
            .await;
    }
    let batches = walker.count_received(|m| is_type(m, "positions"));
    assert!(batches > 0, "position batches arrived beside the chat");
    walker.assert_alive().await;
}

#[tokio::test]
async fn walk_goes_on_in_a_direction_and_stops_on_the_clients_tile() {
    let server = TestServer::start().await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    let start = tile_of(wa.position());
    let room = v.room_at(start);
    let ahead = |t: Tile, d: (i64, i64), k: i64| neighbour(&v, t, (d.0 * k, d.1 * k));
    let open = |t: Tile, d: (i64, i64)| {
        (1..=5).all(|k| {
            ahead(t, d, k)
                .is_some_and(|n| standable(&v, n, Role::Participant) && v.room_at(n) == room)
        })
    };
    let from = nearest(&v, start, Role::Participant, |t| {
        v.room_at(t) == room && crate::DIRECTIONS.into_iter().any(|d| open(t, d))
    });
    let d = crate::DIRECTIONS
        .into_iter()
        .find(|d| open(from, *d))
        .unwrap();
    if from != start {
        walk(&mut a, wa.id(), from).await;
    }
    b.wait_position(wa.id(), from.x, from.y).await;

    // The key goes down: one message, and the avatar goes on by itself.
    a.call(json!({"type": "walk", "x": from.x, "y": from.y, "dx": d.0, "dy": d.1}))
        .await;
    let two = ahead(from, d, 2).unwrap();
    let seen = tiles_seen(&mut b, wa.id(), from, two).await;
    assert_eq!(
        seen,
        (0..=2)
            .map(|k| ahead(from, d, k).unwrap())
            .collect::<Vec<_>>(),
        "one tile at a time, straight on"
    );
    // The key comes up where the client shows the avatar, ahead of the
    // server: the server walks there and stops.
    let stop = ahead(from, d, 4).unwrap();
    a.call(json!({"type": "walk", "x": stop.x, "y": stop.y}))
        .await;
    b.wait_position(wa.id(), stop.x, stop.y).await;
}
