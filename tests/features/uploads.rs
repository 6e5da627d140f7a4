//! Project files through the real server: slides and screenshots uploaded
//! over HTTP with a session token, told from their bytes, limited in size
//! and number, refused after the deadline or outside a team, and served with
//! safe headers.

use crate::common::{Client, HttpResponse, TestServer};
use crate::projects::{page, project};
use crate::{CARTOGRAPHES, T0, wait_for};
use amphi::domain::Role;
use amphi::uploads::detect::samples;
use serde_json::{Value, json};

/// Uploads `bytes` into `slot` with `session`'s token, claiming `claimed`
/// as the content type (which the server ignores).
pub async fn upload(
    server: &TestServer,
    session: Option<&str>,
    slot: &str,
    claimed: &str,
    bytes: &[u8],
) -> HttpResponse {
    let auth = session.map(|s| format!("Bearer {s}"));
    let mut headers = vec![("Content-Type", claimed)];
    if let Some(auth) = &auth {
        headers.push(("Authorization", auth.as_str()));
    }
    server
        .http(
            "POST",
            &format!("/api/events/demo/project/files?slot={slot}"),
            &headers,
            bytes,
        )
        .await
}

fn code(response: &HttpResponse) -> String {
    let body: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    body["code"].as_str().unwrap_or_default().to_string()
}

/// A PNG whose structure is fine, padded to `size` bytes with an ancillary chunk.
fn png_of_size(size: usize) -> Vec<u8> {
    let base = samples::png();
    let iend = base.len() - 12;
    let pad = size - base.len() - 12;
    let mut out = base[..iend].to_vec();
    out.extend_from_slice(&(pad as u32).to_be_bytes());
    out.extend_from_slice(b"zzZz");
    out.extend(std::iter::repeat_n(0u8, pad));
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&base[iend..]);
    out
}

#[tokio::test]
async fn team_members_upload_checked_files_served_safely() {
    let (server, clock) = TestServer::with_manual_clock(T0, |_| {}).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, ana_w) = Client::join(&server, Role::Participant, "Ana").await;
    let (_oscar, oscar_w) = Client::join(&server, Role::Participant, "Oscar").await;
    let (mut jules, _) = Client::join(&server, Role::Jury, "Jules").await;
    ana.call(json!({"type": "join_team", "team": CARTOGRAPHES}))
        .await;
    ana.call(page("Cartes ouvertes")).await;
    let session = ana_w.session();
    let me = Some(session.as_str());

    // Slides: a PDF, whatever the client says it is.
    let ok = upload(&server, me, "slides", "image/png", &samples::pdf()).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let answer: Value = serde_json::from_str(&ok.body).unwrap();
    assert_eq!(answer["kind"], "pdf");
    let url = answer["url"].as_str().unwrap().to_string();
    let shown = wait_for(&mut jules, "project", |m| !m["project"]["slides"].is_null()).await;
    assert_eq!(shown["project"]["slides"]["url"], url.as_str());

    // Served with its detected type, as an attachment, with no script allowed.
    let served = server.http("GET", &url, &[], b"").await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("application/pdf"));
    assert!(
        served
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert!(
        served
            .header("content-security-policy")
            .unwrap()
            .contains("script-src 'none'")
    );
    assert_eq!(served.body.as_bytes(), samples::pdf().as_slice());
    let missing = server
        .http(
            "GET",
            &format!("/api/events/demo/files/{}.png", "0".repeat(64)),
            &[],
            b"",
        )
        .await;
    assert_eq!(missing.status, 404);
    let escape = server
        .http("GET", "/api/events/demo/files/..%2F..%2FLOCK", &[], b"")
        .await;
    assert_eq!(escape.status, 404);

    // Screenshots: images only, five at most.
    for (i, bytes) in [samples::png(), samples::jpeg(), samples::webp()]
        .into_iter()
        .enumerate()
    {
        let r = upload(
            &server,
            me,
            "screenshot",
            "application/octet-stream",
            &bytes,
        )
        .await;
        assert_eq!(r.status, 200, "screenshot {i}: {}", r.body);
    }
    let image = server
        .http(
            "GET",
            &format!(
                "/api/events/demo/files/{}.webp",
                amphi::uploads::files::sha256_hex(&samples::webp())
            ),
            &[],
            b"",
        )
        .await;
    assert_eq!(image.header("content-type"), Some("image/webp"));
    assert!(
        image
            .header("content-disposition")
            .unwrap()
            .starts_with("inline")
    );

    // Wrong type behind a right name or content type, broken files, other files.
    let wrong = upload(&server, me, "slides", "application/pdf", &samples::png()).await;
    assert_eq!(
        (wrong.status, code(&wrong)),
        (415, "wrong_file_kind".into())
    );
    let wrong = upload(&server, me, "screenshot", "image/png", &samples::pdf()).await;
    assert_eq!(
        (wrong.status, code(&wrong)),
        (415, "wrong_file_kind".into())
    );
    let html = upload(
        &server,
        me,
        "screenshot",
        "image/png",
        b"<html><script>alert(1)</script>",
    )
    .await;
    assert_eq!((html.status, code(&html)), (415, "unsupported_file".into()));
    let png = samples::png();
    let cut = upload(
        &server,
        me,
        "screenshot",
        "image/png",
        &png[..png.len() - 5],
    )
    .await;
    assert_eq!((cut.status, code(&cut)), (415, "broken_file".into()));
    let big = upload(
        &server,
        me,
        "screenshot",
        "image/png",
        &png_of_size(5 * 1024 * 1024 + 1),
    )
    .await;
    assert_eq!((big.status, code(&big)), (413, "file_too_large".into()));
    let again = upload(&server, me, "screenshot", "image/png", &samples::png()).await;
    assert_eq!(code(&again), "duplicate_file");
    for size in [1000, 2000] {
        let r = upload(&server, me, "screenshot", "image/png", &png_of_size(size)).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let sixth = upload(&server, me, "screenshot", "image/png", &png_of_size(3000)).await;
    assert_eq!(code(&sixth), "too_many_screenshots");

    // Who may upload: a team member with a valid session, before the deadline.
    let none = upload(&server, None, "slides", "application/pdf", &samples::pdf()).await;
    assert_eq!(none.status, 401);
    let forged = upload(
        &server,
        Some("not-a-session"),
        "slides",
        "application/pdf",
        &samples::pdf(),
    )
    .await;
    assert_eq!(forged.status, 401);
    let outsider = upload(
        &server,
        Some(&oscar_w.session()),
        "slides",
        "application/pdf",
        &samples::pdf(),
    )
    .await;
    assert_eq!(code(&outsider), "no_team");
    moderator
        .call(project("set_deadline", json!({"at": T0 + 1000})))
        .await;
    clock.set(T0 + 1000);
    let mut new_slides = samples::pdf();
    new_slides.extend_from_slice(b"% v2\n%%EOF\n");
    let late = upload(&server, me, "slides", "application/pdf", &new_slides).await;
    assert_eq!((late.status, code(&late)), (409, "deadline_passed".into()));
    let page = jules.latest("project").await;
    assert_eq!(
        page["project"]["screenshots"].as_array().map(Vec::len),
        Some(5)
    );
}
