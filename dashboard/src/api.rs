//! Talking to the reference server: the admin API with the signed-in credentials and
//! the public cohort document. Every answer becomes a value; nothing panics.

use cofund_core::api::{ApiErrorBody, PledgeStatus};
use cofund_core::{Cohort, FieldError, OwnContributions, Stakeholder};
use gloo_net::http::{Request, RequestBuilder};
use serde::Deserialize;
use std::cell::RefCell;

/// How the dashboard proves who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// An admin token typed on the sign-in page, kept for this browser tab only.
    Bearer(String),
}

thread_local! {
    static CREDENTIALS: RefCell<Option<Credentials>> = const { RefCell::new(None) };
}

const TOKEN_KEY: &str = "cofund-dashboard-token";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Remembers the credentials for this tab (sessionStorage: gone when the tab closes).
pub fn sign_in(c: Credentials) {
    let Credentials::Bearer(token) = &c;
    if let Some(s) = session_storage() {
        let _ = s.set_item(TOKEN_KEY, token);
    }
    CREDENTIALS.with(|cell| *cell.borrow_mut() = Some(c));
}

/// Forgets the credentials.
pub fn sign_out() {
    if let Some(s) = session_storage() {
        let _ = s.remove_item(TOKEN_KEY);
    }
    CREDENTIALS.with(|cell| *cell.borrow_mut() = None);
}

/// The credentials remembered for this tab, if any.
pub fn restore() -> Option<Credentials> {
    let token = session_storage()?.get_item(TOKEN_KEY).ok().flatten()?;
    let c = Credentials::Bearer(token);
    CREDENTIALS.with(|cell| *cell.borrow_mut() = Some(c.clone()));
    Some(c)
}

/// Why a request did not give what was asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// 401: not signed in, or the session or token has ended.
    Unauthorized,
    /// 403: signed in, but not allowed to do this.
    Forbidden,
    NotFound,
    /// 409: someone else changed it first, or the campaign is not open.
    Conflict,
    /// 422: field errors, to show beside their fields.
    Invalid(Vec<FieldError>),
    /// No answer.
    Network,
    /// Any other status, or an answer that could not be read.
    Server(u16),
}

fn with_credentials(r: RequestBuilder) -> RequestBuilder {
    let r = r.header("Accept", "application/json");
    match CREDENTIALS.with(|c| c.borrow().clone()) {
        Some(Credentials::Bearer(token)) => r.header("Authorization", &format!("Bearer {token}")),
        None => r,
    }
}

async fn send(r: RequestBuilder, body: Option<String>) -> Result<String, Failure> {
    let r = with_credentials(r).cache(web_sys::RequestCache::NoStore);
    let response = match body {
        Some(b) => r.header("Content-Type", "application/json").body(b).map_err(|_| Failure::Network)?.send().await,
        None => r.send().await,
    }
    .map_err(|_| Failure::Network)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| Failure::Network)?;
    match status {
        200..=299 => Ok(text),
        401 => Err(Failure::Unauthorized),
        403 => Err(Failure::Forbidden),
        404 => Err(Failure::NotFound),
        409 => Err(Failure::Conflict),
        422 => Err(Failure::Invalid(
            serde_json::from_str::<ApiErrorBody>(&text).map(|b| b.error.fields).unwrap_or_default(),
        )),
        s => Err(Failure::Server(s)),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, Failure> {
    serde_json::from_str(text).map_err(|_| Failure::Server(200))
}

/// A cohort in the admin list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CohortRef {
    pub slug: String,
    pub name: String,
    pub programme: String,
}

#[derive(Deserialize)]
struct CohortList {
    cohorts: Vec<CohortRef>,
}

/// The cohorts these credentials may see.
pub async fn cohorts() -> Result<Vec<CohortRef>, Failure> {
    let text = send(Request::get("/api/v1/admin/cohorts"), None).await?;
    Ok(parse::<CohortList>(&text)?.cohorts)
}

/// The public document of a cohort, validated by `cofund-core`.
pub async fn document(slug: &str) -> Result<Cohort, Failure> {
    let text = send(Request::get(&format!("/api/v1/cohorts/{slug}")), None).await?;
    Cohort::from_json(&text).map_err(|_| Failure::Server(200))
}

/// A pledge as the dashboard lists it. Coordinators get the e-mail address and the
/// real name; the rest is what everyone gets.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Pledge {
    pub id: String,
    pub amount_cents: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub show_name: bool,
    #[serde(default = "yes")]
    pub show_amount: bool,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub message_hidden: bool,
    pub status: PledgeStatus,
    pub reference: String,
    pub created_at: String,
    pub updated_at: String,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct PledgeList {
    pledges: Vec<Pledge>,
}

/// Every pledge of the cohort, newest first.
pub async fn pledges(slug: &str) -> Result<Vec<Pledge>, Failure> {
    let text = send(Request::get(&format!("/api/v1/admin/cohorts/{slug}/pledges")), None).await?;
    Ok(parse::<PledgeList>(&text)?.pledges)
}

/// What a coordinator does to one pledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PledgeAction {
    MarkReceived,
    Cancel,
    HideMessage,
}

impl PledgeAction {
    fn path(self) -> &'static str {
        match self {
            PledgeAction::MarkReceived => "confirm",
            PledgeAction::Cancel => "cancel",
            PledgeAction::HideMessage => "hide-message",
        }
    }
}

pub async fn pledge_action(id: &str, action: PledgeAction) -> Result<Pledge, Failure> {
    let text = send(Request::post(&format!("/api/v1/admin/pledges/{id}/{}", action.path())), None).await?;
    parse(&text)
}

/// Records `delta` more (or, negative, fewer) participants who paid.
pub async fn change_own_contributions(slug: &str, delta: i64) -> Result<OwnContributions, Failure> {
    let body = serde_json::json!({ "add": delta }).to_string();
    let text = send(Request::post(&format!("/api/v1/admin/cohorts/{slug}/own-contributions")), Some(body)).await?;
    parse(&text)
}

/// Adds or replaces the stakeholder with this name.
pub async fn put_stakeholder(slug: &str, s: &Stakeholder) -> Result<(), Failure> {
    let mut body = serde_json::to_value(s).map_err(|_| Failure::Server(0))?;
    if let Some(o) = body.as_object_mut() {
        o.remove("name");
    }
    let name = js_sys::encode_uri_component(&s.name).as_string().unwrap_or_default();
    send(Request::put(&format!("/api/v1/admin/cohorts/{slug}/stakeholders/{name}")), Some(body.to_string())).await?;
    Ok(())
}

/// The CSV export.
pub async fn export_csv(slug: &str) -> Result<String, Failure> {
    send(Request::get(&format!("/api/v1/admin/cohorts/{slug}/pledges.csv")), None).await
}
