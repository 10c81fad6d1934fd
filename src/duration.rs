//! Prometheus durations (`1m`, `1h30m`, `7d`), as its `model.ParseDuration` accepts them.

use std::sync::LazyLock;

use regex::Regex;

static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
        .expect("static regex")
});

const UNIT_MS: [i64; 7] = [
    365 * 24 * 3_600_000,
    7 * 24 * 3_600_000,
    24 * 3_600_000,
    3_600_000,
    60_000,
    1_000,
    1,
];

/// Parses a duration into milliseconds, with Prometheus' error wording.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    match s {
        "" => return Err("empty duration string".to_string()),
        "0" => return Ok(0),
        _ => {}
    }
    let caps = DURATION
        .captures(s)
        .ok_or_else(|| format!("not a valid duration string: {s:?}"))?;
    let mut total: i64 = 0;
    for (i, unit) in UNIT_MS.iter().enumerate() {
        if let Some(m) = caps.get(i + 1) {
            let n: i64 = m
                .as_str()
                .parse()
                .map_err(|_| format!("duration out of range: {s:?}"))?;
            total = n
                .checked_mul(*unit)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| format!("duration out of range: {s:?}"))?;
        }
    }
    Ok(total)
}

/// Formats milliseconds the way Prometheus prints durations (`1h30m`, `0s`).
pub fn format_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    let mut rest = ms;
    if rest < 0 {
        out.push('-');
        rest = -rest;
    }
    for (unit, suffix) in UNIT_MS.iter().zip(["y", "w", "d", "h", "m", "s", "ms"]) {
        let n = rest / unit;
        if n > 0 {
            out.push_str(&format!("{n}{suffix}"));
            rest -= n * unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prometheus_durations() {
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("1m"), Ok(60_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("1w2d"), Ok(9 * 86_400_000));
        assert_eq!(parse_duration("1y"), Ok(365 * 86_400_000));
        assert_eq!(parse_duration("250ms"), Ok(250));
    }

    #[test]
    fn rejects_what_prometheus_rejects() {
        for bad in ["", "5", "1.5m", "m", "1m1h", "-1m", "1 m", "1M"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_duration("99999999999999999999y").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for s in ["0s", "1m", "1h30m", "1d", "5m30s", "100ms"] {
            assert_eq!(format_duration(parse_duration(s).expect("valid")), s);
        }
    }
}
