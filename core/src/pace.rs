//! How a campaign is doing against the clock, for the coordinators' dashboard: what the
//! crowd is heading for at the close, whether that reaches the target, what it takes
//! from today to reach it, and which cohort needs attention first.
//!
//! The projection is deliberately simple and explainable: the cohort keeps raising at
//! the rate of its own last [`PACE_WINDOW_DAYS`] days (or since opening, if shorter),
//! measured from the document's `history`, until the close. Integer maths only:
//! `projected = pledged + raised_in_window × seconds_left / seconds_in_window`, rounded
//! down, so a projection never promises a cent that the rate does not give.

use crate::contract::HistoryPoint;
use crate::progress::{percent_floor, CampaignPhase};
use crate::time::{Date, Timestamp};
use crate::validate::Cohort;
use serde::Serialize;

/// The window over which the recent rate is measured.
pub const PACE_WINDOW_DAYS: i64 = 14;
const SECONDS_PER_DAY: i64 = 86_400;

/// Where a campaign stands against its crowd target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaceVerdict {
    /// Not open yet: no rate to project from.
    Upcoming,
    /// Open, and the projection reaches the target (or the target is already met).
    OnPace,
    /// Open, and the projection falls short of the target.
    Behind,
    /// Closed with the target met.
    Reached,
    /// Closed short of the target.
    Missed,
}

/// The line a cohort must follow from today to reach its target by the close: from
/// `(from, from_cents)` to `(to, to_cents)`, cumulative crowd pledges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredLine {
    pub from: Date,
    pub from_cents: i64,
    /// The campaign's last day (the day before the exclusive `closes_at`).
    pub to: Date,
    pub to_cents: i64,
}

/// The pace of one cohort at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pace {
    pub verdict: PaceVerdict,
    pub target_cents: i64,
    pub pledged_cents: i64,
    /// What the crowd is heading for at the close; the final total once closed, today's
    /// total before opening.
    pub projected_cents: i64,
    /// Floor of projected / target in percent; `None` without a crowd target.
    pub projected_percent: Option<i64>,
    /// Raised per day over the measuring window, rounded down.
    pub recent_per_day_cents: i64,
    /// What must be raised per day from today to reach the target by the close, rounded
    /// up; 0 when the target is met or the campaign is not open.
    pub required_per_day_cents: i64,
    /// Present while the campaign is open and the target not yet met.
    pub required_line: Option<RequiredLine>,
    /// Days left while open (rounded up), days until opening when upcoming, else 0.
    pub days: i64,
}

/// Cumulative pledges at the end of the last history day before `day`; 0 if none.
fn cumulative_before(history: &[HistoryPoint], day: Date) -> i64 {
    history
        .iter()
        .filter_map(|h| Some((Date::parse(&h.date)?, h.pledged_cents)))
        .take_while(|(d, _)| *d < day)
        .last()
        .map_or(0, |(_, c)| c)
}

fn mul_div_floor(a: i64, b: i64, c: i64) -> i64 {
    if c <= 0 {
        return 0;
    }
    i64::try_from(i128::from(a) * i128::from(b) / i128::from(c)).unwrap_or(i64::MAX)
}

impl Pace {
    /// The pace of `cohort` at `now`.
    pub fn of(cohort: &Cohort, now: Timestamp) -> Pace {
        let crowd = &cohort.summary().crowd;
        let (target, pledged) = (crowd.target_cents, crowd.pledged_cents);
        let (opens, closes) = (cohort.opens_at(), cohort.closes_at());
        let mut pace = Pace {
            verdict: PaceVerdict::Upcoming,
            target_cents: target,
            pledged_cents: pledged,
            projected_cents: pledged,
            projected_percent: percent_floor(pledged, target),
            recent_per_day_cents: 0,
            required_per_day_cents: 0,
            required_line: None,
            days: 0,
        };
        match cohort.phase(now) {
            CampaignPhase::Upcoming { days_until_open } => {
                pace.days = days_until_open;
            }
            CampaignPhase::Closed => {
                pace.verdict = if crowd.target_met { PaceVerdict::Reached } else { PaceVerdict::Missed };
            }
            CampaignPhase::Open { days_left } => {
                pace.days = days_left;
                // The window starts at midnight (UTC) of the day PACE_WINDOW_DAYS ago, or
                // at the opening; history before it gives the baseline.
                let window_day = Date((now.0 - PACE_WINDOW_DAYS * SECONDS_PER_DAY).div_euclid(SECONDS_PER_DAY));
                let window_start = Timestamp(window_day.0 * SECONDS_PER_DAY).max(opens);
                let baseline =
                    if window_start == opens { 0 } else { cumulative_before(&cohort.document().history, window_day) };
                let raised = (pledged - baseline).max(0);
                let elapsed = now.0 - window_start.0;
                let left = closes.0 - now.0;
                pace.recent_per_day_cents = mul_div_floor(raised, SECONDS_PER_DAY, elapsed);
                pace.projected_cents = pledged.saturating_add(mul_div_floor(raised, left, elapsed));
                pace.projected_percent = percent_floor(pace.projected_cents, target);
                pace.verdict = if crowd.target_met || pace.projected_cents >= target {
                    PaceVerdict::OnPace
                } else {
                    PaceVerdict::Behind
                };
                if !crowd.target_met {
                    let remaining = target - pledged;
                    pace.required_per_day_cents = (remaining + days_left - 1) / days_left.max(1);
                    pace.required_line = Some(RequiredLine {
                        from: now.date_utc(),
                        from_cents: pledged,
                        to: cohort.last_open_second().date_utc(),
                        to_cents: target,
                    });
                }
            }
        }
        pace
    }

    /// The sort key that puts the cohort needing attention first: behind (furthest
    /// behind, then fewest days left), on pace (fewest days left), upcoming (soonest),
    /// missed, reached.
    pub fn attention(&self) -> Attention {
        let (tier, a, b) = match self.verdict {
            PaceVerdict::Behind => (0, self.projected_percent.unwrap_or(0), self.days),
            PaceVerdict::OnPace => (1, self.days, 0),
            PaceVerdict::Upcoming => (2, self.days, 0),
            PaceVerdict::Missed => (3, self.projected_percent.unwrap_or(0), 0),
            PaceVerdict::Reached => (4, 0, 0),
        };
        Attention { tier, a, b }
    }
}

/// Orders cohorts by how much attention they need; smaller comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Attention {
    tier: u8,
    a: i64,
    b: i64,
}

/// The crowd figures of several cohorts added up, for a programme's totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProgrammeTotals {
    pub cohorts: i64,
    pub target_cents: i64,
    pub pledged_cents: i64,
    pub received_cents: i64,
    pub backers: i64,
    pub gap_cents: i64,
    pub behind: i64,
    /// Floor of pledged / target in percent over all cohorts.
    pub percent_of_target: Option<i64>,
}

impl ProgrammeTotals {
    /// Sums saturate: no programme comes near `i64::MAX` cents, and a total that did
    /// would show as huge rather than wrap.
    pub fn of<'a>(cohorts: impl IntoIterator<Item = (&'a Cohort, &'a Pace)>) -> ProgrammeTotals {
        let mut t = ProgrammeTotals::default();
        for (c, p) in cohorts {
            let s = c.summary();
            t.cohorts += 1;
            t.target_cents = t.target_cents.saturating_add(s.crowd.target_cents);
            t.pledged_cents = t.pledged_cents.saturating_add(s.crowd.pledged_cents);
            t.received_cents = t.received_cents.saturating_add(s.crowd.received_cents);
            t.backers = t.backers.saturating_add(s.crowd.backers);
            t.gap_cents = t.gap_cents.saturating_add(s.gap_cents);
            t.behind += i64::from(p.verdict == PaceVerdict::Behind);
        }
        t.percent_of_target = percent_floor(t.pledged_cents, t.target_cents);
        t
    }
}

/// Cumulative amounts per day from dated amounts (e.g. pledges by the day they were
/// received), oldest first, one point per day that has any. Amounts that would
/// overflow saturate.
pub fn cumulative_by_day(mut events: Vec<(Date, i64)>) -> Vec<(Date, i64)> {
    events.sort_by_key(|(d, _)| *d);
    let mut out: Vec<(Date, i64)> = Vec::new();
    let mut total = 0i64;
    for (d, cents) in events {
        total = total.saturating_add(cents);
        match out.last_mut() {
            Some((last, c)) if *last == d => *c = total,
            _ => out.push((d, total)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::CohortDocument;

    /// Budget € 10.000, crowd target 50 % = € 5.000 = 500 000 cents, open 2027-03-01 to
    /// 2027-03-31 (30 days).
    fn cohort(pledged: i64, history: &[(&str, i64)]) -> Cohort {
        let json = include_str!("../../public/cohorts/utrecht-voorjaar-2027.json");
        let mut d: CohortDocument = serde_json::from_str(json).unwrap();
        d.budget_cents = 1_000_000;
        d.crowd.target_share_bps = 5000;
        d.own_contributions.participants = 0;
        d.own_contributions.received = 0;
        d.stakeholders.clear();
        d.campaign.opens_at = "2027-03-01T00:00:00Z".into();
        d.campaign.closes_at = "2027-03-31T00:00:00Z".into();
        d.crowd.pledged_cents = pledged;
        d.crowd.received_cents = 0;
        d.recent_pledges.clear();
        d.history = history.iter().map(|(date, c)| HistoryPoint { date: (*date).into(), pledged_cents: *c }).collect();
        Cohort::from_document(d).unwrap()
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn early_campaign_projects_its_rate_since_opening() {
        // 10 days in, € 1.000 raised: € 100 a day for 20 more days = € 3.000 at the close.
        let c = cohort(100_000, &[("2027-03-05", 40_000), ("2027-03-10", 100_000)]);
        let p = Pace::of(&c, at("2027-03-11T00:00:00Z"));
        assert_eq!(p.recent_per_day_cents, 10_000);
        assert_eq!(p.projected_cents, 300_000);
        assert_eq!(p.projected_percent, Some(60));
        assert_eq!(p.verdict, PaceVerdict::Behind);
        assert_eq!(p.days, 20);
        // € 4.000 still to raise in 20 days: € 200 a day.
        assert_eq!(p.required_per_day_cents, 20_000);
        let line = p.required_line.unwrap();
        assert_eq!((line.from, line.from_cents), (Date::parse("2027-03-11").unwrap(), 100_000));
        assert_eq!((line.to, line.to_cents), (Date::parse("2027-03-30").unwrap(), 500_000));
    }

    #[test]
    fn later_the_last_fourteen_days_set_the_rate() {
        // A fast start (€ 3.000 by 6 March), then nothing for 14 days: the recent rate is
        // zero and the projection is what is pledged now, though the average since
        // opening (€ 150 a day) would promise more.
        let c = cohort(300_000, &[("2027-03-02", 100_000), ("2027-03-06", 300_000)]);
        let p = Pace::of(&c, at("2027-03-21T00:00:00Z"));
        assert_eq!(p.recent_per_day_cents, 0);
        assert_eq!(p.projected_cents, 300_000);
        assert_eq!(p.verdict, PaceVerdict::Behind);

        // Steady € 250 a day over the window: on pace to € 7.500 at the close.
        let c = cohort(500_000, &[("2027-03-06", 150_000), ("2027-03-20", 500_000)]);
        let p = Pace::of(&c, at("2027-03-21T00:00:00Z"));
        assert_eq!(p.recent_per_day_cents, 25_000);
        assert_eq!(p.projected_cents, 500_000 + 25_000 * 10);
        assert_eq!(p.verdict, PaceVerdict::OnPace);
        // The target is met: nothing more is required and there is no required line.
        assert_eq!(p.required_per_day_cents, 0);
        assert_eq!(p.required_line, None);
    }

    #[test]
    fn projection_is_exactly_at_target_on_pace() {
        // € 2.000 in the first 12 days: at that rate € 3.000 more in the other 18 reaches
        // € 5.000 exactly.
        let c = cohort(200_000, &[("2027-03-12", 200_000)]);
        let p = Pace::of(&c, at("2027-03-13T00:00:00Z"));
        assert_eq!(p.projected_cents, 500_000);
        assert_eq!(p.projected_percent, Some(100));
        assert_eq!(p.verdict, PaceVerdict::OnPace);
        // One cent less is behind.
        let c = cohort(199_999, &[("2027-03-12", 199_999)]);
        assert_eq!(Pace::of(&c, at("2027-03-13T00:00:00Z")).verdict, PaceVerdict::Behind);
    }

    #[test]
    fn required_per_day_rounds_up() {
        // € 0,10 to raise on the last 3 days: 4 cents a day, not 3.
        let c = cohort(499_990, &[("2027-03-27", 499_990)]);
        let p = Pace::of(&c, at("2027-03-28T00:00:00Z"));
        assert_eq!(p.days, 3);
        assert_eq!(p.required_per_day_cents, 4);
    }

    #[test]
    fn upcoming_and_closed() {
        let c = cohort(0, &[]);
        let p = Pace::of(&c, at("2027-02-27T12:00:00Z"));
        assert_eq!((p.verdict, p.days, p.projected_cents), (PaceVerdict::Upcoming, 2, 0));
        assert_eq!(p.required_line, None);

        let c = cohort(480_000, &[("2027-03-30", 480_000)]);
        let p = Pace::of(&c, at("2027-04-02T00:00:00Z"));
        assert_eq!((p.verdict, p.projected_cents, p.required_per_day_cents), (PaceVerdict::Missed, 480_000, 0));
        let c = cohort(520_000, &[("2027-03-30", 520_000)]);
        assert_eq!(Pace::of(&c, at("2027-04-02T00:00:00Z")).verdict, PaceVerdict::Reached);
    }

    #[test]
    fn the_first_second_projects_nothing_and_does_not_divide_by_zero() {
        let c = cohort(0, &[]);
        let p = Pace::of(&c, at("2027-03-01T00:00:00Z"));
        assert_eq!((p.projected_cents, p.recent_per_day_cents, p.verdict), (0, 0, PaceVerdict::Behind));
        assert_eq!(p.required_per_day_cents, 500_000 / 30 + 1);
    }

    #[test]
    fn attention_puts_the_furthest_behind_first() {
        let now = at("2027-03-21T00:00:00Z");
        let far_behind = Pace::of(&cohort(100_000, &[("2027-03-20", 100_000)]), now);
        let behind = Pace::of(&cohort(300_000, &[("2027-03-06", 200_000), ("2027-03-20", 300_000)]), now);
        let on_pace = Pace::of(&cohort(500_000, &[("2027-03-20", 500_000)]), now);
        let upcoming = Pace::of(&cohort(0, &[]), at("2027-02-20T00:00:00Z"));
        let missed = Pace::of(&cohort(100_000, &[("2027-03-20", 100_000)]), at("2027-04-20T00:00:00Z"));
        let reached = Pace::of(&cohort(600_000, &[("2027-03-20", 600_000)]), at("2027-04-20T00:00:00Z"));
        let mut all = [&reached, &on_pace, &missed, &behind, &upcoming, &far_behind];
        all.sort_by_key(|p| p.attention());
        let order: Vec<_> = all.iter().map(|p| (p.verdict, p.pledged_cents)).collect();
        assert_eq!(
            order,
            [
                (PaceVerdict::Behind, 100_000),
                (PaceVerdict::Behind, 300_000),
                (PaceVerdict::OnPace, 500_000),
                (PaceVerdict::Upcoming, 0),
                (PaceVerdict::Missed, 100_000),
                (PaceVerdict::Reached, 600_000),
            ]
        );
    }

    #[test]
    fn programme_totals_add_up() {
        let now = at("2027-03-21T00:00:00Z");
        let a = cohort(100_000, &[("2027-03-20", 100_000)]);
        let b = cohort(600_000, &[("2027-03-20", 600_000)]);
        let (pa, pb) = (Pace::of(&a, now), Pace::of(&b, now));
        let t = ProgrammeTotals::of([(&a, &pa), (&b, &pb)]);
        assert_eq!((t.cohorts, t.target_cents, t.pledged_cents, t.behind), (2, 1_000_000, 700_000, 1));
        assert_eq!(t.percent_of_target, Some(70));
        assert_eq!(t.gap_cents, a.summary().gap_cents + b.summary().gap_cents);
    }

    #[test]
    fn cumulative_by_day_sums_per_day_in_order() {
        let d = |s| Date::parse(s).unwrap();
        let events = vec![(d("2027-03-03"), 500), (d("2027-03-01"), 1000), (d("2027-03-03"), 250)];
        assert_eq!(cumulative_by_day(events), [(d("2027-03-01"), 1000), (d("2027-03-03"), 1750)]);
        assert_eq!(cumulative_by_day(vec![]), []);
    }
}
