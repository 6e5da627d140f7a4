//! The run's report: a table on stdout and the same data as JSON.

use crate::procstat::ProcSummary;
use crate::recorder::LatSummary;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A target rate and what was achieved.
#[derive(Debug, Clone, Serialize)]
pub struct Rate {
    pub name: String,
    pub target_per_s: f64,
    pub achieved_per_s: f64,
}

/// One pass/fail check against a design target.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub target: String,
    pub measured: String,
    pub pass: bool,
}

impl Check {
    pub fn new(name: &str, target: &str, measured: String, pass: bool) -> Check {
        Check {
            name: name.into(),
            target: target.into(),
            measured,
            pass,
        }
    }
}

/// Everything a run reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub scenario: String,
    pub url: String,
    pub started_at_unix_ms: u64,
    pub params: serde_json::Value,
    /// Seconds of measurement.
    pub measured_secs: f64,
    pub clients_target: usize,
    pub clients_connected: usize,
    pub rates: Vec<Rate>,
    pub latencies: BTreeMap<String, LatSummary>,
    pub counters: BTreeMap<String, u64>,
    /// Typed `error` frames received, by code.
    pub errors: BTreeMap<String, u64>,
    pub errors_total: u64,
    /// Connection ends seen by clients, by close code (or `eof`, `io_error`).
    pub closes: BTreeMap<String, u64>,
    /// The server process during the measured window (with --server-pid).
    pub server: Option<ProcSummary>,
    /// Extra server figures (memory per connection, /metrics deltas).
    pub server_extra: BTreeMap<String, f64>,
    /// The load generator itself (to tell a saturated loadgen from a slow server).
    pub loadgen: ProcSummary,
    pub checks: Vec<Check>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn all_checks_pass(&self) -> bool {
        self.checks.iter().all(|c| c.pass)
    }

    /// A human-readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "== {} — {} clients connected of {} — {:.1} s measured — {}",
            self.scenario,
            self.clients_connected,
            self.clients_target,
            self.measured_secs,
            self.url
        );
        if !self.rates.is_empty() {
            let _ = writeln!(
                out,
                "{:<28} {:>12} {:>12}",
                "rate", "target/s", "achieved/s"
            );
            for r in &self.rates {
                let _ = writeln!(
                    out,
                    "{:<28} {:>12.1} {:>12.1}",
                    r.name, r.target_per_s, r.achieved_per_s
                );
            }
        }
        if !self.latencies.is_empty() {
            let _ = writeln!(
                out,
                "{:<28} {:>9} {:>9} {:>9} {:>9} {:>9}",
                "latency (ms)", "count", "p50", "p99", "p99.9", "max"
            );
            for (name, l) in &self.latencies {
                let _ = writeln!(
                    out,
                    "{:<28} {:>9} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                    name, l.count, l.p50_ms, l.p99_ms, l.p999_ms, l.max_ms
                );
            }
        }
        for (name, v) in &self.counters {
            let _ = writeln!(out, "  {name:<34} {v}");
        }
        let _ = writeln!(out, "  errors: {:?}", self.errors);
        let _ = writeln!(out, "  closes: {:?}", self.closes);
        if let Some(s) = &self.server {
            let _ = writeln!(
                out,
                "  server: cpu avg {:.0}% max {:.0}%, rss first {} KiB max {} KiB last {} KiB",
                s.cpu_pct_avg, s.cpu_pct_max, s.rss_kib_first, s.rss_kib_max, s.rss_kib_last
            );
        }
        for (k, v) in &self.server_extra {
            let _ = writeln!(out, "  server.{k:<30} {v:.3}");
        }
        let _ = writeln!(
            out,
            "  loadgen: cpu avg {:.0}% max {:.0}%, rss max {} KiB; whole machine cpu avg {:.0}% (of {} cores)",
            self.loadgen.cpu_pct_avg,
            self.loadgen.cpu_pct_max,
            self.loadgen.rss_kib_max,
            self.loadgen.machine_pct_avg,
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        );
        for c in &self.checks {
            let _ = writeln!(
                out,
                "  [{}] {}: target {}, measured {}",
                if c.pass { "PASS" } else { "FAIL" },
                c.name,
                c.target,
                c.measured
            );
        }
        for n in &self.notes {
            let _ = writeln!(out, "  note: {n}");
        }
        out
    }
}
