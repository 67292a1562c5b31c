//! Paying a pledge online: starting a payment at the provider, learning its outcome
//! (from the webhook or when the donor returns), and what that outcome does to the
//! pledge. The provider's word is the only source of a payment's status: a webhook names
//! a payment and nothing more, and is answered by fetching that payment.

use super::pledging::{self, on_payment, online_status};
use super::{origin_allowed, Cofund, DomainError, DomainResult};
use crate::domain::store::{PaymentRow, PledgeRow};
use crate::payments::{NewPayment, PaymentProvider, PaymentStatus, ProviderError};
use cofund_core::api::{ErrorCode, PaymentConflict, PaymentStart, PaymentState, PledgeStatus, PAYMENT_RETURN_MARKER};
use cofund_core::{FieldError, Problem, Timestamp};
use std::sync::Arc;

/// Longest return URL accepted.
const MAX_RETURN_URL: usize = 2000;

/// What a webhook call came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The payment is not one of ours: nothing was fetched or changed.
    Unknown,
    /// The provider's status was stored; `pledge_received` says whether this call made
    /// the pledge received.
    Applied { pledge_received: bool },
}

/// The donor's return URL with the marker the widget recognises, if the URL is on one of
/// the cohort's allowed origins or on this server (its `/embed/` pages); otherwise a
/// field error (no open redirect through the provider).
pub fn return_url(
    allowed_origins: &[String],
    public_url: &str,
    url: &str,
    pledge_id: &str,
) -> Result<String, FieldError> {
    let refused = || {
        FieldError::new(
            "return_url",
            Problem::Format { expected: "a page on one of the cohort's allowed origins".into() },
        )
    };
    if url.len() > MAX_RETURN_URL || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refused());
    }
    let mut parsed = reqwest::Url::parse(url).map_err(|_| refused())?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(refused());
    }
    let origin = parsed.origin().ascii_serialization();
    let own = reqwest::Url::parse(public_url).map(|u| u.origin().ascii_serialization()).ok();
    // `*` lets any page pledge, but not send donors anywhere: a return URL must name an
    // origin the cohort lists (or this server).
    let listed: Vec<String> = allowed_origins.iter().filter(|p| p.as_str() != "*").cloned().collect();
    if !(origin_allowed(&listed, &origin) || own.as_deref() == Some(origin.as_str())) {
        return Err(refused());
    }
    parsed.set_fragment(None);
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != PAYMENT_RETURN_MARKER)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(kept).append_pair(PAYMENT_RETURN_MARKER, pledge_id);
    Ok(parsed.to_string())
}

/// Untrusted text for a log line: at most 32 characters, control characters and
/// everything outside printable ASCII escaped (`\n`, `\u{202e}`), cut with `…`.
pub fn loggable(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(32)
        .flat_map(|c| if c == ' ' || c.is_ascii_graphic() { vec![c] } else { c.escape_default().collect() })
        .collect();
    if text.chars().count() > 32 {
        out.push('…');
    }
    out
}

fn provider_failed(e: ProviderError) -> DomainError {
    tracing::warn!(error = %e, "payment provider");
    DomainError::refused(
        ErrorCode::PaymentProviderFailed,
        "The payment provider could not start the payment; try again, or transfer the amount.",
    )
}

impl Cofund {
    /// The payment provider, if the server has one.
    pub fn payment_provider(&self) -> Option<&Arc<dyn PaymentProvider>> {
        self.payments.as_ref()
    }

    /// Turns a cohort's online payment on or off (a coordinator's choice).
    pub async fn set_online_payment(&self, slug: &str, enabled: bool, now: Timestamp) -> DomainResult<()> {
        self.edit(
            slug,
            now,
            None,
            Box::new(move |def| {
                def.online_payment = enabled;
                Ok(())
            }),
        )
        .await
        .map(|_| ())
    }

    /// Where providers report payment changes.
    pub fn webhook_url(&self) -> String {
        format!("{}/api/v1/payments/webhook", self.public_url())
    }

    /// The cohort's API URL, for the links in a pledge answer, when payments are possible.
    pub(super) fn online_payment_base(&self, slug: &str) -> Option<String> {
        self.payments.as_ref().map(|_| format!("{}/api/v1/cohorts/{slug}", self.public_url()))
    }

    /// Starts an online payment of a pledged pledge and returns the provider's checkout.
    /// `key` (the donor's idempotency key) makes a retried request the same payment.
    pub async fn start_payment(
        &self,
        slug: &str,
        pledge_id: &str,
        requested_return: &str,
        key: &str,
        now: Timestamp,
    ) -> DomainResult<PaymentStart> {
        let unavailable = |m: &str| DomainError::refused(ErrorCode::PaymentUnavailable, m);
        let Some(provider) = self.payments.clone() else {
            return Err(unavailable("This server takes no online payments."));
        };
        let cohort = self.cohort(slug).await?;
        let def = &cohort.definition;
        if !def.online_payment {
            return Err(unavailable("This cohort takes no online payments; transfer the amount instead."));
        }
        let pledge = self.pledge_of(slug, pledge_id).await?;
        match pledge.status {
            PledgeStatus::Pledged => {}
            PledgeStatus::Received => return Err(unavailable("This pledge is paid already.")),
            PledgeStatus::Cancelled => return Err(unavailable("This pledge was cancelled.")),
        }
        let redirect_url = return_url(&def.allowed_origins, self.public_url(), requested_return, pledge_id)
            .map_err(|e| DomainError::Invalid(vec![e]))?;
        let request = NewPayment {
            amount_cents: pledge.amount_cents,
            currency: def.currency.clone(),
            description: format!("{} {}", pledge.reference, def.name).chars().take(255).collect(),
            redirect_url,
            webhook_url: self.webhook_url(),
            pledge_id: pledge.id.clone(),
            idempotency_key: format!("{pledge_id}:{key}"),
        };
        let created = provider.create_payment(&request).await.map_err(provider_failed)?;
        let Some(checkout_url) = created.checkout_url.clone() else {
            return Err(provider_failed(ProviderError::Malformed("no checkout URL".into())));
        };
        self.storage()
            .insert_payment(&PaymentRow {
                id: created.id,
                pledge_id: pledge.id,
                cohort_slug: slug.to_owned(),
                provider: provider.name().to_owned(),
                status: created.status,
                amount_cents: pledge.amount_cents,
                created_at: now,
                updated_at: now,
            })
            .await?;
        Ok(PaymentStart { checkout_url })
    }

    /// A provider's webhook named payment `id`. Unknown ids change nothing and cost the
    /// provider no request; known ones are fetched from the provider, checked against
    /// the stored payment, and their status applied. Any number of calls, in any order,
    /// leave the same state.
    pub async fn payment_webhook(&self, id: &str, now: Timestamp) -> DomainResult<WebhookOutcome> {
        let Some(provider) = self.payments.clone() else { return Ok(WebhookOutcome::Unknown) };
        // The id is the caller's text: only the shape of a payment id (`tr_` and up to
        // 64 letters and digits) is looked up or written to the log as it is; anything
        // else is logged escaped and cut short, so it cannot forge or flood log lines.
        if !crate::payments::mollie::valid_payment_id(id) {
            tracing::info!(payment = %loggable(id), "webhook with a malformed payment id ignored");
            return Ok(WebhookOutcome::Unknown);
        }
        let Some(stored) = self.storage().get_payment(id).await? else {
            tracing::info!(payment = %id, "webhook for an unknown payment ignored");
            return Ok(WebhookOutcome::Unknown);
        };
        let fetched = provider
            .get_payment(id)
            .await
            .map_err(|e| DomainError::Internal(anyhow::anyhow!("fetching payment {id}: {e}")))?;
        if fetched.pledge_id.as_deref() != Some(stored.pledge_id.as_str())
            || fetched.amount_cents != stored.amount_cents
        {
            return Err(DomainError::Internal(anyhow::anyhow!(
                "payment {id} at the provider does not match the stored one (pledge or amount differ); not applied"
            )));
        }
        self.apply_payment(&stored, fetched.status, now)
            .await
            .map(|pledge_received| WebhookOutcome::Applied { pledge_received })
    }

    /// Stores the provider's status and applies it to the pledge (paid → received).
    /// Money that arrives for a pledge a coordinator has cancelled is not silently dropped: it is logged as a WARN and shown to
    /// coordinators with the pledge ([`Cofund::payment_conflict`]), to refund or reinstate.
    async fn apply_payment(
        &self,
        stored: &PaymentRow,
        status: crate::payments::PaymentStatus,
        now: Timestamp,
    ) -> DomainResult<bool> {
        let newly_paid = status == PaymentStatus::Paid && stored.status != PaymentStatus::Paid;
        if stored.status != status {
            self.storage().set_payment_status(&stored.id, status, now).await?;
        }
        let received = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = received.clone();
        let row = self
            .storage()
            .change_pledge(
                &stored.pledge_id,
                now,
                self.decision(now, move |current| {
                    let next = on_payment(current, status);
                    flag.store(next.is_some(), std::sync::atomic::Ordering::SeqCst);
                    Ok(next)
                }),
            )
            .await?;
        let changed = received.load(std::sync::atomic::Ordering::SeqCst);
        if changed {
            self.changed(&row.cohort_slug).await;
        } else if newly_paid && row.status == PledgeStatus::Cancelled {
            tracing::warn!(
                payment = %stored.id,
                pledge = %row.id,
                cohort = %row.cohort_slug,
                pledge_status = row.status.as_str(),
                "a payment was paid for a cancelled pledge: the money arrived but the pledge does not count it; refund it or reinstate the pledge"
            );
        }
        Ok(changed)
    }

    /// Cancels the pledge's payments that are still open at the provider, so nobody pays
    /// for a pledge that was cancelled or already received. A payment the provider no
    /// longer lets cancel (the donor is paying right now) is fetched and applied; a
    /// failure is logged, and a later "paid" then shows as a conflict.
    pub(super) async fn cancel_open_payments(&self, pledge_id: &str, now: Timestamp) {
        let Some(provider) = self.payments.clone() else { return };
        let payments = match self.storage().payments_of(pledge_id).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(pledge = %pledge_id, error = %e, "open payments not cancelled: they could not be read");
                return;
            }
        };
        for stored in payments.into_iter().filter(|p| !p.status.is_final()) {
            let outcome = match provider.cancel_payment(&stored.id).await {
                Ok(p) => Ok(p),
                // Not cancelable any more: learn what it is now.
                Err(ProviderError::Rejected { .. }) => provider.get_payment(&stored.id).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(p)
                    if p.pledge_id.as_deref() == Some(stored.pledge_id.as_str())
                        && p.amount_cents == stored.amount_cents =>
                {
                    if let Err(e) = self.apply_payment(&stored, p.status, now).await {
                        tracing::warn!(payment = %stored.id, error = %e, "the cancelled payment's status was not stored");
                    }
                }
                Ok(_) => tracing::warn!(payment = %stored.id, "payment at the provider does not match the stored one"),
                Err(e) => {
                    tracing::warn!(payment = %stored.id, pledge = %pledge_id, error = %e, "an open payment could not be cancelled at the provider")
                }
            }
        }
    }

    /// What a coordinator must look at: `paid_while_cancelled` when an online payment of
    /// this cancelled pledge was paid (the money is there; the pledge does not count it).
    /// Only cancelled pledges are looked up, so a cohort's list costs one read per
    /// cancelled pledge.
    pub async fn payment_conflict(&self, pledge: &PledgeRow) -> DomainResult<Option<PaymentConflict>> {
        if pledge.status != PledgeStatus::Cancelled {
            return Ok(None);
        }
        let paid = self.storage().payments_of(&pledge.id).await?.iter().any(|p| p.status == PaymentStatus::Paid);
        Ok(paid.then_some(PaymentConflict::PaidWhileCancelled))
    }

    /// A pledge of this cohort, or not found.
    async fn pledge_of(&self, slug: &str, pledge_id: &str) -> DomainResult<PledgeRow> {
        match self.storage().get_pledge(pledge_id).await? {
            Some((row, _)) if row.cohort_slug == slug => Ok(row),
            _ => Err(DomainError::not_found(format!("Pledge {pledge_id:?}"))),
        }
    }

    /// What the donor sees on returning from the provider. A payment not yet final is
    /// fetched from the provider first (the donor may be back before the webhook).
    ///
    /// The pledge id is the donor's key to this answer (it holds the amount and the
    /// reference, even where the donor hid the amount from the public): only the donor
    /// (the pledge answer, the return URL) and the cohort's coordinators ever see it.
    /// There is nothing to read, so `404`, where the server takes no online payments,
    /// or the cohort takes none and the pledge was never paid online.
    pub async fn payment_state(&self, slug: &str, pledge_id: &str, now: Timestamp) -> DomainResult<PaymentState> {
        let not_found = || DomainError::not_found(format!("Pledge {pledge_id:?}"));
        let cohort = self.cohort(slug).await?;
        if self.payments.is_none() {
            return Err(not_found());
        }
        let mut latest = self.storage().latest_payment(pledge_id).await?.filter(|p| p.cohort_slug == slug);
        if latest.is_none() && !cohort.definition.online_payment {
            return Err(not_found());
        }
        if let (Some(stored), Some(provider)) = (latest.clone(), self.payments.clone()) {
            if !stored.status.is_final() {
                match provider.get_payment(&stored.id).await {
                    Ok(p)
                        if p.pledge_id.as_deref() == Some(stored.pledge_id.as_str())
                            && p.amount_cents == stored.amount_cents =>
                    {
                        self.apply_payment(&stored, p.status, now).await?;
                        latest = Some(PaymentRow { status: p.status, ..stored });
                    }
                    Ok(_) => {
                        tracing::warn!(payment = %stored.id, "payment at the provider does not match the stored one")
                    }
                    Err(e) => tracing::warn!(payment = %stored.id, error = %e, "payment status not refreshed"),
                }
            }
        }
        let pledge = self.pledge_of(slug, pledge_id).await?;
        let Some(settings) = cohort.definition.payment.as_ref() else {
            return Err(DomainError::not_found(format!("Pledge {pledge_id:?}")));
        };
        let payable = pledge.status == PledgeStatus::Pledged && cohort.definition.online_payment;
        Ok(PaymentState {
            pledge: pledging::receipt(&pledge),
            online: online_status(latest.map(|p| p.status)),
            payment: pledging::instructions(settings, &pledge),
            online_payment: self
                .online_payment_base(slug)
                .filter(|_| payable)
                .map(|base| pledging::online_payment(&base, pledge_id)),
        })
    }
}
