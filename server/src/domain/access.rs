//! Who may do what: admin tokens (API and CLI) and browser sessions for the dashboard,
//! started from single-use sign-in links. A coordinator (limited to one programme, or
//! all) may read and change every cohort it may see; a member sees one cohort as the
//! public sees it and changes nothing.

use super::{base32, hex, random_bytes, sha256_hex};
use crate::domain::store::TokenInfo;
use cofund_core::Timestamp;
use serde::Serialize;

/// The kinds of secret, told apart by their prefix: one place for the code that makes
/// them and the code that recognises them in a header, cookie or link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// An admin token (`Authorization: Bearer cfd_…`, the CLI, the dashboard's token sign-in).
    AdminToken,
    /// A single-use sign-in link (`/sign-in?link=cfl_…`).
    SignInLink,
    /// A browser session's cookie.
    Session,
}

impl SecretKind {
    pub const fn prefix(self) -> &'static str {
        match self {
            SecretKind::AdminToken => "cfd_",
            SecretKind::SignInLink => "cfl_",
            SecretKind::Session => "cfs_",
        }
    }

    /// A new secret of this kind: the prefix and 32 random bytes in hex.
    pub fn generate(self) -> String {
        format!("{}{}", self.prefix(), hex(&random_bytes::<32>()))
    }

    /// Whether `s` may be a secret of this kind (worth looking up): its prefix, and no
    /// longer than any secret this server makes.
    pub fn may_be(self, s: &str) -> bool {
        s.starts_with(self.prefix()) && s.len() <= 100
    }
}

/// How long a sign-in link stays valid unless told otherwise.
pub const DEFAULT_LINK_HOURS: i64 = 24;
/// How long a browser session lasts.
pub const SESSION_HOURS: i64 = 12;
/// The session cookie's name on a plain-http server (development, the demo).
pub const SESSION_COOKIE: &str = "cofund_session";
/// The session cookie's name when the public URL is https: the `__Host-` prefix makes
/// the browser accept it only with `Secure`, `Path=/` and no `Domain`, so a sibling
/// subdomain or a plain-http page cannot set or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-cofund_session";

/// The session cookie's name for a server at `public_url`.
pub fn session_cookie_name(public_url: &str) -> &'static str {
    if public_url.starts_with("https://") {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
/// The header that carries a session's CSRF token on changes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Coordinator or member: the wire's role, stored by the same name.
pub use cofund_core::admin::Role;

/// What a sign-in link or a session grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    /// Coordinators: the one programme, or `None` for all.
    pub programme: Option<String>,
    /// Members: their cohort.
    pub cohort: Option<String>,
}

impl Grant {
    pub fn coordinator(programme: Option<String>) -> Grant {
        Grant { role: Role::Coordinator, programme, cohort: None }
    }

    pub fn member(cohort: String) -> Grant {
        Grant { role: Role::Member, programme: None, cohort: Some(cohort) }
    }
}

/// A browser session (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: String,
    pub grant: Grant,
    /// Sent back by the dashboard in [`CSRF_HEADER`] on every change.
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// Why a sign-in link did not start a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    Unknown,
    Used,
    Expired,
}

/// A new sign-in link's secret and the hash stored for it.
pub fn new_link_secret() -> (String, String) {
    let secret = SecretKind::SignInLink.generate();
    let hash = sha256_hex(secret.as_bytes());
    (secret, hash)
}

/// A new session: (public id, cookie secret, its hash, CSRF token).
pub fn new_session_secret() -> (String, String, String, String) {
    let id = format!("ses_{}", base32(&random_bytes::<5>()).to_ascii_lowercase());
    let secret = SecretKind::Session.generate();
    let hash = sha256_hex(secret.as_bytes());
    let csrf = hex(&random_bytes::<24>());
    (id, secret, hash, csrf)
}

/// Who is asking: an admin token (API, CLI) or a browser session.
#[derive(Debug, Clone)]
pub enum Access {
    Token(TokenInfo),
    Session(SessionInfo),
}

impl Access {
    pub fn role(&self) -> Role {
        match self {
            Access::Token(_) => Role::Coordinator,
            Access::Session(s) => s.grant.role,
        }
    }

    /// The programme a coordinator is limited to.
    pub fn programme_limit(&self) -> Option<&str> {
        match self {
            Access::Token(t) => t.programme.as_deref(),
            Access::Session(s) => s.grant.programme.as_deref(),
        }
    }

    /// May read the cohort `slug` of `programme` (members: only their own, as the
    /// public sees it).
    pub fn may_view(&self, programme: &str, slug: &str) -> bool {
        match self.role() {
            Role::Coordinator => self.programme_limit().is_none_or(|p| p == programme),
            Role::Member => matches!(self, Access::Session(s) if s.grant.cohort.as_deref() == Some(slug)),
        }
    }

    /// May change cohorts of `programme`, see e-mail addresses and hidden names.
    pub fn may_change(&self, programme: &str) -> bool {
        self.role() == Role::Coordinator && self.programme_limit().is_none_or(|p| p == programme)
    }

    /// A coordinator of every programme (an unlimited token or such a session): may read
    /// what covers all programmes, such as the operating metrics.
    pub fn administers_everything(&self) -> bool {
        self.role() == Role::Coordinator && self.programme_limit().is_none()
    }

    /// Why a change is refused, in one English sentence.
    pub fn refusal(&self) -> String {
        match (self.role(), self.programme_limit()) {
            (Role::Member, _) => "A cohort member may look but not change anything.".into(),
            (Role::Coordinator, Some(p)) => format!("This account is limited to the programme {p:?}."),
            (Role::Coordinator, None) => "Not allowed.".into(),
        }
    }
}

/// The expiry of a link made at `now` valid for `hours`.
pub fn expires(now: Timestamp, hours: i64) -> Timestamp {
    Timestamp(now.0.saturating_add(hours.saturating_mul(3600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(grant: Grant) -> Access {
        Access::Session(SessionInfo {
            id: "ses_x".into(),
            grant,
            csrf_token: "c".into(),
            created_at: Timestamp(0),
            expires_at: Timestamp(1),
            revoked_at: None,
        })
    }

    #[test]
    fn roles_see_and_change_what_they_may() {
        let all = session(Grant::coordinator(None));
        assert!(all.may_view("S4C", "a") && all.may_change("S4C") && all.may_change("Other"));
        let limited = session(Grant::coordinator(Some("S4C".into())));
        assert!(limited.may_change("S4C") && !limited.may_change("Other") && !limited.may_view("Other", "b"));
        let member = session(Grant::member("a".into()));
        assert!(member.may_view("S4C", "a"));
        assert!(!member.may_view("S4C", "b"));
        assert!(!member.may_change("S4C"));
    }

    #[test]
    fn secrets_are_long_and_stored_hashed() {
        let (secret, hash) = new_link_secret();
        assert!(secret.starts_with("cfl_") && secret.len() == 68);
        assert_eq!(hash, sha256_hex(secret.as_bytes()));
        let (id, secret, hash, csrf) = new_session_secret();
        assert!(id.starts_with("ses_") && secret.starts_with("cfs_") && csrf.len() == 48);
        assert_ne!(hash, secret);
    }

    // Made in one place and recognised in another, the prefixes once had to be kept
    // equal by hand: each kind's new secret is recognised as that kind and no other.
    #[test]
    fn each_kind_of_secret_is_recognised_as_itself_only() {
        let kinds = [SecretKind::AdminToken, SecretKind::SignInLink, SecretKind::Session];
        for made in kinds {
            let secret = made.generate();
            for asked in kinds {
                assert_eq!(asked.may_be(&secret), asked == made, "{made:?} as {asked:?}");
            }
        }
        assert!(SecretKind::AdminToken.may_be(&super::super::new_admin_token().1));
        assert!(SecretKind::SignInLink.may_be(&new_link_secret().0));
        assert!(SecretKind::Session.may_be(&new_session_secret().1));
    }
}
