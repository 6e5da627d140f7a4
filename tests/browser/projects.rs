//! From an idea to a public project, in the browser: a participant posts an
//! idea on the board, another supports it, the moderator makes it a team;
//! the team fills its project page and uploads its slides through the form;
//! the public gallery shows it. Each view passes the accessibility audit
//! and is saved as a screenshot (`docs/screenshots/ideas.png`,
//! `project.png`, `gallery.png`).

use super::*;

/// A one-page PDF, written into the page as a `File` for the file input.
const PDF: &str = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

#[tokio::test]
async fn an_idea_becomes_a_team_whose_project_reaches_the_gallery() {
    let Some(mut s) = setup("an_idea_becomes_a_team_whose_project_reaches_the_gallery").await
    else {
        return;
    };
    let axe = audit::axe_source();
    let mut violations = Vec::new();
    let ada = s.person(Role::Participant, "Ada").await;
    let (mut moderator, _) = Client::join(&s.server, Role::Moderator, "Camille").await;
    let (mut bea, _) = Client::join(&s.server, Role::Participant, "Bea").await;

    // The idea board: Ada posts, Bea supports and wants to join.
    ada.click("#side-tab-ideas").await;
    ada.fill("#idea-title", "Cartes des fontaines").await;
    ada.fill(
        "#idea-pitch",
        "Trouver de l’eau potable en ville, avec les données ouvertes.",
    )
    .await;
    ada.fill("#idea-skills", "cartographie, JavaScript").await;
    ada.click("#idea-submit").await;
    ada.wait_text("#idea-list", "Cartes des fontaines").await;
    bea.call(
        json!({"type": "idea", "op": "post", "title": "Bancs publics", "pitch": "Où s’asseoir ?"}),
    )
    .await;
    bea.call(json!({"type": "idea", "op": "support", "idea": 1}))
        .await;
    bea.call(json!({"type": "idea", "op": "interest", "idea": 1, "interested": true}))
        .await;
    ada.wait_text("#idea-list", "1 soutien").await;
    let first = ada.text("#idea-list li:first-child .idea-title").await;
    assert!(
        first.contains("Cartes des fontaines"),
        "ranked first: {first}"
    );
    ada.click("#idea-list li:nth-child(2) button[aria-pressed]")
        .await;
    ada.wait_text("#ideas-status", "Il vous reste 2 soutiens")
        .await;
    if let Some(axe) = &axe {
        violations.push(("/ (ideas)", audit::audit(&ada, axe).await));
    }
    ada.js(
        "document.querySelector('#idea-list').scrollIntoView(); return true;",
        vec![],
    )
    .await;
    ada.screenshot("ideas").await;

    // The moderator makes it a team: Ada and Bea are in it.
    moderator
        .call(json!({"type": "idea", "op": "make_team", "idea": 1}))
        .await;
    ada.wait(
        "Ada in the idea's team",
        "return amphi.store.me.team != null;",
        vec![],
    )
    .await;
    ada.wait_text("#idea-list", "devenue l’équipe Cartes des fontaines")
        .await;

    // The project page: fields, then the slides through the file input.
    ada.click("#side-tab-team").await;
    ada.wait(
        "the project form",
        "return Boolean(document.querySelector('#project-form'));",
        vec![],
    )
    .await;
    ada.fill("#project-summary", "Une carte des fontaines publiques.")
        .await;
    ada.fill("#project-repository", "https://forge.example.org/fontaines")
        .await;
    ada.fill("#project-licence", "Licence libre").await;
    ada.click("#project-save").await;
    ada.wait_text("#toasts", "SPDX").await;
    ada.fill("#project-licence", "EUPL-1.2").await;
    ada.click("#project-save").await;
    ada.wait(
        "the saved page",
        "return amphi.project.page?.licence === 'EUPL-1.2';",
        vec![],
    )
    .await;
    ada.js(
        "const input = document.querySelector('#project-slides-file');
         const dt = new DataTransfer();
         dt.items.add(new File([arguments[0]], 'slides.png', { type: 'image/png' }));
         input.files = dt.files;
         input.dispatchEvent(new Event('change'));
         return true;",
        vec![json!(PDF)],
    )
    .await;
    ada.wait(
        "the uploaded slides on the page",
        "return amphi.project.page?.slides?.kind === 'pdf';",
        vec![],
    )
    .await;
    ada.wait_text("#project-files", "Présentation").await;
    ada.click("#project-public").await;
    ada.wait(
        "the opt-in",
        "return amphi.project.page?.public === true;",
        vec![],
    )
    .await;
    if let Some(axe) = &axe {
        violations.push(("/ (team, project)", audit::audit(&ada, axe).await));
    }
    ada.js("document.querySelector('#project-files').scrollIntoView({ block: 'center' }); return true;", vec![])
        .await;
    ada.screenshot("project").await;

    // A juror reads the page beside the grid.
    let jules = s.person(Role::Jury, "Jules").await;
    jules.click("#side-tab-jury").await;
    jules
        .wait_text("#jury-project-list", "Cartes des fontaines")
        .await;
    jules.wait_text("#jury-project-list", "EUPL-1.2").await;
    jules.close().await;

    // The moderator sets a deadline already past: Ada's page freezes.
    let camille = s.person(Role::Moderator, "Claire").await;
    camille.click("#side-tab-team").await;
    camille
        .wait(
            "the deadline form",
            "return Boolean(document.querySelector('#deadline-form'));",
            vec![],
        )
        .await;
    camille
        .js(
            "const i = document.querySelector('#deadline-input'); i.value = '2020-01-01T12:00'; return true;",
            vec![],
        )
        .await;
    camille.click("#deadline-set").await;
    ada.wait_text("#project-deadline", "figée").await;
    let locked = ada
        .js(
            "return document.querySelector('#project-save').disabled;",
            vec![],
        )
        .await;
    assert_eq!(locked, json!(true));
    camille.close().await;

    // The public gallery: no login, the project with its links.
    let visitor = s.driver.browser("visitor").await;
    visitor.goto(&s.url("/e/demo/gallery?lang=fr")).await;
    visitor.js(CATCH_ERRORS, vec![]).await;
    visitor
        .wait(
            "the gallery",
            "return document.body.dataset.loaded === 'true';",
            vec![],
        )
        .await;
    visitor.wait_text("#projects", "Cartes des fontaines").await;
    visitor.wait_text("#projects", "Open source (OSI)").await;
    let links = visitor
        .js(
            "return [...document.querySelectorAll('#projects a')].map((a) => a.getAttribute('href'));",
            vec![],
        )
        .await;
    assert!(
        links
            .to_string()
            .contains("https://forge.example.org/fontaines"),
        "{links}"
    );
    assert!(
        links.to_string().contains("/api/events/demo/files/"),
        "{links}"
    );
    if let Some(axe) = &axe {
        violations.push(("/e/demo/gallery", audit::audit(&visitor, axe).await));
    }
    visitor.screenshot("gallery").await;
    // On a phone: nothing overflows sideways.
    let phone = s.driver.browser_sized("visitor-phone", 390, 800).await;
    phone.goto(&s.url("/e/demo/gallery?lang=fr")).await;
    phone
        .wait(
            "the gallery on a phone",
            "return document.body.dataset.loaded === 'true';",
            vec![],
        )
        .await;
    let widths = phone
        .js(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await;
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "overflows at 390 px: {widths}"
    );
    phone.close().await;

    // On paper: no buttons, links written out.
    visitor
        .cdp("Emulation.setEmulatedMedia", json!({"media": "print"}))
        .await;
    let printed = visitor
        .js(
            "return [getComputedStyle(document.querySelector('.gallery-actions')).display,
                     getComputedStyle(document.querySelector('.links a'), '::after').content];",
            vec![],
        )
        .await;
    assert_eq!(printed[0], "none", "{printed}");
    assert!(
        printed[1]
            .as_str()
            .unwrap()
            .contains("https://forge.example.org/fontaines"),
        "{printed}"
    );
    visitor.screenshot("gallery-print").await;
    visitor
        .cdp("Emulation.setEmulatedMedia", json!({"media": ""}))
        .await;
    // English.
    visitor.js("document.querySelector('#lang-select').value = 'en'; document.querySelector('#lang-select').dispatchEvent(new Event('change')); return true;", vec![]).await;
    visitor.wait_text("#gallery-title", "Project gallery").await;

    let failing: Vec<_> = violations
        .iter()
        .filter(|(_, v)| v.as_array().is_some_and(|a| !a.is_empty()))
        .collect();
    assert!(failing.is_empty(), "accessibility violations: {failing:?}");
    for b in [ada, visitor] {
        b.close().await;
    }
    s.done();
}
