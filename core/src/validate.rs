//! Parsing and validating a cohort document into a [`Cohort`] ("parse, don't validate":
//! code that holds a `Cohort` never checks a field again).

use crate::contract::*;
use crate::error::{DocumentError, FieldError, Problem};
use crate::progress::{self, CampaignPhase, Summary};
use crate::time::{Date, Timestamp};
use serde::Deserialize;

/// The longest name or one-line text (cohort, programme, stakeholder, token label).
pub const MAX_TEXT_CHARS: u32 = 200;
const MAX_CONDITION_CHARS: u32 = 500;
const MAX_URL_CHARS: u32 = 2048;
const MAX_LIST: usize = 200;
const MAX_HISTORY: usize = 2000;
const MAX_SUGGESTED: usize = 12;
/// Matching up to ten euro per crowd euro; anything above is a typo.
const MAX_MATCH_RATIO_BPS: i64 = 100_000;
/// Rules per stakeholder (contract 1.1).
const MAX_RULES: usize = 8;
/// Backers a trigger may wait for.
const MAX_TRIGGER_BACKERS: i64 = 10_000_000;

/// A cohort document that passed validation, with its timestamps parsed and its
/// time-independent figures computed (so every sum is known to fit).
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    doc: CohortDocument,
    opens_at: Timestamp,
    closes_at: Timestamp,
    updated_at: Timestamp,
    summary: Summary,
}

impl Cohort {
    /// Reads a JSON document as a widget should read one from any server: forgivingly
    /// where that cannot make a figure wrong or unsafe, precisely where it refuses.
    ///
    /// The schema version is checked first so that a document of another major version
    /// gets that message instead of a list of missing fields. A value of the wrong JSON
    /// type is reported with its field and the type expected ([`Problem::WrongType`]),
    /// a missing field as that field being required. Then [`read_forgivingly`] settles
    /// what only affects display, and [`Cohort::from_document`] checks the rest strictly.
    pub fn from_json(json: &str) -> Result<Cohort, DocumentError> {
        // Only `schema` is read here; every other field is ignored.
        #[derive(Deserialize)]
        struct SchemaProbe {
            #[serde(default)]
            schema: Option<String>,
        }
        let probe: SchemaProbe = serde_json::from_str(json).map_err(|e| DocumentError::Json(e.to_string()))?;
        match probe.schema {
            Some(s) if is_schema_v1(&s) => {}
            found => return Err(DocumentError::UnsupportedSchema { found }),
        }
        Cohort::validated(read_forgivingly(parse_document(json)?), true)
    }

    /// Validates a document as a writer must (strictly: a rule that cannot be read is
    /// refused), reporting every problem found, each with its field path.
    pub fn from_document(doc: CohortDocument) -> Result<Cohort, DocumentError> {
        Cohort::validated(doc, false)
    }

    /// `forgiving`: rules that cannot be read (already settled by [`read_forgivingly`])
    /// are let through, to be shown as conditions that cannot be computed.
    fn validated(doc: CohortDocument, forgiving: bool) -> Result<Cohort, DocumentError> {
        let mut v = Validator { forgiving, ..Validator::default() };
        v.check_document(&doc);
        let times = (
            Timestamp::parse_rfc3339(&doc.campaign.opens_at),
            Timestamp::parse_rfc3339(&doc.campaign.closes_at),
            Timestamp::parse_rfc3339(&doc.updated_at),
        );
        if !v.errors.is_empty() {
            return Err(DocumentError::Invalid(v.errors));
        }
        let (Some(opens_at), Some(closes_at), Some(updated_at)) = times else {
            unreachable!("validated above");
        };
        let summary = progress::summarise(&doc).map_err(|e| DocumentError::Invalid(vec![e]))?;
        Ok(Cohort { doc, opens_at, closes_at, updated_at, summary })
    }

    /// The document as it was served.
    pub fn document(&self) -> &CohortDocument {
        &self.doc
    }

    /// Gives the document back.
    pub fn into_document(self) -> CohortDocument {
        self.doc
    }

    /// All figures that do not depend on the clock.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    pub fn opens_at(&self) -> Timestamp {
        self.opens_at
    }

    pub fn closes_at(&self) -> Timestamp {
        self.closes_at
    }

    /// The campaign's last open second (`closes_at` is exclusive): the moment whose day
    /// is named as the closing day ("closed on …"), by the widget, the dashboard and the
    /// pace line alike. A campaign closing at midnight closed on the day before.
    pub fn last_open_second(&self) -> Timestamp {
        Timestamp(self.closes_at.0.saturating_sub(1))
    }

    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }

    /// Where the campaign stands at `now`.
    pub fn phase(&self, now: Timestamp) -> CampaignPhase {
        CampaignPhase::at(self.opens_at, self.closes_at, now)
    }

    /// True when the document offers pledging (a pledge link) and the campaign is open.
    pub fn accepts_pledges(&self, now: Timestamp) -> bool {
        self.doc.links.pledge.is_some() && matches!(self.phase(now), CampaignPhase::Open { .. })
    }

    /// The same cohort with new crowd totals, as a pledge response returns them.
    /// Re-validated, so totals that break an invariant are refused.
    pub fn with_crowd_totals(&self, totals: &crate::api::CrowdTotals) -> Result<Cohort, DocumentError> {
        let mut doc = self.doc.clone();
        doc.crowd.pledged_cents = totals.pledged_cents;
        doc.crowd.received_cents = totals.received_cents;
        doc.crowd.backers = totals.backers;
        Cohort::from_document(doc)
    }
}

/// Deserialises the document. A well-formed document of the wrong shape is reported
/// with the path of the offending field, found from serde's error position by
/// [`path_at`] (tracking the path while deserialising, as `serde_path_to_error` does,
/// doubled the widget's deserialisation code: +11 KB brotli).
fn parse_document(json: &str) -> Result<CohortDocument, DocumentError> {
    serde_json::from_str(json).map_err(|e| {
        let message = e.to_string();
        let shape = (e.classify() == serde_json::error::Category::Data)
            .then(|| shape_error(json, byte_offset(json, e.line(), e.column()), &message))
            .flatten();
        shape.unwrap_or(DocumentError::Json(message))
    })
}

/// The byte offset of serde_json's 1-based `line` and `column` (the last byte it read).
fn byte_offset(json: &str, line: usize, column: usize) -> usize {
    let line_start: usize = json.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (line_start + column).saturating_sub(1).min(json.len().saturating_sub(1))
}

/// Turns serde's message about a well-formed document of the wrong shape into a field
/// error; `None` when the message is not about a field's value.
fn shape_error(json: &str, at: usize, message: &str) -> Option<DocumentError> {
    let field = |path: String| if path.is_empty() { "$".to_owned() } else { path };
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next()?;
        let object = path_at(json, at, true)?;
        let path = if object.is_empty() { name.to_owned() } else { format!("{object}.{name}") };
        return Some(DocumentError::Invalid(vec![FieldError::new(path, Problem::Required)]));
    }
    let problem = if message.starts_with("invalid value: integer") {
        // An integer beyond 64 bits.
        Problem::Overflow
    } else if message.starts_with("invalid type:") || message.starts_with("invalid value:") {
        let expected = message.split(", expected ").nth(1)?;
        let expected = expected.split(" at line ").next().unwrap_or(expected);
        Problem::WrongType { expected: json_type(expected).into() }
    } else {
        return None;
    };
    // serde stops either on the value's last byte or just before its first one.
    let bytes = json.as_bytes();
    let mut at = at;
    while at + 1 < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r' | b':' | b',') {
        at += 1;
    }
    Some(DocumentError::Invalid(vec![FieldError::new(field(path_at(json, at, false)?), problem)]))
}

/// The path (`stakeholders[1].amount_cents`, `""` for the whole document) of the
/// innermost value of well-formed `json` that spans byte `at`; with `objects_only`, of
/// the innermost object.
fn path_at(json: &str, at: usize, objects_only: bool) -> Option<String> {
    enum Segment<'a> {
        Key(&'a str),
        Index(usize),
    }
    struct Scan<'a> {
        b: &'a [u8],
        s: &'a str,
        i: usize,
        path: Vec<Segment<'a>>,
        found: Option<(usize, String)>,
    }
    impl<'a> Scan<'a> {
        fn ws(&mut self) {
            while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn string(&mut self) -> &'a str {
            let start = self.i + 1;
            self.i += 1;
            while self.i < self.b.len() && self.b[self.i] != b'"' {
                self.i += if self.b[self.i] == b'\\' { 2 } else { 1 };
            }
            self.i += 1;
            self.s.get(start..self.i - 1).unwrap_or("")
        }
        /// One value; `None` on malformed input.
        fn value(&mut self, at: usize, objects_only: bool) -> Option<()> {
            self.ws();
            let start = self.i;
            let is_object = *self.b.get(self.i)? == b'{';
            match self.b[self.i] {
                open @ (b'{' | b'[') => {
                    let close = if open == b'{' { b'}' } else { b']' };
                    self.i += 1;
                    let mut index = 0;
                    loop {
                        self.ws();
                        if *self.b.get(self.i)? == close {
                            break;
                        }
                        if open == b'{' {
                            let key = self.string();
                            self.ws();
                            self.i += 1; // ':'
                            self.path.push(Segment::Key(key));
                        } else {
                            self.path.push(Segment::Index(index));
                        }
                        self.value(at, objects_only)?;
                        self.path.pop();
                        index += 1;
                        self.ws();
                        if *self.b.get(self.i)? == b',' {
                            self.i += 1;
                        }
                    }
                    self.i += 1;
                }
                b'"' => {
                    self.string();
                }
                _ => {
                    while self.i < self.b.len() && !b",]} \t\n\r".contains(&self.b[self.i]) {
                        self.i += 1;
                    }
                }
            }
            let deeper = self.found.as_ref().is_none_or(|(depth, _)| self.path.len() >= *depth);
            if (start..self.i).contains(&at) && (is_object || !objects_only) && deeper {
                let mut p = String::new();
                for seg in &self.path {
                    match seg {
                        Segment::Key(k) if p.is_empty() => p.push_str(k),
                        Segment::Key(k) => {
                            p.push('.');
                            p.push_str(k);
                        }
                        Segment::Index(n) => {
                            use std::fmt::Write;
                            let _ = write!(p, "[{n}]");
                        }
                    }
                }
                self.found = Some((self.path.len(), p));
            }
            Some(())
        }
    }
    let mut scan = Scan { b: json.as_bytes(), s: json, i: 0, path: Vec::new(), found: None };
    scan.value(at, objects_only)?;
    scan.found.map(|(_, p)| p)
}

/// The JSON Schema type name for what serde expected (`i64` → `integer`).
fn json_type(serde_expected: &str) -> &'static str {
    let e = serde_expected;
    if e.starts_with('i') || e.starts_with('u') || e.contains("integer") {
        "integer"
    } else if e.contains("string") || e.contains("char") {
        "string"
    } else if e.contains("sequence") || e.contains("array") {
        "array"
    } else if e.contains("struct") || e.contains("map") {
        "object"
    } else if e.contains("bool") {
        "boolean"
    } else {
        "string"
    }
}

/// Settles, for display, what a newer or sloppier server may send that cannot make a
/// figure wrong or unsafe: open sets fall back, long texts and lists are cut, stray
/// control characters become spaces, links that are not http(s) are dropped. What does
/// touch the figures (amounts, shares, counts, times, stakeholders) is left for
/// strict validation.
///
/// - `locale`: another region of a known language reads as that language (`en-US` →
///   `en-GB`); an unknown language is dropped, so the page's language applies.
/// - `currency`: trimmed and upper-cased; any three-letter code is then formatted by
///   the browser (an unknown one shows its code).
/// - `stakeholders[].kind` unknown → `other`; `status` unknown → `conditional`.
/// - texts over their limit are cut to it, ending in `…`.
/// - `initiatives`, `recent_pledges`: the first 200; `history`: the last 2000 days;
///   `suggested_cents`: the first 12 within `min_cents..=max_cents`.
/// - `recent_pledges[]` with an unreadable time are left out; a negative amount is
///   hidden.
/// - `programme.url`, `stakeholders[].url`, `initiatives[].url`, `links.page`,
///   `links.pledge`: not http(s) (or an absolute path) → dropped; without a pledge
///   link the widget is read-only.
pub fn read_forgivingly(mut d: CohortDocument) -> CohortDocument {
    d.locale = d.locale.and_then(|l| match l.split(['-', '_']).next().map(str::to_ascii_lowercase).as_deref() {
        Some("nl") => Some("nl-NL".to_owned()),
        Some("en") => Some("en-GB".to_owned()),
        _ => None,
    });
    d.currency = d.currency.trim().to_ascii_uppercase();
    cut(&mut d.name, MAX_TEXT_CHARS, false);
    cut(&mut d.programme.name, MAX_TEXT_CHARS, false);
    keep_link(&mut d.programme.url);
    for s in &mut d.stakeholders {
        cut(&mut s.name, MAX_TEXT_CHARS, false);
        if let Some(c) = &mut s.condition {
            cut(c, MAX_CONDITION_CHARS, false);
        }
        keep_link(&mut s.url);
        if s.kind == StakeholderKind::Unrecognised {
            s.kind = StakeholderKind::Other;
        }
        if s.status == StakeholderStatus::Unrecognised {
            s.status = StakeholderStatus::Conditional;
        }
        settle_rules(s);
    }
    d.initiatives.truncate(MAX_LIST);
    for i in &mut d.initiatives {
        cut(&mut i.name, MAX_TEXT_CHARS, false);
        keep_link(&mut i.url);
    }
    d.recent_pledges.retain(|p| Timestamp::parse_rfc3339(&p.at).is_some());
    d.recent_pledges.truncate(MAX_LIST);
    for p in &mut d.recent_pledges {
        if let Some(n) = &mut p.name {
            cut(n, crate::api::NAME_MAX_CHARS as u32, false);
        }
        if let Some(m) = &mut p.message {
            cut(m, crate::api::MESSAGE_MAX_CHARS as u32, true);
        }
        if p.amount_cents.is_some_and(|a| a < 0) {
            p.amount_cents = None;
        }
    }
    if d.history.len() > MAX_HISTORY {
        d.history.drain(..d.history.len() - MAX_HISTORY);
    }
    let (min, max) = (d.crowd.min_cents, d.crowd.max_cents);
    d.crowd.suggested_cents.retain(|s| (min..=max).contains(s));
    d.crowd.suggested_cents.truncate(MAX_SUGGESTED);
    keep_link(&mut d.links.page);
    keep_link(&mut d.links.pledge);
    // A pot whose figures do not add up is left out rather than shown wrong.
    if d.pot.as_ref().is_some_and(|p| !pot_state_problems(p).is_empty()) {
        d.pot = None;
    }
    if let Some(p) = &mut d.pot {
        cut(&mut p.name, MAX_TEXT_CHARS, false);
        cut(&mut p.programme, MAX_TEXT_CHARS, false);
        p.funders.truncate(crate::pot::MAX_FUNDERS);
        for f in &mut p.funders {
            cut(&mut f.name, MAX_TEXT_CHARS, false);
        }
    }
    // Group figures and time and goods that do not add up are left out likewise.
    if d.group.as_ref().is_some_and(|g| !crate::participants::group_problems(g).is_empty()) {
        d.group = None;
    }
    if let Some(g) = &mut d.group {
        g.listed.truncate(crate::participants::MAX_PARTICIPANTS);
        for p in &mut g.listed {
            cut(&mut p.name, crate::participants::DISPLAY_NAME_MAX_CHARS, false);
            if let Some(a) = &mut p.appeal {
                cut(a, crate::participants::APPEAL_MAX_CHARS, true);
            }
        }
    }
    if d.in_kind.as_ref().is_some_and(|t| !crate::in_kind::totals_problems(t).is_empty()) {
        d.in_kind = None;
    }
    d
}

/// What is wrong with a document's `pot` figures: amounts below zero, more given or
/// left than the pot holds, `exhausted` that contradicts `left_cents`.
fn pot_state_problems(p: &crate::pot::PotState) -> Vec<FieldError> {
    let mut e = Vec::new();
    let mut amount = |field: &str, v: i64, min: i64| {
        if v < min {
            e.push(FieldError::new(
                field,
                if v < 0 { Problem::Negative } else { Problem::OutOfRange { min, max: i64::MAX } },
            ));
        }
    };
    amount("pot.pot_cents", p.pot_cents, 1);
    amount("pot.ratio_bps", p.ratio_bps, 1);
    amount("pot.added_cents", p.added_cents, 0);
    amount("pot.left_cents", p.left_cents, 0);
    for (field, cap) in
        [("pot.cap_per_gift_cents", p.cap_per_gift_cents), ("pot.cap_per_cohort_cents", p.cap_per_cohort_cents)]
    {
        if let Some(c) = cap {
            amount(field, c, 1);
        }
    }
    if p.added_cents > p.pot_cents {
        e.push(FieldError::new("pot.added_cents", Problem::Inconsistent { with: "pot.pot_cents".into() }));
    }
    if p.left_cents > p.pot_cents {
        e.push(FieldError::new("pot.left_cents", Problem::Inconsistent { with: "pot.pot_cents".into() }));
    }
    if p.exhausted != (p.left_cents == 0) {
        e.push(FieldError::new("pot.exhausted", Problem::Inconsistent { with: "pot.left_cents".into() }));
    }
    e
}

/// A rule that does not pass a writer's checks on its own becomes one that cannot be
/// computed (shown as such, never counted); an evaluation that does not fit the rules
/// is dropped. The figures then come only from what is valid.
fn settle_rules(s: &mut Stakeholder) {
    s.rules.truncate(MAX_RULES);
    for r in &mut s.rules {
        let mut v = Validator::default();
        v.check_rule("", r, None);
        if !v.errors.is_empty() {
            let kind = match r {
                Rule::Match(_) => Some("match".to_owned()),
                Rule::Trigger(_) => Some("trigger".to_owned()),
                Rule::AllOrNothing => Some("all_or_nothing".to_owned()),
                Rule::Unreadable(u) => u.kind.take(),
            };
            *r = Rule::Unreadable(UnreadableRule { kind, problem: None });
        }
    }
    if s.evaluation.as_ref().is_some_and(|e| e.rules.len() != s.rules.len()) {
        s.evaluation = None;
    }
}

/// Cuts `text` to `max` characters (the last one `…`) and turns control characters
/// into spaces (line feeds stay where `multiline`).
fn cut(text: &mut String, max: u32, multiline: bool) {
    crate::text::tidy_text(text, max, multiline);
}

/// Drops a link the widget would not follow: not http(s) nor an absolute path, or too long.
fn keep_link(link: &mut Option<String>) {
    if link.as_deref().is_some_and(|u| {
        u.chars().count() > MAX_URL_CHARS as usize
            || u.chars().any(char::is_control)
            || !(u.starts_with("https://") || u.starts_with("http://") || (u.starts_with('/') && !u.starts_with("//")))
    }) {
        *link = None;
    }
}

/// Checks one stakeholder on its own, with the same rules as inside a document; the
/// errors name the stakeholder's own fields (`amount_cents`, `match.cap_cents`), so a
/// form can show each beside its field before anything is sent.
pub fn validate_stakeholder(s: &Stakeholder) -> Result<(), Vec<FieldError>> {
    let mut v = Validator::default();
    v.check_stakeholder("", s, None);
    if v.errors.is_empty() {
        Ok(())
    } else {
        Err(v.errors)
    }
}

/// Collects every problem instead of stopping at the first.
#[derive(Default)]
struct Validator {
    errors: Vec<FieldError>,
    /// Reading another server's document: rules that cannot be read are let through.
    forgiving: bool,
}

impl Validator {
    fn err(&mut self, field: impl Into<String>, problem: Problem) {
        self.errors.push(FieldError::new(field, problem));
    }

    fn text(&mut self, field: &str, value: &str, required: bool, max: u32) {
        self.text_lines(field, value, required, max, false);
    }

    /// `multiline`: line feeds are allowed (pledge messages), other control characters not.
    fn text_lines(&mut self, field: &str, value: &str, required: bool, max: u32, multiline: bool) {
        if let Some(problem) = crate::text::text_problem(value, required, max, multiline) {
            self.err(field, problem);
        }
    }

    fn opt_text(&mut self, field: &str, value: &Option<String>, max: u32) {
        if let Some(v) = value {
            self.text(field, v, false, max);
        }
    }

    fn url(&mut self, field: &str, value: &Option<String>) {
        let Some(u) = value else { return };
        let before = self.errors.len();
        self.text(field, u, true, MAX_URL_CHARS);
        if self.errors.len() == before
            && !(u.starts_with("https://") || u.starts_with("http://") || (u.starts_with('/') && !u.starts_with("//")))
        {
            self.err(field, Problem::Format { expected: "an http(s) URL or an absolute path".into() });
        }
    }

    fn range(&mut self, field: &str, value: i64, min: i64, max: i64) -> bool {
        if value < 0 && min >= 0 {
            self.err(field, Problem::Negative);
            false
        } else if value < min || value > max {
            self.err(field, Problem::OutOfRange { min, max });
            false
        } else {
            true
        }
    }

    fn amount(&mut self, field: &str, value: i64) -> bool {
        self.range(field, value, 0, i64::MAX)
    }

    fn timestamp(&mut self, field: &str, value: &str) -> Option<Timestamp> {
        let t = Timestamp::parse_rfc3339(value);
        if t.is_none() {
            self.err(field, Problem::Format { expected: "an RFC 3339 date-time".into() });
        }
        t
    }

    fn list_len(&mut self, field: &str, len: usize, max: usize) {
        if len > max {
            self.err(field, Problem::OutOfRange { min: 0, max: max as i64 });
        }
    }

    /// One stakeholder; `prefix` is `stakeholders[2].` in a document, empty on its own;
    /// `closes_at` is the campaign's close where known.
    fn check_stakeholder(&mut self, prefix: &str, s: &Stakeholder, closes_at: Option<Timestamp>) {
        let f = |name: &str| format!("{prefix}{name}");
        self.text(&f("name"), &s.name, true, MAX_TEXT_CHARS);
        if s.kind == StakeholderKind::Unrecognised {
            self.err(
                f("kind"),
                Problem::Format { expected: "one of municipality, welfare, fund, business, other".into() },
            );
        }
        if s.status == StakeholderStatus::Unrecognised {
            self.err(f("status"), Problem::Format { expected: "one of committed, conditional, paid".into() });
        }
        self.amount(&f("amount_cents"), s.amount_cents);
        self.url(&f("url"), &s.url);
        self.opt_text(&f("condition"), &s.condition, MAX_CONDITION_CHARS);
        if let Some(m) = &s.match_ {
            self.range(&f("match.ratio_bps"), m.ratio_bps, 1, MAX_MATCH_RATIO_BPS);
            self.amount(&f("match.cap_cents"), m.cap_cents);
        }
        self.list_len(&f("rules"), s.rules.len(), MAX_RULES);
        for (i, r) in s.rules.iter().enumerate() {
            self.check_rule(&f(&format!("rules[{i}].")), r, closes_at);
        }
        if s.rules.iter().filter(|r| matches!(r, Rule::AllOrNothing)).count() > 1 {
            self.err(f("rules"), Problem::Format { expected: "at most one all_or_nothing rule".into() });
        }
        if let Some(e) = &s.evaluation {
            self.check_evaluation(&f("evaluation."), e, s.rules.len());
        }
    }

    /// An optional cap: at least a cent (no cap is written by leaving it out).
    fn cap(&mut self, field: &str, cap: Option<i64>) -> bool {
        cap.is_some_and(|c| self.range(field, c, 1, i64::MAX))
    }

    /// One rule; `prefix` is `rules[1].` (inside a stakeholder's prefix).
    fn check_rule(&mut self, prefix: &str, r: &Rule, closes_at: Option<Timestamp>) {
        let f = |name: &str| format!("{prefix}{name}");
        match r {
            Rule::Match(m) => {
                self.range(&f("ratio_bps"), m.ratio_bps, 1, MAX_MATCH_RATIO_BPS);
                let gift = self.cap(&f("cap_per_gift_cents"), m.cap_per_gift_cents);
                let donor = self.cap(&f("cap_per_donor_cents"), m.cap_per_donor_cents);
                let total = self.cap(&f("cap_cents"), m.cap_cents);
                // A cap further out below one nearer in makes the nearer one meaningless:
                // the writer most likely swapped them.
                let (g, d, t) = (m.cap_per_gift_cents, m.cap_per_donor_cents, m.cap_cents);
                if gift && donor && g > d {
                    self.err(f("cap_per_gift_cents"), Problem::Inconsistent { with: f("cap_per_donor_cents") });
                } else if gift && total && g > t {
                    self.err(f("cap_per_gift_cents"), Problem::Inconsistent { with: f("cap_cents") });
                }
                if donor && total && d > t {
                    self.err(f("cap_per_donor_cents"), Problem::Inconsistent { with: f("cap_cents") });
                }
                let from = m.from.as_ref().and_then(|t| self.timestamp(&f("from"), t));
                let until = m.until.as_ref().and_then(|t| self.timestamp(&f("until"), t));
                if let (Some(a), Some(b)) = (from, until) {
                    if b <= a {
                        self.err(f("until"), Problem::Inconsistent { with: f("from") });
                    }
                }
            }
            Rule::Trigger(t) => {
                self.range(&f("amount_cents"), t.amount_cents, 1, i64::MAX);
                if let Some(share) = t.share_of_target_bps {
                    self.range(&f("share_of_target_bps"), share, 1, 10_000);
                }
                if let Some(b) = t.backers {
                    self.range(&f("backers"), b, 1, MAX_TRIGGER_BACKERS);
                }
                if t.share_of_target_bps.is_none() && t.backers.is_none() {
                    self.err(f("share_of_target_bps"), Problem::Required);
                }
                let by = t.by.as_ref().and_then(|b| self.timestamp(&f("by"), b));
                if let (Some(by), Some(close)) = (by, closes_at) {
                    if by > close {
                        self.err(f("by"), Problem::Inconsistent { with: "campaign.closes_at".into() });
                    }
                }
            }
            Rule::AllOrNothing => {}
            Rule::Unreadable(_) if self.forgiving => {}
            Rule::Unreadable(u) => {
                let (field, problem) = u.problem.clone().unwrap_or_else(|| {
                    ("kind".into(), Problem::Format { expected: "one of match, trigger, all_or_nothing".into() })
                });
                self.err(f(&field), problem);
            }
        }
    }

    /// An evaluation in a document: amounts that can be added up, one per rule.
    fn check_evaluation(&mut self, prefix: &str, e: &StakeholderEvaluation, rules: usize) {
        let f = |name: &str| format!("{prefix}{name}");
        self.amount(&f("unlocked_cents"), e.unlocked_cents);
        if let Some(a) = e.available_cents {
            self.amount(&f("available_cents"), a);
        }
        if e.rules.len() != rules {
            self.err(f("rules"), Problem::Inconsistent { with: "rules".into() });
        }
        for (i, r) in e.rules.iter().enumerate() {
            self.amount(&f(&format!("rules[{i}].unlocked_cents")), r.unlocked_cents);
            if let Some(a) = r.available_cents {
                self.amount(&f(&format!("rules[{i}].available_cents")), a);
            }
            if let Some(m) = &r.met_at {
                self.timestamp(&f(&format!("rules[{i}].met_at")), m);
            }
        }
    }

    fn check_document(&mut self, d: &CohortDocument) {
        if !is_slug(&d.slug) {
            self.err("slug", Problem::Format { expected: SLUG_RULE.into() });
        }
        self.text("name", &d.name, true, MAX_TEXT_CHARS);
        self.text("programme.name", &d.programme.name, true, MAX_TEXT_CHARS);
        self.url("programme.url", &d.programme.url);
        if let Some(l) = &d.locale {
            if l != "nl-NL" && l != "en-GB" {
                self.err("locale", Problem::Format { expected: "nl-NL or en-GB".into() });
            }
        }
        if d.currency.len() != 3 || !d.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            self.err("currency", Problem::Format { expected: "an ISO 4217 code such as EUR".into() });
        }
        self.range("budget_cents", d.budget_cents, 1, i64::MAX);

        let opens = self.timestamp("campaign.opens_at", &d.campaign.opens_at);
        let closes = self.timestamp("campaign.closes_at", &d.campaign.closes_at);
        if let (Some(o), Some(c)) = (opens, closes) {
            if c <= o {
                self.err("campaign.closes_at", Problem::Inconsistent { with: "campaign.opens_at".into() });
            }
        }
        self.timestamp("updated_at", &d.updated_at);

        let own = &d.own_contributions;
        self.range("own_contributions.participants", own.participants, 0, 1_000_000);
        self.amount("own_contributions.per_participant_cents", own.per_participant_cents);
        if self.range("own_contributions.received", own.received, 0, i64::MAX)
            && own.participants >= 0
            && own.received > own.participants
        {
            self.err(
                "own_contributions.received",
                Problem::Inconsistent { with: "own_contributions.participants".into() },
            );
        }

        let c = &d.crowd;
        self.range("crowd.target_share_bps", c.target_share_bps, 0, 10_000);
        let pledged_ok = self.amount("crowd.pledged_cents", c.pledged_cents);
        if self.amount("crowd.received_cents", c.received_cents) && pledged_ok && c.received_cents > c.pledged_cents {
            self.err("crowd.received_cents", Problem::Inconsistent { with: "crowd.pledged_cents".into() });
        }
        self.range("crowd.backers", c.backers, 0, i64::MAX);
        let min_ok = self.range("crowd.min_cents", c.min_cents, 1, i64::MAX);
        let max_ok = self.range("crowd.max_cents", c.max_cents, 1, i64::MAX);
        if min_ok && max_ok && c.max_cents < c.min_cents {
            self.err("crowd.max_cents", Problem::Inconsistent { with: "crowd.min_cents".into() });
        }
        self.list_len("crowd.suggested_cents", c.suggested_cents.len(), MAX_SUGGESTED);
        for (i, s) in c.suggested_cents.iter().enumerate() {
            if min_ok && max_ok {
                self.range(&format!("crowd.suggested_cents[{i}]"), *s, c.min_cents, c.max_cents.max(c.min_cents));
            }
        }

        self.list_len("stakeholders", d.stakeholders.len(), MAX_LIST);
        for (i, s) in d.stakeholders.iter().enumerate() {
            self.check_stakeholder(&format!("stakeholders[{i}]."), s, closes);
        }

        self.list_len("initiatives", d.initiatives.len(), MAX_LIST);
        for (i, ini) in d.initiatives.iter().enumerate() {
            self.text(&format!("initiatives[{i}].name"), &ini.name, true, MAX_TEXT_CHARS);
            self.url(&format!("initiatives[{i}].url"), &ini.url);
        }

        self.list_len("recent_pledges", d.recent_pledges.len(), MAX_LIST);
        for (i, p) in d.recent_pledges.iter().enumerate() {
            let f = |name: &str| format!("recent_pledges[{i}].{name}");
            self.opt_text(&f("name"), &p.name, crate::api::NAME_MAX_CHARS as u32);
            if let Some(m) = &p.message {
                // The same rule as a pledge's message: line feeds are the donor's own.
                self.text_lines(&f("message"), m, false, crate::api::MESSAGE_MAX_CHARS as u32, true);
            }
            if let Some(a) = p.amount_cents {
                self.amount(&f("amount_cents"), a);
            }
            self.timestamp(&f("at"), &p.at);
        }

        self.list_len("history", d.history.len(), MAX_HISTORY);
        let mut previous: Option<(Date, i64)> = None;
        for (i, h) in d.history.iter().enumerate() {
            let date = Date::parse(&h.date);
            if date.is_none() {
                self.err(format!("history[{i}].date"), Problem::Format { expected: "a date YYYY-MM-DD".into() });
            }
            let ok = self.amount(&format!("history[{i}].pledged_cents"), h.pledged_cents);
            if let (Some(date), true) = (date, ok) {
                if let Some((pd, pc)) = previous {
                    if date <= pd {
                        self.err(
                            format!("history[{i}].date"),
                            Problem::Inconsistent { with: format!("history[{}].date", i - 1) },
                        );
                    } else if h.pledged_cents < pc {
                        self.err(
                            format!("history[{i}].pledged_cents"),
                            Problem::Inconsistent { with: format!("history[{}].pledged_cents", i - 1) },
                        );
                    }
                }
                previous = Some((date, h.pledged_cents));
            }
        }

        self.url("links.pledge", &d.links.pledge);
        self.url("links.page", &d.links.page);
        self.url("links.events", &d.links.events);

        if let Some(p) = &d.pot {
            self.errors.extend(pot_state_problems(p));
            self.text("pot.name", &p.name, true, MAX_TEXT_CHARS);
            self.text("pot.programme", &p.programme, true, MAX_TEXT_CHARS);
            self.list_len("pot.funders", p.funders.len(), crate::pot::MAX_FUNDERS);
            for (i, f) in p.funders.iter().enumerate() {
                self.text(&format!("pot.funders[{i}].name"), &f.name, true, MAX_TEXT_CHARS);
                self.amount(&format!("pot.funders[{i}].amount_cents"), f.amount_cents);
            }
        }
        if let Some(g) = &d.group {
            use crate::participants::{Handle, APPEAL_MAX_CHARS, DISPLAY_NAME_MAX_CHARS, MAX_PARTICIPANTS};
            self.errors.extend(crate::participants::group_problems(g));
            self.list_len("group.listed", g.listed.len(), MAX_PARTICIPANTS);
            for (i, p) in g.listed.iter().enumerate() {
                if let Err(problem) = Handle::parse(&p.handle) {
                    self.err(format!("group.listed[{i}].handle"), problem);
                }
                self.text(&format!("group.listed[{i}].name"), &p.name, true, DISPLAY_NAME_MAX_CHARS);
                if let Some(a) = &p.appeal {
                    self.text_lines(&format!("group.listed[{i}].appeal"), a, false, APPEAL_MAX_CHARS, true);
                }
            }
        }
        if let Some(t) = &d.in_kind {
            self.errors.extend(crate::in_kind::totals_problems(t));
        }
    }
}

#[cfg(test)]
mod stakeholder_tests {
    use super::*;

    #[test]
    fn a_stakeholder_is_checked_on_its_own_with_its_own_field_names() {
        let good = Stakeholder {
            name: "Gemeente Utrecht".into(),
            kind: StakeholderKind::Municipality,
            status: StakeholderStatus::Conditional,
            amount_cents: 1_200_000,
            url: None,
            condition: Some("als de crowd € 10.000 haalt".into()),
            match_: Some(MatchOffer { ratio_bps: 5000, cap_cents: 600_000 }),
            rules: Vec::new(),
            evaluation: None,
        };
        assert_eq!(validate_stakeholder(&good), Ok(()));
        let bad = Stakeholder {
            name: " ".into(),
            amount_cents: -1,
            url: Some("javascript:alert(1)".into()),
            match_: Some(MatchOffer { ratio_bps: 0, cap_cents: 10 }),
            ..good
        };
        let fields: Vec<_> =
            validate_stakeholder(&bad).unwrap_err().into_iter().map(|e| (e.field, e.problem.code())).collect();
        assert_eq!(
            fields,
            [
                ("name".to_owned(), "required"),
                ("amount_cents".to_owned(), "negative"),
                ("url".to_owned(), "format"),
                ("match.ratio_bps".to_owned(), "out_of_range"),
            ]
        );
    }
}
