//! What the domain needs from a database: the [`Storage`] port and the records it
//! stores and loads. The domain owns these types and its refusals; the storage module's
//! backends implement the port (storage depends on the domain, never back).

use crate::domain::access::{Grant, LinkProblem, SessionInfo};
use crate::domain::cohorts::DefinitionEdit;
use crate::domain::mail::{NewsRecord, OutboxEntry, OutboxMessage, ReminderCandidate};
use crate::domain::pledging::PledgeAdmission;
use crate::domain::{CohortDefinition, DomainError, DomainResult, IdempotencyKey, PledgeFigures};
use async_trait::async_trait;
use cofund_core::api::ErrorCode;
use cofund_core::api::{PledgeStatus, PublicPledge, ValidPledge};
use cofund_core::{FieldError, Timestamp};
use std::sync::Arc;
use std::time::Duration;

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
pub type PledgeDecision = Box<dyn FnOnce(&PledgeRow, &StoredCohort) -> DomainResult<Option<PledgeUpdate>> + Send>;

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
    async fn health(&self) -> DomainResult<()>;

    /// Tells every instance on this database that `slug` changed; `false` where the
    /// backend has no such channel (then only this process knows).
    async fn announce_change(&self, _slug: &str) -> DomainResult<bool> {
        Ok(false)
    }

    /// The slugs announced by any instance (this one included), for backends that
    /// announce; `None` otherwise.
    async fn change_feed(&self) -> DomainResult<Option<tokio::sync::mpsc::Receiver<String>>> {
        Ok(None)
    }

    /// Creates or replaces a cohort definition (validated by the caller).
    async fn put_cohort(&self, definition: &CohortDefinition, now: Timestamp) -> DomainResult<PutOutcome>;
    /// Reads, edits and writes a definition in one transaction; the edit (which
    /// validates) refuses with field errors. With `expected_revision`, a cohort whose
    /// revision has moved on is refused `stale_revision` and nothing is written.
    async fn edit_cohort(
        &self,
        slug: &str,
        now: Timestamp,
        expected_revision: Option<i64>,
        edit: DefinitionEdit,
    ) -> DomainResult<CohortDefinition>;
    async fn get_cohort(&self, slug: &str) -> DomainResult<Option<StoredCohort>>;
    async fn list_cohorts(&self) -> DomainResult<Vec<StoredCohort>>;
    /// The revision of a cohort, for caching its document.
    async fn cohort_revision(&self, slug: &str) -> DomainResult<Option<i64>>;
    /// Every cohort's slug, programme name and revision, by slug.
    async fn cohort_revisions(&self) -> DomainResult<Vec<CohortRevision>>;

    /// Creates or replaces a programme's settings (validated by the caller); the
    /// revision increases. With `expected_revision` (0: no row yet), a programme whose
    /// revision has moved on is refused `stale_revision` and nothing is written.
    async fn put_programme(
        &self,
        slug: &str,
        settings: &cofund_core::programme::ProgrammeSettings,
        expected_revision: Option<i64>,
        now: Timestamp,
    ) -> DomainResult<PutOutcome>;
    async fn get_programme(&self, slug: &str) -> DomainResult<Option<StoredProgramme>>;
    /// The definition and the pledge figures (totals, `recent` newest pledges, daily
    /// history) read in one transaction.
    async fn snapshot(&self, slug: &str, recent: usize) -> DomainResult<Option<CohortSnapshot>>;

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
    ) -> DomainResult<PledgeOutcome>;
    /// Inserts pledges without idempotency keys (demo seeding, imports), one transaction.
    async fn import_pledges(&self, slug: &str, pledges: Vec<NewPledge>) -> DomainResult<usize>;
    /// Public (non-cancelled) pledges, newest first, after `cursor`.
    async fn public_pledges(
        &self,
        slug: &str,
        cursor: Option<Cursor>,
        limit: u32,
    ) -> DomainResult<Option<Vec<PledgeRow>>>;
    /// Every pledge of a cohort, oldest first (admin export).
    async fn all_pledges(&self, slug: &str) -> DomainResult<Option<Vec<PledgeRow>>>;
    /// A pledge and the programme of its cohort.
    async fn get_pledge(&self, id: &str) -> DomainResult<Option<(PledgeRow, String)>>;
    /// Changes a pledge as `decide` says, in one transaction.
    async fn change_pledge(&self, id: &str, now: Timestamp, decide: PledgeDecision) -> DomainResult<PledgeRow>;

    /// Records a payment the provider created; a second record of the same id (a
    /// replayed creation) changes nothing.
    async fn insert_payment(&self, payment: &PaymentRow) -> DomainResult<()>;
    async fn get_payment(&self, id: &str) -> DomainResult<Option<PaymentRow>>;
    /// The newest payment of a pledge.
    async fn latest_payment(&self, pledge_id: &str) -> DomainResult<Option<PaymentRow>>;
    /// Every payment of a pledge, oldest first.
    async fn payments_of(&self, pledge_id: &str) -> DomainResult<Vec<PaymentRow>>;
    /// Stores the status the provider reported for a payment.
    async fn set_payment_status(
        &self,
        id: &str,
        status: crate::payments::PaymentStatus,
        now: Timestamp,
    ) -> DomainResult<()>;

    /// Creates a token; returns it and its secret (shown once, stored only hashed).
    async fn create_token(
        &self,
        programme: Option<String>,
        label: Option<String>,
        now: Timestamp,
    ) -> DomainResult<(TokenInfo, String)>;
    /// The active token with this secret.
    async fn token_by_secret(&self, secret: &str) -> DomainResult<Option<TokenInfo>>;
    async fn get_token(&self, id: &str) -> DomainResult<Option<TokenInfo>>;
    /// Revokes a token and, in the same transaction, every session started with it.
    async fn revoke_token(&self, id: &str, now: Timestamp) -> DomainResult<TokenInfo>;
    async fn list_tokens(&self) -> DomainResult<Vec<TokenInfo>>;

    /// Deletes at most `limit` idempotency records made before `created_before`, oldest
    /// first, in one short transaction; returns how many. Callers repeat it to sweep
    /// more, so pledge writes never wait behind a long delete.
    async fn delete_expired_idempotency_keys(&self, created_before: Timestamp, limit: u32) -> DomainResult<u64>;
    /// Stores a sign-in link by the hash of its secret.
    async fn create_login_link(
        &self,
        link_hash: &str,
        grant: &Grant,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> DomainResult<()>;
    /// Marks the link used, in one statement, and returns what it grants; or why not.
    async fn redeem_login_link(&self, link_hash: &str, now: Timestamp) -> DomainResult<Result<Grant, LinkProblem>>;
    /// Stores a session by the hash of its secret; `token_id`: the admin token it was
    /// started with, if any.
    async fn create_session(
        &self,
        session: &SessionInfo,
        secret_hash: &str,
        token_id: Option<&str>,
    ) -> DomainResult<()>;
    /// The session with this secret, if it is neither revoked nor expired at `now`.
    async fn session_by_secret(&self, secret: &str, now: Timestamp) -> DomainResult<Option<SessionInfo>>;
    async fn revoke_session(&self, id: &str, now: Timestamp) -> DomainResult<SessionInfo>;
    async fn list_sessions(&self) -> DomainResult<Vec<SessionInfo>>;

    /// Claims up to `limit` messages that are waiting and due at `now` and not held by
    /// another sender's lease, for `claim` until `lease_until`; returns each with its
    /// attempts so far. Two senders never claim the same message while a lease holds.
    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        claim: &str,
    ) -> DomainResult<Vec<(OutboxMessage, i64)>>;
    /// Marks a claimed message sent (only while `claim` holds it).
    async fn outbox_sent(&self, id: &str, claim: &str, now: Timestamp) -> DomainResult<()>;
    /// Records a failed attempt: waiting again from `next_attempt_at`, or failed for good.
    async fn outbox_failed(
        &self,
        id: &str,
        claim: &str,
        next_attempt_at: Timestamp,
        error: &str,
        permanent: bool,
    ) -> DomainResult<()>;
    /// The outbox, newest first, of one cohort or all.
    async fn outbox(&self, slug: Option<&str>, limit: u32) -> DomainResult<Vec<OutboxEntry>>;
    /// The pledged pledges of `slug` made before `created_before` that were confirmed by
    /// e-mail (pledges from before e-mail was on get no reminders), with their reminders.
    async fn reminder_candidates(&self, slug: &str, created_before: Timestamp) -> DomainResult<Vec<ReminderCandidate>>;
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
    ) -> DomainResult<bool>;
    /// Records that a backer wants no more messages but receipts.
    async fn unsubscribe(&self, backer_key: &str, now: Timestamp) -> DomainResult<()>;
    /// Puts a failed message of `slug` back in the queue, due at `now` (its attempts
    /// kept); `false` when there is no such failed message (or its donor was
    /// anonymised: it has no recipient any more).
    async fn retry_outbox(&self, slug: &str, id: &str, now: Timestamp) -> DomainResult<bool>;
    /// Writes one message to the outbox, due at `due_at`.
    async fn queue_outbox(&self, message: &OutboxMessage, due_at: Timestamp) -> DomainResult<()>;
    /// The donors of `slug` who asked for news: of each backer who opted in on a pledge
    /// that is not cancelled, the latest such pledge; none who unsubscribed or were
    /// anonymised.
    async fn news_recipients(&self, slug: &str) -> DomainResult<Vec<PledgeRow>>;
    /// In one transaction: records `news` (its cohort and key once: `None` and nothing
    /// queued if they were recorded before) and queues each message at its due time,
    /// leaving out donors who unsubscribed meanwhile; returns how many were queued.
    async fn queue_news(
        &self,
        news: &NewsRecord,
        messages: &[(OutboxMessage, Timestamp)],
    ) -> DomainResult<Option<usize>>;
    /// The news of a cohort, newest first.
    async fn news_of(&self, slug: &str) -> DomainResult<Vec<NewsRecord>>;
    /// Every pledge under a backer key, in every cohort, oldest first.
    async fn backer_pledges(&self, backer_key: &str) -> DomainResult<Vec<PledgeRow>>;
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
    ) -> DomainResult<Vec<String>>;
    /// A secret shared by every instance on this database: the stored one, or
    /// `candidate` stored now if there is none.
    async fn server_secret(&self, name: &str, candidate: &str) -> DomainResult<String>;

    /// From now on, tells `observer` how long each call took (once; a second observer
    /// is ignored).
    fn observe_calls(&self, observer: CallObserver);
}

/// Checks the revision an edit of a cohort or programme was based on, inside the edit's
/// transaction.
pub fn check_revision(slug: &str, expected: Option<i64>, actual: i64) -> DomainResult<()> {
    match expected {
        Some(r) if r != actual => Err(DomainError::refused(
            ErrorCode::StaleRevision,
            format!("{slug:?} changed since revision {r} (it is at {actual}); load it again and redo the change."),
        )),
        _ => Ok(()),
    }
}

/// The first answer to a known idempotency key (`stored_hash` and `stored_body`, as kept
/// with the key), or the refusal of a key reused with another request.
pub fn replay(stored_hash: &str, stored_body: String, request_hash: &str) -> DomainResult<PledgeOutcome> {
    if stored_hash != request_hash {
        return Err(DomainError::refused(
            ErrorCode::IdempotencyKeyReused,
            "This Idempotency-Key was already used with a different request body.",
        ));
    }
    Ok(PledgeOutcome::Replayed(stored_body))
}

/// Told each storage call's operation (the [`Storage`] method's name) and how long it
/// took: the server's metrics.
pub type CallObserver = Arc<dyn Fn(&'static str, Duration) + Send + Sync>;
