//! Numbers, money and dates through the browser's `Intl` API, never by hand; outside
//! the browser (the server's first view) through [`native`], which writes the same text.
//! Money goes in as an exact decimal string, so no amount passes through a float.

use crate::Locale;
use cofund_core::{format_decimal, Timestamp};
#[cfg(target_arch = "wasm32")]
use intl::{date_with, number};
#[cfg(not(target_arch = "wasm32"))]
use native::{date_with, number};

#[cfg(not(target_arch = "wasm32"))]
mod native;

#[cfg(target_arch = "wasm32")]
mod intl {
    use crate::Locale;
    use cofund_core::Timestamp;
    use js_sys::{Array, Function, Intl, Object, Reflect};
    use std::cell::RefCell;
    use std::fmt::Write;
    use wasm_bindgen::JsValue;

    fn options(pairs: &[(&str, &str)]) -> Object {
        let o = Object::new();
        for (k, v) in pairs {
            let _ = Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
        }
        o
    }

    fn locales(locale: Locale) -> Array {
        Array::of1(&JsValue::from_str(locale.tag()))
    }

    thread_local! {
        /// Formatters by locale and options. Building an `Intl` formatter costs far more than
        /// using one, and a widget formats a hundred amounts and dates per render.
        static FORMATTERS: RefCell<Vec<(String, Function)>> = const { RefCell::new(Vec::new()) };
    }

    /// The cached `format` function of the formatter for `locale` and `opts`.
    fn formatter(
        kind: &str,
        locale: Locale,
        opts: &[(&str, &str)],
        make: impl FnOnce(&Array, &Object) -> Function,
    ) -> Function {
        let mut key = format!("{kind}|{}", locale.tag());
        for (k, v) in opts {
            let _ = write!(key, "|{k}={v}");
        }
        FORMATTERS.with(|cache| {
            if let Some((_, f)) = cache.borrow().iter().find(|(k, _)| *k == key) {
                return f.clone();
            }
            let f = make(&locales(locale), &options(opts));
            cache.borrow_mut().push((key, f.clone()));
            f
        })
    }

    pub(super) fn number(locale: Locale, value: &str, opts: &[(&str, &str)]) -> String {
        let f = formatter("number", locale, opts, |l, o| Intl::NumberFormat::new(l, o).format());
        f.call1(&JsValue::NULL, &JsValue::from_str(value))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| value.to_owned())
    }

    pub(super) fn date_with(locale: Locale, t: Timestamp, opts: &[(&str, &str)]) -> String {
        let mut all = opts.to_vec();
        // Programmes are Dutch: show their days, wherever the visitor is.
        all.push(("timeZone", "Europe/Amsterdam"));
        let f = formatter("date", locale, &all, |l, o| Intl::DateTimeFormat::new(l, o).format());
        let d = js_sys::Date::new(&JsValue::from_f64(t.unix_millis() as f64));
        f.call1(&JsValue::NULL, &d).ok().and_then(|v| v.as_string()).unwrap_or_default()
    }
}

/// `€ 1.234,56` (nl-NL) or `€1,234.56` (en-GB); whole amounts without decimals.
pub fn money(locale: Locale, currency: &str, cents: i64) -> String {
    number(
        locale,
        &format_decimal(cents),
        &[("style", "currency"), ("currency", currency), ("trailingZeroDisplay", "stripIfInteger")],
    )
}

/// A whole number with the locale's grouping: `1.234`.
pub fn integer(locale: Locale, n: i64) -> String {
    number(locale, &n.to_string(), &[("maximumFractionDigits", "0")])
}

/// A whole percentage, `58%` / `112%`.
pub fn percent(locale: Locale, whole_percent: i64) -> String {
    number(locale, &format_decimal(whole_percent), &[("style", "percent"), ("maximumFractionDigits", "0")])
}

/// A share in basis points as a percentage with at most one decimal: `6230` → `62,3%`.
pub fn percent_bps(locale: Locale, bps: i64) -> String {
    number(locale, &bps_fraction(bps), &[("style", "percent"), ("maximumFractionDigits", "1")])
}

/// Basis points as the decimal fraction `Intl`'s percent style formats: `6230` → `0.6230`
/// (62,3 %), exactly, without a float.
pub fn bps_fraction(bps: i64) -> String {
    let sign = if bps < 0 { "-" } else { "" };
    let b = bps.unsigned_abs();
    format!("{sign}{}.{:04}", b / 10_000, b % 10_000)
}

/// A `YYYY-MM-DD` day, `30 juni 2026`; the text itself when it is not such a day.
pub fn day(locale: Locale, ymd: &str) -> String {
    match cofund_core::Date::parse(ymd) {
        Some(d) => date(locale, Timestamp(d.0 * 86_400 + 43_200)),
        None => ymd.to_owned(),
    }
}

/// A day in the programme's time zone, `15 april 2027` / `15 April 2027`.
pub fn date(locale: Locale, t: Timestamp) -> String {
    date_with(locale, t, &[("day", "numeric"), ("month", "long"), ("year", "numeric")])
}

/// A short day and time, `19 mrt, 20:14`.
pub fn date_time_short(locale: Locale, t: Timestamp) -> String {
    date_with(locale, t, &[("day", "numeric"), ("month", "short"), ("hour", "2-digit"), ("minute", "2-digit")])
}

/// A short day, `19 mrt`.
pub fn date_short(locale: Locale, t: Timestamp) -> String {
    date_with(locale, t, &[("day", "numeric"), ("month", "short")])
}

/// Builds the formatters a cohort needs (money in euro, whole numbers, percentages,
/// dates) ahead of time: called while the document is in flight, so the browser loads
/// the locale's data then and not when the figures should appear.
pub fn prepare(locale: Locale) {
    let now = crate::browser_now();
    money(locale, "EUR", 0);
    integer(locale, 0);
    percent(locale, 0);
    date(locale, now);
    date_short(locale, now);
    date_time_short(locale, now);
}

#[cfg(test)]
mod tests {
    #[test]
    fn basis_points_as_exact_fractions() {
        use super::bps_fraction;
        assert_eq!(
            (bps_fraction(6230), bps_fraction(10_000), bps_fraction(-5)),
            ("0.6230".into(), "1.0000".into(), "-0.0005".into())
        );
    }
}
