//! Every text the dashboard shows, in Dutch (the default) and British English: the same
//! approach as the widget's `src/i18n.rs`. The [`Locale`] and the texts both apps show
//! (phases, stakeholder kinds and statuses, field problems, amount input errors) come
//! from `cofund-l10n`. Texts only: the views choose their styles.

use crate::api::{Failure, PledgeAction};
use crate::format;
use cofund_core::api::PledgeStatus;
use cofund_core::pace::PaceVerdict;
use cofund_core::reconcile::ReconcileProblem;
use cofund_core::{CampaignPhase, Cohort, Timestamp};
pub use cofund_l10n::Locale;

/// The dashboard's fixed texts in one locale; methods put figures into sentences.
pub struct DashTexts {
    locale: Locale,
    pub brand: &'static str,
    pub nav_label: &'static str,
    pub other_language: &'static str,
    pub skip_to_content: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub token_label: &'static str,
    pub token_required: &'static str,
    pub token_refused: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub signed_out: &'static str,
    pub session_ended: &'static str,
    pub overview_title: &'static str,
    pub loading: &'static str,
    pub programme_totals: &'static str,
    pub cohorts: &'static str,
    pub cohorts_by_attention: &'static str,
    pub no_cohorts: &'static str,
    pub some_failed: &'static str,
    pub pledged: &'static str,
    pub received: &'static str,
    pub backers: &'static str,
    pub gap: &'static str,
    pub behind_count: &'static str,
    pub of: &'static str,
    pub back_to_overview: &'static str,
    pub figures: &'static str,
    pub own_contributions: &'static str,
    pub stakeholders: &'static str,
    pub required_per_day: &'static str,
    pub nothing_required: &'static str,
    pub own_out_of_range: &'static str,
    pub one_fewer_paid: &'static str,
    pub one_more_paid: &'static str,
    pub export: &'static str,
    pub export_intro: &'static str,
    pub download_csv: &'static str,
    pub downloaded: &'static str,
    pub chart_title: &'static str,
    pub chart_table: &'static str,
    pub target: &'static str,
    pub required_line: &'static str,
    pub day: &'static str,
    pub pledges: &'static str,
    pub not_public: &'static str,
    pub anonymous: &'static str,
    pub reference: &'static str,
    pub message_hidden: &'static str,
    pub amount_hidden: &'static str,
    pub mark_received: &'static str,
    pub cancel_pledge: &'static str,
    pub hide_message: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub filter_status: &'static str,
    pub all: &'static str,
    pub search_label: &'static str,
    pub pages: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub reconcile_title: &'static str,
    pub reconcile_intro: &'static str,
    pub statement_label: &'static str,
    pub find_payments: &'static str,
    pub reconcile_ready: &'static str,
    pub found_amount: &'static str,
    pub unknown_reference: &'static str,
    pub edit: &'static str,
    pub edit_stakeholder: &'static str,
    pub add_stakeholder: &'static str,
    pub stale_edit: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub status_label: &'static str,
    pub fixed_amount: &'static str,
    pub amount_hint: &'static str,
    pub condition: &'static str,
    pub website: &'static str,
    pub matches_crowd: &'static str,
    pub per_crowd_euro: &'static str,
    pub per_crowd_euro_hint: &'static str,
    pub match_cap: &'static str,
    pub save: &'static str,
    pub new_instead: &'static str,
    pub embed: &'static str,
    pub embed_intro: &'static str,
    pub language: &'static str,
    pub refresh: &'static str,
    pub never: &'static str,
    pub colour_accent: &'static str,
    pub colour_text: &'static str,
    pub colour_surface: &'static str,
    pub contrast_hint: &'static str,
    pub snippet: &'static str,
    pub copy_snippet: &'static str,
    pub copied: &'static str,
    pub copy_failed: &'static str,
    pub preview: &'static str,
    pub donor_page: &'static str,
    pub download_qr: &'static str,
}

static NL: DashTexts = DashTexts {
    locale: Locale::Nl,
    brand: "Cofund beheer",
    nav_label: "Account en taal",
    other_language: "English",
    skip_to_content: "Naar de inhoud",
    sign_in_title: "Inloggen",
    sign_in_intro: "Open de inloglink die je van je coördinator hebt gekregen. Coördinatoren kunnen ook eenmalig een beheertoken (cfd_…) invullen; het token wordt niet bewaard, alleen je sessie.",
    token_label: "Beheertoken",
    token_required: "Vul een beheertoken in.",
    token_refused: "Dit token is onbekend of ingetrokken.",
    sign_in: "Inloggen",
    sign_out: "Uitloggen",
    signed_out: "Je bent uitgelogd.",
    session_ended: "Je sessie is beëindigd. Log opnieuw in.",
    overview_title: "Overzicht van het programma",
    loading: "Laden…",
    programme_totals: "Totalen van het programma",
    cohorts: "Cohorten",
    cohorts_by_attention: "Cohorten, wie aandacht nodig heeft eerst",
    no_cohorts: "Er zijn nog geen cohorten die je mag zien.",
    some_failed: "Deze cohorten konden niet worden geladen:",
    pledged: "Toegezegd",
    received: "Ontvangen",
    backers: "Donateurs",
    gap: "Nog te vinden",
    behind_count: "Achter op schema",
    of: "van",
    back_to_overview: "← Terug naar het overzicht",
    figures: "Cijfers",
    own_contributions: "Eigen bijdragen",
    stakeholders: "Medefinanciers",
    required_per_day: "Nodig per dag tot de sluiting",
    nothing_required: "niets meer",
    own_out_of_range: "Dat kan niet: het aantal betaalde deelnemers ligt tussen 0 en het aantal deelnemers.",
    one_fewer_paid: "− Eén betaald minder",
    one_more_paid: "+ Eén betaald meer",
    export: "Exporteren",
    export_intro: "Alle toezeggingen als CSV-bestand, voor de boekhouding.",
    download_csv: "Download CSV",
    downloaded: "Het CSV-bestand is gedownload.",
    chart_title: "Verloop van de campagne",
    chart_table: "Toon de gegevens als tabel",
    target: "Doel",
    required_line: "Nodige lijn vanaf vandaag",
    day: "Dag",
    pledges: "Toezeggingen",
    not_public: "niet openbaar",
    anonymous: "Anoniem",
    reference: "Betalingskenmerk",
    message_hidden: "verborgen",
    amount_hidden: "Bedrag niet openbaar",
    mark_received: "Markeer als ontvangen",
    cancel_pledge: "Annuleer",
    hide_message: "Verberg bericht",
    yes: "Ja, doorgaan",
    no: "Nee, terug",
    filter_status: "Status",
    all: "Alle",
    search_label: "Zoek op naam of betalingskenmerk",
    pages: "Pagina's",
    previous: "Vorige",
    next: "Volgende",
    reconcile_title: "Afletteren met een bankafschrift",
    reconcile_intro: "Plak de regels van je bankafschrift. Elk betalingskenmerk dat we vinden staat hieronder met de toezegging en het bedrag; wat niet klopt wordt niet gemarkeerd.",
    statement_label: "Regels van het bankafschrift",
    find_payments: "Zoek betalingen",
    reconcile_ready: "Klopt: wordt als ontvangen gemarkeerd",
    found_amount: "Bedrag op het afschrift",
    unknown_reference: "onbekend kenmerk, geen toezegging gevonden",
    edit: "Bewerken",
    edit_stakeholder: "Medefinancier bewerken",
    add_stakeholder: "Medefinancier toevoegen",
    stale_edit: "Iemand anders heeft dit cohort intussen gewijzigd. De nieuwe stand staat hierboven; controleer je wijziging en sla opnieuw op.",
    name: "Naam",
    kind: "Soort",
    status_label: "Status",
    fixed_amount: "Vast bedrag",
    amount_hint: "Bijvoorbeeld 12.000 of 12.000,00",
    condition: "Voorwaarde",
    website: "Website (optioneel)",
    matches_crowd: "Verdubbelt de crowd (matching)",
    per_crowd_euro: "Bedrag per euro van de crowd",
    per_crowd_euro_hint: "Bijvoorbeeld 0,50 of 1",
    match_cap: "Maximaal te verdubbelen",
    save: "Opslaan",
    new_instead: "Nieuwe medefinancier in plaats daarvan",
    embed: "Insluiten op je website",
    embed_intro: "Kies de instellingen, bekijk de echte widget en kopieer de code naar je website.",
    language: "Taal",
    refresh: "Verversen",
    never: "Nooit",
    colour_accent: "Accentkleur",
    colour_text: "Tekstkleur",
    colour_surface: "Achtergrond",
    contrast_hint: "Houd tekst en achtergrond goed leesbaar: een contrast van minstens 4,5 : 1.",
    snippet: "Code voor je website",
    copy_snippet: "Kopieer de code",
    copied: "De code is gekopieerd.",
    copy_failed: "Kopiëren lukte niet; selecteer de code en kopieer hem zelf.",
    preview: "Voorbeeld",
    donor_page: "Pagina voor donateurs en QR-code",
    download_qr: "Download de QR-code (SVG)",
};

static EN: DashTexts = DashTexts {
    locale: Locale::En,
    brand: "Cofund dashboard",
    nav_label: "Account and language",
    other_language: "Nederlands",
    skip_to_content: "Skip to content",
    sign_in_title: "Sign in",
    sign_in_intro: "Open the sign-in link your coordinator sent you. Coordinators may also enter an admin token (cfd_…) once; the token is not kept, only your session.",
    token_label: "Admin token",
    token_required: "Enter an admin token.",
    token_refused: "This token is unknown or revoked.",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signed_out: "You are signed out.",
    session_ended: "Your session has ended. Please sign in again.",
    overview_title: "Programme overview",
    loading: "Loading…",
    programme_totals: "Programme totals",
    cohorts: "Cohorts",
    cohorts_by_attention: "Cohorts, those needing attention first",
    no_cohorts: "There are no cohorts you may see yet.",
    some_failed: "These cohorts could not be loaded:",
    pledged: "Pledged",
    received: "Received",
    backers: "Backers",
    gap: "Still to find",
    behind_count: "Behind pace",
    of: "of",
    back_to_overview: "← Back to the overview",
    figures: "Figures",
    own_contributions: "Own contributions",
    stakeholders: "Stakeholders",
    required_per_day: "Needed per day until the close",
    nothing_required: "nothing more",
    own_out_of_range: "That is not possible: paid participants range from 0 to the number of participants.",
    one_fewer_paid: "− One fewer paid",
    one_more_paid: "+ One more paid",
    export: "Export",
    export_intro: "Every pledge as a CSV file, for the accounts.",
    download_csv: "Download CSV",
    downloaded: "The CSV file was downloaded.",
    chart_title: "Progress over time",
    chart_table: "Show the data as a table",
    target: "Target",
    required_line: "Required line from today",
    day: "Day",
    pledges: "Pledges",
    not_public: "not public",
    anonymous: "Anonymous",
    reference: "Payment reference",
    message_hidden: "hidden",
    amount_hidden: "Amount not public",
    mark_received: "Mark received",
    cancel_pledge: "Cancel",
    hide_message: "Hide message",
    yes: "Yes, go ahead",
    no: "No, go back",
    filter_status: "Status",
    all: "All",
    search_label: "Search by name or payment reference",
    pages: "Pages",
    previous: "Previous",
    next: "Next",
    reconcile_title: "Reconcile with a bank statement",
    reconcile_intro: "Paste the lines of your bank statement. Every payment reference found is listed below with its pledge and amount; anything that does not match is not marked.",
    statement_label: "Bank statement lines",
    find_payments: "Find payments",
    reconcile_ready: "Matches: will be marked received",
    found_amount: "Amount on the statement",
    unknown_reference: "unknown reference, no pledge found",
    edit: "Edit",
    edit_stakeholder: "Edit stakeholder",
    add_stakeholder: "Add a stakeholder",
    stale_edit: "Someone else changed this cohort in the meantime. The new state is shown above; check your change and save again.",
    name: "Name",
    kind: "Kind",
    status_label: "Status",
    fixed_amount: "Fixed amount",
    amount_hint: "For example 12,000 or 12000.00",
    condition: "Condition",
    website: "Website (optional)",
    matches_crowd: "Matches the crowd",
    per_crowd_euro: "Amount per crowd euro",
    per_crowd_euro_hint: "For example 0.50 or 1",
    match_cap: "Most it will match",
    save: "Save",
    new_instead: "New stakeholder instead",
    embed: "Embed on your website",
    embed_intro: "Choose the settings, see the real widget and copy the code to your website.",
    language: "Language",
    refresh: "Refresh",
    never: "Never",
    colour_accent: "Accent colour",
    colour_text: "Text colour",
    colour_surface: "Background",
    contrast_hint: "Keep text readable against the background: a contrast of at least 4.5:1.",
    snippet: "Code for your website",
    copy_snippet: "Copy the code",
    copied: "The code was copied.",
    copy_failed: "Copying failed; select the code and copy it yourself.",
    preview: "Preview",
    donor_page: "Page for donors and QR code",
    download_qr: "Download the QR code (SVG)",
};

/// The dashboard's texts in `locale`.
pub fn dt(locale: Locale) -> &'static DashTexts {
    match locale {
        Locale::Nl => &NL,
        Locale::En => &EN,
    }
}

/// The campaign's phase in words: days left, opening day or closing day.
pub fn phase_text(locale: Locale, cohort: &Cohort, now: Timestamp) -> String {
    match cohort.phase(now) {
        CampaignPhase::Open { days_left } => locale.days_left(days_left),
        CampaignPhase::Upcoming { days_until_open } => {
            locale.opens_in(days_until_open, &format::date(locale, cohort.opens_at()))
        }
        CampaignPhase::Closed => locale.closed_on(&format::date(locale, cohort.last_open_second())),
    }
}

impl DashTexts {
    fn pick<'a>(&self, nl: &'a str, en: &'a str) -> &'a str {
        match self.locale {
            Locale::Nl => nl,
            Locale::En => en,
        }
    }

    pub fn failure(&self, f: &Failure) -> String {
        match f {
            Failure::Unauthorized => self.session_ended.into(),
            Failure::Forbidden => self.pick("Dat mag je niet met dit account.", "Your account may not do that.").into(),
            Failure::NotFound => self
                .pick(
                    "Niet gevonden: het is verwijderd of bestaat niet.",
                    "Not found: it was removed or does not exist.",
                )
                .into(),
            Failure::Conflict => self.stale_edit.into(),
            Failure::Invalid(fields) => {
                let list: Vec<String> = fields.iter().map(|e| self.locale.field_error(e)).collect();
                format!("{} {}", self.pick("Niet opgeslagen:", "Not saved:"), list.join("; "))
            }
            Failure::Network => self
                .pick(
                    "De server is niet bereikbaar. Controleer je verbinding en probeer het opnieuw.",
                    "The server cannot be reached. Check your connection and try again.",
                )
                .into(),
            Failure::Server(s) => match self.locale {
                Locale::Nl => format!("De server gaf een fout ({s}). Probeer het later opnieuw."),
                Locale::En => format!("The server answered with an error ({s}). Please try again later."),
            },
        }
    }

    /// A pace verdict in words.
    pub fn verdict(&self, v: PaceVerdict) -> &'static str {
        match (self.locale, v) {
            (Locale::Nl, PaceVerdict::OnPace) => "Op koers",
            (Locale::En, PaceVerdict::OnPace) => "On pace",
            (Locale::Nl, PaceVerdict::Behind) => "Achter op schema",
            (Locale::En, PaceVerdict::Behind) => "Behind pace",
            (Locale::Nl, PaceVerdict::Upcoming) => "Nog niet open",
            (Locale::En, PaceVerdict::Upcoming) => "Not open yet",
            (Locale::Nl, PaceVerdict::Reached) => "Doel gehaald",
            (Locale::En, PaceVerdict::Reached) => "Target reached",
            (Locale::Nl, PaceVerdict::Missed) => "Doel niet gehaald",
            (Locale::En, PaceVerdict::Missed) => "Target missed",
        }
    }

    pub fn projection(&self, amount: &str) -> String {
        match self.locale {
            Locale::Nl => format!("op weg naar {amount} bij de sluiting"),
            Locale::En => format!("heading for {amount} at the close"),
        }
    }

    pub fn pledged_of(&self, pledged: &str, target: &str) -> String {
        match self.locale {
            Locale::Nl => format!("{pledged} toegezegd van {target}"),
            Locale::En => format!("{pledged} pledged of {target}"),
        }
    }

    pub fn chart_desc(
        &self,
        pledged: &str,
        received: &str,
        target: &str,
        last_day: &str,
        per_day: Option<&str>,
    ) -> String {
        let base = match self.locale {
            Locale::Nl => format!("{pledged} toegezegd en {received} ontvangen, tegen een doel van {target}; de campagne loopt tot en met {last_day}."),
            Locale::En => format!("{pledged} pledged and {received} received, against a target of {target}; the campaign runs until {last_day}."),
        };
        match (self.locale, per_day) {
            (Locale::Nl, Some(d)) => format!("{base} Om het doel te halen is vanaf vandaag {d} per dag nodig."),
            (Locale::En, Some(d)) => format!("{base} Reaching the target takes {d} a day from today."),
            _ => base,
        }
    }

    pub fn status(&self, s: PledgeStatus) -> &'static str {
        match (self.locale, s) {
            (Locale::Nl, PledgeStatus::Pledged) => "Toegezegd",
            (Locale::En, PledgeStatus::Pledged) => "Pledged",
            (Locale::Nl, PledgeStatus::Received) => "Ontvangen",
            (Locale::En, PledgeStatus::Received) => "Received",
            (Locale::Nl, PledgeStatus::Cancelled) => "Geannuleerd",
            (Locale::En, PledgeStatus::Cancelled) => "Cancelled",
        }
    }

    pub fn showing(&self, n: usize) -> String {
        match (self.locale, n) {
            (Locale::Nl, 1) => "1 toezegging".into(),
            (Locale::Nl, n) => format!("{n} toezeggingen"),
            (Locale::En, 1) => "1 pledge".into(),
            (Locale::En, n) => format!("{n} pledges"),
        }
    }

    pub fn page_of(&self, page: usize, pages: usize) -> String {
        match self.locale {
            Locale::Nl => format!("Pagina {page} van {pages}"),
            Locale::En => format!("Page {page} of {pages}"),
        }
    }

    pub fn confirm_question(&self, a: PledgeAction) -> &'static str {
        match (self.locale, a) {
            (Locale::Nl, PledgeAction::MarkReceived) => {
                "Is het geld van deze toezegging binnen? Dan markeren we hem als ontvangen."
            }
            (Locale::En, PledgeAction::MarkReceived) => {
                "Has the money of this pledge arrived? Then we mark it received."
            }
            (Locale::Nl, PledgeAction::Cancel) => "Deze toezegging annuleren? Hij telt dan nergens meer mee.",
            (Locale::En, PledgeAction::Cancel) => "Cancel this pledge? It will no longer count anywhere.",
            (Locale::Nl, PledgeAction::HideMessage) => "Dit bericht verbergen voor het publiek?",
            (Locale::En, PledgeAction::HideMessage) => "Hide this message from the public?",
        }
    }

    pub fn action_done(&self, a: PledgeAction) -> &'static str {
        match (self.locale, a) {
            (Locale::Nl, PledgeAction::MarkReceived) => "Gemarkeerd als ontvangen.",
            (Locale::En, PledgeAction::MarkReceived) => "Marked received.",
            (Locale::Nl, PledgeAction::Cancel) => "De toezegging is geannuleerd.",
            (Locale::En, PledgeAction::Cancel) => "The pledge was cancelled.",
            (Locale::Nl, PledgeAction::HideMessage) => "Het bericht is verborgen.",
            (Locale::En, PledgeAction::HideMessage) => "The message is hidden.",
        }
    }

    pub fn line(&self, n: usize) -> String {
        match self.locale {
            Locale::Nl => format!("regel {n}"),
            Locale::En => format!("line {n}"),
        }
    }

    pub fn reconcile_summary(&self, found: usize, ready: usize) -> String {
        match self.locale {
            Locale::Nl => format!("{found} betalingskenmerken gevonden, waarvan {ready} kloppen."),
            Locale::En => format!("{found} payment references found, {ready} of them match."),
        }
    }

    pub fn reconcile_problem(&self, p: ReconcileProblem, money: &dyn Fn(i64) -> String) -> String {
        match (self.locale, p) {
            (Locale::Nl, ReconcileProblem::AmountDiffers { expected_cents, found_cents }) => {
                format!("Ander bedrag: {} op het afschrift, {} toegezegd", money(found_cents), money(expected_cents))
            }
            (Locale::En, ReconcileProblem::AmountDiffers { expected_cents, found_cents }) => {
                format!("Different amount: {} on the statement, {} pledged", money(found_cents), money(expected_cents))
            }
            (Locale::Nl, ReconcileProblem::AmountNotFound) => "Geen (eenduidig) bedrag op deze regel".into(),
            (Locale::En, ReconcileProblem::AmountNotFound) => "No (unambiguous) amount on this line".into(),
            (Locale::Nl, ReconcileProblem::AlreadyReceived) => "Al als ontvangen gemarkeerd".into(),
            (Locale::En, ReconcileProblem::AlreadyReceived) => "Already marked received".into(),
            (Locale::Nl, ReconcileProblem::Cancelled) => "Deze toezegging is geannuleerd".into(),
            (Locale::En, ReconcileProblem::Cancelled) => "This pledge was cancelled".into(),
            (Locale::Nl, ReconcileProblem::RepeatedReference { first_line }) => {
                format!("Dubbel: dit kenmerk staat ook op regel {first_line}")
            }
            (Locale::En, ReconcileProblem::RepeatedReference { first_line }) => {
                format!("Twice: this reference is also on line {first_line}")
            }
        }
    }

    pub fn mark_n_received(&self, n: usize) -> String {
        match self.locale {
            Locale::Nl => format!("Markeer {n} als ontvangen"),
            Locale::En => format!("Mark {n} received"),
        }
    }

    pub fn confirm_reconcile(&self, n: usize) -> String {
        match self.locale {
            Locale::Nl => format!("{n} toezeggingen als ontvangen markeren?"),
            Locale::En => format!("Mark {n} pledges received?"),
        }
    }

    pub fn reconciled(&self, n: usize) -> String {
        match self.locale {
            Locale::Nl => format!("{n} toezeggingen gemarkeerd als ontvangen."),
            Locale::En => format!("{n} pledges marked received."),
        }
    }

    pub fn reconcile_failed(&self, why: &str) -> String {
        match self.locale {
            Locale::Nl => format!("Niets gemarkeerd: {why}"),
            Locale::En => format!("Nothing was marked: {why}"),
        }
    }

    pub fn saved(&self, name: &str) -> String {
        match self.locale {
            Locale::Nl => format!("{name} is opgeslagen."),
            Locale::En => format!("{name} was saved."),
        }
    }

    pub fn edit_named(&self, name: &str) -> String {
        match self.locale {
            Locale::Nl => format!("{name} bewerken"),
            Locale::En => format!("Edit {name}"),
        }
    }

    pub fn seconds(&self, n: u32) -> String {
        match (self.locale, n) {
            (Locale::Nl, 60) => "Elke minuut".into(),
            (Locale::En, 60) => "Every minute".into(),
            (Locale::Nl, n) if n % 60 == 0 => format!("Elke {} minuten", n / 60),
            (Locale::En, n) if n % 60 == 0 => format!("Every {} minutes", n / 60),
            (Locale::Nl, n) => format!("Elke {n} seconden"),
            (Locale::En, n) => format!("Every {n} seconds"),
        }
    }

    pub fn preview_title(&self, cohort: &str) -> String {
        match self.locale {
            Locale::Nl => format!("Voorbeeld van de widget van {cohort}"),
            Locale::En => format!("Preview of the widget of {cohort}"),
        }
    }

    pub fn qr_alt(&self, url: &str) -> String {
        match self.locale {
            Locale::Nl => format!("QR-code naar {url}"),
            Locale::En => format!("QR code linking to {url}"),
        }
    }
}
