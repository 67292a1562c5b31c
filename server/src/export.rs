//! CSV export of a cohort's pledges (admin only: it contains e-mail addresses).

use crate::storage::PledgeRow;

const HEADER: [&str; 14] = [
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
        w.write_record([
            r.id.clone(),
            r.created_at.to_rfc3339(),
            r.status.as_str().to_owned(),
            r.amount_cents.to_string(),
            cofund_core::format_decimal(r.amount_cents),
            guarded(r.name.as_deref().unwrap_or_default()),
            r.show_name.to_string(),
            r.show_amount.to_string(),
            guarded(&r.email),
            guarded(r.message.as_deref().unwrap_or_default()),
            r.message_hidden.to_string(),
            r.reference.clone(),
            r.updated_at.to_rfc3339(),
            r.cohort_slug.clone(),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new())
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
