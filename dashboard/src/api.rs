//! Talking to the reference server: the admin API with the signed-in credentials and
//! the public cohort document. Every answer becomes a value; nothing panics.

use cofund_core::admin::{
    AdminPledge, CohortList, CohortSettlements, ConfirmPledges, ListedPledge, NewsPreview, NewsQueued, NewsTestSent,
    NewsUpdate, Outbox, OutboxItem, OwnContributionChange, PledgeList, TokenSignIn,
};
use cofund_core::api::ApiErrorBody;
use cofund_core::{Cohort, FieldError, OwnContributions, Stakeholder};
use gloo_net::http::{Request, RequestBuilder};
use serde::Deserialize;
use std::cell::RefCell;

pub use cofund_core::admin::{CohortRef, Role, Session};

/// A pledge as the dashboard lists it: the coordinator's view (with the e-mail address
/// and the real name) or the member's (what everyone gets).
pub type Pledge = ListedPledge;

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
    let body = json(&TokenSignIn { token: token.to_owned() })?;
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

fn json<T: serde::Serialize>(body: &T) -> Result<String, Failure> {
    serde_json::to_string(body).map_err(|_| Failure::Server(0))
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

/// The cohort's settlement statements (coordinators).
pub async fn settlements(slug: &str) -> Result<CohortSettlements, Failure> {
    parse(&send(Request::get(&format!("/api/v1/admin/cohorts/{slug}/settlements")), None).await?)
}

/// Every pledge of the cohort, newest first.
pub async fn pledges(slug: &str) -> Result<Vec<Pledge>, Failure> {
    let text = send(Request::get(&format!("/api/v1/admin/cohorts/{slug}/pledges")), None).await?;
    Ok(parse::<PledgeList<ListedPledge>>(&text)?.pledges)
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
    parse::<AdminPledge>(&text).map(ListedPledge::from)
}

/// Records `delta` more (or, negative, fewer) participants who paid.
pub async fn change_own_contributions(slug: &str, delta: i64) -> Result<OwnContributions, Failure> {
    let body = json(&OwnContributionChange { add: Some(delta), received: None })?;
    let text = send(Request::post(&format!("/api/v1/admin/cohorts/{slug}/own-contributions")), Some(body)).await?;
    parse(&text)
}

/// The revision of a cohort's definition (its `ETag`), to send back with an edit.
pub async fn revision(slug: &str) -> Result<Option<String>, Failure> {
    Ok(send_with(Request::get(&format!("/api/v1/admin/cohorts/{slug}")), None, None).await?.1)
}

/// Marks the listed pledges received in one request; the server checks all first.
pub async fn confirm_pledges(slug: &str, ids: &[String]) -> Result<usize, Failure> {
    let body = json(&ConfirmPledges { pledges: ids.to_vec() })?;
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

/// The cohort's outbox, newest first.
pub async fn outbox(slug: &str) -> Result<Vec<OutboxItem>, Failure> {
    let text = send(Request::get(&format!("/api/v1/admin/cohorts/{slug}/outbox")), None).await?;
    Ok(parse::<Outbox>(&text)?.messages)
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

/// What became of a news update.
#[derive(Debug, Clone, PartialEq)]
pub enum NewsOutcome {
    Preview(NewsPreview),
    TestSent(NewsTestSent),
    Queued(NewsQueued),
}

/// A news update: `what` is `preview`, `test` (to the coordinator's address) or
/// `send` (to every donor who asked for news).
pub async fn news(slug: &str, what: &str, update: &NewsUpdate) -> Result<NewsOutcome, Failure> {
    let base = format!("/api/v1/admin/cohorts/{slug}/news");
    let payload = Some(json(update)?);
    Ok(match what {
        "preview" => NewsOutcome::Preview(parse(&send(Request::post(&format!("{base}/preview")), payload).await?)?),
        "test" => NewsOutcome::TestSent(parse(&send(Request::post(&format!("{base}/test")), payload).await?)?),
        _ => NewsOutcome::Queued(parse(&send(Request::post(&base), payload).await?)?),
    })
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
    let body = json(s)?;
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
