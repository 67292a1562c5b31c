//! [`Storage`] on an embedded SQLite file.
//!
//! Durability and concurrency: WAL journal, `synchronous=FULL` (a commit is on disk
//! before it is acknowledged, so an acknowledged pledge survives `kill -9` and power
//! loss), foreign keys on, a busy timeout. All writes go through one pooled connection
//! and start with `BEGIN IMMEDIATE`, so a transaction that reads and then writes (the
//! idempotency check and the pledge insert) holds the write lock from its first
//! statement: concurrent writers — in this process or another, such as the CLI — queue
//! instead of failing or interleaving. Reads use a separate pool and see committed data.

use super::*;
use crate::domain::{self, CohortDefinition, PledgeFigures};
use anyhow::Context;
use cofund_core::api::{CrowdTotals, PaymentInstructions, PledgeReceipt, PledgeResponse, PledgeStatus, ValidPledge};
use cofund_core::{HistoryPoint, RecentPledge, Timestamp};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::time::Duration;

/// Longest history served (the contract allows 2000 points).
const MAX_HISTORY: usize = 2000;

pub struct SqliteStorage {
    write: SqlitePool,
    read: SqlitePool,
}

type Tx = Transaction<'static, Sqlite>;

fn status_from_str(s: &str) -> anyhow::Result<PledgeStatus> {
    Ok(match s {
        "pledged" => PledgeStatus::Pledged,
        "received" => PledgeStatus::Received,
        "cancelled" => PledgeStatus::Cancelled,
        other => anyhow::bail!("unknown pledge status {other:?} in the database"),
    })
}

fn pledge_row(r: &SqliteRow) -> Result<PledgeRow, StoreError> {
    Ok(PledgeRow {
        seq: r.try_get("seq")?,
        id: r.try_get("id")?,
        cohort_slug: r.try_get("cohort_slug")?,
        amount_cents: r.try_get("amount_cents")?,
        name: r.try_get("name")?,
        show_name: r.try_get("show_name")?,
        show_amount: r.try_get("show_amount")?,
        email: r.try_get("email")?,
        message: r.try_get("message")?,
        message_hidden: r.try_get("message_hidden")?,
        status: status_from_str(r.try_get::<&str, _>("status")?)?,
        reference: r.try_get("reference")?,
        created_at: Timestamp(r.try_get("created_at")?),
        updated_at: Timestamp(r.try_get("updated_at")?),
    })
}

fn cohort_row(r: &SqliteRow) -> Result<StoredCohort, StoreError> {
    let json: &str = r.try_get("definition")?;
    let definition: CohortDefinition = serde_json::from_str(json).context("a stored cohort definition")?;
    Ok(StoredCohort {
        definition,
        revision: r.try_get("revision")?,
        updated_at: Timestamp(r.try_get("updated_at")?),
    })
}

fn token_row(r: &SqliteRow) -> Result<TokenInfo, StoreError> {
    Ok(TokenInfo {
        id: r.try_get("id")?,
        programme: r.try_get("programme")?,
        label: r.try_get("label")?,
        created_at: Timestamp(r.try_get("created_at")?).to_rfc3339(),
        revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(|t| Timestamp(t).to_rfc3339()),
    })
}

const PLEDGE_COLUMNS: &str = "seq, id, cohort_slug, amount_cents, name, show_name, show_amount, email, message, \
                              message_hidden, status, reference, created_at, updated_at";

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
        let row = sqlx::query("SELECT definition, revision, updated_at FROM cohorts WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&mut **tx)
            .await?;
        row.as_ref().map(cohort_row).transpose()
    }

    async fn totals_in(tx: &mut Tx, slug: &str) -> Result<CrowdTotals, StoreError> {
        let r = sqlx::query(
            "SELECT COALESCE(SUM(amount_cents), 0) AS pledged, \
                    COALESCE(SUM(CASE WHEN status = 'received' THEN amount_cents ELSE 0 END), 0) AS received, \
                    COUNT(DISTINCT backer_key) AS backers \
             FROM pledges WHERE cohort_slug = ? AND status <> 'cancelled'",
        )
        .bind(slug)
        .fetch_one(&mut **tx)
        .await?;
        Ok(CrowdTotals { pledged_cents: r.try_get("pledged")?, received_cents: r.try_get("received")?, backers: r.try_get("backers")? })
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
        let row = sqlx::query(&format!(
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
        pledge_row(&row)
    }
}

fn reference_prefix(def: &CohortDefinition) -> String {
    def.payment.as_ref().map(|p| p.reference_prefix.clone()).unwrap_or_else(|| "CFD".to_owned())
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
        let Some(stored) = Self::cohort_in(&mut tx, slug).await? else { return Err(StoreError::NotFound) };
        let mut def = stored.definition;
        edit(&mut def).map_err(StoreError::Invalid)?;
        def.slug = slug.to_owned();
        def.validate().map_err(StoreError::Invalid)?;
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
        let row = sqlx::query("SELECT definition, revision, updated_at FROM cohorts WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(cohort_row).transpose()
    }

    async fn list_cohorts(&self) -> StoreResult<Vec<StoredCohort>> {
        let rows = sqlx::query("SELECT definition, revision, updated_at FROM cohorts ORDER BY slug").fetch_all(&self.read).await?;
        rows.iter().map(cohort_row).collect()
    }

    async fn cohort_revision(&self, slug: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT revision FROM cohorts WHERE slug = ?").bind(slug).fetch_optional(&self.read).await?;
        Ok(row.map(|r| r.try_get("revision")).transpose()?)
    }

    async fn snapshot(&self, slug: &str, recent: usize) -> StoreResult<Option<CohortSnapshot>> {
        // One read transaction: the definition, totals, recent pledges and history are
        // of the same moment.
        let mut tx: Tx = self.read.begin().await?;
        let Some(cohort) = Self::cohort_in(&mut tx, slug).await? else { return Ok(None) };
        let totals = Self::totals_in(&mut tx, slug).await?;
        let rows = sqlx::query(&format!(
            "SELECT {PLEDGE_COLUMNS} FROM pledges WHERE cohort_slug = ? AND status <> 'cancelled' \
             ORDER BY created_at DESC, seq DESC LIMIT ?"
        ))
        .bind(slug)
        .bind(recent as i64)
        .fetch_all(&mut *tx)
        .await?;
        let recent_pledges = rows
            .iter()
            .map(|r| {
                let p = pledge_row(r)?.public();
                // Messages keep their line feeds: the contract allows them there.
                Ok(RecentPledge { name: p.name, amount_cents: p.amount_cents, message: p.message, at: p.at })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // History rule: one point per UTC day on which non-cancelled pledges were made,
        // with the cumulative amount of all non-cancelled pledges made up to the end of
        // that day. A cancelled pledge disappears from the history retroactively.
        let days = sqlx::query(
            "SELECT created_at / 86400 AS day, SUM(amount_cents) AS cents FROM pledges \
             WHERE cohort_slug = ? AND status <> 'cancelled' GROUP BY day ORDER BY day",
        )
        .bind(slug)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut history = Vec::with_capacity(days.len());
        let mut cumulative: i64 = 0;
        for d in &days {
            let day: i64 = d.try_get("day")?;
            let cents: i64 = d.try_get("cents")?;
            cumulative = cumulative.checked_add(cents).context("history total overflows")?;
            history.push(HistoryPoint { date: cofund_core::Date(day).to_string(), pledged_cents: cumulative });
        }
        if history.len() > MAX_HISTORY {
            history.drain(..history.len() - MAX_HISTORY);
        }
        Ok(Some(CohortSnapshot { cohort, figures: PledgeFigures { totals, recent_pledges, history } }))
    }

    async fn idempotent_response(&self, slug: &str, key: &IdempotencyKey) -> StoreResult<Option<IdempotentResponse>> {
        let row = sqlx::query(
            "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE cohort_slug = ? AND key = ?",
        )
        .bind(slug)
        .bind(key.as_str())
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(IdempotentResponse {
                request_hash: r.try_get("request_hash")?,
                status: r.try_get::<i64, _>("response_status")? as u16,
                body: r.try_get("response_body")?,
            })
        })
        .transpose()
    }

    async fn create_pledge(&self, slug: &str, key: &IdempotencyKey, request_hash: &str, pledge: NewPledge) -> StoreResult<PledgeOutcome> {
        let mut tx = self.begin_write().await?;
        // Under the write lock: a concurrent request with the same key waits for this
        // transaction and then finds the key.
        let known = sqlx::query("SELECT request_hash, response_body FROM idempotency_keys WHERE cohort_slug = ? AND key = ?")
            .bind(slug)
            .bind(key.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(r) = known {
            let hash: String = r.try_get("request_hash")?;
            if hash != request_hash {
                return Err(StoreError::Conflict {
                    code: "idempotency_key_reused",
                    message: "This Idempotency-Key was already used with a different request body.".into(),
                });
            }
            return Ok(PledgeOutcome::Replayed(r.try_get("response_body")?));
        }
        let Some(cohort) = Self::cohort_in(&mut tx, slug).await? else { return Err(StoreError::NotFound) };
        let def = &cohort.definition;
        let Some(payment) = def.payment.as_ref().filter(|_| def.pledging_enabled) else {
            return Err(StoreError::Conflict { code: "campaign_not_open", message: "This cohort does not take pledges.".into() });
        };
        let row = Self::insert_pledge(&mut tx, slug, &payment.reference_prefix, &pledge).await?;
        Self::touch_cohort(&mut tx, slug, pledge.created_at).await?;
        let totals = Self::totals_in(&mut tx, slug).await?;
        let response = PledgeResponse {
            pledge: PledgeReceipt {
                id: row.id.clone(),
                amount_cents: row.amount_cents,
                status: row.status,
                created_at: row.created_at.to_rfc3339(),
            },
            payment: PaymentInstructions {
                iban: payment.iban.clone(),
                account_holder: payment.account_holder.clone(),
                reference: row.reference.clone(),
                amount_cents: row.amount_cents,
                note: payment.note.clone(),
            },
            totals,
        };
        let body = serde_json::to_string(&response).context("serialising a pledge response")?;
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
        let Some(cohort) = Self::cohort_in(&mut tx, slug).await? else { return Err(StoreError::NotFound) };
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
        let rows = sqlx::query(&format!(
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
        Ok(Some(rows.iter().map(pledge_row).collect::<Result<_, _>>()?))
    }

    async fn all_pledges(&self, slug: &str) -> StoreResult<Option<Vec<PledgeRow>>> {
        let mut tx: Tx = self.read.begin().await?;
        if sqlx::query("SELECT 1 FROM cohorts WHERE slug = ?").bind(slug).fetch_optional(&mut *tx).await?.is_none() {
            return Ok(None);
        }
        let rows = sqlx::query(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE cohort_slug = ? ORDER BY created_at, seq"))
            .bind(slug)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(rows.iter().map(pledge_row).collect::<Result<_, _>>()?))
    }

    async fn get_pledge(&self, id: &str) -> StoreResult<Option<(PledgeRow, String)>> {
        let row = sqlx::query(&format!(
            "SELECT p.{}, c.programme AS programme FROM pledges p JOIN cohorts c ON c.slug = p.cohort_slug WHERE p.id = ?",
            PLEDGE_COLUMNS.replace(", ", ", p.")
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| Ok((pledge_row(&r)?, r.try_get("programme")?))).transpose()
    }

    async fn change_pledge(&self, id: &str, change: PledgeChange, now: Timestamp) -> StoreResult<PledgeRow> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE id = ?"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(current) = row.as_ref().map(pledge_row).transpose()? else { return Err(StoreError::NotFound) };
        let (status, hidden) = match change {
            PledgeChange::Confirm => match current.status {
                PledgeStatus::Cancelled => {
                    return Err(StoreError::Conflict {
                        code: "invalid_transition",
                        message: "A cancelled pledge cannot be confirmed.".into(),
                    })
                }
                _ => (PledgeStatus::Received, current.message_hidden),
            },
            PledgeChange::Cancel => (PledgeStatus::Cancelled, current.message_hidden),
            PledgeChange::HideMessage(h) => (current.status, h),
        };
        if (status, hidden) == (current.status, current.message_hidden) {
            tx.commit().await?;
            return Ok(current);
        }
        let row = sqlx::query(&format!(
            "UPDATE pledges SET status = ?, message_hidden = ?, updated_at = ? WHERE id = ? RETURNING {PLEDGE_COLUMNS}"
        ))
        .bind(status.as_str())
        .bind(hidden)
        .bind(now.0)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let updated = pledge_row(&row)?;
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
        let row = sqlx::query(
            "SELECT id, programme, label, created_at, revoked_at FROM admin_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(token_row).transpose()
    }

    async fn get_token(&self, id: &str) -> StoreResult<Option<TokenInfo>> {
        let row = sqlx::query("SELECT id, programme, label, created_at, revoked_at FROM admin_tokens WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(token_row).transpose()
    }

    async fn revoke_token(&self, id: &str, now: Timestamp) -> StoreResult<TokenInfo> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? \
             RETURNING id, programme, label, created_at, revoked_at",
        )
        .bind(now.0)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.as_ref().map(token_row).transpose()?.ok_or(StoreError::NotFound)
    }

    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        let rows = sqlx::query("SELECT id, programme, label, created_at, revoked_at FROM admin_tokens ORDER BY created_at, id")
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(token_row).collect()
    }
}
