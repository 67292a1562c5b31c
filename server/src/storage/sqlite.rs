//! [`Storage`] on an embedded SQLite file.
//!
//! Durability and concurrency: WAL journal, `synchronous=FULL` (a commit is on disk
//! before it is acknowledged, so an acknowledged pledge survives `kill -9` and power
//! loss), foreign keys on, a busy timeout. All writes go through one pooled connection
//! and start with `BEGIN IMMEDIATE`, so a transaction that reads and then writes (the
//! idempotency check and the pledge insert) holds the write lock from its first
//! statement: concurrent writers — in this process or another, such as the CLI — queue
//! instead of failing or interleaving. Reads use a separate pool and see committed data.

use super::records::{
    self, CandidateRecord, CohortRecord, DayRecord, KeyRecord, LinkRecord, OutboxRecord, PaymentRecord, PledgeRecord,
    SessionRecord, TokenRecord, TotalsRecord, OUTBOX_COLUMNS, PAYMENT_COLUMNS, PLEDGE_COLUMNS, SESSION_COLUMNS,
    TOKEN_COLUMNS,
};
use super::*;
use crate::domain::{self, CohortDefinition, PledgeFigures};
use anyhow::Context;
use cofund_core::api::{CrowdTotals, PledgeStatus, ValidPledge};
use cofund_core::Timestamp;
use futures_util::future::{BoxFuture, FutureExt};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;

pub struct SqliteStorage {
    write: SqlitePool,
    read: SqlitePool,
    /// Pledges go to the group-commit writer ([`write_group`]).
    pledges: mpsc::Sender<PledgeJob>,
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
        let pool = write.clone();
        let pledges = spawn_pledge_writer(move |group| write_group(pool.clone(), group));
        Ok(SqliteStorage { write, read, pledges })
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
        let row: Option<CohortRecord> =
            sqlx::query_as("SELECT definition, revision, updated_at FROM cohorts WHERE slug = ?")
                .bind(slug)
                .fetch_optional(&mut **tx)
                .await?;
        row.map(StoredCohort::try_from).transpose()
    }

    /// Moves the maintained figures of `slug` by one pledge write (see
    /// [`records::FiguresDelta`]).
    async fn move_figures(
        tx: &mut Tx,
        slug: &str,
        row: &PledgeRow,
        before: Option<PledgeStatus>,
    ) -> Result<(), StoreError> {
        let delta = records::FiguresDelta::of(row.amount_cents, before, row.status);
        if delta.is_zero() {
            return Ok(());
        }
        let mut backers = 0;
        if delta.counted != 0 {
            // The key stored with the pledge (rows from before migration 0002 were keyed
            // with SQLite's ASCII lower()).
            let backer: String = sqlx::query_scalar("SELECT COALESCE(backer_key, '') FROM pledges WHERE id = ?")
                .bind(&row.id)
                .fetch_one(&mut **tx)
                .await?;
            let now_pledges: i64 = sqlx::query_scalar(
                "INSERT INTO cohort_backers (cohort_slug, backer_key, pledges) VALUES (?, ?, ?) \
                 ON CONFLICT (cohort_slug, backer_key) DO UPDATE SET pledges = cohort_backers.pledges + excluded.pledges \
                 RETURNING pledges",
            )
            .bind(slug)
            .bind(&backer)
            .bind(delta.counted)
            .fetch_one(&mut **tx)
            .await?;
            backers = match (delta.counted, now_pledges) {
                (1, 1) => 1,
                (-1, 0) => -1,
                _ => 0,
            };
            sqlx::query(
                "INSERT INTO cohort_days (cohort_slug, day, pledged_cents, pledges) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (cohort_slug, day) DO UPDATE SET pledged_cents = cohort_days.pledged_cents + excluded.pledged_cents, \
                 pledges = cohort_days.pledges + excluded.pledges",
            )
            .bind(slug)
            .bind(row.created_at.0.div_euclid(86_400))
            .bind(delta.pledged_cents)
            .bind(delta.counted)
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO cohort_totals (cohort_slug, pledged_cents, received_cents, backers) VALUES (?, ?, ?, ?) \
             ON CONFLICT (cohort_slug) DO UPDATE SET pledged_cents = cohort_totals.pledged_cents + excluded.pledged_cents, \
             received_cents = cohort_totals.received_cents + excluded.received_cents, backers = cohort_totals.backers + excluded.backers",
        )
        .bind(slug)
        .bind(delta.pledged_cents)
        .bind(delta.received_cents)
        .bind(backers)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn totals_in(tx: &mut Tx, slug: &str) -> Result<CrowdTotals, StoreError> {
        let r: Option<TotalsRecord> =
            sqlx::query_as("SELECT pledged_cents AS pledged, received_cents AS received, backers FROM cohort_totals WHERE cohort_slug = ?")
                .bind(slug)
                .fetch_optional(&mut **tx)
                .await?;
        let r = r.unwrap_or(TotalsRecord { pledged: 0, received: 0, backers: 0 });
        Ok(CrowdTotals { pledged_cents: r.pledged, received_cents: r.received, backers: r.backers })
    }

    /// One pledge inside the writer's transaction: a known key replays (or is refused
    /// as reused), an invalid pledge is refused, the domain admits it on the cohort as
    /// stored, and the answer is stored with the key.
    fn pledge_in<'a>(tx: &'a mut Tx, job: &'a PledgeJob) -> BoxFuture<'a, StoreResult<PledgeOutcome>> {
        async move {
        let slug = job.slug.as_str();
        let known: Option<KeyRecord> =
            sqlx::query_as("SELECT request_hash, response_body FROM idempotency_keys WHERE cohort_slug = ? AND key = ?")
                .bind(slug)
                .bind(job.key.as_str())
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(known) = known {
            return replay(known, &job.request_hash);
        }
        let pledge = job.pledge.as_ref().map_err(|e| StoreError::Invalid(e.clone()))?;
        let Some(cohort) = Self::cohort_in(tx, slug).await? else { return Err(StoreError::cohort_not_found(slug)) };
        let prefix = job.admission.admit(&cohort)?;
        let row = Self::insert_pledge(tx, slug, &prefix, pledge).await?;
        Self::touch_cohort(tx, slug, pledge.created_at).await?;
        let totals = Self::totals_in(tx, slug).await?;
        let body = job.admission.respond(&cohort, &row, totals)?;
        for message in job.admission.follow_up(&cohort, &row) {
            Self::insert_outbox(tx, &message, message.created_at).await?;
        }
        sqlx::query(
            "INSERT INTO idempotency_keys (cohort_slug, key, request_hash, pledge_id, response_status, response_body, created_at) \
             VALUES (?, ?, ?, ?, 201, ?, ?)",
        )
        .bind(slug)
        .bind(job.key.as_str())
        .bind(&job.request_hash)
        .bind(&row.id)
        .bind(&body)
        .bind(pledge.created_at.0)
        .execute(&mut **tx)
        .await?;
        Ok(PledgeOutcome::Created(body))
        }
        .boxed()
    }

    /// Writes a message to the outbox, due at its creation.
    async fn insert_outbox(tx: &mut Tx, m: &OutboxMessage, due_at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox (id, message_id, kind, pledge_id, cohort_slug, locale, recipient, recipient_name, reply_to, subject, \
                                 text_body, html_body, unsubscribe_url, status, attempts, next_attempt_at, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', 0, ?, ?)",
        )
        .bind(&m.id)
        .bind(&m.message_id)
        .bind(m.kind.as_str())
        .bind(&m.pledge_id)
        .bind(&m.cohort_slug)
        .bind(&m.locale)
        .bind(&m.recipient)
        .bind(&m.recipient_name)
        .bind(&m.reply_to)
        .bind(&m.subject)
        .bind(&m.text_body)
        .bind(&m.html_body)
        .bind(&m.unsubscribe_url)
        .bind(due_at.0)
        .bind(m.created_at.0)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Inserts one pledge with a fresh id and a payment reference unique in the database.
    async fn insert_pledge(tx: &mut Tx, slug: &str, prefix: &str, p: &NewPledge) -> Result<PledgeRow, StoreError> {
        let mut reference = domain::new_reference(prefix);
        // 40 random bits: a collision is rare, but checked rather than hoped away.
        while sqlx::query("SELECT 1 FROM pledges WHERE reference = ?")
            .bind(&reference)
            .fetch_optional(&mut **tx)
            .await?
            .is_some()
        {
            reference = domain::new_reference(prefix);
        }
        let id = domain::new_pledge_id();
        let v: &ValidPledge = &p.pledge;
        let row: PledgeRecord = sqlx::query_as(&format!(
            "INSERT INTO pledges (id, cohort_slug, amount_cents, name, show_name, show_amount, email, backer_key, \
                                  message, message_hidden, status, reference, locale, news, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {PLEDGE_COLUMNS}"
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
        .bind(&p.locale)
        .bind(v.news)
        .bind(p.created_at.0)
        .bind(p.created_at.0)
        .fetch_one(&mut **tx)
        .await?;
        let row = PledgeRow::try_from(row)?;
        Self::move_figures(tx, slug, &row, None).await?;
        Ok(row)
    }
}

/// One group of pledges (see [`spawn_pledge_writer`]) in one `BEGIN IMMEDIATE`
/// transaction, each inside its own savepoint so a refused one leaves the others alone,
/// committed once: one fsync for the group.
/// Boxed, as the `async_trait` methods are: a spawned task must be `Send` for every
/// lifetime of the borrowed connection, which the compiler proves only for a boxed future.
fn write_group(pool: SqlitePool, group: &[PledgeJob]) -> BoxFuture<'_, Vec<StoreResult<PledgeOutcome>>> {
    async move {
        let n = group.len();
        let mut tx: Tx = match pool.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => tx,
            Err(e) => return all_failed(n, e),
        };
        let mut outcomes = Vec::with_capacity(n);
        for job in group {
            if let Err(e) = savepoint(&mut tx, "SAVEPOINT pledge").await {
                return all_failed(n, e);
            }
            let outcome = SqliteStorage::pledge_in(&mut tx, job).await;
            if outcome.is_err() {
                if let Err(e) = savepoint(&mut tx, "ROLLBACK TO pledge").await {
                    return all_failed(n, e);
                }
            }
            if let Err(e) = savepoint(&mut tx, "RELEASE pledge").await {
                return all_failed(n, e);
            }
            outcomes.push(outcome);
        }
        match tx.commit().await {
            Ok(()) => outcomes,
            Err(e) => all_failed(n, e),
        }
    }
    .boxed()
}

fn savepoint<'a>(tx: &'a mut Tx, statement: &'static str) -> BoxFuture<'a, Result<(), sqlx::Error>> {
    async move { sqlx::query(statement).execute(&mut **tx).await.map(|_| ()) }.boxed()
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn health(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn put_programme(
        &self,
        slug: &str,
        settings: &cofund_core::programme::ProgrammeSettings,
        expected_revision: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<PutOutcome> {
        let columns = super::records::ProgrammeColumns::of(settings)?;
        let pot = settings.pot.as_ref();
        let mut tx = self.begin_write().await?;
        let revision: Option<i64> = sqlx::query_scalar("SELECT revision FROM programmes WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&mut *tx)
            .await?;
        check_revision(slug, expected_revision, revision.unwrap_or(0))?;
        let existed = revision.is_some();
        sqlx::query(
            "INSERT INTO programmes (slug, name, url, pot_name, pot_cents, pot_ratio_bps, pot_cap_per_gift_cents, \
             pot_cap_per_cohort_cents, pot_funders, impact, revision, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name, url = excluded.url, pot_name = excluded.pot_name, \
             pot_cents = excluded.pot_cents, pot_ratio_bps = excluded.pot_ratio_bps, \
             pot_cap_per_gift_cents = excluded.pot_cap_per_gift_cents, \
             pot_cap_per_cohort_cents = excluded.pot_cap_per_cohort_cents, pot_funders = excluded.pot_funders, \
             impact = excluded.impact, revision = programmes.revision + 1, \
             updated_at = MAX(programmes.updated_at, excluded.updated_at)",
        )
        .bind(slug)
        .bind(&settings.name)
        .bind(&settings.url)
        .bind(pot.map(|p| p.name.clone()))
        .bind(pot.map(|p| p.pot_cents))
        .bind(pot.map(|p| p.ratio_bps))
        .bind(pot.and_then(|p| p.cap_per_gift_cents))
        .bind(pot.and_then(|p| p.cap_per_cohort_cents))
        .bind(&columns.funders)
        .bind(&columns.impact)
        .bind(now.0)
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(if existed { PutOutcome::Updated } else { PutOutcome::Created })
    }

    async fn get_programme(&self, slug: &str) -> StoreResult<Option<StoredProgramme>> {
        let row: Option<super::records::ProgrammeRecord> =
            sqlx::query_as(&format!("SELECT {} FROM programmes WHERE slug = ?", super::records::PROGRAMME_COLUMNS))
                .bind(slug)
                .fetch_optional(&self.read)
                .await?;
        row.map(StoredProgramme::try_from).transpose()
    }

    async fn cohort_revisions(&self) -> StoreResult<Vec<CohortRevision>> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT slug, programme, revision FROM cohorts ORDER BY slug").fetch_all(&self.read).await?;
        Ok(rows.into_iter().map(|(slug, programme, revision)| CohortRevision { slug, programme, revision }).collect())
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

    async fn edit_cohort(
        &self,
        slug: &str,
        now: Timestamp,
        expected_revision: Option<i64>,
        edit: DefinitionEdit,
    ) -> StoreResult<CohortDefinition> {
        let mut tx = self.begin_write().await?;
        let Some(stored) = Self::cohort_in(&mut tx, slug).await? else {
            return Err(StoreError::cohort_not_found(slug));
        };
        check_revision(slug, expected_revision, stored.revision)?;
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
        let row: Option<CohortRecord> =
            sqlx::query_as("SELECT definition, revision, updated_at FROM cohorts WHERE slug = ?")
                .bind(slug)
                .fetch_optional(&self.read)
                .await?;
        row.map(StoredCohort::try_from).transpose()
    }

    async fn list_cohorts(&self) -> StoreResult<Vec<StoredCohort>> {
        let rows: Vec<CohortRecord> =
            sqlx::query_as("SELECT definition, revision, updated_at FROM cohorts ORDER BY slug")
                .fetch_all(&self.read)
                .await?;
        rows.into_iter().map(StoredCohort::try_from).collect()
    }

    async fn cohort_revision(&self, slug: &str) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT revision FROM cohorts WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.read)
            .await?)
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
            "SELECT day, pledged_cents AS cents FROM cohort_days WHERE cohort_slug = ? AND pledges > 0 ORDER BY day",
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
        submit_pledge(&self.pledges, slug, key, request_hash, pledge, admission).await
    }

    async fn import_pledges(&self, slug: &str, pledges: Vec<NewPledge>) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let Some(cohort) = Self::cohort_in(&mut tx, slug).await? else {
            return Err(StoreError::cohort_not_found(slug));
        };
        let prefix = reference_prefix(&cohort.definition);
        for p in &pledges {
            Self::insert_pledge(&mut tx, slug, &prefix, p).await?;
            Self::touch_cohort(&mut tx, slug, p.created_at).await?;
        }
        tx.commit().await?;
        Ok(pledges.len())
    }

    async fn public_pledges(
        &self,
        slug: &str,
        cursor: Option<Cursor>,
        limit: u32,
    ) -> StoreResult<Option<Vec<PledgeRow>>> {
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
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!(
            "SELECT {PLEDGE_COLUMNS} FROM pledges WHERE cohort_slug = ? ORDER BY created_at, seq"
        ))
        .bind(slug)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(records::pledges(rows)?))
    }

    async fn get_pledge(&self, id: &str) -> StoreResult<Option<(PledgeRow, String)>> {
        let mut tx: Tx = self.read.begin().await?;
        let row: Option<PledgeRecord> = sqlx::query_as(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE id = ?"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let programme: String = sqlx::query_scalar("SELECT programme FROM cohorts WHERE slug = ?")
            .bind(&row.cohort_slug)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some((row.try_into()?, programme)))
    }

    async fn change_pledge(&self, id: &str, now: Timestamp, decide: PledgeDecision) -> StoreResult<PledgeRow> {
        let mut tx = self.begin_write().await?;
        let row: Option<PledgeRecord> = sqlx::query_as(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE id = ?"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(current) = row.map(PledgeRow::try_from).transpose()? else {
            return Err(StoreError::not_found(format!("Pledge {id:?}")));
        };
        let Some(cohort) = Self::cohort_in(&mut tx, &current.cohort_slug).await? else {
            return Err(StoreError::cohort_not_found(&current.cohort_slug));
        };
        let Some(PledgeUpdate { status, message_hidden: hidden, outbox }) = decide(&current, &cohort)? else {
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
        Self::move_figures(&mut tx, &updated.cohort_slug, &updated, Some(current.status)).await?;
        Self::touch_cohort(&mut tx, &updated.cohort_slug, now).await?;
        for message in &outbox {
            Self::insert_outbox(&mut tx, message, message.created_at).await?;
        }
        tx.commit().await?;
        Ok(updated)
    }

    async fn insert_payment(&self, p: &PaymentRow) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO payments (id, pledge_id, cohort_slug, provider, status, amount_cents, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&p.id)
        .bind(&p.pledge_id)
        .bind(&p.cohort_slug)
        .bind(&p.provider)
        .bind(p.status.as_str())
        .bind(p.amount_cents)
        .bind(p.created_at.0)
        .bind(p.updated_at.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn get_payment(&self, id: &str) -> StoreResult<Option<PaymentRow>> {
        let row: Option<PaymentRecord> =
            sqlx::query_as(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
        row.map(PaymentRow::try_from).transpose()
    }

    async fn latest_payment(&self, pledge_id: &str) -> StoreResult<Option<PaymentRow>> {
        let row: Option<PaymentRecord> = sqlx::query_as(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE pledge_id = ? ORDER BY created_at DESC, id DESC LIMIT 1"
        ))
        .bind(pledge_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(PaymentRow::try_from).transpose()
    }

    async fn payments_of(&self, pledge_id: &str) -> StoreResult<Vec<PaymentRow>> {
        let rows: Vec<PaymentRecord> = sqlx::query_as(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE pledge_id = ? ORDER BY created_at, id"
        ))
        .bind(pledge_id)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(PaymentRow::try_from).collect()
    }

    async fn set_payment_status(
        &self,
        id: &str,
        status: crate::payments::PaymentStatus,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE payments SET status = ?, updated_at = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(now.0)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn create_token(
        &self,
        programme: Option<String>,
        label: Option<String>,
        now: Timestamp,
    ) -> StoreResult<(TokenInfo, String)> {
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
        let row: Option<TokenRecord> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM admin_tokens WHERE token_hash = ? AND revoked_at IS NULL"
        ))
        .bind(&hash)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(TokenInfo::from))
    }

    async fn get_token(&self, id: &str) -> StoreResult<Option<TokenInfo>> {
        let row: Option<TokenRecord> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM admin_tokens WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.map(TokenInfo::from))
    }

    async fn revoke_token(&self, id: &str, now: Timestamp) -> StoreResult<TokenInfo> {
        let mut tx = self.begin_write().await?;
        let row: Option<TokenRecord> = sqlx::query_as(&format!(
            "UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(now.0)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("UPDATE sessions SET revoked_at = COALESCE(revoked_at, ?) WHERE token_id = ?")
            .bind(now.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        row.map(TokenInfo::from).ok_or_else(|| StoreError::not_found(format!("Token {id:?}")))
    }

    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        let rows: Vec<TokenRecord> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM admin_tokens ORDER BY created_at, id"))
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

    async fn create_login_link(
        &self,
        link_hash: &str,
        grant: &Grant,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO login_links (link_hash, role, programme, cohort, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(link_hash)
            .bind(grant.role.as_str())
            .bind(&grant.programme)
            .bind(&grant.cohort)
            .bind(now.0)
            .bind(expires_at.0)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn redeem_login_link(&self, link_hash: &str, now: Timestamp) -> StoreResult<Result<Grant, LinkProblem>> {
        // One statement: of two concurrent redemptions, exactly one gets the row.
        let used: Option<LinkRecord> = sqlx::query_as(
            "UPDATE login_links SET used_at = ? WHERE link_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING role, programme, cohort, expires_at, used_at",
        )
        .bind(now.0)
        .bind(link_hash)
        .bind(now.0)
        .fetch_optional(&self.write)
        .await?;
        if let Some(r) = used {
            return Ok(Ok(Grant {
                role: crate::domain::access::Role::parse(&r.role)?,
                programme: r.programme,
                cohort: r.cohort,
            }));
        }
        let known: Option<LinkRecord> =
            sqlx::query_as("SELECT role, programme, cohort, expires_at, used_at FROM login_links WHERE link_hash = ?")
                .bind(link_hash)
                .fetch_optional(&self.write)
                .await?;
        Ok(Err(match known {
            None => LinkProblem::Unknown,
            Some(r) if r.used_at.is_some() => LinkProblem::Used,
            Some(_) => LinkProblem::Expired,
        }))
    }

    async fn create_session(&self, s: &SessionInfo, secret_hash: &str, token_id: Option<&str>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id, secret_hash, csrf_token, role, programme, cohort, created_at, expires_at, token_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.id)
        .bind(secret_hash)
        .bind(&s.csrf_token)
        .bind(s.grant.role.as_str())
        .bind(&s.grant.programme)
        .bind(&s.grant.cohort)
        .bind(s.created_at.0)
        .bind(s.expires_at.0)
        .bind(token_id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn session_by_secret(&self, secret: &str, now: Timestamp) -> StoreResult<Option<SessionInfo>> {
        let hash = domain::sha256_hex(secret.as_bytes());
        let row: Option<SessionRecord> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE secret_hash = ? AND revoked_at IS NULL AND expires_at > ?"
        ))
        .bind(hash)
        .bind(now.0)
        .fetch_optional(&self.read)
        .await?;
        row.map(SessionInfo::try_from).transpose()
    }

    async fn revoke_session(&self, id: &str, now: Timestamp) -> StoreResult<SessionInfo> {
        let row: Option<SessionRecord> = sqlx::query_as(&format!(
            "UPDATE sessions SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING {SESSION_COLUMNS}"
        ))
        .bind(now.0)
        .bind(id)
        .fetch_optional(&self.write)
        .await?;
        row.map(SessionInfo::try_from).transpose()?.ok_or_else(|| StoreError::not_found(format!("Session {id:?}")))
    }

    async fn list_sessions(&self) -> StoreResult<Vec<SessionInfo>> {
        let rows: Vec<SessionRecord> =
            sqlx::query_as(&format!("SELECT {SESSION_COLUMNS} FROM sessions ORDER BY created_at, id"))
                .fetch_all(&self.read)
                .await?;
        rows.into_iter().map(SessionInfo::try_from).collect()
    }

    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        claim: &str,
    ) -> StoreResult<Vec<(OutboxMessage, i64)>> {
        // One statement under the write lock: of two senders, one gets each message.
        let rows: Vec<OutboxRecord> = sqlx::query_as(&format!(
            "UPDATE outbox SET claim = ?, claimed_until = ? WHERE id IN \
             (SELECT id FROM outbox WHERE status = 'waiting' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?) \
              ORDER BY next_attempt_at, created_at LIMIT ?) RETURNING {OUTBOX_COLUMNS}"
        ))
        .bind(claim)
        .bind(lease_until.0)
        .bind(now.0)
        .bind(now.0)
        .bind(i64::from(limit))
        .fetch_all(&self.write)
        .await?;
        Ok(records::outbox(rows)?.into_iter().map(|e| (e.message, e.attempts)).collect())
    }

    async fn outbox_sent(&self, id: &str, claim: &str, now: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, claim = NULL, claimed_until = NULL, last_error = NULL \
             WHERE id = ? AND claim = ?",
        )
        .bind(now.0)
        .bind(id)
        .bind(claim)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn outbox_failed(
        &self,
        id: &str,
        claim: &str,
        next_attempt_at: Timestamp,
        error: &str,
        permanent: bool,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET status = ?, next_attempt_at = ?, attempts = attempts + 1, last_error = ?, claim = NULL, claimed_until = NULL \
             WHERE id = ? AND claim = ?",
        )
        .bind(if permanent { "failed" } else { "waiting" })
        .bind(next_attempt_at.0)
        .bind(error.chars().take(500).collect::<String>())
        .bind(id)
        .bind(claim)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn outbox(&self, slug: Option<&str>, limit: u32) -> StoreResult<Vec<OutboxEntry>> {
        let rows: Vec<OutboxRecord> = sqlx::query_as(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE (? IS NULL OR cohort_slug = ?) ORDER BY created_at DESC, id DESC LIMIT ?"
        ))
        .bind(slug)
        .bind(slug)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        records::outbox(rows)
    }

    async fn reminder_candidates(&self, slug: &str, created_before: Timestamp) -> StoreResult<Vec<ReminderCandidate>> {
        let columns: String = PLEDGE_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
        let rows: Vec<CandidateRecord> = sqlx::query_as(&format!(
            "SELECT {columns}, \
               (SELECT COUNT(*) FROM outbox o WHERE o.pledge_id = p.id AND o.kind = 'reminder') AS reminders, \
               (SELECT MAX(o.created_at) FROM outbox o WHERE o.pledge_id = p.id AND o.kind = 'reminder') AS last_reminder_at, \
               EXISTS (SELECT 1 FROM mail_unsubscribed u WHERE u.backer_key = p.backer_key) AS unsubscribed \
             FROM pledges p WHERE p.cohort_slug = ? AND p.status = 'pledged' AND p.created_at <= ? \
               AND EXISTS (SELECT 1 FROM outbox c WHERE c.pledge_id = p.id AND c.kind = 'confirmation') ORDER BY p.created_at, p.seq"
        ))
        .bind(slug)
        .bind(created_before.0)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(ReminderCandidate::try_from).collect()
    }

    async fn queue_reminder(
        &self,
        pledge_id: &str,
        expected_reminders: i64,
        message: &OutboxMessage,
        due_at: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let ok: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM pledges p WHERE p.id = ? AND p.status = 'pledged' \
             AND (SELECT COUNT(*) FROM outbox o WHERE o.pledge_id = p.id AND o.kind = 'reminder') = ? \
             AND NOT EXISTS (SELECT 1 FROM mail_unsubscribed u WHERE u.backer_key = p.backer_key)",
        )
        .bind(pledge_id)
        .bind(expected_reminders)
        .fetch_optional(&mut *tx)
        .await?;
        if ok.is_none() {
            tx.commit().await?;
            return Ok(false);
        }
        Self::insert_outbox(&mut tx, message, due_at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn unsubscribe(&self, backer_key: &str, now: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO mail_unsubscribed (backer_key, created_at) VALUES (?, ?) ON CONFLICT (backer_key) DO NOTHING",
        )
        .bind(backer_key)
        .bind(now.0)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn retry_outbox(&self, slug: &str, id: &str, now: Timestamp) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE outbox SET status = 'waiting', next_attempt_at = ?, claim = NULL, claimed_until = NULL \
             WHERE id = ? AND cohort_slug = ? AND status = 'failed' AND recipient <> ''",
        )
        .bind(now.0)
        .bind(id)
        .bind(slug)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn queue_outbox(&self, message: &OutboxMessage, due_at: Timestamp) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::insert_outbox(&mut tx, message, due_at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn news_recipients(&self, slug: &str) -> StoreResult<Vec<PledgeRow>> {
        let columns: String = PLEDGE_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!(
            "SELECT {columns} FROM pledges p WHERE p.cohort_slug = ? AND p.news AND p.status <> 'cancelled' \
               AND p.anonymised_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM mail_unsubscribed u WHERE u.backer_key = p.backer_key) \
               AND p.seq = (SELECT MAX(q.seq) FROM pledges q WHERE q.cohort_slug = p.cohort_slug \
                            AND q.backer_key = p.backer_key AND q.news AND q.status <> 'cancelled') \
             ORDER BY p.seq"
        ))
        .bind(slug)
        .fetch_all(&self.read)
        .await?;
        records::pledges(rows)
    }

    async fn queue_news(
        &self,
        news: &NewsRecord,
        messages: &[(OutboxMessage, Timestamp)],
    ) -> StoreResult<Option<usize>> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO mail_news (id, cohort_slug, key, subject, recipients, created_at) VALUES (?, ?, ?, ?, 0, ?) \
             ON CONFLICT (cohort_slug, key) DO NOTHING",
        )
        .bind(&news.id)
        .bind(&news.cohort_slug)
        .bind(&news.key)
        .bind(&news.subject)
        .bind(news.created_at.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.commit().await?;
            return Ok(None);
        }
        let mut queued = 0;
        for (m, due_at) in messages {
            let unsubscribed: Option<i64> = sqlx::query_scalar("SELECT 1 FROM mail_unsubscribed WHERE backer_key = ?")
                .bind(domain::backer_key(&m.recipient))
                .fetch_optional(&mut *tx)
                .await?;
            if unsubscribed.is_none() {
                Self::insert_outbox(&mut tx, m, *due_at).await?;
                queued += 1;
            }
        }
        sqlx::query("UPDATE mail_news SET recipients = ? WHERE id = ?")
            .bind(i64::try_from(queued).unwrap_or(i64::MAX))
            .bind(&news.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(queued))
    }

    async fn news_of(&self, slug: &str) -> StoreResult<Vec<NewsRecord>> {
        let rows: Vec<records::NewsRow> = sqlx::query_as(
            "SELECT id, cohort_slug, key, subject, recipients, created_at FROM mail_news WHERE cohort_slug = ? \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(slug)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(NewsRecord::from).collect())
    }

    async fn backer_pledges(&self, backer_key: &str) -> StoreResult<Vec<PledgeRow>> {
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!(
            "SELECT {PLEDGE_COLUMNS} FROM pledges WHERE backer_key = ? ORDER BY created_at, seq"
        ))
        .bind(backer_key)
        .fetch_all(&self.read)
        .await?;
        records::pledges(rows)
    }

    async fn anonymise_backer(
        &self,
        backer_key: &str,
        new_backer_key: &str,
        now: Timestamp,
    ) -> StoreResult<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let slugs: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT cohort_slug FROM pledges WHERE backer_key = ? ORDER BY cohort_slug")
                .bind(backer_key)
                .fetch_all(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE outbox SET recipient = '', recipient_name = NULL, text_body = '', html_body = '', unsubscribe_url = NULL, \
               status = CASE WHEN status = 'waiting' THEN 'failed' ELSE status END, \
               last_error = CASE WHEN status = 'waiting' THEN 'the donor was anonymised' ELSE last_error END, \
               claim = NULL, claimed_until = NULL \
             WHERE pledge_id IN (SELECT id FROM pledges WHERE backer_key = ?)",
        )
        .bind(backer_key)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE pledges SET name = NULL, show_name = 0, email = '', message = NULL, backer_key = ?, anonymised_at = ? \
             WHERE backer_key = ?",
        )
        .bind(new_backer_key)
        .bind(now.0)
        .bind(backer_key)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE cohort_backers SET backer_key = ? WHERE backer_key = ?")
            .bind(new_backer_key)
            .bind(backer_key)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM mail_unsubscribed WHERE backer_key = ?").bind(backer_key).execute(&mut *tx).await?;
        for slug in &slugs {
            sqlx::query("UPDATE cohorts SET revision = revision + 1 WHERE slug = ?")
                .bind(slug)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(slugs)
    }

    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String> {
        sqlx::query("INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&self.write)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = ?")
            .bind(name)
            .fetch_one(&self.write)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DomainError;

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
