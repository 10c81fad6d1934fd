//! Go-compatible number formatting and parsing.
//!
//! Prometheus formats numbers with Go's `fmt` and parses them with
//! `strconv.ParseFloat`; templates compare these strings verbatim in unit
//! tests, so the exact spelling matters (`1e+06`, `+Inf`, `NaN`, ...).

use std::fmt::Write;

/// Go's `%.<prec>g` for a float64 (`prec` significant digits), or Go's `%v`
/// (shortest representation that round-trips) when `prec` is `None`.
pub fn format_g(v: f64, prec: Option<usize>) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Rust's `{:e}` rounds exactly (round-half-even on the binary value), like
    // Go's strconv, so its digits and exponent can be laid out the Go way.
    let sci = match prec {
        Some(p) => format!("{:.*e}", p.max(1) - 1, v),
        None => format!("{v:e}"),
    };
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let neg = mantissa.starts_with('-');
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    // Go switches to %e when the exponent (after rounding) is < -4 or >= the
    // precision; for the shortest form it uses 6 as the precision here.
    let eprec = prec.map_or(6, |p| p.max(1) as i32);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= eprec {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// Go's `strconv.Quote` (as used by `%q` in error messages).
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                if (c as u32) <= 0xffff {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.ParseFloat(s, 64)`, with Go's error text.
pub(crate) fn parse_float(s: &str) -> Result<f64, String> {
    let syntax = || {
        format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(s)
        )
    };
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    let is_special = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    // Rust accepts a few spellings Go rejects ("+nan", "-nan"); Go only allows
    // a sign on infinities.
    if lower == "nan" && body.len() != s.len() {
        return Err(syntax());
    }
    if !is_special
        && !body
            .bytes()
            .all(|b| b.is_ascii_digit() || b".eE+-".contains(&b))
    {
        return Err(syntax());
    }
    let v: f64 = s.parse().map_err(|_| syntax())?;
    if v.is_infinite() && !is_special {
        return Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            go_quote(s)
        ));
    }
    Ok(v)
}

/// Go's `int64(f)` conversion as compiled for amd64: in range it truncates;
/// out of range (and NaN) the hardware yields the "integer indefinite" value
/// `math.MinInt64`. Rust's `as` saturates instead, which would print
/// different durations for absurd inputs.
pub(crate) fn go_int64(v: f64) -> i64 {
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v) {
        v as i64
    } else {
        i64::MIN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g4_matches_go() {
        // Expected strings are Go's fmt.Sprintf("%.4g", v).
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (1.0, "1"),
            (1.234567, "1.235"),
            (120.0, "120"),
            (1234.5, "1234"),
            (12345.0, "1.234e+04"),
            (9999.5, "1e+04"),
            (0.0001, "0.0001"),
            (0.00001234, "1.234e-05"),
            (123456700.0, "1.235e+08"),
            (922337203685477600000.0, "9.223e+20"),
            (-22.222, "-22.22"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (v, want) in cases {
            assert_eq!(format_g(*v, Some(4)), *want, "{v}");
        }
    }

    #[test]
    fn v_matches_go() {
        // Expected strings are Go's fmt.Sprint(float64(v)).
        let cases: &[(f64, &str)] = &[
            (11.0, "11"),
            (1.5, "1.5"),
            (100000.0, "100000"),
            (1000000.0, "1e+06"),
            (123456789.0, "1.23456789e+08"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-9.223372036854776e18, "-9.223372036854776e+18"),
            (1.8446744073709552e19, "1.8446744073709552e+19"),
        ];
        for (v, want) in cases {
            assert_eq!(format_g(*v, None), *want, "{v}");
        }
    }

    #[test]
    fn parse_float_errors_like_go() {
        assert_eq!(
            parse_float("one"),
            Err(r#"strconv.ParseFloat: parsing "one": invalid syntax"#.to_string())
        );
        assert_eq!(parse_float(".12"), Ok(0.12));
        assert_eq!(parse_float("+Inf"), Ok(f64::INFINITY));
        assert!(parse_float("NaN").is_ok_and(f64::is_nan));
        assert!(parse_float("1e400").is_err_and(|e| e.ends_with("value out of range")));
        assert!(parse_float("").is_err());
    }

    #[test]
    fn int64_conversion_like_amd64() {
        assert_eq!(go_int64(1.9), 1);
        assert_eq!(go_int64(-1.9), -1);
        assert_eq!(go_int64(1e300), i64::MIN);
        assert_eq!(go_int64(f64::NAN), i64::MIN);
    }
}
