//! CPU and resident memory of a process, read from `/proc/<pid>/stat` and
//! `/proc/<pid>/status`, sampled in the background during a run.

use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Clock ticks per second of `/proc/<pid>/stat` times (`sysconf(_SC_CLK_TCK)`,
/// 100 on every Linux we target).
const CLK_TCK: f64 = 100.0;

/// One reading of a process.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Reading {
    /// User + system CPU time so far, seconds.
    pub cpu_secs: f64,
    /// Resident set size, KiB.
    pub rss_kib: u64,
    /// Anonymous resident memory (heap, stacks), KiB.
    pub rss_anon_kib: u64,
    pub threads: u64,
}

/// Reads `/proc/<pid>` once. `None` if the process is gone.
pub fn read(pid: u32) -> Option<Reading> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: split after it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); utime and stime are fields 14 and 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Some(Reading {
        cpu_secs: (utime + stime) / CLK_TCK,
        rss_kib: kib("VmRSS:"),
        rss_anon_kib: kib("RssAnon:"),
        threads: kib("Threads:"),
    })
}

/// Busy and total CPU time of the whole machine (all cores), in clock ticks,
/// from the first line of `/proc/stat`.
pub fn machine() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = ticks.iter().sum();
    // idle and iowait are the 4th and 5th values.
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// A timed reading.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sample {
    /// Seconds since sampling started.
    pub t: f64,
    /// CPU use since the previous sample, percent of one core.
    pub cpu_pct: f64,
    pub rss_kib: u64,
    /// The whole machine's CPU use since the previous sample, percent of
    /// one core (200% = both cores of a 2-core box busy).
    pub machine_pct: f64,
}

/// Samples a process every `period` until dropped.
pub struct Sampler {
    samples: Arc<Mutex<Vec<Sample>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Sampler {
    pub fn start(pid: u32, period: Duration) -> Sampler {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let out = samples.clone();
        let task = tokio::spawn(async move {
            let start = Instant::now();
            let mut last = (Instant::now(), read(pid).map(|r| r.cpu_secs).unwrap_or(0.0));
            let cores = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1) as f64;
            let mut last_machine = machine().unwrap_or((0, 0));
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let now = Instant::now();
                let wall = now.duration_since(last.0).as_secs_f64();
                // A late tick on a starved runtime: too short a window to divide by.
                if wall < period.as_secs_f64() / 2.0 {
                    continue;
                }
                let Some(r) = read(pid) else { break };
                let cpu_pct = if wall > 0.0 {
                    100.0 * (r.cpu_secs - last.1) / wall
                } else {
                    0.0
                };
                last = (now, r.cpu_secs);
                let m = machine().unwrap_or(last_machine);
                let (busy, total) = (
                    m.0.saturating_sub(last_machine.0),
                    m.1.saturating_sub(last_machine.1),
                );
                last_machine = m;
                let machine_pct = if total > 0 {
                    100.0 * cores * busy as f64 / total as f64
                } else {
                    0.0
                };
                if let Ok(mut s) = out.lock() {
                    s.push(Sample {
                        t: start.elapsed().as_secs_f64(),
                        cpu_pct,
                        rss_kib: r.rss_kib,
                        machine_pct,
                    });
                }
            }
        });
        Sampler { samples, task }
    }

    /// Samples so far.
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Summary of the samples taken within `[from, to]` seconds.
    pub fn summary(&self, from: f64, to: f64) -> ProcSummary {
        let samples: Vec<Sample> = self
            .samples()
            .into_iter()
            .filter(|s| s.t >= from && s.t <= to)
            .collect();
        ProcSummary::of(&samples)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// CPU and memory over a window.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProcSummary {
    pub samples: usize,
    pub cpu_pct_avg: f64,
    pub cpu_pct_max: f64,
    pub rss_kib_first: u64,
    pub rss_kib_max: u64,
    pub rss_kib_last: u64,
    /// The whole machine over the window (percent of one core): compare with
    /// the server's and the loadgen's own use to see other load on the box.
    pub machine_pct_avg: f64,
}

impl ProcSummary {
    fn of(samples: &[Sample]) -> ProcSummary {
        if samples.is_empty() {
            return ProcSummary::default();
        }
        let n = samples.len() as f64;
        ProcSummary {
            samples: samples.len(),
            cpu_pct_avg: samples.iter().map(|s| s.cpu_pct).sum::<f64>() / n,
            cpu_pct_max: samples.iter().map(|s| s.cpu_pct).fold(0.0, f64::max),
            rss_kib_first: samples.first().map(|s| s.rss_kib).unwrap_or(0),
            rss_kib_max: samples.iter().map(|s| s.rss_kib).max().unwrap_or(0),
            rss_kib_last: samples.last().map(|s| s.rss_kib).unwrap_or(0),
            machine_pct_avg: samples.iter().map(|s| s.machine_pct).sum::<f64>() / n,
        }
    }
}
