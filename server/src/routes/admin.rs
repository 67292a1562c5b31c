//! The admin API, `/api/v1/admin/...`: bearer tokens (stored hashed), optionally
//! limited to one programme. A missing, unknown or revoked token is `401` before the
//! handler runs, so nothing changes.

use super::{read_body, AppState, ADMIN_BODY_LIMIT};
use crate::domain::{self, parse_definition, CohortDefinition, DefinitionParseError};
use crate::error::{ApiError, ApiResult};
use crate::storage::{PledgeChange, PledgeRow, PutOutcome, StoredCohort, TokenInfo};
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
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
        let token = state.storage().token_by_secret(secret).await?.ok_or(ApiError::Unauthorized)?;
        Ok(Admin(token))
    }
}

impl Admin {
    /// `403` unless this token may administer `programme`.
    pub fn may(&self, programme: &str) -> ApiResult<()> {
        match &self.0.programme {
            Some(p) if p != programme => Err(ApiError::Forbidden {
                code: "forbidden",
                message: format!("This token is limited to the programme {p:?}."),
            }),
            _ => Ok(()),
        }
    }
}

async fn json_body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: Body, empty_ok: bool) -> ApiResult<Option<T>> {
    let bytes = read_body(headers, body, ADMIN_BODY_LIMIT).await?;
    if empty_ok && bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(ApiError::malformed_json(inner));
            }
            let field = if path == "." { String::new() } else { path };
            let msg = inner.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            Err(ApiError::Validation(vec![FieldError::new(field, Problem::Format { expected: msg })]))
        }
    }
}

async fn cohort_for(state: &AppState, admin: &Admin, slug: &str) -> ApiResult<StoredCohort> {
    let cohort = state.storage().get_cohort(slug).await?.ok_or_else(|| ApiError::not_found(format!("Cohort {slug:?}")))?;
    admin.may(&cohort.definition.programme.name)?;
    Ok(cohort)
}

pub async fn list_cohorts(State(state): State<AppState>, admin: Admin) -> ApiResult<Json<Value>> {
    let cohorts: Vec<Value> = state
        .storage()
        .list_cohorts()
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

/// Parses and validates a definition for `slug`; shared with the CLI.
pub fn definition_from_json(slug: Option<&str>, bytes: &[u8]) -> ApiResult<CohortDefinition> {
    let mut def = parse_definition(bytes).map_err(|e| match e {
        DefinitionParseError::Syntax(m) => ApiError::malformed_json(m),
        DefinitionParseError::Shape(fields) => ApiError::Validation(fields),
    })?;
    if let Some(slug) = slug {
        if def.slug.is_empty() {
            def.slug = slug.to_owned();
        } else if def.slug != slug {
            return Err(ApiError::Validation(vec![FieldError::new("slug", Problem::Inconsistent { with: "the URL".into() })]));
        }
    }
    def.validate().map_err(ApiError::Validation)?;
    Ok(def)
}

pub async fn put_cohort(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let bytes = read_body(&headers, body, ADMIN_BODY_LIMIT).await?;
    let def = definition_from_json(Some(&slug), &bytes)?;
    admin.may(&def.programme.name)?;
    if let Some(existing) = state.storage().get_cohort(&slug).await? {
        admin.may(&existing.definition.programme.name)?;
    }
    let outcome = state.storage().put_cohort(&def, domain::now()).await?;
    let status = if outcome == PutOutcome::Created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(def)).into_response())
}

/// Body of `PUT .../stakeholders/{name}`: a contract stakeholder without its name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StakeholderBody {
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

/// Adds the stakeholder or replaces the one with the same name. Returns whether it is new.
pub fn upsert_stakeholder(def: &mut CohortDefinition, s: Stakeholder) -> bool {
    match def.stakeholders.iter_mut().find(|x| x.name == s.name) {
        Some(existing) => {
            *existing = s;
            false
        }
        None => {
            def.stakeholders.push(s);
            true
        }
    }
}

pub async fn put_stakeholder(
    State(state): State<AppState>,
    admin: Admin,
    Path((slug, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let b: StakeholderBody = json_body(&headers, body, false).await?.expect("a body");
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
    let created = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = created.clone();
    let s = stakeholder.clone();
    state
        .storage()
        .edit_cohort(
            &slug,
            domain::now(),
            Box::new(move |def| {
                flag.store(upsert_stakeholder(def, s), std::sync::atomic::Ordering::SeqCst);
                Ok(())
            }),
        )
        .await?;
    let status = if created.load(std::sync::atomic::Ordering::SeqCst) { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(stakeholder)).into_response())
}

/// Body of `POST .../own-contributions`: `{"received": n}` sets the number of
/// participants who paid; `{"add": n}` records `n` more.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnContributionChange {
    #[serde(default)]
    pub received: Option<i64>,
    #[serde(default)]
    pub add: Option<i64>,
}

/// Applies an own-contribution change; shared with the CLI.
pub fn apply_own_contribution(def: &mut CohortDefinition, change: &OwnContributionChange) -> Result<(), Vec<FieldError>> {
    let own = &mut def.own_contributions;
    match (change.received, change.add) {
        (Some(n), None) => own.received = n,
        (None, Some(n)) => {
            own.received = own
                .received
                .checked_add(n)
                .ok_or_else(|| vec![FieldError::new("add", Problem::Overflow)])?;
        }
        _ => {
            return Err(vec![FieldError::new(
                "received",
                Problem::Inconsistent { with: "add (give exactly one of received and add)".into() },
            )])
        }
    }
    Ok(())
}

pub async fn own_contributions(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<OwnContributions>> {
    let change: OwnContributionChange = json_body(&headers, body, false).await?.expect("a body");
    cohort_for(&state, &admin, &slug).await?;
    let def = state
        .storage()
        .edit_cohort(&slug, domain::now(), Box::new(move |def| apply_own_contribution(def, &change)))
        .await?;
    Ok(Json(def.own_contributions))
}

pub async fn export_csv(State(state): State<AppState>, admin: Admin, Path(slug): Path<String>) -> ApiResult<Response> {
    cohort_for(&state, &admin, &slug).await?;
    let rows = state.storage().all_pledges(&slug).await?.ok_or_else(|| ApiError::not_found(format!("Cohort {slug:?}")))?;
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
    let rows = state.storage().all_pledges(&slug).await?.ok_or_else(|| ApiError::not_found(format!("Cohort {slug:?}")))?;
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
    let (row, programme) = state.storage().get_pledge(id).await?.ok_or_else(|| ApiError::not_found(format!("Pledge {id:?}")))?;
    admin.may(&programme)?;
    Ok(row)
}

async fn change(state: &AppState, admin: &Admin, id: &str, change: PledgeChange) -> ApiResult<Json<AdminPledge>> {
    pledge_for(state, admin, id).await?;
    Ok(Json(state.storage().change_pledge(id, change, domain::now()).await?.into()))
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
struct HideBody {
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
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<AdminPledge>> {
    let hidden = json_body::<HideBody>(&headers, body, true).await?.is_none_or(|b| b.hidden);
    change(&state, &admin, &id, PledgeChange::HideMessage(hidden)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
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

pub async fn create_token(State(state): State<AppState>, admin: Admin, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    let req = json_body::<NewToken>(&headers, body, true).await?.unwrap_or(NewToken { programme: None, label: None });
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
    let (info, token) = state.storage().create_token(programme, req.label, domain::now()).await?;
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(CreatedToken { info, token })).into_response())
}

pub async fn list_tokens(State(state): State<AppState>, admin: Admin) -> ApiResult<Json<Value>> {
    let tokens: Vec<TokenInfo> = state
        .storage()
        .list_tokens()
        .await?
        .into_iter()
        .filter(|t| admin.0.programme.is_none() || t.programme == admin.0.programme)
        .collect();
    Ok(Json(json!({ "tokens": tokens })))
}

pub async fn revoke_token(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> ApiResult<Json<TokenInfo>> {
    let token = state.storage().get_token(&id).await?.ok_or_else(|| ApiError::not_found(format!("Token {id:?}")))?;
    if admin.0.programme.is_some() && token.programme != admin.0.programme {
        return Err(ApiError::Forbidden { code: "forbidden", message: "This token may not revoke that token.".into() });
    }
    Ok(Json(state.storage().revoke_token(&id, domain::now()).await?))
}
