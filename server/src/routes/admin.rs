//! The admin API, `/api/v1/admin/...`: bearer tokens (stored hashed), optionally
//! limited to one programme. A missing, unknown or revoked token is `401` before the
//! handler runs, so nothing changes.

use super::extract::ApiJson;
use super::AppState;
use crate::domain::access::{Access, Role};
use crate::domain::cohorts::OwnContributionChange;
use crate::domain::pledging::PledgeChange;
use crate::domain::{self, CohortDefinition};
use crate::error::{ApiError, ApiResult};
use crate::storage::{PledgeRow, PutOutcome, StoredCohort, TokenInfo};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cofund_core::admin::{
    AdminPledge, CohortList, CohortRef, ConfirmPledges, HideMessage, MemberPledge, OnlinePaymentSetting,
    OnlinePaymentSwitch, PledgeList,
};
use cofund_core::{FieldError, OwnContributions, Problem, Stakeholder};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Who is asking: an admin token (`Authorization: Bearer`) or a dashboard session
/// (cookie, with the CSRF check on changes; see [`super::session::access_of`]).
pub struct Admin(pub Access);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Admin(super::session::access_of(parts, state).await?))
    }
}

impl Admin {
    /// `403` unless this may change cohorts of `programme` (and see e-mail addresses).
    pub fn may(&self, programme: &str) -> ApiResult<()> {
        if self.0.may_change(programme) {
            Ok(())
        } else {
            Err(ApiError::forbidden(self.0.refusal()))
        }
    }

    /// `403` unless this may at least look at the cohort.
    pub fn may_view(&self, cohort: &StoredCohort) -> ApiResult<()> {
        if self.0.may_view(&cohort.definition.programme.name, &cohort.definition.slug) {
            Ok(())
        } else {
            Err(ApiError::forbidden(self.0.refusal()))
        }
    }

    /// `403` for members: tokens are a coordinator's business.
    fn coordinator(&self) -> ApiResult<()> {
        if self.0.role() == Role::Coordinator {
            Ok(())
        } else {
            Err(ApiError::forbidden(self.0.refusal()))
        }
    }
}

/// The revision an edit is based on, from `If-Match: "r12"` (or `12`); none: unchecked.
fn expected_revision(headers: &HeaderMap) -> ApiResult<Option<i64>> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    v.to_str()
        .ok()
        .map(|s| s.trim().trim_start_matches("W/").trim_matches('"').trim_start_matches('r'))
        .and_then(|s| s.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "If-Match",
                Problem::Format { expected: "a revision such as \"r12\"".into() },
            )])
        })
}

async fn cohort_for(state: &AppState, admin: &Admin, slug: &str) -> ApiResult<StoredCohort> {
    let cohort = state.cofund().cohort(slug).await?;
    admin.may(&cohort.definition.programme.name)?;
    Ok(cohort)
}

pub async fn list_cohorts(State(state): State<AppState>, admin: Admin) -> ApiResult<Json<CohortList>> {
    let cohorts = state
        .cofund()
        .cohorts()
        .await?
        .into_iter()
        .filter(|c| admin.may_view(c).is_ok())
        .map(|c| CohortRef {
            updated_at: c.updated_at.to_rfc3339(),
            revision: c.revision,
            slug: c.definition.slug,
            name: c.definition.name,
            programme: c.definition.programme.name,
        })
        .collect();
    Ok(Json(CohortList { cohorts }))
}

/// The stored definition, with its revision as the `ETag` (`"r12"`): send it back as
/// `If-Match` on an edit to have a stale edit refused with `409`.
pub async fn get_cohort(State(state): State<AppState>, admin: Admin, Path(slug): Path<String>) -> ApiResult<Response> {
    let c = cohort_for(&state, &admin, &slug).await?;
    Ok((
        [(header::ETAG, format!("\"r{}\"", c.revision)), (header::CACHE_CONTROL, "no-store".to_owned())],
        Json(c.definition),
    )
        .into_response())
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
    /// Contract 1.1: the commitment's rules; checked strictly, field by field.
    #[serde(default)]
    rules: Vec<cofund_core::Rule>,
}

pub async fn put_stakeholder(
    State(state): State<AppState>,
    admin: Admin,
    Path((slug, name)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<StakeholderBody>,
) -> ApiResult<Response> {
    cohort_for(&state, &admin, &slug).await?;
    let expected = expected_revision(&headers)?;
    let stakeholder = Stakeholder {
        name,
        kind: b.kind,
        status: b.status,
        amount_cents: b.amount_cents,
        url: b.url,
        condition: b.condition,
        match_: b.match_,
        rules: b.rules,
        evaluation: None,
    };
    let created = state.cofund().put_stakeholder(&slug, stakeholder.clone(), expected, domain::now()).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(stakeholder)).into_response())
}

/// `PUT /api/v1/admin/cohorts/{slug}/online-payment` with `{"enabled": true|false}`.
pub async fn online_payment(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<OnlinePaymentSwitch>,
) -> ApiResult<Json<OnlinePaymentSetting>> {
    cohort_for(&state, &admin, &slug).await?;
    state.cofund().set_online_payment(&slug, b.enabled, domain::now()).await?;
    let provider = state.cofund().payment_provider().map(|p| p.name().to_owned());
    Ok(Json(OnlinePaymentSetting { enabled: b.enabled, provider }))
}

pub async fn own_contributions(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    headers: HeaderMap,
    ApiJson(change): ApiJson<OwnContributionChange>,
) -> ApiResult<Json<OwnContributions>> {
    cohort_for(&state, &admin, &slug).await?;
    let expected = expected_revision(&headers)?;
    Ok(Json(state.cofund().change_own_contributions(&slug, change, expected, domain::now()).await?))
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

/// `GET /api/v1/admin/cohorts/{slug}/settlements`: each stakeholder's statement (and
/// the programme pot's) of what it owes and why; coordinators of the programme only.
pub async fn settlements(State(state): State<AppState>, admin: Admin, Path(slug): Path<String>) -> ApiResult<Response> {
    cohort_for(&state, &admin, &slug).await?;
    let s = state.cofund().settlements(&slug, domain::now()).await?;
    Ok(([(header::CACHE_CONTROL, "no-store".to_owned())], Json(s)).into_response())
}

/// `GET /api/v1/admin/cohorts/{slug}/settlements.csv`: the same lines, one row each.
pub async fn settlements_csv(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    cohort_for(&state, &admin, &slug).await?;
    let s = state.cofund().settlements(&slug, domain::now()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{slug}-settlements.csv\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        crate::export::settlements_csv(&s),
    )
        .into_response())
}

/// Coordinators of programme `slug`: of every name its cohorts (and its row) go by, and
/// of the name a new setting gives it.
async fn may_change_programme(state: &AppState, admin: &Admin, slug: &str, new_name: Option<&str>) -> ApiResult<()> {
    for name in state.cofund().programme_names(slug).await? {
        admin.may(&name)?;
    }
    if let Some(n) = new_name {
        admin.may(n)?;
    }
    Ok(())
}

/// `GET /api/v1/admin/programmes/{slug}`: what `PUT` sets (name, url, pot, impact), with
/// its revision as the `ETag`.
pub async fn get_programme(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let p = state.cofund().programme_settings(&slug).await?;
    may_change_programme(&state, &admin, &slug, None).await?;
    Ok((
        [(header::ETAG, format!("\"r{}\"", p.revision)), (header::CACHE_CONTROL, "no-store".to_owned())],
        Json(p.settings),
    )
        .into_response())
}

/// `PUT /api/v1/admin/programmes/{slug}`: a programme's name, page, multiplier pot (or
/// `null`) and impact figures, checked by `cofund-core`; every cohort of the programme
/// gets its new documents. With `If-Match` (the `ETag` of the `GET`), a programme
/// someone else saved since is refused `409 stale_revision`, as a cohort's edits are.
pub async fn put_programme(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    headers: HeaderMap,
    ApiJson(settings): ApiJson<cofund_core::programme::ProgrammeSettings>,
) -> ApiResult<Response> {
    may_change_programme(&state, &admin, &slug, Some(&settings.name)).await?;
    let expected = expected_revision(&headers)?;
    let (outcome, stored) = state.cofund().put_programme(&slug, settings, expected, domain::now()).await?;
    let status = if outcome == PutOutcome::Created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, [(header::ETAG, format!("\"r{}\"", stored.revision))], Json(stored.settings)).into_response())
}

/// `GET /api/v1/admin/programmes/{slug}/pot-history`: the pot's use per cohort over
/// time, step by step (`cofund_core::pot::PotHistory`); coordinators of the programme.
pub async fn pot_history(State(state): State<AppState>, admin: Admin, Path(slug): Path<String>) -> ApiResult<Response> {
    may_change_programme(&state, &admin, &slug, None).await?;
    let h = state.cofund().pot_history(&slug).await?;
    Ok(([(header::CACHE_CONTROL, "no-store".to_owned())], Json(h)).into_response())
}

/// `GET /api/v1/admin/programmes/{slug}/settlements`: what each of the pot's funders
/// owes for the pot's use, per cohort and in total; coordinators of the programme.
pub async fn programme_settlements(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let s = funders_of(&state, &admin, &slug).await?;
    Ok(([(header::CACHE_CONTROL, "no-store".to_owned())], Json(s)).into_response())
}

async fn funders_of(
    state: &AppState,
    admin: &Admin,
    slug: &str,
) -> ApiResult<cofund_core::settlement::ProgrammeSettlements> {
    may_change_programme(state, admin, slug, None).await?;
    Ok(state.cofund().programme_settlements(slug, domain::now()).await?)
}

/// `GET /api/v1/admin/programmes/{slug}/settlements.csv`: the same figures, a row per
/// funder and cohort and a total row per funder.
pub async fn programme_settlements_csv(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let s = funders_of(&state, &admin, &slug).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{slug}-funders.csv\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        crate::export::programme_settlements_csv(&s),
    )
        .into_response())
}

/// `GET /api/v1/admin/cohorts/{slug}/pledges`: every pledge of the cohort, newest first,
/// as coordinators see them (with e-mail addresses and cancelled ones, and a
/// `payment_conflict` where money arrived for a cancelled pledge), for a coordinator's
/// own tools.
/// A cohort member gets the same list as the public sees each pledge (name and amount
/// only where the donor chose to show them, no hidden message, never an e-mail
/// address), with its status. Its `id` is a row key derived from the pledge id, never
/// the pledge id itself: the pledge id is what the donor holds to read their payment
/// (amount and reference included), so it must not reach anyone who may not see those.
pub async fn list_pledges(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let cohort = state.cofund().cohort(&slug).await?;
    admin.may_view(&cohort)?;
    let rows = state.cofund().all_pledges(&slug).await?;
    let body = if admin.may(&cohort.definition.programme.name).is_ok() {
        let mut pledges = Vec::with_capacity(rows.len());
        for row in rows.into_iter().rev() {
            let conflict = state.cofund().payment_conflict(&row).await?;
            pledges.push(AdminPledge { payment_conflict: conflict, ..admin_pledge(row) });
        }
        Json(PledgeList { pledges }).into_response()
    } else {
        let pledges = rows
            .into_iter()
            .rev()
            .filter(|r| r.status != cofund_core::api::PledgeStatus::Cancelled)
            .map(|r| {
                let p = r.public();
                MemberPledge {
                    id: domain::member_row_key(&r.id),
                    name: p.name,
                    amount_cents: p.amount_cents,
                    message: p.message,
                    status: r.status,
                    created_at: p.at,
                    updated_at: r.updated_at.to_rfc3339(),
                }
            })
            .collect();
        Json(PledgeList { pledges }).into_response()
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], body).into_response())
}

/// `POST /api/v1/admin/cohorts/{slug}/pledges/confirm` `{"pledges": [ids]}`: bank
/// reconciliation. Every id is checked first; one that is not a pledged pledge of this
/// cohort refuses the whole list (422 naming it) and changes nothing.
pub async fn confirm_pledges(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ConfirmPledges>,
) -> ApiResult<Json<PledgeList<AdminPledge>>> {
    cohort_for(&state, &admin, &slug).await?;
    if body.pledges.len() > 1000 {
        return Err(ApiError::Validation(vec![FieldError::new("pledges", Problem::OutOfRange { min: 1, max: 1000 })]));
    }
    let rows = state.cofund().confirm_pledges(&slug, &body.pledges, domain::now()).await?;
    Ok(Json(PledgeList { pledges: rows.into_iter().map(admin_pledge).collect() }))
}

/// A stored pledge as coordinators see it (with the e-mail address).
fn admin_pledge(r: PledgeRow) -> AdminPledge {
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
        payment_conflict: None,
        news: r.news,
        anonymised_at: r.anonymised_at.map(|t| t.to_rfc3339()),
    }
}

async fn pledge_for(state: &AppState, admin: &Admin, id: &str) -> ApiResult<PledgeRow> {
    let (row, programme) = state.cofund().pledge_row(id).await?;
    admin.may(&programme)?;
    Ok(row)
}

async fn change(state: &AppState, admin: &Admin, id: &str, change: PledgeChange) -> ApiResult<Json<AdminPledge>> {
    pledge_for(state, admin, id).await?;
    Ok(Json(admin_pledge(state.cofund().change_pledge(id, change, domain::now()).await?)))
}

/// One pledge as coordinators see it, with `payment_conflict` when something needs
/// their attention (`paid_while_cancelled`: money arrived for a cancelled pledge).
pub async fn get_pledge(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminPledge>> {
    let row = pledge_for(&state, &admin, &id).await?;
    let conflict = state.cofund().payment_conflict(&row).await?;
    Ok(Json(AdminPledge { payment_conflict: conflict, ..admin_pledge(row) }))
}

pub async fn confirm_pledge(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminPledge>> {
    change(&state, &admin, &id, PledgeChange::Confirm).await
}

pub async fn cancel_pledge(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminPledge>> {
    change(&state, &admin, &id, PledgeChange::Cancel).await
}

/// `POST .../hide-message` with an optional body `{"hidden": false}` to show it again.
pub async fn hide_message(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Option<HideMessage>>,
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

pub async fn create_token(
    State(state): State<AppState>,
    admin: Admin,
    ApiJson(req): ApiJson<Option<NewToken>>,
) -> ApiResult<Response> {
    admin.coordinator()?;
    let req = req.unwrap_or(NewToken { programme: None, label: None });
    let programme = match (admin.0.programme_limit().map(str::to_owned), req.programme) {
        // A limited token makes only tokens limited to its own programme.
        (Some(own), None) => Some(own),
        (_, Some(p)) => {
            admin.may(&p)?;
            Some(p)
        }
        (None, None) => None,
    };
    let (info, token) = state.cofund().create_token(programme, req.label, domain::now()).await?;
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(CreatedToken { info, token })).into_response())
}

pub async fn list_tokens(State(state): State<AppState>, admin: Admin) -> ApiResult<Json<Value>> {
    admin.coordinator()?;
    let limit = admin.0.programme_limit().map(str::to_owned);
    let tokens: Vec<TokenInfo> = state
        .cofund()
        .storage()
        .list_tokens()
        .await?
        .into_iter()
        .filter(|t| limit.is_none() || t.programme == limit)
        .collect();
    Ok(Json(json!({ "tokens": tokens })))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenInfo>> {
    admin.coordinator()?;
    let storage = state.cofund().storage();
    let token = storage.get_token(&id).await?.ok_or_else(|| ApiError::not_found(format!("Token {id:?}")))?;
    let limit = admin.0.programme_limit().map(str::to_owned);
    if limit.is_some() && token.programme != limit {
        return Err(ApiError::forbidden("This token may not revoke that token."));
    }
    Ok(Json(storage.revoke_token(&id, domain::now()).await?))
}
