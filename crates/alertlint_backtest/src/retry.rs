//! How long to wait before retrying: exponential backoff with jitter, or the server's
//! `Retry-After`.

use std::time::{Duration, SystemTime};

/// The delay before retry number `retry` (1 for the first): `base × 2^(retry-1)`, at most
/// `cap`, of which a random part between half and all is slept ("equal jitter"), so that
/// clients that failed together do not come back together, yet each waits a while.
pub(crate) fn backoff(retry: u32, base: Duration, cap: Duration) -> Duration {
    let doublings = retry.saturating_sub(1).min(31);
    let full = base.saturating_mul(1 << doublings).min(cap);
    let half = full / 2;
    let jitter_nanos = fastrand::u64(0..=duration_nanos(full.saturating_sub(half)));
    half + Duration::from_nanos(jitter_nanos)
}

fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A `Retry-After` header's delay: whole seconds, or an HTTP date (IMF-fixdate, `Sun, 06 Nov
/// 1994 08:49:37 GMT`, the form servers must send) less `now`, at least zero. `None` when the
/// value is neither.
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // An absurd number of seconds is still a long time: saturate rather than ignore it.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = http_date_seconds(value)?;
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// An IMF-fixdate as Unix seconds; `None` for anything else, or a date before 1970.
fn http_date_seconds(value: &str) -> Option<u64> {
    let mut fields = value.split_ascii_whitespace();
    let weekday = fields.next()?;
    let day: u32 = fields.next()?.parse().ok()?;
    let month = fields.next()?;
    let year: i64 = fields.next()?.parse().ok()?;
    let time = fields.next()?;
    if fields.next()? != "GMT" || fields.next().is_some() || !weekday.ends_with(',') {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let mut hms = time.split(':').map(|f| f.parse::<u64>().ok());
    let (hours, minutes, seconds) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || hours > 23 || minutes > 59 || seconds > 60 {
        return None;
    }
    if !(1..=31).contains(&day) || !(1970..=9999).contains(&year) {
        return None;
    }
    let days = prometheus_time::calendar::days_from_civil(year, month, day);
    let days = u64::try_from(days).ok()?;
    Some(days * 86_400 + hours * 3600 + minutes * 60 + seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        for _ in 0..50 {
            let first = backoff(1, base, cap);
            assert!(
                first >= Duration::from_millis(50) && first <= base,
                "{first:?}"
            );
            let third = backoff(3, base, cap);
            assert!(
                third >= Duration::from_millis(200) && third <= Duration::from_millis(400),
                "{third:?}"
            );
            let late = backoff(40, base, cap);
            assert!(late >= cap / 2 && late <= cap, "{late:?}");
        }
        assert_eq!(
            backoff(1, Duration::ZERO, Duration::from_secs(1)),
            Duration::ZERO
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        // `now` is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        // A date already past means: retry now.
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
        ] {
            assert_eq!(retry_after(bad, now), None, "{bad:?}");
        }
    }
}
