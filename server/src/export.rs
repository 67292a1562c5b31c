//! CSV export of a cohort's pledges (admin only: it contains e-mail addresses).

use crate::storage::PledgeRow;

const HEADER: [&str; 16] = [
    "id",
    "created_at",
    "status",
    "amount_cents",
    "amount",
    "name",
    "show_name",
    "show_amount",
    "email",
    "message",
    "message_hidden",
    "reference",
    "updated_at",
    "cohort",
    "news",
    "anonymised_at",
];

/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
/// Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at the
/// start) gets a leading `'`, since donors' names and messages are untrusted.
fn field(out: &mut String, value: &str, untrusted: bool) {
    let guarded;
    let value = if untrusted && value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{value}");
        guarded.as_str()
    } else {
        value
    };
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

pub fn pledges_csv(rows: &[PledgeRow]) -> String {
    let mut out = HEADER.join(",");
    out.push_str("\r\n");
    for r in rows {
        // An anonymised donor's e-mail cell says so (name and message are empty).
        let email = if r.anonymised_at.is_some() { "(geanonimiseerd)".to_owned() } else { r.email.clone() };
        let cells: [(String, bool); 16] = [
            (r.id.clone(), false),
            (r.created_at.to_rfc3339(), false),
            (r.status.as_str().to_owned(), false),
            (r.amount_cents.to_string(), false),
            (cofund_core::format_decimal(r.amount_cents), false),
            (r.name.clone().unwrap_or_default(), true),
            (r.show_name.to_string(), false),
            (r.show_amount.to_string(), false),
            (email, true),
            (r.message.clone().unwrap_or_default(), true),
            (r.message_hidden.to_string(), false),
            (r.reference.clone(), false),
            (r.updated_at.to_rfc3339(), false),
            (r.cohort_slug.clone(), false),
            (r.news.to_string(), false),
            (r.anonymised_at.map(|t| t.to_rfc3339()).unwrap_or_default(), false),
        ];
        for (i, (v, untrusted)) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, v, *untrusted);
        }
        out.push_str("\r\n");
    }
    out
}

/// One row of cells, each with whether it is untrusted text (see [`field`]).
fn row(out: &mut String, cells: &[(String, bool)]) {
    for (i, (v, untrusted)) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, v, *untrusted);
    }
    out.push_str("\r\n");
}

const SETTLEMENT_HEADER: [&str; 11] = [
    "cohort",
    "stakeholder",
    "line",
    "rule",
    "at",
    "pledge",
    "gift_cents",
    "amount_cents",
    "amount",
    "void",
    "conditional",
];

/// A cohort's settlement statements as CSV: one row per line of each statement, then a
/// `total` row per statement (a void statement has only its total, 0).
pub fn settlements_csv(s: &crate::domain::programmes::CohortSettlements) -> String {
    let mut out = SETTLEMENT_HEADER.join(",");
    out.push_str("\r\n");
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for st in &s.statements {
        let kind = |k: cofund_core::settlement::LineKind| {
            serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
        };
        for l in &st.lines {
            row(
                &mut out,
                &[
                    (s.cohort.clone(), false),
                    (st.stakeholder.clone(), true),
                    (kind(l.kind), false),
                    (l.rule.map(|r| r.to_string()).unwrap_or_default(), false),
                    (l.at.clone().unwrap_or_default(), false),
                    (l.pledge.clone().unwrap_or_default(), false),
                    (opt(l.gift_cents), false),
                    (l.amount_cents.to_string(), false),
                    (cofund_core::format_decimal(l.amount_cents), false),
                    (st.void.to_string(), false),
                    (st.conditional.to_string(), false),
                ],
            );
        }
        row(
            &mut out,
            &[
                (s.cohort.clone(), false),
                (st.stakeholder.clone(), true),
                ("total".to_owned(), false),
                (String::new(), false),
                (String::new(), false),
                (String::new(), false),
                (String::new(), false),
                (st.total_cents.to_string(), false),
                (cofund_core::format_decimal(st.total_cents), false),
                (st.void.to_string(), false),
                (st.conditional.to_string(), false),
            ],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        let mut s = String::new();
        field(&mut s, "a,\"b\"\nc", true);
        assert_eq!(s, "\"a,\"\"b\"\"\nc\"");
        let mut s = String::new();
        field(&mut s, "=HYPERLINK(1)", true);
        assert_eq!(s, "'=HYPERLINK(1)");
        let mut s = String::new();
        field(&mut s, "-5", false);
        assert_eq!(s, "-5");
    }
}
