//! The cohort crowdfunds as a group (issue 15): each participant's own fundraising page.
//!
//! A participant has a **handle**, the readable part of their personal link
//! (`/c/{cohort}/{handle}`, the widget's `fundraiser="{handle}"`), a display name they
//! choose, a short appeal, an optional personal target and their consent to be listed
//! publicly (off until given). Pledges made through the link are attributed to them.
//!
//! Public documents carry only **listed** participants ([`PublicParticipant`]), in the
//! order the coordinator chose: by name (the default: this is a training, not a contest)
//! or, when the coordinator switches the leaderboard on, by what each brought in.

use crate::error::{FieldError, Problem};
use crate::text::{check_text, text_problem};
use serde::{Deserialize, Serialize};

/// Shortest and longest handle, in characters.
pub const HANDLE_MIN_CHARS: usize = 2;
pub const HANDLE_MAX_CHARS: usize = 32;
/// Longest display name and appeal, in characters.
pub const DISPLAY_NAME_MAX_CHARS: u32 = 60;
pub const APPEAL_MAX_CHARS: u32 = 600;
/// The largest personal target: € 100.000.
pub const TARGET_MAX_CENTS: i64 = 10_000_000;
/// Participants per cohort, at most (the documents list at most this many).
pub const MAX_PARTICIPANTS: usize = 200;

/// [`Handle`]'s rule in words, for error messages.
pub const HANDLE_RULE: &str = "2 to 32 of a-z, 0-9 and -, not starting or ending with -";

/// A participant's handle: 2 to 32 of `a-z`, `0-9` and `-`, neither first nor last a
/// `-`, no `--`. Parsed from what people type: surrounding space is ignored and capitals
/// are lowered, so `Anna` and `anna` are the same handle.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Handle(String);

impl Handle {
    pub fn parse(input: &str) -> Result<Handle, Problem> {
        let s = input.trim().to_ascii_lowercase();
        let chars = s.chars().count();
        if s.is_empty() {
            return Err(Problem::Required);
        }
        if chars > HANDLE_MAX_CHARS {
            return Err(Problem::TooLong { max: HANDLE_MAX_CHARS as u32 });
        }
        let allowed = s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if chars < HANDLE_MIN_CHARS || !allowed || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(Problem::Format { expected: HANDLE_RULE.into() });
        }
        Ok(Handle(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A handle made from a display name, for the form to offer: accents dropped,
    /// everything else that is not a letter or digit a `-` (`Fatima el Idrissi` →
    /// `fatima-el-idrissi`); `None` when nothing usable is left.
    pub fn suggest(display_name: &str) -> Option<Handle> {
        let mut s = String::new();
        for c in display_name.chars().flat_map(char::to_lowercase) {
            let c = fold_accent(c);
            if c.is_ascii_alphanumeric() {
                s.push(c);
            } else if !s.ends_with('-') && !s.is_empty() {
                s.push('-');
            }
        }
        let mut s: String = s.trim_end_matches('-').chars().take(HANDLE_MAX_CHARS).collect();
        while s.ends_with('-') {
            s.pop();
        }
        Handle::parse(&s).ok()
    }
}

impl TryFrom<String> for Handle {
    type Error = String;
    fn try_from(s: String) -> Result<Handle, String> {
        Handle::parse(&s).map_err(|p| format!("handle {p}"))
    }
}

impl From<Handle> for String {
    fn from(h: Handle) -> String {
        h.0
    }
}

impl std::fmt::Display for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Latin letters with accents Dutch and its neighbours use, without them.
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ş' | 'š' => 's',
        'ğ' => 'g',
        'ı' => 'i',
        other => other,
    }
}

/// What a participant sets of their page (and a coordinator on their behalf).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipantProfile {
    /// The name shown on their page and in the cohort's list; of their choosing.
    pub display_name: String,
    #[serde(default)]
    pub appeal: Option<String>,
    #[serde(default)]
    pub target_cents: Option<i64>,
    /// Consent to be listed publicly: their name, appeal and figures in the cohort's
    /// public document and pages. Off until the participant gives it.
    #[serde(default)]
    pub listed: bool,
}

impl ParticipantProfile {
    /// Checks the profile as a writer must; every error names its field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_text(&mut errors, "display_name", self.display_name.trim(), true, DISPLAY_NAME_MAX_CHARS);
        if let Some(problem) =
            self.appeal.as_deref().and_then(|a| text_problem(a.trim(), false, APPEAL_MAX_CHARS, true))
        {
            errors.push(FieldError::new("appeal", problem));
        }
        if let Some(t) = self.target_cents {
            if !(1..=TARGET_MAX_CENTS).contains(&t) {
                errors.push(FieldError::new("target_cents", Problem::OutOfRange { min: 1, max: TARGET_MAX_CENTS }));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// How the cohort lists its participants publicly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantOrder {
    /// Alphabetically by display name: the default.
    #[default]
    Name,
    /// Most brought in first: the leaderboard, only when the coordinator switches it on.
    Amount,
    /// An order from a newer contract; read as [`ParticipantOrder::Name`].
    #[serde(other)]
    Unrecognised,
}

/// A listed participant in the cohort's public document (contract 1.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicParticipant {
    pub handle: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_cents: Option<i64>,
    /// Open and received pledges made through their link.
    pub pledged_cents: i64,
    /// Distinct supporters who pledged through their link.
    pub backers: i64,
}

/// The group's crowdfunding together, in the cohort's public document (contract 1.2,
/// field `group`; present when the cohort has participant pages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupTally {
    /// Participants with a page (listed or not).
    pub participants: i64,
    /// Of them, those through whose link at least one supporter pledged.
    pub bringing_supporters: i64,
    #[serde(default)]
    pub order: ParticipantOrder,
    /// The listed participants only, in `order`.
    #[serde(default)]
    pub listed: Vec<PublicParticipant>,
}

/// One participant's figures as the server counts them from the pledges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantFigures {
    pub handle: Handle,
    pub profile: ParticipantProfile,
    pub pledged_cents: i64,
    pub backers: i64,
}

impl GroupTally {
    /// The public tally: every participant counted, only the listed ones named, in the
    /// coordinator's order (names compared without case and accents; ties by handle).
    pub fn build(figures: &[ParticipantFigures], order: ParticipantOrder) -> GroupTally {
        let mut listed: Vec<PublicParticipant> = figures
            .iter()
            .filter(|f| f.profile.listed)
            .map(|f| PublicParticipant {
                handle: f.handle.to_string(),
                name: f.profile.display_name.trim().to_owned(),
                appeal: f.profile.appeal.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned),
                target_cents: f.profile.target_cents,
                pledged_cents: f.pledged_cents,
                backers: f.backers,
            })
            .collect();
        sort_participants(&mut listed, order);
        listed.truncate(MAX_PARTICIPANTS);
        GroupTally {
            participants: figures.len() as i64,
            bringing_supporters: figures.iter().filter(|f| f.backers > 0).count() as i64,
            order,
            listed,
        }
    }
}

/// Sorts for display: by name, or with the leaderboard by amount (then name).
pub fn sort_participants(list: &mut [PublicParticipant], order: ParticipantOrder) {
    let key = |p: &PublicParticipant| p.name.chars().flat_map(char::to_lowercase).map(fold_accent).collect::<String>();
    match order {
        ParticipantOrder::Amount => list.sort_by(|a, b| {
            b.pledged_cents
                .cmp(&a.pledged_cents)
                .then_with(|| key(a).cmp(&key(b)))
                .then_with(|| a.handle.cmp(&b.handle))
        }),
        ParticipantOrder::Name | ParticipantOrder::Unrecognised => {
            list.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.handle.cmp(&b.handle)))
        }
    }
}

/// Problems of another server's group tally that would make a figure wrong: a negative
/// count or amount, more participants bringing supporters than there are, more listed
/// than counted. A forgiving reader leaves such a tally out rather than show it wrong.
pub fn group_problems(g: &GroupTally) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if g.participants < 0 {
        errors.push(FieldError::new("group.participants", Problem::Negative));
    }
    if g.bringing_supporters < 0 || g.bringing_supporters > g.participants {
        errors.push(FieldError::new(
            "group.bringing_supporters",
            Problem::Inconsistent { with: "group.participants".into() },
        ));
    }
    if g.listed.len() as i64 > g.participants {
        errors.push(FieldError::new("group.listed", Problem::Inconsistent { with: "group.participants".into() }));
    }
    for (i, p) in g.listed.iter().enumerate() {
        if p.pledged_cents < 0 {
            errors.push(FieldError::new(format!("group.listed[{i}].pledged_cents"), Problem::Negative));
        }
        if p.backers < 0 {
            errors.push(FieldError::new(format!("group.listed[{i}].backers"), Problem::Negative));
        }
        if p.target_cents.is_some_and(|t| t <= 0) {
            errors.push(FieldError::new(
                format!("group.listed[{i}].target_cents"),
                Problem::OutOfRange { min: 1, max: TARGET_MAX_CENTS },
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(handle: &str, name: &str, listed: bool, cents: i64, backers: i64) -> ParticipantFigures {
        ParticipantFigures {
            handle: Handle::parse(handle).unwrap(),
            profile: ParticipantProfile { display_name: name.into(), appeal: None, target_cents: None, listed },
            pledged_cents: cents,
            backers,
        }
    }

    #[test]
    fn handles_follow_one_rule() {
        assert_eq!(Handle::parse(" Anna ").unwrap().as_str(), "anna");
        assert_eq!(Handle::parse("anna-de-vries-2").unwrap().as_str(), "anna-de-vries-2");
        for bad in ["a", "-anna", "anna-", "an--na", "anna_b", "anna b", "änna", "anna/../x"] {
            assert!(matches!(Handle::parse(bad), Err(Problem::Format { .. })), "{bad}");
        }
        assert_eq!(Handle::parse("  "), Err(Problem::Required));
        assert_eq!(Handle::parse(&"a".repeat(33)), Err(Problem::TooLong { max: 32 }));
        assert!(serde_json::from_str::<Handle>("\"x\"").is_err());
        assert_eq!(serde_json::from_str::<Handle>("\"Bram\"").unwrap().as_str(), "bram");
    }

    #[test]
    fn a_handle_is_suggested_from_a_name() {
        let s = |n: &str| Handle::suggest(n).map(|h| h.to_string());
        assert_eq!(s("Fatima el Idrissi").as_deref(), Some("fatima-el-idrissi"));
        assert_eq!(s("  Zoë  Bakker!").as_deref(), Some("zoe-bakker"));
        assert_eq!(s("Şükrü Yılmaz").as_deref(), Some("sukru-yilmaz"));
        assert_eq!(s("😀"), None);
        assert!(s(&"lange naam ".repeat(10)).is_some_and(|h| h.len() <= HANDLE_MAX_CHARS && !h.ends_with('-')));
    }

    #[test]
    fn profiles_are_checked_field_by_field() {
        let p = ParticipantProfile {
            display_name: " ".into(),
            appeal: Some("Steun ons\u{202E}".into()),
            target_cents: Some(0),
            listed: false,
        };
        let fields: Vec<String> = p.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["display_name", "appeal", "target_cents"]);
        let ok = ParticipantProfile {
            display_name: "Anna".into(),
            appeal: Some("Help ons buurtcafé\nop weg!".into()),
            target_cents: Some(50_000),
            listed: true,
        };
        assert_eq!(ok.validate(), Ok(()));
    }

    #[test]
    fn only_listed_participants_are_named_and_the_default_order_is_by_name() {
        let all = [
            figures("zoe", "Zoë", true, 100, 1),
            figures("bram", "bram", true, 9_000, 3),
            figures("anna", "Anna", false, 5_000, 2),
            figures("emre", "Émre", true, 0, 0),
        ];
        let g = GroupTally::build(&all, ParticipantOrder::default());
        assert_eq!(g.participants, 4);
        assert_eq!(g.bringing_supporters, 3);
        let names: Vec<&str> = g.listed.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["bram", "Émre", "Zoë"]);
        assert!(!serde_json::to_string(&g).unwrap().contains("anna"), "an unlisted participant is never named");
        let board = GroupTally::build(&all, ParticipantOrder::Amount);
        let names: Vec<&str> = board.listed.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["bram", "Zoë", "Émre"]);
        assert!(group_problems(&g).is_empty());
    }

    #[test]
    fn a_tally_that_does_not_add_up_is_found() {
        let mut g = GroupTally::build(&[figures("bram", "Bram", true, 100, 1)], ParticipantOrder::Name);
        g.bringing_supporters = 2;
        g.listed[0].pledged_cents = -1;
        let fields: Vec<String> = group_problems(&g).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["group.bringing_supporters", "group.listed[0].pledged_cents"]);
        let newer: ParticipantOrder = serde_json::from_str("\"random\"").unwrap();
        assert_eq!(newer, ParticipantOrder::Unrecognised);
    }
}
