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

use super::{backer_key, hex, random_bytes, Cofund, CohortDefinition, DomainResult};
use crate::storage::{PledgeRow, StoredCohort};
use cofund_core::api::PledgeStatus;
use cofund_core::Timestamp;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Days after which an unreceived transfer pledge is reminded, unless the cohort says.
pub const DEFAULT_REMINDER_DAYS: u32 = 5;
/// Reminders per pledge at most.
pub const MAX_REMINDERS: i64 = 2;

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// The pledge with its transfer details.
    Confirmation,
    /// The transfer has not arrived after the cohort's reminder period.
    Reminder,
    /// The money was received.
    ThankYou,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Confirmation => "confirmation",
            MessageKind::Reminder => "reminder",
            MessageKind::ThankYou => "thank_you",
        }
    }

    pub fn parse(s: &str) -> Option<MessageKind> {
        Some(match s {
            "confirmation" => MessageKind::Confirmation,
            "reminder" => MessageKind::Reminder,
            "thank_you" => MessageKind::ThankYou,
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
        Ok(Mailing { public_url, reply_to, message_id_host, key })
    }

    /// A fresh key, hex (stored once per database: every instance signs alike).
    pub fn new_key() -> String {
        hex(&random_bytes::<32>())
    }

    fn mac(&self, backer: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"cofund-unsubscribe\0");
        mac.update(backer.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// The donor's unsubscribe link: their address and its signature.
    pub fn unsubscribe_url(&self, email: &str) -> String {
        let backer = backer_key(email);
        format!("{}/mail/unsubscribe?e={}&t={}", self.public_url, hex(backer.as_bytes()), self.mac(&backer))
    }

    /// The backer key a link names, if its signature is right.
    pub fn verify_unsubscribe(&self, e: &str, t: &str) -> Option<String> {
        let bytes: Vec<u8> = (0..e.len())
            .step_by(2)
            .map(|i| e.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
            .collect::<Option<_>>()?;
        let backer = String::from_utf8(bytes).ok()?;
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"cofund-unsubscribe\0");
        mac.update(backer.as_bytes());
        let expected: Vec<u8> = (0..t.len())
            .step_by(2)
            .map(|i| t.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
            .collect::<Option<_>>()?;
        mac.verify_slice(&expected).ok()?;
        Some(backer)
    }

    /// Composes `kind` for a pledge of `cohort` into an outbox message made at `now`.
    pub fn message(
        &self,
        kind: MessageKind,
        cohort: &CohortDefinition,
        pledge: &PledgeRow,
        now: Timestamp,
    ) -> OutboxMessage {
        let id = format!("ob_{}", super::base32(&random_bytes::<10>()).to_ascii_lowercase());
        let locale = message_locale(pledge.locale.as_deref(), cohort);
        let unsubscribe_url = self.unsubscribe_url(&pledge.email);
        let composed = crate::mail::compose::compose(kind, locale, cohort, pledge, &unsubscribe_url);
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
    fn status_changes() {
        assert_eq!(on_status_change(PledgeStatus::Pledged, PledgeStatus::Received), Some(MessageKind::ThankYou));
        assert_eq!(on_status_change(PledgeStatus::Received, PledgeStatus::Received), None);
        assert_eq!(on_status_change(PledgeStatus::Pledged, PledgeStatus::Cancelled), None);
    }
}
