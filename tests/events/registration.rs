//! Public sign-up through the real server: capacity and waiting list, the
//! moderator's decisions, personal join links shown once and re-issuable,
//! invite-only events, closed phases; all durable across a restart.

use super::*;

fn form(name: &str) -> Value {
    json!({"name": name, "organisation": "Région Bretagne", "skills": ["data", "design"],
           "email": "ines@example.fr", "accessibility": "sous-titres", "consent": true})
}

async fn sign_up(server: &TestServer, event: &str, form: Value) -> HttpResponse {
    let path = format!("/api/events/{event}/registrations");
    http_request(
        server.addr(),
        "POST",
        &path,
        &[("Content-Type", "application/json")],
        form.to_string().as_bytes(),
    )
    .await
}

async fn decide(
    server: &TestServer,
    event: &str,
    session: &str,
    n: u64,
    action: &str,
) -> HttpResponse {
    let path = format!("/api/events/{event}/registrations/{n}/{action}");
    call(server, "POST", &path, session, Value::Null).await
}

#[tokio::test]
async fn sign_ups_fill_the_capacity_then_wait_and_accepted_people_get_a_personal_link() {
    let dir = common::owned_data_dir();
    let operator = |c: &mut amphi::config::Config| {
        c.admin_token = Some(amphi::config::SecretString::new(super::OPERATOR))
    };
    let server = TestServer::start_in(&dir, amphi::store::StoreOptions::default(), operator).await;
    let created = create(
        &server,
        json!({"title": "Région", "slug": "region", "capacity": 1}),
    )
    .await;
    // Closed while draft.
    let closed = sign_up(&server, "region", form("Inès")).await;
    assert_eq!(
        json_of(&closed)["code"],
        "registration_closed",
        "{}",
        closed.body
    );
    admin(
        &server,
        "POST",
        "/api/admin/events/region/phase",
        json!({"phase": "registration"}),
    )
    .await;
    let info = json_of(&server.get("/api/events/region/registration").await);
    assert_eq!(info["open"], true, "{info}");
    assert_eq!(server.get("/e/region/register").await.status, 200);
    assert_eq!(server.get("/e/nowhere/register").await.status, 404);

    // Bad forms name the field and record nothing.
    let mut no_consent = form("Inès");
    no_consent["consent"] = json!(false);
    let refused = json_of(&sign_up(&server, "region", no_consent).await);
    assert_eq!(
        (refused["code"].as_str(), refused["field"].as_str()),
        (Some("consent_required"), Some("consent"))
    );
    let mut bad_email = form("Inès");
    bad_email["email"] = json!("pas une adresse");
    let refused = json_of(&sign_up(&server, "region", bad_email).await);
    assert_eq!(refused["field"], "email", "{refused}");

    let first = sign_up(&server, "region", form("Inès")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let first = json_of(&first);
    assert_eq!(first["status"], "pending");
    let (moderator, welcome) = join_moderator(&server, "region", &created["moderator_link"]).await;
    let session = welcome["session"].as_str().unwrap().to_string();
    // Nobody but the event's moderator decides or reads.
    let list = call(
        &server,
        "GET",
        "/api/events/region/registrations",
        "someone",
        Value::Null,
    )
    .await;
    assert_eq!(list.status, 401);
    let list = json_of(
        &call(
            &server,
            "GET",
            "/api/events/region/registrations",
            &session,
            Value::Null,
        )
        .await,
    );
    assert_eq!(list["registrations"][0]["email"], "ines@example.fr");
    assert_eq!(
        list["registrations"][0]["skills"],
        json!(["data", "design"])
    );

    let accepted = json_of(&decide(&server, "region", &session, 1, "accept").await);
    let link = accepted["link"].as_str().unwrap().to_string();
    let second = json_of(&sign_up(&server, "region", form("Yann")).await);
    assert_eq!(second["status"], "waitlisted", "capacity 1 is taken");
    let full = json_of(&decide(&server, "region", &session, 2, "accept").await);
    assert_eq!(full["code"], "event_full", "{full}");

    // The link is personal and single-use; re-issuing revokes it.
    let reissued = json_of(&decide(&server, "region", &session, 1, "reissue").await);
    let new_link = reissued["link"].as_str().unwrap().to_string();
    assert_ne!(new_link, link);
    let mut ines = Client::connect(&server).await;
    let refused = hello(&mut ines, "region", &common::token_of(&link), "Inès").await;
    assert_eq!(refused["code"], "invite_revoked", "{refused}");
    let welcome = hello(&mut ines, "region", &common::token_of(&new_link), "Inès").await;
    assert_eq!(welcome["you"]["name"], "Inès", "{welcome}");
    assert_eq!(welcome["you"]["role"], "participant");
    // Refusing the first frees the place for the waiting list.
    assert_eq!(
        decide(&server, "region", &session, 1, "refuse")
            .await
            .status,
        200
    );
    assert!(json_of(&decide(&server, "region", &session, 2, "accept").await)["link"].is_string());
    moderator.close().await;
    server.stop().await;

    // Durable: the registrations come back after a restart.
    let server = TestServer::start_in(&dir, amphi::store::StoreOptions::default(), operator).await;
    let list = json_of(
        &call(
            &server,
            "GET",
            "/api/events/region/registrations",
            &session,
            Value::Null,
        )
        .await,
    );
    let statuses: Vec<&str> = list["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["refused", "accepted"], "{list}");
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_invite_only_or_archived_event_takes_no_sign_up() {
    let server = server().await;
    create(
        &server,
        json!({"title": "Privé", "slug": "prive", "invite_only": true}),
    )
    .await;
    admin(
        &server,
        "POST",
        "/api/admin/events/prive/phase",
        json!({"phase": "registration"}),
    )
    .await;
    let refused = json_of(&sign_up(&server, "prive", form("Inès")).await);
    assert_eq!(refused["code"], "invite_only", "{refused}");
    create(&server, json!({"title": "Ancien", "slug": "ancien"})).await;
    admin(
        &server,
        "POST",
        "/api/admin/events/ancien/archive",
        Value::Null,
    )
    .await;
    let refused = json_of(&sign_up(&server, "ancien", form("Inès")).await);
    assert_eq!(refused["code"], "event_archived", "{refused}");
    let missing = sign_up(&server, "nowhere", form("Inès")).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn a_sign_up_accepted_as_mentor_brings_its_skills_to_the_help_desk() {
    let server = server().await;
    let created = create(&server, json!({"title": "Région", "slug": "mentors"})).await;
    admin(
        &server,
        "POST",
        "/api/admin/events/mentors/phase",
        json!({"phase": "registration"}),
    )
    .await;
    let (_moderator, welcome) =
        join_moderator(&server, "mentors", &created["moderator_link"]).await;
    let session = welcome["session"].as_str().unwrap().to_string();
    let mut mentor_form = form("Inès");
    mentor_form["skills"] = json!(["Données ouvertes", "UX / ergonomie", "cuisine"]);
    assert_eq!(sign_up(&server, "mentors", mentor_form).await.status, 201);
    let path = "/api/events/mentors/registrations/1/accept";
    let as_jury = call(&server, "POST", path, &session, json!({"role": "jury"})).await;
    let refused = json_of(&as_jury);
    assert_eq!(
        (refused["code"].as_str(), refused["field"].as_str()),
        (Some("invalid_registration"), Some("role")),
        "{refused}"
    );
    let accepted = call(&server, "POST", path, &session, json!({"role": "mentor"})).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let link = json_of(&accepted)["link"].as_str().unwrap().to_string();
    let list = json_of(
        &call(
            &server,
            "GET",
            "/api/events/mentors/registrations",
            &session,
            Value::Null,
        )
        .await,
    );
    assert_eq!(list["registrations"][0]["role"], "mentor");

    let mut ines = Client::connect(&server).await;
    let welcome = hello(&mut ines, "mentors", &common::token_of(&link), "Inès").await;
    assert_eq!(welcome["you"]["role"], "mentor", "{welcome}");
    let profile = ines
        .recv_until(|m| is_type(m, "mentor_profile"), WAIT)
        .await;
    assert_eq!(profile["skills"], json!(["data", "design"]), "{profile}");
    assert_eq!(profile["available"], false);
}
