//! The widget's stylesheet: namespaced under `.cofund`, themed by custom properties,
//! and injected into the page once however many widgets it holds.

/// `src/widget.css`, minified by `build.rs`.
const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));
const STYLE_ID: &str = "cofund-widget-style";

/// Adds the stylesheet to `<head>` unless an earlier widget did.
pub fn inject_once() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
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
