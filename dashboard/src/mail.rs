//! E-mail of a cohort, for coordinators: the outbox (what was sent to whom, what waits,
//! what failed, with a retry button) and the news editor (a preview, a test send to the
//! coordinator's address, then to every donor who asked for news). The reminder period
//! is the cohort definition's `reminder_days`, shown here.

use crate::api::{self, Failure};
use crate::cohort::cohort_ctx;
use crate::ctx;
use crate::i18n::Locale;
use leptos::prelude::*;
use serde::Deserialize;

fn tr(locale: Locale, nl: &'static str, en: &'static str) -> &'static str {
    match locale {
        Locale::En => en,
        _ => nl,
    }
}

/// A message in the outbox, as the admin API gives it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OutboxMessage {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub created_at: String,
    #[serde(default)]
    pub sent_at: Option<String>,
    #[serde(default)]
    pub last_error: Option<String>,
}

/// A previewed news message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Preview {
    pub subject: String,
    pub text: String,
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
    let preview = RwSignal::new(None::<Preview>);
    let news_action = Action::new_local(move |what: &&'static str| {
        let (slug, what) = (slug.get_value(), *what);
        let (s, b) = (subject.get_untracked(), body.get_untracked());
        let lang = if locale == Locale::En { "en-GB" } else { "nl-NL" };
        async move { (what, api::news(&slug, what, &s, &b, lang).await) }
    });
    Effect::new(move || {
        let Some((what, result)) = news_action.value().get() else { return };
        match result {
            Ok(v) => match what {
                "preview" => {
                    preview.set(serde_json::from_value::<Preview>(v).ok());
                    news_note.set(None);
                }
                "test" => news_note.set(Some(format!(
                    "{} {}",
                    tr(locale, "Proefbericht verstuurd naar", "Test message sent to"),
                    v["to"].as_str().unwrap_or_default()
                ))),
                _ => {
                    news_note.set(Some(format!(
                        "{} {}",
                        tr(locale, "Nieuws in de wachtrij voor donateurs:", "News queued for donors:"),
                        v["queued"].as_i64().unwrap_or(0)
                    )));
                    reload.update(|n| *n += 1);
                }
            },
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
            <p class="muted">
                {tr(locale, "Herinnering na (dagen, instelling reminder_days):", "Reminder after (days, setting reminder_days):")}
                " "{move || reminder_days.get().flatten().unwrap_or(5).to_string()}
            </p>
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
