//! The `amphi` command line: parses flags and environment, starts the server,
//! prints the join links, and turns Ctrl-C / SIGTERM into a graceful shutdown.

use amphi::config::{Config, Overrides};
use amphi::{Server, StartError};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

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
}

#[derive(Debug, Clone, clap::Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "AMPHI_LISTEN", global = true)]
    listen: Option<SocketAddr>,
    /// Data directory [default: ./data].
    #[arg(long, env = "AMPHI_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// A Tiled map (.tmj) to use instead of the embedded venue.
    #[arg(long, env = "AMPHI_MAP", global = true)]
    map: Option<PathBuf>,
    /// A TOML configuration file.
    #[arg(long, env = "AMPHI_CONFIG", global = true)]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AMPHI_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Serve(args)) => args,
        None => cli.serve,
    };
    serve(args).await
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let file = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    let config = file.with_overrides(Overrides {
        listen: args.listen,
        data_dir: args.data_dir,
        map: args.map,
    });
    let server = Server::start(config)
        .await
        .map_err(explain)
        .context("cannot start amphi")?;
    tracing::info!(addr = %server.local_addr(), "amphi is serving");
    for link in server.join_links() {
        println!("{}: {}", link.role, link.url);
    }
    server.run(shutdown_signal()).await?;
    Ok(())
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
