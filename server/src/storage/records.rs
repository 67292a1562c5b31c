//! Rows as both backends store them, mapped with `sqlx::FromRow` (the derive is generic
//! over the database), and their conversion to the domain's types.

use crate::domain::mail::{MessageKind, NewsRecord, OutboxEntry, OutboxMessage, OutboxStatus, ReminderCandidate};
use crate::domain::store::{PaymentRow, PledgeRow, StoredCohort, StoredProgramme, TokenInfo};
use crate::domain::CohortDefinition;
use crate::domain::DomainError;
use anyhow::Context;
use cofund_core::api::PledgeStatus;
use cofund_core::Timestamp;

/// The columns of [`PledgeRecord`], in a `SELECT`.
pub const PLEDGE_COLUMNS: &str = "seq, id, cohort_slug, amount_cents, name, show_name, show_amount, email, message, \
                                  message_hidden, status, reference, locale, news, anonymised_at, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub struct PledgeRecord {
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
    pub status: String,
    pub reference: String,
    pub locale: Option<String>,
    pub news: bool,
    pub anonymised_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn status_from_str(s: &str) -> Result<PledgeStatus, DomainError> {
    PledgeStatus::parse(s)
        .ok_or_else(|| DomainError::Internal(anyhow::anyhow!("unknown pledge status {s:?} in the database")))
}

impl TryFrom<PledgeRecord> for PledgeRow {
    type Error = DomainError;

    fn try_from(r: PledgeRecord) -> Result<PledgeRow, DomainError> {
        Ok(PledgeRow {
            seq: r.seq,
            id: r.id,
            cohort_slug: r.cohort_slug,
            amount_cents: r.amount_cents,
            name: r.name,
            show_name: r.show_name,
            show_amount: r.show_amount,
            email: r.email,
            message: r.message,
            message_hidden: r.message_hidden,
            status: status_from_str(&r.status)?,
            reference: r.reference,
            locale: r.locale,
            news: r.news,
            anonymised_at: r.anonymised_at.map(Timestamp),
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        })
    }
}

/// Converts fetched records.
pub fn pledges(records: Vec<PledgeRecord>) -> Result<Vec<PledgeRow>, DomainError> {
    records.into_iter().map(PledgeRow::try_from).collect()
}

#[derive(sqlx::FromRow)]
pub struct CohortRecord {
    pub definition: String,
    pub revision: i64,
    pub updated_at: i64,
}

impl TryFrom<CohortRecord> for StoredCohort {
    type Error = DomainError;

    fn try_from(r: CohortRecord) -> Result<StoredCohort, DomainError> {
        let definition: CohortDefinition = serde_json::from_str(&r.definition).context("a stored cohort definition")?;
        Ok(StoredCohort { definition, revision: r.revision, updated_at: Timestamp(r.updated_at) })
    }
}

#[derive(sqlx::FromRow)]
pub struct TokenRecord {
    pub id: String,
    pub programme: Option<String>,
    pub label: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl From<TokenRecord> for TokenInfo {
    fn from(r: TokenRecord) -> TokenInfo {
        TokenInfo {
            id: r.id,
            programme: r.programme,
            label: r.label,
            created_at: Timestamp(r.created_at).to_rfc3339(),
            revoked_at: r.revoked_at.map(|t| Timestamp(t).to_rfc3339()),
        }
    }
}

/// The columns of [`TokenRecord`].
pub const TOKEN_COLUMNS: &str = "id, programme, label, created_at, revoked_at";

#[derive(sqlx::FromRow)]
pub struct TotalsRecord {
    pub pledged: i64,
    pub received: i64,
    pub backers: i64,
}

#[derive(sqlx::FromRow)]
pub struct DayRecord {
    pub day: i64,
    pub cents: i64,
}

#[derive(sqlx::FromRow)]
pub struct KeyRecord {
    pub request_hash: String,
    pub response_body: String,
}

/// Longest history served (the contract allows 2000 points).
pub const MAX_HISTORY: usize = 2000;

/// The newest pledges as the document shows them: only what each donor chose to show.
pub fn recent(records: Vec<PledgeRecord>) -> Result<Vec<cofund_core::RecentPledge>, DomainError> {
    Ok(pledges(records)?
        .iter()
        .map(|r| {
            let p = r.public();
            // Messages keep their line feeds: the contract allows them there.
            cofund_core::RecentPledge { name: p.name, amount_cents: p.amount_cents, message: p.message, at: p.at }
        })
        .collect())
}

/// History rule: one point per UTC day on which non-cancelled pledges were made, with
/// the cumulative amount of all non-cancelled pledges made up to the end of that day
/// (`days` are the per-day sums, oldest first). A cancelled pledge disappears from the
/// history retroactively. Only the newest [`MAX_HISTORY`] points are kept.
pub fn history(days: &[DayRecord]) -> Result<Vec<cofund_core::HistoryPoint>, DomainError> {
    let mut history = Vec::with_capacity(days.len());
    let mut cumulative: i64 = 0;
    for d in days {
        cumulative = cumulative.checked_add(d.cents).context("history total overflows")?;
        history
            .push(cofund_core::HistoryPoint { date: cofund_core::Date(d.day).to_string(), pledged_cents: cumulative });
    }
    if history.len() > MAX_HISTORY {
        history.drain(..history.len() - MAX_HISTORY);
    }
    Ok(history)
}

/// The columns of [`PaymentRecord`].
pub const PAYMENT_COLUMNS: &str = "id, pledge_id, cohort_slug, provider, status, amount_cents, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub struct PaymentRecord {
    pub id: String,
    pub pledge_id: String,
    pub cohort_slug: String,
    pub provider: String,
    pub status: String,
    pub amount_cents: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<PaymentRecord> for PaymentRow {
    type Error = DomainError;

    fn try_from(r: PaymentRecord) -> Result<PaymentRow, DomainError> {
        let status = crate::payments::PaymentStatus::parse(&r.status).ok_or_else(|| {
            DomainError::Internal(anyhow::anyhow!("unknown payment status {:?} in the database", r.status))
        })?;
        Ok(PaymentRow {
            id: r.id,
            pledge_id: r.pledge_id,
            cohort_slug: r.cohort_slug,
            provider: r.provider,
            status,
            amount_cents: r.amount_cents,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        })
    }
}

/// How one pledge write moves the maintained figures (`cohort_totals`,
/// `cohort_backers`, `cohort_days`): a new pledge (`before` `None`) or a status change.
/// Cancelled pledges count nowhere; received ones count as pledged and received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiguresDelta {
    pub pledged_cents: i64,
    pub received_cents: i64,
    /// +1 when the pledge starts counting, -1 when it stops, 0 otherwise.
    pub counted: i64,
}

impl FiguresDelta {
    pub fn of(amount_cents: i64, before: Option<PledgeStatus>, after: PledgeStatus) -> FiguresDelta {
        let counted = |s: Option<PledgeStatus>| i64::from(s.is_some_and(|s| s != PledgeStatus::Cancelled));
        let received = |s: Option<PledgeStatus>| i64::from(s == Some(PledgeStatus::Received));
        let counted_delta = counted(Some(after)) - counted(before);
        FiguresDelta {
            pledged_cents: counted_delta * amount_cents,
            received_cents: (received(Some(after)) - received(before)) * amount_cents,
            counted: counted_delta,
        }
    }

    pub fn is_zero(self) -> bool {
        self == FiguresDelta { pledged_cents: 0, received_cents: 0, counted: 0 }
    }
}

/// The columns of [`SessionRecord`].
pub const SESSION_COLUMNS: &str = "id, csrf_token, role, programme, cohort, created_at, expires_at, revoked_at";

#[derive(sqlx::FromRow)]
pub struct SessionRecord {
    pub id: String,
    pub csrf_token: String,
    pub role: String,
    pub programme: Option<String>,
    pub cohort: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl TryFrom<SessionRecord> for crate::domain::access::SessionInfo {
    type Error = DomainError;

    fn try_from(r: SessionRecord) -> Result<Self, DomainError> {
        use crate::domain::access::{Grant, Role};
        Ok(crate::domain::access::SessionInfo {
            id: r.id,
            grant: Grant { role: Role::parse(&r.role)?, programme: r.programme, cohort: r.cohort },
            csrf_token: r.csrf_token,
            created_at: Timestamp(r.created_at),
            expires_at: Timestamp(r.expires_at),
            revoked_at: r.revoked_at.map(Timestamp),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct LinkRecord {
    pub role: String,
    pub programme: Option<String>,
    pub cohort: Option<String>,
    pub used_at: Option<i64>,
}

/// The columns of [`OutboxRecord`].
pub const OUTBOX_COLUMNS: &str = "id, message_id, kind, pledge_id, cohort_slug, locale, recipient, recipient_name, reply_to, subject, \
                                  text_body, html_body, unsubscribe_url, status, attempts, next_attempt_at, last_error, created_at, sent_at";

#[derive(sqlx::FromRow)]
pub struct OutboxRecord {
    pub id: String,
    pub message_id: String,
    pub kind: String,
    pub pledge_id: Option<String>,
    pub cohort_slug: String,
    pub locale: String,
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub unsubscribe_url: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

impl TryFrom<OutboxRecord> for OutboxEntry {
    type Error = DomainError;

    fn try_from(r: OutboxRecord) -> Result<OutboxEntry, DomainError> {
        let kind = MessageKind::parse(&r.kind)
            .ok_or_else(|| DomainError::Internal(anyhow::anyhow!("unknown message kind {:?} in the outbox", r.kind)))?;
        let status = OutboxStatus::parse(&r.status)
            .ok_or_else(|| DomainError::Internal(anyhow::anyhow!("unknown outbox status {:?}", r.status)))?;
        Ok(OutboxEntry {
            message: OutboxMessage {
                id: r.id,
                message_id: r.message_id,
                kind,
                pledge_id: r.pledge_id,
                cohort_slug: r.cohort_slug,
                locale: r.locale,
                recipient: r.recipient,
                recipient_name: r.recipient_name,
                reply_to: r.reply_to,
                subject: r.subject,
                text_body: r.text_body,
                html_body: r.html_body,
                unsubscribe_url: r.unsubscribe_url,
                created_at: Timestamp(r.created_at),
            },
            status,
            attempts: r.attempts,
            next_attempt_at: Timestamp(r.next_attempt_at),
            sent_at: r.sent_at.map(Timestamp),
            last_error: r.last_error,
        })
    }
}

/// Converts fetched outbox records.
pub fn outbox(records: Vec<OutboxRecord>) -> Result<Vec<OutboxEntry>, DomainError> {
    records.into_iter().map(OutboxEntry::try_from).collect()
}

/// A pledge with its reminders so far (see `reminder_candidates`).
#[derive(sqlx::FromRow)]
pub struct CandidateRecord {
    #[sqlx(flatten)]
    pub pledge: PledgeRecord,
    pub reminders: i64,
    pub last_reminder_at: Option<i64>,
    pub unsubscribed: bool,
}

impl TryFrom<CandidateRecord> for ReminderCandidate {
    type Error = DomainError;

    fn try_from(r: CandidateRecord) -> Result<ReminderCandidate, DomainError> {
        Ok(ReminderCandidate {
            pledge: r.pledge.try_into()?,
            reminders: r.reminders,
            last_reminder_at: r.last_reminder_at.map(Timestamp),
            unsubscribed: r.unsubscribed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PledgeStatus::*;

    #[test]
    fn figures_move_with_status() {
        assert_eq!(
            FiguresDelta::of(500, None, Pledged),
            FiguresDelta { pledged_cents: 500, received_cents: 0, counted: 1 }
        );
        assert_eq!(
            FiguresDelta::of(500, None, Received),
            FiguresDelta { pledged_cents: 500, received_cents: 500, counted: 1 }
        );
        assert_eq!(
            FiguresDelta::of(500, Some(Pledged), Received),
            FiguresDelta { pledged_cents: 0, received_cents: 500, counted: 0 }
        );
        assert_eq!(
            FiguresDelta::of(500, Some(Received), Cancelled),
            FiguresDelta { pledged_cents: -500, received_cents: -500, counted: -1 }
        );
        assert_eq!(
            FiguresDelta::of(500, Some(Pledged), Cancelled),
            FiguresDelta { pledged_cents: -500, received_cents: 0, counted: -1 }
        );
        assert!(FiguresDelta::of(500, Some(Cancelled), Cancelled).is_zero());
        assert!(FiguresDelta::of(500, None, Cancelled).is_zero());
    }
}

/// The columns of [`ProgrammeRecord`], in a `SELECT`.
pub const PROGRAMME_COLUMNS: &str = "slug, name, url, pot_name, pot_cents, pot_ratio_bps, pot_cap_per_gift_cents, \
                                     pot_cap_per_cohort_cents, pot_funders, impact, revision, updated_at";

#[derive(sqlx::FromRow)]
pub struct ProgrammeRecord {
    pub slug: String,
    pub name: String,
    pub url: Option<String>,
    pub pot_name: Option<String>,
    pub pot_cents: Option<i64>,
    pub pot_ratio_bps: Option<i64>,
    pub pot_cap_per_gift_cents: Option<i64>,
    pub pot_cap_per_cohort_cents: Option<i64>,
    pub pot_funders: Option<String>,
    pub impact: String,
    pub revision: i64,
    pub updated_at: i64,
}

impl TryFrom<ProgrammeRecord> for StoredProgramme {
    type Error = DomainError;

    fn try_from(r: ProgrammeRecord) -> Result<StoredProgramme, DomainError> {
        use cofund_core::pot::PotDefinition;
        let pot = match (r.pot_name, r.pot_cents, r.pot_ratio_bps, r.pot_funders) {
            (Some(name), Some(pot_cents), Some(ratio_bps), Some(funders)) => Some(PotDefinition {
                name,
                funders: serde_json::from_str(&funders).context("a stored pot's funders")?,
                pot_cents,
                ratio_bps,
                cap_per_gift_cents: r.pot_cap_per_gift_cents,
                cap_per_cohort_cents: r.pot_cap_per_cohort_cents,
            }),
            _ => None,
        };
        let settings = cofund_core::programme::ProgrammeSettings {
            name: r.name,
            url: r.url,
            pot,
            impact: serde_json::from_str(&r.impact).context("a stored programme's impact figures")?,
        };
        Ok(StoredProgramme { slug: r.slug, settings, revision: r.revision, updated_at: Timestamp(r.updated_at) })
    }
}

/// A programme's settings as the columns store them: the pot's funders and the impact
/// figures as JSON.
pub struct ProgrammeColumns {
    pub funders: Option<String>,
    pub impact: String,
}

impl ProgrammeColumns {
    pub fn of(settings: &cofund_core::programme::ProgrammeSettings) -> Result<ProgrammeColumns, DomainError> {
        Ok(ProgrammeColumns {
            funders: settings
                .pot
                .as_ref()
                .map(|p| serde_json::to_string(&p.funders))
                .transpose()
                .context("serialising a pot's funders")?,
            impact: serde_json::to_string(&settings.impact).context("serialising impact figures")?,
        })
    }
}

/// A row of `mail_news`.
#[derive(sqlx::FromRow)]
pub struct NewsRow {
    pub id: String,
    pub cohort_slug: String,
    pub key: String,
    pub subject: String,
    pub recipients: i64,
    pub created_at: i64,
}

impl From<NewsRow> for NewsRecord {
    fn from(r: NewsRow) -> NewsRecord {
        NewsRecord {
            id: r.id,
            cohort_slug: r.cohort_slug,
            key: r.key,
            subject: r.subject,
            recipients: r.recipients,
            created_at: Timestamp(r.created_at),
        }
    }
}
