//! The multiplier pot's use per cohort over time on the programme page: an inline SVG
//! step chart (a line per cohort and one for the pot's total, each with its own colour
//! and dash pattern and a label at its end, `role="img"` with a text summary) and the
//! same figures as a table, from `GET /api/v1/admin/programmes/{slug}/pot-history`
//! (computed by `cofund-core` from the same allocation as the documents). The chart's
//! scales and step paths are [`crate::chart`]'s.

use crate::chart::{step_path, Scale, HEIGHT, WIDTH};
use crate::format;
use crate::i18n::Locale;
use cofund_core::pot::PotHistory;
use cofund_core::{Date, Timestamp};
use leptos::prelude::*;

fn tr(nl: bool, dutch: &'static str, english: &'static str) -> &'static str {
    if nl {
        dutch
    } else {
        english
    }
}

/// Cohort lines take these in turn (colour class and dash pattern): colour is never the
/// only cue.
const DASHES: [&str; 6] = ["", "8 4", "2 4", "12 4 2 4", "4 4", "16 6"];

/// One line of the chart: a cohort's (or the pot's total) cumulative cents by day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub slug: String,
    pub points: Vec<(Date, i64)>,
}

/// The lines of `h`: one per cohort in the history's order (its cumulative figure at
/// the end of each day it got something) and the pot's total; the day range drawn.
pub fn series(h: &PotHistory) -> (Vec<Series>, Series, Option<(Date, Date)>) {
    let day = |at: &str| Timestamp::parse_rfc3339(at).map(Timestamp::date_utc);
    fn push(points: &mut Vec<(Date, i64)>, d: Date, cents: i64) {
        match points.last_mut() {
            Some(last) if last.0 == d => last.1 = cents,
            _ => points.push((d, cents)),
        }
    }
    let mut cohorts: Vec<Series> =
        h.cohorts.iter().map(|c| Series { slug: c.slug.clone(), points: Vec::new() }).collect();
    let mut total = Series { slug: String::new(), points: Vec::new() };
    let mut range: Option<(Date, Date)> = None;
    for p in &h.points {
        let Some(d) = day(&p.at) else { continue };
        range = Some(range.map_or((d, d), |(a, b)| (a.min(d), b.max(d))));
        if let Some(s) = cohorts.iter_mut().find(|s| s.slug == p.cohort) {
            push(&mut s.points, d, p.cohort_cents);
        }
        push(&mut total.points, d, p.used_cents);
    }
    (cohorts, total, range)
}

/// The chart and the table; `names` gives each cohort's name by slug.
#[component]
pub fn PotHistoryView(
    history: PotHistory,
    names: Vec<(String, String)>,
    currency: String,
    locale: Locale,
) -> impl IntoView {
    let nl = locale == Locale::Nl;
    let money = move |v: i64| format::money(locale, &currency, v);
    let name_of = {
        let names = names.clone();
        move |slug: &str| names.iter().find(|(s, _)| s == slug).map_or_else(|| slug.to_owned(), |(_, n)| n.clone())
    };
    let (cohorts, total, range) = series(&history);
    let summary = {
        let per: Vec<String> =
            history.cohorts.iter().map(|c| format!("{} {}", name_of(&c.slug), money(c.added_cents))).collect();
        let head = if nl {
            format!("De pot gaf {} van {}", money(history.used_cents), money(history.pot_cents))
        } else {
            format!("The pot gave {} of {}", money(history.used_cents), money(history.pot_cents))
        };
        if per.is_empty() {
            format!("{head}.")
        } else {
            format!("{head}: {}.", per.join(", "))
        }
    };
    let Some((first, last)) = range else {
        return view! {
            <section class="panel" aria-labelledby="pot-history-title">
                <h2 id="pot-history-title">{tr(nl, "Gebruik van de pot", "Use of the pot")}</h2>
                <p>{tr(nl, "De pot heeft nog niets gegeven.", "The pot has not given anything yet.")}</p>
            </section>
        }
        .into_any();
    };
    let scale = Scale::new(first, last, history.pot_cents.max(history.used_cents));
    let day_label = move |d: Date| format::date(locale, Timestamp(d.0 * 86_400 + 43_200));
    let label_y = |cents: i64| scale.y(cents).max(14) - 4;
    let lines = cohorts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let end = s.points.last().map_or(0, |p| p.1);
            view! {
                <path class=format!("pot-line pot-line-{}", i % DASHES.len()) stroke-dasharray=DASHES[i % DASHES.len()]
                    d=step_path(&scale, &s.points, last) data-cohort=s.slug.clone()></path>
                <text class="chart-label" x=WIDTH - 8 y=label_y(end) text-anchor="end">{format!("{} {}", name_of(&s.slug), money(end))}</text>
            }
        })
        .collect_view();
    let used_end = total.points.last().map_or(0, |p| p.1);
    let legend = cohorts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            view! {
                <li><svg class="key-line" viewBox="0 0 32 8" width="32" height="8" aria-hidden="true">
                    <line class=format!("pot-line pot-line-{}", i % DASHES.len()) x1="0" x2="32" y1="4" y2="4" stroke-dasharray=DASHES[i % DASHES.len()]></line>
                </svg>{name_of(&s.slug)}</li>
            }
        })
        .collect_view();
    let rows = history
        .points
        .iter()
        .map(|p| {
            let when = Timestamp::parse_rfc3339(&p.at)
                .map(|t| format::date_time_short(locale, t))
                .unwrap_or_else(|| p.at.clone());
            view! {
                <tr>
                    <th scope="row">{when}</th>
                    <td>{name_of(&p.cohort)}</td>
                    <td class="num">{money(p.cohort_cents)}</td>
                    <td class="num">{money(p.used_cents)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="pot-history-title">
            <h2 id="pot-history-title">{tr(nl, "Gebruik van de pot per cohort", "Use of the pot per cohort")}</h2>
            <figure class="chart pot-chart">
                <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby="pot-chart-title pot-chart-desc" class="chart-svg">
                    <title id="pot-chart-title">{tr(nl, "Wat de pot per cohort gaf, in de tijd", "What the pot gave each cohort, over time")}</title>
                    <desc id="pot-chart-desc">{summary.clone()}</desc>
                    <line class="chart-axis" x1="8" x2=WIDTH - 8 y1=scale.y(0) y2=scale.y(0)></line>
                    <line class="chart-target" x1="8" x2=WIDTH - 8 y1=scale.y(history.pot_cents) y2=scale.y(history.pot_cents)></line>
                    <text class="chart-label" x="12" y=label_y(history.pot_cents)>{format!("{} {}", tr(nl, "Pot", "Pot"), money(history.pot_cents))}</text>
                    {lines}
                    <path class="pot-total" d=step_path(&scale, &total.points, last)></path>
                    <text class="chart-label" x="12" y=label_y(used_end) >{format!("{} {}", tr(nl, "Samen", "Together"), money(used_end))}</text>
                    <text class="chart-label" x="8" y=HEIGHT - 6>{day_label(first)}</text>
                    <text class="chart-label" x=WIDTH - 8 y=HEIGHT - 6 text-anchor="end">{day_label(last)}</text>
                </svg>
                <figcaption>
                    <ul class="legend">
                        {legend}
                        <li><svg class="key-line" viewBox="0 0 32 8" width="32" height="8" aria-hidden="true"><line class="pot-total" x1="0" x2="32" y1="4" y2="4"></line></svg>
                            {tr(nl, "Alle cohorten samen", "All cohorts together")}</li>
                        <li><span class="key key-target" aria-hidden="true"></span>{tr(nl, "Wat er in de pot zat", "What was in the pot")}</li>
                    </ul>
                    <p>{summary}</p>
                </figcaption>
            </figure>
            <div class="table-wrap">
                <table class="pot-history-table">
                    <caption>{tr(nl, "Wat de pot gaf, gift voor gift", "What the pot gave, gift by gift")}</caption>
                    <thead><tr>
                        <th scope="col">{tr(nl, "Moment", "When")}</th>
                        <th scope="col">{tr(nl, "Cohort", "Cohort")}</th>
                        <th scope="col" class="num">{tr(nl, "Dit cohort tot dan", "This cohort so far")}</th>
                        <th scope="col" class="num">{tr(nl, "Alle cohorten tot dan", "All cohorts so far")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cofund_core::pot::{PotCohortShare, PotHistoryPoint};

    #[test]
    fn a_line_per_cohort_steps_at_the_end_of_each_day_and_the_total_follows_every_point() {
        let point = |at: &str, cohort: &str, c: i64, u: i64| PotHistoryPoint {
            at: at.into(),
            cohort: cohort.into(),
            cohort_cents: c,
            used_cents: u,
        };
        let h = PotHistory {
            pot_cents: 10_000,
            used_cents: 8_501,
            left_cents: 1_499,
            cohorts: vec![
                PotCohortShare { slug: "a".into(), added_cents: 3_501 },
                PotCohortShare { slug: "b".into(), added_cents: 5_000 },
            ],
            points: vec![
                point("2027-03-01T10:00:00Z", "a", 2_500, 2_500),
                point("2027-03-01T11:00:00Z", "a", 3_501, 3_501),
                point("2027-03-03T09:00:00Z", "b", 2_500, 6_001),
                point("2027-03-04T09:00:00Z", "b", 5_000, 8_501),
            ],
        };
        let (cohorts, total, range) = series(&h);
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(cohorts[0].points, [(d("2027-03-01"), 3_501)]);
        assert_eq!(cohorts[1].points, [(d("2027-03-03"), 2_500), (d("2027-03-04"), 5_000)]);
        assert_eq!(total.points, [(d("2027-03-01"), 3_501), (d("2027-03-03"), 6_001), (d("2027-03-04"), 8_501)]);
        assert_eq!(range, Some((d("2027-03-01"), d("2027-03-04"))));
        // Each line ends at today's figure.
        assert_eq!(cohorts.iter().map(|s| s.points.last().unwrap().1).collect::<Vec<_>>(), [3_501, 5_000]);
    }
}
