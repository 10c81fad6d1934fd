use super::*;

fn err(text: &str) -> ParseError {
    parse(text).expect_err("should fail")
}

/// The message and the text it points at.
fn located(text: &str) -> (String, String) {
    let e = err(text);
    let at = e.position.clone().expect("positioned");
    (e.message, text[at].to_string())
}

#[test]
fn huge_durations_are_out_of_range_not_a_panic() {
    for (text, at) in [
        ("rate(up[1e300])", "1e300"),
        ("up[5m:1e300]", "1e300"),
        ("up[1e300:1m]", "1e300"),
        ("up[293y]", "293y"),
        ("rate(up[293y]", "293y"),
        ("count_over_time(up[300000000y])", "300000000y"),
        ("up offset 293y", "293y"),
        ("up offset 1e300", "1e300"),
        // With a sign Prometheus points at the sign.
        ("up offset -1e300", "-"),
        ("up[9223372037]", "9223372037"),
        ("sum(rate(up[5m])) + up[5000000000y]", "5000000000y"),
    ] {
        assert_eq!(
            located(text),
            ("duration out of range".to_string(), at.to_string()),
            "{text}"
        );
    }
}

#[test]
fn durations_at_the_limit_are_accepted() {
    // 292 years and 9223372036 seconds fit an int64 of nanoseconds.
    for text in [
        "up[292y]",
        "up[9223372036]",
        "up offset 292y",
        "up[5m:292y]",
    ] {
        assert!(parse(text).is_ok(), "{text}");
    }
}

#[test]
fn duration_syntax_errors_read_like_prometheus() {
    assert_eq!(
        located("up[99999999999999999999y]"),
        (
            "not a valid duration string: \"99999999999999999999y\"".to_string(),
            "99999999999999999999y".to_string()
        )
    );
    assert_eq!(
        err("up[5m1h]").message,
        "not a valid duration string: \"5m1h\""
    );
    assert_eq!(
        err("up[1hs]").message,
        "unknown unit \"hs\" in duration \"1hs\""
    );
}

#[test]
fn at_timestamps_out_of_bounds() {
    let msg = "timestamp out of bounds for @ modifier: 100000000000000000000.000000";
    for (text, at) in [
        ("up @ 1e20", "up"),
        ("rate(up[5m] @ 1e20)", "up[5m]"),
        ("sum(up) @ 1e20", "sum(up)"),
        ("up offset 5m @ 1e20", "up offset 5m"),
        ("up{a=\"b\"} @ 1e20", "up{a=\"b\"}"),
    ] {
        let (m, highlighted) = located(text);
        assert_eq!(m, msg, "{text}");
        assert!(
            highlighted.starts_with(at.split(' ').next().unwrap()),
            "{text}: {highlighted}"
        );
    }
    assert_eq!(
        err("up @ -1e20").message,
        "timestamp out of bounds for @ modifier: -100000000000000000000.000000"
    );
    assert_eq!(
        err("up @ Inf").message,
        "timestamp out of bounds for @ modifier: +Inf"
    );
    assert_eq!(
        err("up @ NaN").message,
        "timestamp out of bounds for @ modifier: NaN"
    );
    assert!(parse("up @ 1e18").is_ok());
    assert!(parse("up @ -1e18").is_ok());
}

#[test]
fn number_literals_out_of_float_range() {
    assert_eq!(
        located("up > 1e999999999"),
        (
            "error parsing number: strconv.ParseFloat: parsing \"1e999999999\": value out of range"
                .to_string(),
            "1e999999999".to_string()
        )
    );
    assert_eq!(
        err("0x1ffffffffffffffffff").message,
        "error parsing number: strconv.ParseFloat: parsing \"0x1ffffffffffffffffff\": invalid syntax"
    );
    // Underflow is zero, as in Go.
    assert!(parse("1e-999999999").is_ok());
    assert!(parse("Inf + NaN + 0x7fffffffffffffff + 1e308").is_ok());
}

#[test]
fn an_earlier_syntax_error_wins_over_a_later_limit() {
    // Prometheus reports the first error it meets.
    let e = err("sum(up)) + up[293y]");
    assert_ne!(e.message, "duration out of range");
    assert!(e.position.is_none());
    // An error only the end of the text raises comes after the limit.
    assert_eq!(err("rate(up[293y]").message, "duration out of range");
}

#[test]
fn deep_nesting_is_refused_with_a_message_naming_the_limit() {
    let deep = format!("{}up{}", "sum(".repeat(100_000), ")".repeat(100_000));
    let e = err(&deep);
    assert_eq!(e.message, "expression nested deeper than 1000 levels");
    let at = e.position.expect("positioned");
    assert_eq!(&deep[at.clone()], "(");
    let chain = vec!["up"; 5000].join(" or ");
    assert_eq!(
        err(&chain).message,
        "expression nested deeper than 1000 levels"
    );
    let unary = format!("{}1", "-".repeat(100_000));
    assert_eq!(
        err(&unary).message,
        "expression nested deeper than 1000 levels"
    );
    // Brackets inside strings and comments do not count.
    let quoted = format!("up{{a=\"{}\"}} # {}", "(".repeat(5000), "(".repeat(5000));
    assert!(parse(&quoted).is_ok());
    // Long argument lists are wide, not deep.
    let wide = format!(
        "label_join(up, \"a\", \"-\", {})",
        vec!["\"b\""; 3000].join(", ")
    );
    assert!(parse(&wide).is_ok());
}

/// An expression nested exactly `MAX_DEPTH` deep.
fn deepest(n: usize) -> String {
    // `n - 1` parentheses around a selector, each with one operator inside: depth counts
    // the top level, each bracket and each operator.
    let half = (n - 1) / 2;
    let mut s = String::new();
    for _ in 0..half {
        s.push_str("(1 + ");
    }
    s.push_str("up");
    for _ in 0..half {
        s.push(')');
    }
    s
}

#[test]
fn the_deepest_accepted_expression_parses_evaluates_and_drops_on_a_worker_stack() {
    // Expressions are parsed, checked and evaluated on the main thread or on workers with
    // `STACK_BYTES` (8 MiB, as much as the main thread's). In a debug build the evaluator
    // needs about 3 KiB a level there, so 1000 levels leave room to spare (1500 measured to
    // pass, a release build needs a fraction of that).
    let text = deepest(MAX_DEPTH);
    let worker = std::thread::Builder::new()
        .stack_size(crate::STACK_BYTES)
        .spawn(move || {
            let expr = parse(&text).expect("at the limit");
            let mut storage = crate::Storage::new();
            storage.append(
                &crate::Labels::from_pairs([("__name__", "up")]),
                0,
                crate::StoredValue::Float(1.0),
            );
            let v = crate::Engine::default()
                .instant(&storage, &expr, 0)
                .expect("evaluates");
            let _ = format!("{expr}");
            drop(expr);
            v
        })
        .expect("thread");
    assert!(worker.join().is_ok(), "stack overflow below the limit");
    let chain = vec!["up"; MAX_DEPTH].join(" or ");
    assert!(parse(&chain).is_ok());
    assert!(parse(&format!("{chain} or up")).is_err());
}

#[test]
fn panics_in_the_parser_become_errors() {
    // Whatever the text, parse returns.
    for text in [
        "",
        "(",
        "[",
        "@",
        "up[",
        "offset",
        "1e",
        "0x",
        "`",
        "\"\\",
        "{",
        "}",
        "up[-1e300]",
    ] {
        let _ = parse(text);
    }
}

// The old front end reads numbers with the own parser's reading (one place).
use crate::syntax::literal::parse_number as go_number;

#[test]
fn go_number_matches_strconv() {
    assert_eq!(go_number("0777"), Ok(511.0));
    assert_eq!(go_number("09"), Ok(9.0));
    assert_eq!(go_number("0x10"), Ok(16.0));
    assert_eq!(go_number("1_000"), Ok(1000.0));
    assert!(go_number("1e400").is_err());
    assert_eq!(go_number("1e-400"), Ok(0.0));
}

#[test]
fn prometheus_durations() {
    assert_eq!(parse_prometheus_duration("1h30m"), Ok(5_400_000_000_000));
    assert_eq!(
        parse_prometheus_duration("292y"),
        Ok(292 * 365 * 86_400 * 1_000_000_000)
    );
    assert_eq!(
        parse_prometheus_duration("293y"),
        Err("duration out of range".to_string())
    );
    assert_eq!(
        parse_prometheus_duration("106751d23h47m16s854ms"),
        Ok(9_223_372_036_854_000_000)
    );
    assert_eq!(
        parse_prometheus_duration("106751d23h47m16s855ms"),
        Err("duration out of range".to_string())
    );
}
