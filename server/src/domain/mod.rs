//! The server's domain: validated values ("parse, don't validate"), the cohort
//! definition that coordinators store, the rules of pledging and editing, and
//! [`Cofund`], the use cases that routes and the CLI call. Storage only stores and
//! loads, behind the port in [`store`] (which storage implements; the domain imports
//! nothing from it); every decision is made here (or in `cofund-core`).

pub mod access;
pub mod cohorts;
mod definition;
pub mod donor;
mod error;
pub mod json;
pub mod live;
pub mod mail;
pub mod payments;
pub mod pledging;
pub mod programmes;
mod service;
pub mod store;
mod upkeep;

pub use definition::{Anbi, CohortDefinition, CrowdSettings, DefinitionLinks, PaymentSettings, PledgeFigures};
pub use error::{is_unavailable, DomainError, DomainResult};
pub use service::{Cofund, RenderedDocument, DEFAULT_MAX_SUBSCRIBERS, DEFAULT_STREAM_LIFETIME, RECENT_PLEDGES};

use cofund_core::Timestamp;
use sha2::{Digest, Sha256};
use std::fmt;

/// The current time, whole seconds.
pub fn now() -> Timestamp {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    Timestamp(secs)
}

/// A cohort slug: 1 to 64 of `a-z`, `0-9` and `-` (the contract's rule).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    pub fn parse(s: &str) -> Option<Slug> {
        cofund_core::is_slug(s).then(|| Slug(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `Idempotency-Key` header: 1 to 128 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(s: &str) -> Option<IdempotencyKey> {
        let ok = !s.is_empty()
            && s.len() <= cofund_core::api::IDEMPOTENCY_KEY_MAX_CHARS
            && s.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| IdempotencyKey(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A pledge id as it appears in URLs: `pl_` and 16 base32 characters.
pub fn new_pledge_id() -> String {
    format!("pl_{}", base32(&random_bytes::<10>()))
}

/// What a cohort member sees instead of a pledge's id: `row_` and a one-way derivation,
/// stable (the dashboard keys its rows by it) but useless anywhere a pledge id is asked
/// for, so a member cannot read a donor's payment status, amount or reference.
pub fn member_row_key(pledge_id: &str) -> String {
    format!("row_{}", &sha256_hex(format!("cofund member row {pledge_id}").as_bytes())[..20])
}

/// A payment reference: the cohort's prefix, a dash and 8 base32 characters (40 bits),
/// e.g. `S4C-UTR-7KQ2M9XD`. Uniqueness is enforced by the database.
pub fn new_reference(prefix: &str) -> String {
    format!("{}-{}", prefix, base32(&random_bytes::<5>()))
}

/// A new admin token: (public id, secret shown once, sha256 hash of the secret).
pub fn new_admin_token() -> (String, String, String) {
    let id = format!("tok_{}", base32(&random_bytes::<5>()).to_ascii_lowercase());
    let secret = access::SecretKind::AdminToken.generate();
    let hash = sha256_hex(secret.as_bytes());
    (id, secret, hash)
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).expect("the operating system's random number generator");
    buf
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// Crockford base32 (no I, L, O, U: easy to read out and type into a bank form).
pub fn base32(bytes: &[u8]) -> String {
    static CROCKFORD: std::sync::LazyLock<data_encoding::Encoding> = std::sync::LazyLock::new(|| {
        let mut spec = data_encoding::Specification::new();
        spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
        spec.encoding().expect("32 distinct symbols, no padding")
    });
    CROCKFORD.encode(bytes)
}

/// Whether `origin` (an `Origin` header) matches one of the cohort's allowed origins.
/// A pattern is an exact origin (`https://www.example.nl`) or an origin with any port
/// (`http://localhost:*`), or `*` for every origin.
pub fn origin_allowed(patterns: &[String], origin: &str) -> bool {
    patterns.iter().any(|p| {
        if p == "*" || p.eq_ignore_ascii_case(origin) {
            return true;
        }
        if let Some(base) = p.strip_suffix(":*") {
            if origin.get(..base.len()).is_some_and(|o| o.eq_ignore_ascii_case(base)) {
                let tail = &origin[base.len()..];
                return tail.is_empty()
                    || tail.strip_prefix(':').is_some_and(|port| {
                        !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
                    });
            }
        }
        false
    })
}

/// Checks an allowed-origin pattern: `*`, or `http(s)://host[:port|:*]` without path.
pub fn valid_origin_pattern(p: &str) -> bool {
    if p == "*" {
        return true;
    }
    let Some(rest) = p.strip_prefix("https://").or_else(|| p.strip_prefix("http://")) else { return false };
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, port)) => (h, Some(port)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'[' || b == b']');
    let port_ok = match port {
        None => true,
        Some("*") => true,
        Some(p) => !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()),
    };
    host_ok && port_ok
}

/// IBAN check: 15 to 34 letters and digits (spaces ignored), country code, check
/// digits, and the ISO 13616 mod-97 check.
pub fn valid_iban(iban: &str) -> bool {
    let s: String = iban.chars().filter(|c| *c != ' ').collect();
    if !(15..=34).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        return false;
    }
    let b = s.as_bytes();
    if !(b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase() && b[2].is_ascii_digit() && b[3].is_ascii_digit()) {
        return false;
    }
    let rearranged = s[4..].bytes().chain(s[..4].bytes());
    let mut rem: u32 = 0;
    for c in rearranged {
        let v = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

/// What makes two pledges the same backer: `cofund-core`'s rule (the e-mail address,
/// trimmed and lower-cased with Unicode case folding; SQLite's `lower()` folds only
/// ASCII, so the server never leaves it to the database).
pub use cofund_core::rules::backer_key;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let p = vec!["https://www.example.nl".to_owned(), "http://localhost:*".to_owned()];
        assert!(origin_allowed(&p, "https://www.example.nl"));
        assert!(origin_allowed(&p, "http://localhost:3000"));
        assert!(origin_allowed(&p, "http://localhost"));
        assert!(!origin_allowed(&p, "http://localhost.evil.nl"));
        assert!(!origin_allowed(&p, "http://localhost:3000.evil.nl"));
        assert!(!origin_allowed(&p, "https://evil.nl"));
        assert!(valid_origin_pattern("http://localhost:*"));
        assert!(valid_origin_pattern("https://a.example.nl:8443"));
        assert!(!valid_origin_pattern("https://a.example.nl/path"));
        assert!(!valid_origin_pattern("ftp://x"));
    }

    #[test]
    fn ibans() {
        assert!(valid_iban("NL91ABNA0417164300"));
        assert!(valid_iban("NL91 ABNA 0417 1643 00"));
        assert!(!valid_iban("NL91ABNA0417164301"));
        assert!(!valid_iban("nl91abna0417164300"));
    }

    #[test]
    fn base32_and_keys() {
        assert_eq!(base32(&[0xff; 5]), "ZZZZZZZZ");
        assert_eq!(base32(&[0; 5]), "00000000");
        // The same text as the hand-written encoder made (ids and references in use).
        assert_eq!(base32(&[1, 2, 3, 4, 5, 6, 7, 8]), "041061050R3GG");
        assert_eq!(base32(&(10..20).collect::<Vec<u8>>()), "185GR38E1W8124GK");
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(new_reference("S4C").len(), 12);
        assert!(IdempotencyKey::parse("abc-123").is_some());
        assert!(IdempotencyKey::parse("").is_none());
        assert!(IdempotencyKey::parse("a b").is_none());
        assert!(IdempotencyKey::parse(&"x".repeat(129)).is_none());
        assert!(Slug::parse("utrecht-2027").is_some());
        assert!(Slug::parse("Utrecht").is_none());
    }
}
