//! The real widget component, mounted in headless Chromium on every example document
//! and on broken ones, asserting on what a visitor sees and hears (text and ARIA).
//! Run by scripts/test.sh through wasm-bindgen-test-runner.

use cofund_core::Timestamp;
use cofund_widget::{mount, Locale, WidgetConfig, WidgetHandle};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

const UTRECHT: &str = include_str!("../public/cohorts/utrecht-voorjaar-2027.json");
const ROTTERDAM: &str = include_str!("../public/cohorts/rotterdam-zuid-najaar-2027.json");
const AMSTERDAM: &str = include_str!("../public/cohorts/amsterdam-noord-2026.json");
const DEN_HAAG: &str = include_str!("../public/cohorts/den-haag-najaar-2026.json");
const ZWOLLE: &str = include_str!("../public/cohorts/zwolle-voorjaar-2027.json");

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// A `blob:` URL serving `body` as JSON, so each test controls its document.
fn blob_url(body: &str) -> String {
    let parts = js_sys::Array::of1(&JsValue::from_str(body));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).unwrap();
    web_sys::Url::create_object_url_with_blob(&blob).unwrap()
}

fn at(s: &str) -> Option<Timestamp> {
    Timestamp::parse_rfc3339(s)
}

struct Mounted {
    host: HtmlElement,
    _handle: WidgetHandle,
}

impl Mounted {
    /// All visible text, with the non-breaking spaces Intl puts in amounts made plain.
    fn text(&self) -> String {
        self.host.text_content().unwrap_or_default().replace(['\u{a0}', '\u{202f}'], " ")
    }

    fn one(&self, selector: &str) -> Element {
        self.host.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector} in {}", self.text()))
    }

    fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.host.query_selector_all(selector).unwrap();
        (0..list.length()).map(|i| list.item(i).unwrap().dyn_into().unwrap()).collect()
    }

    fn attr(&self, selector: &str, name: &str) -> String {
        self.one(selector).get_attribute(name).unwrap_or_default().replace(['\u{a0}', '\u{202f}'], " ")
    }

    fn has(&self, needle: &str) -> bool {
        self.text().contains(needle)
    }
}

/// Mounts the real widget into a fresh host element and waits until it has left the
/// loading state.
async fn mount_widget(src: String, locale: Option<Locale>, now: Option<Timestamp>) -> Mounted {
    mount_configured(WidgetConfig { src, locale, now, refresh_secs: 0 }).await
}

async fn mount_configured(config: WidgetConfig) -> Mounted {
    let host: HtmlElement = document().create_element("div").unwrap().dyn_into().unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let handle = mount(host.clone(), config);
    let mounted = Mounted { host, _handle: handle };
    for _ in 0..250 {
        // Loaded (its last line, rendered after the crowd figures) or an error.
        if mounted.host.query_selector(".cofund-updated, .cofund-error").unwrap().is_some() {
            return mounted;
        }
        sleep(20).await;
    }
    panic!("the widget did not leave the loading state: {}", mounted.text());
}

/// Waits until `ready` holds (at most 5 s); the caller then asserts what it expects.
async fn wait_until(ready: impl Fn() -> bool) {
    for _ in 0..250 {
        if ready() {
            return;
        }
        sleep(20).await;
    }
}

async fn mount_doc(json: &str, locale: Option<Locale>, now: &str) -> Mounted {
    mount_widget(blob_url(json), locale, at(now)).await
}

#[wasm_bindgen_test]
async fn mid_campaign_in_dutch() {
    let w = mount_doc(UTRECHT, None, "2027-03-20T12:00:00+01:00").await;
    assert_eq!(w.attr("section", "lang"), "nl-NL");
    assert_eq!(w.one("h2").text_content().unwrap(), "Starters4Communities Utrecht, voorjaar 2027");
    assert!(w.has("Starters4Communities"), "{}", w.text());
    assert_eq!(w.one(".cofund-pledged").text_content().unwrap().replace('\u{a0}', " "), "€ 17.450,50");
    assert!(w.has("van € 30.000 doel"), "{}", w.text());
    assert!(w.has("58%"), "{}", w.text());
    // The crowd bar speaks its value.
    let bar = ".cofund-bar-crowd";
    assert_eq!(w.attr(bar, "role"), "progressbar");
    assert_eq!(w.attr(bar, "aria-valuemin"), "0");
    assert_eq!(w.attr(bar, "aria-valuemax"), "100");
    assert_eq!(w.attr(bar, "aria-valuenow"), "58");
    assert_eq!(w.attr(bar, "aria-valuetext"), "€ 17.450,50 van € 30.000 toegezegd, 58%");
    assert!(!w.attr(bar, "aria-labelledby").is_empty());
    assert_eq!(w.attr(&format!("{bar} .cofund-bar-fill"), "style"), "width: 58.16%;");
    assert!(w.has("143 donateurs"));
    assert!(w.has("Nog 27 dagen"));
    assert!(w.has("waarvan € 12.310 ontvangen"));
    // Budget composition, each part against its share, and the gap.
    assert!(w.has("Begroting: € 60.000"));
    assert!(w.has("aandeel € 3.000 (5% van de begroting)"));
    assert!(w.has("aandeel € 30.000 (50% van de begroting)"));
    assert!(w.has("aandeel € 27.000 (45% van de begroting), waarvan € 4.000 onder voorwaarde"));
    assert!(w.has("Nog te vinden: € 12.549,50"), "{}", w.text());
    // Stakeholders: status in words, condition, match.
    let stakeholders = w.all(".cofund-stakeholder");
    assert_eq!(stakeholders.len(), 3);
    let first = stakeholders[0].text_content().unwrap().replace('\u{a0}', " ");
    assert!(first.contains("Gemeente Utrecht") && first.contains("Toegezegd") && first.contains("€ 18.000"), "{first}");
    assert!(first.contains("Elke euro van de crowd maakt € 0,50 vrij: € 6.000 van € 6.000 vrijgemaakt"), "{first}");
    assert!(first.contains("€ 12.000 vast + € 6.000 verdubbeling"), "{first}");
    assert!(stakeholders[1].text_content().unwrap().contains("Betaald"));
    let fund = stakeholders[2].text_content().unwrap();
    assert!(
        fund.contains("Onder voorwaarde") && fund.contains("Voorwaarde: als de crowdfunding minstens de helft"),
        "{fund}"
    );
    // Own contributions.
    assert!(w.has("17 van 20 deelnemers hebben hun eigen bijdrage van € 150 betaald"));
    assert_eq!(w.attr(".cofund-bar-own", "aria-valuenow"), "85");
    // Initiatives and recent pledges, as donors chose to show them.
    assert_eq!(w.all(".cofund-initiatives li").len(), 6);
    let pledges: Vec<String> =
        w.all(".cofund-pledge").iter().map(|p| p.text_content().unwrap().replace('\u{a0}', " ")).collect();
    assert_eq!(pledges.len(), 5);
    assert!(pledges[0].starts_with("Fatima El Amrani€ 50"), "{}", pledges[0]);
    assert!(pledges[1].starts_with("Anoniem€ 25"), "{}", pledges[1]);
    assert!(pledges[2].starts_with("Bakkerij Van Dijk") && !pledges[2].contains('€'), "{}", pledges[2]);
    assert!(pledges[4].starts_with("Anoniem") && !pledges[4].contains('€') && pledges[4].contains("Mooi initiatief"));
    assert!(w.all(".cofund-pledge time")[0].get_attribute("datetime").unwrap().starts_with("2027-03-19"));
    // The history line is an image with words.
    assert!(w.attr(".cofund-spark", "aria-label").starts_with("Verloop van de toezeggingen: van €"));
    // Not loading any more.
    assert_eq!(w.attr(".cofund", "aria-busy"), "false");
}

#[wasm_bindgen_test]
async fn mid_campaign_in_english_by_attribute() {
    let w = mount_doc(UTRECHT, Some(Locale::En), "2027-03-20T12:00:00+01:00").await;
    assert_eq!(w.attr("section", "lang"), "en-GB");
    assert_eq!(w.attr(".cofund-bar-crowd", "aria-valuetext"), "€17,450.50 of €30,000 pledged, 58%");
    assert!(w.has("143 backers") && w.has("27 days left") && w.has("€12,310 of it received"), "{}", w.text());
    assert!(w.has("Each crowd euro unlocks €0.50: €6,000 of €6,000 unlocked"));
    assert!(w.has("17 of 20 participants have paid their own contribution of €150"));
    assert!(w.has("Still to find: €12,549.50"));
    assert!(w.has("Committed") && w.has("Conditional") && w.has("Paid"));
    assert!(w.has("Anonymous"));
}

#[wasm_bindgen_test]
async fn over_funded_shows_the_real_percentage() {
    let w = mount_doc(AMSTERDAM, Some(Locale::En), "2026-11-23T12:00:00+01:00").await;
    assert!(w.has("112%"), "{}", w.text());
    assert!(w.has("Target reached"));
    assert_eq!(w.attr(".cofund-bar-crowd", "aria-valuenow"), "100");
    assert!(w.attr(".cofund-bar-crowd", "aria-valuetext").ends_with("112%"));
    assert_eq!(w.attr(".cofund-bar-crowd .cofund-bar-fill", "style"), "width: 100%;");
    assert!(w.has("Fully funded"), "{}", w.text());
}

#[wasm_bindgen_test]
async fn just_opened_and_not_yet_open() {
    let w = mount_doc(ROTTERDAM, None, "2027-09-01T16:00:00+02:00").await;
    assert!(w.has("€ 125") && w.has("0%") && w.has("3 donateurs") && w.has("Nog 61 dagen"), "{}", w.text());
    assert_eq!(w.attr(".cofund-bar-crowd", "aria-valuenow"), "0");
    let w = mount_doc(ROTTERDAM, None, "2027-08-29T12:00:00+02:00").await;
    assert!(w.has("Opent over 3 dagen, op 1 september 2027"), "{}", w.text());
    let w = mount_doc(ROTTERDAM, Some(Locale::En), "2027-08-31T12:00:00+02:00").await;
    assert!(w.has("Opens tomorrow, 1 September 2027"), "{}", w.text());
}

#[wasm_bindgen_test]
async fn closed_campaign() {
    let w = mount_doc(DEN_HAAG, None, "2026-11-23T12:00:00+01:00").await;
    assert!(w.has("Campagne gesloten op 31 oktober 2026"), "{}", w.text());
    assert!(w.has("90%"));
    let w = mount_doc(DEN_HAAG, Some(Locale::En), "2026-11-23T12:00:00+01:00").await;
    assert!(w.has("Campaign closed on 31 October 2026"), "{}", w.text());
}

#[wasm_bindgen_test]
async fn read_only_document_links_to_the_programme() {
    let w = mount_doc(ZWOLLE, None, "2027-02-20T12:00:00+01:00").await;
    assert!(w.has("Steunen kan via de pagina van het programma."), "{}", w.text());
    assert_eq!(w.attr(".cofund-readonly a", "href"), "https://starters4communities.nl/zwolle-voorjaar-2027");
    assert!(w.host.query_selector("form").unwrap().is_none());
}

async fn expect_error(src: String, locale: Option<Locale>, message: &str) -> Mounted {
    let w = mount_widget(src, locale, None).await;
    assert_eq!(w.attr(".cofund-error", "role"), "alert");
    let shown = w.one(".cofund-error-message").text_content().unwrap();
    assert!(shown.contains(message), "expected {message:?}, shown {shown:?}");
    w
}

#[wasm_bindgen_test]
async fn error_states_are_clear_and_retryable() {
    // A document the runner's server does not have: 404.
    let w = expect_error("/cofund-no-such-document.json".into(), None, "niet gevonden (fout 404)").await;
    assert_eq!(w.one("button.cofund-retry").text_content().unwrap(), "Opnieuw proberen");
    expect_error("/cofund-no-such-document.json".into(), Some(Locale::En), "not found (error 404)").await;
    // Nothing listens on port 9: a network failure.
    expect_error("http://127.0.0.1:9/cohort.json".into(), None, "Controleer je internetverbinding").await;
    expect_error(blob_url("{\"schema\": \"cofund/cohort@1\", oops"), None, "geen geldige JSON").await;
    expect_error(blob_url("<html>Not here</html>"), Some(Locale::En), "not valid JSON").await;
    expect_error(
        blob_url(&UTRECHT.replace("cofund/cohort@1", "cofund/cohort@2")),
        None,
        "schema cofund/cohort@2; deze widget leest cofund/cohort@1",
    )
    .await;
    expect_error(blob_url("{\"name\": \"x\"}"), Some(Locale::En), "not a Cofund document").await;
}

#[wasm_bindgen_test]
async fn invalid_values_name_their_fields() {
    let bad = UTRECHT
        .replace("\"pledged_cents\": 1745050", "\"pledged_cents\": -5")
        .replace("\"target_share_bps\": 5000", "\"target_share_bps\": 12000");
    let w = expect_error(blob_url(&bad), None, "ongeldige gegevens").await;
    let details = w.one(".cofund-error ul").text_content().unwrap();
    assert!(details.contains("crowd.pledged_cents: mag niet negatief zijn"), "{details}");
    assert!(details.contains("crowd.target_share_bps: moet tussen 0 en 10000 liggen"), "{details}");
}

#[wasm_bindgen_test]
async fn a_wrong_type_names_the_field_and_the_type_expected() {
    let bad = UTRECHT.replace("\"pledged_cents\": 1745050", "\"pledged_cents\": \"17.450,50\"");
    let w = expect_error(blob_url(&bad), None, "ongeldige gegevens").await;
    let details = w.one(".cofund-error ul").text_content().unwrap();
    assert_eq!(details, "crowd.pledged_cents: heeft het verkeerde type (verwacht: een geheel getal)");
    assert!(!w.has("geen geldige JSON"));
    let bad = UTRECHT
        .replace("\"stakeholders\": [", "\"stakeholders\": {\"x\": [")
        .replace("  ],\n  \"initiatives\":", "  ]},\n  \"initiatives\":");
    let w = expect_error(blob_url(&bad), Some(Locale::En), "invalid data").await;
    assert_eq!(
        w.one(".cofund-error ul").text_content().unwrap(),
        "stakeholders: has the wrong type (expected: a list)"
    );
}

#[wasm_bindgen_test]
async fn documents_from_newer_servers_are_read_forgivingly() {
    let newer = UTRECHT
        .replacen("\"kind\": \"municipality\"", "\"kind\": \"cooperative\"", 1)
        .replacen("\"locale\": \"nl-NL\"", "\"locale\": \"fr-FR\"", 1)
        .replacen(
            "\"name\": \"Starters4Communities Utrecht, voorjaar 2027\"",
            &format!("\"name\": \"{}\"", "Lang ".repeat(60)),
            1,
        );
    assert_ne!(newer, UTRECHT);
    let w = mount_doc(&newer, None, "2027-03-20T12:00:00+01:00").await;
    // The page's language (the test page has none: Dutch), the kind as "other", the long
    // name cut.
    assert!(w.has("Overig"), "{}", w.text());
    let title = w.one("h2").text_content().unwrap();
    assert_eq!(title.chars().count(), 200);
    assert!(title.ends_with('…'));
}

#[wasm_bindgen_test]
async fn missing_source_says_what_to_do() {
    let w = expect_error(String::new(), Some(Locale::En), "data-cofund-src").await;
    assert!(w.host.query_selector("button.cofund-retry").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn retry_recovers_after_a_network_failure() {
    // The first request for this document fails as if offline; the retry succeeds.
    let url = format!("{}#flaky", blob_url(UTRECHT));
    js_sys::Function::new_no_args(
        "const real = window.fetch; let failed = false;
         window.fetch = function (input, init) {
           const u = typeof input === 'string' ? input : input.url;
           if (u.endsWith('#flaky') && !failed) { failed = true; return Promise.reject(new TypeError('offline')); }
           return real.call(this, input, init);
         };",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let w = expect_error(url, None, "Controleer je internetverbinding").await;
    w.one("button.cofund-retry").dyn_into::<HtmlElement>().unwrap().click();
    for _ in 0..250 {
        if w.host.query_selector(".cofund-pledged").unwrap().is_some() {
            break;
        }
        sleep(20).await;
    }
    assert!(w.has("€ 17.450,50"), "{}", w.text());
    assert!(w.host.query_selector(".cofund-error").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn several_widgets_on_one_page_each_show_their_own_cohort() {
    let a = mount_doc(UTRECHT, None, "2027-03-20T12:00:00+01:00").await;
    let b = mount_doc(AMSTERDAM, Some(Locale::En), "2026-11-23T12:00:00+01:00").await;
    assert!(a.has("Utrecht") && !a.has("Amsterdam-Noord"));
    assert!(b.has("Amsterdam-Noord") && !b.has("Utrecht, voorjaar"));
    assert_ne!(a.attr("h2", "id"), b.attr("h2", "id"));
    // One stylesheet however many widgets.
    assert_eq!(document().query_selector_all("#cofund-widget-style").unwrap().length(), 1);
    // Every id in the page is unique.
    let ids = document().query_selector_all(".cofund [id]").unwrap();
    let mut seen = std::collections::HashSet::new();
    for i in 0..ids.length() {
        let id = ids.item(i).unwrap().dyn_into::<Element>().unwrap().id();
        assert!(seen.insert(id.clone()), "duplicate id {id}");
    }
}

#[wasm_bindgen_test]
async fn mount_all_reads_the_embed_attributes() {
    let host = document().create_element("div").unwrap();
    host.set_attribute("data-cofund-src", &blob_url(AMSTERDAM)).unwrap();
    host.set_attribute("data-cofund-locale", "en-GB").unwrap();
    host.set_attribute("data-cofund-now", "2026-11-23T12:00:00+01:00").unwrap();
    host.set_inner_html("<a class=\"fallback\" href=\"https://example.org/steun\">Steun ons</a>");
    document().body().unwrap().append_child(&host).unwrap();
    assert_eq!(cofund_widget::mount_all(), 1);
    assert_eq!(cofund_widget::mount_all(), 0, "a mounted host is not mounted twice");
    for _ in 0..250 {
        if host.query_selector(".cofund-updated, .cofund-error").unwrap().is_some() {
            break;
        }
        sleep(20).await;
    }
    let text = host.text_content().unwrap();
    assert!(text.contains("Crowdfunding by the cohort") && text.contains("112%"), "{text}");
    assert!(host.query_selector(".fallback").unwrap().is_none(), "the no-JavaScript fallback is replaced");
}

#[wasm_bindgen_test]
async fn the_pledge_form_offers_the_suggested_amounts_and_checks_input_before_sending() {
    let w = mount_doc(UTRECHT, None, "2027-03-20T12:00:00+01:00").await;
    // The form opens on the donor's request.
    let details = w.one(".cofund-pledge-details");
    assert!(!details.has_attribute("open"));
    w.one("summary.cofund-pledge-toggle").dyn_into::<HtmlElement>().unwrap().click();
    wait_until(|| details.has_attribute("open")).await;
    assert!(details.has_attribute("open"));
    let buttons: Vec<String> =
        w.all(".cofund-amounts button").iter().map(|b| b.text_content().unwrap().replace('\u{a0}', " ")).collect();
    assert_eq!(buttons, ["€ 10", "€ 25", "€ 50", "€ 100"]);
    // The second suggestion is preselected and announced as pressed.
    assert_eq!(w.all(".cofund-amounts button")[1].get_attribute("aria-pressed").as_deref(), Some("true"));
    assert_eq!(w.all(".cofund-amounts button")[0].get_attribute("aria-pressed").as_deref(), Some("false"));
    // Submitting without e-mail and consent shows both errors, linked to their fields,
    // without any request (the document is a blob: URL, a POST would fail loudly).
    w.one("button.cofund-submit").dyn_into::<HtmlElement>().unwrap().click();
    let email = w.one("input[name=email]");
    wait_until(|| email.get_attribute("aria-invalid").as_deref() == Some("true")).await;
    assert_eq!(email.get_attribute("aria-invalid").as_deref(), Some("true"));
    let error_id = email.get_attribute("aria-describedby").unwrap();
    assert!(error_id.split(' ').any(|id| id.ends_with("-email-error")), "{error_id}");
    assert!(w.has("Vul je e-mailadres in."), "{}", w.text());
    assert!(w.has("Geef toestemming om je toezegging te kunnen verwerken."));
    assert_eq!(document().active_element().unwrap().get_attribute("name").as_deref(), Some("email"));
}

#[wasm_bindgen_test]
async fn an_open_widget_refreshes_its_document() {
    // The first request gets the document as it is; later ones a newer version.
    let newer = UTRECHT
        .replace("\"pledged_cents\": 1745050", "\"pledged_cents\": 1800000")
        .replace("\"backers\": 143", "\"backers\": 150");
    js_sys::Reflect::set(&web_sys::window().unwrap(), &JsValue::from_str("__cofundNewer"), &JsValue::from_str(&newer))
        .unwrap();
    js_sys::Function::new_no_args(
        "const real = window.fetch; let calls = 0;
         window.fetch = function (input, init) {
           const u = typeof input === 'string' ? input : input.url;
           if (u.endsWith('#live') && ++calls > 1) {
             return Promise.resolve(new Response(window.__cofundNewer, { headers: { 'Content-Type': 'application/json' } }));
           }
           return real.call(this, input, init);
         };",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let w = mount_configured(WidgetConfig {
        src: format!("{}#live", blob_url(UTRECHT)),
        locale: None,
        now: at("2027-03-20T12:00:00+01:00"),
        refresh_secs: 1,
    })
    .await;
    assert!(w.has("€ 17.450,50") && w.has("143 donateurs"), "{}", w.text());
    // A list the visitor opened stays open through a refresh.
    w.one(".cofund-stakeholders summary").dyn_into::<HtmlElement>().unwrap().click();
    for _ in 0..150 {
        if w.has("150 donateurs") {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(w.one(".cofund-pledged").text_content().unwrap().replace('\u{a0}', " "), "€ 18.000");
    assert_eq!(w.attr(".cofund-bar-crowd", "aria-valuenow"), "60");
    assert!(w.one(".cofund-stakeholders details").has_attribute("open"));
}

#[wasm_bindgen_test]
fn refresh_attribute_is_bounded() {
    let el = document().create_element("div").unwrap();
    assert_eq!(WidgetConfig::from_element(&el).refresh_secs, cofund_widget::DEFAULT_REFRESH_SECS);
    el.set_attribute("data-cofund-refresh", "0").unwrap();
    assert_eq!(WidgetConfig::from_element(&el).refresh_secs, 0);
    el.set_attribute("data-cofund-refresh", "1").unwrap();
    assert_eq!(WidgetConfig::from_element(&el).refresh_secs, cofund_widget::MIN_REFRESH_SECS);
    el.set_attribute("data-cofund-refresh", "300").unwrap();
    assert_eq!(WidgetConfig::from_element(&el).refresh_secs, 300);
    el.set_attribute("data-cofund-refresh", "soon").unwrap();
    assert_eq!(WidgetConfig::from_element(&el).refresh_secs, cofund_widget::DEFAULT_REFRESH_SECS);
}
