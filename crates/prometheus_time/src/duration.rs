//! Prometheus durations (`1m`, `1h30m`, `7d`), as its `model.ParseDuration` accepts them.

const UNITS: [(&str, i64); 7] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Why a duration did not parse; callers word it (rules quote like Rust, templates like Go).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationError {
    Empty,
    Invalid,
    OutOfRange,
}

/// Parses a duration into milliseconds: whole numbers with units, each unit at most once and
/// largest first (Prometheus' `model.ParseDuration`). Hand-written rather than a regex: it
/// runs for every `for:` of every rule.
pub fn parse_duration_ms(s: &str) -> Result<i64, DurationError> {
    match s {
        "" => return Err(DurationError::Empty),
        "0" => return Ok(0),
        _ => {}
    }
    let mut rest = s;
    let mut next_unit = 0;
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(DurationError::Invalid);
        }
        let n: i64 = rest[..digits]
            .parse()
            .map_err(|_| DurationError::OutOfRange)?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let index = UNITS[next_unit..]
            .iter()
            .position(|(name, _)| *name == unit)
            .map(|i| i + next_unit)
            .ok_or(DurationError::Invalid)?;
        next_unit = index + 1;
        total = n
            .checked_mul(UNITS[index].1)
            .and_then(|v| total.checked_add(v))
            .ok_or(DurationError::OutOfRange)?;
    }
    Ok(total)
}

/// A duration that did not parse, with the text: displayed in Prometheus' wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDuration {
    pub text: String,
    pub kind: DurationError,
}

impl std::fmt::Display for InvalidDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.text;
        match self.kind {
            DurationError::Empty => write!(f, "empty duration string"),
            DurationError::Invalid => write!(f, "not a valid duration string: {s:?}"),
            DurationError::OutOfRange => write!(f, "duration out of range: {s:?}"),
        }
    }
}

impl std::error::Error for InvalidDuration {}

/// [`parse_duration_ms`] for rule files and config: the error says what was written.
pub fn parse_duration(s: &str) -> Result<i64, InvalidDuration> {
    parse_duration_ms(s).map_err(|kind| InvalidDuration {
        text: s.to_string(),
        kind,
    })
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
    for (suffix, unit) in UNITS {
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
        for bad in [
            "", "5", "1.5m", "m", "1m1h", "-1m", "1 m", "1M", "1m1m", "1ms1s", "1h ", "1x",
        ] {
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
