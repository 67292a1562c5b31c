//! The crowd campaign: pledged against the crowd target, percent, backers, phase.

use super::{css_percent, money_in};
use crate::{format, i18n::Locale, i18n::Say};
use cofund_core::{CampaignPhase, Cohort, Date, Timestamp};
use leptos::prelude::*;

/// The crowd bar and its figures. Fine-grained, so a pledge animates the bar.
#[component]
pub fn CrowdSection(cohort: RwSignal<Cohort>, locale: Locale, now: Timestamp, id: String) -> impl IntoView {
    let t = locale.t();
    let heading_id = format!("{id}-crowd");
    let labelled_by = heading_id.clone();
    let money = money_in(cohort, locale);
    let crowd = move || cohort.with(|c| c.summary().crowd.clone());
    let percent_text = move || crowd().percent_of_target.map(|p| format::percent(locale, p)).unwrap_or_default();
    let phase = cohort.with_untracked(|c| c.phase(now));
    let phase_text = match phase {
        CampaignPhase::Open { days_left } => locale.days_left(days_left),
        CampaignPhase::Upcoming { days_until_open } => {
            locale.opens_in(days_until_open, &format::date(locale, cohort.with_untracked(Cohort::opens_at)))
        }
        CampaignPhase::Closed => {
            locale.closed_on(&format::date(locale, cohort.with_untracked(Cohort::last_open_second)))
        }
    };

    view! {
        <section class="cofund-crowd" aria-labelledby=labelled_by>
            <h3 id=heading_id.clone()>{t.crowd_heading}</h3>
            <p class="cofund-figures">
                <span class="cofund-big cofund-pledged">{move || money(crowd().pledged_cents)}</span>
                <span class="cofund-target">{move || locale.of_target(&money(crowd().target_cents))}</span>
                <span class="cofund-percent">{percent_text}</span>
            </p>
            <div
                class="cofund-bar cofund-bar-crowd"
                role="progressbar"
                aria-labelledby=heading_id
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || crowd().percent_of_target.unwrap_or(0).min(100).to_string()
                aria-valuetext=move || {
                    let c = crowd();
                    locale.raised_of(&money(c.pledged_cents), &money(c.target_cents), &percent_text())
                }
            >
                <div class="cofund-bar-fill" style:width=move || css_percent(crowd().bar_bps)></div>
            </div>
            <p class="cofund-meta">
                <span class="cofund-backers">{move || {
                    let n = crowd().backers;
                    locale.backers(&format::integer(locale, n), n)
                }}</span>
                <span class="cofund-phase">{phase_text}</span>
                <span class="cofund-received">{move || locale.received_part(&money(crowd().received_cents))}</span>
                {move || crowd().target_met.then(|| view! { <span class="cofund-badge cofund-badge-met">{t.target_met}</span> })}
            </p>
            <Sparkline cohort=cohort locale=locale/>
        </section>
    }
}

/// Cumulative pledges per day as a small line, with its story told in words.
#[component]
fn Sparkline(cohort: RwSignal<Cohort>, locale: Locale) -> impl IntoView {
    move || {
        cohort.with(|c| {
            let doc = c.document();
            let points: Vec<(i64, i64)> =
                doc.history.iter().filter_map(|h| Some((Date::parse(&h.date)?.0, h.pledged_cents))).collect();
            let (first, last) = (points.first()?, points.last()?);
            if points.len() < 2 {
                return None;
            }
            let span_days = (last.0 - first.0).max(1);
            let max = points.iter().map(|p| p.1).max().unwrap_or(1).max(1);
            // Plot coordinates in hundredths of the 100 × 30 view box, in integers.
            let coord = |v: i128| format!("{}.{:02}", v / 100, v % 100);
            let polyline = points
                .iter()
                .map(|(d, v)| {
                    let x = i128::from(d - first.0) * 10_000 / i128::from(span_days);
                    let y = 3_000 - i128::from(*v) * 2_800 / i128::from(max);
                    format!("{},{}", coord(x), coord(y))
                })
                .collect::<Vec<_>>()
                .join(" ");
            let day = |d: i64| format::date_short(locale, Timestamp(d * 86_400 + 43_200));
            let label = locale.history_label(
                &format::money(locale, &doc.currency, first.1),
                &day(first.0),
                &format::money(locale, &doc.currency, last.1),
                &day(last.0),
            );
            Some(view! {
                <svg class="cofund-spark" viewBox="0 0 100 30" preserveAspectRatio="none" role="img" aria-label=label>
                    <polyline points=polyline></polyline>
                </svg>
            })
        })
    }
}
