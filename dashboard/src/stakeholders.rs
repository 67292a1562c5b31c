//! The cohort's stakeholders: the list, and one form to add or edit one. The draft is
//! checked by `cofund-core` before anything is sent; each error shows beside its field.

use crate::api::{self, Failure};
use crate::cohort::cohort_ctx;
use crate::draft::StakeholderDraft;
use crate::fields::{CheckField, SelectField, TextField};
use crate::i18n::{dt, Locale};
use crate::rule_draft::{rules_from_drafts, RuleDraft};
use crate::rules_editor::{preview_pledges, RuleEditor};
use crate::{ctx, format};
use cofund_core::{Cohort, FieldError, StakeholderKind, StakeholderStatus};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Form fields in the order they appear; focus goes to the first with an error.
const FIELDS: [(&str, &str); 7] = [
    ("name", "sh-name"),
    ("amount_cents", "sh-amount"),
    ("condition", "sh-condition"),
    ("url", "sh-url"),
    ("match.ratio_bps", "sh-ratio"),
    ("match.cap_cents", "sh-cap"),
    ("status", "sh-status"),
];

fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

fn wire<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn from_wire<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

const KINDS: [StakeholderKind; 5] = [
    StakeholderKind::Municipality,
    StakeholderKind::Welfare,
    StakeholderKind::Fund,
    StakeholderKind::Business,
    StakeholderKind::Other,
];
const STATUSES: [StakeholderStatus; 3] =
    [StakeholderStatus::Committed, StakeholderStatus::Conditional, StakeholderStatus::Paid];

#[component]
pub fn StakeholdersSection(
    cohort: StoredValue<Cohort>,
    locale: Locale,
    pledges: RwSignal<Option<Result<Vec<crate::api::Pledge>, Failure>>>,
) -> impl IntoView {
    let t = dt(locale);
    let ctx = ctx();
    let cc = cohort_ctx();
    let (stakeholders, progress, currency) = cohort.with_value(|c| {
        (c.document().stakeholders.clone(), c.summary().stakeholders.clone(), c.document().currency.clone())
    });
    let money = move |v: i64| format::money(locale, &currency, v);

    // The form's fields, as typed.
    let editing = cc.kept("sh-editing", || false);
    let name = cc.kept("sh-name", String::new);
    let kind = cc.kept("sh-kind", || wire(StakeholderKind::Municipality));
    let status = cc.kept("sh-status", || wire(StakeholderStatus::Committed));
    let amount = cc.kept("sh-amount", String::new);
    let condition = cc.kept("sh-condition", String::new);
    let url = cc.kept("sh-url", String::new);
    let matching = cc.kept("sh-matching", || false);
    let per_euro = cc.kept("sh-per_euro", String::new);
    let cap = cc.kept("sh-cap", String::new);
    // The stakeholder's rules (contract 1.1), edited as drafts by the rule editor.
    let rules = cc.kept("sh-rules", Vec::<RuleDraft>::new);
    let errors = cc.kept("sh-errors", Vec::<FieldError>::new);
    let notice = cc.kept("sh-notice", || None::<String>);

    let load = move |d: StakeholderDraft, edit: bool| {
        editing.set(edit);
        name.set(d.name);
        kind.set(wire(d.kind));
        status.set(wire(d.status));
        amount.set(d.amount);
        condition.set(d.condition);
        url.set(d.url);
        matching.set(d.matching);
        per_euro.set(d.match_per_euro);
        cap.set(d.match_cap);
        rules.set(d.rules.iter().filter_map(RuleDraft::from_rule).collect());
        errors.set(Vec::new());
        notice.set(None);
    };
    let draft = move || StakeholderDraft {
        name: name.get_untracked(),
        kind: from_wire(&kind.get_untracked()).unwrap_or(StakeholderKind::Other),
        status: from_wire(&status.get_untracked()).unwrap_or(StakeholderStatus::Committed),
        amount: amount.get_untracked(),
        condition: condition.get_untracked(),
        url: url.get_untracked(),
        matching: matching.get_untracked(),
        match_per_euro: per_euro.get_untracked(),
        match_cap: cap.get_untracked(),
        rules: Vec::new(),
    };
    // The stakeholder with its rules, or every error of the form and the rules at once.
    let checked = move || {
        let (parsed, mut rule_errors) = match rules_from_drafts(&rules.get_untracked()) {
            Ok(r) => (r, Vec::new()),
            Err(e) => (Vec::new(), e),
        };
        let mut d = draft();
        d.rules = parsed;
        match d.to_stakeholder() {
            Ok(s) if rule_errors.is_empty() => Ok(s),
            Ok(_) => Err(rule_errors),
            Err(mut list) => {
                list.append(&mut rule_errors);
                Err(list)
            }
        }
    };
    let show_errors = move |list: Vec<FieldError>| {
        // A rule's field `rules[i].name` is the input `sh-rule-{i}-{name}`.
        let first =
            FIELDS.iter().find(|(f, _)| list.iter().any(|e| e.field == *f)).map(|(_, id)| (*id).to_owned()).or_else(
                || {
                    list.iter().find_map(|e| {
                        let (i, name) = e.field.strip_prefix("rules[")?.split_once("].")?;
                        Some(format!("sh-rule-{i}-{name}"))
                    })
                },
            );
        ctx.say(locale.errors_in_form(list.len()));
        errors.set(list);
        if let Some(id) = first {
            request_animation_frame(move || focus(&id));
        }
    };

    let save = Action::new_local(move |s: &cofund_core::Stakeholder| {
        let s = s.clone();
        let slug = cc.slug.get_value();
        let revision = cc.revision.get_untracked();
        async move { api::put_stakeholder(&slug, &s, revision.as_deref()).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(())) => {
            let saved = dt(locale).saved(&name.get_untracked());
            load(StakeholderDraft::default(), false);
            notice.set(Some(saved.clone()));
            ctx.say(saved);
            cc.changed_then_focus("sh-form-title");
        }
        Some(Err(Failure::Invalid(fields))) => show_errors(fields),
        Some(Err(Failure::Conflict)) => {
            // Someone else changed the cohort: say so, keep what was typed, and load the
            // new state (and its revision) so that saving again is based on it.
            notice.set(Some(dt(locale).stale_edit.to_owned()));
            ctx.say(dt(locale).stale_edit);
            cc.changed_then_focus("sh-notice");
        }
        Some(Err(f)) => notice.set(Some(ctx.failure(&f))),
        None => {}
    });

    let rows = stakeholders
        .iter()
        .zip(progress)
        .map(|(s, p)| {
            let d = StakeholderDraft::from_stakeholder(s);
            let label = t.edit_named(&s.name);
            view! {
                <li class="card">
                    <h3>{s.name.clone()}</h3>
                    <p class="muted">{locale.kind(s.kind)}" · "{locale.status(s.status)}</p>
                    <p>{money(p.total_cents)}
                        {p.matched.as_ref().map(|m| format!(" ({})", locale.fixed_plus_match(&money(p.fixed_cents), &money(m.unlocked_cents))))}</p>
                    {s.condition.clone().map(|c| view! { <p class="muted">{c}</p> })}
                    <Show when=move || ctx.may_change()>
                    <button type="button" aria-label=label.clone() on:click={ let d = d.clone(); move |_| {
                        load(d.clone(), true);
                        request_animation_frame(|| focus("sh-amount"));
                    }}>{t.edit}</button>
                    </Show>
                </li>
            }
        })
        .collect_view();

    let kinds = move || KINDS.iter().map(|k| (wire(*k), locale.kind(*k).to_owned())).collect::<Vec<_>>();
    let statuses = move || STATUSES.iter().map(|s| (wire(*s), locale.status(*s).to_owned())).collect::<Vec<_>>();

    view! {
        <section aria-labelledby="stakeholders-title" class="panel">
            <h2 id="stakeholders-title">{t.stakeholders}</h2>
            <Show when=move || ctx.may_change()>
                <p><a href=crate::Route::Settlements(cc.slug.get_value()).href()>
                    {if locale == Locale::Nl { "Afrekeningen per belanghebbende (afdrukken, CSV)" } else { "Settlement statements per stakeholder (print, CSV)" }}
                </a></p>
            </Show>
            <ul class="card-list">{rows}</ul>
            <Show when=move || ctx.may_change()>
            <form class="stakeholder-form" novalidate on:submit=move |ev| {
                ev.prevent_default();
                notice.set(None);
                match checked() {
                    Err(list) => show_errors(list),
                    Ok(s) => {
                        errors.set(Vec::new());
                        save.dispatch(s);
                    }
                }
            }>
                <h3 id="sh-form-title" tabindex="-1">{move || if editing.get() { dt(locale).edit_stakeholder } else { dt(locale).add_stakeholder }}</h3>
                <TextField id="sh-name" field="name" label=move || t.name.to_owned() value=name errors=errors readonly=editing/>
                <SelectField id="sh-kind" field="kind" label=move || t.kind.to_owned() value=kind errors=errors options=Signal::derive(kinds)/>
                <SelectField id="sh-status" field="status" label=move || t.status_label.to_owned() value=status errors=errors options=Signal::derive(statuses)/>
                <TextField id="sh-amount" field="amount_cents" label=move || t.fixed_amount.to_owned() value=amount errors=errors money=true
                    hint=move || t.amount_hint.to_owned()/>
                <Show when=move || status.get() == wire(StakeholderStatus::Conditional)>
                    <TextField id="sh-condition" field="condition" label=move || t.condition.to_owned() value=condition errors=errors/>
                </Show>
                <TextField id="sh-url" field="url" label=move || t.website.to_owned() value=url errors=errors inputmode="url"/>
                <CheckField id="sh-matching" label=move || t.matches_crowd.to_owned() checked=matching/>
                <RuleEditor cohort=cohort drafts=rules errors=errors pledges=Signal::derive(move || {
                    pledges.with(|p| p.as_ref().and_then(|r| r.as_ref().ok()).map(|l| preview_pledges(l)))
                })/>
                <Show when=move || matching.get()>
                    <TextField id="sh-ratio" field="match.ratio_bps" label=move || t.per_crowd_euro.to_owned() value=per_euro errors=errors money=true
                        hint=move || t.per_crowd_euro_hint.to_owned()/>
                    <TextField id="sh-cap" field="match.cap_cents" label=move || t.match_cap.to_owned() value=cap errors=errors money=true/>
                </Show>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || save.pending().get()>{t.save}</button>
                    <Show when=move || editing.get()>
                        <button type="button" on:click=move |_| load(StakeholderDraft::default(), false)>{t.new_instead}</button>
                    </Show>
                </div>
                {move || notice.get().map(|n| view! { <p class="notice" id="sh-notice" tabindex="-1">{n}</p> })}
            </form>
            </Show>
        </section>
    }
}
