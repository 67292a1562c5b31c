//! The embed snippet: the HTML a programme pastes into its page to show a cohort's
//! widget (the one-tag `<cofund-widget>` and its loader; see the README's "Embedding the
//! widget"). One generator for the server's demo page and the dashboard's embed tools.

/// What a snippet says. `origin` is the server's public URL without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed<'a> {
    pub origin: &'a str,
    pub slug: &'a str,
    /// `nl-NL` or `en-GB`; anything else is written as `nl-NL`.
    pub locale: &'a str,
    /// Seconds between refreshes; `None` leaves the widget's default.
    pub refresh_secs: Option<u32>,
    /// Theme colours as `(custom property, #rrggbb)`, e.g. `("--cofund-accent", "#1d6b50")`;
    /// a value that is not `#rrggbb` or a name that is not `--cofund-…` is left out, so
    /// the snippet never carries markup from them.
    pub colours: &'a [(&'a str, &'a str)],
}

impl Embed<'_> {
    /// The custom element with its no-script fallback link, then the loader.
    pub fn snippet(&self) -> String {
        let locale = if self.locale == "en-GB" { "en-GB" } else { "nl-NL" };
        let (o, s) = (attr(self.origin), attr(self.slug));
        let mut out = format!("<cofund-widget src=\"{o}/api/v1/cohorts/{s}\"\n               locale=\"{locale}\"");
        if let Some(r) = self.refresh_secs {
            out.push_str(&format!("\n               refresh=\"{r}\""));
        }
        let style: Vec<String> = self
            .colours
            .iter()
            .filter(|(name, value)| is_property(name) && is_colour(value))
            .map(|(name, value)| format!("{name}: {value}"))
            .collect();
        if !style.is_empty() {
            out.push_str(&format!("\n               style=\"{}\"", style.join("; ")));
        }
        let fallback = if locale == "en-GB" { "Support the cohort" } else { "Steun het cohort" };
        out.push_str(&format!(
            ">\n  <a href=\"{o}/embed/{s}\">{fallback}</a>\n</cofund-widget>\n\
             <script type=\"module\" src=\"{o}/widget/cofund.js\" async></script>"
        ));
        out
    }
}

/// A colour from `<input type="color">`: `#rrggbb`.
fn is_colour(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_property(name: &str) -> bool {
    name.strip_prefix("--cofund-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
}

/// Escapes an attribute value (the origin comes from configuration, the slug from a URL).
fn attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_snippet_names_document_locale_fallback_and_loader() {
        let e = Embed { origin: "https://x.nl", slug: "utrecht", locale: "nl-NL", refresh_secs: None, colours: &[] };
        assert_eq!(
            e.snippet(),
            "<cofund-widget src=\"https://x.nl/api/v1/cohorts/utrecht\"\n               locale=\"nl-NL\">\n  \
             <a href=\"https://x.nl/embed/utrecht\">Steun het cohort</a>\n</cofund-widget>\n\
             <script type=\"module\" src=\"https://x.nl/widget/cofund.js\" async></script>"
        );
    }

    #[test]
    fn settings_add_refresh_and_only_well_formed_colours() {
        let colours = [("--cofund-accent", "#aa3300"), ("--cofund-text", "red\"><script>"), ("color", "#000000")];
        let e = Embed { origin: "o", slug: "s", locale: "en-GB", refresh_secs: Some(15), colours: &colours };
        let s = e.snippet();
        assert!(
            s.contains(
                "locale=\"en-GB\"\n               refresh=\"15\"\n               style=\"--cofund-accent: #aa3300\">"
            ),
            "{s}"
        );
        assert!(s.contains(">Support the cohort</a>") && !s.contains("<script>") && !s.contains("color:"), "{s}");
    }

    #[test]
    fn an_unknown_locale_is_written_as_dutch_and_markup_is_escaped() {
        let e = Embed { origin: "https://x.nl\"", slug: "s", locale: "de-DE", refresh_secs: None, colours: &[] };
        let s = e.snippet();
        assert!(s.contains("locale=\"nl-NL\"") && s.contains("https://x.nl&quot;/api"), "{s}");
    }
}
