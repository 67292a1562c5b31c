//! Loading and error states.

use crate::api::LoadError;
use crate::i18n::Locale;
use leptos::prelude::*;

/// The loaded widget's outline, drawn at its positions: programme, title, crowd figures
/// and bar, the pledge button, the budget bar and its parts, the collapsed lists.
const SKELETON: [&str; 14] = [
    "height:1rem;width:35%",
    "height:1.75rem;width:75%",
    "height:1.25rem;width:45%;margin-top:1.25rem",
    "height:2.25rem;width:60%",
    "height:1rem;width:100%",
    "height:2.5rem;width:100%",
    "height:2.75rem;width:12rem;margin-top:1rem",
    "height:1.25rem;width:50%;margin-top:1.5rem",
    "height:0.875rem;width:100%",
    "height:2.5rem;width:100%",
    "height:2.5rem;width:100%",
    "height:2.5rem;width:100%",
    "height:1.25rem;width:55%;margin-top:1.5rem",
    "height:1.25rem;width:40%",
];

/// Placeholder in the shape of the loaded widget, inside the frame's reserved height,
/// so nothing moves when the figures arrive.
#[component]
pub fn Skeleton(locale: Locale) -> impl IntoView {
    view! {
        <div class="cofund-skeleton" role="status">
            <span class="cofund-sr">{locale.t().loading}</span>
            {SKELETON.map(|style| view! { <span class="cofund-skel" style=style aria-hidden="true"></span> })}
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
            <p style="margin-top:1rem">
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
