//! Settings, layered: defaults < the optional TOML file (`--config`) < environment
//! (`COFUND_*`) < command-line flags. Each setting is declared once, as a flag of
//! `cofund` in `cli.rs` with its environment variable, help and default; a setting's
//! key in the file is the flag's name with underscores. [`ConfigFile::apply`] makes the
//! file's values the flags' defaults, so clap does the layering. The few settings that
//! are never flags (they may hold a password) are [`ENV_ONLY`].

use crate::storage::DatabaseLocation;
use anyhow::Context;
use ipnet::IpNet;
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

/// Settings that are never flags, so they show in no process list: the environment
/// variable `COFUND_{KEY}` or the file's key.
pub const ENV_ONLY: [&str; 4] = ["mollie_api_key", "smtp_url", "smtp_password", "smtp_ca_file"];

/// The optional config file (see `server/cofund.example.toml`): a TOML table of settings.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    path: Option<PathBuf>,
    table: toml::Table,
}

impl ConfigFile {
    pub fn load(path: Option<&Path>) -> anyhow::Result<ConfigFile> {
        let Some(path) = path else { return Ok(ConfigFile::default()) };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading the config file {}", path.display()))?;
        let table = text.parse().with_context(|| format!("in the config file {}", path.display()))?;
        Ok(ConfigFile { path: Some(path.to_owned()), table })
    }

    /// The file's keys.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.table.keys().map(String::as_str)
    }

    fn name(&self) -> String {
        self.path.as_deref().map(|p| p.display().to_string()).unwrap_or_default()
    }

    /// Refuses a key that names no setting of `cmd` (a flag with an environment
    /// variable, anywhere in its subcommands) and is not [`ENV_ONLY`].
    pub fn check(&self, cmd: &clap::Command) -> anyhow::Result<()> {
        for key in self.table.keys() {
            if !ENV_ONLY.contains(&key.as_str()) && !has_setting(cmd, key) {
                anyhow::bail!("in the config file {}: unknown key {key:?}", self.name());
            }
        }
        Ok(())
    }

    /// `cmd` with the file's values as the defaults of its flags (and its subcommands').
    pub fn apply(&self, mut cmd: clap::Command) -> anyhow::Result<clap::Command> {
        for (key, value) in self.table.iter().filter(|(k, _)| !ENV_ONLY.contains(&k.as_str())) {
            let values = match value {
                toml::Value::Array(items) => {
                    items.iter().map(|v| scalar(key, v)).collect::<anyhow::Result<Vec<_>>>()?
                }
                v => vec![scalar(key, v)?],
            };
            cmd = with_default(cmd, key, &values);
        }
        Ok(cmd)
    }

    /// A setting that is never a flag: `COFUND_{KEY}` when set and not empty, else the file's.
    pub fn env_only(&self, key: &str) -> Option<String> {
        debug_assert!(ENV_ONLY.contains(&key));
        std::env::var(format!("COFUND_{}", key.to_ascii_uppercase()))
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| self.table.get(key).and_then(|v| v.as_str()).map(str::to_owned))
    }
}

fn scalar(key: &str, v: &toml::Value) -> anyhow::Result<String> {
    match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => Ok(v.to_string()),
        _ => anyhow::bail!("in the config file: {key} must be a string, a number, true or false"),
    }
}

fn has_setting(cmd: &clap::Command, key: &str) -> bool {
    cmd.get_arguments().any(|a| a.get_id() == key && a.get_env().is_some())
        || cmd.get_subcommands().any(|s| has_setting(s, key))
}

fn with_default(cmd: clap::Command, key: &str, values: &[String]) -> clap::Command {
    let takes_list = cmd
        .get_arguments()
        .find(|a| a.get_id() == key && a.get_env().is_some())
        .map(|a| a.get_value_delimiter().is_some());
    let mut cmd = match takes_list {
        // One value for a setting of one value: a list would be refused by clap.
        Some(list) if list || values.len() == 1 => cmd.mut_arg(key, |a| a.default_values(values.to_vec())),
        _ => cmd,
    };
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_owned()).collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |s| with_default(s, key, values));
    }
    cmd
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
}
