//! The donor's own pages, behind the signed, expiring link in every message
//! (`/mail/donor?e=…&x=…&t=…`): every pledge under their address (AVG: access), the
//! same as JSON (portability), anonymising (erasure, keeping the books), and the gift
//! statement of a calendar year (ANBI). Dutch with English beside it (`lang=en` for
//! English first). The request log names the route only, never the link's query.

use super::AppState;
use crate::domain::donor::{gift_statements, DonorPledge, STATEMENT_YEARS};
use crate::error::{ApiError, ApiResult};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use cofund_core::amount::display_euros;
use cofund_core::api::PledgeStatus;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct DonorLink {
    #[serde(default)]
    e: String,
    #[serde(default)]
    x: String,
    #[serde(default)]
    t: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    year: Option<String>,
}

impl DonorLink {
    fn en(&self) -> bool {
        self.lang.as_deref().is_some_and(|l| l.starts_with("en"))
    }
    /// The signed part of the link, for the page's own links and forms.
    fn query(&self) -> String {
        format!("e={}&x={}&t={}", self.e, self.x, self.t)
    }
}

struct Words {
    en: bool,
}

impl Words {
    fn t<'a>(&self, nl: &'a str, en: &'a str) -> &'a str {
        if self.en {
            en
        } else {
            nl
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:1.5rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}\
a{color:#0b57a4}table{border-collapse:collapse;width:100%;margin:1rem 0}\
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ccc;vertical-align:top;overflow-wrap:anywhere}\
th{overflow-wrap:normal;hyphens:auto}td.date{white-space:nowrap}\
td.amount,th.amount{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\
.scroll{overflow-x:auto}button,select{font:inherit;padding:.4rem .8rem}\
.muted{color:#555}.danger{border:2px solid #a4262c;padding:1rem;border-radius:.25rem}\
@media print{nav,form,.no-print{display:none}body{margin:0;max-width:none}a{color:inherit;text-decoration:none}}";

fn page(status: StatusCode, en: bool, title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(if en { "en" } else { "nl" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body { main { h1 { (title) } (body) } }
        }
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "no-referrer")],
        Html(markup.into_string()),
    )
        .into_response()
}

fn unknown_link(en: bool) -> Response {
    let w = Words { en };
    page(
        StatusCode::NOT_FOUND,
        en,
        w.t("Link verlopen of onbekend", "Link expired or unknown"),
        html! {
            p { (w.t(
                "Deze link klopt niet of is verlopen. Elke e-mail die je van ons krijgt heeft een nieuwe link.",
                "This link is not valid or has expired. Every e-mail you get from us has a new one.",
            )) }
        },
    )
}

fn status_text(w: &Words, p: &DonorPledge) -> &'static str {
    match p.pledge.status {
        PledgeStatus::Pledged => w.t("toegezegd", "pledged"),
        PledgeStatus::Received => w.t("ontvangen", "received"),
        PledgeStatus::Cancelled => w.t("geannuleerd", "cancelled"),
    }
}

/// The backer a link names, if it is signed and has not expired.
fn backer(state: &AppState, link: &DonorLink) -> Option<String> {
    state.cofund().donor_of_link(&link.e, &link.x, &link.t, crate::domain::now())
}

/// `GET /mail/donor`: every pledge under the donor's address, with the JSON download,
/// the statement form and the anonymise button.
pub async fn donor_page(State(state): State<AppState>, Query(link): Query<DonorLink>) -> ApiResult<Response> {
    let Some(backer) = backer(&state, &link) else {
        return Ok(unknown_link(link.en()));
    };
    let pledges = state.cofund().donor_pledges(&backer).await?;
    tracing::info!(pledges = pledges.len(), "a donor viewed their data");
    let en = link.en();
    let w = Words { en };
    let q = link.query();
    let other_lang = if en { format!("/mail/donor?{q}") } else { format!("/mail/donor?{q}&lang=en") };
    let lang = if en { "&lang=en" } else { "" };
    let this_year = crate::domain::now().date_utc().ymd().0;
    let mut years: Vec<i64> = pledges
        .iter()
        .filter(|p| p.anbi.is_some() && p.pledge.status == PledgeStatus::Received)
        .map(|p| p.pledge.updated_at.date_utc().ymd().0)
        .chain(std::iter::once(this_year))
        .collect();
    years.sort_unstable();
    years.dedup();
    years.reverse();
    let any_anbi = pledges.iter().any(|p| p.anbi.is_some());
    let body = html! {
        nav { p { a href=(other_lang) lang=(if en { "nl" } else { "en" }) { (if en { "Nederlands" } else { "English" }) } } }
        p { (w.t(
            "Dit zijn alle toezeggingen die onder jouw e-mailadres bij ons staan. Niemand anders ziet deze pagina: de link is persoonlijk en verloopt vanzelf.",
            "These are all the pledges we hold under your e-mail address. Nobody else sees this page: the link is personal and expires by itself.",
        )) }
        @if pledges.is_empty() {
            p { strong { (w.t("Er staan geen toezeggingen (meer) onder dit adres.", "There are no (more) pledges under this address.")) } }
        } @else {
            // Focusable: a table wider than a phone scrolls inside it, by keyboard too.
            div.scroll tabindex="0" role="region" aria-label=(w.t("Je toezeggingen", "Your pledges")) {
                table {
                    caption.muted { (w.t("Je toezeggingen", "Your pledges")) }
                    thead { tr {
                        th scope="col" { (w.t("Datum", "Date")) }
                        th scope="col" { (w.t("Cohort", "Cohort")) }
                        th scope="col" class="amount" { (w.t("Bedrag", "Amount")) }
                        th scope="col" { (w.t("Status", "Status")) }
                        th scope="col" { (w.t("Kenmerk", "Reference")) }
                        th scope="col" { (w.t("Naam, e-mail, bericht", "Name, e-mail, message")) }
                    } }
                    tbody {
                        @for p in &pledges {
                            tr {
                                td.date { (p.pledge.created_at.date_utc().to_string()) }
                                td { (p.cohort_name) }
                                td class="amount" { (display_euros(p.pledge.amount_cents, en)) }
                                td { (status_text(&w, p)) }
                                td { (p.pledge.reference) }
                                td {
                                    @if p.pledge.anonymised_at.is_some() {
                                        em { (w.t("geanonimiseerd", "anonymised")) }
                                    } @else {
                                        (p.pledge.name.as_deref().unwrap_or("—")) br;
                                        (p.pledge.email) br;
                                        (p.pledge.message.as_deref().unwrap_or(""))
                                        @if p.pledge.news { br; span.muted { (w.t("wil nieuws ontvangen", "asked for news")) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { a href=(format!("/mail/donor/data.json?{q}")) download="cofund-gegevens.json" { (w.t("Download je gegevens (JSON)", "Download your data (JSON)")) } }
        }
        @if any_anbi {
            h2 { (w.t("Giftenoverzicht voor de belastingaangifte", "Gift statement for your tax return")) }
            form method="get" action="/mail/donor/statement" {
                input type="hidden" name="e" value=(link.e);
                input type="hidden" name="x" value=(link.x);
                input type="hidden" name="t" value=(link.t);
                @if en { input type="hidden" name="lang" value="en"; }
                label for="year" { (w.t("Jaar", "Year")) } " "
                select id="year" name="year" {
                    @for y in &years { option value=(y) { (y) } }
                }
                " "
                button type="submit" { (w.t("Toon overzicht", "Show statement")) }
            }
        }
        @if !pledges.is_empty() {
            h2 { (w.t("Je gegevens laten wissen", "Have your data erased")) }
            div.danger {
                p { (w.t(
                    "Je naam, e-mailadres en bericht worden dan uit al je toezeggingen en uit onze verzonden e-mail verwijderd. Bedragen, datums en kenmerken blijven bewaard, omdat de organisatie haar boekhouding zeven jaar moet bewaren. Je krijgt daarna geen e-mail meer van ons en deze link werkt niet meer. Dit kan niet ongedaan worden gemaakt.",
                    "Your name, e-mail address and message are then removed from all your pledges and from the e-mail we sent. Amounts, dates and references are kept, because the organisation must keep its books for seven years. You will get no more e-mail from us and this link stops working. This cannot be undone.",
                )) }
                form method="post" action=(format!("/mail/donor/anonymise?{q}{lang}")) {
                    button type="submit" { (w.t("Wis mijn gegevens", "Erase my data")) }
                }
            }
        }
    };
    Ok(page(StatusCode::OK, en, w.t("Je gegevens", "Your data"), body))
}

/// `GET /mail/donor/data.json`: the same as JSON, to take along.
pub async fn donor_data(State(state): State<AppState>, Query(link): Query<DonorLink>) -> ApiResult<Response> {
    let Some(backer) = backer(&state, &link) else {
        return Ok(unknown_link(link.en()));
    };
    let pledges = state.cofund().donor_pledges(&backer).await?;
    tracing::info!(pledges = pledges.len(), "a donor downloaded their data");
    let list: Vec<serde_json::Value> = pledges
        .iter()
        .map(|p| {
            let r = &p.pledge;
            json!({
                "id": r.id, "cohort": r.cohort_slug, "cohort_name": p.cohort_name, "amount_cents": r.amount_cents,
                "status": r.status.as_str(), "reference": r.reference, "name": r.name, "show_name": r.show_name,
                "show_amount": r.show_amount, "email": (!r.email.is_empty()).then_some(&r.email), "message": r.message,
                "news": r.news, "locale": r.locale, "created_at": r.created_at.to_rfc3339(),
                "updated_at": r.updated_at.to_rfc3339(), "anonymised_at": r.anonymised_at.map(|t| t.to_rfc3339()),
            })
        })
        .collect();
    let body = serde_json::to_vec_pretty(&json!({ "pledges": list })).map_err(|e| ApiError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"cofund-gegevens.json\""),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response())
}

/// `POST /mail/donor/anonymise`: removes the donor's name, e-mail and message.
pub async fn anonymise(State(state): State<AppState>, Query(link): Query<DonorLink>) -> ApiResult<Response> {
    let Some(backer) = backer(&state, &link) else {
        return Ok(unknown_link(link.en()));
    };
    let n = state.cofund().anonymise_donor(&backer, crate::domain::now()).await?;
    let en = link.en();
    let w = Words { en };
    Ok(page(
        StatusCode::OK,
        en,
        w.t("Je gegevens zijn gewist", "Your data has been erased"),
        html! {
            p { (if en {
                format!("Your name, e-mail address and message were removed from {n} pledge(s). Amounts, dates and references remain for the books.")
            } else {
                format!("Je naam, e-mailadres en bericht zijn uit {n} toezegging(en) verwijderd. Bedragen, datums en kenmerken blijven voor de boekhouding.")
            }) }
        },
    ))
}

/// `GET /mail/donor/statement?…&year=YYYY`: a printable gift statement per ANBI.
pub async fn statement(State(state): State<AppState>, Query(link): Query<DonorLink>) -> ApiResult<Response> {
    let Some(backer) = backer(&state, &link) else {
        return Ok(unknown_link(link.en()));
    };
    let year: i64 = match link.year.as_deref().map(str::parse) {
        Some(Ok(y)) => y,
        _ => {
            return Err(ApiError::Validation(vec![cofund_core::FieldError::new(
                "year",
                cofund_core::Problem::OutOfRange { min: *STATEMENT_YEARS.start(), max: *STATEMENT_YEARS.end() },
            )]))
        }
    };
    let pledges = state.cofund().donor_pledges(&backer).await?;
    let statements = gift_statements(&pledges, year)?;
    tracing::info!(year, statements = statements.len(), "a donor viewed a gift statement");
    let en = link.en();
    let w = Words { en };
    // The donor as their latest pledge names them.
    let donor_name = pledges.iter().rev().find_map(|p| p.pledge.name.clone());
    let donor_email = pledges.iter().rev().map(|p| p.pledge.email.clone()).find(|e| !e.is_empty());
    let title = format!("{} {year}", w.t("Giftenoverzicht", "Gift statement"));
    let body = html! {
        nav { p { a href=(format!("/mail/donor?{}{}", link.query(), if en { "&lang=en" } else { "" })) { (w.t("Terug naar je gegevens", "Back to your data")) } } }
        @if let Some(name) = &donor_name { p { (w.t("Donateur", "Donor")) ": " strong { (name) } } }
        @if let Some(email) = &donor_email { p { (w.t("E-mail", "E-mail")) ": " (email) } }
        @if statements.is_empty() {
            p { (w.t(
                "In dit jaar zijn geen giften van je ontvangen door een organisatie met ANBI-status.",
                "No gifts of yours were received in this year by an organisation with ANBI status.",
            )) }
        }
        @for s in &statements {
            section {
                h2 { (s.organisation) }
                p { "RSIN: " strong { (s.rsin) } " · " (w.t("ANBI-status; giften zijn aftrekbaar volgens de regels van de Belastingdienst.", "ANBI status; gifts are deductible under the Dutch tax authority's rules.")) }
                div.scroll tabindex="0" role="region" aria-label=(format!("{} {}", w.t("Giften aan", "Gifts to"), s.organisation)) {
                    table {
                        caption.muted { (format!("{} {} {year}", w.t("Ontvangen giften aan", "Gifts received by"), s.organisation)) }
                        thead { tr {
                            th scope="col" { (w.t("Ontvangen op", "Received on")) }
                            th scope="col" { (w.t("Cohort", "Cohort")) }
                            th scope="col" { (w.t("Kenmerk", "Reference")) }
                            th scope="col" class="amount" { (w.t("Bedrag", "Amount")) }
                        } }
                        tbody {
                            @for g in &s.gifts {
                                tr { td.date { (g.received_on) } td { (g.cohort_name) } td { (g.reference) } td class="amount" { (display_euros(g.amount_cents, en)) } }
                            }
                        }
                        tfoot { tr {
                            th scope="row" colspan="3" { (w.t("Totaal", "Total")) }
                            td class="amount" { strong { (display_euros(s.total_cents, en)) } }
                        } }
                    }
                }
            }
        }
        p.no-print.muted { (w.t("Druk deze pagina af of bewaar haar als PDF (Afdrukken → Opslaan als PDF).", "Print this page or save it as a PDF (Print → Save as PDF).")) }
    };
    Ok(page(StatusCode::OK, en, &title, body))
}
