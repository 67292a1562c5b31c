use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn emails_hidden_names_and_hidden_amounts_never_appear_publicly() {
    let app = spawn().await;
    app.open_cohort("p").await;
    let secret_name = "Geheime Gerrit";
    let email = "gerrit.geheim@example.nl";
    let r = app
        .pledge_ok(
            "p",
            &json!({"amount_cents": 4321, "name": secret_name, "show_name": false, "show_amount": false,
                    "email": email, "message": "Anoniem", "consent": true}),
        )
        .await;
    // The donor's own response has no e-mail or name either.
    let receipt = r.to_string();
    assert!(!receipt.contains(email) && !receipt.contains(secret_name), "{receipt}");
    app.pledge_ok("p", &pledge_body(2500, "zichtbaar@example.nl")).await;

    let mut public = String::new();
    for path in ["/api/v1/cohorts/p", "/api/v1/cohorts/p/pledges", "/api/v1/cohorts/p/pledges?limit=1", "/", "/embed/p"]
    {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        public.push_str(&r.text().await.unwrap());
    }
    for secret in [email, "zichtbaar@example.nl", "@example.nl", secret_name, "\"amount_cents\":4321", "127.0.0.1\""] {
        assert!(!public.contains(secret), "{secret:?} appears publicly");
    }
    // The shown pledge is there, the hidden one without name and amount.
    assert!(public.contains("Fatima El Amrani"));
    assert!(public.contains("Anoniem"));
    // The coordinator's export does have the address.
    let csv = app
        .client
        .get(app.url("/api/v1/admin/cohorts/p/pledges.csv"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains(email) && csv.contains(secret_name));
}
