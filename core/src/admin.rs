//! Wire types of the admin and session API (`/api/v1/admin/...`, `/api/v1/session`):
//! declared once, serialised by the server and read by the dashboard.
//!
//! Bodies that the server used to build as JSON maps keep their keys in alphabetical
//! order here, so the JSON on the wire stays as it was.

use crate::api::{PaymentConflict, PledgeStatus};
use crate::settlement::Settlement;
use serde::{Deserialize, Serialize};

/// What a session may do: a coordinator sees and changes cohorts; a member only looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Coordinator,
    Member,
}

/// A role name that is neither `coordinator` nor `member`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl std::fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown role {:?}", self.0)
    }
}

impl std::error::Error for UnknownRole {}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Member => "member",
        }
    }

    /// A role by its wire name (the database stores the same name).
    pub fn parse(s: &str) -> Result<Role, UnknownRole> {
        [Role::Coordinator, Role::Member].into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// The signed-in browser session (`GET` and `POST /api/v1/session`). The session itself
/// is an `HttpOnly` cookie the dashboard never sees; it sends `csrf_token` back in
/// `X-CSRF-Token` on every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Members: their cohort.
    #[serde(default)]
    pub cohort: Option<String>,
    pub csrf_token: String,
    /// RFC 3339.
    pub expires_at: String,
    pub id: String,
    /// Coordinators: the one programme, or `None` for all.
    #[serde(default)]
    pub programme: Option<String>,
    pub role: Role,
}

impl Session {
    /// Coordinators change things; members only look.
    pub fn may_change(&self) -> bool {
        self.role == Role::Coordinator
    }
}

/// `POST /api/v1/session`: sign in once with an admin token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSignIn {
    pub token: String,
}

/// A cohort in `GET /api/v1/admin/cohorts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortRef {
    pub name: String,
    pub programme: String,
    /// The revision of its definition (the `ETag` of `GET .../cohorts/{slug}` is `"r{revision}"`).
    pub revision: i64,
    pub slug: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// `GET /api/v1/admin/cohorts`: the cohorts these credentials may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortList {
    pub cohorts: Vec<CohortRef>,
}

/// A pledge as coordinators see it (with the e-mail address): one pledge
/// (`GET`/`POST /api/v1/admin/pledges/{id}...`) and the coordinator's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminPledge {
    pub id: String,
    pub cohort: String,
    pub amount_cents: i64,
    pub name: Option<String>,
    pub show_name: bool,
    pub show_amount: bool,
    /// Empty once the donor's data was removed.
    pub email: String,
    pub message: Option<String>,
    pub message_hidden: bool,
    pub status: PledgeStatus,
    pub reference: String,
    pub created_at: String,
    pub updated_at: String,
    /// Where something needs the coordinator's attention (money arrived for a cancelled pledge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_conflict: Option<PaymentConflict>,
    /// The donor asked for the cohort's news by e-mail.
    pub news: bool,
    /// When the donor had their personal data removed (AVG); name, e-mail and message
    /// are then empty.
    pub anonymised_at: Option<String>,
}

/// A pledge as a cohort member sees it in the cohort's list: as the public sees it (a
/// name or amount only where the donor chose to show it, no hidden message), with its
/// status. `id` is a row key, never the pledge id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPledge {
    /// `None`: hidden by the donor.
    pub amount_cents: Option<i64>,
    pub created_at: String,
    pub id: String,
    pub message: Option<String>,
    pub name: Option<String>,
    pub status: PledgeStatus,
    pub updated_at: String,
}

/// A list of pledges: `GET .../cohorts/{slug}/pledges` (either view) and the answer of
/// `POST .../pledges/confirm` (coordinators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PledgeList<P> {
    pub pledges: Vec<P>,
}

/// An entry of `GET .../cohorts/{slug}/pledges` as the dashboard reads it: the
/// coordinator's view or the member's, with the fields both need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ListedPledge {
    Coordinator(AdminPledge),
    Member(MemberPledge),
}

impl From<AdminPledge> for ListedPledge {
    fn from(p: AdminPledge) -> Self {
        ListedPledge::Coordinator(p)
    }
}

impl ListedPledge {
    /// The pledge id (coordinators) or the row key (members).
    pub fn id(&self) -> &str {
        match self {
            ListedPledge::Coordinator(p) => &p.id,
            ListedPledge::Member(p) => &p.id,
        }
    }

    /// `None`: hidden by the donor.
    pub fn amount_cents(&self) -> Option<i64> {
        match self {
            ListedPledge::Coordinator(p) => Some(p.amount_cents),
            ListedPledge::Member(p) => p.amount_cents,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            ListedPledge::Coordinator(p) => p.name.as_deref(),
            ListedPledge::Member(p) => p.name.as_deref(),
        }
    }

    /// Whether the name is shown publicly (members only get shown names).
    pub fn show_name(&self) -> bool {
        match self {
            ListedPledge::Coordinator(p) => p.show_name,
            ListedPledge::Member(p) => p.name.is_some(),
        }
    }

    /// Coordinators only; `None` for members and once the donor's data was removed.
    pub fn email(&self) -> Option<&str> {
        match self {
            ListedPledge::Coordinator(p) => Some(p.email.as_str()).filter(|e| !e.is_empty()),
            ListedPledge::Member(_) => None,
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            ListedPledge::Coordinator(p) => p.message.as_deref(),
            ListedPledge::Member(p) => p.message.as_deref(),
        }
    }

    pub fn message_hidden(&self) -> bool {
        matches!(self, ListedPledge::Coordinator(p) if p.message_hidden)
    }

    pub fn status(&self) -> PledgeStatus {
        match self {
            ListedPledge::Coordinator(p) => p.status,
            ListedPledge::Member(p) => p.status,
        }
    }

    /// The payment reference; empty for members, who do not reconcile.
    pub fn reference(&self) -> &str {
        match self {
            ListedPledge::Coordinator(p) => &p.reference,
            ListedPledge::Member(_) => "",
        }
    }

    pub fn created_at(&self) -> &str {
        match self {
            ListedPledge::Coordinator(p) => &p.created_at,
            ListedPledge::Member(p) => &p.created_at,
        }
    }

    pub fn updated_at(&self) -> &str {
        match self {
            ListedPledge::Coordinator(p) => &p.updated_at,
            ListedPledge::Member(p) => &p.updated_at,
        }
    }

    /// Coordinators: when the donor's data was removed.
    pub fn anonymised_at(&self) -> Option<&str> {
        match self {
            ListedPledge::Coordinator(p) => p.anonymised_at.as_deref(),
            ListedPledge::Member(_) => None,
        }
    }
}

/// `POST /api/v1/admin/cohorts/{slug}/pledges/confirm`: the pledges to mark received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmPledges {
    pub pledges: Vec<String>,
}

/// `POST .../hide-message`: an optional body `{"hidden": false}` shows the message again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HideMessage {
    #[serde(default = "yes")]
    pub hidden: bool,
}

fn yes() -> bool {
    true
}

/// `POST .../own-contributions`: `{"received": n}` sets the number of participants who
/// paid; `{"add": n}` records `n` more (or fewer, when negative).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnContributionChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<i64>,
}

/// `PUT .../online-payment`: turns online payment on or off for a cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlinePaymentSwitch {
    pub enabled: bool,
}

/// The answer of `PUT .../online-payment`: the setting and the server's provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlinePaymentSetting {
    pub enabled: bool,
    pub provider: Option<String>,
}

/// `GET /api/v1/admin/cohorts/{slug}/settlements`: one cohort's settlement statements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortSettlements {
    pub cohort: String,
    pub currency: String,
    /// RFC 3339: the moment the statements were computed.
    pub computed_at: String,
    /// One per stakeholder in the document's order, then the programme's pot if it gave
    /// this cohort anything or has a pot at all.
    pub statements: Vec<Settlement>,
}

/// A message in a cohort's outbox (`GET .../outbox`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub attempts: i64,
    pub created_at: String,
    pub id: String,
    /// `confirmation`, `reminder`, `thank_you`, `news`, …
    pub kind: String,
    pub last_error: Option<String>,
    pub locale: String,
    pub message_id: String,
    pub next_attempt_at: String,
    pub pledge_id: Option<String>,
    pub recipient: String,
    pub sent_at: Option<String>,
    /// `waiting`, `sent` or `failed`.
    pub status: String,
    pub subject: String,
}

/// `GET .../outbox`: whether the server sends mail at all, and the messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbox {
    pub mail: bool,
    pub messages: Vec<OutboxItem>,
}

/// The answer of `POST .../outbox/{id}/retry`: the message waits again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryQueued {
    pub id: String,
    pub status: String,
}

/// News queued for a cohort's donors (`GET .../news`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsItem {
    pub created_at: String,
    pub id: String,
    /// `target_reached`, `closed` or `update_…`.
    pub key: String,
    /// Messages queued.
    pub recipients: i64,
    pub subject: String,
}

/// `GET .../news`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsList {
    pub mail: bool,
    pub news: Vec<NewsItem>,
}

/// `POST .../news`, `.../news/preview` and `.../news/test`: a coordinator's update.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewsUpdate {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// Preview and test send: the language to write the frame in (`nl-NL`, `en-GB`).
    #[serde(default)]
    pub locale: Option<String>,
}

/// The answer of `POST .../news`: how many messages were queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsQueued {
    pub queued: usize,
}

/// The answer of `POST .../news/preview`: the update as a donor would get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsPreview {
    pub html: String,
    pub subject: String,
    pub text: String,
}

/// The answer of `POST .../news/test`: the address the test message went to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsTestSent {
    pub to: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;

    /// Reads `json` (a sample of the server's answer), writes it again and compares the
    /// text: the type carries every field, in the server's order, null where it is null.
    fn round_trip<T: Serialize + DeserializeOwned>(json: &str) -> T {
        let value: T = serde_json::from_str(json).expect("reads the sample");
        assert_eq!(serde_json::to_string(&value).unwrap(), json);
        value
    }

    #[test]
    fn session() {
        let s: Session = round_trip(
            r#"{"cohort":null,"csrf_token":"c0ffee","expires_at":"2027-03-20T23:00:00+00:00","id":"se_1","programme":"Starters4Communities","role":"coordinator"}"#,
        );
        assert!(s.may_change());
        let m: Session = round_trip(
            r#"{"cohort":"utrecht-voorjaar-2027","csrf_token":"c0ffee","expires_at":"2027-03-20T23:00:00+00:00","id":"se_2","programme":null,"role":"member"}"#,
        );
        assert!(!m.may_change());
        round_trip::<TokenSignIn>(r#"{"token":"cfd_abc"}"#);
        assert!(serde_json::from_str::<TokenSignIn>(r#"{"token":"cfd_abc","x":1}"#).is_err());
    }

    #[test]
    fn roles_by_name() {
        for r in [Role::Coordinator, Role::Member] {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.as_str()));
        }
        assert_eq!(Role::parse("admin"), Err(UnknownRole("admin".into())));
    }

    #[test]
    fn cohort_list() {
        let l: CohortList = round_trip(
            r#"{"cohorts":[{"name":"Utrecht voorjaar 2027","programme":"Starters4Communities","revision":3,"slug":"utrecht-voorjaar-2027","updated_at":"2027-03-01T09:00:00+00:00"}]}"#,
        );
        assert_eq!(l.cohorts[0].revision, 3);
    }

    const ADMIN_PLEDGE: &str = r#"{"id":"pl_1","cohort":"utrecht-voorjaar-2027","amount_cents":2500,"name":"Sanne","show_name":true,"show_amount":true,"email":"sanne@example.org","message":null,"message_hidden":false,"status":"pledged","reference":"CF-ABCD-EFGH","created_at":"2027-03-19T20:14:00+00:00","updated_at":"2027-03-19T20:14:00+00:00","news":false,"anonymised_at":null}"#;
    const MEMBER_PLEDGE: &str = r#"{"amount_cents":null,"created_at":"2027-03-19T20:14:00+00:00","id":"rk_1","message":"Succes!","name":null,"status":"received","updated_at":"2027-03-20T08:00:00+00:00"}"#;

    #[test]
    fn admin_pledge() {
        let p: AdminPledge = round_trip(ADMIN_PLEDGE);
        assert_eq!((p.amount_cents, p.status), (2500, PledgeStatus::Pledged));
        let with_conflict = ADMIN_PLEDGE.replace(
            r#""updated_at":"2027-03-19T20:14:00+00:00","#,
            r#""updated_at":"2027-03-19T20:14:00+00:00","payment_conflict":"paid_while_cancelled","#,
        );
        let c: AdminPledge = round_trip(&with_conflict);
        assert_eq!(c.payment_conflict, Some(PaymentConflict::PaidWhileCancelled));
    }

    #[test]
    fn member_pledge() {
        let p: MemberPledge = round_trip(MEMBER_PLEDGE);
        assert_eq!(p.amount_cents, None);
    }

    #[test]
    fn listed_pledges_of_either_view() {
        let list: PledgeList<ListedPledge> = round_trip(&format!(r#"{{"pledges":[{ADMIN_PLEDGE},{MEMBER_PLEDGE}]}}"#));
        let (c, m) = (&list.pledges[0], &list.pledges[1]);
        assert!(matches!(c, ListedPledge::Coordinator(_)));
        assert_eq!(
            (c.amount_cents(), c.email(), c.reference(), c.show_name()),
            (Some(2500), Some("sanne@example.org"), "CF-ABCD-EFGH", true)
        );
        assert!(matches!(m, ListedPledge::Member(_)));
        assert_eq!((m.amount_cents(), m.email(), m.reference(), m.show_name()), (None, None, "", false));
        assert_eq!((m.id(), m.message(), m.status()), ("rk_1", Some("Succes!"), PledgeStatus::Received));
    }

    #[test]
    fn request_bodies() {
        round_trip::<ConfirmPledges>(r#"{"pledges":["pl_1","pl_2"]}"#);
        assert!(serde_json::from_str::<ConfirmPledges>(r#"{"pledges":[],"all":true}"#).is_err());
        let h: HideMessage = serde_json::from_str("{}").unwrap();
        assert!(h.hidden);
        round_trip::<HideMessage>(r#"{"hidden":false}"#);
        round_trip::<OwnContributionChange>(r#"{"add":-1}"#);
        round_trip::<OwnContributionChange>(r#"{"received":12}"#);
        assert!(serde_json::from_str::<OwnContributionChange>(r#"{"added":1}"#).is_err());
        round_trip::<OnlinePaymentSwitch>(r#"{"enabled":true}"#);
        round_trip::<NewsUpdate>(r#"{"subject":"Bijna!","body":"Nog 3 dagen.","locale":"en-GB"}"#);
        assert_eq!(serde_json::from_str::<NewsUpdate>("{}").unwrap(), NewsUpdate::default());
    }

    #[test]
    fn answers() {
        round_trip::<OnlinePaymentSetting>(r#"{"enabled":true,"provider":"test"}"#);
        round_trip::<OnlinePaymentSetting>(r#"{"enabled":false,"provider":null}"#);
        round_trip::<RetryQueued>(r#"{"id":"ob_1","status":"waiting"}"#);
        round_trip::<NewsQueued>(r#"{"queued":4}"#);
        round_trip::<NewsPreview>(r#"{"html":"<p>Nog 3 dagen.</p>","subject":"Bijna!","text":"Nog 3 dagen."}"#);
        round_trip::<NewsTestSent>(r#"{"to":"coordinator@example.org"}"#);
        round_trip::<NewsList>(
            r#"{"mail":true,"news":[{"created_at":"2027-03-20T08:00:00+00:00","id":"nw_1","key":"target_reached","recipients":4,"subject":"target_reached"}]}"#,
        );
    }

    #[test]
    fn outbox() {
        let o: Outbox = round_trip(
            r#"{"mail":true,"messages":[{"attempts":1,"created_at":"2027-03-19T20:14:00+00:00","id":"ob_1","kind":"confirmation","last_error":null,"locale":"nl-NL","message_id":"<ob_1@cofund.example.org>","next_attempt_at":"2027-03-19T20:14:00+00:00","pledge_id":"pl_1","recipient":"sanne@example.org","sent_at":"2027-03-19T20:14:02+00:00","status":"sent","subject":"Bedankt voor je toezegging"}]}"#,
        );
        assert_eq!(o.messages[0].status, "sent");
    }

    #[test]
    fn settlements() {
        let s: CohortSettlements = round_trip(
            r#"{"cohort":"utrecht-voorjaar-2027","currency":"EUR","computed_at":"2027-03-20T12:00:00+00:00","statements":[{"stakeholder":"Gemeente Utrecht","void":false,"conditional":false,"lines":[{"kind":"match","rule":0,"at":"2027-03-19T20:14:00+00:00","pledge":"pl_1","gift_cents":2500,"amount_cents":2500},{"kind":"fixed","rule":null,"at":null,"pledge":null,"gift_cents":null,"amount_cents":1000000}],"total_cents":1002500}]}"#,
        );
        assert_eq!(s.statements[0].lines[0].kind, crate::settlement::LineKind::Match);
    }
}
