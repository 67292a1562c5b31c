//! Live progress: after every change of a cohort, each open stream of it gets one event
//! with the new totals and the newest public pledge. A change made on any instance
//! reaches the subscribers of every instance: the storage announces it (PostgreSQL
//! `NOTIFY`) and each instance renders the event once for all its subscribers. Events
//! carry the cohort's revision as their id; they describe the current state, so a
//! client that missed some (`Last-Event-ID` older than the revision) gets the current
//! state at once and has missed nothing.

use super::{DomainError, DomainResult};
use cofund_core::api::ErrorCode;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// One event: the cohort's revision and the JSON sent as `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressEvent {
    pub revision: i64,
    pub data: String,
}

impl ProgressEvent {
    /// The event of a rendered contract document: only public figures (the document
    /// holds nothing private).
    pub fn of_document(revision: i64, document: &[u8]) -> DomainResult<ProgressEvent> {
        let doc: Value = serde_json::from_slice(document).map_err(|e| DomainError::Internal(e.into()))?;
        let data = json!({
            "slug": doc["slug"],
            "revision": revision,
            "updated_at": doc["updated_at"],
            "crowd": {
                "pledged_cents": doc["crowd"]["pledged_cents"],
                "received_cents": doc["crowd"]["received_cents"],
                "backers": doc["crowd"]["backers"],
            },
            "own_contributions_received": doc["own_contributions"]["received"],
            "latest_pledge": doc["recent_pledges"].get(0).cloned().unwrap_or(Value::Null),
        });
        // Contract 1.1: the programme's pot, which a pledge in another cohort changes too.
        let data = match doc.get("pot") {
            Some(pot) => {
                let mut data = data;
                data["pot"] = json!({
                    "added_cents": pot["added_cents"],
                    "left_cents": pot["left_cents"],
                    "exhausted": pot["exhausted"],
                });
                data
            }
            None => data,
        };
        Ok(ProgressEvent { revision, data: data.to_string() })
    }
}

/// Open streams per client address unless configured otherwise: room for a venue's
/// or an office's shared address, far from an instance's whole limit.
pub const DEFAULT_MAX_STREAMS_PER_CLIENT: usize = 32;

/// The subscribers of this instance, by cohort.
pub struct LiveProgress {
    channels: Mutex<HashMap<String, broadcast::Sender<Arc<ProgressEvent>>>>,
    subscribers: Arc<AtomicUsize>,
    limit: usize,
    /// Open streams by client (IPv4 address or IPv6 /64); only clients with one.
    per_client: Arc<Mutex<HashMap<IpAddr, usize>>>,
    per_client_limit: usize,
}

/// Held by one open stream; frees its place when the stream ends.
pub struct Subscription {
    pub events: broadcast::Receiver<Arc<ProgressEvent>>,
    pub place: SubscriberPlace,
}

pub struct SubscriberPlace {
    total: Arc<AtomicUsize>,
    /// The client's share, where the stream was counted by client.
    client: Option<ClientSlot>,
}

impl Drop for SubscriberPlace {
    fn drop(&mut self) {
        self.total.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One stream counted against its client; freed when dropped.
struct ClientSlot {
    key: IpAddr,
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().expect("streams per client");
        if let Some(n) = counts.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// Clients are counted like the pledge limit counts them: an IPv4 address, or the /64
/// of an IPv6 address.
fn client_key(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

impl LiveProgress {
    /// At most `limit` open streams on this instance.
    pub fn new(limit: usize) -> LiveProgress {
        LiveProgress::with_client_limit(limit, DEFAULT_MAX_STREAMS_PER_CLIENT)
    }

    /// At most `limit` open streams on this instance, `per_client` of them from one
    /// client, so one client cannot take every place.
    pub fn with_client_limit(limit: usize, per_client: usize) -> LiveProgress {
        LiveProgress {
            channels: Mutex::new(HashMap::new()),
            subscribers: Arc::new(AtomicUsize::new(0)),
            limit,
            per_client: Arc::new(Mutex::new(HashMap::new())),
            per_client_limit: per_client,
        }
    }

    /// Open streams of `client` (counted per IPv4 address or IPv6 /64).
    pub fn client_count(&self, client: IpAddr) -> usize {
        self.per_client.lock().expect("streams per client").get(&client_key(client)).copied().unwrap_or(0)
    }

    /// A place for one more stream of `slug` from `client`, unless the instance is full
    /// or the client holds its share already.
    pub fn subscribe_from(&self, slug: &str, client: IpAddr) -> DomainResult<Subscription> {
        let key = client_key(client);
        {
            let mut counts = self.per_client.lock().expect("streams per client");
            let n = counts.entry(key).or_insert(0);
            if *n >= self.per_client_limit {
                return Err(DomainError::refused(
                    ErrorCode::TooManySubscribers,
                    format!(
                        "This address has {} live streams open, its limit; close one or poll instead.",
                        self.per_client_limit
                    ),
                ));
            }
            *n += 1;
        }
        let slot = ClientSlot { key, counts: self.per_client.clone() };
        // If the instance is full, dropping the slot frees the client's share again.
        let mut subscription = self.subscribe(slug)?;
        subscription.place.client = Some(slot);
        Ok(subscription)
    }

    /// Open streams on this instance.
    pub fn subscriber_count(&self) -> usize {
        self.subscribers.load(Ordering::SeqCst)
    }

    /// A place for one more stream of `slug`, unless the instance is full (not counted
    /// by client: see [`LiveProgress::subscribe_from`]).
    pub fn subscribe(&self, slug: &str) -> DomainResult<Subscription> {
        let taken = self.subscribers.fetch_add(1, Ordering::SeqCst);
        let place = SubscriberPlace { total: self.subscribers.clone(), client: None };
        if taken >= self.limit {
            return Err(DomainError::refused(
                ErrorCode::TooManySubscribers,
                format!("This server has {} live subscribers, its limit; the widget polls instead.", self.limit),
            ));
        }
        let mut channels = self.channels.lock().expect("live channels");
        let sender = channels.entry(slug.to_owned()).or_insert_with(|| broadcast::channel(16).0);
        Ok(Subscription { events: sender.subscribe(), place })
    }

    /// Cohorts with at least one open stream here.
    pub fn watched(&self) -> Vec<String> {
        let mut channels = self.channels.lock().expect("live channels");
        channels.retain(|_, s| s.receiver_count() > 0);
        channels.keys().cloned().collect()
    }

    /// Whether anyone here watches `slug`.
    pub fn is_watched(&self, slug: &str) -> bool {
        self.channels.lock().expect("live channels").get(slug).is_some_and(|s| s.receiver_count() > 0)
    }

    /// Sends `event` to the streams of `slug`.
    pub fn send(&self, slug: &str, event: ProgressEvent) {
        if let Some(sender) = self.channels.lock().expect("live channels").get(slug) {
            let _ = sender.send(Arc::new(event));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_limited_and_freed() {
        let live = LiveProgress::new(2);
        let a = live.subscribe("a").unwrap();
        let _b = live.subscribe("b").unwrap();
        assert!(matches!(live.subscribe("a"), Err(DomainError::Refused { code: ErrorCode::TooManySubscribers, .. })));
        assert_eq!(live.subscriber_count(), 2);
        drop(a);
        assert_eq!(live.subscriber_count(), 1);
        assert_eq!(live.watched(), vec!["b".to_owned()]);
        assert!(live.subscribe("c").is_ok());
    }

    #[test]
    fn events_carry_only_public_figures() {
        let doc = br#"{"slug":"x","updated_at":"2027-01-01T00:00:00Z","crowd":{"pledged_cents":5,"received_cents":0,"backers":1},
            "own_contributions":{"received":3},"recent_pledges":[{"name":null,"amount_cents":5,"message":null,"at":"2027-01-01T00:00:00Z"}]}"#;
        let e = ProgressEvent::of_document(7, doc).unwrap();
        let v: Value = serde_json::from_str(&e.data).unwrap();
        assert_eq!(v["crowd"]["pledged_cents"], 5);
        assert_eq!(v["latest_pledge"]["amount_cents"], 5);
        assert_eq!(v["revision"], 7);
    }
}
