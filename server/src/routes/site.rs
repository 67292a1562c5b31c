//! The site: the built widget under `/widget/`, a demo host page at `/` listing every
//! cohort with its embed snippet, a one-widget page at `/embed/{slug}`, and the
//! OpenAPI description.

use super::first_view::ViewParams;
use super::AppState;
use crate::error::ApiResult;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use cofund_core::embed::Embed;
use cofund_widget::Locale;
use std::collections::HashMap;
use std::path::Path as FsPath;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub const OPENAPI: &str = include_str!("../../openapi.yaml");

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml; charset=utf-8"), (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], OPENAPI)
        .into_response()
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The embed snippet for a cohort, in Dutch with the widget's own refresh and colours:
/// core's one generator, the same the dashboard's embed tools use.
pub fn snippet(public_url: &str, slug: &str) -> String {
    Embed { origin: public_url, slug, locale: "nl-NL", refresh_secs: None, colours: &[] }.snippet()
}

/// Iframe mode of `/embed/{slug}`: when framed, the page posts its height (a number, as
/// `{type: "cofund:height", height}`) to the parent whenever it changes, and forwards the
/// widget's events (`{type, detail}`). The target origin is the embedding page's origin
/// from the referrer; without a referrer only the height is posted, to any origin.
/// `/widget/cofund-frame.js` on the host page applies both.
const FRAME_SCRIPT: &str = "<script>if(parent!==window){\
const o=document.referrer?new URL(document.referrer).origin:null,post=(m,t)=>parent.postMessage(m,t);\
new ResizeObserver(()=>post({type:'cofund:height',height:Math.ceil(document.documentElement.getBoundingClientRect().height)},o||'*')).observe(document.documentElement);\
if(o)for(const t of['cofund:load','cofund:pledge','cofund:error'])addEventListener(t,e=>post({type:t,detail:e.detail},o));}</script>";

/// The body of `/embed/{slug}`: the widget in the light DOM with its first view rendered
/// by the server (`view`, the widget's own components), which the wasm takes over once
/// the loader has fetched it (after the first view); the title only when not framed.
fn embed_body(public_url: &str, slug: &str, name: &str, locale: &str, view: &str, framed: bool) -> String {
    let title = if framed { String::new() } else { format!("<h1>{}</h1>\n", esc(name)) };
    format!(
        "<main>\n{title}<div data-cofund-src=\"{public_url}/api/v1/cohorts/{slug}\" data-cofund-locale=\"{locale}\">{view}</div>\n</main>\n\
         <script type=\"module\" src=\"{public_url}/widget/cofund.js\" async></script>\n{FRAME_SCRIPT}",
        public_url = esc(public_url),
        slug = esc(slug),
    )
}

const STYLE: &str = "\
:root{color-scheme:light dark;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;line-height:1.5}\
body{margin:0;background:Canvas;color:CanvasText}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:Canvas;padding:.5rem;outline:3px solid}\
header,main,footer{max-width:60rem;margin:0 auto;padding:1rem 1.25rem}\
h1{font-size:clamp(1.35rem,.6rem + 4vw,1.8rem);margin:.5rem 0;overflow-wrap:break-word}h2{font-size:1.35rem;margin-top:2.5rem}\
section{border-top:1px solid #8886;padding-top:.5rem}\
pre{overflow-x:auto;padding:1rem;border-radius:.5rem;background:#8882;font-size:.85rem}\
a{color:LinkText}a:focus-visible{outline:3px solid;outline-offset:2px}\
nav ul{padding-left:1.25rem}";

fn page(title: &str, lang: &str, body: &str) -> Html<String> {
    page_with_head(title, lang, "", body)
}

/// A page with `head` (trusted markup) at the end of its `<head>`.
fn page_with_head(title: &str, lang: &str, head: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n",
        title = esc(title),
    ))
}

/// `GET /`: the demo host page.
pub async fn index(State(state): State<AppState>) -> ApiResult<Html<String>> {
    let cohorts = state.cofund().cohorts().await?;
    let base = state.public_url();
    let mut nav = String::new();
    let mut sections = String::new();
    for c in &cohorts {
        let d = &c.definition;
        let slug = esc(&d.slug);
        let name = esc(&d.name);
        nav.push_str(&format!("<li><a href=\"#{slug}\">{name}</a></li>\n"));
        let snip = snippet(base, &d.slug);
        sections.push_str(&format!(
            "<section id=\"{slug}\" aria-labelledby=\"{slug}-title\">\n<h2 id=\"{slug}-title\">{name}</h2>\n\
             <p>Document: <a href=\"{base}/api/v1/cohorts/{slug}\">/api/v1/cohorts/{slug}</a> · \
             <a href=\"{base}/embed/{slug}\">alleen de widget</a> · \
             <a href=\"{base}/embed/{slug}?locale=en-GB\">English</a></p>\n\
             {snip}\n<details>\n<summary>Insluitcode</summary>\n<pre><code>{code}</code></pre>\n</details>\n</section>\n",
            base = esc(base),
            code = esc(&snip),
        ));
    }
    if cohorts.is_empty() {
        sections.push_str(
            "<p>Er zijn nog geen cohorten. Voeg er een toe met <code>cofund cohort put cohort.json</code> \
             of start de demo met <code>cofund demo</code>.</p>",
        );
    }
    let example = esc(&snippet(base, "{slug}"));
    let body = format!(
        "<a class=\"skip\" href=\"#inhoud\">Naar de inhoud</a>\n<header>\n<p>Cofund — demo</p>\n\
         <h1>Cohorten die nu geld inzamelen</h1>\n\
         <p>Deze pagina laat zien hoe een organisatie de Cofund-widget insluit. Elke widget leest het \
         cohortdocument van deze server en neemt toezeggingen aan.</p>\n</header>\n\
         <main id=\"inhoud\" tabindex=\"-1\">\n<nav aria-label=\"Cohorten\">\n<ul>\n{nav}</ul>\n</nav>\n\
         <h2>Zo sluit u de widget in</h2>\n<p>Plaats deze code op uw eigen pagina en vervang <code>{{slug}}</code> \
         door het cohort:</p>\n<pre><code>{example}</code></pre>\n{sections}</main>\n\
         <footer>\n<p><a href=\"{base}/api/v1/openapi.yaml\">API-beschrijving (OpenAPI)</a> · \
         <a href=\"{base}/healthz\">status</a></p>\n</footer>",
        base = esc(base),
    );
    Ok(page("Cofund — demo", "nl", &body))
}

/// `GET /embed/{slug}?locale=en-GB`: one widget on an otherwise empty page.
pub async fn embed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Html<String>> {
    let cohort = state.cofund().cohort(&slug).await?;
    let locale = match q.get("locale").map(String::as_str) {
        Some("en-GB") => Locale::En,
        _ => Locale::Nl,
    };
    let params = ViewParams { locale: Some(locale), page_locale: None, now: None };
    let view = super::first_view::render(&state, &slug, params).await?.view;
    let title = format!("{} — Cofund", cohort.definition.name);
    let name = &cohort.definition.name;
    let body = embed_body(state.public_url(), &slug, name, locale.tag(), &view, q.contains_key("frame"));
    // The widget's stylesheet with the page (the widget finds it by its id and adds no other).
    let head = format!("<style id=\"{}\">{}</style>\n", cofund_widget::ssr::STYLE_ID, cofund_widget::ssr::STYLESHEET);
    Ok(page_with_head(&title, &locale.tag()[..2], &head, &body))
}

/// The built dashboard (Trunk's `dashboard/dist`), served at `/manage/`: its own
/// origin's page, never framed by another site, never cached stale (file names carry a
/// hash; `index.html` is revalidated).
pub fn dashboard_service(
    dir: &FsPath,
) -> impl tower::Service<
    axum::http::Request<axum::body::Body>,
    Response = axum::http::Response<tower_http::services::fs::ServeFileSystemResponseBody>,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
       + Send
       + Sync
       + 'static {
    ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .layer(SetResponseHeaderLayer::if_not_present(header::VARY, HeaderValue::from_static("accept-encoding")))
        .service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
}

/// `GET /api/v1/cohorts/{slug}/qr.svg`: a QR code (SVG, `qrcode` crate) of the cohort's
/// page for donors (`/embed/{slug}`), for posters and flyers.
pub async fn qr_code(State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<Response> {
    let cohort = state.cofund().cohort(&slug).await?;
    let url = format!("{}/embed/{}", state.public_url(), cohort.definition.slug);
    let code = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| crate::error::ApiError::Internal(anyhow::anyhow!("QR code of {url}: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(256, 256)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        svg,
    )
        .into_response())
}
