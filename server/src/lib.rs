//! # cofund-server
//!
//! The reference server of Cofund: it serves the contract-v1 document of each cohort
//! (computed with `cofund-core` from the stored definition, the totals and daily history
//! that the database maintains with every pledge write, and the newest pledges), records
//! donors' pledges exactly once (idempotency keys, one transaction), lets coordinators
//! manage cohorts over an admin API or the CLI, and serves the widget.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! use cofund_server::{config::Settings, Application};
//! let app = Application::build(Settings::for_tests("/tmp/cofund.db".as_ref())).await?;
//! println!("listening on {}", app.address());
//! app.run_until_stopped().await?;
//! # Ok(()) }
//! ```

pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod mail;
pub mod metrics;
pub mod payments;
pub mod routes;
pub mod storage;
pub mod telemetry;

use config::Settings;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use storage::Storage;
use tokio::net::TcpListener;

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: routes::AppState,
    idempotency_ttl: Duration,
    idempotency_sweep_interval: Duration,
    /// The outbox's sender, when e-mail is on.
    mailer: Option<(mail::smtp::SmtpMailer, mail::sender::SenderSettings)>,
    reminder_interval: Duration,
}

/// What composing e-mail needs, from the SMTP settings and the unsubscribe-link key
/// stored in the database (made on first use; shared by every instance).
pub async fn mailing(
    storage: &dyn Storage,
    public_url: &str,
    smtp: &mail::smtp::SmtpSettings,
) -> anyhow::Result<domain::mail::Mailing> {
    let key = storage
        .server_secret("mail_unsubscribe_key", &domain::mail::Mailing::new_key())
        .await
        .map_err(|e| anyhow::anyhow!("reading the mail key: {e}"))?;
    domain::mail::Mailing::new(
        public_url.to_owned(),
        smtp.reply_to.as_ref().map(|r| r.to_string()),
        smtp.from.email.domain().to_owned(),
        &key,
    )
}

impl Application {
    /// Opens (creates, migrates) the database and binds the address. Port 0 picks a
    /// free port: see [`Application::port`].
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let storage = storage::open(&settings.database).await?;
        Self::build_with_storage(settings, storage).await
    }

    /// Like [`Application::build`] with storage that is already open.
    pub async fn build_with_storage(settings: Settings, storage: Arc<dyn Storage>) -> anyhow::Result<Application> {
        use anyhow::Context;
        let listener = TcpListener::bind(&settings.addr).await.with_context(|| format!("binding {}", settings.addr))?;
        let local_addr = listener.local_addr()?;
        let public_url = match &settings.public_url {
            Some(u) => config::normalise_public_url(u)?,
            None => format!("http://{local_addr}"),
        };
        if !settings.widget_dir.is_dir() {
            tracing::warn!(
                dir = %settings.widget_dir.display(),
                "the widget directory does not exist; /widget/ will answer 404 (build the widget with Trunk, or pass --widget-dir)"
            );
        }
        let metrics = settings.metrics.then(metrics::Metrics::new);
        if let Some(m) = &metrics {
            let latency = m.storage_latency();
            storage.observe_calls(Arc::new(move |operation, took| metrics::observe(&latency, operation, took)));
        }
        let mut cofund = domain::Cofund::new(storage, public_url.clone()).with_stream_limits(
            settings.max_subscribers,
            settings.max_streams_per_client,
            settings.stream_lifetime,
        );
        let mut demo_provider = None;
        match &settings.payments {
            config::PaymentsSetting::Off => {}
            config::PaymentsSetting::Demo => {
                // The test provider runs in this server; the real Mollie client talks to
                // it over loopback, exactly as it talks to Mollie.
                payments::demo::check_allowed(local_addr, &public_url)?;
                let demo =
                    payments::demo::DemoProvider::new(&public_url, &format!("{public_url}/api/v1/payments/webhook"));
                let client = payments::mollie::MollieClient::new(
                    &format!("http://{local_addr}{}", payments::demo::MOUNT),
                    demo.api_key(),
                    payments::mollie::DEFAULT_TIMEOUT,
                )?
                .named("demo");
                cofund = cofund.with_payment_provider(Arc::new(client));
                demo_provider = Some(demo.router());
                tracing::info!("online payment through the built-in test provider (no money moves)");
            }
            config::PaymentsSetting::Mollie { api_key, api_url } => {
                payments::mollie::check_key_fits(api_key, &public_url)?;
                let client =
                    payments::mollie::MollieClient::new(api_url, api_key.clone(), payments::mollie::DEFAULT_TIMEOUT)?;
                if !public_url.starts_with("https://") {
                    tracing::warn!(%public_url, "Mollie must reach the webhook at the public URL; set --public-url to this server's public https address");
                }
                cofund = cofund.with_payment_provider(Arc::new(client));
                tracing::info!(%api_url, "online payment through Mollie");
            }
        }
        let mut mailer = None;
        match &settings.mail {
            Some(smtp) => {
                let mut m = mailing(cofund.storage().as_ref(), &public_url, smtp).await?;
                m.news_per_minute = settings.mail_sender.news_per_minute;
                cofund = cofund.with_mailing(m);
                mailer = Some((mail::smtp::SmtpMailer::new(smtp)?, settings.mail_sender));
                tracing::info!(smtp = %smtp.describe(), "e-mail to donors is on");
            }
            None => tracing::info!("e-mail is off: no SMTP server configured (smtp_url or smtp_host and mail_from)"),
        }
        let state = routes::AppState::new(Arc::new(cofund), &settings, metrics, demo_provider);
        Ok(Application {
            listener,
            local_addr,
            state,
            idempotency_ttl: settings.idempotency_ttl,
            idempotency_sweep_interval: settings.idempotency_sweep_interval,
            mailer,
            reminder_interval: settings.reminder_interval,
        })
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// `http://host:port` of the bound socket.
    pub fn address(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The base URL used in links and the embed snippet.
    pub fn public_url(&self) -> &str {
        self.state.public_url()
    }

    pub fn storage(&self) -> Arc<dyn Storage> {
        self.state.cofund().storage().clone()
    }

    /// The domain the server runs on.
    pub fn cofund(&self) -> Arc<domain::Cofund> {
        self.state.cofund().clone()
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let cofund = self.state.cofund().clone();
        let live = tokio::spawn(live_progress(cofund.clone()));
        let state = self.state.clone();
        let forget = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                state.pledge_limiter().forget_idle();
            }
        });
        let sweep =
            tokio::spawn(sweep_idempotency_keys(cofund.clone(), self.idempotency_ttl, self.idempotency_sweep_interval));
        let mail_tasks = self.mailer.map(|(mailer, s)| {
            (
                tokio::spawn(mail::sender::run(cofund.storage().clone(), mailer, s)),
                tokio::spawn(queue_reminders(cofund.clone(), self.reminder_interval)),
                tokio::spawn(queue_automatic_news(cofund.clone())),
            )
        });
        let router = routes::router(self.state);
        let stopping = async move {
            shutdown_signal().await;
            // Open event streams would hold the graceful shutdown forever.
            cofund.stop_streams();
        };
        // Connect info: the socket peer is the client address of the abuse limits.
        let served = axum::serve(self.listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stopping)
            .await;
        live.abort();
        forget.abort();
        sweep.abort();
        if let Some((sender, reminders, news)) = mail_tasks {
            sender.abort();
            reminders.abort();
            news.abort();
        }
        served
    }
}

/// Brings changes announced by any instance to this instance's document cache and event
/// streams, and every few seconds checks the cached and watched cohorts' revisions
/// (changes made by the CLI on the same SQLite file, or announced while the listener
/// reconnected).
async fn live_progress(cofund: Arc<domain::Cofund>) {
    let mut feed = match cofund.storage().change_feed().await {
        Ok(feed) => feed,
        Err(e) => {
            tracing::warn!(error = %e, "no change feed; live events rely on the periodic check");
            None
        }
    };
    let mut check = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tokio::select! {
            slug = async { match feed.as_mut() { Some(f) => f.recv().await, None => std::future::pending().await } } => {
                match slug {
                    Some(slug) => cofund.cohort_changed(&slug).await,
                    None => feed = None,
                }
            }
            _ = check.tick() => cofund.check_revisions().await,
        }
    }
}

/// Deletes expired idempotency records every `interval` (see `domain::upkeep`).
async fn sweep_idempotency_keys(cofund: Arc<domain::Cofund>, ttl: Duration, interval: Duration) {
    let mut every = tokio::time::interval(interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match cofund.sweep_expired_idempotency_keys(ttl, domain::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "expired idempotency records swept"),
            Err(e) => tracing::warn!(error = %e, "sweeping expired idempotency records failed; retrying later"),
        }
    }
}

/// Queues due reminders every `interval` (see `domain::mail`).
async fn queue_reminders(cofund: Arc<domain::Cofund>, interval: Duration) {
    let mut every = tokio::time::interval(interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let now = domain::now();
        match cofund.queue_reminders(now, now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(queued = n, "reminders queued"),
            Err(e) => tracing::warn!(error = %e, "queueing reminders failed; retrying later"),
        }
    }
}

/// Queues the cohorts' automatic news (target reached, campaign closed) every minute.
async fn queue_automatic_news(cofund: Arc<domain::Cofund>) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let now = domain::now();
        if let Err(e) = cofund.queue_automatic_news(now, now).await {
            tracing::warn!(error = %e, "queueing news failed; retrying later");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
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
    tracing::info!("shutting down: finishing requests in flight");
}
