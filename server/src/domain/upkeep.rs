//! Upkeep the server does by itself: idempotency records expire.
//!
//! A key replays its first answer for the configured time (default 24 h: long enough
//! for any retry of a donor's browser or a proxy). After that the record only costs
//! space, so it is deleted, in batches small enough that a pledge never waits long
//! behind the delete.

use super::{Cofund, DomainResult};
use cofund_core::Timestamp;
use std::time::Duration;

/// Records deleted per transaction.
pub const SWEEP_BATCH: u32 = 500;
/// Pause between batches, so queued pledge writes go first.
const BETWEEN_BATCHES: Duration = Duration::from_millis(20);

impl Cofund {
    /// Deletes every idempotency record older than `ttl` at `now`, one small batch per
    /// transaction; returns how many were deleted.
    pub async fn sweep_expired_idempotency_keys(&self, ttl: Duration, now: Timestamp) -> DomainResult<u64> {
        let ttl_secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let created_before = Timestamp(now.0.saturating_sub(ttl_secs));
        let mut total = 0;
        loop {
            let deleted = self.storage().delete_expired_idempotency_keys(created_before, SWEEP_BATCH).await?;
            total += deleted;
            if deleted < u64::from(SWEEP_BATCH) {
                return Ok(total);
            }
            tokio::time::sleep(BETWEEN_BATCHES).await;
        }
    }
}
