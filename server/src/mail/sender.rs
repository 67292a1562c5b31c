//! Delivers the outbox: claims due messages (a lease, so two instances never hold the
//! same one), hands each to the SMTP server and marks it sent once the server accepted
//! it; a failure is retried with exponential backoff (transient) or marked failed
//! (permanent: the server refused the recipient for good, or the address is not one).

use super::smtp::SmtpMailer;
use crate::domain;
use crate::storage::Storage;
use cofund_core::Timestamp;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// How the sender paces itself.
#[derive(Debug, Clone, Copy)]
pub struct SenderSettings {
    /// Pause when nothing is due.
    pub poll: Duration,
    /// First retry after this; doubled per attempt up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a claimed message is this sender's; after that another may send it.
    pub lease: Duration,
    /// Messages claimed at once (small: every claimed message must be sent well within
    /// its lease, see [`LEASE_MARGIN`]).
    pub batch: u32,
    /// Messages sent at once.
    pub concurrency: usize,
    /// News (to many donors at once) is queued at most this many messages a minute.
    pub news_per_minute: u32,
}

impl Default for SenderSettings {
    fn default() -> SenderSettings {
        SenderSettings {
            poll: Duration::from_secs(2),
            initial_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            lease: Duration::from_secs(300),
            batch: 8,
            concurrency: 4,
            news_per_minute: crate::domain::mail::DEFAULT_NEWS_PER_MINUTE,
        }
    }
}

/// A claimed message is only handed to the SMTP server while at least this much of its
/// lease is left (more than the transport's 30 s timeout), so no other sender can have
/// claimed it meanwhile; otherwise it is left for its lease to run out. (Half the lease
/// where the lease is shorter: only tests shorten it, with a fast local SMTP server.)
pub const LEASE_MARGIN: Duration = Duration::from_secs(60);

/// The pause before attempt `attempts + 1`: `initial × 2^(attempts-1)`, at most `max`.
pub fn backoff(s: &SenderSettings, attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    s.initial_backoff.saturating_mul(2u32.saturating_pow(exp)).min(s.max_backoff)
}

/// Sends what is due once; returns how many messages were sent.
pub async fn send_due(
    storage: &Arc<dyn Storage>,
    mailer: &SmtpMailer,
    s: &SenderSettings,
) -> crate::domain::DomainResult<usize> {
    let now = domain::now();
    let claim = format!("cl_{}", domain::hex(&domain::random_bytes::<8>()));
    let lease_until = Timestamp(now.0 + i64::try_from(s.lease.as_secs()).unwrap_or(300));
    let claimed = storage.claim_outbox(now, lease_until, s.batch, &claim).await?;
    let results = futures_util::stream::iter(claimed)
        .map(|(message, attempts)| {
            let claim = claim.clone();
            async move {
                let margin = i64::try_from(LEASE_MARGIN.min(s.lease / 2).as_secs()).unwrap_or(60);
                if domain::now().0 + margin >= lease_until.0 {
                    tracing::info!(message = %message.id, "lease nearly over before sending; left for the next claim");
                    return false;
                }
                let outcome = mailer.deliver(&message).await;
                let now = domain::now();
                let attempts = attempts + 1;
                let stored = match &outcome {
                    Ok(()) => storage.outbox_sent(&message.id, &claim, now).await,
                    Err(e) => {
                        let next = Timestamp(now.0 + i64::try_from(backoff(s, attempts).as_secs()).unwrap_or(3600));
                        tracing::warn!(message = %message.id, kind = message.kind.as_str(), attempts, permanent = e.permanent, error = %e.message, "sending an e-mail failed");
                        storage.outbox_failed(&message.id, &claim, next, &e.message, e.permanent).await
                    }
                };
                if let Err(e) = stored {
                    tracing::warn!(message = %message.id, error = %e, "recording an e-mail's delivery failed; its lease runs out and it is sent again");
                }
                outcome.is_ok()
            }
        })
        .buffer_unordered(s.concurrency.max(1))
        .collect::<Vec<bool>>()
        .await;
    Ok(results.into_iter().filter(|ok| *ok).count())
}

/// Runs the sender until the task is dropped.
pub async fn run(storage: Arc<dyn Storage>, mailer: SmtpMailer, s: SenderSettings) {
    loop {
        match send_due(&storage, &mailer, &s).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reading the outbox failed; retrying"),
        }
        tokio::time::sleep(s.poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let s = SenderSettings {
            initial_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            ..Default::default()
        };
        assert_eq!(backoff(&s, 1), Duration::from_secs(30));
        assert_eq!(backoff(&s, 2), Duration::from_secs(60));
        assert_eq!(backoff(&s, 4), Duration::from_secs(240));
        assert_eq!(backoff(&s, 20), Duration::from_secs(3600));
    }
}
