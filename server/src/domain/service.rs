//! [`Cofund`]: what routes and the CLI call. Each method is one use case; it reads and
//! writes through [`Storage`] and applies the rules of the other domain modules.

use super::access::{self, Grant, LinkProblem, SessionInfo};
use super::cohorts::{self, DefinitionEdit, OwnContributionChange};
use super::live::{LiveProgress, ProgressEvent, Subscription};
use super::pledging::{PledgeAdmission, PledgeChange};
use super::{sha256_hex, CohortDefinition, DomainError, DomainResult, IdempotencyKey};
use crate::domain::store::{Cursor, NewPledge, PledgeOutcome, PledgeRow, PutOutcome, Storage, StoredCohort, TokenInfo};
use anyhow::Context;
use cofund_core::api::{read_pledge_request, validate_pledge, ErrorCode, PledgeStatus};
use cofund_core::programme::{programme_slug, ProgrammeDocument};
use cofund_core::rules::{self, Setting};
use cofund_core::{
    text_problem, Cohort, CohortDocument, FieldError, OwnContributions, Stakeholder, Timestamp, MAX_TEXT_CHARS,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A stakeholder's field error without the definition's `stakeholders[i].` prefix.
fn own_field(mut e: cofund_core::FieldError) -> cofund_core::FieldError {
    if let Some((_, own)) = e.field.strip_prefix("stakeholders[").and_then(|rest| rest.split_once("].")) {
        e.field = own.to_owned();
    }
    e
}

/// Newest pledges in the document.
pub const RECENT_PLEDGES: usize = 10;

/// A cohort document as served: its JSON and strong ETag, for one revision.
pub struct RenderedDocument {
    pub revision: i64,
    /// When stakeholders' rules may change state without a new revision (a trigger's
    /// date, a match window, the close): the rendering is stale from then on.
    pub valid_until: Option<Timestamp>,
    pub body: bytes::Bytes,
    /// `"…"`, quoted.
    pub etag: String,
}

/// Rendered documents, served without asking the database while nothing says their
/// cohort changed: a write through this instance, a change announced by another
/// (PostgreSQL `NOTIFY`), or the periodic revision check ([`Cofund::check_revisions`],
/// for changes nobody announced: the CLI on the same SQLite file, a lost notification).
#[derive(Default)]
struct DocumentCache {
    documents: HashMap<String, Arc<RenderedDocument>>,
    /// How often each cohort was said to have changed: a render keeps its result only if
    /// no change was said while it read, so it never stores what a write just replaced.
    changes: HashMap<String, u64>,
}

impl DocumentCache {
    fn invalidate(&mut self, slug: &str) {
        self.documents.remove(slug);
        *self.changes.entry(slug.to_owned()).or_default() += 1;
    }

    fn changes(&self, slug: &str) -> u64 {
        self.changes.get(slug).copied().unwrap_or(0)
    }
}

pub struct Cofund {
    storage: Arc<dyn Storage>,
    public_url: String,
    documents: Mutex<DocumentCache>,
    live: LiveProgress,
    /// The revision last sent to this instance's streams, by slug.
    published: Mutex<HashMap<String, i64>>,
    /// Becomes `true` when the server stops, to end open streams.
    stopping: tokio::sync::watch::Sender<bool>,
    /// The payment provider for online payment, if configured (see `payments.rs`).
    pub(super) payments: Option<Arc<dyn crate::payments::PaymentProvider>>,
    /// How long one event stream stays open before the server ends it (the client
    /// reconnects with `Last-Event-ID`), so no client holds a place for ever.
    stream_lifetime: std::time::Duration,
    /// E-mail to donors, when on (see `mail.rs`): changes write their messages to the outbox.
    pub(super) mailing: Option<Arc<super::mail::Mailing>>,
    /// The last pot allocation of each programme, by the programme group's revision (see
    /// `programmes.rs`): the allocation is a function of that revision, so the cohorts'
    /// documents and the programme's share one reading of the pledges.
    pub(super) pot_allocations: Mutex<HashMap<String, (i64, Arc<super::programmes::PotShares>)>>,
}

/// An event stream's longest life unless configured otherwise.
pub const DEFAULT_STREAM_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Open event streams per instance unless configured otherwise.
pub const DEFAULT_MAX_SUBSCRIBERS: usize = 2000;

impl Cofund {
    /// `public_url` (without a trailing slash) is where links in documents point.
    pub fn new(storage: Arc<dyn Storage>, public_url: String) -> Cofund {
        Cofund::with_subscriber_limit(storage, public_url, DEFAULT_MAX_SUBSCRIBERS)
    }

    pub fn with_subscriber_limit(storage: Arc<dyn Storage>, public_url: String, max_subscribers: usize) -> Cofund {
        Cofund {
            storage,
            public_url,
            documents: Mutex::new(DocumentCache::default()),
            live: LiveProgress::new(max_subscribers),
            published: Mutex::new(HashMap::new()),
            stopping: tokio::sync::watch::channel(false).0,
            payments: None,
            stream_lifetime: DEFAULT_STREAM_LIFETIME,
            mailing: None,
            pot_allocations: Mutex::new(HashMap::new()),
        }
    }

    /// Writes donors' messages to the outbox with every change that causes one.
    pub fn with_mailing(mut self, mailing: super::mail::Mailing) -> Cofund {
        self.mailing = Some(Arc::new(mailing));
        self
    }

    /// Whether e-mail to donors is on.
    pub fn mailing(&self) -> Option<&super::mail::Mailing> {
        self.mailing.as_deref()
    }

    /// A storage decision from a pledge rule: the new status and visibility, and the
    /// messages the change causes (a thank-you when it becomes received).
    pub(super) fn decision<F>(&self, now: Timestamp, rule: F) -> crate::domain::store::PledgeDecision
    where
        F: FnOnce(&PledgeRow) -> DomainResult<Option<(PledgeStatus, bool)>> + Send + 'static,
    {
        let mailing = self.mailing.clone();
        Box::new(move |current, cohort| {
            let Some((status, message_hidden)) = rule(current)? else { return Ok(None) };
            let mut outbox = Vec::new();
            if let (Some(m), Some(kind)) = (&mailing, super::mail::on_status_change(current.status, status)) {
                let after = PledgeRow { status, message_hidden, ..current.clone() };
                outbox.push(m.message(kind, &cohort.definition, &after, now));
            }
            Ok(Some(crate::domain::store::PledgeUpdate { status, message_hidden, outbox }))
        })
    }

    /// At most `max_subscribers` streams on this instance, `per_client` of them from
    /// one client, each open at most `lifetime`.
    pub fn with_stream_limits(
        mut self,
        max_subscribers: usize,
        per_client: usize,
        lifetime: std::time::Duration,
    ) -> Cofund {
        self.live = LiveProgress::with_client_limit(max_subscribers, per_client);
        self.stream_lifetime = lifetime;
        self
    }

    /// How long one event stream may stay open.
    pub fn stream_lifetime(&self) -> std::time::Duration {
        self.stream_lifetime
    }

    /// Takes online payments through `provider` (for cohorts that have them on).
    pub fn with_payment_provider(mut self, provider: Arc<dyn crate::payments::PaymentProvider>) -> Cofund {
        self.payments = Some(provider);
        self
    }

    pub fn live(&self) -> &LiveProgress {
        &self.live
    }

    /// Ends every open stream (the server is stopping).
    pub fn stop_streams(&self) {
        let _ = self.stopping.send(true);
    }

    /// Resolves when the server stops.
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.stopping.subscribe();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    }

    /// A stream's place and, unless the client has seen the current revision
    /// (`last_event_id`), the current state to send first.
    /// `client`: the address the stream is counted against.
    pub async fn subscribe(
        &self,
        slug: &str,
        last_event_id: Option<i64>,
        client: std::net::IpAddr,
    ) -> DomainResult<(Option<ProgressEvent>, Subscription)> {
        let doc = self.document(slug).await?;
        let subscription = self.live.subscribe_from(slug, client)?;
        let current = ProgressEvent::of_document(doc.revision, &doc.body)?;
        Ok(((last_event_id != Some(doc.revision)).then_some(current), subscription))
    }

    /// A stream's place for the programme `slug`'s events and, unless the client has
    /// seen the current revision, the current state to send first.
    pub async fn subscribe_programme(
        &self,
        slug: &str,
        last_event_id: Option<i64>,
        client: std::net::IpAddr,
    ) -> DomainResult<(Option<ProgressEvent>, Subscription)> {
        let current = self.programme_event(slug).await?;
        let subscription =
            self.live.subscribe_from(&format!("{}{slug}", super::programmes::PROGRAMME_EVENTS), client)?;
        Ok(((last_event_id != Some(current.revision)).then_some(current), subscription))
    }

    /// Tells every instance's streams that `slug` changed: through the storage where it
    /// is shared by several instances, directly otherwise.
    /// Every cohort of a programme with a row changes with each of them (its pot, its
    /// group revision: see `programmes.rs`); the announcement names only `slug`, and each
    /// instance widens it to the group in [`Cofund::cohort_changed`].
    pub(super) async fn changed(&self, slug: &str) {
        let (programme, group) = self.cohorts_changed_with(slug).await;
        {
            let mut cache = self.documents.lock().expect("document cache");
            for s in &group {
                cache.invalidate(s);
            }
        }
        let announced = match self.storage.announce_change(slug).await {
            Ok(announced) => announced,
            Err(e) => {
                tracing::warn!(slug, error = %e, "announcing a change failed; streams catch up within seconds");
                false
            }
        };
        if !announced {
            self.publish_group(programme, &group).await;
        }
    }

    /// Publishes the cohorts of a group and their programme's stream.
    async fn publish_group(&self, programme: Option<String>, group: &[String]) {
        for s in group {
            self.publish(s).await;
        }
        if let Some(p) = programme {
            self.publish(&format!("{}{p}", super::programmes::PROGRAMME_EVENTS)).await;
        }
    }

    /// Sends the current state of `slug` to this instance's streams, if it is newer
    /// than what they got.
    /// `slug` may also be a programme's stream (`programme:{slug}`).
    pub async fn publish(&self, slug: &str) {
        if !self.live.is_watched(slug) {
            return;
        }
        if let Some(programme) = slug.strip_prefix(super::programmes::PROGRAMME_EVENTS) {
            let event = match self.programme_event(programme).await {
                Ok(e) => e,
                Err(e) => return tracing::warn!(slug, error = %e, "rendering a programme's live event failed"),
            };
            if self.newer_than_published(slug, event.revision) {
                self.live.send(slug, event);
            }
            return;
        }
        let doc = match self.document(slug).await {
            Ok(d) => d,
            Err(e) => return tracing::warn!(slug, error = %e, "rendering a live event failed"),
        };
        if !self.newer_than_published(slug, doc.revision) {
            return;
        }
        match ProgressEvent::of_document(doc.revision, &doc.body) {
            Ok(event) => self.live.send(slug, event),
            Err(e) => tracing::warn!(slug, error = %e, "a live event failed"),
        }
    }

    /// Whether `revision` is newer than what `key`'s streams got here; if so, it is theirs now.
    fn newer_than_published(&self, key: &str, revision: i64) -> bool {
        let mut published = self.published.lock().expect("published revisions");
        let last = published.entry(key.to_owned()).or_insert(0);
        if *last >= revision {
            return false;
        }
        *last = revision;
        true
    }

    /// A change announced by any instance (this one included): the cached documents of
    /// the cohort and of every cohort that changes with it go, and their streams (and the
    /// programme's) get the new state.
    pub async fn cohort_changed(&self, slug: &str) {
        let (programme, group) = self.cohorts_changed_with(slug).await;
        {
            let mut cache = self.documents.lock().expect("document cache");
            for s in &group {
                cache.invalidate(s);
            }
        }
        self.publish_group(programme, &group).await;
    }

    /// Compares every cached document's revision with the database's and drops those
    /// that moved, then publishes every watched cohort whose revision moved: catches
    /// changes nobody announced (the CLI on the same SQLite file, a notification lost
    /// while an instance's listener reconnected). Run every few seconds; this bounds how
    /// long any instance serves a replaced document.
    pub async fn check_revisions(&self) {
        let cached: Vec<(String, i64)> = {
            let cache = self.documents.lock().expect("document cache");
            cache.documents.iter().map(|(slug, d)| (slug.clone(), d.revision)).collect()
        };
        if !cached.is_empty() {
            // A document's revision is its programme group's where the programme has a row.
            let current = match self.document_revisions().await {
                Ok(c) => c,
                Err(e) => return tracing::warn!(error = %e, "checking cached documents failed; retrying later"),
            };
            for (slug, revision) in cached {
                if current.get(&slug) != Some(&revision) {
                    self.documents.lock().expect("document cache").invalidate(&slug);
                }
            }
        }
        for slug in self.live.watched() {
            self.publish(&slug).await;
        }
    }

    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    pub async fn cohort(&self, slug: &str) -> DomainResult<StoredCohort> {
        self.storage.get_cohort(slug).await?.ok_or_else(|| DomainError::cohort_not_found(slug))
    }

    pub async fn cohorts(&self) -> DomainResult<Vec<StoredCohort>> {
        self.storage.list_cohorts().await
    }

    /// The contract document of a cohort, rendered once per revision and then served
    /// from memory until the cohort is said to have changed (see [`DocumentCache`]).
    pub async fn document(&self, slug: &str) -> DomainResult<Arc<RenderedDocument>> {
        let now = super::now();
        let changes_seen = {
            let cache = self.documents.lock().expect("document cache");
            // A document whose rules change state at a time (a trigger's date, a match
            // window, the close) is rendered anew from then on.
            if let Some(r) = cache.documents.get(slug).filter(|r| r.valid_until.is_none_or(|t| now < t)) {
                return Ok(r.clone());
            }
            cache.changes(slug)
        };
        let base = format!("{}/api/v1/cohorts/{}", self.public_url, slug);
        let mut attempts = 0;
        let (rendered_revision, doc, valid_until) = loop {
            attempts += 1;
            let snapshot = self
                .storage
                .snapshot(slug, RECENT_PLEDGES)
                .await?
                .ok_or_else(|| DomainError::cohort_not_found(slug))?;
            let has_rules = snapshot.cohort.definition.has_rules();
            let mut doc = snapshot.cohort.definition.to_document(
                snapshot.figures,
                &base,
                snapshot.cohort.updated_at.to_rfc3339(),
            );
            // Only rules and a programme's pot need the pledges one by one; without them
            // the maintained figures are the whole document, so a cohort with a million
            // pledges stays cheap.
            let valid_until = if has_rules { self.evaluate_rules(slug, &mut doc, now).await? } else { None };
            // A cohort of a programme with a row: its document has the group's revision
            // and, with a pot, the pot's state from every pledge of the programme.
            let group = self.pot_for_document(slug).await?;
            let own_revision = match &group {
                Some(g) => Some(g.own_revision),
                None if has_rules => self.storage.cohort_revision(slug).await?,
                None => Some(snapshot.cohort.revision),
            };
            let revision = group.as_ref().map_or(snapshot.cohort.revision, |g| g.revision);
            if let Some(pot) = group.and_then(|g| g.pot) {
                doc.pot = Some(pot);
                doc.schema = cofund_core::SCHEMA_V1_1.to_owned();
            }
            // The pledges are read after the snapshot: a pledge in between would be
            // evaluated but not in the totals. Then read both again (a busy cohort gets
            // the last reading after three tries; the next revision corrects it).
            if attempts == 3 || own_revision == Some(snapshot.cohort.revision) {
                break (revision, doc, valid_until);
            }
        };
        // Served only if the shared crate accepts it, exactly as the widget will.
        let doc = Cohort::from_document(doc)
            .map_err(|e| DomainError::Internal(anyhow::anyhow!("cohort {slug} renders to an invalid document: {e}")))?
            .into_document();
        let body = bytes::Bytes::from(serde_json::to_vec(&doc).context("serialising a document")?);
        let etag = format!("\"{}\"", &sha256_hex(&body)[..32]);
        let rendered = Arc::new(RenderedDocument { revision: rendered_revision, valid_until, body, etag });
        let mut cache = self.documents.lock().expect("document cache");
        // Kept only if no change was said while this render read, and never over a newer
        // revision rendered meanwhile.
        if cache.changes(slug) == changes_seen
            && cache.documents.get(slug).is_none_or(|r| r.revision <= rendered.revision)
        {
            cache.documents.insert(slug.to_owned(), rendered.clone());
        }
        Ok(rendered)
    }

    /// The programme document (`cofund/programme@1`) of the programme whose name has this
    /// slug: built from its cohorts' documents as rendered, so every figure is the one
    /// that cohort's widget shows. Rendered per request from the cached cohort documents.
    pub async fn programme_document(&self, slug: &str) -> DomainResult<Box<RenderedDocument>> {
        let cohorts: Vec<StoredCohort> = self
            .cohorts()
            .await?
            .into_iter()
            .filter(|c| programme_slug(&c.definition.programme.name) == slug)
            .collect();
        let Some(first) = cohorts.first() else {
            return Err(DomainError::not_found(format!("Programme {slug:?}")));
        };
        let mut list = Vec::with_capacity(cohorts.len());
        let mut revision = 0i64;
        for c in &cohorts {
            let r = self.document(&c.definition.slug).await?;
            revision = revision.saturating_add(r.revision);
            let text = std::str::from_utf8(&r.body).context("a document is UTF-8")?;
            let cohort =
                Cohort::from_json(text).map_err(|e| DomainError::Internal(anyhow::anyhow!("cohort document: {e}")))?;
            list.push((cohort, format!("{}/api/v1/cohorts/{}", self.public_url, c.definition.slug)));
        }
        let mut doc =
            ProgrammeDocument::build(&first.definition.programme.name, first.definition.programme.url.clone(), &list)
                .map_err(|e| DomainError::Internal(anyhow::anyhow!("programme {slug}: {e}")))?;
        // The programme's own settings: its pot (allocated now) and impact figures.
        if let Some(group_revision) = self.programme_extras(slug, &mut doc).await? {
            revision = group_revision;
        }
        let body = bytes::Bytes::from(serde_json::to_vec(&doc).context("serialising a programme document")?);
        let etag = format!("\"{}\"", &sha256_hex(&body)[..32]);
        Ok(Box::new(RenderedDocument { revision, valid_until: None, body, etag }))
    }

    /// Fills in every stakeholder's rule evaluation from the cohort's pledges in their
    /// order (`cofund-core` computes it); returns until when it holds.
    async fn evaluate_rules(
        &self,
        slug: &str,
        doc: &mut CohortDocument,
        now: Timestamp,
    ) -> DomainResult<Option<Timestamp>> {
        let pledges = self.all_pledges(slug).await?;
        let donors: Vec<String> = pledges.iter().map(|p| super::backer_key(&p.email)).collect();
        let gifts = super::programmes::gifts(&pledges, &donors);
        let closes_at = Timestamp::parse_rfc3339(&doc.campaign.closes_at)
            .ok_or_else(|| DomainError::Internal(anyhow::anyhow!("cohort {slug} has an unreadable close")))?;
        let target = cofund_core::progress::crowd_target_cents(doc.budget_cents, doc.crowd.target_share_bps);
        let setting = Setting { crowd_target_cents: target, closes_at, now };
        let mut valid_until: Option<Timestamp> = None;
        for s in doc.stakeholders.iter_mut().filter(|s| !s.rules.is_empty()) {
            s.evaluation = Some(rules::evaluate(&s.rules, &setting, &gifts));
            if let Some(t) = rules::next_change(&s.rules, closes_at, now) {
                valid_until = Some(valid_until.map_or(t, |v| v.min(t)));
            }
        }
        Ok(valid_until)
    }

    /// Records a donor's pledge once per idempotency key. The body is read with
    /// `cofund-core`'s rules; the key is looked up once, under the write, together with
    /// the campaign check, so concurrent retries make one pledge and a retry after the
    /// campaign closed still gets its first answer.
    /// `cohort` is the cohort as the caller read it (for its limits; the write checks the
    /// campaign again on the cohort as stored then).
    pub async fn pledge(
        &self,
        cohort: &StoredCohort,
        key: &IdempotencyKey,
        body: &serde_json::Value,
        now: Timestamp,
    ) -> DomainResult<PledgeOutcome> {
        let slug = cohort.definition.slug.as_str();
        if !body.is_object() {
            return Err(DomainError::refused(ErrorCode::MalformedJson, "The request body must be a JSON object."));
        }
        let crowd = &cohort.definition.crowd;
        let request = read_pledge_request(body, crowd.min_cents, crowd.max_cents).map_err(DomainError::Invalid)?;
        // The canonical body: the request as the server understood it, re-serialised.
        let request_hash = sha256_hex(&serde_json::to_vec(&request).context("serialising a pledge request")?);
        let valid = validate_pledge(&request, crowd.min_cents, crowd.max_cents);
        let admission =
            PledgeAdmission { now, online_payment_base: self.online_payment_base(slug), mailing: self.mailing.clone() };
        // The donor's language for e-mail (the widget's), if it is one we write.
        let locale =
            request.locale.as_deref().map(|l| super::mail::message_locale(Some(l), &cohort.definition).to_owned());
        let new = valid.map(|pledge| NewPledge {
            pledge,
            status: PledgeStatus::Pledged,
            message_hidden: false,
            locale,
            created_at: now,
        });
        let outcome = self.storage.create_pledge(slug, key, &request_hash, new, &admission).await?;
        if matches!(outcome, PledgeOutcome::Created(_)) {
            self.changed(slug).await;
        }
        Ok(outcome)
    }

    pub async fn public_pledges(&self, slug: &str, cursor: Option<Cursor>, limit: u32) -> DomainResult<Vec<PledgeRow>> {
        self.storage.public_pledges(slug, cursor, limit).await?.ok_or_else(|| DomainError::cohort_not_found(slug))
    }

    pub async fn all_pledges(&self, slug: &str) -> DomainResult<Vec<PledgeRow>> {
        self.storage.all_pledges(slug).await?.ok_or_else(|| DomainError::cohort_not_found(slug))
    }

    /// A pledge and the programme of its cohort.
    pub async fn pledge_row(&self, id: &str) -> DomainResult<(PledgeRow, String)> {
        self.storage.get_pledge(id).await?.ok_or_else(|| DomainError::not_found(format!("Pledge {id:?}")))
    }

    /// Changes a pledge as a coordinator says. A pledge cancelled or received by
    /// transfer must not be paid online as well: its open payments are cancelled at the
    /// provider (see [`Cofund::cancel_open_payments`]).
    pub async fn change_pledge(&self, id: &str, change: PledgeChange, now: Timestamp) -> DomainResult<PledgeRow> {
        let row = self
            .storage
            .change_pledge(id, now, self.decision(now, move |current| super::pledging::apply_change(current, change)))
            .await?;
        self.changed(&row.cohort_slug).await;
        if matches!(change, PledgeChange::Cancel | PledgeChange::Confirm) {
            self.cancel_open_payments(&row.id, now).await;
        }
        Ok(row)
    }

    /// Creates or replaces a cohort from a definition sent for `slug` (see
    /// [`cohorts::accept_definition`]).
    pub async fn put_cohort(
        &self,
        slug: Option<&str>,
        def: CohortDefinition,
        now: Timestamp,
    ) -> DomainResult<(PutOutcome, CohortDefinition)> {
        let def = cohorts::accept_definition(slug, def)?;
        let outcome = self.storage.put_cohort(&def, now).await?;
        self.changed(&def.slug).await;
        Ok((outcome, def))
    }

    /// `expected_revision`: the revision the change was based on (the dashboard sends
    /// it); a cohort changed since is refused `stale_revision` and nothing is written.
    pub(super) async fn edit(
        &self,
        slug: &str,
        now: Timestamp,
        expected_revision: Option<i64>,
        edit: DefinitionEdit,
    ) -> DomainResult<CohortDefinition> {
        let def = self.storage.edit_cohort(slug, now, expected_revision, cohorts::validated(slug, edit)).await?;
        self.changed(slug).await;
        Ok(def)
    }

    /// Adds or replaces a stakeholder; returns whether it is new.
    /// Field errors name the stakeholder's own fields (`rules[0].ratio_bps`), as the
    /// request wrote them.
    pub async fn put_stakeholder(
        &self,
        slug: &str,
        stakeholder: Stakeholder,
        expected_revision: Option<i64>,
        now: Timestamp,
    ) -> DomainResult<bool> {
        cofund_core::validate_stakeholder(&stakeholder).map_err(DomainError::Invalid)?;
        let created = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = created.clone();
        self.edit(
            slug,
            now,
            expected_revision,
            Box::new(move |def| {
                flag.store(cohorts::upsert_stakeholder(def, stakeholder), std::sync::atomic::Ordering::SeqCst);
                Ok(())
            }),
        )
        .await
        .map_err(|e| match e {
            // What only the cohort can tell (a trigger's date after its close).
            DomainError::Invalid(errors) => DomainError::Invalid(errors.into_iter().map(own_field).collect()),
            other => other,
        })?;
        Ok(created.load(std::sync::atomic::Ordering::SeqCst))
    }

    pub async fn change_own_contributions(
        &self,
        slug: &str,
        change: OwnContributionChange,
        expected_revision: Option<i64>,
        now: Timestamp,
    ) -> DomainResult<OwnContributions> {
        let def = self
            .edit(slug, now, expected_revision, Box::new(move |def| cohorts::apply_own_contribution(def, &change)))
            .await?;
        Ok(def.own_contributions)
    }

    pub async fn create_token(
        &self,
        programme: Option<String>,
        label: Option<String>,
        now: Timestamp,
    ) -> DomainResult<(TokenInfo, String)> {
        // One rule for the admin API and the CLI: a programme is named as a cohort
        // definition names it (core's free-text rule), the label is an optional text.
        let mut errors = Vec::new();
        if let Some(problem) = programme.as_deref().and_then(|p| text_problem(p, true, MAX_TEXT_CHARS, false)) {
            errors.push(FieldError::new("programme", problem));
        }
        if let Some(problem) = label.as_deref().and_then(|l| text_problem(l, false, MAX_TEXT_CHARS, false)) {
            errors.push(FieldError::new("label", problem));
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        self.storage.create_token(programme, label, now).await
    }

    /// Marks the listed pledges of `slug` received (bank reconciliation). Every id is
    /// checked first (it exists, belongs to this cohort, is still pledged), so a list
    /// with a wrong entry changes nothing; then each is marked in its own transaction.
    pub async fn confirm_pledges(&self, slug: &str, ids: &[String], now: Timestamp) -> DomainResult<Vec<PledgeRow>> {
        let mut errors = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let problem = match self.storage.get_pledge(id).await? {
                None => Some(cofund_core::Problem::Format { expected: "a pledge of this cohort".into() }),
                Some((row, _)) if row.cohort_slug != slug => {
                    Some(cofund_core::Problem::Format { expected: "a pledge of this cohort".into() })
                }
                Some((row, _)) if row.status != PledgeStatus::Pledged => {
                    Some(cofund_core::Problem::Inconsistent { with: format!("its status {}", row.status.as_str()) })
                }
                Some(_) => None,
            };
            if let Some(p) = problem {
                errors.push(cofund_core::FieldError::new(format!("pledges[{i}]"), p));
            }
        }
        if ids.is_empty() {
            errors.push(cofund_core::FieldError::new("pledges", cofund_core::Problem::Required));
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            rows.push(
                self.storage
                    .change_pledge(
                        id,
                        now,
                        self.decision(now, |current| super::pledging::apply_change(current, PledgeChange::Confirm)),
                    )
                    .await?,
            );
        }
        self.changed(slug).await;
        for row in &rows {
            self.cancel_open_payments(&row.id, now).await;
        }
        Ok(rows)
    }

    /// A single-use sign-in link's secret, valid for `hours`. The programme or cohort
    /// must exist, so a typo does not make a link to nothing.
    pub async fn create_login_link(&self, grant: &Grant, hours: i64, now: Timestamp) -> DomainResult<String> {
        if !(1..=24 * 30).contains(&hours) {
            return Err(DomainError::Invalid(vec![cofund_core::FieldError::new(
                "hours",
                cofund_core::Problem::OutOfRange { min: 1, max: 24 * 30 },
            )]));
        }
        let cohorts = self.cohorts().await?;
        let exists = match (&grant.programme, &grant.cohort) {
            (_, Some(slug)) => cohorts.iter().any(|c| &c.definition.slug == slug),
            (Some(p), None) => cohorts.iter().any(|c| &c.definition.programme.name == p),
            (None, None) => true,
        };
        if !exists {
            let what = grant
                .cohort
                .as_ref()
                .map(|s| format!("Cohort {s:?}"))
                .or_else(|| grant.programme.as_ref().map(|p| format!("Programme {p:?}")));
            return Err(DomainError::not_found(what.unwrap_or_default()));
        }
        let (secret, hash) = access::new_link_secret();
        self.storage.create_login_link(&hash, grant, now, access::expires(now, hours)).await?;
        Ok(secret)
    }

    /// `token_id`: the admin token the session is started with (its revocation ends the
    /// session too).
    async fn start_session(
        &self,
        grant: Grant,
        token_id: Option<&str>,
        now: Timestamp,
    ) -> DomainResult<(SessionInfo, String)> {
        let (id, secret, hash, csrf_token) = access::new_session_secret();
        let session = SessionInfo {
            id,
            grant,
            csrf_token,
            created_at: now,
            expires_at: access::expires(now, access::SESSION_HOURS),
            revoked_at: None,
        };
        self.storage.create_session(&session, &hash, token_id).await?;
        Ok((session, secret))
    }

    /// Redeems a sign-in link (once) and starts a session: the session and its cookie secret.
    pub async fn sign_in_with_link(
        &self,
        link_secret: &str,
        now: Timestamp,
    ) -> DomainResult<Result<(SessionInfo, String), LinkProblem>> {
        let hash = sha256_hex(link_secret.trim().as_bytes());
        match self.storage.redeem_login_link(&hash, now).await? {
            Ok(grant) => Ok(Ok(self.start_session(grant, None, now).await?)),
            Err(p) => Ok(Err(p)),
        }
    }

    /// Starts a coordinator session from an admin token (the dashboard's sign-in page),
    /// limited as the token is; `None` for an unknown or revoked token.
    pub async fn sign_in_with_token(
        &self,
        token_secret: &str,
        now: Timestamp,
    ) -> DomainResult<Option<(SessionInfo, String)>> {
        match self.storage.token_by_secret(token_secret.trim()).await? {
            Some(t) => Ok(Some(self.start_session(Grant::coordinator(t.programme.clone()), Some(&t.id), now).await?)),
            None => Ok(None),
        }
    }

    pub async fn session(&self, secret: &str, now: Timestamp) -> DomainResult<Option<SessionInfo>> {
        self.storage.session_by_secret(secret, now).await
    }

    /// Ends a session on the server: its cookie no longer works.
    pub async fn end_session(&self, id: &str, now: Timestamp) -> DomainResult<SessionInfo> {
        self.storage.revoke_session(id, now).await
    }

    pub async fn sessions(&self) -> DomainResult<Vec<SessionInfo>> {
        self.storage.list_sessions().await
    }
}
