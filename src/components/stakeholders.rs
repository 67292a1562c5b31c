//! The stakeholders who co-fund: amount, status (with its condition) and matching.

use super::money_in;
use crate::format;
use crate::i18n::{Formats, Locale, Say};
use cofund_core::{Cohort, StakeholderStatus, Timestamp};
use leptos::prelude::*;

#[component]
pub fn StakeholderSection(cohort: RwSignal<Cohort>, locale: Locale, id: String) -> impl IntoView {
    let t = locale.t();
    let heading_id = format!("{id}-stakeholders");
    let labelled_by = heading_id.clone();
    let listed = Memo::new(move |_| cohort.with(|c| !c.document().stakeholders.is_empty()));
    // Only the texts and items follow a refreshed document: the <details> element stays,
    // so a list the visitor opened stays open.
    let money = money_in(cohort, locale);
    let summary = move || {
        let (count, total) =
            cohort.with(|c| (c.document().stakeholders.len(), c.summary().stakeholder_totals.total_cents));
        locale.show_stakeholders(count, &money(total))
    };
    let items = move || {
        cohort.with(|c| {
            let doc = c.document();
            let money = |cents: i64| format::money(locale, &doc.currency, cents);
            doc.stakeholders
                .iter()
                .zip(&c.summary().stakeholders)
                .map(|(s, p)| {
                    let name = match &s.url {
                        Some(url) => view! { <a href=url.clone()>{s.name.clone()}</a> }.into_any(),
                        None => view! { <span>{s.name.clone()}</span> }.into_any(),
                    };
                    let status_class = match s.status {
                        StakeholderStatus::Committed => "cofund-status cofund-status-committed",
                        StakeholderStatus::Conditional | StakeholderStatus::Unrecognised => "cofund-status cofund-status-conditional",
                        StakeholderStatus::Paid => "cofund-status cofund-status-paid",
                    };
                    let split = p.matched.as_ref().map(|m| locale.fixed_plus_match(&money(p.fixed_cents), &money(m.unlocked_cents)));
                    let match_line = p.matched.as_ref().map(|m| {
                        locale.match_line(&money(m.cents_per_euro), &money(m.unlocked_cents), &money(m.cap_cents))
                    });
                    let condition = s.condition.clone().filter(|_| s.status == StakeholderStatus::Conditional);
                    // Contract 1.1: each rule in words with its state from the evaluation.
                    let percent = |p: i64| format::percent(locale, p);
                    let date = |rfc: &str| Timestamp::parse_rfc3339(rfc).map(|t| format::date(locale, t)).unwrap_or_default();
                    let formats = Formats { money: &money, percent: &percent, date: &date };
                    let rules = s
                        .rules
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let w = locale.rule_words(r, s.evaluation.as_ref().and_then(|e| e.rules.get(i)), &formats);
                            view! {
                                <p class="cofund-match cofund-rule">
                                    {w.rule}{w.state.map(|x| view! { <span class="cofund-muted">" · "{x}</span> })}
                                </p>
                            }
                        })
                        .collect_view();
                    view! {
                        <li class="cofund-stakeholder">
                            <div class="cofund-row">
                                <span><strong>{name}</strong>" "<span class="cofund-muted">{locale.kind(s.kind)}</span></span>
                                <span class="cofund-amount">{money(p.total_cents)}</span>
                            </div>
                            <div class="cofund-row">
                                <span class=status_class>{locale.status(s.status)}</span>
                                {split.map(|x| view! { <span class="cofund-muted">{x}</span> })}
                            </div>
                            {condition.map(|x| view! { <p class="cofund-muted cofund-condition">{t.condition}": "{x}</p> })}
                            {match_line.map(|x| view! { <p class="cofund-match">{x}</p> })}
                            {rules}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    move || {
        listed.get().then(|| {
            view! {
                <section class="cofund-stakeholders" aria-labelledby=labelled_by.clone()>
                    <h3 id=heading_id.clone()>{t.stakeholders_heading}</h3>
                    // Collapsed, so the widget's height does not depend on the list.
                    <details class="cofund-more">
                        <summary>{summary}</summary>
                        <ul class="cofund-list">{items}</ul>
                    </details>
                </section>
            }
        })
    }
}
