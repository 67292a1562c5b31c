//! # cofund-l10n
//!
//! What the widget and the dashboard share about language: the [`Locale`] (Dutch first,
//! British English second), the few texts both show (impact figures' names), and
//! [`format`]: numbers, money and dates through the browser's `Intl` API, never by hand.
//! Each app keeps its own texts.

pub mod format;
mod texts;

use cofund_core::programme::ImpactKind;
use cofund_core::Timestamp;

/// A display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// Dutch (Netherlands), the default.
    #[default]
    Nl,
    /// English (United Kingdom).
    En,
}

impl Locale {
    /// Reads a BCP 47 tag: `en`, `en-GB`, `en-US` … are English, `nl…` Dutch, anything
    /// else `None`.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let lang = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match lang.as_str() {
            "nl" => Some(Locale::Nl),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The tag passed to `Intl` and to `lang`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Nl => "nl-NL",
            Locale::En => "en-GB",
        }
    }

    /// The Dutch or the English text.
    pub fn pick<'a>(self, nl: &'a str, en: &'a str) -> &'a str {
        match self {
            Locale::Nl => nl,
            Locale::En => en,
        }
    }

    /// The decimal separator a donor types in a banking app's amount field.
    pub fn decimal_separator(self) -> char {
        match self {
            Locale::Nl => ',',
            Locale::En => '.',
        }
    }

    /// An impact figure's name: the known kinds translated, the others by their label.
    pub fn impact_kind(self, kind: ImpactKind, label: Option<&str>) -> String {
        let known = match kind {
            ImpactKind::Participants => Some(self.pick("Deelnemers", "Participants")),
            ImpactKind::Initiatives => Some(self.pick("Initiatieven ondersteund", "Initiatives supported")),
            ImpactKind::FoundWorkShareBps => {
                Some(self.pick("Deelnemers die werk vonden", "Participants who found work"))
            }
            ImpactKind::Custom | ImpactKind::Unrecognised => None,
        };
        match (known, label.map(str::trim).filter(|l| !l.is_empty())) {
            (Some(k), _) => k.to_owned(),
            (None, Some(l)) => l.to_owned(),
            (None, None) => self.pick("Overig", "Other").to_owned(),
        }
    }
}

/// The browser's clock; the system's outside the browser (the server's first view).
pub fn browser_now() -> Timestamp {
    #[cfg(target_arch = "wasm32")]
    return Timestamp::from_unix_millis(js_sys::Date::now() as i64);
    #[cfg(not(target_arch = "wasm32"))]
    Timestamp::from_unix_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(Locale::from_tag("en-US"), Some(Locale::En));
        assert_eq!(Locale::from_tag("NL"), Some(Locale::Nl));
        assert_eq!(Locale::from_tag("nl_BE"), Some(Locale::Nl));
        assert_eq!(Locale::from_tag("fr-FR"), None);
        assert_eq!(Locale::from_tag(""), None);
        assert_eq!((Locale::Nl.tag(), Locale::En.tag()), ("nl-NL", "en-GB"));
        assert_eq!(Locale::default(), Locale::Nl);
    }

    #[test]
    fn impact_kinds_are_translated_and_custom_ones_shown_by_label() {
        use ImpactKind as K;
        assert_eq!(Locale::Nl.impact_kind(K::FoundWorkShareBps, None), "Deelnemers die werk vonden");
        assert_eq!(Locale::En.impact_kind(K::Initiatives, Some("ignored")), "Initiatives supported");
        assert_eq!(Locale::En.impact_kind(K::Custom, Some(" Meals ")), "Meals");
        assert_eq!(Locale::Nl.impact_kind(K::Unrecognised, None), "Overig");
        assert_eq!(Locale::En.impact_kind(K::Custom, Some("  ")), "Other");
    }

    #[test]
    fn decimal_separators() {
        assert_eq!((Locale::Nl.decimal_separator(), Locale::En.decimal_separator()), (',', '.'));
    }
}
