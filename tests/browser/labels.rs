//! Names on the map never pile up: labels that would overlap are left out,
//! yours first, then the hovered person, then the nearest.

use super::*;

#[tokio::test]
async fn name_labels_never_overlap_and_yours_and_the_hovered_come_first() {
    let Some(mut s) = setup("name_labels_never_overlap_and_yours_and_the_hovered_come_first").await
    else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    // Eight people on the tiles around Zoé (a crowd at the entrance).
    // (Kept as a page function: a reconnection's `welcome` replaces the
    // people list, and a full `positions` batch hides the avatars the server
    // did not list, these among them; the waits below put the crowd back if
    // it is gone or hidden.)
    zoe.js(
        "window.__crowd = () => {
           const st = amphi.store, me = st.myPerson; let i = 0;
           for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, 1], [1, -1], [-1, -1]]) {
             st.upsertPerson({ id: 20000 + i, name: `Personne au nom long ${i}`, role: 'participant', team: null, room: me.room, x: me.x + dx, y: me.y + dy, status: 'available', connected: true });
             i++;
           }
           amphi.renderer.labels = null; amphi.renderer.invalidate();
         };
         window.__crowd(); return true;",
        vec![],
    )
    .await;
    let overlaps = "const L = amphi.renderer.labels; let n = 0;
        for (let i = 0; i < L.length; i++) for (let j = i + 1; j < L.length; j++) {
          const a = L[i], b = L[j];
          if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1) n++;
        }
        return [n, L.length, L[0].id === amphi.store.me.id];";
    zoe.wait(
        "the crowd drawn",
        "return Array.isArray(amphi.renderer.labels) && amphi.renderer.labels.length > 0;",
        vec![],
    )
    .await;
    let seen = zoe.js(overlaps, vec![]).await;
    assert_eq!(seen[0], json!(0), "no two labels overlap: {seen}");
    assert_eq!(seen[2], json!(true), "your own name comes first");
    assert!(
        seen[1].as_u64().unwrap() < 9,
        "some names give way in a crowd: {seen}"
    );

    // A name left out shows when its avatar is hovered (the nearest such
    // avatar, so that it is on the screen).
    let hidden = zoe
        .js(
            "const named = new Set(amphi.renderer.labels.map((l) => l.id)); const me = amphi.store.myPerson; const far = (p) => Math.hypot(p.x - me.x, p.y - me.y); const p = [...amphi.store.people.values()].filter((p) => p.id >= 20000 && !named.has(p.id)).sort((a, b) => far(a) - far(b))[0]; amphi.renderer.hoverPerson = p; amphi.renderer.labels = null; amphi.renderer.invalidate(); return p.id;",
            vec![],
        )
        .await;
    zoe.wait(
        "the hovered name shown",
        "const q = amphi.store.people.get(arguments[0]);
         if (!q || q.hidden) window.__crowd();
         const p = amphi.store.people.get(arguments[0]);
         if (amphi.renderer.hoverPerson?.id !== p.id) { amphi.renderer.hoverPerson = p; amphi.renderer.labels = null; amphi.renderer.invalidate(); }
         const L = amphi.renderer.labels; return Array.isArray(L) && L.some((l) => l.id === arguments[0]);",
        vec![hidden],
    )
    .await;
    let seen = zoe.js(overlaps, vec![]).await;
    assert_eq!(seen[0], json!(0), "still no overlap: {seen}");
    zoe.screenshot("venue-crowd-labels").await;
    zoe.close().await;
    s.done();
}
