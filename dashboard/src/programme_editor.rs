//! The programme editor (issue 14, part 5): a coordinator sets the multiplier pot (its
//! name, funders, ratio and caps) and the impact figures of a programme on its page.
//! The draft ([`crate::programme_draft`]) is checked by `cofund-core` before anything
//! is sent; each error, also the server's 422, shows beside its field and focus goes
//! to the first.

use crate::api::{self, Failure};
use crate::ctx;
use crate::fields::{CheckField, SelectField, TextField};
use crate::i18n::Locale;
use crate::programme_draft::{first_error_input, FunderDraft, ImpactDraft, ProgrammeDraft, IMPACT_KINDS};
use cofund_core::programme::{ImpactKind, ProgrammeSettings};
use cofund_core::FieldError;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

fn tr(nl: bool, dutch: &'static str, english: &'static str) -> &'static str {
    if nl {
        dutch
    } else {
        english
    }
}

fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

fn wire(k: ImpactKind) -> String {
    serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn from_wire(s: &str) -> ImpactKind {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).unwrap_or(ImpactKind::Unrecognised)
}

#[derive(Clone, Copy)]
struct FunderRow {
    name: RwSignal<String>,
    amount: RwSignal<String>,
}

impl FunderRow {
    fn new(d: FunderDraft) -> Self {
        FunderRow { name: RwSignal::new(d.name), amount: RwSignal::new(d.amount) }
    }
}

#[derive(Clone, Copy)]
struct ImpactRow {
    kind: RwSignal<String>,
    label: RwSignal<String>,
    value: RwSignal<String>,
    as_of: RwSignal<String>,
    source: RwSignal<String>,
}

impl ImpactRow {
    fn new(d: ImpactDraft) -> Self {
        ImpactRow {
            kind: RwSignal::new(wire(d.kind)),
            label: RwSignal::new(d.label),
            value: RwSignal::new(d.value),
            as_of: RwSignal::new(d.as_of),
            source: RwSignal::new(d.source),
        }
    }
}

/// The editor, for coordinators who may change the programme; `saved` runs after a save
/// so that the page shows the new figures. A save is based on the revision the form was
/// loaded at (`If-Match`): when someone else saved first, nothing is stored and the
/// editor says so, with a button that loads their version.
#[component]
pub fn ProgrammeEditor(slug: String, locale: Locale, saved: Callback<()>) -> impl IntoView {
    let ctx = ctx();
    let slug = StoredValue::new(slug);
    let settings = LocalResource::new(move || {
        let slug = slug.get_value();
        async move { api::programme_settings(&slug).await }
    });
    let reload = Callback::new(move |()| settings.refetch());
    move || match settings.get() {
        Some(Ok((s, revision))) if ctx.may_change() => Some(form(slug, locale, s, revision, saved, reload).into_any()),
        _ => None,
    }
}

fn form(
    slug: StoredValue<String>,
    locale: Locale,
    s: ProgrammeSettings,
    revision: Option<String>,
    saved: Callback<()>,
    reload: Callback<()>,
) -> impl IntoView {
    let ctx = ctx();
    let nl = locale == Locale::Nl;
    let d = ProgrammeDraft::from_settings(&s);
    let (name, url) = (StoredValue::new(d.name.clone()), StoredValue::new(d.url.clone()));
    let pot_on = RwSignal::new(d.pot_on);
    let pot_name = RwSignal::new(d.pot_name.clone());
    let funders = RwSignal::new(d.funders.iter().cloned().map(FunderRow::new).collect::<Vec<_>>());
    let per_euro = RwSignal::new(d.per_euro.clone());
    let cap_gift = RwSignal::new(d.cap_per_gift.clone());
    let cap_cohort = RwSignal::new(d.cap_per_cohort.clone());
    let impact = RwSignal::new(d.impact.iter().cloned().map(ImpactRow::new).collect::<Vec<_>>());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let notice = RwSignal::new(None::<String>);
    let revision = StoredValue::new(revision);
    let stale = RwSignal::new(false);

    let draft = move || ProgrammeDraft {
        name: name.get_value(),
        url: url.get_value(),
        pot_on: pot_on.get_untracked(),
        pot_name: pot_name.get_untracked(),
        funders: funders
            .get_untracked()
            .iter()
            .map(|r| FunderDraft { name: r.name.get_untracked(), amount: r.amount.get_untracked() })
            .collect(),
        per_euro: per_euro.get_untracked(),
        cap_per_gift: cap_gift.get_untracked(),
        cap_per_cohort: cap_cohort.get_untracked(),
        impact: impact
            .get_untracked()
            .iter()
            .map(|r| ImpactDraft {
                kind: from_wire(&r.kind.get_untracked()),
                label: r.label.get_untracked(),
                value: r.value.get_untracked(),
                as_of: r.as_of.get_untracked(),
                source: r.source.get_untracked(),
            })
            .collect(),
    };
    let show_errors = move |list: Vec<FieldError>| {
        let first = first_error_input(&list, funders.with_untracked(Vec::len), impact.with_untracked(Vec::len));
        ctx.say(locale.errors_in_form(list.len()));
        errors.set(list);
        if let Some(id) = first {
            request_animation_frame(move || focus(&id));
        } else {
            request_animation_frame(|| focus("pg-notice"));
        }
    };
    let save = Action::new_local(move |s: &ProgrammeSettings| {
        let s = s.clone();
        let slug = slug.get_value();
        let revision = revision.get_value();
        async move { api::put_programme(&slug, &s, revision.as_deref()).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(new_revision)) => {
            revision.set_value(new_revision);
            let text = tr(nl, "Programma opgeslagen.", "Programme saved.");
            notice.set(Some(text.to_owned()));
            ctx.say(text);
            saved.run(());
        }
        Some(Err(Failure::Invalid(list))) if !list.is_empty() => show_errors(list),
        Some(Err(Failure::Conflict)) => {
            let text = tr(
                nl,
                "Je wijziging is niet bewaard: iemand anders heeft dit programma intussen gewijzigd. Laad hun versie, controleer je wijziging en sla opnieuw op.",
                "Not saved: someone else saved this programme in the meantime. Load their version, check your change and save again.",
            );
            stale.set(true);
            notice.set(Some(text.to_owned()));
            ctx.say(text);
            request_animation_frame(|| focus("pg-notice"));
        }
        Some(Err(f)) => {
            let text = ctx.failure(&f);
            notice.set(Some(text.clone()));
            ctx.say(text);
        }
        None => {}
    });

    // An error of a whole list (no funders, too many figures) shows at its add button.
    let group_error = move |names: &'static [&'static str]| {
        errors.with(|l| l.iter().find(|e| names.contains(&e.field.as_str())).map(|e| locale.problem(&e.problem)))
    };

    let funder_rows = move || {
        funders
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let n = i + 1;
                let legend = if nl { format!("Financier {n}") } else { format!("Funder {n}") };
                let remove = if nl { format!("Financier {n} verwijderen") } else { format!("Remove funder {n}") };
                view! {
                    <fieldset class="row">
                        <legend>{legend}</legend>
                        <TextField id=format!("pg-funder-{i}-name") field=format!("pot.funders[{i}].name")
                            label=move || tr(nl, "Naam", "Name").to_owned() value=r.name errors=errors/>
                        <TextField id=format!("pg-funder-{i}-amount") field=format!("pot.funders[{i}].amount_cents")
                            label=move || tr(nl, "Bedrag", "Amount").to_owned() value=r.amount errors=errors money=true/>
                        <button type="button" on:click=move |_| {
                            funders.update(|l| { if i < l.len() { l.remove(i); } });
                            errors.set(Vec::new());
                            request_animation_frame(|| focus("pg-funder-add"));
                        }>{remove}</button>
                    </fieldset>
                }
            })
            .collect_view()
    };
    let kinds = move || {
        IMPACT_KINDS
            .iter()
            .map(|k| {
                let label = match k {
                    ImpactKind::Custom => tr(nl, "Anders (met omschrijving)", "Other (with a label)").to_owned(),
                    k => cofund_l10n::Locale::impact_kind(locale, *k, None),
                };
                (wire(*k), label)
            })
            .collect::<Vec<_>>()
    };
    let impact_rows = move || {
        impact
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let n = i + 1;
                let legend = if nl { format!("Impactcijfer {n}") } else { format!("Impact figure {n}") };
                let remove = if nl { format!("Impactcijfer {n} verwijderen") } else { format!("Remove impact figure {n}") };
                let is = move |k: ImpactKind| r.kind.get() == wire(k);
                view! {
                    <fieldset class="row">
                        <legend>{legend}</legend>
                        <SelectField id=format!("pg-impact-{i}-kind") field=format!("impact[{i}].kind")
                            label=move || tr(nl, "Soort", "Kind").to_owned() value=r.kind errors=errors options=Signal::derive(kinds)/>
                        <Show when=move || is(ImpactKind::Custom)>
                            <TextField id=format!("pg-impact-{i}-label") field=format!("impact[{i}].label")
                                label=move || tr(nl, "Omschrijving", "Label").to_owned() value=r.label errors=errors/>
                        </Show>
                        <TextField id=format!("pg-impact-{i}-value") field=format!("impact[{i}].value")
                            label=move || if is(ImpactKind::FoundWorkShareBps) { tr(nl, "Percentage", "Percentage") } else { tr(nl, "Aantal", "Number") }.to_owned()
                            hint=move || if is(ImpactKind::FoundWorkShareBps) { tr(nl, "Bijvoorbeeld 62 of 62,5", "For example 62 or 62.5") } else { tr(nl, "Een heel getal", "A whole number") }.to_owned()
                            value=r.value errors=errors inputmode="decimal"/>
                        <TextField id=format!("pg-impact-{i}-as_of") field=format!("impact[{i}].as_of")
                            label=move || tr(nl, "Peildatum", "As of").to_owned() value=r.as_of errors=errors
                            hint=move || tr(nl, "JJJJ-MM-DD, bijvoorbeeld 2026-06-30", "YYYY-MM-DD, for example 2026-06-30").to_owned()/>
                        <TextField id=format!("pg-impact-{i}-source") field=format!("impact[{i}].source")
                            label=move || tr(nl, "Bron", "Source").to_owned() value=r.source errors=errors/>
                        <button type="button" on:click=move |_| {
                            impact.update(|l| { if i < l.len() { l.remove(i); } });
                            errors.set(Vec::new());
                            request_animation_frame(|| focus("pg-impact-add"));
                        }>{remove}</button>
                    </fieldset>
                }
            })
            .collect_view()
    };

    view! {
        <section class="panel" aria-labelledby="pg-edit-title">
            <h2 id="pg-edit-title">{tr(nl, "Pot en impact bewerken", "Edit pot and impact")}</h2>
            <form class="programme-form" novalidate on:submit=move |ev| {
                ev.prevent_default();
                notice.set(None);
                match draft().to_settings() {
                    Err(list) => show_errors(list),
                    Ok(s) => {
                        errors.set(Vec::new());
                        save.dispatch(s);
                    }
                }
            }>
                <CheckField id="pg-pot-on" label=move || tr(nl, "Dit programma heeft een matchpot", "This programme has a multiplier pot").to_owned() checked=pot_on/>
                <Show when=move || pot_on.get()>
                    <TextField id="pg-pot-name" field="pot.name" label=move || tr(nl, "Naam van de pot", "Name of the pot").to_owned() value=pot_name errors=errors/>
                    <h3>{tr(nl, "Financiers", "Funders")}</h3>
                    {funder_rows}
                    <button type="button" id="pg-funder-add"
                        aria-describedby=move || group_error(&["pot.funders", "pot.pot_cents"]).map(|_| "pg-funders-error")
                        on:click=move |_| {
                            funders.update(|l| l.push(FunderRow::new(FunderDraft::default())));
                            let i = funders.with_untracked(Vec::len) - 1;
                            request_animation_frame(move || focus(&format!("pg-funder-{i}-name")));
                        }>{tr(nl, "Financier toevoegen", "Add a funder")}</button>
                    {move || group_error(&["pot.funders", "pot.pot_cents"]).map(|m| view! { <p class="field-error" id="pg-funders-error">{m}</p> })}
                    <TextField id="pg-ratio" field="pot.ratio_bps" label=move || tr(nl, "Uit de pot per euro van de crowd", "From the pot per crowd euro").to_owned()
                        value=per_euro errors=errors money=true
                        hint=move || tr(nl, "In euro's: 1 is 1:1, 0,50 is 1:2", "In euros: 1 is 1:1, 0.50 is 1:2").to_owned()/>
                    <TextField id="pg-cap-gift" field="pot.cap_per_gift_cents" label=move || tr(nl, "Hoogstens per gift", "At most per gift").to_owned()
                        value=cap_gift errors=errors money=true hint=move || tr(nl, "Leeg: geen grens", "Empty: no cap").to_owned()/>
                    <TextField id="pg-cap-cohort" field="pot.cap_per_cohort_cents" label=move || tr(nl, "Hoogstens per cohort", "At most per cohort").to_owned()
                        value=cap_cohort errors=errors money=true hint=move || tr(nl, "Leeg: geen grens", "Empty: no cap").to_owned()/>
                </Show>
                <h3>{tr(nl, "Impactcijfers", "Impact figures")}</h3>
                {impact_rows}
                <button type="button" id="pg-impact-add"
                    aria-describedby=move || group_error(&["impact"]).map(|_| "pg-impact-error")
                    on:click=move |_| {
                        impact.update(|l| l.push(ImpactRow::new(ImpactDraft::default())));
                        let i = impact.with_untracked(Vec::len) - 1;
                        request_animation_frame(move || focus(&format!("pg-impact-{i}-kind")));
                    }>{tr(nl, "Impactcijfer toevoegen", "Add an impact figure")}</button>
                {move || group_error(&["impact"]).map(|m| view! { <p class="field-error" id="pg-impact-error">{m}</p> })}
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || save.pending().get()>{tr(nl, "Opslaan", "Save")}</button>
                </div>
                {move || notice.get().map(|n| view! { <p class="notice" id="pg-notice" tabindex="-1">{n}</p> })}
                {move || stale.get().then(|| view! {
                    <p class="actions"><button type="button" id="pg-reload" on:click=move |_| reload.run(())>
                        {tr(nl, "Laad de opgeslagen versie", "Load the saved version")}
                    </button></p>
                })}
            </form>
        </section>
    }
}
