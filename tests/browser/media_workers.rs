//! The embedded media server on two worker threads (`[media] workers = 2`):
//! two tables placed on different workers each hear only themselves, and a
//! person who walks from one to the other is moved across without hanging
//! up (as between two `amphi media` processes, `media_nodes`).

use super::media::{bytes, received, talk, teleport, wait_receiving};
use super::media_nodes::media_port;
use super::my_id;
use super::setup_with;
use crate::harness::CATCH_ERRORS;
use amphi::domain::Role;
use amphi::media::nodes::hashed;

/// Two tables the two workers share out to different workers.
const FIRST: &str = "table-01";
const SECOND: &str = "table-04";

#[tokio::test]
async fn two_media_workers_each_carry_their_own_tables() {
    assert_ne!(
        hashed(FIRST, 2),
        hashed(SECOND, 2),
        "the test needs two tables on different workers"
    );
    let Some(mut s) = setup_with("two_media_workers_each_carry_their_own_tables", |c| {
        c.media.workers = 2
    })
    .await
    else {
        return;
    };
    let alice = s.person(Role::Participant, "Alice").await;
    let bob = s.person(Role::Participant, "Bob").await;
    let carol = s.person(Role::Participant, "Carol").await;
    alice.js(CATCH_ERRORS, vec![]).await;
    teleport(&alice, FIRST).await;
    teleport(&bob, FIRST).await;
    teleport(&carol, SECOND).await;
    for b in [&alice, &bob, &carol] {
        talk(b).await;
    }
    let (a, b) = (my_id(&alice).await, my_id(&bob).await);
    // The first table talks through one worker's port, the second through
    // the other's.
    wait_receiving(&alice, &format!("{b}/mic/audio"), 0).await;
    wait_receiving(&bob, &format!("{a}/camera/video"), 0).await;
    let (first_port, second_port) = (media_port(&alice).await, media_port(&carol).await);
    assert_ne!(first_port, 0);
    assert_ne!(second_port, 0);
    assert_ne!(first_port, second_port, "both tables on one worker");
    assert_eq!(media_port(&bob).await, first_port);
    s.server
        .wait_metric("amphi_media_peers", crate::common::WAIT, |n| n == 3.0)
        .await;

    // Bob walks to the second table: his connection moves to the other
    // worker, his microphone and camera still on, and Carol hears him, and
    // still nothing of Alice.
    teleport(&bob, SECOND).await;
    wait_receiving(&carol, &format!("{b}/mic/audio"), 0).await;
    wait_receiving(&carol, &format!("{b}/camera/video"), 0).await;
    assert_eq!(media_port(&bob).await, second_port);
    let at_carol = received(&carol).await;
    assert_eq!(
        bytes(&at_carol, &format!("{a}/mic/audio")),
        0,
        "{at_carol:?}"
    );
    assert_eq!(
        bytes(&at_carol, &format!("{a}/camera/video")),
        0,
        "{at_carol:?}"
    );
    // The gauges sum over the workers: three connections, whichever worker.
    s.server
        .wait_metric("amphi_media_peers", crate::common::WAIT, |n| n == 3.0)
        .await;
    s.done();
}
