//! Talking to the reference server: the admin API with the signed-in credentials and
//! the public cohort document. Every answer becomes a value; nothing panics.

use cofund_core::api::{ApiErrorBody, PledgeStatus};
use cofund_core::{Cohort, FieldError, OwnContributions, Stakeholder};
use gloo_net::http::{Request, RequestBuilder};
use serde::Deserialize;
use std::cell::RefCell;

/// The signed-in browser session, as `GET /api/v1/session` describes it. The session
/// itself is an `HttpOnly` cookie the dashboard never sees; it sends the CSRF token
/// back in `X-CSRF-Token` on every change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Session {
    pub role: Role,
    #[serde(default)]
    pub programme: Option<String>,
    #[serde(default)]
    pub cohort: Option<String>,
    pub csrf_token: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Coordinator,
    Member,
}

impl Session {
    /// Coordinators change things; members only look.
    pub fn may_change(&self) -> bool {
        self.role == Role::Coordinator
    }
}

thread_local! {
    static CSRF: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn remember(s: &Session) {
    CSRF.with(|c| *c.borrow_mut() = Some(s.csrf_token.clone()));
}

/// The current session, if the browser has one.
pub async fn session() -> Result<Session, Failure> {
    let text = send(Request::get("/api/v1/session"), None).await?;
    let s: Session = parse(&text)?;
    remember(&s);
    Ok(s)
}

/// Starts a session with an admin token, typed once on the sign-in page; the token is
/// not kept.
pub async fn sign_in_with_token(token: &str) -> Result<Session, Failure> {
    let body = serde_json::json!({ "token": token }).to_string();
    let text = send(Request::post("/api/v1/session"), Some(body)).await?;
    let s: Session = parse(&text)?;
    remember(&s);
    Ok(s)
}

/// Ends the session on the server.
pub async fn sign_out() -> Result<(), Failure> {
    send(Request::delete("/api/v1/session"), None).await?;
    CSRF.with(|c| *c.borrow_mut() = None);
    Ok(())
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

async fn send(r: RequestBuilder, body: Option<String>) -> Result<String, Failure> {
    send_with(r, body, None).await.map(|(text, _)| text)
}

/// Sends a request with the session's CSRF token (and `If-Match` when given); returns
/// the body and the `ETag`.
async fn send_with(
    r: RequestBuilder,
    body: Option<String>,
    if_match: Option<&str>,
) -> Result<(String, Option<String>), Failure> {
    let mut r = r.header("Accept", "application/json").cache(web_sys::RequestCache::NoStore);
    if let Some(token) = CSRF.with(|c| c.borrow().clone()) {
        r = r.header("X-CSRF-Token", &token);
    }
    if let Some(tag) = if_match {
        r = r.header("If-Match", tag);
    }
    let response = match body {
        Some(b) => r.header("Content-Type", "application/json").body(b).map_err(|_| Failure::Network)?.send().await,
        None => r.send().await,
    }
    .map_err(|_| Failure::Network)?;
    let status = response.status();
    let etag = response.headers().get("etag");
    let text = response.text().await.map_err(|_| Failure::Network)?;
    match status {
        200..=299 => Ok((text, etag)),
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
    /// `None`: hidden by the donor (what a cohort member sees).
    #[serde(default)]
    pub amount_cents: Option<i64>,
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
    /// Empty for cohort members, who do not reconcile.
    #[serde(default)]
    pub reference: String,
    pub created_at: String,
    pub updated_at: String,
    /// The donor had name, e-mail and message removed (AVG).
    #[serde(default)]
    pub anonymised_at: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct PledgeList {
    pledges: Vec<Pledge>,
}

/// The cohort's settlement statements (coordinators).
pub async fn settlements(slug: &str) -> Result<crate::settlements::CohortSettlements, Failure> {
    let text = send(Request::get(&format!("/api/v1/admin/cohorts/{slug}/settlements")), None).await?;
    crate::settlements::parse(&text)
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

/// The revision of a cohort's definition (its `ETag`), to send back with an edit.
pub async fn revision(slug: &str) -> Result<Option<String>, Failure> {
    Ok(send_with(Request::get(&format!("/api/v1/admin/cohorts/{slug}")), None, None).await?.1)
}

/// Marks the listed pledges received in one request; the server checks all first.
pub async fn confirm_pledges(slug: &str, ids: &[String]) -> Result<usize, Failure> {
    let body = serde_json::json!({ "pledges": ids }).to_string();
    send(Request::post(&format!("/api/v1/admin/cohorts/{slug}/pledges/confirm")), Some(body)).await?;
    Ok(ids.len())
}

/// Adds or replaces the stakeholder with this name; refused with `Conflict` when the
/// cohort changed since `revision`.
pub async fn put_stakeholder(slug: &str, s: &Stakeholder, revision: Option<&str>) -> Result<(), Failure> {
    let mut body = serde_json::to_value(s).map_err(|_| Failure::Server(0))?;
    if let Some(o) = body.as_object_mut() {
        o.remove("name");
    }
    let name = js_sys::encode_uri_component(&s.name).as_string().unwrap_or_default();
    send_with(
        Request::put(&format!("/api/v1/admin/cohorts/{slug}/stakeholders/{name}")),
        Some(body.to_string()),
        revision,
    )
    .await?;
    Ok(())
}

/// The CSV export.
pub async fn export_csv(slug: &str) -> Result<String, Failure> {
    send(Request::get(&format!("/api/v1/admin/cohorts/{slug}/pledges.csv")), None).await
}

#[derive(Deserialize)]
struct OutboxList {
    messages: Vec<crate::mail::OutboxMessage>,
}

/// The cohort's outbox, newest first.
pub async fn outbox(slug: &str) -> Result<Vec<crate::mail::OutboxMessage>, Failure> {
    let text = send(Request::get(&format!("/api/v1/admin/cohorts/{slug}/outbox")), None).await?;
    Ok(parse::<OutboxList>(&text)?.messages)
}

/// Puts a failed message back in the queue.
pub async fn retry_message(slug: &str, id: &str) -> Result<(), Failure> {
    send(Request::post(&format!("/api/v1/admin/cohorts/{slug}/outbox/{id}/retry")), None).await?;
    Ok(())
}

/// The cohort's definition as stored (for settings the document does not carry).
pub async fn definition(slug: &str) -> Result<serde_json::Value, Failure> {
    parse(&send(Request::get(&format!("/api/v1/admin/cohorts/{slug}")), None).await?)
}

/// Saves a cohort's whole definition (`PUT /api/v1/admin/cohorts/{slug}`), as read by
/// [`definition`] and changed; answers the definition as stored.
pub async fn put_definition(slug: &str, definition: &serde_json::Value) -> Result<serde_json::Value, Failure> {
    parse(&send(Request::put(&format!("/api/v1/admin/cohorts/{slug}")), Some(definition.to_string())).await?)
}

/// A news update: `what` is `preview`, `test` (to the coordinator's address) or
/// `send` (to every donor who asked for news).
pub async fn news(
    slug: &str,
    what: &str,
    subject: &str,
    body: &str,
    locale: &str,
) -> Result<serde_json::Value, Failure> {
    let path = match what {
        "preview" => format!("/api/v1/admin/cohorts/{slug}/news/preview"),
        "test" => format!("/api/v1/admin/cohorts/{slug}/news/test"),
        _ => format!("/api/v1/admin/cohorts/{slug}/news"),
    };
    let payload = serde_json::json!({ "subject": subject, "body": body, "locale": locale }).to_string();
    parse(&send(Request::post(&path), Some(payload)).await?)
}
/// What a coordinator sets of a programme (name, page, pot, impact figures), with its
/// revision (the `ETag`) to send back with an edit.
pub async fn programme_settings(
    slug: &str,
) -> Result<(cofund_core::programme::ProgrammeSettings, Option<String>), Failure> {
    let (text, etag) = send_with(Request::get(&format!("/api/v1/admin/programmes/{slug}")), None, None).await?;
    Ok((parse(&text)?, etag))
}

/// Stores a programme's settings, checked again by the server (422: field errors);
/// refused with `Conflict` when someone saved the programme since `revision`. Returns
/// the new revision.
pub async fn put_programme(
    slug: &str,
    s: &cofund_core::programme::ProgrammeSettings,
    revision: Option<&str>,
) -> Result<Option<String>, Failure> {
    let body = serde_json::to_string(s).map_err(|_| Failure::Server(0))?;
    Ok(send_with(Request::put(&format!("/api/v1/admin/programmes/{slug}")), Some(body), revision).await?.1)
}

/// The pot's use per cohort over time (coordinators of the programme).
pub async fn pot_history(slug: &str) -> Result<cofund_core::pot::PotHistory, Failure> {
    parse(&send(Request::get(&format!("/api/v1/admin/programmes/{slug}/pot-history")), None).await?)
}

/// What each of the pot's funders owes (coordinators of the programme).
pub async fn funder_settlements(slug: &str) -> Result<cofund_core::settlement::ProgrammeSettlements, Failure> {
    parse(&send(Request::get(&format!("/api/v1/admin/programmes/{slug}/settlements")), None).await?)
}
