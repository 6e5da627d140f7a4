#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A short smoke run of `amphi-loadgen` against an in-process server, so the
//! load generator keeps speaking the protocol: S1 (positions) and S3 (chat
//! burst) with ten clients for about two seconds each, zero errors and zero
//! loss; M1 (voice and video) at two tables of three, every frame sent in
//! the measured window received, with its delay.
//!
//! The real benchmarks are `scripts/bench-all.sh` (see BENCHMARKS.md).

use amphi::Server;
use amphi::config::Config;
use amphi::domain::Role;
use serde_json::Value;
use std::path::PathBuf;

/// Runs the load generator to its end (at most two minutes).
async fn run_loadgen<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_amphi-loadgen"))
        .args(args)
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(std::time::Duration::from_secs(120), output)
        .await
        .expect("loadgen finished in time")
        .expect("loadgen ran")
}

async fn loadgen(args: &[&str], json: &PathBuf) -> Value {
    let mut all: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    all.extend([std::ffi::OsStr::new("--json"), json.as_os_str()]);
    let output = run_loadgen(&all).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "loadgen {args:?} failed: {}\n{stdout}\n{stderr}",
        output.status
    );
    serde_json::from_str(&std::fs::read_to_string(json).expect("json report")).expect("valid json")
}

/// A server running in this process until `stop` is sent, and what the
/// load generator needs to reach it.
struct Running {
    url: String,
    invite: String,
    dir: PathBuf,
    stop: tokio::sync::oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<Result<(), amphi::StartError>>,
}

impl Running {
    async fn start(name: &str, config: Config) -> Running {
        let dir = std::env::temp_dir().join(format!("amphi-loadgen-{name}-{}", std::process::id()));
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.join("data"),
            ..config
        };
        let server = Server::start(config).await.expect("server starts");
        let url = format!("ws://{}/ws", server.local_addr());
        let invite = server
            .join_links()
            .iter()
            .find(|l| l.role == Role::Participant)
            .expect("a participant link")
            .token
            .clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        Running {
            url,
            invite,
            dir,
            stop,
            serving,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.serving.await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadgen_smoke_s1_and_s3() {
    // Generous speed and chat limits: the test may run on a busy machine,
    // where steps and chat sent on schedule can reach the server in bunches
    // (a client that stalled catches up at once).
    let limits = amphi::domain::Limits {
        steps_per_second: 100,
        step_burst: 100,
        ..amphi::domain::Limits::default()
    };
    let rate_limits = amphi::net::rate::RateLimits {
        chat: amphi::net::rate::Budget {
            per_second: 1_000.0,
            burst: 1_000,
        },
        ..amphi::net::rate::RateLimits::default()
    };
    let server = Running::start(
        "smoke",
        Config {
            limits,
            rate_limits,
            ..Config::default()
        },
    )
    .await;
    let (url, invite, dir) = (&server.url, &server.invite, &server.dir);

    let s1 = loadgen(
        &[
            "s1",
            "--url",
            url,
            "--invite",
            invite,
            "--clients",
            "10",
            "--amphi",
            "4",
            "--tables",
            "3",
            "--rate",
            "10",
            "--duration",
            "2",
            "--warmup",
            "0.5",
        ],
        &dir.join("s1.json"),
    )
    .await;
    assert_eq!(s1["clients_connected"], 10, "{s1:#}");
    assert_eq!(s1["errors_total"], 0, "{s1:#}");
    assert!(
        s1["latencies"]["move_to_seen"]["count"].as_u64().unwrap() > 0,
        "{s1:#}"
    );
    assert_eq!(s1["counters"]["steps_unseen"], 0, "{s1:#}");

    let s3 = loadgen(
        &[
            "s3",
            "--url",
            url,
            "--invite",
            invite,
            "--clients",
            "10",
            "--messages",
            "50",
        ],
        &dir.join("s3.json"),
    )
    .await;
    assert_eq!(s3["errors_total"], 0, "{s3:#}");
    assert_eq!(s3["counters"]["deliveries_lost"], 0, "{s3:#}");
    // S1's ten avatars are still in the venue: everyone in the hall reads the burst.
    assert!(
        s3["counters"]["deliveries"].as_u64().unwrap() >= 500,
        "{s3:#}"
    );

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadgen_smoke_s1_walking() {
    // Held keys: the server walks at steps_per_second, which --rate must equal.
    let limits = amphi::domain::Limits {
        steps_per_second: 10,
        ..amphi::domain::Limits::default()
    };
    let server = Running::start(
        "walking",
        Config {
            limits,
            ..Config::default()
        },
    )
    .await;
    let args = |rate: &'static str| {
        [
            "s1",
            "--url",
            &server.url,
            "--invite",
            &server.invite,
            "--clients",
            "10",
            "--amphi",
            "4",
            "--tables",
            "3",
            "--rate",
            rate,
            "--walk",
            "4",
            "--duration",
            "2",
            "--warmup",
            "0.5",
        ]
        .map(str::to_string)
    };
    let s1 = loadgen(
        &args("10").iter().map(String::as_str).collect::<Vec<_>>(),
        &server.dir.join("walk.json"),
    )
    .await;
    assert_eq!(s1["clients_connected"], 10, "{s1:#}");
    assert_eq!(s1["errors_total"], 0, "{s1:#}");
    assert_eq!(s1["counters"]["steps_unseen"], 0, "{s1:#}");
    let seen = s1["counters"]["steps_seen"].as_u64().unwrap();
    let walks = s1["counters"]["walks_sent"].as_u64().unwrap();
    // Every predicted tile was seen, with one message per leg of 4 tiles.
    assert!(seen >= 100, "{s1:#}");
    assert!(walks * 4 >= seen && walks * 3 <= seen, "{s1:#}");

    // A speed the server does not walk at is refused before anything is sent.
    let output = run_loadgen(&args("20")).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("steps_per_second"), "{stderr}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadgen_smoke_m1_media() {
    let server = Running::start("media", Config::default()).await;
    let m1 = loadgen(
        &[
            "m1",
            "--url",
            &server.url,
            "--invite",
            &server.invite,
            "--groups",
            "2",
            "--group-size",
            "3",
            "--video-kbps",
            "300",
            "--duration",
            "2",
            "--warmup",
            "1",
        ],
        &server.dir.join("m1.json"),
    )
    .await;
    assert_eq!(m1["clients_connected"], 6, "{m1:#}");
    assert_eq!(m1["errors_total"], 0, "{m1:#}");
    // Two seconds of 50 audio and 30 video frames from each of six
    // senders, to two others each: at least half of that was sent, and
    // every frame sent in the window arrived (loss compares with the
    // frames actually sent).
    let received = m1["counters"]["frames_received_in_window"]
        .as_u64()
        .unwrap();
    assert!(received >= 6 * 2 * 80, "{m1:#}");
    assert_eq!(m1["server_extra"]["loss_percent"], 0.0, "{m1:#}");
    for delay in [
        "forward_delay_audio",
        "forward_delay_video",
        "forward_delay_from_due",
        "send_lag",
    ] {
        assert!(
            m1["latencies"][delay]["count"].as_u64().unwrap() > 0,
            "{delay}: {m1:#}"
        );
    }
    // Each frame's delay from its due time includes its delay from its
    // write, so on average (audio and video together) it is no shorter
    // than the shorter kind's (the histograms keep three digits).
    let mean = |name: &str| m1["latencies"][name]["mean_ms"].as_f64().unwrap();
    assert!(
        mean("forward_delay_from_due") * 1.001
            >= mean("forward_delay_audio").min(mean("forward_delay_video")),
        "{m1:#}"
    );
    // Video frames are counted with their bytes (300 kbit/s at 30 frames/s).
    let bytes = m1["counters"]["bytes_received_in_window"].as_u64().unwrap();
    assert!(bytes >= 6 * 2 * 2 * 30 * 1_250, "{m1:#}");
    server.stop().await;
}
