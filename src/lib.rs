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
//! <cofund-widget src="https://example.org/api/v1/cohorts/utrecht-voorjaar-2027" locale="nl-NL"></cofund-widget>
//! <script type="module" src="https://example.org/widget/cofund.js" async></script>
//! ```
//!
//! The loader (`cofund.js`, hand-written, next to this module) defines the custom
//! element, starts each element's document request at once and loads this module in
//! parallel; each element is then mounted in its own shadow root by
//! [`mount_element`] and unmounted when the loader frees the returned
//! [`MountedWidget`]. Attributes: `src` (required, the document URL), `locale`
//! (`nl-NL` or `en-GB`; overrides the document's `locale`), `refresh` (seconds between
//! refreshes, default 60, `0` never), `now` (a fixed clock).
//!
//! The older form, `<div data-cofund-src=… data-cofund-locale=…>` with the same
//! attributes prefixed `data-cofund-`, still works: it renders in the light DOM and is
//! mounted on start; pages that add such hosts later call the exported `mount_all()`.
//!
//! From Rust (tests, other Leptos apps): [`mount`] with a [`WidgetConfig`].

// The server's rendering (`ssr`) lays out the type-erased views' async resolution, whose
// types nest deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod api;
mod components;
mod events;
/// Numbers, money and dates through `Intl` (shared with the dashboard).
pub use cofund_l10n::format;
pub mod i18n;
pub mod programme;
#[cfg(all(feature = "ssr", not(target_arch = "wasm32")))]
pub mod ssr;
mod style;

pub use components::CofundWidget;
pub use i18n::{Locale, Say};

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
/// Attribute of a view the server rendered (`ssr::FirstView`): the widget takes it over.
pub const SERVER_VIEW_ATTR: &str = "data-cofund-ssr";

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
        Self::from_attributes(el, "data-cofund-")
    }

    /// Reads `{prefix}src`, `{prefix}locale`, `{prefix}now` and `{prefix}refresh`.
    fn from_attributes(el: &web_sys::Element, prefix: &str) -> WidgetConfig {
        let attr = |name: &str| el.get_attribute(&format!("{prefix}{name}"));
        WidgetConfig {
            src: attr("src").unwrap_or_default(),
            locale: attr("locale").and_then(|t| Locale::from_tag(&t)),
            now: attr("now").and_then(|t| Timestamp::parse_rfc3339(&t)),
            refresh_secs: match attr("refresh").map(|v| v.trim().parse::<u32>()) {
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
///
/// A view the server rendered in the host (`/embed/{slug}`) stays on screen until the
/// widget's own is complete, which then takes its place (see [`take_over`]).
pub fn mount(host: web_sys::HtmlElement, config: WidgetConfig) -> WidgetHandle {
    style::inject_once();
    if let Some(server_view) = host.query_selector(&format!(":scope > [{SERVER_VIEW_ATTR}]")).ok().flatten() {
        if let Some(container) = new_container(&host) {
            let _ = host.append_child(&container);
            // No box of its own: the widget's view lays out as the server's did.
            return take_over(server_view, container, "contents", host.into(), config);
        }
    }
    host.set_text_content(None);
    mount_into(host.clone(), host.into(), config, None)
}

/// Mounts a widget into `container`; its events are dispatched on `events_on`. With a
/// `swap`, the view is built whole (not in two steps) and `swap` runs once it is in place.
fn mount_into(
    container: web_sys::HtmlElement,
    events_on: web_sys::Element,
    config: WidgetConfig,
    swap: Option<std::rc::Rc<dyn Fn()>>,
) -> WidgetHandle {
    let handle = leptos::mount::mount_to(container, move || {
        events::provide(events_on);
        if let Some(swap) = swap {
            leptos::prelude::provide_context(components::WholeView(Some(send_wrapper::SendWrapper::new(swap))));
        }
        leptos::prelude::view! { <CofundWidget config=config/> }
    });
    WidgetHandle(Box::new(handle))
}

fn new_container(near: &web_sys::Element) -> Option<web_sys::HtmlElement> {
    near.owner_document()?.create_element("div").ok()?.dyn_into().ok()
}

/// Mounts the widget in `container`, hidden, while `server_view` (the server's rendering
/// of the same view) stays on screen; once the widget's view is complete, it takes the
/// server view's place in the same frame (shown with `display`), with what the visitor
/// started there: open disclosures, what was typed or chosen, and the focus.
fn take_over(
    server_view: web_sys::Element,
    container: web_sys::HtmlElement,
    display: &'static str,
    events_on: web_sys::Element,
    config: WidgetConfig,
) -> WidgetHandle {
    let _ = container.style().set_property("display", "none");
    let shown = container.clone();
    let swap = move || swap_views(&server_view, &shown, display);
    mount_into(container, events_on, config, Some(std::rc::Rc::new(swap)))
}

/// Elements in `root` matching `selector`, in document order.
fn all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    let Ok(list) = root.query_selector_all(selector) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
}

/// Puts `new` in the place of `old` (the same markup, built by the same components) and
/// carries over the visitor's state by position: the two views have the same elements in
/// the same order.
fn swap_views(old: &web_sys::Element, new: &web_sys::HtmlElement, display: &str) {
    const FOCUSABLE: &str = "a[href],button,input,select,textarea,summary,[tabindex]";
    const FIELDS: &str = "input,textarea";
    if !old.is_connected() {
        return;
    }
    let open: Vec<bool> = all(old, "details").iter().map(|d| d.has_attribute("open")).collect();
    let active = match old.get_root_node().dyn_into::<web_sys::ShadowRoot>() {
        Ok(root) => root.active_element(),
        Err(node) => node.dyn_into::<web_sys::Document>().ok().and_then(|d| d.active_element()),
    };
    let focused = active.and_then(|a| all(old, FOCUSABLE).iter().position(|e| *e == a));
    // What the visitor changed in each field (`None`: nothing).
    let fields: Vec<Option<(String, bool)>> = all(old, FIELDS)
        .into_iter()
        .map(|f| match f.dyn_into::<web_sys::HtmlInputElement>() {
            Ok(input) => (input.value() != input.default_value() || input.checked() != input.default_checked())
                .then(|| (input.value(), input.checked())),
            Err(f) => f
                .dyn_into::<web_sys::HtmlTextAreaElement>()
                .ok()
                .filter(|t| t.default_value().ok() != Some(t.value()))
                .map(|t| (t.value(), false)),
        })
        .collect();
    old.remove();
    if let Ok(root) = new.get_root_node().dyn_into::<web_sys::ShadowRoot>() {
        // The first view's own stylesheet (where the loader did not adopt it instead):
        // the shadow root has the shared one now.
        let _ = root.query_selector_all(&format!("style[{SERVER_VIEW_ATTR}]")).map(|list| {
            (0..list.length())
                .filter_map(|i| list.item(i)?.dyn_into::<web_sys::Element>().ok())
                .for_each(|s| s.remove())
        });
    }
    let _ = new.style().set_property("display", display);
    for (details, open) in all(new, "details").iter().zip(open) {
        if open && !details.has_attribute("open") {
            let _ = details.set_attribute("open", "");
        }
    }
    for (field, (value, checked)) in all(new, FIELDS).into_iter().zip(fields).filter_map(|(f, v)| Some((f, v?))) {
        let changed = match field.dyn_ref::<web_sys::HtmlInputElement>() {
            Some(input) if matches!(input.type_().as_str(), "checkbox" | "radio") => {
                (input.checked() != checked).then(|| input.set_checked(checked)).is_some()
            }
            Some(input) => (input.value() != value).then(|| input.set_value(&value)).is_some(),
            None => field
                .dyn_ref::<web_sys::HtmlTextAreaElement>()
                .filter(|t| t.value() != value)
                .map(|t| t.set_value(&value))
                .is_some(),
        };
        // The widget's handlers update its state from these events, as from typing.
        for kind in ["input", "change"].into_iter().filter(|_| changed) {
            if let Ok(event) = web_sys::Event::new(kind) {
                let _ = field.dispatch_event(&event);
            }
        }
    }
    if let Some(el) = focused.and_then(|i| all(new, FOCUSABLE).into_iter().nth(i)) {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

/// A widget mounted in a `<cofund-widget>` element's shadow root; `free()` unmounts it
/// (its reactive state, refresh timer and observers go with it) and empties the root.
#[wasm_bindgen]
pub struct MountedWidget {
    handle: Option<WidgetHandle>,
    container: web_sys::Element,
}

impl Drop for MountedWidget {
    fn drop(&mut self) {
        drop(self.handle.take());
        self.container.remove();
    }
}

/// Mounts a widget for `<cofund-widget>` element `host` in its open shadow root, with
/// the stylesheet the page's widgets share, reading the element's `src`, `locale`,
/// `refresh` and `now` attributes. Called by the loader, `cofund.js`.
#[wasm_bindgen]
pub fn mount_element(host: web_sys::HtmlElement) -> Option<MountedWidget> {
    let root = match host.shadow_root() {
        Some(root) => root,
        None => host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)).ok()?,
    };
    style::adopt(&root);
    let container = new_container(&host)?;
    container.set_class_name("cofund-root");
    root.append_child(&container).ok()?;
    let config = WidgetConfig::from_attributes(&host, "");
    // The loader may have shown the server's view (`ssr::FirstView::to_fragment`).
    let handle = match root.query_selector(&format!(".cofund-root[{SERVER_VIEW_ATTR}]")).ok().flatten() {
        Some(server_view) => take_over(server_view, container.clone(), "", host.into(), config),
        None => mount_into(container.clone(), host.into(), config, None),
    };
    Some(MountedWidget { handle: Some(handle), container: container.into() })
}

/// The browser's window; `None` outside the browser (the server's first view, native
/// tests), where web-sys calls cannot run.
pub(crate) fn window() -> Option<web_sys::Window> {
    #[cfg(target_arch = "wasm32")]
    return web_sys::window();
    #[cfg(not(target_arch = "wasm32"))]
    None
}

pub(crate) use cofund_l10n::browser_now;

/// The element with this id in the page or in any `<cofund-widget>`'s shadow root (ids
/// are page-unique either way, see `next_id`).
pub(crate) fn element_by_id(id: &str) -> Option<web_sys::Element> {
    let doc = crate::window()?.document()?;
    if let Some(el) = doc.get_element_by_id(id) {
        return Some(el);
    }
    let hosts = doc.query_selector_all("cofund-widget").ok()?;
    (0..hosts.length())
        .filter_map(|i| hosts.item(i)?.dyn_into::<web_sys::Element>().ok()?.shadow_root())
        .find_map(|root| root.get_element_by_id(id))
}

/// Mounts a widget into every element with `data-cofund-src` that has none yet.
/// Runs on start; call it again after adding host elements. Returns how many it mounted.
#[wasm_bindgen]
pub fn mount_all() -> u32 {
    let Some(doc) = crate::window().and_then(|w| w.document()) else { return 0 };
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
