//! The slice of Go's `time` package that Prometheus templates can reach:
//! `time.Time` (UTC only, from `toTime`) and `time.Duration` (from
//! `toDuration`), their `String` forms and the methods templates call on them.
//!
//! The template engine has no native time type, so a time travels through a
//! template as its Go `String()` text and is parsed back when a method is
//! called on it; that keeps `{{ toTime 0 }}` printing exactly what Go prints.

use std::fmt::Write;

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// A UTC instant with nanosecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GoTime {
    /// Nanoseconds since the Unix epoch.
    pub unix_nanos: i128,
}

use prometheus_time::calendar::{civil_from_days, day_of_year, days_from_civil};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nanos: u32,
    weekday: usize,
    yday: u32,
}

impl GoTime {
    fn parts(self) -> Parts {
        let secs = self.unix_nanos.div_euclid(NANOS_PER_SEC);
        let nanos = self.unix_nanos.rem_euclid(NANOS_PER_SEC) as u32;
        let days = secs.div_euclid(86_400) as i64;
        let sod = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let yday = day_of_year(year, days) as u32;
        Parts {
            year,
            month,
            day,
            hour: sod / 3600,
            min: sod / 60 % 60,
            sec: sod % 60,
            nanos,
            weekday: prometheus_time::calendar::weekday(days) as usize,
            yday,
        }
    }

    /// Go's `Time.String()` for a UTC time:
    /// `2006-01-02 15:04:05.999999999 +0000 UTC`.
    pub(crate) fn to_go_string(self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }

    /// Parses the output of [`GoTime::to_go_string`].
    pub(crate) fn parse_go_string(s: &str) -> Option<GoTime> {
        let rest = s.strip_suffix(" +0000 UTC")?;
        let (date, clock) = rest.split_once(' ')?;
        let (neg, date_body) = match date.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, date),
        };
        let mut d = date_body.splitn(3, '-');
        let y: i64 = d.next()?.parse().ok()?;
        let year = if neg { -y } else { y };
        let month: u32 = d.next()?.parse().ok()?;
        let day: u32 = d.next()?.parse().ok()?;
        let (hms, frac) = match clock.split_once('.') {
            Some((a, b)) => (a, b),
            None => (clock, ""),
        };
        let mut c = hms.splitn(3, ':');
        let hour: i128 = c.next()?.parse().ok()?;
        let min: i128 = c.next()?.parse().ok()?;
        let sec: i128 = c.next()?.parse().ok()?;
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || frac.len() > 9 {
            return None;
        }
        let mut nanos: i128 = 0;
        for (i, b) in frac.bytes().enumerate() {
            if !b.is_ascii_digit() {
                return None;
            }
            nanos += i128::from(b - b'0') * 10i128.pow(8 - i as u32);
        }
        let days = i128::from(days_from_civil(year, month, day));
        Some(GoTime {
            unix_nanos: ((days * 86_400 + hour * 3600 + min * 60 + sec) * NANOS_PER_SEC) + nanos,
        })
    }

    pub(crate) fn unix(self) -> i64 {
        self.unix_nanos.div_euclid(NANOS_PER_SEC) as i64
    }

    /// Go's `Time.Format` for the layout elements Go documents, in UTC.
    pub(crate) fn format(self, layout: &str) -> String {
        let p = self.parts();
        let mut out = String::new();
        let mut rest = layout;
        // Longest tokens first so that e.g. "January" wins over "Jan".
        const TOKENS: &[&str] = &[
            "January",
            "Monday",
            "-07:00:00",
            "Z07:00:00",
            "-0700",
            "-07:00",
            "Z0700",
            "Z07:00",
            "2006",
            "Jan",
            "Mon",
            "MST",
            "002",
            "__2",
            "_2",
            "-07",
            "Z07",
            "01",
            "02",
            "03",
            "04",
            "05",
            "06",
            "15",
            "PM",
            "pm",
            "1",
            "2",
            "3",
            "4",
            "5",
        ];
        'outer: while !rest.is_empty() {
            // Fractional seconds: ".000", ",999" etc., only when not followed by a digit.
            if let Some(first) = rest.chars().next()
                && (first == '.' || first == ',')
            {
                let tail = &rest[1..];
                let zeros = tail.bytes().take_while(|&b| b == b'0').count();
                let nines = tail.bytes().take_while(|&b| b == b'9').count();
                let n = zeros.max(nines);
                if n > 0 && !tail[n..].starts_with(|c: char| c.is_ascii_digit()) {
                    let n = n.min(9);
                    let frac = format!("{:09}", p.nanos);
                    let digits = &frac[..n];
                    if zeros > 0 {
                        out.push(first);
                        out.push_str(digits);
                    } else {
                        let trimmed = digits.trim_end_matches('0');
                        if !trimmed.is_empty() {
                            out.push(first);
                            out.push_str(trimmed);
                        }
                    }
                    rest = &tail[zeros.max(nines)..];
                    continue;
                }
            }
            for tok in TOKENS {
                if let Some(after) = rest.strip_prefix(tok) {
                    // Go only treats "Jan"/"Mon" as tokens when not followed by
                    // a lowercase letter ("Month" stays literal).
                    if (*tok == "Jan" || *tok == "Mon")
                        && after.starts_with(|c: char| c.is_ascii_lowercase())
                    {
                        continue;
                    }
                    let h12 = if p.hour.is_multiple_of(12) {
                        12
                    } else {
                        p.hour % 12
                    };
                    match *tok {
                        "January" => out.push_str(MONTHS[(p.month - 1) as usize]),
                        "Jan" => out.push_str(&MONTHS[(p.month - 1) as usize][..3]),
                        "Monday" => out.push_str(WEEKDAYS[p.weekday]),
                        "Mon" => out.push_str(&WEEKDAYS[p.weekday][..3]),
                        "MST" => out.push_str("UTC"),
                        "-0700" => out.push_str("+0000"),
                        "-07:00" => out.push_str("+00:00"),
                        "-07" => out.push_str("+00"),
                        "-07:00:00" => out.push_str("+00:00:00"),
                        "Z0700" | "Z07:00" | "Z07" | "Z07:00:00" => out.push('Z'),
                        "2006" => {
                            let _ = write!(out, "{:04}", p.year);
                        }
                        "06" => {
                            let _ = write!(out, "{:02}", p.year.rem_euclid(100));
                        }
                        "01" => {
                            let _ = write!(out, "{:02}", p.month);
                        }
                        "1" => {
                            let _ = write!(out, "{}", p.month);
                        }
                        "02" => {
                            let _ = write!(out, "{:02}", p.day);
                        }
                        "_2" => {
                            let _ = write!(out, "{:>2}", p.day);
                        }
                        "2" => {
                            let _ = write!(out, "{}", p.day);
                        }
                        "002" => {
                            let _ = write!(out, "{:03}", p.yday);
                        }
                        "__2" => {
                            let _ = write!(out, "{:>3}", p.yday);
                        }
                        "15" => {
                            let _ = write!(out, "{:02}", p.hour);
                        }
                        "03" => {
                            let _ = write!(out, "{h12:02}");
                        }
                        "3" => {
                            let _ = write!(out, "{h12}");
                        }
                        "04" => {
                            let _ = write!(out, "{:02}", p.min);
                        }
                        "4" => {
                            let _ = write!(out, "{}", p.min);
                        }
                        "05" => {
                            let _ = write!(out, "{:02}", p.sec);
                        }
                        "5" => {
                            let _ = write!(out, "{}", p.sec);
                        }
                        "PM" => out.push_str(if p.hour >= 12 { "PM" } else { "AM" }),
                        "pm" => out.push_str(if p.hour >= 12 { "pm" } else { "am" }),
                        _ => out.push_str(tok),
                    }
                    rest = after;
                    continue 'outer;
                }
            }
            if let Some(c) = rest.chars().next() {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    }

    /// Value of a zero-argument `time.Time` method, rendered as a template value.
    pub(crate) fn method0(self, name: &str) -> Option<gotmpl::Value> {
        use gotmpl::Value;
        let p = self.parts();
        let n = self.unix_nanos;
        Some(match name {
            "Unix" => Value::Int(self.unix()),
            "UnixMilli" => Value::Int(n.div_euclid(1_000_000) as i64),
            "UnixMicro" => Value::Int(n.div_euclid(1_000) as i64),
            "UnixNano" => Value::Int(n as i64),
            "Year" => Value::Int(p.year),
            "Month" => Value::String(MONTHS[(p.month - 1) as usize].into()),
            "Day" => Value::Int(i64::from(p.day)),
            "Hour" => Value::Int(i64::from(p.hour)),
            "Minute" => Value::Int(i64::from(p.min)),
            "Second" => Value::Int(i64::from(p.sec)),
            "Nanosecond" => Value::Int(i64::from(p.nanos)),
            "YearDay" => Value::Int(i64::from(p.yday)),
            "Weekday" => Value::String(WEEKDAYS[p.weekday].into()),
            "UTC" | "Local" | "Round" | "Truncate" => Value::String(self.to_go_string().into()),
            "String" => Value::String(self.to_go_string().into()),
            "IsZero" => Value::Bool(false),
            _ => return None,
        })
    }
}

/// Go's `time.Duration.String()`.
pub(crate) fn duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".to_string();
    }
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    fn frac(u: u64, prec: u32) -> (String, u64) {
        let p = 10u64.pow(prec);
        let f = u % p;
        if f == 0 {
            return (String::new(), u / p);
        }
        let s = format!("{:0width$}", f, width = prec as usize);
        (format!(".{}", s.trim_end_matches('0')), u / p)
    }
    if u < 1_000_000_000 {
        let (unit, prec) = if u < 1_000 {
            ("ns", 0)
        } else if u < 1_000_000 {
            ("µs", 3)
        } else {
            ("ms", 6)
        };
        let (f, whole) = frac(u, prec);
        let _ = write!(out, "{whole}{f}{unit}");
    } else {
        let (f, whole) = frac(u, 9);
        u = whole;
        let secs = format!("{}{f}s", u % 60);
        u /= 60;
        if u > 0 {
            let mins = u % 60;
            u /= 60;
            if u > 0 {
                let _ = write!(out, "{u}h");
            }
            let _ = write!(out, "{mins}m");
        }
        out.push_str(&secs);
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Parses the output of [`duration_string`] (Go's `time.ParseDuration` grammar).
pub(crate) fn parse_duration_string(s: &str) -> Option<i64> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int: i128 = if int_len == 0 {
            0
        } else {
            rest[..int_len].parse().ok()?
        };
        rest = &rest[int_len..];
        let mut frac_digits = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_digits = &r[..n];
            rest = &r[n..];
        }
        if int_len == 0 && frac_digits.is_empty() {
            return None;
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let mult: i128 = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        let mut frac_val: i128 = 0;
        let mut scale: i128 = 1;
        for b in frac_digits.bytes().take(18) {
            frac_val = frac_val * 10 + i128::from(b - b'0');
            scale *= 10;
        }
        total = total.checked_add(int.checked_mul(mult)? + frac_val * mult / scale)?;
    }
    let total = if neg { -total } else { total };
    i64::try_from(total).ok()
}

/// Value of a zero-argument `time.Duration` method.
pub(crate) fn duration_method0(d: i64, name: &str) -> Option<gotmpl::Value> {
    use gotmpl::Value;
    let f = d as f64;
    Some(match name {
        "Seconds" => Value::Float(f / 1e9),
        "Minutes" => Value::Float(f / 6e10),
        "Hours" => Value::Float(f / 3.6e12),
        "Milliseconds" => Value::Int(d / 1_000_000),
        "Microseconds" => Value::Int(d / 1_000),
        "Nanoseconds" => Value::Int(d),
        "String" => Value::String(duration_string(d).into()),
        "Abs" => Value::String(duration_string(d.checked_abs().unwrap_or(i64::MAX)).into()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i128, nanos: i128) -> GoTime {
        GoTime {
            unix_nanos: secs * NANOS_PER_SEC + nanos,
        }
    }

    #[test]
    fn time_string_like_go() {
        assert_eq!(t(0, 0).to_go_string(), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(t(-1, 0).to_go_string(), "1969-12-31 23:59:59 +0000 UTC");
        assert_eq!(
            t(1_435_065_584, 128_000_000).to_go_string(),
            "2015-06-23 13:19:44.128 +0000 UTC"
        );
        assert_eq!(
            t(9_223_372_036, 0).to_go_string(),
            "2262-04-11 23:47:16 +0000 UTC"
        );
        for tm in [
            t(0, 0),
            t(-1, 5),
            t(1_435_065_584, 128_000_000),
            t(-5_000_000_000, 0),
        ] {
            assert_eq!(GoTime::parse_go_string(&tm.to_go_string()), Some(tm));
        }
    }

    #[test]
    fn time_format_layouts() {
        let tm = t(1_657_155_181, 0); // 2022-07-07 00:53:01 UTC, a Thursday
        assert_eq!(tm.format("2006"), "2022");
        assert_eq!(
            tm.format("Mon Jan _2 15:04:05 MST 2006"),
            "Thu Jul  7 00:53:01 UTC 2022"
        );
        assert_eq!(
            tm.format("2006-01-02T15:04:05Z07:00"),
            "2022-07-07T00:53:01Z"
        );
        assert_eq!(
            tm.format("3:04PM Monday, January 2"),
            "12:53AM Thursday, July 7"
        );
        assert_eq!(tm.format("Month .000"), "Month .000");
    }

    #[test]
    fn duration_string_like_go() {
        assert_eq!(duration_string(0), "0s");
        assert_eq!(duration_string(1_500_000), "1.5ms");
        assert_eq!(duration_string(1_500), "1.5µs");
        assert_eq!(duration_string(999), "999ns");
        assert_eq!(duration_string(3_600_000_000_000), "1h0m0s");
        assert_eq!(duration_string(90_500_000_000), "1m30.5s");
        assert_eq!(duration_string(-1_800_000_000_000), "-30m0s");
        assert_eq!(duration_string(i64::MIN), "-2562047h47m16.854775808s");
        for d in [
            0,
            1_500_000,
            999,
            3_600_000_000_000,
            -1_800_000_000_000,
            i64::MIN + 1,
        ] {
            assert_eq!(parse_duration_string(&duration_string(d)), Some(d));
        }
    }
}
