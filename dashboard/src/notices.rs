//! The coordinator's notices on the overview (issue 14): a stakeholder's trigger met in
//! the last days, a programme's multiplier pot nearly empty (under 10 % left) or empty.
//! Read from the cohorts' documents (the server's evaluation and the pot's state);
//! plain Rust, tested natively.

use cofund_core::{Cohort, RuleState, Timestamp};

/// How recent a met trigger must be to be noticed.
pub const RECENT_SECS: i64 = 7 * 86_400;
/// A pot with less than this share left (basis points) is nearly empty.
pub const NEARLY_EMPTY_BPS: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// `stakeholder`'s trigger in `cohort` was met at `at`, unlocking `amount_cents`.
    TriggerMet { cohort: String, slug: String, stakeholder: String, at: Timestamp, amount_cents: i64 },
    /// The pot `pot` has `left_cents` of `pot_cents` left (under 10 %, not empty).
    PotNearlyEmpty { pot: String, left_cents: i64, pot_cents: i64 },
    /// The pot `pot` is empty.
    PotEmpty { pot: String },
}

/// Every notice for the cohorts, newest trigger first, each pot once.
pub fn notices(cohorts: &[&Cohort], now: Timestamp) -> Vec<Notice> {
    let mut met = Vec::new();
    let mut pots = Vec::new();
    for c in cohorts {
        let doc = c.document();
        for s in &doc.stakeholders {
            let Some(e) = &s.evaluation else { continue };
            for (rule, r) in s.rules.iter().zip(&e.rules) {
                if !matches!(rule, cofund_core::Rule::Trigger(_)) || r.state != RuleState::Met {
                    continue;
                }
                let Some(at) = r.met_at.as_deref().and_then(Timestamp::parse_rfc3339) else { continue };
                if now.0 - at.0 <= RECENT_SECS {
                    met.push(Notice::TriggerMet {
                        cohort: doc.name.clone(),
                        slug: doc.slug.clone(),
                        stakeholder: s.name.clone(),
                        at,
                        amount_cents: r.unlocked_cents,
                    });
                }
            }
        }
        if let Some(p) = &doc.pot {
            let notice = if p.exhausted {
                Some(Notice::PotEmpty { pot: p.name.clone() })
            } else if i128::from(p.left_cents) * 10_000 < i128::from(p.pot_cents) * i128::from(NEARLY_EMPTY_BPS) {
                Some(Notice::PotNearlyEmpty { pot: p.name.clone(), left_cents: p.left_cents, pot_cents: p.pot_cents })
            } else {
                None
            };
            // Every cohort of a programme carries the same pot: notice it once.
            if let Some(n) = notice.filter(|n| !pots.contains(n)) {
                pots.push(n);
            }
        }
    }
    met.sort_by_key(|n| match n {
        Notice::TriggerMet { at, .. } => std::cmp::Reverse(*at),
        _ => std::cmp::Reverse(Timestamp(0)),
    });
    met.extend(pots);
    met
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cohort(edit: impl FnOnce(&mut serde_json::Value)) -> Cohort {
        let mut v: serde_json::Value =
            serde_json::from_str(include_str!("../../public/cohorts/utrecht-voorjaar-2027.json")).unwrap();
        edit(&mut v);
        Cohort::from_json(&v.to_string()).unwrap()
    }

    fn with_trigger(met_at: &str) -> impl FnOnce(&mut serde_json::Value) + '_ {
        move |v| {
            v["schema"] = "cofund/cohort@1.1".into();
            v["stakeholders"][0]["rules"] =
                serde_json::json!([{"kind": "trigger", "amount_cents": 1_200_000, "share_of_target_bps": 5000}]);
            v["stakeholders"][0]["evaluation"] = serde_json::json!({"unlocked_cents": 1_200_000, "available_cents": 0,
                "rules": [{"state": "met", "unlocked_cents": 1_200_000, "available_cents": 0, "progress_bps": 5800, "met_at": met_at}]});
        }
    }

    fn with_pot(left: i64) -> impl FnOnce(&mut serde_json::Value) {
        move |v| {
            v["schema"] = "cofund/cohort@1.1".into();
            v["pot"] = serde_json::json!({"programme": "s4c", "name": "Pot", "funders": [], "pot_cents": 100_000,
                "ratio_bps": 10_000, "added_cents": 0, "left_cents": left, "exhausted": left == 0});
        }
    }

    #[test]
    fn a_recent_trigger_is_noticed_and_an_old_one_not() {
        let now = Timestamp::parse_rfc3339("2027-03-20T12:00:00+01:00").unwrap();
        let recent = cohort(with_trigger("2027-03-18T10:00:00+01:00"));
        let old = cohort(with_trigger("2027-03-01T10:00:00+01:00"));
        let n = notices(&[&recent, &old], now);
        assert_eq!(n.len(), 1);
        assert!(matches!(&n[0], Notice::TriggerMet { amount_cents: 1_200_000, .. }));
    }

    #[test]
    fn a_pot_under_ten_percent_is_nearly_empty_once_and_an_empty_one_is_empty() {
        let now = Timestamp::parse_rfc3339("2027-03-20T12:00:00+01:00").unwrap();
        let (a, b) = (cohort(with_pot(9_999)), cohort(with_pot(9_999)));
        assert_eq!(
            notices(&[&a, &b], now),
            [Notice::PotNearlyEmpty { pot: "Pot".into(), left_cents: 9_999, pot_cents: 100_000 }]
        );
        assert_eq!(notices(&[&cohort(with_pot(10_000))], now), []);
        assert_eq!(notices(&[&cohort(with_pot(0))], now), [Notice::PotEmpty { pot: "Pot".into() }]);
    }
}
