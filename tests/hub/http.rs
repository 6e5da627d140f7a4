//! Plain HTTP: health, metrics, security headers, the WebSocket origin check,
//! and clock sync over the socket.

use crate::common::{Client, TestServer, WAIT, is_type, metric_value, upgrade_status_with_origin};
use amphi::domain::Role;
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};

#[tokio::test]
async fn healthz_answers_ok_in_json() {
    let server = TestServer::start().await;
    let response = server.get("/healthz").await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn metrics_expose_the_documented_series() {
    let server = TestServer::start().await;
    let (mut a, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (_b, _) = Client::join(&server, Role::Participant, "Bea").await;
    a.call(json!({"type": "chat", "scope": "room", "text": "compte-moi"}))
        .await;
    a.send_raw_text("{oops").await;
    a.expect_error("bad_json").await;
    // A tick has run once a position batch arrived.
    a.recv_until(|m| is_type(m, "positions"), crate::common::WAIT)
        .await;

    let response = server.get("/metrics").await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.body;
    let value =
        |name: &str| metric_value(&text, name).unwrap_or_else(|| panic!("no {name} in:\n{text}"));
    assert_eq!(value("amphi_connections_open"), 2.0);
    assert!(value("amphi_connections_total") >= 2.0);
    assert_eq!(value("amphi_messages_in_total{type=\"hello\"}"), 2.0);
    assert_eq!(value("amphi_messages_in_total{type=\"chat\"}"), 1.0);
    assert_eq!(value("amphi_messages_in_total{type=\"invalid\"}"), 1.0);
    assert_eq!(value("amphi_messages_out_total{type=\"welcome\"}"), 2.0);
    assert_eq!(
        value("amphi_messages_out_total{type=\"chat\"}"),
        2.0,
        "one chat, two readers"
    );
    assert!(value("amphi_messages_out_total{type=\"positions\"}") >= 1.0);
    assert!(value("amphi_tick_duration_seconds_count") >= 1.0);
    assert!(value("amphi_tick_duration_seconds_bucket{le=\"+Inf\"}") >= 1.0);
    assert!(value("amphi_tick_duration_seconds_sum") >= 0.0);
    for name in [
        "amphi_slow_disconnects_total",
        "amphi_positions_coalesced_total",
        "amphi_oversized_frames_total",
        "amphi_store_errors_total",
    ] {
        assert_eq!(value(name), 0.0, "{name}");
        assert!(text.contains(&format!("# TYPE {name} counter")), "{name}");
    }
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let server = TestServer::start().await;
    for path in ["/", "/healthz", "/no-such-page"] {
        let response = server.get(path).await;
        let csp = response
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            response.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
    }
    let index = server.get("/").await;
    assert_eq!(index.status, 200);
    assert!(
        index
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn the_event_map_is_served_as_tiled_json() {
    let server = TestServer::start().await;
    let response = server.get("/api/events/demo/map").await;
    assert_eq!(response.status, 200);
    let map: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    assert!(map["layers"].is_array());
    assert_eq!(server.get("/api/events/nope/map").await.status, 404);
}

#[tokio::test]
async fn the_event_venue_is_served_as_json() {
    let server = TestServer::start().await;
    let response = server.get("/api/events/demo/venue").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let venue: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    assert!(venue["width"].as_u64().unwrap() > 0);
    assert!(venue["rooms"].as_array().unwrap().len() > 1);
    assert!(venue["stage"]["w"].as_u64().unwrap() > 0);
    assert_eq!(server.get("/api/events/nope/venue").await.status, 404);
}

#[tokio::test]
async fn cross_origin_websockets_are_refused() {
    let server = TestServer::start().await;
    assert_eq!(
        upgrade_status_with_origin(&server, "http://evil.example").await,
        403
    );
    assert_eq!(
        upgrade_status_with_origin(&server, &format!("http://evil.example.{}", server.addr()))
            .await,
        403
    );
    assert_eq!(
        upgrade_status_with_origin(&server, &format!("http://{}", server.addr())).await,
        101,
        "same origin is accepted"
    );
}

#[tokio::test]
async fn pong_echoes_t0_with_server_times() {
    let server = TestServer::start().await;
    // Before hello and after.
    let mut client = Client::connect(&server).await;
    for joined in [false, true] {
        if joined {
            client
                .hello_invite(&server.join_link(Role::Participant), "Ana")
                .await;
        }
        let t0 = 123_456.789;
        let pong = client.ping(t0).await;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            * 1000.0;
        let t1 = pong["t1"].as_f64().unwrap();
        let t2 = pong["t2"].as_f64().unwrap();
        assert_eq!(pong["t0"].as_f64(), Some(t0));
        assert!(t1 <= t2, "{pong}");
        assert!(
            (t1 - now).abs() < 2_000.0,
            "t1 {t1} is server time, now {now}"
        );
        assert!(t2 - t1 < 100.0, "{pong}");
    }
}

#[tokio::test]
async fn pong_echoes_t0_exactly_as_the_client_wrote_it() {
    let server = TestServer::start().await;
    let (mut client, _) = Client::join(&server, Role::Participant, "Ana").await;
    // Fractional times that a parse-then-print round trip changed.
    for written in [
        "1796007833461.4727",
        "1796007833461.4729",
        "1795504789001.25",
        "17",
    ] {
        client
            .send_raw_text(&format!(r#"{{"type":"ping","t0":{written}}}"#))
            .await;
        let pong = client.recv_until(|m| is_type(m, "pong"), WAIT).await;
        let expected: serde_json::Value = serde_json::from_str(written).unwrap();
        assert_eq!(pong["t0"], expected, "sent {written}, got {pong}");
    }
}

#[tokio::test]
async fn with_the_live_page_off_its_pages_are_not_served() {
    let on = TestServer::start().await;
    for path in ["/live", "/stage"] {
        assert_eq!(on.get(path).await.status, 200, "{path} while on");
    }
    let off = TestServer::with_config(|c| c.live_page = false).await;
    for path in ["/live", "/stage", "/live.html", "/stage.html"] {
        let response = off.get(path).await;
        assert_eq!(response.status, 404, "{path} while off");
        assert!(response.body.contains("live_page"), "{}", response.body);
    }
    assert_eq!(off.get("/").await.status, 200);
}
