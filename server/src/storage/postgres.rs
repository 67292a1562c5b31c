//! [`Storage`] on PostgreSQL, for running several stateless instances.
//!
//! Concurrency: every write is one transaction at READ COMMITTED. Pledges are written by
//! each instance's group-commit writer, several in one transaction; each first locks its
//! cohort's row (`SELECT … FOR UPDATE`), so the pledges of one cohort are written one
//! after another whichever instance receives them: the idempotency-key lookup that
//! follows sees every key committed before, and the primary key of `idempotency_keys`
//! makes a second pledge under the same key impossible even so. `synchronous_commit` is
//! the server's (on by default): a commit is durable before it is acknowledged.
//!
//! The queries are in `queries.rs`, shared with SQLite; this file holds what is
//! PostgreSQL's own: connecting, the pool, the SQL that differs (row locks,
//! `GREATEST`) and LISTEN/NOTIFY.

use super::{CallObserver, PledgeJob};
use crate::domain::DomainResult;
use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::mpsc;

// The queries, compiled for this backend (and once more for SQLite's).
#[allow(clippy::duplicate_mod)]
#[path = "queries.rs"]
mod queries;

type Backend = PostgresStorage;
type Db = Postgres;
/// READ COMMITTED; what must not interleave takes row locks (`FOR_UPDATE`).
const BEGIN_WRITE: &str = "BEGIN";
/// Every statement of the transaction sees the same snapshot.
const BEGIN_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
const GREATEST: &str = "GREATEST";
/// Locks the rows a `SELECT` reads until the transaction ends.
const FOR_UPDATE: &str = " FOR UPDATE";
/// Locks the rows a `SELECT` reads, passing over those another transaction holds (two
/// instances sweeping or claiming at once take different rows).
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

pub struct PostgresStorage {
    pool: PgPool,
    /// Pledges go to this instance's group-commit writer.
    pledges: mpsc::Sender<PledgeJob>,
    observer: OnceLock<CallObserver>,
}

/// The `LISTEN`/`NOTIFY` channel on which instances announce a changed cohort (payload:
/// its slug).
const CHANGES_CHANNEL: &str = "cofund_changes";

impl PostgresStorage {
    /// Connects to `url` (`postgres://user@host:port/db`) and migrates the database.
    pub async fn open(url: &str, max_connections: u32) -> anyhow::Result<PostgresStorage> {
        let options = PgConnectOptions::from_str(url).context("the PostgreSQL URL")?;
        // While PostgreSQL is down (restarting, failing over) a request waits at most 5 s
        // for a connection and then gets `503 unavailable` with `Retry-After`, rather
        // than hanging for as long as most clients wait.
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .with_context(|| format!("connecting to PostgreSQL at {}", redact(url)))?;
        sqlx::migrate!("./migrations-postgres").run(&pool).await.context("migrating the PostgreSQL database")?;
        let pledges = Self::spawn_pledge_writer(pool.clone());
        Ok(PostgresStorage { pool, pledges, observer: OnceLock::new() })
    }

    /// The pool, for tools.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// Tells every instance on this database that `slug` changed.
    async fn announce(&self, slug: &str) -> DomainResult<bool> {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANGES_CHANNEL).bind(slug).execute(&self.pool).await?;
        Ok(true)
    }

    /// The slugs announced on the channel by every instance on this database.
    async fn listen(&self) -> DomainResult<Option<mpsc::Receiver<String>>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANGES_CHANNEL).await?;
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                // `recv` reconnects by itself after a lost connection; what was announced
                // meanwhile is caught by the periodic revision check.
                match listener.recv().await {
                    Ok(n) => {
                        if tx.send(n.payload().to_owned()).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for changes failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Some(rx))
    }
}

/// The URL without its password, for messages.
pub(super) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(super::redact("postgres://cofund:geheim@db:5432/cofund"), "postgres://cofund:***@db:5432/cofund");
        assert_eq!(super::redact("postgres://cofund@db/cofund"), "postgres://cofund@db/cofund");
    }
}
