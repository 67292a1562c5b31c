//! The payment details after a pledge, made for a phone: each detail a label above its
//! value when the widget is narrow, the IBAN in groups of four, and a copy button beside
//! the IBAN, the amount and the reference.

use crate::i18n::Locale;
use cofund_core::api::PaymentInstructions;
use cofund_core::payment::{compact_iban, group_iban, transfer_amount};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// A detail that can be copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    Amount,
    Iban,
    Reference,
}

impl Detail {
    /// Its noun in the copy button's name and the announcements.
    fn noun(self, locale: Locale) -> &'static str {
        let t = locale.t();
        match self {
            Detail::Amount => t.copy_amount_noun,
            Detail::Iban => t.iban,
            Detail::Reference => t.copy_reference_noun,
        }
    }
}

/// The bank-transfer details of a pledge, with copy buttons. Copies and fallbacks are
/// announced through the form's live region.
#[component]
pub(super) fn TransferDetails(
    payment: PaymentInstructions,
    amount: String,
    locale: Locale,
    announcement: RwSignal<String>,
) -> impl IntoView {
    let t = locale.t();
    let copied = RwSignal::new(None::<Detail>);
    let row = move |label: &'static str, class: &'static str, shown: String, copy: Option<(Detail, String)>| {
        let value = NodeRef::<leptos::html::Span>::new();
        let button = copy.map(|(detail, exact)| {
            let exact = StoredValue::new(exact);
            let is_copied = move || copied.get() == Some(detail);
            let on_click = move |_| {
                let Some(node) = value.get_untracked() else { return };
                leptos::task::spawn_local(async move {
                    let outcome = copy_text(&exact.get_value(), &node).await;
                    copied.set((outcome == CopyOutcome::Copied).then_some(detail));
                    announcement.set(locale.copy_outcome(detail.noun(locale), outcome == CopyOutcome::Copied));
                });
            };
            view! {
                <button
                    type="button"
                    class="cofund-secondary cofund-copy"
                    aria-label=move || locale.copy_label(detail.noun(locale), is_copied())
                    on:click=on_click
                >
                    {move || if is_copied() { t.copied } else { t.copy }}
                </button>
            }
        });
        view! {
            <div class="cofund-detail">
                <dt>{label}</dt>
                <dd>
                    <span class=format!("cofund-value {class}") node_ref=value>{shown}</span>
                    {button}
                </dd>
            </div>
        }
    };
    let decimal = locale.decimal_separator();
    let amount_exact = transfer_amount(payment.amount_cents, decimal);
    view! {
        <dl class="cofund-details">
            {row(t.amount, "cofund-pay-amount", amount, Some((Detail::Amount, amount_exact)))}
            {row(t.iban, "cofund-pay-iban", group_iban(&payment.iban), Some((Detail::Iban, compact_iban(&payment.iban))))}
            {row(t.account_holder, "cofund-pay-holder", payment.account_holder.clone(), None)}
            {row(t.reference, "cofund-pay-reference", payment.reference.clone(), Some((Detail::Reference, payment.reference.clone())))}
        </dl>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CopyOutcome {
    Copied,
    /// The browser would not copy (no Clipboard API outside HTTPS, or permission
    /// refused): the value is selected so the donor can copy it themselves.
    Selected,
}

/// Puts `text` on the clipboard. Where the Clipboard API is missing or refuses, selects
/// the shown value instead and asks the browser to copy the selection (the shown form:
/// the IBAN with its spaces, which banking apps take too); where that fails as well, the
/// selection stays for the donor to copy.
async fn copy_text(text: &str, shown: &web_sys::HtmlSpanElement) -> CopyOutcome {
    let Some(window) = web_sys::window() else { return CopyOutcome::Selected };
    // `navigator.clipboard` is undefined outside secure contexts (an HTTP host page).
    let clipboard = window.navigator().clipboard();
    if !clipboard.is_undefined() && JsFuture::from(clipboard.write_text(text)).await.is_ok() {
        return CopyOutcome::Copied;
    }
    let Some(selection) = window.get_selection().ok().flatten() else { return CopyOutcome::Selected };
    if selection.select_all_children(shown).is_err() {
        return CopyOutcome::Selected;
    }
    let copied = window
        .document()
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false);
    if copied {
        CopyOutcome::Copied
    } else {
        CopyOutcome::Selected
    }
}
