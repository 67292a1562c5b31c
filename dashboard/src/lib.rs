//! # cofund-dashboard
//!
//! The dashboard in the browser for a programme's coordinators and its cohorts: every
//! cohort's progress and pace, and one cohort's chart, pledges, bank reconciliation,
//! own contributions, stakeholders, export and embed tools. Every figure comes from
//! `cofund-core`; this crate arranges and words them (Dutch first, English second,
//! through the widget's `Intl` formatting).
//!
//! Served by `cofund` at `/manage/`; talks to the same origin's API.

pub mod api;
pub mod chart;
mod cohort;
pub mod draft;
mod embed;
mod fields;
pub mod i18n;
pub mod mail;
mod notices;
mod overview;
mod pledges;
mod pot_chart;
mod programme;
pub mod programme_draft;
mod programme_editor;
pub mod rule_draft;
mod rules_editor;
mod settlements;
mod stakeholders;

pub use cofund_l10n::format;

use api::Failure;
use cofund_core::Timestamp;
use i18n::{dt, Locale};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Which view is shown, from the location's hash (`#/`, `#/cohort/{slug}`), so the
/// server serves one page and the browser's back button works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Overview,
    Cohort(String),
    /// A cohort's printable settlement statements.
    Settlements(String),
    /// A programme's page: cohorts, the pot's use, impact.
    Programme(String),
    /// A programme's printable statements of what each of the pot's funders owes.
    FunderSettlements(String),
}

impl Route {
    pub fn from_hash(hash: &str) -> Route {
        match hash.trim_start_matches('#').trim_start_matches('/').split_once('/') {
            Some(("cohort", rest)) if rest.ends_with("/settlements") && rest.len() > "/settlements".len() => {
                Route::Settlements(rest.trim_end_matches("/settlements").to_owned())
            }
            Some(("cohort", slug)) if !slug.is_empty() => Route::Cohort(slug.to_owned()),
            Some(("programme", rest)) if rest.ends_with("/settlements") && rest.len() > "/settlements".len() => {
                Route::FunderSettlements(rest.trim_end_matches("/settlements").to_owned())
            }
            Some(("programme", slug)) if !slug.is_empty() => Route::Programme(slug.to_owned()),
            _ => Route::Overview,
        }
    }

    pub fn href(&self) -> String {
        match self {
            Route::Overview => "#/".into(),
            Route::Cohort(slug) => format!("#/cohort/{slug}"),
            Route::Settlements(slug) => format!("#/cohort/{slug}/settlements"),
            Route::Programme(slug) => format!("#/programme/{slug}"),
            Route::FunderSettlements(slug) => format!("#/programme/{slug}/settlements"),
        }
    }
}

/// What every component may read: provided once by [`App`], instead of passing it down.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub locale: RwSignal<Locale>,
    /// `None` until the server has said whether the browser has a session.
    pub checked: RwSignal<bool>,
    pub signed_in: RwSignal<bool>,
    pub session: RwSignal<Option<api::Session>>,
    /// Why the sign-in page is shown again, if it is.
    pub signed_out_reason: RwSignal<Option<&'static str>>,
    pub route: RwSignal<Route>,
    /// The clock; ticks every 30 s while the page is visible, which also refreshes the
    /// figures.
    pub now: RwSignal<Timestamp>,
    /// Polite announcements for screen readers (saved, copied, …).
    pub announce: RwSignal<String>,
}

pub fn ctx() -> Ctx {
    expect_context::<Ctx>()
}

impl Ctx {
    /// A failure in words; a 401 signs out (the session or token has ended).
    pub fn failure(&self, f: &Failure) -> String {
        let t = dt(self.locale.get_untracked());
        if *f == Failure::Unauthorized {
            self.signed_out_reason.set(Some(t.session_ended));
            self.session.set(None);
            self.signed_in.set(false);
        }
        t.failure(f)
    }

    pub fn say(&self, message: impl Into<String>) {
        self.announce.set(message.into());
    }

    /// Whether the signed-in account may change things (coordinators) or only look
    /// (cohort members).
    pub fn may_change(&self) -> bool {
        self.session.with(|s| s.as_ref().is_some_and(api::Session::may_change))
    }
}

use cofund_l10n::browser_now;

fn hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

const LOCALE_KEY: &str = "cofund-dashboard-locale";

fn saved_locale() -> Locale {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(LOCALE_KEY).ok().flatten())
        .and_then(|t| Locale::from_tag(&t))
        .unwrap_or_default()
}

/// Moves focus to the main heading after a view change, so screen readers announce it.
pub fn focus_heading() {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("main h1").ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx {
        locale: RwSignal::new(saved_locale()),
        checked: RwSignal::new(false),
        signed_in: RwSignal::new(false),
        session: RwSignal::new(None),
        signed_out_reason: RwSignal::new(None),
        route: RwSignal::new(Route::from_hash(&hash())),
        now: RwSignal::new(browser_now()),
        announce: RwSignal::new(String::new()),
    };
    provide_context(ctx);
    leptos::task::spawn_local(async move {
        if let Ok(s) = api::session().await {
            ctx.session.set(Some(s));
            ctx.signed_in.set(true);
        }
        ctx.checked.set(true);
    });

    let on_hash = window_event_listener(leptos::ev::hashchange, move |_| {
        ctx.route.set(Route::from_hash(&hash()));
        request_animation_frame(focus_heading);
    });
    on_cleanup(move || on_hash.remove());
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let visible = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
            if visible {
                ctx.now.set(browser_now());
            }
        },
        std::time::Duration::from_secs(30),
    ) {
        on_cleanup(move || handle.clear());
    }
    Effect::new(move || {
        let l = ctx.locale.get();
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", l.tag());
        }
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item(LOCALE_KEY, l.tag());
        }
    });

    view! {
        <a class="skip" href="#main" on:click=move |ev| { ev.prevent_default(); focus_heading(); }>
            {move || dt(ctx.locale.get()).skip_to_content}
        </a>
        <Header/>
        <main id="main">
            {move || {
                if !ctx.checked.get() {
                    view! { <p class="loading">{dt(ctx.locale.get()).loading}</p> }.into_any()
                } else if !ctx.signed_in.get() {
                    view! { <SignIn/> }.into_any()
                } else {
                    match ctx.route.get() {
                        Route::Overview => view! { <overview::Overview/> }.into_any(),
                        Route::Cohort(slug) => view! { <cohort::CohortPage slug=slug/> }.into_any(),
                        Route::Settlements(slug) => view! { <settlements::SettlementsPage slug=slug/> }.into_any(),
                        Route::Programme(slug) => view! { <programme::ProgrammePage slug=slug/> }.into_any(),
                        Route::FunderSettlements(slug) => view! { <settlements::FunderSettlementsPage slug=slug/> }.into_any(),
                    }
                }
            }}
        </main>
        <div class="visually-hidden" role="status" aria-live="polite">{move || ctx.announce.get()}</div>
    }
}

#[component]
fn Header() -> impl IntoView {
    let ctx = ctx();
    let t = move || dt(ctx.locale.get());
    let other = move || match ctx.locale.get() {
        Locale::Nl => Locale::En,
        Locale::En => Locale::Nl,
    };
    view! {
        <header class="top">
            <a class="brand" href="#/">{move || t().brand}</a>
            <nav aria-label=move || t().nav_label>
                <button type="button" class="link" lang=move || other().tag()
                    on:click=move |_| ctx.locale.set(other())>
                    {move || t().other_language}
                </button>
                <Show when=move || ctx.signed_in.get()>
                    <button type="button" class="link" on:click=move |_| {
                        leptos::task::spawn_local(async move {
                            let t = dt(ctx.locale.get_untracked());
                            match api::sign_out().await {
                                Ok(()) | Err(Failure::Unauthorized) => {
                                    ctx.signed_out_reason.set(Some(t.signed_out));
                                    ctx.session.set(None);
                                    ctx.signed_in.set(false);
                                }
                                Err(f) => ctx.say(ctx.failure(&f)),
                            }
                        });
                    }>{move || t().sign_out}</button>
                </Show>
            </nav>
        </header>
    }
}

/// Sign-in: by the link a coordinator sent (the server's /sign-in page), or once with
/// an admin token, which starts a session and is not kept.
#[component]
fn SignIn() -> impl IntoView {
    let ctx = ctx();
    let t = move || dt(ctx.locale.get());
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let check = Action::new_local(move |secret: &String| {
        let secret = secret.clone();
        async move {
            match api::sign_in_with_token(&secret).await {
                Ok(s) => {
                    ctx.signed_out_reason.set(None);
                    ctx.session.set(Some(s));
                    ctx.signed_in.set(true);
                    request_animation_frame(focus_heading);
                    None
                }
                Err(f) => Some(if f == Failure::Unauthorized {
                    dt(ctx.locale.get_untracked()).token_refused.to_owned()
                } else {
                    ctx.failure(&f)
                }),
            }
        }
    });
    Effect::new(move || {
        if let Some(result) = check.value().get() {
            error.set(result);
        }
    });
    view! {
        <section class="signin" aria-labelledby="signin-title">
            <h1 id="signin-title" tabindex="-1">{move || t().sign_in_title}</h1>
            {move || ctx.signed_out_reason.get().map(|r| view! { <p class="notice">{r}</p> })}
            <p>{move || t().sign_in_intro}</p>
            <form on:submit=move |ev| {
                ev.prevent_default();
                let v = token.get_untracked().trim().to_owned();
                if v.is_empty() {
                    error.set(Some(dt(ctx.locale.get_untracked()).token_required.to_owned()));
                } else {
                    check.dispatch(v);
                }
            }>
                <div class="field">
                    <label for="token">{move || t().token_label}</label>
                    <input id="token" type="password" autocomplete="off" spellcheck="false" bind:value=token
                        aria-invalid=move || error.get().is_some().to_string()
                        aria-describedby=move || if error.get().is_some() { "token-error" } else { "" }/>
                    {move || error.get().map(|e| view! { <p class="field-error" id="token-error">{e}</p> })}
                </div>
                <button type="submit" class="primary" disabled=move || check.pending().get()>{move || t().sign_in}</button>
            </form>
        </section>
    }
}
