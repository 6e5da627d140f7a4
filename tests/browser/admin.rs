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

/// An organizer's own Tiled map and its tileset image, chosen in the
/// form's file inputs: the event is created, and its venue draws the
/// image's tiles (the floor's magenta is on the canvas).
#[tokio::test]
async fn an_uploaded_map_draws_its_own_tiles() {
    use base64::Engine;
    let Some(mut s) = setup("an_uploaded_map_draws_its_own_tiles").await else {
        return;
    };
    let link = s.server.admin_link().expect("an admin link").to_string();
    let token = link.split("#token=").nth(1).unwrap().to_string();
    let op = s.driver.browser("map-upload").await;
    op.goto(&s.url(&format!("/admin?lang=fr#token={token}")))
        .await;
    op.js(CATCH_ERRORS, vec![]).await;
    op.wait_text("#events-body", "Hackathon démo").await;
    op.fill("#f-title", "Hackathon de la Préfecture").await;
    op.fill("#f-slug", "prefecture").await;
    op.fill("#f-map", "uploaded").await;
    let map = common::maps::tmj(common::maps::embedded_tileset("../tilesets/office.png"));
    let image = base64::engine::general_purpose::STANDARD.encode(common::maps::office_png());
    op.js(
        "const [map, png] = arguments; \
         const put = (sel, files) => { const dt = new DataTransfer(); files.forEach((f) => dt.items.add(f)); document.querySelector(sel).files = dt.files; }; \
         put('#f-map_file', [new File([map], 'office.tmj')]); \
         const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0)); \
         put('#f-map_files', [new File([bytes], 'office.png', { type: 'image/png' })]); return true;",
        vec![json!(map), json!(image)],
    )
    .await;
    op.click("#create-form button[type=submit]").await;
    let moderator = op
        .wait(
            "the moderator link",
            "const l = document.querySelector('#moderator-link'); return l && l.value.includes('event=prefecture') && l.value;",
            vec![],
        )
        .await;
    let errors = op.js("return window.__errors;", vec![]).await;
    assert_eq!(errors, json!([]), "no page errors");

    let venue = format!("{}&lang=fr&name=Ana&debug=1", moderator.as_str().unwrap());
    op.goto(&venue).await;
    op.js(CATCH_ERRORS, vec![]).await;
    op.wait(
        "the welcome and the map",
        "return Boolean(window.amphi && amphi.store.me && amphi.renderer.map);",
        vec![],
    )
    .await;
    let src = op
        .js(
            "const img = amphi.renderer.map.tilesets[0].image; return img && img.naturalWidth === 32 && img.src;",
            vec![],
        )
        .await;
    assert!(
        src.as_str()
            .is_some_and(|s| s.ends_with("/api/events/prefecture/map-files/office.png")),
        "the tileset image is served and decoded: {src}"
    );
    let [r, g, b] = common::maps::FLOOR_RGB;
    op.wait(
        "the floor tile's colour on the canvas",
        "const c = document.querySelector('#map'); const ctx = c.getContext('2d'); \
         const d = ctx.getImageData(0, 0, c.width, c.height).data; let n = 0; \
         for (let i = 0; i < d.length; i += 4) if (d[i] === arguments[0] && d[i + 1] === arguments[1] && d[i + 2] === arguments[2]) n++; \
         return n > 100;",
        vec![json!(r), json!(g), json!(b)],
    )
    .await;
    let errors = op.js("return window.__errors;", vec![]).await;
    assert_eq!(errors, json!([]), "no script error");
    op.close().await;
    s.done();
}
