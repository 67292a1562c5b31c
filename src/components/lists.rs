//! Own contributions, the initiatives and recent pledges.

use super::{css_percent, money_in};
use crate::{format, i18n::Locale, i18n::Say};
use cofund_core::{Cohort, Timestamp};
use leptos::prelude::*;

/// "17 of 20 participants have paid", with a bar.
#[component]
pub fn OwnContributionSection(cohort: RwSignal<Cohort>, locale: Locale, id: String) -> impl IntoView {
    let t = locale.t();
    let heading_id = format!("{id}-own");
    let labelled_by = heading_id.clone();
    let own = move || cohort.with(|c| c.summary().own.clone());
    let text = move || {
        let o = own();
        let per = money_in(cohort, locale)(o.per_participant_cents);
        locale.participants_paid(o.paid_participants, o.participants, &per)
    };
    view! {
        <section class="cofund-own-contributions" aria-labelledby=labelled_by>
            <h3 id=heading_id>{t.own_heading}</h3>
            <p class="cofund-own-text">{text}</p>
            <div
                class="cofund-bar cofund-bar-own"
                role="progressbar"
                aria-label=t.own_heading
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || own().percent_received.unwrap_or(0).min(100).to_string()
                aria-valuetext=text
            >
                <div class="cofund-bar-fill" style:width=move || {
                    let o = own();
                    css_percent(cofund_core::progress::bar_bps(o.paid_participants, o.participants))
                }></div>
            </div>
        </section>
    }
}

/// The neighbourhood initiatives the cohort supports.
#[component]
pub fn InitiativeSection(cohort: RwSignal<Cohort>, locale: Locale, id: String) -> impl IntoView {
    let heading_id = format!("{id}-initiatives");
    let labelled_by = heading_id.clone();
    let initiatives = cohort.with_untracked(|c| c.document().initiatives.clone());
    (!initiatives.is_empty()).then(|| {
        view! {
            <section class="cofund-initiatives-section" aria-labelledby=labelled_by>
                <h3 id=heading_id>{locale.t().initiatives_heading}</h3>
                <details class="cofund-more">
                    <summary>{locale.show_initiatives(initiatives.len())}</summary>
                    <ul class="cofund-initiatives">
                        {initiatives
                            .into_iter()
                            .map(|i| match i.url {
                                Some(url) => view! { <li><a href=url>{i.name}</a></li> }.into_any(),
                                None => view! { <li>{i.name}</li> }.into_any(),
                            })
                            .collect_view()}
                    </ul>
                </details>
            </section>
        }
    })
}

/// Recent pledges, showing only what each donor chose to show.
#[component]
pub fn RecentPledgeSection(cohort: RwSignal<Cohort>, locale: Locale, id: String) -> impl IntoView {
    let t = locale.t();
    let heading_id = format!("{id}-recent");
    let labelled_by = heading_id.clone();
    let listed = Memo::new(move |_| cohort.with(|c| !c.document().recent_pledges.is_empty()));
    // As with the stakeholders: a refresh replaces the items, not the <details>.
    let summary = move || cohort.with(|c| locale.show_recent(c.document().recent_pledges.len()));
    let items = move || {
        cohort.with(|c| {
            let doc = c.document();
            doc.recent_pledges
                .iter()
                .map(|p| {
                    let at = Timestamp::parse_rfc3339(&p.at)
                        .map(|ts| format::date_time_short(locale, ts))
                        .unwrap_or_default();
                    let amount = p.amount_cents.map(|a| format::money(locale, &doc.currency, a));
                    view! {
                        <li class="cofund-pledge">
                            <div class="cofund-row">
                                <strong>{p.name.clone().unwrap_or_else(|| t.anonymous.to_owned())}</strong>
                                {amount.map(|a| view! { <span class="cofund-amount">{a}</span> })}
                            </div>
                            <time class="cofund-muted" datetime=p.at.clone()>{at}</time>
                            {p.message.clone().map(|m| view! { <blockquote>{m}</blockquote> })}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <section class="cofund-recent" aria-labelledby=labelled_by>
            <h3 id=heading_id>{t.recent_heading}</h3>
            {move || {
                if listed.get() {
                    view! {
                        <details class="cofund-more">
                            <summary>{summary}</summary>
                            <ul class="cofund-list">{items}</ul>
                        </details>
                    }
                    .into_any()
                } else {
                    view! { <p class="cofund-muted">{t.no_pledges_yet}</p> }.into_any()
                }
            }}
        </section>
    }
}
