//! Settings, layered: defaults < the optional TOML file (`--config`) < environment
//! (`COFUND_*`) < command-line flags. Clap reads flags and environment (flags win);
//! this module puts the file and the defaults underneath.

use crate::storage::DatabaseLocation;
use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE: &str = "sqlite:cofund.db";
pub const DEFAULT_DEMO_DATABASE: &str = "sqlite:data/demo.db";
pub const DEFAULT_WIDGET_DIR: &str = "dist";
pub const DEFAULT_DASHBOARD_DIR: &str = "dashboard/dist";
/// What administration commands put in links (they print none).
pub const DEFAULT_PUBLIC_URL_FOR_CLI: &str = "http://127.0.0.1:8080";
pub const DEFAULT_LOG: &str = "info,sqlx=warn,tower_http=info";

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
    /// The built dashboard (`dashboard/dist`), served under `/manage/`.
    pub dashboard_dir: PathBuf,
    /// Open live-event streams this instance accepts; more get `503`.
    pub max_subscribers: usize,
}

impl Settings {
    /// Settings for a server on a random loopback port with the given database file.
    pub fn for_tests(database: &Path) -> Settings {
        Settings {
            addr: "127.0.0.1:0".to_owned(),
            database: DatabaseLocation::Sqlite(database.to_owned()),
            public_url: None,
            widget_dir: PathBuf::from(DEFAULT_WIDGET_DIR),
            dashboard_dir: PathBuf::from(DEFAULT_DASHBOARD_DIR),
            max_subscribers: crate::domain::DEFAULT_MAX_SUBSCRIBERS,
        }
    }
}

/// The optional config file. Every key is optional; see `server/cofund.example.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub addr: Option<String>,
    pub database: Option<String>,
    pub public_url: Option<String>,
    pub widget_dir: Option<PathBuf>,
    pub dashboard_dir: Option<PathBuf>,
    pub log: Option<String>,
    pub max_subscribers: Option<usize>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else { return Ok(FileConfig::default()) };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading the config file {}", path.display()))?;
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
        assert!(file.database.is_some() && file.public_url.is_some() && file.widget_dir.is_some() && file.log.is_some());
        assert!(normalise_public_url(file.public_url.as_deref().unwrap()).is_ok());
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
