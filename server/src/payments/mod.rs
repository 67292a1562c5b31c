//! Online payment through a payment provider. The domain sees only [`PaymentProvider`]:
//! create a payment for a pledge, and fetch a payment to learn its status. One real
//! implementation speaks Mollie's payments API v2 (and cancels open payments) ([`mollie::MollieClient`]); the
//! built-in test provider ([`demo`]) serves the same API shape from this server, with
//! its own small checkout page, so the demo and the tests run the whole flow offline.

pub mod demo;
pub mod mollie;

use async_trait::async_trait;
use std::fmt;

/// What the server asks the provider for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub amount_cents: i64,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
    /// Shown on the donor's bank statement: carries the pledge's reference.
    pub description: String,
    /// Where the provider sends the donor back (already checked against the cohort's
    /// allowed origins).
    pub redirect_url: String,
    /// Where the provider reports that the payment changed.
    pub webhook_url: String,
    /// Stored with the payment and checked when it is fetched back.
    pub pledge_id: String,
    /// The same key for a retried request, so a lost answer never makes two payments.
    pub idempotency_key: String,
}

/// A payment as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPayment {
    /// The provider's id, e.g. `tr_WDqYK6vllg`.
    pub id: String,
    pub status: PaymentStatus,
    pub amount_cents: i64,
    pub currency: String,
    /// The pledge id from the payment's metadata, if it has one.
    pub pledge_id: Option<String>,
    /// Where to send the donor to pay; absent once the payment is final.
    pub checkout_url: Option<String>,
}

/// A payment's status, as Mollie names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Created; the donor has not finished.
    Open,
    /// The bank is still working on it.
    Pending,
    /// Authorised, not yet captured (not used by iDEAL; treated as not yet paid).
    Authorized,
    /// The money is paid: the pledge is received.
    Paid,
    /// The donor cancelled.
    Canceled,
    /// The donor abandoned the payment.
    Expired,
    /// The bank refused.
    Failed,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Open => "open",
            PaymentStatus::Pending => "pending",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Canceled => "canceled",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        Some(match s {
            "open" => PaymentStatus::Open,
            "pending" => PaymentStatus::Pending,
            "authorized" => PaymentStatus::Authorized,
            "paid" => PaymentStatus::Paid,
            "canceled" => PaymentStatus::Canceled,
            "expired" => PaymentStatus::Expired,
            "failed" => PaymentStatus::Failed,
            _ => return None,
        })
    }

    /// Whether the status can still change.
    pub fn is_final(self) -> bool {
        matches!(self, PaymentStatus::Paid | PaymentStatus::Canceled | PaymentStatus::Expired | PaymentStatus::Failed)
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the provider did not do what was asked.
#[derive(Debug)]
pub enum ProviderError {
    /// The provider answered with an error (4xx/5xx); `detail` is its own words.
    Rejected { status: u16, detail: String },
    /// The payment does not exist at the provider.
    NotFound,
    /// No answer within the configured time.
    Timeout,
    /// No connection (DNS, refused, TLS).
    Unreachable(String),
    /// An answer that does not follow the provider's documented shape.
    Malformed(String),
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderError::Rejected { status, detail } => {
                write!(f, "the payment provider refused ({status}): {detail}")
            }
            ProviderError::NotFound => write!(f, "the payment provider does not know this payment"),
            ProviderError::Timeout => write!(f, "the payment provider did not answer in time"),
            ProviderError::Unreachable(why) => write!(f, "the payment provider could not be reached: {why}"),
            ProviderError::Malformed(why) => write!(f, "the payment provider's answer could not be read: {why}"),
        }
    }
}

impl std::error::Error for ProviderError {}

/// A payment provider. Implementations never log or return the API key.
#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    /// A short name for logs and the admin API: `mollie`, `demo`.
    fn name(&self) -> &'static str;
    /// Creates a payment; the donor pays at its `checkout_url`.
    async fn create_payment(&self, payment: &NewPayment) -> Result<ProviderPayment, ProviderError>;
    /// The payment as the provider knows it now: the only source of its status.
    async fn get_payment(&self, id: &str) -> Result<ProviderPayment, ProviderError>;
    /// Cancels a payment that is still open, so the donor can no longer pay it (the
    /// pledge was cancelled or received otherwise); answers the payment as it is then.
    async fn cancel_payment(&self, id: &str) -> Result<ProviderPayment, ProviderError>;
}

/// An API key: kept out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(…)")
    }
}

/// `"10.00"` for 1000 cents: the decimal string the provider's `amount.value` takes.
pub fn amount_value(cents: i64) -> String {
    cofund_core::format_decimal(cents)
}

/// Reads an `amount.value` back into cents: digits, a point and exactly two decimals.
pub fn parse_amount_value(value: &str) -> Option<i64> {
    let (whole, fraction) = value.split_once('.')?;
    if whole.is_empty() || fraction.len() != 2 || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(fraction.parse::<i64>().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_values_round_trip() {
        for cents in [0, 5, 1000, 2550, 123_456] {
            assert_eq!(parse_amount_value(&amount_value(cents)), Some(cents));
        }
        assert_eq!(amount_value(1000), "10.00");
        for bad in ["10", "10.0", "10.000", "-1.00", "1,00", ".50", "1e3.00", "99999999999999999999.00"] {
            assert_eq!(parse_amount_value(bad), None, "{bad}");
        }
    }

    #[test]
    fn statuses_have_mollies_names() {
        for s in ["open", "pending", "authorized", "paid", "canceled", "expired", "failed"] {
            assert_eq!(PaymentStatus::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(PaymentStatus::parse("cancelled"), None);
        assert!(PaymentStatus::Paid.is_final() && !PaymentStatus::Pending.is_final());
    }

    #[test]
    fn the_api_key_never_shows_in_debug_output() {
        let key = ApiKey::new("live_secretsecretsecret");
        assert!(!format!("{key:?}").contains("secret"));
    }
}
