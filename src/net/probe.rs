//! `/check`'s network test: a probe connection to the media server, for a
//! person to learn before the day whether voice and video reach it directly
//! (UDP), only over TCP, or only through the TURN relay.
//!
//! Anyone may open `/check`, so a probe gets as little as possible: it is
//! an ordinary media connection that is never put in a conversation (it
//! receives and forwards nothing), it is hung up [`PROBE_LINGER`] after ICE
//! and DTLS complete and at the latest after [`PROBE_LIFETIME`], at most
//! [`MAX_PROBES`] are open at once and at most [`PROBES_PER_MINUTE`] start
//! a minute on the whole server (a busy server answers 429 and the page says
//! "try again in a minute"). The relay test's TURN credential is valid for
//! [`PROBE_TURN_TTL_SECS`] only.
//!
//! - `GET /api/check/ice`: `{"ice_servers": [...]}` (empty without a relay);
//!   404 when voice and video are off.
//! - `POST /api/check/probe` with the browser's SDP offer as the body: the
//!   media server's SDP answer (`application/sdp`).

use super::AppState;
use crate::media::{MediaCommand, MediaEvent, PeerId};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc};

/// Probes open at once on the whole server.
pub const MAX_PROBES: usize = 8;
/// Probes (and relay credentials) started a minute on the whole server.
pub const PROBES_PER_MINUTE: u32 = 60;
/// Longest life of a probe, connected or not.
pub const PROBE_LIFETIME: Duration = Duration::from_secs(10);
/// How long a connected probe stays up (for the browser to see it connected).
pub const PROBE_LINGER: Duration = Duration::from_secs(2);
/// Validity of the relay test's TURN credential.
pub const PROBE_TURN_TTL_SECS: u64 = 120;
/// Largest offer accepted (a browser's one-m-line offer is ~2–4 KB).
const MAX_OFFER_BYTES: usize = 16 * 1024;
/// How long to wait for the media server's answer.
const ANSWER_WAIT: Duration = Duration::from_secs(5);

/// The probes' limits, shared by every request.
#[derive(Debug)]
pub struct Probes {
    open: Arc<Semaphore>,
    /// Start of the current minute and how many probes started in it.
    window: Mutex<(Instant, u32)>,
}

impl Default for Probes {
    fn default() -> Probes {
        Probes {
            open: Arc::new(Semaphore::new(MAX_PROBES)),
            window: Mutex::new((Instant::now(), 0)),
        }
    }
}

impl Probes {
    /// Counts one start in the current minute; false when over the budget.
    fn take(&self, now: Instant) -> bool {
        let Ok(mut window) = self.window.lock() else {
            return false;
        };
        if now.duration_since(window.0) >= Duration::from_secs(60) {
            *window = (now, 0);
        }
        if window.1 >= PROBES_PER_MINUTE {
            return false;
        }
        window.1 += 1;
        true
    }
}

fn busy() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, "60")],
        "too many network tests at once; try again in a minute",
    )
        .into_response()
}

/// `GET /api/check/ice`: the relay to test, with a short-lived credential.
pub async fn ice(State(state): State<Arc<AppState>>) -> Response {
    if state.instance.media().is_none() {
        return (StatusCode::NOT_FOUND, "voice and video are off").into_response();
    }
    let ice_servers = match &state.config.media.turn {
        Some(turn) => {
            if !state.probes.take(Instant::now()) {
                return busy();
            }
            let short = crate::media::turn::TurnConfig {
                ttl_secs: turn.ttl_secs.min(PROBE_TURN_TTL_SECS),
                ..turn.clone()
            };
            state.metrics.media.turn_credentials.fetch_add(1, Relaxed);
            let now_secs = state.clock.now() / 1000;
            vec![crate::media::turn::credential(
                &short,
                "amphi-check",
                now_secs,
            )]
        }
        None => Vec::new(),
    };
    let body = serde_json::json!({ "ice_servers": ice_servers });
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `POST /api/check/probe`: starts a probe connection from the browser's
/// offer and answers it; the probe hangs itself up (see the module doc).
pub async fn probe(State(state): State<Arc<AppState>>, offer: String) -> Response {
    let Some(nodes) = state.instance.media() else {
        return (StatusCode::NOT_FOUND, "voice and video are off").into_response();
    };
    if offer.len() > MAX_OFFER_BYTES || !offer.starts_with("v=0") {
        return (StatusCode::BAD_REQUEST, "the body must be an SDP offer").into_response();
    }
    let Ok(permit) = state.probes.open.clone().try_acquire_owned() else {
        return busy();
    };
    if !state.probes.take(Instant::now()) {
        return busy();
    }
    // The connection counter names probes too: a probe's id is never a
    // connection's.
    let peer = PeerId(state.next_conn.fetch_add(1, Relaxed));
    let media = nodes.node(0).clone();
    let (events, mut rx) = mpsc::unbounded_channel();
    if !media.send(MediaCommand::Offer {
        peer,
        sdp: offer,
        events,
    }) {
        return (StatusCode::SERVICE_UNAVAILABLE, "the media server is down").into_response();
    }
    let answer = tokio::time::timeout(ANSWER_WAIT, async {
        while let Some(event) = rx.recv().await {
            match event {
                MediaEvent::Answer { sdp, .. } => return Ok(sdp),
                MediaEvent::Refused { error, .. } => return Err(error.to_string()),
                MediaEvent::Closed { reason, .. } => return Err(reason),
                _ => {}
            }
        }
        Err("the media server stopped".to_string())
    })
    .await;
    let sdp = match answer {
        Ok(Ok(sdp)) => sdp,
        Ok(Err(reason)) => {
            media.send(MediaCommand::Leave { peer });
            return (StatusCode::BAD_REQUEST, reason).into_response();
        }
        Err(_) => {
            media.send(MediaCommand::Leave { peer });
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the media server did not answer",
            )
                .into_response();
        }
    };
    // Hung up once connected (after a moment) or at the end of its life.
    tokio::spawn(async move {
        let _ = tokio::time::timeout(PROBE_LIFETIME, async {
            while let Some(event) = rx.recv().await {
                match event {
                    MediaEvent::Connected { .. } => {
                        tokio::time::sleep(PROBE_LINGER).await;
                        return;
                    }
                    MediaEvent::Closed { .. } => return,
                    _ => {}
                }
            }
        })
        .await;
        media.send(MediaCommand::Leave { peer });
        drop(permit);
    });
    (
        [
            (header::CONTENT_TYPE, "application/sdp"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        sdp,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_limited_per_minute() {
        let probes = Probes::default();
        let start = Instant::now();
        for _ in 0..PROBES_PER_MINUTE {
            assert!(probes.take(start));
        }
        assert!(!probes.take(start + Duration::from_secs(59)));
        assert!(probes.take(start + Duration::from_secs(60)));
    }
}
