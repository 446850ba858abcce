//! The retry schedule: pure, so its arithmetic is tested without a clock or a network.

use std::time::Duration;

/// Delays between attempts. Attempt 1 is immediate; after failed attempt `n` the next is
/// due `delays[n-1]` later, scaled by a random factor in `1 ± jitter` so a fleet of
/// devices coming back online does not hammer a receiver in lockstep. When the delays are
/// used up the delivery is `failed`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    pub delays: Vec<Duration>,
    /// Fraction in `0.0..1.0`; 0.2 is ±20 %.
    pub jitter: f64,
}

impl Default for RetrySchedule {
    /// 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, then 12 h five times:
    /// 15 attempts spanning about 3.2 days, so a receiver down over a weekend still gets
    /// everything.
    fn default() -> Self {
        let s = Duration::from_secs;
        let mut delays = vec![
            s(5),
            s(30),
            s(120),
            s(600),
            s(1800),
            s(3600),
            s(2 * 3600),
            s(4 * 3600),
            s(8 * 3600),
        ];
        delays.extend(std::iter::repeat_n(s(12 * 3600), 5));
        Self {
            delays,
            jitter: 0.2,
        }
    }
}

impl RetrySchedule {
    /// Parses `5s,30s,2m,1h,250ms` (a bare number is milliseconds).
    pub fn parse(text: &str, jitter: f64) -> Result<Self, String> {
        let delays = text
            .split(',')
            .map(|part| parse_duration(part.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        if !(0.0..1.0).contains(&jitter) {
            return Err(format!("jitter {jitter} must be in 0.0..1.0"));
        }
        Ok(Self { delays, jitter })
    }

    /// Total span without jitter: the time a delivery keeps trying.
    pub fn span(&self) -> Duration {
        self.delays.iter().sum()
    }

    /// The delay after the `failed_attempts`-th failure (1-based), or `None` when the
    /// schedule is exhausted. `unit` is a random number in `0.0..1.0`.
    pub fn delay_after(&self, failed_attempts: u32, unit: f64) -> Option<Duration> {
        let base = *self.delays.get(failed_attempts.checked_sub(1)? as usize)?;
        let factor = 1.0 + self.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        Some(base.mul_f64(factor.max(0.0)))
    }
}

/// `250ms`, `5s`, `2m`, `1h`, `3d`; a bare number is milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("bad duration {text:?} (e.g. 250ms, 5s, 2m, 1h)"))?;
    let secs = match unit {
        "" | "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return Err(format!("bad duration unit in {text:?} (ms, s, m, h, d)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("bad duration {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_spans_about_three_days() {
        let s = RetrySchedule::default();
        let days = s.span().as_secs_f64() / 86400.0;
        assert!((2.9..3.5).contains(&days), "{days}");
        assert_eq!(s.delay_after(0, 0.5), None);
        assert_eq!(s.delay_after(1, 0.5), Some(Duration::from_secs(5)));
        assert_eq!(s.delay_after(15, 0.5), None);
        let lo = s.delay_after(2, 0.0).unwrap();
        let hi = s.delay_after(2, 1.0).unwrap();
        assert_eq!((lo.as_secs(), hi.as_secs()), (24, 36));
    }

    #[test]
    fn parses_units() {
        let s = RetrySchedule::parse("250ms,5s,2m,1h,10", 0.0).unwrap();
        assert_eq!(s.delays[0], Duration::from_millis(250));
        assert_eq!(s.delays[2], Duration::from_secs(120));
        assert_eq!(s.delays[4], Duration::from_millis(10));
        assert!(RetrySchedule::parse("5x", 0.0).is_err());
    }
}
