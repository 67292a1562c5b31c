//! Settings, layered: defaults < the optional TOML file (`--config`) < environment
//! (`COFUND_*`) < command-line flags. Clap reads flags and environment (flags win);
//! this module puts the file and the defaults underneath.

use crate::storage::DatabaseLocation;
use anyhow::Context;
use ipnet::IpNet;
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE: &str = "sqlite:cofund.db";
pub const DEFAULT_DEMO_DATABASE: &str = "sqlite:data/demo.db";
pub const DEFAULT_WIDGET_DIR: &str = "dist";
pub const DEFAULT_DASHBOARD_DIR: &str = "dashboard/dist";
/// How long the widget's loader and other fixed-name files are kept before
/// revalidation: a new build reaches every visitor within this time.
pub const DEFAULT_LOADER_MAX_AGE_SECS: u32 = 300;
/// What administration commands put in links (they print none).
pub const DEFAULT_PUBLIC_URL_FOR_CLI: &str = "http://127.0.0.1:8080";
pub const DEFAULT_LOG: &str = "info,sqlx=warn,tower_http=info";
/// Pledge POSTs one client address may make per minute, sustained (0: no limit).
pub const DEFAULT_PLEDGE_RATE_PER_MINUTE: u32 = 60;
/// Pledge POSTs one client address may make at once before the rate applies.
pub const DEFAULT_PLEDGE_BURST: u32 = 30;
/// How long an idempotency key replays its first answer.
pub const DEFAULT_IDEMPOTENCY_TTL_HOURS: u64 = 24;
/// How often expired idempotency records are swept.
pub const DEFAULT_IDEMPOTENCY_SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// What the server needs to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `host:port` to bind; port 0 picks a free port.
    pub addr: String,
    pub database: DatabaseLocation,
    /// Base URL the public sees (for `links.pledge` and the embed snippet), without a
    /// trailing slash. `None`: `http://{bound address}`.
    pub public_url: Option<String>,
    /// The built widget (Trunk's `dist`), served under `/widget/`.
    pub widget_dir: PathBuf,
    /// Seconds browsers and caches keep the widget's fixed-name files (the loader
    /// `cofund.js`, `cofund-frame.js`) before revalidating; content-named files are
    /// kept for a year.
    pub loader_max_age_secs: u32,
    /// The built dashboard (`dashboard/dist`), served under `/manage/`.
    pub dashboard_dir: PathBuf,
    /// Open live-event streams this instance accepts; more get `503`.
    pub max_subscribers: usize,
    /// Open event streams per client address (IPv4, or IPv6 /64); more get `503`.
    pub max_streams_per_client: usize,
    /// How long one event stream stays open; the client then reconnects.
    pub stream_lifetime: Duration,
    /// Pledge POSTs per client address and minute, sustained; `0` turns the limit off.
    pub pledge_rate_per_minute: u32,
    /// Pledge POSTs per client address allowed at once before the rate applies.
    pub pledge_burst: u32,
    /// Proxies whose `X-Forwarded-For` is believed; from any other peer the socket
    /// address is the client's.
    pub trusted_proxies: Vec<IpNet>,
    /// How long an idempotency key replays its first answer; older records are swept.
    pub idempotency_ttl: Duration,
    /// How often the sweep of expired idempotency records runs.
    pub idempotency_sweep_interval: Duration,
    /// Serve `/metrics`.
    pub metrics: bool,
    /// Addresses that may read `/metrics` without an admin token.
    pub metrics_allow: Vec<IpNet>,
    /// Online payment of pledges.
    pub payments: PaymentsSetting,
    /// The SMTP server for e-mail to donors; `None`: e-mail is off.
    pub mail: Option<crate::mail::smtp::SmtpSettings>,
    /// How the outbox sender paces itself.
    pub mail_sender: crate::mail::sender::SenderSettings,
    /// How often reminders are looked for.
    pub reminder_interval: Duration,
    /// The demo only: a directory of caught e-mail shown at `/dev/mailbox`.
    pub dev_mailbox: Option<PathBuf>,
}

/// How often due reminders are looked for.
pub const DEFAULT_REMINDER_INTERVAL: Duration = Duration::from_secs(3600);

/// Which payment provider takes online payments (`--payments`).
#[derive(Clone, PartialEq, Eq, Default)]
pub enum PaymentsSetting {
    /// None: donors transfer (the default).
    #[default]
    Off,
    /// The built-in test provider under `/demo-psp/`: no money moves.
    Demo,
    /// Mollie's API with this key, at `api_url` (default `https://api.mollie.com`).
    Mollie { api_key: crate::payments::ApiKey, api_url: String },
}

impl std::fmt::Debug for PaymentsSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaymentsSetting::Off => write!(f, "Off"),
            PaymentsSetting::Demo => write!(f, "Demo"),
            PaymentsSetting::Mollie { api_url, .. } => write!(f, "Mollie {{ api_url: {api_url:?}, api_key: … }}"),
        }
    }
}

impl PaymentsSetting {
    /// From `off`, `demo` or `mollie`; `mollie` needs the API key (configuration file or
    /// `COFUND_MOLLIE_API_KEY`, never a flag, so it shows in no process list).
    pub fn parse(kind: &str, api_key: Option<String>, api_url: Option<String>) -> anyhow::Result<PaymentsSetting> {
        match kind.trim() {
            "off" | "" => Ok(PaymentsSetting::Off),
            "demo" => Ok(PaymentsSetting::Demo),
            "mollie" => {
                let Some(key) = api_key.filter(|k| !k.trim().is_empty()) else {
                    anyhow::bail!("--payments mollie needs the Mollie API key: set COFUND_MOLLIE_API_KEY or mollie_api_key in the config file");
                };
                if !(key.starts_with("live_") || key.starts_with("test_")) {
                    anyhow::bail!("the Mollie API key must start with live_ or test_ (it is the profile's API key, not the access token)");
                }
                Ok(PaymentsSetting::Mollie {
                    api_key: crate::payments::ApiKey::new(key.trim()),
                    api_url: api_url.unwrap_or_else(|| crate::payments::mollie::MOLLIE_API.to_owned()),
                })
            }
            other => anyhow::bail!("--payments {other:?}: use off, demo or mollie"),
        }
    }
}

impl Settings {
    /// Settings for a server on a random loopback port with the given database file.
    pub fn for_tests(database: &Path) -> Settings {
        Settings {
            addr: "127.0.0.1:0".to_owned(),
            database: DatabaseLocation::Sqlite(database.to_owned()),
            public_url: None,
            payments: PaymentsSetting::Off,
            widget_dir: PathBuf::from(DEFAULT_WIDGET_DIR),
            loader_max_age_secs: DEFAULT_LOADER_MAX_AGE_SECS,
            dashboard_dir: PathBuf::from(DEFAULT_DASHBOARD_DIR),
            max_subscribers: crate::domain::DEFAULT_MAX_SUBSCRIBERS,
            max_streams_per_client: crate::domain::live::DEFAULT_MAX_STREAMS_PER_CLIENT,
            stream_lifetime: crate::domain::DEFAULT_STREAM_LIFETIME,
            // Tests make hundreds of pledges from one loopback address; the limit's own
            // tests turn it on.
            pledge_rate_per_minute: 0,
            pledge_burst: DEFAULT_PLEDGE_BURST,
            trusted_proxies: Vec::new(),
            idempotency_ttl: Duration::from_secs(DEFAULT_IDEMPOTENCY_TTL_HOURS * 3600),
            idempotency_sweep_interval: DEFAULT_IDEMPOTENCY_SWEEP_INTERVAL,
            metrics: false,
            metrics_allow: Vec::new(),
            mail: None,
            mail_sender: crate::mail::sender::SenderSettings::default(),
            reminder_interval: DEFAULT_REMINDER_INTERVAL,
            dev_mailbox: None,
        }
    }
}

/// Reads addresses and networks: `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`.
pub fn parse_networks(setting: &str, items: &[String]) -> anyhow::Result<Vec<IpNet>> {
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>().or_else(|_| s.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                anyhow::anyhow!("{setting}: {s:?} is not an IP address or network (e.g. 10.0.0.1 or 10.0.0.0/8)")
            })
        })
        .collect()
}

/// The optional config file. Every key is optional; see `server/cofund.example.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub addr: Option<String>,
    pub database: Option<String>,
    pub public_url: Option<String>,
    pub widget_dir: Option<PathBuf>,
    pub loader_max_age_secs: Option<u32>,
    pub dashboard_dir: Option<PathBuf>,
    pub log: Option<String>,
    pub max_subscribers: Option<usize>,
    pub max_streams_per_client: Option<usize>,
    pub log_format: Option<crate::telemetry::LogFormat>,
    pub pledge_rate_per_minute: Option<u32>,
    pub pledge_burst: Option<u32>,
    pub trusted_proxies: Option<Vec<String>>,
    pub idempotency_ttl_hours: Option<u64>,
    pub metrics: Option<bool>,
    pub metrics_allow: Option<Vec<String>>,
    /// `off`, `demo` or `mollie`.
    pub payments: Option<String>,
    /// The Mollie API key (or COFUND_MOLLIE_API_KEY). Keep this file readable by the
    /// server only.
    pub mollie_api_key: Option<String>,
    /// Mollie's API base URL (tests point it elsewhere). Default https://api.mollie.com.
    pub mollie_api_url: Option<String>,
    /// The SMTP server as a URL: smtp://[USER[:PASSWORD]@]HOST[:PORT] (STARTTLS),
    /// smtps://… (TLS), smtp://…?tls=none (loopback only). Or COFUND_SMTP_URL.
    pub smtp_url: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    /// starttls (default), tls or none (loopback only).
    pub smtp_tls: Option<String>,
    /// A PEM file of a CA to trust besides the system's roots (a relay with a private
    /// certificate).
    pub smtp_ca_file: Option<String>,
    pub smtp_user: Option<String>,
    /// Only here or in COFUND_SMTP_PASSWORD, never a flag.
    pub smtp_password: Option<String>,
    /// The sender of e-mail to donors: "Name <address>" or an address.
    pub mail_from: Option<String>,
    /// Reply-To of e-mail to donors, unless a cohort names its own.
    pub reply_to: Option<String>,
    /// Seconds before the first retry of a failed delivery (doubled per attempt, at most an hour).
    pub mail_retry_secs: Option<u64>,
    /// Seconds a sender holds a claimed message before another instance may send it.
    pub mail_lease_secs: Option<u64>,
    /// News to donors: at most this many messages a minute.
    pub mail_news_per_minute: Option<u32>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else { return Ok(FileConfig::default()) };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading the config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("in the config file {}", path.display()))
    }
}

/// Picks the first value given: flag or environment, then the file, then the default.
pub fn layer<T>(flag_or_env: Option<T>, file: Option<T>, default: impl FnOnce() -> T) -> T {
    flag_or_env.or(file).unwrap_or_else(default)
}

/// Normalises a public URL: no trailing slash, http(s) only.
pub fn normalise_public_url(url: &str) -> anyhow::Result<String> {
    let u = url.trim().trim_end_matches('/');
    if !(u.starts_with("http://") || u.starts_with("https://")) || u.contains(char::is_whitespace) {
        anyhow::bail!("public URL {url:?} must start with http:// or https://");
    }
    Ok(u.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_file_is_valid_and_complete() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("cofund.example.toml");
        let file = FileConfig::load(Some(&path)).unwrap();
        assert_eq!(file.addr.as_deref(), Some("127.0.0.1:8080"));
        assert!(
            file.database.is_some() && file.public_url.is_some() && file.widget_dir.is_some() && file.log.is_some()
        );
        assert!(normalise_public_url(file.public_url.as_deref().unwrap()).is_ok());
        assert!(file.log_format.is_some() && file.pledge_rate_per_minute.is_some() && file.pledge_burst.is_some());
        assert!(file.idempotency_ttl_hours.is_some() && file.metrics.is_some() && file.loader_max_age_secs.is_some());
        assert!(!parse_networks("trusted_proxies", file.trusted_proxies.as_deref().unwrap()).unwrap().is_empty());
        assert!(!parse_networks("metrics_allow", file.metrics_allow.as_deref().unwrap()).unwrap().is_empty());
        assert!(
            file.smtp_host.is_some()
                && file.mail_from.is_some()
                && file.reply_to.is_some()
                && file.mail_retry_secs.is_some()
        );
    }

    #[test]
    fn networks_are_addresses_or_cidrs_and_anything_else_is_named() {
        let nets =
            parse_networks("x", &["10.0.0.1".into(), "192.168.0.0/16".into(), "::1".into(), " ".into()]).unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[0].contains(&"10.0.0.1".parse::<IpAddr>().unwrap()));
        assert!(!nets[0].contains(&"10.0.0.2".parse::<IpAddr>().unwrap()));
        assert!(nets[1].contains(&"192.168.4.5".parse::<IpAddr>().unwrap()));
        let e = parse_networks("--trusted-proxy", &["10.0.0.0/33".into()]).unwrap_err().to_string();
        assert!(e.contains("--trusted-proxy") && e.contains("10.0.0.0/33"), "{e}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("cofund-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.toml");
        std::fs::write(&path, "adress = \"127.0.0.1:1\"\n").unwrap();
        assert!(FileConfig::load(Some(&path)).is_err());
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        assert_eq!(layer(Some(1), Some(2), || 3), 1);
        assert_eq!(layer(None, Some(2), || 3), 2);
        assert_eq!(layer(None::<i32>, None, || 3), 3);
    }
}
