//! Amounts as people type them, and as `Intl.NumberFormat` wants them.
//!
//! The pledge form accepts how people in the Netherlands and elsewhere write money:
//! `25`, `25,50`, `€ 25,50`, `25,-`, `1.000`, `1.000,00`, `1000.50`, `1,000.50`.
//! Whatever could mean two amounts is refused, never guessed: `1,000` is a thousand
//! to a British donor and one euro to a Dutch one, so it is [`AmountInputError::Ambiguous`].
//! The rules:
//! - a `.` or `,` followed by one or two digits at the end is the decimal separator;
//! - a `.` followed by exactly three digits, or any repeated separator, groups thousands,
//!   and then every group after the first has exactly three digits;
//! - a single `,` followed by exactly three digits is ambiguous;
//! - with both separators, the last one is the decimal separator.

/// Why typed input is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountInputError {
    /// Nothing typed.
    Empty,
    /// Not a number in any way we read amounts (letters, a minus sign, bad grouping).
    Malformed,
    /// Readable as two different amounts, such as `1,000`.
    Ambiguous,
    /// More than two decimals, such as `25,505`.
    TooManyDecimals,
    /// Larger than any amount we can hold.
    TooLarge,
}

/// Parses typed input into cents. See the module documentation for the rules.
///
/// ```
/// use cofund_core::{parse_amount_input, AmountInputError};
/// assert_eq!(parse_amount_input("€ 25,50"), Ok(2550));
/// assert_eq!(parse_amount_input("1.000"), Ok(100_000));
/// assert_eq!(parse_amount_input("1,000"), Err(AmountInputError::Ambiguous));
/// ```
pub fn parse_amount_input(input: &str) -> Result<i64, AmountInputError> {
    let is_space = |c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}';
    let mut s = input.trim_matches(is_space);
    for symbol in ["€", "EUR", "eur", "Eur"] {
        if let Some(rest) = s.strip_prefix(symbol) {
            s = rest.trim_start_matches(is_space);
        } else if let Some(rest) = s.strip_suffix(symbol) {
            s = rest.trim_end_matches(is_space);
        }
    }
    // "25,-" is the Dutch way of writing whole euros.
    if let Some(rest) = s.strip_suffix(",-").or_else(|| s.strip_suffix(".-")) {
        s = rest;
        if s.contains([',', '.']) {
            return Err(AmountInputError::Malformed);
        }
    }
    if s.is_empty() {
        return Err(AmountInputError::Empty);
    }
    // Spaces may group thousands ("1 000"), as may separators; normalise them to '\''.
    if !s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',' || is_space(c)) {
        return Err(AmountInputError::Malformed);
    }
    let spaced = s.contains(is_space);

    let last_sep = s.rfind(['.', ',']);
    let (int_part, frac_part): (&str, &str) = match last_sep {
        None => (s, ""),
        Some(i) => {
            let sep = s.as_bytes()[i];
            let tail = &s[i + 1..];
            let other = if sep == b'.' { ',' } else { '.' };
            let tail_digits = tail.len();
            let single = s.matches(sep as char).count() == 1;
            let mixed = s.contains(other);
            if mixed {
                // Both separators: the last is the decimal one.
                if !(1..=2).contains(&tail_digits) {
                    return Err(if tail_digits > 2 {
                        AmountInputError::TooManyDecimals
                    } else {
                        AmountInputError::Malformed
                    });
                }
                if !single {
                    return Err(AmountInputError::Malformed);
                }
                (&s[..i], tail)
            } else if single && (1..=2).contains(&tail_digits) {
                (&s[..i], tail)
            } else if single && tail_digits == 3 && sep == b',' && !spaced {
                return Err(AmountInputError::Ambiguous);
            } else if tail_digits == 3 || !single {
                (s, "")
            } else if tail_digits == 0 {
                return Err(AmountInputError::Malformed);
            } else {
                return Err(AmountInputError::TooManyDecimals);
            }
        }
    };

    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountInputError::Malformed);
    }
    let euros = parse_grouped(int_part)?;
    let cents =
        frac_part.bytes().fold(0, |acc, d| acc * 10 + i64::from(d - b'0')) * if frac_part.len() == 1 { 10 } else { 1 };
    euros.checked_mul(100).and_then(|c| c.checked_add(cents)).ok_or(AmountInputError::TooLarge)
}

/// Parses an integer part that is plain digits, or groups of three after a first
/// group of one to three, separated by one kind of separator (`.`, `,` or a space).
fn parse_grouped(s: &str) -> Result<i64, AmountInputError> {
    let groups: Vec<&str> =
        s.split(|c: char| c == '.' || c == ',' || c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}').collect();
    let seps: Vec<char> = s.chars().filter(|c| !c.is_ascii_digit()).collect();
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return Err(AmountInputError::Malformed);
    }
    if groups.iter().any(|g| g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit())) {
        return Err(AmountInputError::Malformed);
    }
    if groups.len() > 1 && (groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
        return Err(AmountInputError::Malformed);
    }
    groups.iter().try_fold(0i64, |acc, g| {
        g.bytes().try_fold(acc, |acc, d| {
            acc.checked_mul(10).and_then(|a| a.checked_add(i64::from(d - b'0'))).ok_or(AmountInputError::TooLarge)
        })
    })
}

/// Cents as an exact decimal string, `-1234.56`, for `Intl.NumberFormat.format`,
/// which formats decimal strings without going through a float.
///
/// ```
/// assert_eq!(cofund_core::format_decimal(123_456), "1234.56");
/// assert_eq!(cofund_core::format_decimal(-5), "-0.05");
/// ```
pub fn format_decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `digits` (ASCII digits, no sign) with `separator` between each group of three from
/// the right: `1234567` → `1.234.567`. The one grouping rule of core's and the native
/// formatter's text.
pub fn group_digits(digits: &str, separator: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(d);
    }
    out
}

/// Euros for people to read, grouped in thousands: Dutch `€ 1.234,56`, English
/// `€1,234.56` (what servers write in e-mail and on pages; the widget uses `Intl`).
///
/// ```
/// assert_eq!(cofund_core::amount::display_euros(123_456, false), "€ 1.234,56");
/// assert_eq!(cofund_core::amount::display_euros(-1_200_000_00, true), "-€1,200,000.00");
/// ```
pub fn display_euros(cents: i64, english: bool) -> String {
    let (group, decimal) = if english { (',', '.') } else { ('.', ',') };
    let abs = cents.unsigned_abs();
    let whole = group_digits(&(abs / 100).to_string(), group);
    let sign = if cents < 0 { "-" } else { "" };
    let space = if english { "" } else { " " };
    format!("{sign}€{space}{whole}{decimal}{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::AmountInputError::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_what_people_type() {
        for (input, cents) in [
            ("25", 2500),
            ("25,50", 2550),
            ("25,5", 2550),
            ("€ 25,50", 2550),
            ("€25,50", 2550),
            ("25,50 €", 2550),
            ("EUR 25", 2500),
            ("25,-", 2500),
            ("€ 25,-", 2500),
            ("1.000", 100_000),
            ("1.000,00", 100_000),
            ("1.000,5", 100_050),
            ("1000.50", 100_050),
            ("1000,50", 100_050),
            ("1,000.50", 100_050),
            ("1.234.567", 123_456_700),
            ("1,234,567", 123_456_700),
            ("1 000", 100_000),
            ("1\u{a0}000,25", 100_025),
            ("  75  ", 7500),
            ("0,50", 50),
            ("75.5", 7550),
        ] {
            assert_eq!(parse_amount_input(input), Ok(cents), "{input}");
        }
    }

    #[test]
    fn refuses_what_could_mean_two_things_or_nothing() {
        for (input, err) in [
            ("", Empty),
            ("   ", Empty),
            ("€", Empty),
            ("1,000", Ambiguous),
            ("75,000", Ambiguous),
            ("25,505", Ambiguous),
            ("25.5050", TooManyDecimals),
            ("-25", Malformed),
            ("25e3", Malformed),
            ("twenty", Malformed),
            ("1.00.0", Malformed),
            ("1.000,00.5", Malformed),
            ("1,000,5", Malformed),
            ("10000.000", Malformed),
            ("1.2345,00", Malformed),
            ("25,", Malformed),
            (",50", Malformed),
            ("1.000,-", Malformed),
            ("1 000.000", Malformed),
            ("99999999999999999999", TooLarge),
        ] {
            assert_eq!(parse_amount_input(input), Err(err), "{input}");
        }
    }

    #[test]
    fn seventy_five_never_becomes_seven_thousand_five_hundred() {
        for input in ["75", "75,00", "75.00", "€ 75", "75,-", "75,0"] {
            assert_eq!(parse_amount_input(input), Ok(7500), "{input}");
        }
    }

    proptest! {
        #[test]
        fn dutch_formatting_round_trips(cents in 0i64..10_000_000_000) {
            let euros = cents / 100;
            let digits = euros.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 { grouped.push('.'); }
                grouped.push(c);
            }
            let nl = format!("€ {grouped},{:02}", cents % 100);
            prop_assert_eq!(parse_amount_input(&nl), Ok(cents));
            let en = format!("{},{:02}", digits, cents % 100).replace(',', ".");
            prop_assert_eq!(parse_amount_input(&en), Ok(cents));
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = parse_amount_input(&s);
        }

        #[test]
        fn format_decimal_is_exact(cents in i64::MIN..i64::MAX) {
            let s = format_decimal(cents);
            let (int, frac) = s.split_once('.').unwrap();
            prop_assert_eq!(frac.len(), 2);
            let back: i128 = int.trim_start_matches('-').parse::<i128>().unwrap() * 100 + frac.parse::<i128>().unwrap();
            prop_assert_eq!(if cents < 0 { -back } else { back }, i128::from(cents));
        }
    }
}
