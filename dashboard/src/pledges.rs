//! The cohort's pledges: newest first, filtered by status, searched by name or payment
//! reference, a page at a time; mark received, cancel or hide a message, each after a
//! confirmation; and reconciliation of a pasted bank statement.

use crate::api::{self, Failure, Pledge, PledgeAction};
use crate::cohort::cohort_ctx;
use crate::draft::PledgeQuery;
use crate::i18n::{dt, Locale};
use crate::{ctx, format};
use cofund_core::api::PledgeStatus;
use cofund_core::reconcile::{reconcile, PledgeToReconcile, Reconciliation};
use cofund_core::{Cohort, Timestamp};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

fn focus_id(id: &str) {
    let id = id.to_owned();
    request_animation_frame(move || {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

#[component]
pub fn PledgesSection(
    cohort: StoredValue<Cohort>,
    pledges: RwSignal<Option<Result<Vec<Pledge>, Failure>>>,
    locale: Locale,
) -> impl IntoView {
    let t = dt(locale);
    let ctx = ctx();
    let cc = cohort_ctx();
    let currency = StoredValue::new(cohort.with_value(|c| c.document().currency.clone()));
    let money = move |v: i64| format::money(locale, &currency.get_value(), v);

    let status = cc.kept("pl-status", String::new);
    let search = cc.kept("pl-search", String::new);
    let page = cc.kept("pl-page", || 0usize);
    // A new filter or search starts at the first page (not when the page is redrawn).
    let first = StoredValue::new(true);
    Effect::new(move || {
        status.track();
        search.track();
        if !first.get_value() {
            page.set(0);
        }
        first.set_value(false);
    });
    let query =
        move || PledgeQuery { status: PledgeStatus::parse(&status.get()), search: search.get(), page: page.get() };

    let confirming = cc.kept("pl-confirming", || None::<(String, PledgeAction)>);
    let error = cc.kept("pl-error", || None::<String>);
    let act = Action::new_local(move |(id, action): &(String, PledgeAction)| {
        let (id, action) = (id.clone(), *action);
        async move { (id.clone(), action, api::pledge_action(&id, action).await) }
    });
    Effect::new(move || match act.value().get() {
        Some((id, action, Ok(_))) => {
            error.set(None);
            confirming.set(None);
            ctx.say(dt(locale).action_done(action));
            cc.changed_then_focus(format!("pledge-{id}"));
        }
        Some((_, _, Err(f))) => {
            confirming.set(None);
            error.set(Some(ctx.failure(&f)));
        }
        None => {}
    });

    let visible = move || {
        let q = query();
        pledges.with(|p| match p {
            Some(Ok(list)) => {
                let matching: Vec<Pledge> =
                    list.iter().filter(|p| q.matches(p.status(), p.name(), p.reference())).cloned().collect();
                let (range, pages) = q.page_range(matching.len());
                let shown_page = range.start / crate::draft::PAGE_SIZE;
                Some((matching[range].to_vec(), matching.len(), shown_page, pages))
            }
            _ => None,
        })
    };

    let row = move |p: Pledge| {
        let id = p.id().to_owned();
        let li_id = format!("pledge-{id}");
        let at =
            Timestamp::parse_rfc3339(p.created_at()).map(|ts| format::date_time_short(locale, ts)).unwrap_or_default();
        let name = match (p.name(), p.show_name()) {
            _ if p.anonymised_at().is_some() => match locale {
                Locale::En => "(anonymised at the donor's request)".to_owned(),
                _ => "(geanonimiseerd op verzoek van de donateur)".to_owned(),
            },
            (Some(n), true) => n.to_owned(),
            (Some(n), false) => format!("{n} ({})", t.not_public),
            (None, _) => t.anonymous.to_owned(),
        };
        let (id_confirm, id_received, id_cancel, id_hide) = (id.clone(), id.clone(), id.clone(), id.clone());
        let may_change = ctx.may_change();
        let can_settle = may_change && p.status() == PledgeStatus::Pledged;
        let can_hide = may_change && p.message().is_some() && !p.message_hidden();
        let is_confirming = move || confirming.with(|c| c.as_ref().is_some_and(|(i, _)| *i == id_confirm));
        view! {
            <li class="pledge" id=li_id tabindex="-1" data-reference=p.reference().to_owned() data-status=p.status().as_str()>
                <p class="pledge-head">
                    <strong>{p.amount_cents().map(money).unwrap_or_else(|| t.amount_hidden.to_owned())}</strong>
                    <span class=format!("badge status-{}", p.status().as_str())>{t.status(p.status())}</span>
                    <span class="muted">{at}</span>
                </p>
                <p class="pledge-name">{name}</p>
                {p.email().map(|e| view! { <p class="muted pledge-email">{e.to_owned()}</p> })}
                {(!p.reference().is_empty()).then(|| view! { <p class="muted">{t.reference}": "<code>{p.reference().to_owned()}</code></p> })}
                {p.message().map(|m| m.to_owned()).map(|m| view! {
                    <blockquote class=if p.message_hidden() { "message hidden" } else { "message" }>
                        {m}{p.message_hidden().then(|| view! { <span class="muted">{format!(" ({})", t.message_hidden)}</span> })}
                    </blockquote>
                })}
                <Show when=is_confirming fallback=move || {
                    let (r, c, h) = (id_received.clone(), id_cancel.clone(), id_hide.clone());
                    view! {
                        <div class="actions">
                            {can_settle.then(|| view! {
                                <button type="button" on:click=move |_| { confirming.set(Some((r.clone(), PledgeAction::MarkReceived))); focus_id("confirm-yes"); }>{t.mark_received}</button>
                                <button type="button" on:click=move |_| { confirming.set(Some((c.clone(), PledgeAction::Cancel))); focus_id("confirm-yes"); }>{t.cancel_pledge}</button>
                            })}
                            {can_hide.then(|| view! {
                                <button type="button" on:click=move |_| { confirming.set(Some((h.clone(), PledgeAction::HideMessage))); focus_id("confirm-yes"); }>{t.hide_message}</button>
                            })}
                        </div>
                    }
                }>
                    <div class="confirm" role="group" aria-labelledby="confirm-question">
                        <p id="confirm-question">{move || confirming.get().map(|(_, a)| dt(locale).confirm_question(a))}</p>
                        <button type="button" id="confirm-yes" class="primary" disabled=move || act.pending().get()
                            on:click=move |_| { if let Some(c) = confirming.get_untracked() { act.dispatch(c); } }>{t.yes}</button>
                        <button type="button" on:click={
                            let id = id.clone();
                            move |_| { confirming.set(None); focus_id(&format!("pledge-{id}")); }
                        }>{t.no}</button>
                    </div>
                </Show>
            </li>
        }
    };

    view! {
        <section aria-labelledby="pledges-title" class="panel">
            <h2 id="pledges-title" tabindex="-1">{t.pledges}</h2>
            <div class="filters">
                <div class="field">
                    <label for="pledge-status">{t.filter_status}</label>
                    <select id="pledge-status" prop:value=move || status.get() on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="">{t.all}</option>
                        <option value="pledged">{t.status(PledgeStatus::Pledged)}</option>
                        <option value="received">{t.status(PledgeStatus::Received)}</option>
                        <option value="cancelled">{t.status(PledgeStatus::Cancelled)}</option>
                    </select>
                </div>
                <div class="field">
                    <label for="pledge-search">{t.search_label}</label>
                    <input id="pledge-search" type="search" bind:value=search/>
                </div>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || match visible() {
                None => view! { <p class="loading">{t.loading}</p> }.into_any(),
                Some((items, total, shown, pages)) => view! {
                    <p class="muted" aria-live="polite">{t.showing(total)}</p>
                    <ul class="pledge-list">{items.into_iter().map(row).collect_view()}</ul>
                    <nav class="pager" aria-label=t.pages>
                        <button type="button" disabled={ shown == 0 } on:click=move |_| page.set(shown.saturating_sub(1))>{t.previous}</button>
                        <span>{t.page_of(shown + 1, pages)}</span>
                        <button type="button" disabled={ shown + 1 >= pages } on:click=move |_| page.set(shown + 1)>{t.next}</button>
                    </nav>
                }.into_any(),
            }}
            <Show when=move || ctx.may_change()>
                <Reconcile pledges=pledges locale=locale currency=currency.get_value()/>
            </Show>
        </section>
    }
}

/// Bulk reconciliation: paste a statement, see what it matches, confirm once.
#[component]
fn Reconcile(
    pledges: RwSignal<Option<Result<Vec<Pledge>, Failure>>>,
    locale: Locale,
    currency: String,
) -> impl IntoView {
    let t = dt(locale);
    let ctx = ctx();
    let cc = cohort_ctx();
    let statement = cc.kept("rc-statement", String::new);
    let open = cc.kept("rc-open", || false);
    // The pledges and what the statement says about them, as read when "find" was pressed.
    let found = cc.kept("rc-found", || None::<(Vec<Pledge>, Reconciliation)>);
    let confirming = cc.kept("rc-confirming", || false);
    let outcome = cc.kept("rc-outcome", || None::<String>);
    let currency = StoredValue::new(currency);
    let money = move |v: i64| format::money(locale, &currency.get_value(), v);

    let find = move || {
        let list: Vec<Pledge> = pledges.with_untracked(|p| match p {
            Some(Ok(l)) => l.iter().filter(|p| p.amount_cents().is_some()).cloned().collect(),
            _ => Vec::new(),
        });
        let refs: Vec<PledgeToReconcile> = list
            .iter()
            .map(|p| PledgeToReconcile {
                reference: p.reference(),
                amount_cents: p.amount_cents().unwrap_or_default(),
                status: p.status(),
            })
            .collect();
        let r = reconcile(&statement.get_untracked(), &refs);
        drop(refs);
        confirming.set(false);
        outcome.set(None);
        found.set(Some((list, r)));
        focus_id("reconcile-results");
    };

    let mark = Action::new_local(move |ids: &Vec<String>| {
        let ids = ids.clone();
        let slug = cc.slug.get_value();
        async move { api::confirm_pledges(&slug, &ids).await }
    });
    Effect::new(move || {
        if let Some(result) = mark.value().get() {
            let t = dt(locale);
            let message = match result {
                Ok(n) => t.reconciled(n),
                // Nothing was marked: the server checks the whole list first.
                Err(f) => t.reconcile_failed(&ctx.failure(&f)),
            };
            ctx.say(message.clone());
            outcome.set(Some(message));
            found.set(None);
            confirming.set(false);
            statement.set(String::new());
            cc.changed_then_focus("reconcile-outcome");
        }
    });

    let results = move || {
        found.get().map(|(list, r)| {
            let ready: Vec<String> = r.ready_pledges().into_iter().map(|i| list[i].id().to_owned()).collect();
            let n = ready.len();
            let ready = StoredValue::new(ready);
            let rows = r
                .payments
                .iter()
                .map(|pay| {
                    let p = &list[pay.pledge];
                    let name = p.name().map_or_else(|| t.anonymous.to_owned(), str::to_owned);
                    let problem = pay.problem.map(|pr| t.reconcile_problem(pr, &money)).unwrap_or_else(|| t.reconcile_ready.to_owned());
                    view! {
                        <li class=if pay.ready() { "ready" } else { "mismatch" } data-reference=pay.reference.clone()>
                            <p><code>{pay.reference.clone()}</code>" · "{name}" · "{p.amount_cents().map(money).unwrap_or_default()}</p>
                            <p class="muted">{t.line(pay.line)}" · "{t.found_amount}": "{pay.amount_cents.map(money).unwrap_or_else(|| "—".to_owned())}</p>
                            <p class=if pay.ready() { "ok" } else { "warn" }>{problem}</p>
                        </li>
                    }
                })
                .collect_view();
            let unknown = r
                .unknown_references
                .iter()
                .map(|(line, reference)| view! { <li class="mismatch"><code>{reference.clone()}</code>" · "{t.line(*line)}" · "{t.unknown_reference}</li> })
                .collect_view();
            view! {
                <div id="reconcile-results" tabindex="-1" class="results">
                    <p>{t.reconcile_summary(r.payments.len(), n)}</p>
                    <ul class="reconcile-list">{rows}{unknown}</ul>
                    <Show when=move || confirming.get() fallback=move || view! {
                        <button type="button" class="primary" disabled={ n == 0 }
                            on:click=move |_| { confirming.set(true); focus_id("reconcile-yes"); }>{t.mark_n_received(n)}</button>
                    }>
                        <div class="confirm" role="group" aria-labelledby="reconcile-question">
                            <p id="reconcile-question">{t.confirm_reconcile(n)}</p>
                            <button type="button" id="reconcile-yes" class="primary" disabled=move || mark.pending().get()
                                on:click=move |_| { mark.dispatch(ready.get_value()); }>{t.yes}</button>
                            <button type="button" on:click=move |_| confirming.set(false)>{t.no}</button>
                        </div>
                    </Show>
                </div>
            }
        })
    };

    view! {
        <details class="reconcile" prop:open=move || open.get()
            on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
            <summary>{t.reconcile_title}</summary>
            <p id="statement-hint" class="hint">{t.reconcile_intro}</p>
            <div class="field">
                <label for="statement">{t.statement_label}</label>
                <textarea id="statement" rows="6" aria-describedby="statement-hint" bind:value=statement></textarea>
            </div>
            <button type="button" on:click=move |_| find()>{t.find_payments}</button>
            {results}
            {move || outcome.get().map(|o| view! { <p id="reconcile-outcome" tabindex="-1" class="notice">{o}</p> })}
        </details>
    }
}
