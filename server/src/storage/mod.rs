//! The [`Storage`] port of the domain (`crate::domain::store`) on a database. The
//! backend is chosen by the database URL's scheme: `sqlite:` (a file, the default) or
//! `postgres:` (one database shared by several instances).
//!
//! Every query is written once, in `queries.rs`, with `$N` placeholders (which sqlx's
//! SQLite driver reads as PostgreSQL does). That file is compiled once per backend, as a
//! child module of `sqlite.rs` and of `postgres.rs`; each of those two holds only what
//! really differs (connecting and migrating, pools, the transaction that writes, row
//! locks, `MAX`/`GREATEST`, LISTEN/NOTIFY). Storage depends on the domain, never back.

mod postgres;
mod records;
mod sqlite;
pub mod transfer;

pub use crate::domain::store::{
    CallObserver, CohortRevision, CohortSnapshot, Cursor, NewPledge, PaymentRow, PledgeDecision, PledgeOutcome,
    PledgeRow, PledgeUpdate, PutOutcome, Storage, StoredCohort, StoredProgramme, TokenInfo,
};
pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

use crate::domain::pledging::PledgeAdmission;
use crate::domain::{DomainError, DomainResult, IdempotencyKey};
use cofund_core::FieldError;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Where the data lives, parsed from `--database`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
    /// A `postgres://` URL (may hold a password: never printed whole).
    Postgres(String),
}

impl std::fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseLocation::Sqlite(p) => write!(f, "Sqlite({p:?})"),
            DatabaseLocation::Postgres(_) => write!(f, "Postgres(…)"),
        }
    }
}

impl DatabaseLocation {
    /// `sqlite:PATH`, `sqlite://PATH` or a plain file path; `postgres://…` or
    /// `postgresql://…`.
    pub fn parse(s: &str) -> anyhow::Result<DatabaseLocation> {
        let s = s.trim();
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DatabaseLocation::Postgres(s.to_owned()));
        }
        if s.starts_with("postgres:") || s.starts_with("postgresql:") {
            anyhow::bail!("a PostgreSQL database is a URL: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
        }
        let path = s.strip_prefix("sqlite://").or_else(|| s.strip_prefix("sqlite:")).unwrap_or(s);
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            anyhow::bail!("empty database path");
        }
        if let Some((scheme, _)) = s.split_once("://") {
            if scheme != "sqlite" {
                anyhow::bail!("unsupported database scheme {scheme:?}; use sqlite:PATH or postgres://…");
            }
        }
        Ok(DatabaseLocation::Sqlite(PathBuf::from(path)))
    }
}

/// Opens (creating and migrating) the storage at `location`.
pub async fn open(location: &DatabaseLocation) -> anyhow::Result<Arc<dyn Storage>> {
    match location {
        DatabaseLocation::Sqlite(path) => Ok(Arc::new(SqliteStorage::open(path).await?)),
        DatabaseLocation::Postgres(url) => Ok(Arc::new(PostgresStorage::open(url, 16).await?)),
    }
}

/// Most pledges written in one transaction.
const MAX_GROUP: usize = 512;

/// One pledge waiting for its backend's group-commit writer.
pub(crate) struct PledgeJob {
    pub slug: String,
    pub key: IdempotencyKey,
    pub request_hash: String,
    pub pledge: Result<NewPledge, Vec<FieldError>>,
    pub admission: PledgeAdmission,
    /// Where the writer sends the outcome once the group is committed.
    pub answer: tokio::sync::oneshot::Sender<DomainResult<PledgeOutcome>>,
}

/// Starts a backend's pledge writer: it takes every pledge waiting (up to
/// [`MAX_GROUP`]), has `write_group` write them in one transaction and commit once, and
/// only then answers each. Under load a group grows by itself with the pledges that
/// arrived during the previous commit; a lone pledge is written at once. An acknowledged
/// pledge is as durable as with one transaction per pledge, for one commit per group.
pub(crate) fn spawn_pledge_writer<F>(write_group: F) -> tokio::sync::mpsc::Sender<PledgeJob>
where
    F: for<'a> Fn(&'a [PledgeJob]) -> futures_util::future::BoxFuture<'a, Vec<DomainResult<PledgeOutcome>>>
        + Send
        + 'static,
{
    let (sender, mut jobs) = tokio::sync::mpsc::channel::<PledgeJob>(4 * MAX_GROUP);
    tokio::spawn(async move {
        let mut group = Vec::with_capacity(MAX_GROUP);
        while jobs.recv_many(&mut group, MAX_GROUP).await > 0 {
            let outcomes = write_group(&group).await;
            for (job, outcome) in group.drain(..).zip(outcomes) {
                let _ = job.answer.send(outcome);
            }
        }
    });
    sender
}

/// The answer to every pledge of a group whose transaction failed: none was written.
/// A database that cannot serve now (a lost connection, a full disk) stays
/// `Unavailable` for each, so every donor gets a `503` to retry, not a `500`.
fn all_failed(n: usize, e: sqlx::Error) -> Vec<DomainResult<PledgeOutcome>> {
    let unavailable = crate::domain::is_unavailable(&e);
    let message = format!("writing a group of pledges: {e}");
    (0..n)
        .map(|_| {
            let cause = anyhow::anyhow!("{message}");
            Err(if unavailable { DomainError::Unavailable(cause) } else { DomainError::Internal(cause) })
        })
        .collect()
}

/// Times one storage call from its start to the end of its scope, for the observer
/// given to [`Storage::observe_calls`] (if any).
pub(crate) struct CallTimer<'a> {
    observer: Option<&'a CallObserver>,
    operation: &'static str,
    started: Instant,
}

impl CallTimer<'_> {
    pub(crate) fn start<'a>(observer: &'a OnceLock<CallObserver>, operation: &'static str) -> CallTimer<'a> {
        CallTimer { observer: observer.get(), operation, started: Instant::now() }
    }
}

impl Drop for CallTimer<'_> {
    fn drop(&mut self) {
        if let Some(observe) = self.observer {
            observe(self.operation, self.started.elapsed());
        }
    }
}
