//! The formatting of `format` outside the browser (the server's first view, native
//! tests): the same options as `Intl` and, for the two languages and the options this
//! crate uses, the same text as Chromium's `Intl` (checked against it, see the tests).
//! Numbers go in as exact decimal strings and stay strings: no float anywhere.

use crate::Locale;
use cofund_core::{Date, Timestamp};

fn option<'a>(opts: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    opts.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// Rounds the decimal `int.frac` to at most `max` fraction digits, halves away from zero
/// (`Intl`'s default, `halfExpand`).
fn round(int: &str, frac: &str, max: usize) -> (String, String) {
    if frac.len() <= max {
        return (int.to_owned(), frac.to_owned());
    }
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes().take(max)).collect();
    if frac.as_bytes()[max] >= b'5' {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let split = digits.len() - max;
    let text = String::from_utf8(digits).unwrap_or_default();
    (text[..split].to_owned(), text[split..].to_owned())
}

/// `1234567` → `1.234.567` with `separator`.
fn grouped(int: &str, separator: char) -> String {
    cofund_core::amount::group_digits(int, separator)
}

/// The currency's sign as `Intl` shows it in both languages; other codes as themselves.
fn currency_symbol(code: &str) -> &str {
    match code {
        "EUR" => "€",
        "USD" => "US$",
        "GBP" => "£",
        other => other,
    }
}

/// `Intl.NumberFormat(locale, opts).format(value)` for `value` an exact decimal string
/// and the options `style` (`decimal`, `currency`, `percent`), `currency`,
/// `maximumFractionDigits` and `trailingZeroDisplay`.
pub(super) fn number(locale: Locale, value: &str, opts: &[(&str, &str)]) -> String {
    let style = option(opts, "style").unwrap_or("decimal");
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return value.to_owned();
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let (mut int, mut frac) = (int.to_owned(), frac.to_owned());
    if style == "percent" {
        // × 100: the point moves two places.
        frac.push_str("00");
        int.push_str(&frac[..2]);
        frac.drain(..2);
    }
    let currency = style == "currency";
    let max =
        option(opts, "maximumFractionDigits").and_then(|m| m.parse().ok()).unwrap_or(if currency { 2 } else { 3 });
    let (int, mut frac) = round(&int, &frac, max);
    let min = if currency { 2 } else { 0 };
    while frac.len() > min && frac.ends_with('0') {
        frac.pop();
    }
    while frac.len() < min {
        frac.push('0');
    }
    if option(opts, "trailingZeroDisplay") == Some("stripIfInteger") && frac.bytes().all(|b| b == b'0') {
        frac.clear();
    }
    let int = match int.trim_start_matches('0') {
        "" => "0",
        significant => significant,
    };
    let (group, decimal) = match locale {
        Locale::Nl => ('.', ','),
        Locale::En => (',', '.'),
    };
    let mut number = grouped(int, group);
    if !frac.is_empty() {
        number.push(decimal);
        number.push_str(&frac);
    }
    let sign = if negative { "-" } else { "" };
    match style {
        "currency" => {
            let symbol = currency_symbol(option(opts, "currency").unwrap_or("EUR"));
            match locale {
                Locale::Nl => format!("{symbol}\u{a0}{sign}{number}"),
                Locale::En if symbol.ends_with(|c: char| c.is_ascii_alphabetic()) => {
                    format!("{sign}{symbol}\u{a0}{number}")
                }
                Locale::En => format!("{sign}{symbol}{number}"),
            }
        }
        "percent" => format!("{sign}{number}%"),
        _ => format!("{sign}{number}"),
    }
}

const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_NL_SHORT: [&str; 12] =
    ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_EN_SHORT: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"];

/// The day (days since 1970-01-01) of the last Sunday of `month` in `year`.
fn last_sunday(year: i64, month: u32) -> i64 {
    let last = Date::parse(&format!("{year:04}-{month:02}-31")).map_or(0, |d| d.0);
    // 1970-01-01 was a Thursday: (day + 4) mod 7 is 0 on Sundays.
    last - (last + 4).rem_euclid(7)
}

/// Seconds east of UTC in Europe/Amsterdam at `t`: CET, and CEST from the last Sunday of
/// March to the last Sunday of October, 01:00 UTC both (the EU rule since 1996).
fn amsterdam_offset(t: Timestamp) -> i64 {
    let (year, _, _) = t.date_utc().ymd();
    let summer_from = last_sunday(year, 3) * 86_400 + 3_600;
    let summer_until = last_sunday(year, 10) * 86_400 + 3_600;
    if (summer_from..summer_until).contains(&t.0) {
        7_200
    } else {
        3_600
    }
}

/// `Intl.DateTimeFormat(locale, opts).format(t)` for the combinations this crate uses:
/// day, long month and year; day, short month, hour and minute; day and short month.
/// Always in the programme's time zone (`Europe/Amsterdam`, the only one it asks for).
pub(super) fn date_with(locale: Locale, t: Timestamp, opts: &[(&str, &str)]) -> String {
    let local = t.0 + amsterdam_offset(t);
    let (seconds, day) = (local.rem_euclid(86_400), local.div_euclid(86_400));
    let (year, month, d) = Date(day).ymd();
    let m = usize::try_from(month - 1).unwrap_or(0).min(11);
    let (long, short) = match locale {
        Locale::Nl => (MONTHS_NL[m], MONTHS_NL_SHORT[m]),
        Locale::En => (MONTHS_EN[m], MONTHS_EN_SHORT[m]),
    };
    if option(opts, "year").is_some() {
        format!("{d} {long} {year}")
    } else if option(opts, "hour").is_some() {
        format!("{d} {short}, {:02}:{:02}", seconds / 3_600, seconds % 3_600 / 60)
    } else {
        format!("{d} {short}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use crate::Locale::{En, Nl};

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::parse_rfc3339(rfc3339).unwrap()
    }

    /// Chromium's `Intl` output for the same values (U+00A0 after the euro sign in Dutch).
    #[test]
    fn money_as_intl_writes_it() {
        let cases = [
            (123_456, "€\u{a0}1.234,56", "€1,234.56"),
            (123_400, "€\u{a0}1.234", "€1,234"),
            (-123_450, "€\u{a0}-1.234,50", "-€1,234.50"),
            (0, "€\u{a0}0", "€0"),
            (5, "€\u{a0}0,05", "€0.05"),
            (123_456_789, "€\u{a0}1.234.567,89", "€1,234,567.89"),
            (-50, "€\u{a0}-0,50", "-€0.50"),
            (10_000, "€\u{a0}100", "€100"),
        ];
        for (cents, nl, en) in cases {
            assert_eq!(money(Nl, "EUR", cents), nl, "{cents}");
            assert_eq!(money(En, "EUR", cents), en, "{cents}");
        }
        assert_eq!(money(Nl, "USD", 1_250), "US$\u{a0}12,50");
        assert_eq!(money(En, "USD", 1_250), "US$12.50");
    }

    #[test]
    fn numbers_and_percentages_as_intl_writes_them() {
        assert_eq!(integer(Nl, 1_234_567), "1.234.567");
        assert_eq!(integer(En, -1_234), "-1,234");
        assert_eq!(integer(Nl, 12), "12");
        assert_eq!((percent(Nl, 58), percent(En, 112), percent(Nl, -5)), ("58%".into(), "112%".into(), "-5%".into()));
        assert_eq!(percent(Nl, 1_234), "1.234%");
        assert_eq!(percent(En, 1_234), "1,234%");
        for (bps, nl, en) in [
            (6_230, "62,3%", "62.3%"),
            (6_200, "62%", "62%"),
            (6_235, "62,4%", "62.4%"),
            (6_225, "62,3%", "62.3%"),
            (123_450, "1.234,5%", "1,234.5%"),
            (9_995, "100%", "100%"),
        ] {
            assert_eq!(percent_bps(Nl, bps), nl, "{bps}");
            assert_eq!(percent_bps(En, bps), en, "{bps}");
        }
    }

    #[test]
    fn dates_in_amsterdam_as_intl_writes_them() {
        assert_eq!(date(Nl, at("2027-03-05T07:04:00Z")), "5 maart 2027");
        assert_eq!(date(En, at("2027-09-05T07:04:00Z")), "5 September 2027");
        assert_eq!(date_time_short(Nl, at("2027-03-05T07:04:00Z")), "5 mrt, 08:04");
        assert_eq!(date_time_short(En, at("2027-09-05T07:04:00Z")), "5 Sept, 09:04");
        assert_eq!(date_short(Nl, at("2027-10-05T07:04:00Z")), "5 okt");
        assert_eq!(date_short(En, at("2027-06-05T07:04:00Z")), "5 Jun");
        // Summer time starts and ends at 01:00 UTC on the last Sundays of March and October.
        assert_eq!(date_time_short(Nl, at("2027-03-28T00:59:00Z")), "28 mrt, 01:59");
        assert_eq!(date_time_short(Nl, at("2027-03-28T01:00:00Z")), "28 mrt, 03:00");
        assert_eq!(date_time_short(En, at("2027-10-31T00:59:00Z")), "31 Oct, 02:59");
        assert_eq!(date_time_short(En, at("2027-10-31T01:00:00Z")), "31 Oct, 02:00");
        assert_eq!(date_time_short(Nl, at("2027-01-04T23:05:00Z")), "5 jan, 00:05");
        assert_eq!(day(Nl, "2026-06-30"), "30 juni 2026");
        assert_eq!(day(En, "not a day"), "not a day");
    }
}
