//! `amphi-loadgen`: an open-loop load generator that speaks Amphi's real
//! WebSocket protocol as many simulated clients (see `BENCHMARKS.md`).
//!
//! Every client sends on its own schedule and latencies are measured from the
//! *intended* send time, so a slow server cannot hide its delay (no
//! coordinated omission). Percentiles come from HdrHistograms. With
//! `--server-pid` the server's CPU and resident memory are sampled from
//! `/proc`. The report is printed as a table and written as JSON (`--json`).
//!
//! Load goes to the loopback interface only, at most 10,000 sockets, and
//! every run ends by itself.
//!
//! ```text
//! amphi-loadgen s1 --links-from links.txt --server-pid 1234 --duration 20 --json s1.json
//! ```

mod cli;
mod client;
mod clock;
mod media_client;
mod media_frames;
mod procstat;
mod recorder;
mod report;
mod scenarios;
mod udp_batch;

use anyhow::Context;
use clap::Parser;
use cli::{Cli, Scenario};
use scenarios::Ctx;
use std::sync::Arc;
use std::time::Duration;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    let code = runtime.block_on(run(cli))?;
    // Do not wait for lingering client tasks: the report is out.
    runtime.shutdown_timeout(Duration::from_millis(500));
    std::process::exit(code);
}

async fn run(cli: Cli) -> anyhow::Result<i32> {
    let target = cli.target()?;
    clock::now_us();
    let ctx = Arc::new(Ctx {
        server: cli
            .server_pid
            .map(|pid| procstat::Sampler::start(pid, Duration::from_millis(500))),
        me: Some(procstat::Sampler::start(
            std::process::id(),
            Duration::from_millis(500),
        )),
        handshakes: Arc::new(tokio::sync::Semaphore::new(cli.connect_concurrency.max(1))),
        rec: Arc::default(),
        venue: tokio::sync::OnceCell::new(),
        tag: {
            use rand::Rng;
            let mut rng = rand::rng();
            (0..4)
                .map(|_| rng.random_range(b'a'..=b'z') as char)
                .collect()
        },
        target,
        cli: cli.clone(),
    });
    // Hard stop: whatever happens, the run ends.
    let limit = Duration::from_secs_f64(cli.duration + 600.0);
    let run = async {
        match cli.scenario {
            Scenario::S1 => scenarios::s1_positions::run(ctx.clone()).await,
            Scenario::S2 => scenarios::s2_idle::run(ctx.clone()).await,
            Scenario::S3 => scenarios::s3_chat::run(ctx.clone()).await,
            Scenario::S4 => scenarios::s4_spectators::run(ctx.clone()).await,
            Scenario::S5 => scenarios::s5_reconnect::run(ctx.clone()).await,
            Scenario::S6 => scenarios::s6_durable::run(ctx.clone()).await,
            Scenario::M1 => {
                scenarios::m1_media::run(ctx.clone(), scenarios::m1_media::Shape::Tables).await
            }
            Scenario::M2 => {
                scenarios::m1_media::run(ctx.clone(), scenarios::m1_media::Shape::FanOut).await
            }
            Scenario::M3 => {
                scenarios::m1_media::run(ctx.clone(), scenarios::m1_media::Shape::Stage).await
            }
            Scenario::R1 => scenarios::r1_reactions::run(ctx.clone()).await,
        }
    };
    let report = tokio::time::timeout(limit, run)
        .await
        .context("the run exceeded its time limit")??;
    print!("{}", report.table());
    if let Some(path) = &cli.json {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(if cli.fail_on_check && !report.all_checks_pass() {
        2
    } else {
        0
    })
}
