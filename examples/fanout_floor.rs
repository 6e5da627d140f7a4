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
//! With `STEPS=R` (e.g. `STEPS=10`) each receiving connection also sends R
//! small masked WebSocket frames a second (a `step`'s size, spread over the
//! period), and each sending task reads them as they arrive: one read per
//! arrival, nothing decoded beyond the frame headers (to count them). That
//! is S1's read side without the WebSocket decoding, JSON or hub: the floor
//! of what the kernel's TCP on loopback takes for the steps. Not with
//! `direct`.
//!
//! It also prints the CPU time of the sending side (its runtime's threads,
//! which also pay for the kernel's loopback receive path, as the server
//! does in S1) per second of ticks: the floor of S1's server CPU for the
//! same frames. `SEND_WORKERS` sets the sending runtime's threads (default
//! 2; 1 matches a server pinned to one core). `COALESCE_US` makes the
//! sending runtime's workers sleep that long before they park, as the
//! server's `coalesce_us` does (`amphi::runtime::coalesce_wakeups`).
//!
//! ```sh
//! ulimit -n 20000
//! cargo run --release --example fanout_floor -- 2000 3000 100          # N BYTES TICKS
//! cargo run --release --example fanout_floor -- 2000 3000 100 direct
//! STEPS=10 cargo run --release --example fanout_floor -- 800 9500 150
//! ```

use anyhow::{Context, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicU64, Ordering};
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

fn runtime(
    name: &str,
    workers: usize,
    coalesce: Duration,
) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder
        .worker_threads(workers)
        .thread_name(name)
        .enable_all();
    Ok(amphi::runtime::coalesce_wakeups(&mut builder, coalesce).build()?)
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

/// With `PIN` set: the sending runtime's threads on core 0, every other
/// thread (the receiving runtime's, this one) on core 1, as
/// `scripts/bench-pinned.sh` pins the server and the load generator.
fn pin_threads() -> anyhow::Result<()> {
    for task in std::fs::read_dir("/proc/self/task")?.flatten() {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let core = if name.trim() == "floor-send" {
            "0"
        } else {
            "1"
        };
        let tid = task.file_name().to_string_lossy().into_owned();
        let status = std::process::Command::new("taskset")
            .args(["-pc", core, &tid])
            .stdout(std::process::Stdio::null())
            .status()?;
        if !status.success() {
            bail!("taskset -pc {core} {tid} failed");
        }
    }
    Ok(())
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

    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|w| w.parse().ok())
            .unwrap_or(default)
    };
    let send_workers = env("SEND_WORKERS", 2);
    let steps = if direct { 0 } else { env("STEPS", 0) };
    let coalesce_us = env("COALESCE_US", 0);
    let coalesce = Duration::from_micros(coalesce_us as u64);
    let sender = runtime("floor-send", send_workers, coalesce)?;
    let receiver = runtime("floor-recv", 2, Duration::ZERO)?;
    let listener = sender.block_on(TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (frames, _) = watch::channel(Bytes::new());
    let frames = Arc::new(frames);

    // Sending side: accept N connections, one writer task each (or keep the
    // sockets for the tick to write to).
    let direct_sockets: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let steps_read = Arc::new(AtomicU64::new(0));
    let accepting = {
        let frames = frames.clone();
        let steps_read = steps_read.clone();
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
                if steps > 0 {
                    let steps_read = steps_read.clone();
                    tokio::spawn(async move {
                        let _ = write_and_read_steps(socket, rx, &steps_read).await;
                    });
                    continue;
                }
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
    for i in 0..n {
        let socket = receiver.block_on(TcpStream::connect(addr))?;
        socket.set_nodelay(true)?;
        let latencies = latencies.clone();
        // Spread the clients' steps over the period, as S1's are.
        let first_step =
            Duration::from_micros((i as u64 * 1_000_000) / (n as u64 * steps.max(1) as u64));
        readers.push(receiver.spawn(async move {
            let mut socket = socket;
            let mut frame = vec![0u8; bytes];
            let mut local = Histogram::<u64>::new(3)?;
            let mut stepping = steps_of(steps, first_step);
            for _ in 0..ticks {
                read_frame_stepping(&mut socket, &mut frame, &mut stepping).await?;
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

    if std::env::var_os("PIN").is_some() {
        pin_threads()?;
    }

    // The ticks, on the sending runtime (as the server's hub is on its).
    let cpu_before = cpu_of_threads("floor-send");
    let ticking = std::time::Instant::now();
    let tick_task = sender.spawn(async move {
        let period = Duration::from_millis(100);
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        for _ in 0..ticks {
            interval.tick().await;
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
        anyhow::Ok(())
    });
    sender.block_on(tick_task)??;
    for reader in readers {
        receiver.block_on(reader)??;
    }
    let send_cpu = cpu_of_threads("floor-send") - cpu_before;
    let steps_read = steps_read.load(Ordering::Relaxed);
    let send_pct = 100.0 * send_cpu / ticking.elapsed().as_secs_f64();

    let h = latencies.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{n} connections, {bytes} B frames, {ticks} ticks{}{}: stamp→receive p50 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, max {:.1} ms; sending side {send_pct:.1}% of a core ({send_workers} workers{})",
        if direct { ", direct writes" } else { "" },
        if steps > 0 {
            format!(", {steps} steps/s each ({steps_read} step frames read)")
        } else {
            String::new()
        },
        ms(0.5),
        ms(0.99),
        ms(0.999),
        h.max() as f64 / 1000.0,
        if coalesce_us > 0 {
            format!(", coalescing {coalesce_us} µs")
        } else {
            String::new()
        }
    );
    Ok(())
}

/// A step as S1's clients send it (a masked text frame, 6-byte header and
/// a 40-byte payload).
const STEP_PAYLOAD: &[u8] = br#"{"type":"step","dx":1,"dy":0,"rid":12345}"#;

fn step_frame() -> Vec<u8> {
    let mask = [0x12u8, 0x34, 0x56, 0x78];
    let mut frame = vec![0x81, 0x80 | STEP_PAYLOAD.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(
        STEP_PAYLOAD
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4]),
    );
    frame
}

/// A client's step timer: `None` when it sends no steps.
fn steps_of(steps: usize, first: Duration) -> Option<(tokio::time::Interval, Vec<u8>)> {
    if steps == 0 {
        return None;
    }
    let period = Duration::from_secs_f64(1.0 / steps as f64);
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + first, period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    Some((interval, step_frame()))
}

/// Reads one whole frame of the ticks, sending steps meanwhile when
/// `stepping`.
async fn read_frame_stepping(
    socket: &mut TcpStream,
    frame: &mut [u8],
    stepping: &mut Option<(tokio::time::Interval, Vec<u8>)>,
) -> anyhow::Result<()> {
    let Some((interval, step)) = stepping else {
        socket.read_exact(frame).await?;
        return Ok(());
    };
    let mut filled = 0;
    while filled < frame.len() {
        tokio::select! {
            read = socket.read(&mut frame[filled..]) => {
                let read = read?;
                if read == 0 {
                    bail!("the sending side closed");
                }
                filled += read;
            }
            _ = interval.tick() => socket.write_all(step).await?,
        }
    }
    Ok(())
}

/// A sending task that also reads its client's steps: one read per arrival,
/// frames counted from their headers (2 bytes, 4 of mask, the payload).
async fn write_and_read_steps(
    mut socket: TcpStream,
    mut rx: watch::Receiver<Bytes>,
    steps_read: &AtomicU64,
) -> anyhow::Result<()> {
    let (mut reader, mut writer) = socket.split();
    let mut buf = [0u8; 4096];
    // Bytes of the current frame still to come, and a partial header.
    let mut left_in_frame = 0usize;
    let mut header = Vec::with_capacity(14);
    loop {
        tokio::select! {
            changed = rx.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
                let frame = rx.borrow_and_update().clone();
                writer.write_all(&frame).await?;
            }
            read = reader.read(&mut buf) => {
                let read = read?;
                if read == 0 {
                    return Ok(());
                }
                let mut at = 0;
                while at < read {
                    if left_in_frame > 0 {
                        let take = left_in_frame.min(read - at);
                        left_in_frame -= take;
                        at += take;
                        continue;
                    }
                    header.push(buf[at]);
                    at += 1;
                    if header.len() == 2 {
                        // Small frames only: 7-bit length, masked.
                        let len = usize::from(header[1] & 0x7f);
                        left_in_frame = 4 + len;
                        header.clear();
                        steps_read.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}
