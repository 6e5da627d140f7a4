//! Invite tokens: unguessable, and refused with a typed error once revoked,
//! expired or used up.

use crate::common::{Client, TestServer};
use amphi::domain::Role;
use serde_json::json;

#[tokio::test]
async fn guessed_tokens_are_refused() {
    let server = TestServer::start().await;
    let real = server.join_link(Role::Moderator);
    assert_eq!(real.len(), 32, "128-bit tokens in hex");
    let mut guesser = Client::connect(&server).await;
    // Random tokens, and near misses of the real one.
    let mut guesses: Vec<String> = (0..200).map(|_| amphi::secret::new_token()).collect();
    guesses.push(real[..31].to_string());
    // One hex digit off.
    let last = if real.ends_with('0') { '1' } else { '0' };
    guesses.push(format!("{}{last}", &real[..31]));
    guesses.push(real.to_uppercase());
    for guess in guesses.into_iter().filter(|g| *g != real) {
        let code = guesser
            .call_err(json!({"type": "hello", "protocol": 2, "invite": guess, "name": format!("g{}", guess.len())}))
            .await;
        assert_eq!(code, "invalid_invite", "guess {guess}");
    }
    // The guesser is still only a guest; the real link still works for others.
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Claire").await;
    moderator.assert_alive().await;
}

#[tokio::test]
async fn revoked_expired_and_used_up_invites_are_refused() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Claire").await;
    let mut create = async |label: &str, expires_at: Option<u64>, max_uses: Option<u32>| {
        let rid = moderator
            .request(json!({"type": "create_invite", "role": "participant", "label": label, "expires_at": expires_at, "max_uses": max_uses}))
            .await;
        let created = moderator
            .recv_until(
                |m| m["type"] == "invite_created" && m["rid"] == rid,
                std::time::Duration::from_secs(5),
            )
            .await;
        (
            created["invite"]["id"].as_u64().unwrap(),
            created["token"].as_str().unwrap().to_string(),
        )
    };
    let (revoked_id, revoked) = create("presse", None, None).await;
    let (_, expired) = create("hier", Some(1), None).await;
    let (_, single) = create("unique", None, Some(1)).await;
    moderator
        .call(json!({"type": "revoke_invite", "invite": revoked_id}))
        .await;

    let mut visitor = Client::connect(&server).await;
    let hello = |token: &str, name: &str| json!({"type": "hello", "protocol": 2, "invite": token, "name": name});
    assert_eq!(
        visitor.call_err(hello(&revoked, "A")).await,
        "invite_revoked"
    );
    assert_eq!(
        visitor.call_err(hello(&expired, "B")).await,
        "invite_expired"
    );
    let mut first = Client::connect(&server).await;
    first.hello_invite(&single, "Première").await;
    assert_eq!(
        visitor.call_err(hello(&single, "Seconde")).await,
        "invite_used_up"
    );
}
