//! Project pages through the real server: team members edit them with
//! checked fields, their team, the jurors and the moderator see every change
//! live, outsiders cannot edit, and the server freezes them at the deadline.

use crate::common::{Client, TestServer};
use crate::{CARTOGRAPHES, T0, op, wait_for};
use amphi::domain::Role;
use serde_json::{Value, json};

pub fn project(name: &str, fields: Value) -> Value {
    op("project", name, fields)
}

/// A complete, valid page.
pub fn page(name: &str) -> Value {
    project(
        "update",
        json!({
            "name": name,
            "summary": "Une carte des fontaines publiques",
            "repository": "https://forge.example.org/cartes",
            "licence": "EUPL-1.2",
            "datasets": ["https://www.data.gouv.fr/fr/datasets/fontaines/"],
            "demo": "https://cartes.example.org/"
        }),
    )
}

#[tokio::test]
async fn members_edit_their_page_until_the_deadline() {
    let (server, clock) = TestServer::with_manual_clock(T0, |_| {}).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut outsider, _) = Client::join(&server, Role::Participant, "Oscar").await;
    let (mut jules, _) = Client::join(&server, Role::Jury, "Jules").await;
    for client in [&mut ana, &mut bea] {
        client
            .call(json!({"type": "join_team", "team": CARTOGRAPHES}))
            .await;
    }

    ana.call(page("Cartes ouvertes")).await;
    // The team mate and the juror see it live, with the licence looked up.
    for client in [&mut bea, &mut jules] {
        let shown = wait_for(client, "project", |m| {
            m["project"]["name"] == "Cartes ouvertes"
        })
        .await;
        assert_eq!(shown["project"]["team"], CARTOGRAPHES);
        assert_eq!(shown["project"]["licence"], "EUPL-1.2");
        assert_eq!(shown["project"]["osi_approved"], true);
        assert_eq!(
            shown["project"]["licence_name"],
            "European Union Public License 1.2"
        );
    }

    // Bad input: typed errors, nothing changed.
    let bad = |field: &str, value: Value| {
        let mut msg = page("Cassé");
        msg[field] = value;
        msg
    };
    assert_eq!(
        bea.call_err(bad("licence", json!("Libre"))).await,
        "invalid_licence"
    );
    assert_eq!(
        bea.call_err(bad("licence", json!("GPL-3.0"))).await,
        "deprecated_licence"
    );
    assert_eq!(
        bea.call_err(bad("repository", json!("javascript:alert(1)")))
            .await,
        "invalid_url"
    );
    assert_eq!(
        bea.call_err(bad("datasets", json!(["ftp://example.org/x.csv"])))
            .await,
        "invalid_url"
    );
    assert_eq!(bea.call_err(bad("name", json!(""))).await, "empty_text");
    assert_eq!(outsider.call_err(page("Pas à moi")).await, "no_team");
    assert_eq!(jules.call_err(page("Pas à moi")).await, "forbidden");
    assert_eq!(
        moderator.latest("project").await["project"]["name"],
        "Cartes ouvertes"
    );

    // The moderator sets the deadline; at it, the page freezes.
    let deadline = T0 + 60_000;
    assert_eq!(
        ana.call_err(project("set_deadline", json!({"at": deadline})))
            .await,
        "forbidden"
    );
    moderator
        .call(project("set_deadline", json!({"at": deadline})))
        .await;
    assert_eq!(ana.latest("submission").await["deadline"], deadline);
    bea.call(page("Cartes ouvertes v2")).await;
    clock.set(deadline);
    assert_eq!(ana.call_err(page("Trop tard")).await, "deadline_passed");
    assert_eq!(
        ana.call_err(project("set_public", json!({"public": true})))
            .await,
        "deadline_passed"
    );
    assert_eq!(
        jules.latest("project").await["project"]["name"],
        "Cartes ouvertes v2"
    );

    // A juror who joins later reads every page.
    let (mut late, _) = Client::join(&server, Role::Jury, "Juliette").await;
    assert_eq!(
        late.latest("project").await["project"]["name"],
        "Cartes ouvertes v2"
    );
    // Someone outside the team never received it.
    outsider.barrier().await;
    outsider.assert_never_received("a project page", |m| m["type"] == "project");
}
