//! Online/offline detection and retry pacing, kept apart from I/O so it is tested alone.
//!
//! "Online" is a judgement from recent requests, not a ping: a device is offline after
//! [`HealthPolicy::failures_to_offline`] consecutive transport failures or 5xx answers, or
//! when the smoothed latency of successful requests exceeds
//! [`HealthPolicy::slow_latency`] (a link that answers in ten seconds is no use to a door
//! that wants its readings shared now). One success on a fast link brings it back. The
//! operator can force either mode; forcing overrides the judgement, never the facts shown.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The operator's choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForcedMode {
    /// Judge from recent requests.
    #[default]
    Auto,
    /// Always try, retrying at the base delay (e.g. the operator knows the network is back).
    Online,
    /// Never touch the network (e.g. a metered or untrusted link).
    Offline,
}

/// Thresholds of the judgement and of retry pacing.
#[derive(Debug, Clone, Copy)]
pub struct HealthPolicy {
    pub failures_to_offline: u32,
    pub slow_latency: Duration,
    /// First retry delay after a failure; doubles per consecutive failure.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        Self {
            failures_to_offline: 2,
            slow_latency: Duration::from_secs(5),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    consecutive_failures: u32,
    /// Exponentially weighted latency of successful requests, in milliseconds.
    latency_ms: Option<f64>,
    /// Whether any request has completed yet (before that the device is "unknown" and
    /// judged online so the first sync is attempted at once).
    seen: bool,
}

/// Shared tracker of recent request outcomes. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Health {
    state: Arc<Mutex<State>>,
    policy: HealthPolicy,
}

impl Health {
    pub fn new(policy: HealthPolicy) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::default())),
            policy,
        }
    }

    pub fn policy(&self) -> HealthPolicy {
        self.policy
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        // A poisoned lock only means another thread panicked mid-update of two counters;
        // the counters are still meaningful.
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    pub fn success(&self, latency: Duration) {
        let ms = latency.as_secs_f64() * 1000.0;
        self.with(|s| {
            s.seen = true;
            s.consecutive_failures = 0;
            s.latency_ms = Some(match s.latency_ms {
                // A single fast answer after a slow spell counts for half: one lucky
                // request should not flip the judgement back and forth.
                Some(prev) => prev * 0.5 + ms * 0.5,
                None => ms,
            });
        });
    }

    pub fn failure(&self) {
        self.with(|s| {
            s.seen = true;
            s.consecutive_failures = s.consecutive_failures.saturating_add(1);
        });
    }

    pub fn consecutive_failures(&self) -> u32 {
        self.with(|s| s.consecutive_failures)
    }

    /// The automatic judgement (ignores any forced mode).
    pub fn judged_online(&self) -> bool {
        let policy = self.policy;
        self.with(|s| {
            if !s.seen {
                return true;
            }
            s.consecutive_failures < policy.failures_to_offline
                && s.latency_ms
                    .is_none_or(|ms| ms <= policy.slow_latency.as_secs_f64() * 1000.0)
        })
    }

    /// The delay before the next attempt after `failures` consecutive failed cycles:
    /// exponential from the base, capped, with "full jitter" in [delay/2, delay] so a room
    /// of doors coming back at once does not hit the upstream in lockstep.
    pub fn backoff(&self, failures: u32, forced: ForcedMode) -> Duration {
        backoff(self.policy, failures, forced, jitter_unit())
    }
}

/// Pure backoff: `unit` in [0, 1) supplies the jitter.
pub fn backoff(policy: HealthPolicy, failures: u32, forced: ForcedMode, unit: f64) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let exp = failures.saturating_sub(1).min(20);
    let raw = policy.backoff_base.saturating_mul(1u32 << exp);
    let cap = match forced {
        ForcedMode::Online => policy.backoff_base.max(Duration::from_secs(2)),
        _ => policy.backoff_max,
    };
    let delay = raw.min(cap);
    delay.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
}

/// A random number in [0, 1) from the OS-seeded UUID generator (no extra dependency).
fn jitter_unit() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() as u64 >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_then_success_flip_the_judgement() {
        let h = Health::new(HealthPolicy::default());
        assert!(h.judged_online(), "unknown counts as online");
        h.failure();
        assert!(h.judged_online(), "one failure is not an outage");
        h.failure();
        assert!(!h.judged_online());
        h.success(Duration::from_millis(20));
        assert!(h.judged_online());
    }

    #[test]
    fn a_slow_link_counts_as_offline() {
        let h = Health::new(HealthPolicy::default());
        h.success(Duration::from_secs(12));
        assert!(!h.judged_online());
        h.success(Duration::from_millis(10));
        h.success(Duration::from_millis(10));
        assert!(h.judged_online());
    }

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let p = HealthPolicy::default();
        assert_eq!(backoff(p, 0, ForcedMode::Auto, 0.3), Duration::ZERO);
        assert_eq!(backoff(p, 1, ForcedMode::Auto, 1.0), p.backoff_base);
        assert_eq!(backoff(p, 3, ForcedMode::Auto, 1.0), p.backoff_base * 4);
        assert_eq!(backoff(p, 3, ForcedMode::Auto, 0.0), p.backoff_base * 2);
        assert_eq!(backoff(p, 40, ForcedMode::Auto, 1.0), p.backoff_max);
        assert!(backoff(p, 40, ForcedMode::Online, 1.0) <= Duration::from_secs(2));
    }
}
