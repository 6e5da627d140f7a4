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
    zoe.close().await;
    s.done();
}
