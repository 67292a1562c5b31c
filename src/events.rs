//! Events for the host page, dispatched on the host element, bubbling and composed (they
//! cross the shadow boundary), so a page can listen on `document`:
//!
//! - `cofund:load` — the cohort is on screen: `{ slug, percent, pledged_cents, target_cents }`
//!   (`percent` of the crowd target, rounded down; `null` without a target); in programme
//!   mode the same over all the programme's cohorts, with `programme: true`;
//! - `cofund:pledge` — a pledge was recorded: `{ slug, amount_cents, reference }` (the
//!   payment reference; never a name or e-mail address);
//! - `cofund:error` — the cohort could not be shown: `{ kind, message }`, `kind` one of
//!   `no_source`, `network`, `http`, `json`, `schema`, `invalid`; `message` is what the
//!   widget shows.

use leptos::prelude::{provide_context, use_context};
use send_wrapper::SendWrapper;
use wasm_bindgen::JsValue;

/// The element events are dispatched on.
#[derive(Clone)]
pub(crate) struct EventHost(SendWrapper<web_sys::Element>);

/// Makes `host` the target of the events of the widget being built.
pub(crate) fn provide(host: web_sys::Element) {
    provide_context(EventHost(SendWrapper::new(host)));
}

/// The event target of the widget being built; take it while building, not later.
pub(crate) fn host() -> Option<EventHost> {
    use_context::<EventHost>()
}

impl EventHost {
    fn emit(&self, name: &str, detail: &[(&str, JsValue)]) {
        let object = js_sys::Object::new();
        for (key, value) in detail {
            let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
        }
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(&object);
        if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
            let _ = self.0.dispatch_event(&event);
        }
    }

    pub(crate) fn loaded(&self, cohort: &cofund_core::Cohort) {
        let crowd = &cohort.summary().crowd;
        self.emit(
            "cofund:load",
            &[
                ("slug", cohort.document().slug.as_str().into()),
                ("percent", crowd.percent_of_target.map_or(JsValue::NULL, |p| (p as f64).into())),
                ("pledged_cents", (crowd.pledged_cents as f64).into()),
                ("target_cents", (crowd.target_cents as f64).into()),
            ],
        );
    }

    /// Programme mode: the programme's slug and its crowd over all targets.
    pub(crate) fn loaded_programme(&self, programme: &crate::programme::ProgrammeRead) {
        let (pledged, target) = programme.totals.as_ref().map_or((0, 0), |t| (t.pledged_cents, t.crowd_target_cents));
        self.emit(
            "cofund:load",
            &[
                ("slug", programme.slug.as_str().into()),
                ("programme", true.into()),
                ("percent", programme.percent_of_targets().map_or(JsValue::NULL, |p| (p as f64).into())),
                ("pledged_cents", (pledged as f64).into()),
                ("target_cents", (target as f64).into()),
            ],
        );
    }

    pub(crate) fn pledged(&self, slug: &str, amount_cents: i64, reference: &str) {
        self.emit(
            "cofund:pledge",
            &[("slug", slug.into()), ("amount_cents", (amount_cents as f64).into()), ("reference", reference.into())],
        );
    }

    pub(crate) fn failed(&self, kind: &str, message: &str) {
        self.emit("cofund:error", &[("kind", kind.into()), ("message", message.into())]);
    }
}
