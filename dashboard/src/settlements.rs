//! A cohort's settlement statements as a printable page (`#/cohort/{slug}/settlements`):
//! per stakeholder what it owes and why — each matched gift with its time and what it
//! unlocked, the moment a trigger was met, the fixed amount, the total — from the
//! server's statements (computed by `cofund-core` from the same evaluation as the
//! document), with a print button and the CSV.
//!
//! A programme's page of the same kind (`#/programme/{slug}/settlements`): what each of
//! the multiplier pot's funders owes for the pot's use, per cohort and in total.

use crate::api::{self, Failure};
use crate::{ctx, format, Route};
use cofund_core::admin::CohortSettlements;
use cofund_core::settlement::{LineKind, ProgrammeSettlements};
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

/// A statements page: its heading while loading or failing, else `shown` with the page's
/// locale.
fn statements_page<T: Clone + Send + Sync + 'static>(
    data: LocalResource<Result<T, Failure>>,
    shown: impl Fn(crate::i18n::Locale, T) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = ctx();
    request_animation_frame(crate::focus_heading);
    move || {
        let locale = ctx.locale.get();
        let nl = locale == crate::i18n::Locale::Nl;
        match data.get() {
            None => view! { <h1 tabindex="-1">{tr(nl, "Afrekeningen", "Settlement statements")}</h1><p class="loading">{crate::i18n::dt(locale).loading}</p> }.into_any(),
            Some(Err(f)) => view! { <h1 tabindex="-1">{tr(nl, "Afrekeningen", "Settlement statements")}</h1><p class="error" role="alert">{ctx.failure(&f)}</p> }.into_any(),
            Some(Ok(d)) => shown(locale, d),
        }
    }
}

/// Back to where the statements came from, the CSV and a print button (not printed).
fn page_actions(nl: bool, back: String, back_text: &'static str, csv: String) -> impl IntoView {
    view! {
        <p class="no-print actions">
            <a href=back>{back_text}</a>" "
            <a href=csv download>{tr(nl, "Download als CSV", "Download as CSV")}</a>" "
            <button type="button" on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>
                {tr(nl, "Afdrukken", "Print")}
            </button>
        </p>
    }
}

fn computed_on(locale: crate::i18n::Locale, at: &str) -> impl IntoView {
    let nl = locale == crate::i18n::Locale::Nl;
    let computed = Timestamp::parse_rfc3339(at).map(|t| format::date_time_short(locale, t)).unwrap_or_default();
    view! { <p class="muted">{tr(nl, "Berekend op ", "Computed on ")}{computed}</p> }
}

#[component]
pub fn SettlementsPage(slug: String) -> impl IntoView {
    let s = slug.clone();
    let data = LocalResource::new(move || {
        let slug = s.clone();
        async move { api::settlements(&slug).await }
    });
    let csv = format!("/api/v1/admin/cohorts/{slug}/settlements.csv");
    let back = Route::Cohort(slug.clone()).href();
    statements_page(data, move |locale, d| statements(locale, d, csv.clone(), back.clone()).into_any())
}

/// What each of a programme pot's funders owes, as a printable page.
#[component]
pub fn FunderSettlementsPage(slug: String) -> impl IntoView {
    let s = slug.clone();
    let data = LocalResource::new(move || {
        let slug = s.clone();
        async move { api::funder_settlements(&slug).await }
    });
    let csv = format!("/api/v1/admin/programmes/{slug}/settlements.csv");
    let back = Route::Programme(slug.clone()).href();
    statements_page(data, move |locale, d| funder_statements(locale, d, csv.clone(), back.clone()).into_any())
}

fn funder_statements(locale: crate::i18n::Locale, d: ProgrammeSettlements, csv: String, back: String) -> impl IntoView {
    let nl = locale == crate::i18n::Locale::Nl;
    let currency = d.currency.clone();
    let money = move |v: i64| format::money(locale, &currency, v);
    let rule = tr(
        nl,
        "Elke financier betaalt naar rato van wat hij in de pot stopte, in hele centen: zijn totaal is zijn deel van wat de pot gaf volgens de grootste-restmethode (bij gelijke resten eerst de eerstgenoemde financier), nooit meer dan zijn inleg. Per cohort krijgt elke financier eerst zijn deel naar beneden afgerond; de centen die overblijven gaan één voor één naar de financier die van zijn totaal nog het meeste te verdelen heeft. Zo tellen de delen per cohort en in totaal precies op tot wat de pot gaf.",
        "Each funder pays in proportion to what it put in the pot, in whole cents: its total is its largest-remainder share of what the pot gave (equal remainders: the funder named first), never more than it put in. Per cohort each funder first gets its share rounded down; the cents left over go one at a time to the funder with the most of its total still to place. So the shares per cohort and in total add up exactly to what the pot gave.",
    );
    let list = d
        .funders
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let heading_id = format!("funder-{i}");
            let rows = f
                .per_cohort
                .iter()
                .map(|c| view! { <tr><th scope="row">{c.slug.clone()}</th><td class="num">{money(c.added_cents)}</td></tr> })
                .collect_view();
            let put_in = if nl {
                format!("Inleg in de pot: {}", money(f.amount_cents))
            } else {
                format!("Put in the pot: {}", money(f.amount_cents))
            };
            view! {
                <section class="panel settlement" aria-labelledby=heading_id.clone()>
                    <h2 id=heading_id.clone()>{f.funder.clone()}</h2>
                    <p class="muted">{put_in}</p>
                    <div class="table-wrap">
                        <table>
                            <caption>{tr(nl, "Aandeel per cohort", "Share per cohort")}</caption>
                            <thead><tr>
                                <th scope="col">{tr(nl, "Cohort", "Cohort")}</th>
                                <th scope="col" class="num">{tr(nl, "Verschuldigd", "Owed")}</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                            <tfoot><tr>
                                <th scope="row">{tr(nl, "Totaal", "Total")}</th>
                                <td class="num"><strong>{money(f.total_cents)}</strong></td>
                            </tr></tfoot>
                        </table>
                    </div>
                </section>
            }
        })
        .collect_view();
    let gave = if nl {
        format!("{}: de pot gaf {} van {}.", d.pot, money(d.used_cents), money(d.pot_cents))
    } else {
        format!("{}: the pot gave {} of {}.", d.pot, money(d.used_cents), money(d.pot_cents))
    };
    view! {
        <h1 tabindex="-1">{tr(nl, "Afrekening per financier", "Statement per funder")}" · "{d.programme.clone()}</h1>
        {computed_on(locale, &d.computed_at)}
        <p>{gave}</p>
        <p class="muted">{rule}</p>
        {page_actions(nl, back, tr(nl, "Terug naar het programma", "Back to the programme"), csv)}
        {list}
    }
}

fn statements(locale: crate::i18n::Locale, d: CohortSettlements, csv: String, back: String) -> impl IntoView {
    let nl = locale == crate::i18n::Locale::Nl;
    let currency = d.currency.clone();
    let money = move |v: i64| format::money(locale, &currency, v);
    let when = move |s: &Option<String>| {
        s.as_deref().and_then(Timestamp::parse_rfc3339).map(|t| format::date_time_short(locale, t)).unwrap_or_default()
    };
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
        {computed_on(locale, &d.computed_at)}
        {page_actions(nl, back, tr(nl, "Terug naar het cohort", "Back to the cohort"), csv)}
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

    #[test]
    fn the_funders_statements_have_their_own_address() {
        use crate::Route;
        let r = Route::from_hash("#/programme/starters4communities/settlements");
        assert_eq!(r, Route::FunderSettlements("starters4communities".into()));
        assert_eq!(r.href(), "#/programme/starters4communities/settlements");
        assert_eq!(
            Route::from_hash("#/programme/starters4communities"),
            Route::Programme("starters4communities".into())
        );
    }

    #[test]
    fn reads_the_servers_funder_statements() {
        let json = r#"{"programme":"starters4communities","pot":"Pot","currency":"EUR","computed_at":"2027-03-20T12:00:00Z",
            "pot_cents":10000,"used_cents":8501,"funders":[
            {"funder":"Oranje Fonds","amount_cents":6000,"per_cohort":[{"slug":"a","added_cents":2101},{"slug":"b","added_cents":3000}],"total_cents":5101}]}"#;
        let s: cofund_core::settlement::ProgrammeSettlements = serde_json::from_str(json).unwrap();
        assert_eq!(
            (s.used_cents, s.funders[0].total_cents, s.funders[0].per_cohort[0].added_cents),
            (8_501, 5_101, 2_101)
        );
    }
}
