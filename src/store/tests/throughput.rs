//! Group-commit throughput, measured (never asserted: timing depends on the box).
//!
//! Run: `cargo test --release --lib store::tests::throughput -- --ignored --nocapture`

use super::*;
use hdrhistogram::Histogram;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Keeps `window` appends in flight (like that many clients each waiting for
/// their ack), for `total` records of a typical chat size, with fsync on.
#[tokio::test]
#[ignore = "measurement; run with --ignored --nocapture"]
async fn throughput() {
    for window in [100usize, 1_000, 4_000] {
        let tmp = TempDir::new("throughput");
        let (_, mut journal, snapshotter) = open(tmp.path(), &options());
        let total: u64 = 200_000;
        let mut in_flight: VecDeque<(u64, Instant)> = VecDeque::new();
        let mut latency = Histogram::<u64>::new(3).unwrap();
        let mut groups = 0u64;
        let started = Instant::now();
        let mut sent = 0u64;
        let mut acked = 0u64;
        while acked < total {
            while sent < total && in_flight.len() < window {
                let n = journal.next_seq();
                let seq = journal
                    .append(1_000 + n, Some(MemberId(1)), chat(n))
                    .unwrap();
                in_flight.push_back((seq, Instant::now()));
                sent += 1;
            }
            let upto = tokio::time::timeout(Duration::from_secs(30), journal.durable())
                .await
                .unwrap()
                .unwrap();
            groups += 1;
            while in_flight.front().is_some_and(|(seq, _)| *seq <= upto) {
                if let Some((_, at)) = in_flight.pop_front() {
                    let _ = latency.record(at.elapsed().as_micros() as u64);
                    acked += 1;
                }
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "window {window:>5}: {total} durable records in {secs:.2} s = {:.0}/s; {groups} reports ({:.0} records/report); ack latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            total as f64 / secs,
            total as f64 / groups as f64,
            latency.value_at_quantile(0.5) as f64 / 1000.0,
            latency.value_at_quantile(0.99) as f64 / 1000.0,
            latency.max() as f64 / 1000.0,
        );
        close(journal, snapshotter).await;
    }
}
