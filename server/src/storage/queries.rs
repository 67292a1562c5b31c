//! Every query of [`Storage`], written once for both backends. This file is compiled
//! twice, as a child module of `sqlite.rs` and of `postgres.rs` (`#[path]`); each parent
//! supplies what differs between the two databases, and nothing else:
//!
//! - `Backend`, its storage type, and `Db`, the sqlx database;
//! - `Backend::reader()`/`writer()`, the pools for reads and writes (SQLite: a pool of
//!   readers and one writer; PostgreSQL: one pool);
//! - `Backend::announce()`/`listen()`, the change channel (PostgreSQL: LISTEN/NOTIFY);
//! - the SQL that differs: `BEGIN_WRITE` (SQLite takes the write lock at once with
//!   `BEGIN IMMEDIATE`), `BEGIN_SNAPSHOT` (a read transaction that sees one moment),
//!   `GREATEST` (SQLite's two-argument `MAX`), `FOR_UPDATE` and `SKIP_LOCKED` (row
//!   locks; empty on SQLite, where a write transaction holds the whole database).
//!
//! Placeholders are `$N` for both (sqlx's SQLite driver binds `$N` by number). Each
//! method times itself (`CallTimer`) for the storage-latency histogram of `/metrics`.

use super::super::records::{
    self, CandidateRecord, CohortRecord, DayRecord, KeyRecord, LinkRecord, OutboxRecord, PaymentRecord, PledgeRecord,
    ProgrammeColumns, ProgrammeRecord, SessionRecord, TokenRecord, TotalsRecord, OUTBOX_COLUMNS, PAYMENT_COLUMNS,
    PLEDGE_COLUMNS, PROGRAMME_COLUMNS, SESSION_COLUMNS, TOKEN_COLUMNS,
};
use super::super::{all_failed, CallTimer, PledgeJob};
use super::{Backend, Db, BEGIN_SNAPSHOT, BEGIN_WRITE, FOR_UPDATE, GREATEST, SKIP_LOCKED};
use crate::domain::access::{Grant, LinkProblem, SessionInfo};
use crate::domain::cohorts::DefinitionEdit;
use crate::domain::mail::{NewsRecord, OutboxEntry, OutboxMessage, ReminderCandidate};
use crate::domain::pledging::PledgeAdmission;
use crate::domain::store::{
    check_revision, replay, CallObserver, CohortRevision, CohortSnapshot, Cursor, NewPledge, PaymentRow,
    PledgeDecision, PledgeOutcome, PledgeRow, PledgeUpdate, PutOutcome, Storage, StoredCohort, StoredProgramme,
    TokenInfo,
};
use crate::domain::{self, CohortDefinition, DomainError, DomainResult, IdempotencyKey, PledgeFigures};
use anyhow::Context;
use async_trait::async_trait;
use cofund_core::api::{CrowdTotals, PledgeStatus, ValidPledge};
use cofund_core::{FieldError, Timestamp};
use futures_util::future::{BoxFuture, FutureExt};
use sqlx::{Pool, Transaction};

type Tx = Transaction<'static, Db>;

impl Backend {
    /// Starts timing a call of `operation`.
    fn time(&self, operation: &'static str) -> CallTimer<'_> {
        CallTimer::start(&self.observer, operation)
    }

    /// Starts a write transaction.
    async fn begin_write(&self) -> Result<Tx, DomainError> {
        Ok(self.writer().begin_with(BEGIN_WRITE).await?)
    }

    /// Starts the group-commit pledge writer on `pool` (see [`write_group`]).
    pub(super) fn spawn_pledge_writer(pool: Pool<Db>) -> tokio::sync::mpsc::Sender<PledgeJob> {
        super::super::spawn_pledge_writer(move |group| write_group(pool.clone(), group))
    }

    async fn touch_cohort(tx: &mut Tx, slug: &str, at: Timestamp) -> Result<(), DomainError> {
        sqlx::query(&format!(
            "UPDATE cohorts SET revision = revision + 1, updated_at = {GREATEST}(updated_at, $1) WHERE slug = $2"
        ))
        .bind(at.0)
        .bind(slug)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The cohort, its row locked until the transaction ends when `lock`.
    async fn cohort_in(tx: &mut Tx, slug: &str, lock: bool) -> Result<Option<StoredCohort>, DomainError> {
        let lock = if lock { FOR_UPDATE } else { "" };
        let row: Option<CohortRecord> =
            sqlx::query_as(&format!("SELECT definition, revision, updated_at FROM cohorts WHERE slug = $1{lock}"))
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
    ) -> Result<(), DomainError> {
        let delta = records::FiguresDelta::of(row.amount_cents, before, row.status);
        if delta.is_zero() {
            return Ok(());
        }
        let mut backers = 0;
        if delta.counted != 0 {
            // The key stored with the pledge (rows from before migration 0002 were keyed
            // with SQLite's ASCII lower()).
            let backer: String = sqlx::query_scalar("SELECT COALESCE(backer_key, '') FROM pledges WHERE id = $1")
                .bind(&row.id)
                .fetch_one(&mut **tx)
                .await?;
            let now_pledges: i64 = sqlx::query_scalar(
                "INSERT INTO cohort_backers (cohort_slug, backer_key, pledges) VALUES ($1, $2, $3) \
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
                "INSERT INTO cohort_days (cohort_slug, day, pledged_cents, pledges) VALUES ($1, $2, $3, $4) \
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
            "INSERT INTO cohort_totals (cohort_slug, pledged_cents, received_cents, backers) VALUES ($1, $2, $3, $4) \
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

    async fn totals_in(tx: &mut Tx, slug: &str) -> Result<CrowdTotals, DomainError> {
        let r: Option<TotalsRecord> =
            sqlx::query_as("SELECT pledged_cents AS pledged, received_cents AS received, backers FROM cohort_totals WHERE cohort_slug = $1")
                .bind(slug)
                .fetch_optional(&mut **tx)
                .await?;
        let r = r.unwrap_or(TotalsRecord { pledged: 0, received: 0, backers: 0 });
        Ok(CrowdTotals { pledged_cents: r.pledged, received_cents: r.received, backers: r.backers })
    }

    /// One pledge inside the writer's transaction: its cohort locked (ordering the
    /// cohort's pledges across instances), a known key replays (or is refused as reused),
    /// an invalid pledge is refused, the domain admits it on the cohort as stored, and
    /// the answer is stored with the key.
    fn pledge_in<'a>(tx: &'a mut Tx, job: &'a PledgeJob) -> BoxFuture<'a, DomainResult<PledgeOutcome>> {
        async move {
            let slug = job.slug.as_str();
            let Some(cohort) = Self::cohort_in(tx, slug, true).await? else { return Err(DomainError::cohort_not_found(slug)) };
            let known: Option<KeyRecord> =
                sqlx::query_as("SELECT request_hash, response_body FROM idempotency_keys WHERE cohort_slug = $1 AND key = $2")
                    .bind(slug)
                    .bind(job.key.as_str())
                    .fetch_optional(&mut **tx)
                    .await?;
            if let Some(known) = known {
                return replay(&known.request_hash, known.response_body, &job.request_hash);
            }
            let pledge = job.pledge.as_ref().map_err(|e| DomainError::Invalid(e.clone()))?;
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
                 VALUES ($1, $2, $3, $4, 201, $5, $6)",
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
    async fn insert_outbox(tx: &mut Tx, m: &OutboxMessage, due_at: Timestamp) -> Result<(), DomainError> {
        sqlx::query(
            "INSERT INTO outbox (id, message_id, kind, pledge_id, cohort_slug, locale, recipient, recipient_name, reply_to, subject, \
                                 text_body, html_body, unsubscribe_url, status, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'waiting', 0, $14, $15)",
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
    async fn insert_pledge(tx: &mut Tx, slug: &str, prefix: &str, p: &NewPledge) -> Result<PledgeRow, DomainError> {
        let mut reference = domain::new_reference(prefix);
        // 40 random bits: a collision is rare, but checked rather than hoped away.
        while sqlx::query("SELECT 1 FROM pledges WHERE reference = $1")
            .bind(&reference)
            .fetch_optional(&mut **tx)
            .await?
            .is_some()
        {
            reference = domain::new_reference(prefix);
        }
        let v: &ValidPledge = &p.pledge;
        let row: PledgeRecord = sqlx::query_as(&format!(
            "INSERT INTO pledges (id, cohort_slug, amount_cents, name, show_name, show_amount, email, backer_key, \
                                  message, message_hidden, status, reference, locale, news, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14, $15, $13, $13) RETURNING {PLEDGE_COLUMNS}"
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
        .bind(&p.locale)
        .bind(v.news)
        .fetch_one(&mut **tx)
        .await?;
        let row = PledgeRow::try_from(row)?;
        Self::move_figures(tx, slug, &row, None).await?;
        Ok(row)
    }
}

/// One group of pledges (see [`spawn_pledge_writer`](super::super::spawn_pledge_writer))
/// in one write transaction, each inside its own savepoint so a refused one leaves the
/// others alone, committed once: one commit (one fsync) for the group. The cohorts are
/// locked in the order of their slugs, whichever order the pledges came in, so two
/// PostgreSQL instances' groups never wait for each other in a cycle; the answers go
/// back in arrival order.
/// Boxed, as the `async_trait` methods are: a spawned task must be `Send` for every
/// lifetime of the borrowed connection, which the compiler proves only for a boxed future.
fn write_group(pool: Pool<Db>, group: &[PledgeJob]) -> BoxFuture<'_, Vec<DomainResult<PledgeOutcome>>> {
    async move {
        let n = group.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| group[*a].slug.cmp(&group[*b].slug)); // stable: a cohort's pledges keep their order
        let mut tx: Tx = match pool.begin_with(BEGIN_WRITE).await {
            Ok(tx) => tx,
            Err(e) => return all_failed(n, e),
        };
        let mut outcomes: Vec<Option<DomainResult<PledgeOutcome>>> = (0..n).map(|_| None).collect();
        for i in order {
            if let Err(e) = statement(&mut tx, "SAVEPOINT pledge").await {
                return all_failed(n, e);
            }
            let outcome = Backend::pledge_in(&mut tx, &group[i]).await;
            if outcome.is_err() {
                if let Err(e) = statement(&mut tx, "ROLLBACK TO SAVEPOINT pledge").await {
                    return all_failed(n, e);
                }
            }
            if let Err(e) = statement(&mut tx, "RELEASE SAVEPOINT pledge").await {
                return all_failed(n, e);
            }
            outcomes[i] = Some(outcome);
        }
        match tx.commit().await {
            Ok(()) => outcomes.into_iter().map(|o| o.expect("every pledge of the group was written")).collect(),
            Err(e) => all_failed(n, e),
        }
    }
    .boxed()
}

fn statement<'a>(tx: &'a mut Tx, sql: &'static str) -> BoxFuture<'a, Result<(), sqlx::Error>> {
    async move { sqlx::query(sql).execute(&mut **tx).await.map(|_| ()) }.boxed()
}

#[async_trait]
impl Storage for Backend {
    async fn health(&self) -> DomainResult<()> {
        let _timer = self.time("health");
        sqlx::query("SELECT 1").execute(self.reader()).await?;
        Ok(())
    }

    async fn announce_change(&self, slug: &str) -> DomainResult<bool> {
        let _timer = self.time("announce_change");
        self.announce(slug).await
    }

    async fn change_feed(&self) -> DomainResult<Option<tokio::sync::mpsc::Receiver<String>>> {
        self.listen().await
    }

    async fn put_programme(
        &self,
        slug: &str,
        settings: &cofund_core::programme::ProgrammeSettings,
        expected_revision: Option<i64>,
        now: Timestamp,
    ) -> DomainResult<PutOutcome> {
        let _timer = self.time("put_programme");
        let columns = ProgrammeColumns::of(settings)?;
        let pot = settings.pot.as_ref();
        let mut tx = self.begin_write().await?;
        let revision: Option<i64> =
            sqlx::query_scalar(&format!("SELECT revision FROM programmes WHERE slug = $1{FOR_UPDATE}"))
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?;
        check_revision(slug, expected_revision, revision.unwrap_or(0))?;
        // A new row has revision 1; the upsert raises an existing one's to 2 or more. A row
        // another writer inserted since the check is left alone when the edit was based on
        // a revision (no row comes back: stale).
        let inserted: Option<bool> = sqlx::query_scalar(&format!(
            "INSERT INTO programmes (slug, name, url, pot_name, pot_cents, pot_ratio_bps, pot_cap_per_gift_cents, \
             pot_cap_per_cohort_cents, pot_funders, impact, revision, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11) \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name, url = excluded.url, pot_name = excluded.pot_name, \
             pot_cents = excluded.pot_cents, pot_ratio_bps = excluded.pot_ratio_bps, \
             pot_cap_per_gift_cents = excluded.pot_cap_per_gift_cents, \
             pot_cap_per_cohort_cents = excluded.pot_cap_per_cohort_cents, pot_funders = excluded.pot_funders, \
             impact = excluded.impact, revision = programmes.revision + 1, \
             updated_at = {GREATEST}(programmes.updated_at, excluded.updated_at) \
             WHERE CAST($12 AS BIGINT) IS NULL OR programmes.revision = $12 \
             RETURNING (revision = 1)"
        ))
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
        .bind(expected_revision)
        .fetch_optional(&mut *tx)
        .await?;
        // Another writer created the programme since the check: it is at revision 1.
        let Some(inserted) = inserted else {
            return check_revision(slug, expected_revision, 1).map(|()| PutOutcome::Updated);
        };
        tx.commit().await?;
        Ok(if inserted { PutOutcome::Created } else { PutOutcome::Updated })
    }

    async fn get_programme(&self, slug: &str) -> DomainResult<Option<StoredProgramme>> {
        let _timer = self.time("get_programme");
        let row: Option<ProgrammeRecord> =
            sqlx::query_as(&format!("SELECT {PROGRAMME_COLUMNS} FROM programmes WHERE slug = $1"))
                .bind(slug)
                .fetch_optional(self.reader())
                .await?;
        row.map(StoredProgramme::try_from).transpose()
    }

    async fn cohort_revisions(&self) -> DomainResult<Vec<CohortRevision>> {
        let _timer = self.time("cohort_revisions");
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT slug, programme, revision FROM cohorts ORDER BY slug")
                .fetch_all(self.reader())
                .await?;
        Ok(rows.into_iter().map(|(slug, programme, revision)| CohortRevision { slug, programme, revision }).collect())
    }

    async fn put_cohort(&self, definition: &CohortDefinition, now: Timestamp) -> DomainResult<PutOutcome> {
        let _timer = self.time("put_cohort");
        let json = serde_json::to_string(definition).context("serialising a definition")?;
        // A new row has revision 1; the upsert raises an existing one's to 2 or more.
        let inserted: bool = sqlx::query_scalar(&format!(
            "INSERT INTO cohorts (slug, programme, definition, revision, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) \
             ON CONFLICT (slug) DO UPDATE SET programme = excluded.programme, definition = excluded.definition, \
             revision = cohorts.revision + 1, updated_at = {GREATEST}(cohorts.updated_at, excluded.updated_at) \
             RETURNING (revision = 1)"
        ))
        .bind(&definition.slug)
        .bind(&definition.programme.name)
        .bind(&json)
        .bind(now.0)
        .fetch_one(self.writer())
        .await?;
        Ok(if inserted { PutOutcome::Created } else { PutOutcome::Updated })
    }

    async fn edit_cohort(
        &self,
        slug: &str,
        now: Timestamp,
        expected_revision: Option<i64>,
        edit: DefinitionEdit,
    ) -> DomainResult<CohortDefinition> {
        let _timer = self.time("edit_cohort");
        let mut tx = self.begin_write().await?;
        let Some(stored) = Self::cohort_in(&mut tx, slug, true).await? else {
            return Err(DomainError::cohort_not_found(slug));
        };
        check_revision(slug, expected_revision, stored.revision)?;
        let mut def = stored.definition;
        edit(&mut def).map_err(DomainError::Invalid)?;
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

    async fn get_cohort(&self, slug: &str) -> DomainResult<Option<StoredCohort>> {
        let _timer = self.time("get_cohort");
        let row: Option<CohortRecord> =
            sqlx::query_as("SELECT definition, revision, updated_at FROM cohorts WHERE slug = $1")
                .bind(slug)
                .fetch_optional(self.reader())
                .await?;
        row.map(StoredCohort::try_from).transpose()
    }

    async fn list_cohorts(&self) -> DomainResult<Vec<StoredCohort>> {
        let _timer = self.time("list_cohorts");
        let rows: Vec<CohortRecord> =
            sqlx::query_as("SELECT definition, revision, updated_at FROM cohorts ORDER BY slug")
                .fetch_all(self.reader())
                .await?;
        rows.into_iter().map(StoredCohort::try_from).collect()
    }

    async fn cohort_revision(&self, slug: &str) -> DomainResult<Option<i64>> {
        let _timer = self.time("cohort_revision");
        Ok(sqlx::query_scalar("SELECT revision FROM cohorts WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.reader())
            .await?)
    }

    async fn snapshot(&self, slug: &str, recent: usize) -> DomainResult<Option<CohortSnapshot>> {
        let _timer = self.time("snapshot");
        // One read transaction: the definition, totals, recent pledges and history are
        // of the same moment.
        let mut tx = self.reader().begin_with(BEGIN_SNAPSHOT).await?;
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
            "SELECT day, pledged_cents AS cents FROM cohort_days WHERE cohort_slug = $1 AND pledges > 0 ORDER BY day",
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
    ) -> DomainResult<PledgeOutcome> {
        let _timer = self.time("create_pledge");
        // To the group-commit writer; its answer comes once the group is committed.
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job = PledgeJob {
            slug: slug.to_owned(),
            key: key.clone(),
            request_hash: request_hash.to_owned(),
            pledge,
            admission: admission.clone(),
            answer,
        };
        let gone = || DomainError::Internal(anyhow::anyhow!("the pledge writer has stopped"));
        self.pledges.send(job).await.map_err(|_| gone())?;
        answered.await.map_err(|_| gone())?
    }

    async fn import_pledges(&self, slug: &str, pledges: Vec<NewPledge>) -> DomainResult<usize> {
        let _timer = self.time("import_pledges");
        let mut tx = self.begin_write().await?;
        let Some(cohort) = Self::cohort_in(&mut tx, slug, true).await? else {
            return Err(DomainError::cohort_not_found(slug));
        };
        let prefix = cohort.definition.reference_prefix();
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
    ) -> DomainResult<Option<Vec<PledgeRow>>> {
        let _timer = self.time("public_pledges");
        let mut tx = self.reader().begin().await?;
        if sqlx::query("SELECT 1 FROM cohorts WHERE slug = $1").bind(slug).fetch_optional(&mut *tx).await?.is_none() {
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

    async fn all_pledges(&self, slug: &str) -> DomainResult<Option<Vec<PledgeRow>>> {
        let _timer = self.time("all_pledges");
        let mut tx = self.reader().begin().await?;
        if sqlx::query("SELECT 1 FROM cohorts WHERE slug = $1").bind(slug).fetch_optional(&mut *tx).await?.is_none() {
            return Ok(None);
        }
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!(
            "SELECT {PLEDGE_COLUMNS} FROM pledges WHERE cohort_slug = $1 ORDER BY created_at, seq"
        ))
        .bind(slug)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(records::pledges(rows)?))
    }

    async fn get_pledge(&self, id: &str) -> DomainResult<Option<(PledgeRow, String)>> {
        let _timer = self.time("get_pledge");
        let mut tx = self.reader().begin().await?;
        let row: Option<PledgeRecord> = sqlx::query_as(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let programme: String = sqlx::query_scalar("SELECT programme FROM cohorts WHERE slug = $1")
            .bind(&row.cohort_slug)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some((row.try_into()?, programme)))
    }

    async fn change_pledge(&self, id: &str, now: Timestamp, decide: PledgeDecision) -> DomainResult<PledgeRow> {
        let _timer = self.time("change_pledge");
        let mut tx = self.begin_write().await?;
        let row: Option<PledgeRecord> =
            sqlx::query_as(&format!("SELECT {PLEDGE_COLUMNS} FROM pledges WHERE id = $1{FOR_UPDATE}"))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(current) = row.map(PledgeRow::try_from).transpose()? else {
            return Err(DomainError::not_found(format!("Pledge {id:?}")));
        };
        // The cohort locked, as a pledge does.
        let Some(cohort) = Self::cohort_in(&mut tx, &current.cohort_slug, true).await? else {
            return Err(DomainError::cohort_not_found(&current.cohort_slug));
        };
        let Some(PledgeUpdate { status, message_hidden: hidden, outbox }) = decide(&current, &cohort)? else {
            tx.commit().await?;
            return Ok(current);
        };
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
        Self::move_figures(&mut tx, &updated.cohort_slug, &updated, Some(current.status)).await?;
        Self::touch_cohort(&mut tx, &updated.cohort_slug, now).await?;
        for message in &outbox {
            Self::insert_outbox(&mut tx, message, message.created_at).await?;
        }
        tx.commit().await?;
        Ok(updated)
    }

    async fn insert_payment(&self, p: &PaymentRow) -> DomainResult<()> {
        let _timer = self.time("insert_payment");
        sqlx::query(
            "INSERT INTO payments (id, pledge_id, cohort_slug, provider, status, amount_cents, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&p.id)
        .bind(&p.pledge_id)
        .bind(&p.cohort_slug)
        .bind(&p.provider)
        .bind(p.status.as_str())
        .bind(p.amount_cents)
        .bind(p.created_at.0)
        .bind(p.updated_at.0)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn get_payment(&self, id: &str) -> DomainResult<Option<PaymentRow>> {
        let _timer = self.time("get_payment");
        let row: Option<PaymentRecord> =
            sqlx::query_as(&format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
        row.map(PaymentRow::try_from).transpose()
    }

    async fn latest_payment(&self, pledge_id: &str) -> DomainResult<Option<PaymentRow>> {
        let _timer = self.time("latest_payment");
        let row: Option<PaymentRecord> = sqlx::query_as(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE pledge_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1"
        ))
        .bind(pledge_id)
        .fetch_optional(self.reader())
        .await?;
        row.map(PaymentRow::try_from).transpose()
    }

    async fn payments_of(&self, pledge_id: &str) -> DomainResult<Vec<PaymentRow>> {
        let _timer = self.time("payments_of");
        let rows: Vec<PaymentRecord> = sqlx::query_as(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE pledge_id = $1 ORDER BY created_at, id"
        ))
        .bind(pledge_id)
        .fetch_all(self.reader())
        .await?;
        rows.into_iter().map(PaymentRow::try_from).collect()
    }

    async fn set_payment_status(
        &self,
        id: &str,
        status: crate::payments::PaymentStatus,
        now: Timestamp,
    ) -> DomainResult<()> {
        let _timer = self.time("set_payment_status");
        sqlx::query("UPDATE payments SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(now.0)
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn create_token(
        &self,
        programme: Option<String>,
        label: Option<String>,
        now: Timestamp,
    ) -> DomainResult<(TokenInfo, String)> {
        let _timer = self.time("create_token");
        let (id, secret, hash) = domain::new_admin_token();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO admin_tokens (id, token_hash, programme, label, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
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

    async fn token_by_secret(&self, secret: &str) -> DomainResult<Option<TokenInfo>> {
        let _timer = self.time("token_by_secret");
        let hash = domain::sha256_hex(secret.as_bytes());
        let row: Option<TokenRecord> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(&hash)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(TokenInfo::from))
    }

    async fn get_token(&self, id: &str) -> DomainResult<Option<TokenInfo>> {
        let _timer = self.time("get_token");
        let row: Option<TokenRecord> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM admin_tokens WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
        Ok(row.map(TokenInfo::from))
    }

    async fn revoke_token(&self, id: &str, now: Timestamp) -> DomainResult<TokenInfo> {
        let _timer = self.time("revoke_token");
        let mut tx = self.begin_write().await?;
        let row: Option<TokenRecord> = sqlx::query_as(&format!(
            "UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(now.0)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("UPDATE sessions SET revoked_at = COALESCE(revoked_at, $1) WHERE token_id = $2")
            .bind(now.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        row.map(TokenInfo::from).ok_or_else(|| DomainError::not_found(format!("Token {id:?}")))
    }

    async fn list_tokens(&self) -> DomainResult<Vec<TokenInfo>> {
        let _timer = self.time("list_tokens");
        let rows: Vec<TokenRecord> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM admin_tokens ORDER BY created_at, id"))
                .fetch_all(self.reader())
                .await?;
        Ok(rows.into_iter().map(TokenInfo::from).collect())
    }

    async fn delete_expired_idempotency_keys(&self, created_before: Timestamp, limit: u32) -> DomainResult<u64> {
        let _timer = self.time("delete_expired_idempotency_keys");
        // SKIP LOCKED: instances sweeping at the same moment take different rows.
        let done = sqlx::query(&format!(
            "DELETE FROM idempotency_keys WHERE (cohort_slug, key) IN \
             (SELECT cohort_slug, key FROM idempotency_keys WHERE created_at < $1 \
              ORDER BY created_at LIMIT $2{SKIP_LOCKED})"
        ))
        .bind(created_before.0)
        .bind(i64::from(limit))
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected())
    }

    async fn create_login_link(
        &self,
        link_hash: &str,
        grant: &Grant,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> DomainResult<()> {
        let _timer = self.time("create_login_link");
        sqlx::query("INSERT INTO login_links (link_hash, role, programme, cohort, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(link_hash)
            .bind(grant.role.as_str())
            .bind(&grant.programme)
            .bind(&grant.cohort)
            .bind(now.0)
            .bind(expires_at.0)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn redeem_login_link(&self, link_hash: &str, now: Timestamp) -> DomainResult<Result<Grant, LinkProblem>> {
        let _timer = self.time("redeem_login_link");
        // One statement: of two concurrent redemptions, exactly one gets the row.
        let used: Option<LinkRecord> = sqlx::query_as(
            "UPDATE login_links SET used_at = $1 WHERE link_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING role, programme, cohort, expires_at, used_at",
        )
        .bind(now.0)
        .bind(link_hash)
        .bind(now.0)
        .fetch_optional(self.writer())
        .await?;
        if let Some(r) = used {
            return Ok(Ok(Grant {
                role: crate::domain::access::Role::parse(&r.role)?,
                programme: r.programme,
                cohort: r.cohort,
            }));
        }
        let known: Option<LinkRecord> =
            sqlx::query_as("SELECT role, programme, cohort, expires_at, used_at FROM login_links WHERE link_hash = $1")
                .bind(link_hash)
                .fetch_optional(self.writer())
                .await?;
        Ok(Err(match known {
            None => LinkProblem::Unknown,
            Some(r) if r.used_at.is_some() => LinkProblem::Used,
            Some(_) => LinkProblem::Expired,
        }))
    }

    async fn create_session(&self, s: &SessionInfo, secret_hash: &str, token_id: Option<&str>) -> DomainResult<()> {
        let _timer = self.time("create_session");
        sqlx::query(
            "INSERT INTO sessions (id, secret_hash, csrf_token, role, programme, cohort, created_at, expires_at, token_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn session_by_secret(&self, secret: &str, now: Timestamp) -> DomainResult<Option<SessionInfo>> {
        let _timer = self.time("session_by_secret");
        let hash = domain::sha256_hex(secret.as_bytes());
        let row: Option<SessionRecord> = sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE secret_hash = $1 AND revoked_at IS NULL AND expires_at > $2"
        ))
        .bind(hash)
        .bind(now.0)
        .fetch_optional(self.reader())
        .await?;
        row.map(SessionInfo::try_from).transpose()
    }

    async fn revoke_session(&self, id: &str, now: Timestamp) -> DomainResult<SessionInfo> {
        let _timer = self.time("revoke_session");
        let row: Option<SessionRecord> = sqlx::query_as(&format!(
            "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING {SESSION_COLUMNS}"
        ))
        .bind(now.0)
        .bind(id)
        .fetch_optional(self.writer())
        .await?;
        row.map(SessionInfo::try_from).transpose()?.ok_or_else(|| DomainError::not_found(format!("Session {id:?}")))
    }

    async fn list_sessions(&self) -> DomainResult<Vec<SessionInfo>> {
        let _timer = self.time("list_sessions");
        let rows: Vec<SessionRecord> =
            sqlx::query_as(&format!("SELECT {SESSION_COLUMNS} FROM sessions ORDER BY created_at, id"))
                .fetch_all(self.reader())
                .await?;
        rows.into_iter().map(SessionInfo::try_from).collect()
    }

    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        claim: &str,
    ) -> DomainResult<Vec<(OutboxMessage, i64)>> {
        let _timer = self.time("claim_outbox");
        // Rows another instance is claiming are skipped, not waited for; a claimed row's
        // lease keeps it from every other sender until it runs out.
        let rows: Vec<OutboxRecord> = sqlx::query_as(&format!(
            "UPDATE outbox SET claim = $1, claimed_until = $2 WHERE id IN \
             (SELECT id FROM outbox WHERE status = 'waiting' AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3) \
              ORDER BY next_attempt_at, created_at LIMIT $4{SKIP_LOCKED}) RETURNING {OUTBOX_COLUMNS}"
        ))
        .bind(claim)
        .bind(lease_until.0)
        .bind(now.0)
        .bind(i64::from(limit))
        .fetch_all(self.writer())
        .await?;
        Ok(records::outbox(rows)?.into_iter().map(|e| (e.message, e.attempts)).collect())
    }

    async fn outbox_sent(&self, id: &str, claim: &str, now: Timestamp) -> DomainResult<()> {
        let _timer = self.time("outbox_sent");
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, claim = NULL, claimed_until = NULL, last_error = NULL \
             WHERE id = $2 AND claim = $3",
        )
        .bind(now.0)
        .bind(id)
        .bind(claim)
        .execute(self.writer())
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
    ) -> DomainResult<()> {
        let _timer = self.time("outbox_failed");
        sqlx::query(
            "UPDATE outbox SET status = $1, next_attempt_at = $2, attempts = attempts + 1, last_error = $3, claim = NULL, claimed_until = NULL \
             WHERE id = $4 AND claim = $5",
        )
        .bind(if permanent { "failed" } else { "waiting" })
        .bind(next_attempt_at.0)
        .bind(error.chars().take(500).collect::<String>())
        .bind(id)
        .bind(claim)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn outbox(&self, slug: Option<&str>, limit: u32) -> DomainResult<Vec<OutboxEntry>> {
        let _timer = self.time("outbox");
        let rows: Vec<OutboxRecord> = sqlx::query_as(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE (CAST($1 AS TEXT) IS NULL OR cohort_slug = $1) ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(slug)
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await?;
        records::outbox(rows)
    }

    async fn reminder_candidates(&self, slug: &str, created_before: Timestamp) -> DomainResult<Vec<ReminderCandidate>> {
        let _timer = self.time("reminder_candidates");
        let columns: String = PLEDGE_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
        let rows: Vec<CandidateRecord> = sqlx::query_as(&format!(
            "SELECT {columns}, \
               (SELECT COUNT(*) FROM outbox o WHERE o.pledge_id = p.id AND o.kind = 'reminder') AS reminders, \
               (SELECT MAX(o.created_at) FROM outbox o WHERE o.pledge_id = p.id AND o.kind = 'reminder') AS last_reminder_at, \
               EXISTS (SELECT 1 FROM mail_unsubscribed u WHERE u.backer_key = p.backer_key) AS unsubscribed \
             FROM pledges p WHERE p.cohort_slug = $1 AND p.status = 'pledged' AND p.created_at <= $2 \
               AND EXISTS (SELECT 1 FROM outbox c WHERE c.pledge_id = p.id AND c.kind = 'confirmation') ORDER BY p.created_at, p.seq"
        ))
        .bind(slug)
        .bind(created_before.0)
        .fetch_all(self.reader())
        .await?;
        rows.into_iter().map(ReminderCandidate::try_from).collect()
    }

    async fn queue_reminder(
        &self,
        pledge_id: &str,
        expected_reminders: i64,
        message: &OutboxMessage,
        due_at: Timestamp,
    ) -> DomainResult<bool> {
        let _timer = self.time("queue_reminder");
        let mut tx = self.begin_write().await?;
        // The pledge locked first: two instances queueing its reminder take turns. The
        // check is a statement of its own, so (at READ COMMITTED) it sees the reminder
        // the other committed before the lock was granted.
        sqlx::query(&format!("SELECT 1 FROM pledges WHERE id = $1{FOR_UPDATE}"))
            .bind(pledge_id)
            .fetch_optional(&mut *tx)
            .await?;
        let ok = sqlx::query(
            "SELECT 1 FROM pledges p WHERE p.id = $1 AND p.status = 'pledged' \
             AND (SELECT COUNT(*) FROM outbox o WHERE o.pledge_id = p.id AND o.kind = 'reminder') = $2 \
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

    async fn unsubscribe(&self, backer_key: &str, now: Timestamp) -> DomainResult<()> {
        let _timer = self.time("unsubscribe");
        sqlx::query("INSERT INTO mail_unsubscribed (backer_key, created_at) VALUES ($1, $2) ON CONFLICT (backer_key) DO NOTHING")
            .bind(backer_key)
            .bind(now.0)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn retry_outbox(&self, slug: &str, id: &str, now: Timestamp) -> DomainResult<bool> {
        let _timer = self.time("retry_outbox");
        let n = sqlx::query(
            "UPDATE outbox SET status = 'waiting', next_attempt_at = $1, claim = NULL, claimed_until = NULL \
             WHERE id = $2 AND cohort_slug = $3 AND status = 'failed' AND recipient <> ''",
        )
        .bind(now.0)
        .bind(id)
        .bind(slug)
        .execute(self.writer())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn queue_outbox(&self, message: &OutboxMessage, due_at: Timestamp) -> DomainResult<()> {
        let _timer = self.time("queue_outbox");
        let mut tx = self.begin_write().await?;
        Self::insert_outbox(&mut tx, message, due_at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn news_recipients(&self, slug: &str) -> DomainResult<Vec<PledgeRow>> {
        let _timer = self.time("news_recipients");
        let columns: String = PLEDGE_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!(
            "SELECT {columns} FROM pledges p WHERE p.cohort_slug = $1 AND p.news AND p.status <> 'cancelled' \
               AND p.anonymised_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM mail_unsubscribed u WHERE u.backer_key = p.backer_key) \
               AND p.seq = (SELECT MAX(q.seq) FROM pledges q WHERE q.cohort_slug = p.cohort_slug \
                            AND q.backer_key = p.backer_key AND q.news AND q.status <> 'cancelled') \
             ORDER BY p.seq"
        ))
        .bind(slug)
        .fetch_all(self.reader())
        .await?;
        records::pledges(rows)
    }

    async fn queue_news(
        &self,
        news: &NewsRecord,
        messages: &[(OutboxMessage, Timestamp)],
    ) -> DomainResult<Option<usize>> {
        let _timer = self.time("queue_news");
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO mail_news (id, cohort_slug, key, subject, recipients, created_at) VALUES ($1, $2, $3, $4, 0, $5) \
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
            let unsubscribed = sqlx::query("SELECT 1 FROM mail_unsubscribed WHERE backer_key = $1")
                .bind(domain::backer_key(&m.recipient))
                .fetch_optional(&mut *tx)
                .await?;
            if unsubscribed.is_none() {
                Self::insert_outbox(&mut tx, m, *due_at).await?;
                queued += 1;
            }
        }
        sqlx::query("UPDATE mail_news SET recipients = $1 WHERE id = $2")
            .bind(i64::try_from(queued).unwrap_or(i64::MAX))
            .bind(&news.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(queued))
    }

    async fn news_of(&self, slug: &str) -> DomainResult<Vec<NewsRecord>> {
        let _timer = self.time("news_of");
        let rows: Vec<records::NewsRow> = sqlx::query_as(
            "SELECT id, cohort_slug, key, subject, recipients, created_at FROM mail_news WHERE cohort_slug = $1 \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(slug)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(NewsRecord::from).collect())
    }

    async fn backer_pledges(&self, backer_key: &str) -> DomainResult<Vec<PledgeRow>> {
        let _timer = self.time("backer_pledges");
        let rows: Vec<PledgeRecord> = sqlx::query_as(&format!(
            "SELECT {PLEDGE_COLUMNS} FROM pledges WHERE backer_key = $1 ORDER BY created_at, seq"
        ))
        .bind(backer_key)
        .fetch_all(self.reader())
        .await?;
        records::pledges(rows)
    }

    async fn anonymise_backer(
        &self,
        backer_key: &str,
        new_backer_key: &str,
        now: Timestamp,
    ) -> DomainResult<Vec<String>> {
        let _timer = self.time("anonymise_backer");
        let mut tx = self.begin_write().await?;
        let slugs: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT cohort_slug FROM pledges WHERE backer_key = $1 ORDER BY cohort_slug")
                .bind(backer_key)
                .fetch_all(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE outbox SET recipient = '', recipient_name = NULL, text_body = '', html_body = '', unsubscribe_url = NULL, \
               status = CASE WHEN status = 'waiting' THEN 'failed' ELSE status END, \
               last_error = CASE WHEN status = 'waiting' THEN 'the donor was anonymised' ELSE last_error END, \
               claim = NULL, claimed_until = NULL \
             WHERE pledge_id IN (SELECT id FROM pledges WHERE backer_key = $1)",
        )
        .bind(backer_key)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE pledges SET name = NULL, show_name = FALSE, email = '', message = NULL, backer_key = $1, anonymised_at = $2 \
             WHERE backer_key = $3",
        )
        .bind(new_backer_key)
        .bind(now.0)
        .bind(backer_key)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE cohort_backers SET backer_key = $1 WHERE backer_key = $2")
            .bind(new_backer_key)
            .bind(backer_key)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM mail_unsubscribed WHERE backer_key = $1").bind(backer_key).execute(&mut *tx).await?;
        for slug in &slugs {
            sqlx::query("UPDATE cohorts SET revision = revision + 1 WHERE slug = $1")
                .bind(slug)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(slugs)
    }

    async fn server_secret(&self, name: &str, candidate: &str) -> DomainResult<String> {
        sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(self.writer())
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(self.writer())
            .await?)
    }

    fn observe_calls(&self, observer: CallObserver) {
        let _ = self.observer.set(observer);
    }
}
