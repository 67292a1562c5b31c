//! The budget composition: own contributions, crowd and stakeholders, each against
//! its share of the budget, and what is still missing.

use super::{css_percent, money_in};
use crate::{format, i18n::Locale, i18n::Say};
use cofund_core::{progress::percent_floor, Cohort};
use leptos::prelude::*;

#[component]
pub fn BudgetSection(cohort: RwSignal<Cohort>, locale: Locale, id: String) -> impl IntoView {
    let t = locale.t();
    let heading_id = format!("{id}-budget");
    let labelled_by = heading_id.clone();
    let width = css_percent;
    let summary = move || cohort.with(|c| c.summary().clone());
    let money = money_in(cohort, locale);
    let share_text = move |share: i64| {
        let budget = summary().budget_cents;
        locale.share_of_budget(&money(share), &format::percent(locale, percent_floor(share, budget).unwrap_or(0)))
    };

    view! {
        <section class="cofund-budget" aria-labelledby=labelled_by>
            <h3 id=heading_id>{t.budget_heading}</h3>
            <p>{t.budget_total}": "<strong class="cofund-budget-total">{move || money(summary().budget_cents)}</strong></p>
            <div class="cofund-stack" aria-hidden="true">
                <span class="cofund-own" style:width=move || width(summary().own_part.bar_bps)></span>
                <span class="cofund-crowdpart" style:width=move || width(summary().crowd_part.bar_bps)></span>
                <span class="cofund-stake" style:width=move || width(summary().stakeholder_part.bar_bps)></span>
            </div>
            <ul class="cofund-parts">
                <li class="cofund-part cofund-part-own">
                    <span class="cofund-key cofund-own" aria-hidden="true"></span>
                    <span>{t.own_part}</span>
                    <span class="cofund-amount">{move || money(summary().own_part.amount_cents)}</span>
                    <span class="cofund-muted">{move || share_text(summary().own_part.share_cents)}</span>
                </li>
                <li class="cofund-part cofund-part-crowd">
                    <span class="cofund-key cofund-crowdpart" aria-hidden="true"></span>
                    <span>{t.crowd_part}</span>
                    <span class="cofund-amount">{move || money(summary().crowd_part.amount_cents)}</span>
                    <span class="cofund-muted">{move || share_text(summary().crowd_part.share_cents)}</span>
                </li>
                <li class="cofund-part cofund-part-stakeholders">
                    <span class="cofund-key cofund-stake" aria-hidden="true"></span>
                    <span>{t.stakeholder_part}</span>
                    <span class="cofund-amount">{move || money(summary().stakeholder_part.amount_cents)}</span>
                    <span class="cofund-muted">
                        {move || {
                            let s = summary();
                            let mut text = share_text(s.stakeholder_part.share_cents);
                            if s.conditional_cents > 0 {
                                text.push_str(", ");
                                text.push_str(&locale.conditional_note(&money(s.conditional_cents)));
                            }
                            text
                        }}
                    </span>
                </li>
            </ul>
            <p class="cofund-gap">
                {move || {
                    let s = summary();
                    if s.gap_cents > 0 {
                        locale.gap(&money(s.gap_cents))
                    } else if s.surplus_cents > 0 {
                        locale.surplus(&money(s.surplus_cents))
                    } else {
                        t.fully_funded.to_owned()
                    }
                }}
            </p>
        </section>
    }
}
