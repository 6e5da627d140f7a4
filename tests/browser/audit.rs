//! Accessibility audit (RGAA / WCAG 2.2 AA): axe-core's rules run in
//! Chromium on every page. axe-core is installed by `.ci/run` from npm into
//! `target/axe/` (or found through `AXE_CORE`), injected by the test only,
//! never shipped to users. Missing locally: skipped; under CI: a failure.

use super::*;
use std::path::PathBuf;

/// axe-core's `axe.min.js`, or `None` after saying why the audit is skipped.
pub(super) fn axe_source() -> Option<String> {
    let path = std::env::var_os("AXE_CORE")
        .map(PathBuf::from)
        .unwrap_or_else(|| harness::target_dir().join("axe/node_modules/axe-core/axe.min.js"));
    match std::fs::read_to_string(&path) {
        Ok(src) => Some(src),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!(
                "CI is set but axe-core is missing at {}: {e}",
                path.display()
            )
        }
        Err(e) => {
            println!(
                "skipped: accessibility audit: no axe-core at {} ({e}); `npm install --prefix target/axe axe-core`",
                path.display()
            );
            None
        }
    }
}

/// Runs axe-core on the page as it is; returns its violations, briefly.
pub(super) async fn audit(b: &Browser, axe: &str) -> Value {
    // Through WebDriver the script runs outside the page's CSP.
    b.js(&format!("{axe}\n;return true;"), vec![]).await;
    b.js(
        "return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] })
           .then((r) => r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`));",
        vec![],
    )
    .await
}

#[tokio::test]
async fn every_page_passes_the_automated_accessibility_audit() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(mut s) = setup("every_page_passes_the_automated_accessibility_audit").await else {
        return;
    };
    let mut found = Vec::new();

    let zoe = s.person(Role::Participant, "Zoe").await;
    // With notices over the map: a summon and an announcement.
    let (mut camille, _) = Client::join(&s.server, Role::Moderator, "Camille").await;
    camille.call(json!({"type": "summon"})).await;
    camille
        .call(json!({"type": "chat", "scope": "announcement", "text": "Pause café"}))
        .await;
    zoe.wait_text("#notices", "Pause café").await;
    found.push(("/ (chat, notices)", audit(&zoe, &axe).await));
    zoe.click("#side-tab-people").await;
    found.push(("/ (people)", audit(&zoe, &axe).await));
    zoe.click("#side-tab-team").await;
    found.push(("/ (team)", audit(&zoe, &axe).await));

    let live = s.screen("/live").await;
    found.push(("/live", audit(&live, &axe).await));
    let stage = s.screen("/stage").await;
    found.push(("/stage", audit(&stage, &axe).await));

    let claire = s.console("Claire").await;
    found.push(("/console.html", audit(&claire, &axe).await));

    let admin_link = s.server.admin_link().expect("an admin link").to_string();
    let token = admin_link.split("#token=").nth(1).unwrap().to_string();
    let op = s.driver.browser("operator").await;
    op.goto(&s.url(&format!("/admin?lang=fr#token={token}")))
        .await;
    op.wait_text("#events-body", "Hackathon démo").await;
    found.push(("/admin", audit(&op, &axe).await));
    let signer = s.driver.browser("signer").await;
    signer.goto(&s.url("/e/demo/register?lang=fr")).await;
    signer.wait_text("#event-title", "Hackathon démo").await;
    found.push(("/e/demo/register", audit(&signer, &axe).await));
    signer.goto(&s.url("/e/demo/privacy?lang=fr")).await;
    signer.wait_text("#pn-who", "Hackathon démo").await;
    found.push(("/e/demo/privacy", audit(&signer, &axe).await));
    zoe.goto(&s.url("/me?event=demo&lang=fr")).await;
    zoe.wait_text("#summary", "Zoe").await;
    found.push(("/me", audit(&zoe, &axe).await));

    for (page, violations) in &found {
        println!("{page}: {violations}");
    }
    let failing: Vec<_> = found
        .iter()
        .filter(|(_, v)| v.as_array().is_some_and(|a| !a.is_empty()))
        .collect();
    assert!(failing.is_empty(), "accessibility violations: {failing:?}");
    for b in [zoe, live, stage, claire, op, signer] {
        b.close().await;
    }
    s.done();
}
