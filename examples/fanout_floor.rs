//! The floor under S1's tick→receive latency on this machine.
//!
//! N loopback TCP connections with one task per connection on each side (as
//! in the server and in `amphi-loadgen`), each side on its own 2-worker tokio
//! runtime. Every 100 ms a "tick" stamps the time and wakes every sending
//! task, which writes one frame of `BYTES` bytes; each receiving task records
//! stamp→receive. No WebSocket, no JSON, no hub, no incoming steps: only the
//! cost of waking N tasks and making N writes and N reads per tick is left.
//!
//! With `direct` as fourth argument there are no sending tasks at all: the
//! tick itself writes the frame to every socket, one non-blocking write each.
//!
//! It also prints the CPU time of the sending side (its runtime's threads,
//! which also pay for the kernel's loopback receive path, as the server
//! does in S1) per second of ticks: the floor of S1's server CPU for the
//! same frames. `SEND_WORKERS` sets the sending runtime's threads (default
//! 2; 1 matches a server pinned to one core).
//!
//! ```sh
//! ulimit -n 20000
//! cargo run --release --example fanout_floor -- 2000 3000 100          # N BYTES TICKS
//! cargo run --release --example fanout_floor -- 2000 3000 100 direct
//! ```

use anyhow::{Context, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

fn runtime(name: &str, workers: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name(name)
        .enable_all()
        .build()?)
}

/// CPU seconds (user + system) used so far by this process's threads named
/// `name`.
fn cpu_of_threads(name: &str) -> f64 {
    let ticks_per_s = 100.0; // USER_HZ
    let mut total = 0.0;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        if &stat[open + 1..close] != name {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
        // utime and stime are fields 14 and 15 of the line, 11 and 12 after the name.
        total += field(11).unwrap_or(0.0) + field(12).unwrap_or(0.0);
    }
    total / ticks_per_s
}

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let direct = args.last().is_some_and(|a| a == "direct");
    if direct {
        args.pop();
    }
    let args: Vec<usize> = args
        .iter()
        .map(|a| a.parse().context("arguments: N BYTES TICKS [direct]"))
        .collect::<anyhow::Result<_>>()?;
    let n = args.first().copied().unwrap_or(2000);
    let bytes = args.get(1).copied().unwrap_or(3000).max(8);
    let ticks = args.get(2).copied().unwrap_or(100);
    if n == 0 || n > 10_000 {
        bail!("N must be 1 to 10000");
    }

    let send_workers = std::env::var("SEND_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(2);
    let sender = runtime("floor-send", send_workers)?;
    let receiver = runtime("floor-recv", 2)?;
    let listener = sender.block_on(TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (frames, _) = watch::channel(Bytes::new());
    let frames = Arc::new(frames);

    // Sending side: accept N connections, one writer task each (or keep the
    // sockets for the tick to write to).
    let direct_sockets: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let accepting = {
        let frames = frames.clone();
        let direct_sockets = direct_sockets.clone();
        sender.spawn(async move {
            for _ in 0..n {
                let (mut socket, _) = listener.accept().await?;
                socket.set_nodelay(true)?;
                if direct {
                    if let Ok(mut sockets) = direct_sockets.lock() {
                        sockets.push(socket);
                    }
                    continue;
                }
                let mut rx = frames.subscribe();
                tokio::spawn(async move {
                    while rx.changed().await.is_ok() {
                        let frame = rx.borrow_and_update().clone();
                        if socket.write_all(&frame).await.is_err() {
                            break;
                        }
                    }
                });
            }
            anyhow::Ok(())
        })
    };

    // Receiving side: N connections, one reader task each.
    let latencies = Arc::new(Mutex::new(Histogram::<u64>::new(3)?));
    let mut readers = Vec::with_capacity(n);
    for _ in 0..n {
        let socket = receiver.block_on(TcpStream::connect(addr))?;
        socket.set_nodelay(true)?;
        let latencies = latencies.clone();
        readers.push(receiver.spawn(async move {
            let mut socket = socket;
            let mut frame = vec![0u8; bytes];
            let mut local = Histogram::<u64>::new(3)?;
            for _ in 0..ticks {
                socket.read_exact(&mut frame).await?;
                let mut stamp = [0u8; 8];
                stamp.copy_from_slice(&frame[..8]);
                local.record(now_us().saturating_sub(u64::from_le_bytes(stamp)))?;
            }
            if let Ok(mut all) = latencies.lock() {
                all.add(&local)?;
            }
            anyhow::Ok(())
        }));
    }
    sender.block_on(accepting)??;

    // The ticks.
    let cpu_before = cpu_of_threads("floor-send");
    let ticking = std::time::Instant::now();
    let period = Duration::from_millis(100);
    let mut next = std::time::Instant::now() + period;
    for _ in 0..ticks {
        std::thread::sleep(next.saturating_duration_since(std::time::Instant::now()));
        next += period;
        let mut frame = vec![b'x'; bytes];
        frame[..8].copy_from_slice(&now_us().to_le_bytes());
        if direct {
            let sockets = direct_sockets
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?;
            for socket in sockets.iter() {
                // Small frames on an idle socket: the kernel takes them whole.
                if socket.try_write(&frame)? != frame.len() {
                    bail!("a short write: use smaller frames");
                }
            }
        } else {
            frames.send_replace(Bytes::from(frame));
        }
    }
    for reader in readers {
        receiver.block_on(reader)??;
    }
    let send_cpu = cpu_of_threads("floor-send") - cpu_before;
    let send_pct = 100.0 * send_cpu / ticking.elapsed().as_secs_f64();

    let h = latencies.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{n} connections, {bytes} B frames, {ticks} ticks{}: stamp→receive p50 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, max {:.1} ms; sending side {send_pct:.1}% of a core ({send_workers} workers)",
        if direct { ", direct writes" } else { "" },
        ms(0.5),
        ms(0.99),
        ms(0.999),
        h.max() as f64 / 1000.0
    );
    Ok(())
}
