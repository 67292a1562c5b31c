//! The texts both apps show: a campaign's phase, stakeholder kinds and statuses, own
//! contributions, field problems and amount input errors.

use crate::Locale;
use cofund_core::{AmountInputError, FieldError, Problem, StakeholderKind, StakeholderStatus};

impl Locale {
    pub fn days_left(self, days: i64) -> String {
        match (self, days) {
            (Locale::Nl, 1) => "Laatste dag".into(),
            (Locale::En, 1) => "Last day".into(),
            (Locale::Nl, d) => format!("Nog {d} dagen"),
            (Locale::En, d) => format!("{d} days left"),
        }
    }

    pub fn opens_in(self, days: i64, date: &str) -> String {
        match (self, days) {
            (Locale::Nl, 1) => format!("Opent morgen, {date}"),
            (Locale::En, 1) => format!("Opens tomorrow, {date}"),
            (Locale::Nl, d) => format!("Opent over {d} dagen, op {date}"),
            (Locale::En, d) => format!("Opens in {d} days, on {date}"),
        }
    }

    pub fn closed_on(self, date: &str) -> String {
        match self {
            Locale::Nl => format!("Campagne gesloten op {date}"),
            Locale::En => format!("Campaign closed on {date}"),
        }
    }

    pub fn participants_paid(self, paid: i64, total: i64, per: &str) -> String {
        match self {
            Locale::Nl => format!("{paid} van {total} deelnemers hebben hun eigen bijdrage van {per} betaald"),
            Locale::En => format!("{paid} of {total} participants have paid their own contribution of {per}"),
        }
    }

    pub fn fixed_plus_match(self, fixed: &str, matched: &str) -> String {
        match self {
            Locale::Nl => format!("{fixed} vast + {matched} verdubbeling"),
            Locale::En => format!("{fixed} fixed + {matched} matched"),
        }
    }

    pub fn surplus(self, amount: &str) -> String {
        match self {
            Locale::Nl => format!("Volledig gefinancierd, {amount} boven de begroting"),
            Locale::En => format!("Fully funded, {amount} above the budget"),
        }
    }

    pub fn conditional_note(self, amount: &str) -> String {
        match self {
            Locale::Nl => format!("waarvan {amount} onder voorwaarde"),
            Locale::En => format!("of which {amount} conditional"),
        }
    }

    pub fn status(self, s: StakeholderStatus) -> &'static str {
        match (self, s) {
            (Locale::Nl, StakeholderStatus::Committed) => "Toegezegd",
            (Locale::Nl, StakeholderStatus::Conditional | StakeholderStatus::Unrecognised) => "Onder voorwaarde",
            (Locale::Nl, StakeholderStatus::Paid) => "Betaald",
            (Locale::En, StakeholderStatus::Committed) => "Committed",
            (Locale::En, StakeholderStatus::Conditional | StakeholderStatus::Unrecognised) => "Conditional",
            (Locale::En, StakeholderStatus::Paid) => "Paid",
        }
    }

    pub fn kind(self, k: StakeholderKind) -> &'static str {
        match (self, k) {
            (Locale::Nl, StakeholderKind::Municipality) => "Gemeente",
            (Locale::Nl, StakeholderKind::Welfare) => "Welzijnsorganisatie",
            (Locale::Nl, StakeholderKind::Fund) => "Fonds",
            (Locale::Nl, StakeholderKind::Business) => "Bedrijf",
            (Locale::Nl, StakeholderKind::Other | StakeholderKind::Unrecognised) => "Overig",
            (Locale::En, StakeholderKind::Municipality) => "Municipality",
            (Locale::En, StakeholderKind::Welfare) => "Welfare organisation",
            (Locale::En, StakeholderKind::Fund) => "Fund",
            (Locale::En, StakeholderKind::Business) => "Business",
            (Locale::En, StakeholderKind::Other | StakeholderKind::Unrecognised) => "Other",
        }
    }

    /// A field problem in words, for invalid documents and pledge form errors.
    pub fn problem(self, p: &Problem) -> String {
        match p {
            Problem::Required => self.pick("is verplicht", "is required").into(),
            Problem::Negative => self.pick("mag niet negatief zijn", "must not be negative").into(),
            Problem::OutOfRange { min, max } => match self {
                Locale::Nl => format!("moet tussen {min} en {max} liggen"),
                Locale::En => format!("must be between {min} and {max}"),
            },
            Problem::TooLong { max } => match self {
                Locale::Nl => format!("mag hoogstens {max} tekens lang zijn"),
                Locale::En => format!("must be at most {max} characters"),
            },
            Problem::Format { expected } => match self {
                Locale::Nl => format!("heeft niet de juiste vorm (verwacht: {expected})"),
                Locale::En => format!("has the wrong form (expected: {expected})"),
            },
            Problem::ControlCharacters => self.pick("bevat ongeldige tekens", "contains invalid characters").into(),
            Problem::Overflow => self.pick("is te groot om op te tellen", "is too large to add up").into(),
            Problem::Inconsistent { with } => match self {
                Locale::Nl => format!("klopt niet met {with}"),
                Locale::En => format!("is inconsistent with {with}"),
            },
            Problem::WrongType { expected } => {
                let (nl, en) = match expected.as_str() {
                    "integer" => ("een geheel getal", "a whole number"),
                    "array" => ("een lijst", "a list"),
                    "object" => ("een object", "an object"),
                    "boolean" => ("waar of onwaar", "true or false"),
                    _ => ("tekst", "text"),
                };
                match self {
                    Locale::Nl => format!("heeft het verkeerde type (verwacht: {nl})"),
                    Locale::En => format!("has the wrong type (expected: {en})"),
                }
            }
        }
    }

    pub fn field_error(self, e: &FieldError) -> String {
        format!("{}: {}", e.field, self.problem(&e.problem))
    }

    /// Why typed amount input was refused, with what to type instead.
    pub fn amount_input_error(self, e: AmountInputError) -> &'static str {
        match (self, e) {
            (Locale::Nl, AmountInputError::Empty) => "Vul een bedrag in, bijvoorbeeld 25 of 25,50.",
            (Locale::En, AmountInputError::Empty) => "Enter an amount, for example 25 or 25.50.",
            (Locale::Nl, AmountInputError::Ambiguous) => {
                "Dit bedrag is dubbelzinnig. Typ 1000 of 1.000 voor duizend euro, of 1,00 voor één euro."
            }
            (Locale::En, AmountInputError::Ambiguous) => {
                "This amount is ambiguous. Type 1000 for a thousand euros, or 1.00 for one euro."
            }
            (Locale::Nl, AmountInputError::TooManyDecimals) => {
                "Gebruik hoogstens twee cijfers achter de komma, bijvoorbeeld 25,50."
            }
            (Locale::En, AmountInputError::TooManyDecimals) => "Use at most two decimals, for example 25.50.",
            (Locale::Nl, AmountInputError::TooLarge) => "Dit bedrag is te groot.",
            (Locale::En, AmountInputError::TooLarge) => "This amount is too large.",
            (Locale::Nl, AmountInputError::Malformed) => "Typ alleen een bedrag in euro, bijvoorbeeld 25 of 25,50.",
            (Locale::En, AmountInputError::Malformed) => "Type just an amount in euros, for example 25 or 25.50.",
        }
    }

    pub fn errors_in_form(self, n: usize) -> String {
        match (self, n) {
            (Locale::Nl, 1) => "Er staat 1 fout in het formulier.".into(),
            (Locale::Nl, n) => format!("Er staan {n} fouten in het formulier."),
            (Locale::En, 1) => "There is 1 error in the form.".into(),
            (Locale::En, n) => format!("There are {n} errors in the form."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_and_counts_in_both_languages() {
        assert_eq!((Locale::Nl.days_left(1), Locale::En.days_left(3)), ("Laatste dag".into(), "3 days left".into()));
        assert_eq!(Locale::Nl.opens_in(2, "1 april"), "Opent over 2 dagen, op 1 april");
        assert_eq!(Locale::En.errors_in_form(1), "There is 1 error in the form.");
        assert_eq!(Locale::Nl.errors_in_form(3), "Er staan 3 fouten in het formulier.");
        assert_eq!(
            (Locale::Nl.kind(StakeholderKind::Fund), Locale::En.status(StakeholderStatus::Paid)),
            ("Fonds", "Paid")
        );
    }

    #[test]
    fn field_errors_name_the_field() {
        let e = FieldError::new("amount_cents", Problem::OutOfRange { min: 1, max: 10 });
        assert_eq!(Locale::Nl.field_error(&e), "amount_cents: moet tussen 1 en 10 liggen");
        assert_eq!(Locale::En.problem(&Problem::Required), "is required");
        assert_eq!(Locale::En.amount_input_error(AmountInputError::TooLarge), "This amount is too large.");
    }
}
