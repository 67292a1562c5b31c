//! [`Storage`] on an embedded SQLite file.
//!
//! Durability and concurrency: WAL journal, `synchronous=FULL` (a commit is on disk
//! before it is acknowledged, so an acknowledged pledge survives `kill -9` and power
//! loss), foreign keys on, a busy timeout. All writes go through one pooled connection
//! and start with `BEGIN IMMEDIATE`, so a transaction that reads and then writes (the
//! idempotency check and the pledge insert) holds the write lock from its first
//! statement: concurrent writers — in this process or another, such as the CLI — queue
//! instead of failing or interleaving. Reads use a separate pool and see committed data.

use super::records::{self, CohortRecord, DayRecord, KeyRecord, PledgeRecord, TokenRecord, TotalsRecord, PLEDGE_COLUMNS, TOKEN_COLUMNS};
use super::*;
use crate::domain::{self, CohortDefinition, PledgeFigures};
use anyhow::Context;
use cofund_core::api::{CrowdTotals, ValidPledge};
use cofund_core::Timestamp;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::time::Duration;


pub struct SqliteStorage {
    write: SqlitePool,
    read: SqlitePool,
}

type Tx = Transaction<'static, Sqlite>;

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
        Ok(SqliteStorage { write, read })
    }

    /// The pool for reads (tools such as `storage::transfer`).
    pub(super) fn read_pool(&self) -> &SqlitePool {
        &self.read
    }

    async fn begin_write(&self) -> Result<Tx, StoreError> {
        Ok(self.write.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn touch_cohort(tx: &mut Tx, slug: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE cohorts SET revision = revision + 1, updated_at = MAX(updated_at, ?) WHERE slug = ?")
            .bind(at.0)
            .bind(slug)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn cohort_in(tx: &mut Tx, slug: &str) -> Result<Option<StoredCohort>, StoreError> {
        let row: Option<CohortRecord> = sqlx::query_as("SELECT definition, revision, updated_at FROM cohorts WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&mut **tx)
            .await?;
        row.map(StoredCohort::try_from).transpose()
    }

    async fn totals_in(tx: &mut Tx, slug: &str) -> Result<CrowdTotals, StoreError> {
        let r: TotalsRecord = sqlx::query_as(
            "SELECT COALESCE(SUM(amount_cents), 0) AS pledged, \
                    COALESCE(SUM(CASE WHEN status = 'received' THEN amount_cents ELSE 0 END), 0) AS received, \
                    COUNT(DISTINCT backer_key) AS backers \
             FROM pledges WHERE cohort_slug = ? AND status <> 'cancelled'",
        )
        .bind(slug)
        .fetch_one(&mut **tx)
        .await?;
        Ok(CrowdTotals { pledged_cents: r.pledged, received_cents: r.received, backers: r.backers })
    }

    /// Inserts one pledge with a fresh id and a payment reference unique in the database.
    async fn insert_pledge(tx: &mut Tx, slug: &str, prefix: &str, p: &NewPledge) -> Result<PledgeRow, StoreError> {
        let mut reference = domain::new_reference(prefix);
        // 40 random bits: a collision is rare, but checked rather than hoped away.
        while sqlx::query("SELECT 1 FROM pledges WHERE reference = ?").bind(&reference).fetch_optional(&mut **tx).await?.is_some() {
            reference = domain::new_reference(prefix);
        }
        let id = domain::new_pledge_id();
        let v: &ValidPledge = &p.pledge;
        let row: PledgeRecord = sqlx::query_as(&format!(
            "INSERT INTO pledges (id, cohort_slug, amount_cents, name, show_name, show_amount, email, backer_key, \
                                  message, message_hidden, status, reference, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {PLEDGE_COLUMNS}"
        ))
        .bind(&id)
        .bind(slug)
        .bind(v.amount_cents)
        .bind(&v.name)
        .bind(v.show_name)
        .bind(v.show_amount)
        .bind(&v.email)
        .bind(domain::backer_key(&v.email))
        .bind(&v.message)
        .bind(p.message_hidden)
        .bind(p.status.as_str())
        .bind(&reference)
        .bind(p.created_at.0)
        .bind(p.created_at.0)
        .fetch_one(&mut **tx)
        .await?;
        row.try_into()
    }
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn health(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn put_cohort(&self, definition: &CohortDefinition, now: Timestamp) -> StoreResult<PutOutcome> {
        let json = serde_json::to_string(definition).context("serialising a definition")?;
        let mut tx = self.begin_write().await?;
        let existed = sqlx::query("SELECT 1 FROM cohorts WHERE slug = ?")
            .bind(&definition.slug)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        sqlx::query(
            "INSERT INTO cohorts (slug, programme, definition, revision, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?) \
             ON CONFLICT (slug) DO UPDATE SET programme = excluded.programme, definition = excluded.definition, \
             revision = cohorts.revision + 1, updated_at = MAX(cohorts.updated_at, excluded.updated_at)",
        )
        .bind(&definition.slug)
        .bind(&definition.programme.name)
        .bind(&json)
        .bind(now.0)
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(if existed { PutOutcome::Updated } else { PutOutcome::Created })
    }

    async fn edit_cohort(&self, slug: &str, now: Timestamp, edit: DefinitionEdit) -> StoreResult<CohortDefinition> {
        let mut tx = self.begin_write().await?;
        let Some(stored) = Self::cohort_in(&mut tx, slug).await? else { return Err(StoreError::cohort_not_found(slug)) };
        let mut def = stored.definition;
        edit(&mut def).map_err(StoreError::Invalid)?;
        let json = serde_json::to_string(&def).context("serialising a definition")?;
        sqlx::query("UPDATE cohorts SET definition = ?, programme = ? WHERE slug = ?")
            .bind(&json)
            .bind(&def.programme.name)
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        Self::touch_cohort(&mut tx, slug, now).await?;
        tx.commit().await?;
        Ok(def)
    }

    async fn get_cohort(&self, slug: &str) -> StoreResult<Option<StoredCohort>> {
        let row: Option<CohortRecord> = sqlx::query_as("SELECT definition, revision, updated_at FROM cohorts WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.read)
            .await?;
        row.map(StoredCohort::try_from).transpose()
    }

    async fn list_cohorts(&self) -> StoreResult<Vec<StoredCohort>> {
        let rows: Vec<CohortRecord> =
            sqlx::query_as("SELECT definition, revision, updated_at FROM cohorts ORDER BY slug").fetch_all(&self.read).await?;
        rows.into_iter().map(StoredCohort::try_from).collect()
    }

    async fn cohort_revision(&self, slug: &str) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT revision FROM cohorts WHERE slug = ?").bind(slug).fetch_optional(&self.read).await?)
    }

    async fn snapshot(&self, slug: &str, recent: usize) -> StoreResult<Option<CohortSnapshot>> {
        // One read transaction: the definition, totals, recent pledges and history are
        // of the same moment.
        let mut tx: Tx = self.read.begin().await?;
        let Some(cohort) = Self::cohort_in(&mut tx, slug).await? else { return Ok(None) };
        let totals = Self::totals_in(&mut tx, slug).await?;
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!(
            "SELECT {PLEDGE_COLUMNS} FROM pledges WHERE cohort_slug = ? AND status <> 'cancelled' \
             ORDER BY created_at DESC, seq DESC LIMIT ?"
        ))
        .bind(slug)
        .bind(recent as i64)
        .fetch_all(&mut *tx)
        .await?;
        let recent_pledges = records::recent(rows)?;
        let days: Vec<DayRecord> = sqlx::query_as(
            "SELECT created_at / 86400 AS day, SUM(amount_cents) AS cents FROM pledges \
             WHERE cohort_slug = ? AND status <> 'cancelled' GROUP BY day ORDER BY day",
        )
        .bind(slug)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let history = records::history(&days)?;
        Ok(Some(CohortSnapshot { cohort, figures: PledgeFigures { totals, recent_pledges, history } }))
    }

    async fn create_pledge(
        &self,
        slug: &str,
        key: &IdempotencyKey,
        request_hash: &str,
        pledge: Result<NewPledge, Vec<FieldError>>,
        admission: &PledgeAdmission,
    ) -> StoreResult<PledgeOutcome> {
        let mut tx = self.begin_write().await?;
        // Under the write lock: a concurrent request with the same key waits for this
        // transaction and then finds the key.
        let known: Option<KeyRecord> =
            sqlx::query_as("SELECT request_hash, response_body FROM idempotency_keys WHERE cohort_slug = ? AND key = ?")
                .bind(slug)
                .bind(key.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(known) = known {
            return replay(known, request_hash);
        }
        let pledge = pledge.map_err(StoreError::Invalid)?;
        let Some(cohort) = Self::cohort_in(&mut tx, slug).await? else { return Err(StoreError::cohort_not_found(slug)) };
        let prefix = admission.admit(&cohort)?;
        let row = Self::insert_pledge(&mut tx, slug, &prefix, &pledge).await?;
        Self::touch_cohort(&mut tx, slug, pledge.created_at).await?;
        let totals = Self::totals_in(&mut tx, slug).await?;
        let body = admission.respond(&cohort, &row, totals)?;
        sqlx::query(
            "INSERT INTO idempotency_keys (cohort_slug, key, request_hash, pledge_id, response_status, response_body, created_at) \
             VALUES (?, ?, ?, ?, 201, ?, ?)",
        )
        .bind(slug)
        .bind(key.as_str())
        .bind(request_hash)
        .bind(&row.id)
        .bind(&body)
        .bind(pledge.created_at.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(PledgeOutcome::Created(body))
    }

    async fn import_pledges(&self, slug: &str, pledges: Vec<NewPledge>) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let Some(cohort) = Self::cohort_in(&mut tx, slug).await? else { return Err(StoreError::cohort_not_found(slug)) };
        let prefix = reference_prefix(&cohort.definition);
        for p in &pledges {
            Self::insert_pledge(&mut tx, slug, &prefix, p).await?;
            Self::touch_cohort(&mut tx, slug, p.created_at).await?;
        }
        tx.commit().await?;
        Ok(pledges.len())
    }

    async fn public_pledges(&self, slug: &str, cursor: Option<Cursor>, limit: u32) -> StoreResult<Option<Vec<PledgeRow>>> {
        let mut tx: Tx = self.read.begin().await?;
        if sqlx::query("SELECT 1 FROM cohorts WHERE slug = ?").bind(slug).fetch_optional(&mut *tx).await?.is_none() {
            return Ok(None);
        }
        let c = cursor.unwrap_or(Cursor { created_at: i64::MAX, seq: i64::MAX });
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!(
            "SELECT {PLEDGE_COLUMNS} FROM pledges WHERE cohort_slug = ? AND status <> 'cancelled' \
             AND (created_at < ? OR (created_at = ? AND seq < ?)) ORDER BY created_at DESC, seq DESC LIMIT ?"
        ))
        .bind(slug)
        .bind(c.created_at)
        .bind(c.created_at)
        .bind(c.seq)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(records::pledges(rows)?))
    }

    async fn all_pledges(&self, slug: &str) -> StoreResult<Option<Vec<PledgeRow>>> {
        let mut tx: Tx = self.read.begin().await?;
        if sqlx::query("SELECT 1 FROM cohorts WHERE slug = ?").bind(slug).fetch_optional(&mut *tx).await?.is_none() {
            return Ok(None);
        }
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE cohort_slug = ? ORDER BY created_at, seq"))
            .bind(slug)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(records::pledges(rows)?))
    }

    async fn get_pledge(&self, id: &str) -> StoreResult<Option<(PledgeRow, String)>> {
        let mut tx: Tx = self.read.begin().await?;
        let row: Option<PledgeRecord> =
            sqlx::query_as(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE id = ?")).bind(id).fetch_optional(&mut *tx).await?;
        let Some(row) = row else { return Ok(None) };
        let programme: String =
            sqlx::query_scalar("SELECT programme FROM cohorts WHERE slug = ?").bind(&row.cohort_slug).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some((row.try_into()?, programme)))
    }

    async fn change_pledge(&self, id: &str, now: Timestamp, decide: PledgeDecision) -> StoreResult<PledgeRow> {
        let mut tx = self.begin_write().await?;
        let row: Option<PledgeRecord> =
            sqlx::query_as(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE id = ?")).bind(id).fetch_optional(&mut *tx).await?;
        let Some(current) = row.map(PledgeRow::try_from).transpose()? else {
            return Err(StoreError::not_found(format!("Pledge {id:?}")));
        };
        let Some((status, hidden)) = decide(&current)? else {
            tx.commit().await?;
            return Ok(current);
        };
        let row: PledgeRecord = sqlx::query_as(&format!(
            "UPDATE pledges SET status = ?, message_hidden = ?, updated_at = ? WHERE id = ? RETURNING {PLEDGE_COLUMNS}"
        ))
        .bind(status.as_str())
        .bind(hidden)
        .bind(now.0)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let updated = PledgeRow::try_from(row)?;
        Self::touch_cohort(&mut tx, &updated.cohort_slug, now).await?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn create_token(&self, programme: Option<String>, label: Option<String>, now: Timestamp) -> StoreResult<(TokenInfo, String)> {
        let (id, secret, hash) = domain::new_admin_token();
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO admin_tokens (id, token_hash, programme, label, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(&id)
            .bind(&hash)
            .bind(&programme)
            .bind(&label)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((TokenInfo { id, programme, label, created_at: now.to_rfc3339(), revoked_at: None }, secret))
    }

    async fn token_by_secret(&self, secret: &str) -> StoreResult<Option<TokenInfo>> {
        let hash = domain::sha256_hex(secret.as_bytes());
        let row: Option<TokenRecord> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM admin_tokens WHERE token_hash = ? AND revoked_at IS NULL"))
                .bind(&hash)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.map(TokenInfo::from))
    }

    async fn get_token(&self, id: &str) -> StoreResult<Option<TokenInfo>> {
        let row: Option<TokenRecord> = sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM admin_tokens WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(TokenInfo::from))
    }

    async fn revoke_token(&self, id: &str, now: Timestamp) -> StoreResult<TokenInfo> {
        let mut tx = self.begin_write().await?;
        let row: Option<TokenRecord> =
            sqlx::query_as(&format!("UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING {TOKEN_COLUMNS}"))
                .bind(now.0)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        row.map(TokenInfo::from).ok_or_else(|| StoreError::not_found(format!("Token {id:?}")))
    }

    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        let rows: Vec<TokenRecord> = sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM admin_tokens ORDER BY created_at, id"))
            .fetch_all(&self.read)
            .await?;
        Ok(rows.into_iter().map(TokenInfo::from).collect())
    }

    async fn delete_expired_idempotency_keys(&self, created_before: Timestamp, limit: u32) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "DELETE FROM idempotency_keys WHERE rowid IN \
             (SELECT rowid FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)",
        )
        .bind(created_before.0)
        .bind(i64::from(limit))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
