//! [`Storage`] on an embedded SQLite file.
//!
//! Durability and concurrency: WAL journal, `synchronous=FULL` (a commit is on disk
//! before it is acknowledged, so an acknowledged pledge survives `kill -9` and power
//! loss), foreign keys on, a busy timeout. All writes go through one pooled connection
//! and start with `BEGIN IMMEDIATE`, so a transaction that reads and then writes (the
//! idempotency check and the pledge insert) holds the write lock from its first
//! statement: concurrent writers — in this process or another, such as the CLI — queue
//! instead of failing or interleaving. Reads use a separate pool and see committed data.
//!
//! The queries are in `queries.rs`, shared with PostgreSQL; this file holds what is
//! SQLite's own: opening the file, the pools and the SQL that differs.

use super::{CallObserver, PledgeJob};
use crate::domain::DomainResult;
use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::mpsc;

// The queries, compiled for this backend (and once more for PostgreSQL's).
#[allow(clippy::duplicate_mod)]
#[path = "queries.rs"]
mod queries;

type Backend = SqliteStorage;
type Db = Sqlite;
/// The write lock from the first statement: a transaction that reads and then writes
/// never meets another writer in between.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
/// A read transaction sees the database of one moment (WAL).
const BEGIN_SNAPSHOT: &str = "BEGIN";
const GREATEST: &str = "MAX";
/// No row locks: a write transaction holds the whole database.
const FOR_UPDATE: &str = "";
const SKIP_LOCKED: &str = "";

pub struct SqliteStorage {
    write: SqlitePool,
    read: SqlitePool,
    /// Pledges go to the group-commit writer.
    pledges: mpsc::Sender<PledgeJob>,
    observer: OnceLock<CallObserver>,
}

impl SqliteStorage {
    /// Opens the database file, creating it (and its directory) and migrating it.
    pub async fn open(path: &Path) -> anyhow::Result<SqliteStorage> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            // A failed write can leave the connection unusable: SQLite rolls a
            // transaction back by itself on some errors (a full disk: SQLITE_FULL), the
            // ROLLBACK that sqlx sends when the transaction is dropped then fails ("no
            // transaction is active"), and sqlx still counts the transaction as open, so
            // every later BEGIN on this connection would fail for ever. Such a connection
            // is closed instead of reused; the pool opens a fresh one.
            .before_acquire(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
            .connect_with(options.clone())
            .await
            .with_context(|| format!("opening the database {}", path.display()))?;
        sqlx::migrate!("./migrations").run(&write).await.context("migrating the database")?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .with_context(|| format!("opening the database {}", path.display()))?;
        let pledges = Self::spawn_pledge_writer(write.clone());
        Ok(SqliteStorage { write, read, pledges, observer: OnceLock::new() })
    }

    /// The pool for reads (tools such as `storage::transfer`).
    pub(super) fn read_pool(&self) -> &SqlitePool {
        &self.read
    }

    fn reader(&self) -> &SqlitePool {
        &self.read
    }

    fn writer(&self) -> &SqlitePool {
        &self.write
    }

    /// SQLite has no channel to other processes: only this one knows of a change.
    async fn announce(&self, _slug: &str) -> DomainResult<bool> {
        Ok(false)
    }

    async fn listen(&self) -> DomainResult<Option<mpsc::Receiver<String>>> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::store::Storage;
    use crate::domain::{self, DomainError};

    /// A full disk (here: the database may not grow, `max_page_count`) refuses writes as
    /// `Unavailable` (503), and once there is room again writes succeed without a restart:
    /// the connection SQLite's automatic rollback left behind is not reused.
    #[tokio::test]
    async fn writes_recover_after_a_full_disk() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(&dir.path().join("full.db")).await.unwrap();
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(&storage.write).await.unwrap();
        sqlx::query(&format!("PRAGMA max_page_count = {}", pages + 2)).execute(&storage.write).await.unwrap();
        let big = Some("x".repeat(200_000));
        let mut refused = None;
        for _ in 0..10 {
            if let Err(e) = storage.create_token(None, big.clone(), domain::now()).await {
                refused = Some(e);
                break;
            }
        }
        assert!(matches!(refused, Some(DomainError::Unavailable(_))), "{refused:?}");
        // Room again (a fresh connection has no page limit; the old one is given room).
        sqlx::query("PRAGMA max_page_count = 1073741823").execute(&storage.write).await.unwrap();
        for _ in 0..3 {
            storage
                .create_token(None, Some("after".into()), domain::now())
                .await
                .expect("a write after the disk has room again");
        }
    }
}
