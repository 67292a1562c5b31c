//! Mollie's payments API v2 over HTTPS: `POST /v2/payments` to create a payment,
//! `GET /v2/payments/{id}` to read it and `DELETE /v2/payments/{id}` to cancel it, with `Authorization: Bearer {API key}` and an
//! `Idempotency-Key` on creation. The base URL is configurable so tests (and the
//! built-in test provider) can stand in for `https://api.mollie.com`.

use super::{
    amount_value, parse_amount_value, ApiKey, NewPayment, PaymentProvider, PaymentStatus, ProviderError,
    ProviderPayment,
};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Mollie's production API.
pub const MOLLIE_API: &str = "https://api.mollie.com";
/// How long one request may take before it counts as unanswered.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client of Mollie's payments API (or of anything that speaks it).
#[derive(Debug, Clone)]
pub struct MollieClient {
    http: reqwest::Client,
    base_url: String,
    api_key: ApiKey,
    name: &'static str,
    /// `test` for a `test_…` key, `live` otherwise: every payment read must be of this
    /// mode, so a test payment never moves a pledge on a live server (nor the reverse).
    mode: &'static str,
}

impl MollieClient {
    /// A client for `base_url` (without `/v2`, e.g. `https://api.mollie.com`).
    pub fn new(base_url: &str, api_key: ApiKey, timeout: Duration) -> anyhow::Result<MollieClient> {
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            anyhow::bail!("the payment provider's URL {base_url:?} must start with https:// (or http:// for a local test provider)");
        }
        if api_key.expose().trim().is_empty() {
            anyhow::bail!("the payment provider's API key is empty");
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("cofund/", env!("CARGO_PKG_VERSION")))
            // A payment API never redirects; following one could send the key elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let mode = if api_key.expose().starts_with("test_") { "test" } else { "live" };
        Ok(MollieClient { http, base_url, api_key, name: "mollie", mode })
    }

    /// The same client under another name in logs (the built-in test provider).
    pub fn named(mut self, name: &'static str) -> MollieClient {
        self.name = name;
        self
    }

    /// Reads a payment resource, refusing one of the other mode than the key's.
    fn payment_of_our_mode(&self, value: Value) -> Result<ProviderPayment, ProviderError> {
        match value.get("mode").and_then(Value::as_str) {
            Some(mode) if mode == self.mode => read_payment(value),
            other => Err(ProviderError::Malformed(format!(
                "a payment in mode {other:?}, but the API key is a {} key",
                self.mode
            ))),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, ProviderError> {
        let response = request
            .bearer_auth(self.api_key.expose())
            .header(reqwest::header::ACCEPT, "application/hal+json, application/json")
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let body = response.text().await.map_err(transport_error)?;
        if status.is_success() {
            return serde_json::from_str(&body).map_err(|e| ProviderError::Malformed(format!("not JSON: {e}")));
        }
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(ProviderError::NotFound);
        }
        // Mollie's errors: {"status": 422, "title": "Unprocessable Entity", "detail": "…", "field": "amount"}.
        let detail = serde_json::from_str::<MollieError>(&body)
            .map(|e| match e.field {
                Some(field) => format!("{} (field {field})", e.detail.or(e.title).unwrap_or_default()),
                None => e.detail.or(e.title).unwrap_or_default(),
            })
            .unwrap_or_else(|_| format!("HTTP {status}"));
        Err(ProviderError::Rejected { status: status.as_u16(), detail })
    }
}

fn transport_error(e: reqwest::Error) -> ProviderError {
    if e.is_timeout() {
        ProviderError::Timeout
    } else {
        // Without the URL: it is ours, and the error's Display would repeat it.
        ProviderError::Unreachable(e.without_url().to_string())
    }
}

#[derive(Deserialize)]
struct MollieError {
    title: Option<String>,
    detail: Option<String>,
    field: Option<String>,
}

#[derive(Deserialize)]
struct MolliePayment {
    id: String,
    status: String,
    amount: MollieAmount,
    #[serde(default)]
    metadata: Value,
    #[serde(default, rename = "_links")]
    links: Option<MollieLinks>,
}

#[derive(Deserialize)]
struct MollieAmount {
    currency: String,
    value: String,
}

#[derive(Deserialize)]
struct MollieLinks {
    checkout: Option<MollieLink>,
}

#[derive(Deserialize)]
struct MollieLink {
    href: String,
}

/// Reads a payment resource into the provider-neutral shape.
fn read_payment(value: Value) -> Result<ProviderPayment, ProviderError> {
    let p: MolliePayment =
        serde_json::from_value(value).map_err(|e| ProviderError::Malformed(format!("payment: {e}")))?;
    let status = PaymentStatus::parse(&p.status)
        .ok_or_else(|| ProviderError::Malformed(format!("unknown status {:?}", p.status)))?;
    let amount_cents = parse_amount_value(&p.amount.value).ok_or_else(|| {
        ProviderError::Malformed(format!("amount.value {:?} is not a decimal with two places", p.amount.value))
    })?;
    // Metadata comes back as it was sent: an object, or (some integrations) a JSON string.
    let metadata = match p.metadata {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::Null),
        other => other,
    };
    let pledge_id = metadata.get("pledge_id").and_then(Value::as_str).map(str::to_owned);
    Ok(ProviderPayment {
        id: p.id,
        status,
        amount_cents,
        currency: p.amount.currency,
        pledge_id,
        checkout_url: p.links.and_then(|l| l.checkout).map(|l| l.href),
    })
}

/// A test key (`test_…`) takes no money: on a server whose public URL is https (a
/// public site, where donors would believe they paid) it is refused at start. Try a
/// test key on a server whose public URL is plain http.
pub fn check_key_fits(api_key: &ApiKey, public_url: &str) -> anyhow::Result<()> {
    if api_key.expose().starts_with("test_") && public_url.starts_with("https://") {
        anyhow::bail!(
            "the Mollie API key is a test key (test_…), and the public URL {public_url} is https: donors would pay nothing \
             and believe they had paid. Use the profile's live key (live_…) on a public server"
        );
    }
    Ok(())
}

/// Payment ids are `tr_` and letters and digits; anything else is never sent on.
pub fn valid_payment_id(id: &str) -> bool {
    id.strip_prefix("tr_")
        .is_some_and(|rest| !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[async_trait]
impl PaymentProvider for MollieClient {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn create_payment(&self, payment: &NewPayment) -> Result<ProviderPayment, ProviderError> {
        let body = json!({
            "amount": {"currency": payment.currency, "value": amount_value(payment.amount_cents)},
            "description": payment.description,
            "redirectUrl": payment.redirect_url,
            "webhookUrl": payment.webhook_url,
            "metadata": {"pledge_id": payment.pledge_id},
            "method": "ideal",
        });
        let request = self
            .http
            .post(format!("{}/v2/payments", self.base_url))
            .header("Idempotency-Key", &payment.idempotency_key)
            .json(&body);
        let created = self.payment_of_our_mode(self.send(request).await?)?;
        if created.checkout_url.is_none() {
            return Err(ProviderError::Malformed("a new payment without _links.checkout".into()));
        }
        Ok(created)
    }

    async fn get_payment(&self, id: &str) -> Result<ProviderPayment, ProviderError> {
        if !valid_payment_id(id) {
            return Err(ProviderError::NotFound);
        }
        self.payment_of_our_mode(self.send(self.http.get(format!("{}/v2/payments/{id}", self.base_url))).await?)
    }

    /// `DELETE /v2/payments/{id}`: Mollie cancels a payment that is still cancelable
    /// and answers it; one that is not is refused (422).
    async fn cancel_payment(&self, id: &str) -> Result<ProviderPayment, ProviderError> {
        if !valid_payment_id(id) {
            return Err(ProviderError::NotFound);
        }
        self.payment_of_our_mode(self.send(self.http.delete(format!("{}/v2/payments/{id}", self.base_url))).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_documented_payment() {
        let p = read_payment(json!({
            "resource": "payment", "id": "tr_WDqYK6vllg", "mode": "test", "status": "open",
            "amount": {"value": "25.50", "currency": "EUR"}, "description": "S4C-UTR-7KQ2M9XD",
            "metadata": {"pledge_id": "pl_ABC"},
            "_links": {"self": {"href": "https://api.mollie.com/v2/payments/tr_WDqYK6vllg", "type": "application/hal+json"},
                       "checkout": {"href": "https://www.mollie.com/checkout/select-method/WDqYK6vllg", "type": "text/html"}}
        }))
        .unwrap();
        assert_eq!(p.amount_cents, 2550);
        assert_eq!(p.pledge_id.as_deref(), Some("pl_ABC"));
        assert_eq!(p.status, PaymentStatus::Open);
        assert!(p.checkout_url.unwrap().starts_with("https://www.mollie.com/checkout/"));
        let paid = read_payment(json!({"id": "tr_x", "status": "paid", "amount": {"value": "1.00", "currency": "EUR"},
            "metadata": "{\"pledge_id\":\"pl_S\"}"}))
        .unwrap();
        assert_eq!(
            (paid.status, paid.pledge_id.as_deref(), paid.checkout_url),
            (PaymentStatus::Paid, Some("pl_S"), None)
        );
        assert!(read_payment(json!({"id": "tr_x", "status": "weird", "amount": {"value": "1.00", "currency": "EUR"}}))
            .is_err());
        assert!(
            read_payment(json!({"id": "tr_x", "status": "paid", "amount": {"value": "1", "currency": "EUR"}})).is_err()
        );
    }

    #[test]
    fn payment_ids() {
        assert!(valid_payment_id("tr_WDqYK6vllg"));
        for bad in ["", "tr_", "WDqYK6vllg", "tr_../../v2/refunds", "tr_a b", "tr_a?x=1"] {
            assert!(!valid_payment_id(bad), "{bad}");
        }
    }
}
