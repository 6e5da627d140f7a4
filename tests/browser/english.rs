//! Switching to English without reloading leaves no French on screen, and
//! the console's cards hold their content in English.

use super::*;

/// Visible French words that must not survive the switch to English.
const FRENCH_LEFT: &str = "const words = ['Annonces', 'Résultats', 'Classement', 'Discussion', 'Personnes', 'Appeler', 'Envoyer', 'Équipes', 'Aucune', 'Pas encore', 'Vous '];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), out = new Set();
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('.sr-only, [hidden], script, style') || !el.getClientRects().length) continue;
    for (const w of words) if (n.textContent.includes(w)) out.add(`${w} in ${el.tagName.toLowerCase()}#${el.id}.${el.className}`);
  }
  return [...out];";

const TO_ENGLISH: &str = "const s = document.querySelector('#lang-select'); s.value = 'en'; s.dispatchEvent(new Event('change')); return true;";

#[tokio::test]
async fn switching_to_english_leaves_no_french_and_the_console_cards_hold() {
    let Some(mut s) =
        setup("switching_to_english_leaves_no_french_and_the_console_cards_hold").await
    else {
        return;
    };
    let zoe = s.person(Role::Participant, "Zoe").await;
    let (mut camille, _) = Client::join(&s.server, Role::Moderator, "Camille").await;
    camille
        .call(json!({"type": "chat", "scope": "announcement", "text": "Hello"}))
        .await;
    zoe.wait_text("#notices", "Hello").await;
    zoe.js(TO_ENGLISH, vec![]).await;
    for tab in ["#side-tab-chat", "#side-tab-team", "#side-tab-people"] {
        zoe.click(tab).await;
        let left = zoe.js(FRENCH_LEFT, vec![]).await;
        assert_eq!(left, json!([]), "venue ({tab}) in English");
    }

    let live = s.screen("/live").await;
    live.js(TO_ENGLISH, vec![]).await;
    let left = live.js(FRENCH_LEFT, vec![]).await;
    assert_eq!(left, json!([]), "/live in English");

    let claire = s.console("Claire").await;
    claire.js(TO_ENGLISH, vec![]).await;
    let left = claire.js(FRENCH_LEFT, vec![]).await;
    assert_eq!(left, json!([]), "the console in English");
    let cut = claire
        .js(
            "return [...document.querySelectorAll('.card')].filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.getAttribute('aria-labelledby'));",
            vec![],
        )
        .await;
    assert_eq!(
        cut,
        json!([]),
        "no console card cuts its content in English"
    );
    claire.screenshot("console-english").await;
    for b in [zoe, live, claire] {
        b.close().await;
    }
    s.done();
}
