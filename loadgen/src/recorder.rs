//! Shared measurements of one run: HdrHistograms of latencies (µs), counters,
//! refusals by error code, and connection ends by close code.
//!
//! Clients record straight into these shared structures: the loadgen runs on
//! a handful of threads, so the mutexes are barely contended.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Highest latency recorded (µs): one hour; larger values saturate.
const MAX_US: u64 = 3_600_000_000;

/// A shared latency histogram in microseconds.
#[derive(Clone)]
pub struct Lat(Arc<Mutex<Option<Histogram<u64>>>>);

impl Lat {
    fn new() -> Lat {
        // These bounds are valid, so this is always `Some`.
        let hist = Histogram::new_with_bounds(1, MAX_US, 3).ok();
        Lat(Arc::new(Mutex::new(hist)))
    }

    /// Records one latency in µs (values below 1 µs count as 1).
    pub fn record(&self, us: u64) {
        if let Ok(mut guard) = self.0.lock()
            && let Some(h) = guard.as_mut()
        {
            h.saturating_record(us.clamp(1, MAX_US));
        }
    }

    /// Records a batch of latencies under one lock.
    pub fn record_all(&self, values: &[u64]) {
        if let Ok(mut guard) = self.0.lock()
            && let Some(h) = guard.as_mut()
        {
            for v in values {
                h.saturating_record((*v).clamp(1, MAX_US));
            }
        }
    }

    /// Percentile summary.
    pub fn summary(&self) -> LatSummary {
        match self.0.lock() {
            Ok(guard) => guard.as_ref().map(LatSummary::of).unwrap_or_default(),
            Err(_) => LatSummary::default(),
        }
    }
}

/// Percentiles of one latency, in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LatSummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl LatSummary {
    fn of(h: &Histogram<u64>) -> LatSummary {
        if h.is_empty() {
            return LatSummary::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        LatSummary {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
            mean_ms: h.mean() / 1000.0,
        }
    }
}

/// Everything measured during a run.
#[derive(Default)]
pub struct Recorder {
    lats: Mutex<BTreeMap<String, Lat>>,
    counters: Mutex<BTreeMap<String, Arc<AtomicU64>>>,
    errors: Mutex<BTreeMap<String, u64>>,
    closes: Mutex<BTreeMap<String, u64>>,
}

impl Recorder {
    /// The latency histogram called `name`, created on first use.
    pub fn lat(&self, name: &str) -> Lat {
        match self.lats.lock() {
            Ok(mut map) => map.entry(name.to_string()).or_insert_with(Lat::new).clone(),
            Err(_) => Lat::new(),
        }
    }

    /// The counter called `name`, created on first use.
    pub fn counter(&self, name: &str) -> Arc<AtomicU64> {
        match self.counters.lock() {
            Ok(mut map) => map.entry(name.to_string()).or_default().clone(),
            Err(_) => Arc::default(),
        }
    }

    /// Adds `n` to the counter `name`.
    pub fn add(&self, name: &str, n: u64) {
        self.counter(name).fetch_add(n, Ordering::Relaxed);
    }

    /// Current value of a counter (0 if never used).
    pub fn get(&self, name: &str) -> u64 {
        self.counter(name).load(Ordering::Relaxed)
    }

    /// Counts one typed `error` frame.
    pub fn error(&self, code: &str) {
        if let Ok(mut map) = self.errors.lock() {
            *map.entry(code.to_string()).or_default() += 1;
        }
    }

    /// Counts one connection end: a close code, or `eof`/`io_error`/`connect_failed`.
    pub fn close(&self, how: &str) {
        if let Ok(mut map) = self.closes.lock() {
            *map.entry(how.to_string()).or_default() += 1;
        }
    }

    pub fn latencies(&self) -> BTreeMap<String, LatSummary> {
        let lats: Vec<(String, Lat)> = match self.lats.lock() {
            Ok(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Err(_) => Vec::new(),
        };
        lats.into_iter().map(|(k, v)| (k, v.summary())).collect()
    }

    pub fn counters(&self) -> BTreeMap<String, u64> {
        match self.counters.lock() {
            Ok(map) => map
                .iter()
                .map(|(k, v)| (k.clone(), v.load(Ordering::Relaxed)))
                .collect(),
            Err(_) => BTreeMap::new(),
        }
    }

    pub fn errors(&self) -> BTreeMap<String, u64> {
        self.errors.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn closes(&self) -> BTreeMap<String, u64> {
        self.closes.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Total typed errors received.
    pub fn error_total(&self) -> u64 {
        self.errors().values().sum()
    }
}
