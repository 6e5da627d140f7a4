//! The real `amphi` executable, started on a free port and a data directory:
//! the printed join links are parsed, stderr is kept for assertions, and the
//! process is killed with SIGKILL (`Child::kill`) or stopped with the test.

use crate::common::free_port;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the binary may take to print its links.
const START_WAIT: Duration = Duration::from_secs(15);

/// A config file for the load: chat budgets no test reaches (the defaults
/// would rate-limit a load generator after a few messages), and a snapshot
/// every second so that kills also land during snapshots.
pub fn load_config(dir: &Path) -> PathBuf {
    let path = dir.join("amphi-test.toml");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        &path,
        "snapshot_interval_secs = 1\n[rate_limits.chat]\nper_second = 1000000.0\nburst = 1000000\n\
         [rate_limits.other]\nper_second = 1000000.0\nburst = 1000000\n",
    )
    .unwrap();
    path
}

/// A free local port: bind port 0, note the port, close the socket.
fn amphi() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amphi"));
    command
        .env("AMPHI_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .env_remove("AMPHI_BOOTSTRAP_TOKEN")
        .env_remove("AMPHI_CONFIG")
        .env_remove("AMPHI_LISTEN")
        .env_remove("AMPHI_DATA_DIR");
    command
}

/// A running `amphi serve`.
pub struct Amphi {
    child: Child,
    pub addr: SocketAddr,
    /// `role → URL`, as printed on stdout.
    pub links: HashMap<String, String>,
    stderr: Arc<Mutex<String>>,
}

impl Amphi {
    /// Starts the binary on `data_dir` (with `config` if given and extra
    /// environment) and waits for its join links. Retries on another port if
    /// the chosen one was taken in between.
    pub fn start(data_dir: &Path, config: Option<&Path>, env: &[(&str, &str)]) -> Amphi {
        let mut last = String::new();
        for _ in 0..3 {
            match Amphi::try_start(data_dir, config, env) {
                Ok(amphi) => return amphi,
                Err(why) => last = why,
            }
        }
        panic!("amphi did not start: {last}");
    }

    /// One attempt at [`Amphi::start`]: `Err` with the reason (and stderr)
    /// when no links were printed, e.g. a start refused by the store.
    pub fn try_start(
        data_dir: &Path,
        config: Option<&Path>,
        env: &[(&str, &str)],
    ) -> Result<Amphi, String> {
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let mut command = amphi();
        command
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + START_WAIT;
        let mut links = HashMap::new();
        while !links.contains_key("spectator") {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some((role, url)) = line.split_once(": ") {
                        links.insert(role.to_string(), url.to_string());
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "no links printed; stderr: {}",
                        stderr.lock().unwrap()
                    ));
                }
            }
        }
        Ok(Amphi {
            child,
            addr,
            links,
            stderr,
        })
    }

    /// `ws://…/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The invite token of a printed link.
    pub fn token(&self, role: &str) -> String {
        let url = self
            .links
            .get(role)
            .unwrap_or_else(|| panic!("no {role} link in {:?}", self.links));
        url.split("invite=").nth(1).unwrap().to_string()
    }

    /// Everything written on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// SIGKILL (`Child::kill` on Unix), and reap the process.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Amphi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `amphi dump --data-dir DIR`: the recovered state as JSON.
pub fn dump(data_dir: &Path) -> Value {
    let output = amphi()
        .arg("dump")
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "amphi dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Runs `amphi` on `data_dir` expecting it to exit by itself (a refused
/// start); returns its status and stderr.
pub fn run_until_exit(data_dir: &Path) -> (ExitStatus, String) {
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let mut child = amphi()
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + START_WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return (status, stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("amphi kept running on a store it should refuse");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
