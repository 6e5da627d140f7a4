//! The operator's page (/admin): the link printed at first start opens it;
//! an event is created from the form (a bad field is named and marked), its
//! moderator link shown once, moved along its lifecycle and archived; a
//! wrong token gets a plain refusal and the token form.

use super::*;

#[tokio::test]
async fn the_operator_creates_and_archives_an_event_from_the_admin_page() {
    let Some(mut s) = setup("the_operator_creates_and_archives_an_event_from_the_admin_page").await
    else {
        return;
    };
    let link = s
        .server
        .admin_link()
        .expect("an admin link at first start")
        .to_string();
    let token = link.split("#token=").nth(1).unwrap().to_string();
    let op = s.driver.browser("operator").await;
    op.goto(&s.url(&format!("/admin?lang=fr#token={token}")))
        .await;
    op.js(CATCH_ERRORS, vec![]).await;
    op.wait_text("#events-body", "Hackathon démo").await;
    let address = op.js("return location.href;", vec![]).await;
    assert!(
        !address.as_str().unwrap().contains(&token),
        "the token leaves the address bar"
    );

    op.fill("#f-title", "Hackathon Donnée en Région").await;
    op.fill("#f-slug", "donnee-region").await;
    op.fill("#f-map", "campus").await;
    op.fill("#f-starts_on", "2027-03-12").await;
    op.fill("#f-ends_on", "2027-03-13").await;
    op.fill("#f-capacity", "0").await;
    op.click("#create-form button[type=submit]").await;
    op.wait_text("#create-error", "capacité").await;
    let marked = op
        .js("return [document.querySelector('#f-capacity').getAttribute('aria-invalid'), document.activeElement.id];", vec![])
        .await;
    assert_eq!(
        marked,
        json!(["true", "f-capacity"]),
        "the bad field is marked and focused"
    );

    op.fill("#f-capacity", "120").await;
    op.click("#create-form button[type=submit]").await;
    op.wait(
        "the moderator link",
        "const l = document.querySelector('#moderator-link'); return l && l.value.includes('event=donnee-region');",
        vec![],
    )
    .await;
    op.wait_text("#events-body", "donnee-region").await;
    op.js(
        "const s = document.querySelector('#phase-donnee-region'); s.value = 'live'; s.dispatchEvent(new Event('change')); return true;",
        vec![],
    )
    .await;
    op.wait(
        "the event live",
        "return (window.amphiAdmin.events.find((e) => e.id === 'donnee-region') || {}).phase === 'live';",
        vec![],
    )
    .await;
    op.screenshot("admin").await;

    op.js("window.confirm = () => true; return true;", vec![])
        .await;
    op.click("tr[data-event=donnee-region] button[aria-label^=Archiver]")
        .await;
    op.wait(
        "the event archived",
        "return (window.amphiAdmin.events.find((e) => e.id === 'donnee-region') || {}).phase === 'archived';",
        vec![],
    )
    .await;
    let errors = op.js("return window.__errors;", vec![]).await;
    assert_eq!(errors, json!([]), "no page errors");

    let stranger = s.driver.browser("stranger").await;
    stranger
        .goto(&s.url("/admin?lang=fr#token=not-the-operator"))
        .await;
    stranger
        .wait_text("#status", "n’est pas celui de l’opérateur")
        .await;
    stranger
        .wait(
            "the token form",
            "return !document.querySelector('#login').hidden;",
            vec![],
        )
        .await;
    for b in [op, stranger] {
        b.close().await;
    }
    s.done();
}
