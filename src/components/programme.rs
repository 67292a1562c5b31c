//! The programme mode: `<cofund-widget src=".../api/v1/programmes/{slug}">` shows the
//! programme's totals, its cohorts with their bars and (when the document has them) the
//! multiplier pot and the impact figures. Every figure is the server's; the reading and
//! ordering is in `crate::programme`.

use super::css_percent;
use super::widget::{every_visible, follow_events};
use crate::programme::{cohort_bar_bps, cohort_link, events_url, pot_added, pot_left_bps, ProgrammeRead};
use crate::{format, i18n::Locale, i18n::Say};
use leptos::prelude::*;

/// Formats cents in the programme's currency, tracking the document.
fn money_of(programme: RwSignal<ProgrammeRead>, locale: Locale) -> impl Fn(i64) -> String + Copy {
    move |cents| programme.with(|p| format::money(locale, p.currency(), cents))
}

/// Revalidates the programme document and shows it if it changed.
fn refresh_programme(programme: RwSignal<ProgrammeRead>, src: String) {
    leptos::task::spawn_local(async move {
        if let Ok(fresh) = crate::api::reload_programme(&src).await {
            if programme.try_with_untracked(|p| *p != fresh) == Some(true) {
                programme.set(fresh);
            }
        }
    });
}

/// A loaded programme document; live through the programme's event stream.
#[component]
pub fn ProgrammeView(
    programme: ProgrammeRead,
    locale: Locale,
    src: String,
    refresh_secs: u32,
    id: String,
) -> impl IntoView {
    let events = events_url(&programme, &src);
    let title = programme.name.clone();
    let url = programme.url.clone();
    let programme = RwSignal::new(programme);
    if refresh_secs > 0 {
        let s = src.clone();
        every_visible(refresh_secs, move || refresh_programme(programme, s.clone()));
        let s = src.clone();
        follow_events(&events, &src, move || refresh_programme(programme, s.clone()));
    }
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    let heading = match url {
        Some(url) => view! { <a href=url>{title}</a> }.into_any(),
        None => view! { <span>{title}</span> }.into_any(),
    };
    view! {
        <section class="cofund-programme-mode" lang=locale.tag() aria-labelledby=labelled_by>
            <p class="cofund-programme">{locale.programme_kicker()}</p>
            <h2 id=title_id>{heading}</h2>
            <ProgrammeTotalsSection programme=programme locale=locale id=id.clone()/>
            <PotSection programme=programme locale=locale id=id.clone()/>
            <ProgrammeCohortsSection programme=programme locale=locale id=id.clone()/>
            <ImpactSection programme=programme locale=locale id=id.clone()/>
        </section>
    }
}

/// The crowd over all cohorts with its bar; own contributions, stakeholders, received.
#[component]
fn ProgrammeTotalsSection(programme: RwSignal<ProgrammeRead>, locale: Locale, id: String) -> impl IntoView {
    let heading_id = format!("{id}-totals");
    let labelled_by = heading_id.clone();
    let money = money_of(programme, locale);
    let totals = move || programme.with(|p| p.totals.clone());
    let percent_text =
        move || programme.with(|p| p.percent_of_targets()).map(|v| format::percent(locale, v)).unwrap_or_default();
    move || {
        totals().map(|t| {
            let valuetext = locale.raised_of(&money(t.pledged_cents), &money(t.crowd_target_cents), &percent_text());
            view! {
                <section class="cofund-crowd cofund-programme-totals" aria-labelledby=labelled_by.clone()>
                    <h3 id=heading_id.clone()>{locale.programme_totals_heading()}</h3>
                    <p class="cofund-figures">
                        <span class="cofund-big cofund-pledged">{money(t.pledged_cents)}</span>
                        <span class="cofund-target">{locale.of_target(&money(t.crowd_target_cents))}</span>
                        <span class="cofund-percent">{percent_text()}</span>
                    </p>
                    <div
                        class="cofund-bar cofund-bar-crowd"
                        role="progressbar"
                        aria-labelledby=heading_id.clone()
                        aria-valuemin="0"
                        aria-valuemax="100"
                        aria-valuenow=programme.with(|p| p.percent_of_targets()).unwrap_or(0).min(100).to_string()
                        aria-valuetext=valuetext
                    >
                        <div class="cofund-bar-fill" style:width=css_percent(programme.with(|p| p.bar_bps()))></div>
                    </div>
                    <p class="cofund-meta">
                        <span class="cofund-cohort-count">{locale.cohort_count(t.cohorts)}</span>
                        <span class="cofund-backers">{locale.backers(&format::integer(locale, t.backers), t.backers)}</span>
                    </p>
                    <ul class="cofund-list cofund-programme-parts">
                        <li>{locale.own_contributions_total(&money(t.own_received_cents), &money(t.own_target_cents))}</li>
                        <li>{locale.stakeholders_total(&money(t.stakeholders_cents))}</li>
                        <li>{locale.received_total(&money(t.received_cents))}</li>
                    </ul>
                </section>
            }
        })
    }
}

/// Each cohort with its bar, linked to its page (or document).
#[component]
fn ProgrammeCohortsSection(programme: RwSignal<ProgrammeRead>, locale: Locale, id: String) -> impl IntoView {
    let heading_id = format!("{id}-cohorts");
    let labelled_by = heading_id.clone();
    let items = move || {
        programme.with(|p| {
            p.cohorts
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let money = |cents: i64| format::money(locale, &c.currency, cents);
                    let percent = c.percent_of_target.map(|v| format::percent(locale, v)).unwrap_or_default();
                    let link_id = format!("{id}-cohort-{i}");
                    let from_pot = p.pot.as_ref().map(|pot| locale.pot_added(&money(pot_added(pot, &c.slug))));
                    let valuetext = locale.raised_of(&money(c.pledged_cents), &money(c.crowd_target_cents), &percent);
                    view! {
                        <li class="cofund-programme-cohort">
                            <div class="cofund-row">
                                <a id=link_id.clone() href=cohort_link(c).to_owned()>{c.name.clone()}</a>
                                <span class="cofund-amount">{percent}</span>
                            </div>
                            <div
                                class="cofund-bar cofund-bar-crowd"
                                role="progressbar"
                                aria-labelledby=link_id
                                aria-valuemin="0"
                                aria-valuemax="100"
                                aria-valuenow=c.percent_of_target.unwrap_or(0).clamp(0, 100).to_string()
                                aria-valuetext=valuetext
                            >
                                <div class="cofund-bar-fill" style:width=css_percent(cohort_bar_bps(c))></div>
                            </div>
                            <p class="cofund-muted">
                                {money(c.pledged_cents)}" "{locale.of_target(&money(c.crowd_target_cents))}" · "
                                {locale.backers(&format::integer(locale, c.backers), c.backers)}
                                {from_pot.map(|x| format!(" · {x}"))}
                            </p>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let empty = move || {
        programme.with(|p| p.cohorts.is_empty()).then(|| view! { <p class="cofund-muted">{locale.no_cohorts()}</p> })
    };
    let skipped = move || {
        let n = programme.with(|p| p.skipped);
        (n > 0).then(|| view! { <p class="cofund-muted cofund-skipped">{locale.cohorts_skipped(n)}</p> })
    };
    view! {
        <section class="cofund-programme-cohorts" aria-labelledby=labelled_by>
            <h3 id=heading_id>{locale.cohorts_heading()}</h3>
            <ul class="cofund-list">{items}</ul>
            {empty}
            {skipped}
        </section>
    }
}

/// The multiplier pot: what is left of it (or that it is empty), who filled it, its rule.
#[component]
fn PotSection(programme: RwSignal<ProgrammeRead>, locale: Locale, id: String) -> impl IntoView {
    let heading_id = format!("{id}-pot");
    let money = money_of(programme, locale);
    move || {
        programme.with(|p| p.pot.clone()).map(|pot| {
            let left = locale.pot_left(&money(pot.left_cents), &money(pot.pot_cents));
            let funders = pot.funders.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ");
            let rule = locale.pot_rule(&money(pot.ratio_bps / 100), pot.cap_per_gift_cents.map(money).as_deref());
            view! {
                <section class="cofund-pot" aria-labelledby=heading_id.clone()>
                    <h3 id=heading_id.clone()>{pot.name.clone()}</h3>
                    <p class="cofund-pot-left">{left.clone()}</p>
                    <div
                        class="cofund-bar cofund-bar-pot"
                        role="progressbar"
                        aria-labelledby=heading_id.clone()
                        aria-valuemin="0"
                        aria-valuemax="100"
                        aria-valuenow=(pot_left_bps(pot.left_cents, pot.pot_cents) / 100).to_string()
                        aria-valuetext=left
                    >
                        <div class="cofund-bar-fill" style:width=css_percent(pot_left_bps(pot.left_cents, pot.pot_cents))></div>
                    </div>
                    {pot.exhausted.then(|| view! { <p class="cofund-notice cofund-pot-empty">{locale.pot_empty()}</p> })}
                    <p class="cofund-muted">{rule}</p>
                    {(!funders.is_empty()).then(|| view! { <p class="cofund-muted">{locale.pot_funded_by(&funders)}</p> })}
                </section>
            }
        })
    }
}

/// The impact figures, each with its date and source.
#[component]
fn ImpactSection(programme: RwSignal<ProgrammeRead>, locale: Locale, id: String) -> impl IntoView {
    use cofund_core::programme::ImpactKind;
    let heading_id = format!("{id}-impact");
    move || {
        let figures = programme.with(|p| p.impact.clone());
        (!figures.is_empty()).then(|| {
            let items = figures
                .into_iter()
                .map(|f| {
                    let value = match f.kind {
                        ImpactKind::FoundWorkShareBps => format::percent_bps(locale, f.value),
                        _ => format::integer(locale, f.value),
                    };
                    view! {
                        <li class="cofund-impact-figure">
                            <div class="cofund-row">
                                <span>{locale.impact_kind(f.kind, f.label.as_deref())}</span>
                                <strong class="cofund-amount">{value}</strong>
                            </div>
                            <p class="cofund-muted">{locale.impact_source(&format::day(locale, &f.as_of), &f.source)}</p>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="cofund-impact" aria-labelledby=heading_id.clone()>
                    <h3 id=heading_id.clone()>{locale.impact_heading()}</h3>
                    <ul class="cofund-list">{items}</ul>
                </section>
            }
        })
    }
}
