//! The programme's multiplier pot in a cohort's widget (contract 1.1 `pot`): what it
//! added to this cohort and what is left in it, or that it is empty. The figures are
//! the server's (`cofund-core` allocates the pot); this only puts them into words.

use super::{css_percent, money_in};
use crate::i18n::{Locale, Say};
use crate::programme::pot_left_bps;
use cofund_core::Cohort;
use leptos::prelude::*;

#[component]
pub fn PotStateSection(cohort: RwSignal<Cohort>, locale: Locale, id: String) -> impl IntoView {
    let heading_id = format!("{id}-pot");
    let money = money_in(cohort, locale);
    move || {
        cohort.with(|c| c.document().pot.clone()).map(|pot| {
            let left = locale.pot_left(&money(pot.left_cents), &money(pot.pot_cents));
            view! {
                <section class="cofund-pot" aria-labelledby=heading_id.clone()>
                    <h3 id=heading_id.clone()>{pot.name.clone()}</h3>
                    <p class="cofund-pot-added">{locale.pot_added_here(&money(pot.added_cents))}</p>
                    <p class="cofund-pot-left">{left.clone()}</p>
                    <div
                        class="cofund-bar cofund-bar-pot"
                        role="progressbar"
                        aria-labelledby=heading_id.clone()
                        aria-valuemin="0"
                        aria-valuemax="100"
                        aria-valuenow=(pot_left_bps(pot.left_cents, pot.pot_cents) / 100).to_string()
                        aria-valuetext=left
                    >
                        <div class="cofund-bar-fill" style:width=css_percent(pot_left_bps(pot.left_cents, pot.pot_cents))></div>
                    </div>
                    {pot.exhausted.then(|| view! { <p class="cofund-notice cofund-pot-empty">{locale.pot_empty()}</p> })}
                </section>
            }
        })
    }
}
