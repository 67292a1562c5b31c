//! Forms as draft types: what a coordinator types, as text, and the one conversion to a
//! value that `cofund-core` has checked. Plain Rust, tested natively; the components
//! only bind fields to these strings.

use cofund_core::{
    parse_amount_input, validate_stakeholder, AmountInputError, FieldError, MatchOffer, Problem, Stakeholder,
    StakeholderKind, StakeholderStatus,
};

/// A stakeholder being added or edited.
#[derive(Debug, Clone, PartialEq)]
pub struct StakeholderDraft {
    pub name: String,
    pub kind: StakeholderKind,
    pub status: StakeholderStatus,
    /// The fixed co-funding as typed: `12.000`, `€ 12.000,00`.
    pub amount: String,
    pub condition: String,
    pub url: String,
    pub matching: bool,
    /// What one crowd euro unlocks, as typed: `0,50`.
    pub match_per_euro: String,
    pub match_cap: String,
    /// The stakeholder's rules (contract 1.1), kept as they are: the form does not edit
    /// them yet, and saving must not drop them.
    pub rules: Vec<cofund_core::Rule>,
}

impl Default for StakeholderDraft {
    fn default() -> Self {
        StakeholderDraft {
            name: String::new(),
            kind: StakeholderKind::Municipality,
            status: StakeholderStatus::Committed,
            amount: String::new(),
            condition: String::new(),
            url: String::new(),
            matching: false,
            match_per_euro: String::new(),
            match_cap: String::new(),
            rules: Vec::new(),
        }
    }
}

/// An amount typed as money, in cents: the widget's rules (`cofund-core`), with the
/// reason as a field error naming `field`.
pub fn amount_field(field: &str, input: &str) -> Result<i64, FieldError> {
    parse_amount_input(input).map_err(|e| {
        let problem = match e {
            AmountInputError::Empty => Problem::Required,
            AmountInputError::Ambiguous => {
                Problem::Format { expected: "an unambiguous amount such as 1.000,00".into() }
            }
            AmountInputError::TooManyDecimals => {
                Problem::Format { expected: "an amount with at most two decimals".into() }
            }
            AmountInputError::TooLarge => Problem::Overflow,
            AmountInputError::Malformed => Problem::Format { expected: "an amount such as 12.000 or 12.000,00".into() },
        };
        FieldError::new(field, problem)
    })
}

/// Cents as the form shows them for editing: `12000,50`, `12000` (Dutch decimal comma,
/// no grouping, which `parse_amount_input` reads back exactly).
pub fn cents_to_input(cents: i64) -> String {
    let (whole, rest) = (cents / 100, (cents % 100).abs());
    if rest == 0 {
        whole.to_string()
    } else {
        format!("{whole},{rest:02}")
    }
}

fn optional(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl StakeholderDraft {
    /// The draft of an existing stakeholder.
    pub fn from_stakeholder(s: &Stakeholder) -> StakeholderDraft {
        StakeholderDraft {
            name: s.name.clone(),
            kind: s.kind,
            status: s.status,
            amount: cents_to_input(s.amount_cents),
            condition: s.condition.clone().unwrap_or_default(),
            url: s.url.clone().unwrap_or_default(),
            matching: s.match_.is_some(),
            match_per_euro: s.match_.as_ref().map(|m| cents_to_input(m.ratio_bps / 100)).unwrap_or_default(),
            match_cap: s.match_.as_ref().map(|m| cents_to_input(m.cap_cents)).unwrap_or_default(),
            rules: s.rules.clone(),
        }
    }

    /// The stakeholder, or every field error at once (field names as in the contract's
    /// stakeholder: `amount_cents`, `match.ratio_bps`, …). Nothing may be sent while
    /// this is an error.
    pub fn to_stakeholder(&self) -> Result<Stakeholder, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut amount = |field: &str, input: &str| match amount_field(field, input) {
            Ok(c) => c,
            Err(e) => {
                errors.push(e);
                0
            }
        };
        let amount_cents = amount("amount_cents", &self.amount);
        let match_ = if self.matching {
            // A ratio typed as money per euro: € 0,50 per euro is 5 000 basis points.
            let per_euro = amount("match.ratio_bps", &self.match_per_euro);
            let cap_cents = amount("match.cap_cents", &self.match_cap);
            Some(MatchOffer { ratio_bps: per_euro.saturating_mul(100), cap_cents })
        } else {
            None
        };
        let condition = if self.status == StakeholderStatus::Conditional { optional(&self.condition) } else { None };
        if self.status == StakeholderStatus::Conditional && condition.is_none() {
            errors.push(FieldError::new("condition", Problem::Required));
        }
        let s = Stakeholder {
            name: self.name.trim().to_owned(),
            kind: self.kind,
            status: self.status,
            amount_cents,
            url: optional(&self.url),
            condition,
            match_,
            rules: self.rules.clone(),
            evaluation: None,
        };
        if let Err(more) = validate_stakeholder(&s) {
            // A field that failed to parse keeps its parse error, not a second one.
            let more: Vec<FieldError> =
                more.into_iter().filter(|m| !errors.iter().any(|e| e.field == m.field)).collect();
            errors.extend(more);
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }
}

/// The pledge list's view: filter, search and page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PledgeQuery {
    /// `None`: every status.
    pub status: Option<cofund_core::api::PledgeStatus>,
    /// Matched against the name and the payment reference, case-insensitively.
    pub search: String,
    /// 0-based.
    pub page: usize,
}

/// Pledges per page in the list.
pub const PAGE_SIZE: usize = 20;

impl PledgeQuery {
    /// Whether a pledge with this status, name and reference is shown.
    pub fn matches(&self, status: cofund_core::api::PledgeStatus, name: Option<&str>, reference: &str) -> bool {
        if self.status.is_some_and(|s| s != status) {
            return false;
        }
        let needle = self.search.trim().to_lowercase();
        needle.is_empty()
            || reference.to_lowercase().contains(&needle)
            || name.is_some_and(|n| n.to_lowercase().contains(&needle))
    }

    /// The range of `total` matching items on the current page, and the page count
    /// (at least 1). A page past the end shows the last page.
    pub fn page_range(&self, total: usize) -> (std::ops::Range<usize>, usize) {
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let page = self.page.min(pages - 1);
        let start = page * PAGE_SIZE;
        (start..(start + PAGE_SIZE).min(total), pages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cofund_core::api::PledgeStatus;

    fn fields(r: Result<Stakeholder, Vec<FieldError>>) -> Vec<(String, &'static str)> {
        r.unwrap_err().into_iter().map(|e| (e.field, e.problem.code())).collect()
    }

    #[test]
    fn a_good_draft_becomes_a_checked_stakeholder() {
        let d = StakeholderDraft {
            name: " Gemeente Utrecht ".into(),
            status: StakeholderStatus::Conditional,
            amount: "€ 12.000".into(),
            condition: "als de crowd € 10.000 haalt".into(),
            matching: true,
            match_per_euro: "0,50".into(),
            match_cap: "6.000".into(),
            ..Default::default()
        };
        let s = d.to_stakeholder().unwrap();
        assert_eq!(s.name, "Gemeente Utrecht");
        assert_eq!(s.amount_cents, 1_200_000);
        assert_eq!(s.match_, Some(MatchOffer { ratio_bps: 5000, cap_cents: 600_000 }));
        assert_eq!(s.condition.as_deref(), Some("als de crowd € 10.000 haalt"));
        // And back: editing shows what was stored, and saving it again changes nothing.
        let again = StakeholderDraft::from_stakeholder(&s);
        assert_eq!(again.amount, "12000");
        assert_eq!(again.match_per_euro, "0,50");
        assert_eq!(again.to_stakeholder().unwrap(), s);
    }

    #[test]
    fn editing_a_stakeholder_keeps_its_rules() {
        let mut s = StakeholderDraft { name: "Oranje Fonds".into(), amount: "0".into(), ..Default::default() }
            .to_stakeholder()
            .unwrap();
        s.rules = serde_json::from_str(r#"[{"kind":"match","ratio_bps":10000,"cap_cents":500000}]"#).unwrap();
        let mut edited = StakeholderDraft::from_stakeholder(&s);
        edited.amount = "100".into();
        let saved = edited.to_stakeholder().unwrap();
        assert_eq!((saved.amount_cents, &saved.rules), (10_000, &s.rules));
    }

    #[test]
    fn every_error_is_named_by_its_field() {
        let d = StakeholderDraft {
            name: "".into(),
            status: StakeholderStatus::Conditional,
            amount: "twaalf".into(),
            url: "ftp://x".into(),
            matching: true,
            match_per_euro: "0".into(),
            match_cap: "1,000".into(),
            ..Default::default()
        };
        assert_eq!(
            fields(d.to_stakeholder()),
            [
                ("amount_cents".to_owned(), "format"),
                ("match.cap_cents".to_owned(), "format"),
                ("condition".to_owned(), "required"),
                ("name".to_owned(), "required"),
                ("url".to_owned(), "format"),
                ("match.ratio_bps".to_owned(), "out_of_range"),
            ]
        );
        // A negative amount is refused by the amount rules before validation.
        let d = StakeholderDraft { name: "Fonds".into(), amount: "-5".into(), ..Default::default() };
        assert_eq!(fields(d.to_stakeholder()), [("amount_cents".to_owned(), "format")]);
        let d = StakeholderDraft { name: "Fonds".into(), amount: "".into(), ..Default::default() };
        assert_eq!(fields(d.to_stakeholder()), [("amount_cents".to_owned(), "required")]);
    }

    #[test]
    fn a_condition_is_kept_only_for_conditional_stakeholders() {
        let d = StakeholderDraft {
            name: "Fonds".into(),
            amount: "500".into(),
            condition: "x".into(),
            ..Default::default()
        };
        assert_eq!(d.to_stakeholder().unwrap().condition, None);
    }

    #[test]
    fn cents_to_input_round_trips() {
        for c in [0, 1, 99, 100, 123_456, 1_200_000] {
            assert_eq!(parse_amount_input(&cents_to_input(c)), Ok(c), "{c}");
        }
    }

    #[test]
    fn pledge_query_filters_searches_and_pages() {
        let mut q = PledgeQuery::default();
        assert!(q.matches(PledgeStatus::Cancelled, None, "S4C-UTR-1"));
        q.status = Some(PledgeStatus::Pledged);
        assert!(!q.matches(PledgeStatus::Received, Some("Fatima"), "S4C-UTR-1"));
        q.search = " fati ".into();
        assert!(q.matches(PledgeStatus::Pledged, Some("Fatima El Amrani"), "S4C-UTR-1"));
        assert!(!q.matches(PledgeStatus::Pledged, None, "S4C-UTR-1"));
        q.search = "utr-1".into();
        assert!(q.matches(PledgeStatus::Pledged, None, "S4C-UTR-1"));

        let q = PledgeQuery { page: 0, ..Default::default() };
        assert_eq!(q.page_range(45), (0..20, 3));
        let q = PledgeQuery { page: 2, ..Default::default() };
        assert_eq!(q.page_range(45), (40..45, 3));
        let q = PledgeQuery { page: 9, ..Default::default() };
        assert_eq!(q.page_range(45), (40..45, 3));
        assert_eq!(q.page_range(0), (0..0, 1));
    }
}
