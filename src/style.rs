//! The widget's stylesheet: namespaced under `.cofund`, themed by custom properties.
//! In the light DOM (the `data-cofund-src` form) it is injected into the page once; in
//! `<cofund-widget>` elements every shadow root adopts one shared constructable sheet
//! (or, where the browser has none, gets its own `<style>`).

use wasm_bindgen::JsValue;

/// `src/widget.css`, minified by `build.rs`.
pub(crate) const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));
/// Inside a shadow root: the host is a block (unless the page says otherwise), and the
/// widget's container inherits nothing from the page (fonts, colours, spacing, even
/// under `!important` rules on the host) but the custom properties, which theme it.
pub(crate) const HOST_CSS: &str =
    ":host{display:block}:host([hidden]){display:none}.cofund-root{all:initial;display:block}";
pub(crate) const STYLE_ID: &str = "cofund-widget-style";

thread_local! {
    /// The sheet every shadow root adopts; `None` where constructable sheets are missing.
    static SHEET: Option<web_sys::CssStyleSheet> = web_sys::CssStyleSheet::new().ok().and_then(|sheet| {
        sheet.replace_sync(&format!("{HOST_CSS}{CSS}")).ok()?;
        Some(sheet)
    });
}

/// Adds the stylesheet to `<head>` unless an earlier widget did.
pub fn inject_once() {
    let Some(doc) = crate::window().and_then(|w| w.document()) else { return };
    if doc.get_element_by_id(STYLE_ID).is_some() {
        return;
    }
    if let (Ok(style), Some(head)) = (doc.create_element("style"), doc.head()) {
        style.set_id(STYLE_ID);
        style.set_text_content(Some(CSS));
        // Before the page's own styles, so a host page can override the custom properties.
        let _ = head.insert_before(&style, head.first_child().as_ref());
    }
}

/// Gives a shadow root the widget's stylesheet (idempotent).
pub fn adopt(root: &web_sys::ShadowRoot) {
    let adopted = SHEET.with(|sheet| {
        let sheet = sheet.as_ref()?;
        js_sys::Reflect::set(root, &JsValue::from_str("adoptedStyleSheets"), &js_sys::Array::of1(sheet)).ok()
    });
    // (The server's first view brings a `<style>` of its own, gone with that view.)
    let own = format!("style:not([{}])", crate::SERVER_VIEW_ATTR);
    if adopted.is_none() && root.query_selector(&own).ok().flatten().is_none() {
        if let Some(style) = root.owner_document().and_then(|d| d.create_element("style").ok()) {
            style.set_text_content(Some(&format!("{HOST_CSS}{CSS}")));
            let _ = root.prepend_with_node_1(&style);
        }
    }
}
