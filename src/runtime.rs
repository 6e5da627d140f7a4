//! The tokio runtime that carries the connections and the hubs, and the
//! wake-up coalescing it may be built with (`coalesce_us`).
//!
//! Coalescing: before a worker parks (it has run out of tasks and is about
//! to wait in `epoll_wait`), it first sleeps a short bounded pause, so that
//! the sockets that become ready meanwhile (clients' steps arrive one by one,
//! thousands a second) are handled by one wake-up instead of one each. Every
//! incoming message and every tick may then wait up to the pause longer.

use std::time::Duration;

/// Longest pause accepted: it adds directly to every latency.
pub const MAX_COALESCE_US: u32 = 5_000;

/// Makes the workers of `builder` sleep `pause` before each park (nothing
/// when `pause` is zero).
pub fn coalesce_wakeups(
    builder: &mut tokio::runtime::Builder,
    pause: Duration,
) -> &mut tokio::runtime::Builder {
    if pause.is_zero() {
        return builder;
    }
    builder.on_thread_park(move || std::thread::sleep(pause))
}

/// The server's runtime: tokio's multi-threaded default (one worker per
/// core it may run on), with wake-ups coalesced for `pause`.
pub fn build(pause: Duration) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    coalesce_wakeups(&mut builder, pause).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coalescing_runtime_still_wakes_for_io_and_timers() {
        let runtime = build(Duration::from_millis(1)).unwrap();
        let got = runtime.block_on(async {
            let (tx, rx) = tokio::sync::oneshot::channel();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                let _ = tx.send(7);
            });
            rx.await
        });
        assert_eq!(got, Ok(7));
    }
}
