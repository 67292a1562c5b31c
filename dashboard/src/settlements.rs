//! A cohort's settlement statements as a printable page (`#/cohort/{slug}/settlements`):
//! per stakeholder what it owes and why — each matched gift with its time and what it
//! unlocked, the moment a trigger was met, the fixed amount, the total — from the
//! server's statements (computed by `cofund-core` from the same evaluation as the
//! document), with a print button and the CSV.

use crate::api;
use crate::{ctx, format, Route};
use cofund_core::admin::CohortSettlements;
use cofund_core::settlement::LineKind;
use cofund_core::Timestamp;
use leptos::prelude::*;

fn tr(nl: bool, dutch: &'static str, english: &'static str) -> &'static str {
    if nl {
        dutch
    } else {
        english
    }
}

fn kind_text(nl: bool, k: LineKind) -> &'static str {
    match k {
        LineKind::Fixed => tr(nl, "Vast bedrag", "Fixed amount"),
        LineKind::Match => tr(nl, "Verdubbeling van een gift", "Match of a gift"),
        LineKind::Trigger => tr(nl, "Drempel gehaald", "Threshold met"),
        LineKind::Pot => tr(nl, "Uit de pot bij een gift", "From the pot for a gift"),
    }
}

#[component]
pub fn SettlementsPage(slug: String) -> impl IntoView {
    let ctx = ctx();
    let s = slug.clone();
    let data = LocalResource::new(move || {
        let slug = s.clone();
        async move { api::settlements(&slug).await }
    });
    request_animation_frame(crate::focus_heading);
    let csv = format!("/api/v1/admin/cohorts/{slug}/settlements.csv");
    let back = Route::Cohort(slug.clone()).href();
    view! {
        {move || {
            let locale = ctx.locale.get();
            let nl = locale == crate::i18n::Locale::Nl;
            let (csv, back) = (csv.clone(), back.clone());
            match data.get() {
                None => view! { <h1 tabindex="-1">{tr(nl, "Afrekeningen", "Settlement statements")}</h1><p class="loading">{crate::i18n::dt(locale).loading}</p> }.into_any(),
                Some(Err(f)) => view! { <h1 tabindex="-1">{tr(nl, "Afrekeningen", "Settlement statements")}</h1><p class="error" role="alert">{ctx.failure(&f)}</p> }.into_any(),
                Some(Ok(d)) => statements(locale, d, csv, back).into_any(),
            }
        }}
    }
}

fn statements(locale: crate::i18n::Locale, d: CohortSettlements, csv: String, back: String) -> impl IntoView {
    let nl = locale == crate::i18n::Locale::Nl;
    let currency = d.currency.clone();
    let money = move |v: i64| format::money(locale, &currency, v);
    let when = move |s: &Option<String>| {
        s.as_deref().and_then(Timestamp::parse_rfc3339).map(|t| format::date_time_short(locale, t)).unwrap_or_default()
    };
    let computed =
        Timestamp::parse_rfc3339(&d.computed_at).map(|t| format::date_time_short(locale, t)).unwrap_or_default();
    let list = d
        .statements
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let heading_id = format!("settlement-{i}");
            let state = if s.void {
                Some(tr(
                    nl,
                    "Vervallen: het doel is niet gehaald, er is niets verschuldigd.",
                    "Lapsed: the target was missed, nothing is owed.",
                ))
            } else if s.conditional {
                Some(tr(
                    nl,
                    "Voorwaardelijk: geldt alleen als de crowd het doel haalt.",
                    "Conditional: holds only if the crowd meets its target.",
                ))
            } else {
                None
            };
            let rows = s
                .lines
                .iter()
                .map(|l| {
                    view! {
                        <tr>
                            <td>{kind_text(nl, l.kind)}</td>
                            <td>{when(&l.at)}</td>
                            <td>{l.pledge.clone().unwrap_or_default()}</td>
                            <td class="num">{l.gift_cents.map(&money).unwrap_or_default()}</td>
                            <td class="num">{money(l.amount_cents)}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <section class="panel settlement" aria-labelledby=heading_id.clone()>
                    <h2 id=heading_id.clone()>{s.stakeholder.clone()}</h2>
                    {state.map(|x| view! { <p class="muted">{x}</p> })}
                    <div class="table-wrap">
                        <table>
                            <thead><tr>
                                <th scope="col">{tr(nl, "Waarvoor", "For")}</th>
                                <th scope="col">{tr(nl, "Moment", "When")}</th>
                                <th scope="col">{tr(nl, "Toezegging", "Pledge")}</th>
                                <th scope="col" class="num">{tr(nl, "Gift", "Gift")}</th>
                                <th scope="col" class="num">{tr(nl, "Verschuldigd", "Owed")}</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                            <tfoot><tr>
                                <th scope="row" colspan="4">{tr(nl, "Totaal", "Total")}</th>
                                <td class="num"><strong>{money(s.total_cents)}</strong></td>
                            </tr></tfoot>
                        </table>
                    </div>
                </section>
            }
        })
        .collect_view();
    view! {
        <h1 tabindex="-1">{tr(nl, "Afrekeningen", "Settlement statements")}" · "{d.cohort.clone()}</h1>
        <p class="muted">{tr(nl, "Berekend op ", "Computed on ")}{computed}</p>
        <p class="no-print actions">
            <a href=back>{tr(nl, "Terug naar het cohort", "Back to the cohort")}</a>" "
            <a href=csv download>{tr(nl, "Download als CSV", "Download as CSV")}</a>" "
            <button type="button" on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>
                {tr(nl, "Afdrukken", "Print")}
            </button>
        </p>
        {list}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_statements_have_their_own_address() {
        use crate::Route;
        assert_eq!(Route::from_hash("#/cohort/utrecht/settlements"), Route::Settlements("utrecht".into()));
        assert_eq!(Route::Settlements("utrecht".into()).href(), "#/cohort/utrecht/settlements");
        assert_eq!(Route::from_hash("#/cohort/utrecht"), Route::Cohort("utrecht".into()));
    }
}
