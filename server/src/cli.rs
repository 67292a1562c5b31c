//! The `cofund` command line. Administration commands work directly on the database
//! through the same [`Storage`](crate::storage::Storage) as the server, so they work
//! without a running server (and alongside one: SQLite serialises the writers).

use crate::config::{self, ConfigFile, Settings};
use crate::domain::cohorts::OwnContributionChange;
use crate::domain::json::{parse_json, JsonError};
use crate::domain::pledging::PledgeChange;
use crate::domain::{self, Cofund, CohortDefinition, DomainError};
use crate::storage::{self, DatabaseLocation, Storage};
use crate::telemetry::LogFormat;
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand, ValueEnum};
use cofund_core::{MatchOffer, Stakeholder, StakeholderKind, StakeholderStatus};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "cofund",
    version,
    about = "Cofund reference server: cohort documents, pledges and administration, on embedded SQLite or PostgreSQL.",
    after_help = "Settings come from defaults < the --config file < COFUND_* environment variables < flags.\n\
                  In the file a setting's key is its flag's name with underscores (trusted_proxies, loader_max_age_secs).\n\
                  Example: cofund demo            (demo cohorts and the widget on http://127.0.0.1:8080)\n\
                  \x20        cofund token create  (the first admin token; shown once)"
)]
pub struct Cli {
    /// TOML config file (see server/cofund.example.toml).
    #[arg(long, global = true, env = "COFUND_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database: sqlite:PATH or a file path. [default: sqlite:cofund.db; demo: sqlite:data/demo.db]
    #[arg(long, global = true, env = "COFUND_DATABASE", value_name = "URL")]
    pub database: Option<String>,
    /// Log filter, e.g. info or debug,sqlx=warn (RUST_LOG wins).
    #[arg(long, global = true, env = "COFUND_LOG", value_name = "FILTER", default_value = config::DEFAULT_LOG)]
    pub log: String,
    /// Log lines as text or as JSON objects (one per line, with the request id).
    #[arg(long, global = true, env = "COFUND_LOG_FORMAT", value_enum, default_value_t)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// The server's settings: each one's flag, environment variable, help and default, once.
/// The config file's key of a setting is its field's name.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COFUND_ADDR", value_name = "HOST:PORT", default_value = config::DEFAULT_ADDR)]
    pub addr: String,
    /// Public base URL, for links.pledge and the embed snippet. [default: http://{addr}]
    #[arg(long, env = "COFUND_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Directory of the built widget (Trunk's output), served under /widget/.
    #[arg(long, env = "COFUND_WIDGET_DIR", value_name = "DIR", default_value = config::DEFAULT_WIDGET_DIR)]
    pub widget_dir: PathBuf,
    /// Seconds browsers keep the widget's loader (cofund.js) and other fixed-name files
    /// before revalidating; content-named files are kept for a year.
    #[arg(long = "loader-max-age", env = "COFUND_LOADER_MAX_AGE", value_name = "SECONDS", default_value_t = config::DEFAULT_LOADER_MAX_AGE_SECS)]
    pub loader_max_age_secs: u32,
    /// Directory of the built dashboard, served under /manage/.
    #[arg(long, env = "COFUND_DASHBOARD_DIR", value_name = "DIR", default_value = config::DEFAULT_DASHBOARD_DIR)]
    pub dashboard_dir: PathBuf,
    /// Open live-event streams this instance accepts; more are refused with 503.
    #[arg(long, env = "COFUND_MAX_SUBSCRIBERS", value_name = "N", default_value_t = domain::DEFAULT_MAX_SUBSCRIBERS)]
    pub max_subscribers: usize,
    /// Open live-event streams one client address (IPv4, or IPv6 /64) may hold; more are refused with 503.
    #[arg(long, env = "COFUND_MAX_STREAMS_PER_CLIENT", value_name = "N", default_value_t = domain::live::DEFAULT_MAX_STREAMS_PER_CLIENT)]
    pub max_streams_per_client: usize,
    /// Pledge POSTs per client address and minute (sustained); over it 429. 0: no limit.
    #[arg(long, env = "COFUND_PLEDGE_RATE_PER_MINUTE", value_name = "N", default_value_t = config::DEFAULT_PLEDGE_RATE_PER_MINUTE)]
    pub pledge_rate_per_minute: u32,
    /// Pledge POSTs per client address allowed at once before the rate applies.
    #[arg(long, env = "COFUND_PLEDGE_BURST", value_name = "N", default_value_t = config::DEFAULT_PLEDGE_BURST)]
    pub pledge_burst: u32,
    /// A reverse proxy (address or CIDR) whose X-Forwarded-For names the client; repeatable.
    #[arg(long = "trusted-proxy", env = "COFUND_TRUSTED_PROXIES", value_name = "ADDR|CIDR", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// Hours an Idempotency-Key replays its first answer; older records are swept.
    #[arg(long, env = "COFUND_IDEMPOTENCY_TTL_HOURS", value_name = "HOURS", default_value_t = config::DEFAULT_IDEMPOTENCY_TTL_HOURS)]
    pub idempotency_ttl_hours: u64,
    /// Serve /metrics (Prometheus text format; an admin token or a --metrics-allow address reads it).
    #[arg(long, env = "COFUND_METRICS")]
    pub metrics: bool,
    /// An address or CIDR that may read /metrics without a token; repeatable.
    #[arg(long = "metrics-allow", env = "COFUND_METRICS_ALLOW", value_name = "ADDR|CIDR", value_delimiter = ',')]
    pub metrics_allow: Vec<String>,
    /// Online payment: off, demo (the built-in test provider) or mollie (needs
    /// COFUND_MOLLIE_API_KEY or mollie_api_key in the config file).
    #[arg(long, env = "COFUND_PAYMENTS", value_name = "PROVIDER", default_value = "off")]
    pub payments: String,
    /// Mollie's API base URL. [default: https://api.mollie.com]
    #[arg(long, env = "COFUND_MOLLIE_API_URL", value_name = "URL")]
    pub mollie_api_url: Option<String>,
    /// The SMTP server's host (e-mail to donors; without one e-mail is off). The whole
    /// server as a URL: COFUND_SMTP_URL or smtp_url in the config file.
    #[arg(long, env = "COFUND_SMTP_HOST", value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// The SMTP server's port. [default: 587 with starttls, 465 with tls]
    #[arg(long, env = "COFUND_SMTP_PORT", value_name = "PORT")]
    pub smtp_port: Option<u16>,
    /// starttls, tls or none (only for a server on loopback). [default: starttls]
    #[arg(long, env = "COFUND_SMTP_TLS", value_name = "MODE")]
    pub smtp_tls: Option<String>,
    /// The SMTP user; the password only from COFUND_SMTP_PASSWORD or the config file.
    #[arg(long, env = "COFUND_SMTP_USER", value_name = "USER")]
    pub smtp_user: Option<String>,
    /// The sender: "Name <address>" or an address.
    #[arg(long, env = "COFUND_MAIL_FROM", value_name = "MAILBOX")]
    pub mail_from: Option<String>,
    /// Reply-To of e-mail to donors, unless a cohort names its own.
    #[arg(long, env = "COFUND_REPLY_TO", value_name = "MAILBOX")]
    pub reply_to: Option<String>,
    /// Seconds before the first retry of a failed delivery (doubled per attempt, at most an hour).
    #[arg(long, env = "COFUND_MAIL_RETRY_SECS", value_name = "SECONDS", default_value_t = 30)]
    pub mail_retry_secs: u64,
    /// Seconds a sender holds a claimed message; if it dies, another instance sends the
    /// message after this. Longer than any SMTP exchange.
    #[arg(long, env = "COFUND_MAIL_LEASE_SECS", value_name = "SECONDS", default_value_t = 300)]
    pub mail_lease_secs: u64,
    /// News to donors: at most this many messages a minute (queued at that pace, so
    /// every instance keeps to it together).
    #[arg(long, env = "COFUND_MAIL_NEWS_PER_MINUTE", value_name = "N", default_value_t = domain::mail::DEFAULT_NEWS_PER_MINUTE)]
    pub mail_news_per_minute: u32,
    /// `cofund demo` only: show the e-mail caught in DIR (by scripts/lib/smtp_catcher.py) at /dev/mailbox.
    #[arg(long, value_name = "DIR")]
    pub dev_mailbox: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API, the widget and the demo page.
    Serve(ServeArgs),
    /// Seed the demo cohorts (idempotently) and serve them, with a demo admin token.
    Demo(ServeArgs),
    /// Create, update or show cohorts.
    #[command(subcommand)]
    Cohort(CohortCommand),
    /// Set or show a programme's page, multiplier pot and impact figures.
    #[command(subcommand)]
    Programme(ProgrammeCommand),
    /// Add or update a stakeholder of a cohort.
    #[command(subcommand)]
    Stakeholder(StakeholderCommand),
    /// Record participants' own contributions as received.
    #[command(subcommand)]
    Contribution(ContributionCommand),
    /// Confirm or cancel a pledge, hide its message.
    #[command(subcommand)]
    Pledge(PledgeCommand),
    /// Export a cohort's pledges as CSV (includes e-mail addresses).
    Export {
        slug: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Create, list and revoke admin tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Copy a SQLite database into an empty PostgreSQL database and verify the copy.
    Migrate {
        /// The SQLite database: sqlite:PATH or a file path.
        #[arg(long, value_name = "sqlite:PATH")]
        from: String,
        /// The PostgreSQL database (created and migrated, but holding no data).
        #[arg(long, value_name = "postgres://…")]
        to: String,
    },
    /// Print a single-use sign-in link to the dashboard (/manage/).
    LoginLink(LoginLinkArgs),
    /// List or end dashboard sessions.
    #[command(subcommand)]
    Session(SessionCommand),
    /// E-mail to donors: queue due reminders, show the outbox.
    #[command(subcommand)]
    Mail(MailCommand),
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Queue the reminders due now (the server does this every hour by itself).
    Remind {
        /// Decide as if it were this moment (RFC 3339), e.g. to test a cohort's reminder period.
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
    /// List the outbox, newest first: kind, status, attempts, recipient, subject.
    Outbox {
        /// Only this cohort's messages.
        slug: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Coordinator,
    Member,
}

#[derive(Debug, Args)]
pub struct LoginLinkArgs {
    /// A coordinator of this programme's cohorts.
    #[arg(long, conflicts_with = "cohort")]
    pub programme: Option<String>,
    /// Someone of this cohort (with --role; a coordinator limited to the cohort's programme).
    #[arg(long)]
    pub cohort: Option<String>,
    /// coordinator (changes everything it may see) or member (one cohort, looks only).
    #[arg(long, value_enum, default_value = "coordinator")]
    pub role: RoleArg,
    /// Hours until the link expires.
    #[arg(long, default_value_t = domain::access::DEFAULT_LINK_HOURS)]
    pub hours: i64,
    /// Base URL of the server the link points to. [default: the configured public URL, else http://127.0.0.1:8080]
    #[arg(long, env = "COFUND_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// List sessions (never their secrets).
    List,
    /// End a session by its id (ses_...); its cookie stops working at once.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum CohortCommand {
    /// Create or update a cohort from a definition file (JSON).
    Put { file: PathBuf },
    /// Print a cohort's stored definition.
    Show { slug: String },
    /// List the cohorts.
    List,
    /// Turn donors' online payment (iDEAL through the server's payment provider) on or off.
    OnlinePayment {
        slug: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProgrammeCommand {
    /// Set a programme's name, page, multiplier pot and impact figures from a JSON file,
    /// the body of `PUT /api/v1/admin/programmes/{slug}`, e.g.
    /// {"name": "Starters4Communities", "url": null, "pot": {"name": "Vermenigvuldigingspot",
    /// "funders": [{"name": "Oranje Fonds", "amount_cents": 1000000}], "pot_cents": 1000000,
    /// "ratio_bps": 10000, "cap_per_gift_cents": 2500, "cap_per_cohort_cents": 300000},
    /// "impact": [{"kind": "participants", "value": 250, "as_of": "2026-06-30", "source": "Jaarverslag 2025"}]}
    Put { slug: String, file: PathBuf },
    /// Print a programme's settings.
    Show { slug: String },
}

/// `--kind`: the contract's kinds, named and listed by core.
fn kind_arg() -> impl clap::builder::TypedValueParser<Value = StakeholderKind> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(StakeholderKind::KNOWN.map(StakeholderKind::as_str))
        .map(|s: String| StakeholderKind::parse(&s).expect("one of the possible values"))
}

/// `--status`: the contract's stakeholder statuses, named and listed by core.
fn status_arg() -> impl clap::builder::TypedValueParser<Value = StakeholderStatus> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(StakeholderStatus::KNOWN.map(StakeholderStatus::as_str))
        .map(|s: String| StakeholderStatus::parse(&s).expect("one of the possible values"))
}

#[derive(Debug, Subcommand)]
pub enum StakeholderCommand {
    /// Add a stakeholder, or update the one with this name.
    Put {
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = kind_arg())]
        kind: StakeholderKind,
        #[arg(long, value_parser = status_arg())]
        status: StakeholderStatus,
        /// Fixed co-funding, as people write it: 12000,00 or 12.000 or € 12.000,-
        #[arg(long)]
        amount: String,
        #[arg(long)]
        url: Option<String>,
        /// What a conditional commitment depends on.
        #[arg(long)]
        condition: Option<String>,
        /// Matching ratio in basis points (5000: 50 cents per crowd euro).
        #[arg(long, requires = "match_cap")]
        match_ratio_bps: Option<i64>,
        /// Matching cap, as an amount.
        #[arg(long, requires = "match_ratio_bps")]
        match_cap: Option<String>,
        /// The commitment's rules (contract 1.1) as a JSON array, e.g.
        /// '[{"kind":"trigger","amount_cents":1200000,"share_of_target_bps":5000}]'.
        #[arg(long)]
        rules: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContributionCommand {
    /// Record that N more participants paid their own contribution (default 1).
    Receive {
        slug: String,
        #[arg(long, default_value_t = 1)]
        count: i64,
    },
    /// Set the number of participants who paid.
    Set { slug: String, received: i64 },
}

#[derive(Debug, Subcommand)]
pub enum PledgeCommand {
    /// Mark a pledge as received.
    Confirm { id: String },
    /// Cancel a pledge; it no longer counts.
    Cancel { id: String },
    /// Hide a pledge's message from the public (--show to show it again).
    HideMessage {
        id: String,
        #[arg(long)]
        show: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an admin token; the secret is printed once.
    Create {
        /// Limit the token to the cohorts of this programme.
        #[arg(long)]
        programme: Option<String>,
        #[arg(long)]
        label: Option<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by its id (tok_...).
    Revoke { id: String },
}

pub fn main() -> ExitCode {
    let (cli, file) = match parse() {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&cli.log, cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, file)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The command line with the config file's values under the environment and the flags.
/// Clap's own errors (and `--help`) exit here.
fn parse() -> anyhow::Result<(Cli, ConfigFile)> {
    use clap::{CommandFactory, FromArgMatches};
    // First only `--config` (or COFUND_CONFIG): the file sets the other flags' defaults.
    let first = Cli::command().ignore_errors(true).get_matches();
    let file = ConfigFile::load(first.get_one::<PathBuf>("config").map(PathBuf::as_path))?;
    file.check(&Cli::command())?;
    let matches = file.apply(Cli::command())?.get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    Ok((cli, file))
}

/// The server's settings without flags (environment < file < defaults), for the
/// administration commands: the public URL, e-mail and the payment provider.
fn settings_without_flags(file: &ConfigFile) -> anyhow::Result<ServeArgs> {
    use clap::{CommandFactory, FromArgMatches};
    let cmd = file.apply(ServeArgs::augment_args(clap::Command::new("cofund")))?;
    let _ = Cli::command;
    Ok(ServeArgs::from_arg_matches(&cmd.try_get_matches_from(["cofund"])?)?)
}

fn settings(
    args: ServeArgs,
    database: Option<String>,
    file: &ConfigFile,
    default_db: &str,
) -> anyhow::Result<Settings> {
    let db = database.unwrap_or_else(|| default_db.to_owned());
    Ok(Settings {
        database: DatabaseLocation::parse(&db)?,
        trusted_proxies: config::parse_networks("--trusted-proxy (trusted_proxies)", &args.trusted_proxies)?,
        metrics_allow: config::parse_networks("--metrics-allow (metrics_allow)", &args.metrics_allow)?,
        payments: payments(&args, file)?,
        mail: crate::mail::smtp::SmtpSettings::from_input(smtp_input(&args, file))?,
        mail_sender: crate::mail::sender::SenderSettings {
            initial_backoff: Duration::from_secs(args.mail_retry_secs.max(1)),
            lease: Duration::from_secs(args.mail_lease_secs.max(1)),
            news_per_minute: args.mail_news_per_minute.max(1),
            ..Default::default()
        },
        idempotency_ttl: Duration::from_secs(3600 * args.idempotency_ttl_hours),
        idempotency_sweep_interval: config::DEFAULT_IDEMPOTENCY_SWEEP_INTERVAL,
        stream_lifetime: domain::DEFAULT_STREAM_LIFETIME,
        reminder_interval: config::DEFAULT_REMINDER_INTERVAL,
        addr: args.addr,
        public_url: args.public_url,
        widget_dir: args.widget_dir,
        loader_max_age_secs: args.loader_max_age_secs,
        dashboard_dir: args.dashboard_dir,
        max_subscribers: args.max_subscribers,
        max_streams_per_client: args.max_streams_per_client,
        pledge_rate_per_minute: args.pledge_rate_per_minute,
        pledge_burst: args.pledge_burst,
        metrics: args.metrics,
        dev_mailbox: args.dev_mailbox,
    })
}

/// The payment provider: `--payments`, with the Mollie key only from the environment or
/// the file (a flag would show in process lists).
fn payments(args: &ServeArgs, file: &ConfigFile) -> anyhow::Result<config::PaymentsSetting> {
    config::PaymentsSetting::parse(&args.payments, file.env_only("mollie_api_key"), args.mollie_api_url.clone())
}

/// The SMTP settings: the parts from their flags (environment, file), the URL, the
/// password and the CA file only from the environment or the file.
fn smtp_input(args: &ServeArgs, file: &ConfigFile) -> crate::mail::smtp::SmtpInput {
    crate::mail::smtp::SmtpInput {
        url: file.env_only("smtp_url"),
        host: args.smtp_host.clone(),
        port: args.smtp_port,
        tls: args.smtp_tls.clone(),
        user: args.smtp_user.clone(),
        password: file.env_only("smtp_password"),
        from: args.mail_from.clone(),
        reply_to: args.reply_to.clone(),
        ca_file: file.env_only("smtp_ca_file"),
    }
}

fn store_err(e: DomainError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// The domain on the configured database, for administration commands.
async fn open_cofund(location: &DatabaseLocation, file: &ConfigFile) -> anyhow::Result<Cofund> {
    let storage = storage::open(location).await?;
    let args = settings_without_flags(file)?;
    let public_url = match &args.public_url {
        Some(u) => config::normalise_public_url(u)?,
        None => config::DEFAULT_PUBLIC_URL_FOR_CLI.to_owned(),
    };
    let cofund = Cofund::new(storage.clone(), public_url.clone());
    // With e-mail configured, a change made here (a pledge confirmed by hand) writes its
    // message to the outbox, which the running server's sender delivers.
    match crate::mail::smtp::SmtpSettings::from_input(smtp_input(&args, file))? {
        Some(smtp) => Ok(cofund.with_mailing(crate::mailing(storage.as_ref(), &public_url, &smtp).await?)),
        None => Ok(cofund),
    }
}

/// Reads a cohort definition file; every problem named with its field.
fn definition_file(path: &std::path::Path) -> anyhow::Result<CohortDefinition> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let invalid = |fields: Vec<cofund_core::FieldError>| {
        let lines: Vec<String> = fields.iter().map(|f| format!("  {f}")).collect();
        anyhow::anyhow!("{} is not a valid cohort definition:\n{}", path.display(), lines.join("\n"))
    };
    match parse_json::<CohortDefinition>(&bytes) {
        Ok(def) => Ok(def),
        Err(JsonError::Syntax(m)) => bail!("{} is not valid JSON: {m}", path.display()),
        Err(JsonError::Shape(fields)) => Err(invalid(fields)),
    }
    .and_then(|def| match domain::cohorts::accept_definition(None, def) {
        Ok(def) => Ok(def),
        Err(DomainError::Invalid(fields)) => Err(invalid(fields)),
        Err(e) => Err(store_err(e)),
    })
}

fn amount(flag: &str, s: &str) -> anyhow::Result<i64> {
    cofund_core::parse_amount_input(s).map_err(|e| anyhow::anyhow!("--{flag} {s:?} is not an amount ({e:?})"))
}

async fn run(cli: Cli, file: ConfigFile) -> anyhow::Result<()> {
    let database = cli.database;
    let location = DatabaseLocation::parse(database.as_deref().unwrap_or(config::DEFAULT_DATABASE));
    let admin = || async { open_cofund(location.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))?, &file).await };
    match cli.command {
        Command::Serve(args) => serve(args, database, &file).await,
        Command::Demo(args) => demo(args, database, &file).await,
        Command::Cohort(cmd) => cohort(cmd, admin().await?).await,
        Command::Programme(cmd) => programme(cmd, admin().await?).await,
        Command::Stakeholder(cmd) => stakeholder(cmd, admin().await?).await,
        Command::Contribution(cmd) => contribution(cmd, admin().await?).await,
        Command::Pledge(cmd) => pledge(cmd, admin().await?, &file).await,
        Command::Mail(cmd) => mail(cmd, admin().await?).await,
        Command::Export { slug, output } => export(slug, output, admin().await?).await,
        Command::Migrate { from, to } => migrate(from, to).await,
        Command::Token(cmd) => token(cmd, &location?).await,
        Command::LoginLink(args) => login_link_command(args, admin().await?).await,
        Command::Session(cmd) => session(cmd, admin().await?).await,
    }
}

/// `cofund serve`.
async fn serve(args: ServeArgs, database: Option<String>, file: &ConfigFile) -> anyhow::Result<()> {
    if args.dev_mailbox.is_some() {
        bail!("--dev-mailbox is for `cofund demo` only");
    }
    let settings = settings(args, database, file, config::DEFAULT_DATABASE)?;
    let app = crate::Application::build(settings).await?;
    tracing::info!(address = %app.address(), public_url = %app.public_url(), "cofund is serving");
    println!("Cofund is serving on {}", app.public_url());
    app.run_until_stopped().await?;
    Ok(())
}

/// `cofund demo`: seeds the demo cohorts, prints a token and sign-in links, serves.
async fn demo(args: ServeArgs, database: Option<String>, file: &ConfigFile) -> anyhow::Result<()> {
    let settings = settings(args, database, file, config::DEFAULT_DEMO_DATABASE)?;
    let has_mailbox = settings.dev_mailbox.is_some();
    let storage = storage::open(&settings.database).await?;
    let app = crate::Application::build_with_storage(settings, storage.clone()).await?;
    let seeded = crate::demo::seed(storage.as_ref(), app.public_url(), domain::now()).await?;
    // One demo token at a time: the previous ones are revoked.
    for t in storage.list_tokens().await.map_err(store_err)? {
        if t.label.as_deref() == Some("demo") && t.revoked_at.is_none() {
            storage.revoke_token(&t.id, domain::now()).await.map_err(store_err)?;
        }
    }
    let (token, secret) = storage.create_token(None, Some("demo".into()), domain::now()).await.map_err(store_err)?;
    println!("Cofund demo: {} cohorts ({} pledges added now)", seeded.cohorts, seeded.pledges_added);
    println!("  Demo page:   {}/", app.public_url());
    println!("  Documents:   {}/api/v1/cohorts/<slug>", app.public_url());
    println!("  Admin token: {secret}   (id {}, revoke with: cofund token revoke {})", token.id, token.id);
    println!("  Dashboard:   {}/manage/", app.public_url());
    if has_mailbox {
        println!("  Mailbox:     {}/dev/mailbox   (every e-mail the demo sends)", app.public_url());
    }
    let coordinator = login_link(
        &Cofund::new(storage.clone(), app.public_url().to_owned()),
        app.public_url(),
        Some(crate::demo::PROGRAMME.to_owned()),
        None,
        RoleArg::Coordinator,
        24,
    )
    .await?;
    let member = login_link(
        &Cofund::new(storage.clone(), app.public_url().to_owned()),
        app.public_url(),
        None,
        Some(crate::demo::MEMBER_COHORT.to_owned()),
        RoleArg::Member,
        24,
    )
    .await?;
    println!("  Sign in as the demo coordinator (once, 24 h): {coordinator}");
    println!("  Sign in as a member of {} (once, 24 h): {member}", crate::demo::MEMBER_COHORT);
    app.run_until_stopped().await?;
    Ok(())
}

/// `cofund cohort …`.
async fn cohort(cmd: CohortCommand, cofund: Cofund) -> anyhow::Result<()> {
    match cmd {
        CohortCommand::Put { file } => {
            let def = definition_file(&file)?;
            let (outcome, def) = cofund.put_cohort(None, def, domain::now()).await.map_err(store_err)?;
            println!(
                "{} cohort {}",
                if outcome == storage::PutOutcome::Created { "Created" } else { "Updated" },
                def.slug
            );
        }
        CohortCommand::OnlinePayment { slug, state } => {
            let on = state == "on";
            cofund.set_online_payment(&slug, on, domain::now()).await.map_err(store_err)?;
            println!(
                "Online payment for {slug}: {}",
                if on { "on (donors can pay with iDEAL where the server has a payment provider)" } else { "off" }
            );
        }
        CohortCommand::Show { slug } => {
            let c = cofund.cohort(&slug).await.map_err(store_err)?;
            println!("{}", serde_json::to_string_pretty(&c.definition)?);
        }
        CohortCommand::List => {
            for c in cofund.cohorts().await.map_err(store_err)? {
                println!("{}\t{}\t{}", c.definition.slug, c.definition.programme.name, c.definition.name);
            }
        }
    }
    Ok(())
}

/// `cofund programme …`.
async fn programme(cmd: ProgrammeCommand, cofund: Cofund) -> anyhow::Result<()> {
    match cmd {
        ProgrammeCommand::Put { slug, file } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let invalid = |fields: Vec<cofund_core::FieldError>| {
                let lines: Vec<String> = fields.iter().map(|f| format!("  {f}")).collect();
                anyhow::anyhow!("{} is not valid programme settings:\n{}", file.display(), lines.join("\n"))
            };
            let settings = match parse_json::<cofund_core::programme::ProgrammeSettings>(&bytes) {
                Ok(s) => s,
                Err(JsonError::Syntax(m)) => bail!("{} is not valid JSON: {m}", file.display()),
                Err(JsonError::Shape(fields)) => return Err(invalid(fields)),
            };
            let (outcome, stored) = match cofund.put_programme(&slug, settings, None, domain::now()).await {
                Ok(r) => r,
                Err(DomainError::Invalid(fields)) => return Err(invalid(fields)),
                Err(e) => return Err(store_err(e)),
            };
            println!(
                "{} programme {slug} (revision {})",
                if outcome == storage::PutOutcome::Created { "Created" } else { "Updated" },
                stored.revision
            );
        }
        ProgrammeCommand::Show { slug } => {
            let p = cofund.programme_settings(&slug).await.map_err(store_err)?;
            println!("{}", serde_json::to_string_pretty(&p.settings)?);
        }
    }
    Ok(())
}

/// `cofund stakeholder put`.
async fn stakeholder(cmd: StakeholderCommand, cofund: Cofund) -> anyhow::Result<()> {
    let StakeholderCommand::Put {
        slug,
        name,
        kind,
        status,
        amount: amt,
        url,
        condition,
        match_ratio_bps,
        match_cap,
        rules,
    } = cmd;
    let s = Stakeholder {
        name,
        kind,
        status,
        amount_cents: amount("amount", &amt)?,
        url,
        condition,
        match_: match (match_ratio_bps, match_cap) {
            (Some(r), Some(c)) => Some(MatchOffer { ratio_bps: r, cap_cents: amount("match-cap", &c)? }),
            _ => None,
        },
        rules: match rules {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| anyhow::anyhow!("--rules must be a JSON array of rules: {e}"))?,
            None => Vec::new(),
        },
        evaluation: None,
    };
    let name = s.name.clone();
    cofund.put_stakeholder(&slug, s, None, domain::now()).await.map_err(store_err)?;
    let count = cofund.cohort(&slug).await.map_err(store_err)?.definition.stakeholders.len();
    println!("Stakeholder {name:?} of {slug} saved ({count} stakeholders)");
    Ok(())
}

/// `cofund contribution …`.
async fn contribution(cmd: ContributionCommand, cofund: Cofund) -> anyhow::Result<()> {
    let (slug, change) = match cmd {
        ContributionCommand::Receive { slug, count } => {
            (slug, OwnContributionChange { received: None, add: Some(count) })
        }
        ContributionCommand::Set { slug, received } => {
            (slug, OwnContributionChange { received: Some(received), add: None })
        }
    };
    let o = cofund.change_own_contributions(&slug, change, None, domain::now()).await.map_err(store_err)?;
    println!("{slug}: {} of {} participants paid their own contribution", o.received, o.participants);
    Ok(())
}

/// `cofund pledge …`.
async fn pledge(cmd: PledgeCommand, mut cofund: Cofund, file: &ConfigFile) -> anyhow::Result<()> {
    // With Mollie configured (as for `serve`), a cancelled or confirmed pledge's
    // open payments are cancelled there too. The built-in test provider lives in
    // the server's process: the CLI cannot reach it.
    let payments = payments(&settings_without_flags(file)?, file)?;
    if let config::PaymentsSetting::Mollie { api_key, api_url } = payments {
        let client =
            crate::payments::mollie::MollieClient::new(&api_url, api_key, crate::payments::mollie::DEFAULT_TIMEOUT)?;
        cofund = cofund.with_payment_provider(std::sync::Arc::new(client));
    }
    let (id, change) = match cmd {
        PledgeCommand::Confirm { id } => (id, PledgeChange::Confirm),
        PledgeCommand::Cancel { id } => (id, PledgeChange::Cancel),
        PledgeCommand::HideMessage { id, show } => (id, PledgeChange::HideMessage(!show)),
    };
    let p = cofund.change_pledge(&id, change, domain::now()).await.map_err(store_err)?;
    println!(
        "Pledge {} ({} cents, reference {}): {}{}",
        p.id,
        p.amount_cents,
        p.reference,
        p.status.as_str(),
        if p.message_hidden { ", message hidden" } else { "" }
    );
    Ok(())
}

/// `cofund mail …`.
async fn mail(cmd: MailCommand, cofund: Cofund) -> anyhow::Result<()> {
    match cmd {
        MailCommand::Remind { now } => {
            if cofund.mailing().is_none() {
                bail!("e-mail is off: configure an SMTP server (smtp_url or smtp_host, and mail_from)");
            }
            let at = match now {
                Some(t) => cofund_core::Timestamp::parse_rfc3339(&t)
                    .ok_or_else(|| anyhow::anyhow!("--now {t:?} is not an RFC 3339 time"))?,
                None => domain::now(),
            };
            let n = cofund.queue_reminders(at, domain::now()).await.map_err(store_err)?;
            println!("{n} reminders queued");
        }
        MailCommand::Outbox { slug, limit } => {
            for e in cofund.outbox(slug.as_deref(), limit).await.map_err(store_err)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    e.message.created_at.to_rfc3339(),
                    e.message.kind.as_str(),
                    e.status.as_str(),
                    e.attempts,
                    e.message.recipient,
                    e.message.subject,
                    e.last_error.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

/// `cofund export`.
async fn export(slug: String, output: Option<PathBuf>, cofund: Cofund) -> anyhow::Result<()> {
    let rows = cofund.all_pledges(&slug).await.map_err(store_err)?;
    let csv = crate::export::pledges_csv(&rows);
    match output {
        Some(path) => {
            std::fs::write(&path, csv).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("Wrote {} pledges to {}", rows.len(), path.display());
        }
        None => print!("{csv}"),
    }
    Ok(())
}

/// `cofund migrate`.
async fn migrate(from: String, to: String) -> anyhow::Result<()> {
    let from = match DatabaseLocation::parse(&from)? {
        DatabaseLocation::Sqlite(path) => path,
        DatabaseLocation::Postgres(_) => bail!("--from must be a SQLite database (sqlite:PATH)"),
    };
    let to = match DatabaseLocation::parse(&to) {
        Ok(DatabaseLocation::Postgres(url)) => url,
        _ => bail!("--to must be a PostgreSQL URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)"),
    };
    let report = storage::transfer::sqlite_to_postgres(&from, &to).await?;
    print!("{}", migrate_summary(&from.display().to_string(), &report));
    Ok(())
}

/// `cofund token …`.
async fn token(cmd: TokenCommand, location: &DatabaseLocation) -> anyhow::Result<()> {
    let storage: Arc<dyn Storage> = storage::open(location).await?;
    match cmd {
        TokenCommand::Create { programme, label } => {
            let cofund = Cofund::new(storage.clone(), config::DEFAULT_PUBLIC_URL_FOR_CLI.to_owned());
            let (info, secret) = cofund.create_token(programme, label, domain::now()).await.map_err(store_err)?;
            println!("{secret}");
            eprintln!(
                "Token {} created{}. The secret above is shown only now; use it as: Authorization: Bearer {secret}",
                info.id,
                info.programme.as_deref().map(|p| format!(" for programme {p:?}")).unwrap_or_default()
            );
        }
        TokenCommand::List => {
            for t in storage.list_tokens().await.map_err(store_err)? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    t.id,
                    t.programme.as_deref().unwrap_or("*"),
                    t.label.as_deref().unwrap_or("-"),
                    t.created_at,
                    t.revoked_at.map(|r| format!("\trevoked {r}")).unwrap_or_default()
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let t = storage.revoke_token(&id, domain::now()).await.map_err(|e| match e {
                DomainError::NotFound(_) => anyhow::anyhow!("no token {id:?}"),
                other => store_err(other),
            })?;
            println!("Token {} revoked", t.id);
        }
    }
    Ok(())
}

/// `cofund login-link`.
async fn login_link_command(args: LoginLinkArgs, cofund: Cofund) -> anyhow::Result<()> {
    let base = config::normalise_public_url(
        &args.public_url.unwrap_or_else(|| config::DEFAULT_PUBLIC_URL_FOR_CLI.to_owned()),
    )?;
    let url = login_link(&cofund, &base, args.programme, args.cohort, args.role, args.hours).await?;
    println!("{url}");
    Ok(())
}

/// `cofund session …`.
async fn session(cmd: SessionCommand, cofund: Cofund) -> anyhow::Result<()> {
    match cmd {
        SessionCommand::List => {
            for s in cofund.sessions().await.map_err(store_err)? {
                let scope = s.grant.cohort.clone().or_else(|| s.grant.programme.clone()).unwrap_or_else(|| "*".into());
                println!(
                    "{}\t{}\t{}\tcreated {}\texpires {}{}",
                    s.id,
                    s.grant.role.as_str(),
                    scope,
                    s.created_at,
                    s.expires_at,
                    s.revoked_at.map(|r| format!("\trevoked {r}")).unwrap_or_default()
                );
            }
        }
        SessionCommand::Revoke { id } => {
            let s = cofund.end_session(&id, domain::now()).await.map_err(|e| match e {
                DomainError::NotFound(_) => anyhow::anyhow!("no session {id:?}"),
                other => store_err(other),
            })?;
            println!("Session {} ended", s.id);
        }
    }
    Ok(())
}

/// What `cofund migrate` prints: the verified counts and per-cohort totals.
fn migrate_summary(from: &str, r: &storage::transfer::TransferReport) -> String {
    use std::fmt::Write;
    let c = &r.counts;
    let mut out = format!(
        "Copied {from} into PostgreSQL; counts and totals verified equal in both.\n         \x20 cohorts {}, pledges {}, admin tokens {}, idempotency records {}, payments {}, sign-in links {}, sessions {}\n",
        c.cohorts, c.pledges, c.admin_tokens, c.idempotency_keys, c.payments, c.login_links, c.sessions
    );
    let _ = writeln!(
        out,
        "  {:<40} {:>9} {:>8} {:>15} {:>15} {:>8}",
        "cohort", "revision", "pledges", "pledged_cents", "received_cents", "backers"
    );
    for f in r.cohorts.values() {
        let _ = writeln!(
            out,
            "  {:<40} {:>9} {:>8} {:>15} {:>15} {:>8}",
            f.slug, f.revision, f.pledges, f.pledged, f.received, f.backers
        );
    }
    out
}

/// Makes a sign-in link for a programme's coordinator or a cohort's member.
pub async fn login_link(
    cofund: &Cofund,
    base: &str,
    programme: Option<String>,
    cohort: Option<String>,
    role: RoleArg,
    hours: i64,
) -> anyhow::Result<String> {
    use domain::access::Grant;
    let grant = match (programme, cohort, role) {
        (Some(p), None, RoleArg::Coordinator) => Grant::coordinator(Some(p)),
        (None, Some(slug), RoleArg::Member) => Grant::member(slug),
        (None, Some(slug), RoleArg::Coordinator) => {
            // A coordinator named by a cohort coordinates that cohort's programme.
            let c = cofund.cohort(&slug).await.map_err(store_err)?;
            Grant::coordinator(Some(c.definition.programme.name))
        }
        (Some(_), None, RoleArg::Member) => bail!("a member belongs to one cohort: use --cohort SLUG --role member"),
        (None, None, _) => bail!("give --programme NAME (a coordinator) or --cohort SLUG --role coordinator|member"),
        (Some(_), Some(_), _) => bail!("give either --programme or --cohort"),
    };
    let secret = cofund.create_login_link(&grant, hours, domain::now()).await.map_err(store_err)?;
    Ok(format!("{base}/sign-in?link={secret}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};
    use std::path::Path;

    fn file(name: &str, text: &str) -> ConfigFile {
        let dir = std::env::temp_dir().join(format!("cofund-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        ConfigFile::load(Some(&path)).unwrap()
    }

    fn parse_with(file: &ConfigFile, args: &[&str]) -> Cli {
        file.check(&Cli::command()).unwrap();
        let matches = file.apply(Cli::command()).unwrap().try_get_matches_from(args).unwrap();
        Cli::from_arg_matches(&matches).unwrap()
    }

    fn serve_args(cli: Cli) -> ServeArgs {
        match cli.command {
            Command::Serve(a) => a,
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn the_example_config_file_is_valid_and_complete() {
        let example =
            ConfigFile::load(Some(&Path::new(env!("CARGO_MANIFEST_DIR")).join("cofund.example.toml"))).unwrap();
        let cli = parse_with(&example, &["cofund", "serve"]);
        assert_eq!(
            (cli.database.as_deref(), cli.log_format),
            (Some("sqlite:/var/lib/cofund/cofund.db"), LogFormat::Text)
        );
        let a = serve_args(cli);
        assert_eq!(a.addr, "127.0.0.1:8080");
        assert!(config::normalise_public_url(a.public_url.as_deref().unwrap()).is_ok());
        assert_eq!(a.trusted_proxies, ["127.0.0.1", "10.0.0.0/8"]);
        assert!(!config::parse_networks("metrics_allow", &a.metrics_allow).unwrap().is_empty());
        assert_eq!((a.smtp_port, a.mail_retry_secs, a.metrics), (Some(587), 30, false));
        // Every setting (a flag with an environment variable) has its key in the example.
        let keys: Vec<&str> = example.keys().collect();
        let cmd = Cli::command();
        let serve = cmd.find_subcommand("serve").unwrap();
        for arg in cmd.get_arguments().chain(serve.get_arguments()).filter(|a| a.get_env().is_some()) {
            let id = arg.get_id().as_str();
            assert!(id == "config" || keys.contains(&id), "{id} is missing from cofund.example.toml");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let f = file("bad.toml", "adress = \"127.0.0.1:1\"\n");
        let e = f.check(&Cli::command()).unwrap_err().to_string();
        assert!(e.contains("adress") && e.contains("bad.toml"), "{e}");
        // A flag without an environment variable is no setting of the file.
        assert!(file("mailbox.toml", "dev_mailbox = \"x\"\n").check(&Cli::command()).is_err());
        assert!(file("secret.toml", "smtp_password = \"x\"\n").check(&Cli::command()).is_ok());
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let f = file(
            "layers.toml",
            "pledge_burst = 5\nmetrics = true\ntrusted_proxies = [\"10.0.0.1\"]\nlog = \"debug\"\n",
        );
        let cli = parse_with(&f, &["cofund", "serve", "--pledge-burst", "7"]);
        assert_eq!(cli.log, "debug");
        let a = serve_args(cli);
        assert_eq!((a.pledge_burst, a.metrics, a.trusted_proxies), (7, true, vec!["10.0.0.1".to_owned()]));
        assert_eq!(serve_args(parse_with(&f, &["cofund", "serve"])).pledge_burst, 5);
        let a = serve_args(parse_with(&f, &["cofund", "serve", "--trusted-proxy", "10.0.0.2,10.0.0.3"]));
        assert_eq!(a.trusted_proxies, ["10.0.0.2", "10.0.0.3"]);
        let defaults = serve_args(parse_with(&ConfigFile::default(), &["cofund", "serve"]));
        assert_eq!((defaults.pledge_burst, defaults.payments.as_str()), (config::DEFAULT_PLEDGE_BURST, "off"));
        assert_eq!(defaults.addr, config::DEFAULT_ADDR);
    }

    #[test]
    fn a_wrong_value_in_the_file_names_its_setting() {
        let f = file("wrong.toml", "pledge_burst = \"many\"\n");
        let e = f.apply(Cli::command()).unwrap().try_get_matches_from(["cofund", "serve"]).unwrap_err().to_string();
        assert!(e.contains("--pledge-burst") && e.contains("many"), "{e}");
    }
}
