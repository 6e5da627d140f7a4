//! Time-limited TURN credentials, for networks that block UDP.
//!
//! Amphi does not relay media itself: a coturn server does, configured with
//! `use-auth-secret` and the same `static-auth-secret` as `[media.turn]`.
//! Amphi hands each client a credential that coturn can check without
//! asking anyone ("TURN REST API"): the username is the expiry time (Unix
//! seconds) and a label, the password is base64(HMAC-SHA1(secret, username)).

use crate::config::SecretString;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Where the TURN relay is and how its credentials are made.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnConfig {
    /// The relay's URLs as browsers take them, e.g.
    /// `turn:turn.example.org:3478?transport=udp`, `turns:turn.example.org:443?transport=tcp`.
    pub urls: Vec<String>,
    /// coturn's `static-auth-secret`.
    pub secret: SecretString,
    /// How long a credential is valid (seconds).
    #[serde(default = "default_ttl")]
    pub ttl_secs: u64,
}

fn default_ttl() -> u64 {
    6 * 3600
}

/// One ICE server entry, shaped as `RTCIceServer` in the browser.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    pub username: String,
    pub credential: String,
}

/// A credential for `label` (e.g. the member's id), valid until `now_secs + ttl`.
pub fn credential(config: &TurnConfig, label: &str, now_secs: u64) -> IceServer {
    let username = format!("{}:{label}", now_secs.saturating_add(config.ttl_secs));
    let key = aws_lc_rs::hmac::Key::new(
        aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        config.secret.expose().as_bytes(),
    );
    let tag = aws_lc_rs::hmac::sign(&key, username.as_bytes());
    IceServer {
        urls: config.urls.clone(),
        credential: base64::engine::general_purpose::STANDARD.encode(tag.as_ref()),
        username,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_the_turn_rest_scheme_coturn_checks() {
        let config = TurnConfig {
            urls: vec!["turn:127.0.0.1:3478".into()],
            secret: SecretString::new("north-wind"),
            ttl_secs: 600,
        };
        let server = credential(&config, "amphi-7", 1_795_504_200);
        assert_eq!(server.username, "1795504800:amphi-7");
        // base64(HMAC-SHA1("north-wind", username)), computed independently.
        assert_eq!(server.credential, "GinK944OZaRYfY+YTi41k8YPWHU=");
        assert_eq!(server.urls, config.urls);
    }
}
