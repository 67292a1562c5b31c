//! RFC 3339 timestamps and calendar dates without a date library: the contract only
//! needs to parse, compare and count days, and the widget's size budget is tight.

use std::fmt;

const SECONDS_PER_DAY: i64 = 86_400;

/// An instant, as whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// A calendar day, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i64);

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses exactly `n` ASCII digits.
fn digits(s: &[u8], n: usize) -> Option<i64> {
    if s.len() < n || !s[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s[..n].iter().fold(0, |acc, d| acc * 10 + i64::from(d - b'0')))
}

fn parse_ymd(s: &[u8]) -> Option<(i64, i64, i64)> {
    let (y, m, d) = (digits(s, 4)?, digits(s.get(5..)?, 2)?, digits(s.get(8..)?, 2)?);
    if s[4] != b'-' || s[7] != b'-' || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some((y, m, d))
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 {
            return None;
        }
        let (y, m, d) = parse_ymd(b)?;
        Some(Date(days_from_civil(y, m, d)))
    }

    /// `(year, month, day)`.
    pub fn ymd(self) -> (i64, i64, i64) {
        civil_from_days(self.0)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Timestamp {
    /// Parses an RFC 3339 date-time: `2027-03-01T09:00:00+01:00`, `…Z`, with optional
    /// fractional seconds (truncated). A lower-case `t`/`z` or a space separator is
    /// accepted as RFC 3339 allows; a leap second is not.
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        if b.len() < 20 {
            return None;
        }
        let (y, mo, d) = parse_ymd(b)?;
        if !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, mi, se) = (digits(&b[11..], 2)?, digits(&b[14..], 2)?, digits(&b[17..], 2)?);
        if h > 23 || mi > 59 || se > 59 {
            return None;
        }
        let mut rest = &b[19..];
        if rest.first() == Some(&b'.') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            rest = &rest[1 + n..];
        }
        let offset = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), ..] if rest.len() == 6 && rest[3] == b':' => {
                let (oh, om) = (digits(&rest[1..], 2)?, digits(&rest[4..], 2)?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let o = oh * 3600 + om * 60;
                if *sign == b'-' {
                    -o
                } else {
                    o
                }
            }
            _ => return None,
        };
        let days = days_from_civil(y, mo, d);
        Some(Timestamp(days * SECONDS_PER_DAY + h * 3600 + mi * 60 + se - offset))
    }

    /// Seconds since the epoch to a UTC RFC 3339 string, `2027-03-01T08:00:00Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }

    /// From milliseconds since the epoch (JavaScript's `Date.now()`), rounded down.
    pub fn from_unix_millis(ms: i64) -> Timestamp {
        Timestamp(ms.div_euclid(1000))
    }

    /// Milliseconds since the epoch, for JavaScript's `Date`.
    pub fn unix_millis(self) -> i64 {
        self.0.saturating_mul(1000)
    }

    /// The UTC calendar day of this instant.
    pub fn date_utc(self) -> Date {
        Date(self.0.div_euclid(SECONDS_PER_DAY))
    }

    /// Whole days from `self` until `later`, rounded up: 1 second left is 1 day left.
    pub fn days_until_ceil(self, later: Timestamp) -> i64 {
        let secs = later.0.saturating_sub(self.0);
        if secs <= 0 {
            0
        } else {
            (secs + SECONDS_PER_DAY - 1) / SECONDS_PER_DAY
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.rem_euclid(SECONDS_PER_DAY);
        write!(f, "{}T{:02}:{:02}:{:02}Z", self.date_utc(), secs / 3600, secs % 3600 / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_offsets_and_fractions() {
        let utc = Timestamp::parse_rfc3339("2027-03-01T08:00:00Z").unwrap();
        assert_eq!(Timestamp::parse_rfc3339("2027-03-01T09:00:00+01:00"), Some(utc));
        assert_eq!(Timestamp::parse_rfc3339("2027-03-01T09:00:00.123456+01:00"), Some(utc));
        assert_eq!(Timestamp::parse_rfc3339("2027-03-01T03:00:00-05:00"), Some(utc));
        assert_eq!(utc.to_rfc3339(), "2027-03-01T08:00:00Z");
        assert_eq!(Timestamp::parse_rfc3339("1970-01-01T00:00:00Z"), Some(Timestamp(0)));
    }

    #[test]
    fn rejects_malformed_times() {
        for s in [
            "",
            "2027-03-01",
            "2027-03-01T09:00:00",
            "2027-02-29T09:00:00Z",
            "2027-13-01T09:00:00Z",
            "2027-03-01T24:00:00Z",
            "2027-03-01T09:00:60Z",
            "2027-03-01T09:00:00+1:00",
            "2027-03-01T09:00:00.Z",
            "2027-03-01T09:00:00Zjunk",
            "２０２７-03-01T09:00:00Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(s), None, "{s}");
        }
        assert!(Timestamp::parse_rfc3339("2028-02-29T09:00:00Z").is_some());
    }

    #[test]
    fn dates() {
        assert_eq!(Date::parse("1970-01-02"), Some(Date(1)));
        assert_eq!(Date::parse("2027-03-01").unwrap().to_string(), "2027-03-01");
        assert_eq!(Date::parse("2027-3-01"), None);
        assert_eq!(Date::parse("2100-02-29"), None);
        assert!(Date::parse("2000-02-29").is_some());
    }

    #[test]
    fn days_left_round_up() {
        let t = Timestamp(1_000_000);
        assert_eq!(t.days_until_ceil(Timestamp(1_000_000)), 0);
        assert_eq!(t.days_until_ceil(Timestamp(1_000_001)), 1);
        assert_eq!(t.days_until_ceil(Timestamp(1_000_000 + 86_400)), 1);
        assert_eq!(t.days_until_ceil(Timestamp(1_000_000 + 86_401)), 2);
        assert_eq!(t.days_until_ceil(Timestamp(0)), 0);
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(secs in -62_135_596_800i64..253_402_300_799) {
            let t = Timestamp(secs);
            prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
        }

        #[test]
        fn dates_round_trip(days in -719_162i64..2_932_896) {
            let d = Date(days);
            prop_assert_eq!(Date::parse(&d.to_string()), Some(d));
        }
    }
}
