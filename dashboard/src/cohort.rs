//! One cohort's page: figures and pace, the progress chart, pledges and reconciliation,
//! own contributions, stakeholders, export and embed.

use crate::api::{self, Failure, Pledge};
use crate::chart::ProgressChart;
use crate::i18n::{dt, phase_text, Locale};
use crate::overview::{pace_badge, CrowdBar};
use crate::{ctx, format};
use cofund_core::api::PledgeStatus;
use cofund_core::pace::{cumulative_by_day, Pace};
use cofund_core::{Cohort, Timestamp};
use leptos::prelude::*;
use std::any::Any;
use std::collections::HashMap;

/// Shared by the sections of one cohort's page.
#[derive(Clone, Copy)]
pub struct CohortCtx {
    pub slug: StoredValue<String>,
    /// The definition's revision (`ETag`) the page shows, sent back with edits.
    pub revision: RwSignal<Option<String>>,
    /// Bumped after every change, so the document and the pledges load again.
    pub reload: RwSignal<u32>,
    /// The page's owner: what is typed and chosen lives here, so it survives the
    /// sections being drawn again with new figures.
    owner: StoredValue<Option<Owner>>,
    kept: StoredValue<HashMap<&'static str, Box<dyn Any + Send + Sync>>>,
    /// The element to focus once the sections are drawn again after a change.
    focus_after: StoredValue<Option<String>>,
}

pub fn cohort_ctx() -> CohortCtx {
    expect_context::<CohortCtx>()
}

impl CohortCtx {
    pub fn changed(&self) {
        self.reload.update(|n| *n += 1);
    }

    /// Like [`CohortCtx::changed`], and focus goes to `id` once the page is drawn again.
    pub fn changed_then_focus(&self, id: impl Into<String>) {
        self.focus_after.set_value(Some(id.into()));
        self.changed();
    }

    /// A signal that keeps its value while the page's sections are redrawn (form
    /// fields, filters), created once per page under `key`.
    pub fn kept<T: Send + Sync + 'static>(&self, key: &'static str, init: impl FnOnce() -> T) -> RwSignal<T> {
        if let Some(s) = self.kept.with_value(|m| m.get(key).and_then(|b| b.downcast_ref::<RwSignal<T>>().copied())) {
            return s;
        }
        let signal = match self.owner.get_value() {
            Some(owner) => owner.with(|| RwSignal::new(init())),
            None => RwSignal::new(init()),
        };
        self.kept.update_value(|m| {
            m.insert(key, Box::new(signal));
        });
        signal
    }
}

/// Received pledges per day, cumulative. The admin API gives a pledge's last change,
/// which for a received pledge is when it was marked received (hiding its message
/// later moves it; the day is what the chart needs).
pub fn received_series(pledges: &[Pledge]) -> Vec<(cofund_core::Date, i64)> {
    cumulative_by_day(
        pledges
            .iter()
            .filter(|p| p.status() == PledgeStatus::Received)
            .filter_map(|p| Some((Timestamp::parse_rfc3339(p.updated_at())?.date_utc(), p.amount_cents()?)))
            .collect(),
    )
}

#[component]
pub fn CohortPage(slug: String) -> impl IntoView {
    let ctx = ctx();
    let cc = CohortCtx {
        slug: StoredValue::new(slug),
        revision: RwSignal::new(None),
        reload: RwSignal::new(0),
        owner: StoredValue::new(Owner::current()),
        kept: StoredValue::new(HashMap::new()),
        focus_after: StoredValue::new(None),
    };
    provide_context(cc);
    let doc = LocalResource::new(move || {
        ctx.now.track();
        cc.reload.track();
        let slug = cc.slug.get_value();
        let coordinator = ctx.may_change();
        async move {
            // The revision first: an edit based on it then never overwrites a change
            // shown after it.
            if coordinator {
                cc.revision.set(api::revision(&slug).await.ok().flatten());
            }
            api::document(&slug).await
        }
    });
    let pledges = LocalResource::new(move || {
        ctx.now.track();
        cc.reload.track();
        let slug = cc.slug.get_value();
        async move { api::pledges(&slug).await }
    });
    // Keep the last good values while reloading, so the page does not flash.
    let cohort = RwSignal::new(None::<Cohort>);
    let list = RwSignal::new(None::<Result<Vec<Pledge>, Failure>>);
    let error = RwSignal::new(None::<String>);
    Effect::new(move || match doc.get() {
        Some(Ok(c)) => {
            // Redraw only when something changed, so a refresh does not move focus.
            if cohort.with_untracked(|old| old.as_ref() != Some(&c)) {
                cohort.set(Some(c));
            } else if let Some(id) = cc.focus_after.get_value() {
                cc.focus_after.set_value(None);
                focus_by_id(id);
            }
            error.set(None);
        }
        Some(Err(f)) => error.set(Some(ctx.failure(&f))),
        None => {}
    });
    Effect::new(move || {
        if let Some(r) = pledges.get() {
            if list.with_untracked(|old| old.as_ref() != Some(&r)) {
                list.set(Some(r));
            }
        }
    });
    let first_load = StoredValue::new(true);
    Effect::new(move || {
        if cohort.with(Option::is_some) && first_load.get_value() {
            first_load.set_value(false);
            request_animation_frame(crate::focus_heading);
        }
    });

    view! {
        <p class="back"><a href="#/">{move || dt(ctx.locale.get()).back_to_overview}</a></p>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || match cohort.get() {
            None => view! { <h1 tabindex="-1">{dt(ctx.locale.get()).loading}</h1> }.into_any(),
            Some(c) => {
                let locale = ctx.locale.get();
                // The clock is read, not tracked: the page is drawn again when its data
                // changes (a tick reloads it), not on every tick, so focus and what is
                // being typed stay.
                let now = ctx.now.get_untracked();
                view! { <CohortView cohort=c locale=locale now=now pledges=list/> }.into_any()
            }
        }}
    }
}

#[component]
fn CohortView(
    cohort: Cohort,
    locale: Locale,
    now: Timestamp,
    pledges: RwSignal<Option<Result<Vec<Pledge>, Failure>>>,
) -> impl IntoView {
    let t = dt(locale);
    let ctx = ctx();
    let pace = Pace::of(&cohort, now);
    let doc = cohort.document().clone();
    let stored = StoredValue::new(cohort.clone());
    let cc = cohort_ctx();
    if let Some(id) = cc.focus_after.get_value() {
        cc.focus_after.set_value(None);
        focus_by_id(id);
    }
    view! {
        <h1 tabindex="-1">{doc.name.clone()}</h1>
        <p class="muted">{doc.programme.name.clone()}" · "{phase_text(locale, &cohort, now)}</p>
        <Figures cohort=cohort.clone() pace=pace.clone() locale=locale/>
        <section aria-labelledby="chart-heading">
            <h2 id="chart-heading">{t.chart_title}</h2>
            {move || {
                // Redrawn when the pledges arrive (the received line comes from them).
                let received = pledges.with(|p| match p {
                    Some(Ok(list)) => received_series(list),
                    _ => Vec::new(),
                });
                view! { <ProgressChart cohort=stored.get_value() pace=pace.clone() received=received today=now.date_utc() locale=locale/> }
            }}
        </section>
        <crate::pledges::PledgesSection cohort=stored pledges=pledges locale=locale/>
        <OwnContributions cohort=cohort.clone() locale=locale/>
        <crate::stakeholders::StakeholdersSection cohort=stored locale=locale pledges=pledges/>
        <Show when=move || ctx.may_change()>
            <Export locale=locale/>
        </Show>
        <crate::embed::EmbedSection cohort=stored locale=locale/>
        <crate::mail::MailSection locale=locale/>
    }
}

#[component]
fn Figures(cohort: Cohort, pace: Pace, locale: Locale) -> impl IntoView {
    let t = dt(locale);
    let s = cohort.summary().clone();
    let currency = cohort.document().currency.clone();
    let money = move |v: i64| format::money(locale, &currency, v);
    let percent = s.crowd.percent_of_target.map(|v| format::percent(locale, v)).unwrap_or_default();
    let w = locale;
    view! {
        <section aria-labelledby="figures-title" class="panel">
            <h2 id="figures-title">{t.figures}</h2>
            <CrowdBar bar_bps=s.crowd.bar_bps/>
            <p class="crowd-line" id="crowd-line">
                <strong>{percent}</strong>" · "{t.pledged_of(&money(s.crowd.pledged_cents), &money(s.crowd.target_cents))}
            </p>
            <dl class="figures">
                <div><dt>{t.received}</dt><dd data-figure="received">{money(s.crowd.received_cents)}</dd></div>
                <div><dt>{t.backers}</dt><dd>{format::integer(locale, s.crowd.backers)}</dd></div>
                <div><dt>{t.own_contributions}</dt><dd>{money(s.own.received_cents)}{format!(" {} ", t.of)}{money(s.own.target_cents)}</dd></div>
                <div><dt>{t.stakeholders}</dt><dd>{money(s.stakeholder_totals.total_cents)}
                    {(s.stakeholder_totals.conditional_cents > 0).then(|| format!(" ({})", w.conditional_note(&money(s.stakeholder_totals.conditional_cents))))}</dd></div>
                <div><dt>{t.gap}</dt><dd>{if s.surplus_cents > 0 { w.surplus(&money(s.surplus_cents)) } else { money(s.gap_cents) }}</dd></div>
                <div><dt>{t.required_per_day}</dt><dd>{if pace.required_line.is_some() { money(pace.required_per_day_cents) } else { t.nothing_required.to_owned() }}</dd></div>
            </dl>
            <p class="pace">{pace_badge(locale, &pace, money)}</p>
        </section>
    }
}

#[component]
fn OwnContributions(cohort: Cohort, locale: Locale) -> impl IntoView {
    let t = dt(locale);
    let ctx = ctx();
    let cc = cohort_ctx();
    let own = cohort.summary().own.clone();
    let currency = cohort.document().currency.clone();
    let error = RwSignal::new(None::<String>);
    let change = Action::new_local(move |delta: &i64| {
        let delta = *delta;
        let slug = cc.slug.get_value();
        async move { api::change_own_contributions(&slug, delta).await }
    });
    Effect::new(move || match change.value().get() {
        Some(Ok(o)) => {
            error.set(None);
            ctx.say(locale.participants_paid(o.received, o.participants, "").trim_end().to_owned());
            cc.changed_then_focus(if change.input().get_untracked().unwrap_or(1) < 0 {
                "own-minus"
            } else {
                "own-plus"
            });
        }
        Some(Err(f)) => error.set(Some(match f {
            Failure::Invalid(_) => t.own_out_of_range.to_owned(),
            f => ctx.failure(&f),
        })),
        None => {}
    });
    let per = format::money(locale, &currency, own.per_participant_cents);
    view! {
        <section aria-labelledby="own-title" class="panel">
            <h2 id="own-title">{t.own_contributions}</h2>
            <p id="own-line">{locale.participants_paid(own.paid_participants, own.participants, &per)}</p>
            <Show when=move || ctx.may_change()>
            <div class="stepper" role="group" aria-labelledby="own-title">
                <button type="button" id="own-minus" aria-describedby="own-line" disabled=move || { change.pending().get() || own.paid_participants <= 0 }
                    on:click=move |_| { change.dispatch(-1); }>{t.one_fewer_paid}</button>
                <button type="button" id="own-plus" aria-describedby="own-line" disabled=move || { change.pending().get() || own.paid_participants >= own.participants }
                    on:click=move |_| { change.dispatch(1); }>{t.one_more_paid}</button>
            </div>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}

/// The CSV export as a download: fetched with the dashboard's credentials and handed to
/// the browser as a file.
#[component]
fn Export(locale: Locale) -> impl IntoView {
    let t = dt(locale);
    let ctx = ctx();
    let cc = cohort_ctx();
    let error = RwSignal::new(None::<String>);
    let download = Action::new_local(move |_: &()| {
        let slug = cc.slug.get_value();
        async move { (slug.clone(), api::export_csv(&slug).await) }
    });
    Effect::new(move || match download.value().get() {
        Some((slug, Ok(csv))) => {
            error.set(None);
            save_file(&format!("{slug}-pledges.csv"), &csv, "text/csv;charset=utf-8");
            ctx.say(dt(locale).downloaded);
        }
        Some((_, Err(f))) => error.set(Some(ctx.failure(&f))),
        None => {}
    });
    view! {
        <section aria-labelledby="export-title" class="panel">
            <h2 id="export-title">{t.export}</h2>
            <p>{t.export_intro}</p>
            <button type="button" disabled=move || download.pending().get() on:click=move |_| { download.dispatch(()); }>{t.download_csv}</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}

/// Offers `content` as a file download.
fn save_file(name: &str, content: &str, mime: &str) {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(content));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(a) = doc
        .as_ref()
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        if let Some(body) = doc.and_then(|d| d.body()) {
            let _ = body.append_child(&a);
            a.click();
            let _ = body.remove_child(&a);
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Focuses the element with this id after the next paint.
pub fn focus_by_id(id: String) {
    use wasm_bindgen::JsCast;
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
