//! The payment details after a pledge, made for a phone: each detail a label above its
//! value when the widget is narrow, the IBAN in groups of four, and a copy button beside
//! the IBAN, the amount and the reference.

use crate::api::{go_to_checkout, new_idempotency_key, payment_state, return_url, start_payment, PaymentStartOutcome};
use crate::i18n::{Locale, Say};
use cofund_core::api::{OnlinePayment, OnlinePaymentStatus, PaymentInstructions, PaymentState};
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
    let Some(window) = crate::window() else { return CopyOutcome::Selected };
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

/// "Betaal nu met iDEAL": starts the pledge's online payment and sends the donor to
/// the provider's checkout at the top level of the window (never inside a frame). One
/// idempotency key per attempt, kept for a retry after a failed request.
#[component]
pub(super) fn OnlinePay(
    online: OnlinePayment,
    locale: Locale,
    announcement: RwSignal<String>,
    #[prop(default = false)] again: bool,
) -> impl IntoView {
    let t = locale.t();
    let start_url = StoredValue::new(online.start_url);
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let fallback_link = RwSignal::new(None::<String>);
    let key = StoredValue::new(None::<String>);
    let on_click = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failed.set(false);
        announcement.set(t.going_to_checkout.into());
        let attempt = key.get_value().unwrap_or_else(new_idempotency_key);
        key.set_value(Some(attempt.clone()));
        leptos::task::spawn_local(async move {
            match start_payment(&start_url.get_value(), &attempt, &return_url()).await {
                PaymentStartOutcome::Checkout(url) => {
                    key.set_value(None);
                    if !go_to_checkout(&url) {
                        busy.set(false);
                        fallback_link.set(Some(url));
                    }
                }
                outcome => {
                    if outcome == PaymentStartOutcome::Unavailable {
                        key.set_value(None);
                    }
                    busy.set(false);
                    failed.set(true);
                    announcement.set(t.payment_start_failed.into());
                }
            }
        });
    };
    view! {
        <p class="cofund-field cofund-pay-online">
            <button type="button" class="cofund-ideal" disabled=move || busy.get() aria-disabled=move || busy.get().to_string() on:click=on_click>
                {move || if busy.get() { t.going_to_checkout } else if again { t.pay_ideal_again } else { t.pay_ideal }}
            </button>
        </p>
        {move || fallback_link.get().map(|url| view! { <p><a href=url target="_top">{t.open_checkout}</a></p> })}
        {move || failed.get().then(|| view! { <p class="cofund-notice" role="alert">{t.payment_start_failed}</p> })}
    }
}

/// The pledge's payment as the donor comes back from the provider: paid, still pending
/// (check again), or failed (pay again or transfer).
#[component]
pub(super) fn ReturnedPayment(
    state: PaymentState,
    status_url: String,
    amount: String,
    locale: Locale,
    announcement: RwSignal<String>,
    heading_id: String,
    on_checked: impl Fn(PaymentState) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = locale.t();
    let (class, heading, body) = match state.online {
        OnlinePaymentStatus::Paid => ("cofund-thanks cofund-paid", t.paid_heading, t.paid_body),
        OnlinePaymentStatus::Pending => ("cofund-thanks cofund-pending", t.pending_heading, t.pending_body),
        OnlinePaymentStatus::Failed => ("cofund-thanks cofund-failed", t.failed_heading, t.failed_body),
        OnlinePaymentStatus::None => ("cofund-thanks", t.thanks_heading, t.thanks_body),
    };
    let status_url = StoredValue::new(status_url);
    let check = move |_| {
        leptos::task::spawn_local(async move {
            if let Some(s) = payment_state(&status_url.get_value()).await {
                on_checked(s);
            }
        });
    };
    let open = state.online != OnlinePaymentStatus::Paid;
    view! {
        <div class=class>
            <h3 id=heading_id tabindex="-1">{heading}</h3>
            <p>{body}</p>
            {(state.online == OnlinePaymentStatus::Pending).then(|| view! {
                <p class="cofund-field"><button type="button" class="cofund-secondary" on:click=check>{t.check_again}</button></p>
            })}
            {state.online_payment.clone().filter(|_| state.online == OnlinePaymentStatus::Failed).map(|online| view! {
                <OnlinePay online=online locale=locale announcement=announcement again=true/>
            })}
            {open.then(|| view! {
                <p class="cofund-transfer-intro">{t.transfer_instead}</p>
                <TransferDetails payment=state.payment.clone() amount=amount locale=locale announcement=announcement/>
            })}
        </div>
    }
}
