//! The root component: loads the document, shows loading, error or the cohort.

use super::{
    budget::BudgetSection,
    crowd::CrowdSection,
    lists::*,
    next_id,
    pledge::PledgeSection,
    stakeholders::StakeholderSection,
    status::{ErrorPanel, Skeleton},
};
use crate::api::{load_document, Loaded};
use crate::{format, i18n::Locale, i18n::Say, WidgetConfig};
use cofund_core::{Cohort, Timestamp};
use leptos::prelude::*;

/// The page's own language, when the embed names none.
fn page_locale() -> Option<Locale> {
    let lang = crate::window()?.document()?.document_element()?.get_attribute("lang")?;
    Locale::from_tag(&lang)
}

/// The language of a cohort's view: the embed's, else the document's, else the page's,
/// else Dutch. The same rule in the browser and for the server's first view.
pub(crate) fn cohort_locale(embed: Option<Locale>, cohort: &Cohort, page: Option<Locale>) -> Locale {
    embed.or_else(|| cohort.document().locale.as_deref().and_then(Locale::from_tag)).or(page).unwrap_or_default()
}

/// The whole widget for one cohort document.
///
/// ```no_run
/// use leptos::prelude::*;
/// use cofund_widget::{CofundWidget, WidgetConfig};
/// let config = WidgetConfig { src: "/api/v1/cohorts/utrecht-voorjaar-2027".into(), ..Default::default() };
/// let _ = view! { <CofundWidget config=config/> };
/// ```
#[component]
pub fn CofundWidget(config: WidgetConfig) -> impl IntoView {
    let id = next_id();
    let initial_locale = config.locale.or_else(page_locale).unwrap_or_default();
    let src = config.src.clone();
    let resource = LocalResource::new(move || {
        let src = src.clone();
        // While the document is in flight: the formatters (the browser loads the
        // locale's data then, not when the figures should appear).
        async move { load_document(&src, move || format::prepare(initial_locale)).await }
    });
    let (pending, set_pending) = signal(false);
    let config = StoredValue::new(config);
    let id = StoredValue::new(id);
    let events = crate::events::host();
    let frame = NodeRef::<leptos::html::Div>::new();
    // A view taken over from the server keeps the server's reservation (the server cannot
    // measure a width): the swap then changes no height.
    if !super::whole_view() {
        frame.on_load(|el| super::reserve_by_width(el.into()));
    }

    view! {
        <div class="cofund" lang=initial_locale.tag() aria-busy=move || pending.get().to_string()>
            <div class="cofund-frame" node_ref=frame>
                <Transition
                    fallback=move || view! { <Skeleton locale=initial_locale/> }
                    set_pending=set_pending
                >
                    {move || { let events = events.clone(); Suspend::new(async move {
                        let loaded = resource.await;
                        if let Some(events) = &events {
                            match &loaded {
                                Ok(Loaded::Cohort(cohort)) => events.loaded(cohort),
                                Ok(Loaded::Programme(programme)) => events.loaded_programme(programme),
                                Err(error) => events.failed(error.kind(), &error.message(initial_locale)),
                            }
                        }
                        // Taking over a view the server rendered: swap once this one is in place.
                        super::take_over_after_render();
                        match loaded {
                            Ok(Loaded::Programme(programme)) => {
                                let c = config.get_value();
                                let locale = c.locale.or_else(page_locale).unwrap_or_default();
                                view! {
                                    <super::programme::ProgrammeView
                                        programme=programme
                                        locale=locale
                                        src=c.src
                                        refresh_secs=c.refresh_secs
                                        id=id.get_value()
                                    />
                                }
                                .into_any()
                            }
                            Ok(Loaded::Cohort(cohort)) => {
                                let c = config.get_value();
                                let locale = cohort_locale(c.locale, &cohort, page_locale());
                                let now = c.now.unwrap_or_else(crate::browser_now);
                                view! {
                                    <CohortView
                                        cohort=cohort
                                        locale=locale
                                        now=now
                                        src=c.src
                                        refresh_secs=c.refresh_secs
                                        id=id.get_value()
                                    />
                                }
                                .into_any()
                            }
                            Err(error) => view! {
                                <ErrorPanel
                                    error=error
                                    locale=initial_locale
                                    pending=pending
                                    on_retry=move || resource.refetch()
                                />
                            }
                            .into_any(),
                        }
                    })}}
                </Transition>
            </div>
        </div>
    }
}

/// Refreshes the document every `secs` while the page is visible, so a screen left open
/// (a coordinator's, a kiosk at the programme) shows progress as it happens. A failed
/// refresh keeps what is shown; the next one tries again.
fn keep_fresh(cohort: RwSignal<Cohort>, src: String, secs: u32) {
    every_visible(secs, move || refresh_cohort(cohort, src.clone()));
}

/// Revalidates the cohort document and shows it if it changed.
fn refresh_cohort(cohort: RwSignal<Cohort>, src: String) {
    leptos::task::spawn_local(async move {
        if let Ok(fresh) = crate::api::reload_cohort(&src).await {
            if cohort.try_with_untracked(|c| *c != fresh) == Some(true) {
                cohort.set(fresh);
            }
        }
    });
}

/// Runs `refresh` every `secs` while the page is visible, until the component goes.
pub(super) fn every_visible(secs: u32, refresh: impl Fn() + 'static) {
    let handle = set_interval_with_handle(
        move || {
            if page_visible() {
                refresh();
            }
        },
        std::time::Duration::from_secs(u64::from(secs)),
    );
    if let Ok(handle) = handle {
        on_cleanup(move || handle.clear());
    }
}

/// Whether the page is visible (a background tab is not).
fn page_visible() -> bool {
    crate::window().and_then(|w| w.document()).is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

/// Follows the document's live event stream (`links.events`) while the page is visible:
/// every event revalidates the document at once, so a pledge made anywhere moves the bar
/// here within a second. The stream closes while the page is hidden and reopens (with
/// the current state) when it shows again. Where there is no stream, or it fails, the
/// ETag-revalidated polling of [`keep_fresh`] goes on as before.
fn follow_live(cohort: RwSignal<Cohort>, src: String) {
    let Some(url) = cohort.with_untracked(|c| c.document().links.events.clone()) else { return };
    let base = src.clone();
    follow_events(&url, &base, move || refresh_cohort(cohort, src.clone()));
}

/// Opens the event stream at `url` (relative to the document `src`) while the page is
/// visible and runs `on_progress` on each `progress` event.
pub(super) fn follow_events(url: &str, src: &str, on_progress: impl Fn() + 'static) {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::{closure::Closure, JsCast};
    let Some(url) = web_sys::Url::new_with_base(url, src).ok().map(|u| u.href()) else { return };
    let Some(document) = crate::window().and_then(|w| w.document()) else { return };
    let on_progress = Closure::<dyn Fn()>::new(on_progress);
    let source: Rc<RefCell<Option<web_sys::EventSource>>> = Rc::default();
    let follow = {
        let source = source.clone();
        move |on: bool| {
            let mut current = source.borrow_mut();
            match (on, current.is_some()) {
                (true, false) => {
                    if let Ok(es) = web_sys::EventSource::new(&url) {
                        let _ = es.add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref());
                        *current = Some(es);
                    }
                }
                (false, true) => current.take().into_iter().for_each(|es| es.close()),
                _ => {}
            }
        }
    };
    follow(page_visible());
    let follow = Rc::new(follow);
    let on_visibility = {
        let follow = follow.clone();
        Closure::<dyn Fn()>::new(move || follow(page_visible()))
    };
    let _ = document.add_event_listener_with_callback("visibilitychange", on_visibility.as_ref().unchecked_ref());
    let owned = send_wrapper::SendWrapper::new((document, on_visibility, follow));
    on_cleanup(move || {
        let (document, on_visibility, follow) = owned.take();
        let _ =
            document.remove_event_listener_with_callback("visibilitychange", on_visibility.as_ref().unchecked_ref());
        follow(false);
    });
}

/// A loaded cohort. `cohort` becomes a signal so a pledge can update the figures.
#[component]
pub(crate) fn CohortView(
    cohort: Cohort,
    locale: Locale,
    now: Timestamp,
    src: String,
    refresh_secs: u32,
    id: String,
) -> impl IntoView {
    let t = locale.t();
    let doc = cohort.document().clone();
    let cohort = RwSignal::new(cohort);
    if refresh_secs > 0 {
        keep_fresh(cohort, src.clone(), refresh_secs);
        follow_live(cohort, src.clone());
    }
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    let programme = match doc.programme.url.clone() {
        Some(url) => view! { <a href=url>{doc.programme.name.clone()}</a> }.into_any(),
        None => view! { <span>{doc.programme.name.clone()}</span> }.into_any(),
    };

    // The crowd figures first; the rest after that frame has painted, so the first
    // figure shows after part of the work and no one task holds the main thread as long.
    // On the server, and in the browser taking over the server's view, all in one step.
    let whole = super::whole_view();
    let rest = RwSignal::new(whole);
    let crowd_id = id.clone();
    if !whole {
        request_animation_frame(move || {
            set_timeout(
                move || {
                    rest.try_set(true);
                },
                std::time::Duration::ZERO,
            );
        });
    }
    let below_the_figures = move || {
        rest.get().then(|| {
            let (src, id) = (src.clone(), id.clone());
            view! {
                <PledgeSection cohort=cohort locale=locale now=now src=src id=id.clone()/>
                <BudgetSection cohort=cohort locale=locale id=id.clone()/>
                <StakeholderSection cohort=cohort locale=locale id=id.clone()/>
                <super::pot::PotStateSection cohort=cohort locale=locale id=id.clone()/>
                <OwnContributionSection cohort=cohort locale=locale id=id.clone()/>
                <InitiativeSection cohort=cohort locale=locale id=id.clone()/>
                <RecentPledgeSection cohort=cohort locale=locale id=id/>
                <p class="cofund-muted cofund-updated">
                    {t.updated}" "{move || cohort.with(|c| format::date_time_short(locale, c.updated_at()))}
                </p>
            }
        })
    };

    view! {
        <section lang=locale.tag() aria-labelledby=labelled_by>
            <p class="cofund-programme">{programme}</p>
            <h2 id=title_id>{doc.name.clone()}</h2>
            <CrowdSection cohort=cohort locale=locale now=now id=crowd_id/>
            {below_the_figures}
        </section>
    }
}
