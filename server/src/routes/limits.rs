//! Abuse limits: pledge POSTs per client address (GCRA from the `governor` crate). The
//! client address is the socket peer, or — only when the peer is a configured trusted
//! proxy — the nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
//! Addresses are kept in memory only, for as long as the limit needs them, and never
//! stored or logged.

use super::AppState;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;

/// The address a request comes from, as far as this server can trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        // Served with connect info (lib.rs); a router used without it sees "unspecified".
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip())
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        Ok(ClientAddress(client_address(peer, &parts.headers, state.trusted_proxies())))
    }
}

/// The client of a request from `peer`: `peer` itself unless it is a trusted proxy;
/// then the right-most `X-Forwarded-For` entry that is not a trusted proxy (entries to
/// its left were written by the client and prove nothing).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |a: &IpAddr| trusted.iter().any(|n| n.contains(a));
    if !is_trusted(&peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        let Some(addr) = parse_forwarded(entry) else { break };
        client = canonical(addr);
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    entry.parse::<IpAddr>().ok().or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// IPv4-mapped IPv6 addresses as IPv4.
fn canonical(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
        v4 => v4,
    }
}

/// What is counted: an IPv4 address, or the /64 of an IPv6 address (one subscriber
/// usually holds a whole /64, so counting single IPv6 addresses would limit nothing).
fn limit_key(a: IpAddr) -> IpAddr {
    match canonical(a) {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// The pledge limit per client address; `None` inside when turned off.
pub struct PledgeLimiter(Option<DefaultKeyedRateLimiter<IpAddr>>);

impl PledgeLimiter {
    /// `per_minute` pledges a minute sustained, `burst` at once; `per_minute == 0`: no limit.
    pub fn new(per_minute: u32, burst: u32) -> PledgeLimiter {
        PledgeLimiter(NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        }))
    }

    /// Counts a pledge POST from `client`; over the limit, `429` with the seconds until
    /// the next one is allowed.
    pub fn check(&self, client: IpAddr) -> Result<(), ApiError> {
        let Some(limiter) = &self.0 else { return Ok(()) };
        limiter.check_key(&limit_key(client)).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::RateLimited { retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
        })
    }

    /// Forgets addresses whose allowance is full again (they would be allowed a full
    /// burst anyway), so memory holds only recent clients.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.0 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers(&["203.0.113.7"]);
        assert_eq!(client_address(ip("198.51.100.1"), &h, &trusted), ip("198.51.100.1"));
        assert_eq!(client_address(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
        assert_eq!(client_address(ip("10.1.2.3"), &h, &trusted), ip("203.0.113.7"));
    }

    #[test]
    fn the_right_most_untrusted_entry_is_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // The client wrote a fake first entry; the proxies appended the real ones.
        let h = headers(&["1.1.1.1, 203.0.113.7", "10.0.0.5"]);
        assert_eq!(client_address(ip("10.0.0.9"), &h, &trusted), ip("203.0.113.7"));
        // Garbage stops the walk at the last address a trusted proxy vouched for.
        let h = headers(&["203.0.113.7, garbage, 10.0.0.5"]);
        assert_eq!(client_address(ip("10.0.0.9"), &h, &trusted), ip("10.0.0.5"));
        let h = headers(&["[2001:db8::1]:4711", "198.51.100.2:80"]);
        assert_eq!(client_address(ip("10.0.0.9"), &h, &trusted), ip("198.51.100.2"));
        assert_eq!(client_address(ip("10.0.0.9"), &HeaderMap::new(), &trusted), ip("10.0.0.9"));
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), limit_key(ip("2001:db8:1:2:bbbb::9")));
        assert_ne!(limit_key(ip("2001:db8:1:2::1")), limit_key(ip("2001:db8:1:3::1")));
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn the_burst_passes_then_the_rate_applies_with_a_wait() {
        let l = PledgeLimiter::new(6, 3);
        let a = ip("192.0.2.1");
        for _ in 0..3 {
            l.check(a).unwrap();
        }
        match l.check(a) {
            Err(ApiError::RateLimited { retry_after_secs }) => {
                assert!((1..=10).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("{other:?}"),
        }
        l.check(ip("192.0.2.2")).unwrap();
        let off = PledgeLimiter::new(0, 3);
        for _ in 0..100 {
            off.check(a).unwrap();
        }
    }
}
