//! The rule editor in the stakeholder form: a stakeholder's rules (match, trigger, all or
//! nothing) as drafts ([`crate::rule_draft`]), each field with its error beside it (the
//! errors are core's, named `rules[i].field`), and the preview "at today's figures these
//! rules unlock € X", computed by core's evaluator from the cohort's pledges.

use crate::api::Pledge;
use crate::rule_draft::{preview, rule_field, rules_from_drafts, PreviewPledge, RuleDraft, RuleKind};
use crate::{ctx, format};
use cofund_core::api::PledgeStatus;
use cofund_core::rules::{GiftStatus, Setting};
use cofund_core::{Cohort, FieldError, Timestamp};
use leptos::prelude::*;

/// Rules per stakeholder, at most (core refuses more).
const MAX_RULES: usize = 8;

/// The editor's texts, Dutch and English.
fn tr(nl: bool, dutch: &'static str, english: &'static str) -> &'static str {
    if nl {
        dutch
    } else {
        english
    }
}

fn kind_label(nl: bool, k: RuleKind) -> &'static str {
    match k {
        RuleKind::Match => tr(nl, "Verdubbeling (match)", "Match"),
        RuleKind::Trigger => tr(nl, "Bedrag bij een drempel (trigger)", "Amount at a threshold (trigger)"),
        RuleKind::AllOrNothing => tr(nl, "Alles of niets", "All or nothing"),
    }
}

/// The cohort's pledges as the preview reads them (amounts a member cannot see are left out).
pub fn preview_pledges(list: &[Pledge]) -> Vec<PreviewPledge> {
    list.iter()
        .filter_map(|p| {
            Some(PreviewPledge {
                amount_cents: p.amount_cents()?,
                at: Timestamp::parse_rfc3339(p.created_at())?,
                status: match p.status() {
                    PledgeStatus::Pledged => GiftStatus::Pledged,
                    PledgeStatus::Received => GiftStatus::Received,
                    PledgeStatus::Cancelled => GiftStatus::Cancelled,
                },
                // The server's backer key: the address as stored (empty once anonymised).
                email: match p {
                    Pledge::Coordinator(a) => a.email.clone(),
                    Pledge::Member(m) => m.id.clone(),
                },
            })
        })
        .collect()
}

/// One text field of rule `i`: label, optional hint, the control and its error.
#[component]
fn RuleText(
    i: usize,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    drafts: RwSignal<Vec<RuleDraft>>,
    errors: RwSignal<Vec<FieldError>>,
    get: fn(&RuleDraft) -> &String,
    set: fn(&mut RuleDraft, String),
) -> impl IntoView {
    let id = format!("sh-rule-{i}-{name}");
    let field = StoredValue::new(rule_field(i, name));
    let locale = ctx().locale;
    let message = move || {
        let locale = locale.get();
        errors
            .with(|list| list.iter().find(|e| field.with_value(|f| e.field == *f)).map(|e| locale.problem(&e.problem)))
    };
    let described = {
        let id = id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(format!("{id}-hint"));
            }
            if message().is_some() {
                ids.push(format!("{id}-error"));
            }
            ids.join(" ")
        }
    };
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            <input id=id type="text"
                prop:value=move || drafts.with(|d| d.get(i).map(|r| get(r).clone()).unwrap_or_default())
                on:input=move |ev| { let v = event_target_value(&ev); drafts.update(|d| if let Some(r) = d.get_mut(i) { set(r, v) }) }
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=described/>
            {move || message().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

/// A checkbox of rule `i`.
#[component]
fn RuleCheck(
    i: usize,
    name: &'static str,
    label: &'static str,
    drafts: RwSignal<Vec<RuleDraft>>,
    get: fn(&RuleDraft) -> bool,
    set: fn(&mut RuleDraft, bool),
) -> impl IntoView {
    let id = format!("sh-rule-{i}-{name}");
    view! {
        <div class="field check">
            <input id=id.clone() type="checkbox"
                prop:checked=move || drafts.with(|d| d.get(i).is_some_and(get))
                on:change=move |ev| { let v = event_target_checked(&ev); drafts.update(|d| if let Some(r) = d.get_mut(i) { set(r, v) }) }/>
            <label for=id>{label}</label>
        </div>
    }
}

/// The fields of rule `i` for its kind.
fn rule_fields(
    nl: bool,
    i: usize,
    kind: RuleKind,
    drafts: RwSignal<Vec<RuleDraft>>,
    errors: RwSignal<Vec<FieldError>>,
) -> AnyView {
    let time_hint =
        tr(nl, "Optioneel, bijvoorbeeld 2027-04-01T00:00:00+02:00", "Optional, e.g. 2027-04-01T00:00:00+02:00");
    let optional = tr(nl, "Optioneel", "Optional");
    match kind {
        RuleKind::Match => view! {
            <RuleText i=i name="ratio_bps" label=tr(nl, "Per euro van de crowd", "Per crowd euro")
                hint=tr(nl, "1 is euro voor euro, 2 is twee euro per crowd-euro", "1 is euro for euro, 2 is two euro per crowd euro")
                drafts=drafts errors=errors get=|r| &r.per_euro set=|r, v| r.per_euro = v/>
            <RuleText i=i name="cap_per_gift_cents" label=tr(nl, "Maximaal per gift", "Cap per gift") hint=optional
                drafts=drafts errors=errors get=|r| &r.cap_per_gift set=|r, v| r.cap_per_gift = v/>
            <RuleText i=i name="cap_per_donor_cents" label=tr(nl, "Maximaal per donateur", "Cap per donor") hint=optional
                drafts=drafts errors=errors get=|r| &r.cap_per_donor set=|r, v| r.cap_per_donor = v/>
            <RuleText i=i name="cap_cents" label=tr(nl, "Maximaal in totaal", "Cap in total") hint=optional
                drafts=drafts errors=errors get=|r| &r.cap_total set=|r, v| r.cap_total = v/>
            <RuleText i=i name="from" label=tr(nl, "Vanaf", "From") hint=time_hint
                drafts=drafts errors=errors get=|r| &r.from set=|r, v| r.from = v/>
            <RuleText i=i name="until" label=tr(nl, "Tot", "Until") hint=time_hint
                drafts=drafts errors=errors get=|r| &r.until set=|r, v| r.until = v/>
            <RuleCheck i=i name="basis" label=tr(nl, "Alleen ontvangen geld telt", "Only money received counts")
                drafts=drafts get=|r| r.received_only set=|r, v| r.received_only = v/>
            <RuleCheck i=i name="first_gift_only" label=tr(nl, "Alleen de eerste gift van elke donateur", "Only each donor's first gift")
                drafts=drafts get=|r| r.first_gift_only set=|r, v| r.first_gift_only = v/>
        }
        .into_any(),
        RuleKind::Trigger => view! {
            <RuleText i=i name="amount_cents" label=tr(nl, "Bedrag", "Amount")
                drafts=drafts errors=errors get=|r| &r.amount set=|r, v| r.amount = v/>
            <RuleText i=i name="share_of_target_bps" label=tr(nl, "Zodra de crowd dit percentage van het doel heeft", "Once the crowd has this percentage of its target")
                hint=tr(nl, "Bijvoorbeeld 50; optioneel als er een aantal donateurs is", "E.g. 50; optional when there is a number of backers")
                drafts=drafts errors=errors get=|r| &r.share_percent set=|r, v| r.share_percent = v/>
            <RuleText i=i name="backers" label=tr(nl, "En/of dit aantal donateurs", "And/or this number of backers") hint=optional
                drafts=drafts errors=errors get=|r| &r.backers set=|r, v| r.backers = v/>
            <RuleText i=i name="by" label=tr(nl, "Uiterlijk op", "By") hint=time_hint
                drafts=drafts errors=errors get=|r| &r.by set=|r, v| r.by = v/>
        }
        .into_any(),
        RuleKind::AllOrNothing => view! {
            <p class="hint">{tr(nl, "De hele toezegging geldt alleen als de crowd bij de sluiting het doel haalt.", "The whole commitment holds only if the crowd meets its target by the close.")}</p>
        }
        .into_any(),
    }
}

/// The rule editor: the rules, a button to add one, and the preview.
#[component]
pub fn RuleEditor(
    cohort: StoredValue<Cohort>,
    drafts: RwSignal<Vec<RuleDraft>>,
    errors: RwSignal<Vec<FieldError>>,
    pledges: Signal<Option<Vec<PreviewPledge>>>,
) -> impl IntoView {
    let ctx = ctx();
    let nl = move || ctx.locale.get() == cofund_l10n::Locale::Nl;
    // Redrawn only when rules are added, removed or change kind: typing keeps its focus.
    let shape = Memo::new(move |_| drafts.with(|d| d.iter().map(|r| r.kind).collect::<Vec<_>>()));
    let rules = move || {
        let nl = nl();
        shape
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, kind)| {
                let kind_id = format!("sh-rule-{i}-kind");
                let legend = format!("{} {}", tr(nl, "Regel", "Rule"), i + 1);
                let remove = format!("{} {}", tr(nl, "Verwijder regel", "Remove rule"), i + 1);
                view! {
                    <fieldset class="rule">
                        <legend>{legend}</legend>
                        <div class="field">
                            <label for=kind_id.clone()>{tr(nl, "Soort regel", "Kind of rule")}</label>
                            <select id=kind_id on:change=move |ev| {
                                let k = RuleKind::from_wire(&event_target_value(&ev));
                                drafts.update(|d| if let Some(r) = d.get_mut(i) { r.kind = k });
                            }>
                                {RuleKind::ALL.into_iter().map(|k| view! {
                                    <option value=k.wire() selected=k == kind>{kind_label(nl, k)}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        {rule_fields(nl, i, kind, drafts, errors)}
                        <button type="button" on:click=move |_| drafts.update(|d| { if i < d.len() { d.remove(i); } })>{remove}</button>
                    </fieldset>
                }
            })
            .collect_view()
    };
    let preview_text = move || {
        let nl = nl();
        let locale = ctx.locale.get();
        let list = pledges.get()?;
        let rules = rules_from_drafts(&drafts.get()).ok().filter(|r| !r.is_empty())?;
        let (target, closes_at, currency) =
            cohort.with_value(|c| (c.summary().crowd.target_cents, c.closes_at(), c.document().currency.clone()));
        let setting = Setting { crowd_target_cents: target, closes_at, now: ctx.now.get() };
        let e = preview(&rules, &list, &setting);
        let money = |v: i64| format::money(locale, &currency, v);
        Some(if nl {
            format!("Met de stand van vandaag maken deze regels {} vrij.", money(e.unlocked_cents))
        } else {
            format!("At today's figures these rules unlock {}.", money(e.unlocked_cents))
        })
    };
    view! {
        <div class="rules">
            <h4>{move || tr(nl(), "Voorwaarden (regels)", "Conditions (rules)")}</h4>
            {rules}
            <Show when=move || drafts.with(|d| d.len() < MAX_RULES)>
                <button type="button" on:click=move |_| drafts.update(|d| d.push(RuleDraft::default()))>
                    {move || tr(nl(), "Regel toevoegen", "Add a rule")}
                </button>
            </Show>
            <p class="rule-preview" aria-live="polite">{preview_text}</p>
        </div>
    }
}
