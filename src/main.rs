//! The `amphi` command line: parses flags and environment, starts the server,
//! prints the join links, and turns Ctrl-C / SIGTERM into a graceful shutdown.
//!
//! `amphi dump --data-dir DIR [--event ID]` recovers an event offline (the
//! same recovery as at start, no server) and prints its state as JSON.
//! `amphi check-map FILE [--map-root DIR]` checks a venue map, offline.
//! `amphi event list|show|create|clone|phase|archive|delete --server URL`
//! manages a running server's events through its admin API (the operator
//! token from `AMPHI_ADMIN_TOKEN`).
//! `amphi media --control ADDR --udp ADDR` runs a media server of its own,
//! driven by a venue server (`[[media.nodes]]`, see `docs/media.md`).
//!
//! Errors are printed as plain text (each cause once, never a backtrace,
//! whatever `RUST_BACKTRACE` says): an operator reads them, not a debugger.

use amphi::config::{Config, Overrides, SecretString};
use amphi::domain::results::ExportFormat;
use amphi::{Server, ServerOptions, StartError};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "amphi",
    version,
    about = "A real-time virtual venue for hackathons"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the venue (the default).
    Serve(ServeArgs),
    /// Recover an event from the data directory, offline, and print its
    /// durable state as JSON on stdout (the server must not be running).
    Dump(DumpArgs),
    /// Export an event's results (teams, scores by criterion and juror,
    /// ranking, votes, labels) as open data, from the data directory.
    Export(ExportArgs),
    /// Check a Tiled map without starting a server: every problem at once,
    /// then the rooms, seats, spawn points and tilesets an event would get.
    /// Exit status 0 when the map can be used, 1 when it is refused.
    CheckMap(CheckMapArgs),
    /// Manage the events of a running server (admin API; the operator
    /// token is read from AMPHI_ADMIN_TOKEN).
    Event(EventArgs),
    /// Run a media server (voice and video) as a process of its own, for a
    /// venue server that lists it in `[[media.nodes]]`. The shared secret is
    /// read from AMPHI_MEDIA_SECRET.
    Media(MediaArgs),
}

#[derive(Debug, Clone, clap::Args)]
struct EventArgs {
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "AMPHI_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    #[command(subcommand)]
    action: amphi::instance::event_command::EventAction,
}

#[derive(Debug, Clone, clap::Args)]
struct MediaArgs {
    /// Where the venue server connects (TCP), e.g. 10.0.0.5:7000.
    #[arg(long)]
    control: SocketAddr,
    /// The media socket (UDP) browsers send to [default: 127.0.0.1, any port].
    #[arg(long)]
    udp: Option<SocketAddr>,
    /// The address browsers are told to send to (needed with --udp 0.0.0.0:…).
    #[arg(long)]
    public_ip: Option<std::net::IpAddr>,
    /// Seconds a client has to complete ICE before it is dropped.
    #[arg(long, default_value_t = 20)]
    connect_timeout_secs: u64,
}

#[derive(Debug, Clone, clap::Args)]
struct CheckMapArgs {
    /// The map: .tmj, .json or .tmx.
    file: PathBuf,
}

#[derive(Debug, Clone, clap::Args)]
struct ExportArgs {
    /// The event to export; may be omitted when the data directory holds one.
    #[arg(long)]
    event: Option<String>,
    /// json, csv (one row per team × juror × criterion) or ranking-csv
    /// (also spelled ranking.csv, as over HTTP).
    #[arg(long, default_value = "json", value_parser = export_format)]
    format: ExportFormat,
}

#[derive(Debug, Clone, clap::Args)]
struct DumpArgs {
    /// The event to dump; may be omitted when the data directory holds one.
    #[arg(long)]
    event: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "AMPHI_LISTEN", global = true)]
    listen: Option<SocketAddr>,
    /// Data directory [default: ./data].
    #[arg(long, env = "AMPHI_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// A Tiled map (.tmj, .json or .tmx) to use instead of the embedded venue.
    #[arg(long, env = "AMPHI_MAP", global = true)]
    map: Option<PathBuf>,
    /// The folder the map's files are read and served from (for tilesets in
    /// parent folders of the map) [default: the map's folder].
    #[arg(long, env = "AMPHI_MAP_ROOT", global = true)]
    map_root: Option<PathBuf>,
    /// A TOML configuration file.
    #[arg(long, env = "AMPHI_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Cut a journal's last record when it is complete but corrupt, instead
    /// of refusing to start. That command may have been acknowledged: use it
    /// once, after reading the refusal (see docs/storage.md).
    #[arg(long)]
    cut_corrupt_last_record: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::CheckMap(args)) = &cli.command {
        let (text, ok) = amphi::map_check::check_map(&args.file, cli.serve.map_root.as_deref());
        print!("{text}");
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` joins the causes on one line and never adds a backtrace.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AMPHI_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Some(Command::Serve(args)) => serve_with_runtime(args),
        Some(Command::Dump(dump_args)) => {
            runtime(Duration::ZERO)?.block_on(dump(cli.serve, dump_args))
        }
        Some(Command::Export(export_args)) => {
            runtime(Duration::ZERO)?.block_on(export(cli.serve, export_args))
        }
        Some(Command::Event(args)) => runtime(Duration::ZERO)?.block_on(event_command(args)),
        Some(Command::Media(media_args)) => runtime(Duration::ZERO)?.block_on(media(media_args)),
        Some(Command::CheckMap(_)) | None => serve_with_runtime(cli.serve),
    }
}

/// The runtime a command runs on; only serving coalesces wake-ups.
fn runtime(coalesce: Duration) -> anyhow::Result<tokio::runtime::Runtime> {
    amphi::runtime::build(coalesce).context("cannot start the runtime")
}

/// Serves on a runtime built with the configuration's `coalesce_us` (so the
/// configuration is read before the runtime exists).
fn serve_with_runtime(args: ServeArgs) -> anyhow::Result<()> {
    let cut_corrupt_last_record = args.cut_corrupt_last_record;
    let config = configuration(args)?;
    runtime(config.coalesce())?.block_on(serve(config, cut_corrupt_last_record))
}

/// The configuration: file, then environment and flags.
fn configuration(args: ServeArgs) -> anyhow::Result<Config> {
    let file = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    // Only from the environment: a flag would show the secret in `ps`.
    let bootstrap_token = std::env::var("AMPHI_BOOTSTRAP_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .map(SecretString::new);
    let admin_token = std::env::var("AMPHI_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .map(SecretString::new);
    Ok(file.with_overrides(Overrides {
        listen: args.listen,
        data_dir: args.data_dir,
        map: args.map,
        map_root: args.map_root,
        bootstrap_token,
        admin_token,
    }))
}

async fn serve(config: Config, cut_corrupt_last_record: bool) -> anyhow::Result<()> {
    let options = ServerOptions {
        store: amphi::store::StoreOptions {
            cut_corrupt_last_record,
            ..amphi::store::StoreOptions::default()
        },
        ..ServerOptions::default()
    };
    let server = Server::start_with(config, options)
        .await
        .map_err(explain)
        .context("cannot start amphi")?;
    tracing::info!(addr = %server.local_addr(), "amphi is serving");
    for link in server.join_links() {
        println!("{}: {}", link.role, link.url);
    }
    if let Some(link) = server.admin_link() {
        println!("operator: {link}");
    }
    for note in server.notes() {
        eprintln!("note: {note}");
    }
    server.run(shutdown_signal()).await?;
    Ok(())
}

async fn dump(args: ServeArgs, dump_args: DumpArgs) -> anyhow::Result<()> {
    let config = configuration(args)?;
    config.validate()?;
    let state = amphi::startup::dump_event(&config, dump_args.event.as_deref())
        .await
        .map_err(explain)
        .context("cannot dump the event")?;
    let mut text = serde_json::to_string_pretty(&state)?;
    text.push('\n');
    print_all(&text)
}

/// Writes `text` to stdout; a reader that stopped early (`amphi dump |
/// head`) is not an error.
fn print_all(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn explain(err: StartError) -> anyhow::Error {
    anyhow::Error::new(err)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// `amphi export`: the results of a (stopped or running) event, offline.
async fn export(args: ServeArgs, export_args: ExportArgs) -> anyhow::Result<()> {
    let config = configuration(args)?;
    config.validate()?;
    let text =
        amphi::startup::export_event(&config, export_args.event.as_deref(), export_args.format)
            .await
            .map_err(explain)
            .context("cannot export the event")?;
    print_all(&text)
}

/// `amphi event …`: one admin API call, its answer on stdout.
async fn event_command(args: EventArgs) -> anyhow::Result<()> {
    let token = std::env::var("AMPHI_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .context("set AMPHI_ADMIN_TOKEN to the operator token")?;
    let answer = amphi::instance::event_command::run(&args.server, &token, args.action).await?;
    print_all(&answer)
}

/// `amphi media`: a media server for a venue server elsewhere.
async fn media(args: MediaArgs) -> anyhow::Result<()> {
    // Only from the environment: a flag would show the secret in `ps`.
    let secret = std::env::var("AMPHI_MEDIA_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
        .map(SecretString::new)
        .context("AMPHI_MEDIA_SECRET must hold the secret shared with the venue server")?;
    let defaults = amphi::media::MediaConfig::default();
    let options = amphi::media::node::NodeOptions {
        control: args.control,
        media: amphi::media::MediaConfig {
            udp: args.udp.unwrap_or(defaults.udp),
            public_ip: args.public_ip,
            connect_timeout_secs: args.connect_timeout_secs,
            ..defaults
        },
        secret,
    };
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let node = amphi::media::node::Node::bind(options, shutdown_rx)
        .await
        .context("cannot start the media server")?;
    let (control, udp) = node.addrs()?;
    println!("media control: {control}");
    println!("media udp: {udp}");
    let served = tokio::spawn(node.run());
    shutdown_signal().await;
    let _ = shutdown_tx.send(true);
    let _ = served.await;
    Ok(())
}

/// `--format`: one of [`ExportFormat::NAMES`].
fn export_format(name: &str) -> Result<ExportFormat, String> {
    ExportFormat::parse(name).ok_or_else(|| format!("expected {}", ExportFormat::NAMES))
}
