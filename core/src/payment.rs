//! How payment details are written for a donor: the IBAN as people read it (groups of
//! four) and as machines take it (no spaces), and an amount as a banking app's amount
//! field takes it. Shared by the widget (display and copy) and the server.

/// The IBAN in its electronic form: no spaces or other separators, capitals.
/// This is what a copy button puts on the clipboard: every banking app accepts it.
///
/// ```
/// assert_eq!(cofund_core::payment::compact_iban(" nl91 abna 0417-1643 00 "), "NL91ABNA0417164300");
/// ```
pub fn compact_iban(iban: &str) -> String {
    iban.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// The IBAN in its print form (ISO 13616): groups of four separated by one space,
/// the last group shorter. A reader can keep their place, and a line may break only
/// between groups.
///
/// ```
/// assert_eq!(cofund_core::payment::group_iban("NL91ABNA0417164300"), "NL91 ABNA 0417 1643 00");
/// ```
pub fn group_iban(iban: &str) -> String {
    let compact = compact_iban(iban);
    let mut grouped = String::with_capacity(compact.len() + compact.len() / 4);
    for (i, c) in compact.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    grouped
}

/// An amount as a banking app's amount field takes it: whole units, the decimal
/// separator of the donor's language and always two decimals, with no currency sign
/// and no thousands separator (`1.000,00` would be read as one euro by some apps).
///
/// ```
/// assert_eq!(cofund_core::payment::transfer_amount(123_456, ','), "1234,56");
/// assert_eq!(cofund_core::payment::transfer_amount(2500, '.'), "25.00");
/// ```
pub fn transfer_amount(cents: i64, decimal_separator: char) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}{decimal_separator}{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ibans_of_every_length_group_in_fours() {
        assert_eq!(group_iban("NL91ABNA0417164300"), "NL91 ABNA 0417 1643 00");
        assert_eq!(group_iban("BE68539007547034"), "BE68 5390 0754 7034");
        assert_eq!(group_iban("DE89370400440532013000"), "DE89 3704 0044 0532 0130 00");
        assert_eq!(group_iban("NO9386011117947"), "NO93 8601 1117 947");
        assert_eq!(group_iban(""), "");
    }

    #[test]
    fn grouping_reads_what_people_paste() {
        for input in
            ["NL91 ABNA 0417 1643 00", "nl91abna0417164300", "NL91-ABNA-0417-1643-00", "\tNL91ABNA 041716 4300\n"]
        {
            assert_eq!(compact_iban(input), "NL91ABNA0417164300", "{input:?}");
            assert_eq!(group_iban(input), "NL91 ABNA 0417 1643 00", "{input:?}");
        }
    }

    #[test]
    fn amounts_for_a_banking_app() {
        assert_eq!(transfer_amount(2550, ','), "25,50");
        assert_eq!(transfer_amount(2550, '.'), "25.50");
        assert_eq!(transfer_amount(100_000, ','), "1000,00");
        assert_eq!(transfer_amount(5, ','), "0,05");
        assert_eq!(transfer_amount(-5, '.'), "-0.05");
        assert_eq!(transfer_amount(i64::MIN, '.'), "-92233720368547758.08");
    }

    proptest! {
        #[test]
        fn grouping_keeps_every_character_in_order(s in "[A-Z0-9]{0,34}") {
            let grouped = group_iban(&s);
            prop_assert_eq!(compact_iban(&grouped), s.clone());
            let groups: Vec<&str> = grouped.split(' ').filter(|g| !g.is_empty()).collect();
            prop_assert!(groups.iter().all(|g| g.len() <= 4));
            prop_assert!(groups.iter().rev().skip(1).all(|g| g.len() == 4));
        }

        #[test]
        fn transfer_amount_reads_back_as_the_same_cents(cents in 0i64..=i64::MAX / 1000) {
            prop_assert_eq!(crate::parse_amount_input(&transfer_amount(cents, ',')), Ok(cents));
        }
    }
}
