//! The widget's first view, rendered by the widget's own components (`cofund-widget`,
//! feature `ssr`) from the document the widget would load: inline in `/embed/{slug}`,
//! and as a fragment for the loader of `<cofund-widget>` at
//! `GET /api/v1/cohorts/{slug}/view`. The figures are on screen before the wasm
//! arrives; the wasm then takes the view over.

use super::public::none_match;
use super::{cors, AppState};
use crate::domain::{self, DomainError};
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cofund_core::{Cohort, Timestamp};
use cofund_widget::ssr::FirstView;
use cofund_widget::Locale;
use std::collections::HashMap;

/// How long a shared cache may keep a fragment: as long as the document.
const CACHE_CONTROL: &str = "public, max-age=15";

/// The widget's attributes that shape its first view, read as the widget reads them: a
/// language or clock it does not know counts as none.
pub(super) struct ViewParams {
    pub locale: Option<Locale>,
    pub page_locale: Option<Locale>,
    pub now: Option<Timestamp>,
}

impl ViewParams {
    fn from_query(q: &HashMap<String, String>) -> ViewParams {
        ViewParams {
            locale: q.get("locale").and_then(|t| Locale::from_tag(t)),
            page_locale: q.get("lang").and_then(|t| Locale::from_tag(t)),
            now: q.get("now").and_then(|t| Timestamp::parse_rfc3339(t)),
        }
    }
}

/// The cohort `slug` as its document says (the cached rendering), to render.
pub(super) async fn cohort(state: &AppState, slug: &str) -> ApiResult<Cohort> {
    let doc = state.cofund().document(slug).await?;
    std::str::from_utf8(&doc.body).ok().and_then(|json| Cohort::from_json(json).ok()).ok_or_else(|| {
        ApiError::from(DomainError::Internal(anyhow::anyhow!("the document of {slug} does not read back")))
    })
}

/// The first view of cohort `slug`.
pub(super) async fn render(state: &AppState, slug: &str, params: ViewParams) -> ApiResult<FirstViewHtml> {
    let cohort = cohort(state, slug).await?;
    let src = format!("{}/api/v1/cohorts/{slug}", state.public_url());
    let view = FirstView {
        cohort,
        src: &src,
        locale: params.locale,
        page_locale: params.page_locale,
        now: params.now.unwrap_or_else(domain::now),
    };
    Ok(FirstViewHtml { locale: view.locale(), view: view.to_html(), fragment: view.to_fragment() })
}

pub(super) struct FirstViewHtml {
    pub locale: Locale,
    /// The `.cofund` element, for a page that has the widget's stylesheet.
    pub view: String,
    /// The stylesheet and the view, for a shadow root.
    pub fragment: String,
}

/// `GET /api/v1/cohorts/{slug}/view?locale=&lang=&now=`: the first view of a
/// `<cofund-widget>` with these attributes (`lang`: the page's language), for its shadow
/// root. Readable from any origin, cached like the document, with a strong `ETag` of
/// its bytes (`304` when unchanged).
pub async fn fragment(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let resp = match render(&state, &slug, ViewParams::from_query(&q)).await {
        Ok(html) => {
            let etag = format!("\"{}\"", &domain::sha256_hex(html.fragment.as_bytes())[..32]);
            let mut resp = if none_match(&headers, &etag) {
                StatusCode::NOT_MODIFIED.into_response()
            } else {
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html.fragment).into_response()
            };
            let h = resp.headers_mut();
            if let Ok(etag) = HeaderValue::from_str(&etag) {
                h.insert(header::ETAG, etag);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
            if let Ok(lang) = HeaderValue::from_str(html.locale.tag()) {
                h.insert(header::CONTENT_LANGUAGE, lang);
            }
            resp
        }
        Err(e) => e.into_response(),
    };
    cors::readable_anywhere(resp)
}
