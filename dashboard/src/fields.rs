//! Small form fields: a label, the control, an optional hint and the field's error
//! beside it, linked with `aria-describedby` and marked `aria-invalid`.

use crate::ctx;
use cofund_core::{parse_amount_input, FieldError};
use leptos::prelude::*;

/// The error shown for `field`, in words, or `None`.
fn message_for(
    errors: RwSignal<Vec<FieldError>>,
    field: StoredValue<String>,
    money_input: Option<RwSignal<String>>,
) -> Option<String> {
    let locale = ctx().locale.get();
    errors.with(|list| {
        let e = field.with_value(|f| list.iter().find(|e| e.field == *f).cloned())?;
        // An amount that could not be read says what to type instead.
        if let Some(Err(reason)) = money_input.map(|v| parse_amount_input(&v.get())) {
            return Some(locale.amount_input_error(reason).to_owned());
        }
        Some(locale.problem(&e.problem))
    })
}

fn described_by(id: &str, has_hint: bool, has_error: bool) -> String {
    let mut ids = Vec::new();
    if has_hint {
        ids.push(format!("{id}-hint"));
    }
    if has_error {
        ids.push(format!("{id}-error"));
    }
    ids.join(" ")
}

/// A text input; `money` reads it with the widget's amount rules for its error text.
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    #[prop(into)] field: String,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional)] money: bool,
    #[prop(optional, into)] readonly: Option<Signal<bool>>,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    let field = StoredValue::new(field);
    let message = move || message_for(errors, field, money.then_some(value));
    let has_hint = hint.is_some();
    let (id1, id2, id3, id4) = (id.clone(), id.clone(), id.clone(), id.clone());
    view! {
        <div class="field">
            <label for=id1>{move || label.get()}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id2}-hint")>{move || h.get()}</p> })}
            <input id=id.clone() type="text" bind:value=value readonly=move || readonly.is_some_and(|r| r.get())
                inputmode=inputmode.unwrap_or(if money { "decimal" } else { "text" })
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=move || described_by(&id3, has_hint, message().is_some())/>
            {move || message().map(|m| view! { <p class="field-error" id=format!("{id4}-error")>{m}</p> })}
        </div>
    }
}

/// A select of `(value, label)` options.
#[component]
pub fn SelectField(
    #[prop(into)] id: String,
    #[prop(into)] field: String,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let field = StoredValue::new(field);
    let message = move || message_for(errors, field, None);
    let (id1, id3, id4) = (id.clone(), id.clone(), id.clone());
    view! {
        <div class="field">
            <label for=id1>{move || label.get()}</label>
            <select id=id.clone() on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=move || described_by(&id3, false, message().is_some())>
                {move || options.get().into_iter().map(|(v, l)| {
                    let selected = value.get_untracked() == v;
                    view! { <option value=v selected=selected>{l}</option> }
                }).collect_view()}
            </select>
            {move || message().map(|m| view! { <p class="field-error" id=format!("{id4}-error")>{m}</p> })}
        </div>
    }
}

/// A checkbox with its label after it.
#[component]
pub fn CheckField(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<String>,
    checked: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <div class="field check">
            <input id=id.clone() type="checkbox" bind:checked=checked/>
            <label for=id>{move || label.get()}</label>
        </div>
    }
}
