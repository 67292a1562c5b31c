//! The programme overview: every cohort the signed-in coordinator may see, the one that
//! needs attention first, with the programme's totals on top.

use crate::api::{self, Failure};
use crate::i18n::{dt, phase_text, Locale};
use crate::{ctx, format, Route};
use cofund_core::pace::{Pace, PaceVerdict, ProgrammeTotals};
use cofund_core::{Cohort, Timestamp};
use leptos::prelude::*;

/// Loads every visible cohort's document; one failed document does not hide the others.
async fn load() -> Result<Vec<Result<Cohort, (String, Failure)>>, Failure> {
    let refs = api::cohorts().await?;
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        out.push(api::document(&r.slug).await.map_err(|f| (r.name.clone(), f)));
    }
    Ok(out)
}

/// A crowd bar: its width from `cofund-core`'s basis points; the figure is in the text
/// beside it, so the bar itself is decoration.
#[component]
pub fn CrowdBar(bar_bps: i64) -> impl IntoView {
    let bps = bar_bps.clamp(0, 10_000);
    view! {
        <div class="bar" aria-hidden="true">
            <div class="bar-fill" style=format!("width: {}.{:02}%", bps / 100, bps % 100)></div>
        </div>
    }
}

/// The badge's style of a pace verdict: good news, bad news or neither.
pub fn verdict_class(v: PaceVerdict) -> &'static str {
    match v {
        PaceVerdict::OnPace | PaceVerdict::Reached => "good",
        PaceVerdict::Behind | PaceVerdict::Missed => "bad",
        PaceVerdict::Upcoming => "neutral",
    }
}

pub fn pace_badge(locale: Locale, pace: &Pace, money: impl Fn(i64) -> String) -> impl IntoView {
    let t = dt(locale);
    let (class, label) = (verdict_class(pace.verdict), t.verdict(pace.verdict));
    // A projection means something only while the campaign runs.
    let running = matches!(pace.verdict, PaceVerdict::OnPace | PaceVerdict::Behind);
    let detail = running.then(|| t.projection(&money(pace.projected_cents)));
    view! { <span class=format!("badge {class}")>{label}</span>" "<span class="muted">{detail}</span> }
}

#[component]
pub fn Overview() -> impl IntoView {
    let ctx = ctx();
    let data = LocalResource::new(move || {
        ctx.now.track();
        load()
    });
    request_animation_frame(crate::focus_heading);
    view! {
        <h1 tabindex="-1">{move || dt(ctx.locale.get()).overview_title}</h1>
        {move || {
            let locale = ctx.locale.get();
            let now = ctx.now.get_untracked();
            match data.get() {
                None => view! { <p class="loading">{dt(locale).loading}</p> }.into_any(),
                Some(Err(f)) => view! { <p class="error" role="alert">{ctx.failure(&f)}</p> }.into_any(),
                Some(Ok(list)) => overview(locale, now, list).into_any(),
            }
        }}
    }
}

fn overview(locale: Locale, now: Timestamp, list: Vec<Result<Cohort, (String, Failure)>>) -> impl IntoView {
    let t = dt(locale);
    let ctx = ctx();
    let mut cohorts: Vec<(Cohort, Pace)> = Vec::new();
    let mut broken = Vec::new();
    for item in list {
        match item {
            Ok(c) => {
                let p = Pace::of(&c, now);
                cohorts.push((c, p));
            }
            Err((name, f)) => broken.push(format!("{name}: {}", ctx.failure(&f))),
        }
    }
    cohorts.sort_by(|a, b| {
        a.1.attention().cmp(&b.1.attention()).then_with(|| a.0.document().name.cmp(&b.0.document().name))
    });
    let totals = ProgrammeTotals::of(cohorts.iter().map(|(c, p)| (c, p)));
    let notices = crate::notices::notices(&cohorts.iter().map(|(c, _)| c).collect::<Vec<_>>(), now);
    // Programme totals are shown in the first cohort's currency; the contract's cohorts are in euro.
    let currency = cohorts.first().map_or("EUR".to_owned(), |c| c.0.document().currency.clone());
    let money = move |c: i64| format::money(locale, &currency, c);
    let percent = totals.percent_of_target.map(|p| format::percent(locale, p)).unwrap_or_default();
    let empty = cohorts.is_empty();
    view! {
        <section aria-labelledby="totals-title" class="totals">
            <h2 id="totals-title">{t.programme_totals}</h2>
            <dl class="figures">
                <div><dt>{t.cohorts}</dt><dd>{format::integer(locale, totals.cohorts)}</dd></div>
                <div><dt>{t.pledged}</dt><dd>{money(totals.pledged_cents)}<span class="muted">{format!(" {} ", t.of)}{money(totals.target_cents)}{format!(" ({percent})")}</span></dd></div>
                <div><dt>{t.received}</dt><dd>{money(totals.received_cents)}</dd></div>
                <div><dt>{t.backers}</dt><dd>{format::integer(locale, totals.backers)}</dd></div>
                <div><dt>{t.gap}</dt><dd>{money(totals.gap_cents)}</dd></div>
                <div><dt>{t.behind_count}</dt><dd>{format::integer(locale, totals.behind)}</dd></div>
            </dl>
        </section>
        {notice_list(locale, notices)}
        {(!broken.is_empty()).then(|| view! {
            <div class="error" role="alert"><p>{t.some_failed}</p><ul>{broken.into_iter().map(|b| view! { <li>{b}</li> }).collect_view()}</ul></div>
        })}
        <section aria-labelledby="cohorts-title">
            <h2 id="cohorts-title">{t.cohorts_by_attention}</h2>
            {empty.then(|| view! { <p>{t.no_cohorts}</p> })}
            <ul class="cohort-list">
                {cohorts.into_iter().map(|(c, p)| cohort_card(locale, now, c, p)).collect_view()}
            </ul>
        </section>
    }
}

/// Triggers met lately and pots (nearly) empty, in words.
fn notice_list(locale: Locale, notices: Vec<crate::notices::Notice>) -> Option<impl IntoView> {
    use crate::notices::Notice;
    let nl = locale == Locale::Nl;
    let money = move |v: i64| format::money(locale, "EUR", v);
    let items = notices
        .into_iter()
        .map(|n| {
            let text = match n {
                Notice::TriggerMet { cohort, stakeholder, at, amount_cents, .. } => {
                    let date = format::date(locale, at);
                    if nl {
                        format!(
                            "{cohort}: de drempel van {stakeholder} is gehaald op {date}; {} is nu toegezegd.",
                            money(amount_cents)
                        )
                    } else {
                        format!(
                            "{cohort}: {stakeholder}'s threshold was met on {date}; {} is now due.",
                            money(amount_cents)
                        )
                    }
                }
                Notice::PotNearlyEmpty { pot, left_cents, pot_cents } => {
                    if nl {
                        format!("{pot} is bijna leeg: nog {} van {}.", money(left_cents), money(pot_cents))
                    } else {
                        format!("{pot} is nearly empty: {} of {} left.", money(left_cents), money(pot_cents))
                    }
                }
                Notice::PotEmpty { pot } => {
                    if nl {
                        format!("{pot} is leeg: de pot legt niets meer bij.")
                    } else {
                        format!("{pot} is empty: it adds nothing more.")
                    }
                }
            };
            view! { <li>{text}</li> }
        })
        .collect::<Vec<_>>();
    (!items.is_empty()).then(|| {
        view! {
            <section aria-labelledby="notices-title" class="panel notices">
                <h2 id="notices-title">{if nl { "Meldingen" } else { "Notices" }}</h2>
                <ul>{items}</ul>
            </section>
        }
    })
}

fn cohort_card(locale: Locale, now: Timestamp, c: Cohort, p: Pace) -> impl IntoView {
    let t = dt(locale);
    let doc = c.document();
    let s = c.summary();
    let currency = doc.currency.clone();
    let money = move |v: i64| format::money(locale, &currency, v);
    let percent = s.crowd.percent_of_target.map(|v| format::percent(locale, v)).unwrap_or_default();
    let slug = doc.slug.clone();
    let href = Route::Cohort(slug.clone()).href();
    view! {
        <li class="card" data-slug=slug>
            <h3><a href=href>{doc.name.clone()}</a></h3>
            <p class="muted"><a href=Route::Programme(cofund_core::programme::programme_slug(&doc.programme.name)).href()>{doc.programme.name.clone()}</a>" · "{phase_text(locale, &c, now)}</p>
            <CrowdBar bar_bps=s.crowd.bar_bps/>
            <p class="crowd-line"><strong>{percent}</strong>" · "{money(s.crowd.pledged_cents)}{format!(" {} ", t.of)}{money(s.crowd.target_cents)}</p>
            <dl class="figures small">
                <div><dt>{t.received}</dt><dd>{money(s.crowd.received_cents)}</dd></div>
                <div><dt>{t.backers}</dt><dd>{format::integer(locale, s.crowd.backers)}</dd></div>
                <div><dt>{t.gap}</dt><dd>{money(s.gap_cents)}</dd></div>
            </dl>
            <p class="pace">{pace_badge(locale, &p, money)}</p>
        </li>
    }
}
