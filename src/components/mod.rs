//! The widget's components. Logic lives in `cofund-core` on plain types; these only
//! arrange it and put it into words.

mod budget;
mod crowd;
mod lists;
mod payment;
mod pledge;
mod pot;
mod programme;
mod stakeholders;
mod status;
mod widget;

pub use widget::CofundWidget;
#[cfg(all(feature = "ssr", not(target_arch = "wasm32")))]
pub(crate) use widget::{cohort_locale, CohortView};

use std::sync::atomic::{AtomicU32, Ordering};

/// A page-unique id prefix, so several widgets on one page never share an id.
pub(crate) fn next_id() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("cofund-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Marks the views built under the current owner as shown whole, in one step: on the
/// server, and in the browser when it takes over a view the server rendered (the
/// visitor sees every figure already; the browser's view is swapped in when complete).
/// In the browser it holds the swap, run once the loaded view is in place.
#[derive(Clone)]
pub(crate) struct WholeView(pub(crate) Option<send_wrapper::SendWrapper<std::rc::Rc<dyn Fn()>>>);

/// Whether the view being built is shown whole (see [`WholeView`]).
pub(crate) fn whole_view() -> bool {
    leptos::prelude::use_context::<WholeView>().is_some()
}

/// Runs the swap of a takeover (see [`WholeView`]) after the next render, when the view
/// being built is in place; nothing without a takeover.
pub(crate) fn take_over_after_render() {
    if let Some(WholeView(Some(swap))) = leptos::prelude::use_context::<WholeView>() {
        leptos::prelude::request_animation_frame(move || (swap.take())());
    }
}

/// Basis points as a CSS percentage, `5816` → `58.16%`, without a float.
pub(crate) fn css_percent(bps: i64) -> String {
    let bps = bps.clamp(0, 10_000);
    format!("{}.{:02}%", bps / 100, bps % 100)
}

/// Formats cents in the cohort's currency, tracking the cohort (its currency could change
/// with a refreshed document).
pub(crate) fn money_in(
    cohort: leptos::prelude::RwSignal<cofund_core::Cohort>,
    locale: crate::i18n::Locale,
) -> impl Fn(i64) -> String + Copy {
    use leptos::prelude::With;
    move |cents| cohort.with(|c| crate::format::money(locale, &c.document().currency, cents))
}

/// The height (rem) the widget reserves at a content width of `width_rem_x10` tenths of
/// a rem: the tallest example cohort anywhere in that band of widths, in either
/// language, plus 1.4rem at least (scanned every 4 px from 280 to 820 px; the e2e
/// layout-shift test checks five widths). Narrower columns wrap more lines.
pub(crate) fn reserve_rem(width_rem_x10: i64) -> u32 {
    match width_rem_x10 {
        w if w <= 145 => 125,
        w if w <= 170 => 117,
        w if w <= 200 => 113,
        w if w <= 240 => 100,
        w if w <= 420 => 90,
        _ => 80,
    }
}

/// Keeps the frame's reserved height (`--cofund-reserve`) matched to its width, from
/// before the first paint (a ResizeObserver reports a newly observed element before
/// painting) and on every resize, such as a phone turned on its side.
pub(crate) fn reserve_by_width(frame: web_sys::HtmlElement) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let update = {
        let frame = frame.clone();
        move || {
            let root_px = crate::window()
                .and_then(|w| w.document()?.document_element().map(|root| (w, root)))
                .and_then(|(w, root)| w.get_computed_style(&root).ok().flatten())
                .and_then(|style| style.get_property_value("font-size").ok())
                // Whole pixels are precise enough here, and parsing a float would add
                // the float parser to the widget (17 KB).
                .and_then(|size| size.split(['.', 'p']).next()?.parse::<i64>().ok())
                .filter(|px| *px > 0)
                .unwrap_or(16);
            let width_rem_x10 = i64::from(frame.client_width()) * 10 / root_px;
            let _ = frame.style().set_property("--cofund-reserve", &format!("{}rem", reserve_rem(width_rem_x10)));
        }
    };
    let callback = Closure::<dyn FnMut()>::new(update);
    let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) else { return };
    observer.observe(&frame);
    // Browser objects stay on the page's one thread; the wrapper says so to Leptos.
    let owned = send_wrapper::SendWrapper::new((observer, callback));
    leptos::prelude::on_cleanup(move || owned.take().0.disconnect());
}

#[cfg(test)]
mod tests {
    use super::reserve_rem;

    #[test]
    fn narrower_columns_reserve_more() {
        let widths = [100, 145, 146, 170, 171, 200, 201, 240, 241, 420, 421, 460];
        let reserved: Vec<u32> = widths.iter().map(|w| reserve_rem(*w)).collect();
        assert_eq!(reserved, [125, 125, 117, 117, 113, 113, 100, 100, 90, 90, 80, 80]);
        assert!(reserved.windows(2).all(|p| p[0] >= p[1]));
    }
}
