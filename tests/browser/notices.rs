//! What must not be missed in the venue: the summon (never over the timer),
//! announcements, direct messages, the opening of the vote, and the close
//! codes that end a session.

use super::*;

/// The rectangles of two elements overlap.
const OVERLAP: &str = "const a = document.querySelector(arguments[0]).getBoundingClientRect(), b = document.querySelector(arguments[1]).getBoundingClientRect(); return !(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top);";

/// The moderator (over WebSocket) sets the run of show to every team.
async fn pitch_order(moderator: &mut Client, page: &Browser) {
    let teams = page
        .js(
            "return [...amphi.store.teams.keys()].sort((a, b) => a - b);",
            vec![],
        )
        .await;
    moderator
        .call(json!({"type": "pitch", "op": "set_order", "order": teams}))
        .await;
}

#[tokio::test]
async fn the_summon_never_covers_the_timer_follows_the_language_and_leaves_when_the_pitch_starts() {
    let Some(mut s) = setup(
        "the_summon_never_covers_the_timer_follows_the_language_and_leaves_when_the_pitch_starts",
    )
    .await
    else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    let (mut claire, _) = Client::join(&s.server, Role::Moderator, "Claire").await;
    pitch_order(&mut claire, &zoe).await;

    claire.call(json!({"type": "summon"})).await;
    zoe.wait_text("#notice-summon", "Claire").await;
    zoe.wait_text("#notice-summon", "amphithéâtre").await;
    // Switching language redraws it in English.
    zoe.js(
        "const s = document.querySelector('#lang-select'); s.value = 'en'; s.dispatchEvent(new Event('change')); return true;",
        vec![],
    )
    .await;
    zoe.wait_text("#notice-summon", "called you to the amphitheatre")
        .await;
    zoe.js(
        "const s = document.querySelector('#lang-select'); s.value = 'fr'; s.dispatchEvent(new Event('change')); return true;",
        vec![],
    )
    .await;

    // The pitch session starts: the summon has done its job and leaves.
    claire.call(json!({"type": "pitch", "op": "start"})).await;
    zoe.wait(
        "the summon gone once the pitch runs",
        "return !document.querySelector('#pitch-overlay').hidden && !document.querySelector('#notice-summon') && !amphi.notices.has('summon');",
        vec![],
    )
    .await;

    // Paused, a new summon and an announcement at once: both stay clear of the timer.
    claire.call(json!({"type": "pitch", "op": "pause"})).await;
    claire.call(json!({"type": "summon"})).await;
    claire
        .call(json!({"type": "chat", "scope": "announcement", "text": "Les pitchs reprennent dans deux minutes dans l’amphithéâtre, merci de rejoindre vos places."}))
        .await;
    zoe.wait_text("#notices", "Les pitchs reprennent").await;
    zoe.wait_text("#notice-summon", "Claire vous a appelé")
        .await;
    zoe.wait(
        "the paused timer",
        "return !document.querySelector('#pitch-overlay').hidden && amphi.pitch.pitch.timer.state === 'paused';",
        vec![],
    )
    .await;
    for notice in ["#notice-summon", "#notices"] {
        let overlap = zoe
            .js(OVERLAP, vec![json!(notice), json!("#pitch-overlay")])
            .await;
        assert_eq!(overlap, json!(false), "{notice} stays clear of the timer");
    }
    zoe.screenshot("venue-summon-and-timer").await;
    zoe.close().await;
    s.done();
}

#[tokio::test]
async fn announcements_direct_messages_and_the_vote_are_hard_to_miss() {
    let Some(mut s) = setup("announcements_direct_messages_and_the_vote_are_hard_to_miss").await
    else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    let zoe_id = my_id(&zoe).await;
    let (mut claire, _) = Client::join(&s.server, Role::Moderator, "Claire").await;

    // An announcement: a notice over the map until read, and said to screen readers.
    let text = "Déjeuner servi dans le hall à 12 h 30.";
    claire
        .call(json!({"type": "chat", "scope": "announcement", "text": text}))
        .await;
    zoe.wait_text("[data-notice^='announcement-'] .notice-body", text)
        .await;
    zoe.wait_text("#notices .notice-title", "Annonce de Claire")
        .await;
    zoe.wait_text("#announcer", text).await;
    zoe.screenshot("venue-announcement").await;
    zoe.click("[data-notice^='announcement-'] .notice-btn")
        .await;
    zoe.wait(
        "the announcement read",
        "return !document.querySelector('[data-notice^=\"announcement-\"]');",
        vec![],
    )
    .await;

    // A direct message: a toast that names the sender.
    claire
        .call(json!({"type": "chat", "scope": "direct", "to": zoe_id, "text": "Une minute ?"}))
        .await;
    zoe.wait_text("#toasts", "Message de Claire : Une minute ?")
        .await;

    // The vote opens: a call to action that leads to the ballot.
    claire.call(json!({"type": "vote", "op": "open"})).await;
    zoe.wait_text("#notice-vote", "coup de cœur").await;
    zoe.click("#notice-vote .notice-btn").await;
    zoe.wait(
        "the ballot on screen",
        "return !document.querySelector('#panel-team').hidden && !document.querySelector('#vote-box').hidden && !document.querySelector('#notice-vote');",
        vec![],
    )
    .await;
    zoe.close().await;
    s.done();
}

#[tokio::test]
async fn a_banned_person_is_told_plainly_and_the_page_stops_reconnecting() {
    let Some(mut s) =
        setup("a_banned_person_is_told_plainly_and_the_page_stops_reconnecting").await
    else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    let zoe_id = my_id(&zoe).await;
    let (mut claire, _) = Client::join(&s.server, Role::Moderator, "Claire").await;

    // Kicked (4002): told so, and back only when she chooses.
    claire
        .call(json!({"type": "kick", "member": zoe_id, "reason": "test"}))
        .await;
    zoe.wait_text("#notice-replaced", "retiré").await;
    let state = zoe
        .js(
            "return [amphi.conn.stopped, amphi.conn.joined, amphi.conn.closedFor];",
            vec![],
        )
        .await;
    assert_eq!(
        state,
        json!([true, false, "kicked"]),
        "no automatic reconnection"
    );
    zoe.click("#notice-replaced .notice-btn").await;
    zoe.wait(
        "back in the venue",
        "return amphi.conn.joined && document.querySelector('#conn').classList.contains('conn-online');",
        vec![],
    )
    .await;

    // Banned (4004): a plain message, and no reconnection whatever happens.
    claire
        .call(json!({"type": "ban", "member": zoe_id, "reason": "test"}))
        .await;
    zoe.wait_text("#join-fatal", "exclu·e de cet événement")
        .await;
    zoe.js(
        "window.dispatchEvent(new Event('online')); amphi.conn.retryNow(); return true;",
        vec![],
    )
    .await;
    let state = zoe
        .js(
            "return [amphi.conn.stopped, amphi.conn.closedFor, amphi.conn.ws.readyState, document.querySelector('#join-dialog').open];",
            vec![],
        )
        .await;
    assert_eq!(
        state,
        json!([true, "banned", 3, true]),
        "stopped for good, the socket closed, the message on screen"
    );
    zoe.screenshot("venue-banned").await;
    zoe.close().await;
    s.done();
}

#[tokio::test]
async fn the_team_on_stage_is_told_its_turn_and_the_next_team_shows_between_pitches() {
    let Some(mut s) =
        setup("the_team_on_stage_is_told_its_turn_and_the_next_team_shows_between_pitches").await
    else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    let (mut claire, _) = Client::join(&s.server, Role::Moderator, "Claire").await;
    pitch_order(&mut claire, &zoe).await;
    // Zoé joins the first team of the run of show.
    zoe.js(
        "const first = [...amphi.store.teams.keys()].sort((a, b) => a - b)[0]; return amphi.conn.request({ type: 'join_team', team: first }).then(() => true);",
        vec![],
    )
    .await;
    zoe.wait(
        "Zoé in the first team",
        "return amphi.store.me.team === [...amphi.store.teams.keys()].sort((a, b) => a - b)[0];",
        vec![],
    )
    .await;

    claire.call(json!({"type": "pitch", "op": "start"})).await;
    zoe.wait_text("#notice-your-turn", "C’est à vous !").await;
    zoe.screenshot("venue-your-turn").await;

    // The pitch ends, the next team is up: the box stays and names it.
    claire.call(json!({"type": "pitch", "op": "next"})).await;
    zoe.wait(
        "the next team between pitches",
        "const tm = amphi.pitch.pitch.timer; return tm.state !== 'running' && !document.querySelector('#pitch-overlay').hidden && document.querySelector('#pitch-title').textContent === 'Prochaine équipe' && document.querySelector('#pitch-team').textContent === amphi.store.team(tm.team).name;",
        vec![],
    )
    .await;
    zoe.wait(
        "no more 'your turn' once another team is on stage",
        "return !amphi.notices.has('your-turn');",
        vec![],
    )
    .await;
    zoe.close().await;
    s.done();
}
