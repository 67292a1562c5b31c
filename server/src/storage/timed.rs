//! A [`Storage`] that times every call of another one into the storage-latency
//! histogram of `/metrics`. Used only when metrics are on.

use super::*;
use crate::metrics::{observe, StorageLatency};
use std::time::Instant;

pub struct TimedStorage {
    inner: Arc<dyn Storage>,
    latency: StorageLatency,
}

impl TimedStorage {
    pub fn new(inner: Arc<dyn Storage>, latency: StorageLatency) -> TimedStorage {
        TimedStorage { inner, latency }
    }
}

/// Runs `$call` and records its duration under `$op`.
macro_rules! timed {
    ($self:ident, $op:literal, $call:expr) => {{
        let started = Instant::now();
        let result = $call.await;
        observe(&$self.latency, $op, started.elapsed());
        result
    }};
}

#[async_trait]
impl Storage for TimedStorage {
    async fn health(&self) -> StoreResult<()> {
        timed!(self, "health", self.inner.health())
    }
    async fn announce_change(&self, slug: &str) -> StoreResult<bool> {
        timed!(self, "announce_change", self.inner.announce_change(slug))
    }
    async fn change_feed(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>> {
        self.inner.change_feed().await
    }
    async fn insert_payment(&self, payment: &PaymentRow) -> StoreResult<()> {
        timed!(self, "insert_payment", self.inner.insert_payment(payment))
    }
    async fn get_payment(&self, id: &str) -> StoreResult<Option<PaymentRow>> {
        timed!(self, "get_payment", self.inner.get_payment(id))
    }
    async fn latest_payment(&self, pledge_id: &str) -> StoreResult<Option<PaymentRow>> {
        timed!(self, "latest_payment", self.inner.latest_payment(pledge_id))
    }

    async fn payments_of(&self, pledge_id: &str) -> StoreResult<Vec<PaymentRow>> {
        timed!(self, "payments_of", self.inner.payments_of(pledge_id))
    }
    async fn set_payment_status(
        &self,
        id: &str,
        status: crate::payments::PaymentStatus,
        now: Timestamp,
    ) -> StoreResult<()> {
        timed!(self, "set_payment_status", self.inner.set_payment_status(id, status, now))
    }
    async fn put_cohort(&self, definition: &CohortDefinition, now: Timestamp) -> StoreResult<PutOutcome> {
        timed!(self, "put_cohort", self.inner.put_cohort(definition, now))
    }
    async fn edit_cohort(
        &self,
        slug: &str,
        now: Timestamp,
        expected_revision: Option<i64>,
        edit: DefinitionEdit,
    ) -> StoreResult<CohortDefinition> {
        timed!(self, "edit_cohort", self.inner.edit_cohort(slug, now, expected_revision, edit))
    }
    async fn create_login_link(
        &self,
        link_hash: &str,
        grant: &Grant,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        timed!(self, "create_login_link", self.inner.create_login_link(link_hash, grant, now, expires_at))
    }
    async fn redeem_login_link(&self, link_hash: &str, now: Timestamp) -> StoreResult<Result<Grant, LinkProblem>> {
        timed!(self, "redeem_login_link", self.inner.redeem_login_link(link_hash, now))
    }
    async fn create_session(
        &self,
        session: &SessionInfo,
        secret_hash: &str,
        token_id: Option<&str>,
    ) -> StoreResult<()> {
        timed!(self, "create_session", self.inner.create_session(session, secret_hash, token_id))
    }
    async fn session_by_secret(&self, secret: &str, now: Timestamp) -> StoreResult<Option<SessionInfo>> {
        timed!(self, "session_by_secret", self.inner.session_by_secret(secret, now))
    }
    async fn revoke_session(&self, id: &str, now: Timestamp) -> StoreResult<SessionInfo> {
        timed!(self, "revoke_session", self.inner.revoke_session(id, now))
    }
    async fn list_sessions(&self) -> StoreResult<Vec<SessionInfo>> {
        timed!(self, "list_sessions", self.inner.list_sessions())
    }
    async fn get_cohort(&self, slug: &str) -> StoreResult<Option<StoredCohort>> {
        timed!(self, "get_cohort", self.inner.get_cohort(slug))
    }
    async fn list_cohorts(&self) -> StoreResult<Vec<StoredCohort>> {
        timed!(self, "list_cohorts", self.inner.list_cohorts())
    }
    async fn cohort_revision(&self, slug: &str) -> StoreResult<Option<i64>> {
        timed!(self, "cohort_revision", self.inner.cohort_revision(slug))
    }
    async fn cohort_revisions(&self) -> StoreResult<Vec<CohortRevision>> {
        timed!(self, "cohort_revisions", self.inner.cohort_revisions())
    }
    async fn put_programme(
        &self,
        slug: &str,
        settings: &cofund_core::programme::ProgrammeSettings,
        expected_revision: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<PutOutcome> {
        timed!(self, "put_programme", self.inner.put_programme(slug, settings, expected_revision, now))
    }
    async fn get_programme(&self, slug: &str) -> StoreResult<Option<StoredProgramme>> {
        timed!(self, "get_programme", self.inner.get_programme(slug))
    }
    async fn snapshot(&self, slug: &str, recent: usize) -> StoreResult<Option<CohortSnapshot>> {
        timed!(self, "snapshot", self.inner.snapshot(slug, recent))
    }
    async fn create_pledge(
        &self,
        slug: &str,
        key: &IdempotencyKey,
        request_hash: &str,
        pledge: Result<NewPledge, Vec<FieldError>>,
        admission: &PledgeAdmission,
    ) -> StoreResult<PledgeOutcome> {
        timed!(self, "create_pledge", self.inner.create_pledge(slug, key, request_hash, pledge, admission))
    }
    async fn import_pledges(&self, slug: &str, pledges: Vec<NewPledge>) -> StoreResult<usize> {
        timed!(self, "import_pledges", self.inner.import_pledges(slug, pledges))
    }
    async fn public_pledges(
        &self,
        slug: &str,
        cursor: Option<Cursor>,
        limit: u32,
    ) -> StoreResult<Option<Vec<PledgeRow>>> {
        timed!(self, "public_pledges", self.inner.public_pledges(slug, cursor, limit))
    }
    async fn all_pledges(&self, slug: &str) -> StoreResult<Option<Vec<PledgeRow>>> {
        timed!(self, "all_pledges", self.inner.all_pledges(slug))
    }
    async fn get_pledge(&self, id: &str) -> StoreResult<Option<(PledgeRow, String)>> {
        timed!(self, "get_pledge", self.inner.get_pledge(id))
    }
    async fn change_pledge(&self, id: &str, now: Timestamp, decide: PledgeDecision) -> StoreResult<PledgeRow> {
        timed!(self, "change_pledge", self.inner.change_pledge(id, now, decide))
    }
    async fn create_token(
        &self,
        programme: Option<String>,
        label: Option<String>,
        now: Timestamp,
    ) -> StoreResult<(TokenInfo, String)> {
        timed!(self, "create_token", self.inner.create_token(programme, label, now))
    }
    async fn token_by_secret(&self, secret: &str) -> StoreResult<Option<TokenInfo>> {
        timed!(self, "token_by_secret", self.inner.token_by_secret(secret))
    }
    async fn get_token(&self, id: &str) -> StoreResult<Option<TokenInfo>> {
        timed!(self, "get_token", self.inner.get_token(id))
    }
    async fn revoke_token(&self, id: &str, now: Timestamp) -> StoreResult<TokenInfo> {
        timed!(self, "revoke_token", self.inner.revoke_token(id, now))
    }
    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        timed!(self, "list_tokens", self.inner.list_tokens())
    }
    async fn delete_expired_idempotency_keys(&self, created_before: Timestamp, limit: u32) -> StoreResult<u64> {
        timed!(
            self,
            "delete_expired_idempotency_keys",
            self.inner.delete_expired_idempotency_keys(created_before, limit)
        )
    }
    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        claim: &str,
    ) -> StoreResult<Vec<(OutboxMessage, i64)>> {
        timed!(self, "claim_outbox", self.inner.claim_outbox(now, lease_until, limit, claim))
    }
    async fn outbox_sent(&self, id: &str, claim: &str, now: Timestamp) -> StoreResult<()> {
        timed!(self, "outbox_sent", self.inner.outbox_sent(id, claim, now))
    }
    async fn outbox_failed(
        &self,
        id: &str,
        claim: &str,
        next_attempt_at: Timestamp,
        error: &str,
        permanent: bool,
    ) -> StoreResult<()> {
        timed!(self, "outbox_failed", self.inner.outbox_failed(id, claim, next_attempt_at, error, permanent))
    }
    async fn outbox(&self, slug: Option<&str>, limit: u32) -> StoreResult<Vec<OutboxEntry>> {
        timed!(self, "outbox", self.inner.outbox(slug, limit))
    }
    async fn reminder_candidates(&self, slug: &str, created_before: Timestamp) -> StoreResult<Vec<ReminderCandidate>> {
        timed!(self, "reminder_candidates", self.inner.reminder_candidates(slug, created_before))
    }
    async fn queue_reminder(
        &self,
        pledge_id: &str,
        expected_reminders: i64,
        message: &OutboxMessage,
        due_at: Timestamp,
    ) -> StoreResult<bool> {
        timed!(self, "queue_reminder", self.inner.queue_reminder(pledge_id, expected_reminders, message, due_at))
    }
    async fn unsubscribe(&self, backer_key: &str, now: Timestamp) -> StoreResult<()> {
        timed!(self, "unsubscribe", self.inner.unsubscribe(backer_key, now))
    }
    async fn retry_outbox(&self, slug: &str, id: &str, now: Timestamp) -> StoreResult<bool> {
        timed!(self, "retry_outbox", self.inner.retry_outbox(slug, id, now))
    }
    async fn queue_outbox(&self, message: &OutboxMessage, due_at: Timestamp) -> StoreResult<()> {
        timed!(self, "queue_outbox", self.inner.queue_outbox(message, due_at))
    }
    async fn news_recipients(&self, slug: &str) -> StoreResult<Vec<PledgeRow>> {
        timed!(self, "news_recipients", self.inner.news_recipients(slug))
    }
    async fn queue_news(
        &self,
        news: &NewsRecord,
        messages: &[(OutboxMessage, Timestamp)],
    ) -> StoreResult<Option<usize>> {
        timed!(self, "queue_news", self.inner.queue_news(news, messages))
    }
    async fn news_of(&self, slug: &str) -> StoreResult<Vec<NewsRecord>> {
        timed!(self, "news_of", self.inner.news_of(slug))
    }
    async fn backer_pledges(&self, backer_key: &str) -> StoreResult<Vec<PledgeRow>> {
        timed!(self, "backer_pledges", self.inner.backer_pledges(backer_key))
    }
    async fn anonymise_backer(
        &self,
        backer_key: &str,
        new_backer_key: &str,
        now: Timestamp,
    ) -> StoreResult<Vec<String>> {
        timed!(self, "anonymise_backer", self.inner.anonymise_backer(backer_key, new_backer_key, now))
    }
    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String> {
        self.inner.server_secret(name, candidate).await
    }
}
