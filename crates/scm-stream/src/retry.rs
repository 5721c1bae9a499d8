//! Retry delays: exponential backoff with full jitter.

use std::time::Duration;

use rand::Rng;

/// Delay before attempt `n + 1` after attempt `n` failed:
/// `min(max, initial * multiplier^(n-1))`, then scaled by a random factor
/// in `[1 - jitter, 1]` so that deliveries that failed together (a
/// listener's outage) do not all retry in the same instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub initial: Duration,
    pub max: Duration,
    pub multiplier: f64,
    /// 0.0 (no jitter) to 1.0 (full jitter).
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(300),
            multiplier: 2.0,
            jitter: 0.5,
        }
    }
}

impl RetryPolicy {
    /// The un-jittered delay after failed attempt `attempt` (1-based).
    pub fn base_delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(63) as i32;
        let secs = self.initial.as_secs_f64() * self.multiplier.max(1.0).powi(exponent);
        Duration::from_secs_f64(secs.min(self.max.as_secs_f64()))
    }

    pub fn delay(&self, attempt: u32) -> Duration {
        let base = self.base_delay(attempt);
        let jitter = self.jitter.clamp(0.0, 1.0);
        if jitter == 0.0 {
            return base;
        }
        let factor = rand::rng().random_range((1.0 - jitter)..=1.0);
        base.mul_f64(factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_up_to_the_cap_with_bounded_jitter() {
        let policy = RetryPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
            multiplier: 2.0,
            jitter: 0.5,
        };
        assert_eq!(policy.base_delay(1), Duration::from_millis(100));
        assert_eq!(policy.base_delay(2), Duration::from_millis(200));
        assert_eq!(policy.base_delay(4), Duration::from_millis(800));
        assert_eq!(policy.base_delay(5), Duration::from_secs(1));
        assert_eq!(policy.base_delay(500), Duration::from_secs(1));
        for attempt in 1..8 {
            let delay = policy.delay(attempt);
            let base = policy.base_delay(attempt);
            assert!(delay <= base && delay >= base / 2, "{delay:?} vs {base:?}");
        }
    }
}
