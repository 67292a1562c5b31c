//! The built widget under `/widget/`, cached by what each file is.
//!
//! `scripts/build-widget.sh` names the module and its wasm by their content
//! (`cofund-widget-<16 hex>.js`, `cofund-widget-<16 hex>_bg.wasm`) and writes those
//! names into the loader, `cofund.js`, the one URL host pages use. So:
//! - a content-named file never changes: `Cache-Control: public, max-age=31536000,
//!   immutable`, and a returning visitor's browser does not even ask;
//! - every other file (the loader, `cofund-frame.js`, the fixed-name module and wasm of
//!   the older `import init` embed, the examples) may change with a build: a short
//!   `max-age` (`--loader-max-age`, 300 s by default), after which the browser
//!   revalidates with the `ETag` and gets a `304` while nothing changed.
//!
//! Every answer has a strong `ETag` (the served bytes' SHA-256; a compressed copy has
//! its own), answers `If-None-Match`, is readable from any origin, and is the `.br` or
//! `.gz` copy written beside the file when the browser accepts it. Files are read from
//! the directory on each request, so a new build is served without a restart; the
//! ETags are remembered by file, size and modification time.

use super::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// What browsers and caches may keep a content-named file for: a year, never revalidated.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The build's list of the current content-named files (see `scripts/hash-widget.sh`).
pub const MANIFEST: &str = "widget-manifest.json";

/// The widget's files on disk and the ETags already computed.
pub struct WidgetFiles {
    dir: PathBuf,
    fixed_name_cache: HeaderValue,
    etags: Mutex<HashMap<PathBuf, (SystemTime, u64, HeaderValue)>>,
}

/// The current module and wasm of the build, for the pages this server renders
/// (`/embed/{slug}` preloads them). Without a manifest (a build made without
/// `scripts/hash-widget.sh`) the fixed names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct WidgetNames {
    pub glue: String,
    pub wasm: String,
}

impl Default for WidgetNames {
    fn default() -> Self {
        WidgetNames { glue: "cofund-widget.js".to_owned(), wasm: "cofund-widget_bg.wasm".to_owned() }
    }
}

/// Whether a file name carries its content's hash: `-` and 16 lowercase hex digits
/// right before `_bg.wasm` or the extension (`cofund-widget-0123456789abcdef.js`),
/// also for its `.br` and `.gz` copies.
pub fn is_content_named(name: &str) -> bool {
    let name = name.strip_suffix(".br").or_else(|| name.strip_suffix(".gz")).unwrap_or(name);
    let Some((stem, _extension)) = name.rsplit_once('.') else { return false };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((base, hash)) => {
            !base.is_empty()
                && hash.len() == 16
                && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }
        None => false,
    }
}

/// The encodings the request accepts, from `Accept-Encoding` (`q=0` refuses one).
fn accepts(headers: &HeaderMap, encoding: &str) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts
                .any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
            (name.eq_ignore_ascii_case(encoding) || name == "*") && !refused
        },
    )
}

/// A request path made safe: plain names separated by `/`, nothing that climbs out of
/// the directory or names something hidden; a directory means its `index.html`.
fn relative_path(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let plain = !part.starts_with('.')
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !plain {
            return None;
        }
        out.push(part);
    }
    if path.is_empty() || path.ends_with('/') {
        out.push("index.html");
    }
    Some(out)
}

fn content_type(path: &FsPath) -> HeaderValue {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let text = mime.type_() == mime_guess::mime::TEXT || mime.subtype() == mime_guess::mime::JAVASCRIPT;
    let value = if text { format!("{mime}; charset=utf-8") } else { mime.to_string() };
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

impl WidgetFiles {
    pub fn new(dir: PathBuf, loader_max_age_secs: u32) -> WidgetFiles {
        let fixed_name_cache = HeaderValue::from_str(&format!("public, max-age={loader_max_age_secs}"))
            .expect("a number is a valid header value");
        WidgetFiles { dir, fixed_name_cache, etags: Mutex::new(HashMap::new()) }
    }

    /// The current content-named module and wasm (read from the build's manifest).
    pub async fn current_names(&self) -> WidgetNames {
        match tokio::fs::read(self.dir.join(MANIFEST)).await {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the widget's {MANIFEST} is unreadable; using the fixed names");
                WidgetNames::default()
            }),
            Err(_) => WidgetNames::default(),
        }
    }

    /// The file to send for `path` and the request's encodings: the `.br` or `.gz`
    /// copy where accepted and present, else the file itself.
    async fn pick(
        &self,
        path: &FsPath,
        headers: &HeaderMap,
    ) -> Option<(PathBuf, Option<&'static str>, std::fs::Metadata)> {
        let full = self.dir.join(path);
        for (encoding, suffix) in [("br", "br"), ("gzip", "gz")] {
            if accepts(headers, encoding) {
                let mut candidate = full.clone().into_os_string();
                candidate.push(".");
                candidate.push(suffix);
                let candidate = PathBuf::from(candidate);
                if let Ok(meta) = tokio::fs::metadata(&candidate).await {
                    if meta.is_file() {
                        return Some((candidate, Some(encoding), meta));
                    }
                }
            }
        }
        let meta = tokio::fs::metadata(&full).await.ok().filter(|m| m.is_file())?;
        Some((full, None, meta))
    }

    /// The ETag of these bytes, remembered for this file as long as its size and
    /// modification time stay the same.
    fn etag(&self, file: &FsPath, meta: &std::fs::Metadata, bytes: &[u8]) -> HeaderValue {
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let mut etags = self.etags.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((m, len, tag)) = etags.get(file) {
            if *m == modified && *len == meta.len() {
                return tag.clone();
            }
        }
        let digest = Sha256::digest(bytes);
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let tag = HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a valid header value");
        etags.insert(file.to_owned(), (modified, meta.len(), tag.clone()));
        tag
    }

    async fn serve(&self, path: &str, headers: &HeaderMap) -> Response {
        let not_found =
            || (StatusCode::NOT_FOUND, [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], "not found").into_response();
        let Some(relative) = relative_path(path) else { return not_found() };
        let Some((file, encoding, meta)) = self.pick(&relative, headers).await else { return not_found() };
        let Ok(bytes) = tokio::fs::read(&file).await else { return not_found() };
        let etag = self.etag(&file, &meta, &bytes);
        let name = relative.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let cache =
            if is_content_named(name) { HeaderValue::from_static(IMMUTABLE) } else { self.fixed_name_cache.clone() };
        let mut response = if super::public::none_match(headers, etag.to_str().unwrap_or_default()) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut r = Response::new(Body::from(bytes));
            r.headers_mut().insert(header::CONTENT_TYPE, content_type(&relative));
            if let Some(encoding) = encoding {
                r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            r
        };
        let h = response.headers_mut();
        h.insert(header::ETAG, etag);
        h.insert(header::CACHE_CONTROL, cache);
        // The body depends on Accept-Encoding; caches must keep the variants apart.
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        // Module scripts and the wasm are fetched with CORS by pages of any origin.
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        response
    }
}

/// `GET /widget/{*path}` (and `HEAD`).
pub async fn file(State(state): State<AppState>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    state.widget_files().serve(&path, &headers).await
}

/// `GET /widget/`: the examples page of the build.
pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    state.widget_files().serve("", &headers).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_named_files_are_told_apart_from_fixed_names() {
        for name in [
            "cofund-widget-0123456789abcdef.js",
            "cofund-widget-0123456789abcdef_bg.wasm",
            "cofund-widget-0123456789abcdef_bg.wasm.br",
            "cofund-widget-0123456789abcdef.js.gz",
        ] {
            assert!(is_content_named(name), "{name}");
        }
        for name in [
            "cofund.js",
            "cofund-frame.js",
            "cofund-widget.js",
            "cofund-widget_bg.wasm",
            "cofund-widget-0123456789ABCDEF.js",
            "cofund-widget-0123456789abcde.js",
            "-0123456789abcdef.js",
            "index.html",
            "cofund-widget-0123456789abcdefg.js",
        ] {
            assert!(!is_content_named(name), "{name}");
        }
    }

    #[test]
    fn paths_stay_inside_the_directory() {
        assert_eq!(relative_path("cofund.js"), Some(PathBuf::from("cofund.js")));
        assert_eq!(relative_path("cohorts/a.json"), Some(PathBuf::from("cohorts/a.json")));
        assert_eq!(relative_path(""), Some(PathBuf::from("index.html")));
        assert_eq!(relative_path("cohorts/"), Some(PathBuf::from("cohorts/index.html")));
        for bad in ["../secret", "a/../../b", ".hidden", "a/.git/config", "a\\b", "a b", "%2e%2e"] {
            assert_eq!(relative_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn accept_encoding_honours_q_zero_and_the_wildcard() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(accepts(&h("gzip, deflate, br"), "br"));
        assert!(accepts(&h("gzip, deflate, br"), "gzip"));
        assert!(!accepts(&h("gzip"), "br"));
        assert!(!accepts(&h("br;q=0, gzip"), "br"));
        assert!(accepts(&h("br;q=0.5"), "br"));
        assert!(accepts(&h("*"), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }
}
