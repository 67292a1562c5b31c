//! Talking to the programme's endpoint: loading the cohort document.

use crate::i18n::{Locale, Say};
use cofund_core::{Cohort, DocumentError};
use gloo_net::http::Request;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How long a request may take before the widget gives up and offers a retry.
pub const REQUEST_TIMEOUT_MS: i32 = 15_000;

/// Why the cohort could not be loaded. Each has a message in the widget's language.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// No `data-cofund-src` on the host element.
    NoSource,
    /// The request failed or timed out: offline, DNS, CORS, a dead endpoint.
    Network,
    /// The endpoint answered with a non-2xx status.
    Http(u16),
    /// The document could not be used.
    Document(DocumentError),
}

impl LoadError {
    /// The message shown in the widget, in the visitor's language.
    pub fn message(&self, locale: Locale) -> String {
        let t = locale.t();
        match self {
            LoadError::NoSource => t.error_no_source.into(),
            LoadError::Network => t.error_network.into(),
            LoadError::Http(status) => locale.http_error(*status),
            LoadError::Document(DocumentError::Json(_)) => t.error_json.into(),
            LoadError::Document(DocumentError::UnsupportedSchema { found }) => locale.schema_error(found.as_deref()),
            LoadError::Document(DocumentError::Invalid(_)) => t.error_invalid.into(),
        }
    }

    /// The `kind` of a `cofund:error` event.
    pub fn kind(&self) -> &'static str {
        match self {
            LoadError::NoSource => "no_source",
            LoadError::Network => "network",
            LoadError::Http(_) => "http",
            LoadError::Document(DocumentError::Json(_)) => "json",
            LoadError::Document(DocumentError::UnsupportedSchema { .. }) => "schema",
            LoadError::Document(DocumentError::Invalid(_)) => "invalid",
        }
    }

    /// Field-level details (invalid documents), each naming its field.
    pub fn details(&self, locale: Locale) -> Vec<String> {
        match self {
            LoadError::Document(DocumentError::Invalid(errors)) => {
                errors.iter().take(8).map(|e| locale.field_error(e)).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// Aborts a fetch after [`REQUEST_TIMEOUT_MS`]; the timer is cleared when dropped.
pub struct Timeout {
    controller: web_sys::AbortController,
    handle: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    pub fn start(ms: i32) -> Option<Timeout> {
        let controller = web_sys::AbortController::new().ok()?;
        let c = controller.clone();
        let callback = Closure::<dyn FnMut()>::new(move || c.abort());
        let handle = crate::window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.as_ref().unchecked_ref(), ms)
            .ok()?;
        Some(Timeout { controller, handle, _callback: callback })
    }

    pub fn signal(&self) -> web_sys::AbortSignal {
        self.controller.signal()
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Some(w) = crate::window() {
            w.clear_timeout_with_handle(self.handle);
        }
    }
}

/// Fetches and validates the cohort document at `url`. `meanwhile` runs in a task of its
/// own while the document is still in flight (not when it has already arrived), so its
/// work costs the visitor no time.
pub async fn load_cohort(url: &str, meanwhile: impl FnOnce() + 'static) -> Result<Cohort, LoadError> {
    let body = load(url, false, Some(Box::new(meanwhile))).await?;
    Cohort::from_json(&body).map_err(LoadError::Document)
}

/// Like [`load_cohort`], but revalidates with the server instead of trusting the HTTP
/// cache (the document may be cached for a few seconds): after a pledge.
pub async fn reload_cohort(url: &str) -> Result<Cohort, LoadError> {
    let body = load(url, true, None).await?;
    Cohort::from_json(&body).map_err(LoadError::Document)
}

/// What a widget's `src` names: a cohort document, or a programme document
/// (`cofund/programme@…`, the programme mode).
// One value per widget load, moved once: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    Cohort(Cohort),
    Programme(crate::programme::ProgrammeRead),
}

/// Like [`load_cohort`], for either kind of document, chosen by its `schema`.
pub async fn load_document(url: &str, meanwhile: impl FnOnce() + 'static) -> Result<Loaded, LoadError> {
    let body = load(url, false, Some(Box::new(meanwhile))).await?;
    match crate::programme::schema_of(&body) {
        Ok(Some(s)) if s.starts_with(crate::programme::PROGRAMME_SCHEMA_FAMILY) => {
            crate::programme::read_programme(&body).map(Loaded::Programme).map_err(LoadError::Document)
        }
        _ => Cohort::from_json(&body).map(Loaded::Cohort).map_err(LoadError::Document),
    }
}

/// Revalidates a programme document (a live event, the refresh timer).
pub async fn reload_programme(url: &str) -> Result<crate::programme::ProgrammeRead, LoadError> {
    let body = load(url, true, None).await?;
    crate::programme::read_programme(&body).map_err(LoadError::Document)
}

/// Runs `work` in a later task (after this one has painted).
fn later(work: Box<dyn FnOnce()>) {
    let callback = Closure::once_into_js(work);
    if let Some(w) = crate::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), 0);
    }
}

/// The response the loader (`cofund.js`) already requested for `url`, if any: it starts
/// each widget's document request while this module downloads and compiles, and leaves
/// the `fetch` promise in a `Map` under `Symbol.for("cofund.documents")`, with
/// `settled = true` set on it once the response is in. Taken once.
fn take_prefetched(url: &str) -> Option<js_sys::Promise> {
    let key = js_sys::Symbol::for_("cofund.documents");
    let map: js_sys::Map = js_sys::Reflect::get(&js_sys::global(), &key).ok()?.dyn_into().ok()?;
    let url = JsValue::from_str(url);
    let promise = map.get(&url).dyn_into().ok()?;
    map.delete(&url);
    Some(promise)
}

/// Reads a prefetched document's response.
async fn read_prefetched(promise: js_sys::Promise) -> Result<String, LoadError> {
    let response: web_sys::Response =
        JsFuture::from(promise).await.map_err(|_| LoadError::Network)?.dyn_into().map_err(|_| LoadError::Network)?;
    if !response.ok() {
        return Err(LoadError::Http(response.status()));
    }
    let text = response.text().map_err(|_| LoadError::Network)?;
    JsFuture::from(text).await.map_err(|_| LoadError::Network)?.as_string().ok_or(LoadError::Network)
}

/// The body of the document at `url`.
async fn load(url: &str, revalidate: bool, meanwhile: Option<Box<dyn FnOnce()>>) -> Result<String, LoadError> {
    if url.trim().is_empty() {
        return Err(LoadError::NoSource);
    }
    if !revalidate {
        if let Some(promise) = take_prefetched(url) {
            let settled = js_sys::Reflect::get(&promise, &JsValue::from_str("settled")).ok().and_then(|v| v.as_bool());
            if let (Some(work), None | Some(false)) = (meanwhile, settled) {
                later(work);
            }
            return read_prefetched(promise).await;
        }
    }
    // The request starts when `send` is first polled, below, before this runs.
    if let Some(work) = meanwhile {
        later(work);
    }
    let timeout = Timeout::start(REQUEST_TIMEOUT_MS);
    let signal = timeout.as_ref().map(Timeout::signal);
    let mut request = Request::get(url).header("Accept", "application/json").abort_signal(signal.as_ref());
    if revalidate {
        request = request.cache(web_sys::RequestCache::NoCache);
    }
    let response = request.send().await.map_err(|_| LoadError::Network)?;
    if !response.ok() {
        return Err(LoadError::Http(response.status()));
    }
    let body = response.text().await.map_err(|_| LoadError::Network)?;
    drop(timeout);
    Ok(body)
}

/// Resolves a link from the document against the document's own URL, so that a
/// document may say `/api/v1/cohorts/x/pledges`.
pub fn resolve(link: &str, document_url: &str) -> Option<String> {
    let base = web_sys::Url::new_with_base(document_url, &crate::window()?.location().href().ok()?).ok()?;
    web_sys::Url::new_with_base(link, &base.href()).ok().map(|u| u.href())
}

/// What came of sending a pledge.
// One outcome exists at a time; boxing the large variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum PledgeOutcome {
    /// 201: recorded.
    Recorded(cofund_core::api::PledgeResponse),
    /// 422: field errors, to show beside their fields.
    Invalid(Vec<cofund_core::FieldError>),
    /// 409 `campaign_not_open`.
    CampaignClosed,
    /// 404: the cohort is gone.
    NotFound,
    /// 403 `origin_not_allowed`: this site may not take pledges.
    OriginRefused,
    /// 400, 409 (key reuse), 413: the request itself was refused; retrying will not help.
    Rejected,
    /// No answer or a timeout: the outcome is unknown, so a retry reuses the key.
    Unreachable,
    /// A 5xx (or 408/429): the outcome is unknown too; a retry reuses the key.
    ServerError,
}

/// Posts a pledge with its idempotency key. Never panics; every answer is an outcome.
pub async fn send_pledge(url: &str, key: &str, body: &str) -> PledgeOutcome {
    let timeout = Timeout::start(REQUEST_TIMEOUT_MS);
    let signal = timeout.as_ref().map(Timeout::signal);
    let request = Request::post(url)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header("Idempotency-Key", key)
        .abort_signal(signal.as_ref())
        .body(body.to_owned());
    let Ok(request) = request else { return PledgeOutcome::Rejected };
    let Ok(response) = request.send().await else { return PledgeOutcome::Unreachable };
    let status = response.status();
    let Ok(text) = response.text().await else { return PledgeOutcome::Unreachable };
    let error_code = || serde_json::from_str::<cofund_core::api::ApiErrorBody>(&text).map(|b| b.error).ok();
    match status {
        201 | 200 => serde_json::from_str(&text).map(PledgeOutcome::Recorded).unwrap_or(PledgeOutcome::ServerError),
        422 => match error_code() {
            Some(e) if !e.fields.is_empty() => PledgeOutcome::Invalid(e.fields),
            _ => PledgeOutcome::Rejected,
        },
        409 if error_code().is_some_and(|e| e.kind() == Some(cofund_core::api::ErrorCode::CampaignNotOpen)) => {
            PledgeOutcome::CampaignClosed
        }
        404 => PledgeOutcome::NotFound,
        403 => PledgeOutcome::OriginRefused,
        s if s >= 500 || s == 408 || s == 429 => PledgeOutcome::ServerError,
        _ => PledgeOutcome::Rejected,
    }
}

/// A fresh idempotency key for one pledge attempt.
pub fn new_idempotency_key() -> String {
    crate::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("k{}-{}", js_sys::Date::now() as u64, (js_sys::Math::random() * 1e12) as u64))
}

/// What came of asking the server to start an online payment.
#[derive(Debug, Clone, PartialEq)]
pub enum PaymentStartOutcome {
    /// Go to the provider's checkout.
    Checkout(String),
    /// No answer or a 5xx/502: a retry may work (it reuses the key).
    Failed,
    /// Refused: online payment is not possible for this pledge (any more).
    Unavailable,
}

/// Asks the server to start an online payment of a pledge; the provider sends the
/// donor back to `return_url`.
pub async fn start_payment(start_url: &str, key: &str, return_url: &str) -> PaymentStartOutcome {
    let timeout = Timeout::start(REQUEST_TIMEOUT_MS);
    let signal = timeout.as_ref().map(Timeout::signal);
    let body = serde_json::to_string(&cofund_core::api::PaymentStartRequest { return_url: return_url.to_owned() })
        .unwrap_or_default();
    let Ok(request) = Request::post(start_url)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header("Idempotency-Key", key)
        .abort_signal(signal.as_ref())
        .body(body)
    else {
        return PaymentStartOutcome::Failed;
    };
    let Ok(response) = request.send().await else { return PaymentStartOutcome::Failed };
    let status = response.status();
    let Ok(text) = response.text().await else { return PaymentStartOutcome::Failed };
    match status {
        200 | 201 => serde_json::from_str::<cofund_core::api::PaymentStart>(&text)
            .map(|s| PaymentStartOutcome::Checkout(s.checkout_url))
            .unwrap_or(PaymentStartOutcome::Failed),
        409 | 404 | 403 | 422 => PaymentStartOutcome::Unavailable,
        _ => PaymentStartOutcome::Failed,
    }
}

/// The state of a pledge's online payment, as the donor returns from the provider.
pub async fn payment_state(status_url: &str) -> Option<cofund_core::api::PaymentState> {
    let timeout = Timeout::start(REQUEST_TIMEOUT_MS);
    let signal = timeout.as_ref().map(Timeout::signal);
    let response = Request::get(status_url)
        .header("Accept", "application/json")
        .cache(web_sys::RequestCache::NoStore)
        .abort_signal(signal.as_ref())
        .send()
        .await
        .ok()?;
    if !response.ok() {
        return None;
    }
    serde_json::from_str(&response.text().await.ok()?).ok()
}

/// The pledge id in this page's address that the payment provider added on the way
/// back (`?cofund_payment=pl_…`), if any.
pub fn returned_pledge_id() -> Option<String> {
    let search = crate::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params
        .get(cofund_core::api::PAYMENT_RETURN_MARKER)
        .filter(|id| !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// The page the donor comes back to after paying: the page the widget is on. Inside a
/// frame that is the frame's own page (`/embed/{slug}`), opened at the top level: the
/// host page's address is not the frame's to know, and only the widget's own page can
/// read the marker the provider brings back.
pub fn return_url() -> String {
    crate::window().and_then(|w| w.location().href().ok()).unwrap_or_default()
}

/// Sends the donor to the provider's checkout at the top level, never inside a frame.
/// `false` when the browser refused (then the widget offers a link that opens it).
pub fn go_to_checkout(url: &str) -> bool {
    crate::window().is_some_and(|w| w.open_with_url_and_target(url, "_top").ok().flatten().is_some())
}
