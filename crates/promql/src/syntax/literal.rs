//! Literals as Go reads and writes them: numbers (`strconv.ParseInt`/`ParseFloat`), durations
//! (`prometheus/common` `model.ParseDuration` and `model.Duration.String`), quoted strings
//! (`strutil.Unquote`, `strconv.Quote`) and float formatting (`FormatFloat`, `%v`, `%f`).

use smol_str::SmolStr;

/// Nanoseconds in a second.
const NS: i64 = 1_000_000_000;

/// Go's `%q` for text made of printable characters (durations, words, numbers).
pub(crate) fn go_quote(s: &str) -> String {
    quote(s)
}

/// Go's `strconv.Quote`: double quotes, with escapes for quotes, backslashes and characters
/// that are not printable. U+FFFD (what an invalid byte from a `\x` escape was read as) is
/// written `\ufffd`, so that the printed form parses again.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`: letters, marks, numbers, punctuation,
/// symbols and the ASCII space. Without the Unicode tables, what is left out is control,
/// format, separator, private-use and surrogate-adjacent characters known by range.
fn is_print(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() || c == '\u{FFFD}' {
        return false;
    }
    !matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xFFFE | 0xFFFF
        | 0x110BD | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F
        | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF)
}

/// Prometheus' `strutil.Unquote` of a string token the lexer accepted (quotes included).
/// Escapes may produce bytes that are not UTF-8 (`"\xff"`); those become U+FFFD. Most
/// strings have no escapes: their text is taken as it is, inline when short.
pub(crate) fn unquote(token: &str) -> SmolStr {
    let b = token.as_bytes();
    if b.len() < 2 {
        return SmolStr::default();
    }
    let inner = &token[1..token.len() - 1];
    if b[0] == b'`' || !inner.contains('\\') {
        return SmolStr::new(inner);
    }
    let ib = inner.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < ib.len() {
        if ib[i] != b'\\' {
            let ch = inner[i..].chars().next().unwrap_or('\u{0}');
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            i += ch.len_utf8().max(1);
            continue;
        }
        i += 1;
        let Some(&c) = ib.get(i) else { break };
        i += 1;
        let simple = match c {
            b'a' => Some(7u8),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(11),
            b'\\' | b'\'' | b'"' => Some(c),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let (n, base, start) = match c {
            b'0'..=b'7' => (3, 8, i - 1),
            b'x' => (2, 16, i),
            b'u' => (4, 16, i),
            b'U' => (8, 16, i),
            _ => continue,
        };
        let end = (start + n).min(ib.len());
        let v = u32::from_str_radix(&inner[start..end], base).unwrap_or(0xFFFD);
        i = end;
        if matches!(c, b'x' | b'0'..=b'7') {
            // A byte, not a character.
            out.push(v as u8);
        } else {
            let ch = char::from_u32(v).unwrap_or('\u{FFFD}');
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
    }
    match String::from_utf8(out) {
        Ok(s) => s.into(),
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into(),
    }
}

/// Go's reading of a number literal: `strconv.ParseInt(s, 0, 64)`, then `ParseFloat`; the
/// error is Prometheus' message.
pub(crate) fn parse_number(s: &str) -> Result<f64, String> {
    if s.eq_ignore_ascii_case("inf") {
        return Ok(f64::INFINITY);
    }
    if s.eq_ignore_ascii_case("nan") {
        return Ok(f64::NAN);
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    let bad = |why: &str| {
        Err(format!(
            "error parsing number: strconv.ParseFloat: parsing {}: {why}",
            go_quote(s)
        ))
    };
    if let Some(hex) = lower.strip_prefix("0x") {
        return match i64::from_str_radix(hex, 16) {
            Ok(v) if !hex.is_empty() => Ok(v as f64),
            // ParseFloat takes a hexadecimal number only with a `p` exponent, which the
            // lexer never lets through.
            _ => bad("invalid syntax"),
        };
    }
    if lower.len() > 1
        && lower.starts_with('0')
        && lower.bytes().all(|c| c.is_ascii_digit())
        && let Ok(v) = i64::from_str_radix(&lower[1..], 8)
    {
        return Ok(v as f64);
    }
    if !lower.is_empty()
        && lower.bytes().all(|c| c.is_ascii_digit())
        && let Ok(v) = lower.parse::<i64>()
    {
        return Ok(v as f64);
    }
    match parse_decimal_float(&lower) {
        Some(v) if v.is_infinite() => bad("value out of range"),
        Some(v) => Ok(v),
        None => bad("invalid syntax"),
    }
}

/// A decimal float as Go's `ParseFloat` reads what the lexer lets through (`5.`, `.5`,
/// `5.e3`, `1e-3`).
fn parse_decimal_float(s: &str) -> Option<f64> {
    if let Ok(v) = s.parse::<f64>() {
        return Some(v);
    }
    // Rust does not read a mantissa ending in a dot before an exponent (`5.e3`).
    if let Some(e) = s.find('e')
        && s[..e].ends_with('.')
    {
        let fixed = format!("{}{}", &s[..e - 1], &s[e..]);
        return fixed.parse::<f64>().ok();
    }
    None
}

/// `model.ParseDuration`, in nanoseconds, with its messages.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    const UNITS: [(&str, i64); 7] = [
        ("y", 365 * 24 * 3600 * NS),
        ("w", 7 * 24 * 3600 * NS),
        ("d", 24 * 3600 * NS),
        ("h", 3600 * NS),
        ("m", 60 * NS),
        ("s", NS),
        ("ms", 1_000_000),
    ];
    match s {
        "0" => return Ok(0),
        "" => return Err("empty duration string".to_string()),
        _ => {}
    }
    let invalid = || format!("not a valid duration string: {}", go_quote(s));
    let mut rest = s;
    let mut total: i64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid());
        }
        let number = &rest[..digits];
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|c| !c.is_ascii_digit()).count();
        if unit_len == 0 {
            return Err(invalid());
        }
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let Some(index) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(format!(
                "unknown unit {} in duration {}",
                go_quote(unit),
                go_quote(s)
            ));
        };
        if index < next_unit {
            return Err(invalid());
        }
        next_unit = index + 1;
        let out_of_range = || "duration out of range".to_string();
        // Go's strconv.ParseInt failing (more digits than an int64 holds) is "not a valid
        // duration string"; a product or sum past int64 is "out of range".
        let n: i64 = number.parse().map_err(|_| invalid())?;
        total = n
            .checked_mul(UNITS[index].1)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(out_of_range)?;
    }
    Ok(total)
}

/// Go's `time.Duration.Seconds()`.
pub(crate) fn ns_to_seconds(ns: i64) -> f64 {
    (ns / NS) as f64 + (ns % NS) as f64 / 1e9
}

/// Seconds as a Go `time.Duration`: `time.Duration(math.Round(v * 1e9))`, saturating.
pub(crate) fn seconds_to_ns(v: f64) -> i64 {
    let ns = (v * 1e9).round();
    if ns.is_nan() { 0 } else { ns as i64 }
}

/// Prometheus' `durationLiteralOutOfRange`: seconds that do not fit a `time.Duration`.
pub(crate) fn seconds_out_of_range(v: f64) -> bool {
    let limit = (1u64 << 63) as f64 / 1e9;
    !(-limit..=limit).contains(&v)
}

/// `model.Duration(ns).String()`: milliseconds resolution, `0s` for zero. Negative
/// durations (which `model.Duration` does not print well) are written with a leading `-`.
/// Prometheus truncates to the millisecond; a value within a microsecond below the next
/// millisecond is taken as that millisecond, since it is a large duration that went
/// through a float (`2y8w2d357ms` is 68083200.357 seconds, which is 68083200356999992 ns).
pub(crate) fn format_duration_ns(ns: i64) -> String {
    let abs = ns.unsigned_abs();
    let mut ms = abs / 1_000_000;
    if abs % 1_000_000 >= 999_000 {
        ms += 1;
    }
    if ns < 0 {
        return format!("-{}", format_ms(ms));
    }
    format_ms(ms)
}

fn format_ms(mut ms: u64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, mult) in [
        ("y", 365 * 24 * 3_600_000u64),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ] {
        let n = ms / mult;
        if n > 0 {
            out.push_str(&n.to_string());
            out.push_str(unit);
            ms -= n * mult;
        }
    }
    out
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`, with Prometheus' `+Inf`, `-Inf`, `NaN`.
pub(crate) fn format_float(v: f64) -> String {
    non_finite(v).map_or_else(|| format!("{v}"), str::to_string)
}

/// How Prometheus writes a float that is not finite; `None` for a finite one.
fn non_finite(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN")
    } else if v == f64::INFINITY {
        Some("+Inf")
    } else if v == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// Go's `%f` (six decimals).
pub(crate) fn go_f(v: f64) -> String {
    non_finite(v).map_or_else(|| format!("{v:.6}"), str::to_string)
}

/// Go's `%v` of a float64 (`%g` with the shortest precision): exponent form below 1e-4 and
/// from 1e6 up.
pub(crate) fn go_v(v: f64) -> String {
    if !v.is_finite() {
        return format_float(v);
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        format!("{v}")
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_go() {
        assert_eq!(parse_number("0755"), Ok(493.0));
        assert_eq!(parse_number("0x1F"), Ok(31.0));
        assert_eq!(parse_number("08"), Ok(8.0));
        assert_eq!(parse_number("5."), Ok(5.0));
        assert_eq!(parse_number(".5"), Ok(0.5));
        assert_eq!(parse_number("5.e3"), Ok(5000.0));
        assert_eq!(parse_number("1_000"), Ok(1000.0));
        assert!(
            parse_number("1e999")
                .unwrap_err()
                .contains("value out of range")
        );
        assert!(parse_number("0xffffffffffffffffff").is_err());
    }

    #[test]
    fn durations_read_and_print_like_prometheus() {
        assert_eq!(parse_duration("1h30m"), Ok(5400 * NS));
        assert_eq!(parse_duration("1m30ms"), Ok(60 * NS + 30_000_000));
        assert!(
            parse_duration("5m1h")
                .unwrap_err()
                .starts_with("not a valid")
        );
        assert!(
            parse_duration("5y1hs")
                .unwrap_err()
                .starts_with("unknown unit")
        );
        assert_eq!(
            parse_duration("99999999999y"),
            Err("duration out of range".into())
        );
        assert_eq!(format_duration_ns(5400 * NS), "1h30m");
        assert_eq!(format_duration_ns(0), "0s");
        assert_eq!(format_duration_ns(-60 * NS), "-1m");
    }

    #[test]
    fn strings_unquote_and_quote_like_go() {
        assert_eq!(unquote(r#""a\"b""#), "a\"b");
        assert_eq!(unquote(r"'a\'b'"), "a'b");
        assert_eq!(unquote(r#""\u263a\x41\101""#), "☺AA");
        assert_eq!(unquote("`a\\nb`"), "a\\nb");
        assert_eq!(quote("a\"b\n☺"), r#""a\"b\n☺""#);
        assert_eq!(quote("\u{1}"), r#""\x01""#);
    }

    #[test]
    fn floats_print_like_go() {
        assert_eq!(go_v(1e6), "1e+06");
        assert_eq!(go_v(123456.0), "123456");
        assert_eq!(go_v(0.0001), "0.0001");
        assert_eq!(go_v(0.00001), "1e-05");
        assert_eq!(format_float(1e21), "1000000000000000000000");
    }
}
