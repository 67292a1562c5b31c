//! E-mail of a cohort, for coordinators: the outbox (what was sent to whom, what waits,
//! what failed, with a retry button) and the news editor (a preview, a test send to the
//! coordinator's address, then to every donor who asked for news). The reminder period
//! is the cohort definition's `reminder_days`, edited here and saved with the definition.

use crate::api::{self, Failure, NewsOutcome};
use crate::cohort::cohort_ctx;
use crate::ctx;
use crate::fields::TextField;
use crate::i18n::Locale;
use cofund_core::admin::{NewsPreview, NewsUpdate};
use cofund_core::api::check_reminder_days;
use cofund_core::{FieldError, Problem};
use leptos::prelude::*;

/// The reminder period as typed: empty is the server's default (5 days); otherwise a
/// whole number of days by core's rule (the server checks the same).
pub fn parse_reminder_days(input: &str) -> Result<Option<u32>, Problem> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    let days: i64 = input.parse().map_err(|_| Problem::Format { expected: "a whole number of days".into() })?;
    check_reminder_days(days).map(Some)
}

/// The definition with the reminder period set (or removed: the default).
pub fn with_reminder_days(mut definition: serde_json::Value, days: Option<u32>) -> serde_json::Value {
    if let Some(o) = definition.as_object_mut() {
        match days {
            Some(d) => {
                o.insert("reminder_days".into(), d.into());
            }
            None => {
                o.remove("reminder_days");
            }
        }
    }
    definition
}

fn tr(locale: Locale, nl: &'static str, en: &'static str) -> &'static str {
    match locale {
        Locale::En => en,
        _ => nl,
    }
}

fn kind_text(locale: Locale, kind: &str) -> &'static str {
    match kind {
        "confirmation" => tr(locale, "bevestiging", "confirmation"),
        "reminder" => tr(locale, "herinnering", "reminder"),
        "thank_you" => tr(locale, "bedankje", "thank-you"),
        "news" => tr(locale, "nieuws", "news"),
        _ => tr(locale, "bericht", "message"),
    }
}

fn status_text(locale: Locale, status: &str) -> &'static str {
    match status {
        "sent" => tr(locale, "verzonden", "sent"),
        "failed" => tr(locale, "mislukt", "failed"),
        _ => tr(locale, "wacht", "waiting"),
    }
}

#[component]
pub fn MailSection(locale: Locale) -> impl IntoView {
    let ctx = ctx();
    let cc = cohort_ctx();
    let slug = cc.slug;
    // The reminder period is a setting of the definition (the document does not carry it).
    let reminder_days = LocalResource::new(move || {
        let slug = slug.get_value();
        async move { api::definition(&slug).await.ok().and_then(|d| d["reminder_days"].as_u64()) }
    });
    let days_draft = RwSignal::new(String::new());
    let days_errors = RwSignal::new(Vec::<FieldError>::new());
    let days_note = RwSignal::new(None::<String>);
    Effect::new(move || {
        if let Some(d) = reminder_days.get() {
            days_draft.set(d.map(|d| d.to_string()).unwrap_or_default());
        }
    });
    // Read the definition as stored, change only the period, save it whole.
    let save_days = Action::new_local(move |days: &Option<u32>| {
        let (slug, days) = (slug.get_value(), *days);
        async move {
            let definition = api::definition(&slug).await?;
            api::put_definition(&slug, &with_reminder_days(definition, days)).await
        }
    });
    let submit_days = move || {
        days_note.set(None);
        match parse_reminder_days(&days_draft.get_untracked()) {
            Err(problem) => days_errors.set(vec![FieldError::new("reminder_days", problem)]),
            Ok(days) => {
                days_errors.set(Vec::new());
                save_days.dispatch(days);
            }
        }
    };
    Effect::new(move || match save_days.value().get() {
        Some(Ok(saved)) => {
            let days = saved["reminder_days"].as_u64().unwrap_or(5);
            days_draft.set(saved["reminder_days"].as_u64().map(|d| d.to_string()).unwrap_or_default());
            let text =
                format!("{} {days}", tr(locale, "Opgeslagen: herinnering na dagen:", "Saved: reminder after days:"));
            ctx.say(&text);
            days_note.set(Some(text));
        }
        Some(Err(Failure::Invalid(fields))) => days_errors.set(fields),
        Some(Err(f)) => days_note.set(Some(ctx.failure(&f))),
        None => {}
    });
    let reload = RwSignal::new(0u32);
    let outbox = LocalResource::new(move || {
        reload.track();
        cc.reload.track();
        let slug = slug.get_value();
        async move { api::outbox(&slug).await }
    });
    let note = RwSignal::new(None::<String>);
    let retry = Action::new_local(move |id: &String| {
        let (slug, id) = (slug.get_value(), id.clone());
        async move { api::retry_message(&slug, &id).await }
    });
    Effect::new(move || match retry.value().get() {
        Some(Ok(())) => {
            ctx.say(tr(locale, "Het bericht wordt opnieuw verstuurd.", "The message will be sent again."));
            reload.update(|n| *n += 1);
        }
        Some(Err(f)) => note.set(Some(ctx.failure(&f))),
        None => {}
    });

    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let news_note = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<NewsPreview>);
    let news_action = Action::new_local(move |what: &&'static str| {
        let (slug, what) = (slug.get_value(), *what);
        let update = NewsUpdate {
            subject: subject.get_untracked(),
            body: body.get_untracked(),
            locale: Some(locale.tag().to_owned()),
        };
        async move { api::news(&slug, what, &update).await }
    });
    Effect::new(move || {
        let Some(result) = news_action.value().get() else { return };
        match result {
            Ok(NewsOutcome::Preview(p)) => {
                preview.set(Some(p));
                news_note.set(None);
            }
            Ok(NewsOutcome::TestSent(t)) => news_note.set(Some(format!(
                "{} {}",
                tr(locale, "Proefbericht verstuurd naar", "Test message sent to"),
                t.to
            ))),
            Ok(NewsOutcome::Queued(q)) => {
                news_note.set(Some(format!(
                    "{} {}",
                    tr(locale, "Nieuws in de wachtrij voor donateurs:", "News queued for donors:"),
                    q.queued
                )));
                reload.update(|n| *n += 1);
            }
            Err(Failure::Invalid(fields)) => news_note.set(Some(format!(
                "{} {}",
                tr(locale, "Vul in:", "Fill in:"),
                fields.iter().map(|f| f.field.clone()).collect::<Vec<_>>().join(", ")
            ))),
            Err(f) => news_note.set(Some(ctx.failure(&f))),
        }
    });

    view! {
        <section aria-labelledby="mail-heading">
            <h2 id="mail-heading">{tr(locale, "E-mail aan donateurs", "E-mail to donors")}</h2>
            <Show when=move || ctx.may_change() fallback=move || view! {
                <p class="muted">
                    {tr(locale, "Herinnering na (dagen, instelling reminder_days):", "Reminder after (days, setting reminder_days):")}
                    " "{move || reminder_days.get().flatten().unwrap_or(5).to_string()}
                </p>
            }>
                <form class="reminder-days" on:submit=move |ev| { ev.prevent_default(); submit_days(); }>
                    <TextField id="reminder-days" field="reminder_days" value=days_draft errors=days_errors inputmode="numeric"
                        label=Signal::derive(move || tr(locale, "Herinnering na (dagen)", "Reminder after (days)").to_owned())
                        hint=Signal::derive(move || tr(locale, "1 tot 60; leeg: 5 dagen. Hooguit twee herinneringen per toezegging.", "1 to 60; empty: 5 days. At most two reminders per pledge.").to_owned())/>
                    <p class="actions"><button type="submit">{tr(locale, "Herinnering opslaan", "Save reminder")}</button></p>
                    {move || days_note.get().map(|n| view! { <p role="status">{n}</p> })}
                </form>
            </Show>
            <h3>{tr(locale, "Verzonden en wachtende berichten", "Sent and waiting messages")}</h3>
            {move || note.get().map(|n| view! { <p role="alert">{n}</p> })}
            <Suspense fallback=move || view! { <p>{tr(locale, "Laden…", "Loading…")}</p> }>
                {move || outbox.get().map(|r| match r {
                    Err(f) => view! { <p role="alert">{ctx.failure(&f)}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p>{tr(locale, "Nog geen berichten.", "No messages yet.")}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-scroll">
                            <table>
                                <thead><tr>
                                    <th scope="col">{tr(locale, "Gemaakt", "Created")}</th>
                                    <th scope="col">{tr(locale, "Soort", "Kind")}</th>
                                    <th scope="col">{tr(locale, "Aan", "To")}</th>
                                    <th scope="col">{tr(locale, "Onderwerp", "Subject")}</th>
                                    <th scope="col">{tr(locale, "Status", "Status")}</th>
                                    <th scope="col"><span class="visually-hidden">{tr(locale, "Actie", "Action")}</span></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|m| {
                                        let id = m.id.clone();
                                        let failed = m.status == "failed" && !m.recipient.is_empty();
                                        let error = m.last_error.clone().unwrap_or_default();
                                        view! {
                                            <tr>
                                                <td>{m.created_at.get(..16).unwrap_or_default().replace('T', " ")}</td>
                                                <td>{kind_text(locale, &m.kind)}</td>
                                                <td>{if m.recipient.is_empty() { tr(locale, "(geanonimiseerd)", "(anonymised)").to_owned() } else { m.recipient.clone() }}</td>
                                                <td>{m.subject.clone()}</td>
                                                <td title=error>{status_text(locale, &m.status)}{(m.attempts > 1).then(|| format!(" ({}×)", m.attempts))}</td>
                                                <td>{failed.then(|| view! {
                                                    <button type="button" on:click=move |_| { retry.dispatch(id.clone()); }>
                                                        {tr(locale, "Opnieuw versturen", "Send again")}
                                                    </button>
                                                })}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                })}
            </Suspense>
            <Show when=move || ctx.may_change()>
                <h3>{tr(locale, "Nieuws aan donateurs die erom vroegen", "News to donors who asked for it")}</h3>
                <p class="field">
                    <label for="news-subject">{tr(locale, "Onderwerp", "Subject")}</label>
                    <input id="news-subject" type="text" maxlength="120" prop:value=move || subject.get()
                        on:input=move |ev| subject.set(event_target_value(&ev))/>
                </p>
                <p class="field">
                    <label for="news-body">{tr(locale, "Bericht (witregel = nieuwe alinea)", "Message (blank line = new paragraph)")}</label>
                    <textarea id="news-body" rows="6" maxlength="5000" prop:value=move || body.get()
                        on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                </p>
                <p class="actions">
                    <button type="button" on:click=move |_| { news_action.dispatch("preview"); }>{tr(locale, "Voorbeeld", "Preview")}</button>
                    " "
                    <button type="button" on:click=move |_| { news_action.dispatch("test"); }>{tr(locale, "Proef naar mijn adres", "Test to my address")}</button>
                    " "
                    <button type="button" on:click=move |_| { news_action.dispatch("send"); }>{tr(locale, "Versturen aan donateurs", "Send to donors")}</button>
                </p>
                <p role="status">{move || news_note.get()}</p>
                {move || preview.get().map(|p| view! {
                    <figure class="news-preview">
                        <figcaption>{tr(locale, "Voorbeeld:", "Preview:")}" "<strong>{p.subject}</strong></figcaption>
                        <pre style="white-space: pre-wrap">{p.text}</pre>
                    </figure>
                })}
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminder_draft_is_read_by_cores_rule() {
        assert_eq!(parse_reminder_days(""), Ok(None), "empty: the default");
        assert_eq!(parse_reminder_days("  "), Ok(None));
        assert_eq!(parse_reminder_days(" 7 "), Ok(Some(7)));
        assert_eq!(parse_reminder_days("1"), Ok(Some(1)));
        assert_eq!(parse_reminder_days("60"), Ok(Some(60)));
        for out in ["0", "61", "-3"] {
            assert_eq!(parse_reminder_days(out), Err(Problem::OutOfRange { min: 1, max: 60 }), "{out}");
        }
        for bad in ["vijf", "2.5", "5 dagen"] {
            assert!(matches!(parse_reminder_days(bad), Err(Problem::Format { .. })), "{bad}");
        }
    }

    #[test]
    fn the_period_is_set_or_removed_and_the_rest_of_the_definition_kept() {
        let def = serde_json::json!({"slug": "utrecht", "reminder_days": 5, "crowd": {"min_cents": 500}});
        let set = with_reminder_days(def.clone(), Some(9));
        assert_eq!(set["reminder_days"], 9);
        assert_eq!(set["crowd"], def["crowd"]);
        let removed = with_reminder_days(def, None);
        assert!(removed.get("reminder_days").is_none());
        assert_eq!(removed["slug"], "utrecht");
    }
}
