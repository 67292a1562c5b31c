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

/// Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at the
/// start) gets a leading `'`, since donors' names and messages are untrusted.
fn guarded(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// RFC 4180 (the `csv` crate: a field with a comma, quote or line break is quoted,
/// quotes doubled; CRLF line ends), one row per pledge under [`HEADER`].
pub fn pledges_csv(rows: &[PledgeRow]) -> String {
    let mut w = writer();
    w.write_record(HEADER).expect("writing to memory");
    for r in rows {
        // An anonymised donor's e-mail cell says so (name and message are empty).
        let email = if r.anonymised_at.is_some() { "(geanonimiseerd)".to_owned() } else { guarded(&r.email) };
        w.write_record([
            r.id.clone(),
            r.created_at.to_rfc3339(),
            r.status.as_str().to_owned(),
            r.amount_cents.to_string(),
            cofund_core::format_decimal(r.amount_cents),
            guarded(r.name.as_deref().unwrap_or_default()),
            r.show_name.to_string(),
            r.show_amount.to_string(),
            email,
            guarded(r.message.as_deref().unwrap_or_default()),
            r.message_hidden.to_string(),
            r.reference.clone(),
            r.updated_at.to_rfc3339(),
            r.cohort_slug.clone(),
            r.news.to_string(),
            r.anonymised_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new())
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
    let mut w = writer();
    w.write_record(SETTLEMENT_HEADER).expect("writing to memory");
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let kind = |k: cofund_core::settlement::LineKind| {
        serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    };
    for st in &s.statements {
        for l in &st.lines {
            w.write_record([
                s.cohort.clone(),
                guarded(&st.stakeholder),
                kind(l.kind),
                l.rule.map(|r| r.to_string()).unwrap_or_default(),
                l.at.clone().unwrap_or_default(),
                l.pledge.clone().unwrap_or_default(),
                opt(l.gift_cents),
                l.amount_cents.to_string(),
                cofund_core::format_decimal(l.amount_cents),
                st.void.to_string(),
                st.conditional.to_string(),
            ])
            .expect("writing to memory");
        }
        w.write_record([
            s.cohort.clone(),
            guarded(&st.stakeholder),
            "total".to_owned(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            st.total_cents.to_string(),
            cofund_core::format_decimal(st.total_cents),
            st.void.to_string(),
            st.conditional.to_string(),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}

/// What each funder of a programme's pot owes, as CSV: a row per funder and cohort
/// (its share of what the pot gave the cohort), then a `total` row per funder.
pub fn programme_settlements_csv(s: &cofund_core::settlement::ProgrammeSettlements) -> String {
    let mut w = writer();
    w.write_record(["programme", "pot", "funder", "funder_amount_cents", "cohort", "amount_cents", "amount"])
        .expect("writing to memory");
    for f in &s.funders {
        let rows = f.per_cohort.iter().map(|c| (c.slug.clone(), c.added_cents));
        for (cohort, cents) in rows.chain([("total".to_owned(), f.total_cents)]) {
            w.write_record([
                s.programme.clone(),
                guarded(&s.pot),
                guarded(&f.funder),
                f.amount_cents.to_string(),
                cohort,
                cents.to_string(),
                cofund_core::format_decimal(cents),
            ])
            .expect("writing to memory");
        }
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_of(cells: &[&str]) -> String {
        let mut w = writer();
        w.write_record(cells).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    // What the hand-written writer did, the crate does with the same settings.
    #[test]
    fn escaping() {
        assert_eq!(csv_of(&["a,\"b\"\nc", "x"]), "\"a,\"\"b\"\"\nc\",x\r\n");
        assert_eq!(csv_of(&[&guarded("=HYPERLINK(1)"), "", "-5"]), "'=HYPERLINK(1),,-5\r\n");
        assert_eq!(guarded("-5"), "'-5");
        assert_eq!(guarded("Anna"), "Anna");
    }
}
