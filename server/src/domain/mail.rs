//! E-mail to donors: which messages a change causes, the outbox record that storage
//! keeps, the reminder rule and the signed unsubscribe link. Composing the text is
//! `crate::mail::compose`; delivering it is `crate::mail::sender`.
//!
//! What is guaranteed: a message is written to the outbox in the same transaction as
//! the change that causes it (the pledge, its status change), so a committed change
//! always has its message and a rolled-back one never does. The sender claims a message
//! (a lease; on PostgreSQL `FOR UPDATE SKIP LOCKED`), sends it and marks it sent after
//! the SMTP server accepted it. A message is therefore sent exactly once unless the
//! sender dies (or loses the database) between the SMTP server's acceptance and the
//! mark: then the lease runs out and it is sent again (at-least-once), with the same
//! `Message-ID`, so the duplicate is recognisable.

use super::{backer_key, hex, random_bytes, Cofund, CohortDefinition, DomainError, DomainResult};
use crate::domain::store::{PledgeRow, StoredCohort};
pub use crate::mail::compose::NewsContent;
use cofund_core::api::PledgeStatus;
use cofund_core::Timestamp;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Days after which an unreceived transfer pledge is reminded, unless the cohort says.
pub const DEFAULT_REMINDER_DAYS: u32 = 5;
/// Reminders per pledge at most.
pub const MAX_REMINDERS: i64 = 2;
/// News messages a minute, unless the settings say (`mail_news_per_minute`).
pub const DEFAULT_NEWS_PER_MINUTE: u32 = 60;
/// A closed campaign is announced only within this long after its close, so turning
/// e-mail on (or upgrading) does not announce campaigns that closed long ago.
pub const CLOSED_NEWS_WITHIN_SECS: i64 = 7 * 86_400;
/// Days a link to the donor's own page (data, statement) is valid from its message.
pub const DONOR_LINK_DAYS: i64 = 60;
/// Longest subject and text of a coordinator's news update.
pub const NEWS_SUBJECT_MAX_CHARS: usize = 120;
pub const NEWS_BODY_MAX_CHARS: usize = 5_000;

/// Hex to bytes; `None` unless it is hex.
fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// The pledge with its transfer details.
    Confirmation,
    /// The transfer has not arrived after the cohort's reminder period.
    Reminder,
    /// The money was received.
    ThankYou,
    /// The cohort's news (target reached, campaign closed, the coordinator's update),
    /// only to donors who opted in and did not unsubscribe.
    News,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Confirmation => "confirmation",
            MessageKind::Reminder => "reminder",
            MessageKind::ThankYou => "thank_you",
            MessageKind::News => "news",
        }
    }

    pub fn parse(s: &str) -> Option<MessageKind> {
        Some(match s {
            "confirmation" => MessageKind::Confirmation,
            "reminder" => MessageKind::Reminder,
            "thank_you" => MessageKind::ThankYou,
            "news" => MessageKind::News,
            _ => return None,
        })
    }

    /// Receipts of the donor's own pledge and payment go also to donors who
    /// unsubscribed; everything else does not.
    pub fn is_receipt(self) -> bool {
        matches!(self, MessageKind::Confirmation | MessageKind::ThankYou)
    }
}

/// A message as the outbox keeps it: composed once, sent as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// `ob_…`.
    pub id: String,
    /// `<ob_…@host>`, the same on every attempt.
    pub message_id: String,
    pub kind: MessageKind,
    pub pledge_id: Option<String>,
    pub cohort_slug: String,
    pub locale: String,
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// For the `List-Unsubscribe` header.
    pub unsubscribe_url: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    Waiting,
    Sent,
    Failed,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Waiting => "waiting",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxStatus> {
        Some(match s {
            "waiting" => OutboxStatus::Waiting,
            "sent" => OutboxStatus::Sent,
            "failed" => OutboxStatus::Failed,
            _ => return None,
        })
    }
}

/// A message with its delivery state.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub message: OutboxMessage,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// News queued for a cohort's donors.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsRecord {
    /// `nw_…`.
    pub id: String,
    pub cohort_slug: String,
    /// `target_reached`, `closed` or `update_…`.
    pub key: String,
    /// The coordinator's subject, or the key of automatic news.
    pub subject: String,
    /// Messages queued.
    pub recipients: i64,
    pub created_at: Timestamp,
}

/// A coordinator's update, checked: subject and text required, within their limits,
/// the subject without control characters.
pub fn news_update(subject: &str, body: &str) -> DomainResult<NewsContent> {
    use cofund_core::error::{FieldError, Problem};
    let (subject, body) = (subject.trim(), body.trim());
    let mut errors = Vec::new();
    cofund_core::text::check_text(&mut errors, "subject", subject, true, NEWS_SUBJECT_MAX_CHARS as u32);
    if body.is_empty() {
        errors.push(FieldError::new("body", Problem::Required));
    } else if body.chars().count() > NEWS_BODY_MAX_CHARS {
        errors.push(FieldError::new("body", Problem::TooLong { max: NEWS_BODY_MAX_CHARS as u32 }));
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(NewsContent::Update { subject: subject.to_owned(), body: body.to_owned() })
}

/// A pledge that may be due a reminder, with the reminders it already has.
#[derive(Debug, Clone)]
pub struct ReminderCandidate {
    pub pledge: PledgeRow,
    pub reminders: i64,
    pub last_reminder_at: Option<Timestamp>,
    pub unsubscribed: bool,
}

/// The reminder rule: a pledge still `pledged` gets its first reminder `days` after it
/// was made and its second `days` after the first; never more than [`MAX_REMINDERS`],
/// never to a donor who unsubscribed.
pub fn reminder_due(c: &ReminderCandidate, days: u32, now: Timestamp) -> bool {
    let period = i64::from(days.max(1)) * 86_400;
    let since = c.last_reminder_at.unwrap_or(c.pledge.created_at);
    c.pledge.status == PledgeStatus::Pledged
        && !c.unsubscribed
        && c.reminders < MAX_REMINDERS
        && now.0 - since.0 >= period
}

/// The messages a status change causes: received → a thank-you. Cancelling causes
/// none (and stops reminders, which only go to pledged pledges).
pub fn on_status_change(before: PledgeStatus, after: PledgeStatus) -> Option<MessageKind> {
    (before != PledgeStatus::Received && after == PledgeStatus::Received).then_some(MessageKind::ThankYou)
}

/// `nl-NL` or `en-GB`: the donor's language if they gave one we write, else the cohort's.
pub fn message_locale(pledge: Option<&str>, cohort: &CohortDefinition) -> &'static str {
    let pick = |l: &str| {
        let l = l.trim().to_ascii_lowercase();
        if l.starts_with("en") {
            Some("en-GB")
        } else if l.starts_with("nl") {
            Some("nl-NL")
        } else {
            None
        }
    };
    pledge.and_then(pick).or_else(|| cohort.locale.as_deref().and_then(pick)).unwrap_or("nl-NL")
}

/// What composing needs besides the pledge and its cohort: where links point, the key
/// that signs them, the reply-to address and the host of Message-IDs.
#[derive(Clone)]
pub struct Mailing {
    pub public_url: String,
    pub reply_to: Option<String>,
    /// The domain part of `Message-ID`s (the sender address's).
    pub message_id_host: String,
    /// News is sent at most this many messages a minute (its messages are queued due
    /// one after another at this pace, so every instance's sender keeps to it).
    pub news_per_minute: u32,
    key: [u8; 32],
}

impl std::fmt::Debug for Mailing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mailing {{ public_url: {:?}, reply_to: {:?}, key: … }}", self.public_url, self.reply_to)
    }
}

type HmacSha256 = Hmac<Sha256>;

impl Mailing {
    /// `key_hex`: the unsubscribe-link key as stored (64 hex digits).
    pub fn new(
        public_url: String,
        reply_to: Option<String>,
        message_id_host: String,
        key_hex: &str,
    ) -> anyhow::Result<Mailing> {
        let bytes: Vec<u8> = (0..key_hex.len())
            .step_by(2)
            .map(|i| key_hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
            .collect::<Option<_>>()
            .ok_or_else(|| anyhow::anyhow!("the stored mail key is not hex"))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| anyhow::anyhow!("the stored mail key is not 32 bytes"))?;
        Ok(Mailing { public_url, reply_to, message_id_host, news_per_minute: DEFAULT_NEWS_PER_MINUTE, key })
    }

    /// A fresh key, hex (stored once per database: every instance signs alike).
    pub fn new_key() -> String {
        hex(&random_bytes::<32>())
    }

    /// The one signing rule of every link in a message: HMAC-SHA256 over
    /// `cofund-PURPOSE\0BACKER` and, for a link that expires, `\0EXPIRES` (Unix seconds).
    /// (The unsubscribe link has no expiry: a mail client's one-click unsubscribe must
    /// work however old the message.)
    fn mac(&self, purpose: &str, backer: &str, expires: Option<i64>) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"cofund-");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(backer.as_bytes());
        if let Some(x) = expires {
            mac.update(b"\0");
            mac.update(x.to_string().as_bytes());
        }
        mac
    }

    /// `e=…&t=…` (and `&x=…` when it expires): the backer, hex, and the signature.
    fn signed_query(&self, purpose: &str, backer: &str, expires: Option<i64>) -> String {
        let t = hex(&self.mac(purpose, backer, expires).finalize().into_bytes());
        match expires {
            Some(x) => format!("e={}&x={x}&t={t}", hex(backer.as_bytes())),
            None => format!("e={}&t={t}", hex(backer.as_bytes())),
        }
    }

    /// The backer a signed query names, if the signature is right and it has not
    /// expired at `now`.
    fn verify(&self, purpose: &str, e: &str, x: Option<&str>, t: &str, now: Timestamp) -> Option<String> {
        let backer = String::from_utf8(unhex(e)?).ok()?;
        let expires = match x {
            Some(x) => Some(x.parse::<i64>().ok()?),
            None => None,
        };
        self.mac(purpose, &backer, expires).verify_slice(&unhex(t)?).ok()?;
        if expires.is_some_and(|x| now.0 >= x) {
            return None;
        }
        Some(backer)
    }

    /// The donor's unsubscribe link: their address and its signature.
    pub fn unsubscribe_url(&self, email: &str) -> String {
        format!("{}/mail/unsubscribe?{}", self.public_url, self.signed_query("unsubscribe", &backer_key(email), None))
    }

    /// The backer key a link names, if its signature is right.
    pub fn verify_unsubscribe(&self, e: &str, t: &str) -> Option<String> {
        self.verify("unsubscribe", e, None, t, Timestamp(0))
    }

    /// The link to the donor's own page (their pledges, the JSON download, erasing,
    /// the gift statement), valid [`DONOR_LINK_DAYS`] from `now`.
    pub fn donor_url(&self, email: &str, now: Timestamp) -> String {
        let expires = now.0 + DONOR_LINK_DAYS * 86_400;
        format!("{}/mail/donor?{}", self.public_url, self.signed_query("donor", &backer_key(email), Some(expires)))
    }

    /// The backer key a donor link names, if signed and not expired at `now`.
    pub fn verify_donor(&self, e: &str, x: &str, t: &str, now: Timestamp) -> Option<String> {
        self.verify("donor", e, Some(x), t, now)
    }

    /// Composes a news message to the donor of `pledge` (their latest opted-in pledge
    /// of `cohort`).
    pub fn news_message(
        &self,
        content: &NewsContent,
        cohort: &CohortDefinition,
        pledge: &PledgeRow,
        now: Timestamp,
    ) -> OutboxMessage {
        let locale = message_locale(pledge.locale.as_deref(), cohort);
        let unsubscribe_url = self.unsubscribe_url(&pledge.email);
        let composed = crate::mail::compose::compose_news(
            content,
            locale,
            cohort,
            pledge.name.as_deref(),
            &unsubscribe_url,
            &self.donor_url(&pledge.email, now),
        );
        self.outbox_message(MessageKind::News, cohort, pledge, locale, composed, unsubscribe_url, now)
    }

    #[allow(clippy::too_many_arguments)]
    fn outbox_message(
        &self,
        kind: MessageKind,
        cohort: &CohortDefinition,
        pledge: &PledgeRow,
        locale: &str,
        composed: crate::mail::compose::Composed,
        unsubscribe_url: String,
        now: Timestamp,
    ) -> OutboxMessage {
        let id = format!("ob_{}", super::base32(&random_bytes::<10>()).to_ascii_lowercase());
        OutboxMessage {
            message_id: format!("<{id}.{}@{}>", kind.as_str().replace('_', "-"), self.message_id_host),
            id,
            kind,
            pledge_id: Some(pledge.id.clone()),
            cohort_slug: cohort.slug.clone(),
            locale: locale.to_owned(),
            recipient: pledge.email.clone(),
            recipient_name: pledge.name.clone(),
            reply_to: cohort.reply_to.clone().or_else(|| self.reply_to.clone()),
            subject: composed.subject,
            text_body: composed.text,
            html_body: composed.html,
            unsubscribe_url: Some(unsubscribe_url),
            created_at: now,
        }
    }

    /// Composes `kind` for a pledge of `cohort` into an outbox message made at `now`.
    pub fn message(
        &self,
        kind: MessageKind,
        cohort: &CohortDefinition,
        pledge: &PledgeRow,
        now: Timestamp,
    ) -> OutboxMessage {
        let locale = message_locale(pledge.locale.as_deref(), cohort);
        let unsubscribe_url = self.unsubscribe_url(&pledge.email);
        let donor_url = self.donor_url(&pledge.email, now);
        let composed = crate::mail::compose::compose(kind, locale, cohort, pledge, &unsubscribe_url, &donor_url);
        self.outbox_message(kind, cohort, pledge, locale, composed, unsubscribe_url, now)
    }
}

impl Cofund {
    /// The outbox's messages, newest first (at most `limit`), of one cohort or all.
    pub async fn outbox(&self, slug: Option<&str>, limit: u32) -> DomainResult<Vec<OutboxEntry>> {
        self.storage().outbox(slug, limit).await
    }

    /// Queues the reminders due at `now` (see [`reminder_due`]); returns how many. Only
    /// pledges that had a confirmation by e-mail are reminded: turning e-mail on for a
    /// database with older pledges (or the demo's seeded ones) writes to nobody. Each
    /// is written in a transaction that checks again that the pledge is still pledged
    /// and has no newer reminder, so two instances running this at once queue one.
    /// `due_at`: when the sender may send them (the real clock when `now` is injected).
    pub async fn queue_reminders(&self, now: Timestamp, due_at: Timestamp) -> DomainResult<usize> {
        let Some(mailing) = self.mailing.clone() else {
            return Ok(0);
        };
        let mut queued = 0;
        for cohort in self.cohorts().await? {
            let def = &cohort.definition;
            let days = def.reminder_days.unwrap_or(DEFAULT_REMINDER_DAYS);
            let cutoff = Timestamp(now.0 - i64::from(days.max(1)) * 86_400);
            for c in self.storage().reminder_candidates(&def.slug, cutoff).await? {
                if !reminder_due(&c, days, now) {
                    continue;
                }
                let message = mailing.message(MessageKind::Reminder, def, &c.pledge, now);
                if self.storage().queue_reminder(&c.pledge.id, c.reminders, &message, due_at).await? {
                    queued += 1;
                }
            }
        }
        Ok(queued)
    }

    /// Queues the cohorts' automatic news due at `now`, each once per cohort: the
    /// campaign closed (within [`CLOSED_NEWS_WITHIN_SECS`] of its close), else the crowd
    /// reached its target while open. Returns how many messages were queued.
    /// `due_at`: when the sender may start sending them (the real clock when `now` is
    /// injected).
    pub async fn queue_automatic_news(&self, now: Timestamp, due_at: Timestamp) -> DomainResult<usize> {
        if self.mailing.is_none() {
            return Ok(0);
        }
        let mut queued = 0;
        for cohort in self.cohorts().await? {
            let slug = cohort.definition.slug.clone();
            let rendered = self.document(&slug).await?;
            let text = std::str::from_utf8(&rendered.body).map_err(|e| DomainError::Internal(e.into()))?;
            let doc = cofund_core::Cohort::from_json(text)
                .map_err(|e| DomainError::Internal(anyhow::anyhow!("cohort document: {e}")))?;
            let crowd = &doc.summary().crowd;
            let closes_at = doc.closes_at();
            let (key, content) = if now >= closes_at {
                if now.0 - closes_at.0 > CLOSED_NEWS_WITHIN_SECS {
                    continue;
                }
                let content = NewsContent::Closed {
                    pledged_cents: crowd.pledged_cents,
                    target_cents: crowd.target_cents,
                    backers: crowd.backers,
                    target_met: crowd.target_met,
                };
                ("closed", content)
            } else if crowd.target_met && now >= doc.opens_at() {
                let content = NewsContent::TargetReached {
                    pledged_cents: crowd.pledged_cents,
                    target_cents: crowd.target_cents,
                    backers: crowd.backers,
                };
                ("target_reached", content)
            } else {
                continue;
            };
            if let Some(n) = self.queue_news(&cohort, key, &content, now, due_at).await? {
                tracing::info!(cohort = %slug, news = key, messages = n, "news queued");
                queued += n;
            }
        }
        Ok(queued)
    }

    /// Queues a coordinator's news update to every donor of the cohort who opted in;
    /// returns how many messages. Subject and text are required, on the limits of
    /// [`NEWS_SUBJECT_MAX_CHARS`] and [`NEWS_BODY_MAX_CHARS`].
    pub async fn send_news_update(&self, slug: &str, subject: &str, body: &str, now: Timestamp) -> DomainResult<usize> {
        let content = news_update(subject, body)?;
        let cohort = self.cohort(slug).await?;
        let key = format!("update_{}", hex(&random_bytes::<8>()));
        Ok(self.queue_news(&cohort, &key, &content, now, now).await?.unwrap_or(0))
    }

    /// A news update as a donor would get it, without sending it: the subject, text
    /// and HTML in `locale`, to an example donor.
    pub async fn preview_news_update(
        &self,
        slug: &str,
        subject: &str,
        body: &str,
        locale: &str,
    ) -> DomainResult<crate::mail::compose::Composed> {
        let content = news_update(subject, body)?;
        let cohort = self.cohort(slug).await?;
        let locale = message_locale(Some(locale), &cohort.definition);
        let (unsubscribe, donor) = match &self.mailing {
            Some(m) => (m.unsubscribe_url("voorbeeld@example.org"), m.donor_url("voorbeeld@example.org", super::now())),
            None => ("#".to_owned(), "#".to_owned()),
        };
        Ok(crate::mail::compose::compose_news(
            &content,
            locale,
            &cohort.definition,
            Some(if locale.starts_with("en") { "Sam" } else { "Fatima" }),
            &unsubscribe,
            &donor,
        ))
    }

    /// Sends a news update once to the coordinator's address (the cohort's reply-to,
    /// else the server's), to check it before it goes to the donors. Returns the address.
    pub async fn test_news_update(
        &self,
        slug: &str,
        subject: &str,
        body: &str,
        locale: &str,
        now: Timestamp,
    ) -> DomainResult<String> {
        let content = news_update(subject, body)?;
        let Some(mailing) = self.mailing.clone() else {
            return Err(DomainError::refused(
                cofund_core::api::ErrorCode::InvalidTransition,
                "E-mail is off on this server: no SMTP server is configured.",
            ));
        };
        let cohort = self.cohort(slug).await?;
        let Some(to) = cohort.definition.reply_to.clone().or_else(|| mailing.reply_to.clone()) else {
            return Err(DomainError::refused(
                cofund_core::api::ErrorCode::InvalidTransition,
                "No coordinator address: set the cohort's reply_to (or the server's reply_to).",
            ));
        };
        // The address only: a reply-to may be written `Name <address>`.
        let address = to.rsplit_once('<').map(|(_, a)| a.trim_end_matches('>').trim().to_owned()).unwrap_or(to);
        let example = PledgeRow {
            seq: 0,
            id: String::new(),
            cohort_slug: slug.to_owned(),
            amount_cents: 0,
            name: None,
            show_name: false,
            show_amount: false,
            email: address.clone(),
            message: None,
            message_hidden: false,
            status: PledgeStatus::Pledged,
            reference: String::new(),
            locale: Some(locale.to_owned()),
            news: true,
            anonymised_at: None,
            created_at: now,
            updated_at: now,
        };
        let mut message = mailing.news_message(&content, &cohort.definition, &example, now);
        message.pledge_id = None;
        message.subject = crate::mail::compose::one_line(
            &format!("[test] {}", message.subject),
            crate::mail::compose::MAX_SUBJECT_CHARS,
        );
        self.storage().queue_outbox(&message, now).await?;
        Ok(address)
    }

    /// Composes `content` for every donor of `cohort` who asked for news and queues it
    /// under `key` (once per cohort and key), paced at the mailing's `news_per_minute`.
    /// `None`: this news was queued before. The first message is due at `due_at`.
    async fn queue_news(
        &self,
        cohort: &StoredCohort,
        key: &str,
        content: &NewsContent,
        now: Timestamp,
        due_at: Timestamp,
    ) -> DomainResult<Option<usize>> {
        let Some(mailing) = self.mailing.clone() else {
            return Ok(Some(0));
        };
        let def = &cohort.definition;
        let recipients = self.storage().news_recipients(&def.slug).await?;
        let per_minute = i64::from(mailing.news_per_minute.max(1));
        let messages: Vec<(OutboxMessage, Timestamp)> = recipients
            .iter()
            .enumerate()
            .map(|(i, p)| {
                // Message i is due i/per_minute minutes from now: batches at the pace set.
                let due = Timestamp(due_at.0 + i64::try_from(i).unwrap_or(i64::MAX / 60) * 60 / per_minute);
                (mailing.news_message(content, def, p, now), due)
            })
            .collect();
        let subject = match content {
            NewsContent::Update { subject, .. } => crate::mail::compose::one_line(subject, NEWS_SUBJECT_MAX_CHARS),
            _ => key.to_owned(),
        };
        let record = NewsRecord {
            id: format!("nw_{}", hex(&random_bytes::<8>())),
            cohort_slug: def.slug.clone(),
            key: key.to_owned(),
            subject,
            recipients: 0,
            created_at: now,
        };
        self.storage().queue_news(&record, &messages).await
    }

    /// Sends a failed message of `slug` again (a coordinator's retry, after fixing
    /// what made it fail).
    pub async fn retry_message(&self, slug: &str, id: &str, now: Timestamp) -> DomainResult<()> {
        if self.storage().retry_outbox(slug, id, now).await? {
            Ok(())
        } else {
            Err(DomainError::not_found(format!("Failed message {id:?} of cohort {slug:?}")))
        }
    }

    /// The news queued for a cohort, newest first.
    pub async fn news_of(&self, slug: &str) -> DomainResult<Vec<NewsRecord>> {
        self.storage().news_of(slug).await
    }

    /// Stops every message but receipts to the backer a signed link names; `false` for
    /// a link whose signature is wrong.
    pub async fn unsubscribe(&self, e: &str, t: &str, now: Timestamp) -> DomainResult<bool> {
        let Some(mailing) = &self.mailing else {
            return Ok(false);
        };
        let Some(backer) = mailing.verify_unsubscribe(e, t) else {
            return Ok(false);
        };
        self.storage().unsubscribe(&backer, now).await?;
        tracing::info!("a donor unsubscribed");
        Ok(true)
    }

    /// The messages a new pledge causes.
    pub(super) fn messages_for_new(
        mailing: &Mailing,
        cohort: &StoredCohort,
        row: &PledgeRow,
        now: Timestamp,
    ) -> Vec<OutboxMessage> {
        vec![mailing.message(MessageKind::Confirmation, &cohort.definition, row, now)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(status: PledgeStatus, reminders: i64, last: Option<i64>) -> ReminderCandidate {
        ReminderCandidate {
            pledge: PledgeRow {
                seq: 1,
                id: "pl_1".into(),
                cohort_slug: "c".into(),
                amount_cents: 2500,
                name: None,
                show_name: false,
                show_amount: true,
                email: "a@b.nl".into(),
                message: None,
                message_hidden: false,
                status,
                reference: "S4C-1".into(),
                locale: None,
                news: false,
                anonymised_at: None,
                created_at: Timestamp(0),
                updated_at: Timestamp(0),
            },
            reminders,
            last_reminder_at: last.map(Timestamp),
            unsubscribed: false,
        }
    }

    #[test]
    fn reminders_after_the_period_at_most_twice_only_while_pledged() {
        let day = 86_400;
        assert!(!reminder_due(&candidate(PledgeStatus::Pledged, 0, None), 5, Timestamp(5 * day - 1)));
        assert!(reminder_due(&candidate(PledgeStatus::Pledged, 0, None), 5, Timestamp(5 * day)));
        assert!(!reminder_due(&candidate(PledgeStatus::Pledged, 1, Some(5 * day)), 5, Timestamp(9 * day)));
        assert!(reminder_due(&candidate(PledgeStatus::Pledged, 1, Some(5 * day)), 5, Timestamp(10 * day)));
        assert!(!reminder_due(&candidate(PledgeStatus::Pledged, 2, Some(10 * day)), 5, Timestamp(100 * day)));
        assert!(!reminder_due(&candidate(PledgeStatus::Received, 0, None), 5, Timestamp(100 * day)));
        assert!(!reminder_due(&candidate(PledgeStatus::Cancelled, 0, None), 5, Timestamp(100 * day)));
        let mut off = candidate(PledgeStatus::Pledged, 0, None);
        off.unsubscribed = true;
        assert!(!reminder_due(&off, 5, Timestamp(100 * day)));
    }

    #[test]
    fn unsubscribe_links_are_signed() {
        let m = Mailing::new("https://x.nl".into(), None, "x.nl".into(), &Mailing::new_key()).unwrap();
        let url = m.unsubscribe_url(" Élise@Example.NL ");
        let q = url.split_once('?').unwrap().1;
        let (e, t) = q.split_once('&').unwrap();
        let (e, t) = (e.strip_prefix("e=").unwrap(), t.strip_prefix("t=").unwrap());
        assert_eq!(m.verify_unsubscribe(e, t).as_deref(), Some("élise@example.nl"));
        assert_eq!(m.verify_unsubscribe(&hex(b"other@example.nl"), t), None);
        let other = Mailing::new("https://x.nl".into(), None, "x.nl".into(), &Mailing::new_key()).unwrap();
        assert_eq!(other.verify_unsubscribe(e, t), None);
    }

    #[test]
    fn donor_links_are_signed_and_expire() {
        let m = Mailing::new("https://x.nl".into(), None, "x.nl".into(), &Mailing::new_key()).unwrap();
        let made = Timestamp(1_000_000);
        let url = m.donor_url("Élise@Example.NL", made);
        let q = url.split_once('?').unwrap().1;
        let get = |k: &str| q.split('&').find_map(|p| p.strip_prefix(k)).unwrap().to_owned();
        let (e, x, t) = (get("e="), get("x="), get("t="));
        let expires = made.0 + DONOR_LINK_DAYS * 86_400;
        assert_eq!(x, expires.to_string());
        assert_eq!(m.verify_donor(&e, &x, &t, Timestamp(expires - 1)).as_deref(), Some("élise@example.nl"));
        assert_eq!(m.verify_donor(&e, &x, &t, Timestamp(expires)), None, "expired");
        // A later expiry is not the signed one; nor is the unsubscribe signature a donor link's.
        assert_eq!(m.verify_donor(&e, &(expires + 86_400).to_string(), &t, made), None);
        let unsubscribe = m.unsubscribe_url("élise@example.nl");
        let ut = unsubscribe.rsplit_once("t=").unwrap().1;
        assert_eq!(m.verify_donor(&e, &x, ut, made), None);
        assert_eq!(m.verify_unsubscribe(&e, &t), None);
    }

    #[test]
    fn status_changes() {
        assert_eq!(on_status_change(PledgeStatus::Pledged, PledgeStatus::Received), Some(MessageKind::ThankYou));
        assert_eq!(on_status_change(PledgeStatus::Received, PledgeStatus::Received), None);
        assert_eq!(on_status_change(PledgeStatus::Pledged, PledgeStatus::Cancelled), None);
    }
}
