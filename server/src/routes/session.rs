//! Browser sessions for the dashboard: the sign-in page of a single-use link, the
//! session API (`/api/v1/session`: who am I, sign in with an admin token once, sign
//! out), the session cookie and the CSRF check for cookie-authenticated changes.

use super::extract::ApiJson;
use super::site::esc;
use super::AppState;
use crate::domain::access::{
    session_cookie_name, Access, LinkProblem, SecretKind, SessionInfo, CSRF_HEADER, SESSION_HOURS,
};
use crate::domain::{self};
use crate::error::{ApiError, ApiResult};
use axum::extract::{Form, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use cofund_core::admin::{Session, TokenSignIn};
use serde::Deserialize;

/// The session secret from the `Cookie` header(s), if any: only the cookie of this
/// server's name (`__Host-cofund_session` on https), never the other.
pub fn session_cookie<'a>(headers: &'a HeaderMap, public_url: &str) -> Option<&'a str> {
    let name = session_cookie_name(public_url);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim())
        .filter(|v| SecretKind::Session.may_be(v))
}

fn set_cookie(state: &AppState, secret: &str, max_age: i64) -> HeaderValue {
    let secure = if state.public_url().starts_with("https://") { "; Secure" } else { "" };
    let name = session_cookie_name(state.public_url());
    HeaderValue::from_str(&format!("{name}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"))
        .expect("a cookie of visible ASCII")
}

/// Whether `Origin` names this server: the public URL's origin, or the origin of the
/// `Host` the browser addressed (a cross-site page cannot forge either).
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    let public_origin = public_url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    if origin.eq_ignore_ascii_case(&public_origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Who sent the request: a bearer token, or the session cookie. Changes made with the
/// cookie must come from this origin (`Origin`) and carry the session's CSRF token in
/// `X-CSRF-Token`; otherwise `403` before anything runs.
pub async fn access_of(parts: &Parts, state: &AppState) -> ApiResult<Access> {
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let secret = auth
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| SecretKind::AdminToken.may_be(t))
            .ok_or(ApiError::Unauthorized)?;
        let token = state.cofund().storage().token_by_secret(secret).await?.ok_or(ApiError::Unauthorized)?;
        return Ok(Access::Token(token));
    }
    let secret = session_cookie(&parts.headers, state.public_url()).ok_or(ApiError::Unauthorized)?;
    let session = state.cofund().session(secret, domain::now()).await?.ok_or(ApiError::Unauthorized)?;
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let token_ok = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| constant_time_eq(t, &session.csrf_token));
        if !same_origin(&parts.headers, state.public_url()) || !token_ok {
            return Err(ApiError::forbidden(
                "A change made with the session cookie must come from this site and carry the X-CSRF-Token header.",
            ));
        }
    }
    Ok(Access::Session(session))
}

fn who(session: &SessionInfo) -> Session {
    Session {
        id: session.id.clone(),
        role: session.grant.role,
        programme: session.grant.programme.clone(),
        cohort: session.grant.cohort.clone(),
        csrf_token: session.csrf_token.clone(),
        expires_at: session.expires_at.to_rfc3339(),
    }
}

/// `GET /api/v1/session`: the signed-in session and its CSRF token; `401` without one.
pub async fn current(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let secret = session_cookie(&headers, state.public_url()).ok_or(ApiError::Unauthorized)?;
    let session = state.cofund().session(secret, domain::now()).await?.ok_or(ApiError::Unauthorized)?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(who(&session))).into_response())
}

/// `POST /api/v1/session` `{"token": "cfd_…"}`: a coordinator signs in once with an
/// admin token; the dashboard keeps only the session cookie.
pub async fn sign_in_with_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TokenSignIn>,
) -> ApiResult<Response> {
    if !same_origin(&headers, state.public_url()) {
        return Err(ApiError::forbidden("Sign in from this site's dashboard."));
    }
    let (session, secret) =
        state.cofund().sign_in_with_token(&body.token, domain::now()).await?.ok_or(ApiError::Unauthorized)?;
    let mut response =
        (StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(who(&session))).into_response();
    response.headers_mut().insert(header::SET_COOKIE, set_cookie(&state, &secret, SESSION_HOURS * 3600));
    Ok(response)
}

/// `DELETE /api/v1/session`: signs out; the session ends on the server, so the old
/// cookie gets `401` from then on.
pub async fn sign_out(State(state): State<AppState>, request: axum::extract::Request) -> ApiResult<Response> {
    let (parts, _) = request.into_parts();
    let Access::Session(session) = access_of(&parts, &state).await? else {
        return Err(ApiError::forbidden(
            "Only a browser session can sign out; revoke tokens with cofund token revoke.",
        ));
    };
    state.cofund().end_session(&session.id, domain::now()).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, set_cookie(&state, "", 0));
    Ok(response)
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}}\
         button{{font:inherit;min-height:2.75rem;padding:.4rem 1rem;background:#1d6b50;color:#fff;border:0;border-radius:.4rem}}\
         :focus-visible{{outline:3px solid #1a4fa0;outline-offset:2px}}a{{color:#0b5394}}</style></head>\
         <body><main><h1>{t}</h1>{body}</main></body></html>",
        t = esc(title)
    );
    (status, [(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "no-referrer")], Html(html))
        .into_response()
}

/// Keeps a response out of frames on other sites (clickjacking onto the sign-in button
/// or a dashboard control): `X-Frame-Options: DENY` for older browsers and
/// `Content-Security-Policy: frame-ancestors 'none'`. For the sign-in page, the sign-in
/// POST's answers and everything under `/manage/`.
pub async fn deny_framing(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    }
    resp
}

#[derive(Deserialize)]
pub struct LinkParam {
    #[serde(default)]
    link: Option<String>,
}

/// `GET /sign-in?link=cfl_…`: a page with one button. The link is redeemed by the
/// button's POST, not by opening it, so a mail scanner that follows links does not use
/// it up.
pub async fn sign_in_page(Query(q): Query<LinkParam>) -> Response {
    match q.link.filter(|l| SecretKind::SignInLink.may_be(l)) {
        None => page(
            StatusCode::BAD_REQUEST,
            "Deze inloglink klopt niet / This sign-in link is wrong",
            "<p>De link is onvolledig of verkeerd gekopieerd. Vraag je coördinator om een nieuwe.</p>\
             <p lang=\"en\">The link is incomplete or was copied wrongly. Ask your coordinator for a new one.</p>",
        ),
        Some(link) => page(
            StatusCode::OK,
            "Inloggen bij Cofund / Sign in to Cofund",
            &format!(
                "<form method=\"post\" action=\"/sign-in\"><input type=\"hidden\" name=\"link\" value=\"{}\">\
                 <p>Deze link werkt één keer. / <span lang=\"en\">This link works once.</span></p>\
                 <button type=\"submit\">Inloggen / <span lang=\"en\">Sign in</span></button></form>",
                esc(&link)
            ),
        ),
    }
}

#[derive(Deserialize)]
pub struct LinkForm {
    link: String,
}

/// `POST /sign-in`: redeems the link once, sets the session cookie and opens the
/// dashboard; a used, expired or unknown link gets a page that says which.
pub async fn sign_in_with_link(State(state): State<AppState>, Form(form): Form<LinkForm>) -> ApiResult<Response> {
    let again = "<p><a href=\"/manage/\">Naar het dashboard / <span lang=\"en\">To the dashboard</span></a></p>";
    match state.cofund().sign_in_with_link(&form.link, domain::now()).await? {
        Ok((_, secret)) => {
            let mut response =
                (StatusCode::SEE_OTHER, [(header::LOCATION, "/manage/"), (header::CACHE_CONTROL, "no-store")])
                    .into_response();
            response.headers_mut().insert(header::SET_COOKIE, set_cookie(&state, &secret, SESSION_HOURS * 3600));
            Ok(response)
        }
        Err(problem) => {
            let (title, nl, en) = match problem {
                LinkProblem::Used => (
                    "Deze inloglink is al gebruikt / This sign-in link was already used",
                    "Een inloglink werkt maar één keer. Vraag je coördinator om een nieuwe.",
                    "A sign-in link works only once. Ask your coordinator for a new one.",
                ),
                LinkProblem::Expired => (
                    "Deze inloglink is verlopen / This sign-in link has expired",
                    "Een inloglink is 24 uur geldig. Vraag je coördinator om een nieuwe.",
                    "A sign-in link is valid for 24 hours. Ask your coordinator for a new one.",
                ),
                LinkProblem::Unknown => (
                    "Deze inloglink klopt niet / This sign-in link is wrong",
                    "We kennen deze link niet. Controleer of je hem helemaal hebt gekopieerd, of vraag een nieuwe.",
                    "We do not know this link. Check that you copied all of it, or ask for a new one.",
                ),
            };
            let status = if problem == LinkProblem::Unknown { StatusCode::NOT_FOUND } else { StatusCode::GONE };
            Ok(page(status, title, &format!("<p>{nl}</p><p lang=\"en\">{en}</p>{again}")))
        }
    }
}
