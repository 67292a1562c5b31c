//! The admin API, `/api/v1/admin/...`: bearer tokens (stored hashed), optionally
//! limited to one programme. A missing, unknown or revoked token is `401` before the
//! handler runs, so nothing changes.

use super::extract::ApiJson;
use super::AppState;
use crate::domain::cohorts::OwnContributionChange;
use crate::domain::pledging::PledgeChange;
use crate::domain::{self, CohortDefinition};
use crate::error::{ApiError, ApiResult};
use crate::storage::{PledgeRow, PutOutcome, StoredCohort, TokenInfo};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cofund_core::{FieldError, OwnContributions, Problem, Stakeholder};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// An authenticated admin.
pub struct Admin(pub TokenInfo);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| t.starts_with("cfd_"))
            .ok_or(ApiError::Unauthorized)?;
        let token = state.cofund().storage().token_by_secret(secret).await?.ok_or(ApiError::Unauthorized)?;
        Ok(Admin(token))
    }
}

impl Admin {
    /// `403` unless this token may administer `programme`.
    pub fn may(&self, programme: &str) -> ApiResult<()> {
        match &self.0.programme {
            Some(p) if p != programme => Err(ApiError::forbidden(format!("This token is limited to the programme {p:?}."))),
            _ => Ok(()),
        }
    }
}

async fn cohort_for(state: &AppState, admin: &Admin, slug: &str) -> ApiResult<StoredCohort> {
    let cohort = state.cofund().cohort(slug).await?;
    admin.may(&cohort.definition.programme.name)?;
    Ok(cohort)
}

pub async fn list_cohorts(State(state): State<AppState>, admin: Admin) -> ApiResult<Json<Value>> {
    let cohorts: Vec<Value> = state
        .cofund()
        .cohorts()
        .await?
        .into_iter()
        .filter(|c| admin.may(&c.definition.programme.name).is_ok())
        .map(|c| json!({"slug": c.definition.slug, "name": c.definition.name, "programme": c.definition.programme.name, "updated_at": c.updated_at.to_rfc3339()}))
        .collect();
    Ok(Json(json!({ "cohorts": cohorts })))
}

pub async fn get_cohort(State(state): State<AppState>, admin: Admin, Path(slug): Path<String>) -> ApiResult<Json<CohortDefinition>> {
    Ok(Json(cohort_for(&state, &admin, &slug).await?.definition))
}

pub async fn put_cohort(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    ApiJson(def): ApiJson<CohortDefinition>,
) -> ApiResult<Response> {
    admin.may(&def.programme.name)?;
    if let Some(existing) = state.cofund().storage().get_cohort(&slug).await? {
        admin.may(&existing.definition.programme.name)?;
    }
    let (outcome, def) = state.cofund().put_cohort(Some(&slug), def, domain::now()).await?;
    let status = if outcome == PutOutcome::Created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(def)).into_response())
}

/// Body of `PUT .../stakeholders/{name}`: a contract stakeholder without its name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StakeholderBody {
    kind: cofund_core::StakeholderKind,
    status: cofund_core::StakeholderStatus,
    amount_cents: i64,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default, rename = "match")]
    match_: Option<cofund_core::MatchOffer>,
}

pub async fn put_stakeholder(
    State(state): State<AppState>,
    admin: Admin,
    Path((slug, name)): Path<(String, String)>,
    ApiJson(b): ApiJson<StakeholderBody>,
) -> ApiResult<Response> {
    cohort_for(&state, &admin, &slug).await?;
    let stakeholder = Stakeholder {
        name,
        kind: b.kind,
        status: b.status,
        amount_cents: b.amount_cents,
        url: b.url,
        condition: b.condition,
        match_: b.match_,
    };
    let created = state.cofund().put_stakeholder(&slug, stakeholder.clone(), domain::now()).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(stakeholder)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlinePaymentBody {
    enabled: bool,
}

/// `PUT /api/v1/admin/cohorts/{slug}/online-payment` with `{"enabled": true|false}`.
pub async fn online_payment(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<OnlinePaymentBody>,
) -> ApiResult<Response> {
    cohort_for(&state, &admin, &slug).await?;
    state.cofund().set_online_payment(&slug, b.enabled, domain::now()).await?;
    Ok(Json(serde_json::json!({
        "enabled": b.enabled,
        "provider": state.cofund().payment_provider().map(|p| p.name()),
    }))
    .into_response())
}

pub async fn own_contributions(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    ApiJson(change): ApiJson<OwnContributionChange>,
) -> ApiResult<Json<OwnContributions>> {
    cohort_for(&state, &admin, &slug).await?;
    Ok(Json(state.cofund().change_own_contributions(&slug, change, domain::now()).await?))
}

pub async fn export_csv(State(state): State<AppState>, admin: Admin, Path(slug): Path<String>) -> ApiResult<Response> {
    cohort_for(&state, &admin, &slug).await?;
    let rows = state.cofund().all_pledges(&slug).await?;
    let csv = crate::export::pledges_csv(&rows);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{slug}-pledges.csv\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv,
    )
        .into_response())
}

/// `GET /api/v1/admin/cohorts/{slug}/pledges`: every pledge of the cohort, newest first,
/// as coordinators see them (with e-mail addresses and cancelled ones), for a
/// coordinator's own tools.
pub async fn list_pledges(State(state): State<AppState>, admin: Admin, Path(slug): Path<String>) -> ApiResult<Response> {
    cohort_for(&state, &admin, &slug).await?;
    let rows = state.cofund().all_pledges(&slug).await?;
    let pledges: Vec<AdminPledge> = rows.into_iter().rev().map(AdminPledge::from).collect();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(serde_json::json!({ "pledges": pledges }))).into_response())
}

/// A pledge as coordinators see it (with the e-mail address).
#[derive(Serialize)]
pub struct AdminPledge {
    pub id: String,
    pub cohort: String,
    pub amount_cents: i64,
    pub name: Option<String>,
    pub show_name: bool,
    pub show_amount: bool,
    pub email: String,
    pub message: Option<String>,
    pub message_hidden: bool,
    pub status: cofund_core::api::PledgeStatus,
    pub reference: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<PledgeRow> for AdminPledge {
    fn from(r: PledgeRow) -> Self {
        AdminPledge {
            id: r.id,
            cohort: r.cohort_slug,
            amount_cents: r.amount_cents,
            name: r.name,
            show_name: r.show_name,
            show_amount: r.show_amount,
            email: r.email,
            message: r.message,
            message_hidden: r.message_hidden,
            status: r.status,
            reference: r.reference,
            created_at: r.created_at.to_rfc3339(),
            updated_at: r.updated_at.to_rfc3339(),
        }
    }
}

async fn pledge_for(state: &AppState, admin: &Admin, id: &str) -> ApiResult<PledgeRow> {
    let (row, programme) = state.cofund().pledge_row(id).await?;
    admin.may(&programme)?;
    Ok(row)
}

async fn change(state: &AppState, admin: &Admin, id: &str, change: PledgeChange) -> ApiResult<Json<AdminPledge>> {
    pledge_for(state, admin, id).await?;
    Ok(Json(state.cofund().change_pledge(id, change, domain::now()).await?.into()))
}

pub async fn get_pledge(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> ApiResult<Json<AdminPledge>> {
    Ok(Json(pledge_for(&state, &admin, &id).await?.into()))
}

pub async fn confirm_pledge(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> ApiResult<Json<AdminPledge>> {
    change(&state, &admin, &id, PledgeChange::Confirm).await
}

pub async fn cancel_pledge(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> ApiResult<Json<AdminPledge>> {
    change(&state, &admin, &id, PledgeChange::Cancel).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HideBody {
    #[serde(default = "yes")]
    hidden: bool,
}
fn yes() -> bool {
    true
}

/// `POST .../hide-message` with an optional body `{"hidden": false}` to show it again.
pub async fn hide_message(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Option<HideBody>>,
) -> ApiResult<Json<AdminPledge>> {
    let hidden = body.is_none_or(|b| b.hidden);
    change(&state, &admin, &id, PledgeChange::HideMessage(hidden)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[serde(default)]
    programme: Option<String>,
    #[serde(default)]
    label: Option<String>,
}

/// The one time a token's secret is shown.
#[derive(Serialize)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    pub token: String,
}

pub async fn create_token(State(state): State<AppState>, admin: Admin, ApiJson(req): ApiJson<Option<NewToken>>) -> ApiResult<Response> {
    let req = req.unwrap_or(NewToken { programme: None, label: None });
    let programme = match (&admin.0.programme, req.programme) {
        // A limited token makes only tokens limited to its own programme.
        (Some(own), None) => Some(own.clone()),
        (_, Some(p)) => {
            admin.may(&p)?;
            Some(p)
        }
        (None, None) => None,
    };
    let mut errors = Vec::new();
    if programme.as_deref().is_some_and(|p| p.trim().is_empty() || p.chars().count() > 200 || p.chars().any(char::is_control)) {
        errors.push(FieldError::new("programme", Problem::Format { expected: "a programme name".into() }));
    }
    if req.label.as_deref().is_some_and(|l| l.chars().count() > 200 || l.chars().any(char::is_control)) {
        errors.push(FieldError::new("label", Problem::TooLong { max: 200 }));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (info, token) = state.cofund().create_token(programme, req.label, domain::now()).await?;
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(CreatedToken { info, token })).into_response())
}

pub async fn list_tokens(State(state): State<AppState>, admin: Admin) -> ApiResult<Json<Value>> {
    let tokens: Vec<TokenInfo> = state
        .cofund()
        .storage()
        .list_tokens()
        .await?
        .into_iter()
        .filter(|t| admin.0.programme.is_none() || t.programme == admin.0.programme)
        .collect();
    Ok(Json(json!({ "tokens": tokens })))
}

pub async fn revoke_token(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> ApiResult<Json<TokenInfo>> {
    let storage = state.cofund().storage();
    let token = storage.get_token(&id).await?.ok_or_else(|| ApiError::not_found(format!("Token {id:?}")))?;
    if admin.0.programme.is_some() && token.programme != admin.0.programme {
        return Err(ApiError::forbidden("This token may not revoke that token."));
    }
    Ok(Json(storage.revoke_token(&id, domain::now()).await?))
}
