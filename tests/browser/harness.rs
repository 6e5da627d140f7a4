//! Headless Chromium driven over WebDriver (`chromedriver` + `fantoccini`),
//! against the real server started in-process on port 0.
//!
//! - [`tools`] finds `chromium` and `chromedriver` (or `CHROME` /
//!   `CHROMEDRIVER`). Missing locally: the test prints `skipped: …` and
//!   passes; with `CI` set, missing tools fail the test.
//! - [`Driver`] runs one `chromedriver` on a free port; [`Driver::browser`]
//!   opens a fresh Chromium (its own profile directory, so its own
//!   `localStorage`) per person.
//! - Every wait is a condition polled with a timeout ([`Browser::wait`]),
//!   never a fixed sleep. A failed wait saves a screenshot first.

use crate::common::free_port;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Longest wait for any one condition in a page.
pub const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(40);

/// Browser tests run one at a time: each starts several Chromiums and the
/// machine may have two cores.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Paths of the browser and its driver, or why they are unavailable.
pub fn tools() -> Result<(PathBuf, PathBuf), String> {
    let chrome = std::env::var_os("CHROME")
        .map(PathBuf::from)
        .or_else(|| {
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .find_map(|n| which(n))
        })
        .ok_or("no chromium found (install Debian's `chromium`, or set CHROME)")?;
    let driver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| which("chromedriver"))
        .ok_or("no chromedriver found (install Debian's `chromium-driver`, or set CHROMEDRIVER)")?;
    Ok((chrome, driver))
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Returns the tools, or `None` after printing why the test is skipped.
/// Under CI a missing browser is a failure, never a skip.
pub fn tools_or_skip(test: &str) -> Option<(PathBuf, PathBuf)> {
    match tools() {
        Ok(found) => Some(found),
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("{test}: CI is set but the browser tests cannot run: {why}")
        }
        Err(why) => {
            println!("skipped: {test}: {why}");
            None
        }
    }
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, else `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Where screenshots go: `target/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = target_dir().join("screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn unique_dir(what: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "amphi-browser-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// One running `chromedriver`; killed (by its own pid) when dropped.
pub struct Driver {
    chrome: PathBuf,
    child: Child,
    url: String,
    profiles: Vec<PathBuf>,
}

impl Driver {
    pub async fn start(chrome: PathBuf, driver: PathBuf) -> Driver {
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < WAIT,
                "chromedriver did not listen on {port}"
            );
            tokio::time::sleep(POLL).await;
        }
        Driver {
            chrome,
            child,
            url,
            profiles: Vec::new(),
        }
    }

    /// A fresh headless Chromium with its own profile, 1280×800.
    pub async fn browser(&mut self, name: &str) -> Browser {
        self.browser_sized(name, 1280, 800).await
    }

    pub async fn browser_sized(&mut self, name: &str, width: u32, height: u32) -> Browser {
        let profile = unique_dir(name);
        self.profiles.push(profile.clone());
        let caps = json!({
            "goog:chromeOptions": {
                "binary": self.chrome.to_string_lossy(),
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--hide-scrollbars",
                    "--lang=fr-FR",
                    // A fake camera and microphone, allowed without asking.
                    "--use-fake-ui-for-media-stream",
                    "--use-fake-device-for-media-stream",
                    "--autoplay-policy=no-user-gesture-required",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            }
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = ClientBuilder::rustls()
            .expect("rustls connector")
            .capabilities(caps)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("new Chromium session for {name}: {e}"));
        Browser {
            client,
            name: name.to_string(),
        }
    }
}

impl Drop for Driver {
    /// Ends every Chromium this driver started (a test that fails, or does not
    /// close its browsers, must not leave them running for the next tests),
    /// then chromedriver itself.
    fn drop(&mut self) {
        for dir in &self.profiles {
            let pattern = format!(
                "--user-data-dir={}( |$)",
                regex_escape(&dir.to_string_lossy())
            );
            let _ = Command::new("pkill")
                .args(["-KILL", "-f", "--", &pattern])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for dir in &self.profiles {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// `text` as an extended regular expression matching itself (for `pkill -f`).
fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if ".^$*+?()[]{}|\\".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// One person's browser.
pub struct Browser {
    pub client: Client,
    pub name: String,
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{}: goto {url}: {e}", self.name));
    }

    /// Runs a script body (`return …;`) with `arguments`.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("{}: script failed: {e}\n{script}", self.name))
    }

    /// Polls `script` until it returns something truthy; returns that value.
    pub async fn wait(&self, what: &str, script: &str, args: Vec<Value>) -> Value {
        let started = Instant::now();
        loop {
            let last = match self.client.execute(script, args.clone()).await {
                Ok(v) if truthy(&v) => return v,
                Ok(v) => v,
                Err(e) => Value::String(e.to_string()),
            };
            if started.elapsed() > WAIT {
                self.screenshot(&format!("FAILED-{}", self.name)).await;
                let errors = self.js("return window.__errors || [];", vec![]).await;
                panic!(
                    "{}: timed out after {WAIT:?} waiting for {what} (last: {last}); page errors: {errors}",
                    self.name
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for an element and clicks it (in the page, like a user would).
    pub async fn click(&self, selector: &str) {
        self.wait(
            &format!("{selector} to be clickable"),
            "const el = document.querySelector(arguments[0]); if (!el || el.disabled || !el.offsetParent) return false; el.click(); return true;",
            vec![json!(selector)],
        )
        .await;
    }

    /// Sets a field's value as typing would (fires `input` and `change`).
    pub async fn fill(&self, selector: &str, value: &str) {
        self.wait(
            &format!("{selector} to fill"),
            "const el = document.querySelector(arguments[0]); if (!el) return false; el.focus(); el.value = arguments[1]; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return true;",
            vec![json!(selector), json!(value)],
        )
        .await;
    }

    /// The text of an element ('' when absent).
    pub async fn text(&self, selector: &str) -> String {
        self.js(
            "const el = document.querySelector(arguments[0]); return el ? el.textContent : '';",
            vec![json!(selector)],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Waits until an element's text contains `needle`.
    pub async fn wait_text(&self, selector: &str, needle: &str) {
        self.wait(
            &format!("{selector} to contain {needle:?}"),
            "const el = document.querySelector(arguments[0]); return Boolean(el && el.textContent.includes(arguments[1]));",
            vec![json!(selector), json!(needle)],
        )
        .await;
    }

    /// Saves a PNG under `target/screenshots/<name>.png`, once the page's
    /// finite animations (leaderboard FLIP, fades) have finished.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let settle = "return document.getAnimations().every((a) => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity);";
        let started = Instant::now();
        while !truthy(
            &self
                .client
                .execute(settle, vec![])
                .await
                .unwrap_or(Value::Bool(true)),
        ) && started.elapsed() < Duration::from_secs(3)
        {
            tokio::time::sleep(POLL).await;
        }
        let path = screenshot_dir().join(format!("{name}.png"));
        match self.client.screenshot().await {
            Ok(png) => {
                let _ = std::fs::write(&path, png);
            }
            Err(e) => eprintln!("{}: screenshot {name} failed: {e}", self.name),
        }
        path
    }

    /// Runs a DevTools protocol command through chromedriver
    /// (`goog/cdp/execute`) and returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_string(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("{}: DevTools {cmd}: {e}", self.name))
    }

    /// Time the page's main thread has spent running tasks (script, style,
    /// layout, paint), in seconds since the page opened: Chromium's
    /// `TaskDuration` metric.
    pub async fn busy_seconds(&self) -> f64 {
        self.cdp("Performance.enable", json!({})).await;
        let metrics = self.cdp("Performance.getMetrics", json!({})).await;
        metrics["metrics"]
            .as_array()
            .and_then(|all| all.iter().find(|m| m["name"] == "TaskDuration"))
            .and_then(|m| m["value"].as_f64())
            .unwrap_or_else(|| panic!("{}: no TaskDuration in {metrics}", self.name))
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// A Chrome DevTools protocol command sent through chromedriver.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (http::Method::POST, Some(body.to_string()))
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// Collects page errors so a failed wait can report them. Pages load it
/// through `?debug=1`; this script adds a listener after load.
pub const CATCH_ERRORS: &str = "if (!window.__errors) { window.__errors = []; window.addEventListener('error', (e) => window.__errors.push(String(e.message))); window.addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason && (e.reason.message || e.reason.code || e.reason)))); } return true;";
