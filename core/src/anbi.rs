//! The Dutch tax authority's identifiers for gifts to an ANBI (a public-benefit
//! organisation): its RSIN, which a donor's gift statement names.

/// Whether `rsin` is an RSIN: nine digits that pass the eleven test (elfproef):
/// 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11 (and the number is not 0).
///
/// ```
/// assert!(cofund_core::anbi::is_valid_rsin("123456782"));
/// assert!(!cofund_core::anbi::is_valid_rsin("123456789"));
/// assert!(!cofund_core::anbi::is_valid_rsin("12345678"));
/// ```
pub fn is_valid_rsin(rsin: &str) -> bool {
    let digits: Vec<i64> = rsin.bytes().map(|b| i64::from(b) - i64::from(b'0')).collect();
    if digits.len() != 9 || digits.iter().any(|d| !(0..=9).contains(d)) || digits.iter().all(|d| *d == 0) {
        return false;
    }
    let sum: i64 = digits.iter().enumerate().map(|(i, d)| if i == 8 { -d } else { (9 - i as i64) * d }).sum();
    sum % 11 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleven_test() {
        // 9·1 + 8·2 + … + 2·8 − 2 = 242 = 22·11; 9·0 + 8·0 + 7·2 + … + 2·7 − 8 = 88.
        for ok in ["123456782", "002535178"] {
            assert!(is_valid_rsin(ok), "{ok}");
        }
        for bad in ["002535174", "123456789", "000000000", "12345678", "1234567820", "12345678a", " 12345678", ""] {
            assert!(!is_valid_rsin(bad), "{bad}");
        }
    }
}
