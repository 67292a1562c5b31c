//! The widget's components. Logic lives in `cofund-core` on plain types; these only
//! arrange it and put it into words.

mod budget;
mod crowd;
mod lists;
mod pledge;
mod stakeholders;
mod status;
mod widget;

pub use widget::CofundWidget;

use std::sync::atomic::{AtomicU32, Ordering};

/// A page-unique id prefix, so several widgets on one page never share an id.
pub(crate) fn next_id() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("cofund-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Basis points as a CSS percentage, `5816` → `58.16%`, without a float.
pub(crate) fn css_percent(bps: i64) -> String {
    let bps = bps.clamp(0, 10_000);
    format!("{}.{:02}%", bps / 100, bps % 100)
}

/// Formats cents in the cohort's currency, tracking the cohort (its currency could change
/// with a refreshed document).
pub(crate) fn money_in(cohort: leptos::prelude::RwSignal<cofund_core::Cohort>, locale: crate::i18n::Locale) -> impl Fn(i64) -> String + Copy {
    use leptos::prelude::With;
    move |cents| cohort.with(|c| crate::format::money(locale, &c.document().currency, cents))
}
