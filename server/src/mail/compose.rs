//! The donor's messages in Dutch and English, as plain text and HTML (maud escapes
//! every value). Transfer details are written exactly as the widget shows them
//! (`cofund_core::payment`): the amount as a banking app takes it, the IBAN in groups of
//! four, the reference.

use crate::domain::mail::MessageKind;
use crate::domain::CohortDefinition;
use crate::storage::PledgeRow;
use cofund_core::payment::{group_iban, transfer_amount};
use maud::{html, Markup, DOCTYPE};

/// Longest subject written; longer ones are cut (ending in `…`).
pub const MAX_SUBJECT_CHARS: usize = 150;

/// A composed message.
#[derive(Debug, Clone, PartialEq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One line of text: control characters (CR, LF, tabs) become spaces, runs of spaces
/// one, at most `max` characters. Whatever a donor or coordinator typed, it cannot
/// start a new header or line.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut space = false;
    for c in s.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' {
            if space || out.is_empty() {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        out.push(c);
    }
    let out = out.trim_end().to_owned();
    if out.chars().count() > max {
        let cut: String = out.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        out
    }
}

struct Words {
    en: bool,
}

impl Words {
    fn t<'a>(&self, nl: &'a str, en: &'a str) -> &'a str {
        if self.en {
            en
        } else {
            nl
        }
    }
    fn donor_label(&self) -> &'static str {
        self.t(
            "Je gegevens, giftenoverzicht (ANBI) of gegevens wissen",
            "Your data, gift statement (ANBI) or erasing your data",
        )
    }
    fn money(&self, cents: i64) -> String {
        cofund_core::amount::display_euros(cents, self.en)
    }
}

/// Composes `kind` for `pledge` of `cohort` in `locale` (`nl-NL` or `en-GB`).
pub fn compose(
    kind: MessageKind,
    locale: &str,
    cohort: &CohortDefinition,
    pledge: &PledgeRow,
    unsubscribe_url: &str,
    donor_url: &str,
) -> Composed {
    let w = Words { en: locale.starts_with("en") };
    let cohort_name = one_line(&cohort.name, 200);
    let programme = one_line(&cohort.programme.name, 200);
    let greeting = match pledge.name.as_deref().map(|n| one_line(n, 100)).filter(|n| !n.is_empty()) {
        Some(name) => format!("{} {name},", w.t("Beste", "Dear")),
        None => w.t("Beste donateur,", "Dear supporter,").to_owned(),
    };
    let amount = w.money(pledge.amount_cents);
    let payment = cohort.payment.as_ref();
    let iban = payment.map(|p| group_iban(&p.iban)).unwrap_or_default();
    let holder = payment.map(|p| one_line(&p.account_holder, 200)).unwrap_or_default();
    let transfer_amount_value = transfer_amount(pledge.amount_cents, if w.en { '.' } else { ',' });
    let (subject, intro, outro): (String, String, String) = match kind {
        MessageKind::Confirmation => (
            format!("{} {cohort_name}", w.t("Bedankt voor je toezegging aan", "Thank you for your pledge to")),
            format!(
                "{} {amount} {} {cohort_name}. {}",
                w.t("Bedankt voor je toezegging van", "Thank you for pledging"),
                w.t("aan", "to"),
                w.t("Maak het bedrag over met deze gegevens:", "Please transfer the amount with these details:")
            ),
            w.t(
                "Vermeld het kenmerk precies zo, dan weten we dat het geld van jou komt.",
                "Use the reference exactly as shown, so we know the money is yours.",
            )
            .to_owned(),
        ),
        MessageKind::Reminder => (
            format!("{} {cohort_name}", w.t("Herinnering: je toezegging aan", "Reminder: your pledge to")),
            format!(
                "{} {amount} {} {cohort_name} {}",
                w.t("We hebben je toezegging van", "We have not yet received your pledge of"),
                w.t("aan", "to"),
                w.t(
                    "nog niet ontvangen. Heb je het al overgemaakt, dan kruist deze mail dat. Anders kan het met deze gegevens:",
                    "(if you transferred it already, this message crossed it). You can transfer it with these details:"
                )
            ),
            w.t(
                "Wil je toch niet doneren? Beantwoord dan deze mail, dan nemen we je toezegging terug.",
                "Changed your mind? Reply to this message and we will cancel your pledge.",
            )
            .to_owned(),
        ),
        MessageKind::News => unreachable!("news is composed by compose_news"),
        MessageKind::ThankYou => (
            format!("{} {cohort_name}", w.t("Ontvangen: je bijdrage aan", "Received: your gift to")),
            format!(
                "{} {amount} {} {cohort_name} {}",
                w.t("We hebben je bijdrage van", "We have received your gift of"),
                w.t("aan", "to"),
                w.t("ontvangen. Dank je wel!", "— thank you!")
            ),
            w.t(
                "Dankzij jou komt het cohort dichter bij zijn doel.",
                "Thanks to you the cohort is closer to its target.",
            )
            .to_owned(),
        ),
    };
    let subject = one_line(&subject, MAX_SUBJECT_CHARS);
    let with_details = kind != MessageKind::ThankYou && payment.is_some();
    let details: Vec<(&str, String)> = if with_details {
        vec![
            (w.t("Bedrag", "Amount"), transfer_amount_value.clone()),
            ("IBAN", iban.clone()),
            (w.t("Ten name van", "Account holder"), holder.clone()),
            (w.t("Kenmerk", "Reference"), pledge.reference.clone()),
        ]
    } else {
        vec![(w.t("Kenmerk", "Reference"), pledge.reference.clone())]
    };
    let footer = format!(
        "{} {programme}. {}",
        w.t(
            "Je ontvangt dit bericht omdat je een toezegging deed via",
            "You receive this message because you pledged through"
        ),
        w.t("Geen herinneringen en nieuws meer?", "No more reminders and news?")
    );
    let unsubscribe_label = w.t("Afmelden", "Unsubscribe");
    // The cohort's own note on paying (e.g. about the reference), with the transfer details.
    let note = payment
        .and_then(|p| p.note.as_deref())
        .filter(|_| with_details)
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());

    let mut text = format!("{greeting}\n\n{intro}\n\n");
    for (label, value) in &details {
        text.push_str(&format!("  {label}: {value}\n"));
    }
    if let Some(n) = &note {
        text.push_str(&format!("\n{n}\n"));
    }
    text.push_str(&format!(
        "\n{outro}\n\n{}\n{programme}\n\n-- \n{footer}\n{unsubscribe_label}: {unsubscribe_url}\n{}: {donor_url}\n",
        w.t("Groet,", "Kind regards,"),
        w.donor_label()
    ));

    let markup: Markup = html! {
        (DOCTYPE)
        html lang=(if w.en { "en" } else { "nl" }) {
            head { meta charset="utf-8"; title { (subject) } }
            body style="font-family: system-ui, sans-serif; color: #1a1a1a; max-width: 40rem; margin: 0 auto; padding: 1rem;" {
                p { (greeting) }
                p { (intro) }
                table role="presentation" style="border-collapse: collapse; margin: 1rem 0;" {
                    @for (label, value) in &details {
                        tr {
                            th scope="row" style="text-align: left; padding: 0.25rem 1rem 0.25rem 0; font-weight: normal; color: #555;" { (label) }
                            td style="padding: 0.25rem 0; font-weight: bold; font-family: ui-monospace, monospace;" { (value) }
                        }
                    }
                }
                @if let Some(n) = &note { p { (n) } }
                p { (outro) }
                p { (w.t("Groet,", "Kind regards,")) br; (programme) }
                hr;
                p style="font-size: 0.875rem; color: #555;" { (footer) " " a href=(unsubscribe_url) { (unsubscribe_label) } }
                p style="font-size: 0.875rem; color: #555;" { a href=(donor_url) { (w.donor_label()) } }
            }
        }
    };
    Composed { subject, text, html: markup.into_string() }
}

/// What a news message says.
#[derive(Debug, Clone, PartialEq)]
pub enum NewsContent {
    /// The crowd reached its target.
    TargetReached { pledged_cents: i64, target_cents: i64, backers: i64 },
    /// The campaign closed, with its result.
    Closed { pledged_cents: i64, target_cents: i64, backers: i64, target_met: bool },
    /// Written by the coordinator: a subject and plain text (paragraphs split by blank lines).
    Update { subject: String, body: String },
}

/// Composes a news message of `cohort` in `locale`, greeting `name` if given.
pub fn compose_news(
    content: &NewsContent,
    locale: &str,
    cohort: &CohortDefinition,
    name: Option<&str>,
    unsubscribe_url: &str,
    donor_url: &str,
) -> Composed {
    let w = Words { en: locale.starts_with("en") };
    let cohort_name = one_line(&cohort.name, 200);
    let programme = one_line(&cohort.programme.name, 200);
    let greeting = match name.map(|n| one_line(n, 100)).filter(|n| !n.is_empty()) {
        Some(name) => format!("{} {name},", w.t("Beste", "Dear")),
        None => w.t("Beste donateur,", "Dear supporter,").to_owned(),
    };
    let (subject, paragraphs): (String, Vec<String>) = match content {
        NewsContent::TargetReached { pledged_cents, target_cents, backers } => (
            format!("{} {cohort_name}", w.t("Doel bereikt:", "Target reached:")),
            vec![
                format!(
                    "{} {cohort_name} {} {} {} {} {} {backers} {}",
                    w.t("Het crowdfundingdoel van", "The crowdfunding target of"),
                    w.t("is bereikt:", "has been reached:"),
                    w.money(*pledged_cents),
                    w.t("toegezegd, van een doel van", "pledged, of a target of"),
                    w.money(*target_cents),
                    w.t("door", "by"),
                    w.t("donateurs.", "supporters.")
                ),
                w.t(
                    "Dank je wel dat jij een van hen bent. Heb je je toezegging nog niet overgemaakt, dan kan dat nog steeds.",
                    "Thank you for being one of them. If you have not transferred your pledge yet, you still can.",
                )
                .to_owned(),
            ],
        ),
        NewsContent::Closed { pledged_cents, target_cents, backers, target_met } => (
            format!("{} {cohort_name}", w.t("Campagne gesloten:", "Campaign closed:")),
            vec![
                format!(
                    "{} {cohort_name} {} {} {} {} {} {backers} {}",
                    w.t("De campagne van", "The campaign of"),
                    w.t("is gesloten. Resultaat:", "has closed. Result:"),
                    w.money(*pledged_cents),
                    w.t("toegezegd, van een doel van", "pledged, of a target of"),
                    w.money(*target_cents),
                    w.t("door", "by"),
                    w.t("donateurs.", "supporters.")
                ),
                if *target_met {
                    w.t("Het doel is gehaald. Dank je wel!", "The target was met. Thank you!").to_owned()
                } else {
                    w.t(
                        "Het doel is niet helemaal gehaald; de organisatie laat weten wat er met de toezeggingen gebeurt.",
                        "The target was not quite met; the organisation will let you know what happens with the pledges.",
                    )
                    .to_owned()
                },
            ],
        ),
        NewsContent::Update { subject, body } => (
            format!("{cohort_name}: {}", one_line(subject, MAX_SUBJECT_CHARS)),
            body.replace("\r\n", "\n")
                .split("\n\n")
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect(),
        ),
    };
    let subject = one_line(&subject, MAX_SUBJECT_CHARS);
    let footer = format!(
        "{} {cohort_name} {} {programme}.",
        w.t("Je ontvangt dit nieuws omdat je bij je toezegging aan", "You receive this news because, pledging to"),
        w.t("om nieuws vroeg, via", "you asked for news, through")
    );
    let unsubscribe_label = w.t("Afmelden", "Unsubscribe");
    let mut text = format!("{greeting}\n\n");
    for p in &paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "{}\n{programme}\n\n-- \n{footer}\n{unsubscribe_label}: {unsubscribe_url}\n{}: {donor_url}\n",
        w.t("Groet,", "Kind regards,"),
        w.donor_label()
    ));
    let markup: Markup = html! {
        (DOCTYPE)
        html lang=(if w.en { "en" } else { "nl" }) {
            head { meta charset="utf-8"; title { (subject) } }
            body style="font-family: system-ui, sans-serif; color: #1a1a1a; max-width: 40rem; margin: 0 auto; padding: 1rem;" {
                p { (greeting) }
                @for p in &paragraphs {
                    p style="white-space: pre-line;" { (p) }
                }
                p { (w.t("Groet,", "Kind regards,")) br; (programme) }
                hr;
                p style="font-size: 0.875rem; color: #555;" { (footer) " " a href=(unsubscribe_url) { (unsubscribe_label) } }
                p style="font-size: 0.875rem; color: #555;" { a href=(donor_url) { (w.donor_label()) } }
            }
        }
    };
    Composed { subject, text, html: markup.into_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_neutralises_line_breaks_and_cuts() {
        assert_eq!(one_line("Fatima\r\nBcc: x@evil.nl", 100), "Fatima Bcc: x@evil.nl");
        assert_eq!(one_line("  a \t\t b  ", 100), "a b");
        let long = one_line(&"x".repeat(500), 150);
        assert_eq!(long.chars().count(), 150);
        assert!(long.ends_with('…'));
    }
}
