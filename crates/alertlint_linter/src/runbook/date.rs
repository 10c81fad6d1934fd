//! Calendar dates for `Last updated`, without a date library: days since 1970-01-01.

use prometheus_time::calendar::{civil_from_days, days_from_civil};

/// Reads a `YYYY-MM-DD` date at the start of `s` (anything after it, such as a time or
/// "by alice", is ignored). `None` unless it is a real calendar date.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.get(10).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let y = num(0..4)?;
    let m = u32::try_from(num(5..7)?).ok()?;
    let d = u32::try_from(num(8..10)?).ok()?;
    // A day that does not exist (Feb 30, month 13) comes back as another date.
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

/// Today, as days since the epoch: `ALERTLINT_TODAY` (`YYYY-MM-DD`, for reproducible runs and
/// tests) or the system clock.
pub fn today() -> i64 {
    if let Some(d) = std::env::var("ALERTLINT_TODAY")
        .ok()
        .and_then(|v| parse_date(&v))
    {
        return d;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() / 86_400) as i64)
}

/// `YYYY-MM-DD` of a day number.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-11-24 by alice"), Some(20_781));
        assert_eq!(format_date(20_781), "2026-11-24");
        assert_eq!(
            parse_date("2024-02-29"),
            parse_date("2024-02-28").map(|d| d + 1)
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2026-1-1"), None);
        assert_eq!(parse_date("2026-01-011"), None);
    }
}
