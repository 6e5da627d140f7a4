//! French typography in the pages: decimal comma, real plurals, elision,
//! and avatars' initials without punctuation.

use super::*;

#[tokio::test]
async fn french_numbers_plurals_elision_and_initials() {
    let Some(mut s) = setup("french_numbers_plurals_elision_and_initials").await else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    // The page's own modules (the same instances main.js uses).
    let seen = zoe
        .js(
            "return Promise.all([import('/js/render.js'), import('/js/i18n.js')]).then(([r, i]) => [
               r.initials('Claire Moreau (orga)'), r.initials('« Zoé »'), r.initials('Jean-Paul  Sartre !'), r.initials('(?)'),
               i.formatNumber(7.4, 2), i.formatNumber(5, 1) + ' / 5',
               i.tn('live.votes', 0), i.tn('live.votes', 1), i.tn('live.votes', 2), i.tn('team.membersCount', 1234),
               i.t('notice.announcementFrom', { name: 'Inès' }), i.t('notice.announcementFrom', { name: 'Hugo' }),
             ]);",
            vec![],
        )
        .await;
    assert_eq!(
        seen,
        json!([
            "CM",
            "Z",
            "JS",
            "?",
            "7,40",
            "5,0 / 5",
            "0 vote",
            "1 vote",
            "2 votes",
            "1\u{202f}234 membres",
            "Annonce d’Inès",
            "Annonce de Hugo"
        ])
    );
    // The same in English.
    let seen = zoe
        .js(
            "return import('/js/i18n.js').then((i) => { i.setLang('en'); const out = [i.formatNumber(7.4, 2), i.tn('live.votes', 1), i.tn('live.votes', 0), i.t('notice.announcementFrom', { name: 'Inès' })]; i.setLang('fr'); return out; });",
            vec![],
        )
        .await;
    assert_eq!(
        seen,
        json!(["7.40", "1 vote", "0 votes", "Announcement from Inès"])
    );
    // The top bar stays on one line with the longest connection pill
    // ("Reconnexion dans 12 s… Réessayer") down to a 1024 px screen, for the
    // fullest bar: a moderator's (console link, help button).
    let camille = s.person(Role::Moderator, "Camille").await;
    crate::layout::viewport(&camille, 1024, 768).await;
    camille
        .js(
            "document.querySelector('#help-btn').hidden = false; return true;",
            vec![],
        )
        .await;
    let heights = camille
        .js(
            "const bar = document.querySelector('.topbar'), before = bar.getBoundingClientRect().height;
             document.querySelector('#conn').className = 'conn conn-waiting';
             document.querySelector('#conn-text').textContent = 'Reconnexion dans 12 s…';
             document.querySelector('#conn-retry').hidden = false;
             return [before, bar.getBoundingClientRect().height];",
            vec![],
        )
        .await;
    assert_eq!(
        heights[0], heights[1],
        "the top bar does not grow: {heights}"
    );
    assert!(
        heights[1].as_f64().unwrap() < 70.0,
        "the top bar is one line: {heights}"
    );
    camille.close().await;
    zoe.close().await;
    s.done();
}
