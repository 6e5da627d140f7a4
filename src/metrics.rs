//! Server metrics, exposed in the Prometheus text format at `/metrics`.
//!
//! Plain atomics: counting costs a relaxed add on the hot path, and the
//! handful of series we need does not justify a metrics framework.
//! Store series are read from each event's [`StoreHealth`] when rendered.

use crate::store::StoreHealth;
use dashmap::DashMap;
use rustc_hash::FxBuildHasher;

/// Counters by message kind (the protocol's own static names, never a
/// client's text), bumped for every message in and out: FxHash, not SipHash.
type ByKind = DashMap<&'static str, AtomicU64, FxBuildHasher>;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Upper bounds (seconds) of the tick duration histogram buckets.
const TICK_BUCKETS: [f64; 9] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25];

/// A per-event store gauge: name, help text, and how to read it.
type HealthSeries = (&'static str, &'static str, fn(&StoreHealth) -> u64);

/// Every series the server exports.
#[derive(Debug, Default)]
pub struct Metrics {
    /// The media layer's counters (voice and video).
    pub media: crate::media::MediaStats,
    pub connections_open: AtomicI64,
    pub connections_total: AtomicU64,
    messages_in: ByKind,
    messages_out: ByKind,
    tick_buckets: [AtomicU64; TICK_BUCKETS.len()],
    tick_count: AtomicU64,
    tick_sum_micros: AtomicU64,
    /// Position batches replaced before a slow client read them.
    pub positions_coalesced: AtomicU64,
    /// Clients closed because their outbound queue overflowed.
    pub slow_disconnects: AtomicU64,
    /// Frames refused for being over the size limit.
    pub oversized_frames: AtomicU64,
    /// Durable commands applied but not journaled (the writer died); the
    /// stores' own write failures are counted in their [`StoreHealth`].
    pub store_errors: AtomicU64,
    /// Hub steps that panicked and were contained.
    pub hub_panics: AtomicU64,
    /// Messages refused for exceeding a connection's rate.
    pub rate_limited: AtomicU64,
    /// Connections closed for flooding.
    pub flood_closes: AtomicU64,
    /// Upgrades refused by the per-address limits.
    pub connections_refused: AtomicU64,
    /// Each event's store health, by event id (for `/healthz` and below).
    stores: DashMap<String, Arc<StoreHealth>>,
}

impl Metrics {
    /// Registers an event's store, whose health `/healthz` and `/metrics` report.
    pub fn register_store(&self, event: &str, health: Arc<StoreHealth>) {
        self.stores.insert(event.to_string(), health);
    }

    /// Every registered store, sorted by event id.
    pub fn stores(&self) -> Vec<(String, Arc<StoreHealth>)> {
        let mut stores: Vec<_> = self
            .stores
            .iter()
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect();
        stores.sort_by(|a, b| a.0.cmp(&b.0));
        stores
    }

    /// Counts one received message of a type (`"invalid"` for undecodable ones).
    pub fn message_in(&self, kind: &'static str) {
        bump(&self.messages_in, kind, 1);
    }

    /// Counts `n` deliveries of a message type.
    pub fn messages_out(&self, kind: &'static str, n: u64) {
        if n > 0 {
            bump(&self.messages_out, kind, n);
        }
    }

    /// Records how long one hub tick took.
    pub fn observe_tick(&self, seconds: f64) {
        for (bound, bucket) in TICK_BUCKETS.iter().zip(&self.tick_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.tick_count.fetch_add(1, Ordering::Relaxed);
        self.tick_sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        let mut out = String::new();
        gauge(
            &mut out,
            "amphi_connections_open",
            "Open WebSocket connections.",
            self.connections_open.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "amphi_connections_total",
            "WebSocket connections accepted.",
            self.connections_total.load(Ordering::Relaxed),
        );
        labelled(
            &mut out,
            "amphi_messages_in_total",
            "Client messages received, by type.",
            &self.messages_in,
        );
        labelled(
            &mut out,
            "amphi_messages_out_total",
            "Server messages delivered, by type.",
            &self.messages_out,
        );
        let _ = writeln!(
            out,
            "# HELP amphi_tick_duration_seconds Duration of one hub tick."
        );
        let _ = writeln!(out, "# TYPE amphi_tick_duration_seconds histogram");
        for (bound, bucket) in TICK_BUCKETS.iter().zip(&self.tick_buckets) {
            let _ = writeln!(
                out,
                "amphi_tick_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.tick_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "amphi_tick_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.tick_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "amphi_tick_duration_seconds_sum {sum}");
        let _ = writeln!(out, "amphi_tick_duration_seconds_count {count}");
        counter(
            &mut out,
            "amphi_positions_coalesced_total",
            "Position batches replaced before a slow client read them.",
            self.positions_coalesced.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "amphi_slow_disconnects_total",
            "Clients closed because their outbound queue overflowed.",
            self.slow_disconnects.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "amphi_oversized_frames_total",
            "Frames refused for exceeding the size limit.",
            self.oversized_frames.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "amphi_hub_panics_total",
            "Hub steps that panicked and were contained (each one is a bug).",
            self.hub_panics.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "amphi_rate_limited_total",
            "Messages refused for exceeding a connection's rate.",
            self.rate_limited.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "amphi_flood_closes_total",
            "Connections closed for flooding (code 4029).",
            self.flood_closes.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "amphi_connections_refused_total",
            "WebSocket upgrades refused by the per-address limits (HTTP 429).",
            self.connections_refused.load(Ordering::Relaxed),
        );
        self.render_stores(&mut out);
        self.media.render(&mut out);
        out
    }
}

impl Metrics {
    /// The store series: health, errors, durable and snapshot positions.
    fn render_stores(&self, out: &mut String) {
        let stores = self.stores();
        let errors = stores
            .iter()
            .map(|(_, h)| h.errors() + h.snapshot_errors())
            .sum::<u64>()
            + self.store_errors.load(Ordering::Relaxed);
        counter(
            out,
            "amphi_store_errors_total",
            "Journal or snapshot write failures (each failed attempt counts).",
            errors,
        );
        let unhealthy = stores.iter().any(|(_, h)| !h.is_healthy());
        gauge(
            out,
            "amphi_store_unhealthy",
            "1 while durable writes fail for some event.",
            i64::from(unhealthy),
        );
        let series: [HealthSeries; 3] = [
            (
                "amphi_store_healthy",
                "1 while the event's journal writes succeed.",
                |h| u64::from(h.is_healthy()),
            ),
            (
                "amphi_journal_durable_seq",
                "Highest journal record known to be on disk.",
                StoreHealth::durable_seq,
            ),
            (
                "amphi_snapshot_seq",
                "Last journal record covered by the newest snapshot written.",
                StoreHealth::snapshot_seq,
            ),
        ];
        for (name, help, value) in series {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            for (event, health) in &stores {
                let _ = writeln!(out, "{name}{{event=\"{event}\"}} {}", value(health));
            }
        }
    }
}

fn bump(map: &ByKind, kind: &'static str, n: u64) {
    if let Some(counter) = map.get(kind) {
        counter.fetch_add(n, Ordering::Relaxed);
        return;
    }
    map.entry(kind).or_default().fetch_add(n, Ordering::Relaxed);
}

fn gauge(out: &mut String, name: &str, help: &str, value: i64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    );
}

fn labelled(out: &mut String, name: &str, help: &str, map: &ByKind) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    let mut rows: Vec<(&'static str, u64)> = map
        .iter()
        .map(|e| (*e.key(), e.value().load(Ordering::Relaxed)))
        .collect();
    rows.sort();
    for (kind, value) in rows {
        let _ = writeln!(out, "{name}{{type=\"{kind}\"}} {value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let m = Metrics::default();
        m.message_in("step");
        m.message_in("step");
        m.messages_out("chat", 3);
        m.observe_tick(0.003);
        let text = m.render();
        assert!(
            text.contains("amphi_messages_in_total{type=\"step\"} 2"),
            "{text}"
        );
        assert!(text.contains("amphi_messages_out_total{type=\"chat\"} 3"));
        assert!(text.contains("amphi_tick_duration_seconds_bucket{le=\"0.002\"} 0"));
        assert!(text.contains("amphi_tick_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("amphi_tick_duration_seconds_count 1"));
    }

    #[test]
    fn renders_each_store() {
        let m = Metrics::default();
        m.register_store("demo", Arc::new(StoreHealth::default()));
        let text = m.render();
        assert!(
            text.contains("amphi_store_healthy{event=\"demo\"} 1"),
            "{text}"
        );
        assert!(text.contains("amphi_journal_durable_seq{event=\"demo\"} 0"));
        assert!(text.contains("amphi_snapshot_seq{event=\"demo\"} 0"));
        assert!(text.contains("amphi_store_errors_total 0"));
        assert!(text.contains("amphi_store_unhealthy 0"));
    }
}
