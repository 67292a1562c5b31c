//! Progress over time as an inline SVG: cumulative pledged (the document's history) and
//! received per day, the crowd target and the line the cohort must follow from today to
//! reach it by the close. The figures come from `cofund-core`; this module only maps
//! them onto pixels (whole pixels, integer maths) and puts them into words.

use crate::format;
use crate::i18n::{dt, Locale};
use cofund_core::pace::{Pace, RequiredLine};
use cofund_core::{Cohort, Date};
use leptos::prelude::*;

pub const WIDTH: i64 = 640;
pub const HEIGHT: i64 = 240;
const LEFT: i64 = 8;
const RIGHT: i64 = 8;
const TOP: i64 = 12;
const BOTTOM: i64 = 24;

/// The chart's scales: campaign days onto x, cents onto y.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub first: Date,
    pub last: Date,
    pub max_cents: i64,
}

impl Scale {
    /// From the opening day to the last campaign day; up to the largest figure shown
    /// (target, pledged, required line), with a tenth above it.
    pub fn new(first: Date, last: Date, largest_cents: i64) -> Scale {
        let max_cents = largest_cents.max(100).saturating_add(largest_cents.max(100) / 10);
        Scale { first, last: if last > first { last } else { Date(first.0 + 1) }, max_cents }
    }

    pub fn x(&self, d: Date) -> i64 {
        let span = self.last.0 - self.first.0;
        let day = (d.0 - self.first.0).clamp(0, span);
        LEFT + day * (WIDTH - LEFT - RIGHT) / span
    }

    pub fn y(&self, cents: i64) -> i64 {
        let inner = HEIGHT - TOP - BOTTOM;
        let c = i128::from(cents.clamp(0, self.max_cents));
        HEIGHT - BOTTOM - (c * i128::from(inner) / i128::from(self.max_cents)) as i64
    }
}

/// A step line through cumulative points: flat until the next day's total.
pub fn step_path(scale: &Scale, points: &[(Date, i64)], until: Date) -> String {
    let mut d = String::new();
    d.push_str(&format!("M{} {}", scale.x(scale.first), scale.y(0)));
    for (date, cents) in points {
        d.push_str(&format!(" H{} V{}", scale.x(*date), scale.y(*cents)));
    }
    d.push_str(&format!(" H{}", scale.x(until)));
    d
}

/// The campaign's history as `(date, cumulative pledged)`, exactly as the document has it.
pub fn pledged_points(cohort: &Cohort) -> Vec<(Date, i64)> {
    cohort.document().history.iter().filter_map(|h| Some((Date::parse(&h.date)?, h.pledged_cents))).collect()
}

#[component]
pub fn ProgressChart(
    cohort: Cohort,
    pace: Pace,
    received: Vec<(Date, i64)>,
    today: Date,
    locale: Locale,
) -> impl IntoView {
    let t = dt(locale);
    let currency = cohort.document().currency.clone();
    let money = move |c: i64| format::money(locale, &currency, c);
    let pledged = pledged_points(&cohort);
    let first = cohort.opens_at().date_utc();
    let last = cohort.last_open_second().date_utc();
    let largest = pledged.iter().map(|p| p.1).max().unwrap_or(0).max(pace.target_cents);
    let scale = Scale::new(first, last, largest);
    let until = today.min(last);
    let day_label = |d: Date| format::date(locale, cofund_core::Timestamp(d.0 * 86_400 + 43_200));
    let target_y = scale.y(pace.target_cents);
    let required = pace.required_line.map(|RequiredLine { from, from_cents, to, to_cents }| {
        (scale.x(from), scale.y(from_cents), scale.x(to), scale.y(to_cents))
    });
    let desc = dt(locale).chart_desc(
        &money(cohort.summary().crowd.pledged_cents),
        &money(cohort.summary().crowd.received_cents),
        &money(pace.target_cents),
        &day_label(last),
        pace.required_line.map(|_| money(pace.required_per_day_cents)).as_deref(),
    );
    let circles = pledged
        .iter()
        .map(|(d, c)| {
            view! {
                <circle class="chart-point" cx=scale.x(*d) cy=scale.y(*c) r="3"
                    data-date=d.to_string() data-cents=c.to_string()></circle>
            }
        })
        .collect_view();
    // The table shows every day that has a figure, pledged and received side by side.
    let mut days: Vec<Date> = pledged.iter().map(|p| p.0).chain(received.iter().map(|p| p.0)).collect();
    days.sort();
    days.dedup();
    let at = |points: &[(Date, i64)], d: Date| points.iter().take_while(|p| p.0 <= d).last().map_or(0, |p| p.1);
    let rows = days
        .iter()
        .map(|d| {
            view! {
                <tr><th scope="row">{day_label(*d)}</th><td>{money(at(&pledged, *d))}</td><td>{money(at(&received, *d))}</td></tr>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby="chart-title chart-desc" class="chart-svg">
                <title id="chart-title">{t.chart_title}</title>
                <desc id="chart-desc">{desc.clone()}</desc>
                <line class="chart-axis" x1=LEFT x2=WIDTH - RIGHT y1=HEIGHT - BOTTOM y2=HEIGHT - BOTTOM></line>
                <line class="chart-target" x1=LEFT x2=WIDTH - RIGHT y1=target_y y2=target_y></line>
                <text class="chart-label" x=LEFT + 4 y=target_y - 4>{format!("{} {}", t.target, money(pace.target_cents))}</text>
                {required.map(|(x1, y1, x2, y2)| view! { <line class="chart-required" x1=x1 y1=y1 x2=x2 y2=y2></line> })}
                <path class="chart-received" d=step_path(&scale, &received, until)></path>
                <path class="chart-pledged" d=step_path(&scale, &pledged, until)></path>
                {circles}
                <text class="chart-label" x=LEFT y=HEIGHT - 6>{day_label(first)}</text>
                <text class="chart-label" x=WIDTH - RIGHT y=HEIGHT - 6 text-anchor="end">{day_label(last)}</text>
            </svg>
            <figcaption>
                <ul class="legend">
                    <li><span class="key key-pledged" aria-hidden="true"></span>{t.pledged}</li>
                    <li><span class="key key-received" aria-hidden="true"></span>{t.received}</li>
                    <li><span class="key key-target" aria-hidden="true"></span>{t.target}</li>
                    <li><span class="key key-required" aria-hidden="true"></span>{t.required_line}</li>
                </ul>
                <p>{desc}</p>
            </figcaption>
            <details class="chart-data">
                <summary>{t.chart_table}</summary>
                <table>
                    <caption>{t.chart_title}</caption>
                    <thead><tr><th scope="col">{t.day}</th><th scope="col">{t.pledged}</th><th scope="col">{t.received}</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn scales_map_the_campaign_onto_the_drawing() {
        let s = Scale::new(d("2027-03-01"), d("2027-03-31"), 1_000_000);
        assert_eq!(s.max_cents, 1_100_000);
        assert_eq!(s.x(d("2027-03-01")), LEFT);
        assert_eq!(s.x(d("2027-03-31")), WIDTH - RIGHT);
        assert_eq!(s.x(d("2027-02-01")), LEFT, "before the opening is clamped");
        assert_eq!(s.y(0), HEIGHT - BOTTOM);
        assert_eq!(s.y(1_100_000), TOP);
        assert!(s.y(500_000) > s.y(1_000_000));
    }

    #[test]
    fn a_one_day_campaign_does_not_divide_by_zero() {
        let s = Scale::new(d("2027-03-01"), d("2027-03-01"), 0);
        assert_eq!(s.x(d("2027-03-01")), LEFT);
        assert_eq!(s.y(0), HEIGHT - BOTTOM);
    }

    #[test]
    fn the_step_path_visits_every_point() {
        let s = Scale::new(d("2027-03-01"), d("2027-03-11"), 1000);
        let p = step_path(&s, &[(d("2027-03-02"), 500), (d("2027-03-05"), 1000)], d("2027-03-06"));
        assert_eq!(p, format!("M8 {} H70 V{} H257 V{} H320", s.y(0), s.y(500), s.y(1000)));
    }
}
