//! ICE over TCP: pages that are told only of the media server's TCP
//! candidate (as if UDP were blocked) still hear each other, over TCP.

use super::media::{talk, teleport, wait_receiving};
use super::{my_id, setup};
use amphi::domain::Role;

/// Drops the server's UDP candidates from every description the page is
/// given, so ICE can only use the passive TCP one.
const TCP_ONLY: &str = "const set = RTCPeerConnection.prototype.setRemoteDescription;
RTCPeerConnection.prototype.setRemoteDescription = function (d) {
  if (d && d.sdp) d = { type: d.type, sdp: d.sdp.split('\\r\\n').filter((l) => !(l.startsWith('a=candidate') && / udp /i.test(l))).join('\\r\\n') };
  return set.call(this, d);
};
return true;";

#[tokio::test]
async fn ice_over_tcp_carries_the_table_when_udp_is_not_offered() {
    let Some(mut s) = setup("ice_over_tcp_carries_the_table_when_udp_is_not_offered").await else {
        return;
    };
    let alice = s.person(Role::Participant, "Alice").await;
    let bob = s.person(Role::Participant, "Bob").await;
    for b in [&alice, &bob] {
        b.js(TCP_ONLY, vec![]).await;
        teleport(b, "table-01").await;
        talk(b).await;
    }
    let b = my_id(&bob).await;
    wait_receiving(&alice, &format!("{b}/mic/audio"), 0).await;
    wait_receiving(&alice, &format!("{b}/camera/video"), 0).await;
    let protocol = alice
        .wait(
            "ICE's chosen pair",
            "return (async () => { const st = await amphi.media.pc.getStats(); for (const p of st.values()) { if (p.type === 'candidate-pair' && p.nominated && p.state === 'succeeded') return st.get(p.remoteCandidateId).protocol; } return ''; })();",
            vec![],
        )
        .await;
    assert_eq!(protocol, "tcp");
    s.done();
}
