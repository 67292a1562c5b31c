//! Pledging: suggested or typed amounts, the donor's choices, one idempotency key per
//! attempt, field errors beside their fields, and the thank-you state with payment
//! instructions (and online payment, where the cohort offers it), and the payment state
//! when the donor comes back from the payment provider. Read-only documents link to the
//! programme instead.

use super::payment::{OnlinePay, ReturnedPayment, TransferDetails};
use crate::api::{
    new_idempotency_key, payment_state, reload_cohort, resolve, returned_pledge_id, send_pledge, PledgeOutcome,
};
use crate::{format, i18n::Locale, i18n::Say};
use cofund_core::api::{
    validate_pledge, OnlinePaymentStatus, PaymentState, PledgeField, PledgeRequest, PledgeResponse, MESSAGE_MAX_CHARS,
};
use cofund_core::{parse_amount_input, CampaignPhase, Cohort, FieldError, Problem, Timestamp};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The fields this form has a place for an error beside, in the order they appear
/// (core's form order); focus goes to the first with an error.
const FIELDS: [&str; 5] = [
    PledgeField::AmountCents.as_str(),
    PledgeField::Name.as_str(),
    PledgeField::Email.as_str(),
    PledgeField::Message.as_str(),
    PledgeField::Consent.as_str(),
];

// One form holds one stage; boxing the receipt would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Editing,
    Sending,
    Done(PledgeResponse),
}

/// A notice about the last attempt that is not about one field.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Notice {
    Unreachable,
    ServerError,
    Closed,
    NotFound,
    OriginRefused,
    Rejected,
}

#[component]
pub fn PledgeSection(
    cohort: RwSignal<Cohort>,
    locale: Locale,
    now: Timestamp,
    src: String,
    id: String,
) -> impl IntoView {
    let t = locale.t();
    let (links, phase, opens_at) = cohort.with_untracked(|c| (c.document().links.clone(), c.phase(now), c.opens_at()));
    let Some(pledge_link) = links.pledge else {
        return links
            .page
            .map(|url| view! { <p class="cofund-readonly">{t.read_only}" "<a href=url>{t.programme_page}</a></p> })
            .into_any();
    };
    match phase {
        CampaignPhase::Open { .. } => {}
        CampaignPhase::Closed => return view! { <p class="cofund-readonly">{t.campaign_closed}</p> }.into_any(),
        CampaignPhase::Upcoming { .. } => {
            return view! { <p class="cofund-readonly">{locale.opens_on(&format::date(locale, opens_at))}</p> }
                .into_any()
        }
    }
    let url = resolve(&pledge_link, &src).unwrap_or(pledge_link);
    view! { <PledgeForm cohort=cohort locale=locale now=now url=url src=src id=id/> }.into_any()
}

/// Focuses the element with this id, if it is there (in the page or a shadow root).
fn focus(id: &str) {
    if let Some(el) = crate::element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

#[component]
fn PledgeForm(
    cohort: RwSignal<Cohort>,
    locale: Locale,
    now: Timestamp,
    url: String,
    src: String,
    id: String,
) -> impl IntoView {
    let t = locale.t();
    let (currency, suggested, min, max) = cohort.with_untracked(|c| {
        let crowd = &c.document().crowd;
        (c.document().currency.clone(), crowd.suggested_cents.clone(), crowd.min_cents, crowd.max_cents)
    });
    let currency = StoredValue::new(currency);
    let money = move |cents: i64| format::money(locale, &currency.read_value(), cents);
    let events = StoredValue::new(crate::events::host());

    // What the donor enters.
    let chosen = RwSignal::new(suggested.get(1).or(suggested.first()).copied());
    let custom = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let show_name = RwSignal::new(false);
    let show_amount = RwSignal::new(true);
    let email = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    // News by e-mail: off unless the donor turns it on (AVG: consent is opt-in).
    let news = RwSignal::new(false);
    let honeypot = RwSignal::new(String::new());

    let stage = RwSignal::new(Stage::Editing);
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let notice = RwSignal::new(None::<Notice>);
    let announcement = RwSignal::new(String::new());
    // The current attempt: its idempotency key and the body it was sent with.
    let attempt = StoredValue::new(None::<(String, String)>);
    let url = StoredValue::new(url);
    let src = StoredValue::new(src);
    let ids = StoredValue::new(id);
    let fid = move |field: &str| format!("{}-{field}", ids.read_value());

    // Back from the payment provider (`?cofund_payment=pl_…`): the pledge's payment, if
    // it is one of this cohort's.
    let returned = RwSignal::new(None::<PaymentState>);
    let details = NodeRef::<leptos::html::Details>::new();
    let show_returned = move |state: PaymentState| {
        let t = locale.t();
        announcement.set(
            match state.online {
                OnlinePaymentStatus::Paid => t.paid_heading,
                OnlinePaymentStatus::Pending => t.pending_heading,
                OnlinePaymentStatus::Failed => t.failed_heading,
                OnlinePaymentStatus::None => t.thanks_heading,
            }
            .into(),
        );
        if state.online == OnlinePaymentStatus::Paid {
            // The received figure moved: show it now, not after the cache's 15 seconds.
            leptos::task::spawn_local(async move {
                if let Ok(fresh) = reload_cohort(&src.get_value()).await {
                    cohort.set(fresh);
                }
            });
        }
        returned.set(Some(state));
        if let Some(d) = details.get_untracked() {
            let _ = d.set_attribute("open", "");
        }
        request_animation_frame(move || focus(&fid("thanks")));
    };
    if let Some(pledge_id) = returned_pledge_id() {
        let status_url = format!("{}/{pledge_id}/payment", url.get_value());
        leptos::task::spawn_local(async move {
            if let Some(state) = payment_state(&status_url).await {
                show_returned(state);
            }
        });
    }

    let error_for =
        move |field: &'static str| move || errors.with(|e| e.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()));
    let describe = move |field: &'static str, hint: Option<&'static str>| {
        move || {
            let mut ids: Vec<String> = hint.map(fid).into_iter().collect();
            if errors.with(|e| e.iter().any(|(f, _)| f == field)) {
                ids.push(fid(&format!("{field}-error")));
            }
            ids.join(" ")
        }
    };
    let invalid = move |field: &'static str| move || errors.with(|e| e.iter().any(|(f, _)| f == field)).to_string();

    let field_message = move |e: &FieldError| -> String {
        match (e.field.as_str(), &e.problem) {
            ("amount_cents", Problem::OutOfRange { min, max }) => locale.amount_range(&money(*min), &money(*max)),
            ("email", Problem::Required) => t.err_email_required.into(),
            ("email", _) => t.err_email_format.into(),
            ("name", Problem::Required) => t.err_name_required.into(),
            ("name", Problem::TooLong { max }) => locale.name_too_long(*max),
            ("message", Problem::TooLong { max }) => locale.message_too_long(*max),
            ("consent", _) => t.err_consent.into(),
            (_, Problem::ControlCharacters) => t.err_text_invalid.into(),
            ("website", _) => t.err_form_rejected.into(),
            (_, p) => locale.problem(p),
        }
    };

    let show_errors = move |list: Vec<(String, String)>| {
        let first = FIELDS.iter().find(|f| list.iter().any(|(x, _)| x == *f)).copied();
        let count = list.len();
        let unplaced = list.iter().any(|(f, _)| !FIELDS.contains(&f.as_str()));
        errors.set(list);
        if unplaced {
            notice.set(Some(Notice::Rejected));
        }
        announcement.set(locale.errors_in_form(count));
        if let Some(f) = first {
            // The amount's input is the custom one; a suggested amount cannot be wrong.
            focus(&fid(if f == "amount_cents" { "amount" } else { f }));
        }
    };

    let submit = move || {
        if stage.get_untracked() == Stage::Sending {
            return; // a double click makes one pledge
        }
        notice.set(None);
        let amount = match chosen.get_untracked() {
            Some(cents) if custom.with_untracked(|c| c.trim().is_empty()) => Ok(cents),
            _ => parse_amount_input(&custom.get_untracked()).map_err(|e| locale.amount_input_error(e).to_owned()),
        };
        let request = PledgeRequest {
            amount_cents: *amount.as_ref().unwrap_or(&0),
            name: Some(name.get_untracked()),
            show_name: show_name.get_untracked(),
            show_amount: show_amount.get_untracked(),
            email: email.get_untracked(),
            message: Some(message.get_untracked()),
            consent: consent.get_untracked(),
            news: news.get_untracked(),
            website: Some(honeypot.get_untracked()).filter(|w| !w.is_empty()),
            // The confirmation, reminders and thank-you are written in the widget's language.
            locale: Some(locale.tag().to_owned()),
            // Personal fundraising links (issue 15) are not wired into the widget yet.
            fundraiser: None,
        };
        let mut list: Vec<(String, String)> = Vec::new();
        if let Err(m) = &amount {
            list.push(("amount_cents".into(), m.clone()));
        }
        if let Err(field_errors) = validate_pledge(&request, min, max) {
            for e in field_errors.iter().filter(|e| amount.is_ok() || e.field != "amount_cents") {
                list.push((e.field.clone(), field_message(e)));
            }
        }
        if !list.is_empty() {
            show_errors(list);
            return;
        }
        errors.set(Vec::new());
        let body = serde_json::to_string(&request).unwrap_or_default();
        // Same body as an attempt whose outcome is unknown: the same attempt, same key.
        let key = match attempt.get_value() {
            Some((key, sent)) if sent == body => key,
            _ => new_idempotency_key(),
        };
        attempt.set_value(Some((key.clone(), body.clone())));
        stage.set(Stage::Sending);
        announcement.set(t.sending.into());
        leptos::task::spawn_local(async move {
            let outcome = send_pledge(&url.get_value(), &key, &body).await;
            if !matches!(outcome, PledgeOutcome::Unreachable | PledgeOutcome::ServerError) {
                attempt.set_value(None);
            }
            match outcome {
                PledgeOutcome::Recorded(response) => {
                    if let Some(events) = events.get_value() {
                        let slug = cohort.with_untracked(|c| c.document().slug.clone());
                        events.pledged(&slug, response.payment.amount_cents, &response.payment.reference);
                    }
                    if let Ok(updated) = cohort.with_untracked(|c| c.with_crowd_totals(&response.totals)) {
                        cohort.set(updated);
                    }
                    stage.set(Stage::Done(response));
                    announcement.set(t.pledge_recorded_announcement.into());
                    // The totals are shown at once; the fresh document then adds the new
                    // pledge to the recent ones and to the history. A failure here keeps
                    // what is shown.
                    leptos::task::spawn_local(async move {
                        if let Ok(fresh) = reload_cohort(&src.get_value()).await {
                            cohort.set(fresh);
                        }
                    });
                    // After the thank-you state has rendered.
                    request_animation_frame(move || focus(&fid("thanks")));
                }
                PledgeOutcome::Invalid(field_errors) => {
                    stage.set(Stage::Editing);
                    show_errors(field_errors.iter().map(|e| (e.field.clone(), field_message(e))).collect());
                }
                other => {
                    stage.set(Stage::Editing);
                    let n = match other {
                        PledgeOutcome::CampaignClosed => Notice::Closed,
                        PledgeOutcome::NotFound => Notice::NotFound,
                        PledgeOutcome::OriginRefused => Notice::OriginRefused,
                        PledgeOutcome::Unreachable => Notice::Unreachable,
                        PledgeOutcome::ServerError => Notice::ServerError,
                        _ => Notice::Rejected,
                    };
                    notice.set(Some(n));
                    announcement.set(notice_text(locale, n).into());
                    request_animation_frame(move || focus(&fid("notice")));
                }
            }
        });
    };

    let again = move |_| {
        name.set(String::new());
        message.set(String::new());
        custom.set(String::new());
        consent.set(false);
        stage.set(Stage::Editing);
        returned.set(None);
        announcement.set(String::new());
        request_animation_frame(move || focus(&fid("amount")));
    };

    let sending = move || stage.with(|s| *s == Stage::Sending);
    let done = Memo::new(move |_| match stage.get() {
        Stage::Done(r) => Some(r),
        _ => None,
    });
    let heading_id = fid("pledge");
    let labelled_by = heading_id.clone();
    let section_labelled_by = heading_id.clone();
    let suggested = StoredValue::new(suggested);
    let suggested_buttons = move || {
        suggested
        .get_value()
        .into_iter()
        .map(|cents| {
            view! {
                <button
                    type="button"
                    aria-pressed=move || (chosen.get() == Some(cents) && custom.with(|c| c.trim().is_empty())).to_string()
                    on:click=move |_| {
                        chosen.set(Some(cents));
                        custom.set(String::new());
                        errors.update(|e| e.retain(|(f, _)| f != "amount_cents"));
                    }
                >
                    {money(cents)}
                </button>
            }
        })
        .collect_view()
    };

    // What the matches add to the amount being typed, computed by cofund-core from the
    // document (for a donor giving for the first time).
    let preview = move || {
        let amount = match chosen.get() {
            Some(cents) if custom.with(|c| c.trim().is_empty()) => cents,
            _ => parse_amount_input(&custom.get()).ok()?,
        };
        let lines: Vec<String> = cohort.with(|c| {
            c.gift_preview(amount, now)
                .into_iter()
                .filter(|p| p.adds_cents > 0)
                .map(|p| {
                    let name = &c.document().stakeholders[p.stakeholder].name;
                    let left = p.left_after_cents.map(money);
                    locale.match_preview(
                        name,
                        &money(amount),
                        &money(amount.saturating_add(p.adds_cents)),
                        p.adds_cents == amount,
                        left.as_deref(),
                    )
                })
                .collect()
        });
        // The programme's multiplier pot, from cofund-core's preview of the pot's state.
        let pot_line = cohort.with(|c| {
            let p = c.pot_preview(amount).filter(|p| p.adds_cents > 0)?;
            Some(locale.pot_preview(&c.document().programme.name, &money(p.adds_cents), &money(p.left_after_cents)))
        });
        let lines: Vec<String> = lines.into_iter().chain(pot_line).collect();
        (!lines.is_empty())
            .then(|| lines.into_iter().map(|l| view! { <p class="cofund-match cofund-preview">{l}</p> }).collect_view())
    };

    let form = move || {
        view! {
            <form
                class="cofund-form"
                novalidate
                aria-labelledby=labelled_by.clone()
                on:submit=move |ev| {
                    ev.prevent_default();
                    submit();
                }
            >
                <fieldset class="cofund-field">
                    <legend>{t.choose_amount}</legend>
                    <div class="cofund-amounts">{suggested_buttons()}</div>
                    <div class="cofund-field">
                        <label for=fid("amount")>{t.other_amount}</label>
                        <input
                            id=fid("amount")
                            name="amount"
                            type="text"
                            inputmode="decimal"
                            autocomplete="transaction-amount"
                            aria-invalid=invalid("amount_cents")
                            aria-describedby=describe("amount_cents", Some("amount-hint"))
                            prop:value=move || custom.get()
                            on:input=move |ev| custom.set(event_target_value(&ev))
                        />
                        <p class="cofund-muted" id=fid("amount-hint")>
                            {t.other_amount_hint}" · "{locale.amount_range(&money(min), &money(max))}
                        </p>
                        <FieldError id=fid("amount_cents-error") message=error_for("amount_cents")/>
                    </div>
                    {preview}
                </fieldset>
                <div class="cofund-field">
                    <label for=fid("name")>{t.your_name}</label>
                    <input
                        id=fid("name")
                        name="name"
                        type="text"
                        autocomplete="name"
                        maxlength="80"
                        aria-invalid=invalid("name")
                        aria-describedby=describe("name", None)
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                    <FieldError id=fid("name-error") message=error_for("name")/>
                </div>
                <div class="cofund-field cofund-check">
                    <input
                        id=fid("show-name")
                        type="checkbox"
                        prop:checked=move || show_name.get()
                        on:change=move |ev| show_name.set(event_target_checked(&ev))
                    />
                    <label for=fid("show-name")>{t.show_name}</label>
                </div>
                <div class="cofund-field cofund-check">
                    <input
                        id=fid("show-amount")
                        type="checkbox"
                        // Checked from the start: also in the server's first view (HTML has
                        // no properties, only attributes).
                        checked=show_amount.get_untracked()
                        prop:checked=move || show_amount.get()
                        on:change=move |ev| show_amount.set(event_target_checked(&ev))
                    />
                    <label for=fid("show-amount")>{t.show_amount}</label>
                </div>
                <div class="cofund-field">
                    <label for=fid("email")>{t.email}</label>
                    <input
                        id=fid("email")
                        name="email"
                        type="email"
                        autocomplete="email"
                        required
                        aria-required="true"
                        aria-invalid=invalid("email")
                        aria-describedby=describe("email", Some("email-hint"))
                        prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev))
                    />
                    <p class="cofund-muted" id=fid("email-hint")>{t.email_hint}</p>
                    <FieldError id=fid("email-error") message=error_for("email")/>
                </div>
                <div class="cofund-field">
                    <label for=fid("message")>{t.message}</label>
                    <textarea
                        id=fid("message")
                        name="message"
                        rows="3"
                        aria-invalid=invalid("message")
                        aria-describedby=describe("message", Some("message-count"))
                        prop:value=move || message.get()
                        on:input=move |ev| message.set(event_target_value(&ev))
                    ></textarea>
                    <p class="cofund-muted" id=fid("message-count")>
                        {move || locale.chars_left(MESSAGE_MAX_CHARS as i64 - message.with(|m| m.trim().chars().count()) as i64)}
                    </p>
                    <FieldError id=fid("message-error") message=error_for("message")/>
                </div>
                <div class="cofund-field cofund-check">
                    <input
                        id=fid("news")
                        type="checkbox"
                        prop:checked=move || news.get()
                        on:change=move |ev| news.set(event_target_checked(&ev))
                    />
                    <label for=fid("news")>{t.news}</label>
                </div>
                <div class="cofund-honeypot" aria-hidden="true">
                    <label for=fid("website")>{t.honeypot}</label>
                    <input
                        id=fid("website")
                        name="website"
                        type="text"
                        tabindex="-1"
                        autocomplete="off"
                        prop:value=move || honeypot.get()
                        on:input=move |ev| honeypot.set(event_target_value(&ev))
                    />
                </div>
                <div class="cofund-field cofund-check">
                    <input
                        id=fid("consent")
                        type="checkbox"
                        required
                        aria-required="true"
                        aria-invalid=invalid("consent")
                        aria-describedby=describe("consent", None)
                        prop:checked=move || consent.get()
                        on:change=move |ev| consent.set(event_target_checked(&ev))
                    />
                    <label for=fid("consent")>{t.consent}</label>
                </div>
                <FieldError id=fid("consent-error") message=error_for("consent")/>
                {move || notice.get().map(|n| view! {
                    <p class="cofund-notice" id=fid("notice") tabindex="-1">{notice_text(locale, n)}</p>
                })}
                <p class="cofund-field">
                    <button type="submit" class="cofund-submit" disabled=sending aria-disabled=move || sending().to_string()>
                        {move || if sending() {
                            t.sending
                        } else if matches!(notice.get(), Some(Notice::Unreachable | Notice::ServerError)) {
                            t.retry_send
                        } else {
                            t.submit
                        }}
                    </button>
                </p>
            </form>
        }
    };

    let thanks = move |r: PledgeResponse| {
        let heading = match name.get_untracked().trim() {
            "" => t.thanks_heading.to_owned(),
            n => locale.thanks_named(n),
        };
        let online = r.online_payment.clone();
        view! {
            <div class="cofund-thanks">
                <h3 id=fid("thanks") tabindex="-1">{heading}</h3>
                <p>{if online.is_some() { t.thanks_body_online } else { t.thanks_body }}</p>
                {online.map(|online| view! {
                    <OnlinePay online=online locale=locale announcement=announcement/>
                    <p class="cofund-transfer-intro">{t.transfer_instead}</p>
                })}
                <TransferDetails
                    payment=r.payment.clone()
                    amount=money(r.payment.amount_cents)
                    locale=locale
                    announcement=announcement
                />
                {r.payment.note.clone().map(|n| view! { <p class="cofund-muted">{n}</p> })}
                <p class="cofund-field">
                    <button type="button" class="cofund-secondary" on:click=again>{t.pledge_again}</button>
                </p>
            </div>
        }
    };

    let returned_view = move |state: PaymentState| {
        let status_url = state
            .online_payment
            .as_ref()
            .map(|o| o.status_url.clone())
            .unwrap_or_else(|| format!("{}/{}/payment", url.get_value(), state.pledge.id));
        view! {
            <ReturnedPayment
                amount=money(state.pledge.amount_cents)
                state=state
                status_url=status_url
                locale=locale
                announcement=announcement
                heading_id=fid("thanks")
                on_checked=show_returned
            />
            <p class="cofund-field">
                <button type="button" class="cofund-secondary" on:click=again>{t.pledge_again}</button>
            </p>
        }
    };

    view! {
        <section class="cofund-pledge-section" aria-labelledby=section_labelled_by>
            // The form opens on the donor's request: the loaded widget keeps the height
            // its loading state reserved, and opening is the donor's own layout change.
            <details class="cofund-pledge-details" node_ref=details>
                <summary class="cofund-pledge-toggle"><span id=heading_id>{t.pledge_heading}</span></summary>
                <div class="cofund-sr" role="status" aria-live="polite" aria-atomic="true">{move || announcement.get()}</div>
                {move || {
                    // Only the switch to and from the thank-you or payment state
                    // re-renders; sending keeps the form (and the donor's focus) in place.
                    match (returned.get(), done.get()) {
                        (Some(state), _) => returned_view(state).into_any(),
                        (None, Some(r)) => thanks(r).into_any(),
                        (None, None) => form().into_any(),
                    }
                }}
            </details>
        </section>
    }
    .into_any()
}

fn notice_text(locale: Locale, n: Notice) -> &'static str {
    let t = locale.t();
    match n {
        Notice::Unreachable => t.network_failed,
        Notice::ServerError => t.server_failed,
        Notice::Closed => t.campaign_closed,
        Notice::NotFound => t.cohort_gone,
        Notice::OriginRefused => t.origin_refused,
        Notice::Rejected => t.err_form_rejected,
    }
}

/// A field's error, linked to it through `aria-describedby`.
#[component]
fn FieldError(id: String, message: impl Fn() -> Option<String> + Copy + Send + Sync + 'static) -> impl IntoView {
    view! {
        <p class="cofund-field-error" id=id hidden=move || message().is_none()>{move || message()}</p>
    }
}
