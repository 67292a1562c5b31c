//! Loading and error states.

use crate::api::LoadError;
use crate::i18n::{Locale, Say};
use leptos::prelude::*;

/// The loaded widget's outline, drawn at its positions: programme, title, crowd figures
/// and bar, the pledge button, the budget bar and its parts, the collapsed lists:
/// (height, width, margin-top) of each bar; set through the CSSOM, which a host page's
/// Content-Security-Policy allows, unlike `style` attributes.
const SKELETON: [(&str, &str, &str); 14] = [
    ("1rem", "35%", "0"),
    ("1.75rem", "75%", "0"),
    ("1.25rem", "45%", "1.25rem"),
    ("2.25rem", "60%", "0"),
    ("1rem", "100%", "0"),
    ("2.5rem", "100%", "0"),
    ("2.75rem", "12rem", "1rem"),
    ("1.25rem", "50%", "1.5rem"),
    ("0.875rem", "100%", "0"),
    ("2.5rem", "100%", "0"),
    ("2.5rem", "100%", "0"),
    ("2.5rem", "100%", "0"),
    ("1.25rem", "55%", "1.5rem"),
    ("1.25rem", "40%", "0"),
];

/// Placeholder in the shape of the loaded widget, inside the frame's reserved height,
/// so nothing moves when the figures arrive.
#[component]
pub fn Skeleton(locale: Locale) -> impl IntoView {
    view! {
        <div class="cofund-skeleton" role="status">
            <span class="cofund-sr">{locale.t().loading}</span>
            {SKELETON.map(|(height, width, margin)| view! {
                <span class="cofund-skel" style:height=height style:width=width style:margin-top=margin aria-hidden="true"></span>
            })}
        </div>
    }
}

/// A clear message in the widget's language, details for invalid documents, and a retry.
#[component]
pub fn ErrorPanel(
    error: LoadError,
    locale: Locale,
    pending: ReadSignal<bool>,
    on_retry: impl Fn() + 'static,
) -> impl IntoView {
    let t = locale.t();
    let details = error.details(locale);
    let retryable = !matches!(error, LoadError::NoSource);
    view! {
        <div class="cofund-error" role="alert">
            <h2>{t.error_heading}</h2>
            <p class="cofund-error-message">{error.message(locale)}</p>
            {(!details.is_empty())
                .then(|| view! { <ul>{details.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul> })}
        </div>
        {retryable.then(|| view! {
            <p class="cofund-retry-row">
                <button
                    type="button"
                    class="cofund-retry"
                    aria-disabled=move || pending.get().to_string()
                    on:click=move |_| if !pending.get_untracked() { on_retry() }
                >
                    {move || if pending.get() { t.retrying } else { t.retry }}
                </button>
            </p>
        })}
    }
}
