//! Every text the widget shows, in Dutch (the default) and British English: its own
//! here ([`Say`]), those the dashboard shows too in `cofund-l10n` (on [`Locale`]).
//! Amounts, numbers and dates are formatted by [`crate::format`] through `Intl`.

use cofund_core::{Basis, Rule, RuleEvaluation, RuleState};

pub use cofund_l10n::Locale;

/// The widget's texts in the [`Locale`]'s language (the locale itself, its tag and the
/// shared texts live in `cofund-l10n`).
pub trait Say: Copy {
    /// The fixed texts of this locale.
    fn t(self) -> &'static Texts;

    fn backers(self, n: &str, count: i64) -> String;

    /// "€ 17.450,50 of € 30.000 raised": the crowd bar's spoken value.
    fn raised_of(self, pledged: &str, target: &str, percent: &str) -> String;

    fn of_target(self, target: &str) -> String;

    fn received_part(self, received: &str) -> String;

    fn share_of_budget(self, share: &str, percent: &str) -> String;

    fn match_line(self, per_euro: &str, unlocked: &str, cap: &str) -> String;

    /// One stakeholder rule (contract 1.1) in plain words, and its live state from the
    /// document's evaluation (computed by `cofund-core` on the server, not here).
    fn rule_words(self, rule: &Rule, eval: Option<&RuleEvaluation>, f: &Formats) -> RuleWords;

    fn met_on(self, date: Option<String>) -> String;

    fn state_unknown(self) -> &'static str;

    /// The pledge form's preview of what a stakeholder's match adds to the amount typed.
    fn match_preview(self, name: &str, amount: &str, together: &str, doubled: bool, left: Option<&str>) -> String;

    fn gap(self, amount: &str) -> String;

    fn history_label(self, from: &str, from_date: &str, to: &str, to_date: &str) -> String;

    fn amount_range(self, min: &str, max: &str) -> String;

    fn chars_left(self, left: i64) -> String;

    fn http_error(self, status: u16) -> String;

    fn schema_error(self, found: Option<&str>) -> String;

    fn opens_on(self, date: &str) -> String;

    fn message_too_long(self, max: u32) -> String;

    fn name_too_long(self, max: u32) -> String;

    /// The summary of the collapsed stakeholder list.
    fn show_stakeholders(self, n: usize, total: &str) -> String;

    /// The summary of the collapsed list of initiatives.
    fn show_initiatives(self, n: usize) -> String;

    /// The summary of the collapsed list of recent pledges.
    fn show_recent(self, n: usize) -> String;

    /// The accessible name of a copy button: "Kopieer IBAN", then "IBAN gekopieerd"
    /// (each contains the button's visible text).
    fn copy_label(self, what: &str, copied: bool) -> String;

    /// What the live region says after a copy button was used.
    fn copy_outcome(self, what: &str, copied: bool) -> String;

    fn thanks_named(self, name: &str) -> String;

    fn programme_kicker(self) -> &'static str;

    fn programme_totals_heading(self) -> &'static str;

    fn cohorts_heading(self) -> &'static str;

    fn cohort_count(self, n: i64) -> String;

    fn own_contributions_total(self, received: &str, target: &str) -> String;

    fn stakeholders_total(self, total: &str) -> String;

    fn received_total(self, total: &str) -> String;

    fn no_cohorts(self) -> &'static str;

    /// "Nog € 4.000 van € 10.000 in de pot".
    fn pot_left(self, left: &str, pot: &str) -> String;

    fn pot_empty(self) -> &'static str;

    fn pot_funded_by(self, names: &str) -> String;

    /// The pot's match rule: "Elke euro van de crowd maakt € 1 uit de pot vrij, tot € 25 per gift".
    fn pot_rule(self, per_euro: &str, cap_per_gift: Option<&str>) -> String;

    /// What the pot gave the cohort whose widget this is.
    fn pot_added_here(self, added: &str) -> String;

    /// What the pot gave one cohort.
    fn pot_added(self, added: &str) -> String;

    /// The pledge form's preview of the pot: "De pot van Starters4Communities voegt € 25 toe".
    fn pot_preview(self, programme: &str, adds: &str, left_after: &str) -> String;

    fn impact_heading(self) -> &'static str;

    fn impact_source(self, date: &str, source: &str) -> String;

    /// Cohort entries the document had but that could not be read.
    fn cohorts_skipped(self, n: usize) -> String;
}

impl Say for Locale {
    fn t(self) -> &'static Texts {
        match self {
            Locale::Nl => &NL,
            Locale::En => &EN,
        }
    }

    fn backers(self, n: &str, count: i64) -> String {
        match (self, count == 1) {
            (Locale::Nl, true) => format!("{n} donateur"),
            (Locale::Nl, false) => format!("{n} donateurs"),
            (Locale::En, true) => format!("{n} backer"),
            (Locale::En, false) => format!("{n} backers"),
        }
    }

    fn raised_of(self, pledged: &str, target: &str, percent: &str) -> String {
        match self {
            Locale::Nl => format!("{pledged} van {target} toegezegd, {percent}"),
            Locale::En => format!("{pledged} of {target} pledged, {percent}"),
        }
    }

    fn of_target(self, target: &str) -> String {
        match self {
            Locale::Nl => format!("van {target} doel"),
            Locale::En => format!("of {target} target"),
        }
    }

    fn received_part(self, received: &str) -> String {
        match self {
            Locale::Nl => format!("waarvan {received} ontvangen"),
            Locale::En => format!("{received} of it received"),
        }
    }

    fn share_of_budget(self, share: &str, percent: &str) -> String {
        match self {
            Locale::Nl => format!("aandeel {share} ({percent} van de begroting)"),
            Locale::En => format!("share {share} ({percent} of the budget)"),
        }
    }

    fn match_line(self, per_euro: &str, unlocked: &str, cap: &str) -> String {
        match self {
            Locale::Nl => format!("Elke euro van de crowd maakt {per_euro} vrij: {unlocked} van {cap} vrijgemaakt"),
            Locale::En => format!("Each crowd euro unlocks {per_euro}: {unlocked} of {cap} unlocked"),
        }
    }

    fn rule_words(self, rule: &Rule, eval: Option<&RuleEvaluation>, f: &Formats) -> RuleWords {
        let nl = self == Locale::Nl;
        let eval = eval.filter(|e| e.state != RuleState::Unknown);
        match rule {
            Rule::Match(m) => {
                let mut text = if m.ratio_bps == 10_000 {
                    (if nl { "Verdubbelt elke euro van de crowd" } else { "Doubles every crowd euro" }).to_owned()
                } else {
                    let per_euro = (f.money)(m.ratio_bps / 100);
                    if nl {
                        format!("Elke euro van de crowd maakt {per_euro} vrij")
                    } else {
                        format!("Each crowd euro unlocks {per_euro}")
                    }
                };
                if m.basis == Basis::Received {
                    text.push_str(if nl { " zodra die binnen is" } else { " once it has arrived" });
                }
                let caps = [
                    (m.cap_per_gift_cents, "per gift"),
                    (m.cap_per_donor_cents, if nl { "per donateur" } else { "per donor" }),
                    (m.cap_cents, if nl { "in totaal" } else { "in total" }),
                ];
                for (cap, what) in caps {
                    if let Some(c) = cap {
                        text.push_str(&format!("{} {} {what}", if nl { ", tot" } else { ", up to" }, (f.money)(c)));
                    }
                }
                if m.first_gift_only {
                    text.push_str(if nl {
                        ", alleen de eerste gift van elke donateur"
                    } else {
                        ", only each donor's first gift"
                    });
                }
                if let Some(from) = &m.from {
                    text.push_str(&format!("{} {}", if nl { ", vanaf" } else { ", from" }, (f.date)(from)));
                }
                if let Some(until) = &m.until {
                    text.push_str(&format!("{} {}", if nl { ", tot" } else { ", until" }, (f.date)(until)));
                }
                let state = eval.map(|e| {
                    let unlocked = (f.money)(e.unlocked_cents);
                    match (e.state, e.available_cents) {
                        (RuleState::Capped, _) => {
                            if nl {
                                format!("{unlocked} vrijgemaakt: het maximum is bereikt")
                            } else {
                                format!("{unlocked} unlocked: the cap is reached")
                            }
                        }
                        (RuleState::Ended, _) => {
                            if nl {
                                format!("Afgelopen: {unlocked} vrijgemaakt")
                            } else {
                                format!("Ended: {unlocked} unlocked")
                            }
                        }
                        (RuleState::NotYetOpen, _) => (if nl { "Begint later" } else { "Starts later" }).to_owned(),
                        (_, Some(a)) => {
                            let a = (f.money)(a);
                            if nl {
                                format!("{unlocked} vrijgemaakt, nog {a} beschikbaar")
                            } else {
                                format!("{unlocked} unlocked, {a} still available")
                            }
                        }
                        (_, None) => {
                            if nl {
                                format!("{unlocked} vrijgemaakt")
                            } else {
                                format!("{unlocked} unlocked")
                            }
                        }
                    }
                });
                RuleWords { rule: text, state: state.or_else(|| Some(self.state_unknown().to_owned())) }
            }
            Rule::Trigger(t) => {
                let share = t.share_of_target_bps.map(|bps| match (bps, nl) {
                    (5000, true) => "de helft van het doel".to_owned(),
                    (5000, false) => "half of its target".to_owned(),
                    (_, true) => format!("{} van het doel", (f.percent)(bps / 100)),
                    (_, false) => format!("{} of its target", (f.percent)(bps / 100)),
                });
                let backers = t.backers.map(|n| if nl { format!("{n} donateurs") } else { format!("{n} backers") });
                let condition = match (share, backers) {
                    (Some(s), Some(b)) => format!("{s} {} {b}", if nl { "en" } else { "and" }),
                    (Some(x), None) | (None, Some(x)) => x,
                    (None, None) => String::new(),
                };
                let amount = (f.money)(t.amount_cents);
                let mut text = if nl {
                    format!("{amount} zodra de crowd {condition} heeft")
                } else {
                    format!("{amount} once the crowd has {condition}")
                };
                if let Some(by) = &t.by {
                    text.push_str(&format!(" ({} {})", if nl { "vóór" } else { "by" }, (f.date)(by)));
                }
                let state = eval.map(|e| match e.state {
                    RuleState::Met => self.met_on(e.met_at.as_deref().map(|d| (f.date)(d))),
                    RuleState::Expired => {
                        (if nl { "Niet op tijd gehaald: vervallen" } else { "Not met in time: lapsed" }).to_owned()
                    }
                    _ => {
                        let mut parts = Vec::new();
                        if let (Some(p), Some(need)) = (e.progress_bps, t.share_of_target_bps) {
                            parts.push(format!(
                                "{} {} {}",
                                (f.percent)(p / 100),
                                if nl { "van" } else { "of" },
                                (f.percent)(need / 100)
                            ));
                        }
                        if let (Some(b), Some(need)) = (e.backers, t.backers) {
                            parts.push(if nl {
                                format!("{b} van {need} donateurs")
                            } else {
                                format!("{b} of {need} backers")
                            });
                        }
                        format!("{}{}", if nl { "Wacht: nu " } else { "Waiting: now " }, parts.join(", "))
                    }
                });
                RuleWords { rule: text, state: state.or_else(|| Some(self.state_unknown().to_owned())) }
            }
            Rule::AllOrNothing => {
                let text = if nl {
                    "Alleen als de crowd bij de sluiting het doel haalt"
                } else {
                    "Only if the crowd meets its target by the close"
                };
                let state = eval.map(|e| match e.state {
                    RuleState::Met => self.met_on(e.met_at.as_deref().map(|d| (f.date)(d))),
                    RuleState::Expired => (if nl {
                        "Doel niet gehaald: deze toezegging vervalt"
                    } else {
                        "Target missed: this commitment lapses"
                    })
                    .to_owned(),
                    _ => {
                        let p = (f.percent)(e.progress_bps.unwrap_or(0) / 100);
                        if nl {
                            format!("Nog niet gehaald: {p} van het doel")
                        } else {
                            format!("Not met yet: {p} of the target")
                        }
                    }
                });
                RuleWords { rule: text.to_owned(), state: state.or_else(|| Some(self.state_unknown().to_owned())) }
            }
            Rule::Unreadable(_) => RuleWords {
                rule: (if nl {
                    "Een voorwaarde die we niet kunnen berekenen"
                } else {
                    "A condition we cannot compute"
                })
                .to_owned(),
                state: None,
            },
        }
    }

    fn met_on(self, date: Option<String>) -> String {
        match (self, date) {
            (Locale::Nl, Some(d)) => format!("Gehaald op {d}"),
            (Locale::Nl, None) => "Gehaald".to_owned(),
            (Locale::En, Some(d)) => format!("Met on {d}"),
            (Locale::En, None) => "Met".to_owned(),
        }
    }

    fn state_unknown(self) -> &'static str {
        match self {
            Locale::Nl => "Stand onbekend",
            Locale::En => "State unknown",
        }
    }

    fn match_preview(self, name: &str, amount: &str, together: &str, doubled: bool, left: Option<&str>) -> String {
        let mut text = match (self, doubled) {
            (Locale::Nl, true) => format!("Met de verdubbeling van {name} wordt je {amount} samen {together}"),
            (Locale::Nl, false) => format!("Met de bijdrage van {name} wordt je {amount} samen {together}"),
            (Locale::En, true) => format!("With {name} doubling it, your {amount} becomes {together}"),
            (Locale::En, false) => format!("With {name} matching it, your {amount} becomes {together}"),
        };
        if let Some(left) = left {
            text.push_str(&match self {
                Locale::Nl => format!(" (daarna nog {left} beschikbaar)"),
                Locale::En => format!(" ({left} still available after that)"),
            });
        }
        text
    }

    fn gap(self, amount: &str) -> String {
        match self {
            Locale::Nl => format!("Nog te vinden: {amount}"),
            Locale::En => format!("Still to find: {amount}"),
        }
    }

    fn history_label(self, from: &str, from_date: &str, to: &str, to_date: &str) -> String {
        match self {
            Locale::Nl => format!("Verloop van de toezeggingen: van {from} op {from_date} naar {to} op {to_date}"),
            Locale::En => format!("Pledges over time: from {from} on {from_date} to {to} on {to_date}"),
        }
    }

    fn amount_range(self, min: &str, max: &str) -> String {
        match self {
            Locale::Nl => format!("Kies een bedrag van {min} tot en met {max}."),
            Locale::En => format!("Choose an amount from {min} up to {max}."),
        }
    }

    fn chars_left(self, left: i64) -> String {
        match self {
            Locale::Nl => format!("Nog {left} tekens"),
            Locale::En => format!("{left} characters left"),
        }
    }

    fn http_error(self, status: u16) -> String {
        match (self, status) {
            (Locale::Nl, 404) => {
                "Dit cohort is niet gevonden (fout 404). Controleer het adres van het document.".into()
            }
            (Locale::En, 404) => "This cohort was not found (error 404). Check the document address.".into(),
            (Locale::Nl, s) => format!("De server antwoordde met fout {s}."),
            (Locale::En, s) => format!("The server answered with error {s}."),
        }
    }

    fn schema_error(self, found: Option<&str>) -> String {
        let expected = cofund_core::SCHEMA_V1;
        match (self, found) {
            (Locale::Nl, Some(f)) => {
                format!("Dit document gebruikt schema {f}; deze widget leest {expected}. Werk de widget bij.")
            }
            (Locale::En, Some(f)) => {
                format!("This document uses schema {f}; this widget reads {expected}. Please update the widget.")
            }
            (Locale::Nl, None) => {
                format!("Dit is geen Cofund-document: het veld schema met waarde {expected} ontbreekt.")
            }
            (Locale::En, None) => {
                format!("This is not a Cofund document: the schema field with value {expected} is missing.")
            }
        }
    }

    fn opens_on(self, date: &str) -> String {
        match self {
            Locale::Nl => format!("Steunen kan vanaf {date}."),
            Locale::En => format!("You can pledge from {date}."),
        }
    }

    fn message_too_long(self, max: u32) -> String {
        match self {
            Locale::Nl => format!("Je bericht is te lang: hoogstens {max} tekens."),
            Locale::En => format!("Your message is too long: at most {max} characters."),
        }
    }

    fn name_too_long(self, max: u32) -> String {
        match self {
            Locale::Nl => format!("Je naam is te lang: hoogstens {max} tekens."),
            Locale::En => format!("Your name is too long: at most {max} characters."),
        }
    }

    fn show_stakeholders(self, n: usize, total: &str) -> String {
        match (self, n) {
            (Locale::Nl, 1) => format!("Toon de belanghebbende ({total})"),
            (Locale::Nl, n) => format!("Toon de {n} belanghebbenden (samen {total})"),
            (Locale::En, 1) => format!("Show the stakeholder ({total})"),
            (Locale::En, n) => format!("Show the {n} stakeholders ({total} in total)"),
        }
    }

    fn show_initiatives(self, n: usize) -> String {
        match (self, n) {
            (Locale::Nl, 1) => "Toon het initiatief".into(),
            (Locale::Nl, n) => format!("Toon de {n} initiatieven"),
            (Locale::En, 1) => "Show the initiative".into(),
            (Locale::En, n) => format!("Show the {n} initiatives"),
        }
    }

    fn show_recent(self, n: usize) -> String {
        match (self, n) {
            (Locale::Nl, 1) => "Toon de laatste toezegging".into(),
            (Locale::Nl, n) => format!("Toon de laatste {n} toezeggingen"),
            (Locale::En, 1) => "Show the latest pledge".into(),
            (Locale::En, n) => format!("Show the latest {n} pledges"),
        }
    }

    fn copy_label(self, what: &str, copied: bool) -> String {
        match (self, copied) {
            (Locale::Nl, false) => format!("Kopieer {what}"),
            (Locale::Nl, true) => format!("{} gekopieerd", capitalised(what)),
            (Locale::En, false) => format!("Copy {what}"),
            (Locale::En, true) => format!("{} copied", capitalised(what)),
        }
    }

    fn copy_outcome(self, what: &str, copied: bool) -> String {
        match (self, copied) {
            (_, true) => self.copy_label(what, true),
            (Locale::Nl, false) => format!("Kopiëren lukte niet: {what} is geselecteerd, kopieer het zelf."),
            (Locale::En, false) => format!("Copying did not work: the {what} is selected, please copy it yourself."),
        }
    }

    fn thanks_named(self, name: &str) -> String {
        match self {
            Locale::Nl => format!("Dank je wel, {name}!"),
            Locale::En => format!("Thank you, {name}!"),
        }
    }

    fn programme_kicker(self) -> &'static str {
        self.pick("Programma", "Programme")
    }

    fn programme_totals_heading(self) -> &'static str {
        self.pick("Samen opgehaald door de crowd", "Raised by the crowd together")
    }

    fn cohorts_heading(self) -> &'static str {
        self.pick("Cohorten", "Cohorts")
    }

    fn cohort_count(self, n: i64) -> String {
        match (self, n) {
            (Locale::Nl, 1) => "1 cohort".into(),
            (Locale::Nl, n) => format!("{n} cohorten"),
            (Locale::En, 1) => "1 cohort".into(),
            (Locale::En, n) => format!("{n} cohorts"),
        }
    }

    fn own_contributions_total(self, received: &str, target: &str) -> String {
        match self {
            Locale::Nl => format!("Eigen bijdragen: {received} van {target}"),
            Locale::En => format!("Own contributions: {received} of {target}"),
        }
    }

    fn stakeholders_total(self, total: &str) -> String {
        match self {
            Locale::Nl => format!("Belanghebbenden: {total}"),
            Locale::En => format!("Stakeholders: {total}"),
        }
    }

    fn received_total(self, total: &str) -> String {
        match self {
            Locale::Nl => format!("Ontvangen: {total}"),
            Locale::En => format!("Received: {total}"),
        }
    }

    fn no_cohorts(self) -> &'static str {
        self.pick("Dit programma heeft nog geen cohorten.", "This programme has no cohorts yet.")
    }

    fn pot_left(self, left: &str, pot: &str) -> String {
        match self {
            Locale::Nl => format!("Nog {left} van {pot} in de pot"),
            Locale::En => format!("{left} of {pot} left in the pot"),
        }
    }

    fn pot_empty(self) -> &'static str {
        self.pick("De pot is leeg: er wordt niets meer bijgelegd.", "The pot is empty: nothing more is added.")
    }

    fn pot_funded_by(self, names: &str) -> String {
        match self {
            Locale::Nl => format!("Gevuld door {names}"),
            Locale::En => format!("Funded by {names}"),
        }
    }

    fn pot_rule(self, per_euro: &str, cap_per_gift: Option<&str>) -> String {
        let mut text = match self {
            Locale::Nl => format!("Elke euro van de crowd maakt {per_euro} uit de pot vrij"),
            Locale::En => format!("Each crowd euro unlocks {per_euro} from the pot"),
        };
        if let Some(cap) = cap_per_gift {
            text.push_str(&match self {
                Locale::Nl => format!(", tot {cap} per gift"),
                Locale::En => format!(", up to {cap} a gift"),
            });
        }
        text
    }

    fn pot_added_here(self, added: &str) -> String {
        match self {
            Locale::Nl => format!("De pot voegde {added} toe aan dit cohort"),
            Locale::En => format!("The pot added {added} to this cohort"),
        }
    }

    fn pot_added(self, added: &str) -> String {
        match self {
            Locale::Nl => format!("{added} uit de pot"),
            Locale::En => format!("{added} from the pot"),
        }
    }

    fn pot_preview(self, programme: &str, adds: &str, left_after: &str) -> String {
        match self {
            Locale::Nl => format!("De pot van {programme} voegt {adds} toe (daarna nog {left_after} in de pot)"),
            Locale::En => format!("The {programme} pot adds {adds} ({left_after} left in the pot after that)"),
        }
    }

    fn impact_heading(self) -> &'static str {
        self.pick("Impact", "Impact")
    }

    fn impact_source(self, date: &str, source: &str) -> String {
        match self {
            Locale::Nl => format!("Peildatum {date} · bron: {source}"),
            Locale::En => format!("As of {date} · source: {source}"),
        }
    }

    fn cohorts_skipped(self, n: usize) -> String {
        match (self, n) {
            (Locale::Nl, 1) => "1 cohort kon niet worden getoond.".into(),
            (Locale::Nl, n) => format!("{n} cohorten konden niet worden getoond."),
            (Locale::En, 1) => "1 cohort could not be shown.".into(),
            (Locale::En, n) => format!("{n} cohorts could not be shown."),
        }
    }
}

/// `bedrag` → `Bedrag`, for a noun that starts a sentence. ASCII only: the nouns are,
/// and Unicode case mapping would add its tables to the widget.
fn capitalised(word: &str) -> String {
    let mut s = word.to_owned();
    if let Some(first) = s.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    s
}

/// Fixed texts.
pub struct Texts {
    pub loading: &'static str,
    pub crowd_heading: &'static str,
    pub target_met: &'static str,
    pub budget_heading: &'static str,
    pub budget_total: &'static str,
    pub own_part: &'static str,
    pub crowd_part: &'static str,
    pub stakeholder_part: &'static str,
    pub stakeholders_heading: &'static str,
    pub own_heading: &'static str,
    pub initiatives_heading: &'static str,
    pub recent_heading: &'static str,
    pub anonymous: &'static str,
    pub condition: &'static str,
    pub no_pledges_yet: &'static str,
    pub error_heading: &'static str,
    pub error_network: &'static str,
    pub error_json: &'static str,
    pub error_invalid: &'static str,
    pub error_no_source: &'static str,
    pub retry: &'static str,
    pub retrying: &'static str,
    pub updated: &'static str,
    pub read_only: &'static str,
    pub programme_page: &'static str,
    pub fully_funded: &'static str,
    pub pledge_heading: &'static str,
    pub choose_amount: &'static str,
    pub other_amount: &'static str,
    pub other_amount_hint: &'static str,
    pub your_name: &'static str,
    pub show_name: &'static str,
    pub show_amount: &'static str,
    pub news: &'static str,
    pub email: &'static str,
    pub email_hint: &'static str,
    pub message: &'static str,
    pub consent: &'static str,
    pub honeypot: &'static str,
    pub submit: &'static str,
    pub sending: &'static str,
    pub thanks_heading: &'static str,
    pub thanks_body: &'static str,
    pub iban: &'static str,
    pub account_holder: &'static str,
    pub amount: &'static str,
    pub reference: &'static str,
    pub pledge_again: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub copy_amount_noun: &'static str,
    pub copy_reference_noun: &'static str,
    pub pay_ideal: &'static str,
    pub pay_ideal_again: &'static str,
    pub going_to_checkout: &'static str,
    pub open_checkout: &'static str,
    pub thanks_body_online: &'static str,
    pub transfer_instead: &'static str,
    pub payment_start_failed: &'static str,
    pub paid_heading: &'static str,
    pub paid_body: &'static str,
    pub pending_heading: &'static str,
    pub pending_body: &'static str,
    pub check_again: &'static str,
    pub failed_heading: &'static str,
    pub failed_body: &'static str,
    pub network_failed: &'static str,
    pub retry_send: &'static str,
    pub campaign_closed: &'static str,
    pub cohort_gone: &'static str,
    pub origin_refused: &'static str,
    pub server_failed: &'static str,
    pub err_email_required: &'static str,
    pub err_email_format: &'static str,
    pub err_name_required: &'static str,
    pub err_consent: &'static str,
    pub err_text_invalid: &'static str,
    pub err_form_rejected: &'static str,
    pub pledge_recorded_announcement: &'static str,
}

static NL: Texts = Texts {
    loading: "Gegevens van het cohort worden geladen…",
    crowd_heading: "Crowdfunding door het cohort",
    target_met: "Doel bereikt",
    budget_heading: "Zo wordt het programma betaald",
    budget_total: "Begroting",
    own_part: "Eigen bijdragen deelnemers",
    crowd_part: "Crowdfunding",
    stakeholder_part: "Belanghebbenden",
    stakeholders_heading: "Belanghebbenden die meefinancieren",
    own_heading: "Eigen bijdragen",
    initiatives_heading: "Bewonersinitiatieven die het cohort ondersteunt",
    recent_heading: "Recente steun",
    anonymous: "Anoniem",
    condition: "Voorwaarde",
    no_pledges_yet: "Nog geen toezeggingen. Wees de eerste!",
    error_heading: "De financiering kan niet worden getoond",
    error_network: "De gegevens konden niet worden geladen. Controleer je internetverbinding en probeer het opnieuw.",
    error_json: "Het document van dit cohort is geen geldige JSON.",
    error_invalid: "Het document van dit cohort bevat ongeldige gegevens:",
    error_no_source: "Er is geen document opgegeven: zet het adres in het attribuut data-cofund-src.",
    retry: "Opnieuw proberen",
    retrying: "Bezig met opnieuw laden…",
    updated: "Bijgewerkt op",
    read_only: "Steunen kan via de pagina van het programma.",
    programme_page: "Naar de pagina van het cohort",
    fully_funded: "Volledig gefinancierd",
    pledge_heading: "Steun het cohort",
    choose_amount: "Kies een bedrag",
    other_amount: "Ander bedrag in euro",
    other_amount_hint: "Bijvoorbeeld 25 of 25,50",
    your_name: "Je naam (niet verplicht)",
    show_name: "Toon mijn naam bij de recente steun",
    show_amount: "Toon mijn bedrag bij de recente steun",
    news: "Stuur me nieuws over dit cohort per e-mail (doel bereikt, campagne gesloten, updates)",
    email: "E-mailadres",
    email_hint: "Alleen voor de betaalgegevens en een bevestiging. Nooit openbaar.",
    message: "Bericht aan het cohort (niet verplicht)",
    consent: "Ik geef toestemming om mijn gegevens te gebruiken voor het afhandelen van deze toezegging.",
    honeypot: "Laat dit veld leeg",
    submit: "Toezeggen",
    sending: "Bezig met versturen…",
    thanks_heading: "Dank je wel!",
    thanks_body: "Je toezegging is genoteerd. Maak het bedrag over met deze gegevens:",
    iban: "IBAN",
    account_holder: "Ten name van",
    amount: "Bedrag",
    reference: "Omschrijving (kenmerk)",
    pledge_again: "Nog een toezegging doen",
    copy: "Kopieer",
    copied: "Gekopieerd",
    copy_amount_noun: "bedrag",
    copy_reference_noun: "kenmerk",
    pay_ideal: "Betaal nu met iDEAL",
    pay_ideal_again: "Opnieuw betalen met iDEAL",
    going_to_checkout: "Je gaat naar de betaalpagina…",
    open_checkout: "Open de betaalpagina",
    thanks_body_online: "Je toezegging is genoteerd. Betaal hem nu met iDEAL, of maak het bedrag zelf over.",
    transfer_instead: "Liever zelf overmaken? Gebruik deze gegevens:",
    payment_start_failed: "Online betalen lukt nu niet. Probeer het zo opnieuw, of maak het bedrag zelf over.",
    paid_heading: "Betaald, dank je wel!",
    paid_body: "Je betaling is ontvangen en telt mee in het ontvangen bedrag.",
    pending_heading: "Je betaling wordt nog verwerkt",
    pending_body: "Dat duurt meestal maar even. Je toezegging staat genoteerd.",
    check_again: "Opnieuw controleren",
    failed_heading: "De betaling is niet gelukt",
    failed_body: "Er is niets afgeschreven en je toezegging staat nog. Probeer het opnieuw, of maak het bedrag zelf over.",
    network_failed: "Je toezegging kon niet worden verstuurd: er is geen verbinding met de server. Alles wat je invulde staat er nog. Probeer het opnieuw.",
    retry_send: "Opnieuw versturen",
    campaign_closed: "De campagne is gesloten: er kunnen geen toezeggingen meer worden gedaan.",
    cohort_gone: "Dit cohort bestaat niet (meer): je toezegging is niet verwerkt.",
    origin_refused: "Deze website mag geen toezeggingen voor dit cohort doorgeven. Gebruik de pagina van het programma.",
    server_failed: "Er ging iets mis bij de server. Alles wat je invulde staat er nog; probeer het zo opnieuw.",
    err_email_required: "Vul je e-mailadres in.",
    err_email_format: "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
    err_name_required: "Vul je naam in, of zet ‘Toon mijn naam’ uit.",
    err_consent: "Geef toestemming om je toezegging te kunnen verwerken.",
    err_text_invalid: "Dit veld bevat tekens die niet zijn toegestaan.",
    err_form_rejected: "Het formulier kon niet worden verwerkt. Vernieuw de pagina en probeer het opnieuw.",
    pledge_recorded_announcement: "Je toezegging is ontvangen. De betaalgegevens staan hieronder.",
};

static EN: Texts = Texts {
    loading: "Loading the cohort's figures…",
    crowd_heading: "Crowdfunding by the cohort",
    target_met: "Target reached",
    budget_heading: "How the programme is funded",
    budget_total: "Budget",
    own_part: "Participants' own contributions",
    crowd_part: "Crowdfunding",
    stakeholder_part: "Stakeholders",
    stakeholders_heading: "Stakeholders co-funding the programme",
    own_heading: "Own contributions",
    initiatives_heading: "Neighbourhood initiatives the cohort supports",
    recent_heading: "Recent support",
    anonymous: "Anonymous",
    condition: "Condition",
    no_pledges_yet: "No pledges yet. Be the first!",
    error_heading: "The funding cannot be shown",
    error_network: "The figures could not be loaded. Check your internet connection and try again.",
    error_json: "This cohort's document is not valid JSON.",
    error_invalid: "This cohort's document contains invalid data:",
    error_no_source: "No document given: put its address in the data-cofund-src attribute.",
    retry: "Try again",
    retrying: "Loading again…",
    updated: "Updated on",
    read_only: "You can support the cohort through the programme's page.",
    programme_page: "Go to the cohort's page",
    fully_funded: "Fully funded",
    pledge_heading: "Support the cohort",
    choose_amount: "Choose an amount",
    other_amount: "Other amount in euros",
    other_amount_hint: "For example 25 or 25.50",
    your_name: "Your name (optional)",
    show_name: "Show my name with recent support",
    show_amount: "Show my amount with recent support",
    news: "Send me news about this cohort by e-mail (target reached, campaign closed, updates)",
    email: "Email address",
    email_hint: "Only for payment details and a confirmation. Never public.",
    message: "Message to the cohort (optional)",
    consent: "I agree that my details are used to handle this pledge.",
    honeypot: "Leave this field empty",
    submit: "Pledge",
    sending: "Sending…",
    thanks_heading: "Thank you!",
    thanks_body: "Your pledge has been recorded. Please transfer the amount with these details:",
    iban: "IBAN",
    account_holder: "Account holder",
    amount: "Amount",
    reference: "Reference",
    pledge_again: "Make another pledge",
    copy: "Copy",
    copied: "Copied",
    copy_amount_noun: "amount",
    copy_reference_noun: "reference",
    pay_ideal: "Pay now with iDEAL",
    pay_ideal_again: "Try iDEAL again",
    going_to_checkout: "Taking you to the payment page…",
    open_checkout: "Open the payment page",
    thanks_body_online: "Your pledge has been recorded. Pay it now with iDEAL, or transfer the amount yourself.",
    transfer_instead: "Rather transfer it yourself? Use these details:",
    payment_start_failed: "Online payment is not possible right now. Try again shortly, or transfer the amount yourself.",
    paid_heading: "Paid, thank you!",
    paid_body: "Your payment has arrived and counts towards the amount received.",
    pending_heading: "Your payment is still being processed",
    pending_body: "This usually takes a moment. Your pledge is recorded.",
    check_again: "Check again",
    failed_heading: "The payment did not go through",
    failed_body: "Nothing was charged and your pledge still stands. Try again, or transfer the amount yourself.",
    network_failed: "Your pledge could not be sent: there is no connection to the server. Everything you entered is still here. Please try again.",
    retry_send: "Send again",
    campaign_closed: "The campaign is closed: no more pledges can be made.",
    cohort_gone: "This cohort does not exist (any more): your pledge was not processed.",
    origin_refused: "This website may not take pledges for this cohort. Please use the programme's page.",
    server_failed: "Something went wrong on the server. Everything you entered is still here; please try again shortly.",
    err_email_required: "Enter your email address.",
    err_email_format: "Enter a valid email address, such as name@example.com.",
    err_name_required: "Enter your name, or untick ‘Show my name’.",
    err_consent: "Give your consent so we can process your pledge.",
    err_text_invalid: "This field contains characters that are not allowed.",
    err_form_rejected: "The form could not be processed. Reload the page and try again.",
    pledge_recorded_announcement: "Your pledge has been received. The payment details are below.",
};

/// How amounts, whole percentages and RFC 3339 dates are written: `Intl` in the
/// widget, plain closures in native tests.
pub struct Formats<'a> {
    pub money: &'a dyn Fn(i64) -> String,
    pub percent: &'a dyn Fn(i64) -> String,
    pub date: &'a dyn Fn(&str) -> String,
}

/// A rule in words and its state (`None`: nothing to tell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleWords {
    pub rule: String,
    pub state: Option<String>,
}

#[cfg(test)]
mod programme_texts {
    use super::{Locale, Say};

    #[test]
    fn counts_and_totals_in_both_languages() {
        assert_eq!(Locale::Nl.cohort_count(1), "1 cohort");
        assert_eq!(Locale::Nl.cohort_count(3), "3 cohorten");
        assert_eq!(Locale::En.cohort_count(3), "3 cohorts");
        assert_eq!(Locale::Nl.own_contributions_total("€ 10", "€ 20"), "Eigen bijdragen: € 10 van € 20");
        assert_eq!(Locale::En.cohorts_skipped(2), "2 cohorts could not be shown.");
        assert_eq!(
            Locale::Nl.pot_preview("Starters4Communities", "€ 25", "€ 975"),
            "De pot van Starters4Communities voegt € 25 toe (daarna nog € 975 in de pot)"
        );
        assert_eq!(Locale::En.pot_rule("£1", Some("£25")), "Each crowd euro unlocks £1 from the pot, up to £25 a gift");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(locale: Locale, rule: &str, eval: Option<&str>) -> RuleWords {
        let rule: Rule = serde_json::from_str(rule).unwrap();
        let eval: Option<RuleEvaluation> = eval.map(|e| serde_json::from_str(e).unwrap());
        let money =
            |c: i64| if c % 100 == 0 { format!("€ {}", c / 100) } else { format!("€ {}.{:02}", c / 100, c % 100) };
        let percent = |p: i64| format!("{p} %");
        let date = |d: &str| d[..10].to_owned();
        locale.rule_words(&rule, eval.as_ref(), &Formats { money: &money, percent: &percent, date: &date })
    }

    #[test]
    fn rules_in_plain_words_with_their_state() {
        let w = words(
            Locale::Nl,
            r#"{"kind":"trigger","amount_cents":1200000,"share_of_target_bps":5000}"#,
            Some(r#"{"state":"waiting","unlocked_cents":0,"available_cents":1200000,"progress_bps":4200}"#),
        );
        assert_eq!(w.rule, "€ 12000 zodra de crowd de helft van het doel heeft");
        assert_eq!(w.state.as_deref(), Some("Wacht: nu 42 % van 50 %"));
        let w = words(
            Locale::En,
            r#"{"kind":"trigger","amount_cents":1200000,"share_of_target_bps":2500,"backers":20,"by":"2027-04-01T00:00:00Z"}"#,
            Some(r#"{"state":"met","unlocked_cents":1200000,"met_at":"2027-03-05T10:00:00Z"}"#),
        );
        assert_eq!(w.rule, "€ 12000 once the crowd has 25 % of its target and 20 backers (by 2027-04-01)");
        assert_eq!(w.state.as_deref(), Some("Met on 2027-03-05"));
        let w = words(
            Locale::Nl,
            r#"{"kind":"match","ratio_bps":10000,"cap_per_gift_cents":10000,"cap_cents":500000}"#,
            Some(r#"{"state":"open","unlocked_cents":375000,"available_cents":125000}"#),
        );
        assert_eq!(w.rule, "Verdubbelt elke euro van de crowd, tot € 100 per gift, tot € 5000 in totaal");
        assert_eq!(w.state.as_deref(), Some("€ 3750 vrijgemaakt, nog € 1250 beschikbaar"));
        let w =
            words(Locale::En, r#"{"kind":"match","ratio_bps":5000,"basis":"received","first_gift_only":true}"#, None);
        assert_eq!(w.rule, "Each crowd euro unlocks € 0.50 once it has arrived, only each donor's first gift");
        assert_eq!(w.state.as_deref(), Some("State unknown"));
        let w = words(Locale::Nl, r#"{"kind":"all_or_nothing"}"#, Some(r#"{"state":"expired","unlocked_cents":0}"#));
        assert_eq!(w.state.as_deref(), Some("Doel niet gehaald: deze toezegging vervalt"));
        let w =
            words(Locale::Nl, r#"{"kind":"pot_share","pot":"x"}"#, Some(r#"{"state":"brand_new","unlocked_cents":0}"#));
        assert_eq!(w, RuleWords { rule: "Een voorwaarde die we niet kunnen berekenen".into(), state: None });
    }

    #[test]
    fn the_match_preview_says_what_the_gift_becomes() {
        assert_eq!(
            Locale::Nl.match_preview("Gemeente Utrecht", "€ 25", "€ 50", true, Some("€ 1.250")),
            "Met de verdubbeling van Gemeente Utrecht wordt je € 25 samen € 50 (daarna nog € 1.250 beschikbaar)"
        );
        assert_eq!(
            Locale::En.match_preview("Oranje Fonds", "€25", "€37.50", false, None),
            "With Oranje Fonds matching it, your €25 becomes €37.50"
        );
    }

    #[test]
    fn copy_button_names_contain_their_visible_text() {
        for locale in [Locale::Nl, Locale::En] {
            let t = locale.t();
            for what in [t.iban, t.copy_amount_noun, t.copy_reference_noun] {
                let idle = locale.copy_label(what, false).to_lowercase();
                let done = locale.copy_label(what, true).to_lowercase();
                assert!(idle.contains(&t.copy.to_lowercase()) && idle.contains(&what.to_lowercase()), "{idle}");
                assert!(done.contains(&t.copied.to_lowercase()) && done.contains(&what.to_lowercase()), "{done}");
            }
        }
        assert_eq!(Locale::Nl.copy_outcome("bedrag", true), "Bedrag gekopieerd");
    }
}
