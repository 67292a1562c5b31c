//! The served API description covers the router: every method of every route under
//! `/api/` in `server/src/routes/mod.rs` is an operation of `/api/v1/openapi.yaml`, so a
//! route added later without a description fails here. (What the description admits is
//! checked against the running server by `scripts/fuzz-api.sh`.)

use crate::helpers::*;
use std::collections::BTreeSet;

/// `(METHOD, path)` of every `/api/` route in the router's source (preflight `OPTIONS`
/// handlers are CORS plumbing, not operations).
fn routed_operations() -> BTreeSet<(String, String)> {
    let source = include_str!("../../src/routes/mod.rs");
    let mut ops = BTreeSet::new();
    for chunk in source.split(".route(").skip(1) {
        let Some(path) = chunk.split('"').nth(1) else { continue };
        if !path.starts_with("/api/") {
            continue;
        }
        // The handlers: up to the next route or the end of the router.
        let handlers = chunk.split(";").next().unwrap_or(chunk);
        for method in ["get", "post", "put", "delete", "patch"] {
            let called = handlers.match_indices(&format!("{method}(")).any(|(i, _)| {
                i == 0 || !handlers.as_bytes()[i - 1].is_ascii_alphanumeric() && handlers.as_bytes()[i - 1] != b'_'
            });
            if called {
                ops.insert((method.to_uppercase(), path.to_owned()));
            }
        }
    }
    ops
}

/// `(METHOD, path)` of every operation in the description: paths at two spaces'
/// indent under `paths:`, methods at four.
fn described_operations(spec: &str) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    let mut in_paths = false;
    let mut path = None;
    for line in spec.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_paths = line == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  ").filter(|l| !l.starts_with(' ')) {
            path = p.strip_suffix(':').map(|p| p.trim_matches('"').to_owned());
        } else if let (Some(m), Some(p)) = (line.strip_prefix("    ").filter(|l| !l.starts_with(' ')), &path) {
            let method = m.split(':').next().unwrap_or("");
            if ["get", "post", "put", "delete", "patch"].contains(&method) {
                ops.insert((method.to_uppercase(), p.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_api_route_is_described() {
    let app = spawn().await;
    let spec = app.get("/api/v1/openapi.yaml").await.text().await.unwrap();
    let routed = routed_operations();
    assert!(routed.len() >= 30, "the router's source was read: {routed:?}");
    let described = described_operations(&spec);
    let missing: Vec<_> = routed.difference(&described).collect();
    assert!(missing.is_empty(), "routes without a description: {missing:?}");
    let stale: Vec<_> =
        described.iter().filter(|(_, p)| p.starts_with("/api/")).filter(|op| !routed.contains(op)).collect();
    assert!(stale.is_empty(), "described but not routed: {stale:?}");
}
