//! Limits the server enforces, and the per-token request rate limiter.
//!
//! Every limit breached is answered with an [`ApiError`](doorstep_protocol::ApiError)
//! whose code the phone can show in Chinese: `payload_too_large`, `chunk_too_large`,
//! `blob_too_large`, `too_many_ops`, `too_many_photos`, `rate_limited`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use doorstep_protocol as p;

/// The numbers; `Default` gives protocol v1's constants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest JSON request body in bytes.
    pub max_request_bytes: usize,
    /// Largest blob chunk in bytes.
    pub max_chunk_bytes: usize,
    /// Largest blob in bytes.
    pub max_blob_bytes: u64,
    /// Most operations in one push.
    pub max_ops_per_push: usize,
    /// Most photos in one visit.
    pub max_photos_per_visit: usize,
    /// Requests one token may make in a minute.
    pub requests_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_request_bytes: p::MAX_REQUEST_BYTES,
            max_chunk_bytes: p::MAX_CHUNK_BYTES,
            max_blob_bytes: p::MAX_BLOB_BYTES,
            max_ops_per_push: p::MAX_OPS_PER_PUSH,
            max_photos_per_visit: p::MAX_PHOTOS_PER_VISIT,
            requests_per_minute: p::MAX_REQUESTS_PER_MINUTE,
        }
    }
}

const WINDOW: Duration = Duration::from_secs(60);
/// Past this many tracked tokens, windows that ended are dropped.
const PRUNE_ABOVE: usize = 10_000;

struct Window {
    start: Instant,
    count: u32,
}

/// Counts requests per token in fixed one-minute windows.
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<[u8; 32], Window>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` requests per token and minute.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request for `token_hash`. `Err(seconds)` when the token is
    /// over its limit: the seconds until its window ends (at least 1).
    pub fn check(&self, token_hash: &[u8; 32]) -> Result<(), u64> {
        let now = Instant::now();
        // A poisoned lock only means another request panicked mid-count; the map is still usable.
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, w| now.duration_since(w.start) < WINDOW);
        }
        let w = windows.entry(*token_hash).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.duration_since(w.start) >= WINDOW {
            w.start = now;
            w.count = 0;
        }
        if w.count >= self.per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(w.start));
            return Err(left.as_secs().max(1));
        }
        w.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_past_the_limit_is_refused_with_a_wait() {
        let limiter = RateLimiter::new(3);
        let a = [1u8; 32];
        let b = [2u8; 32];
        for _ in 0..3 {
            assert_eq!(limiter.check(&a), Ok(()));
        }
        let wait = limiter
            .check(&a)
            .expect_err("fourth request is over the limit");
        assert!((1..=60).contains(&wait));
        assert_eq!(
            limiter.check(&b),
            Ok(()),
            "another token has its own window"
        );
    }
}
