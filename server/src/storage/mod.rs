//! Storage behind one interface. Handlers and the CLI only see [`Storage`]; the backend
//! is chosen by the database URL's scheme: `sqlite:` (a file, the default) or `postgres:`
//! (one database shared by several instances).

mod postgres;
mod records;
mod sqlite;
mod timed;
pub mod transfer;

pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;
pub use timed::TimedStorage;

use crate::domain::access::{Grant, LinkProblem, SessionInfo};
use crate::domain::cohorts::DefinitionEdit;
use crate::domain::mail::{NewsRecord, OutboxEntry, OutboxMessage, ReminderCandidate};
use crate::domain::pledging::PledgeAdmission;
use crate::domain::{CohortDefinition, IdempotencyKey, PledgeFigures};
use async_trait::async_trait;
use cofund_core::api::ErrorCode;
use cofund_core::api::{PledgeStatus, PublicPledge, ValidPledge};
use cofund_core::{FieldError, Timestamp};
use std::path::PathBuf;
use std::sync::Arc;

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

/// The first answer to a known idempotency key, or the refusal of a reused one.
fn replay(known: records::KeyRecord, request_hash: &str) -> StoreResult<PledgeOutcome> {
    if known.request_hash != request_hash {
        return Err(StoreError::refused(
            ErrorCode::IdempotencyKeyReused,
            "This Idempotency-Key was already used with a different request body.",
        ));
    }
    Ok(PledgeOutcome::Replayed(known.response_body))
}

fn reference_prefix(def: &CohortDefinition) -> String {
    def.payment.as_ref().map(|p| p.reference_prefix.clone()).unwrap_or_else(|| "CFD".to_owned())
}

/// Storage reports failures in the domain's terms (a cohort not found, a refusal decided
/// by a domain rule inside the transaction, or an internal error).
pub type StoreError = crate::domain::DomainError;

pub type StoreResult<T> = crate::domain::DomainResult<T>;

/// A stored cohort definition.
#[derive(Debug, Clone)]
pub struct StoredCohort {
    pub definition: CohortDefinition,
    /// Increases with every change of the definition or of one of its pledges.
    pub revision: i64,
    /// The last change.
    pub updated_at: Timestamp,
}

/// A stored programme: what coordinators set of it (its page, multiplier pot and impact
/// figures). Its cohorts are those whose programme name has this slug.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredProgramme {
    pub slug: String,
    pub settings: cofund_core::programme::ProgrammeSettings,
    /// Increases with every change of the settings.
    pub revision: i64,
    pub updated_at: Timestamp,
}

/// A cohort's programme name and revision, without its definition (cheap to list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortRevision {
    pub slug: String,
    pub programme: String,
    pub revision: i64,
}

/// A cohort and its pledge figures, read in one transaction.
#[derive(Debug, Clone)]
pub struct CohortSnapshot {
    pub cohort: StoredCohort,
    pub figures: PledgeFigures,
}

/// A pledge row as stored (includes the e-mail address: never serve it publicly).
#[derive(Debug, Clone, PartialEq)]
pub struct PledgeRow {
    pub seq: i64,
    pub id: String,
    pub cohort_slug: String,
    pub amount_cents: i64,
    pub name: Option<String>,
    pub show_name: bool,
    pub show_amount: bool,
    pub email: String,
    pub message: Option<String>,
    pub message_hidden: bool,
    pub status: PledgeStatus,
    pub reference: String,
    /// The donor's language for e-mail (`nl-NL`, `en-GB`); `None`: the cohort's.
    pub locale: Option<String>,
    /// The donor opted in to the cohort's news.
    pub news: bool,
    /// When the donor had their name, e-mail and message removed (AVG); the amount,
    /// dates and reference stay for the books.
    pub anonymised_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl PledgeRow {
    /// What the public may see: the name only if the donor chose to show it, the amount
    /// likewise, the message unless a coordinator hid it. Never the e-mail address.
    pub fn public(&self) -> PublicPledge {
        PublicPledge {
            name: self.name.clone().filter(|_| self.show_name),
            amount_cents: self.show_amount.then_some(self.amount_cents),
            message: self.message.clone().filter(|_| !self.message_hidden),
            at: self.created_at.to_rfc3339(),
        }
    }
}

/// A pledge to insert.
#[derive(Debug, Clone)]
pub struct NewPledge {
    pub pledge: ValidPledge,
    pub status: PledgeStatus,
    pub message_hidden: bool,
    /// The donor's language for e-mail, if the request named one we write.
    pub locale: Option<String>,
    pub created_at: Timestamp,
}

/// The result of a pledge POST: the JSON body of the `201` response, either just made
/// or replayed from the first request with the same idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub enum PledgeOutcome {
    Created(String),
    Replayed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    Created,
    Updated,
}

/// What a pledge becomes, and the messages that change causes (written to the outbox in
/// the same transaction).
#[derive(Debug, Clone)]
pub struct PledgeUpdate {
    pub status: PledgeStatus,
    pub message_hidden: bool,
    pub outbox: Vec<OutboxMessage>,
}

/// Decides a pledge's new status and message visibility from its current row and its
/// cohort (a domain rule, run inside the write transaction); `None`: nothing changes.
pub type PledgeDecision = Box<dyn FnOnce(&PledgeRow, &StoredCohort) -> StoreResult<Option<PledgeUpdate>> + Send>;

/// A payment of a pledge at the payment provider, with its status as last fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentRow {
    /// The provider's id.
    pub id: String,
    pub pledge_id: String,
    pub cohort_slug: String,
    pub provider: String,
    pub status: crate::payments::PaymentStatus,
    pub amount_cents: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Where a page of public pledges starts: after this (created_at, seq).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub seq: i64,
}

impl Cursor {
    /// Opaque to clients: hex of `created_at:seq`.
    pub fn encode(self) -> String {
        crate::domain::hex(format!("{}:{}", self.created_at, self.seq).as_bytes())
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        if s.len() > 80 || s.len() & 1 == 1 {
            return None;
        }
        let bytes: Option<Vec<u8>> =
            (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect();
        let text = String::from_utf8(bytes?).ok()?;
        let (a, b) = text.split_once(':')?;
        Some(Cursor { created_at: a.parse().ok()?, seq: b.parse().ok()? })
    }
}

/// An admin token (never its secret).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TokenInfo {
    pub id: String,
    /// `None`: may administer every programme.
    pub programme: Option<String>,
    pub label: Option<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// Everything the handlers and the CLI need from a database. Every write is one
/// transaction; a method that returns `Ok` has committed durably.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// A cheap round trip to the database.
    async fn health(&self) -> StoreResult<()>;

    /// Tells every instance on this database that `slug` changed; `false` where the
    /// backend has no such channel (then only this process knows).
    async fn announce_change(&self, _slug: &str) -> StoreResult<bool> {
        Ok(false)
    }

    /// The slugs announced by any instance (this one included), for backends that
    /// announce; `None` otherwise.
    async fn change_feed(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>> {
        Ok(None)
    }

    /// Creates or replaces a cohort definition (validated by the caller).
    async fn put_cohort(&self, definition: &CohortDefinition, now: Timestamp) -> StoreResult<PutOutcome>;
    /// Reads, edits and writes a definition in one transaction; the edit (which
    /// validates) refuses with field errors. With `expected_revision`, a cohort whose
    /// revision has moved on is refused `stale_revision` and nothing is written.
    async fn edit_cohort(
        &self,
        slug: &str,
        now: Timestamp,
        expected_revision: Option<i64>,
        edit: DefinitionEdit,
    ) -> StoreResult<CohortDefinition>;
    async fn get_cohort(&self, slug: &str) -> StoreResult<Option<StoredCohort>>;
    async fn list_cohorts(&self) -> StoreResult<Vec<StoredCohort>>;
    /// The revision of a cohort, for caching its document.
    async fn cohort_revision(&self, slug: &str) -> StoreResult<Option<i64>>;
    /// Every cohort's slug, programme name and revision, by slug.
    async fn cohort_revisions(&self) -> StoreResult<Vec<CohortRevision>>;

    /// Creates or replaces a programme's settings (validated by the caller); the
    /// revision increases. With `expected_revision` (0: no row yet), a programme whose
    /// revision has moved on is refused `stale_revision` and nothing is written.
    async fn put_programme(
        &self,
        slug: &str,
        settings: &cofund_core::programme::ProgrammeSettings,
        expected_revision: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<PutOutcome>;
    async fn get_programme(&self, slug: &str) -> StoreResult<Option<StoredProgramme>>;
    /// The definition and the pledge figures (totals, `recent` newest pledges, daily
    /// history) read in one transaction.
    async fn snapshot(&self, slug: &str, recent: usize) -> StoreResult<Option<CohortSnapshot>>;

    /// Records a pledge under its idempotency key in one write transaction, and returns
    /// the `201` body. In that transaction, in this order: a known key replays its first
    /// body (or is refused `idempotency_key_reused` when `request_hash` differs); an
    /// invalid `pledge` is refused with its field errors; `admission` decides on the
    /// cohort as stored and writes the answer, which is stored with the key.
    async fn create_pledge(
        &self,
        slug: &str,
        key: &IdempotencyKey,
        request_hash: &str,
        pledge: Result<NewPledge, Vec<FieldError>>,
        admission: &PledgeAdmission,
    ) -> StoreResult<PledgeOutcome>;
    /// Inserts pledges without idempotency keys (demo seeding, imports), one transaction.
    async fn import_pledges(&self, slug: &str, pledges: Vec<NewPledge>) -> StoreResult<usize>;
    /// Public (non-cancelled) pledges, newest first, after `cursor`.
    async fn public_pledges(
        &self,
        slug: &str,
        cursor: Option<Cursor>,
        limit: u32,
    ) -> StoreResult<Option<Vec<PledgeRow>>>;
    /// Every pledge of a cohort, oldest first (admin export).
    async fn all_pledges(&self, slug: &str) -> StoreResult<Option<Vec<PledgeRow>>>;
    /// A pledge and the programme of its cohort.
    async fn get_pledge(&self, id: &str) -> StoreResult<Option<(PledgeRow, String)>>;
    /// Changes a pledge as `decide` says, in one transaction.
    async fn change_pledge(&self, id: &str, now: Timestamp, decide: PledgeDecision) -> StoreResult<PledgeRow>;

    /// Records a payment the provider created; a second record of the same id (a
    /// replayed creation) changes nothing.
    async fn insert_payment(&self, payment: &PaymentRow) -> StoreResult<()>;
    async fn get_payment(&self, id: &str) -> StoreResult<Option<PaymentRow>>;
    /// The newest payment of a pledge.
    async fn latest_payment(&self, pledge_id: &str) -> StoreResult<Option<PaymentRow>>;
    /// Every payment of a pledge, oldest first.
    async fn payments_of(&self, pledge_id: &str) -> StoreResult<Vec<PaymentRow>>;
    /// Stores the status the provider reported for a payment.
    async fn set_payment_status(
        &self,
        id: &str,
        status: crate::payments::PaymentStatus,
        now: Timestamp,
    ) -> StoreResult<()>;

    /// Creates a token; returns it and its secret (shown once, stored only hashed).
    async fn create_token(
        &self,
        programme: Option<String>,
        label: Option<String>,
        now: Timestamp,
    ) -> StoreResult<(TokenInfo, String)>;
    /// The active token with this secret.
    async fn token_by_secret(&self, secret: &str) -> StoreResult<Option<TokenInfo>>;
    async fn get_token(&self, id: &str) -> StoreResult<Option<TokenInfo>>;
    /// Revokes a token and, in the same transaction, every session started with it.
    async fn revoke_token(&self, id: &str, now: Timestamp) -> StoreResult<TokenInfo>;
    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>>;

    /// Deletes at most `limit` idempotency records made before `created_before`, oldest
    /// first, in one short transaction; returns how many. Callers repeat it to sweep
    /// more, so pledge writes never wait behind a long delete.
    async fn delete_expired_idempotency_keys(&self, created_before: Timestamp, limit: u32) -> StoreResult<u64>;
    /// Stores a sign-in link by the hash of its secret.
    async fn create_login_link(
        &self,
        link_hash: &str,
        grant: &Grant,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()>;
    /// Marks the link used, in one statement, and returns what it grants; or why not.
    async fn redeem_login_link(&self, link_hash: &str, now: Timestamp) -> StoreResult<Result<Grant, LinkProblem>>;
    /// Stores a session by the hash of its secret; `token_id`: the admin token it was
    /// started with, if any.
    async fn create_session(&self, session: &SessionInfo, secret_hash: &str, token_id: Option<&str>)
        -> StoreResult<()>;
    /// The session with this secret, if it is neither revoked nor expired at `now`.
    async fn session_by_secret(&self, secret: &str, now: Timestamp) -> StoreResult<Option<SessionInfo>>;
    async fn revoke_session(&self, id: &str, now: Timestamp) -> StoreResult<SessionInfo>;
    async fn list_sessions(&self) -> StoreResult<Vec<SessionInfo>>;

    /// Claims up to `limit` messages that are waiting and due at `now` and not held by
    /// another sender's lease, for `claim` until `lease_until`; returns each with its
    /// attempts so far. Two senders never claim the same message while a lease holds.
    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        claim: &str,
    ) -> StoreResult<Vec<(OutboxMessage, i64)>>;
    /// Marks a claimed message sent (only while `claim` holds it).
    async fn outbox_sent(&self, id: &str, claim: &str, now: Timestamp) -> StoreResult<()>;
    /// Records a failed attempt: waiting again from `next_attempt_at`, or failed for good.
    async fn outbox_failed(
        &self,
        id: &str,
        claim: &str,
        next_attempt_at: Timestamp,
        error: &str,
        permanent: bool,
    ) -> StoreResult<()>;
    /// The outbox, newest first, of one cohort or all.
    async fn outbox(&self, slug: Option<&str>, limit: u32) -> StoreResult<Vec<OutboxEntry>>;
    /// The pledged pledges of `slug` made before `created_before` that were confirmed by
    /// e-mail (pledges from before e-mail was on get no reminders), with their reminders.
    async fn reminder_candidates(&self, slug: &str, created_before: Timestamp) -> StoreResult<Vec<ReminderCandidate>>;
    /// Writes a reminder if, in this transaction, the pledge is still pledged, has
    /// exactly `expected_reminders` reminders and its donor has not unsubscribed;
    /// returns whether it was written.
    /// The reminder is due (may be sent) from `due_at`.
    async fn queue_reminder(
        &self,
        pledge_id: &str,
        expected_reminders: i64,
        message: &OutboxMessage,
        due_at: Timestamp,
    ) -> StoreResult<bool>;
    /// Records that a backer wants no more messages but receipts.
    async fn unsubscribe(&self, backer_key: &str, now: Timestamp) -> StoreResult<()>;
    /// Puts a failed message of `slug` back in the queue, due at `now` (its attempts
    /// kept); `false` when there is no such failed message (or its donor was
    /// anonymised: it has no recipient any more).
    async fn retry_outbox(&self, slug: &str, id: &str, now: Timestamp) -> StoreResult<bool>;
    /// Writes one message to the outbox, due at `due_at`.
    async fn queue_outbox(&self, message: &OutboxMessage, due_at: Timestamp) -> StoreResult<()>;
    /// The donors of `slug` who asked for news: of each backer who opted in on a pledge
    /// that is not cancelled, the latest such pledge; none who unsubscribed or were
    /// anonymised.
    async fn news_recipients(&self, slug: &str) -> StoreResult<Vec<PledgeRow>>;
    /// In one transaction: records `news` (its cohort and key once: `None` and nothing
    /// queued if they were recorded before) and queues each message at its due time,
    /// leaving out donors who unsubscribed meanwhile; returns how many were queued.
    async fn queue_news(
        &self,
        news: &NewsRecord,
        messages: &[(OutboxMessage, Timestamp)],
    ) -> StoreResult<Option<usize>>;
    /// The news of a cohort, newest first.
    async fn news_of(&self, slug: &str) -> StoreResult<Vec<NewsRecord>>;
    /// Every pledge under a backer key, in every cohort, oldest first.
    async fn backer_pledges(&self, backer_key: &str) -> StoreResult<Vec<PledgeRow>>;
    /// Anonymises a backer in one transaction: their pledges lose name, e-mail and
    /// message (amount, dates, reference, status stay) and are counted under
    /// `new_backer_key` (one key for all, so backer counts do not change); their outbox
    /// messages lose recipient, name and bodies (waiting ones fail); their unsubscribe
    /// record goes. Returns the cohorts whose pledges changed (their revisions rise).
    async fn anonymise_backer(
        &self,
        backer_key: &str,
        new_backer_key: &str,
        now: Timestamp,
    ) -> StoreResult<Vec<String>>;
    /// A secret shared by every instance on this database: the stored one, or
    /// `candidate` stored now if there is none.
    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String>;
}

/// Checks the revision an edit of a cohort or programme was based on, inside the edit's
/// transaction.
fn check_revision(slug: &str, expected: Option<i64>, actual: i64) -> StoreResult<()> {
    match expected {
        Some(r) if r != actual => Err(StoreError::refused(
            ErrorCode::StaleRevision,
            format!("{slug:?} changed since revision {r} (it is at {actual}); load it again and redo the change."),
        )),
        _ => Ok(()),
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
    answer: tokio::sync::oneshot::Sender<StoreResult<PledgeOutcome>>,
}

/// Starts a backend's pledge writer: it takes every pledge waiting (up to
/// [`MAX_GROUP`]), has `write_group` write them in one transaction and commit once, and
/// only then answers each. Under load a group grows by itself with the pledges that
/// arrived during the previous commit; a lone pledge is written at once. An acknowledged
/// pledge is as durable as with one transaction per pledge, for one commit per group.
pub(crate) fn spawn_pledge_writer<F>(write_group: F) -> tokio::sync::mpsc::Sender<PledgeJob>
where
    F: for<'a> Fn(&'a [PledgeJob]) -> futures_util::future::BoxFuture<'a, Vec<StoreResult<PledgeOutcome>>>
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

/// Hands a pledge to a writer started by [`spawn_pledge_writer`] and waits for its answer.
pub(crate) async fn submit_pledge(
    writer: &tokio::sync::mpsc::Sender<PledgeJob>,
    slug: &str,
    key: &IdempotencyKey,
    request_hash: &str,
    pledge: Result<NewPledge, Vec<FieldError>>,
    admission: &PledgeAdmission,
) -> StoreResult<PledgeOutcome> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job = PledgeJob {
        slug: slug.to_owned(),
        key: key.clone(),
        request_hash: request_hash.to_owned(),
        pledge,
        admission: admission.clone(),
        answer,
    };
    let gone = || StoreError::Internal(anyhow::anyhow!("the pledge writer has stopped"));
    writer.send(job).await.map_err(|_| gone())?;
    answered.await.map_err(|_| gone())?
}

/// The answer to every pledge of a group whose transaction failed: none was written.
/// A database that cannot serve now (a lost connection, a full disk) stays
/// `Unavailable` for each, so every donor gets a `503` to retry, not a `500`.
fn all_failed(n: usize, e: sqlx::Error) -> Vec<StoreResult<PledgeOutcome>> {
    let unavailable = crate::domain::is_unavailable(&e);
    let message = format!("writing a group of pledges: {e}");
    (0..n)
        .map(|_| {
            let cause = anyhow::anyhow!("{message}");
            Err(if unavailable { StoreError::Unavailable(cause) } else { StoreError::Internal(cause) })
        })
        .collect()
}
