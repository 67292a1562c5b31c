//! Loading and error states.

use crate::api::LoadError;
use crate::i18n::Locale;
use leptos::prelude::*;

/// Placeholder in the shape of the loaded widget's top, inside the same reserved
/// height, so nothing below moves when the figures arrive.
#[component]
pub fn Skeleton(locale: Locale) -> impl IntoView {
    view! {
        <div class="cofund-skeleton" role="status">
            <span class="cofund-sr">{locale.t().loading}</span>
            <span class="cofund-skel" style="height:1rem;width:40%" aria-hidden="true"></span>
            <span class="cofund-skel" style="height:1.75rem;width:75%" aria-hidden="true"></span>
            <span class="cofund-skel" style="height:2.25rem;width:50%;margin-top:1rem" aria-hidden="true"></span>
            <span class="cofund-skel" style="height:1rem;width:100%" aria-hidden="true"></span>
            <span class="cofund-skel" style="height:1rem;width:60%" aria-hidden="true"></span>
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
