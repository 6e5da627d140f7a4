//! A summon seats people in the amphitheatre's rows, each on their own
//! tile, as the venue page shows them.

use super::*;
use amphi::venue::Venue;

#[tokio::test]
async fn a_summon_seats_people_in_the_front_row_each_on_their_own_tile() {
    let Some(mut s) = setup("a_summon_seats_people_in_the_front_row_each_on_their_own_tile").await
    else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    let yann = s.person(Role::Participant, "Yann").await;
    let (mut claire, _) = Client::join(&s.server, Role::Moderator, "Claire").await;
    claire
        .call(json!({"type": "summon", "role": "participant"}))
        .await;
    let seats: Vec<Value> = Venue::default_venue()
        .unwrap()
        .seats
        .iter()
        .map(|t| json!([t.x, t.y]))
        .collect();
    let front = seats[0][1].clone();
    let mut tiles = Vec::new();
    for b in [&zoe, &yann] {
        let tile = b
            .wait(
                "a seat in the amphitheatre",
                "const p = amphi.store.myPerson; return p && p.room === 'amphi' && JSON.stringify(arguments[0]).includes(JSON.stringify([p.x, p.y])) ? [p.x, p.y] : null;",
                vec![json!(seats)],
            )
            .await;
        assert_eq!(tile[1], front, "in the front row: {tile}");
        tiles.push(tile);
    }
    assert_ne!(tiles[0], tiles[1], "one seat each");
    // Each sees the other on their seat.
    let yann_id = my_id(&yann).await;
    zoe.wait(
        "Yann on his seat on Zoe's map",
        "const p = amphi.store.people.get(arguments[0]); return p && p.x === arguments[1][0] && p.y === arguments[1][1];",
        vec![json!(yann_id), tiles[1].clone()],
    )
    .await;
    zoe.screenshot("amphitheatre-seated").await;
    for b in [zoe, yann] {
        b.close().await;
    }
    s.done();
}
