//! [`Storage`] on PostgreSQL, for running several stateless instances.
//!
//! Concurrency: every write is one transaction at READ COMMITTED. A pledge first locks
//! its cohort's row (`SELECT … FOR UPDATE`), so the pledges of one cohort are written
//! one after another whichever instance receives them: the idempotency-key lookup that
//! follows sees every key committed before, and the primary key of `idempotency_keys`
//! makes a second pledge under the same key impossible even so. Pledges of different
//! cohorts do not wait for each other. `synchronous_commit` is the server's (on by
//! default): a commit is durable before it is acknowledged.

use super::records::{self, CohortRecord, DayRecord, KeyRecord, PledgeRecord, TokenRecord, TotalsRecord, PLEDGE_COLUMNS, TOKEN_COLUMNS};
use super::*;
use crate::domain::{self, CohortDefinition, PledgeFigures};
use anyhow::Context;
use cofund_core::api::{CrowdTotals, ValidPledge};
use cofund_core::Timestamp;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub struct PostgresStorage {
    pool: PgPool,
}

type Tx = Transaction<'static, Postgres>;

/// The `LISTEN`/`NOTIFY` channel on which instances announce a changed cohort (payload:
/// its slug).
const CHANGES_CHANNEL: &str = "cofund_changes";

impl PostgresStorage {
    /// Connects to `url` (`postgres://user@host:port/db`) and migrates the database.
    pub async fn open(url: &str, max_connections: u32) -> anyhow::Result<PostgresStorage> {
        let options = PgConnectOptions::from_str(url).context("the PostgreSQL URL")?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .with_context(|| format!("connecting to PostgreSQL at {}", redact(url)))?;
        sqlx::migrate!("./migrations-postgres").run(&pool).await.context("migrating the PostgreSQL database")?;
        Ok(PostgresStorage { pool })
    }

    /// The pool, for LISTEN connections and tools.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn touch_cohort(tx: &mut Tx, slug: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE cohorts SET revision = revision + 1, updated_at = GREATEST(updated_at, $1) WHERE slug = $2")
            .bind(at.0)
            .bind(slug)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The cohort, its row locked until the transaction ends when `lock`.
    async fn cohort_in(tx: &mut Tx, slug: &str, lock: bool) -> Result<Option<StoredCohort>, StoreError> {
        let sql = if lock {
            "SELECT definition, revision, updated_at FROM cohorts WHERE slug = $1 FOR UPDATE"
        } else {
            "SELECT definition, revision, updated_at FROM cohorts WHERE slug = $1"
        };
        let row: Option<CohortRecord> = sqlx::query_as(sql).bind(slug).fetch_optional(&mut **tx).await?;
        row.map(StoredCohort::try_from).transpose()
    }

    async fn totals_in(tx: &mut Tx, slug: &str) -> Result<CrowdTotals, StoreError> {
        let r: TotalsRecord = sqlx::query_as(
            "SELECT COALESCE(SUM(amount_cents), 0)::BIGINT AS pledged, \
                    COALESCE(SUM(CASE WHEN status = 'received' THEN amount_cents ELSE 0 END), 0)::BIGINT AS received, \
                    COUNT(DISTINCT backer_key) AS backers \
             FROM pledges WHERE cohort_slug = $1 AND status <> 'cancelled'",
        )
        .bind(slug)
        .fetch_one(&mut **tx)
        .await?;
        Ok(CrowdTotals { pledged_cents: r.pledged, received_cents: r.received, backers: r.backers })
    }

    async fn insert_pledge(tx: &mut Tx, slug: &str, prefix: &str, p: &NewPledge) -> Result<PledgeRow, StoreError> {
        let mut reference = domain::new_reference(prefix);
        // 40 random bits: a collision is rare, but checked rather than hoped away.
        while sqlx::query("SELECT 1 FROM pledges WHERE reference = $1").bind(&reference).fetch_optional(&mut **tx).await?.is_some() {
            reference = domain::new_reference(prefix);
        }
        let v: &ValidPledge = &p.pledge;
        let row: PledgeRecord = sqlx::query_as(&format!(
            "INSERT INTO pledges (id, cohort_slug, amount_cents, name, show_name, show_amount, email, backer_key, \
                                  message, message_hidden, status, reference, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING {PLEDGE_COLUMNS}"
        ))
        .bind(domain::new_pledge_id())
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
        .fetch_one(&mut **tx)
        .await?;
        row.try_into()
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

#[async_trait]
impl Storage for PostgresStorage {
    async fn health(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn announce_change(&self, slug: &str) -> StoreResult<bool> {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANGES_CHANNEL).bind(slug).execute(&self.pool).await?;
        Ok(true)
    }

    async fn change_feed(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANGES_CHANNEL).await?;
        let (tx, rx) = tokio::sync::mpsc::channel(1024);
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

    async fn put_cohort(&self, definition: &CohortDefinition, now: Timestamp) -> StoreResult<PutOutcome> {
        let json = serde_json::to_string(definition).context("serialising a definition")?;
        // `xmax = 0` holds for a freshly inserted row, not for one the upsert updated.
        let inserted: bool = sqlx::query_scalar(
            "INSERT INTO cohorts (slug, programme, definition, revision, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) \
             ON CONFLICT (slug) DO UPDATE SET programme = excluded.programme, definition = excluded.definition, \
             revision = cohorts.revision + 1, updated_at = GREATEST(cohorts.updated_at, excluded.updated_at) \
             RETURNING (xmax = 0)",
        )
        .bind(&definition.slug)
        .bind(&definition.programme.name)
        .bind(&json)
        .bind(now.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(if inserted { PutOutcome::Created } else { PutOutcome::Updated })
    }

    async fn edit_cohort(&self, slug: &str, now: Timestamp, edit: DefinitionEdit) -> StoreResult<CohortDefinition> {
        let mut tx = self.pool.begin().await?;
        let Some(stored) = Self::cohort_in(&mut tx, slug, true).await? else { return Err(StoreError::cohort_not_found(slug)) };
        let mut def = stored.definition;
        edit(&mut def).map_err(StoreError::Invalid)?;
        let json = serde_json::to_string(&def).context("serialising a definition")?;
        sqlx::query("UPDATE cohorts SET definition = $1, programme = $2 WHERE slug = $3")
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
        let row: Option<CohortRecord> = sqlx::query_as("SELECT definition, revision, updated_at FROM cohorts WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.map(StoredCohort::try_from).transpose()
    }

    async fn list_cohorts(&self) -> StoreResult<Vec<StoredCohort>> {
        let rows: Vec<CohortRecord> =
            sqlx::query_as("SELECT definition, revision, updated_at FROM cohorts ORDER BY slug").fetch_all(&self.pool).await?;
        rows.into_iter().map(StoredCohort::try_from).collect()
    }

    async fn cohort_revision(&self, slug: &str) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT revision FROM cohorts WHERE slug = $1").bind(slug).fetch_optional(&self.pool).await?)
    }

    async fn snapshot(&self, slug: &str, recent: usize) -> StoreResult<Option<CohortSnapshot>> {
        // One REPEATABLE READ transaction: the definition, totals, recent pledges and
        // history are of the same moment.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        let Some(cohort) = Self::cohort_in(&mut tx, slug, false).await? else { return Ok(None) };
        let totals = Self::totals_in(&mut tx, slug).await?;
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!(
            "SELECT {PLEDGE_COLUMNS} FROM pledges WHERE cohort_slug = $1 AND status <> 'cancelled' \
             ORDER BY created_at DESC, seq DESC LIMIT $2"
        ))
        .bind(slug)
        .bind(recent as i64)
        .fetch_all(&mut *tx)
        .await?;
        let recent_pledges = records::recent(rows)?;
        let days: Vec<DayRecord> = sqlx::query_as(
            "SELECT created_at / 86400 AS day, SUM(amount_cents)::BIGINT AS cents FROM pledges \
             WHERE cohort_slug = $1 AND status <> 'cancelled' GROUP BY day ORDER BY day",
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
        let mut tx = self.pool.begin().await?;
        // The cohort's row lock orders this cohort's pledges across instances; the key
        // lookup after it sees every key committed before.
        let Some(cohort) = Self::cohort_in(&mut tx, slug, true).await? else { return Err(StoreError::cohort_not_found(slug)) };
        let known: Option<KeyRecord> =
            sqlx::query_as("SELECT request_hash, response_body FROM idempotency_keys WHERE cohort_slug = $1 AND key = $2")
                .bind(slug)
                .bind(key.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(known) = known {
            return replay(known, request_hash);
        }
        let pledge = pledge.map_err(StoreError::Invalid)?;
        let prefix = admission.admit(&cohort)?;
        let row = Self::insert_pledge(&mut tx, slug, &prefix, &pledge).await?;
        Self::touch_cohort(&mut tx, slug, pledge.created_at).await?;
        let totals = Self::totals_in(&mut tx, slug).await?;
        let body = admission.respond(&cohort, &row, totals)?;
        sqlx::query(
            "INSERT INTO idempotency_keys (cohort_slug, key, request_hash, pledge_id, response_status, response_body, created_at) \
             VALUES ($1, $2, $3, $4, 201, $5, $6)",
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
        let mut tx = self.pool.begin().await?;
        let Some(cohort) = Self::cohort_in(&mut tx, slug, true).await? else { return Err(StoreError::cohort_not_found(slug)) };
        let prefix = reference_prefix(&cohort.definition);
        for p in &pledges {
            Self::insert_pledge(&mut tx, slug, &prefix, p).await?;
            Self::touch_cohort(&mut tx, slug, p.created_at).await?;
        }
        tx.commit().await?;
        Ok(pledges.len())
    }

    async fn public_pledges(&self, slug: &str, cursor: Option<Cursor>, limit: u32) -> StoreResult<Option<Vec<PledgeRow>>> {
        let mut tx = self.pool.begin().await?;
        if Self::cohort_in(&mut tx, slug, false).await?.is_none() {
            return Ok(None);
        }
        let c = cursor.unwrap_or(Cursor { created_at: i64::MAX, seq: i64::MAX });
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!(
            "SELECT {PLEDGE_COLUMNS} FROM pledges WHERE cohort_slug = $1 AND status <> 'cancelled' \
             AND (created_at < $2 OR (created_at = $2 AND seq < $3)) ORDER BY created_at DESC, seq DESC LIMIT $4"
        ))
        .bind(slug)
        .bind(c.created_at)
        .bind(c.seq)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(records::pledges(rows)?))
    }

    async fn all_pledges(&self, slug: &str) -> StoreResult<Option<Vec<PledgeRow>>> {
        let mut tx = self.pool.begin().await?;
        if Self::cohort_in(&mut tx, slug, false).await?.is_none() {
            return Ok(None);
        }
        let rows: Vec<PledgeRecord> =
            sqlx::query_as(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE cohort_slug = $1 ORDER BY created_at, seq"))
                .bind(slug)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(Some(records::pledges(rows)?))
    }

    async fn get_pledge(&self, id: &str) -> StoreResult<Option<(PledgeRow, String)>> {
        let mut tx = self.pool.begin().await?;
        let row: Option<PledgeRecord> =
            sqlx::query_as(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE id = $1")).bind(id).fetch_optional(&mut *tx).await?;
        let Some(row) = row else { return Ok(None) };
        let programme: String =
            sqlx::query_scalar("SELECT programme FROM cohorts WHERE slug = $1").bind(&row.cohort_slug).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some((row.try_into()?, programme)))
    }

    async fn change_pledge(&self, id: &str, now: Timestamp, decide: PledgeDecision) -> StoreResult<PledgeRow> {
        let mut tx = self.pool.begin().await?;
        let row: Option<PledgeRecord> = sqlx::query_as(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE id = $1 FOR UPDATE"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(current) = row.map(PledgeRow::try_from).transpose()? else {
            return Err(StoreError::not_found(format!("Pledge {id:?}")));
        };
        let Some((status, hidden)) = decide(&current)? else {
            tx.commit().await?;
            return Ok(current);
        };
        // The cohort first, as a pledge does, so the two never wait for each other in
        // opposite orders.
        Self::cohort_in(&mut tx, &current.cohort_slug, true).await?;
        let row: PledgeRecord = sqlx::query_as(&format!(
            "UPDATE pledges SET status = $1, message_hidden = $2, updated_at = $3 WHERE id = $4 RETURNING {PLEDGE_COLUMNS}"
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
        sqlx::query("INSERT INTO admin_tokens (id, token_hash, programme, label, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(&hash)
            .bind(&programme)
            .bind(&label)
            .bind(now.0)
            .execute(&self.pool)
            .await?;
        Ok((TokenInfo { id, programme, label, created_at: now.to_rfc3339(), revoked_at: None }, secret))
    }

    async fn token_by_secret(&self, secret: &str) -> StoreResult<Option<TokenInfo>> {
        let hash = domain::sha256_hex(secret.as_bytes());
        let row: Option<TokenRecord> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL"))
                .bind(&hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(TokenInfo::from))
    }

    async fn get_token(&self, id: &str) -> StoreResult<Option<TokenInfo>> {
        let row: Option<TokenRecord> = sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM admin_tokens WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(TokenInfo::from))
    }

    async fn revoke_token(&self, id: &str, now: Timestamp) -> StoreResult<TokenInfo> {
        let row: Option<TokenRecord> = sqlx::query_as(&format!(
            "UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(now.0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(TokenInfo::from).ok_or_else(|| StoreError::not_found(format!("Token {id:?}")))
    }

    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        let rows: Vec<TokenRecord> = sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM admin_tokens ORDER BY created_at, id"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(TokenInfo::from).collect())
    }

    async fn delete_expired_idempotency_keys(&self, created_before: Timestamp, limit: u32) -> StoreResult<u64> {
        // SKIP LOCKED: instances sweeping at the same moment take different rows.
        let done = sqlx::query(
            "DELETE FROM idempotency_keys WHERE (cohort_slug, key) IN \
             (SELECT cohort_slug, key FROM idempotency_keys WHERE created_at < $1 \
              ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
        )
        .bind(created_before.0)
        .bind(i64::from(limit))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
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
