//! The rules of pledging: whether a cohort takes a pledge now, what the donor gets back,
//! and how coordinators may change a pledge's status.

use super::{CohortDefinition, DomainError, DomainResult, PaymentSettings};
use crate::domain::store::{PledgeRow, StoredCohort};
use crate::payments::PaymentStatus;
use anyhow::Context;
use cofund_core::api::{
    CrowdTotals, ErrorCode, OnlinePayment, OnlinePaymentStatus, PaymentInstructions, PledgeReceipt, PledgeResponse,
    PledgeStatus,
};
use cofund_core::{CampaignPhase, Timestamp};

/// The payment settings a pledge to this cohort uses, if it takes pledges at `now`;
/// otherwise `campaign_not_open` with the reason.
pub fn check_open(def: &CohortDefinition, now: Timestamp) -> DomainResult<&PaymentSettings> {
    let not_open = |message: String| DomainError::refused(ErrorCode::CampaignNotOpen, message);
    let payment = match &def.payment {
        Some(p) if def.pledging_enabled => p,
        _ => return Err(not_open("This cohort does not take pledges.".into())),
    };
    let (Some(opens), Some(closes)) =
        (Timestamp::parse_rfc3339(&def.campaign.opens_at), Timestamp::parse_rfc3339(&def.campaign.closes_at))
    else {
        return Err(DomainError::Internal(anyhow::anyhow!("stored campaign dates of {} do not parse", def.slug)));
    };
    match CampaignPhase::at(opens, closes, now) {
        CampaignPhase::Open { .. } => Ok(payment),
        CampaignPhase::Upcoming { .. } => Err(not_open(format!("The campaign opens at {}.", opens.to_rfc3339()))),
        CampaignPhase::Closed => Err(not_open(format!("The campaign closed at {}.", closes.to_rfc3339()))),
    }
}

/// Decides a pledge inside the storage's write transaction, on the cohort as it is at
/// that moment (so a campaign that closes or a cohort that stops taking pledges while
/// the request waits is seen), and writes the donor's answer.
#[derive(Debug, Clone)]
pub struct PledgeAdmission {
    pub now: Timestamp,
    /// The cohort's API URL (`…/api/v1/cohorts/{slug}`), when the server has a payment
    /// provider: then a cohort with online payment on offers it in the answer.
    pub online_payment_base: Option<String>,
    /// Where e-mail is on: composes the messages the pledge causes.
    pub mailing: Option<std::sync::Arc<super::mail::Mailing>>,
}

/// Where a pledge's online payment is started and looked up.
pub fn online_payment(base: &str, pledge_id: &str) -> OnlinePayment {
    OnlinePayment {
        method: "ideal".into(),
        start_url: format!("{base}/pledges/{pledge_id}/payments"),
        status_url: format!("{base}/pledges/{pledge_id}/payment"),
    }
}

/// The transfer instructions of a pledge.
pub fn instructions(payment: &PaymentSettings, row: &PledgeRow) -> PaymentInstructions {
    PaymentInstructions {
        iban: payment.iban.clone(),
        account_holder: payment.account_holder.clone(),
        reference: row.reference.clone(),
        amount_cents: row.amount_cents,
        note: payment.note.clone(),
    }
}

pub fn receipt(row: &PledgeRow) -> PledgeReceipt {
    PledgeReceipt {
        id: row.id.clone(),
        amount_cents: row.amount_cents,
        status: row.status,
        created_at: row.created_at.to_rfc3339(),
    }
}

/// What a provider's payment status does to its pledge: paid makes a pledged pledge
/// received; nothing else changes it (failed, cancelled or expired leave it pledged, so
/// the donor can pay again or transfer; a late or repeated report changes nothing).
pub fn on_payment(current: &PledgeRow, status: PaymentStatus) -> Option<(PledgeStatus, bool)> {
    (status == PaymentStatus::Paid && current.status == PledgeStatus::Pledged)
        .then_some((PledgeStatus::Received, current.message_hidden))
}

/// The donor's view of a provider status.
pub fn online_status(status: Option<PaymentStatus>) -> OnlinePaymentStatus {
    match status {
        None => OnlinePaymentStatus::None,
        Some(PaymentStatus::Paid) => OnlinePaymentStatus::Paid,
        Some(PaymentStatus::Open | PaymentStatus::Pending | PaymentStatus::Authorized) => OnlinePaymentStatus::Pending,
        Some(PaymentStatus::Failed | PaymentStatus::Canceled | PaymentStatus::Expired) => OnlinePaymentStatus::Failed,
    }
}

impl PledgeAdmission {
    /// The messages the new pledge causes, written to the outbox in its transaction.
    pub fn follow_up(&self, cohort: &StoredCohort, row: &PledgeRow) -> Vec<super::mail::OutboxMessage> {
        match &self.mailing {
            Some(m) => super::Cofund::messages_for_new(m, cohort, row, self.now),
            None => Vec::new(),
        }
    }

    /// The payment reference prefix of the new pledge, or why it is refused.
    pub fn admit(&self, cohort: &StoredCohort) -> DomainResult<String> {
        Ok(check_open(&cohort.definition, self.now)?.reference_prefix.clone())
    }

    /// The `201` body: receipt, payment instructions and the new totals. It is stored
    /// with the idempotency key and replayed to retries byte for byte.
    pub fn respond(&self, cohort: &StoredCohort, row: &PledgeRow, totals: CrowdTotals) -> DomainResult<String> {
        let payment = check_open(&cohort.definition, self.now)?;
        let response = PledgeResponse {
            pledge: receipt(row),
            payment: instructions(payment, row),
            totals,
            online_payment: self
                .online_payment_base
                .as_deref()
                .filter(|_| cohort.definition.online_payment)
                .map(|base| online_payment(base, &row.id)),
        };
        Ok(serde_json::to_string(&response).context("serialising a pledge response")?)
    }
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

/// The status and message visibility after `change`; `None` when nothing changes.
pub fn apply_change(current: &PledgeRow, change: PledgeChange) -> DomainResult<Option<(PledgeStatus, bool)>> {
    let next = match change {
        PledgeChange::Confirm => match current.status {
            PledgeStatus::Cancelled => {
                return Err(DomainError::refused(
                    ErrorCode::InvalidTransition,
                    "A cancelled pledge cannot be confirmed.",
                ))
            }
            _ => (PledgeStatus::Received, current.message_hidden),
        },
        PledgeChange::Cancel => (PledgeStatus::Cancelled, current.message_hidden),
        PledgeChange::HideMessage(h) => (current.status, h),
    };
    Ok((next != (current.status, current.message_hidden)).then_some(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(status: PledgeStatus) -> PledgeRow {
        PledgeRow {
            seq: 1,
            id: "pl_1".into(),
            cohort_slug: "c".into(),
            amount_cents: 2500,
            name: None,
            show_name: false,
            show_amount: true,
            email: "a@b.nl".into(),
            message: Some("hoi".into()),
            message_hidden: false,
            locale: None,
            news: false,
            anonymised_at: None,
            status,
            reference: "S4C-1".into(),
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    #[test]
    fn only_paid_receives_and_only_once() {
        use PledgeStatus::*;
        assert_eq!(on_payment(&row(Pledged), PaymentStatus::Paid), Some((Received, false)));
        assert_eq!(on_payment(&row(Received), PaymentStatus::Paid), None, "a replayed webhook changes nothing");
        assert_eq!(on_payment(&row(Cancelled), PaymentStatus::Paid), None, "a cancelled pledge stays cancelled");
        for s in [
            PaymentStatus::Failed,
            PaymentStatus::Canceled,
            PaymentStatus::Expired,
            PaymentStatus::Open,
            PaymentStatus::Pending,
        ] {
            assert_eq!(on_payment(&row(Pledged), s), None, "{s}");
            assert_eq!(on_payment(&row(Received), s), None, "a late {s} never undoes a payment");
        }
    }

    #[test]
    fn status_rules() {
        use PledgeStatus::*;
        assert_eq!(apply_change(&row(Pledged), PledgeChange::Confirm).unwrap(), Some((Received, false)));
        assert_eq!(apply_change(&row(Received), PledgeChange::Confirm).unwrap(), None);
        assert!(apply_change(&row(Cancelled), PledgeChange::Confirm).is_err());
        assert_eq!(apply_change(&row(Received), PledgeChange::Cancel).unwrap(), Some((Cancelled, false)));
        assert_eq!(apply_change(&row(Cancelled), PledgeChange::Cancel).unwrap(), None);
        assert_eq!(apply_change(&row(Pledged), PledgeChange::HideMessage(true)).unwrap(), Some((Pledged, true)));
        assert_eq!(apply_change(&row(Pledged), PledgeChange::HideMessage(false)).unwrap(), None);
    }
}
