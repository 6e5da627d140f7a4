//! The public sign-up page (/e/<slug>/register): a missing consent is named
//! and marked; a complete form is recorded and the person told what comes
//! next.

use super::*;

#[tokio::test]
async fn a_person_signs_up_on_the_public_page() {
    let Some(mut s) = setup("a_person_signs_up_on_the_public_page").await else {
        return;
    };
    let link = s.server.admin_link().expect("an admin link").to_string();
    let token = link.split("#token=").nth(1).unwrap().to_string();
    let auth = format!("Bearer {token}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let body = json!({"settings": {"title": "Hackathon Donnée en Région", "slug": "region",
        "starts_on": "2027-03-12", "ends_on": "2027-03-13", "retention_days": 90}});
    let created = common::http_request(
        s.server.addr(),
        "POST",
        "/api/admin/events",
        &headers,
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let phase = json!({"phase": "registration"}).to_string();
    common::http_request(
        s.server.addr(),
        "POST",
        "/api/admin/events/region/phase",
        &headers,
        phase.as_bytes(),
    )
    .await;

    let ines = s.driver.browser("ines").await;
    ines.goto(&s.url("/e/region/register?lang=fr")).await;
    ines.js(CATCH_ERRORS, vec![]).await;
    ines.wait_text("#event-title", "Hackathon Donnée en Région")
        .await;
    ines.wait_text("#dates", "2027-03-12").await;
    ines.fill("#r-name", "Inès Caradec").await;
    ines.fill("#r-organisation", "Région Bretagne").await;
    ines.fill("#r-skills", "données, cartographie").await;
    ines.fill("#r-accessibility", "Sous-titres pendant les pitchs")
        .await;
    ines.click("#signup-form button[type=submit]").await;
    ines.wait_text("#signup-error", "consentement").await;
    let marked = ines
        .js(
            "return document.querySelector('#r-consent').getAttribute('aria-invalid');",
            vec![],
        )
        .await;
    assert_eq!(marked, json!("true"));
    ines.screenshot("sign-up").await;
    ines.click("#r-consent").await;
    ines.click("#signup-form button[type=submit]").await;
    ines.wait_text("#signup-done", "Inscription reçue").await;
    let errors = ines.js("return window.__errors;", vec![]).await;
    assert_eq!(errors, json!([]), "no page errors");

    // The consent sentence links the event's privacy notice, in French
    // and in English, with the event's own retention period.
    let notice = ines
        .js(
            "return document.querySelector('#privacy-link').href;",
            vec![],
        )
        .await;
    let notice = notice.as_str().unwrap().to_string();
    assert!(notice.ends_with("/e/region/privacy"), "{notice}");
    let reader = s.driver.browser("reader").await;
    reader.goto(&format!("{notice}?lang=fr")).await;
    reader.js(CATCH_ERRORS, vec![]).await;
    reader
        .wait_text("#notice-h", "Notice de confidentialité")
        .await;
    reader
        .wait_text("#pn-who", "Hackathon Donnée en Région")
        .await;
    reader.wait_text("#pn-keep", "90 jours").await;
    let me = reader
        .js(
            "return document.querySelector('#pn-me').getAttribute('href');",
            vec![],
        )
        .await;
    assert_eq!(me, json!("/me?event=region"));
    reader.fill("#lang-select", "en").await;
    reader.wait_text("#notice-h", "Privacy notice").await;
    reader.wait_text("#pn-keep", "90 days").await;
    let errors = reader.js("return window.__errors;", vec![]).await;
    assert_eq!(errors, json!([]), "no page errors on the notice");
    reader.close().await;

    // The event's moderator accepts her from the console: her personal
    // link is shown once.
    let created: Value = serde_json::from_str(&created.body).unwrap();
    let invite = common::token_of(created["moderator_link"].as_str().unwrap());
    let claire = s.driver.browser("claire").await;
    claire
        .goto(&s.url(&format!(
            "/?event=region&lang=fr&invite={invite}&name=Claire&debug=1"
        )))
        .await;
    claire
        .wait(
            "the welcome",
            "return Boolean(window.amphi && amphi.store.me);",
            vec![],
        )
        .await;
    claire
        .goto(&s.url("/console.html?event=region&lang=fr&debug=1"))
        .await;
    claire.js(CATCH_ERRORS, vec![]).await;
    claire.wait_text("#registrations", "Inès Caradec").await;
    claire
        .wait_text("#registrations", "Sous-titres pendant les pitchs")
        .await;
    claire
        .click("#regs-list li[data-registration='1'] button")
        .await;
    claire.wait_text("#regs-link", "invite=").await;
    claire.wait_text("#regs-list", "acceptée").await;
    let errors = claire.js("return window.__errors;", vec![]).await;
    assert_eq!(errors, json!([]), "no console errors");
    for b in [ines, claire] {
        b.close().await;
    }
    s.done();
}
