//! E-mail routes: the unsubscribe page of the link in every message (a GET shows a
//! button, so link scanners unsubscribe nobody; a POST — the button, or a mail client's
//! one-click unsubscribe, RFC 8058 — does it), and the outbox for coordinators.

use super::admin::Admin;
use super::extract::ApiJson;
use super::site::esc;
use super::AppState;
use crate::error::ApiResult;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use cofund_core::admin::{
    NewsItem, NewsList, NewsPreview, NewsQueued, NewsTestSent, NewsUpdate, Outbox, OutboxItem, RetryQueued,
};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Link {
    #[serde(default)]
    e: String,
    #[serde(default)]
    t: String,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}\
         button{{font:inherit;padding:.5rem 1rem}}</style></head><body><main><h1>{title}</h1>{body}</main></body></html>",
        title = esc(title)
    );
    (status, [(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "no-referrer")], Html(html))
        .into_response()
}

/// The page behind the link: a button that unsubscribes.
pub async fn unsubscribe_page(State(state): State<AppState>, Query(link): Query<Link>) -> Response {
    let valid = state.cofund().mailing().and_then(|m| m.verify_unsubscribe(&link.e, &link.t)).is_some();
    if !valid {
        return page(
            StatusCode::NOT_FOUND,
            "Link onbekend / Unknown link",
            "<p>Deze afmeldlink klopt niet. / This unsubscribe link is not valid.</p>",
        );
    }
    let action = format!("/mail/unsubscribe?e={}&amp;t={}", esc(&link.e), esc(&link.t));
    page(
        StatusCode::OK,
        "Afmelden / Unsubscribe",
        &format!(
            "<p>Geen herinneringen en nieuws meer over je toezeggingen? Bevestigingen en ontvangstbewijzen van je eigen betalingen blijf je krijgen.</p>\
             <p lang=\"en\">No more reminders and news about your pledges? You will still receive confirmations and receipts of your own payments.</p>\
             <form method=\"post\" action=\"{action}\"><button type=\"submit\">Afmelden / Unsubscribe</button></form>"
        ),
    )
}

/// Unsubscribes the backer the signed link names.
pub async fn unsubscribe(State(state): State<AppState>, Query(link): Query<Link>) -> ApiResult<Response> {
    if state.cofund().unsubscribe(&link.e, &link.t, crate::domain::now()).await? {
        Ok(page(StatusCode::OK, "Afgemeld / Unsubscribed", "<p>Je krijgt geen herinneringen en nieuws meer.</p><p lang=\"en\">You will receive no more reminders and news.</p>"))
    } else {
        Ok(page(
            StatusCode::NOT_FOUND,
            "Link onbekend / Unknown link",
            "<p>Deze afmeldlink klopt niet. / This unsubscribe link is not valid.</p>",
        ))
    }
}

/// The outbox of a cohort, newest first: what was sent to whom, what waits, what failed.
pub async fn cohort_outbox(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let cohort = state.cofund().cohort(&slug).await?;
    admin.may(&cohort.definition.programme.name)?;
    let entries = state.cofund().outbox(Some(&slug), 500).await?;
    let messages = entries
        .into_iter()
        .map(|e| OutboxItem {
            kind: e.message.kind.as_str().to_owned(),
            status: e.status.as_str().to_owned(),
            created_at: e.message.created_at.to_rfc3339(),
            next_attempt_at: e.next_attempt_at.to_rfc3339(),
            sent_at: e.sent_at.map(|t| t.to_rfc3339()),
            id: e.message.id,
            message_id: e.message.message_id,
            pledge_id: e.message.pledge_id,
            recipient: e.message.recipient,
            subject: e.message.subject,
            locale: e.message.locale,
            attempts: e.attempts,
            last_error: e.last_error,
        })
        .collect();
    let mail = state.cofund().mailing().is_some();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(Outbox { mail, messages })).into_response())
}

/// The demo's mailbox (`cofund demo --dev-mailbox DIR`): the messages the demo's SMTP
/// server (scripts/lib/smtp_catcher.py) caught in `DIR`, newest first.
pub async fn dev_mailbox(State(state): State<AppState>) -> Response {
    let Some(dir) = state.dev_mailbox() else {
        return page(StatusCode::NOT_FOUND, "Not found", "");
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.reverse();
    let mut rows = String::new();
    for name in names.iter().take(200) {
        let Ok(bytes) = std::fs::read(dir.join(name)) else {
            continue;
        };
        let Ok(m) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        let stem = name.trim_end_matches(".json");
        let at = m["received_at"].as_f64().map(|t| cofund_core::Timestamp(t as i64).to_rfc3339()).unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><a href=\"/dev/mailbox/{}\">{}</a></td></tr>",
            esc(&at),
            esc(m["headers"]["to"].as_str().unwrap_or_default()),
            esc(stem),
            esc(m["subject"].as_str().unwrap_or_default())
        ));
    }
    let body = if rows.is_empty() {
        "<p>No messages yet: pledge in the widget, and the confirmation appears here.</p>".to_owned()
    } else {
        format!("<table><thead><tr><th scope=\"col\">Received</th><th scope=\"col\">To</th><th scope=\"col\">Subject</th></tr></thead><tbody>{rows}</tbody></table>")
    };
    page(
        StatusCode::OK,
        "Demo mailbox",
        &format!("<p>Every e-mail the demo sent, as its SMTP server caught it (development only).</p>{body}"),
    )
}

/// One caught message: headers, the HTML part (sandboxed) and the plain text.
pub async fn dev_message(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let not_found = || page(StatusCode::NOT_FOUND, "Not found", "<p>No such message.</p>");
    let Some(dir) = state.dev_mailbox() else {
        return not_found();
    };
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return not_found();
    }
    let Ok(bytes) = std::fs::read(dir.join(format!("{name}.json"))) else {
        return not_found();
    };
    let Ok(m) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return not_found();
    };
    let html = m["html"].as_str().unwrap_or_default();
    let body = format!(
        "<p><a href=\"/dev/mailbox\">All messages</a></p><pre>{}</pre>\
         <h2>HTML</h2><iframe title=\"The message as HTML\" sandbox srcdoc=\"{}\" style=\"width:100%;height:32rem;border:1px solid #999\"></iframe>\
         <h2>Text</h2><pre style=\"white-space:pre-wrap\">{}</pre>",
        esc(m["raw_headers"].as_str().unwrap_or_default()),
        esc(html),
        esc(m["text"].as_str().unwrap_or_default())
    );
    page(StatusCode::OK, m["subject"].as_str().unwrap_or("Message"), &body)
}

async fn coordinator_of(state: &AppState, admin: &Admin, slug: &str) -> ApiResult<()> {
    let cohort = state.cofund().cohort(slug).await?;
    admin.may(&cohort.definition.programme.name)?;
    Ok(())
}

/// `GET …/news`: the news queued for the cohort, newest first.
pub async fn cohort_news(State(state): State<AppState>, admin: Admin, Path(slug): Path<String>) -> ApiResult<Response> {
    coordinator_of(&state, &admin, &slug).await?;
    let news = state
        .cofund()
        .news_of(&slug)
        .await?
        .into_iter()
        .map(|n| NewsItem {
            created_at: n.created_at.to_rfc3339(),
            id: n.id,
            key: n.key,
            recipients: n.recipients,
            subject: n.subject,
        })
        .collect();
    let mail = state.cofund().mailing().is_some();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(NewsList { mail, news })).into_response())
}

/// `POST …/news`: sends the coordinator's update to every donor who opted in.
pub async fn send_news(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<NewsUpdate>,
) -> ApiResult<Response> {
    coordinator_of(&state, &admin, &slug).await?;
    let queued = state.cofund().send_news_update(&slug, &body.subject, &body.body, crate::domain::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(NewsQueued { queued })).into_response())
}

/// `POST …/news/preview`: the update as a donor would get it, not sent.
pub async fn preview_news(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<NewsUpdate>,
) -> ApiResult<Json<NewsPreview>> {
    coordinator_of(&state, &admin, &slug).await?;
    let locale = body.locale.as_deref().unwrap_or("nl-NL");
    let c = state.cofund().preview_news_update(&slug, &body.subject, &body.body, locale).await?;
    Ok(Json(NewsPreview { subject: c.subject, text: c.text, html: c.html }))
}

/// `POST …/news/test`: sends the update once to the coordinator's address.
pub async fn test_news(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<NewsUpdate>,
) -> ApiResult<Json<NewsTestSent>> {
    coordinator_of(&state, &admin, &slug).await?;
    let locale = body.locale.as_deref().unwrap_or("nl-NL");
    let to = state.cofund().test_news_update(&slug, &body.subject, &body.body, locale, crate::domain::now()).await?;
    Ok(Json(NewsTestSent { to }))
}

/// `POST …/outbox/{id}/retry`: a failed message goes back in the queue.
pub async fn retry_message(
    State(state): State<AppState>,
    admin: Admin,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    coordinator_of(&state, &admin, &slug).await?;
    state.cofund().retry_message(&slug, &id, crate::domain::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(RetryQueued { id, status: "waiting".to_owned() })).into_response())
}
