//! # cofund-widget
//!
//! The embeddable Cofund widget: a cohort's crowdfunding progress against its target
//! share, the stakeholders' co-funding and the participants' own contributions, read
//! from a `cofund/cohort@1` JSON document, in Dutch (default) or English, and a pledge
//! form for donors.
//!
//! ## Embedding
//!
//! ```html
//! <div data-cofund-src="https://example.org/api/v1/cohorts/utrecht-voorjaar-2027"
//!      data-cofund-locale="nl-NL"></div>
//! <script type="module">
//!   import init from "https://example.org/widget/cofund-widget.js";
//!   init(); // mounts every element with data-cofund-src
//! </script>
//! ```
//!
//! Attributes: `data-cofund-src` (required, the document URL), `data-cofund-locale`
//! (`nl-NL` or `en-GB`; overrides the document's `locale`), `data-cofund-refresh`
//! (seconds between refreshes, default 60, `0` never). Content inside the host element
//! is a fallback for visitors without JavaScript; the widget replaces it. Each host element gets its
//! own widget, so a page can show several cohorts. Pages that add host elements later
//! call the exported `mount_all()` again; mounted hosts are skipped.
//!
//! From Rust (tests, other Leptos apps): [`mount`] with a [`WidgetConfig`].

pub mod api;
mod components;
pub mod format;
pub mod i18n;
mod style;

pub use components::CofundWidget;
pub use i18n::Locale;

use cofund_core::Timestamp;
use std::any::Any;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Attribute that marks a host element and names its document.
pub const SRC_ATTR: &str = "data-cofund-src";
/// Attribute that chooses the display language.
pub const LOCALE_ATTR: &str = "data-cofund-locale";
/// Attribute that fixes the widget's clock (RFC 3339), for previews and tests.
pub const NOW_ATTR: &str = "data-cofund-now";
/// Attribute that sets how often (seconds) the widget refreshes its document; `0` never.
pub const REFRESH_ATTR: &str = "data-cofund-refresh";
/// Refresh interval when the embed names none: progress moves on screens left open.
pub const DEFAULT_REFRESH_SECS: u32 = 60;
/// Shortest refresh interval honoured from an embed attribute, to spare the server.
pub const MIN_REFRESH_SECS: u32 = 15;
const MOUNTED_ATTR: &str = "data-cofund-mounted";

/// What one widget shows and how.
///
/// ```no_run
/// use cofund_widget::{WidgetConfig, Locale};
/// let config = WidgetConfig {
///     src: "/api/v1/cohorts/utrecht-voorjaar-2027".into(),
///     locale: Some(Locale::En),
///     now: None,
///     refresh_secs: 60,
/// };
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetConfig {
    /// URL of the cohort document.
    pub src: String,
    /// Display language; `None`: the document's `locale`, else the page's `lang`, else Dutch.
    pub locale: Option<Locale>,
    /// A fixed clock; `None`: the browser's.
    pub now: Option<Timestamp>,
    /// Seconds between refreshes of the document while the page is visible; 0: never.
    /// The refresh revalidates with the server (ETag), so an unchanged document costs a 304.
    pub refresh_secs: u32,
}

impl Default for WidgetConfig {
    fn default() -> Self {
        WidgetConfig { src: String::new(), locale: None, now: None, refresh_secs: DEFAULT_REFRESH_SECS }
    }
}

impl WidgetConfig {
    /// Reads the `data-cofund-*` attributes of a host element.
    pub fn from_element(el: &web_sys::Element) -> WidgetConfig {
        WidgetConfig {
            src: el.get_attribute(SRC_ATTR).unwrap_or_default(),
            locale: el.get_attribute(LOCALE_ATTR).and_then(|t| Locale::from_tag(&t)),
            now: el.get_attribute(NOW_ATTR).and_then(|t| Timestamp::parse_rfc3339(&t)),
            refresh_secs: match el.get_attribute(REFRESH_ATTR).map(|v| v.trim().parse::<u32>()) {
                None | Some(Err(_)) => DEFAULT_REFRESH_SECS,
                Some(Ok(0)) => 0,
                Some(Ok(secs)) => secs.max(MIN_REFRESH_SECS),
            },
        }
    }
}

/// A mounted widget. Dropping it unmounts the widget and frees its state.
pub struct WidgetHandle(#[allow(dead_code)] Box<dyn Any>);

/// Mounts one widget into `host`, replacing nothing the host page owns outside it.
///
/// Whatever the host element contains is its fallback for visitors without JavaScript
/// (say, a link to the programme's pledge page); the widget replaces it.
pub fn mount(host: web_sys::HtmlElement, config: WidgetConfig) -> WidgetHandle {
    style::inject_once();
    host.set_text_content(None);
    let handle = leptos::mount::mount_to(host, move || {
        leptos::prelude::view! { <CofundWidget config=config/> }
    });
    WidgetHandle(Box::new(handle))
}

/// Mounts a widget into every element with `data-cofund-src` that has none yet.
/// Runs on start; call it again after adding host elements. Returns how many it mounted.
#[wasm_bindgen]
pub fn mount_all() -> u32 {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return 0 };
    let Ok(hosts) = doc.query_selector_all(&format!("[{SRC_ATTR}]:not([{MOUNTED_ATTR}])")) else { return 0 };
    let mut mounted = 0;
    for i in 0..hosts.length() {
        let Some(el) = hosts.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) else { continue };
        let _ = el.set_attribute(MOUNTED_ATTR, "");
        let config = WidgetConfig::from_element(&el);
        // The page owns the widget for its whole life.
        std::mem::forget(mount(el, config));
        mounted += 1;
    }
    mounted
}
