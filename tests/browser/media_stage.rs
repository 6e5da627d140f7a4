//! The stage: the amphitheatre is one conversation in which only the
//! stage's speakers (here the moderator) are heard, by everyone in it
//! whatever their row; the audience listens and is not forwarded.

use super::media::{bytes, received, talk, teleport, wait_receiving};
use super::{my_id, setup};
use amphi::domain::Role;

#[tokio::test]
async fn the_amphitheatre_hears_the_moderator_and_the_audience_is_not_forwarded() {
    let Some(mut s) =
        setup("the_amphitheatre_hears_the_moderator_and_the_audience_is_not_forwarded").await
    else {
        return;
    };
    let moderator = s.person(Role::Moderator, "Modé").await;
    let alice = s.person(Role::Participant, "Alice").await;
    let bob = s.person(Role::Participant, "Bob").await;
    for b in [&moderator, &alice, &bob] {
        teleport(b, "amphi").await;
        talk(b).await;
    }
    let (m, a) = (my_id(&moderator).await, my_id(&alice).await);
    for listener in [&alice, &bob] {
        wait_receiving(listener, &format!("{m}/mic/audio"), 0).await;
        wait_receiving(listener, &format!("{m}/camera/video"), 0).await;
    }
    // By then Alice's microphone and camera have been on for seconds: none
    // of it reached the moderator or Bob.
    for b in [&moderator, &bob] {
        let got = received(b).await;
        for key in ["mic/audio", "camera/video"] {
            assert_eq!(bytes(&got, &format!("{a}/{key}")), 0, "{}: {got:?}", b.name);
        }
    }
    s.done();
}
