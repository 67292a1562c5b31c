//! The embed tools: a snippet generator (language, refresh interval, theme colours) with
//! a live preview of the real widget, the `/embed/{slug}` page and its QR code.

use crate::ctx;
use crate::i18n::{dt, Locale};
use cofund_core::embed::Embed;
use cofund_core::Cohort;
use leptos::prelude::*;

/// Settings of the generated snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedSettings {
    pub origin: String,
    pub slug: String,
    pub locale: Locale,
    pub refresh_secs: u32,
    pub accent: String,
    pub text: String,
    pub surface: String,
}

impl EmbedSettings {
    /// The HTML a programme pastes into its page: core's one generator, the same the
    /// server's demo page shows.
    pub fn snippet(&self) -> String {
        let colours = [
            ("--cofund-accent", self.accent.as_str()),
            ("--cofund-text", &self.text),
            ("--cofund-surface", &self.surface),
        ];
        Embed {
            origin: &self.origin,
            slug: &self.slug,
            locale: self.locale.tag(),
            refresh_secs: Some(self.refresh_secs),
            colours: &colours,
        }
        .snippet()
    }

    /// A whole page around the snippet, for the preview frame.
    pub fn preview_page(&self) -> String {
        format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Preview</title></head><body style=\"margin:0;padding:8px;font-family:system-ui,sans-serif\">{}</body></html>",
            self.locale.tag(),
            self.snippet()
        )
    }
}

fn origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

#[component]
pub fn EmbedSection(cohort: StoredValue<Cohort>, locale: Locale) -> impl IntoView {
    let t = dt(locale);
    let ctx = ctx();
    let slug = cohort.with_value(|c| c.document().slug.clone());
    let name = cohort.with_value(|c| c.document().name.clone());
    let cc = crate::cohort::cohort_ctx();
    let lang = cc.kept("em-lang", || locale.tag().to_owned());
    let refresh = cc.kept("em-refresh", || "60".to_owned());
    let accent = cc.kept("em-accent", || "#1d6b50".to_owned());
    let text = cc.kept("em-text", || "#1b1b1b".to_owned());
    let surface = cc.kept("em-surface", || "#ffffff".to_owned());
    let slug_for_settings = slug.clone();
    let settings = Memo::new(move |_| EmbedSettings {
        origin: origin(),
        slug: slug_for_settings.clone(),
        locale: Locale::from_tag(&lang.get()).unwrap_or_default(),
        refresh_secs: refresh.get().parse().unwrap_or(60),
        accent: accent.get(),
        text: text.get(),
        surface: surface.get(),
    });
    // The preview follows the settings once they rest, not on every drag of a colour.
    let preview = RwSignal::new(settings.get_untracked().preview_page());
    Effect::new(move || {
        let page = settings.get().preview_page();
        set_timeout(move || preview.set(page), std::time::Duration::from_millis(300));
    });
    let copy = move |_| {
        let snippet = settings.get_untracked().snippet();
        let done = dt(locale).copied;
        leptos::task::spawn_local(async move {
            let ok = match web_sys::window().map(|w| w.navigator().clipboard()) {
                Some(c) => wasm_bindgen_futures::JsFuture::from(c.write_text(&snippet)).await.is_ok(),
                None => false,
            };
            ctx.say(if ok { done } else { dt(locale).copy_failed });
        });
    };
    let embed_url = format!("{}/embed/{slug}", origin());
    let qr = format!("/api/v1/cohorts/{slug}/qr.svg");
    let colour_field = move |id: &'static str, label: &'static str, value: RwSignal<String>| {
        view! {
            <div class="field colour">
                <label for=id>{label}</label>
                <input id=id type="color" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <section aria-labelledby="embed-title" class="panel">
            <h2 id="embed-title">{t.embed}</h2>
            <p>{t.embed_intro}</p>
            <div class="embed-settings">
                <div class="field">
                    <label for="embed-lang">{t.language}</label>
                    <select id="embed-lang" prop:value=move || lang.get() on:change=move |ev| lang.set(event_target_value(&ev))>
                        <option value="nl-NL" lang="nl">"Nederlands"</option>
                        <option value="en-GB" lang="en">"English"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="embed-refresh">{t.refresh}</label>
                    <select id="embed-refresh" prop:value=move || refresh.get() on:change=move |ev| refresh.set(event_target_value(&ev))>
                        <option value="15">{t.seconds(15)}</option>
                        <option value="60">{t.seconds(60)}</option>
                        <option value="300">{t.seconds(300)}</option>
                        <option value="0">{t.never}</option>
                    </select>
                </div>
                {colour_field("embed-accent", t.colour_accent, accent)}
                {colour_field("embed-text", t.colour_text, text)}
                {colour_field("embed-surface", t.colour_surface, surface)}
            </div>
            <p class="hint">{t.contrast_hint}</p>
            <div class="field">
                <label for="embed-snippet">{t.snippet}</label>
                <textarea id="embed-snippet" rows="9" readonly spellcheck="false" prop:value=move || settings.get().snippet()></textarea>
            </div>
            <button type="button" class="primary" on:click=copy>{t.copy_snippet}</button>
            <h3>{t.preview}</h3>
            <iframe class="preview" title=t.preview_title(&name) sandbox="allow-scripts" srcdoc=move || preview.get()></iframe>
            <h3>{t.donor_page}</h3>
            <p><a href=embed_url.clone()>{embed_url.clone()}</a></p>
            <p><img class="qr" src=qr.clone() width="160" height="160" alt=t.qr_alt(&embed_url)/></p>
            <p><a href=qr download=format!("{slug}-qr.svg")>{t.download_qr}</a></p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_has_the_chosen_settings_and_nothing_else() {
        let s = EmbedSettings {
            origin: "https://cofund.example.org".into(),
            slug: "utrecht-voorjaar-2027".into(),
            locale: Locale::En,
            refresh_secs: 300,
            accent: "#aa0000".into(),
            text: "\"><script>".into(),
            surface: "#ffffff".into(),
        };
        let html = s.snippet();
        assert!(
            html.starts_with("<cofund-widget src=\"https://cofund.example.org/api/v1/cohorts/utrecht-voorjaar-2027\"")
        );
        assert!(html.contains("locale=\"en-GB\""));
        assert!(html.contains("refresh=\"300\""));
        assert!(html.contains("style=\"--cofund-accent: #aa0000; --cofund-surface: #ffffff\""));
        assert!(!html.contains("<script>\""), "a colour that is not #rrggbb is dropped");
        assert!(html
            .ends_with("<script type=\"module\" src=\"https://cofund.example.org/widget/cofund.js\" async></script>"));
    }
}
