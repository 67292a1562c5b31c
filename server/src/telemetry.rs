//! Logging: `tracing` events to stderr, filtered by `--log`/`COFUND_LOG` or `RUST_LOG`,
//! as text or as one JSON object per line (`--log-format json`). Every line logged while
//! a request is handled carries that request's id (see `routes::request_id`).

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines; the request's span (`request{request_id=… method=… route=…}`) prefixes them.
    #[default]
    Text,
    /// One JSON object per line, with the request's span fields under `span` and `spans`.
    Json,
}

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(filter: &str, format: LogFormat) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_new(filter).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).try_init(),
    };
}
