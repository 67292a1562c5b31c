//! A real SMTP server for the e-mail tests: `scripts/lib/smtp_catcher.py` (Python's
//! aiosmtpd) as a child process, catching every message it accepts into a directory,
//! decoded (envelope, headers, subject, text, HTML) as one JSON file per message.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The SMTP server: a child process catching messages into `dir`.
pub struct Catcher {
    child: Child,
    dir: PathBuf,
}

impl Catcher {
    pub fn start(port: u16, dir: &Path, auth: Option<(&str, &str)>) -> Catcher {
        Catcher::start_with(port, dir, auth, 0)
    }

    /// Starts on a free port (another one if the first is taken meanwhile).
    pub fn start_free(dir: &Path, auth: Option<(&str, &str)>, delay_ms: u64) -> (Catcher, u16) {
        for _ in 0..10 {
            let port = free_port();
            if let Some(c) = Catcher::try_start(port, dir, auth, delay_ms) {
                return (c, port);
            }
        }
        panic!("the SMTP catcher found no free port");
    }

    pub fn start_with(port: u16, dir: &Path, auth: Option<(&str, &str)>, delay_ms: u64) -> Catcher {
        Catcher::try_start(port, dir, auth, delay_ms).expect("the SMTP catcher starts")
    }

    /// `delay_ms`: the server answers each message this much later (a slow server).
    /// `None` when it could not listen on `port`.
    pub fn try_start(port: u16, dir: &Path, auth: Option<(&str, &str)>, delay_ms: u64) -> Option<Catcher> {
        Catcher::try_start_args(port, dir, auth, delay_ms, &[])
    }

    /// Requires STARTTLS with a fresh self-signed certificate, written (the certificate
    /// only) to `cert_out` for the client to trust. On a free port.
    pub fn start_free_starttls(dir: &Path, auth: Option<(&str, &str)>, cert_out: &Path) -> (Catcher, u16) {
        for _ in 0..10 {
            let port = free_port();
            let out = cert_out.to_str().unwrap();
            if let Some(c) = Catcher::try_start_args(port, dir, auth, 0, &["--starttls-cert-out", out]) {
                return (c, port);
            }
        }
        panic!("the SMTP catcher found no free port");
    }

    fn try_start_args(
        port: u16,
        dir: &Path,
        auth: Option<(&str, &str)>,
        delay_ms: u64,
        extra: &[&str],
    ) -> Option<Catcher> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/lib/smtp_catcher.py");
        let mut cmd = Command::new("python3");
        cmd.arg(&script)
            .arg("--dir")
            .arg(dir)
            .arg("--port")
            .arg(port.to_string())
            .arg("--delay-ms")
            .arg(delay_ms.to_string());
        if let Some((user, password)) = auth {
            cmd.args(["--user", user, "--password", password]);
        }
        cmd.args(extra);
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/setup.sh installs it)");
        let mut line = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        if !line.starts_with("listening") {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        Some(Catcher { child, dir: dir.to_owned() })
    }

    /// Every message caught so far, oldest first (decoded by the catcher).
    pub fn messages(&self) -> Vec<Value> {
        caught(&self.dir)
    }

    /// Waits until at least `n` messages were caught.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(started.elapsed() < within, "{} of {n} messages caught within {within:?}", m.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn caught(dir: &Path) -> Vec<Value> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect()
        })
        .unwrap_or_default();
    names.sort();
    names.iter().map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()).collect()
}

impl Drop for Catcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
