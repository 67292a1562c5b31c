//! Pledging: the form, or a link to the programme for read-only documents.

use crate::i18n::Locale;
use cofund_core::{Cohort, Timestamp};
use leptos::prelude::*;

#[component]
pub fn PledgeSection(cohort: RwSignal<Cohort>, locale: Locale, now: Timestamp, src: String, id: String) -> impl IntoView {
    let t = locale.t();
    let _ = (now, src, id);
    let page = cohort.with_untracked(|c| {
        let doc = c.document();
        if doc.links.pledge.is_none() { doc.links.page.clone() } else { None }
    });
    page.map(|url| view! {
        <p class="cofund-readonly">{t.read_only}" "<a href=url>{t.programme_page}</a></p>
    })
}
