//! Security headers on every page and endpoint.

use crate::common::TestServer;

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let server = TestServer::start().await;
    for path in [
        "/",
        "/live",
        "/stage",
        "/index.html",
        "/css/app.css",
        "/assets/maps/default.tmj",
        "/healthz",
        "/metrics",
        "/api/events/demo/map",
        "/api/events/demo/venue",
        "/no-such-page",
    ] {
        let response = server.get(path).await;
        let csp = response
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            response.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
    }
}
