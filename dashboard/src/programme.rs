//! The programme page (`#/programme/{slug}`): its cohorts with their figures, what the
//! multiplier pot gave each and what is left in it, and the impact figures, from the
//! public programme document (`cofund/programme@1`, built by `cofund-core`). For the
//! programme's coordinators also the pot's use per cohort over time
//! ([`crate::pot_chart`], from `GET /api/v1/admin/programmes/{slug}/pot-history`) and a
//! link to the funders' statements. Coordinators
//! who may change the programme set the pot and the impact figures below it
//! ([`crate::programme_editor`], `PUT /api/v1/admin/programmes/{slug}`); after a save
//! the figures are loaded again.

use crate::overview::CrowdBar;
use crate::{ctx, format, Route};
use cofund_core::pot::PotHistory;
use cofund_core::programme::{ImpactKind, ProgrammeDocument};
use leptos::prelude::*;

fn tr(nl: bool, dutch: &'static str, english: &'static str) -> &'static str {
    if nl {
        dutch
    } else {
        english
    }
}

async fn load(slug: String) -> Result<ProgrammeDocument, crate::api::Failure> {
    let text = gloo_net::http::Request::get(&format!("/api/v1/programmes/{slug}"))
        .send()
        .await
        .map_err(|_| crate::api::Failure::Network)?;
    if !text.ok() {
        return Err(if text.status() == 404 {
            crate::api::Failure::NotFound
        } else {
            crate::api::Failure::Server(text.status())
        });
    }
    let body = text.text().await.map_err(|_| crate::api::Failure::Network)?;
    serde_json::from_str(&body).map_err(|_| crate::api::Failure::Server(200))
}

#[component]
pub fn ProgrammePage(slug: String) -> impl IntoView {
    let ctx = ctx();
    let version = RwSignal::new(0u32);
    let editor_slug = slug.clone();
    let history_slug = slug.clone();
    let data = LocalResource::new(move || {
        ctx.now.track();
        version.track();
        load(slug.clone())
    });
    // Coordinators of the programme only; for anyone else (or without a pot) the server
    // says 403 or 404 and the page shows no history.
    let history = LocalResource::new(move || {
        ctx.now.track();
        version.track();
        let slug = history_slug.clone();
        async move { crate::api::pot_history(&slug).await }
    });
    request_animation_frame(crate::focus_heading);
    let shown = move || {
        let locale = ctx.locale.get();
        let nl = locale == crate::i18n::Locale::Nl;
        match data.get() {
            None => view! { <h1 tabindex="-1">{tr(nl, "Programma", "Programme")}</h1><p class="loading">{crate::i18n::dt(locale).loading}</p> }.into_any(),
            Some(Err(f)) => view! { <h1 tabindex="-1">{tr(nl, "Programma", "Programme")}</h1><p class="error" role="alert">{ctx.failure(&f)}</p> }.into_any(),
            Some(Ok(p)) => {
                let h = history.get().and_then(Result::ok).filter(|_| p.pot.is_some());
                page(locale, p, h).into_any()
            }
        }
    };
    let saved = Callback::new(move |()| version.update(|v| *v += 1));
    view! {
        {shown}
        {move || {
            let locale = ctx.locale.get();
            view! { <crate::programme_editor::ProgrammeEditor slug=editor_slug.clone() locale=locale saved=saved/> }
        }}
    }
}

fn page(locale: crate::i18n::Locale, p: ProgrammeDocument, history: Option<PotHistory>) -> impl IntoView {
    let nl = locale == crate::i18n::Locale::Nl;
    let currency = p.totals.currency.clone();
    let money = move |v: i64| format::money(locale, &currency, v);
    let pot = p.pot.clone();
    let added = move |slug: &str| {
        pot.as_ref().map(|pot| pot.per_cohort.iter().find(|c| c.slug == slug).map_or(0, |c| c.added_cents))
    };
    let cohorts = p
        .cohorts
        .iter()
        .map(|c| {
            let percent = c.percent_of_target.map(|v| format::percent(locale, v)).unwrap_or_default();
            let from_pot = added(&c.slug);
            view! {
                <li class="card">
                    <h3><a href=Route::Cohort(c.slug.clone()).href()>{c.name.clone()}</a></h3>
                    <CrowdBar bar_bps=cofund_core::progress::bar_bps(c.pledged_cents, c.crowd_target_cents)/>
                    <p><strong>{percent}</strong>" · "{money(c.pledged_cents)}{tr(nl, " van ", " of ")}{money(c.crowd_target_cents)}</p>
                    {from_pot.map(|v| view! { <p class="muted">{tr(nl, "Uit de pot: ", "From the pot: ")}{money(v)}</p> })}
                </li>
            }
        })
        .collect_view();
    let pot_view = p.pot.as_ref().map(|pot| {
        view! {
            <section class="panel" aria-labelledby="pot-title">
                <h2 id="pot-title">{pot.name.clone()}</h2>
                <p>{if pot.exhausted {
                    tr(nl, "De pot is leeg.", "The pot is empty.").to_owned()
                } else if nl {
                    format!("Nog {} van {} in de pot.", money(pot.left_cents), money(pot.pot_cents))
                } else {
                    format!("{} of {} left in the pot.", money(pot.left_cents), money(pot.pot_cents))
                }}</p>
                <p class="muted">{tr(nl, "Gevuld door ", "Funded by ")}
                    {pot.funders.iter().map(|f| format!("{} ({})", f.name, money(f.amount_cents))).collect::<Vec<_>>().join(", ")}</p>
                {history.is_some().then(|| view! {
                    <p><a href=Route::FunderSettlements(p.slug.clone()).href()>{tr(nl, "Afrekening per financier", "Statement per funder")}</a></p>
                })}
            </section>
        }
    });
    let names: Vec<(String, String)> = p.cohorts.iter().map(|c| (c.slug.clone(), c.name.clone())).collect();
    let history_view = history.map(|h| {
        view! { <crate::pot_chart::PotHistoryView history=h names=names currency=p.totals.currency.clone() locale=locale/> }
    });
    let impact = (!p.impact.is_empty()).then(|| {
        let rows = p
            .impact
            .iter()
            .map(|f| {
                let name = cofund_l10n::Locale::impact_kind(locale, f.kind, f.label.as_deref());
                let value = match f.kind {
                    ImpactKind::FoundWorkShareBps => format::percent_bps(locale, f.value),
                    _ => format::integer(locale, f.value),
                };
                view! { <div><dt>{name}</dt><dd>{value}<span class="muted">{format!(" · {} · {}", format::day(locale, &f.as_of), f.source)}</span></dd></div> }
            })
            .collect_view();
        view! {
            <section class="panel" aria-labelledby="impact-title">
                <h2 id="impact-title">{tr(nl, "Impact", "Impact")}</h2>
                <dl class="figures">{rows}</dl>
            </section>
        }
    });
    view! {
        <h1 tabindex="-1">{p.name.clone()}</h1>
        <p class="muted">{money(p.totals.pledged_cents)}{tr(nl, " toegezegd van ", " pledged of ")}{money(p.totals.crowd_target_cents)}</p>
        {pot_view}
        {history_view}
        <section aria-labelledby="programme-cohorts-title">
            <h2 id="programme-cohorts-title">{tr(nl, "Cohorten", "Cohorts")}</h2>
            <ul class="cohort-list">{cohorts}</ul>
        </section>
        {impact}
    }
}
