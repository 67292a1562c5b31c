//! The widget's first view rendered outside the browser, by the same components: the
//! reference server puts it in `/embed/{slug}` and answers it to the loader, so the
//! figures are on screen before the wasm arrives; the wasm then takes the view over
//! (`mount`, `mount_element`) without moving it. Feature `ssr`.

use crate::components::{cohort_locale, CohortView, WholeView};
use crate::i18n::Locale;
use cofund_core::{Cohort, Timestamp};
use leptos::prelude::*;

/// The id prefix of the server's view: one widget per page or shadow root.
const SERVER_ID: &str = "cofund-s";

/// The widget's stylesheet (`src/widget.css`, minified).
pub const STYLESHEET: &str = crate::style::CSS;

/// The id of the stylesheet's `<style>` in a page: a page that has it inline (a server's
/// page with its first view) gets no second copy from the widget.
pub const STYLE_ID: &str = crate::style::STYLE_ID;

/// The attribute that marks a view the server rendered; the wasm takes over what has it.
pub const SERVER_VIEW_ATTR: &str = crate::SERVER_VIEW_ATTR;

/// What the server's view shows.
#[derive(Debug, Clone)]
pub struct FirstView<'a> {
    /// The cohort, as the document the widget would load says.
    pub cohort: Cohort,
    /// The document's URL (links in the view are resolved against it).
    pub src: &'a str,
    /// The embed's `locale`, if it names one.
    pub locale: Option<Locale>,
    /// The page's language (`<html lang>`), if known.
    pub page_locale: Option<Locale>,
    /// The clock: the embed's `now`, else the server's.
    pub now: Timestamp,
}

impl FirstView<'_> {
    /// The language the view is in: the same rule as the widget's in the browser.
    pub fn locale(&self) -> Locale {
        cohort_locale(self.locale, &self.cohort, self.page_locale)
    }

    /// The view as HTML: the widget's `.cofund` element, marked as the server's.
    pub fn to_html(&self) -> String {
        let locale = self.locale();
        let (cohort, now, src) = (self.cohort.clone(), self.now, self.src.to_owned());
        let owner = Owner::new();
        // Rendered once, never updated: nothing here tracks a signal.
        owner.with(|| {
            untrack(|| {
                provide_context(WholeView(None));
                view! {
                <div class="cofund" lang=locale.tag() aria-busy="false" data-cofund-ssr="">
                    <div class="cofund-frame">
                        <CohortView cohort=cohort locale=locale now=now src=src refresh_secs=0 id=SERVER_ID.to_owned()/>
                    </div>
                </div>
            }
            .to_html()
            })
        })
    }

    /// The view for a `<cofund-widget>`'s shadow root, as its loader shows it: the
    /// stylesheet and the view in the container the wasm's own view will take (both
    /// marked: the widget removes them when it takes over, with its shared sheet adopted).
    pub fn to_fragment(&self) -> String {
        format!(
            "<style {SERVER_VIEW_ATTR}=\"\">{}{STYLESHEET}</style><div class=\"cofund-root\" {SERVER_VIEW_ATTR}=\"\">{}</div>",
            crate::style::HOST_CSS,
            self.to_html()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> Cohort {
        let path = format!("{}/public/cohorts/{name}.json", env!("CARGO_MANIFEST_DIR"));
        Cohort::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn render(name: &str, locale: Locale) -> String {
        let cohort = example(name);
        let now = Timestamp::parse_rfc3339("2027-03-20T12:00:00+01:00").unwrap();
        FirstView {
            cohort,
            src: "https://cofund.example.org/api/v1/cohorts/x",
            locale: Some(locale),
            page_locale: None,
            now,
        }
        .to_html()
    }

    #[test]
    fn the_first_view_has_the_figures_in_the_visitors_language() {
        let cohort = example("utrecht-voorjaar-2027");
        let summary = cohort.summary();
        let pledged = summary.crowd.pledged_cents;
        let nl = render("utrecht-voorjaar-2027", Locale::Nl);
        let en = render("utrecht-voorjaar-2027", Locale::En);
        assert!(
            nl.starts_with("<div lang=\"nl-NL\" aria-busy=\"false\" data-cofund-ssr=\"\" class=\"cofund\">"),
            "{nl}"
        );
        assert!(en.starts_with("<div lang=\"en-GB\""), "{en}");
        let percent = cohort.summary().crowd.percent_of_target.unwrap();
        assert!(nl.contains(&format!("<span class=\"cofund-percent\">{percent}%</span>")), "{nl}");
        assert!(nl.contains(&crate::format::money(Locale::Nl, "EUR", pledged)), "{nl}");
        assert!(en.contains(&crate::format::money(Locale::En, "EUR", pledged)), "{en}");
        assert!(nl.contains(&cohort.document().name), "{nl}");
        // The sections below the crowd figures are there too (the browser renders them
        // a frame later; the server's view is whole).
        assert!(nl.contains("cofund-updated"), "{nl}");
        assert!(nl.contains("<form") || nl.contains("cofund-readonly"), "{nl}");
    }
}
