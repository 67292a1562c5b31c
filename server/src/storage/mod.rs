//! Storage behind one interface. Handlers and the CLI only see [`Storage`]; the backend
//! is chosen by the database URL's scheme (`sqlite:` now; `postgres:` later).

mod sqlite;

pub use sqlite::SqliteStorage;

use crate::domain::{CohortDefinition, IdempotencyKey, PledgeFigures};
use async_trait::async_trait;
use cofund_core::api::{PledgeStatus, PublicPledge, ValidPledge};
use cofund_core::{FieldError, Timestamp};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the data lives, parsed from `--database`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
}

impl DatabaseLocation {
    /// `sqlite:PATH`, `sqlite://PATH` or a plain file path. `postgres:` is recognised
    /// and refused with a clear message.
    pub fn parse(s: &str) -> anyhow::Result<DatabaseLocation> {
        let s = s.trim();
        if s.starts_with("postgres:") || s.starts_with("postgresql:") {
            anyhow::bail!("PostgreSQL is not built in yet; use a sqlite: database (for example sqlite:cofund.db)");
        }
        let path = s.strip_prefix("sqlite://").or_else(|| s.strip_prefix("sqlite:")).unwrap_or(s);
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            anyhow::bail!("empty database path");
        }
        if let Some((scheme, _)) = s.split_once("://") {
            if scheme != "sqlite" {
                anyhow::bail!("unsupported database scheme {scheme:?}; use sqlite:PATH");
            }
        }
        Ok(DatabaseLocation::Sqlite(PathBuf::from(path)))
    }
}

/// Opens (creating and migrating) the storage at `location`.
pub async fn open(location: &DatabaseLocation) -> anyhow::Result<Arc<dyn Storage>> {
    match location {
        DatabaseLocation::Sqlite(path) => Ok(Arc::new(SqliteStorage::open(path).await?)),
    }
}

/// Why a storage operation did not happen.
#[derive(Debug)]
pub enum StoreError {
    NotFound,
    /// The change would make the cohort invalid.
    Invalid(Vec<FieldError>),
    /// Refused because of the current state (stable code, English message).
    Conflict { code: &'static str, message: String },
    Internal(anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Internal(e.into())
    }
}

impl From<anyhow::Error> for StoreError {
    fn from(e: anyhow::Error) -> Self {
        StoreError::Internal(e)
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NotFound => write!(f, "not found"),
            StoreError::Invalid(errors) => {
                write!(f, "invalid: ")?;
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        write!(f, "; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            StoreError::Conflict { message, .. } => write!(f, "{message}"),
            StoreError::Internal(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for StoreError {}

pub type StoreResult<T> = Result<T, StoreError>;

/// A stored cohort definition.
#[derive(Debug, Clone)]
pub struct StoredCohort {
    pub definition: CohortDefinition,
    /// Increases with every change of the definition or of one of its pledges.
    pub revision: i64,
    /// The last change.
    pub updated_at: Timestamp,
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
    pub created_at: Timestamp,
}

/// The result of a pledge POST: the JSON body of the `201` response, either just made
/// or replayed from the first request with the same idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub enum PledgeOutcome {
    Created(String),
    Replayed(String),
}

/// A remembered idempotency key.
#[derive(Debug, Clone)]
pub struct IdempotentResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    Created,
    Updated,
}

/// A coordinator's change to a pledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PledgeChange {
    /// `pledged` → `received` (a received pledge stays received).
    Confirm,
    /// `pledged` or `received` → `cancelled`.
    Cancel,
    /// Hide (`true`) or show again the pledge's message.
    HideMessage(bool),
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

/// Changes the stored definition; returns field errors to refuse the change.
pub type DefinitionEdit = Box<dyn FnOnce(&mut CohortDefinition) -> Result<(), Vec<FieldError>> + Send>;

/// Everything the handlers and the CLI need from a database. Every write is one
/// transaction; a method that returns `Ok` has committed durably.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// A cheap round trip to the database.
    async fn health(&self) -> StoreResult<()>;

    /// Creates or replaces a cohort definition (validated by the caller).
    async fn put_cohort(&self, definition: &CohortDefinition, now: Timestamp) -> StoreResult<PutOutcome>;
    /// Reads, edits and writes a definition in one transaction. The edited definition
    /// is validated before it is written.
    async fn edit_cohort(&self, slug: &str, now: Timestamp, edit: DefinitionEdit) -> StoreResult<CohortDefinition>;
    async fn get_cohort(&self, slug: &str) -> StoreResult<Option<StoredCohort>>;
    async fn list_cohorts(&self) -> StoreResult<Vec<StoredCohort>>;
    /// The revision of a cohort, for caching its document.
    async fn cohort_revision(&self, slug: &str) -> StoreResult<Option<i64>>;
    /// The definition and the pledge figures (totals, `recent` newest pledges, daily
    /// history) read in one transaction.
    async fn snapshot(&self, slug: &str, recent: usize) -> StoreResult<Option<CohortSnapshot>>;

    /// The remembered response of an idempotency key.
    async fn idempotent_response(&self, slug: &str, key: &IdempotencyKey) -> StoreResult<Option<IdempotentResponse>>;
    /// Records a pledge and its idempotency key in one transaction, and returns the
    /// `201` body (pledge receipt, payment instructions, totals). If the key is known,
    /// the original body is replayed, or `Conflict idempotency_key_reused` when the
    /// request hash differs.
    async fn create_pledge(
        &self,
        slug: &str,
        key: &IdempotencyKey,
        request_hash: &str,
        pledge: NewPledge,
    ) -> StoreResult<PledgeOutcome>;
    /// Inserts pledges without idempotency keys (demo seeding, imports), one transaction.
    async fn import_pledges(&self, slug: &str, pledges: Vec<NewPledge>) -> StoreResult<usize>;
    /// Public (non-cancelled) pledges, newest first, after `cursor`.
    async fn public_pledges(&self, slug: &str, cursor: Option<Cursor>, limit: u32) -> StoreResult<Option<Vec<PledgeRow>>>;
    /// Every pledge of a cohort, oldest first (admin export).
    async fn all_pledges(&self, slug: &str) -> StoreResult<Option<Vec<PledgeRow>>>;
    /// A pledge and the programme of its cohort.
    async fn get_pledge(&self, id: &str) -> StoreResult<Option<(PledgeRow, String)>>;
    async fn change_pledge(&self, id: &str, change: PledgeChange, now: Timestamp) -> StoreResult<PledgeRow>;

    /// Creates a token; returns it and its secret (shown once, stored only hashed).
    async fn create_token(&self, programme: Option<String>, label: Option<String>, now: Timestamp) -> StoreResult<(TokenInfo, String)>;
    /// The active token with this secret.
    async fn token_by_secret(&self, secret: &str) -> StoreResult<Option<TokenInfo>>;
    async fn get_token(&self, id: &str) -> StoreResult<Option<TokenInfo>>;
    async fn revoke_token(&self, id: &str, now: Timestamp) -> StoreResult<TokenInfo>;
    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>>;
}
